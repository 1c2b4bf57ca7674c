//! The state of one worktree and its branch: uncommitted files, distance from the base, and commits
//! that would be lost if the branch were deleted.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use git2::Oid;

use crate::error::{Error, Result};
use crate::git::Repo;

/// Files with uncommitted changes in the worktree at `path`, untracked files included and ignored
/// files not: what `git status --porcelain` lists, asked of git itself so that what git knows and
/// libgit2 does not — clean/smudge filters such as LFS, a sparse checkout's skip-worktree files, a
/// submodule's own state — is judged exactly as git judges it. A submodule with changes of its
/// own (modified files, untracked files, another commit checked out) counts as changed.
pub fn dirty_files(path: &Path) -> Result<Vec<String>> {
    let out = super::cli::run_reader(
        path,
        [
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=normal",
            "--ignore-submodules=none",
        ],
        &[],
        None,
    )?;
    let mut paths = porcelain_paths(&out);
    paths.extend(hidden_changes(path)?.into_iter().map(|c| c.path));
    Ok(paths)
}

/// A change `git status` does not show: a file marked skip-worktree or assume-unchanged
/// (`git update-index --skip-worktree`, a common way to keep local edits of a tracked config)
/// whose content on disk differs from what the index records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenChange {
    /// Path relative to the worktree.
    pub path: String,
    /// Its content on disk as a blob id and git file mode; None when the file was deleted.
    pub now: Option<(Oid, u32)>,
}

/// The git file mode of what a worktree holds at a path.
pub fn mode_of(content: &super::read::Content) -> u32 {
    match content {
        super::read::Content::Symlink(_) => 0o120000,
        super::read::Content::File {
            executable: true, ..
        } => 0o100755,
        super::read::Content::File { .. } => 0o100644,
    }
}

/// The [`HiddenChange`]s of the worktree at `path`. A skip-worktree file absent from the disk is
/// a sparse checkout's, not a change.
pub fn hidden_changes(path: &Path) -> Result<Vec<HiddenChange>> {
    /// `GIT_INDEX_ENTRY_VALID` (assume-unchanged), in an index entry's flags.
    const ASSUME_UNCHANGED: u16 = 0x8000;
    let repo = super::changes::open_worktree(path)?;
    let index = repo.index().map_err(Error::git(format!(
        "reading the index of {}",
        path.display()
    )))?;
    let mut out = Vec::new();
    for entry in index.iter() {
        let skip = entry.flags_extended & super::SKIP_WORKTREE != 0;
        let assumed = entry.flags & ASSUME_UNCHANGED != 0;
        if !skip && !assumed || entry.mode == 0o160000 {
            continue;
        }
        let rel = String::from_utf8_lossy(&entry.path).into_owned();
        let content = super::read::worktree_content(path, &rel, super::read::CONTENT_CAP)
            .map_err(Error::io(format!("reading {}", path.join(&rel).display())))?;
        let now = match content {
            None if skip => continue,
            None => None,
            Some(content) => {
                let mode = mode_of(&content);
                let id = Oid::hash_object(git2::ObjectType::Blob, content.bytes())
                    .map_err(Error::git("hashing a file"))?;
                Some((id, mode))
            }
        };
        if now != Some((entry.id, entry.mode)) {
            out.push(HiddenChange { path: rel, now });
        }
    }
    Ok(out)
}

/// The paths of `git status --porcelain=v1 -z` output: `XY path\0`, with a second `orig\0`
/// after a rename or copy.
fn porcelain_paths(out: &[u8]) -> Vec<String> {
    let mut paths = Vec::new();
    let mut records = out.split(|b| *b == 0).filter(|r| !r.is_empty());
    while let Some(record) = records.next() {
        let (Some(code), Some(path)) = (record.get(..2), record.get(3..)) else {
            continue;
        };
        paths.push(String::from_utf8_lossy(path).into_owned());
        if code.contains(&b'R') || code.contains(&b'C') {
            records.next();
        }
    }
    paths
}

