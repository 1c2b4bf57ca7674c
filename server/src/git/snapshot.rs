//! A worktree captured as git trees, in the repository's own object store: its files as they are
//! on disk (tracked, untracked, and chosen ignored ones) and its index (what is staged). This is
//! what lanes keeps of a lane before taking its directory away, so that nothing is ever gone.

use std::path::Path;

use git2::{IndexAddOption, Oid, Repository};

use crate::error::{Error, Result};
use crate::git::status::IgnoredFile;

/// Ignored files are kept up to this many bytes in all; past it they are listed, not kept.
pub const IGNORED_CAP: u64 = 100 << 20;

/// The trees of one worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The files on disk: tracked ones as they are now, untracked ones, and the ignored ones
    /// given (up to [`IGNORED_CAP`]).
    pub files: Oid,
    /// What is staged, when the index is readable and has no unresolved conflict.
    pub index: Option<Oid>,
    /// Ignored files that were not kept (past the cap, or nested repositories).
    pub skipped: Vec<String>,
    /// Empty directories (not ignored), which git trees cannot hold.
    pub empty_dirs: Vec<String>,
    /// Files kept whose permission bits are not what a checkout gives (0644, or 0755 when
    /// executable): path and mode.
    pub modes: Vec<(String, u32)>,
}

/// Captures the worktree at `path`. Writes objects only: neither the worktree's files nor its
/// index change.
pub fn capture(path: &Path, ignored: &[IgnoredFile]) -> Result<Captured> {
    let context = format!("saving the contents of {}", path.display());
    let repo = super::changes::open_worktree(path)?;
    let index = staged_tree(&repo);
    // The repository's index, loaded into memory and never written back.
    let mut scratch = repo.index().map_err(Error::git(&context))?;
    // Submodules are kept as the commit the index records: reading one's checkout goes through
    // its own repository, whose recorded worktree is gone once the lane is taken offline.
    let submodules: Vec<Vec<u8>> = scratch
        .iter()
        .filter(|e| e.mode == 0o160000)
        .map(|e| e.path)
        .collect();
    let mut skip_submodules = |p: &Path, _: &[u8]| -> i32 {
        let p = p.as_os_str().as_encoded_bytes();
        i32::from(submodules.iter().any(|s| s.as_slice() == p))
    };
    scratch
        .add_all(
            ["*"],
            IndexAddOption::DEFAULT,
            Some(&mut skip_submodules as &mut git2::IndexMatchedPath<'_>),
        )
        .map_err(Error::git(&context))?;
    scratch
        .update_all(
            ["*"],
            Some(&mut skip_submodules as &mut git2::IndexMatchedPath<'_>),
        )
        .map_err(Error::git(&context))?;
    let mut skipped = Vec::new();
    let mut kept: u64 = 0;
    for file in ignored {
        if file.path.ends_with('/') || kept + file.size > IGNORED_CAP {
            skipped.push(file.path.clone());
            continue;
        }
        match scratch.add_path(Path::new(&file.path)) {
            Ok(()) => kept += file.size,
            Err(e) => {
                tracing::warn!("not keeping {}: {}", file.path, e.message());
                skipped.push(file.path.clone());
            }
        }
    }
    let files = scratch.write_tree_to(&repo).map_err(Error::git(&context))?;
    let mut modes = Vec::new();
    for entry in scratch.iter() {
        let Ok(rel) = String::from_utf8(entry.path) else {
            continue;
        };
        let expected = match entry.mode {
            0o100644 => 0o644,
            0o100755 => 0o755,
            _ => continue,
        };
        if let Ok(meta) = std::fs::symlink_metadata(path.join(&rel)) {
            let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777;
            if meta.is_file() && mode != expected {
                modes.push((rel, mode));
            }
        }
    }
    let mut empty_dirs = Vec::new();
    empty_directories(&repo, path, Path::new(""), &mut empty_dirs);
    Ok(Captured {
        files,
        index,
        skipped,
        empty_dirs,
        modes,
    })
}

/// Collects the empty directories under `root/rel` that git does not ignore, symlinks never
/// followed and nested repositories never entered.
fn empty_directories(repo: &Repository, root: &Path, rel: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    let entries: Vec<_> = entries.flatten().collect();
    if entries.is_empty() && !rel.as_os_str().is_empty() {
        if let Some(rel) = rel.to_str() {
            out.push(rel.to_string());
        }
        return;
    }
    if !rel.as_os_str().is_empty() && entries.iter().any(|e| e.file_name() == ".git") {
        return;
    }
    for entry in entries {
        let sub = rel.join(entry.file_name());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || sub == Path::new(".git") || repo.is_path_ignored(&sub).unwrap_or(true) {
            continue;
        }
        empty_directories(repo, root, &sub, out);
    }
}

/// The tree of what is staged (None when the index is missing or has conflicts).
fn staged_tree(repo: &Repository) -> Option<Oid> {
    let mut index = repo.index().ok()?;
    if index.has_conflicts() {
        return None;
    }
    index.write_tree_to(repo).ok()
}

/// The staged tree of a worktree whose directory is gone, read from git's record of it.
pub fn capture_index(repo: &Repository, admin: &Path) -> Option<Oid> {
    let mut index = git2::Index::open(&admin.join("index")).ok()?;
    if index.has_conflicts() {
        return None;
    }
    index.write_tree_to(repo).ok()
}
