//! The worktrees of a repository: listed in-process from git's own bookkeeping, created and removed
//! through the git CLI (see `cli` for why).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::{canonical, cli, Repo};

/// What HEAD of a worktree points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// A branch (short name, e.g. `feature/PROJ-1`).
    Branch(String),
    /// A detached commit (hex id).
    Detached(String),
    /// HEAD could not be read.
    Unknown,
}

/// One worktree of a repository, as git records it.
#[derive(Debug, Clone)]
pub struct Worktree {
    /// git's name for a linked worktree (`$GIT_COMMON_DIR/worktrees/<name>`); None for the primary.
    pub name: Option<String>,
    /// The worktree's directory.
    pub path: PathBuf,
    /// What is checked out.
    pub head: Head,
    /// Lock reason (empty string when locked without one); None when not locked.
    pub locked: Option<String>,
    /// The directory is gone (deleted by hand).
    pub missing: bool,
}

impl Worktree {
    /// True for the primary checkout.
    pub fn is_primary(&self) -> bool {
        self.name.is_none()
    }

    /// The branch checked out, if any.
    pub fn branch(&self) -> Option<&str> {
        match &self.head {
            Head::Branch(b) => Some(b),
            _ => None,
        }
    }
}

/// Lists the primary checkout (unless the repository is bare) and every linked worktree.
pub fn list(repo: &Repo) -> Result<Vec<Worktree>> {
    let mut out = Vec::new();
    if !repo.is_bare() {
        out.push(Worktree {
            name: None,
            path: repo.anchor().to_path_buf(),
            head: read_head(&repo.common_dir().join("HEAD")),
            locked: None,
            missing: !repo.anchor().exists(),
        });
    }
    let names = repo
        .git()
        .worktrees()
        .map_err(Error::git("listing worktrees"))?;
    for name in names.iter().flatten() {
        let Ok(wt) = repo.git().find_worktree(name) else {
            tracing::warn!("skipping unreadable worktree record {name}");
            continue;
        };
        let locked = match wt.is_locked() {
            Ok(git2::WorktreeLockStatus::Locked(reason)) => {
                Some(reason.map(|r| r.trim().to_string()).unwrap_or_default())
            }
            _ => None,
        };
        let path = canonical(wt.path());
        out.push(Worktree {
            name: Some(name.to_string()),
            missing: !path.join(".git").exists(),
            path,
            head: read_head(&repo.common_dir().join("worktrees").join(name).join("HEAD")),
            locked,
        });
    }
    Ok(out)
}

/// Reads a HEAD file directly, so that the worktree's directory need not exist.
fn read_head(file: &Path) -> Head {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Head::Unknown;
    };
    let text = text.trim();
    if let Some(target) = text.strip_prefix("ref:") {
        let target = target.trim();
        return match target.strip_prefix("refs/heads/") {
            Some(branch) => Head::Branch(branch.to_string()),
            None => Head::Unknown,
        };
    }
    if text.len() >= 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Head::Detached(text.to_string())
    } else {
        Head::Unknown
    }
}

/// How a new worktree gets its branch.
pub enum Checkout<'a> {
    /// Check out an existing branch.
    Existing(&'a str),
    /// Create `branch` at `start` (no upstream: lanes compares with the recorded base instead, and
    /// `git push` then goes to a same-named branch rather than the base).
    NewBranch {
        /// New branch name.
        branch: &'a str,
        /// Start point.
        start: &'a str,
    },
}

/// `git worktree add`, run from the repository's anchor.
pub fn add(repo: &Repo, path: &Path, checkout: Checkout<'_>) -> Result<()> {
    let path_arg = path.as_os_str();
    match checkout {
        Checkout::Existing(branch) => {
            cli::run(
                repo.anchor(),
                [
                    "worktree".as_ref(),
                    "add".as_ref(),
                    path_arg,
                    branch.as_ref(),
                ],
            )?;
        }
        Checkout::NewBranch { branch, start } => {
            let args: [&std::ffi::OsStr; 7] = [
                "worktree".as_ref(),
                "add".as_ref(),
                "--no-track".as_ref(),
                "-b".as_ref(),
                branch.as_ref(),
                path_arg,
                start.as_ref(),
            ];
            cli::run(repo.anchor(), args)?;
        }
    }
    Ok(())
}

/// `git worktree remove`; `force` also discards uncommitted changes and ignores a lock. Callers
/// check for work at risk first.
pub fn remove(repo: &Repo, path: &Path, force: bool) -> Result<()> {
    let mut args: Vec<&std::ffi::OsStr> = vec!["worktree".as_ref(), "remove".as_ref()];
    if force {
        // Twice: once for changes, once more for a locked worktree (git's own rule).
        args.push("--force".as_ref());
        args.push("--force".as_ref());
    }
    args.push(path.as_os_str());
    cli::run(repo.anchor(), args).map(drop)
}

/// `git worktree prune`: forgets worktrees whose directories are gone (locked ones are kept).
pub fn prune(repo: &Repo) -> Result<()> {
    cli::run(repo.anchor(), ["worktree", "prune"]).map(drop)
}
