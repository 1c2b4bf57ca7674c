//! Pull requests → lanes. All of a repository's pull-request heads are fetched in one `git fetch`
//! (credential helpers, SSH config and `url.<base>.insteadOf` apply) into hidden refs
//! `refs/lanes/pull/N`; then each pull request gets a lane on `pr/N-<head-branch>`, or its lane is
//! fast-forwarded. A lane with local changes, or whose branch diverged, is left exactly as it is
//! and reported: nothing here resets, stashes or deletes work.

use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::{cli, status, Repo};
use crate::lane::{lanes_of, LaneEntry};
use crate::ops::start::{start, StartRequest};
use crate::progress::Progress;
use crate::store::Store;
use crate::ticket::{slug, TicketKey};

/// A pull request as the forge describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its title.
    pub title: String,
    /// The head branch's name (in the author's repository; forks included). Empty when not
    /// looked up: a pull request that already has a lane is found by its number.
    pub head_ref: String,
    /// The head branch lives in the base repository (not a fork): a lane already on a branch of
    /// that name is the pull request's own lane.
    pub same_repo: bool,
    /// A draft.
    pub draft: bool,
}

impl PullRequest {
    /// `draft` or `open`, as recorded in the lane.
    pub fn state(&self) -> &'static str {
        if self.draft {
            "draft"
        } else {
            "open"
        }
    }
}

pub use crate::protocol::{PrAction, PrOutcome};

/// The ticket of a pull request: a Jira-like key in its title or branch (`PROJ-123`), else `PR-N`.
pub fn ticket_of(pr: &PullRequest) -> TicketKey {
    [pr.title.as_str(), pr.head_ref.as_str()]
        .iter()
        .find_map(|text| jira_key(text))
        .and_then(|k| TicketKey::parse(&k).ok())
        .unwrap_or_else(|| TicketKey::pull_request(pr.number))
}

fn jira_key(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if chars[i].is_ascii_uppercase() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_uppercase() || chars[j].is_ascii_digit()) {
                j += 1;
            }
            if j < chars.len() && chars[j] == '-' && j - start >= 2 {
                let mut k = j + 1;
                while k < chars.len() && chars[k].is_ascii_digit() {
                    k += 1;
                }
                if k > j + 1 && (k == chars.len() || !chars[k].is_ascii_alphanumeric()) {
                    return Some(chars[start..k].iter().collect());
                }
            }
        }
        i += 1;
    }
    None
}

/// The local branch of a pull request: `pr/N-<head-branch-slug>`.
pub fn branch_of(pr: &PullRequest) -> String {
    let tail = slug(&pr.head_ref);
    if tail.is_empty() {
        format!("pr/{}", pr.number)
    } else {
        format!("pr/{}-{tail}", pr.number)
    }
}

/// Fetches the pull requests' heads from `remote` and creates or fast-forwards their lanes.
pub fn bring(
    repo: &Repo,
    config: &Config,
    remote: &str,
    prs: &[PullRequest],
    progress: &dyn Progress,
) -> Result<Vec<PrOutcome>> {
    if prs.is_empty() {
        return Ok(Vec::new());
    }
    progress.step(&format!(
        "fetching {} pull request(s) from {remote}",
        prs.len()
    ));
    let mut args = vec![
        "fetch".to_string(),
        "--progress".into(),
        "--no-tags".into(),
        remote.to_string(),
    ];
    args.extend(
        prs.iter()
            .map(|pr| format!("+refs/pull/{0}/head:refs/lanes/pull/{0}", pr.number)),
    );
    cli::run_network(
        repo.anchor(),
        &args,
        std::time::Duration::from_secs(config.timeout),
    )?;
    crate::failpoint::hit("sync-after-fetch").map_err(Error::io("syncing pull requests"))?;
    let lanes = lanes_of(repo, config)?;
    prs.iter()
        .map(|pr| bring_one(repo, config, &lanes, pr, progress))
        .collect()
}

/// The lane of pull request `number`, if it has one.
pub fn lane_of_pr(lanes: &[LaneEntry], number: u64) -> Option<&LaneEntry> {
    lanes.iter().find(|e| {
        !e.is_primary()
            && e.worktree.is_some()
            && e.record.as_ref().and_then(|r| r.pr) == Some(number)
    })
}

