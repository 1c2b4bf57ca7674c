//! Is a branch's work already in its base? Merged normally or fast-forwarded (the tip is an
//! ancestor of the base), rebased or squash-merged (merging the tip into the base would add
//! nothing: git's three-way merge from their merge base gives back the base's tree). Read-only:
//! the merge happens in memory, nothing is written to the object store — and only when a file
//! was changed on both sides; the others decide by comparing tree entries.

use std::path::Path;

use git2::Oid;

use crate::error::{Error, Result};
use crate::git::Repo;

/// True when everything `tip` changes since it left `base` is already in `base`: its commits are
/// in the base, or it changes something and all of it is there (a tip whose commits change
/// nothing is not).
pub fn work_in_base(repo: &Repo, tip: Oid, base: Oid) -> Result<bool> {
    let git = repo.git();
    let context = "checking whether the lane is merged";
    if tip == base
        || git
            .graph_descendant_of(base, tip)
            .map_err(Error::git(context))?
    {
        return Ok(true);
    }
    let ancestor = match git.merge_base(tip, base) {
        Ok(id) => id,
        // Unrelated histories: nothing of the tip can be in the base.
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(false),
        Err(e) => return Err(Error::git(context)(e)),
    };
    let tree = |id: Oid| {
        git.find_commit(id)
            .and_then(|c| c.tree())
            .map_err(Error::git(context))
    };
    let (ancestor_tree, base_tree, tip_tree) = (tree(ancestor)?, tree(base)?, tree(tip)?);
    // Most lanes decide from the files they change alone, without a merge: a file the lane
    // changed and the base did not touch is work the base lacks; a file the same in the tip and
    // the base is in. Only files both changed differently need git's merge.
    let changed = git
        .diff_tree_to_tree(Some(&ancestor_tree), Some(&tip_tree), None)
        .map_err(Error::git(context))?;
    let entry = |tree: &git2::Tree<'_>, path: &Path| {
        tree.get_path(path).ok().map(|e| (e.id(), e.filemode()))
    };
    // A tip that changes nothing has nothing in the base: its commits are only on its branch.
    // Saying "merged" would let them be deleted as if they were elsewhere.
    if changed.deltas().len() == 0 {
        return Ok(false);
    }
    let mut both_changed = false;
    for delta in changed.deltas() {
        let Some(path) = delta.new_file().path().or(delta.old_file().path()) else {
            continue;
        };
        let in_tip = entry(&tip_tree, path);
        let in_base = entry(&base_tree, path);
        if in_tip == in_base {
            continue;
        }
        if entry(&ancestor_tree, path) == in_base {
            return Ok(false);
        }
        both_changed = true;
    }
    if !both_changed {
        return Ok(true);
    }
    let merged = git
        .merge_trees(&ancestor_tree, &base_tree, &tip_tree, None)
        .map_err(Error::git(context))?;
    if merged.has_conflicts() {
        return Ok(false);
    }
    // Compared without writing the merged tree: the index against the base's tree.
    let diff = git
        .diff_tree_to_index(Some(&base_tree), Some(&merged), None)
        .map_err(Error::git(context))?;
    Ok(diff.deltas().len() == 0)
}
