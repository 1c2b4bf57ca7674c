//! `lanes check`: files two sides change — two lanes, or a lane and its moving base — with git's
//! verdict on merging each pair.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::conflicts;
use crate::error::Result;
use crate::git::Repo;
use crate::lane::lanes_of;
use crate::ops::teammates;
use crate::overlap::{sources, OverlapIndex};
use crate::protocol::{LaneFiles, PathOverlap};
use crate::verdict::Judge;

/// Builds the overlap index of the repository.
pub fn index(repo: &Repo, config: &Config) -> Result<OverlapIndex> {
    OverlapIndex::build(repo.common_dir(), sources(repo, config)?)
}

/// The index with teammates' open pull requests as remote lanes too (see [`teammates`]).
fn index_with(repo: &Repo, config: &Config, pull_requests: bool) -> Result<OverlapIndex> {
    let mut all = sources(repo, config)?;
    if pull_requests {
        all.extend(teammates::remote_lanes(repo, config)?);
    }
    OverlapIndex::build(repo.common_dir(), all)
}

/// Every file two sides change, with a verdict per pair, conflicts first.
pub fn check(repo: &Repo, config: &Config) -> Result<Vec<PathOverlap>> {
    check_with(repo, config, false)
}

/// [`check`], with teammates' open pull requests judged as lanes when `pull_requests`.
pub fn check_with(repo: &Repo, config: &Config, pull_requests: bool) -> Result<Vec<PathOverlap>> {
    let index = index_with(repo, config, pull_requests)?;
    let judge = Judge::open(repo.common_dir())?;
    conflicts::report(&index, &judge, None)
}

/// What editing `files` (paths of files in lanes, absolute or relative to the current directory)
/// risks: for each, its entry with only the pairs its own lane is part of. Files nobody else
/// changes are left out.
pub fn check_files(
    repo: &Repo,
    config: &Config,
    files: &[PathBuf],
    pull_requests: bool,
) -> Result<Vec<PathOverlap>> {
    let entries = lanes_of(repo, config)?;
    let wanted = conflicts::in_lanes(&entries, repo.anchor(), files)?;
    let index = index_with(repo, config, pull_requests)?;
    let judge = Judge::open(repo.common_dir())?;
    conflicts::for_files(&index, &judge, &wanted)
}

/// Every file the lane at `lane` (its worktree directory) changes, each with the other sides
/// changing it and git's verdict — what an editor lists under a lane.
pub fn lane_files(
    repo: &Repo,
    config: &Config,
    lane: &Path,
    pull_requests: bool,
) -> Result<LaneFiles> {
    let index = index_with(repo, config, pull_requests)?;
    let judge = Judge::open(repo.common_dir())?;
    Ok(LaneFiles {
        lane: lane.to_path_buf(),
        files: conflicts::lane_files(&index, &judge, lane)?,
    })
}
