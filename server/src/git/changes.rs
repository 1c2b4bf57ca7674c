//! What a lane changes: per repository-relative path, the changed line ranges (hunks, with no
//! context lines), read with libgit2's diff machinery.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use git2::{Diff, DiffOptions, ObjectType, Oid, Repository, Tree};

use crate::error::{Error, Result};

/// A run of lines, 1-based; `lines == 0` is an empty run just after line `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    /// First line (or, for an empty run, the line it follows).
    pub start: u32,
    /// Number of lines.
    pub lines: u32,
}

impl LineRange {
    /// Closed interval of lines this run touches. An empty run (a pure insertion or deletion point)
    /// touches the lines on both sides of it, since a change there conflicts with either neighbour.
    pub fn span(&self) -> (u32, u32) {
        if self.lines == 0 {
            (self.start.max(1), self.start + 1)
        } else {
            (self.start, self.start + self.lines - 1)
        }
    }

    /// True when the two runs touch a common line.
    pub fn overlaps(&self, other: &LineRange) -> bool {
        let (a1, b1) = self.span();
        let (a2, b2) = other.span();
        a1 <= b2 && a2 <= b1
    }
}

/// One changed region: where it was in the old version and where it is in the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hunk {
    /// Lines in the old version (the base side).
    pub old: LineRange,
    /// Lines in the new version (the lane's side).
    pub new: LineRange,
}

/// How one file is changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChange {
    /// Changed regions.
    pub hunks: Vec<Hunk>,
    /// The change has no line structure (binary file, added or deleted as a whole): any other
    /// change to this path conflicts with it.
    pub whole: bool,
}

impl FileChange {
    /// True when some region of `self` touches some region of `other` (on the base side).
    pub fn overlaps(&self, other: &FileChange) -> bool {
        self.whole
            || other.whole
            || self
                .hunks
                .iter()
                .any(|a| other.hunks.iter().any(|b| a.old.overlaps(&b.old)))
    }

    /// True when some hunk of this change is within `slack` lines of one of `other`'s (old side),
    /// or either changes the file as a whole. Git's merge can only conflict where this holds
    /// with a slack of one line (overlapping or adjacent changes).
    pub fn near(&self, other: &FileChange, slack: u32) -> bool {
        self.whole
            || other.whole
            || self.hunks.iter().any(|a| {
                other.hunks.iter().any(|b| {
                    let (a1, b1) = a.old.span();
                    let (a2, b2) = b.old.span();
                    a1 <= b2 + slack && a2 <= b1 + slack
                })
            })
    }

    /// The lines of this change's new side and of `other`'s new side whose old-side ranges touch
    /// (both changes measured from the same version); when none touch, those within one line of
    /// each other (git conflicts on adjacent lines too).
    pub fn touching_lines(&self, other: &FileChange) -> (Vec<LineRange>, Vec<LineRange>) {
        let touching = |slack: u32| {
            let mut here = Vec::new();
            let mut there = Vec::new();
            for a in &self.hunks {
                for b in &other.hunks {
                    let (a1, b1) = a.old.span();
                    let (a2, b2) = b.old.span();
                    if a1 <= b2 + slack && a2 <= b1 + slack {
                        if !here.contains(&a.new) {
                            here.push(a.new);
                        }
                        if !there.contains(&b.new) {
                            there.push(b.new);
                        }
                    }
                }
            }
            (here, there)
        };
        let found = touching(0);
        if found.0.is_empty() {
            touching(1)
        } else {
            found
        }
    }

    /// Lays `other` (a later change to the same file) over this one.
    pub fn merge(&mut self, other: &FileChange) {
        self.whole |= other.whole;
        self.hunks.extend_from_slice(&other.hunks);
    }
}

/// Changed files by repository-relative path (`/`-separated).
pub type FileChanges = BTreeMap<String, FileChange>;

fn options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.context_lines(0).ignore_submodules(true);
    opts
}

