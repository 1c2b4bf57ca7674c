//! `lanes prune`: forgets lanes whose directory was deleted by hand. Branches are kept: a deleted
//! directory says nothing about whether its commits are wanted. What git's record still held (the
//! staged changes) is saved in the trash first, since a directory that was moved, not deleted,
//! may be missed.

use crate::config::Config;
use crate::error::Result;
use crate::git::{snapshot, worktrees, Repo};
use crate::lane::lanes_of;
use crate::store::{now, Store};
use crate::trash::{self, TrashMeta};

pub use crate::protocol::Pruned;

/// Forgets every lane whose worktree directory is gone and is not locked. A worktree whose
/// record cannot be read is left alone (see `lanes list`).
pub fn prune(repo: &Repo, config: &Config) -> Result<Vec<Pruned>> {
    let store = Store::new(repo);
    // A lane an interrupted removal left renamed aside is not gone: put it back first.
    let mut recovered = false;
    for entry in lanes_of(repo, config)? {
        if let Some(w) = entry.worktree.as_ref().filter(|w| w.missing) {
            recovered |= crate::ops::remove::recover_interrupted(repo, w)?;
        }
    }
    if recovered {
        tracing::info!("lanes interrupted while being removed were put back");
    }
    let gone: Vec<_> = lanes_of(repo, config)?
        .into_iter()
        .filter(|e| !e.is_primary())
        .filter(|e| match &e.worktree {
            Some(w) => w.missing && w.locked.is_none() && w.broken.is_none(),
            None => true,
        })
        .collect();
    let mut pruned = Vec::new();
    for entry in gone {
        let _lock = match &entry.ticket {
            Some(ticket) => Some(store.lock(ticket)?),
            None => None,
        };
        let mut saved = None;
        if let Some(name) = entry.worktree.as_ref().and_then(|w| w.name.as_deref()) {
            let staged = snapshot::capture_index(repo.git(), &worktrees::admin_dir(repo, name));
            let branch = entry.own_branch().map(str::to_string);
            let tip = branch.as_deref().and_then(|b| repo.branch_tip(b));
            let meta = TrashMeta {
                ticket: entry
                    .ticket
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| name.to_string()),
                path: entry.path().map(Into::into).unwrap_or_default(),
                branch,
                branch_tip: tip.map(|t| t.to_string()),
                head: worktrees::head_commit(repo, name).map(|h| h.to_string()),
                head_branch: entry
                    .worktree
                    .as_ref()
                    .and_then(|w| w.branch())
                    .map(str::to_string),
                record: entry.record.clone(),
                skipped: Vec::new(),
                time: now(),
                reason: "prune".into(),
                empty_dirs: Vec::new(),
                sparse: None,
                modes: Vec::new(),
            };
            let entry = trash::save(repo, meta, None, staged)?;
            worktrees::forget(repo, name)?;
            for id in trash::make_room(repo, &entry) {
                tracing::warn!(
                    "the trash was full: an older entry holding work was dropped to make room: {id}"
                );
            }
            saved = Some(entry.id);
        }
        if let Some(ticket) = &entry.ticket {
            store.delete(ticket)?;
        }
        pruned.push(Pruned {
            ticket: entry.ticket.as_ref().map(ToString::to_string),
            path: entry.path().map(Into::into).unwrap_or_default(),
            branch: entry.branch().map(str::to_string),
            trash: saved,
        });
    }
    Ok(pruned)
}

pub use crate::protocol::{KeptLane, PrunedMerged};

/// `lanes prune --merged`: removes every lane whose work is in its base (see
/// [`crate::lane::LaneEntry::merged`]) through the one guarded removal, unforced — a merged lane
/// with uncommitted or unique ignored files, a lock or a missing directory is kept and reported.
/// With `dry_run`, nothing changes: the clean merged lanes are reported as they would go.
pub fn prune_merged(repo: &Repo, config: &Config, dry_run: bool) -> Result<PrunedMerged> {
    use crate::error::Error;
    use crate::ops::remove::{remove, RemoveOptions};
    let mut report = PrunedMerged {
        dry_run,
        removed: Vec::new(),
        kept: Vec::new(),
    };
    for entry in lanes_of(repo, config)? {
        let Some(ticket) = entry.ticket.clone() else {
            continue;
        };
        if !entry.merged(config, repo) {
            continue;
        }
        let path = entry.path().map(Into::into).unwrap_or_default();
        if dry_run {
            let lane = crate::lane::describe(repo, config, &entry);
            let why = if lane.locked {
                Some("its worktree is locked".to_string())
            } else if lane.missing {
                Some("its directory is missing".to_string())
            } else {
                lane.dirty
                    .filter(|n| *n > 0)
                    .map(|n| format!("{n} uncommitted or untracked file(s)"))
            };
            match why {
                Some(reason) => report.kept.push(KeptLane {
                    ticket: ticket.to_string(),
                    path,
                    reason,
                }),
                None => report.removed.push(crate::protocol::Removed {
                    ticket: ticket.to_string(),
                    path,
                    branch: entry.own_branch().map(str::to_string),
                    branch_deleted: false,
                    branch_tip: None,
                    // What the removal would say of a branch lanes did not create.
                    branch_kept: entry.deletable_branch(repo).err(),
                    merged: true,
                    trash: None,
                    not_kept: Vec::new(),
                    evicted: Vec::new(),
                }),
            }
            continue;
        }
        match remove(repo, config, &ticket, RemoveOptions::default()) {
            Ok(removed) => report.removed.push(removed),
            Err(Error::Refused { reason, .. }) => report.kept.push(KeptLane {
                ticket: ticket.to_string(),
                path,
                reason,
            }),
            // One lane failing does not stop the others; it is reported with why.
            Err(e) => report.kept.push(KeptLane {
                ticket: ticket.to_string(),
                path,
                reason: e.to_string(),
            }),
        }
    }
    Ok(report)
}
