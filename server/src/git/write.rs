//! Writes into worktrees, all or nothing. The one way lanes changes files in a lane: every path is
//! checked to stay inside the worktree with no symlink on the way (a lane's symlink must never
//! carry a write outside it), each new version is written beside its file and flushed to disk
//! before anything is replaced, and replacements are renames, so a full disk, a crash or an error
//! leaves every file either as it was or as intended — and on an error, all of them as they were.
//!
//! Every replacement is a compare-and-swap: a change names what it expects to find (the content
//! it was computed from), the file is re-read right before it is moved aside, and the version
//! moved aside is checked again once everything is in place, so an edit saved meanwhile (by an
//! editor or an agent) is never overwritten: the whole write is rolled back and refused instead.
//! A journal in `$GIT_COMMON_DIR/lanes/journal/` names every file a write touches; when a process
//! dies half-way, the next one to call [`recover`] puts everything back (or, past the point of no
//! return, finishes the clean-up) and deletes only the temporary files that journal names.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::failpoint;

/// The new state of one file of a worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path relative to the worktree, `/`-separated; any bytes a file name may hold.
    pub path: PathBuf,
    /// New content and whether it is executable; None deletes the file.
    pub content: Option<(Vec<u8>, bool)>,
    /// What the file must still be when it is replaced.
    pub expected: Expected,
}

/// What a change expects to find at its path — the version it was computed from. A file that is
/// anything else when it is replaced was changed by someone meanwhile, and the write is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// No file.
    Absent,
    /// A regular file with exactly this content (its git blob id).
    Content(Oid),
    /// Whatever is there when the write starts (for files of a lane lanes itself just made); a
    /// change made after that is still detected.
    AsFound,
}

impl Expected {
    /// The expectation for a file read as `bytes` (None: there was no file).
    pub fn of(bytes: Option<&[u8]>) -> Result<Expected> {
        Ok(match bytes {
            None => Expected::Absent,
            Some(bytes) => Expected::Content(blob_id(bytes)?),
        })
    }
}

fn blob_id(bytes: &[u8]) -> Result<Oid> {
    Oid::hash_object(git2::ObjectType::Blob, bytes).map_err(Error::git("hashing a file"))
}

/// The blob id of the regular file at `path` (None: no file).
fn fingerprint(path: &Path) -> Result<Option<Oid>> {
    super::read::read_regular(path, super::read::CONTENT_CAP)
        .map_err(Error::io(format!("reading {}", path.display())))?
        .map(|bytes| blob_id(&bytes))
        .transpose()
}

/// The refusal when a file is not what a write expects.
fn changed(target: &Path) -> Error {
    Error::Refused {
        action: format!("replace {}", target.display()),
        reason: format!(
            "{} changed while lanes was writing it, so nothing was written",
            target.display()
        ),
        hint: "someone (an editor, an agent) saved it meanwhile; run the command again".into(),
    }
}

/// A path inside `root` that is safe to write: relative, no `..`, not in `.git`, and no symlink
/// among the directories leading to it (or as the file itself).
pub fn checked_path(root: &Path, relative: impl AsRef<Path>) -> Result<PathBuf> {
    let rel = relative.as_ref();
    let refuse = |why: &str| Error::Refused {
        action: format!("write {} in {}", rel.display(), root.display()),
        reason: why.to_string(),
        hint: "lanes only writes regular files inside a lane's own directory".into(),
    };
    if rel.as_os_str().is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
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

/// One file on its way in: where it goes, what it must still be, and how far its replacement got.
struct Staged<'a> {
    target: PathBuf,
    root: PathBuf,
    /// The path relative to `root`, checked again right before the file is replaced.
    relative: &'a Path,
    content: Option<&'a (Vec<u8>, bool)>,
    /// The blob id the file must still have (None: no file).
    expected: Option<Oid>,
    /// The blob id of the new version (None: the file is deleted).
    written: Option<Oid>,
    /// The new version's temporary name beside the target, and whether it was created yet.
    new: Option<PathBuf>,
    created: bool,
    /// Where the old version is moved aside.
    backup: PathBuf,
    state: Placed,
}

/// How far the replacement of one file got, so that a rollback knows what to undo.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placed {
    /// Nothing changed yet.
    Nothing,
    /// The old file was moved to the backup name; the target path is empty.
    Parked,
    /// The new version is in place; the old one, if `parked`, waits under the backup name.
    New { parked: bool },
}

