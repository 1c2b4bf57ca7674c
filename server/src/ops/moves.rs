//! `lanes move` and `lanes untangle`: move uncommitted changes (whole files or single hunks) from
//! one lane to another. The change is written to the target first and removed from the source
//! second, so an interruption at any point leaves it in at least one place, never in none; a
//! recovery copy of the patch stays in `$GIT_COMMON_DIR/lanes/moves/` until both steps are done.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::patch::{applied, uncommitted_patches, FilePatch, PatchHunk};
use crate::git::read;
use crate::git::write::{self, FileChange};
use crate::git::{cli, Repo};
use crate::lane::find;
use crate::protocol;
use crate::store::Store;
use crate::ticket::TicketKey;

/// Part of a file's uncommitted change: the hunks touching `lines` (1-based, inclusive, in the
/// worktree's version), or the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Repository-relative path.
    pub path: String,
    /// Lines, or None for the whole file.
    pub lines: Option<(u32, u32)>,
}

/// What to move where.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    /// The worktree the change is in.
    pub from: PathBuf,
    /// The lane it goes to.
    pub to: TicketKey,
    /// What to move; empty = every uncommitted change.
    pub selections: Vec<Selection>,
    /// Hunks by id (as `lanes untangle` lists them), instead of selections.
    pub hunk_ids: Vec<String>,
    /// When the patch does not apply cleanly, write conflict markers in the target instead of
    /// refusing (the target's index is updated, as `git apply --3way` does).
    pub three_way: bool,
}

pub use crate::protocol::Moved;

/// An entry of `lanes untangle`: a hunk, or a whole file without line hunks (binary).
#[derive(Debug, Clone)]
pub struct UntangleEntry {
    /// Id to use in an assignment.
    pub id: String,
    /// Repository-relative path.
    pub path: String,
    /// The hunk, when the change has lines.
    pub hunk: Option<PatchHunk>,
    /// Changed lines of the hunk, for a person or an agent to judge where it belongs.
    pub preview: Vec<String>,
}

/// Lists the uncommitted hunks of a worktree.
pub fn untangle_list(worktree: &Path) -> Result<Vec<UntangleEntry>> {
    let mut out = Vec::new();
    for file in uncommitted_patches(worktree, &[])? {
        if file.hunks.is_empty() {
            out.push(UntangleEntry {
                id: format!("{}@whole", file.path),
                path: file.path.clone(),
                hunk: None,
                preview: Vec::new(),
            });
        }
        for hunk in &file.hunks {
            out.push(UntangleEntry {
                id: hunk.id.clone(),
                path: file.path.clone(),
                preview: hunk
                    .text
                    .lines()
                    .skip(1)
                    .filter(|l| l.starts_with('+') || l.starts_with('-'))
                    .take(8)
                    .map(str::to_string)
                    .collect(),
                hunk: Some(hunk.clone()),
            });
        }
    }
    Ok(out)
}

/// Applies an assignment (hunk id → ticket): one move per target lane, in ticket order. Every
/// hunk id and every target lane is checked before the first change moves.
pub fn untangle_apply(
    repo: &Repo,
    config: &Config,
    worktree: &Path,
    assignment: &BTreeMap<String, String>,
) -> Result<Vec<Moved>> {
    let known: Vec<String> = untangle_list(worktree)?.into_iter().map(|e| e.id).collect();
    if let Some(missing) = assignment.keys().find(|id| !known.contains(id)) {
        return Err(Error::Conflict(format!("hunk {missing} is not among the uncommitted changes of {} (any more); nothing was moved", worktree.display())).with_hint("run `lanes untangle` again for the current ids"));
    }
    let mut by_ticket: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, ticket) in assignment {
        by_ticket
            .entry(ticket.clone())
            .or_default()
            .push(id.clone());
    }
    let mut targets = Vec::new();
    for ticket in by_ticket.keys() {
        let key = TicketKey::parse(ticket)?;
        target_dir(repo, config, &key)?;
        targets.push(key);
    }
    let mut done = Vec::new();
    for (ticket, ids) in targets.into_iter().zip(by_ticket.into_values()) {
        let request = MoveRequest {
            from: worktree.to_path_buf(),
            to: ticket,
            selections: Vec::new(),
            hunk_ids: ids,
            three_way: false,
        };
        done.push(move_changes(repo, config, &request)?);
    }
    Ok(done)
}

/// The worktree directory of the lane a change moves to; an error when it has none on disk.
fn target_dir(repo: &Repo, config: &Config, ticket: &TicketKey) -> Result<PathBuf> {
    find(repo, config, ticket)?
        .worktree
        .as_ref()
        .filter(|w| !w.missing)
        .map(|w| w.path.clone())
        .ok_or_else(|| {
            Error::Conflict(format!(
                "lane {ticket} has no worktree directory; nothing was moved"
            ))
        })
}

