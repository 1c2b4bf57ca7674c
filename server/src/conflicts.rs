//! Which merges would conflict: every pair of lanes changing the same file, and each lane against
//! its base's current tip (e.g. `origin/main` as last fetched) when the base changed the file since
//! the lane branched. Each pair gets git's own verdict ([`Judge`]) on the versions as they are now:
//! a lane's side is its worktree's file when it has uncommitted changes to it, else its commit's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::Oid;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::changes::FileChange;
use crate::git::Repo;
use crate::git::{canonical, slash_path};
use crate::lane::{describe_with, holding, Lane, LaneEntry};
use crate::overlap::{LaneChanges, LaneSource, OverlapIndex};
use crate::protocol::{LaneFile, LineRange, OverlapSide, Pair, PairSide, PathOverlap};
use crate::verdict::{Judge, Verdict};

/// A verdict, with the lines involved on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// Git's verdict.
    pub verdict: Verdict,
    /// Lines of our version involved (touching the other side's changes).
    pub here: Vec<crate::git::changes::LineRange>,
    /// Lines of the other version involved.
    pub there: Vec<crate::git::changes::LineRange>,
}

/// The lane's version of `path` now: the worktree's file when the lane changes it without
/// committing, else the file in the lane's commit. None when it does not exist.
pub fn lane_version(judge: &Judge, lane: &LaneChanges, path: &str) -> Option<Vec<u8>> {
    if uncommitted(lane, path) {
        // As git sees it: never through a symlink, never waiting on a FIFO.
        return crate::git::read::worktree_content(
            &lane.source.path,
            path,
            crate::git::read::CONTENT_CAP,
        )
        .ok()
        .flatten()
        .map(crate::git::read::Content::into_bytes);
    }
    judge.content_at(lane.source.head?, path)
}

/// Whether the lane's version of `path` is not its commit's.
fn uncommitted(lane: &LaneChanges, path: &str) -> bool {
    lane.source.present && lane.uncommitted().contains_key(path)
}

/// What git's merge of commits `a` and `b` says of `path`, when both sides' versions are the
/// committed ones (`committed`).
fn commits_merge(judge: &Judge, a: Oid, b: Oid, path: &str, committed: bool) -> Option<bool> {
    if !committed {
        return None;
    }
    judge
        .conflicted_paths(a, b)
        .map(|paths| paths.contains(path))
}

/// Judges `ours` against `theirs`, both changed from `ancestor`. `merged`: what git's merge of
/// the two sides' commits says of this file (true: conflict), when both sides are committed —
/// it follows renames, which a file-by-file merge cannot.
pub fn judge_versions(
    judge: &Judge,
    ancestor: Option<&[u8]>,
    ours: Option<&[u8]>,
    theirs: Option<&[u8]>,
    merged: Option<bool>,
) -> Result<Judged> {
    let mine = judge.change(ancestor, ours)?;
    let other = judge.change(ancestor, theirs)?;
    let touching = mine.overlaps(&other);
    // Changes two lines or more apart never conflict: skip the merge (the editor judges on
    // every keystroke).
    let by_file = if merged.is_none() && ours != theirs && !mine.near(&other, 1) {
        Verdict::Shared
    } else {
        judge.verdict(ancestor, ours, theirs, touching)?
    };
    let verdict = match merged {
        Some(true) => Verdict::Conflict,
        Some(false) if by_file == Verdict::Conflict && touching => Verdict::Overlap,
        Some(false) if by_file == Verdict::Conflict => Verdict::Shared,
        _ => by_file,
    };
    let (here, there) = match verdict {
        Verdict::Shared => (Vec::new(), new_lines(&other)),
        _ => {
            let (here, there) = mine.touching_lines(&other);
            if here.is_empty() {
                (new_lines(&mine), new_lines(&other))
            } else {
                (here, there)
            }
        }
    };
    Ok(Judged {
        verdict,
        here,
        there,
    })
}

