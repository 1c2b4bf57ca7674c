//! `lanes restore` and `lanes undo`: bring a removed lane back from the trash exactly as it was —
//! its branch at the saved tip, its worktree at the same place, its files (untracked and saved
//! ignored ones included), what was staged, and its record.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::worktrees::{self, Checkout};
use crate::git::{cli, Repo};
use crate::store::Store;
use crate::ticket::TicketKey;
use crate::trash::{self, TrashEntry};

/// What can be restored, newest first.
pub fn trash_items(repo: &Repo) -> Result<Vec<TrashItem>> {
    Ok(trash::list(repo)?
        .into_iter()
        .map(|e| TrashItem {
            id: e.id,
            ticket: e.meta.ticket,
            branch: e.meta.branch,
            path: e.meta.path,
            time: e.meta.time,
            reason: e.meta.reason,
            not_kept: e.meta.skipped,
        })
        .collect())
}

pub use crate::protocol::{Restored, TrashItem};

/// Restores the newest trash entry of `ticket` (or the entry `id`, or with neither the newest
/// of all: `lanes undo`).
pub fn restore(
    repo: &Repo,
    _config: &Config,
    ticket: Option<&TicketKey>,
    id: Option<&str>,
) -> Result<Restored> {
    let entry = trash::find(repo, ticket, id)?;
    let key = TicketKey::parse(&entry.meta.ticket)?;
    let store = Store::new(repo);
    let _lock = store.lock(&key)?;
    let action = format!("restore lane {}", entry.meta.ticket);
    let path = entry.meta.path.clone();
    if !path.is_absolute() {
        return Err(Error::Refused {
            action,
            reason: format!("trash entry {} does not say where the lane was", entry.id),
            hint: format!(
                "its commit {} holds the files; check them out with `git worktree add <dir> {}`",
                entry.commit, entry.commit
            ),
        });
    }
    // What a failed or interrupted removal of this lane left half-deleted is in the trash.
    crate::ops::remove::sweep_deleted(&path);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(Error::Refused {
            action,
            reason: format!("{} exists again", path.display()),
            hint: "move it away first; the trash entry is kept".into(),
        });
    }
    let checkout = checkout_of(repo, &entry, &action)?;
    worktrees::add(repo, &path, checkout)?;
    let path = crate::git::canonical(&path);
    trash::unpack(repo, &entry, &path)?;
    if let Some(mut record) = entry.meta.record.clone() {
        record.path = path.clone();
        store.save(&record)?;
    }
    trash::drop_entry(repo, &entry)?;
    Ok(Restored {
        id: entry.id,
        ticket: entry.meta.ticket,
        path,
        branch: entry.meta.head_branch.or(entry.meta.branch),
    })
}

/// How the worktree comes back: on its branch (recreated at the saved tip when it was deleted),
/// or detached at the saved HEAD.
fn checkout_of<'e>(repo: &Repo, entry: &'e TrashEntry, action: &str) -> Result<Checkout<'e>> {
    let meta = &entry.meta;
    if let (Some(branch), Some(tip)) = (&meta.branch, &meta.branch_tip) {
        match repo.git().refname_to_id(&format!("refs/heads/{branch}")) {
            Err(_) => {
                cli::run(
                    repo.anchor(),
                    ["branch", "--no-track", branch.as_str(), tip.as_str()],
                )?;
            }
            Ok(now) if now.to_string() == *tip => {}
            Ok(now) => {
                let tip_id =
                    git2::Oid::from_str(tip).map_err(Error::git("reading the saved tip"))?;
                if !repo.git().graph_descendant_of(now, tip_id).unwrap_or(false) {
                    return Err(Error::Refused {
                        action: action.to_string(),
                        reason: format!(
                            "branch {branch} exists again and does not contain the saved tip {tip:.7}"
                        ),
                        hint: format!(
                            "rename that branch, or recover the saved tip with `git branch NEW {tip}`"
                        ),
                    });
                }
            }
        }
    }
    match (&meta.head_branch, &meta.head) {
        (Some(branch), _) => Ok(Checkout::Existing(branch.as_str())),
        (None, Some(head)) => Ok(Checkout::Detached(head.as_str())),
        (None, None) => match &meta.branch {
            Some(branch) => Ok(Checkout::Existing(branch.as_str())),
            None => Err(Error::Conflict(format!(
                "trash entry {} names no commit to check out",
                entry.id
            ))),
        },
    }
}
