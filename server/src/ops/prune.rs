//! `lanes prune`: forgets lanes whose directory was deleted by hand. Branches are kept: a deleted
//! directory says nothing about whether its commits are wanted.

use serde::Serialize;

use crate::config::Config;
use crate::error::Result;
use crate::git::{worktrees, Repo};
use crate::ops::list::lanes_of;
use crate::store::Store;

/// One lane that `prune` forgot.
#[derive(Debug, Clone, Serialize)]
pub struct Pruned {
    /// Ticket, when known.
    pub ticket: Option<String>,
    /// The directory that no longer exists.
    pub path: std::path::PathBuf,
    /// The branch, which is kept.
    pub branch: Option<String>,
}

/// Forgets every lane whose worktree directory is gone and is not locked.
pub fn prune(repo: &Repo, config: &Config) -> Result<Vec<Pruned>> {
    let store = Store::new(repo);
    let gone: Vec<_> = lanes_of(repo, config)?
        .into_iter()
        .filter(|e| !e.is_primary())
        .filter(|e| match &e.worktree {
            Some(w) => w.missing && w.locked.is_none(),
            None => true,
        })
        .collect();
    if gone.iter().any(|e| e.worktree.is_some()) {
        worktrees::prune(repo)?;
    }
    let mut pruned = Vec::new();
    for entry in gone {
        if let Some(ticket) = &entry.ticket {
            store.delete(ticket)?;
        }
        pruned.push(Pruned {
            ticket: entry.ticket.as_ref().map(ToString::to_string),
            path: entry.path().map(Into::into).unwrap_or_default(),
            branch: entry.branch().map(str::to_string),
        });
    }
    Ok(pruned)
}
