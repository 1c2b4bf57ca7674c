//! Lanes' own files (lane records, approvals, the ETag cache, workspace files) are replaced
//! atomically: written beside the target, flushed, then renamed over it, so a reader — another
//! lanes process, an editor — sees the old file or the new one, never a torn one. (Files inside a
//! worktree go through `git::write` instead, which also guards against symlinks.)

use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes`, creating its directory when needed.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
