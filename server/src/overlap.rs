//! The overlap index: which lane changes which paths and lines. It answers "who else changes this
//! file?" with a hash lookup, and is refreshed one lane at a time: a lane's committed changes are
//! recomputed only when its branch or base moved, its uncommitted changes when asked.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::changes::{self, FileChange, FileChanges};
use crate::git::worktrees::Head;
use crate::git::Repo;
use crate::lane::{lanes_of, LaneEntry};

/// Everything the index needs to know about a lane to read its changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneSource {
    /// Identity of the lane: its worktree directory.
    pub path: PathBuf,
    /// Ticket key, if any.
    pub ticket: Option<String>,
    /// Branch checked out, if any.
    pub branch: Option<String>,
    /// Commit checked out.
    pub head: Option<Oid>,
    /// Commit of the base.
    pub base: Option<Oid>,
    /// The base as configured, e.g. `origin/main`.
    pub base_ref: Option<String>,
    /// Whether the worktree directory exists (uncommitted changes can be read).
    pub present: bool,
    /// True for the primary checkout.
    pub primary: bool,
    /// A teammate's pull request seen as a lane: a branch with no worktree here, judged against
    /// the lanes but not against the base or other remote lanes.
    pub remote: bool,
}

impl LaneSource {
    /// Resolves a lane entry's head and base commits.
    pub fn of(repo: &Repo, config: &Config, entry: &LaneEntry) -> Option<LaneSource> {
        let worktree = entry.worktree.as_ref()?;
        let head = match &worktree.head {
            Head::Branch(b) => repo.branch_tip(b),
            Head::Detached(id) => Oid::from_str(id).ok(),
            Head::Unknown => None,
        };
        let base_ref = entry.base(config, repo);
        let base = base_ref
            .as_deref()
            .and_then(|b| repo.resolve_commit(b).ok());
        Some(LaneSource {
            path: worktree.path.clone(),
            ticket: entry.ticket.as_ref().map(ToString::to_string),
            branch: worktree.branch().map(str::to_string),
            head,
            base,
            base_ref,
            present: !worktree.missing,
            primary: worktree.is_primary(),
            remote: false,
        })
    }

    /// The lane in words a person understands: "lane PROJ-7 (feature/PROJ-7)", "the primary
    /// checkout (main)", "PR #42 (alice) (alice-fix)" for a teammate's pull request.
    pub fn describe(&self) -> String {
        let branch = self
            .branch
            .as_deref()
            .map(|b| format!(" ({b})"))
            .unwrap_or_else(|| " (detached HEAD)".to_string());
        match (&self.ticket, self.primary) {
            (_, true) => format!("the primary checkout{branch}"),
            (Some(t), false) if self.remote => format!("{t}{branch}"),
            (Some(t), false) => format!("lane {t}{branch}"),
            (None, false) => format!("the worktree {}{branch}", self.path.display()),
        }
    }
}

/// One lane's changes.
#[derive(Debug, Clone)]
pub struct LaneChanges {
    /// Where they were read from.
    pub source: LaneSource,
    /// (head, base) the committed part was computed for.
    committed_for: Option<(Oid, Oid)>,
    /// Merge-base of head and base: the version the lane's changes are measured from.
    pub merge_base: Option<Oid>,
    committed: FileChanges,
    uncommitted: FileChanges,
    /// Committed and uncommitted changes together, by path.
    pub files: FileChanges,
}

impl LaneChanges {
    /// Reads a lane's changes, reusing `previous`'s committed part when head and base are the same.
    fn read(repo: &Repository, source: LaneSource, previous: Option<&LaneChanges>) -> LaneChanges {
        let key = source.head.zip(source.base);
        let (merge_base, committed) = match (previous, key) {
            (Some(p), Some(k)) if p.committed_for == Some(k) => (p.merge_base, p.committed.clone()),
            (_, Some((head, base))) => match changes::committed(repo, head, base) {
                Ok((merge_base, files)) => (Some(merge_base), files),
                Err(e) => {
                    tracing::warn!(
                        "reading committed changes of {}: {e}",
                        source.path.display()
                    );
                    (None, FileChanges::new())
                }
            },
            _ => (None, FileChanges::new()),
        };
        let uncommitted = if source.present {
            changes::uncommitted(&source.path).unwrap_or_else(|e| {
                tracing::warn!(
                    "reading uncommitted changes of {}: {e}",
                    source.path.display()
                );
                FileChanges::new()
            })
        } else {
            FileChanges::new()
        };
        let mut files = committed.clone();
        for (path, change) in &uncommitted {
            files.entry(path.clone()).or_default().merge(change);
        }
        LaneChanges {
            committed_for: key,
            merge_base,
            source,
            committed,
            uncommitted,
            files,
        }
    }

    /// Uncommitted changes only.
    pub fn uncommitted(&self) -> &FileChanges {
        &self.uncommitted
    }

    /// Re-reads the uncommitted changes of a few files only (an editor saved them); `repo` is
    /// the repository's shared object store, where the lane's committed versions are.
    fn reread_files(&mut self, repo: &git2::Repository, files: &[String]) -> Result<()> {
        let fresh = if self.source.present {
            changes::uncommitted_files(repo, self.source.head, &self.source.path, files)?
        } else {
            FileChanges::new()
        };
        for file in files {
            match fresh.get(file) {
                Some(change) => self.uncommitted.insert(file.clone(), change.clone()),
                None => self.uncommitted.remove(file),
            };
            let mut merged = self.committed.get(file).cloned();
            if let Some(change) = self.uncommitted.get(file) {
                merged.get_or_insert_with(FileChange::default).merge(change);
            }
            match merged {
                Some(change) => self.files.insert(file.clone(), change),
                None => self.files.remove(file),
            };
        }
        Ok(())
    }
}

