//! `lanes remove`: removes a lane's worktree and, when nothing would be lost, its branch. This is
//! the one guarded path every removal takes (CLI, language server, `sync --prune`):
//!
//! 1. under the lane's lock, check everything at risk — uncommitted, untracked and unique ignored
//!    files, unpushed commits, a lock, a directory that moved or a record that cannot be read —
//!    and refuse (nothing changed) unless forced;
//! 2. save what only the worktree holds into the trash (`refs/lanes/trash/…`), forced or not;
//! 3. take the directory offline (rename it aside), then check again that nothing changed since
//!    step 1 — a commit or a file written in between puts the lane back and refuses;
//! 4. delete the directory and git's record of it, then the lane's own branch only if it still
//!    points at the commit that was checked (compare-and-swap, as `git update-ref -d` does).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::failpoint;
use crate::git::snapshot::{self, Captured};
use crate::git::worktrees::{self, Head};
use crate::git::{cli, nested, status, Repo};
use crate::lane::{find, DeletableBranch, LaneEntry};
use crate::store::{now, Store};
use crate::ticket::TicketKey;
use crate::trash::{self, TrashMeta};

/// How far `remove` may go.
#[derive(Debug, Clone, Copy, Default)]
pub struct RemoveOptions {
    /// Remove even with uncommitted changes, a lock, a missing directory or commits that exist
    /// nowhere else (all of it is still saved in the trash first).
    pub force: bool,
    /// Remove only the worktree; keep the branch whatever it holds.
    pub keep_branch: bool,
}

pub use crate::protocol::Removed;

