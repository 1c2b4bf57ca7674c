//! What the lane operations report: start, remove, prune, restore, move, untangle, tickets.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::{Lane, Wire};

/// The outcome of `lanes start`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Started {
    /// The lane, with its state.
    pub lane: Lane,
    /// False when the lane already existed and was only reported.
    pub created: bool,
    /// True when the branch was created (false when an existing branch was checked out).
    pub created_branch: bool,
    /// Files copied into the lane from the primary checkout.
    pub copied: Vec<String>,
    /// Things that did not stop the lane from being created but deserve a look.
    pub warnings: Vec<String>,
    /// The ticket as the provider describes it (null without a provider or offline).
    pub ticket: Option<Ticket>,
    /// Where the ticket's context was written for the lane's agent.
    pub context: Option<PathBuf>,
}
impl Wire for Started {}

/// A ticket as its provider describes it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Ticket {
    /// Key, e.g. PROJ-123.
    pub key: String,
    /// Title (summary).
    pub title: String,
    /// Workflow status, e.g. "In Progress".
    pub status: Option<String>,
    /// Link to the ticket.
    pub url: Option<String>,
    /// Description as Markdown.
    pub description: String,
    /// The "Acceptance criteria" section of the description, when it has one.
    pub acceptance: Option<String>,
}

/// What `lanes start --repo/--group/--all` did across repositories.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StartedMany {
    /// The ticket.
    pub ticket: String,
    /// One lane per repository.
    pub lanes: Vec<RepoStarted>,
    /// The multi-root workspace file listing every lane folder.
    pub workspace: PathBuf,
}
impl Wire for StartedMany {}

/// A lane started in one of several repositories.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RepoStarted {
    /// The repository's configured name.
    pub repo: String,
    /// What happened there.
    #[serde(flatten)]
    pub started: Started,
}

/// What `lanes remove` did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Removed {
    /// The lane's ticket.
    pub ticket: String,
    /// The worktree directory that was removed (or was already gone).
    pub path: PathBuf,
    /// The lane's branch.
    pub branch: Option<String>,
    /// True when the branch was deleted.
    pub branch_deleted: bool,
    /// The commit the deleted branch pointed at, to restore it with `git branch NAME ID`.
    pub branch_tip: Option<String>,
    /// Why the branch was kept, when it was.
    pub branch_kept: Option<String>,
    /// The branch's commits were on no other branch, but its work is in the base (squash-merged
    /// or rebased), so it was deleted without --force.
    #[serde(default)]
    pub merged: bool,
    /// The trash entry holding everything the lane had (`lanes restore` brings it back).
    pub trash: Option<String>,
    /// Ignored files too big to be kept in the trash.
    pub not_kept: Vec<String>,
    /// Older trash entries holding work that this removal pushed out of the full trash (ids).
    #[serde(default)]
    pub evicted: Vec<String>,
}
impl Wire for Removed {}

/// One lane that `lanes prune` forgot.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Pruned {
    /// Ticket, when known.
    pub ticket: Option<String>,
    /// The directory that no longer exists.
    pub path: PathBuf,
    /// The branch, which is kept.
    pub branch: Option<String>,
    /// The trash entry holding its staged changes and record.
    pub trash: Option<String>,
}
impl Wire for Pruned {}

/// What `lanes prune --merged` removed, or would remove with `--dry-run`, and what it kept.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrunedMerged {
    /// Nothing was removed: these are what would be.
    pub dry_run: bool,
    /// Merged lanes removed (with `--dry-run`: the ones that would be, their tickets only
    /// meaningful; nothing is deleted).
    pub removed: Vec<Removed>,
    /// Merged lanes kept, and why (uncommitted work, a lock, …).
    pub kept: Vec<KeptLane>,
}
impl Wire for PrunedMerged {}

/// A lane a bulk removal left in place.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeptLane {
    /// The lane's ticket.
    pub ticket: String,
    /// Its worktree directory.
    pub path: PathBuf,
    /// Why it was kept.
    pub reason: String,
}
impl Wire for KeptLane {}

/// What `lanes pr` did: the pull request of a lane, created or updated.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PullRequestOpened {
    /// The lane's ticket.
    pub ticket: String,
    /// The pull request's number.
    pub number: u64,
    /// Its page on GitHub.
    pub url: String,
    /// True when it was created now; false when an open one was updated.
    pub created: bool,
    /// It is a draft.
    pub draft: bool,
    /// The lane's branch, pushed.
    pub branch: String,
    /// The branch it merges into.
    pub base: String,
}
impl Wire for PullRequestOpened {}

