//! The lane catalog: which lanes a repository has, where, on which branch, with which record —
//! joined from git's worktree list and lanes' own records, and their state read on demand.

use std::path::Path;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::worktrees::{self, Head, Worktree};
use crate::git::{canonical, status, Repo};
use crate::lane::{ticket_from_branch, Lane};
use crate::store::{LaneRecord, Store};
use crate::ticket::TicketKey;

/// A lane before its state is read: the worktree git knows (if any) and the record lanes keeps
/// (if any). Either side may be missing: a worktree made by hand has no record; a record whose
/// worktree was pruned has no worktree.
#[derive(Debug, Clone)]
pub struct LaneEntry {
    /// The worktree, as git records it.
    pub worktree: Option<Worktree>,
    /// Lanes' record.
    pub record: Option<LaneRecord>,
    /// The ticket, from the record or recovered from the branch name.
    pub ticket: Option<TicketKey>,
}

impl LaneEntry {
    /// The lane's branch: the one checked out, else the one it was created on (a detached lane
    /// still owns its branch).
    pub fn branch(&self) -> Option<&str> {
        self.worktree
            .as_ref()
            .and_then(Worktree::branch)
            .or(self.record.as_ref().map(|r| r.branch.as_str()))
    }

    /// The branch this lane owns and may delete: its record's; without a record, the branch
    /// its ticket was recovered from. Never merely whatever is checked out in it.
    pub fn own_branch(&self) -> Option<&str> {
        match &self.record {
            Some(record) => Some(record.branch.as_str()),
            None => self.worktree.as_ref().and_then(Worktree::branch),
        }
    }

    /// The worktree directory.
    pub fn path(&self) -> Option<&Path> {
        self.worktree
            .as_ref()
            .map(|w| w.path.as_path())
            .or(self.record.as_ref().map(|r| r.path.as_path()))
    }

    /// True for the primary checkout.
    pub fn is_primary(&self) -> bool {
        self.worktree.as_ref().is_some_and(Worktree::is_primary)
    }

    /// The commit the lane's branch was made at: its record's, else (records of older versions)
    /// the oldest entry of the branch's reflog.
    pub fn start(&self, repo: &Repo) -> Option<git2::Oid> {
        if let Some(start) = self.record.as_ref().and_then(|r| r.start.as_deref()) {
            return git2::Oid::from_str(start).ok();
        }
        let reflog = repo
            .git()
            .reflog(&format!("refs/heads/{}", self.own_branch()?))
            .ok()?;
        let oldest = reflog.len().checked_sub(1)?;
        reflog.get(oldest).map(|e| e.id_new())
    }

    /// True when the lane's work is in its base: it has commits of its own (a lane still at the
    /// commit it was made at is empty, not merged) and merging them into the base would add
    /// nothing — merged, fast-forwarded, rebased or squash-merged; or its pull request was
    /// merged and nothing was committed here since it was synced. The primary checkout never is.
    pub fn merged(&self, config: &Config, repo: &Repo) -> bool {
        if self.is_primary() {
            return false;
        }
        let Some(tip) = self.own_branch().and_then(|b| repo.branch_tip(b)) else {
            return false;
        };
        let start = self.start(repo);
        let pr_merged = self
            .record
            .as_ref()
            .is_some_and(|r| r.pr_state.as_deref() == Some("merged"));
        if pr_merged && start == Some(tip) {
            return true;
        }
        if start.is_none_or(|s| s == tip) {
            return false;
        }
        let Some(own) = self.own_branch() else {
            return false;
        };
        let Some((base_name, base)) = self
            .base(config, repo)
            .and_then(|b| repo.resolve_commit(&b).ok().map(|id| (b, id)))
        else {
            return false;
        };
        // Merged means the work is somewhere else: never into the lane's own branch (a base
        // `develop` for a lane on `develop`), nor into a base whose commits only that branch holds.
        if names_branch(repo, &base_name, own) {
            return false;
        }
        let in_base = crate::git::merged::work_in_base(repo, tip, base).unwrap_or_else(|e| {
            tracing::debug!("{e}");
            false
        });
        // Checked last: it walks every ref, and most lanes are not merged.
        in_base && elsewhere(repo, tip, base, own)
    }

