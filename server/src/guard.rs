//! The guard: what a person editing a file should know about other lanes — the file lives in
//! another lane than the window's, or another lane changes the same file (and maybe the same lines).
//! Editor-independent: the language server turns findings into diagnostics.

use std::path::{Path, PathBuf};

use git2::Repository;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::git::changes::{buffer_change, FileChange, LineRange};
use crate::overlap::{LaneChanges, OverlapIndex};

/// A lane named in a finding, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaneRef {
    /// Ticket key, if any.
    pub ticket: Option<String>,
    /// Branch, if any.
    pub branch: Option<String>,
    /// Worktree directory.
    pub path: PathBuf,
    /// True for the primary checkout.
    pub primary: bool,
}

impl LaneRef {
    fn of(lane: &LaneChanges, primary: &Path) -> LaneRef {
        LaneRef {
            ticket: lane.source.ticket.clone(),
            branch: lane.source.branch.clone(),
            path: lane.source.path.clone(),
            primary: lane.source.path == primary,
        }
    }

    /// "lane PROJ-7 (feature/PROJ-7)", "the primary checkout (main)".
    pub fn describe(&self) -> String {
        let branch = self
            .branch
            .as_deref()
            .map(|b| format!(" ({b})"))
            .unwrap_or_else(|| " (detached HEAD)".to_string());
        match (&self.ticket, self.primary) {
            (_, true) => format!("the primary checkout{branch}"),
            (Some(t), false) => format!("lane {t}{branch}"),
            (None, false) => format!("the worktree {}{branch}", self.path.display()),
        }
    }
}

/// Something the person editing a file should know.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// The file lives in another lane's worktree than the window's lane.
    OtherLane {
        /// The lane the file belongs to.
        file_lane: LaneRef,
        /// The lane of the window.
        window_lane: LaneRef,
    },
    /// Another lane changes the same repository-relative path.
    AlsoChanged {
        /// That lane.
        other: LaneRef,
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
    primary: &Path,
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
    let own_ref = LaneRef::of(own, primary);

    if let Some(window) = window_lane.and_then(|w| index.lane(w)) {
        if window.source.path != own.source.path {
            out.push(Finding::OtherLane {
                file_lane: own_ref.clone(),
                window_lane: LaneRef::of(window, primary),
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
                other: LaneRef::of(lane, primary),
                other_file: lane.source.path.join(&relative),
                overlapping,
                here,
                there,
            });
        }
    }

    if own_ref.primary {
        let lanes = index.lanes().filter(|l| l.source.path != primary).count();
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
