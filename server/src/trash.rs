//! The lane trash: before a lane's worktree is taken away (remove, prune, sync --prune, forced or
//! not), everything only it held is saved as a commit under `refs/lanes/trash/<ticket>/<id>` — its
//! files as they were on disk, its staged changes, its branch tip and its record — so that
//! `lanes restore` (or `lanes undo`) brings the lane back exactly. Like jj's operation log, a
//! wrong `--force` costs one command, not the work. Entries are kept 30 days, and at most
//! [`KEEP_ENTRIES`].

use std::path::{Path, PathBuf};

use git2::{Oid, Signature};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::git::snapshot::Captured;
use crate::git::Repo;
use crate::store::{now, LaneRecord};
use crate::ticket::TicketKey;

/// Where trash entries live.
pub const PREFIX: &str = "refs/lanes/trash/";
/// How long an entry is kept, in seconds.
pub const KEEP_SECONDS: u64 = 30 * 24 * 3600;
/// Most entries kept per repository (the oldest go first).
pub const KEEP_ENTRIES: usize = 100;

/// What a trash entry says about the lane, stored beside the trees as `lane.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrashMeta {
    /// The lane's ticket.
    pub ticket: String,
    /// The worktree directory it had.
    pub path: PathBuf,
    /// The branch the lane owned, and its tip when it was saved.
    pub branch: Option<String>,
    /// The tip of that branch.
    pub branch_tip: Option<String>,
    /// The commit checked out (differs from the tip when HEAD was detached or switched).
    pub head: Option<String>,
    /// HEAD was on this branch (None when detached).
    pub head_branch: Option<String>,
    /// The lane's record.
    pub record: Option<LaneRecord>,
    /// Ignored files that were too big to keep.
    pub skipped: Vec<String>,
    /// Seconds since the Unix epoch.
    pub time: u64,
    /// Why it was saved: "remove", "prune", …
    pub reason: String,
}

/// One restorable entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TrashEntry {
    /// The ref holding it.
    pub refname: String,
    /// Short id to name it by (`<ticket>/<time>`).
    pub id: String,
    /// The commit.
    pub commit: Oid,
    /// What it says.
    pub meta: TrashMeta,
    /// Its trees: the files (None when the directory was already gone) and the staged state.
    pub files: Option<Oid>,
    /// The staged tree.
    pub index: Option<Oid>,
}

/// Saves a lane into the trash; returns the entry.
pub fn save(
    repo: &Repo,
    meta: TrashMeta,
    captured: Option<&Captured>,
    index: Option<Oid>,
) -> Result<TrashEntry> {
    let git = repo.git();
    let context = format!("saving lane {} to the trash", meta.ticket);
    let json =
        serde_json::to_vec_pretty(&meta).map_err(|e| Error::Internal(format!("{context}: {e}")))?;
    let mut tree = git.treebuilder(None).map_err(Error::git(&context))?;
    let blob = git.blob(&json).map_err(Error::git(&context))?;
    tree.insert("lane.json", blob, 0o100644)
        .map_err(Error::git(&context))?;
    if let Some(files) = captured.map(|c| c.files) {
        tree.insert("files", files, 0o040000)
            .map_err(Error::git(&context))?;
    }
    if let Some(index) = captured.and_then(|c| c.index).or(index) {
        tree.insert("index", index, 0o040000)
            .map_err(Error::git(&context))?;
    }
    let tree = tree.write().map_err(Error::git(&context))?;
    let tree = git.find_tree(tree).map_err(Error::git(&context))?;
    let mut parents = Vec::new();
    for id in [&meta.head, &meta.branch_tip].into_iter().flatten() {
        if let Ok(commit) = Oid::from_str(id).and_then(|o| git.find_commit(o)) {
            if !parents.iter().any(|p: &git2::Commit| p.id() == commit.id()) {
                parents.push(commit);
            }
        }
    }
    let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
    let signature = Signature::now("lanes", "lanes@localhost").map_err(Error::git(&context))?;
    let message = format!(
        "lanes: {} of lane {} ({}) at {}",
        meta.reason,
        meta.ticket,
        meta.branch.as_deref().unwrap_or("no branch"),
        meta.path.display()
    );
    let commit = git
        .commit(None, &signature, &signature, &message, &tree, &parent_refs)
        .map_err(Error::git(&context))?;
    let mut stamp = format!("{}", meta.time);
    let mut n = 1;
    while git
        .find_reference(&format!("{PREFIX}{}/{stamp}", meta.ticket))
        .is_ok()
    {
        n += 1;
        stamp = format!("{}-{n}", meta.time);
    }
    let id = format!("{}/{stamp}", meta.ticket);
    let refname = format!("{PREFIX}{id}");
    git.reference(&refname, commit, false, &message)
        .map_err(Error::git(&context))?;
    expire(repo);
    read(repo, &refname)
}