fn new_lines(change: &FileChange) -> Vec<crate::git::changes::LineRange> {
    change.hunks.iter().map(|h| h.new).collect()
}

/// `ours` (lane `a`'s version of `path`; `ours_committed`: it is its commit's) against `theirs`
/// (lane `b`'s version, [`lane_version`]), from the two lanes' merge base. None when they share
/// no history.
pub fn lane_against_lane(
    judge: &Judge,
    a: &LaneChanges,
    ours: Option<&[u8]>,
    ours_committed: bool,
    b: &LaneChanges,
    theirs: Option<&[u8]>,
    path: &str,
) -> Result<Option<Judged>> {
    let (Some(head_a), Some(head_b)) = (a.source.head, b.source.head) else {
        return Ok(None);
    };
    let Some(ancestor) = judge.ancestor(head_a, head_b) else {
        return Ok(None);
    };
    let base = judge.content_at(ancestor, path);
    let committed = ours_committed && !uncommitted(b, path);
    let merged = commits_merge(judge, head_a, head_b, path, committed);
    judge_versions(judge, base.as_deref(), ours, theirs, merged).map(Some)
}

/// Whether the lane's base changed `path` since the lane branched (its tip's blob differs from
/// the fork point's); (fork, tip) when it did.
fn base_change(judge: &Judge, lane: &LaneChanges, path: &str) -> Option<(Oid, Oid)> {
    let (fork, tip) = (lane.merge_base?, lane.source.base?);
    (fork != tip && judge.blob_at(fork, path) != judge.blob_at(tip, path)).then_some((fork, tip))
}

/// `ours` (the lane's version of `path`; `ours_committed`: it is its commit's) against the
/// base's current tip, from where the lane branched. None when the base has not changed the file
/// since.
pub fn lane_against_base(
    judge: &Judge,
    lane: &LaneChanges,
    ours: Option<&[u8]>,
    ours_committed: bool,
    path: &str,
) -> Result<Option<Judged>> {
    let Some((fork, tip)) = base_change(judge, lane, path) else {
        return Ok(None);
    };
    let base = judge.content_at(fork, path);
    let theirs = judge.content_at(tip, path);
    let merged = lane
        .source
        .head
        .and_then(|head| commits_merge(judge, head, tip, path, ours_committed));
    judge_versions(judge, base.as_deref(), ours, theirs.as_deref(), merged).map(Some)
}

