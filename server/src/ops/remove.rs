//! `lanes remove`: removes a lane's worktree and, when nothing would be lost, its branch. Every check
//! runs before anything changes, so a refusal leaves the lane exactly as it was.

use std::path::PathBuf;

use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::worktrees::{self, Head};
use crate::git::{status, Repo};
use crate::ops::list::find;
use crate::store::Store;
use crate::ticket::TicketKey;

/// How far `remove` may go.
#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveOptions {
    /// Remove even with uncommitted changes, a lock, or commits that exist nowhere else.
    pub force: bool,
    /// Remove only the worktree; keep the branch whatever it holds.
    pub keep_branch: bool,
}

/// What `remove` did.
#[derive(Debug, Clone, Serialize)]
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
}

/// Removes the lane of `ticket`.
pub fn remove(
    repo: &Repo,
    config: &Config,
    ticket: &TicketKey,
    options: RemoveOptions,
) -> Result<Removed> {
    let store = Store::new(repo);
    let _lock = store.lock(ticket)?;
    let entry = find(repo, config, ticket)?;
    let action = format!("remove lane {ticket}");
    if entry.is_primary() {
        return Err(Error::Refused {
            action,
            reason: "it is the repository's primary checkout".into(),
            hint: "only lanes (linked worktrees) can be removed".into(),
        });
    }
    let path = entry.path().map(PathBuf::from).unwrap_or_default();
    let worktree = entry.worktree.as_ref();
    let present = worktree.is_some_and(|w| !w.missing);

    if present && !options.force {
        let dirty = status::dirty_files(&path)?;
        if !dirty.is_empty() {
            return Err(Error::Refused {
                action,
                reason: format!(
                    "{} has {} uncommitted or untracked file(s): {}",
                    path.display(),
                    dirty.len(),
                    preview(&dirty)
                ),
                hint: "commit or stash them first, or pass --force to discard them".into(),
            });
        }
    }
    if let Some(reason) = worktree.and_then(|w| w.locked.as_ref()) {
        if !options.force {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            };
            return Err(Error::Refused {
                action,
                reason: format!("its worktree is locked{why}"),
                hint: format!(
                    "unlock it with `git worktree unlock {}`, or pass --force",
                    path.display()
                ),
            });
        }
    }

    let branch = entry.branch().map(str::to_string);
    let branch_tip = branch
        .as_deref()
        .and_then(|b| repo.git().refname_to_id(&format!("refs/heads/{b}")).ok());
    let mut branch_kept = None;
    if let Some(Head::Detached(id)) = worktree.map(|w| &w.head) {
        let tip = git2::Oid::from_str(id).map_err(Error::git("reading the detached HEAD"))?;
        let lost = status::unique_commits(repo, tip, None, 6)?;
        if !lost.is_empty() && !options.force {
            return Err(Error::Refused {
                action,
                reason: format!(
                    "its detached HEAD has commits on no branch: {}",
                    describe_commits(repo, &lost)
                ),
                hint: format!(
                    "keep them on a branch first (`git -C {} switch -c NAME`), or pass --force",
                    path.display()
                ),
            });
        }
    }
    let mut delete_branch = false;
    if let (Some(name), Some(tip)) = (&branch, branch_tip) {
        if options.keep_branch {
            branch_kept = Some("--keep-branch was given".to_string());
        } else {
            let lost = status::unique_commits(repo, tip, Some(name), 6)?;
            if lost.is_empty() || options.force {
                delete_branch = true;
            } else {
                return Err(Error::Refused {
                    action,
                    reason: format!(
                        "branch {name} has commits that exist nowhere else: {}",
                        describe_commits(repo, &lost)
                    ),
                    hint: format!(
                        "push or merge them (`git push -u origin {name}`), pass --keep-branch to remove only the worktree, or --force to delete them too"
                    ),
                });
            }
        }
    }

    // Everything at risk was checked: now change things.
    if present {
        worktrees::remove(repo, &path, options.force)?;
    } else if worktree.is_some() {
        // The directory was deleted by hand: git only has bookkeeping left to forget.
        worktrees::remove(repo, &path, true).or_else(|_| worktrees::prune(repo))?;
    }
    let mut branch_deleted = false;
    if delete_branch {
        if let Some(name) = &branch {
            match repo
                .git()
                .find_branch(name, git2::BranchType::Local)
                .and_then(|mut b| b.delete())
            {
                Ok(()) => branch_deleted = true,
                Err(e) => branch_kept = Some(format!("git would not delete it: {}", e.message())),
            }
        }
    }
    store.delete(ticket)?;
    Ok(Removed {
        ticket: ticket.to_string(),
        path,
        branch,
        branch_deleted,
        branch_tip: branch_deleted
            .then(|| branch_tip.map(|t| t.to_string()))
            .flatten(),
        branch_kept,
    })
}

fn preview(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    let more = items.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn describe_commits(repo: &Repo, commits: &[git2::Oid]) -> String {
    let lines: Vec<String> = commits
        .iter()
        .take(5)
        .map(|id| {
            let summary = repo
                .git()
                .find_commit(*id)
                .ok()
                .and_then(|c| c.summary().map(str::to_string))
                .unwrap_or_default();
            format!("{:.7} {summary}", id.to_string())
        })
        .collect();
    let more = if commits.len() > 5 { ", …" } else { "" };
    format!("{}{more}", lines.join("; "))
}
