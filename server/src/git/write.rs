//! Writes into a worktree, all or nothing. The one way lanes changes files in a lane: every path is
//! checked to stay inside the worktree with no symlink on the way (a lane's symlink must never
//! carry a write outside it), each new version is written beside its file and flushed to disk
//! before anything is replaced, and replacements are renames, so a full disk, a crash or an error
//! leaves every file either as it was or as intended — and on an error, all of them as they were.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::failpoint;

/// The new state of one file of a worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path relative to the worktree, `/`-separated.
    pub path: String,
    /// New content and whether it is executable; None deletes the file.
    pub content: Option<(Vec<u8>, bool)>,
}

/// A path inside `root` that is safe to write: relative, no `..`, not in `.git`, and no symlink
/// among the directories leading to it (or as the file itself).
pub fn checked_path(root: &Path, relative: &str) -> Result<PathBuf> {
    let refuse = |why: &str| Error::Refused {
        action: format!("write {relative} in {}", root.display()),
        reason: why.to_string(),
        hint: "lanes only writes regular files inside a lane's own directory".into(),
    };
    let rel = Path::new(relative);
    if relative.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(refuse("the path leaves the worktree"));
    }
    if rel
        .components()
        .next()
        .is_some_and(|c| c.as_os_str() == ".git")
    {
        return Err(refuse("the path is inside git's own directory"));
    }
    let mut at = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for (i, part) in parts.iter().enumerate() {
        at.push(part.as_os_str());
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(&format!(
                    "{} is a symbolic link",
                    at.strip_prefix(root).unwrap_or(&at).display()
                )))
            }
            Ok(meta) if i + 1 < parts.len() && !meta.is_dir() => {
                return Err(refuse(&format!(
                    "{} is not a directory",
                    at.strip_prefix(root).unwrap_or(&at).display()
                )))
            }
            Ok(meta) if i + 1 == parts.len() && meta.is_dir() => {
                return Err(refuse("a directory is in the way"))
            }
            Ok(_) => {}
            // Not there yet: nothing below it can be a symlink either.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) => return Err(Error::io(format!("inspecting {}", at.display()))(e)),
        }
    }
    Ok(root.join(rel))
}

/// One file on its way in: the flushed new version beside it, and how far its replacement got.
struct Staged {
    target: PathBuf,
    new: Option<tempfile::TempPath>,
    existed: bool,
    state: Placed,
}

/// How far the replacement of one file got, so that a rollback knows what to undo.
enum Placed {
    /// Nothing changed yet.
    Nothing,
    /// The old file was moved to this name; the target path is empty.
    Parked(PathBuf),
    /// The new version is in place; the old one (if there was one) waits under this name.
    New(Option<PathBuf>),
}

/// Applies `changes` to the worktree at `root`: all of them, or — on any error, a full disk
/// included — none (every file is left as it was and the error says so).
pub fn apply(root: &Path, changes: &[FileChange]) -> Result<()> {
    let root = crate::git::canonical(root);
    let mut created_dirs = Vec::new();
    let staged = stage(&root, changes, &mut created_dirs);
    let mut staged = match staged {
        Ok(staged) => staged,
        Err(e) => {
            remove_dirs(&created_dirs);
            return Err(untouched(&root, e));
        }
    };
    if let Err(e) = commit(&mut staged) {
        rollback(&mut staged);
        remove_dirs(&created_dirs);
        return Err(untouched(&root, e));
    }
    for file in &staged {
        match &file.state {
            Placed::New(Some(old)) => {
                let _ = fs::remove_file(old);
            }
            Placed::Parked(old) => {
                let _ = fs::remove_file(old);
                remove_empty_parents(&root, &file.target);
            }
            _ => {}
        }
    }
    Ok(())
}

fn untouched(root: &Path, e: Error) -> Error {
    match e {
        Error::Io { context, source } => Error::Io {
            context: format!("{context} (nothing in {} was changed)", root.display()),
            source,
        },
        other => other,
    }
}

/// Writes every new version beside its file and flushes it; nothing visible changes yet.
fn stage(root: &Path, changes: &[FileChange], created: &mut Vec<PathBuf>) -> Result<Vec<Staged>> {
    let mut staged = Vec::new();
    for change in changes {
        let target = checked_path(root, &change.path)?;
        let existed = fs::symlink_metadata(&target).is_ok();
        let new = match &change.content {
            None => None,
            Some((bytes, executable)) => {
                let parent = target.parent().unwrap_or(root);
                make_dirs(root, parent, created)?;
                Some(write_beside(parent, &target, bytes, *executable)?)
            }
        };
        staged.push(Staged {
            target,
            new,
            existed,
            state: Placed::Nothing,
        });
    }
    Ok(staged)
}