/// Changes committed on `head` since its merge-base with `base`; also returns that merge-base.
///
/// The trees are compared by walking them in-process and skipping every subtree whose id is the same
/// on both sides, so the cost follows the size of the change, not of the repository; each changed
/// file's lines are then diffed with libgit2's xdiff (git's own algorithm). This is several times
/// faster than `Repository::diff_tree_to_tree`, whose per-diff setup dominates for small changes.
pub fn committed(repo: &Repository, head: Oid, base: Oid) -> Result<(Oid, FileChanges)> {
    let merge_base = repo
        .merge_base(head, base)
        .map_err(Error::git("finding the merge-base with the base"))?;
    let mut files = FileChanges::new();
    if merge_base == head {
        return Ok((merge_base, files));
    }
    let tree = |id: Oid| {
        repo.find_commit(id)
            .and_then(|c| c.tree())
            .map_err(Error::git("reading a commit's tree"))
    };
    let (old, new) = (tree(merge_base)?, tree(head)?);
    let mut changed = Vec::new();
    changed_blobs(repo, Some(&old), Some(&new), "", &mut changed)?;
    for (path, old, new) in changed {
        files.insert(path, blob_change(repo, old, new)?);
    }
    Ok((merge_base, files))
}

/// A path whose blob differs between two trees: (path, old blob, new blob).
type ChangedBlob = (String, Option<Oid>, Option<Oid>);

/// Collects the blobs that differ between two trees, descending only into subtrees that differ.
fn changed_blobs(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
    prefix: &str,
    out: &mut Vec<ChangedBlob>,
) -> Result<()> {
    // Entry name with a trailing `/` for trees: git's own sort order, so a merge walk of the two
    // sorted entry lists pairs equal names.
    fn entries(tree: Option<&Tree<'_>>) -> Vec<(Vec<u8>, Oid, Option<ObjectType>)> {
        let Some(tree) = tree else {
            return Vec::new();
        };
        let mut list: Vec<_> = tree
            .iter()
            .map(|e| {
                let mut key = e.name_bytes().to_vec();
                if e.kind() == Some(ObjectType::Tree) {
                    key.push(b'/');
                }
                (key, e.id(), e.kind())
            })
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }
    let (old, new) = (entries(old), entries(new));
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (a, b) = match order {
            std::cmp::Ordering::Less => (old.get(i), None),
            std::cmp::Ordering::Greater => (None, new.get(j)),
            std::cmp::Ordering::Equal => (old.get(i), new.get(j)),
        };
        if a.is_some() && order != std::cmp::Ordering::Greater {
            i += 1;
        }
        if b.is_some() && order != std::cmp::Ordering::Less {
            j += 1;
        }
        if let (Some(a), Some(b)) = (a, b) {
            if a.1 == b.1 {
                continue;
            }
        }
        let (key, kind) = match (a, b) {
            (Some(e), _) | (None, Some(e)) => (&e.0, e.2),
            (None, None) => continue,
        };
        let name = String::from_utf8_lossy(key.strip_suffix(b"/").unwrap_or(key));
        let path = format!("{prefix}{name}");
        match kind {
            Some(ObjectType::Tree) => {
                let load = |e: Option<&(Vec<u8>, Oid, Option<ObjectType>)>| {
                    e.map(|e| repo.find_tree(e.1))
                        .transpose()
                        .map_err(Error::git(format!("reading tree {path}")))
                };
                let (ta, tb) = (load(a)?, load(b)?);
                changed_blobs(repo, ta.as_ref(), tb.as_ref(), &format!("{path}/"), out)?;
            }
            Some(ObjectType::Blob) => out.push((path, a.map(|e| e.1), b.map(|e| e.1))),
            // Submodules (commit entries) are other repositories: not lanes' business here.
            _ => {}
        }
    }
    Ok(())
}

/// How a file changed between two blobs (None: absent on that side).
fn blob_change(repo: &Repository, old: Option<Oid>, new: Option<Oid>) -> Result<FileChange> {
    let load = |id: Option<Oid>| {
        id.map(|id| repo.find_blob(id))
            .transpose()
            .map_err(Error::git("reading a file's content"))
    };
    let (a, b) = (load(old)?, load(new)?);
    let mut change = FileChange {
        hunks: Vec::new(),
        // Added or deleted as a whole, or binary: no line structure to compare.
        whole: a.is_none()
            || b.is_none()
            || a.as_ref().is_some_and(|x| x.is_binary())
            || b.as_ref().is_some_and(|x| x.is_binary()),
    };
    if change.whole {
        return Ok(change);
    }
    repo.diff_blobs(
        a.as_ref(),
        None,
        b.as_ref(),
        None,
        Some(&mut options()),
        None,
        None,
        Some(&mut |_, hunk| {
            change.hunks.push(hunk_of(&hunk));
            true
        }),
        None,
    )
    .map_err(Error::git("diffing a file"))?;
    Ok(change)
}

