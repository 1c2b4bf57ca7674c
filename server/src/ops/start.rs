//! `lanes start`: one ticket → one branch → one worktree. Idempotent: starting an existing lane
//! reports it; a branch without a worktree gets one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::worktrees::{self, Checkout};
use crate::git::{canonical, cli, Repo};
use crate::lane;
use crate::lane::{describe, describe_with, lanes_of};
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
    if !known && !request.offline {
        let provider = crate::ticket::Provider::from_config(config, Some(repo))?;
        if !matches!(provider, crate::ticket::Provider::None) {
            progress.step(&format!("fetching ticket {ticket}"));
        }
        details = provider.ticket(&ticket)?;
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

    if let Some(pending) = crate::trust::pending(config) {
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
    let checkout = if created_branch {
        Checkout::NewBranch {
            branch: &branch,
            start: &base,
        }
    } else {
        Checkout::Existing(&branch)
    };
    let base_commit = if created_branch {
        repo.resolve_commit(&base).ok()
    } else {
        None
    };
    worktrees::add(repo, &path, checkout).inspect_err(|_| {
        // `git worktree add -b` makes the branch before the checkout: take back a branch this
        // start made and nothing else moved.
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
    };
    store.save(&record)?;
    let context = match &details {
        Some(t) => Some(crate::ticket::write_context(&path, repo.common_dir(), t)?),
        None => None,
    };

    let copied = copy_files(repo, config, &path, &mut warnings);
    let entry = lanes_of(repo, config)?
        .into_iter()
        .find(|e| e.ticket.as_ref() == Some(&ticket) && e.worktree.is_some())
        .ok_or_else(|| {
            Error::Internal(format!("lane {ticket} vanished right after it was created"))
        })?;
    run_setup(config, &record, progress)?;
    // Nothing but git wrote into the new checkout: it is clean without scanning it.
    let fresh_and_clean = copied.is_empty() && config.setup.is_empty() && context.is_none();
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

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

/// Copies the configured files (typically git-ignored ones such as `.env`) from the primary
/// checkout; never overwrites a file the checkout already has.
fn copy_files(
    repo: &Repo,
    config: &Config,
    lane_dir: &Path,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut copied = Vec::new();
    for file in &config.copy {
        let from = repo.anchor().join(file);
        // Never through a symlink the checkout brought, never outside the lane.
        let to = match crate::git::write::checked_path(lane_dir, file) {
            Ok(to) => to,
            Err(e) => {
                warnings.push(format!("did not copy {file}: {e}"));
                continue;
            }
        };
        if !from.is_file() || std::fs::symlink_metadata(&to).is_ok() {
            continue;
        }
        let result = to
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::copy(&from, &to));
        match result {
            Ok(_) => copied.push(file.clone()),
            Err(e) => warnings.push(format!("could not copy {file}: {e}")),
        }
    }
    copied
}

/// Runs the configured setup commands in the new lane. Their output goes to stderr: stdout belongs
/// to the caller (JSON for agents, LSP frames for editors).
fn run_setup(config: &Config, record: &LaneRecord, progress: &dyn Progress) -> Result<()> {
    for command in &config.setup {
        progress.step(&format!("running `{command}`"));
        let failed = |detail: String| Error::SetupFailed {
            ticket: record.ticket.clone(),
            path: record.path.clone(),
            command: command.clone(),
            detail,
        };
        let stdout = stderr_for_child().map_err(|e| failed(e.to_string()))?;
        let status = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&record.path)
            .env("LANES_TICKET", &record.ticket)
            .env("LANES_BRANCH", &record.branch)
            .env("LANES_PATH", &record.path)
            .env("LANES_BASE", &record.base)
            .stdin(Stdio::null())
            .stdout(stdout)
            .status()
            .map_err(|e| failed(e.to_string()))?;
        if !status.success() {
            return Err(failed(status.to_string()));
        }
    }
    Ok(())
}

/// Our stderr as a child's stdout.
fn stderr_for_child() -> std::io::Result<Stdio> {
    use std::os::fd::AsFd;
    Ok(Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?))
}