/// Every entry, newest first.
pub fn list(repo: &Repo) -> Result<Vec<TrashEntry>> {
    let refs = repo
        .git()
        .references_glob(&format!("{PREFIX}*"))
        .map_err(Error::git("listing the lane trash"))?;
    let names: Vec<String> = refs
        .flatten()
        .filter_map(|r| r.name().map(str::to_string))
        .collect();
    let mut entries: Vec<TrashEntry> = names
        .iter()
        .filter_map(|name| match read(repo, name) {
            Ok(entry) => Some(entry),
            Err(e) => {
                tracing::warn!("skipping unreadable trash entry {name}: {e}");
                None
            }
        })
        .collect();
    entries.sort_by(|a, b| b.meta.time.cmp(&a.meta.time).then(b.id.cmp(&a.id)));
    Ok(entries)
}

fn read(repo: &Repo, refname: &str) -> Result<TrashEntry> {
    let git = repo.git();
    let context = format!("reading trash entry {refname}");
    let commit = git
        .find_reference(refname)
        .and_then(|r| r.peel_to_commit())
        .map_err(Error::git(&context))?;
    let tree = commit.tree().map_err(Error::git(&context))?;
    let meta = tree
        .get_name("lane.json")
        .and_then(|e| git.find_blob(e.id()).ok())
        .and_then(|b| serde_json::from_slice::<TrashMeta>(b.content()).ok())
        .ok_or_else(|| Error::Conflict(format!("{context}: it has no readable lane.json")))?;
    Ok(TrashEntry {
        refname: refname.to_string(),
        id: refname.trim_start_matches(PREFIX).to_string(),
        commit: commit.id(),
        files: tree.get_name("files").map(|e| e.id()),
        index: tree.get_name("index").map(|e| e.id()),
        meta,
    })
}

/// The entry to restore: by id, else the newest of `ticket`, else the newest of all. Tickets (and
/// the ticket part of an id) match in any case, as lanes do (`proj-1` is `PROJ-1`); an exact match
/// wins.
pub fn find(repo: &Repo, ticket: Option<&TicketKey>, id: Option<&str>) -> Result<TrashEntry> {
    let entries = list(repo)?;
    let pick = |same: &dyn Fn(&str, &str) -> bool| {
        entries
            .iter()
            .find(|e| match (id, ticket) {
                (Some(id), _) => same(&e.id, id),
                (None, Some(t)) => same(&e.meta.ticket, t.as_str()),
                (None, None) => true,
            })
            .cloned()
    };
    let found = pick(&|a, b| a == b).or_else(|| pick(&|a, b| a.to_lowercase() == b.to_lowercase()));
    found.ok_or_else(|| {
        Error::NoSuchLane(match (id, ticket) {
            (Some(id), _) => format!("{id} in the trash"),
            (None, Some(t)) => format!("{t} in the trash"),
            (None, None) => "in the trash (it is empty)".to_string(),
        })
    })
}