/// Removes the lane of `ticket`.
pub fn remove(
    repo: &Repo,
    config: &Config,
    ticket: &TicketKey,
    options: RemoveOptions,
) -> Result<Removed> {
    let store = Store::new(repo);
    let _lock = store.lock(ticket)?;
    let entry = find(repo, config, ticket)?;
    let action = format!("remove lane {ticket}");
    let refuse = |reason: String, hint: String| Error::Refused {
        action: action.clone(),
        reason,
        hint,
    };
    if entry.is_primary() {
        return Err(refuse(
            "it is the repository's primary checkout".into(),
            "only lanes (linked worktrees) can be removed".into(),
        ));
    }
    let worktree = entry.worktree.as_ref();
    if let Some(why) = worktree.and_then(|w| w.broken.as_ref()) {
        // Never guessed, never forced: the path to delete is exactly what is in doubt.
        return Err(refuse(
            format!("its worktree cannot be located safely: {why}"),
            "repair git's record with `git worktree repair <lane directory>` (run inside the lane's directory), then try again".into(),
        ));
    }
    let path = entry
        .path()
        .filter(|p| p.is_absolute())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            refuse(
                "its directory is not recorded anywhere".into(),
                "`lanes list` shows the lane; `git worktree list` shows git's view".into(),
            )
        })?;
    // A removal interrupted after taking the lane offline left it renamed aside: put it back.
    let recovered = match worktree.filter(|w| w.missing) {
        Some(w) => recover_interrupted(repo, w)?,
        None => false,
    };
    let entry = if recovered {
        find(repo, config, ticket)?
    } else {
        entry
    };
    let worktree = entry.worktree.as_ref();
    let present = worktree.is_some_and(|w| !w.missing);
    if worktree.is_some_and(|w| w.missing) && !options.force {
        return Err(refuse(
            format!("its directory {} is missing", path.display()),
            format!(
                "if it was moved, run `git worktree repair <new path>`; if it was deleted, `lanes prune` forgets it (keeping its branch), or `lanes remove {ticket} --force`"
            ),
        ));
    }
    if let Some(reason) = worktree.and_then(|w| w.locked.as_ref()) {
        if !options.force {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            };
            return Err(refuse(
                format!("its worktree is locked{why}"),
                format!(
                    "unlock it with `git worktree unlock {}`, or pass --force",
                    path.display()
                ),
            ));
        }
    }

    let mut ignored = Vec::new();
    let admin = worktree
        .and_then(|w| w.name.as_deref())
        .map(|n| worktrees::admin_dir(repo, n));
    if let (true, Some(admin)) = (present, &admin) {
        check_nested(&path, admin, options.force).map_err(|(reason, hint)| refuse(reason, hint))?;
    }
    if present {
        let dirty = status::dirty_files(&path)?;
        if !dirty.is_empty() && !options.force {
            return Err(refuse(
                format!(
                    "{} has {} uncommitted or untracked file(s): {}",
                    path.display(),
                    dirty.len(),
                    preview(&dirty)
                ),
                "commit or stash them first, or pass --force (they are kept in the trash: `lanes restore`)".into(),
            ));
        }
        let primary = (!repo.is_bare()).then(|| repo.anchor());
        ignored = status::unique_ignored(&path, primary)?;
        // The ticket context lanes wrote itself is regenerated, not work.
        ignored.retain(|f| f.path != crate::ticket::CONTEXT_FILE);
        if !ignored.is_empty() && !options.force {
            let names: Vec<String> = ignored.iter().map(|f| f.path.clone()).collect();
            return Err(refuse(
                format!(
                    "{} has {} git-ignored file(s) that exist nowhere else: {}",
                    path.display(),
                    names.len(),
                    preview(&grouped(&names))
                ),
                "move them out (or delete them) first, or pass --force (they are kept in the trash, up to 100 MiB: `lanes restore`)".into(),
            ));
        }
    }

    let head = head_of(repo, &entry);
    if let Some(Head::Detached(id)) = worktree.map(|w| &w.head) {
        let tip = git2::Oid::from_str(id).map_err(Error::git("reading the detached HEAD"))?;
        let lost = status::unique_commits(repo, tip, None, 6)?;
        if !lost.is_empty() && !options.force {
            return Err(refuse(
                format!(
                    "its detached HEAD has commits on no branch: {}",
                    describe_commits(repo, &lost)
                ),
                format!(
                    "keep them on a branch first (`git -C {} switch -c NAME`), or pass --force",
                    path.display()
                ),
            ));
        }
    }
    let branch = entry.own_branch().map(str::to_string);
    let branch_tip = branch.as_deref().and_then(|b| repo.branch_tip(b));
    let mut branch_kept = None;
    let mut delete_branch = None;
    let mut merged = false;
    if let (Some(name), Some(tip)) = (&branch, branch_tip) {
        let checked_out_elsewhere = worktrees::list(repo)?
            .iter()
            .any(|w| w.branch() == Some(name.as_str()) && Some(w.path.as_path()) != entry.path());
        // Only a branch lanes created for this lane may go, forced or not.
        let deletable = entry.deletable_branch(repo);
        if options.keep_branch {
            branch_kept = Some("--keep-branch was given".to_string());
        } else if let Err(why) = &deletable {
            branch_kept = Some(why.clone());
        } else if checked_out_elsewhere {
            branch_kept = Some("it is checked out in another worktree".to_string());
        } else {
            let lost = status::unique_commits(repo, tip, Some(name), 6)?;
            // Squash-merged or rebased work has commits of its own that exist nowhere else, yet
            // nothing of it would be lost: its changes are in the base.
            merged = !lost.is_empty() && entry.merged(config, repo);
            if lost.is_empty() || merged || options.force {
                delete_branch = deletable.ok();
            } else {
                return Err(refuse(
                    format!(
                        "branch {name} has commits that exist nowhere else: {}",
                        describe_commits(repo, &lost)
                    ),
                    format!(
                        "push or merge them (`git push -u origin {name}`), pass --keep-branch to remove only the worktree, or --force to delete them too (they are kept in the trash)"
                    ),
                ));
            }
        }
    }

    // Everything at risk was checked. Save it all before anything changes.
    let captured = if present {
        Some(snapshot::capture(&path, &ignored).map_err(|e| {
            refuse(
                format!("its contents could not be saved to the trash first: {e}"),
                "nothing was changed; commit or move the work out, then try again".into(),
            )
        })?)
    } else {
        None
    };
    let staged = match (&captured, &admin) {
        (None, Some(admin)) => snapshot::capture_index(repo.git(), admin),
        _ => None,
    };
    let meta = TrashMeta {
        ticket: ticket.to_string(),
        path: path.clone(),
        branch: branch.clone(),
        branch_tip: branch_tip.map(|t| t.to_string()),
        head: head.map(|h| h.to_string()),
        head_branch: worktree.and_then(|w| w.branch()).map(str::to_string),
        record: entry.record.clone(),
        skipped: captured
            .as_ref()
            .map(|c| c.skipped.clone())
            .unwrap_or_default(),
        time: now(),
        reason: "remove".into(),
        empty_dirs: captured
            .as_ref()
            .map(|c| c.empty_dirs.clone())
            .unwrap_or_default(),
        modes: captured
            .as_ref()
            .map(|c| c.modes.clone())
            .unwrap_or_default(),
        sparse: captured.as_ref().and_then(|c| c.sparse.clone()),
    };
    let saved = trash::save(repo, meta, captured.as_ref(), staged)?;
    failpoint::hit("remove-after-checks").map_err(Error::io("removing the lane"))?;

    if let Some(name) = worktree.and_then(|w| w.name.as_deref()) {
        if present {
            let before = Checked {
                head,
                ignored: &ignored,
                saved: captured.as_ref(),
            };
            match take_away(repo, ticket, &path, name, &before) {
                Ok(()) => sweep_deleted(&path),
                // Nothing was deleted and the lane is back in place: the entry is a copy of it.
                Err(Failed::Whole(e)) => {
                    if let Err(why) = trash::drop_entry(repo, &saved) {
                        tracing::warn!("could not drop {}: {why}", saved.id);
                    }
                    return Err(e);
                }
                // Once deleting began, the entry is all there is: it is kept, and said so.
                Err(Failed::Restorable(e)) => return Err(restorable(e, ticket, &saved.id)),
            }
        } else {
            worktrees::forget(repo, name).map_err(|e| {
                e.with_hint(format!(
                    "nothing was removed; a copy of what the lane held is in the trash as {}",
                    saved.id
                ))
            })?;
        }
    }
    // The lane is gone and its entry is all there is of it: now the trash may make room.
    let evicted = trash::make_room(repo, &saved);
    failpoint::hit("remove-before-branch").map_err(Error::io("removing the lane"))?;

    let mut branch_deleted = false;
    if let (Some(own), Some(tip)) = (&delete_branch, branch_tip) {
        match delete_ref_if_unchanged(repo, own, tip) {
            Ok(()) => branch_deleted = true,
            Err(why) => branch_kept = Some(why),
        }
    }
    store.delete(ticket)?;
    Ok(Removed {
        ticket: ticket.to_string(),
        path,
        branch,
        branch_deleted,
        branch_tip: branch_deleted
            .then(|| branch_tip.map(|t| t.to_string()))
            .flatten(),
        branch_kept,
        merged,
        trash: Some(saved.id),
        not_kept: saved.meta.skipped,
        evicted,
    })
}

