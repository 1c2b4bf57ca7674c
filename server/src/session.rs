//! A live view of one repository for long-running processes (the language server): its lanes, its
//! configuration and its overlap index, kept current from file-change events. Everything here can
//! be rebuilt from git at any time; it is a cache, not a source of truth.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use git2::Oid;
use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigLayer};
use crate::error::Result;
use crate::git::Repo;
use crate::guard::{self, Finding};
use crate::lane::{lanes_of, LaneEntry};
use crate::overlap::{sources, LaneSource, OverlapIndex};
use crate::verdict::Judge;

/// One repository, watched.
pub struct RepoSession {
    repo: Repo,
    config: Config,
    overrides: ConfigLayer,
    entries: Vec<LaneEntry>,
    index: OverlapIndex,
    judge: Judge,
    /// The worktrees were scanned: the index knows uncommitted changes, which verdicts need.
    scanned: bool,
    /// Teammates' open pull requests judged as remote lanes (`[guard] pull_requests`), as last
    /// fetched by [`crate::ops::teammates::remote_lanes`]; empty when the guard is off.
    teammates: Vec<LaneSource>,
}

/// What re-reading the git state found: what changed, and every lane's source as read.
struct GitState {
    refreshed: Refreshed,
    sources: Vec<LaneSource>,
}

/// What a refresh changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// The set of lanes or their branches changed (a lane was created, removed, or moved).
    pub lanes: bool,
    /// Worktrees whose changes were re-read.
    pub worktrees: BTreeSet<PathBuf>,
}

impl Refreshed {
    /// True when nothing was refreshed.
    pub fn is_empty(&self) -> bool {
        !self.lanes && self.worktrees.is_empty()
    }
}

impl RepoSession {
    /// Opens the repository containing `path`, with editor settings laid over its configuration.
    /// Only committed changes are read here (fast); call [`RepoSession::scan_worktrees`] next for
    /// the uncommitted ones.
    pub fn open(path: &Path, overrides: ConfigLayer) -> Result<RepoSession> {
        let repo = Repo::discover(path)?;
        let config = merged_config(&repo, &overrides)?;
        let entries = lanes_of(&repo, &config)?;
        let committed_only: Vec<LaneSource> = sources(&repo, &config)?
            .into_iter()
            .map(|s| LaneSource {
                present: false,
                ..s
            })
            .collect();
        let index = OverlapIndex::build(repo.common_dir(), committed_only)?;
        let judge = Judge::open(repo.common_dir())?;
        Ok(RepoSession {
            repo,
            config,
            overrides,
            entries,
            index,
            judge,
            scanned: false,
            teammates: Vec::new(),
        })
    }

    /// Reads every lane's uncommitted changes (a scan of each worktree).
    pub fn scan_worktrees(&mut self) -> Result<()> {
        let all = self.sources()?;
        self.index.refresh(self.repo.common_dir(), all, true)?;
        self.scanned = true;
        Ok(())
    }

    /// The lanes here (as last read) and the teammates' pull requests, as the index reads them.
    fn sources(&self) -> Result<Vec<LaneSource>> {
        let mut all: Vec<LaneSource> = self
            .entries
            .iter()
            .filter_map(|entry| LaneSource::of(&self.repo, &self.config, entry))
            .collect();
        all.extend(self.teammates.iter().cloned());
        Ok(all)
    }

    /// Replaces the teammates' pull requests judged as remote lanes (fetched elsewhere, since
    /// that asks the network and must not hold the session); true when that changed anything.
    pub fn set_teammates(&mut self, teammates: Vec<LaneSource>) -> Result<bool> {
        if teammates == self.teammates {
            return Ok(false);
        }
        for old in &self.teammates {
            if !teammates.iter().any(|t| t.path == old.path) {
                self.index.forget(&old.path);
            }
        }
        self.teammates = teammates;
        let stale: Vec<LaneSource> = self
            .teammates
            .iter()
            .filter(|t| self.index.lane(&t.path).is_none_or(|l| l.source != **t))
            .cloned()
            .collect();
        self.index.refresh(self.repo.common_dir(), stale, false)?;
        Ok(true)
    }

