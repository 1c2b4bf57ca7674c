//! Git's own verdict on two versions of a file: would merging them conflict? Three-way merges run
//! in memory with libgit2's `merge_file` (the xdiff merge git itself uses) against the versions'
//! common ancestor; versions that exist only in a worktree or an editor buffer are written to an
//! in-memory object store, never to the repository. No checkout is touched.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use git2::{IndexEntry, IndexTime, MergeFileOptions, Oid, Repository};

use crate::error::{Error, Result};
use crate::git::changes::{change_between, FileChange};
pub use crate::protocol::Verdict;

/// Blobs written to the in-memory store before it is emptied (a long-running language server
/// judges many buffers).
const BLOBS_BEFORE_RESET: usize = 2_000;

/// Judges merges in one repository; cheap to keep, safe to share between threads.
pub struct Judge {
    common_dir: std::path::PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    repo: Repository,
    blobs: usize,
    ancestors: HashMap<(Oid, Oid), Option<Oid>>,
    conflicted: HashMap<(Oid, Oid), Option<Arc<BTreeSet<String>>>>,
    /// Committed versions read so far (commits never change), until the next reset.
    contents: HashMap<(Oid, String), Option<Arc<Vec<u8>>>>,
    /// Diffs computed so far, by the hashes of their two sides.
    changes: HashMap<(u64, u64), FileChange>,
    /// Blob ids of paths in commits looked up so far.
    blob_ids: HashMap<(Oid, String), Option<Oid>>,
}

impl Inner {
    fn open(common_dir: &Path) -> Result<Inner> {
        let repo = Repository::open(common_dir)
            .map_err(Error::git(format!("opening {}", common_dir.display())))?;
        // Objects this judge writes (unsaved versions) go to memory, ahead of the repository's
        // own object store, which is still read.
        let odb = repo.odb().map_err(Error::git("opening the object store"))?;
        odb.add_new_mempack_backend(1000)
            .map_err(Error::git("adding an in-memory object store"))?;
        drop(odb);
        Ok(Inner {
            repo,
            blobs: 0,
            ancestors: HashMap::new(),
            conflicted: HashMap::new(),
            contents: HashMap::new(),
            changes: HashMap::new(),
            blob_ids: HashMap::new(),
        })
    }
}

