//! `lanes start`: one ticket → one branch → one worktree. Idempotent: starting an existing lane
//! reports it; a branch without a worktree gets one.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::worktrees::{self, Checkout};
use crate::git::{canonical, cli, Repo};
use crate::lane;
use crate::lane::{describe, describe_with, lanes_of};
use crate::ops::setup::{copy_files, run_setup};
use crate::progress::Progress;
use crate::store::{now, LaneRecord, Store, RECORD_VERSION};
use crate::ticket::TicketKey;

/// What to start; `None` fields come from the configuration.
#[derive(Debug, Clone, Default)]
pub struct StartRequest {
    /// The ticket.
    pub ticket: Option<TicketKey>,
    /// Base ref override.
    pub base: Option<String>,
    /// Branch name override.
    pub branch: Option<String>,
    /// Worktree path override (relative to the current directory).
    pub path: Option<PathBuf>,
    /// Fetch override (`--no-fetch` sets Some(false)).
    pub fetch: Option<bool>,
    /// Do not ask the ticket provider (start from the key alone).
    pub offline: bool,
    /// The pull request the lane is for.
    pub pr: Option<u64>,
    /// A title to record when no provider supplies one (a pull request's).
    pub title: Option<String>,
    /// State of that pull request (open, draft).
    pub pr_state: Option<String>,
    /// The user approved the repository's setup commands for this start (`--yes`, or a dialog).
    pub approve_setup: bool,
    /// Do not run the setup commands (`--no-setup`; `lanes setup` runs them later).
    pub no_setup: bool,
    /// The caller created `branch` for this lane just before (`sync` for a pull request): it is
    /// lanes' own, deleted with the lane, though it already exists when the lane is made.
    pub branch_made: bool,
}

pub use crate::protocol::Started;

