//! Uncommitted changes as git patches, split into hunks that can be selected, moved and applied
//! with `git apply` (git's own patch machinery, binary files included).

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use git2::{DiffOptions, Index, IndexEntry, IndexTime, Oid};

use crate::error::{Error, Result};
use crate::git::write::{Expected, FileChange};

/// One hunk of an uncommitted change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchHunk {
    /// Stable id: the path and a hash of the hunk's changed lines (not of its position, so it
    /// survives other hunks moving).
    pub id: String,
    /// Repository-relative path.
    pub path: String,
    /// First line and line count in HEAD's version.
    pub old_start: u32,
    /// Lines in HEAD's version.
    pub old_lines: u32,
    /// First line in the worktree's version.
    pub new_start: u32,
    /// Lines in the worktree's version.
    pub new_lines: u32,
    /// The hunk's text (`@@` header and lines), for people to read (bytes that are not UTF-8
    /// are shown replaced).
    pub text: String,
    /// The hunk's lines exactly as in the file (any encoding), after the `@@` header line.
    body: Vec<u8>,
}

/// The uncommitted change of one file as a patch.
#[derive(Debug, Clone)]
pub struct FilePatch {
    /// Repository-relative path, for people (bytes that are not UTF-8 shown replaced).
    pub path: String,
    /// Repository-relative path exactly as the file is named (any bytes).
    pub name: PathBuf,
    /// Everything before the first hunk (`diff --git`, mode and index lines, `---`/`+++`).
    header: Vec<u8>,
    /// Hunks; empty for changes without lines (binary files, mode changes, empty files).
    pub hunks: Vec<PatchHunk>,
    /// The whole patch (header, hunks or binary data), byte for byte: files in any encoding
    /// move unchanged.
    pub bytes: Vec<u8>,
}

impl FilePatch {
    /// The patch restricted to `keep` hunks (by index), with their new-side starts recomputed so
    /// the patch is consistent.
    pub fn with_hunks(&self, keep: &[usize]) -> Vec<u8> {
        let mut out = self.header.clone();
        let mut shift: i64 = 0;
        for (i, hunk) in self.hunks.iter().enumerate() {
            if !keep.contains(&i) {
                continue;
            }
            let new_start = (i64::from(hunk.old_start) + shift).max(0);
            out.extend_from_slice(
                format!(
                    "@@ -{},{} +{},{} @@\n",
                    hunk.old_start, hunk.old_lines, new_start, hunk.new_lines
                )
                .as_bytes(),
            );
            out.extend_from_slice(&hunk.body);
            shift += i64::from(hunk.new_lines) - i64::from(hunk.old_lines);
        }
        out
    }
}

/// The uncommitted changes of the worktree at `path` (staged, unstaged, untracked), one patch per
/// file, optionally only for `files`.
pub fn uncommitted_patches(path: &Path, files: &[PathBuf]) -> Result<Vec<FilePatch>> {
    let repo = super::changes::open_worktree(path)?;
    let head = super::changes::head_tree(&repo, path)?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true)
        .show_binary(true)
        .ignore_submodules(true)
        .context_lines(1)
        .id_abbrev(40);
    for file in files {
        opts.pathspec(file);
    }
    if !files.is_empty() {
        opts.disable_pathspec_match(true);
    }
    let diff = repo
        .diff_tree_to_workdir_with_index(head.as_ref(), Some(&mut opts))
        .map_err(Error::git("reading uncommitted changes"))?;
    let mut out = Vec::new();
    for index in 0..diff.deltas().len() {
        let Some(mut patch) =
            git2::Patch::from_diff(&diff, index).map_err(Error::git("reading a patch"))?
        else {
            continue;
        };
        let delta = patch.delta();
        let Some(file) = delta.new_file().path().or(delta.old_file().path()) else {
            continue;
        };
        let name = file.to_path_buf();
        let file = super::slash_path(file);
        // The hunks' line ranges as libgit2 computed them; the printed patch supplies the bytes.
        let ranges: Vec<Range> = (0..patch.num_hunks())
            .filter_map(|i| patch.hunk(i).ok())
            .map(|(hunk, _)| Range {
                old_start: hunk.old_start(),
                old_lines: hunk.old_lines(),
                new_start: hunk.new_start(),
                new_lines: hunk.new_lines(),
            })
            .collect();
        let buf = patch.to_buf().map_err(Error::git("printing a patch"))?;
        let mut patch = split(&file, &buf, &ranges);
        patch.name = name;
        out.push(patch);
    }
    Ok(out)
}

