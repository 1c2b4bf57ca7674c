//! A worktree captured as git trees, in the repository's own object store: its files as they are
//! on disk (tracked, untracked, and chosen ignored ones) and its index (what is staged). This is
//! what lanes keeps of a lane before taking its directory away, so that nothing is ever gone.

use std::path::Path;

use git2::{Oid, Repository};

use crate::error::{Error, Result};
use crate::git::cli;
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
    /// The worktree's sparse checkout, when it has one: a restored lane is made as sparse again.
    pub sparse: Option<Sparse>,
}

/// A worktree's sparse-checkout definition, as `git sparse-checkout list` gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sparse {
    /// Cone mode (`patterns` are directories) rather than gitignore-style patterns.
    pub cone: bool,
    /// The directories (cone mode) or patterns.
    pub patterns: Vec<String>,
}

/// The sparse checkout of the worktree at `path`; None when it has none.
pub fn sparse_of(path: &Path) -> Option<Sparse> {
    let flag = |key: &str| {
        cli::run_reader(path, ["config", "--get", "--bool", key], &[], None)
            .is_ok_and(|out| out.trim_ascii() == b"true")
    };
    if !flag("core.sparseCheckout") {
        return None;
    }
    let listed = cli::run_reader(path, ["sparse-checkout", "list"], &[], None).ok()?;
    Some(Sparse {
        cone: flag("core.sparseCheckoutCone"),
        patterns: String::from_utf8_lossy(&listed)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// Makes the worktree at `path` sparse as `sparse` says (its files outside go off the disk).
pub fn make_sparse(path: &Path, sparse: &Sparse) -> Result<()> {
    let mode = if sparse.cone { "--cone" } else { "--no-cone" };
    // On standard input: a pattern starting with `-` is a pattern, not an option.
    let mut patterns = sparse.patterns.join("\n");
    patterns.push('\n');
    cli::run_reader(
        path,
        ["sparse-checkout", "set", mode, "--stdin"],
        &[],
        Some(patterns.as_bytes()),
    )
    .map(drop)
}

/// Captures the worktree at `path`. Writes objects only: neither the worktree's files nor its
/// index change.
///
/// The files are staged by git itself (`git add -A` into a scratch copy of the worktree's index),
/// so that what it keeps is what git would commit: LFS files as their pointers, a sparse
/// checkout's files outside the cone as they are in HEAD (not as deleted), a submodule as the
/// commit it has checked out. libgit2 knows none of these, and judged such lanes changed — or
/// could not read them at all once their directory was renamed aside.
pub fn capture(path: &Path, ignored: &[IgnoredFile]) -> Result<Captured> {
    let context = format!("saving the contents of {}", path.display());
    let repo = super::changes::open_worktree(path)?;
    let index = staged_tree(&repo);
    let scratch_dir = tempfile::tempdir().map_err(Error::io(&context))?;
    let scratch = scratch_dir.path().join("index");
    let real = repo.path().join("index");
    // The index is git's own file in the admin directory: regular, but not bounded in size.
    if let Some(mut from) = super::read::open_regular(&real).map_err(Error::io(&context))? {
        let mut to = std::fs::File::create(&scratch).map_err(Error::io(&context))?;
        std::io::copy(&mut from, &mut to).map_err(Error::io(&context))?;
    }
    let env = [("GIT_INDEX_FILE", scratch.as_os_str())];
    // A submodule is kept as the commit its entry records; git would ask the submodule about its
    // files, which fails once the lane is renamed aside (its recorded work tree is the old place).
    // Whether it holds work of its own was checked before (`status::dirty_files`).
    let mut add_all = vec!["add".to_string(), "-A".into(), "--".into(), ".".into()];
    add_all.extend(
        submodules(&repo)
            .iter()
            .map(|p| format!(":(exclude,literal){p}")),
    );
    cli::run_reader(path, &add_all, &env, None)?;
    // Edits `git add` does not see (skip-worktree and assume-unchanged files) are kept too.
    let hidden = super::status::hidden_changes(path)?;
    if !hidden.is_empty() {
        let mut info = Vec::new();
        for change in &hidden {
            // Read again to be stored: what is kept is what is there now, with its own mode.
            let now = super::read::worktree_content(path, &change.path, super::read::CONTENT_CAP)
                .map_err(Error::io(&context))?;
            let line = match now {
                Some(content) => {
                    let mode = super::status::mode_of(&content);
                    let written = repo.blob(content.bytes()).map_err(Error::git(&context))?;
                    format!("{mode:o} {written}\t{}\0", change.path)
                }
                // Mode 0 removes the entry: the file was deleted.
                None => format!("0 {}\t{}\0", Oid::zero(), change.path),
            };
            info.extend_from_slice(line.as_bytes());
        }
        cli::run_reader(
            path,
            ["update-index", "-z", "--index-info"],
            &env,
            Some(&info),
        )?;
    }
    let mut skipped = Vec::new();
    let mut kept: u64 = 0;
    let mut chosen = Vec::new();
    for file in ignored {
        if file.path.ends_with('/') || kept + file.size > IGNORED_CAP {
            skipped.push(file.path.clone());
            continue;
        }
        kept += file.size;
        chosen.push(file.path.as_str());
    }
    // Names are names, not patterns (`[1].txt`); batches keep the command line short.
    let literal = [
        ("GIT_INDEX_FILE", scratch.as_os_str()),
        ("GIT_LITERAL_PATHSPECS", std::ffi::OsStr::new("1")),
    ];
    for batch in chosen.chunks(500) {
        let add = |paths: &[&str]| {
            let args = ["add", "-f", "--"].iter().chain(paths.iter());
            cli::run_reader(path, args, &literal, None)
        };
        if add(batch).is_err() {
            // One file git cannot index (a socket, a file that vanished) costs only that file.
            for file in batch {
                if let Err(e) = add(&[file]) {
                    tracing::warn!("not keeping {file}: {e}");
                    skipped.push((*file).to_string());
                }
            }
        }
    }
    let tree = cli::run_reader(path, ["write-tree"], &env, None)?;
    let files =
        Oid::from_str(String::from_utf8_lossy(&tree).trim()).map_err(Error::git(&context))?;
    let mut modes = Vec::new();
    if let Ok(tree) = repo.find_tree(files) {
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |root, item| {
            let expected = match item.filemode() {
                0o100644 => 0o644,
                0o100755 => 0o755,
                _ => return git2::TreeWalkResult::Ok,
            };
            // Names that are not UTF-8 keep only the executable bit.
            let Some(name) = item.name() else {
                return git2::TreeWalkResult::Ok;
            };
            let rel = format!("{root}{name}");
            if let Ok(meta) = std::fs::symlink_metadata(path.join(&rel)) {
                let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777;
                if meta.is_file() && mode != expected {
                    modes.push((rel, mode));
                }
            }
            git2::TreeWalkResult::Ok
        });
    }
    let mut empty_dirs = Vec::new();
    empty_directories(&repo, path, Path::new(""), &mut empty_dirs);
    Ok(Captured {
        files,
        index,
        skipped,
        empty_dirs,
        modes,
        sparse: sparse_of(path),
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

/// The paths of the submodules (gitlink entries) in a worktree's index.
fn submodules(repo: &Repository) -> Vec<String> {
    repo.index()
        .map(|index| {
            index
                .iter()
                .filter(|e| e.mode == 0o160000)
                .map(|e| String::from_utf8_lossy(&e.path).into_owned())
                .collect()
        })
        .unwrap_or_default()
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