/// Every file two sides change, with a verdict per pair, the most severe files first (then by
/// path). Files that only one lane changes and whose base did not change them are left out.
/// `only`: judge these repository-relative paths alone.
pub fn report(
    index: &OverlapIndex,
    judge: &Judge,
    only: Option<&BTreeSet<String>>,
) -> Result<Vec<PathOverlap>> {
    let mut files: BTreeMap<&str, Vec<&LaneChanges>> = BTreeMap::new();
    for lane in index.lanes() {
        for path in lane.files.keys() {
            if only.is_none_or(|only| only.contains(path)) {
                files.entry(path.as_str()).or_default().push(lane);
            }
        }
    }
    let mut out = Vec::new();
    for (path, mut lanes) in files {
        // Local lanes first, so a pair with a teammate's pull request names the lane as `a`.
        lanes.sort_by(|a, b| {
            (a.source.remote, &a.source.path).cmp(&(b.source.remote, &b.source.path))
        });
        // A file only one lane changes matters only when its base changed it too: skip reading it
        // otherwise.
        if lanes.len() == 1
            && (lanes[0].source.remote || base_change(judge, lanes[0], path).is_none())
        {
            continue;
        }
        let versions: Vec<Option<Vec<u8>>> =
            lanes.iter().map(|l| lane_version(judge, l, path)).collect();
        let mut pairs = Vec::new();
        for (i, a) in lanes.iter().enumerate() {
            for (j, b) in lanes.iter().enumerate().skip(i + 1) {
                if a.source.remote && b.source.remote {
                    // Two teammates' pull requests: theirs to sort out.
                    continue;
                }
                let (ours, theirs) = (versions[i].as_deref(), versions[j].as_deref());
                let committed = !uncommitted(a, path);
                if let Some(judged) = lane_against_lane(judge, a, ours, committed, b, theirs, path)?
                {
                    pairs.push(pair(lane_side(&a.source), lane_side(&b.source), judged));
                }
            }
            let committed = !uncommitted(a, path);
            let judged = if a.source.remote {
                // A teammate's pull request against the base is theirs to sort out.
                None
            } else {
                lane_against_base(judge, a, versions[i].as_deref(), committed, path)?
            };
            if let Some(judged) = judged {
                pairs.push(pair(lane_side(&a.source), base_side(&a.source), judged));
            }
        }
        if pairs.is_empty() {
            continue;
        }
        pairs.sort_by_key(|p| p.kind);
        let changes: Vec<&FileChange> = lanes.iter().filter_map(|l| l.files.get(path)).collect();
        let overlapping = changes
            .iter()
            .enumerate()
            .any(|(i, a)| changes[i + 1..].iter().any(|b| a.overlaps(b)));
        out.push(PathOverlap {
            path: path.to_string(),
            overlapping,
            conflict: pairs.iter().any(|p| p.kind == Verdict::Conflict),
            lanes: lanes
                .iter()
                .filter_map(|l| {
                    Some(OverlapSide {
                        ticket: l.source.ticket.clone(),
                        branch: l.source.branch.clone(),
                        path: l.source.path.clone(),
                        change: l.files.get(path)?.into(),
                    })
                })
                .collect(),
            pairs,
        });
    }
    out.sort_by(|a, b| {
        let worst = |o: &PathOverlap| o.pairs.first().map(|p| p.kind);
        worst(a).cmp(&worst(b)).then_with(|| a.path.cmp(&b.path))
    });
    Ok(out)
}

/// Which lane holds each of `files` (absolute paths), and the file's path in it; a file in no
/// lane of the repository at `anchor` is a usage error.
pub fn in_lanes(
    entries: &[LaneEntry],
    anchor: &Path,
    files: &[PathBuf],
) -> Result<Vec<(PathBuf, String)>> {
    let mut wanted = Vec::new();
    for file in files {
        let file = canonical(file);
        let lane = holding(entries, &file)
            .and_then(|e| e.path())
            .map(Path::to_path_buf)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{} is not in a lane of {}",
                    file.display(),
                    anchor.display()
                ))
            })?;
        let relative = file.strip_prefix(&lane).map_err(|_| {
            Error::Usage(format!(
                "{} is not inside {}",
                file.display(),
                lane.display()
            ))
        })?;
        wanted.push((lane, slash_path(relative)));
    }
    Ok(wanted)
}

/// What editing the `wanted` files (lane, path) risks: each file's entry of the [`report`] with
/// only the pairs its own lane is part of; files nobody else changes are left out.
pub fn for_files(
    index: &OverlapIndex,
    judge: &Judge,
    wanted: &[(PathBuf, String)],
) -> Result<Vec<PathOverlap>> {
    let only: BTreeSet<String> = wanted.iter().map(|(_, path)| path.clone()).collect();
    let mut report = report(index, judge, Some(&only))?;
    for entry in &mut report {
        let lanes: Vec<&PathBuf> = wanted
            .iter()
            .filter(|(_, path)| *path == entry.path)
            .map(|(lane, _)| lane)
            .collect();
        entry.pairs.retain(|pair| {
            [&pair.a.path, &pair.b.path]
                .into_iter()
                .flatten()
                .any(|side| lanes.contains(&side))
        });
        entry.conflict = entry.pairs.iter().any(|p| p.kind == Verdict::Conflict);
    }
    report.retain(|entry| !entry.pairs.is_empty());
    // A file the asking lane has not edited yet is exactly when an agent asks: what others change
    // in it is what its edit will meet.
    for (lane, path) in wanted {
        let Some(asking) = index.lane(lane).filter(|l| !l.files.contains_key(path)) else {
            continue;
        };
        let Some(found) = before_editing(index, judge, asking, path)? else {
            continue;
        };
        match report.iter_mut().find(|e| e.path == found.path) {
            Some(entry) => {
                entry.pairs.extend(found.pairs);
                entry.pairs.sort_by_key(|p| p.kind);
                entry.conflict = entry.pairs.iter().any(|p| p.kind == Verdict::Conflict);
            }
            None => report.push(found),
        }
    }
    Ok(report)
}