/// What `lanes setup` did in a lane.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SetUp {
    /// The lane's ticket.
    pub ticket: String,
    /// The lane's directory.
    pub path: PathBuf,
    /// Files copied from the primary checkout (ones the lane had are never overwritten).
    pub copied: Vec<String>,
    /// The setup commands that ran, in order.
    pub commands: Vec<String>,
    /// What did not go as asked (a listed file that does not exist, …).
    pub warnings: Vec<String>,
}
impl Wire for SetUp {}

/// One trash entry (`lanes list --trash`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TrashItem {
    /// Id to pass to `lanes restore --id`.
    pub id: String,
    /// The lane's ticket.
    pub ticket: String,
    /// Its branch.
    pub branch: Option<String>,
    /// Where its worktree was.
    pub path: PathBuf,
    /// When it was saved (seconds since the Unix epoch).
    pub time: u64,
    /// Why: remove, prune.
    pub reason: String,
    /// Ignored files that were too big to keep.
    pub not_kept: Vec<String>,
}
impl Wire for TrashItem {}

/// What `lanes restore` did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Restored {
    /// The trash entry that was restored (and is now gone from the trash).
    pub id: String,
    /// The lane's ticket.
    pub ticket: String,
    /// Its worktree, back in place.
    pub path: PathBuf,
    /// The branch the lane is on (None when it came back detached).
    pub branch: Option<String>,
    /// What the user should know, e.g. that the branch moved on since and the lane came back
    /// detached at its saved commit.
    pub warnings: Vec<String>,
}
impl Wire for Restored {}

/// What `lanes move` (or one target of `lanes untangle --apply`) did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Moved {
    /// Source worktree.
    pub from: PathBuf,
    /// Target ticket.
    pub to: String,
    /// Target worktree.
    pub to_path: PathBuf,
    /// Files touched.
    pub files: Vec<String>,
    /// Hunks moved (whole files without line hunks count as one).
    pub hunks: usize,
    /// Files left with conflict markers in the target (with `--3way`).
    pub conflicts: Vec<String>,
}
impl Wire for Moved {}

impl Moved {
    /// "Moved 2 hunk(s) of src/a.rs to lane B-1 (/path)", as people read it.
    pub fn describe(&self) -> String {
        format!(
            "Moved {} hunk(s) of {} to lane {} ({})",
            self.hunks,
            self.files.join(", "),
            self.to,
            self.to_path.display()
        )
    }
}

/// An entry of `lanes untangle`: a hunk, or a whole file without line hunks (binary).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UntangleEntry {
    /// Id to use in an assignment.
    pub id: String,
    /// Repository-relative path.
    pub path: String,
    /// First line of the hunk in the lane's base version; absent for a whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_start: Option<u32>,
    /// Lines of the hunk in the base version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_lines: Option<u32>,
    /// First line of the hunk in the worktree's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_start: Option<u32>,
    /// Lines of the hunk in the worktree's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_lines: Option<u32>,
    /// Changed lines of the hunk, for a person or an agent to judge where it belongs.
    pub preview: Vec<String>,
}
impl Wire for UntangleEntry {}

/// A lane's uncommitted hunks (`lanes.untangle` without an assignment).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UntangleList {
    /// The lane's worktree directory.
    pub lane: PathBuf,
    /// Its uncommitted hunks, by path and line.
    pub entries: Vec<UntangleEntry>,
}
impl Wire for UntangleList {}

/// What `lanes.untangle` with an assignment moved: one move per target lane.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Untangled {
    /// The moves, in ticket order.
    pub moved: Vec<Moved>,
}
impl Wire for Untangled {}

/// One line of "my open tickets".
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketSummary {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: Option<String>,
    /// Link.
    pub url: Option<String>,
    /// The lane's directory, when the ticket has a lane in this repository.
    pub lane: Option<PathBuf>,
}
impl Wire for TicketSummary {}

/// "My open tickets" (`lanes.tickets`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketList {
    /// One entry per ticket.
    pub tickets: Vec<TicketSummary>,
}
impl Wire for TicketList {}

/// The same file in another lane (`lanes.openInLane`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpenedInLane {
    /// Its `file:` URI.
    pub uri: String,
    /// Its path.
    pub path: PathBuf,
    /// Whether the file exists in that lane.
    pub exists: bool,
}
impl Wire for OpenedInLane {}