/// Refuses (reason, hint) when the lane's directory holds a repository that is not the lane's:
/// another checkout's worktree or a repository of its own — even forced, since the trash does not
/// keep their history and "too big to keep" is no licence to delete a repository. The lane's own
/// submodules are its own, but their history goes with the lane's git directory: one with
/// uncommitted changes or unpushed commits is refused unless forced.
fn check_nested(
    dir: &Path,
    admin: &Path,
    force: bool,
) -> std::result::Result<(), (String, String)> {
    let found = nested::find(dir, admin).map_err(|e| {
        (
            format!("it could not be checked for repositories inside it: {e}"),
            "make its directories readable, then try again".to_string(),
        )
    })?;
    let foreign: Vec<String> = found
        .iter()
        .filter(|n| n.kind != nested::NestedKind::Submodule)
        .map(nested::Nested::describe)
        .collect();
    if !foreign.is_empty() {
        return Err((
            format!(
                "{} holds {} git repositor{} that {} not the lane's: {}",
                dir.display(),
                foreign.len(),
                if foreign.len() == 1 { "y" } else { "ies" },
                if foreign.len() == 1 { "is" } else { "are" },
                preview(&foreign)
            ),
            "move them out of the lane first (another lane's worktree: `git worktree move`); lanes never deletes a repository that is not the lane's, even with --force".into(),
        ));
    }
    if force {
        return Ok(());
    }
    let at_risk: Vec<String> = found
        .iter()
        .filter_map(|n| {
            nested::submodule_work(&dir.join(&n.path)).map(|why| format!("{} ({why})", n.path))
        })
        .collect();
    if at_risk.is_empty() {
        return Ok(());
    }
    Err((
        format!(
            "its submodule(s) hold work the trash does not keep: {}",
            preview(&at_risk)
        ),
        "commit and push it in the submodule first, or pass --force to delete it too: the trash keeps only the submodule commit the lane records, not the submodule's own work".into(),
    ))
}

