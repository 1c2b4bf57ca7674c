//! `lanes check`: paths changed in more than one lane, and whether the changed lines touch.

use crate::config::Config;
use crate::error::Result;
use crate::git::Repo;
use crate::overlap::{sources, OverlapIndex, PathOverlap};

/// Builds the overlap index of the repository.
pub fn index(repo: &Repo, config: &Config) -> Result<OverlapIndex> {
    OverlapIndex::build(repo.common_dir(), sources(repo, config)?)
}

/// Every path changed in more than one lane.
pub fn check(repo: &Repo, config: &Config) -> Result<Vec<PathOverlap>> {
    Ok(index(repo, config)?.overlaps())
}