/// Deletes an entry (after it was restored).
pub fn drop_entry(repo: &Repo, entry: &TrashEntry) -> Result<()> {
    let mut reference = repo
        .git()
        .find_reference(&entry.refname)
        .map_err(Error::git(format!("finding {}", entry.refname)))?;
    reference
        .delete()
        .map_err(Error::git(format!("deleting {}", entry.refname)))
}

/// Deletes entries older than [`KEEP_SECONDS`] and all but the newest [`KEEP_ENTRIES`].
pub fn expire(repo: &Repo) {
    let Ok(entries) = list(repo) else {
        return;
    };
    let cutoff = now().saturating_sub(KEEP_SECONDS);
    for (i, entry) in entries.iter().enumerate() {
        if i >= KEEP_ENTRIES || entry.meta.time < cutoff {
            if let Err(e) = drop_entry(repo, entry) {
                tracing::warn!("could not expire {}: {e}", entry.refname);
            }
        }
    }
}

/// Writes the files of a trash entry into a fresh checkout of its commit at `dir`: files as they
/// were on disk (symlinks and executable bits included), tracked files that had been deleted
/// deleted again, and the staged state put back into the index.
pub fn unpack(repo: &Repo, entry: &TrashEntry, dir: &Path) -> Result<()> {
    let git = repo.git();
    let context = format!("restoring {} into {}", entry.id, dir.display());
    let worktree = git2::Repository::open(dir).map_err(Error::git(&context))?;
    if let Some(files) = entry.files {
        let saved = git.find_tree(files).map_err(Error::git(&context))?;
        let mut changes = Vec::new();
        let mut links = Vec::new();
        saved
            .walk(git2::TreeWalkMode::PreOrder, |root, item| {
                if item.kind() != Some(git2::ObjectType::Blob) {
                    return git2::TreeWalkResult::Ok;
                }
                let path = format!("{root}{}", item.name().unwrap_or_default());
                if let Ok(blob) = git.find_blob(item.id()) {
                    if item.filemode() == 0o120000 {
                        links.push((path, blob.content().to_vec()));
                    } else {
                        changes.push(crate::git::write::FileChange {
                            path,
                            content: Some((blob.content().to_vec(), item.filemode() == 0o100755)),
                        });
                    }
                }
                git2::TreeWalkResult::Ok
            })
            .map_err(Error::git(&context))?;
        // Tracked files absent from the saved files had been deleted.
        if let Ok(head) = worktree.head().and_then(|h| h.peel_to_tree()) {
            head.walk(git2::TreeWalkMode::PreOrder, |root, item| {
                if item.kind() == Some(git2::ObjectType::Blob) {
                    let path = format!("{root}{}", item.name().unwrap_or_default());
                    if saved.get_path(Path::new(&path)).is_err() {
                        changes.push(crate::git::write::FileChange {
                            path,
                            content: None,
                        });
                    }
                }
                git2::TreeWalkResult::Ok
            })
            .map_err(Error::git(&context))?;
        }
        for (path, _) in &links {
            let target = crate::git::write::checked_path(dir, path)?;
            let _ = std::fs::remove_file(&target);
        }
        crate::git::write::apply(dir, &changes)?;
        for (path, target) in links {
            let at = crate::git::write::checked_path(dir, &path)?;
            if let Some(parent) = at.parent() {
                std::fs::create_dir_all(parent).map_err(Error::io(&context))?;
            }
            let target = PathBuf::from(String::from_utf8_lossy(&target).into_owned());
            std::os::unix::fs::symlink(&target, &at).map_err(Error::io(&context))?;
        }
    }
    if let Some(index) = entry.index {
        let tree = git.find_tree(index).map_err(Error::git(&context))?;
        let mut staged = worktree.index().map_err(Error::git(&context))?;
        staged.read_tree(&tree).map_err(Error::git(&context))?;
        staged.write().map_err(Error::git(&context))?;
    }
    Ok(())
}
