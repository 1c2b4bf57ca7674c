//! Lanes as reported: `lanes list`, `lanes status`, `lanes/status`, `lanes.list`.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::Wire;

/// One lane of a repository: a worktree, its branch and its ticket. The primary checkout is listed
/// as a lane too, with `primary: true` and no ticket.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Lane {
    /// Ticket key, or null for the primary checkout and worktrees lanes did not create.
    pub ticket: Option<String>,
    /// Ticket title, when a provider supplied one.
    pub title: Option<String>,
    /// Branch checked out in the worktree; null when HEAD is detached.
    pub branch: Option<String>,
    /// Absolute path of the worktree.
    pub path: PathBuf,
    /// Absolute path of the repository's primary checkout (or bare repository).
    pub repo: PathBuf,
    /// True for the primary checkout.
    pub primary: bool,
    /// The ref the lane branched from and is compared with.
    pub base: Option<String>,
    /// Commit checked out, as a full hex id.
    pub head: Option<String>,
    /// HEAD is detached.
    pub detached: bool,
    /// The worktree is locked (`git worktree lock`).
    pub locked: bool,
    /// Reason given when it was locked.
    pub lock_reason: Option<String>,
    /// The worktree directory no longer exists.
    pub missing: bool,
    /// Why git's record of the worktree cannot be trusted (lanes leaves such a lane alone until
    /// `git worktree repair` fixes it); absent when it is sound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    /// Files with uncommitted changes, untracked files included; null when unknown (missing dir).
    pub dirty: Option<usize>,
    /// Commits on the branch that are not on the base.
    pub ahead: Option<usize>,
    /// Commits on the base that are not on the branch.
    pub behind: Option<usize>,
    /// Pull request number, for lanes made from a pull request.
    pub pr: Option<u64>,
    /// The pull request's state as last synced: open, draft, closed or merged.
    pub pr_state: Option<String>,
    /// The lane's work is in its base — merged, rebased or squash-merged (or its pull request
    /// merged) — so removing it loses nothing committed. False for a lane with no commits yet.
    #[serde(default)]
    pub merged: bool,
    /// The lane's own port (`{port}`, `LANES_PORT` in its commands); null for the primary
    /// checkout and worktrees lanes did not make.
    #[serde(default)]
    pub port: Option<u16>,
    /// The other sides (lanes by ticket or branch, the base by its ref) whose merge with this lane
    /// would conflict, by git's verdict; empty when none would (or when not computed: a lane
    /// just started).
    #[serde(default)]
    pub conflicts: Vec<String>,
}
impl Wire for Lane {}

/// The window's lane (`lanes/status`): the lane, and where the same ticket's lanes are in the
/// other configured repositories.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct LaneStatus {
    /// The lane.
    #[serde(flatten)]
    pub lane: Lane,
    /// The same ticket's lanes in the other configured repositories.
    pub others: Vec<LaneElsewhere>,
    /// Grows whenever any lane of the window's repositories changed — a commit, a file saved or
    /// edited on disk, a lane started or removed — so a client showing every lane (the VS Code
    /// Lanes view) refreshes on `lanes/status` without polling.
    #[serde(default)]
    pub revision: u64,
}
impl Wire for LaneStatus {}

/// Where a ticket's lane is in another repository.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct LaneElsewhere {
    /// The repository's configured name.
    pub repo: String,
    /// The lane's directory.
    pub path: PathBuf,
}

/// The lanes of a repository (`lanes.list`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LaneList {
    /// Every lane, the primary checkout first.
    pub lanes: Vec<Lane>,
}
impl Wire for LaneList {}

/// A lane with the name of its repository.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct RepoLane {
    /// The repository's configured name.
    pub repo: String,
    /// The lane.
    pub lane: Lane,
}

/// The lanes of one ticket across repositories (`lanes list --all`).
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct TicketLanes {
    /// The ticket.
    pub ticket: String,
    /// Its lanes, one per repository.
    pub lanes: Vec<RepoLane>,
    /// Its multi-root workspace file, when one was written.
    pub workspace: Option<PathBuf>,
}
impl Wire for TicketLanes {}

/// Every ticket's lanes across the configured repositories (`lanes.list {all: true}`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TicketLaneList {
    /// One entry per ticket.
    pub tickets: Vec<TicketLanes>,
    /// Repositories that could not be read.
    pub problems: Vec<super::RepoProblem>,
}
impl Wire for TicketLaneList {}

impl<W: Wire> Wire for Vec<W> {}