/// What editing `path` in `lane`, which does not change it yet, would meet: each other lane (or
/// pull request) changing it, and the base when it changed it since the lane branched, with
/// git's verdict on the lane's version as it is now. None when nobody else changes it.
fn before_editing(
    index: &OverlapIndex,
    judge: &Judge,
    lane: &LaneChanges,
    path: &str,
) -> Result<Option<PathOverlap>> {
    let ours = lane_version(judge, lane, path);
    let mut pairs = Vec::new();
    let mut sides = Vec::new();
    for other in index.lanes() {
        let Some(change) = other.files.get(path) else {
            continue;
        };
        if other.source.path == lane.source.path {
            continue;
        }
        let theirs = lane_version(judge, other, path);
        let judged = lane_against_lane(
            judge,
            lane,
            ours.as_deref(),
            true,
            other,
            theirs.as_deref(),
            path,
        )?;
        if let Some(judged) = judged {
            pairs.push(pair(
                lane_side(&lane.source),
                lane_side(&other.source),
                judged,
            ));
            sides.push(OverlapSide {
                ticket: other.source.ticket.clone(),
                branch: other.source.branch.clone(),
                path: other.source.path.clone(),
                change: change.into(),
            });
        }
    }
    if !lane.source.remote {
        if let Some(judged) = lane_against_base(judge, lane, ours.as_deref(), true, path)? {
            pairs.push(pair(
                lane_side(&lane.source),
                base_side(&lane.source),
                judged,
            ));
        }
    }
    if pairs.is_empty() {
        return Ok(None);
    }
    pairs.sort_by_key(|p| p.kind);
    Ok(Some(PathOverlap {
        path: path.to_string(),
        overlapping: false,
        conflict: pairs.iter().any(|p| p.kind == Verdict::Conflict),
        lanes: sides,
        pairs,
    }))
}

/// The names of the sides whose merge with the lane at `lane` (its worktree) would conflict,
/// sorted, each once.
pub fn partners(report: &[PathOverlap], lane: &Path) -> Vec<String> {
    let mut names = BTreeSet::new();
    for pair in report.iter().flat_map(|o| &o.pairs) {
        if pair.kind != Verdict::Conflict {
            continue;
        }
        if pair.a.path.as_deref() == Some(lane) {
            names.insert(pair.b.name.clone());
        } else if pair.b.path.as_deref() == Some(lane) {
            names.insert(pair.a.name.clone());
        }
    }
    names.into_iter().collect()
}

/// [`partners`] of one lane, judging only the files it changes.
pub fn of_lane(index: &OverlapIndex, judge: &Judge, lane: &Path) -> Result<Vec<String>> {
    let Some(changes) = index.lane(lane) else {
        return Ok(Vec::new());
    };
    let files: BTreeSet<String> = changes.files.keys().cloned().collect();
    Ok(partners(&report(index, judge, Some(&files))?, lane))
}

fn pair(a: PairSide, b: PairSide, judged: Judged) -> Pair {
    Pair {
        a,
        b,
        kind: judged.verdict,
        lines: judged.here.iter().map(LineRange::from).collect(),
        other_lines: judged.there.iter().map(LineRange::from).collect(),
    }
}

fn lane_side(lane: &LaneSource) -> PairSide {
    PairSide {
        name: lane
            .ticket
            .clone()
            .or_else(|| lane.branch.clone())
            .unwrap_or_else(|| lane.path.display().to_string()),
        ticket: lane.ticket.clone(),
        branch: lane.branch.clone(),
        path: Some(lane.path.clone()),
        base: None,
    }
}

