//! `lanes list` and `lanes status`: the lanes of a repository, joined from git's worktree list and
//! lanes' own records, with their state.

use std::path::Path;

use crate::config::Config;
use crate::conflicts;
use crate::error::{Error, Result};
use crate::git::{canonical, Repo};
use crate::lane::{describe, holding, lanes_of, Lane};
use crate::verdict::Judge;

/// Every lane of the repository with its state, and with whom its merge would conflict. The
/// worktrees are scanned once, in parallel (the overlap index), and their dirty counts read from
/// that scan.
pub fn list(repo: &Repo, config: &Config) -> Result<Vec<Lane>> {
    crate::ops::moves::finish_interrupted_writes(repo);
    let index = crate::ops::check::index(repo, config)?;
    let judge = Judge::open(repo.common_dir())?;
    conflicts::described(repo, config, &lanes_of(repo, config)?, &index, &judge)
}

/// The lane whose worktree contains `dir`.
pub fn status(repo: &Repo, config: &Config, dir: &Path) -> Result<Lane> {
    crate::ops::moves::finish_interrupted_writes(repo);
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