impl Judge {
    /// A judge for the repository whose git directory (common dir) is `common_dir`.
    pub fn open(common_dir: &Path) -> Result<Judge> {
        Ok(Judge {
            common_dir: common_dir.to_path_buf(),
            inner: Mutex::new(Inner::open(common_dir)?),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| Error::Internal("a merge judge was poisoned by a panic".into()))?;
        if inner.blobs > BLOBS_BEFORE_RESET {
            *inner = Inner::open(&self.common_dir)?;
        }
        Ok(inner)
    }

    /// The best common ancestor of two commits (git's merge base), cached.
    pub fn ancestor(&self, a: Oid, b: Oid) -> Option<Oid> {
        let key = if a <= b { (a, b) } else { (b, a) };
        let mut inner = self.lock().ok()?;
        if let Some(found) = inner.ancestors.get(&key) {
            return *found;
        }
        let found = inner.repo.merge_base(a, b).ok();
        inner.ancestors.insert(key, found);
        found
    }

    /// The paths whose merge of commits `a` and `b` would conflict, as git's merge of the two
    /// commits decides it (renames followed); cached. None when they cannot be merged in memory.
    pub fn conflicted_paths(&self, a: Oid, b: Oid) -> Option<Arc<BTreeSet<String>>> {
        let key = if a <= b { (a, b) } else { (b, a) };
        let mut inner = self.lock().ok()?;
        if let Some(found) = inner.conflicted.get(&key) {
            return found.clone();
        }
        let found = merge_conflicts(&inner.repo, a, b).map(Arc::new);
        if let Some(paths) = &found {
            tracing::debug!("merging {a} and {b}: {} conflicted paths", paths.len());
        }
        inner.conflicted.insert(key, found.clone());
        found
    }

    /// The content of `path` (repository-relative, `/`-separated) in `commit`; None when the
    /// file does not exist there.
    pub fn content_at(&self, commit: Oid, path: &str) -> Option<Vec<u8>> {
        let mut inner = self.lock().ok()?;
        let key = (commit, path.to_string());
        if let Some(found) = inner.contents.get(&key) {
            return found.as_ref().map(|c| c.to_vec());
        }
        let read = || -> Option<Vec<u8>> {
            let tree = inner.repo.find_commit(commit).ok()?.tree().ok()?;
            let entry = tree.get_path(Path::new(path)).ok()?;
            let blob = inner.repo.find_blob(entry.id()).ok()?;
            Some(blob.content().to_vec())
        };
        let found = read();
        inner.blobs += 1;
        inner
            .contents
            .insert(key, found.as_ref().map(|c| Arc::new(c.clone())));
        found
    }

    /// How `new` changes `old` (see [`change_between`]), remembered: the other side of a
    /// verdict rarely changes while someone types on this side.
    pub fn change(&self, old: Option<&[u8]>, new: Option<&[u8]>) -> Result<FileChange> {
        let key = (fingerprint(old), fingerprint(new));
        if let Some(found) = self.lock()?.changes.get(&key) {
            return Ok(found.clone());
        }
        let change = change_between(old, new)?.unwrap_or_default();
        let mut inner = self.lock()?;
        inner.blobs += 1;
        inner.changes.insert(key, change.clone());
        Ok(change)
    }

    /// The blob id of `path` in `commit`, None when absent (a cheap "did it change?" test).
    pub fn blob_at(&self, commit: Oid, path: &str) -> Option<Oid> {
        let mut inner = self.lock().ok()?;
        let key = (commit, path.to_string());
        if let Some(found) = inner.blob_ids.get(&key) {
            return *found;
        }
        let read = || -> Option<Oid> {
            let tree = inner.repo.find_commit(commit).ok()?.tree().ok()?;
            Some(tree.get_path(Path::new(path)).ok()?.id())
        };
        let found = read();
        inner.blobs += 1;
        inner.blob_ids.insert(key, found);
        found
    }

    /// Git's verdict on merging `ours` and `theirs` (None: the file is deleted or absent on that
    /// side) from `ancestor`. `touching` says whether the two sides' changed lines touch; it
    /// tells a clean `overlap` from a clean `shared`.
    pub fn verdict(
        &self,
        ancestor: Option<&[u8]>,
        ours: Option<&[u8]>,
        theirs: Option<&[u8]>,
        touching: bool,
    ) -> Result<Verdict> {
        if ours == theirs {
            // The same change on both sides (or deleted on both) merges cleanly.
            return Ok(if ours == ancestor {
                Verdict::Shared
            } else {
                Verdict::Overlap
            });
        }
        if ours == ancestor || theirs == ancestor {
            // One side leaves the file as the ancestor has it: the merge takes the other.
            return Ok(Verdict::Shared);
        }
        let (Some(ours), Some(theirs)) = (ours, theirs) else {
            // Changed on one side, deleted on the other.
            return Ok(Verdict::Conflict);
        };
        let mut inner = self.lock()?;
        let mut entry = |content: &[u8]| -> Result<IndexEntry> {
            let id = inner
                .repo
                .blob(content)
                .map_err(Error::git("writing a version to the in-memory store"))?;
            inner.blobs += 1;
            Ok(index_entry(id, content.len()))
        };
        let ancestor = entry(ancestor.unwrap_or_default())?;
        let ours = entry(ours)?;
        let theirs = entry(theirs)?;
        let mut options = MergeFileOptions::new();
        let merged = inner
            .repo
            .merge_file_from_index(&ancestor, &ours, &theirs, Some(&mut options))
            .map_err(Error::git("merging two versions of a file"))?;
        Ok(if !merged.is_automergeable() {
            Verdict::Conflict
        } else if touching {
            Verdict::Overlap
        } else {
            Verdict::Shared
        })
    }
}

/// A hash of a version (None: absent), to key remembered diffs.
fn fingerprint(content: Option<&[u8]>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    content.hash(&mut hasher);
    hasher.finish()
}

fn merge_conflicts(repo: &Repository, a: Oid, b: Oid) -> Option<BTreeSet<String>> {
    let ours = repo.find_commit(a).ok()?;
    let theirs = repo.find_commit(b).ok()?;
    let index = repo.merge_commits(&ours, &theirs, None).ok()?;
    let mut paths = BTreeSet::new();
    for conflict in index.conflicts().ok()? {
        let conflict = conflict.ok()?;
        for entry in [conflict.ancestor, conflict.our, conflict.their]
            .into_iter()
            .flatten()
        {
            paths.insert(String::from_utf8_lossy(&entry.path).into_owned());
        }
    }
    Some(paths)
}

fn index_entry(id: Oid, size: usize) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: u32::try_from(size).unwrap_or(u32::MAX),
        id,
        flags: 0,
        flags_extended: 0,
        path: b"file".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge() -> (tempfile::TempDir, Judge) {
        let dir = tempfile::tempdir().unwrap();
        Repository::init(dir.path()).unwrap();
        let judge = Judge::open(&dir.path().join(".git")).unwrap();
        (dir, judge)
    }

    const BASE: &[u8] = b"one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";

    #[test]
    fn adjacent_line_changes_conflict_as_in_git() {
        let (_dir, judge) = judge();
        let ours = b"one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\n";
        let theirs = b"one\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\n";
        let verdict = judge
            .verdict(Some(BASE), Some(ours), Some(theirs), false)
            .unwrap();
        assert_eq!(verdict, Verdict::Conflict);
    }

    #[test]
    fn the_identical_change_is_an_overlap_not_a_conflict() {
        let (_dir, judge) = judge();
        let same = b"one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\n";
        let verdict = judge
            .verdict(Some(BASE), Some(same), Some(same), true)
            .unwrap();
        assert_eq!(verdict, Verdict::Overlap);
    }

    #[test]
    fn changes_far_apart_are_shared() {
        let (_dir, judge) = judge();
        let ours = b"ONE\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";
        let theirs = b"one\ntwo\nthree\nfour\nfive\nsix\nseven\nEIGHT\n";
        let verdict = judge
            .verdict(Some(BASE), Some(ours), Some(theirs), false)
            .unwrap();
        assert_eq!(verdict, Verdict::Shared);
    }

    #[test]
    fn a_change_against_a_deletion_conflicts() {
        let (_dir, judge) = judge();
        let ours = b"ONE\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";
        let verdict = judge.verdict(Some(BASE), Some(ours), None, false).unwrap();
        assert_eq!(verdict, Verdict::Conflict);
    }

    #[test]
    fn unsaved_versions_never_reach_the_repositorys_object_store() {
        let (dir, judge) = judge();
        let ours = b"ONE\ntwo\nthree\nfour\nfive\nsix\nseven\nunsaved\n";
        let theirs = b"one\ntwo\nthree\nfour\nfive\nsix\nseven\nEIGHT\n";
        judge
            .verdict(Some(BASE), Some(ours), Some(theirs), false)
            .unwrap();
        let objects = dir.path().join(".git/objects");
        let written: Vec<_> = std::fs::read_dir(&objects)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().len() == 2)
            .collect();
        assert!(written.is_empty(), "{written:?}");
    }
}