    /// The lane's branch, if lanes may delete it with the lane: only a branch lanes created for
    /// it. Every path that deletes a lane's branch (`remove`, `prune --merged`, `sync --prune`,
    /// the editors' and agents' remove) takes it from here. Otherwise, why it is kept — a branch
    /// that existed before the lane (`--branch develop`), a worktree made by hand, or a record of
    /// an older version that cannot show lanes made the branch.
    pub fn deletable_branch(&self, repo: &Repo) -> std::result::Result<DeletableBranch, String> {
        let Some(record) = &self.record else {
            return Err("lanes did not create it (the worktree has no lane record)".into());
        };
        let made = match record.branch_created {
            Some(made) => made,
            None => made_with_lane(repo, record),
        };
        if made {
            Ok(DeletableBranch {
                name: record.branch.clone(),
            })
        } else if record.branch_created == Some(false) {
            Err("it existed before the lane".into())
        } else {
            Err(
                "nothing shows lanes created it for the lane (its record is from an older lanes)"
                    .into(),
            )
        }
    }

    /// The base this lane compares with: its record's, else the configured or default base.
    pub fn base(&self, config: &Config, repo: &Repo) -> Option<String> {
        self.record
            .as_ref()
            .map(|r| r.base.clone())
            .or_else(|| config.base.clone())
            .or_else(|| repo.default_base())
    }
}

/// A lane's branch that lanes created for the lane and may delete with it. Only
/// [`LaneEntry::deletable_branch`] makes one, so a branch deletion cannot skip that check.
#[derive(Debug)]
pub struct DeletableBranch {
    name: String,
}

impl DeletableBranch {
    /// The branch's name (without `refs/heads/`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// How long before its record a branch may have been made and still count as made by that
/// lane's start (the checkout happens in between). Beyond it, the branch was already there.
const MADE_WITH_LANE_WINDOW: i64 = 60;

/// For records of older versions, which did not say: the branch's reflog begins with its
/// creation at the lane's start commit, from the lane's base (or that commit, as `sync` made
/// pull-request branches), shortly before the lane was recorded. Anything else — no reflog, a
/// rewritten one, a branch older than the lane — is the user's.
fn made_with_lane(repo: &Repo, record: &LaneRecord) -> bool {
    let Some(start) = record
        .start
        .as_deref()
        .and_then(|s| git2::Oid::from_str(s).ok())
    else {
        return false;
    };
    let Ok(reflog) = repo.git().reflog(&format!("refs/heads/{}", record.branch)) else {
        return false;
    };
    let Some(first) = reflog.len().checked_sub(1).and_then(|i| reflog.get(i)) else {
        return false;
    };
    let message = first.message().unwrap_or_default();
    let from_base = message == format!("branch: Created from {}", record.base)
        || message == format!("branch: Created from {start}");
    let age = i64::try_from(record.created)
        .unwrap_or(i64::MAX)
        .saturating_sub(first.committer().when().seconds());
    first.id_old().is_zero()
        && first.id_new() == start
        && from_base
        && (0..=MADE_WITH_LANE_WINDOW).contains(&age)
}

/// True when `base` names the branch `own` itself (`develop`, `refs/heads/develop`, or a
/// symbolic ref leading to it).
fn names_branch(repo: &Repo, base: &str, own: &str) -> bool {
    let own = format!("refs/heads/{own}");
    match repo.git().revparse_ext(base) {
        Ok((_, Some(reference))) => reference
            .resolve()
            .ok()
            .and_then(|r| r.name().map(str::to_string))
            .is_some_and(|name| name == own),
        _ => false,
    }
}

/// True when the base commit exists beyond the lane's own branch: either it is not on that
/// branch's history at all, or another branch, remote branch, tag or fetched pull request
/// holds it too. A base made only of the lane's own commits holds nothing "elsewhere".
fn elsewhere(repo: &Repo, tip: git2::Oid, base: git2::Oid, own: &str) -> bool {
    let on_own_branch = tip == base || repo.git().graph_descendant_of(tip, base).unwrap_or(true);
    !on_own_branch || status::unique_commits(repo, base, Some(own), 1).is_ok_and(|c| c.is_empty())
}

/// Every lane of the repository, without reading their state: the primary checkout first, then
/// by ticket in natural order (L-2 before L-10), then worktrees without a ticket by path.
pub fn lanes_of(repo: &Repo, config: &Config) -> Result<Vec<LaneEntry>> {
    let mut records = Store::new(repo).all();
    let mut out = Vec::new();
    for worktree in worktrees::list(repo)? {
        let matching = records.iter().position(|r| {
            worktree.branch() == Some(r.branch.as_str()) || canonical(&r.path) == worktree.path
        });
        let record = matching.map(|i| records.remove(i));
        let ticket = if worktree.is_primary() {
            None
        } else {
            record
                .as_ref()
                .and_then(|r| TicketKey::parse(&r.ticket).ok())
                .or_else(|| {
                    worktree
                        .branch()
                        .and_then(|b| ticket_from_branch(&config.branch, b, repo.name()))
                })
        };
        out.push(LaneEntry {
            worktree: Some(worktree),
            record,
            ticket,
        });
    }
    for record in records {
        let ticket = TicketKey::parse(&record.ticket).ok();
        out.push(LaneEntry {
            worktree: None,
            record: Some(record),
            ticket,
        });
    }
    out.sort_by(|a, b| {
        let rank = |e: &LaneEntry| (!e.is_primary(), e.ticket.is_none());
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match (&a.ticket, &b.ticket) {
                (Some(x), Some(y)) => natord::compare_ignore_case(x.as_str(), y.as_str()),
                _ => a.path().cmp(&b.path()),
            })
    });
    Ok(out)
}

