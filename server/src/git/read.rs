//! The one way lanes reads a file: bounded, regular files only, never through a symlink, never
//! waiting on a FIFO. A repository decides what sits at its paths — a committed
//! `.lanes/ticket.md` that links to `/proc/self/environ`, a FIFO at a tracked path, a `lanes.toml`
//! that links to `/dev/zero` — so every read of a file lanes manages or of a worktree's content
//! goes through here (clippy's `disallowed-methods` keeps `std::fs::read*` out of everything else).
//!
//! A file is opened with `O_NOFOLLOW | O_NONBLOCK` and judged by `fstat` on the opened descriptor,
//! never by a `stat` before the open (which a swap between the two would defeat); at most `cap`
//! bytes are read.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// Cap for the small files lanes itself manages: configuration, lane records, approvals,
/// `.worktreeinclude`, git's worktree records, a lane's ticket context.
pub const MANAGED_CAP: u64 = 16 * 1024 * 1024;

/// Cap for a worktree file read as content (to diff, merge or judge it): far above any source
/// file, far below what would exhaust memory.
pub const CONTENT_CAP: u64 = 512 * 1024 * 1024;

/// Opens `path` for reading if it is a regular file itself (not a symlink to one); `None` when
/// nothing is there. A symlink, a FIFO, a socket, a device or a directory is an error saying so.
pub fn open_regular(path: &Path) -> io::Result<Option<File>> {
    match open_nofollow(path)? {
        Opened::Missing => Ok(None),
        Opened::Symlink => Err(refusal(path, "is a symbolic link")),
        Opened::File(file, meta) if meta.is_file() => Ok(Some(file)),
        Opened::File(_, meta) => Err(refusal(path, kind_of(&meta))),
    }
}

/// The bytes of a file only the user places (their own config under `~/.config`): a symlink is
/// followed, since dotfile managers link these, but what it reaches must be a regular file, read
/// bounded like any other. `None` when nothing is there.
pub fn read_user_file(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    match open(path, 0)? {
        Opened::Missing | Opened::Symlink => Ok(None),
        Opened::File(file, meta) if meta.is_file() => read_capped(file, path, cap).map(Some),
        Opened::File(_, meta) => Err(refusal(path, kind_of(&meta))),
    }
}

/// The bytes of the regular file `path` (see [`open_regular`]), at most `cap` of them: a longer
/// file is an error, never a partial read. `None` when nothing is there.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    match open_regular(path)? {
        Some(file) => read_capped(file, path, cap).map(Some),
        None => Ok(None),
    }
}

/// [`read_regular`] of `relative` inside `root`, where every directory on the way must be a real
/// one too: a `.lanes` committed as a link to `~/.ssh` does not lead the read there.
pub fn read_regular_in(root: &Path, relative: &str, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let rel = Path::new(relative);
    if !is_plain_relative(relative) {
        return Err(refusal(&root.join(rel), "leaves its directory"));
    }
    match way_in(root, rel)? {
        Way::Clear => read_regular(&root.join(rel), cap),
        Way::Missing => Ok(None),
        Way::Blocked(at, meta) if meta.file_type().is_symlink() => {
            Err(refusal(&at, "is a symbolic link"))
        }
        Way::Blocked(at, meta) => Err(refusal(&at, kind_of(&meta))),
    }
}

/// `relative` is a path of plain names, none of them `.`, `..` or a root.
fn is_plain_relative(relative: &str) -> bool {
    !relative.is_empty()
        && Path::new(relative)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// What stands on the way to `rel` inside `root`, its last component aside.
enum Way {
    /// Every directory on the way is a real one.
    Clear,
    /// A directory on the way is not there.
    Missing,
    /// Something other than a directory (a symlink, a file…) stands on the way at this path.
    Blocked(PathBuf, std::fs::Metadata),
}

/// Walks the directories on the way to `rel` inside `root`, never following a symlink.
fn way_in(root: &Path, rel: &Path) -> io::Result<Way> {
    let mut at = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        at.push(part.as_os_str());
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) => return Ok(Way::Blocked(at, meta)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Way::Missing),
            Err(e) => return Err(e),
        }
    }
    Ok(Way::Clear)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_string(path: &Path, cap: u64) -> io::Result<Option<String>> {
    text(path, read_regular(path, cap)?)
}

/// [`read_regular_in`] as UTF-8 text.
pub fn read_regular_string_in(root: &Path, relative: &str, cap: u64) -> io::Result<Option<String>> {
    text(&root.join(relative), read_regular_in(root, relative, cap)?)
}

fn text(path: &Path, bytes: Option<Vec<u8>>) -> io::Result<Option<String>> {
    match bytes {
        Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not UTF-8 text", path.display()),
            )
        }),
        None => Ok(None),
    }
}

/// What a worktree holds at a path, as git sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A regular file's bytes, and whether it is executable.
    File { bytes: Vec<u8>, executable: bool },
    /// A symbolic link: its content is the path it names (never what it points to).
    Symlink(Vec<u8>),
}

