//! The lane trash: before a lane's worktree is taken away (remove, prune, sync --prune, forced or
//! not), everything only it held is saved as a commit under `refs/lanes/trash/<ticket>/<id>` — its
//! files as they were on disk, its staged changes, its branch tip and its record — so that
//! `lanes restore` (or `lanes undo`) brings the lane back exactly. Like jj's operation log, a
//! wrong `--force` costs one command, not the work. Entries are kept 30 days, and at most
//! [`KEEP_ENTRIES`].

use std::os::unix::ffi::OsStrExt;
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
    /// Empty directories of the worktree (git trees cannot hold them), `/`-separated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_dirs: Vec<String>,
    /// Files whose permission bits are not what a checkout gives them (0600, 0640, …): path and
    /// mode (git trees keep only the executable bit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<(String, u32)>,
    /// The lane's sparse checkout, put back on restore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparse: Option<crate::git::snapshot::Sparse>,
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

/// Saves a lane into the trash; returns the entry. Nothing is expired here ([`make_room`]).
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
    let entry = read(repo, &refname)?;
    // Room is made only once the lane is gone (`make_room`): a removal that is refused or fails
    // with the lane whole must not have pushed older work out for nothing.
    Ok(entry)
}

/// Expires old entries now that `kept` holds a lane that is gone; the ids of entries holding work
/// that this pushed out (to be announced).
pub fn make_room(repo: &Repo, kept: &TrashEntry) -> Vec<String> {
    expire(repo)
        .into_iter()
        .filter(|id| *id != kept.id)
        .collect()
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

/// The entry to restore: by id, else the newest of `ticket`, else the newest of all (`undo`).
/// Tickets (and the ticket part of an id) match in any case, as lanes do (`proj-1` is
/// `PROJ-1`); an exact match wins. Without an id, an entry that holds no work (see
/// [`holds_work`]) never hides an older one of the same ticket that does.
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
    let found = match (found, id) {
        (Some(newest), None) if !holds_work(repo, &newest) => Some(
            entries
                .iter()
                .filter(|e| e.meta.ticket == newest.meta.ticket)
                .find(|e| holds_work(repo, e))
                .cloned()
                .unwrap_or(newest),
        ),
        (found, _) => found,
    };
    found.ok_or_else(|| {
        Error::NoSuchLane(match (id, ticket) {
            (Some(id), _) => format!("{id} in the trash"),
            (None, Some(t)) => format!("{t} in the trash"),
            (None, None) => "in the trash (it is empty)".to_string(),
        })
    })
}