/// The lane of a ticket.
pub fn find(repo: &Repo, config: &Config, ticket: &TicketKey) -> Result<LaneEntry> {
    lanes_of(repo, config)?
        .into_iter()
        .find(|e| e.ticket.as_ref() == Some(ticket))
        .ok_or_else(|| Error::NoSuchLane(ticket.to_string()))
}

/// The lane a person or an agent named: its ticket key in any case (`proj-1` is `PROJ-1`), its
/// branch, or its worktree directory (its name or its path; so a worktree made by plain
/// `git worktree add` can be named too). An exact ticket wins over the rest.
pub fn named<'e>(entries: &'e [LaneEntry], name: &str) -> Option<&'e LaneEntry> {
    let lower = name.to_lowercase();
    let ticket = |e: &&LaneEntry| e.ticket.as_ref().map(|t| t.as_str().to_lowercase());
    entries
        .iter()
        .find(|e| e.ticket.as_ref().is_some_and(|t| t.as_str() == name))
        .or_else(|| {
            entries
                .iter()
                .find(|e| ticket(e).as_deref() == Some(&lower))
        })
        .or_else(|| entries.iter().find(|e| e.branch() == Some(name)))
        .or_else(|| {
            entries.iter().find(|e| {
                !e.is_primary()
                    && e.worktree.as_ref().is_some_and(|w| {
                        w.name.as_deref() == Some(name)
                            || w.path.file_name().is_some_and(|f| f == name)
                            || w.path == Path::new(name)
                    })
            })
        })
}

/// The names of lanes that look like `name` (a typo, a partial key), closest first: for "did
/// you mean".
pub fn similar(entries: &[LaneEntry], name: &str) -> Vec<String> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, String)> = entries
        .iter()
        .filter_map(|e| {
            e.ticket
                .as_ref()
                .map(|t| t.to_string())
                .or(e.branch().map(str::to_string))
        })
        .map(|candidate| {
            let c = candidate.to_lowercase();
            let score = if c.contains(&lower) || lower.contains(&c) {
                1.0
            } else {
                strsim::jaro_winkler(&c, &lower)
            };
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, c)| c).take(3).collect()
}