fn write_beside(
    dir: &Path,
    target: &Path,
    bytes: &[u8],
    executable: bool,
) -> Result<tempfile::TempPath> {
    use std::os::unix::fs::PermissionsExt;
    let context = format!("writing {}", target.display());
    failpoint::hit("worktree-write").map_err(Error::io(&context))?;
    let mut file = tempfile::Builder::new()
        .prefix(".lanes-new-")
        .tempfile_in(dir)
        .map_err(Error::io(&context))?;
    file.write_all(bytes).map_err(Error::io(&context))?;
    let mode = match fs::metadata(target) {
        Ok(old) => {
            let bits = old.permissions().mode() & 0o7777;
            if executable {
                bits | ((bits & 0o444) >> 2)
            } else {
                bits & !0o111
            }
        }
        Err(_) if executable => 0o755,
        Err(_) => 0o644,
    };
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(Error::io(&context))?;
    file.as_file().sync_all().map_err(Error::io(&context))?;
    Ok(file.into_temp_path())
}

/// Creates the missing directories from `root` down to `dir`, one level at a time, remembering
/// them so a rollback can take them away again.
fn make_dirs(root: &Path, dir: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    let Ok(rel) = dir.strip_prefix(root) else {
        return Ok(());
    };
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part.as_os_str());
        match fs::create_dir(&at) {
            Ok(()) => created.push(at.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(format!("creating {}", at.display()))(e)),
        }
    }
    Ok(())
}

/// Parks each old file under a backup name and moves the new version into place.
fn commit(staged: &mut [Staged]) -> Result<()> {
    for (i, file) in staged.iter_mut().enumerate() {
        let context = format!("replacing {}", file.target.display());
        if i > 0 {
            failpoint::hit("worktree-commit").map_err(Error::io(&context))?;
        }
        let mut backup = None;
        if file.existed {
            let parked = backup_name(&file.target);
            fs::rename(&file.target, &parked).map_err(Error::io(&context))?;
            file.state = Placed::Parked(parked.clone());
            backup = Some(parked);
        }
        if let Some(new) = file.new.take() {
            // No clobbering: a file that appeared since the check is someone's, not ours.
            new.persist_noclobber(&file.target)
                .map_err(|e| Error::io(&context)(e.error))?;
            file.state = Placed::New(backup);
        }
    }
    Ok(())
}

/// Puts every old file back where it was.
fn rollback(staged: &mut [Staged]) {
    for file in staged.iter_mut().rev() {
        let undone = match std::mem::replace(&mut file.state, Placed::Nothing) {
            Placed::Nothing => Ok(()),
            Placed::Parked(old) | Placed::New(Some(old)) => fs::rename(&old, &file.target),
            Placed::New(None) => fs::remove_file(&file.target),
        };
        if let Err(e) = undone {
            tracing::error!("could not restore {}: {e}", file.target.display());
        }
    }
}

fn backup_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let unique = format!(".{name}.lanes-old-{}-{n}", std::process::id());
    target.with_file_name(unique)
}

fn remove_dirs(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

/// After a deletion, empty directories up to the worktree's root go too (as `git apply` does).
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // reading back its own temp files
mod tests {
    use super::*;

    fn change(path: &str, text: &str) -> FileChange {
        FileChange {
            path: path.into(),
            content: Some((text.as_bytes().to_vec(), false)),
        }
    }

    #[test]
    fn paths_leaving_the_worktree_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/passwd", "a/../../x", ".git/config", ""] {
            assert!(checked_path(dir.path(), bad).is_err(), "{bad} accepted");
        }
        assert!(checked_path(dir.path(), "a/b.txt").is_ok());
    }

    #[test]
    fn a_symlinked_directory_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let err = apply(dir.path(), &[change("link/x.txt", "x")]).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(!outside.path().join("x.txt").exists());
    }

    #[test]
    fn files_are_replaced_created_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "old").unwrap();
        fs::create_dir(dir.path().join("gone")).unwrap();
        fs::write(dir.path().join("gone/b.txt"), "b").unwrap();
        apply(
            dir.path(),
            &[
                change("a.txt", "new"),
                change("new/dir/c.txt", "c"),
                FileChange {
                    path: "gone/b.txt".into(),
                    content: None,
                },
            ],
        )
        .unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(dir.path().join("new/dir/c.txt")).unwrap(),
            "c"
        );
        assert!(!dir.path().join("gone").exists());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains("lanes-")), "{names:?}");
    }
}