/// What was checked and saved before a worktree is taken away.
struct Checked<'a> {
    head: Option<git2::Oid>,
    ignored: &'a [status::IgnoredFile],
    saved: Option<&'a Captured>,
}

/// Why taking a worktree away stopped, and in what state it left the lane.
enum Failed {
    /// The lane is in place as it was; nothing of it was deleted.
    Whole(Error),
    /// Deleting began: the lane is gone or partly gone, and only the trash entry holds it all.
    Restorable(Error),
}

/// The error of a removal that stopped after it began deleting: says where the lane is now.
fn restorable(error: Error, ticket: &TicketKey, id: &str) -> Error {
    error.with_hint(format!(
        "the lane was partly removed; everything it held is saved in the trash as {id}: `lanes restore {ticket}` brings it back"
    ))
}

/// Renames the worktree aside, checks that nothing changed since it was saved, then deletes git's
/// record of it and the directory. Puts it back and refuses when anything changed. A directory
/// being deleted is first renamed `.<dir>.lanes-deleting-*`: a name that says "saved in the
/// trash, finish deleting me" and that nothing ever puts back as the lane.
fn take_away(
    repo: &Repo,
    ticket: &TicketKey,
    path: &Path,
    name: &str,
    before: &Checked<'_>,
) -> std::result::Result<(), Failed> {
    let aside = aside_name(path, REMOVING);
    std::fs::rename(path, &aside)
        .map_err(Error::io(format!(
            "taking {} offline (renaming it to {})",
            path.display(),
            aside.display()
        )))
        .map_err(Failed::Whole)?;
    let put_back = |from: &Path, why: Error| -> Failed {
        match std::fs::rename(from, path) {
            Ok(()) => Failed::Whole(why),
            Err(e) => {
                tracing::error!(
                    "could not put {} back from {}: {e}",
                    path.display(),
                    from.display()
                );
                Failed::Restorable(why.with_hint(format!(
                    "the lane's directory is at {}; move it back to {}",
                    from.display(),
                    path.display()
                )))
            }
        }
    };
    let refused = |why: String| Error::Refused {
        action: format!("remove lane {ticket}"),
        reason: why,
        hint: "the lane is as it was; look at what changed and try again".into(),
    };
    if let Err(e) = failpoint::hit("remove-after-offline") {
        return Err(put_back(
            &aside,
            refused(format!("stopped after taking it offline: {e}")),
        ));
    }
    // Anything written or staged between the checks and the rename is in the directory now.
    let primary = (!repo.is_bare()).then(|| repo.anchor());
    let now_ignored = match status::unique_ignored(&aside, primary) {
        Ok(mut files) => {
            files.retain(|f| f.path != crate::ticket::CONTEXT_FILE);
            files
        }
        Err(e) => {
            return Err(put_back(
                &aside,
                refused(format!("it could not be checked again: {e}")),
            ))
        }
    };
    if now_ignored != before.ignored {
        return Err(put_back(
            &aside,
            refused("ignored files were written in it while it was being removed".into()),
        ));
    }
    match (snapshot::capture(&aside, &now_ignored), before.saved) {
        (Ok(now), Some(before)) if now.files == before.files && now.index == before.index => {}
        (Ok(_), _) => {
            return Err(put_back(
                &aside,
                refused("its files or staged changes changed while it was being removed".into()),
            ))
        }
        (Err(e), _) => {
            return Err(put_back(
                &aside,
                refused(format!("it could not be checked again: {e}")),
            ))
        }
    }
    if before.head != worktrees::head_commit(repo, name) {
        return Err(put_back(
            &aside,
            refused("a commit was made in it while it was being removed".into()),
        ));
    }
    // A repository moved in since the checks would be deleted with the lane.
    match nested::find(&aside, &worktrees::admin_dir(repo, name)) {
        Ok(found)
            if found
                .iter()
                .all(|n| n.kind == nested::NestedKind::Submodule) => {}
        Ok(_) => {
            return Err(put_back(
                &aside,
                refused("a repository was put inside it while it was being removed".into()),
            ))
        }
        Err(e) => {
            return Err(put_back(
                &aside,
                refused(format!("it could not be checked again: {e}")),
            ))
        }
    }
    let doomed = aside_name(path, DELETING);
    if let Err(e) = std::fs::rename(&aside, &doomed) {
        return Err(put_back(
            &aside,
            Error::io(format!(
                "renaming {} to {}",
                aside.display(),
                doomed.display()
            ))(e),
        ));
    }
    if let Err(e) = worktrees::forget(repo, name) {
        return Err(put_back(
            &doomed,
            e.with_hint("the lane is as it was (git's record of it could not be deleted)"),
        ));
    }
    worktrees::delete_dir(&doomed, Some("remove-while-deleting"))
        .map_err(Error::io(format!(
            "deleting {} (what is left of it is at {})",
            path.display(),
            doomed.display()
        )))
        .map_err(Failed::Restorable)
}

