//! `lanes check`: paths changed in more than one lane, and whether the changed lines touch.

use crate::config::Config;
use crate::error::Result;
use crate::git::Repo;
use crate::ops::list::lanes_of;
use crate::overlap::{LaneSource, OverlapIndex, PathOverlap};

/// The sources of every lane of the repository, primary checkout included.
pub fn sources(repo: &Repo, config: &Config) -> Result<Vec<LaneSource>> {
    Ok(lanes_of(repo, config)?
        .iter()
        .filter_map(|entry| LaneSource::of(repo, config, entry))
        .collect())
}

/// Builds the overlap index of the repository.
pub fn index(repo: &Repo, config: &Config) -> Result<OverlapIndex> {
    OverlapIndex::build(repo.common_dir(), sources(repo, config)?)
}

/// Every path changed in more than one lane.
pub fn check(repo: &Repo, config: &Config) -> Result<Vec<PathOverlap>> {
    Ok(index(repo, config)?.overlaps())
}