fn bring_one(
    repo: &Repo,
    config: &Config,
    lanes: &[LaneEntry],
    pr: &PullRequest,
    progress: &dyn Progress,
) -> Result<PrOutcome> {
    let git = repo.git();
    let tip = git
        .refname_to_id(&format!("refs/lanes/pull/{}", pr.number))
        .map_err(Error::git(format!(
            "reading the head of pull request {}",
            pr.number
        )))?;
    // The lane recorded for this pull request; else a lane on its `pr/N-…` branch; else — for
    // a pull request opened from a lane's own branch — that lane.
    let lane = lane_of_pr(lanes, pr.number).or_else(|| {
        let branch = branch_of(pr);
        lanes.iter().find(|e| {
            let on = |b: &str| e.branch() == Some(b);
            !e.is_primary()
                && e.worktree.is_some()
                && (on(&branch) || (pr.same_repo && !pr.head_ref.is_empty() && on(&pr.head_ref)))
        })
    });
    if let Some(lane) = lane {
        remember(repo, lane, pr)?;
    }
    let ticket = lane
        .and_then(|l| l.ticket.clone())
        .unwrap_or_else(|| ticket_of(pr));
    let branch = lane
        .and_then(|l| l.branch().map(str::to_string))
        .unwrap_or_else(|| branch_of(pr));
    let outcome = |action, reason: Option<String>, path: Option<PathBuf>| PrOutcome {
        number: pr.number,
        action,
        reason,
        ticket: ticket.to_string(),
        branch: branch.clone(),
        path,
        draft: pr.draft,
    };
    let Some(lane) = lane else {
        // No lane yet: make (or fast-forward) the branch, then the lane on it.
        let local = repo.branch_tip(&branch);
        let mut reason = None;
        match local {
            None => {
                let commit = git
                    .find_commit(tip)
                    .map_err(Error::git("reading the pull request's head"))?;
                git.branch(&branch, &commit, false)
                    .map_err(Error::git(format!("creating branch {branch}")))?;
            }
            Some(local) if local != tip => {
                if git.graph_descendant_of(tip, local).unwrap_or(false) {
                    // Compare-and-swap: only if the branch still holds the commit checked.
                    git.reference_matching(
                        &format!("refs/heads/{branch}"),
                        tip,
                        true,
                        local,
                        "lanes: fast-forward to the pull request",
                    )
                    .map_err(Error::git(format!(
                        "updating {branch} (it moved meanwhile?)"
                    )))?;
                } else {
                    reason = Some(format!(
                        "PR {}: branch {branch} diverged from the pull request, not updated",
                        pr.number
                    ));
                }
            }
            Some(_) => {}
        }
        progress.step(&format!("creating the lane of PR {}", pr.number));
        let request = StartRequest {
            ticket: Some(ticket.clone()),
            branch: Some(branch.clone()),
            offline: true,
            fetch: Some(false),
            pr: Some(pr.number),
            title: Some(pr.title.clone()),
            pr_state: Some(pr.state().to_string()),
            // Made just above for this pull request: lanes' own. A branch of that name the
            // user already had stays theirs.
            branch_made: local.is_none(),
            ..StartRequest::default()
        };
        let started = start(repo, config, &request, progress)?;
        if !started.created || started.lane.branch.as_deref() != Some(branch.as_str()) {
            let why = format!(
                "PR {}: ticket {ticket} already has a lane at {} on {}; not created",
                pr.number,
                started.lane.path.display(),
                started.lane.branch.as_deref().unwrap_or("a detached HEAD")
            );
            return Ok(outcome(
                PrAction::Skipped,
                Some(why),
                Some(started.lane.path),
            ));
        }
        return Ok(outcome(PrAction::Created, reason, Some(started.lane.path)));
    };
    let path = lane.path().map(PathBuf::from);
    let Some(dir) = path
        .clone()
        .filter(|_| lane.worktree.as_ref().is_some_and(|w| !w.missing))
    else {
        return Ok(outcome(
            PrAction::Skipped,
            Some(format!("PR {}: its lane's directory is missing", pr.number)),
            path,
        ));
    };
    let detached = lane
        .worktree
        .as_ref()
        .is_some_and(|w| matches!(w.head, crate::git::worktrees::Head::Detached(_)));
    let switched = match (
        lane.worktree.as_ref().and_then(|w| w.branch()),
        &lane.record,
    ) {
        (Some(checked_out), Some(record)) => checked_out != record.branch,
        _ => false,
    };
    if switched {
        // The lane was switched to another branch by hand: that branch is not the PR's.
        return Ok(outcome(
            PrAction::Skipped,
            Some(format!(
                "PR {}: its lane has another branch checked out, not updated",
                pr.number
            )),
            path,
        ));
    }
    if detached {
        // Someone checked out a commit by hand: moving that HEAD is not ours to do.
        return Ok(outcome(
            PrAction::Skipped,
            Some(format!(
                "PR {}: its lane is on a detached HEAD, not updated",
                pr.number
            )),
            path,
        ));
    }
    let local = git
        .refname_to_id(&format!("refs/heads/{branch}"))
        .map_err(Error::git(format!("reading {branch}")))?;
    if local == tip {
        return Ok(outcome(PrAction::UpToDate, None, path));
    }
    // From here to the fast-forward, no other lanes process changes this lane.
    let _lock = Store::new(repo).lock(&ticket)?;
    if !status::dirty_files(&dir)?.is_empty() {
        return Ok(outcome(
            PrAction::Skipped,
            Some(format!("PR {}: local changes, not updated", pr.number)),
            path,
        ));
    }
    if !git.graph_descendant_of(tip, local).unwrap_or(false) {
        let why = if git.graph_descendant_of(local, tip).unwrap_or(false) {
            "local commits not in the pull request, not updated"
        } else {
            "diverged from the pull request, not updated"
        };
        return Ok(outcome(
            PrAction::Skipped,
            Some(format!("PR {}: {why}", pr.number)),
            path,
        ));
    }
    // git overwrites ignored files freely on a merge; a lane's ignored file is the user's.
    let in_the_way = files_in_the_way(repo, &dir, local, tip)?;
    if !in_the_way.is_empty() {
        return Ok(outcome(
            PrAction::Skipped,
            Some(format!(
                "PR {}: the update adds {} that already exist(s) in the lane (untracked or ignored), not updated",
                pr.number,
                in_the_way.join(", ")
            )),
            path,
        ));
    }
    progress.step(&format!("fast-forwarding the lane of PR {}", pr.number));
    // `--ff-only` onto the exact commit checked: a commit made in the lane meanwhile makes it fail.
    cli::run(&dir, ["merge", "--ff-only", "--quiet", &tip.to_string()])?;
    Ok(outcome(PrAction::Updated, None, path))
}