/// Deletes what interrupted or failed removals left of the lane at `path` once it was saved in
/// the trash (`.<dir>.lanes-deleting-*` beside it). Best effort: what cannot be deleted stays,
/// and is only clutter.
pub fn sweep_deleted(path: &Path) {
    let (Some(parent), Some(dir_name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!(".{}.{DELETING}", dir_name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            if let Err(e) = worktrees::delete_dir(&entry.path(), None) {
                tracing::warn!("could not delete {}: {e}", entry.path().display());
            }
        }
    }
}

/// The commit checked out in a lane, as known when it was listed.
fn head_of(repo: &Repo, entry: &LaneEntry) -> Option<git2::Oid> {
    match entry.worktree.as_ref().map(|w| &w.head) {
        Some(Head::Branch(b)) => repo.branch_tip(b),
        Some(Head::Detached(id)) => git2::Oid::from_str(id).ok(),
        _ => None,
    }
}

/// Deletes a branch lanes created only if it still points at `expected` (`git update-ref -d`).
fn delete_ref_if_unchanged(
    repo: &Repo,
    branch: &DeletableBranch,
    expected: git2::Oid,
) -> std::result::Result<(), String> {
    let refname = format!("refs/heads/{}", branch.name());
    let expected = expected.to_string();
    cli::run(
        repo.anchor(),
        ["update-ref", "-d", refname.as_str(), expected.as_str()],
    )
    .map(drop)
    .map_err(|e| {
        let now = repo
            .git()
            .refname_to_id(&refname)
            .map(|o| o.to_string())
            .unwrap_or_default();
        if now != expected && !now.is_empty() {
            format!(
                "it moved to {now:.7} while the lane was being removed (a new commit); it was kept"
            )
        } else {
            format!("git would not delete it: {e}")
        }
    })
}

/// Puts back a worktree that an interrupted removal left renamed aside (`.<dir>.lanes-removing-*`
/// beside its place), when exactly one such directory leads back to git's record of it. True when
/// it was put back.
pub fn recover_interrupted(repo: &Repo, worktree: &worktrees::Worktree) -> Result<bool> {
    let (Some(name), Some(parent), Some(dir_name)) = (
        worktree.name.as_deref(),
        worktree.path.parent(),
        worktree
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
    ) else {
        return Ok(false);
    };
    let prefix = format!(".{dir_name}.{REMOVING}");
    let admin = worktrees::admin_dir(repo, name);
    let candidates: Vec<PathBuf> = std::fs::read_dir(parent)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .filter(|p| worktrees::leads_back(p, &admin))
                .collect()
        })
        .unwrap_or_default();
    let [aside] = candidates.as_slice() else {
        return Ok(false);
    };
    tracing::info!(
        "putting back {} from an interrupted removal ({})",
        worktree.path.display(),
        aside.display()
    );
    std::fs::rename(aside, &worktree.path).map_err(Error::io(format!(
        "putting back {} from {}",
        worktree.path.display(),
        aside.display()
    )))?;
    Ok(true)
}