/// Moves the selected uncommitted changes to another lane. Both sides are computed before either
/// is written; each side is written all or nothing (see `git::write`), the target first.
pub fn move_changes(repo: &Repo, config: &Config, request: &MoveRequest) -> Result<Moved> {
    let store = Store::new(repo);
    // Nobody removes or rewrites the target lane while the change goes in.
    let _lock = store.lock(&request.to)?;
    let to_path = target_dir(repo, config, &request.to)?;
    if to_path == request.from {
        return Err(Error::Conflict(format!(
            "the change is already in lane {}",
            request.to
        )));
    }
    let files: Vec<String> = request.selections.iter().map(|s| s.path.clone()).collect();
    let patches = uncommitted_patches(&request.from, &files)?;
    let (patch, files, hunks) = select(&patches, request);
    if patch.is_empty() {
        return Err(Error::Conflict(format!(
            "nothing to move: no uncommitted change in {} matches the selection",
            request.from.display()
        )));
    }

    // Every check, and every new file version, before anything is written.
    let (into_target, conflicts) = match applied(&to_path, &patch, &files, false) {
        Ok(changes) => (changes, Vec::new()),
        Err(e @ Error::Refused { .. }) => return Err(e),
        Err(e) if request.three_way => {
            tracing::debug!("the change does not apply cleanly, merging: {e}");
            three_way_merge(&request.from, &to_path, &patch, &files)?
        }
        Err(e) => {
            return Err(Error::Conflict(format!(
                "the change does not apply cleanly in lane {} ({}); nothing was changed\n{}",
                request.to,
                to_path.display(),
                git_message(&e)
            ))
            .with_hint(
                "bring the lane up to date, or pass --3way to write conflict markers there",
            ))
        }
    };
    let out_of_source = applied(&request.from, &patch, &files, true).map_err(|e| {
        Error::Conflict(format!(
            "the change cannot be taken out of {}: {}; nothing was changed",
            request.from.display(),
            git_message(&e)
        ))
    })?;

    // The recovery copy: if anything stops between the two writes, the change is still here.
    let moves = repo.common_dir().join("lanes").join("moves");
    std::fs::create_dir_all(&moves).map_err(Error::io(format!("creating {}", moves.display())))?;
    let recovery = moves.join(format!(
        "{}-{}-to-{}.patch",
        crate::store::now(),
        std::process::id(),
        request.to
    ));
    std::fs::write(&recovery, &patch)
        .map_err(Error::io(format!("writing {}", recovery.display())))?;

    // 1. Write to the target: all of it or none.
    if let Err(e) = write::apply(&to_path, &into_target) {
        let _ = std::fs::remove_file(&recovery);
        return Err(Error::Conflict(format!(
            "writing the change to lane {} failed, and nothing was changed: {}",
            request.to,
            git_message(&e)
        )));
    }
    crate::failpoint::hit("move-after-target").map_err(Error::io("moving the change"))?;
    // 2. Take it out of the source.
    write::apply(&request.from, &out_of_source).map_err(|e| {
        Error::Conflict(format!(
            "the change was written to lane {} but could not be taken out of {}: {}",
            request.to,
            request.from.display(),
            git_message(&e),
        ))
        .with_hint(format!(
            "it is now in both; the patch is kept at {}",
            recovery.display()
        ))
    })?;
    unstage_reverted(&request.from, &files);
    let _ = std::fs::remove_file(&recovery);
    Ok(Moved {
        from: request.from.clone(),
        to: request.to.to_string(),
        to_path,
        files,
        hunks,
        conflicts,
    })
}

/// The patch, the files it touches and its hunk count.
fn select(patches: &[FilePatch], request: &MoveRequest) -> (Vec<u8>, Vec<String>, usize) {
    let mut text = Vec::new();
    let mut files = Vec::new();
    let mut count = 0;
    for file in patches {
        let chosen: Option<Vec<usize>> = if !request.hunk_ids.is_empty() {
            if file.hunks.is_empty() {
                request
                    .hunk_ids
                    .contains(&format!("{}@whole", file.path))
                    .then(Vec::new)
            } else {
                let idx: Vec<usize> = (0..file.hunks.len())
                    .filter(|i| request.hunk_ids.contains(&file.hunks[*i].id))
                    .collect();
                (!idx.is_empty()).then_some(idx)
            }
        } else if request.selections.is_empty() {
            Some((0..file.hunks.len()).collect())
        } else {
            let picks: Vec<&Selection> = request
                .selections
                .iter()
                .filter(|s| s.path == file.path)
                .collect();
            if picks.is_empty() {
                None
            } else if picks.iter().any(|s| s.lines.is_none()) || file.hunks.is_empty() {
                Some((0..file.hunks.len()).collect())
            } else {
                let idx: Vec<usize> = (0..file.hunks.len())
                    .filter(|i| {
                        let h = &file.hunks[*i];
                        let (a, b) = (
                            h.new_start.max(1),
                            h.new_start.max(1) + h.new_lines.max(1) - 1,
                        );
                        picks
                            .iter()
                            .filter_map(|s| s.lines)
                            .any(|(from, to)| from <= b && a <= to)
                    })
                    .collect();
                (!idx.is_empty()).then_some(idx)
            }
        };
        let Some(idx) = chosen else {
            continue;
        };
        if file.hunks.is_empty() || idx.len() == file.hunks.len() {
            text.extend_from_slice(&file.bytes);
            count += idx.len().max(1);
        } else {
            text.extend_from_slice(&file.with_hunks(&idx));
            count += idx.len();
        }
        files.push(file.path.clone());
    }
    (text, files, count)
}