/// (ahead, behind) of `head` relative to `base`.
pub fn ahead_behind(repo: &Repo, head: Oid, base: Oid) -> Result<(usize, usize)> {
    repo.git()
        .graph_ahead_behind(head, base)
        .map_err(Error::git("comparing the branch with its base"))
}

/// Commits reachable from `tip` and from no branch (other than `branch`, the one about to go),
/// remote-tracking branch or tag: the work that deleting the branch, or a worktree with a detached
/// HEAD at `tip`, would lose. At most `limit` are returned.
pub fn unique_commits(
    repo: &Repo,
    tip: Oid,
    branch: Option<&str>,
    limit: usize,
) -> Result<Vec<Oid>> {
    let git = repo.git();
    let own = branch
        .map(|b| format!("refs/heads/{b}"))
        .unwrap_or_default();
    let mut walk = git.revwalk().map_err(Error::git("walking history"))?;
    walk.push(tip).map_err(Error::git("walking history"))?;
    let refs = git.references().map_err(Error::git("listing refs"))?;
    for reference in refs.flatten() {
        let Some(name) = reference.name() else {
            continue;
        };
        let elsewhere = (name.starts_with("refs/heads/") && name != own)
            || name.starts_with("refs/remotes/")
            // Pull-request heads fetched by `lanes sync`: those commits live on the forge.
            || name.starts_with("refs/lanes/pull/")
            || name.starts_with("refs/tags/");
        if !elsewhere {
            continue;
        }
        if let Ok(commit) = reference.peel_to_commit() {
            walk.hide(commit.id())
                .map_err(Error::git("walking history"))?;
        }
    }
    walk.take(limit)
        .map(|oid| oid.map_err(Error::git("walking history")))
        .collect()
}

/// A git-ignored file of a worktree that is not simply a copy of the primary checkout's file at
/// the same path: work that `git status` does not show and that deleting the worktree would lose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFile {
    /// Path relative to the worktree (a trailing `/` for a nested repository).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

/// The ignored files of the worktree at `path` that are not byte-identical to the file at the same
/// path in `primary` (the primary checkout; None for a bare repository).
pub fn unique_ignored(path: &Path, primary: Option<&Path>) -> Result<Vec<IgnoredFile>> {
    // Asked of git itself: libgit2 misses ignore rules git honours (a global excludes file named
    // through `GIT_CONFIG_GLOBAL` or an `includeIf "hasconfig:…"`), and a file neither saw as
    // untracked nor as ignored would be deleted unsaved.
    let listed = super::cli::run_reader(
        path,
        [
            "ls-files",
            "--others",
            "--ignored",
            "--exclude-standard",
            "-z",
        ],
        &[],
        None,
    )?;
    let mut out = Vec::new();
    for name in listed.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let raw = Path::new(std::ffi::OsStr::from_bytes(name));
        let rel = String::from_utf8_lossy(name).into_owned();
        let file = path.join(raw);
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            continue;
        };
        let same = primary.is_some_and(|p| same_content(&file, &p.join(raw)));
        if !same {
            out.push(IgnoredFile {
                path: rel,
                size: if meta.is_file() { meta.len() } else { 0 },
            });
        }
    }
    Ok(out)
}

/// True when both paths hold the same bytes (or are symlinks to the same target).
fn same_content(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) else {
        return false;
    };
    if ma.file_type().is_symlink() || mb.file_type().is_symlink() {
        return ma.file_type().is_symlink()
            && mb.file_type().is_symlink()
            && std::fs::read_link(a).ok() == std::fs::read_link(b).ok();
    }
    if !ma.is_file() || !mb.is_file() || ma.len() != mb.len() {
        return false;
    }
    let read = |p: &Path| super::read::read_regular(p, super::read::CONTENT_CAP);
    match (read(a), read(b)) {
        (Ok(Some(x)), Ok(Some(y))) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_in_porcelain_output_is_one_path_not_two() {
        let out = b"R  new.txt\0old.txt\0 M a.txt\0?? dir/\0";
        assert_eq!(porcelain_paths(out), vec!["new.txt", "a.txt", "dir/"]);
    }
}