/// The name of a lane's directory taken offline while it is checked again (put back when a
/// removal is interrupted).
const REMOVING: &str = "lanes-removing-";
/// The name of a lane's directory that is saved in the trash and being deleted (never put back).
const DELETING: &str = "lanes-deleting-";

fn aside_name(path: &Path, kind: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{kind}{}", std::process::id()))
}

/// Paths grouped by their top directory when a directory holds many (`target/ (1,234 files)`).
fn grouped(paths: &[String]) -> Vec<String> {
    // (top directory or file, the first path under it, how many)
    let mut groups: Vec<(String, &str, usize)> = Vec::new();
    for p in paths {
        let top = match p.split_once('/') {
            Some((dir, rest)) if !rest.is_empty() => format!("{dir}/"),
            _ => p.clone(),
        };
        match groups.iter_mut().find(|(t, _, _)| *t == top) {
            Some((_, _, n)) => *n += 1,
            None => groups.push((top, p, 1)),
        }
    }
    groups
        .into_iter()
        // One file is named as itself: `data/` alone reads like a directory or a repository.
        .map(|(t, first, n)| {
            if n > 1 {
                format!("{t} ({n} files)")
            } else {
                first.to_string()
            }
        })
        .collect()
}

fn preview(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    let more = items.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn describe_commits(repo: &Repo, commits: &[git2::Oid]) -> String {
    let lines: Vec<String> = commits
        .iter()
        .take(5)
        .map(|id| {
            let summary = repo
                .git()
                .find_commit(*id)
                .ok()
                .and_then(|c| c.summary().map(str::to_string))
                .unwrap_or_default();
            format!("{:.7} {summary}", id.to_string())
        })
        .collect();
    let more = if commits.len() > 5 { ", …" } else { "" };
    format!("{}{more}", lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_files_of_one_directory_are_shown_as_the_directory() {
        let paths: Vec<String> = ["target/a", "target/b", ".env"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(grouped(&paths), vec!["target/ (2 files)", ".env"]);
    }

    #[test]
    fn one_file_of_a_directory_is_shown_as_that_file() {
        let paths = vec!["data/cache.db".to_string()];
        assert_eq!(grouped(&paths), vec!["data/cache.db"]);
    }
}