/// Reads a lane's state: dirty files, distance from its base, lock, missing directory.
pub fn describe(repo: &Repo, config: &Config, entry: &LaneEntry) -> Lane {
    describe_with(repo, config, entry, None)
}

/// [`describe`], with the dirty count given when the caller knows it (a worktree just checked
/// out is clean: scanning its files again would only cost time).
pub fn describe_with(
    repo: &Repo,
    config: &Config,
    entry: &LaneEntry,
    known_dirty: Option<usize>,
) -> Lane {
    let worktree = entry.worktree.as_ref();
    let missing = worktree.is_none_or(|w| w.missing);
    let head = match worktree.map(|w| &w.head) {
        Some(Head::Branch(b)) => repo.branch_tip(b),
        Some(Head::Detached(id)) => git2::Oid::from_str(id).ok(),
        _ => entry
            .record
            .as_ref()
            .and_then(|r| repo.branch_tip(&r.branch)),
    };
    let base = entry.base(config, repo);
    let distance = head.zip(base.as_deref().and_then(|b| repo.resolve_commit(b).ok()));
    let (ahead, behind) = match distance.map(|(h, b)| status::ahead_behind(repo, h, b)) {
        Some(Ok((a, b))) => (Some(a), Some(b)),
        _ => (None, None),
    };
    let dirty = match (missing, entry.path(), known_dirty) {
        (false, _, Some(known)) => Some(known),
        (false, Some(path), None) => status::dirty_files(path).ok().map(|f| f.len()),
        _ => None,
    };
    Lane {
        ticket: entry.ticket.as_ref().map(ToString::to_string),
        title: entry.record.as_ref().and_then(|r| r.title.clone()),
        branch: match worktree {
            Some(w) => w.branch().map(str::to_string),
            None => entry.branch().map(str::to_string),
        },
        path: entry.path().map(Path::to_path_buf).unwrap_or_default(),
        repo: repo.anchor().to_path_buf(),
        primary: entry.is_primary(),
        base,
        head: head.map(|h| h.to_string()),
        detached: worktree.is_some_and(|w| matches!(w.head, Head::Detached(_))),
        locked: worktree.is_some_and(|w| w.locked.is_some()),
        lock_reason: worktree
            .and_then(|w| w.locked.clone())
            .filter(|r| !r.is_empty()),
        missing,
        broken: worktree.and_then(|w| w.broken.clone()),
        dirty,
        ahead,
        behind,
        pr: entry.record.as_ref().and_then(|r| r.pr),
        pr_state: entry.record.as_ref().and_then(|r| r.pr_state.clone()),
        merged: entry.merged(config, repo),
        port: entry.record.as_ref().map(crate::lane::env::port_of),
        conflicts: Vec::new(),
    }
}

/// The lane whose worktree holds `path`: the deepest one, since a lane may live inside the
/// primary checkout's directory. Lanes without a worktree on disk hold nothing.
pub fn holding<'e>(entries: &'e [LaneEntry], path: &Path) -> Option<&'e LaneEntry> {
    deepest(entries.iter(), path, |e| {
        e.worktree.as_ref().map(|w| w.path.as_path())
    })
}

/// The lane (not the primary checkout) whose worktree holds `dir`, or a usage error saying to
/// run the command inside a lane — for commands that act on "this lane".
pub fn containing<'e>(entries: &'e [LaneEntry], dir: &Path) -> Result<&'e LaneEntry> {
    holding(entries, &canonical(dir))
        .filter(|e| !e.is_primary())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} is not inside a lane; run this in the lane's directory",
                dir.display()
            ))
            .with_hint("`lanes switch KEY` goes there")
        })
}

/// Of `items`, the one whose directory (as `dir` gives it) holds `path` most deeply.
pub fn deepest<'a, T>(
    items: impl Iterator<Item = &'a T>,
    path: &Path,
    dir: impl Fn(&T) -> Option<&Path>,
) -> Option<&'a T>
where
    T: 'a,
{
    items
        .filter(|item| dir(item).is_some_and(|d| path.starts_with(d)))
        .max_by_key(|item| dir(item).map(|d| d.components().count()))
}