impl Content {
    /// The bytes git would store for it: the file's, or the link's target path.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Content::File { bytes, .. } | Content::Symlink(bytes) => bytes,
        }
    }

    /// [`Content::bytes`], owned.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Content::File { bytes, .. } | Content::Symlink(bytes) => bytes,
        }
    }
}

/// The content of `relative` in the worktree at `root`, as git sees it: a regular file's bytes
/// (at most `cap`), a symlink's target path (never followed). `None` when git would see nothing
/// there: the path is absent, lies beyond a symlinked directory, or is a FIFO, socket, device or
/// directory — which git skips, and which reading would hang on or never finish.
pub fn worktree_content(root: &Path, relative: &str, cap: u64) -> io::Result<Option<Content>> {
    if !is_plain_relative(relative) {
        return Ok(None);
    }
    // Every directory on the way must be a real one: git does not look beyond a symlink.
    match way_in(root, Path::new(relative))? {
        Way::Clear => file_content(&root.join(relative), cap),
        Way::Missing | Way::Blocked(..) => Ok(None),
    }
}

/// The content at `path` as git sees it (see [`worktree_content`]), checking only its last
/// component: for a path whose directories are known to be the worktree's own.
pub fn file_content(path: &Path, cap: u64) -> io::Result<Option<Content>> {
    match open_nofollow(path)? {
        Opened::Missing => Ok(None),
        Opened::Symlink => match std::fs::read_link(path) {
            Ok(target) => Ok(Some(Content::Symlink(
                std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str()).to_vec(),
            ))),
            // Replaced by something else in between: what is there now is read next time.
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(None),
            Err(e) => Err(e),
        },
        Opened::File(file, meta) if meta.is_file() => {
            let executable = meta.permissions().mode() & 0o111 != 0;
            let bytes = read_capped(file, path, cap)?;
            Ok(Some(Content::File { bytes, executable }))
        }
        Opened::File(..) => Ok(None),
    }
}

enum Opened {
    Missing,
    Symlink,
    File(File, std::fs::Metadata),
}

/// Opens without following a final symlink and without blocking on a FIFO (`O_NONBLOCK` makes
/// opening one for reading return at once); the opened descriptor is then `fstat`ed.
fn open_nofollow(path: &Path) -> io::Result<Opened> {
    open(path, libc::O_NOFOLLOW)
}

fn open(path: &Path, flags: i32) -> io::Result<Opened> {
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(flags | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path);
    match opened {
        Ok(file) => {
            let meta = file.metadata()?;
            Ok(Opened::File(file, meta))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Opened::Missing),
        // What O_NOFOLLOW answers for a symlink (ELOOP on Linux and macOS, EMLINK on the BSDs).
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK)) => {
            Ok(Opened::Symlink)
        }
        // A socket cannot be opened; it is not a file either.
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => Ok(Opened::Missing),
        Err(e) => Err(e),
    }
}

fn read_capped(file: File, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} is larger than {} MiB: lanes does not read it",
                path.display(),
                cap / (1024 * 1024)
            ),
        ));
    }
    Ok(bytes)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_dir() {
        "is a directory"
    } else if kind.is_fifo() {
        "is a FIFO, not a regular file"
    } else if kind.is_socket() {
        "is a socket, not a regular file"
    } else if kind.is_block_device() || kind.is_char_device() {
        "is a device, not a regular file"
    } else {
        "is not a regular file"
    }
}

fn refusal(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} {why}: lanes reads only regular files there, never through a link",
            path.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_and_a_symlink_to_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        std::fs::write(&file, "text").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_regular(&file, 10).unwrap(), Some(b"text".to_vec()));
        assert!(read_regular(&link, 10).is_err());
        assert_eq!(read_regular(&dir.path().join("none"), 10).unwrap(), None);
    }

    #[test]
    fn a_file_past_the_cap_is_an_error_not_a_partial_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        std::fs::write(&file, "12345").unwrap();
        assert!(read_regular(&file, 4).is_err());
        assert_eq!(read_regular(&file, 5).unwrap(), Some(b"12345".to_vec()));
    }

    #[test]
    fn worktree_content_is_what_git_sees() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/f"), "x").unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("z")).unwrap();
        std::os::unix::fs::symlink("d", dir.path().join("l")).unwrap();
        assert_eq!(
            worktree_content(dir.path(), "z", 10).unwrap(),
            Some(Content::Symlink(b"/dev/zero".to_vec()))
        );
        assert_eq!(worktree_content(dir.path(), "l/f", 10).unwrap(), None);
        assert_eq!(
            worktree_content(dir.path(), "d/f", 10).unwrap(),
            Some(Content::File {
                bytes: b"x".to_vec(),
                executable: false
            })
        );
        assert_eq!(worktree_content(dir.path(), "d", 10).unwrap(), None);
    }

    #[test]
    fn a_fifo_is_no_content_and_no_managed_file_and_nothing_waits_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(worktree_content(dir.path(), "fifo", 10).unwrap(), None);
        let refused = read_regular(&fifo, 10).unwrap_err();
        assert!(refused.to_string().contains("FIFO"), "{refused}");
        std::os::unix::fs::symlink(&fifo, dir.path().join("link")).unwrap();
        assert!(read_user_file(&dir.path().join("link"), 10).is_err());
    }
}
