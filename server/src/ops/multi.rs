//! One ticket across several repositories (microservices): the repositories named in the user
//! config, a lane per repository with the same branch, a workspace file that opens them together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::{canonical, status, Repo};
use crate::lane::{describe, lanes_of};
use crate::lane::{normalize, Lane};
use crate::ops::check::check;
use crate::ops::remove::{remove, RemoveOptions, Removed};
use crate::ops::start::{start, StartRequest, Started};
use crate::progress::Progress;
use crate::protocol::PathOverlap;
use crate::ticket::TicketKey;

use crate::repos::expand;
pub use crate::repos::{choose, configured, RepoTarget};

/// An outcome in one repository of a command that goes on in the others when one fails.
#[derive(Debug)]
pub struct Outcome<T> {
    /// The repository's name.
    pub repo: String,
    /// What happened there.
    pub result: Result<T>,
}

impl<T> Outcome<T> {
    fn of(repo: &str, result: Result<T>) -> Outcome<T> {
        Outcome {
            repo: repo.to_string(),
            result,
        }
    }

    /// As reported: `ok` with the value converted by `report`, or the error with its kind, exit
    /// code and hints.
    pub fn report<W>(&self, report: impl Fn(&T) -> W) -> crate::protocol::Outcome<W> {
        let failure = self.result.as_ref().err();
        crate::protocol::Outcome {
            repo: self.repo.clone(),
            ok: self.result.as_ref().ok().map(report),
            error: failure.map(ToString::to_string),
            kind: failure.map(Error::kind),
            exit_code: failure.map(Error::exit_code),
            hints: failure.map(Error::hints).unwrap_or_default(),
        }
    }
}

pub use crate::protocol::{RepoStarted, StartedMany};

fn open(target: &RepoTarget) -> Result<(Repo, Config)> {
    let named = |e: Error| Error::InRepo {
        repo: target.name.clone(),
        error: Box::new(e),
    };
    let repo = Repo::discover(&target.path).map_err(named)?;
    let config = Config::load(repo.anchor()).map_err(named)?;
    Ok((repo, config))
}

/// Starts the ticket's lane in each repository. If one fails, the lanes this call created are
/// removed again when untouched (no new commit, no uncommitted file) and reported otherwise; the
/// error names the repository.
pub fn start_many(
    user: &Config,
    targets: &[RepoTarget],
    request: &StartRequest,
    progress: &dyn Progress,
) -> Result<StartedMany> {
    let ticket = request
        .ticket
        .clone()
        .ok_or_else(|| Error::Usage("a ticket key is required".into()))?;
    let mut done: Vec<(RepoTarget, Started)> = Vec::new();
    for target in targets {
        progress.step(&format!("{}: starting lane {ticket}", target.name));
        let result = open(target).and_then(|(repo, config)| {
            start(&repo, &config, request, progress).map_err(|e| Error::InRepo {
                repo: target.name.clone(),
                error: Box::new(e),
            })
        });
        match result {
            Ok(started) => done.push((target.clone(), started)),
            Err(e) => return Err(roll_back(&ticket, done, e)),
        }
    }
    let workspace = write_workspace(user, &ticket, &done)?;
    Ok(StartedMany {
        ticket: ticket.to_string(),
        lanes: done
            .into_iter()
            .map(|(target, started)| RepoStarted {
                repo: target.name,
                started,
            })
            .collect(),
        workspace,
    })
}

fn roll_back(ticket: &TicketKey, done: Vec<(RepoTarget, Started)>, cause: Error) -> Error {
    let mut rolled = Vec::new();
    let mut kept = Vec::new();
    for (target, started) in done.into_iter().filter(|(_, s)| s.created) {
        let untouched = status::dirty_files(&started.lane.path).is_ok_and(|d| d.is_empty())
            && open(&target).is_ok_and(|(repo, _)| {
                let tip = started
                    .lane
                    .branch
                    .as_deref()
                    .and_then(|b| repo.branch_tip(b))
                    .map(|t| t.to_string());
                tip.is_some() && tip == started.lane.head
            });
        let removed = untouched
            && open(&target).is_ok_and(|(repo, config)| {
                let options = RemoveOptions {
                    force: false,
                    keep_branch: !started.created_branch,
                };
                remove(&repo, &config, ticket, options).is_ok()
            });
        if removed {
            rolled.push(target.name);
        } else {
            kept.push(format!("{} ({})", target.name, started.lane.path.display()));
        }
    }
    let mut notes = Vec::new();
    if !rolled.is_empty() {
        notes.push(format!(
            "rolled back the new lanes in: {}",
            rolled.join(", ")
        ));
    }
    if !kept.is_empty() {
        notes.push(format!(
            "kept, since they changed meanwhile: {}",
            kept.join(", ")
        ));
    }
    tracing::debug!("start of {ticket} across repositories failed: {cause}");
    Error::WithNotes {
        error: Box::new(cause),
        notes,
    }
}