    /// The repository.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The merged configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The lanes, as last read.
    pub fn entries(&self) -> &[LaneEntry] {
        &self.entries
    }

    /// The overlap index.
    pub fn index(&self) -> &OverlapIndex {
        &self.index
    }

    /// Replaces the editor settings and re-reads the configuration files.
    pub fn set_overrides(&mut self, overrides: ConfigLayer) -> Result<()> {
        self.config = merged_config(&self.repo, &overrides)?;
        self.overrides = overrides;
        self.reload()
    }

    /// Re-reads the whole of the lanes whose worktrees are among `worktrees` (e.g. lanes that just
    /// started being watched, which may have changed before the watch was in place).
    pub fn rescan(&mut self, worktrees: &[PathBuf]) -> Result<bool> {
        let stale: Vec<LaneSource> = self
            .sources()?
            .into_iter()
            .filter(|s| worktrees.contains(&s.path))
            .collect();
        if stale.is_empty() {
            return Ok(false);
        }
        self.index.refresh(self.repo.common_dir(), stale, false)?;
        Ok(true)
    }

    /// Re-reads the lane list and every lane whose branch, base or directory changed.
    pub fn reload(&mut self) -> Result<()> {
        self.refresh_git_state(&BTreeSet::new()).map(drop)
    }

    /// The lane whose worktree contains `path` (the deepest one).
    pub fn lane_of(&self, path: &Path) -> Option<&LaneEntry> {
        crate::lane::holding(&self.entries, path)
    }

    /// With whom the lane at `lane` (its worktree) would conflict (see [`crate::conflicts::of_lane`]);
    /// empty until the worktrees were scanned (so the first status is not held up by verdicts
    /// that would miss uncommitted work anyway).
    pub fn conflicts_of(&self, lane: &Path) -> Vec<String> {
        if !self.scanned {
            return Vec::new();
        }
        crate::conflicts::of_lane(&self.index, &self.judge, lane).unwrap_or_else(|e| {
            tracing::warn!("judging the conflicts of {}: {e}", lane.display());
            Vec::new()
        })
    }

    /// Every lane with its state and conflicts, from the live index (as `lanes list` reads them
    /// afresh); None until the worktrees were scanned (dirty counts unknown).
    pub fn lanes(&self) -> Option<Result<Vec<crate::lane::Lane>>> {
        self.scanned.then(|| {
            crate::conflicts::described(
                &self.repo,
                &self.config,
                &self.entries,
                &self.index,
                &self.judge,
            )
        })
    }

    /// Every file the lane at `lane` (its worktree) changes, with the pairs it is part of, from
    /// the live index; None until the worktrees were scanned (uncommitted changes unknown).
    pub fn lane_files(&self, lane: &Path) -> Option<Result<Vec<crate::protocol::LaneFile>>> {
        self.scanned
            .then(|| crate::conflicts::lane_files(&self.index, &self.judge, lane))
    }