/// The files `patch` touches as they would be after applying it (reversed with `reverse`) to the
/// worktree at `worktree` — computed with `git apply --cached` on a scratch index holding the
/// worktree's current versions of `files`, so git's own patch rules decide, and no file of the
/// worktree (nor its index) is touched. An error means the patch does not apply there. Each
/// change expects its file to be still the version read here (see `git::write`).
pub fn applied(
    worktree: &Path,
    patch: &[u8],
    files: &[PathBuf],
    reverse: bool,
) -> Result<Vec<FileChange>> {
    let repo = super::changes::open_worktree(worktree)?;
    let scratch = tempfile::tempdir().map_err(Error::io("creating a scratch directory"))?;
    let index_path = scratch.path().join("index");
    let patch_path = scratch.path().join("change.patch");
    std::fs::write(&patch_path, patch)
        .map_err(Error::io(format!("writing {}", patch_path.display())))?;
    let mut index = Index::open(&index_path).map_err(Error::git("creating a scratch index"))?;
    let mut expected = Vec::new();
    for file in files {
        let on_disk = super::write::checked_path(worktree, file)?;
        let shown = file.display();
        let bytes = super::read::read_regular(&on_disk, super::read::CONTENT_CAP)
            .map_err(Error::io(format!("reading {}", on_disk.display())))?;
        expected.push(Expected::of(bytes.as_deref())?);
        let Some(bytes) = bytes else {
            continue;
        };
        let executable = std::fs::symlink_metadata(&on_disk)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0)
            .unwrap_or(false);
        let id = repo
            .blob(&bytes)
            .map_err(Error::git(format!("reading {shown}")))?;
        index
            .add(&index_entry(file, id, executable, bytes.len()))
            .map_err(Error::git(format!("staging {shown} in a scratch index")))?;
    }
    index
        .write()
        .map_err(Error::git("writing a scratch index"))?;
    let mut args: Vec<&std::ffi::OsStr> = vec!["apply".as_ref(), "--cached".as_ref()];
    if reverse {
        args.push("-R".as_ref());
    }
    args.push(patch_path.as_os_str());
    super::cli::run_with_env(
        worktree,
        args,
        &[("GIT_INDEX_FILE", index_path.as_os_str())],
    )?;
    let index = Index::open(&index_path).map_err(Error::git("reading a scratch index"))?;
    files
        .iter()
        .zip(expected)
        .map(|(file, expected)| {
            let Some(entry) = index.get_path(file, 0) else {
                return Ok(FileChange {
                    path: file.clone(),
                    content: None,
                    expected,
                });
            };
            if entry.mode == 0o120000 {
                return Err(Error::Conflict(format!(
                    "{} would become a symbolic link; lanes does not write links into a lane",
                    file.display()
                )));
            }
            let blob = repo.find_blob(entry.id).map_err(Error::git(format!(
                "reading the new version of {}",
                file.display()
            )))?;
            Ok(FileChange {
                path: file.clone(),
                content: Some((blob.content().to_vec(), entry.mode == 0o100755)),
                expected,
            })
        })
        .collect()
}

fn index_entry(path: &Path, id: Oid, executable: bool, size: usize) -> IndexEntry {
    let path = path.as_os_str().as_bytes();
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: if executable { 0o100755 } else { 0o100644 },
        uid: 0,
        gid: 0,
        file_size: u32::try_from(size).unwrap_or(u32::MAX),
        id,
        flags: u16::try_from(path.len().min(0xfff)).unwrap_or(0xfff),
        flags_extended: 0,
        path: path.to_vec(),
    }
}

/// Where one hunk sits in both versions of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    old_start: u32,
    old_lines: u32,
    new_start: u32,
    new_lines: u32,
}

/// Splits a file patch into its header and `@@` hunks, the i-th with the i-th of `ranges`.
/// Identical hunks of one file get distinct ids (`…~2`, `…~3`), so an assignment can name each.
fn split(path: &str, patch: &[u8], ranges: &[Range]) -> FilePatch {
    let mut header = Vec::new();
    let mut hunks: Vec<Vec<u8>> = Vec::new();
    for line in patch.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"@@ -") {
            hunks.push(line.to_vec());
        } else if let Some(current) = hunks.last_mut() {
            current.extend_from_slice(line);
        } else {
            header.extend_from_slice(line);
        }
    }
    // The `diff --git` line names the file as git spells it (quoted, byte for byte): two names
    // that read the same once made UTF-8 still get distinct hunk ids.
    let named = header.split(|b| *b == b'\n').next().unwrap_or_default();
    let header_text = String::from_utf8_lossy(&header);
    let binary = header_text.contains("GIT binary patch") || header_text.contains("Binary files");
    let mut parsed: Vec<PatchHunk> = if binary || hunks.len() != ranges.len() {
        Vec::new()
    } else {
        hunks
            .into_iter()
            .zip(ranges)
            .map(|(h, range)| hunk_of(path, named, h, *range))
            .collect()
    };
    for i in 1..parsed.len() {
        let same = parsed[..i]
            .iter()
            .filter(|h| h.id.split('~').next() == Some(parsed[i].id.as_str()))
            .count();
        if same > 0 {
            parsed[i].id = format!("{}~{}", parsed[i].id, same + 1);
        }
    }
    FilePatch {
        path: path.to_string(),
        name: PathBuf::from(path),
        header,
        hunks: parsed,
        bytes: patch.to_vec(),
    }
}

