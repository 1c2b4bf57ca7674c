//! `lanes list` and `lanes status`: the lanes of a repository, joined from git's worktree list and
//! lanes' own records, with their state.

use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::{canonical, Repo};
use crate::lane::{describe, holding, lanes_of, Lane};

/// Every lane of the repository with its state.
pub fn list(repo: &Repo, config: &Config) -> Result<Vec<Lane>> {
    Ok(lanes_of(repo, config)?
        .iter()
        .map(|entry| describe(repo, config, entry))
        .collect())
}

/// The lane whose worktree contains `dir`.
pub fn status(repo: &Repo, config: &Config, dir: &Path) -> Result<Lane> {
    let dir = canonical(dir);
    let entries = lanes_of(repo, config)?;
    holding(&entries, &dir)
        .map(|e| describe(repo, config, e))
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} is not inside a worktree of {} (it is the git directory of a bare repository?)",
                dir.display(),
                repo.anchor().display()
            ))
        })
}