/// Files the update from `from` to `to` adds that exist on disk in the lane already.
fn files_in_the_way(
    repo: &Repo,
    dir: &std::path::Path,
    from: git2::Oid,
    to: git2::Oid,
) -> Result<Vec<String>> {
    let git = repo.git();
    let tree = |id: git2::Oid| {
        git.find_commit(id)
            .and_then(|c| c.tree())
            .map_err(Error::git("reading the pull request's files"))
    };
    let diff = git
        .diff_tree_to_tree(Some(&tree(from)?), Some(&tree(to)?), None)
        .map_err(Error::git("comparing the lane with the pull request"))?;
    Ok(diff
        .deltas()
        .filter(|d| d.status() == git2::Delta::Added)
        .filter_map(|d| {
            d.new_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .filter(|p| std::fs::symlink_metadata(dir.join(p)).is_ok())
        .collect())
}

/// Records the pull request's current title and state in its lane's record.
fn remember(repo: &Repo, lane: &LaneEntry, pr: &PullRequest) -> Result<()> {
    let Some(record) = &lane.record else {
        return Ok(());
    };
    let state = Some(pr.state().to_string());
    let title = Some(pr.title.clone())
        .filter(|t| !t.is_empty())
        .or(record.title.clone());
    if record.pr == Some(pr.number) && record.pr_state == state && record.title == title {
        return Ok(());
    }
    let mut record = record.clone();
    record.pr = Some(pr.number);
    record.pr_state = state;
    record.title = title;
    Store::new(repo).save(&record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(number: u64, title: &str, head: &str) -> PullRequest {
        PullRequest {
            number,
            title: title.into(),
            head_ref: head.into(),
            same_repo: true,
            draft: false,
        }
    }

    #[test]
    fn the_ticket_comes_from_the_title_or_branch_else_the_number() {
        assert_eq!(
            ticket_of(&pr(7, "PROJ-12: fix login", "x")).as_str(),
            "PROJ-12"
        );
        assert_eq!(
            ticket_of(&pr(7, "Fix login", "feature/AB-3-login")).as_str(),
            "AB-3"
        );
        assert_eq!(ticket_of(&pr(7, "Fix login", "fix-login")).as_str(), "PR-7");
        assert_eq!(ticket_of(&pr(7, "utf-8 handling", "x")).as_str(), "PR-7");
    }

    #[test]
    fn branches_are_named_after_the_number_and_head() {
        assert_eq!(
            branch_of(&pr(42, "t", "feature/Fix_Login")),
            "pr/42-feature-fix-login"
        );
        assert_eq!(branch_of(&pr(42, "t", "")), "pr/42");
    }
}
