//! `lanes check`: files two sides change — two lanes, or a lane and its moving base — with git's
//! verdict on merging each pair.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::conflicts;
use crate::error::{Error, Result};
use crate::git::{canonical, slash_path, Repo};
use crate::lane::{holding, lanes_of};
use crate::ops::teammates;
use crate::overlap::{sources, OverlapIndex};
use crate::protocol::{PathOverlap, Verdict};
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
    let mut wanted: Vec<(PathBuf, String)> = Vec::new();
    for file in files {
        let file = canonical(file);
        let lane = holding(&entries, &file)
            .and_then(|e| e.path())
            .map(Path::to_path_buf)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{} is not in a lane of {}",
                    file.display(),
                    repo.anchor().display()
                ))
            })?;
        let relative = file.strip_prefix(&lane).map_err(|_| {
            Error::Usage(format!(
                "{} is not inside {}",
                file.display(),
                lane.display()
            ))
        })?;
        wanted.push((lane, slash_path(relative)));
    }
    let only: BTreeSet<String> = wanted.iter().map(|(_, path)| path.clone()).collect();
    let index = index_with(repo, config, pull_requests)?;
    let judge = Judge::open(repo.common_dir())?;
    let mut report = conflicts::report(&index, &judge, Some(&only))?;
    for entry in &mut report {
        let lanes: Vec<&PathBuf> = wanted
            .iter()
            .filter(|(_, path)| *path == entry.path)
            .map(|(lane, _)| lane)
            .collect();
        entry.pairs.retain(|pair| {
            [&pair.a.path, &pair.b.path]
                .into_iter()
                .flatten()
                .any(|side| lanes.contains(&side))
        });
        entry.conflict = entry.pairs.iter().any(|p| p.kind == Verdict::Conflict);
    }
    report.retain(|entry| !entry.pairs.is_empty());
    Ok(report)
}

pub use crate::protocol::FileCheck;

/// What editing one file risks (for agents asking "may I edit this?"): [`check_files`] of it,
/// with a verdict.
pub fn check_file(repo: &Repo, config: &Config, file: &Path) -> Result<FileCheck> {
    let overlaps = check_files(
        repo,
        config,
        &[file.to_path_buf()],
        config.guard_pull_requests,
    )?;
    Ok(FileCheck {
        path: file.display().to_string(),
        safe: overlaps.is_empty(),
        conflict: overlaps.iter().any(|o| o.conflict),
        overlaps,
    })
}
