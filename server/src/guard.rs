//! The guard: what a person editing a file should know about other lanes — the file lives in
//! another lane than the window's, or another lane changes the same file (and maybe the same lines).
//! Editor-independent: the language server turns findings into diagnostics.

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::error::{Error, Result};
use crate::git::changes::{buffer_change, FileChange, LineRange};
use crate::overlap::{LaneChanges, LaneSource, OverlapIndex};

/// Something the person editing a file should know.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// The file lives in another lane's worktree than the window's lane.
    OtherLane {
        /// The lane the file belongs to.
        file_lane: LaneSource,
        /// The lane of the window.
        window_lane: LaneSource,
    },
    /// Another lane changes the same repository-relative path.
    AlsoChanged {
        /// That lane.
        other: LaneSource,
        /// The other lane's copy of the file.
        other_file: PathBuf,
        /// True when its changed lines touch lines this lane changed.
        overlapping: bool,
        /// Lines of this file (this lane's version) that overlap; empty when none do.
        here: Vec<LineRange>,
        /// Lines of the other lane's copy that overlap (or, when none do, that it changed).
        there: Vec<LineRange>,
    },
    /// The file is in the primary checkout while lanes exist.
    NotInLane {
        /// How many lanes the repository has.
        lanes: usize,
    },
}

/// Findings for `file` (absolute), edited in a window whose lane is the worktree `window_lane`.
/// `buffer` is the editor's unsaved text (None: read the file from disk).
pub fn findings(
    repo: &Repository,
    index: &OverlapIndex,
    window_lane: Option<&Path>,
    file: &Path,
    buffer: Option<&[u8]>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    // The deepest worktree containing the file owns it (a lane may sit inside the primary's dir).
    let lanes: Vec<_> = index.lanes().collect();
    let Some(own) = crate::lane::deepest(lanes.iter().copied(), file, |l| {
        Some(l.source.path.as_path())
    }) else {
        return Ok(out);
    };
    let Ok(relative) = file.strip_prefix(&own.source.path) else {
        return Ok(out);
    };
    let relative = crate::git::slash_path(relative);
    if relative.starts_with(".git/") || relative == ".git" {
        return Ok(out);
    }
    let own_ref = own.source.clone();

    if let Some(window) = window_lane.and_then(|w| index.lane(w)) {
        if window.source.path != own.source.path {
            out.push(Finding::OtherLane {
                file_lane: own_ref.clone(),
                window_lane: window.source.clone(),
            });
        }
    }

    let others: Vec<(&LaneChanges, &FileChange)> = index
        .lanes_changing(&relative)
        .filter(|(lane, _)| lane.source.path != own.source.path)
        .collect();
    if !others.is_empty() {
        let mine = own_change(repo, own, &relative, file, buffer)?.unwrap_or_default();
        for (lane, theirs) in others {
            let (here, there) = overlapping_lines(&mine, theirs);
            let overlapping = mine.overlaps(theirs);
            let there = if there.is_empty() {
                theirs.hunks.iter().map(|h| h.new).collect()
            } else {
                there
            };
            out.push(Finding::AlsoChanged {
                other: lane.source.clone(),
                other_file: lane.source.path.join(&relative),
                overlapping,
                here,
                there,
            });
        }
    }

    if own_ref.primary {
        let lanes = index.lanes().filter(|l| !l.source.primary).count();
        if lanes > 0 {
            out.push(Finding::NotInLane { lanes });
        }
    }
    Ok(out)
}

/// This lane's change to the file, measured from its merge-base to the buffer (or the file on
/// disk), so line numbers are those the editor shows.
fn own_change(
    repo: &Repository,
    lane: &LaneChanges,
    relative: &str,
    file: &Path,
    buffer: Option<&[u8]>,
) -> Result<Option<FileChange>> {
    let on_disk;
    let text = match buffer {
        Some(b) => Some(b),
        None => {
            on_disk = std::fs::read(file).ok();
            on_disk.as_deref()
        }
    };
    let Some(base) = lane.merge_base.or(lane.source.head) else {
        return Ok(text.map(|_| FileChange {
            hunks: Vec::new(),
            whole: true,
        }));
    };
    let tree = repo
        .find_commit(base)
        .and_then(|c| c.tree())
        .map_err(Error::git("reading the lane's base version"))?;
    let blob = tree
        .get_path(Path::new(relative))
        .ok()
        .map(|e| repo.find_blob(e.id()))
        .transpose()
        .map_err(Error::git(format!(
            "reading the base version of {relative}"
        )))?;
    buffer_change(blob.as_ref(), text)
}

/// The lines of `mine` (its new side) and of `theirs` (its new side) whose base-side ranges touch.
fn overlapping_lines(mine: &FileChange, theirs: &FileChange) -> (Vec<LineRange>, Vec<LineRange>) {
    let mut here = Vec::new();
    let mut there = Vec::new();
    for a in &mine.hunks {
        for b in &theirs.hunks {
            if a.old.overlaps(&b.old) {
                if !here.contains(&a.new) {
                    here.push(a.new);
                }
                if !there.contains(&b.new) {
                    there.push(b.new);
                }
            }
        }
    }
    (here, there)
}
