//! Watches every repository of the workspace so that lanes changed elsewhere — an agent editing
//! another lane, a commit, another window creating a lane — show up without the client doing
//! anything: the git directory (refs, worktree records, lane records) and each worktree's tracked
//! directories. Events are debounced, then turned into the cheapest refresh that covers them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::server::Ctx;

/// How long to gather events after the first one before refreshing: editors and git write several
/// files per change.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// Handle on the file watcher (cheap to clone).
#[derive(Clone)]
pub struct Watcher {
    inner: Arc<Mutex<RecommendedWatcher>>,
    watched: Arc<Mutex<BTreeMap<PathBuf, bool>>>,
    ctx: Ctx,
}

impl Watcher {
    /// Starts watching the sessions' git directories; returns once those watches are in place.
    /// The worktrees follow with [`Watcher::watch_worktrees`] (thousands of directories take a
    /// while to register).
    pub async fn start(ctx: Ctx) -> notify::Result<Watcher> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
        let inner = notify::recommended_watcher(move |event: notify::Result<Event>| match event {
            Ok(event) if changes_content(&event.kind) => {
                for path in event.paths {
                    let _ = tx.send(path);
                }
            }
            Ok(_) => {}
            Err(e) => tracing::debug!("file watcher: {e}"),
        })?;
        let watcher = Watcher {
            inner: Arc::new(Mutex::new(inner)),
            watched: Arc::new(Mutex::new(BTreeMap::new())),
            ctx,
        };
        let first = watcher.clone();
        let _ = tokio::task::spawn_blocking(move || first.rewatch_now(false)).await;
        tokio::spawn(watcher.clone().run(rx));
        Ok(watcher)
    }

    /// Adds the worktrees' directories; returns once they are watched.
    pub async fn watch_worktrees(&self) {
        let this = self.clone();
        let _ = tokio::task::spawn_blocking(move || this.rewatch_now(true)).await;
    }

    /// Brings the watched directories in line with the sessions' current lanes, in the
    /// background.
    pub fn rewatch(&self) {
        let this = self.clone();
        tokio::spawn(async move { this.rewatch_and_rescan().await });
    }

    /// Rewatches, then re-reads lanes that were not watched before: whatever changed in them
    /// before their watch was in place is read now, and everything after raises an event.
    async fn rewatch_and_rescan(&self) {
        let this = self.clone();
        let added = tokio::task::spawn_blocking(move || this.rewatch_now(true))
            .await
            .unwrap_or_default();
        if !added.is_empty() {
            self.ctx.rescan(added).await;
        }
    }

    /// Updates the watches; returns the directories newly watched.
    fn rewatch_now(&self, worktrees: bool) -> Vec<PathBuf> {
        let mut added = Vec::new();
        let mut wanted: BTreeMap<PathBuf, bool> = BTreeMap::new();
        for entry in self.ctx.state.sessions.iter() {
            if let Ok(session) = entry.value().lock() {
                wanted.extend(session.watch_dirs(worktrees));
            }
        }
        let (Ok(mut inner), Ok(mut watched)) = (self.inner.lock(), self.watched.lock()) else {
            return added;
        };
        let stale: Vec<PathBuf> = watched
            .iter()
            .filter(|(dir, recursive)| wanted.get(*dir) != Some(recursive))
            .map(|(dir, _)| dir.clone())
            .collect();
        for dir in stale {
            let _ = inner.unwatch(&dir);
            watched.remove(&dir);
        }
        for (dir, recursive) in wanted {
            if watched.contains_key(&dir) {
                continue;
            }
            let mode = if recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            match inner.watch(&dir, mode) {
                Ok(()) => {
                    watched.insert(dir.clone(), recursive);
                    added.push(dir);
                }
                Err(e) => tracing::debug!("cannot watch {}: {e}", dir.display()),
            }
        }
        added
    }

    async fn run(self, mut rx: tokio::sync::mpsc::UnboundedReceiver<PathBuf>) {
        while let Some(first) = rx.recv().await {
            let mut paths = vec![first];
            let deadline = tokio::time::sleep(DEBOUNCE);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    next = rx.recv() => match next {
                        Some(path) => paths.push(path),
                        None => return,
                    },
                }
            }
            paths.sort();
            paths.dedup();
            if self.ctx.paths_changed(paths).await {
                self.rewatch_and_rescan().await;
            }
        }
    }
}

/// Events that can change what lanes reports; reads (our own included) are not among them.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}