fn base_side(lane: &LaneSource) -> PairSide {
    let name = lane.base_ref.clone().unwrap_or_else(|| "the base".into());
    PairSide {
        name: name.clone(),
        ticket: None,
        branch: None,
        path: None,
        base: Some(name),
    }
}

/// Every file the lane at `lane` (its worktree) changes — committed since it branched, or not yet
/// committed — each with the pairs it is part of (another lane, a pull request or its base
/// changing the same file, with git's verdict), by path. Empty for a lane the index does not know.
pub fn lane_files(index: &OverlapIndex, judge: &Judge, lane: &Path) -> Result<Vec<LaneFile>> {
    let Some(changes) = index.lane(lane) else {
        return Ok(Vec::new());
    };
    let wanted: Vec<(PathBuf, String)> = changes
        .files
        .keys()
        .map(|path| (lane.to_path_buf(), path.clone()))
        .collect();
    let mut pairs: BTreeMap<String, Vec<Pair>> = for_files(index, judge, &wanted)?
        .into_iter()
        .map(|overlap| (overlap.path, overlap.pairs))
        .collect();
    Ok(changes
        .files
        .keys()
        .map(|path| LaneFile {
            path: path.clone(),
            uncommitted: changes.uncommitted().contains_key(path),
            pairs: pairs.remove(path).unwrap_or_default(),
        })
        .collect())
}

/// Every lane of `entries` with its state — the dirty count from the index's scan — and the
/// sides its merge would conflict with (`lanes list`, and the language server's live answer).
pub fn described(
    repo: &Repo,
    config: &Config,
    entries: &[LaneEntry],
    index: &OverlapIndex,
    judge: &Judge,
) -> Result<Vec<Lane>> {
    let report = report(index, judge, None)?;
    Ok(entries
        .iter()
        .map(|entry| {
            let scanned = entry
                .path()
                .and_then(|p| index.lane(p))
                .filter(|l| l.source.present)
                .map(|l| l.uncommitted().len());
            let mut lane = describe_with(repo, config, entry, scanned);
            lane.conflicts = partners(&report, &lane.path);
            lane
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(lines: &[String]) -> Vec<u8> {
        lines.concat().into_bytes()
    }

    /// A 30-line file with some lines replaced, some deleted and some inserted.
    fn edited(base: &[String], edits: &[(usize, u8)], tag: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, line) in base.iter().enumerate() {
            match edits
                .iter()
                .find(|(at, _)| *at == i)
                .map(|(_, kind)| kind % 3)
            {
                Some(0) => out.push(format!("{tag} {i}\n")),
                Some(1) => {}
                Some(_) => {
                    out.push(format!("{tag} new before {i}\n"));
                    out.push(line.clone());
                }
                None => out.push(line.clone()),
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Skipping the merge for changes far apart never hides a conflict git's merge reports.
        #[test]
        fn the_far_apart_shortcut_agrees_with_gits_merge(
            ours in proptest::collection::vec((0usize..30, any::<u8>()), 0..4),
            theirs in proptest::collection::vec((0usize..30, any::<u8>()), 0..4),
        ) {
            let dir = tempfile::tempdir().unwrap();
            git2::Repository::init(dir.path()).unwrap();
            let judge = Judge::open(&dir.path().join(".git")).unwrap();
            let base: Vec<String> = (0..30).map(|i| format!("line {i}\n")).collect();
            let (a, b, o) = (text(&edited(&base, &ours, "ours")), text(&edited(&base, &theirs, "theirs")), text(&base));
            let judged = judge_versions(&judge, Some(&o), Some(&a), Some(&b), None).unwrap();
            let full = judge.verdict(Some(&o), Some(&a), Some(&b), false).unwrap();
            prop_assert_eq!(judged.verdict == Verdict::Conflict, full == Verdict::Conflict);
        }
    }
}
