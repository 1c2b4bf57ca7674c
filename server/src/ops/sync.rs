//! `lanes sync`: every open pull request of the user, across the repositories at hand, gets a lane
//! that is kept up to date. GitHub is asked as little as possible — one search across all
//! repositories (paged), conditional so that an unchanged answer is a free 304; head branches are
//! looked up only for pull requests that have no lane yet, and states only for lanes whose pull
//! request left the open list. The git fetches run concurrently, a few repositories at a time.
//! Every failure is reported for its repository; the others go on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::pulls::{bring, lane_of_pr, PrOutcome, PullRequest};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::forge::github::{ApiError, GitHub};
use crate::forge::models::{Issue, Pull};
use crate::forge::remote::{forge_host, forge_remote, RepoId};
use crate::git::Repo;
use crate::lane::lanes_of;
use crate::ops::multi::RepoTarget;
use crate::ops::remove::{remove, RemoveOptions};
use crate::progress::Progress;
use crate::store::Store;

/// Repositories named in one search query (GitHub bounds a query's length).
const REPOS_PER_QUERY: usize = 30;
/// Search pages read at most (GitHub serves 1,000 results).
const MAX_SEARCH_PAGES: usize = 10;
/// Pages of a repository's open pull requests read while looking for head branches.
const MAX_LIST_PAGES: usize = 5;
/// Repositories fetched at the same time.
pub const DEFAULT_JOBS: usize = 4;

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Also pull requests whose review is requested from the user.
    pub review_requested: bool,
    /// Remove the lanes of closed or merged pull requests (only when nothing would be lost).
    pub prune: bool,
    /// Repositories fetched concurrently.
    pub jobs: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            review_requested: false,
            prune: false,
            jobs: DEFAULT_JOBS,
        }
    }
}

pub use crate::protocol::{Closed, RepoSync, SyncReport};

