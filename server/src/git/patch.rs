//! Uncommitted changes as git patches, split into hunks that can be selected, moved and applied
//! with `git apply` (git's own patch machinery, binary files included).

use std::path::Path;

use git2::{DiffOptions, Oid};
use serde::Serialize;

use crate::error::{Error, Result};

/// One hunk of an uncommitted change.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
    /// The hunk's text (`@@` header and lines).
    #[serde(skip)]
    pub text: String,
}

/// The uncommitted change of one file as a patch.
#[derive(Debug, Clone)]
pub struct FilePatch {
    /// Repository-relative path.
    pub path: String,
    /// Everything before the first hunk (`diff --git`, mode and index lines, `---`/`+++`).
    pub header: String,
    /// Hunks; empty for changes without lines (binary files, mode changes, empty files).
    pub hunks: Vec<PatchHunk>,
    /// The whole patch text (header, hunks or binary data).
    pub text: String,
}

impl FilePatch {
    /// The patch restricted to `keep` hunks (by index), with their new-side starts recomputed so
    /// the patch is consistent.
    pub fn with_hunks(&self, keep: &[usize]) -> String {
        let mut out = self.header.clone();
        let mut shift: i64 = 0;
        for (i, hunk) in self.hunks.iter().enumerate() {
            if !keep.contains(&i) {
                continue;
            }
            let new_start = (i64::from(hunk.old_start) + shift).max(0);
            let body = hunk.text.split_once('\n').map_or("", |(_, b)| b);
            out.push_str(&format!(
                "@@ -{},{} +{},{} @@\n{body}",
                hunk.old_start, hunk.old_lines, new_start, hunk.new_lines
            ));
            shift += i64::from(hunk.new_lines) - i64::from(hunk.old_lines);
        }
        out
    }
}

/// The uncommitted changes of the worktree at `path` (staged, unstaged, untracked), one patch per
/// file, optionally only for `files`.
pub fn uncommitted_patches(path: &Path, files: &[String]) -> Result<Vec<FilePatch>> {
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
        let file = file.to_string_lossy().replace('\\', "/");
        let buf = patch.to_buf().map_err(Error::git("printing a patch"))?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        out.push(split(&file, &text));
    }
    Ok(out)
}

/// Splits a file patch into its header and `@@` hunks.
fn split(path: &str, text: &str) -> FilePatch {
    let mut header = String::new();
    let mut hunks: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("@@ -") {
            hunks.push(line.to_string());
        } else if let Some(current) = hunks.last_mut() {
            current.push_str(line);
        } else {
            header.push_str(line);
        }
    }
    let binary = header.contains("GIT binary patch") || header.contains("Binary files");
    let hunks = if binary {
        Vec::new()
    } else {
        hunks
            .into_iter()
            .filter_map(|h| parse_hunk(path, h))
            .collect()
    };
    FilePatch {
        path: path.to_string(),
        header,
        hunks,
        text: text.to_string(),
    }
}

fn parse_hunk(path: &str, text: String) -> Option<PatchHunk> {
    let header = text.lines().next()?;
    let inner = header.strip_prefix("@@ -")?.split(" @@").next()?;
    let (old, new) = inner.split_once(" +")?;
    let range = |s: &str| -> Option<(u32, u32)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (old_start, old_lines) = range(old)?;
    let (new_start, new_lines) = range(new)?;
    let changed: String = text
        .lines()
        .skip(1)
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .collect::<Vec<_>>()
        .join("\n");
    let hash = Oid::hash_object(
        git2::ObjectType::Blob,
        format!("{path}\n{changed}").as_bytes(),
    )
    .map(|o| o.to_string())
    .unwrap_or_default();
    Some(PatchHunk {
        id: format!("{path}@{}", &hash[..hash.len().min(8)]),
        path: path.to_string(),
        old_start,
        old_lines,
        new_start,
        new_lines,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -2,1 +2,2 @@\n-b\n+B\n+B2\n@@ -9 +10 @@\n-i\n+I\n";

    #[test]
    fn patches_split_into_header_and_hunks() {
        let p = split("f", PATCH);
        assert!(p.header.ends_with("+++ b/f\n"));
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
        let a = split("f", PATCH);
        let moved = PATCH.replace("@@ -9 +10 @@", "@@ -9 +9 @@");
        let b = split("f", &moved);
        assert_eq!(a.hunks[1].id, b.hunks[1].id);
        assert_ne!(a.hunks[0].id, a.hunks[1].id);
    }

    #[test]
    fn a_subset_of_hunks_gets_consistent_new_starts() {
        let p = split("f", PATCH);
        let only_second = p.with_hunks(&[1]);
        assert!(
            only_second.contains("@@ -9,1 +9,1 @@\n-i\n+I\n"),
            "{only_second}"
        );
        let both = p.with_hunks(&[0, 1]);
        assert!(both.contains("@@ -9,1 +10,1 @@"), "{both}");
    }
}