    /// The repository-relative paths the lane at `lane` (its worktree) changes.
    pub fn changed_files(&self, lane: &Path) -> Vec<String> {
        self.index
            .lane(lane)
            .map(|l| l.files.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// What editing `files` (absolute paths in lanes) risks, fresh without a file watcher (for
    /// `lanes mcp`): the lanes' git state is re-read, and these files in every lane, before
    /// judging (see [`crate::conflicts::for_files`]).
    pub fn check_files(&mut self, files: &[PathBuf]) -> Result<Vec<crate::protocol::PathOverlap>> {
        let t = std::time::Instant::now();
        let sources = self.refresh_git_state(&BTreeSet::new())?.sources;
        let t1 = t.elapsed();
        let wanted = crate::conflicts::in_lanes(&self.entries, self.repo.anchor(), files)?;
        let paths: Vec<String> = wanted.iter().map(|(_, path)| path.clone()).collect();
        for source in sources {
            if source.present {
                self.index.refresh_files(self.repo.git(), source, &paths)?;
            }
        }
        let t2 = t.elapsed();
        let report = crate::conflicts::for_files(&self.index, &self.judge, &wanted);
        tracing::debug!(
            "checked {} file(s): git state {t1:?}, files read {t2:?}, judged {:?}",
            files.len(),
            t.elapsed()
        );
        report
    }

    /// Guard findings for a file (see [`guard::findings`]).
    pub fn findings(
        &self,
        window_lane: Option<&Path>,
        file: &Path,
        buffer: Option<&[u8]>,
    ) -> Result<Vec<Finding>> {
        guard::findings(&self.judge, &self.index, window_lane, file, buffer)
    }

    /// Directories to watch: the git directory's refs, worktree records and lane records
    /// (recursive = true), its top level, and every directory of each lane's committed tree (one
    /// watch per directory, so ignored trees such as `node_modules` cost nothing; a directory
    /// new in a lane is watched once it is committed). Without `worktrees`, only the git
    /// directory's part.
    pub fn watch_dirs(&self, worktrees: bool) -> Vec<(PathBuf, bool)> {
        let common = self.repo.common_dir();
        let mut dirs = vec![(common.to_path_buf(), false)];
        for sub in ["refs", "worktrees", "lanes"] {
            let dir = common.join(sub);
            if sub == "lanes" {
                // Our own directory: make sure it exists so that the first lane is seen.
                let _ = std::fs::create_dir_all(&dir);
            }
            if dir.is_dir() {
                dirs.push((dir, true));
            }
        }
        if !worktrees {
            return dirs;
        }
        // Directories come from each lane's HEAD tree; lanes share most trees, so each tree is
        // listed once.
        let mut listed: HashMap<Oid, Vec<PathBuf>> = HashMap::new();
        for entry in &self.entries {
            let Some(worktree) = entry.worktree.as_ref().filter(|w| !w.missing) else {
                continue;
            };
            dirs.push((worktree.path.clone(), false));
            let tree = self
                .index
                .lane(&worktree.path)
                .and_then(|l| l.source.head)
                .and_then(|head| self.repo.git().find_commit(head).ok())
                .and_then(|c| c.tree().ok());
            if let Some(tree) = tree {
                for dir in tree_dirs(self.repo.git(), &tree, &mut listed) {
                    dirs.push((worktree.path.join(dir), false));
                }
            }
        }
        dirs
    }

    /// Refreshes what these changed paths (from a file watcher or the editor) can have changed:
    /// files edited in a worktree are re-read alone; changes in the git directory (commits,
    /// checkouts, new or removed lanes) re-read the lane list and the lanes that moved.
    pub fn paths_changed(&mut self, paths: &[PathBuf]) -> Result<Refreshed> {
        let common = self.repo.common_dir().to_path_buf();
        let mut git_state = false;
        let mut index_changed: BTreeSet<PathBuf> = BTreeSet::new();
        let mut edited: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
        for path in paths {
            if let Ok(rel) = path.strip_prefix(&common) {
                let rel = rel.to_string_lossy();
                if rel.starts_with("objects") || rel.starts_with("logs") || rel.ends_with(".lock") {
                    continue;
                }
                git_state = true;
                if let Some(worktree) = self.worktree_of_index(&rel) {
                    index_changed.insert(worktree);
                }
                continue;
            }
            let Some(lane) = self.lane_of(path).and_then(|e| e.path()) else {
                continue;
            };
            let Ok(rel) = path.strip_prefix(lane) else {
                continue;
            };
            let rel = crate::git::slash_path(rel);
            if rel.is_empty() || rel == ".git" || rel.starts_with(".git/") || path.is_dir() {
                continue;
            }
            edited.entry(lane.to_path_buf()).or_default().insert(rel);
        }
        let mut refreshed = if git_state {
            self.refresh_git_state(&index_changed)?.refreshed
        } else {
            Refreshed::default()
        };
        let current = self.sources()?;
        for (lane, files) in edited {
            if refreshed.worktrees.contains(&lane) {
                continue;
            }
            let Some(source) = current.iter().find(|s| s.path == lane).cloned() else {
                continue;
            };
            let files: Vec<String> = files.into_iter().collect();
            self.index.refresh_files(self.repo.git(), source, &files)?;
            refreshed.worktrees.insert(lane);
        }
        Ok(refreshed)
    }

    /// `worktrees/<name>/index` or the top-level `index` → that worktree's directory.
    fn worktree_of_index(&self, rel: &str) -> Option<PathBuf> {
        let name = match rel.strip_suffix("/index") {
            Some(prefix) => Some(prefix.strip_prefix("worktrees/")?),
            None if rel == "index" => None,
            None => return None,
        };
        self.entries
            .iter()
            .filter_map(|e| e.worktree.as_ref())
            .find(|w| w.name.as_deref() == name)
            .map(|w| w.path.clone())
    }

    fn refresh_git_state(&mut self, index_changed: &BTreeSet<PathBuf>) -> Result<GitState> {
        let entries = lanes_of(&self.repo, &self.config)?;
        let lanes_changed = !same_lanes(&self.entries, &entries);
        self.entries = entries;
        let current = self.sources()?;
        let stale: Vec<LaneSource> = current
            .iter()
            .filter(|s| {
                index_changed.contains(&s.path)
                    || self.index.lane(&s.path).is_none_or(|l| l.source != **s)
            })
            .cloned()
            .collect();
        let worktrees = stale.iter().map(|s| s.path.clone()).collect();
        let known: BTreeSet<PathBuf> = current.iter().map(|s| s.path.clone()).collect();
        let gone: Vec<PathBuf> = self
            .index
            .lanes()
            .map(|l| l.source.path.clone())
            .filter(|p| !known.contains(p))
            .collect();
        for lane in &gone {
            self.index.forget(lane);
        }
        self.index.refresh(self.repo.common_dir(), stale, false)?;
        Ok(GitState {
            refreshed: Refreshed {
                lanes: lanes_changed || !gone.is_empty(),
                worktrees,
            },
            sources: current,
        })
    }
}

/// Every directory (relative) below `tree`, memoised by tree id.
fn tree_dirs(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    memo: &mut HashMap<Oid, Vec<PathBuf>>,
) -> Vec<PathBuf> {
    if let Some(known) = memo.get(&tree.id()) {
        return known.clone();
    }
    let mut out = Vec::new();
    for entry in tree.iter() {
        if entry.kind() != Some(git2::ObjectType::Tree) {
            continue;
        }
        let Some(name) = entry.name() else {
            continue;
        };
        out.push(PathBuf::from(name));
        if let Ok(sub) = repo.find_tree(entry.id()) {
            for below in tree_dirs(repo, &sub, memo) {
                out.push(Path::new(name).join(below));
            }
        }
    }
    memo.insert(tree.id(), out.clone());
    out
}

fn merged_config(repo: &Repo, overrides: &ConfigLayer) -> Result<Config> {
    let mut config = Config::load(repo.anchor())?;
    config.apply_from(overrides.clone(), &crate::config::Origin::Editor);
    config.validate()?;
    Ok(config)
}

/// Same lanes on the same branches at the same places.
fn same_lanes(a: &[LaneEntry], b: &[LaneEntry]) -> bool {
    let key = |e: &LaneEntry| {
        (
            e.ticket.clone(),
            e.path().map(Path::to_path_buf),
            e.worktree
                .as_ref()
                .map(|w| (w.head.clone(), w.missing, w.locked.clone())),
        )
    };
    a.len() == b.len() && a.iter().map(key).eq(b.iter().map(key))
}