/// Syncs `current` (when there is a current repository) and the configured repositories, with the
/// GitHub client `config` describes (`config` is the current repository's, or the user's).
pub fn sync_from(
    current: Option<&Repo>,
    config: &Config,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SyncReport> {
    let targets = targets(current, crate::ops::multi::configured(config)?);
    if targets.is_empty() {
        return Err(Error::Config(
            "nothing to sync: run lanes sync inside a repository, or list repositories under [[repos]] in your user config".into(),
        ));
    }
    let github = GitHub::from_env(config)?;
    let host = forge_host(github.api_root(), config.github_host.as_deref());
    Ok(sync(&github, &host, &targets, options, progress))
}

/// The repositories to sync: the one at `current` (if any) and the user's configured ones, each
/// once.
pub fn targets(current: Option<&Repo>, configured: Vec<RepoTarget>) -> Vec<RepoTarget> {
    let mut out: Vec<RepoTarget> = Vec::new();
    if let Some(repo) = current {
        out.push(RepoTarget {
            name: repo.name().to_string(),
            path: repo.anchor().to_path_buf(),
        });
    }
    for target in configured {
        if !out.iter().any(|t| same_dir(&t.path, &target.path)) {
            out.push(target);
        }
    }
    out
}

fn same_dir(a: &Path, b: &Path) -> bool {
    crate::git::canonical(a) == crate::git::canonical(b)
}

/// A pull request as the search found it.
#[derive(Debug, Clone)]
struct Hit {
    number: u64,
    title: String,
    draft: bool,
}

/// One repository on its way through the sync.
struct Work {
    target: RepoTarget,
    repo: Option<(Repo, Config)>,
    forge: Option<(String, RepoId)>,
    result: RepoSync,
    open: BTreeMap<u64, Hit>,
    heads: BTreeMap<u64, (String, bool)>,
    searched: bool,
}

impl Work {
    fn key(&self) -> Option<String> {
        self.forge
            .as_ref()
            .map(|(_, id)| id.full_name().to_ascii_lowercase())
    }

    /// Records what went wrong for this repository (the first failure only).
    fn fail(&mut self, error: impl Into<Error>) {
        if self.result.error.is_none() {
            let error = error.into();
            self.result.error = Some(error.to_string());
            self.result.hints = error.hints();
        }
    }
}

/// Syncs the pull requests of `targets`.
pub fn sync(
    github: &GitHub,
    host: &str,
    targets: &[RepoTarget],
    options: &SyncOptions,
    progress: &dyn Progress,
) -> SyncReport {
    let mut work: Vec<Work> = targets.iter().map(|t| open(t, host)).collect();

    progress.step(&format!(
        "searching your open pull requests in {} repositories",
        work.iter().filter(|w| w.forge.is_some()).count()
    ));
    let mut queries = vec![("author:@me", false)];
    if options.review_requested {
        queries.push(("review-requested:@me", true));
    }
    search(github, &mut work, &queries);

    for w in work.iter_mut().filter(|w| w.searched) {
        if let Err(e) = head_refs_needed(github, w) {
            w.fail(e);
        }
    }
    fetch_all(&mut work, options.jobs, progress);
    for w in work
        .iter_mut()
        .filter(|w| w.searched && w.result.error.is_none())
    {
        if let Err(e) = closed_lanes(github, w, options.prune, progress) {
            w.fail(e);
        }
    }
    github.save_cache();
    SyncReport {
        repos: work.into_iter().map(|w| w.result).collect(),
        api: github.stats(),
    }
}

fn open(target: &RepoTarget, host: &str) -> Work {
    let mut work = Work {
        target: target.clone(),
        repo: None,
        forge: None,
        result: RepoSync {
            repo: target.name.clone(),
            path: target.path.clone(),
            forge: None,
            remote: None,
            pulls: Vec::new(),
            closed: Vec::new(),
            error: None,
            hints: Vec::new(),
        },
        open: BTreeMap::new(),
        heads: BTreeMap::new(),
        searched: false,
    };
    let opened = Repo::discover(&target.path).and_then(|repo| {
        let config = Config::load(repo.anchor())?;
        Ok((repo, config))
    });
    match opened {
        Ok((repo, config)) => {
            work.forge = forge_remote(&repo, host);
            match &work.forge {
                Some((remote, id)) => {
                    work.result.forge = Some(id.full_name());
                    work.result.remote = Some(remote.clone());
                }
                None => work.fail(Error::Conflict(format!(
                    "no remote on {host}; nothing to sync"
                ))),
            }
            work.repo = Some((repo, config));
        }
        Err(e) => work.fail(e),
    }
    work
}

/// Runs the searches over every repository with a forge remote, in chunks; a repository the
/// token cannot see is reported and left out instead of failing the whole query.
fn search(github: &GitHub, work: &mut [Work], queries: &[(&str, bool)]) {
    let keys: Vec<(usize, String)> = work
        .iter()
        .enumerate()
        .filter(|(_, w)| w.result.error.is_none())
        .filter_map(|(i, w)| w.key().map(|k| (i, k)))
        .collect();
    for chunk in keys.chunks(REPOS_PER_QUERY) {
        let mut chunk: Vec<(usize, String)> = chunk.to_vec();
        for (qualifier, _) in queries {
            let mut found = run_query(github, qualifier, &chunk);
            if matches!(&found, Err(e) if e.status == Some(422)) {
                // GitHub refuses a query naming a repository the token cannot see: find which.
                chunk.retain(|(i, key)| match github.get(&format!("/repos/{key}"), &format!("looking up {key}")) {
                    Ok(_) => true,
                    Err(e) => {
                        work[*i].fail(if e.status == Some(404) {
                            Error::ProviderStatus { status: 404, message: format!("GitHub has no repository {key}, or the token cannot see it (404); skipped") }
                        } else {
                            e.into()
                        });
                        false
                    }
                });
                found = run_query(github, qualifier, &chunk);
            }
            match found {
                Ok(items) => {
                    for item in items {
                        let Some((key, hit)) = read_hit(&item) else {
                            continue;
                        };
                        if let Some((i, _)) = chunk.iter().find(|(_, k)| *k == key) {
                            work[*i].open.entry(hit.number).or_insert(hit);
                        }
                    }
                    for (i, _) in &chunk {
                        work[*i].searched = true;
                    }
                }
                Err(e) => {
                    for (i, _) in &chunk {
                        work[*i].searched = false;
                        work[*i].fail(e.clone());
                    }
                }
            }
        }
    }
}

fn run_query(
    github: &GitHub,
    qualifier: &str,
    chunk: &[(usize, String)],
) -> std::result::Result<Vec<Issue>, ApiError> {
    if chunk.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = format!("is:pr is:open {qualifier}");
    for (_, key) in chunk {
        query.push_str(" repo:");
        query.push_str(key);
    }
    github.search_issues(
        &query,
        "created",
        "searching your pull requests",
        MAX_SEARCH_PAGES,
    )
}

/// `owner/name` (lower case) and the pull request of a search result.
fn read_hit(item: &Issue) -> Option<(String, Hit)> {
    if !item.is_pull_request() {
        return None;
    }
    Some((
        item.repo_full_name()?.to_ascii_lowercase(),
        Hit {
            number: item.number,
            title: item.title.clone(),
            draft: item.draft.unwrap_or(false),
        },
    ))
}

/// The pull requests of this repository to bring, with head branches looked up for those that
/// have no lane yet (search results do not carry them): the repository's open pull requests,
/// newest first, until all are found; any left over one by one.
fn head_refs_needed(github: &GitHub, w: &mut Work) -> std::result::Result<(), ApiError> {
    let (Some((repo, config)), Some(key)) = (&w.repo, w.key()) else {
        return Ok(());
    };
    let lanes = lanes_of(repo, config).map_err(|e| ApiError {
        status: None,
        message: e.to_string(),
        hint: None,
    })?;
    let mut missing: BTreeSet<u64> = w
        .open
        .keys()
        .copied()
        .filter(|n| lane_of_pr(&lanes, *n).is_none())
        .collect();
    let mut heads: BTreeMap<u64, (String, bool)> = BTreeMap::new();
    if missing.len() > 1 {
        let mut next = Some(format!(
            "/repos/{key}/pulls?state=open&sort=created&direction=desc&per_page=100"
        ));
        let mut pages = 0;
        while let Some(path) = next.take() {
            let page = github
                .get_as::<Vec<Pull>>(&path, &format!("listing the pull requests of {key}"))?;
            pages += 1;
            for pull in &page.body {
                if missing.remove(&pull.number) {
                    heads.insert(pull.number, read_head(pull, &key));
                }
            }
            if !missing.is_empty() && pages < MAX_LIST_PAGES {
                next = page.next;
            }
        }
    }
    for n in std::mem::take(&mut missing) {
        let page = github.get_as::<Pull>(
            &format!("/repos/{key}/pulls/{n}"),
            &format!("reading pull request {n} of {key}"),
        )?;
        heads.insert(n, read_head(&page.body, &key));
    }
    w.heads = heads;
    Ok(())
}

/// A pull request's head branch, and whether it lives in the base repository `key` itself
/// (not in a fork).
fn read_head(pull: &Pull, key: &str) -> (String, bool) {
    (pull.head.branch.clone(), pull.from_same_repo(key))
}

/// Fetches and brings the pull requests of every searched repository, `jobs` at a time. Progress
/// messages come back over a channel so that `progress` is only used on this thread.
fn fetch_all(work: &mut [Work], jobs: usize, progress: &dyn Progress) {
    let pending: Vec<usize> = work
        .iter()
        .enumerate()
        .filter(|(_, w)| w.searched && w.result.error.is_none() && !w.open.is_empty())
        .map(|(i, _)| i)
        .collect();
    if pending.is_empty() {
        return;
    }
    let total: usize = pending.iter().map(|i| work[*i].open.len()).sum();
    progress.step(&format!(
        "bringing {total} pull request(s) from {} repositories",
        pending.len()
    ));
    progress.advance(0, total);
    let (tx, rx) = mpsc::channel::<Message>();
    let jobs_input: Vec<(usize, PathBuf, String, Vec<PullRequest>)> = pending
        .iter()
        .filter_map(|i| {
            let w = &work[*i];
            let (remote, _) = w.forge.as_ref()?;
            Some((*i, w.target.path.clone(), remote.clone(), w.pull_requests()))
        })
        .collect();
    let inputs = std::sync::Mutex::new(jobs_input);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, pending.len()) {
            let tx = tx.clone();
            let inputs = &inputs;
            scope.spawn(move || loop {
                let next = inputs.lock().ok().and_then(|mut q| q.pop());
                let Some((i, path, remote, prs)) = next else {
                    break;
                };
                let relay = Relay(tx.clone());
                let result = Repo::discover(&path).and_then(|repo| {
                    let config = Config::load(repo.anchor())?;
                    bring(&repo, &config, &remote, &prs, &relay)
                });
                let _ = tx.send(Message::Done(i, result));
            });
        }
        drop(tx);
        let mut done = 0;
        for message in rx {
            match message {
                Message::Step(text) => progress.step(&text),
                Message::Done(i, result) => {
                    done += work[i].open.len();
                    match result {
                        Ok(outcomes) => work[i].result.pulls = outcomes,
                        Err(e) => work[i].fail(e),
                    }
                    progress.advance(done, total);
                    progress.step(&format!(
                        "{done} of {total} pull requests: {} done",
                        work[i].result.repo
                    ));
                }
            }
        }
    });
}

