//! `lanes list` and `lanes status`: the lanes of a repository, joined from git's worktree list and
//! lanes' own records, with their state.

use std::path::Path;

use crate::config::Config;
use crate::conflicts;
use crate::error::{Error, Result};
use crate::git::{canonical, Repo};
use crate::lane::{describe, holding, lanes_of, Lane};

/// Every lane of the repository with its state, and with whom its merge would conflict.
pub fn list(repo: &Repo, config: &Config) -> Result<Vec<Lane>> {
    let mut lanes: Vec<Lane> = lanes_of(repo, config)?
        .iter()
        .map(|entry| describe(repo, config, entry))
        .collect();
    let report = crate::ops::check::check(repo, config)?;
    for lane in &mut lanes {
        lane.conflicts = conflicts::partners(&report, &lane.path);
    }
    Ok(lanes)
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