/// Starts (or reports) the lane of a ticket.
pub fn start(
    repo: &Repo,
    config: &Config,
    request: &StartRequest,
    progress: &dyn Progress,
) -> Result<Started> {
    let ticket = request.ticket.clone().ok_or_else(|| {
        Error::Usage("a ticket key is required, e.g. `lanes start PROJ-123`".into())
    })?;
    let store = Store::new(repo);
    // Serialises concurrent starts of the same ticket (two windows, two agents): the second one
    // waits here, then finds the lane the first one made.
    let _lock = store.lock(&ticket)?;

    // An existing lane is reported without asking the provider.
    let mut details = None;
    let entries = lanes_of(repo, config)?;
    // `proj-1` is the lane of PROJ-1, not a second lane whose directory would collide with it.
    let ticket = entries
        .iter()
        .filter_map(|e| e.ticket.as_ref())
        .find(|t| t.same_ticket(&ticket))
        .cloned()
        .unwrap_or(ticket);
    let known = entries
        .iter()
        .any(|e| !e.is_primary() && e.worktree.is_some() && e.ticket.as_ref() == Some(&ticket));
    let mut provider = None;
    if !known && !request.offline {
        let configured = crate::ticket::Provider::from_config(config, Some(repo))?;
        if !matches!(configured, crate::ticket::Provider::None) {
            progress.step(&format!("fetching ticket {ticket}"));
        }
        details = configured.ticket(&ticket).map_err(|e| {
            if e.hints().iter().any(|h| h.contains("--offline")) {
                e
            } else {
                e.with_hint("`--offline` starts the lane from the key alone")
            }
        })?;
        provider = Some(configured);
    }
    let slug = details
        .as_ref()
        .map(|t| crate::ticket::slug(&t.title))
        .unwrap_or_default();
    let branch = match &request.branch {
        Some(b) => {
            lane::validate_branch(b)?;
            b.clone()
        }
        None => lane::branch_name(
            &lane::with_slug(&config.branch, &slug),
            &ticket,
            repo.name(),
        )?,
    };
    let path = match &request.path {
        Some(p) => lane::normalize(
            &std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or(p.clone()),
        ),
        None => lane::worktree_path(
            &lane::with_slug(&config.path, &slug),
            &ticket,
            repo.name(),
            repo.anchor(),
        ),
    };

    let existing = entries.iter().find(|e| {
        !e.is_primary()
            && e.worktree.is_some()
            && (e.ticket.as_ref() == Some(&ticket) || e.branch() == Some(branch.as_str()))
    });
    if let Some(entry) = existing {
        if let Some(other) = entry.ticket.as_ref().filter(|t| **t != ticket) {
            return Err(Error::Conflict(format!(
                "cannot create lane {ticket}: branch {branch} is the branch of lane {other} ({})",
                entry.path().unwrap_or(Path::new("")).display()
            ))
            .with_hint(format!("pass another --branch, or work in lane {other}")));
        }
        if let Some(reason) = entry
            .worktree
            .as_ref()
            .and_then(|w| w.locked.as_deref())
            .filter(|r| r.starts_with("initializing"))
        {
            return Err(Error::Conflict(format!("lane {ticket} is half-made: its checkout at {} was interrupted (the worktree is still locked \"{reason}\")", entry.path().unwrap_or(Path::new("")).display())).with_hint(format!("`lanes remove {ticket} --force` (everything in it is kept in the trash), then start it again")));
        }
        if let Some(why) = entry.worktree.as_ref().and_then(|w| w.broken.as_ref()) {
            return Err(Error::Conflict(format!("lane {ticket} is broken: {why}"))
                .with_hint("`git worktree repair` inside its directory"));
        }
        let mut warnings = Vec::new();
        if entry.worktree.as_ref().is_some_and(|w| w.missing) {
            warnings.push(format!(
                "the lane's directory {} is missing; run `lanes prune` and start it again",
                entry.path().unwrap_or(Path::new("")).display()
            ));
        }
        if entry.record.is_none() {
            let record = LaneRecord {
                version: RECORD_VERSION,
                ticket: ticket.to_string(),
                branch: entry.branch().unwrap_or(&branch).to_string(),
                path: entry.path().unwrap_or(&path).to_path_buf(),
                base: entry.base(config, repo).unwrap_or_default(),
                title: None,
                url: None,
                pr: None,
                pr_state: None,
                created: now(),
                start: entry
                    .branch()
                    .and_then(|b| repo.branch_tip(b))
                    .map(|id| id.to_string()),
                port: None,
                // A worktree made by hand: its branch is the user's, never deleted by lanes.
                branch_created: Some(false),
            };
            store.save(&record)?;
        }
        let entry = lanes_of(repo, config)?
            .into_iter()
            .find(|e| e.ticket.as_ref() == Some(&ticket) && e.worktree.is_some())
            .unwrap_or_else(|| entry.clone());
        return Ok(Started {
            lane: describe(repo, config, &entry),
            created: false,
            created_branch: false,
            copied: Vec::new(),
            warnings,
            ticket: None,
            context: None,
        });
    }

    // What the repository's file (or the editor's settings) chose is used only once approved:
    // its setup commands, unless they are skipped, and a place for the lane outside the
    // directory holding the checkout, unless the user named the place.
    let chosen_path = request
        .path
        .is_none()
        .then_some((path.as_path(), ticket.as_str()));
    if let Some(pending) = crate::trust::pending_for(config, repo, chosen_path, !request.no_setup) {
        if !request.approve_setup {
            return Err(crate::trust::refusal(&pending));
        }
        crate::trust::approve(&pending)?;
    }

    if path.exists() && !is_empty_dir(&path) {
        return Err(Error::Conflict(format!(
            "cannot create lane {ticket}: {} already exists and is not empty",
            path.display()
        ))
        .with_hint("move it away, or choose another place with --path"));
    }

    let mut warnings = Vec::new();
    let created_branch = !repo.branch_exists(&branch);
    let base = request
        .base
        .clone()
        .or_else(|| config.base.clone())
        .or_else(|| repo.default_base())
        .ok_or_else(|| {
            Error::Usage("cannot tell which branch to start from: the repository has no commits or no default branch".into()).with_hint("pass --base REF")
        })?;
    if created_branch {
        if request.fetch.unwrap_or(config.fetch) {
            if let Some((remote, remote_branch)) = repo.remote_branch(&base) {
                progress.step(&format!("fetching {base}"));
                if let Err(e) = cli::run_network(
                    repo.anchor(),
                    ["fetch", "--progress", "--no-tags", &remote, &remote_branch],
                    std::time::Duration::from_secs(config.timeout),
                ) {
                    warnings.push(format!(
                        "could not fetch {base} ({e}); branched from the local copy of {base}"
                    ));
                }
            }
        }
        // Fail before touching anything when the base does not exist.
        repo.resolve_commit(&base)?;
    }

    progress.step(&format!("creating worktree {}", path.display()));
    // The branch is made here, only if the name is still free (compare-and-swap against "no such
    // branch"): one that appeared since the check above is someone else's, and is neither taken
    // over nor deleted when this start fails.
    let base_commit = if created_branch {
        Some(create_branch(repo, &ticket, &branch, &base)?)
    } else {
        None
    };
    let checkout = Checkout::Existing(&branch);
    worktrees::add(repo, &path, checkout).inspect_err(|_| {
        // Take back the branch this start made, if nothing else moved or took it.
        if let Some(start) = base_commit {
            let refname = format!("refs/heads/{branch}");
            let untouched = repo.git().refname_to_id(&refname).ok() == Some(start)
                && !worktrees::list(repo).is_ok_and(|l| l.iter().any(|w| w.branch() == Some(branch.as_str())));
            if untouched {
                let _ = cli::run(repo.anchor(), ["update-ref", "-d", refname.as_str(), &start.to_string()]);
            }
        }
    }).map_err(|e| match e {
        Error::GitCommand { stderr, .. } if stderr.contains("already checked out") || stderr.contains("already used by worktree") => Error::Conflict(format!("cannot create lane {ticket}: branch {branch} is already checked out in another worktree")).with_hint("`lanes list` shows where; pass --branch to use another branch"),
        other => other,
    })?;

    crate::failpoint::hit("start-after-checkout").map_err(Error::io("starting the lane"))?;
    let path = canonical(&path);
    let record = LaneRecord {
        version: RECORD_VERSION,
        ticket: ticket.to_string(),
        branch: branch.clone(),
        path: path.clone(),
        base: base.clone(),
        title: details
            .as_ref()
            .map(|t| t.title.clone())
            .or_else(|| request.title.clone()),
        url: details.as_ref().and_then(|t| t.url.clone()),
        pr: request.pr,
        pr_state: request.pr_state.clone(),
        created: now(),
        start: repo.branch_tip(&branch).map(|id| id.to_string()),
        port: Some(crate::lane::env::assign_port(
            ticket.as_str(),
            &store.all().iter().filter_map(|r| r.port).collect(),
        )),
        // A branch that existed before this start is the user's: `remove` keeps it.
        branch_created: Some(created_branch || request.branch_made),
    };
    store.save(&record)?;
    let context = match &details {
        // The repository's own `.lanes/ticket.md` is its file: not overwritten (the lane would
        // start dirty), and never taken for the ticket's context either.
        Some(_) if crate::ticket::context_is_committed(&path)? => {
            warnings.push(format!(
                "did not write the ticket context: {} is committed to the repository, not written by lanes",
                path.join(crate::ticket::CONTEXT_FILE).display()
            ));
            None
        }
        Some(t) => Some(crate::ticket::write_context(&path, repo.common_dir(), t)?),
        None => None,
    };

    // Opt-in (`[jira] transition`): the ticket shows it is being worked on. The lane exists
    // whatever Jira says.
    if let (Some(to), Some(provider), Some(t)) = (&config.jira_transition, &provider, &details) {
        progress.step(&format!("moving {ticket} to {to}"));
        if let Err(e) = provider.transition(t, to) {
            warnings.push(format!("{e}"));
        }
    }
    let copied = copy_files(repo, config, &record, &mut warnings);
    let entry = lanes_of(repo, config)?
        .into_iter()
        .find(|e| e.ticket.as_ref() == Some(&ticket) && e.worktree.is_some())
        .ok_or_else(|| {
            Error::Internal(format!("lane {ticket} vanished right after it was created"))
        })?;
    if !request.no_setup {
        run_setup(config, &record, progress)?;
    }
    // Nothing but git wrote into the new checkout: it is clean without scanning it.
    let fresh_and_clean =
        copied.is_empty() && (config.setup.is_empty() || request.no_setup) && context.is_none();
    Ok(Started {
        lane: describe_with(repo, config, &entry, fresh_and_clean.then_some(0)),
        created: true,
        created_branch,
        copied,
        warnings,
        ticket: details,
        context,
    })
}

/// Makes `refs/heads/<branch>` at `base` only if no such branch exists (`git update-ref` with an
/// empty old value); returns the commit. A branch made meanwhile by someone else is a conflict:
/// nothing is changed and it stays theirs.
fn create_branch(repo: &Repo, ticket: &TicketKey, branch: &str, base: &str) -> Result<git2::Oid> {
    let start = repo.resolve_commit(base)?;
    let refname = format!("refs/heads/{branch}");
    let message = format!("branch: Created from {base}");
    let made = cli::run(
        repo.anchor(),
        [
            "update-ref",
            "-m",
            message.as_str(),
            refname.as_str(),
            start.to_string().as_str(),
            "",
        ],
    );
    match made {
        Ok(_) => Ok(start),
        Err(_) if repo.branch_exists(branch) => Err(Error::Conflict(format!(
            "cannot create lane {ticket}: branch {branch} was created by someone else while the lane was being made; nothing was changed"
        ))
        .with_hint("start it again to make the lane on that branch (it stays yours: removing the lane keeps it), or pass another --branch")),
        Err(e) => Err(e),
    }
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}