enum Message {
    Step(String),
    Done(usize, Result<Vec<PrOutcome>>),
}

/// Progress from a worker thread, sent to the thread that owns the real one.
struct Relay(mpsc::Sender<Message>);

impl Progress for Relay {
    fn step(&self, message: &str) {
        let _ = self.0.send(Message::Step(message.to_string()));
    }
}

impl Work {
    fn pull_requests(&self) -> Vec<PullRequest> {
        self.open
            .values()
            .map(|hit| {
                let (head_ref, same_repo) =
                    self.heads.get(&hit.number).cloned().unwrap_or_default();
                PullRequest {
                    number: hit.number,
                    title: hit.title.clone(),
                    head_ref,
                    same_repo,
                    draft: hit.draft,
                }
            })
            .collect()
    }
}

/// Lanes whose pull request left the open list: their state is asked once (and recorded), and
/// with `prune` a closed or merged one is removed — only when `lanes remove` would remove it
/// without force, i.e. nothing uncommitted and no commit that exists nowhere else.
fn closed_lanes(github: &GitHub, w: &mut Work, prune: bool, progress: &dyn Progress) -> Result<()> {
    let (Some((repo, config)), Some(key)) = (&w.repo, w.key()) else {
        return Ok(());
    };
    let lanes = lanes_of(repo, config)?;
    let store = Store::new(repo);
    for lane in &lanes {
        let Some(record) = &lane.record else { continue };
        let Some(number) = record.pr else { continue };
        if w.open.contains_key(&number) || lane.is_primary() {
            continue;
        }
        let known = record
            .pr_state
            .as_deref()
            .filter(|s| matches!(*s, "closed" | "merged"));
        let state = match known {
            Some(state) => state.to_string(),
            None => {
                let page = github.get_as::<Pull>(
                    &format!("/repos/{key}/pulls/{number}"),
                    &format!("reading pull request {number} of {key}"),
                )?;
                match page.body.outcome() {
                    Some(state @ ("closed" | "merged")) => state.to_string(),
                    // Still open (e.g. no longer awaiting the user's review): not ours to judge.
                    _ => continue,
                }
            }
        };
        if record.pr_state.as_deref() != Some(state.as_str()) {
            let mut updated = record.clone();
            updated.pr_state = Some(state.clone());
            store.save(&updated)?;
        }
        let ticket = record.ticket.clone();
        let mut closed = Closed {
            number,
            ticket: ticket.clone(),
            state,
            path: lane.path().map(Path::to_path_buf),
            removed: false,
            reason: None,
        };
        if prune {
            progress.step(&format!(
                "removing the lane of {} PR {number}",
                closed.state
            ));
            let key = crate::ticket::TicketKey::parse(&ticket)?;
            match remove(repo, config, &key, RemoveOptions::default()) {
                Ok(removed) => {
                    closed.removed = true;
                    // A branch the user had before the lane stays: say so.
                    if let (Some(branch), Some(why)) = (&removed.branch, &removed.branch_kept) {
                        closed.reason = Some(format!("PR {number}: kept branch {branch}: {why}"));
                    }
                    if let Ok(mut r) = repo
                        .git()
                        .find_reference(&format!("refs/lanes/pull/{number}"))
                    {
                        let _ = r.delete();
                    }
                }
                Err(Error::Refused { reason, .. }) => {
                    closed.reason = Some(format!("PR {number}: {reason}; kept"))
                }
                Err(e) => closed.reason = Some(format!("PR {number}: {e}; kept")),
            }
        }
        w.result.closed.push(closed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forge_host_follows_the_api() {
        assert_eq!(forge_host("https://api.github.com", None), "github.com");
        assert_eq!(
            forge_host("https://ghe.example.com/api/v3", None),
            "ghe.example.com"
        );
        assert_eq!(
            forge_host("http://127.0.0.1:9", Some("GitHub.com")),
            "github.com"
        );
    }

    #[test]
    fn search_results_name_their_repository() {
        let item: Issue = serde_json::from_value(serde_json::json!({
            "number": 7, "title": "Fix", "draft": true,
            "repository_url": "https://api.github.com/repos/Octo/Widgets",
            "pull_request": {"url": "x"}
        }))
        .unwrap();
        let (key, hit) = read_hit(&item).unwrap();
        assert_eq!(key, "octo/widgets");
        assert_eq!((hit.number, hit.draft), (7, true));
        let issue: Issue = serde_json::from_value(
            serde_json::json!({"number": 8, "repository_url": "https://api.github.com/repos/o/w"}),
        )
        .unwrap();
        assert!(read_hit(&issue).is_none());
    }
}
