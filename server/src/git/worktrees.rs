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
    /// The directory is gone (deleted, or moved by hand).
    pub missing: bool,
    /// Why git's record of this worktree cannot be trusted (an empty or truncated `gitdir` file, or
    /// a directory that holds another checkout); such a worktree is never acted on.
    pub broken: Option<String>,
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
            broken: None,
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
        let admin = repo.common_dir().join("worktrees").join(name);
        let (path, missing, broken) = match recorded_dir(&admin) {
            Err(why) => (PathBuf::new(), false, Some(why)),
            Ok(path) => {
                let missing = std::fs::symlink_metadata(&path).is_err();
                let broken = if missing {
                    None
                } else {
                    points_back(&path, &admin).err()
                };
                (path, missing, broken)
            }
        };
        out.push(Worktree {
            name: Some(name.to_string()),
            missing,
            path,
            head: read_head(&admin.join("HEAD")),
            locked,
            broken,
        });
    }
    Ok(out)
}

/// The worktree directory git recorded in `<admin>/gitdir` (which names `<dir>/.git`); an error
/// saying why when the record is empty, truncated or unreadable — never a guess.
fn recorded_dir(admin: &Path) -> std::result::Result<PathBuf, String> {
    let file = admin.join("gitdir");
    let text = super::read::read_regular_string(&file, super::read::MANAGED_CAP)
        .and_then(|t| t.ok_or_else(|| std::io::ErrorKind::NotFound.into()))
        .map_err(|e| format!("git's record {} cannot be read ({e})", file.display()))?;
    let recorded = text.trim_end_matches(['\n', '\r']);
    let dot_git = Path::new(recorded);
    if recorded.is_empty() || dot_git.file_name().is_none_or(|n| n != ".git") {
        return Err(format!(
            "git's record {} is empty or truncated ({recorded:?})",
            file.display()
        ));
    }
    let dot_git = if dot_git.is_absolute() {
        dot_git.to_path_buf()
    } else {
        // worktree.useRelativePaths: relative to the record's directory.
        admin.join(dot_git)
    };
    let dir = dot_git.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(canonical(&crate::git::normalize(&dir)))
}

/// True when the directory's `.git` file leads back to git's record `admin`.
pub fn leads_back(dir: &Path, admin: &Path) -> bool {
    points_back(dir, admin).is_ok()
}

/// Checks that the directory's `.git` file leads back to `admin`: a directory that moved away and
/// was replaced by another checkout must not be taken for this worktree.
fn points_back(dir: &Path, admin: &Path) -> std::result::Result<(), String> {
    let file = dir.join(".git");
    let text = super::read::read_regular_string(&file, super::read::MANAGED_CAP)
        .and_then(|t| t.ok_or_else(|| std::io::ErrorKind::NotFound.into()))
        .map_err(|e| {
            format!(
                "{} is not this worktree's checkout ({} cannot be read: {e})",
                dir.display(),
                file.display()
            )
        })?;
    let target = text
        .lines()
        .find_map(|l| l.strip_prefix("gitdir:"))
        .map(str::trim)
        .unwrap_or_default();
    let target = if Path::new(target).is_absolute() {
        PathBuf::from(target)
    } else {
        dir.join(target)
    };
    if canonical(&crate::git::normalize(&target)) == canonical(admin) {
        Ok(())
    } else {
        Err(format!(
            "{} belongs to another checkout (its .git file points to {})",
            dir.display(),
            target.display()
        ))
    }
}

/// The commit checked out in linked worktree `name`, read from git's record of it now (the
/// directory need not be where it was).
pub fn head_commit(repo: &Repo, name: &str) -> Option<git2::Oid> {
    match read_head(&admin_dir(repo, name).join("HEAD")) {
        Head::Branch(b) => repo.branch_tip(&b),
        Head::Detached(id) => git2::Oid::from_str(&id).ok(),
        Head::Unknown => None,
    }
}

/// Reads a HEAD file directly, so that the worktree's directory need not exist.
fn read_head(file: &Path) -> Head {
    let Ok(Some(text)) = super::read::read_regular_string(file, super::read::MANAGED_CAP) else {
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
    /// Check out a commit on a detached HEAD.
    Detached(&'a str),
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
        Checkout::Detached(commit) => {
            cli::run(
                repo.anchor(),
                [
                    "worktree".as_ref(),
                    "add".as_ref(),
                    "--detach".as_ref(),
                    path_arg,
                    commit.as_ref(),
                ],
            )?;
        }
    }
    Ok(())
}

/// Forgets one linked worktree: deletes git's record of it (`$GIT_COMMON_DIR/worktrees/<name>`,
/// what `git worktree prune` deletes for a stale entry) and nothing else. Callers have saved what
/// the record held (the index) first. All or nothing: the record is renamed out of git's sight
/// in one step and only then deleted, so a failure leaves it whole or gone, never half there.
pub fn forget(repo: &Repo, name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(Error::Internal(format!("not a worktree name: {name:?}")));
    }
    let admin = admin_dir(repo, name);
    let context = format!(
        "deleting git's record of worktree {name} ({})",
        admin.display()
    );
    crate::failpoint::hit("forget-worktree").map_err(Error::io(&context))?;
    if std::fs::symlink_metadata(&admin).is_err() {
        return Ok(());
    }
    let attic = repo.common_dir().join("lanes");
    std::fs::create_dir_all(&attic).map_err(Error::io(&context))?;
    let doomed = attic.join(format!(".forgotten-{name}-{}", std::process::id()));
    // Clutter from an earlier process of the same id would stop the rename.
    if std::fs::symlink_metadata(&doomed).is_ok() {
        delete_dir(&doomed, None).map_err(Error::io(&context))?;
    }
    std::fs::rename(&admin, &doomed).map_err(Error::io(&context))?;
    // The record is gone from git's view; what is left of it is only clutter.
    if let Err(e) = delete_dir(&doomed, None) {
        tracing::warn!("could not delete {}: {e}", doomed.display());
    }
    Ok(())
}

/// Deletes a directory tree that lanes owns and has saved (a lane's renamed-aside checkout, a
/// forgotten record): never follows a symlink, and makes read-only directories inside it
/// writable first (Go's module cache is read-only, and would stop a plain `remove_dir_all`
/// half-way for anyone but root). `failpoint` is hit after the first entry is gone, so the
/// adversarial suite can stop a deletion half-way.
pub fn delete_dir(dir: &Path, failpoint: Option<&str>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return std::fs::remove_file(dir);
    }
    let mode = meta.permissions().mode();
    if mode & 0o700 != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700))?;
    }
    let mut first = true;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            delete_dir(&entry.path(), None)?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
        if std::mem::take(&mut first) {
            if let Some(point) = failpoint {
                crate::failpoint::hit(point)?;
            }
        }
    }
    std::fs::remove_dir(dir)
}

/// The directory of git's record of a linked worktree.
pub fn admin_dir(repo: &Repo, name: &str) -> PathBuf {
    repo.common_dir().join("worktrees").join(name)
}