/// True when an entry holds something that exists nowhere else: files or staged changes that
/// differ from the commit it had checked out (untracked and kept ignored files included), or
/// commits on no branch, remote-tracking branch or tag. An entry of a clean lane whose branch is
/// merged or still there holds none. In doubt (a commit that cannot be read), it holds work.
pub fn holds_work(repo: &Repo, entry: &TrashEntry) -> bool {
    let git = repo.git();
    let head = entry
        .meta
        .head
        .as_deref()
        .or(entry.meta.branch_tip.as_deref());
    let head_tree = head
        .and_then(|h| Oid::from_str(h).ok())
        .and_then(|h| git.find_commit(h).ok())
        .map(|c| c.tree_id());
    let Some(head_tree) = head_tree else {
        return true;
    };
    if entry.files.is_some_and(|f| f != head_tree) || entry.index.is_some_and(|i| i != head_tree) {
        return true;
    }
    if !entry.meta.empty_dirs.is_empty() || !entry.meta.modes.is_empty() {
        return true;
    }
    [&entry.meta.head, &entry.meta.branch_tip]
        .into_iter()
        .flatten()
        .any(|tip| match Oid::from_str(tip) {
            Ok(tip) => crate::git::status::unique_commits(repo, tip, None, 1)
                .map_or(true, |lost| !lost.is_empty()),
            Err(_) => true,
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

/// Deletes entries older than [`KEEP_SECONDS`], and past [`KEEP_ENTRIES`] the oldest — counted
/// apart for entries that hold work and entries that hold none, so that routine removals of clean
/// lanes never push out work. Returns the ids of entries holding work that were pushed out for
/// room (their owners must be told).
pub fn expire(repo: &Repo) -> Vec<String> {
    let Ok(entries) = list(repo) else {
        return Vec::new();
    };
    let cutoff = now().saturating_sub(KEEP_SECONDS);
    // Telling work apart walks history: only worth it once the trash is over its size.
    let crowded = entries.len() > KEEP_ENTRIES;
    let (mut with_work, mut without) = (0, 0);
    let mut evicted = Vec::new();
    for entry in &entries {
        let expired = entry.meta.time < cutoff;
        let over = crowded && {
            let work = holds_work(repo, entry);
            let kept = if work { &mut with_work } else { &mut without };
            *kept += 1;
            let over = *kept > KEEP_ENTRIES;
            if over && work && !expired {
                evicted.push(entry.id.clone());
            }
            over
        };
        if expired || over {
            if let Err(e) = drop_entry(repo, entry) {
                tracing::warn!("could not expire {}: {e}", entry.refname);
            }
        }
    }
    evicted
}

/// Writes the files of a trash entry into a fresh checkout of its commit at `dir`: files as they
/// were on disk (symlinks, executable bits and exact permissions included, names that are not
/// UTF-8 too), empty directories, tracked files that had been deleted deleted again, and the
/// staged state put back into the index.
pub fn unpack(repo: &Repo, entry: &TrashEntry, dir: &Path) -> Result<()> {
    let git = repo.git();
    let context = format!("restoring {} into {}", entry.id, dir.display());
    let worktree = git2::Repository::open(dir).map_err(Error::git(&context))?;
    if let Some(files) = entry.files {
        let saved = git.find_tree(files).map_err(Error::git(&context))?;
        let mut blobs = Vec::new();
        tree_blobs(git, &saved, Path::new(""), &mut blobs).map_err(Error::git(&context))?;
        let kept: std::collections::HashSet<&Path> =
            blobs.iter().map(|(p, _, _)| p.as_path()).collect();
        let mut tracked = Vec::new();
        if let Ok(head) = worktree.head().and_then(|h| h.peel_to_tree()) {
            tree_blobs(git, &head, Path::new(""), &mut tracked).map_err(Error::git(&context))?;
        }
        // Files as the checkout made them need no writing — and a sparse checkout's files
        // outside its cone must stay off the disk.
        let checked_out: std::collections::HashSet<(&Path, Oid, i32)> = tracked
            .iter()
            .map(|(p, id, mode)| (p.as_path(), *id, *mode))
            .collect();
        let mut changes = Vec::new();
        let mut links = Vec::new();
        for (path, id, mode) in &blobs {
            if checked_out.contains(&(path.as_path(), *id, *mode)) {
                continue;
            }
            let blob = git.find_blob(*id).map_err(Error::git(&context))?;
            let content = blob.content().to_vec();
            if *mode == 0o120000 {
                links.push((path.clone(), content));
                continue;
            }
            changes.push(crate::git::write::FileChange {
                path: path.clone(),
                content: Some((content, *mode == 0o100755)),
                expected: crate::git::write::Expected::AsFound,
            });
        }
        // Tracked files absent from the saved files had been deleted.
        for (path, _, _) in tracked {
            if kept.contains(path.as_path()) {
                continue;
            }
            changes.push(crate::git::write::FileChange {
                path,
                content: None,
                expected: crate::git::write::Expected::AsFound,
            });
        }
        for (path, _) in &links {
            let target = checked_raw_path(dir, path)?;
            let _ = std::fs::remove_file(&target);
        }
        crate::git::write::apply(dir, &changes)?;
        for (path, target) in links {
            let at = checked_raw_path(dir, &path)?;
            let target = PathBuf::from(std::ffi::OsStr::from_bytes(&target));
            std::os::unix::fs::symlink(&target, &at).map_err(Error::io(&context))?;
        }
    }
    for empty in &entry.meta.empty_dirs {
        let at = checked_raw_path(dir, Path::new(empty))?;
        std::fs::create_dir_all(&at).map_err(Error::io(&context))?;
    }
    for (path, mode) in &entry.meta.modes {
        use std::os::unix::fs::PermissionsExt;
        let at = checked_raw_path(dir, Path::new(path))?;
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.is_file()) {
            std::fs::set_permissions(&at, std::fs::Permissions::from_mode(*mode))
                .map_err(Error::io(&context))?;
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

/// Every blob of `tree` with its path (bytes as they are, not only UTF-8), id and mode.
fn tree_blobs(
    git: &git2::Repository,
    tree: &git2::Tree<'_>,
    prefix: &Path,
    out: &mut Vec<(PathBuf, Oid, i32)>,
) -> std::result::Result<(), git2::Error> {
    for item in tree.iter() {
        let path = prefix.join(std::ffi::OsStr::from_bytes(item.name_bytes()));
        match item.kind() {
            Some(git2::ObjectType::Tree) => {
                let sub = git.find_tree(item.id())?;
                tree_blobs(git, &sub, &path, out)?;
            }
            Some(git2::ObjectType::Blob) => out.push((path, item.id(), item.filemode())),
            _ => {}
        }
    }
    Ok(())
}

/// `git::write::checked_path` for any file name: inside `root`, not in `.git`, no symlink on the
/// way (nor as the file itself) and no directory in its place; missing directories are created.
fn checked_raw_path(root: &Path, rel: &Path) -> Result<PathBuf> {
    use std::path::Component;
    let refuse = |why: String| Error::Refused {
        action: format!("write {} in {}", rel.display(), root.display()),
        reason: why,
        hint: "lanes only writes regular files inside a lane's own directory".into(),
    };
    let parts: Vec<Component<'_>> = rel.components().collect();
    if parts.is_empty() || parts.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(refuse("the path leaves the worktree".into()));
    }
    if parts[0].as_os_str() == ".git" {
        return Err(refuse("the path is inside git's own directory".into()));
    }
    let mut at = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        at.push(part.as_os_str());
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(refuse(format!("{} is a symbolic link", at.display())))
            }
            Ok(m) if !last && !m.is_dir() => {
                return Err(refuse(format!("{} is not a directory", at.display())))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !last {
                    std::fs::create_dir(&at)
                        .map_err(Error::io(format!("creating {}", at.display())))?;
                }
            }
            Err(e) => return Err(Error::io(format!("inspecting {}", at.display()))(e)),
        }
    }
    Ok(at)
}
