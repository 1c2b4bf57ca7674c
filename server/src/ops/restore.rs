//! `lanes restore` and `lanes undo`: bring a removed lane back from the trash exactly as it was —
//! its branch at the saved tip, its worktree at the same place, its files (untracked and saved
//! ignored ones included), what was staged, and its record.

use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::failpoint;
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
    take_back_interrupted(repo, &key)?;
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
    // Any worktree git knows at that path afterwards is then the one this restore made.
    let known = worktrees::list(repo)?
        .into_iter()
        .any(|w| crate::git::canonical(&w.path) == crate::git::canonical(&path));
    if known {
        return Err(Error::Refused {
            action,
            reason: format!(
                "git still has a record of a worktree at {} (its directory is missing)",
                path.display()
            ),
            hint: "`lanes prune` forgets it (keeping its staged changes in the trash); the trash entry is kept".into(),
        });
    }
    // What this restore makes is written down first, so that a restore killed half-way is taken
    // back by the next one (above) instead of blocking it.
    let mut made = Made {
        entry: entry.id.clone(),
        path: path.clone(),
        branch: None,
        head: None,
    };
    made.record(repo, &key)?;
    let moved = match make(repo, &store, &entry, &action, &mut made, &key) {
        Ok(moved) => moved,
        Err(e) => {
            take_back(repo, &made);
            made.forget(repo, &key);
            return Err(e.with_hint(format!(
                "nothing was restored; the lane is still in the trash as {}",
                entry.id
            )));
        }
    };
    made.forget(repo, &key);
    let path = crate::git::canonical(&path);
    trash::drop_entry(repo, &entry)?;
    Ok(Restored {
        id: entry.id,
        ticket: entry.meta.ticket,
        path,
        branch: match moved {
            Some(_) => None,
            None => entry.meta.head_branch.or(entry.meta.branch),
        },
        warnings: moved.into_iter().collect(),
    })
}

/// The steps of a restore that change things; `made` says how far they got. Returns what to say
/// when the lane's branch moved on and the lane came back detached at its saved commit.
fn make(
    repo: &Repo,
    store: &Store,
    entry: &TrashEntry,
    action: &str,
    made: &mut Made,
    key: &TicketKey,
) -> Result<Option<String>> {
    let Plan {
        checkout,
        created,
        moved,
    } = checkout_of(repo, entry, action)?;
    if let Some(created) = created {
        made.branch = Some(created);
        made.record(repo, key)?;
    }
    worktrees::add(repo, &made.path, checkout)?;
    made.head = crate::git::cli::run(&made.path, ["rev-parse", "HEAD"])
        .ok()
        .map(|h| h.trim().to_string());
    made.record(repo, key)?;
    failpoint::hit("restore-after-checkout").map_err(Error::io("restoring the lane"))?;
    let path = crate::git::canonical(&made.path);
    if let Some(sparse) = &entry.meta.sparse {
        crate::git::snapshot::make_sparse(&path, sparse)?;
    }
    trash::unpack(repo, entry, &path)?;
    if entry.meta.sparse.is_some() {
        // The staged state put back is a plain index: mark the files outside the cone again.
        crate::git::cli::run(&path, ["sparse-checkout", "reapply"])?;
    }
    // The lane is whole: from here on nothing of it is taken back, so a kill after the record
    // is saved leaves a restored lane, never one a later restore deletes.
    made.forget(repo, key);
    if let Some(mut record) = entry.meta.record.clone() {
        record.path = path;
        store.save(&record)?;
    }
    Ok(moved)
}

/// What a restore under way has made: written beside the lane records (`<ticket>.restoring`)
/// before it changes anything, deleted when it is done.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Made {
    /// The trash entry being restored.
    entry: String,
    /// The lane's directory (made by `git worktree add`).
    path: PathBuf,
    /// A branch the restore created, with the tip it created it at.
    branch: Option<(String, String)>,
    /// The commit the worktree it made was checked out at.
    #[serde(default)]
    head: Option<String>,
}

impl Made {
    fn file(repo: &Repo, key: &TicketKey) -> PathBuf {
        repo.common_dir()
            .join("lanes")
            .join(format!("{key}.restoring"))
    }

    fn record(&self, repo: &Repo, key: &TicketKey) -> Result<()> {
        let file = Self::file(repo, key);
        let json = serde_json::to_vec(self).map_err(|e| Error::Internal(e.to_string()))?;
        crate::atomic::write(&file, &json).map_err(Error::io(format!("writing {}", file.display())))
    }

    fn forget(&self, repo: &Repo, key: &TicketKey) {
        let file = Self::file(repo, key);
        if let Err(e) = std::fs::remove_file(&file) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("could not delete {}: {e}", file.display());
            }
        }
    }
}

