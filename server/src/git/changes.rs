//! What a lane changes: per repository-relative path, the changed line ranges (hunks, with no
//! context lines), read with libgit2's diff machinery.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use git2::{Diff, DiffOptions, Oid, Repository};
use serde::Serialize;

use crate::error::{Error, Result};

/// A run of lines, 1-based; `lines == 0` is an empty run just after line `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// Lines in the old version (the base side).
    pub old: LineRange,
    /// Lines in the new version (the lane's side).
    pub new: LineRange,
}

/// How one file is changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
pub fn committed(repo: &Repository, head: Oid, base: Oid) -> Result<(Oid, FileChanges)> {
    let merge_base = repo
        .merge_base(head, base)
        .map_err(Error::git("finding the merge-base with the base"))?;
    if merge_base == head {
        return Ok((merge_base, FileChanges::new()));
    }
    let tree = |id: Oid| {
        repo.find_commit(id)
            .and_then(|c| c.tree())
            .map_err(Error::git("reading a commit's tree"))
    };
    let (old, new) = (tree(merge_base)?, tree(head)?);
    let diff = repo
        .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut options()))
        .map_err(Error::git("diffing the lane against its base"))?;
    Ok((merge_base, collect(&diff)?))
}

/// Uncommitted changes in the worktree at `path` (staged, unstaged and untracked files).
pub fn uncommitted(path: &Path) -> Result<FileChanges> {
    let repo = Repository::open(path).map_err(Error::git(format!(
        "opening the worktree at {}",
        path.display()
    )))?;
    let head_tree = match repo.head().and_then(|h| h.peel_to_tree()) {
        Ok(tree) => Some(tree),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(e) => return Err(Error::git(format!("reading HEAD of {}", path.display()))(e)),
    };
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
    collect(&diff)
}

fn collect(diff: &Diff<'_>) -> Result<FileChanges> {
    let files = RefCell::new(FileChanges::new());
    let key = |delta: &git2::DiffDelta<'_>| {
        delta
            .new_file()
            .path()
            .or(delta.old_file().path())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
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
                    .push(Hunk {
                        old: LineRange {
                            start: hunk.old_start(),
                            lines: hunk.old_lines(),
                        },
                        new: LineRange {
                            start: hunk.new_start(),
                            lines: hunk.new_lines(),
                        },
                    });
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
