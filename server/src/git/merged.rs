//! Is a branch's work already in its base? Merged normally or fast-forwarded (the tip is an
//! ancestor of the base), rebased or squash-merged (merging the tip into the base would add
//! nothing: git's three-way merge from their merge base gives back the base's tree). Read-only:
//! the merge happens in memory, nothing is written to the object store.

use git2::Oid;

use crate::error::{Error, Result};
use crate::git::Repo;

/// True when everything `tip` changes since it left `base` is already in `base`.
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
    let base_tree = tree(base)?;
    let merged = git
        .merge_trees(&tree(ancestor)?, &base_tree, &tree(tip)?, None)
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
