//! What `lanes check` reports: paths changed in more than one lane.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::Wire;
use crate::git::changes;

/// A path changed in more than one lane.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PathOverlap {
    /// Repository-relative path.
    pub path: String,
    /// True when at least two lanes change touching line ranges (a merge conflict is likely).
    pub overlapping: bool,
    /// The lanes changing it.
    pub lanes: Vec<OverlapSide>,
}
impl Wire for PathOverlap {}

/// One lane's part in an overlap.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OverlapSide {
    /// Ticket key, if any.
    pub ticket: Option<String>,
    /// Branch, if any.
    pub branch: Option<String>,
    /// Worktree directory.
    pub path: PathBuf,
    /// How the lane changes the file.
    pub change: FileChange,
}

/// How one file is changed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileChange {
    /// Changed regions.
    pub hunks: Vec<Hunk>,
    /// The change has no line structure (binary file, added or deleted as a whole): any other
    /// change to this path conflicts with it.
    pub whole: bool,
}

/// One changed region: where it was in the old version and where it is in the new one.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Hunk {
    /// Lines in the old version (the base side).
    pub old: LineRange,
    /// Lines in the new version (the lane's side).
    pub new: LineRange,
}

/// A run of lines, 1-based; `lines == 0` is an empty run just after line `start`.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct LineRange {
    /// First line (or, for an empty run, the line it follows).
    pub start: u32,
    /// Number of lines.
    pub lines: u32,
}

impl From<&changes::FileChange> for FileChange {
    fn from(c: &changes::FileChange) -> FileChange {
        FileChange {
            hunks: c.hunks.iter().map(Hunk::from).collect(),
            whole: c.whole,
        }
    }
}

impl From<&changes::Hunk> for Hunk {
    fn from(h: &changes::Hunk) -> Hunk {
        Hunk {
            old: LineRange::from(&h.old),
            new: LineRange::from(&h.new),
        }
    }
}

impl From<&changes::LineRange> for LineRange {
    fn from(r: &changes::LineRange) -> LineRange {
        LineRange {
            start: r.start,
            lines: r.lines,
        }
    }
}
