//! Repositories nested inside a lane's directory. Deleting a lane deletes everything under it,
//! ignored directories included; a `.git` found there that is not the lane's own belongs to
//! another repository or checkout (another lane's worktree, an independent clone with unpushed
//! commits) whose history the trash does not keep. A removal finds them first and refuses.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::{canonical, cli, normalize};

/// What a nested `.git` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NestedKind {
    /// A `.git` directory, or a bare repository: a repository of its own (a clone, a `git init`).
    Repository,
    /// A `.git` file leading anywhere but the lane's own submodules: another checkout's worktree
    /// (another lane's included).
    OtherCheckout(PathBuf),
    /// A `.git` file leading into the lane's own `$GIT_DIR/modules`: one of its submodules.
    Submodule,
}

/// A directory inside a lane holding a `.git` that is not the lane's own top-level one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nested {
    /// Path relative to the lane's directory, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: NestedKind,
}

impl Nested {
    /// How to name it to a user.
    pub fn describe(&self) -> String {
        match &self.kind {
            NestedKind::Repository => format!("{} (a repository of its own)", self.path),
            NestedKind::OtherCheckout(to) => format!(
                "{} (another checkout: its .git leads to {})",
                self.path,
                to.display()
            ),
            NestedKind::Submodule => format!("{} (a submodule)", self.path),
        }
    }
}

/// Every directory under `dir` (ignored ones included, symlinks never followed) holding a `.git`
/// other than `dir`'s own. `admin` is the lane's git directory (`$GIT_COMMON_DIR/worktrees/<name>`),
/// under whose `modules/` its submodules live (a submodule's own submodules too). Nothing below a
/// nested `.git` is walked but the work trees of the lane's submodules.
pub fn find(dir: &Path, admin: &Path) -> Result<Vec<Nested>> {
    let modules = canonical(&admin.join("modules"));
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = Vec::new();
    for sub in subdirectories(dir)? {
        pending.push(sub);
    }
    while let Some(at) = pending.pop() {
        let dot_git = at.join(".git");
        if let Ok(meta) = std::fs::symlink_metadata(&dot_git) {
            let rel = at
                .strip_prefix(dir)
                .map(crate::git::slash_path)
                .unwrap_or_else(|_| at.display().to_string());
            let kind = if meta.is_dir() {
                NestedKind::Repository
            } else {
                match gitfile_target(&at) {
                    Some(to) if to.starts_with(&modules) => NestedKind::Submodule,
                    Some(to) => NestedKind::OtherCheckout(to),
                    None => NestedKind::OtherCheckout(dot_git.clone()),
                }
            };
            // A submodule's work tree goes with the lane: what is inside it (a repository of its
            // own, a submodule of the submodule) is looked for too, never its `.git`.
            if kind == NestedKind::Submodule {
                pending.extend(subdirectories(&at)?);
            }
            found.push(Nested { path: rel, kind });
            continue;
        }
        if is_bare_repository(&at) {
            let rel = at
                .strip_prefix(dir)
                .map(crate::git::slash_path)
                .unwrap_or_else(|_| at.display().to_string());
            found.push(Nested {
                path: rel,
                kind: NestedKind::Repository,
            });
            continue;
        }
        pending.extend(subdirectories(&at)?);
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// True when `dir` looks like a bare repository (or a git directory): `HEAD`, `objects/` and
/// `refs/`, as git itself decides.
fn is_bare_repository(dir: &Path) -> bool {
    let is = |name: &str, dir_wanted: bool| {
        std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_dir() == dir_wanted)
    };
    is("HEAD", false) && is("objects", true) && is("refs", true)
}

/// The directories directly inside `dir` (not symlinks), `.git` excluded.
fn subdirectories(dir: &Path) -> Result<Vec<PathBuf>> {
    let context = format!("looking for repositories inside {}", dir.display());
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(Error::io(&context))? {
        let entry = entry.map_err(Error::io(&context))?;
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.file_type().map_err(Error::io(&context))?.is_dir() {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// Where the `.git` file of `dir` leads (`gitdir: <path>`, relative to `dir`), canonical.
fn gitfile_target(dir: &Path) -> Option<PathBuf> {
    // A FIFO or a symlink named `.git` is not followed: it leads nowhere known, so it is refused.
    let text = super::read::read_regular_string(&dir.join(".git"), super::read::MANAGED_CAP)
        .ok()
        .flatten()?;
    let target = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
    let target = if Path::new(target).is_absolute() {
        PathBuf::from(target)
    } else {
        dir.join(target)
    };
    Some(canonical(&normalize(&target)))
}

/// Why the submodule checked out at `dir` holds work that deleting it would lose (its history
/// lives in the lane's git directory, which goes with the lane): uncommitted changes, ignored
/// files, a stash, or commits or tags on no remote-tracking branch. None when it holds none. Its
/// own submodules are found by [`find`] and checked on their own.
pub fn submodule_work(dir: &Path) -> Option<String> {
    let unchecked = |e: Error| Some(format!("it could not be checked ({e})"));
    match cli::run(dir, ["status", "--porcelain", "--ignore-submodules=none"]) {
        Ok(out) if !out.trim().is_empty() => return Some("uncommitted changes".into()),
        Ok(_) => {}
        Err(e) => return unchecked(e),
    }
    match cli::run(dir, ["status", "--porcelain", "--ignored", "-z"]) {
        Ok(out) => {
            let ignored: Vec<&str> = out
                .split('\0')
                .filter_map(|l| l.strip_prefix("!! "))
                .collect();
            if !ignored.is_empty() {
                return Some(format!(
                    "git-ignored file(s) that exist nowhere else: {}",
                    ignored.join(", ")
                ));
            }
        }
        Err(e) => return unchecked(e),
    }
    match cli::run(dir, ["stash", "list"]) {
        Ok(out) if !out.trim().is_empty() => return Some("a stash".into()),
        Ok(_) => {}
        Err(e) => return unchecked(e),
    }
    match cli::run(
        dir,
        [
            "rev-list",
            "-n",
            "1",
            "HEAD",
            "--branches",
            "--tags",
            "--not",
            "--remotes",
        ],
    ) {
        Ok(out) if !out.trim().is_empty() => Some("commits that are not pushed".into()),
        Ok(_) => None,
        Err(e) => unchecked(e),
    }
}