/// Applies `changes` to the worktree at `root`: all of them, or — on any error, a full disk or a
/// file changed meanwhile included — none (every file is left as it was and the error says so).
pub fn apply(root: &Path, changes: &[FileChange]) -> Result<()> {
    apply_all(
        &format!("writing into {}", root.display()),
        &[(root, changes)],
    )
}

/// Applies the changes of several worktrees of one repository as one write: all of them or none.
/// `what` says what the write is for, in the words [`recover`] reports it with after a crash.
pub fn apply_all(what: &str, batches: &[(&Path, &[FileChange])]) -> Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut files = Vec::new();
    // Every check before anything is written: paths, and that each file is what it should be.
    for (root, changes) in batches {
        let root = crate::git::canonical(root);
        for change in changes.iter() {
            let target = checked_path(&root, &change.path)?;
            let found = fingerprint(&target)?;
            let expected = match change.expected {
                Expected::AsFound => found,
                Expected::Absent => None,
                Expected::Content(id) => Some(id),
            };
            if found != expected {
                return Err(changed(&target));
            }
            let written = change
                .content
                .as_ref()
                .map(|(bytes, _)| blob_id(bytes))
                .transpose()?;
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let unique = format!("{}-{nanos}-{n}", std::process::id());
            let new = change
                .content
                .as_ref()
                .map(|_| target.with_file_name(format!(".lanes-new-{unique}")));
            files.push(Staged {
                backup: backup_name(&target, &unique),
                target,
                relative: &change.path,
                root: root.clone(),
                content: change.content.as_ref(),
                expected,
                written,
                new,
                created: false,
                state: Placed::Nothing,
            });
        }
    }
    let journal = Journal::begin(batches.first().map(|(root, _)| *root), what, &files)?;
    let mut created_dirs = Vec::new();
    let done = stage(&mut files, &mut created_dirs)
        .and_then(|()| commit(&mut files))
        .and_then(|()| verify(&files));
    if let Err(e) = done {
        let notes = rollback(&mut files);
        remove_dirs(&created_dirs);
        if let Some(journal) = journal {
            journal.end();
        }
        // "Nothing was changed" only when that is true: every file was put back.
        let e = if notes.is_empty() { untouched(e) } else { e };
        return Err(notes.into_iter().fold(e, Error::with_hint));
    }
    // The point of no return: from here on a crash finishes the write instead of undoing it.
    if let Some(journal) = &journal {
        journal.commit()?;
    }
    // Past the point of no return nothing fails any more: only a crash (`abort`) is of interest.
    let _ = failpoint::hit("worktree-committed");
    for file in &files {
        match file.state {
            Placed::New { parked: true } => {
                let _ = fs::remove_file(&file.backup);
            }
            Placed::Parked => {
                let _ = fs::remove_file(&file.backup);
                remove_empty_parents(&file.root, &file.target);
            }
            _ => {}
        }
    }
    if let Some(journal) = journal {
        journal.end();
    }
    Ok(())
}

fn untouched(e: Error) -> Error {
    match e {
        Error::Io { context, source } => Error::Io {
            context: format!("{context} (nothing was changed)"),
            source,
        },
        other => other,
    }
}