/// Uncommitted changes in the worktree at `path` (staged, unstaged and untracked files).
pub fn uncommitted(path: &Path) -> Result<FileChanges> {
    let repo = open_worktree(path)?;
    let head_tree = head_tree(&repo, path)?;
    let mut opts = options();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true);
    let diff = repo
        .diff_tree_to_workdir_with_index(head_tree.as_ref(), Some(&mut opts))
        .map_err(Error::git(format!(
            "reading the changes in {}",
            path.display()
        )))?;
    let mut changes = collect(&diff)?;
    forget_sparse_absences(&repo, &mut changes);
    Ok(changes)
}

/// A sparse checkout leaves the files outside its cone off the disk on purpose (git marks them
/// skip-worktree); libgit2 does not know that and sees them deleted. They are not changes.
fn forget_sparse_absences(repo: &Repository, changes: &mut FileChanges) {
    if changes.is_empty() {
        return;
    }
    let Ok(index) = repo.index() else {
        return;
    };
    let Some(workdir) = repo.workdir() else {
        return;
    };
    for entry in index.iter() {
        if entry.flags_extended & super::SKIP_WORKTREE == 0 {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if changes.contains_key(&path) && std::fs::symlink_metadata(workdir.join(&path)).is_err() {
            changes.remove(&path);
        }
    }
}

/// Uncommitted changes of only these repository-relative files of the worktree at `path`, whose
/// HEAD is `head`: each one's committed version (read from `repo`, the shared object store) is
/// diffed with its content on disk, so neither a scan of the whole worktree (a `stat` per tracked
/// file) nor opening the worktree is needed. Files without changes are absent from the result.
pub fn uncommitted_files(
    repo: &Repository,
    head: Option<git2::Oid>,
    path: &Path,
    files: &[String],
) -> Result<FileChanges> {
    let head_tree = match head {
        Some(id) => Some(
            repo.find_commit(id)
                .and_then(|c| c.tree())
                .map_err(Error::git(format!("reading HEAD of {}", path.display())))?,
        ),
        None => None,
    };
    // Only a file new on disk asks whether it is ignored, which needs the worktree's own rules.
    let mut worktree: Option<Repository> = None;
    let mut out = FileChanges::new();
    for file in files {
        let committed = match &head_tree {
            Some(tree) => tree
                .get_path(Path::new(file))
                .ok()
                .filter(|e| e.kind() == Some(ObjectType::Blob))
                .map(|e| repo.find_blob(e.id()))
                .transpose()
                .map_err(Error::git(format!("reading {file}")))?,
            None => None,
        };
        // As git sees it: a symlink is its target path, a FIFO or device is no content.
        let on_disk = super::read::worktree_content(path, file, super::read::CONTENT_CAP)
            .map_err(Error::io(format!("reading {}", path.join(file).display())))?
            .map(super::read::Content::into_bytes);
        if committed.is_none() && on_disk.is_some() {
            if worktree.is_none() {
                worktree = Some(open_worktree(path)?);
            }
            let ignored = worktree
                .as_ref()
                .is_some_and(|w| w.is_path_ignored(Path::new(file)).unwrap_or(false));
            if ignored {
                continue;
            }
        }
        if let Some(change) = buffer_change(committed.as_ref(), on_disk.as_deref())? {
            out.insert(file.clone(), change);
        }
    }
    Ok(out)
}

/// How `text` (None: the file does not exist) differs from `blob` (None: not committed); None when
/// they are the same. This is also how an editor's unsaved buffer is compared.
pub fn buffer_change(
    blob: Option<&git2::Blob<'_>>,
    text: Option<&[u8]>,
) -> Result<Option<FileChange>> {
    change_between(blob.map(git2::Blob::content), text)
}

/// How `new` changes `old` (None: the file does not exist on that side); None when they are the
/// same. Binary files (a NUL byte) change as a whole.
pub fn change_between(old: Option<&[u8]>, new: Option<&[u8]>) -> Result<Option<FileChange>> {
    match (old, new) {
        (None, None) => Ok(None),
        (Some(o), Some(n)) if o == n => Ok(None),
        (Some(o), Some(n)) if !o.contains(&0) && !n.contains(&0) => {
            let patch = git2::Patch::from_buffers(o, None, n, None, Some(&mut options()))
                .map_err(Error::git("diffing a file"))?;
            let hunks = (0..patch.num_hunks())
                .map(|i| patch.hunk(i).map(|(hunk, _)| hunk_of(&hunk)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(Error::git("diffing a file"))?;
            Ok(Some(FileChange {
                hunks,
                whole: false,
            }))
        }
        _ => Ok(Some(FileChange {
            hunks: Vec::new(),
            whole: true,
        })),
    }
}

fn hunk_of(hunk: &git2::DiffHunk<'_>) -> Hunk {
    Hunk {
        old: LineRange {
            start: hunk.old_start(),
            lines: hunk.old_lines(),
        },
        new: LineRange {
            start: hunk.new_start(),
            lines: hunk.new_lines(),
        },
    }
}

/// Opens a worktree's repository, with `path` as its working directory even when git's record
/// says otherwise (a lane being taken away is read where it is now).
pub fn open_worktree(path: &Path) -> Result<Repository> {
    let context = format!("opening the worktree at {}", path.display());
    let repo = Repository::open(path).map_err(Error::git(&context))?;
    let here = super::canonical(path);
    if repo.workdir().map(super::canonical) != Some(here.clone()) && !repo.is_bare() {
        repo.set_workdir(&here, false)
            .map_err(Error::git(&context))?;
    }
    Ok(repo)
}

/// The tree HEAD points at; None on an unborn branch.
pub fn head_tree<'r>(repo: &'r Repository, path: &Path) -> Result<Option<Tree<'r>>> {
    match repo.head().and_then(|h| h.peel_to_tree()) {
        Ok(tree) => Ok(Some(tree)),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => Ok(None),
        Err(e) => Err(Error::git(format!("reading HEAD of {}", path.display()))(e)),
    }
}

fn collect(diff: &Diff<'_>) -> Result<FileChanges> {
    let files = RefCell::new(FileChanges::new());
    let key = |delta: &git2::DiffDelta<'_>| {
        delta
            .new_file()
            .path()
            .or(delta.old_file().path())
            .map(super::slash_path)
    };
    diff.foreach(
        &mut |delta, _| {
            if let Some(path) = key(&delta) {
                let binary = delta.flags().is_binary();
                files.borrow_mut().entry(path).or_default().whole |= binary;
            }
            true
        },
        Some(&mut |delta, _| {
            if let Some(path) = key(&delta) {
                files.borrow_mut().entry(path).or_default().whole = true;
            }
            true
        }),
        Some(&mut |delta, hunk| {
            if let Some(path) = key(&delta) {
                files
                    .borrow_mut()
                    .entry(path)
                    .or_default()
                    .hunks
                    .push(hunk_of(&hunk));
            }
            true
        }),
        None,
    )
    .map_err(Error::git("reading a diff"))?;
    let mut files = files.into_inner();
    // Added and deleted files conflict with any other change to the same path.
    for delta in diff.deltas() {
        if matches!(
            delta.status(),
            git2::Delta::Added | git2::Delta::Deleted | git2::Delta::Untracked
        ) {
            if let Some(change) = key(&delta).and_then(|p| files.get_mut(&p)) {
                change.whole = true;
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u32, lines: u32) -> LineRange {
        LineRange { start, lines }
    }

    #[test]
    fn runs_overlap_when_they_share_a_line() {
        assert!(range(3, 2).overlaps(&range(4, 5)));
        assert!(!range(3, 2).overlaps(&range(5, 1)));
    }

    #[test]
    fn an_insertion_point_touches_both_neighbouring_lines() {
        assert!(range(4, 0).overlaps(&range(5, 1)));
        assert!(range(4, 0).overlaps(&range(4, 1)));
        assert!(!range(4, 0).overlaps(&range(7, 1)));
        assert!(range(0, 0).overlaps(&range(1, 1)));
    }

    #[test]
    fn whole_file_changes_overlap_anything() {
        let whole = FileChange {
            hunks: vec![],
            whole: true,
        };
        assert!(whole.overlaps(&FileChange::default()));
    }
}