/// Where a ticket's workspace file goes: the configured `workspace` directory, else beside its
/// first lane.
fn workspace_path(user: &Config, ticket: &str, first_lane: Option<&Path>) -> PathBuf {
    let dir = match &user.workspace {
        Some(dir) => normalize(&expand(dir)),
        None => first_lane
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    dir.join(format!("{ticket}.code-workspace"))
}

/// Writes `<ticket>.code-workspace` (VS Code multi-root) listing the lanes, atomically.
fn write_workspace(
    user: &Config,
    ticket: &TicketKey,
    lanes: &[(RepoTarget, Started)],
) -> Result<PathBuf> {
    let path = workspace_path(
        user,
        ticket.as_str(),
        lanes.first().map(|(_, s)| s.lane.path.as_path()),
    );
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(Error::io(format!("creating {}", dir.display())))?;
    let folders: Vec<serde_json::Value> = lanes
        .iter()
        .map(|(target, started)| {
            serde_json::json!({
                "name": format!("{} · {ticket}", target.name),
                "path": started.lane.path,
            })
        })
        .collect();
    let body = serde_json::json!({ "folders": folders, "settings": {} });
    let text = serde_json::to_vec_pretty(&body)
        .map_err(|e| Error::Internal(format!("serialising the workspace file: {e}")))?;
    crate::atomic::write(&path, &text).map_err(Error::io(format!("writing {}", path.display())))?;
    Ok(path)
}

pub use crate::protocol::{LaneElsewhere, RepoLane, RepoProblem, TicketLanes};

/// Every lane of the repositories, grouped by ticket; repositories that cannot be read are
/// reported in the second list.
pub fn list_many(user: &Config, targets: &[RepoTarget]) -> (Vec<TicketLanes>, Vec<RepoProblem>) {
    let mut by_ticket: BTreeMap<String, Vec<RepoLane>> = BTreeMap::new();
    let mut problems = Vec::new();
    for target in targets {
        let result = open(target).and_then(|(repo, config)| {
            Ok(lanes_of(&repo, &config)?
                .iter()
                .filter(|e| e.ticket.is_some())
                .map(|e| describe(&repo, &config, e))
                .collect::<Vec<Lane>>())
        });
        match result {
            Ok(lanes) => {
                for lane in lanes {
                    if let Some(ticket) = lane.ticket.clone() {
                        by_ticket.entry(ticket).or_default().push(RepoLane {
                            repo: target.name.clone(),
                            lane,
                        });
                    }
                }
            }
            Err(e) => problems.push(RepoProblem::new(&target.name, &e)),
        }
    }
    let tickets = by_ticket
        .into_iter()
        .map(|(ticket, lanes)| {
            let file = workspace_path(user, &ticket, lanes.first().map(|l| l.lane.path.as_path()));
            TicketLanes {
                workspace: file.is_file().then_some(file),
                ticket,
                lanes,
            }
        })
        .collect();
    (tickets, problems)
}

/// Removes the ticket's lane in each repository that has one, each with the same safety as a
/// single remove; one refusal does not stop the others.
pub fn remove_many(
    targets: &[RepoTarget],
    ticket: &TicketKey,
    options: RemoveOptions,
) -> Vec<Outcome<Removed>> {
    let mut out = Vec::new();
    for target in targets {
        let result =
            open(target).and_then(|(repo, config)| remove(&repo, &config, ticket, options));
        match result {
            Err(Error::NoSuchLane(_)) => continue,
            other => out.push(Outcome::of(&target.name, other)),
        }
    }
    out
}

/// `lanes check` in each repository on its own (no cross-repository comparisons).
pub fn check_many(targets: &[RepoTarget]) -> Vec<Outcome<Vec<PathOverlap>>> {
    targets
        .iter()
        .map(|target| {
            let result = open(target).and_then(|(repo, config)| check(&repo, &config));
            Outcome::of(&target.name, result)
        })
        .collect()
}

/// A cheap fingerprint of the lanes of every configured repository: when it is unchanged, so is
/// what [`same_ticket_elsewhere`] would find (a lane's creation or removal changes git's
/// `worktrees` directory or lanes' record directory). Stats only; opens no repository.
pub fn lanes_fingerprint(user: &Config) -> Vec<(PathBuf, Option<std::time::SystemTime>)> {
    let Ok(targets) = configured(user) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for target in targets {
        let git_dir = match target.path.join(".git") {
            dot_git if dot_git.is_dir() => dot_git,
            // A bare repository is its own git directory.
            _ => target.path.clone(),
        };
        for sub in ["worktrees", "lanes"] {
            let dir = git_dir.join(sub);
            let modified = std::fs::metadata(&dir).and_then(|m| m.modified()).ok();
            out.push((dir, modified));
        }
    }
    out
}

/// The ticket's lanes in the configured repositories other than `except` (for `lanes/status`).
pub fn same_ticket_elsewhere(user: &Config, ticket: &str, except: &Path) -> Vec<LaneElsewhere> {
    let Ok(targets) = configured(user) else {
        return Vec::new();
    };
    let Ok(key) = TicketKey::parse(ticket) else {
        return Vec::new();
    };
    targets
        .iter()
        .filter(|t| canonical(&t.path) != canonical(except))
        .filter_map(|t| {
            let (repo, config) = open(t).ok()?;
            let entry = lanes_of(&repo, &config)
                .ok()?
                .into_iter()
                .find(|e| e.ticket.as_ref() == Some(&key))?;
            Some(LaneElsewhere {
                repo: t.name.clone(),
                path: entry.path()?.to_path_buf(),
            })
        })
        .collect()
}
