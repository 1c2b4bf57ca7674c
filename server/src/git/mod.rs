//! Everything that touches a repository. Reads go through libgit2 (git2) in-process; operations whose
//! effect on the user's files must be exactly git's — creating and removing checkouts (hooks, filters,
//! LFS, submodules, sparse checkout) and talking to remotes (credential helpers, SSH config) — run the
//! `git` CLI (see `cli`).

pub mod changes;
pub mod cli;
pub(crate) mod merged;
pub mod nested;
pub mod patch;
pub mod read;
pub(crate) mod snapshot;
pub(crate) mod status;
pub mod worktrees;
pub(crate) mod write;

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::error::{Error, Result};

/// A repository as lanes sees it: the shared object store and refs behind all of its worktrees.
pub struct Repo {
    /// The repository opened at its common git dir (the primary checkout, or the bare repository).
    git: Repository,
    common_dir: PathBuf,
    anchor: PathBuf,
    name: String,
    current: Option<PathBuf>,
}

impl Repo {
    /// Finds the repository containing `path`, which may be the primary checkout, any linked
    /// worktree or a bare repository.
    pub fn discover(path: &Path) -> Result<Repo> {
        let found = Repository::discover(path).map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => Error::NotARepository(path.to_path_buf()),
            _ => Error::git(format!("opening the repository at {}", path.display()))(e),
        })?;
        let current = found.workdir().map(canonical);
        let common_dir = canonical(found.commondir());
        let git = Repository::open(&common_dir).map_err(Error::git(format!(
            "opening the repository at {}",
            common_dir.display()
        )))?;
        let anchor = git
            .workdir()
            .map(canonical)
            .unwrap_or_else(|| common_dir.clone());
        let name = anchor
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".git").to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "repo".to_string());
        Ok(Repo {
            git,
            common_dir,
            anchor,
            name,
            current,
        })
    }

    /// The libgit2 handle on the common repository.
    pub fn git(&self) -> &Repository {
        &self.git
    }

    /// `$GIT_COMMON_DIR`: where refs, objects and lanes' metadata live.
    pub fn common_dir(&self) -> &Path {
        &self.common_dir
    }

    /// The primary checkout's directory, or the bare repository's directory.
    pub fn anchor(&self) -> &Path {
        &self.anchor
    }

    /// Short name of the repository (its directory name without `.git`), used in templates.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for a bare repository (no primary checkout).
    pub fn is_bare(&self) -> bool {
        self.git.is_bare()
    }

    /// The worktree the repository was discovered from, if any.
    pub fn current_worktree(&self) -> Option<&Path> {
        self.current.as_deref()
    }

    /// Resolves a revision (`origin/main`, `main`, a commit id) to a commit id.
    pub fn resolve_commit(&self, rev: &str) -> Result<git2::Oid> {
        self.git
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| match e.code() {
                git2::ErrorCode::NotFound | git2::ErrorCode::InvalidSpec => {
                    Error::Usage(format!("unknown base {rev:?}: no such branch or commit"))
                        .with_hint("pass --base with an existing ref, e.g. --base origin/main")
                }
                _ => Error::git(format!("resolving {rev}"))(e),
            })
    }

    /// The commit `refs/heads/<branch>` points at, if the branch exists.
    pub fn branch_tip(&self, branch: &str) -> Option<git2::Oid> {
        self.git.refname_to_id(&format!("refs/heads/{branch}")).ok()
    }

    /// True when `refs/heads/<branch>` exists.
    pub fn branch_exists(&self, branch: &str) -> bool {
        self.git
            .find_reference(&format!("refs/heads/{branch}"))
            .is_ok()
    }

    /// Names of the configured remotes.
    pub fn remotes(&self) -> Vec<String> {
        self.git
            .remotes()
            .map(|r| r.iter().flatten().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The ref new lanes branch from when none is configured: the remote's default branch
    /// (`origin/HEAD`, else `origin/main`/`origin/master`), else the local default branch.
    pub fn default_base(&self) -> Option<String> {
        let remotes = self.remotes();
        let remote = if remotes.iter().any(|r| r == "origin") {
            Some("origin".to_string())
        } else {
            remotes.first().cloned()
        };
        if let Some(remote) = remote {
            if let Ok(head) = self
                .git
                .find_reference(&format!("refs/remotes/{remote}/HEAD"))
            {
                if let Some(target) = head.symbolic_target() {
                    if let Some(short) = target.strip_prefix("refs/remotes/") {
                        return Some(short.to_string());
                    }
                }
            }
            for branch in ["main", "master"] {
                let short = format!("{remote}/{branch}");
                if self
                    .git
                    .find_reference(&format!("refs/remotes/{short}"))
                    .is_ok()
                {
                    return Some(short);
                }
            }
        }
        let configured = self
            .git
            .config()
            .and_then(|c| c.get_string("init.defaultBranch"))
            .ok();
        configured
            .into_iter()
            .chain(["main".to_string(), "master".to_string()])
            .find(|b| self.branch_exists(b))
            .or_else(|| {
                let head = self.git.head().ok()?;
                head.shorthand().map(str::to_string)
            })
    }

    /// Splits `origin/main` into (`origin`, `main`) when `origin` is a configured remote.
    pub fn remote_branch(&self, base: &str) -> Option<(String, String)> {
        self.remotes().into_iter().find_map(|remote| {
            let branch = base.strip_prefix(&format!("{remote}/"))?;
            self.git
                .find_reference(&format!("refs/remotes/{base}"))
                .ok()?;
            Some((remote, branch.to_string()))
        })
    }
}

/// `GIT_INDEX_ENTRY_SKIP_WORKTREE`, in an index entry's extended flags: a sparse checkout's file
/// outside its cone, or one a user marked with `git update-index --skip-worktree`.
pub(crate) const SKIP_WORKTREE: u16 = 1 << 14;

/// A repository-relative path as git writes it: `/`-separated, whatever the platform.
pub fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Canonical form of a path when it exists (symlinks resolved, so paths compare equal however they
/// were reached); the path itself otherwise.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        let s = path.to_string_lossy();
        PathBuf::from(s.trim_end_matches('/'))
    })
}

/// Resolves `.` and `..` lexically, so paths print as users expect (`/src/proj-X`, not
/// `/src/proj/../proj-X`); the directory may not exist yet, so the file system is not asked.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
