//! The guard: what a person editing a file should know about other lanes — the file lives in
//! another lane than the window's, or another lane changes the same file (and maybe the same lines).
//! Editor-independent: the language server turns findings into diagnostics.

use std::path::{Path, PathBuf};

use crate::conflicts::{self, Judged};
use crate::error::Result;
use crate::git::changes::{FileChange, LineRange};
use crate::overlap::{LaneChanges, LaneSource, OverlapIndex};
use crate::verdict::{Judge, Verdict};

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
        /// True when the two changes touch the same lines (a conflict or an overlap).
        overlapping: bool,
        /// Git's verdict on merging the two versions.
        verdict: Verdict,
        /// Lines of this file (this lane's version) involved; empty when none are.
        here: Vec<LineRange>,
        /// Lines of the other lane's copy involved (or, when none are, that it changed).
        there: Vec<LineRange>,
    },
    /// The lane's base changed this file since the lane branched, touching its lines.
    BaseChanged {
        /// The base, e.g. `origin/main`.
        base: String,
        /// Git's verdict on merging the base's version with this one.
        verdict: Verdict,
        /// Lines of this file involved.
        here: Vec<LineRange>,
        /// Lines of the base's version involved.
        there: Vec<LineRange>,
    },
    /// The file is in the primary checkout while lanes exist.
    NotInLane {
        /// How many lanes the repository has.
        lanes: usize,
    },
}

/// Findings for `file` (absolute), edited in a window whose lane is the worktree `window_lane`.
/// `buffer` is the editor's unsaved text (None: read the file from disk). Verdicts are git's own
/// ([`Judge`]), with the buffer as this lane's side.
pub fn findings(
    judge: &Judge,
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

    if let Some(window) = window_lane.and_then(|w| index.lane(w)) {
        if window.source.path != own.source.path {
            out.push(Finding::OtherLane {
                file_lane: own.source.clone(),
                window_lane: window.source.clone(),
            });
        }
    }

    let others: Vec<(&LaneChanges, &FileChange)> = index
        .lanes_changing(&relative)
        .filter(|(lane, _)| lane.source.path != own.source.path)
        .collect();
    let ours = match buffer {
        Some(text) => Some(text.to_vec()),
        // As git sees it: never through a symlink, never waiting on a FIFO.
        None => crate::git::read::worktree_content(
            &own.source.path,
            &relative,
            crate::git::read::CONTENT_CAP,
        )
        .ok()
        .flatten()
        .map(crate::git::read::Content::into_bytes),
    };
    let committed = own
        .source
        .head
        .is_some_and(|head| judge.content_at(head, &relative) == ours);
    for (lane, change) in others {
        let theirs = conflicts::lane_version(judge, lane, &relative);
        let judged = conflicts::lane_against_lane(
            judge,
            own,
            ours.as_deref(),
            committed,
            lane,
            theirs.as_deref(),
            &relative,
        )?;
        let judged = judged.unwrap_or_else(|| Judged {
            verdict: Verdict::Shared,
            here: Vec::new(),
            there: change.hunks.iter().map(|h| h.new).collect(),
        });
        out.push(Finding::AlsoChanged {
            other: lane.source.clone(),
            other_file: lane.source.path.join(&relative),
            overlapping: judged.verdict != Verdict::Shared,
            verdict: judged.verdict,
            here: judged.here,
            there: judged.there,
        });
    }
    if let Some(judged) =
        conflicts::lane_against_base(judge, own, ours.as_deref(), committed, &relative)?
    {
        if judged.verdict != Verdict::Shared {
            out.push(Finding::BaseChanged {
                base: own
                    .source
                    .base_ref
                    .clone()
                    .unwrap_or_else(|| "the base".into()),
                verdict: judged.verdict,
                here: judged.here,
                there: judged.there,
            });
        }
    }

    if own.source.primary {
        let lanes = index.lanes().filter(|l| !l.source.primary).count();
        if lanes > 0 {
            out.push(Finding::NotInLane { lanes });
        }
    }
    Ok(out)
}