/// Lane → paths → hunks, with the reverse map path → lanes.
#[derive(Default)]
pub struct OverlapIndex {
    lanes: HashMap<PathBuf, LaneChanges>,
    by_path: HashMap<String, BTreeSet<PathBuf>>,
}

impl OverlapIndex {
    /// Builds the index for these lanes, reading them in parallel.
    pub fn build(common_dir: &Path, sources: Vec<LaneSource>) -> Result<OverlapIndex> {
        let mut index = OverlapIndex::default();
        for changes in read_all(common_dir, sources, &HashMap::new())? {
            index.insert(changes);
        }
        Ok(index)
    }

    /// Re-reads the given lanes (a commit, a checkout, an edit) and forgets lanes not in `sources`
    /// when `complete` is true (the full lane list was passed).
    pub fn refresh(
        &mut self,
        common_dir: &Path,
        sources: Vec<LaneSource>,
        complete: bool,
    ) -> Result<()> {
        if complete {
            let keep: BTreeSet<&PathBuf> = sources.iter().map(|s| &s.path).collect();
            let gone: Vec<PathBuf> = self
                .lanes
                .keys()
                .filter(|p| !keep.contains(p))
                .cloned()
                .collect();
            for path in gone {
                self.forget(&path);
            }
        }
        for changes in read_all(common_dir, sources, &self.lanes)? {
            self.insert(changes);
        }
        Ok(())
    }

    /// Re-reads only `files` (repository-relative) of one indexed lane: the cheap refresh after an
    /// editor saved them. A lane not indexed yet, or whose branch or base moved, is read whole.
    pub fn refresh_files(
        &mut self,
        repo: &git2::Repository,
        source: LaneSource,
        files: &[String],
    ) -> Result<()> {
        let reusable = self.lanes.get(&source.path).is_some_and(|l| {
            l.source.head == source.head
                && l.source.base == source.base
                && l.source.present == source.present
        });
        if !reusable || files.is_empty() {
            return self.refresh(repo.path(), vec![source], false);
        }
        let Some(mut lane) = self.lanes.remove(&source.path) else {
            return Ok(());
        };
        self.unlink(&lane);
        let result = lane.reread_files(repo, files);
        // Re-link the lane under its paths, whatever the read did.
        self.insert(lane);
        result
    }

    /// Removes a lane's paths from the reverse map.
    fn unlink(&mut self, lane: &LaneChanges) {
        for path in lane.files.keys() {
            if let Some(set) = self.by_path.get_mut(path) {
                set.remove(&lane.source.path);
                if set.is_empty() {
                    self.by_path.remove(path);
                }
            }
        }
    }

    /// Drops a lane from the index.
    pub fn forget(&mut self, lane: &Path) {
        if let Some(old) = self.lanes.remove(lane) {
            self.unlink(&old);
        }
    }

    fn insert(&mut self, changes: LaneChanges) {
        let lane = changes.source.path.clone();
        self.forget(&lane);
        for path in changes.files.keys() {
            self.by_path
                .entry(path.clone())
                .or_default()
                .insert(lane.clone());
        }
        self.lanes.insert(lane, changes);
    }

    /// The lanes indexed.
    pub fn lanes(&self) -> impl Iterator<Item = &LaneChanges> {
        self.lanes.values()
    }

    /// The lane whose worktree is `lane`.
    pub fn lane(&self, lane: &Path) -> Option<&LaneChanges> {
        self.lanes.get(lane)
    }

    /// Lanes changing `path` (repository-relative), each with its change.
    pub fn lanes_changing<'a>(
        &'a self,
        path: &str,
    ) -> impl Iterator<Item = (&'a LaneChanges, &'a FileChange)> + 'a {
        let path = path.to_string();
        self.by_path
            .get(&path)
            .into_iter()
            .flatten()
            .filter_map(move |lane| {
                let changes = self.lanes.get(lane)?;
                Some((changes, changes.files.get(&path)?))
            })
    }
}

/// Reads the lanes' changes on all cores; each thread opens its own repository handle (libgit2
/// handles are not shared between threads).
fn read_all(
    common_dir: &Path,
    sources: Vec<LaneSource>,
    previous: &HashMap<PathBuf, LaneChanges>,
) -> Result<Vec<LaneChanges>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(sources.len().max(1));
    let mut chunks: Vec<Vec<LaneSource>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, source) in sources.into_iter().enumerate() {
        chunks[i % threads].push(source);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|chunk| {
                scope.spawn(move || -> Result<Vec<LaneChanges>> {
                    let repo = Repository::open(common_dir).map_err(Error::git(format!(
                        "opening the repository at {}",
                        common_dir.display()
                    )))?;
                    Ok(chunk
                        .into_iter()
                        .map(|s| {
                            let prev = previous.get(&s.path);
                            LaneChanges::read(&repo, s, prev)
                        })
                        .collect())
                })
            })
            .collect();
        let mut out = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(result) => out.extend(result?),
                Err(_) => {
                    return Err(Error::Internal(
                        "a thread reading lane changes stopped unexpectedly".into(),
                    ))
                }
            }
        }
        Ok(out)
    })
}

/// The sources of every lane of the repository, primary checkout included.
pub fn sources(repo: &Repo, config: &Config) -> Result<Vec<LaneSource>> {
    Ok(lanes_of(repo, config)?
        .iter()
        .filter_map(|entry| LaneSource::of(repo, config, entry))
        .collect())
}