/// Writes every new version beside its file and flushes it; nothing visible changes yet.
fn stage(files: &mut [Staged<'_>], created: &mut Vec<PathBuf>) -> Result<()> {
    for file in files.iter_mut() {
        let (Some((bytes, executable)), Some(new)) = (file.content, &file.new) else {
            continue;
        };
        let parent = file.target.parent().unwrap_or(&file.root).to_path_buf();
        make_dirs(&file.root, &parent, created)?;
        let context = format!("writing {}", file.target.display());
        failpoint::hit("worktree-write").map_err(Error::io(&context))?;
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(new)
            .map_err(Error::io(&context))?;
        file.created = true;
        out.write_all(bytes).map_err(Error::io(&context))?;
        let mode = match fs::symlink_metadata(&file.target) {
            Ok(old) => {
                let bits = old.permissions().mode() & 0o7777;
                if *executable {
                    bits | ((bits & 0o444) >> 2)
                } else {
                    bits & !0o111
                }
            }
            Err(_) if *executable => 0o755,
            Err(_) => 0o644,
        };
        out.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(Error::io(&context))?;
        out.sync_all().map_err(Error::io(&context))?;
    }
    Ok(())
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

/// Moves each old file aside and the new version into place, each only while the file is still
/// what it was computed from.
fn commit(files: &mut [Staged<'_>]) -> Result<()> {
    for (i, file) in files.iter_mut().enumerate() {
        let context = format!("replacing {}", file.target.display());
        if i > 0 {
            failpoint::hit("worktree-commit").map_err(Error::io(&context))?;
        }
        // Still no symlink on the way (a directory swapped for one since the plan would carry the
        // rename outside the worktree), and still the version the change was computed from.
        checked_path(&file.root, file.relative)?;
        if fingerprint(&file.target)? != file.expected {
            return Err(changed(&file.target));
        }
        if file.expected.is_some() {
            // Never over a file of that name: it would be someone's.
            rename_noclobber(&file.target, &file.backup).map_err(Error::io(&context))?;
            file.state = Placed::Parked;
            // An edit saved between the compare and the rename is in what was moved aside.
            if fingerprint(&file.backup)? != file.expected {
                return Err(changed(&file.target));
            }
        }
        if let Some(new) = &file.new {
            // No clobbering: a file that appeared since the check is someone's, not ours.
            rename_noclobber(new, &file.target).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    changed(&file.target)
                } else {
                    Error::io(&context)(e)
                }
            })?;
            file.created = false;
            file.state = Placed::New {
                parked: file.expected.is_some(),
            };
        }
    }
    Ok(())
}

/// Once every file is in place: the versions moved aside are still the expected ones (a writer
/// that had a file open before it was moved aside writes into the moved-aside version).
fn verify(files: &[Staged<'_>]) -> Result<()> {
    for file in files {
        let parked = matches!(file.state, Placed::Parked | Placed::New { parked: true });
        if parked && fingerprint(&file.backup)? != file.expected {
            return Err(changed(&file.target));
        }
    }
    Ok(())
}

/// Puts every old file back where it was, never over a version someone else wrote meanwhile;
/// returns what could not be put back (and where it is kept).
fn rollback(files: &mut [Staged<'_>]) -> Vec<String> {
    let mut notes = Vec::new();
    for file in files.iter_mut().rev() {
        if file.created {
            if let Some(new) = &file.new {
                let _ = fs::remove_file(new);
            }
        }
        let state = std::mem::replace(&mut file.state, Placed::Nothing);
        if let Some(note) = undo_one(state, &file.target, &file.backup, file.written) {
            notes.push(note);
        }
    }
    notes
}

/// Undoes the replacement of one file that got as far as `state`; a note when it could not.
fn undo_one(state: Placed, target: &Path, backup: &Path, written: Option<Oid>) -> Option<String> {
    let kept = || {
        format!(
            "{} was written by someone else meanwhile and is left as it is; the version before is kept at {}",
            target.display(),
            backup.display()
        )
    };
    let result = match state {
        Placed::Nothing => return None,
        Placed::Parked => match rename_noclobber(backup, target) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Some(kept()),
            other => other,
        },
        Placed::New { parked } => {
            // Only lanes' own version is taken back.
            if fingerprint(target).ok().flatten() != written {
                return Some(if parked {
                    kept()
                } else {
                    format!(
                        "{} was written by someone else meanwhile and is left as it is",
                        target.display()
                    )
                });
            }
            if parked {
                fs::rename(backup, target)
            } else {
                fs::remove_file(target)
            }
        }
    };
    result
        .err()
        .map(|e| format!("could not restore {}: {e}", target.display()))
}

/// Renames `from` to `to` unless `to` exists (then the error is `AlreadyExists`).
fn rename_noclobber(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        let c = |p: &Path| {
            CString::new(p.as_os_str().as_bytes()).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "a path with a NUL byte")
            })
        };
        let (f, t) = (c(from)?, c(to)?);
        // SAFETY: two valid NUL-terminated paths; renameat2 reads them and keeps no reference.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                f.as_ptr(),
                libc::AT_FDCWD,
                t.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        // File systems without RENAME_NOREPLACE: a hard link also refuses an existing name.
        if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(e);
        }
    }
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

fn backup_name(target: &Path, unique: &str) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".lanes-old-{unique}"));
    target.with_file_name(name)
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

/// The record of a write in progress: every file it may touch, with the temporary names it uses.
#[derive(Serialize, Deserialize)]
struct JournalText {
    what: String,
    files: Vec<JournalFile>,
}