fn hunk_of(path: &str, named: &[u8], raw: Vec<u8>, range: Range) -> PatchHunk {
    let split_at = raw
        .iter()
        .position(|b| *b == b'\n')
        .map_or(raw.len(), |i| i + 1);
    let body = &raw[split_at..];
    let mut changed = Vec::new();
    for line in body.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"+") || line.starts_with(b"-") {
            changed.extend_from_slice(line);
        }
    }
    let mut hashed = format!("{path}\n").into_bytes();
    hashed.extend_from_slice(named);
    hashed.extend_from_slice(&changed);
    let hash = Oid::hash_object(git2::ObjectType::Blob, &hashed)
        .map(|o| o.to_string())
        .unwrap_or_default();
    PatchHunk {
        id: format!("{path}@{}", &hash[..hash.len().min(8)]),
        path: path.to_string(),
        old_start: range.old_start,
        old_lines: range.old_lines,
        new_start: range.new_start,
        new_lines: range.new_lines,
        text: String::from_utf8_lossy(&raw).into_owned(),
        body: body.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_hunks_of_one_file_get_distinct_ids() {
        let twice =
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -2 +2 @@\n-x\n+y\n@@ -9 +9 @@\n-x\n+y\n";
        let p = split(
            "f",
            twice.as_bytes(),
            &[range(2, 1, 2, 1), range(9, 1, 9, 1)],
        );
        assert_eq!(p.hunks.len(), 2);
        assert_ne!(p.hunks[0].id, p.hunks[1].id);
        assert!(p.hunks[1].id.ends_with("~2"), "{}", p.hunks[1].id);
    }

    #[test]
    fn patches_of_non_utf8_files_keep_their_bytes() {
        let latin1 = b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-caf\xe9\n+th\xe9\n";
        let p = split("f", latin1, &[range(1, 1, 1, 1)]);
        assert_eq!(p.bytes, latin1.to_vec());
        assert_eq!(p.with_hunks(&[0]).last(), Some(&b'\n'));
        assert!(p.with_hunks(&[0]).windows(3).any(|w| w == b"h\xe9\n"));
    }

    fn range(old_start: u32, old_lines: u32, new_start: u32, new_lines: u32) -> Range {
        Range {
            old_start,
            old_lines,
            new_start,
            new_lines,
        }
    }

    /// The ranges of the hunks of `PATCH`.
    fn ranges() -> [Range; 2] {
        [range(2, 1, 2, 2), range(9, 1, 10, 1)]
    }

    const PATCH: &str = "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -2,1 +2,2 @@\n-b\n+B\n+B2\n@@ -9 +10 @@\n-i\n+I\n";

    #[test]
    fn patches_split_into_header_and_hunks() {
        let p = split("f", PATCH.as_bytes(), &ranges());
        assert!(p.header.ends_with(b"+++ b/f\n"));
        assert_eq!(p.hunks.len(), 2);
        assert_eq!(
            (
                p.hunks[1].old_start,
                p.hunks[1].old_lines,
                p.hunks[1].new_start
            ),
            (9, 1, 10)
        );
    }

    #[test]
    fn hunk_ids_ignore_position() {
        let a = split("f", PATCH.as_bytes(), &ranges());
        let moved = PATCH.replace("@@ -9 +10 @@", "@@ -9 +9 @@");
        let b = split(
            "f",
            moved.as_bytes(),
            &[range(2, 1, 2, 2), range(9, 1, 9, 1)],
        );
        assert_eq!(a.hunks[1].id, b.hunks[1].id);
        assert_ne!(a.hunks[0].id, a.hunks[1].id);
    }

    #[test]
    fn a_subset_of_hunks_gets_consistent_new_starts() {
        let p = split("f", PATCH.as_bytes(), &ranges());
        let only_second = String::from_utf8(p.with_hunks(&[1])).unwrap();
        assert!(
            only_second.contains("@@ -9,1 +9,1 @@\n-i\n+I\n"),
            "{only_second}"
        );
        let both = String::from_utf8(p.with_hunks(&[0, 1])).unwrap();
        assert!(both.contains("@@ -9,1 +10,1 @@"), "{both}");
    }
}
