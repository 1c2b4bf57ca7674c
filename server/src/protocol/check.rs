//! What `lanes check` reports: paths changed in more than one lane.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::Wire;
use crate::git::changes;

/// A file two sides change: two lanes, or a lane and its base since the lane branched.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PathOverlap {
    /// Repository-relative path.
    pub path: String,
    /// True when at least two lanes change touching line ranges.
    pub overlapping: bool,
    /// True when some pair's merge would conflict (git's verdict).
    pub conflict: bool,
    /// The lanes changing it.
    pub lanes: Vec<OverlapSide>,
    /// Each pair of sides changing it, with git's verdict, the most severe first.
    pub pairs: Vec<Pair>,
}

/// Two sides changing the same file, and what merging them would do.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Pair {
    /// One side: always a lane.
    pub a: PairSide,
    /// The other side: a lane, or `a`'s base.
    pub b: PairSide,
    /// Git's verdict.
    pub kind: Verdict,
    /// Lines of `a`'s version involved.
    pub lines: Vec<LineRange>,
    /// Lines of `b`'s version involved.
    pub other_lines: Vec<LineRange>,
}

/// A side of a pair: a lane (ticket, branch, worktree) or a base (its ref).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PairSide {
    /// How to call it: the ticket, else the branch or directory; the ref for a base.
    pub name: String,
    /// The lane's ticket.
    pub ticket: Option<String>,
    /// The lane's branch.
    pub branch: Option<String>,
    /// The lane's worktree directory.
    pub path: Option<PathBuf>,
    /// For a base: its ref, e.g. `origin/main`.
    #[serde(rename = "ref")]
    pub base: Option<String>,
}
impl Wire for PathOverlap {}

/// Git's verdict on merging two sides' versions of a file, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Git's three-way merge of the two versions would conflict.
    Conflict,
    /// The same lines are changed, but the merge is clean (e.g. the identical change).
    Overlap,
    /// The same file, changed far apart: merges cleanly.
    Shared,
}

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

/// What editing one file risks (`lanes_check` for agents): the other lanes and the base that
/// change it, with git's verdict; `safe` when nobody else does.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileCheck {
    /// The file, as asked.
    pub path: String,
    /// Nobody else changes it: editing it risks no conflict.
    pub safe: bool,
    /// Editing it would conflict with another side (a lane, the base, a pull request).
    pub conflict: bool,
    /// The file's entry with its pairs, when others change it.
    pub overlaps: Vec<PathOverlap>,
}
impl Wire for FileCheck {}

/// Every file two sides change (`lanes.check`, as `lanes check --json` prints them).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CheckReport {
    /// The files, conflicts first.
    pub files: Vec<PathOverlap>,
}
impl Wire for CheckReport {}

/// A file one lane changes, and who else changes it (`lanes.laneFiles`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LaneFile {
    /// Repository-relative path.
    pub path: String,
    /// The lane changes it without having committed (some of) the change.
    pub uncommitted: bool,
    /// The pairs it is part of — another lane, a pull request, or its base changing the same
    /// file — with git's verdict, the most severe first; empty when no one else changes it.
    pub pairs: Vec<Pair>,
}
impl Wire for LaneFile {}

/// The files one lane changes (`lanes.laneFiles`), by path.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LaneFiles {
    /// The lane's worktree directory.
    pub lane: PathBuf,
    /// Its changed files.
    pub files: Vec<LaneFile>,
}
impl Wire for LaneFiles {}

/// A ticket's context as its lane holds it (`.lanes/ticket.md`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketContext {
    /// The ticket.
    pub ticket: String,
    /// The context file.
    pub path: std::path::PathBuf,
    /// Its Markdown: title, link, status, description, acceptance criteria.
    pub markdown: String,
}
impl Wire for TicketContext {}

impl Pair {
    /// "A-1 × B-1 conflict at lines 5-6", as people read it.
    pub fn describe(&self) -> String {
        let lines = describe_lines(&self.lines);
        let theirs = describe_lines(&self.other_lines);
        let at = match (lines.is_empty(), theirs.is_empty()) {
            (false, _) => format!(" at {lines}"),
            // `a` has not changed the file (yet): where `b` changes it is what to keep clear of.
            (true, false) => format!(" ({} changes {theirs})", self.b.name),
            (true, true) => String::new(),
        };
        format!("{} × {} {}{at}", self.a.name, self.b.name, self.kind.word())
    }
}

impl Verdict {
    /// The verdict as a word: conflict, overlap, shared.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Conflict => "conflict",
            Verdict::Overlap => "overlap",
            Verdict::Shared => "shared",
        }
    }
}

/// "lines 3-5, 9", "line 4"; empty for none.
pub fn describe_lines(lines: &[LineRange]) -> String {
    let parts: Vec<String> = lines
        .iter()
        .map(|r| {
            let (a, b) = if r.lines == 0 {
                (r.start.max(1), r.start.max(1))
            } else {
                (r.start, r.start + r.lines - 1)
            };
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    match parts.len() {
        0 => String::new(),
        1 if !parts[0].contains('-') => format!("line {}", parts[0]),
        _ => format!("lines {}", parts.join(", ")),
    }
}