/// One file of a journal; paths are hex-encoded bytes (file names need not be UTF-8).
#[derive(Serialize, Deserialize)]
struct JournalFile {
    target: String,
    new: Option<String>,
    backup: String,
    expected: Option<String>,
    written: Option<String>,
}

/// A journal held by the write in progress: locked while it lives, so [`recover`] leaves the
/// writes of running processes alone (the lock goes when a process dies).
struct Journal {
    file: File,
    path: PathBuf,
}

fn journal_dir_of(common_dir: &Path) -> PathBuf {
    common_dir.join("lanes").join("journal")
}

impl Journal {
    /// Writes and locks the journal of `files` in the repository of `root`; None outside a
    /// repository (nothing else could recover it there).
    fn begin(root: Option<&Path>, what: &str, files: &[Staged<'_>]) -> Result<Option<Journal>> {
        let Some(repo) = root.and_then(|root| git2::Repository::open(root).ok()) else {
            return Ok(None);
        };
        let dir = journal_dir_of(repo.commondir());
        let context = format!("writing a journal in {}", dir.display());
        fs::create_dir_all(&dir).map_err(Error::io(&context))?;
        let text = JournalText {
            what: what.to_string(),
            files: files
                .iter()
                .map(|f| JournalFile {
                    target: hex(&f.target),
                    new: f.new.as_deref().map(hex),
                    backup: hex(&f.backup),
                    expected: f.expected.map(|id| id.to_string()),
                    written: f.written.map(|id| id.to_string()),
                })
                .collect(),
        };
        let json = serde_json::to_vec(&text)
            .map_err(|e| Error::Internal(format!("serialising a journal: {e}")))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("{}-{nanos}", std::process::id());
        let pending = dir.join(format!("{name}.pending"));
        let path = dir.join(format!("{name}.json"));
        let mut file = OpenOptions::new()
            .write(true)
            .read(true)
            .create_new(true)
            .open(&pending)
            .map_err(Error::io(&context))?;
        // Locked before it has its name: `recover` never sees a journal whose writer is alive
        // without its lock.
        let written = file
            .lock()
            .and_then(|()| file.write_all(&json))
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&pending, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&pending);
            return Err(Error::io(&context)(e));
        }
        Ok(Some(Journal { file, path }))
    }

    /// Marks the write as past the point of no return.
    fn commit(&self) -> Result<()> {
        let done = self.path.with_extension("done");
        File::create(&done)
            .and_then(|f| f.sync_all())
            .map_err(Error::io(format!("writing {}", done.display())))
    }

    /// The write is over: the journal goes (its `done` mark last, so a crash in between leaves
    /// nothing that looks unfinished).
    fn end(self) {
        let _ = fs::remove_file(&self.path);
        let _ = fs::remove_file(self.path.with_extension("done"));
        let _ = self.file.unlock();
    }
}

fn hex(path: &Path) -> String {
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unhex(text: &str) -> Option<PathBuf> {
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    Some(PathBuf::from(OsString::from_vec(bytes?)))
}

/// Finishes what writes interrupted by a crash left in the repository whose common git directory
/// is `common_dir`: a write that had not reached its point of no return is undone (every file as
/// it was), one that had is completed; either way the temporary files it made go. Only files its
/// journal names are touched, and a file someone changed since is left as it is. Writes of
/// running processes are left alone. Returns one sentence per write recovered.
pub fn recover(common_dir: &Path) -> Vec<String> {
    let dir = journal_dir_of(common_dir);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut said = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str());
        let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
            continue;
        };
        // Held: a running write. (A `done` mark has no lock; it goes with its journal.)
        if extension != Some("done") && file.try_lock().is_err() {
            continue;
        }
        // The lock may have come only because its holder just finished and deleted the file (a
        // completed write: undoing it from this stale copy would take the new files back out).
        if !same_file(&file, &path) {
            continue;
        }
        match extension {
            // A journal that never got its name: nothing was staged yet.
            Some("pending") => {
                let _ = fs::remove_file(&path);
            }
            Some("done") if !path.with_extension("json").exists() => {
                let _ = fs::remove_file(&path);
            }
            Some("json") => said.push(recover_one(&path, &file)),
            _ => {}
        }
    }
    said
}

/// Whether `path` still leads to the open `file`.
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