/// Merges the change into the target's copies with `git merge-file` (base: the source's
/// committed version; theirs: that version with the change applied; ours: the target's file).
/// Returns the merged version of each file and the files git left conflict markers in, writing
/// nothing.
fn three_way_merge(
    source: &Path,
    target: &Path,
    patch: &[u8],
    files: &[String],
) -> Result<(Vec<FileChange>, Vec<String>)> {
    let repo = git2::Repository::open(source)
        .map_err(Error::git(format!("opening {}", source.display())))?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_tree())
        .map_err(Error::git("reading HEAD"))?;
    let diff = git2::Diff::from_buffer(patch).map_err(Error::git("reading the patch"))?;
    let applied = repo
        .apply_to_tree(&head, &diff, None)
        .map_err(Error::git("applying the change to the committed version"))?;
    let scratch = tempfile::tempdir().map_err(Error::io("creating a scratch directory"))?;
    let mut out = Vec::new();
    let mut conflicted = Vec::new();
    for file in files {
        let base = head
            .get_path(Path::new(file))
            .ok()
            .and_then(|e| repo.find_blob(e.id()).ok());
        let theirs = applied
            .get_path(Path::new(file), 0)
            .and_then(|e| repo.find_blob(e.id).ok());
        let (Some(base), Some(theirs)) = (base, theirs) else {
            return Err(Error::Conflict(format!(
                "{file} is added or deleted by the change and differs in the target: it cannot be merged line by line; nothing was changed"
            )));
        };
        let on_disk = write::checked_path(target, file)?;
        // checked_path refused a symlink; a FIFO or device is no content (read as absent).
        let (ours, executable) = match read::file_content(&on_disk, read::CONTENT_CAP)
            .map_err(Error::io(format!("reading {}", on_disk.display())))?
        {
            Some(read::Content::File { bytes, executable }) => (bytes, executable),
            _ => (Vec::new(), false),
        };
        if base.is_binary() || theirs.is_binary() || ours.contains(&0) {
            return Err(Error::Conflict(format!(
                "{file} is binary and differs in the target; nothing was changed"
            )));
        }
        let write = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
            let path = scratch.path().join(name);
            std::fs::write(&path, bytes)
                .map_err(Error::io(format!("writing {}", path.display())))?;
            Ok(path)
        };
        let (o, b, t) = (
            write("ours", &ours)?,
            write("base", base.content())?,
            write("theirs", theirs.content())?,
        );
        let args: Vec<&std::ffi::OsStr> = vec![
            "merge-file".as_ref(),
            "-p".as_ref(),
            "-L".as_ref(),
            "target lane".as_ref(),
            "-L".as_ref(),
            "committed".as_ref(),
            "-L".as_ref(),
            "moved change".as_ref(),
            o.as_os_str(),
            b.as_os_str(),
            t.as_os_str(),
        ];
        let (code, merged) = cli::run_with_status(target, args)?;
        if !(0..=127).contains(&code) {
            return Err(Error::Internal(format!("git merge-file failed on {file}")));
        }
        // merge-file's exit code is the number of conflicts: git's own verdict.
        if code > 0 {
            conflicted.push(file.clone());
        }
        out.push(FileChange {
            path: file.clone(),
            content: Some((merged, executable)),
        });
    }
    Ok((out, conflicted))
}

/// After the change left the source: files whose worktree copy is back to HEAD but whose staged
/// version still holds the change are unstaged, so `git status` shows no trace of it.
fn unstage_reverted(worktree: &Path, files: &[String]) {
    let Ok(repo) = git2::Repository::open(worktree) else {
        return;
    };
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    for file in files {
        let committed = head
            .as_ref()
            .and_then(|t| t.get_path(Path::new(file)).ok())
            .and_then(|e| repo.find_blob(e.id()).ok())
            .map(|b| b.content().to_vec());
        let on_disk = read::worktree_content(worktree, file, read::CONTENT_CAP)
            .ok()
            .flatten()
            .map(read::Content::into_bytes);
        if committed == on_disk {
            let _ = cli::run(worktree, ["reset", "-q", "--", file.as_str()]);
        }
    }
}

fn git_message(e: &Error) -> String {
    match e {
        Error::GitCommand { stderr, .. } => stderr.clone(),
        other => other.to_string(),
    }
}

impl From<&UntangleEntry> for protocol::UntangleEntry {
    fn from(e: &UntangleEntry) -> protocol::UntangleEntry {
        let hunk = e.hunk.as_ref();
        protocol::UntangleEntry {
            id: e.id.clone(),
            path: e.path.clone(),
            old_start: hunk.map(|h| h.old_start),
            old_lines: hunk.map(|h| h.old_lines),
            new_start: hunk.map(|h| h.new_start),
            new_lines: hunk.map(|h| h.new_lines),
            preview: e.preview.clone(),
        }
    }
}
