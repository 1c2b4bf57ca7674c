//! What `lanes sync` reports: pull requests into lanes, per repository.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::Wire;

/// The outcome of a sync.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SyncReport {
    /// One entry per repository.
    pub repos: Vec<RepoSync>,
    /// Requests made to the API.
    pub api: ApiStats,
}
impl Wire for SyncReport {}

impl SyncReport {
    /// True when some repository failed.
    pub fn failed(&self) -> bool {
        self.repos.iter().any(|r| r.error.is_some())
    }
}

/// The outcome for one repository.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RepoSync {
    /// The repository's name.
    pub repo: String,
    /// Its directory.
    pub path: PathBuf,
    /// `owner/name` on the forge, when one of its remotes is there.
    pub forge: Option<String>,
    /// The remote pull requests are fetched from.
    pub remote: Option<String>,
    /// One entry per open pull request.
    pub pulls: Vec<PrOutcome>,
    /// Lanes of pull requests that were closed or merged.
    pub closed: Vec<Closed>,
    /// What went wrong for this repository; the others were synced regardless.
    pub error: Option<String>,
    /// What to do about that error, one suggestion each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

/// What happened to one pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PrAction {
    /// A lane was created.
    Created,
    /// The lane was fast-forwarded.
    Updated,
    /// The lane already had the pull request's head.
    UpToDate,
    /// The lane was left alone (see `reason`).
    Skipped,
}

/// The outcome for one pull request.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrOutcome {
    /// Pull request number.
    pub number: u64,
    /// What happened.
    pub action: PrAction,
    /// Why it was skipped.
    pub reason: Option<String>,
    /// The lane's ticket.
    pub ticket: String,
    /// The lane's branch.
    pub branch: String,
    /// The lane's directory.
    pub path: Option<PathBuf>,
    /// A draft pull request.
    pub draft: bool,
}

/// A lane of a pull request that is no longer open.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Closed {
    /// Pull request number.
    pub number: u64,
    /// The lane's ticket.
    pub ticket: String,
    /// `closed` or `merged`.
    pub state: String,
    /// The lane's directory.
    pub path: Option<PathBuf>,
    /// True when `--prune` removed the lane.
    pub removed: bool,
    /// Why it was kept.
    pub reason: Option<String>,
}

/// How many requests were made, and how many of them GitHub answered with 304.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct ApiStats {
    /// Requests sent (retries included).
    pub requests: u64,
    /// Of those, answered "not modified" from the ETag cache (free of rate limit).
    pub not_modified: u64,
}