fn recover_one(path: &Path, mut file: &File) -> String {
    let mut text = Vec::new();
    let journal: Option<JournalText> = file
        .read_to_end(&mut text)
        .ok()
        .and_then(|_| serde_json::from_slice(&text).ok());
    let Some(journal) = journal else {
        return format!(
            "the journal {} of an interrupted write is unreadable; it is left in place",
            path.display()
        );
    };
    let finished = path.with_extension("done").exists();
    let oid = |s: &Option<String>| s.as_deref().and_then(|s| Oid::from_str(s).ok());
    let mut notes = Vec::new();
    for f in journal.files.iter().rev() {
        let (Some(target), Some(backup)) = (unhex(&f.target), unhex(&f.backup)) else {
            continue;
        };
        let new = f.new.as_deref().and_then(unhex);
        // Only lanes' own temporary names are ever deleted.
        let ours = |p: &Path, mark: &str| {
            p.file_name().is_some_and(|n| {
                n.as_bytes()
                    .windows(mark.len())
                    .any(|w| w == mark.as_bytes())
            })
        };
        if let Some(new) = new.as_deref().filter(|n| ours(n, ".lanes-new-")) {
            let _ = fs::remove_file(new);
        }
        let parked = fs::symlink_metadata(&backup).is_ok() && ours(&backup, ".lanes-old-");
        if finished {
            if parked {
                let _ = fs::remove_file(&backup);
            }
            continue;
        }
        let (expected, written) = (oid(&f.expected), oid(&f.written));
        let state = if parked {
            Placed::New { parked: true }
        } else if expected.is_none() && written.is_some() {
            Placed::New { parked: false }
        } else {
            Placed::Nothing
        };
        let state = match state {
            // The new version never got in: the target is empty or someone else's.
            Placed::New { parked: true } if fs::symlink_metadata(&target).is_err() => {
                Placed::Parked
            }
            Placed::New { parked: false } if fingerprint(&target).ok().flatten() != written => {
                Placed::Nothing
            }
            other => other,
        };
        if let Some(note) = undo_one(state, &target, &backup, written) {
            notes.push(note);
        }
    }
    let _ = fs::remove_file(path);
    let _ = fs::remove_file(path.with_extension("done"));
    let _ = file.unlock();
    let outcome = if finished {
        "was completed"
    } else {
        "was undone: every file it touched is as it was before"
    };
    let mut said = format!("an interrupted write ({}) {outcome}", journal.what);
    for note in notes {
        said.push_str("; ");
        said.push_str(&note);
    }
    said
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // reading back its own temp files
mod tests {
    use super::*;

    fn change(path: &str, text: &str) -> FileChange {
        FileChange {
            path: path.into(),
            content: Some((text.as_bytes().to_vec(), false)),
            expected: Expected::AsFound,
        }
    }

    #[test]
    fn a_file_changed_since_the_change_was_computed_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "saved by the editor").unwrap();
        fs::write(dir.path().join("b.txt"), "b").unwrap();
        let stale = |path: &str, read: &str| FileChange {
            path: path.into(),
            content: Some((b"new".to_vec(), false)),
            expected: Expected::of(Some(read.as_bytes())).unwrap(),
        };
        let err = apply(
            dir.path(),
            &[stale("b.txt", "b"), stale("a.txt", "as read")],
        )
        .unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{err}");
        assert!(err.to_string().contains("changed while"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "saved by the editor"
        );
        assert_eq!(fs::read_to_string(dir.path().join("b.txt")).unwrap(), "b");
    }

    #[test]
    fn a_file_that_appeared_where_none_was_expected_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "someone's").unwrap();
        let err = apply(
            dir.path(),
            &[FileChange {
                path: "a.txt".into(),
                content: Some((b"ours".to_vec(), false)),
                expected: Expected::Absent,
            }],
        )
        .unwrap_err();
        assert!(err.to_string().contains("changed while"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "someone's"
        );
    }

    #[test]
    fn a_fifo_in_place_of_a_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        assert!(super::super::read::read_regular(&fifo, super::super::read::CONTENT_CAP).is_err());
        assert!(apply(dir.path(), &[change("pipe", "x")]).is_err());
    }

    #[test]
    fn journal_paths_keep_every_byte() {
        let name = Path::new(std::ffi::OsStr::from_bytes(b"caf\xe9/x"));
        assert_eq!(unhex(&hex(name)).as_deref(), Some(name));
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
                    expected: Expected::AsFound,
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
