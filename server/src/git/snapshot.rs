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
    Ok(Captured {
        files,
        index,
        skipped,
    })
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
