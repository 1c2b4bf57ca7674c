//! `lanes move` and `lanes untangle`: move uncommitted changes (whole files or single hunks) from
//! one lane to another. Both sides (the target with the change, the source without it) are
//! computed and checked first, then written as one journaled write: all of it or none of it, with
//! every file compare-and-swapped against the version the move was computed from, so an edit
//! saved meanwhile is never lost; a move killed half-way is undone by the next `lanes` command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::patch::{applied, uncommitted_patches, FilePatch, PatchHunk};
use crate::git::read;
use crate::git::write::{self, Expected, FileChange};
use crate::git::{cli, Repo};
use crate::lane::find;
use crate::protocol;
use crate::store::Store;
use crate::ticket::TicketKey;

/// Part of a file's uncommitted change: the hunks touching `lines` (1-based, inclusive, in the
/// worktree's version), or the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Repository-relative path (any bytes a file name may hold).
    pub path: PathBuf,
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

/// Applies an assignment (hunk id → ticket) as one move: every hunk id, every target lane and
/// every hunk's fit in its lane is checked before anything is written, and then all of it moves or
/// none of it does (one write across the lanes, see `git::write::apply_all`).
pub fn untangle_apply(
    repo: &Repo,
    config: &Config,
    worktree: &Path,
    assignment: &BTreeMap<String, String>,
) -> Result<Vec<Moved>> {
    finish_interrupted_writes(repo);
    let known: Vec<String> = untangle_list(worktree)?.into_iter().map(|e| e.id).collect();
    if let Some(missing) = assignment.keys().find(|id| !known.contains(id)) {
        return Err(Error::Conflict(format!("hunk {missing} is not among the uncommitted changes of {} (any more); nothing was moved", worktree.display())).with_hint("run `lanes untangle` again for the current ids"));
    }
    // One target per lane directory, however its ticket was spelt.
    let mut by_lane: BTreeMap<PathBuf, (TicketKey, Vec<String>)> = BTreeMap::new();
    for (id, ticket) in assignment {
        let key = TicketKey::parse(ticket)?;
        let dir = target_dir(repo, config, &key)?;
        by_lane
            .entry(dir)
            .or_insert_with(|| (key, Vec::new()))
            .1
            .push(id.clone());
    }
    // Locks in one global order (as `Store::lock` names them), so two untangles cannot deadlock.
    let mut keys: Vec<&TicketKey> = by_lane.values().map(|(key, _)| key).collect();
    keys.sort_by_key(|k| k.as_str().to_lowercase());
    let store = Store::new(repo);
    let _locks = keys
        .iter()
        .map(|key| store.lock(key))
        .collect::<Result<Vec<_>>>()?;
    let patches = uncommitted_patches(worktree, &[])?;
    let mut plans = Vec::new();
    let mut all_ids = Vec::new();
    for (key, ids) in by_lane.into_values() {
        let request = MoveRequest {
            from: worktree.to_path_buf(),
            to: key,
            selections: Vec::new(),
            hunk_ids: ids,
            three_way: false,
        };
        plans.push(plan(repo, config, &request, &patches)?);
        all_ids.extend(request.hunk_ids);
    }
    let Some(first) = plans.first() else {
        // An empty assignment moves nothing.
        return Ok(Vec::new());
    };
    let everything = MoveRequest {
        from: worktree.to_path_buf(),
        to: first.to.clone(),
        selections: Vec::new(),
        hunk_ids: all_ids,
        three_way: false,
    };
    let (patch, files, _) = select(&patches, &everything);
    let out_of_source = take_out(worktree, &patch, &files)?;
    write_moves(worktree, &plans, &out_of_source)?;
    unstage_reverted(worktree, &files);
    Ok(plans.into_iter().map(|p| p.moved(worktree)).collect())
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

/// Finishes what writes into worktrees interrupted by a crash (a killed `lanes move`) left
/// behind — undone, or completed past their point of no return — and says so on the log.
/// `list`, `status`, `move` and `untangle` call it first.
pub fn finish_interrupted_writes(repo: &Repo) {
    for said in write::recover(repo.common_dir()) {
        tracing::warn!("{said}");
    }
}

/// A move computed and checked, nothing written yet.
struct Plan {
    to: TicketKey,
    to_path: PathBuf,
    /// The target's files with the change in (each expecting the version it was computed from).
    into_target: Vec<FileChange>,
    /// The patch and the files it touches.
    patch: Vec<u8>,
    files: Vec<PathBuf>,
    hunks: usize,
    conflicts: Vec<String>,
}

impl Plan {
    fn moved(self, from: &Path) -> Moved {
        Moved {
            from: from.to_path_buf(),
            to: self.to.to_string(),
            to_path: self.to_path,
            files: self
                .files
                .iter()
                .map(|f| crate::git::slash_path(f))
                .collect(),
            hunks: self.hunks,
            conflicts: self.conflicts,
        }
    }
}

/// Moves the selected uncommitted changes to another lane. Both sides are computed before either
/// is written, and written as one: both or neither (see `git::write::apply_all`). A file that
/// changes while it is being written (an editor or an agent saving it) stops the move, with every
/// file left as it was.
pub fn move_changes(repo: &Repo, config: &Config, request: &MoveRequest) -> Result<Moved> {
    finish_interrupted_writes(repo);
    let store = Store::new(repo);
    // Nobody removes or rewrites the target lane while the change goes in.
    let _lock = store.lock(&request.to)?;
    let files: Vec<PathBuf> = request.selections.iter().map(|s| s.path.clone()).collect();
    let patches = uncommitted_patches(&request.from, &files)?;
    let plan = plan(repo, config, request, &patches)?;
    let out_of_source = take_out(&request.from, &plan.patch, &plan.files)?;
    write_moves(&request.from, std::slice::from_ref(&plan), &out_of_source)?;
    unstage_reverted(&request.from, &plan.files);
    Ok(plan.moved(&request.from))
}

/// Computes what the target's files become with the selected change in; writes nothing.
fn plan(
    repo: &Repo,
    config: &Config,
    request: &MoveRequest,
    patches: &[FilePatch],
) -> Result<Plan> {
    let to_path = target_dir(repo, config, &request.to)?;
    if to_path == request.from {
        return Err(Error::Conflict(format!(
            "the change is already in lane {}",
            request.to
        )));
    }
    let (patch, files, hunks) = select(patches, request);
    if patch.is_empty() {
        return Err(Error::Conflict(format!(
            "nothing to move: no uncommitted change in {} matches the selection",
            request.from.display()
        )));
    }
    let (into_target, conflicts) = match applied(&to_path, &patch, &files, false) {
        Ok(changes) => (changes, Vec::new()),
        Err(e @ Error::Refused { .. }) => return Err(e),
        Err(e) if request.three_way => {
            tracing::debug!("the change does not apply cleanly, merging: {e}");
            three_way_merge(&request.from, &to_path, &patch, &files)?
        }
        Err(e) => {
            return Err(Error::Conflict(format!(
                "the change does not apply cleanly in lane {} ({}); nothing was moved\n{}",
                request.to,
                to_path.display(),
                git_message(&e)
            ))
            .with_hint(
                "bring the lane up to date, or pass --3way to write conflict markers there",
            ))
        }
    };
    Ok(Plan {
        to: request.to.clone(),
        to_path,
        into_target,
        patch,
        files,
        hunks,
        conflicts,
    })
}

/// The source's files with the change taken out; writes nothing.
fn take_out(from: &Path, patch: &[u8], files: &[PathBuf]) -> Result<Vec<FileChange>> {
    applied(from, patch, files, true).map_err(|e| {
        Error::Conflict(format!(
            "the change cannot be taken out of {}: {}; nothing was moved",
            from.display(),
            git_message(&e)
        ))
    })
}

/// Writes the targets' new files and the source's as one write: all of them or none.
fn write_moves(from: &Path, plans: &[Plan], out_of_source: &[FileChange]) -> Result<()> {
    let lanes = plans
        .iter()
        .map(|p| p.to.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut batches: Vec<(&Path, &[FileChange])> = plans
        .iter()
        .map(|p| (p.to_path.as_path(), p.into_target.as_slice()))
        .collect();
    batches.push((from, out_of_source));
    let what = format!("moving a change from {} to lane {lanes}", from.display());
    write::apply_all(&what, &batches).map_err(|e| nothing_moved(e, &lanes))
}

/// A failed write of a move, in the move's terms: it moved nothing.
fn nothing_moved(e: Error, lanes: &str) -> Error {
    match e {
        Error::Hinted { error, hints } => hints
            .into_iter()
            .fold(nothing_moved(*error, lanes), Error::with_hint),
        Error::Refused { reason, hint, .. } => Error::Refused {
            action: format!("move the change to lane {lanes}"),
            reason: format!(
                "{}; nothing was moved",
                reason.trim_end_matches(", so nothing was written")
            ),
            hint,
        },
        other => Error::Conflict(format!(
            "writing the change to lane {lanes} failed, and nothing was changed: {}",
            git_message(&other)
        )),
    }
}

/// The patch, the files it touches and its hunk count.
fn select(patches: &[FilePatch], request: &MoveRequest) -> (Vec<u8>, Vec<PathBuf>, usize) {
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
                .filter(|s| s.path == file.name)
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
        files.push(file.name.clone());
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
    files: &[PathBuf],
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
        let shown = file.display();
        let base = head
            .get_path(file)
            .ok()
            .and_then(|e| repo.find_blob(e.id()).ok());
        let theirs = applied
            .get_path(file, 0)
            .and_then(|e| repo.find_blob(e.id).ok());
        let (Some(base), Some(theirs)) = (base, theirs) else {
            return Err(Error::Conflict(format!(
                "{shown} is added or deleted by the change and differs in the target: it cannot be merged line by line; nothing was moved"
            )));
        };
        let on_disk = write::checked_path(target, file)?;
        let found = read::read_regular(&on_disk, read::CONTENT_CAP)
            .map_err(Error::io(format!("reading {}", on_disk.display())))?;
        let expected = Expected::of(found.as_deref())?;
        let ours = found.unwrap_or_default();
        let executable = std::fs::symlink_metadata(&on_disk)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0)
            .unwrap_or(false);
        if base.is_binary() || theirs.is_binary() || ours.contains(&0) {
            return Err(Error::Conflict(format!(
                "{shown} is binary and differs in the target; nothing was moved"
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
            return Err(Error::Internal(format!("git merge-file failed on {shown}")));
        }
        // merge-file's exit code is the number of conflicts: git's own verdict.
        if code > 0 {
            conflicted.push(crate::git::slash_path(file));
        }
        out.push(FileChange {
            path: file.clone(),
            content: Some((merged, executable)),
            expected,
        });
    }
    Ok((out, conflicted))
}

/// After the change left the source: files whose worktree copy is back to HEAD but whose staged
/// version still holds the change are unstaged, so `git status` shows no trace of it.
fn unstage_reverted(worktree: &Path, files: &[PathBuf]) {
    let Ok(repo) = git2::Repository::open(worktree) else {
        return;
    };
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    for file in files {
        let committed = head
            .as_ref()
            .and_then(|t| t.get_path(file).ok())
            .and_then(|e| repo.find_blob(e.id()).ok())
            .map(|b| b.content().to_vec());
        let on_disk = read::read_regular(&worktree.join(file), read::CONTENT_CAP)
            .ok()
            .flatten();
        if committed == on_disk {
            let _ = cli::run(
                worktree,
                [
                    "reset".as_ref(),
                    "-q".as_ref(),
                    "--".as_ref(),
                    file.as_os_str(),
                ],
            );
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