/// Takes back a restore of `key` that was interrupted (killed, or its rollback cut short): only
/// what it wrote down that it made — the worktree at its path, when it still leads back to git's
/// record, and a branch it created, when it is still where it was created. Its trash entry was
/// never dropped, so nothing is lost. A worktree that holds anything the restore did not make
/// (a change to the files it checked out, a new file, an ignored file of its own, another commit)
/// has been used since: it is kept, the note forgotten, and the restore refused.
fn take_back_interrupted(repo: &Repo, key: &TicketKey) -> Result<()> {
    let file = Made::file(repo, key);
    let Ok(Some(text)) = crate::git::read::read_regular(&file, crate::git::read::MANAGED_CAP)
    else {
        return Ok(());
    };
    match serde_json::from_slice::<Made>(&text) {
        Ok(made) if used_since(repo, &made) => {
            if let Err(e) = std::fs::remove_file(&file) {
                tracing::warn!("could not delete {}: {e}", file.display());
            }
            return Err(Error::Refused {
                action: format!("restore lane {key}"),
                reason: format!(
                    "a restore of {key} was interrupted and the lane at {} has been used since; it is kept",
                    made.path.display()
                ),
                hint: format!(
                    "remove it with `lanes remove {key}` (saved to the trash) before restoring again"
                ),
            });
        }
        Ok(made) => {
            tracing::info!(
                "taking back an interrupted restore of {} at {}",
                made.entry,
                made.path.display()
            );
            take_back(repo, &made);
        }
        Err(e) => tracing::warn!("ignoring unreadable {}: {e}", file.display()),
    }
    if let Err(e) = std::fs::remove_file(&file) {
        tracing::warn!("could not delete {}: {e}", file.display());
    }
    Ok(())
}

/// Whether the directory an interrupted restore made holds anything but that restore's checkout:
/// uncommitted or untracked files, ignored files of its own, or another commit checked out. What
/// cannot be told counts as used.
fn used_since(repo: &Repo, made: &Made) -> bool {
    let path = &made.path;
    if std::fs::symlink_metadata(path).is_err() {
        return false;
    }
    if !crate::git::status::dirty_files(path).is_ok_and(|d| d.is_empty()) {
        return true;
    }
    let primary = (!repo.is_bare()).then(|| repo.anchor());
    if !crate::git::status::unique_ignored(path, primary).is_ok_and(|i| i.is_empty()) {
        return true;
    }
    match &made.head {
        Some(head) => {
            crate::git::cli::run(path, ["rev-parse", "HEAD"]).map_or(true, |now| now.trim() != head)
        }
        None => false,
    }
}

/// Undoes what `made` says a restore made. Best effort: what it cannot undo is logged.
fn take_back(repo: &Repo, made: &Made) {
    let path = crate::git::canonical(&made.path);
    let record = worktrees::list(repo).ok().and_then(|all| {
        all.into_iter()
            .find(|w| !w.is_primary() && crate::git::canonical(&w.path) == path)
    });
    if let Some(name) = record.and_then(|w| w.name) {
        let admin = worktrees::admin_dir(repo, &name);
        let ours =
            std::fs::symlink_metadata(&path).is_err() || worktrees::leads_back(&path, &admin);
        if ours {
            if let Err(e) = worktrees::delete_dir(&path, None) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!("could not delete {}: {e}", path.display());
                }
            }
            if let Err(e) = worktrees::forget(repo, &name) {
                tracing::warn!("could not forget worktree {name}: {e}");
            }
        }
    }
    if let Some((branch, tip)) = &made.branch {
        let refname = format!("refs/heads/{branch}");
        if let Err(e) = cli::run(
            repo.anchor(),
            ["update-ref", "-d", refname.as_str(), tip.as_str()],
        ) {
            tracing::warn!("could not delete branch {branch} again: {e}");
        }
    }
}

/// How a restore checks the lane out (see [`checkout_of`]).
struct Plan<'e> {
    checkout: Checkout<'e>,
    /// A branch it creates (name, tip).
    created: Option<(String, String)>,
    /// What to say when the lane comes back detached because its branch moved on.
    moved: Option<String>,
}

/// How the worktree comes back: on its branch (recreated at the saved tip when it was deleted),
/// or detached at the saved HEAD.
/// Also returns the branch it created (name, tip), if it did, and — when the branch HEAD was on
/// has moved on since, so that the lane comes back detached at its saved commit (where its saved
/// changes apply exactly) — what to tell the user.
fn checkout_of<'e>(repo: &Repo, entry: &'e TrashEntry, action: &str) -> Result<Plan<'e>> {
    let meta = &entry.meta;
    let mut created = None;
    if let (Some(branch), Some(tip)) = (&meta.branch, &meta.branch_tip) {
        match repo.git().refname_to_id(&format!("refs/heads/{branch}")) {
            Err(_) => {
                cli::run(
                    repo.anchor(),
                    ["branch", "--no-track", branch.as_str(), tip.as_str()],
                )?;
                created = Some((branch.clone(), tip.clone()));
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
    let mut moved = None;
    let checkout = match (&meta.head_branch, &meta.head) {
        (Some(branch), Some(head)) => {
            let now = repo
                .git()
                .refname_to_id(&format!("refs/heads/{branch}"))
                .map(|o| o.to_string());
            match now {
                Ok(now) if now != *head => {
                    moved = Some(format!(
                        "{branch} has moved on since ({head:.7} → {now:.7}); the lane is restored at its saved commit, detached: commit or stash, then `git switch {branch}`"
                    ));
                    Checkout::Detached(head.as_str())
                }
                _ => Checkout::Existing(branch.as_str()),
            }
        }
        (Some(branch), None) => Checkout::Existing(branch.as_str()),
        (None, Some(head)) => Checkout::Detached(head.as_str()),
        (None, None) => match &meta.branch {
            Some(branch) => Checkout::Existing(branch.as_str()),
            None => {
                return Err(Error::Conflict(format!(
                    "trash entry {} names no commit to check out",
                    entry.id
                )))
            }
        },
    };
    Ok(Plan {
        checkout,
        created,
        moved,
    })
}
