//! `lanes start`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use lanes::ops::start::{start, StartRequest};
use lanes::{Result, TicketKey};

use super::{print_json, Context, Stderr};

#[derive(clap::Args, Debug)]
pub struct StartArgs {
    /// Ticket key: a Jira key (PROJ-123), a GitHub issue ('#42', owner/repo#42) or a plain slug.
    pub ticket: String,
    /// Branch from this ref instead of the configured or default base (e.g. origin/develop).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Use this branch name instead of the template's.
    #[arg(long)]
    pub branch: Option<String>,
    /// Create the worktree here instead of the template's path.
    #[arg(long)]
    pub path: Option<PathBuf>,
    /// Do not fetch the base from its remote first.
    #[arg(long)]
    pub no_fetch: bool,
    /// Do not ask the ticket provider (Jira): start from the key alone.
    #[arg(long)]
    pub offline: bool,
    /// Print the result as JSON: {created, created_branch, copied, warnings, lane}.
    #[arg(long)]
    pub json: bool,
    /// Approve this repository's setup commands (from its lanes.toml) without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Do not run the setup commands (`lanes setup` runs them later).
    #[arg(long)]
    pub no_setup: bool,
    /// Then run this command in the lane, in the foreground (e.g. your agent: --exec claude);
    /// `{port}`, `{ticket}`, `{branch}`, `{path}` are filled in, and LANES_TICKET_FILE, LANES_PORT
    /// and the other LANES_* variables set. Default: `exec` from your config, on a terminal.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Do not run the configured `exec` command.
    #[arg(long, conflicts_with = "exec")]
    pub no_exec: bool,
    /// Span configured repositories instead of the current one.
    #[command(flatten)]
    pub repos: super::RepoSelection,
}

/// `lanes start` across configured repositories.
pub fn run_many(args: StartArgs) -> Result<ExitCode> {
    let user = lanes::Config::load_user()?;
    let targets = args.repos.targets(&user)?;
    let request = StartRequest {
        ticket: Some(TicketKey::parse(&args.ticket)?),
        base: args.base,
        branch: args.branch,
        path: None,
        fetch: args.no_fetch.then_some(false),
        offline: args.offline,
        pr: None,
        title: None,
        pr_state: None,
        approve_setup: args.yes,
        no_setup: args.no_setup,
        branch_made: false,
    };
    if args.path.is_some() {
        return Err(lanes::Error::Usage(
            "--path names one directory: it cannot be used with --repo, --group or --all".into(),
        ));
    }
    let started = lanes::ops::multi::start_many(&user, &targets, &request, &Stderr)?;
    if args.json {
        print_json(&started)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "Lane {} in {} repositories",
        started.ticket,
        started.lanes.len()
    );
    for lane in &started.lanes {
        let verb = if lane.started.created {
            "created"
        } else {
            "exists "
        };
        say!(
            "  {:<12} {verb}  {}",
            lane.repo,
            lane.started.lane.path.display()
        );
    }
    say!("  workspace  {}", started.workspace.display());
    Ok(ExitCode::SUCCESS)
}

pub fn run(ctx: &Context, args: StartArgs) -> Result<ExitCode> {
    let approved =
        args.yes || super::trust::ask_on_terminal(&ctx.repo, &ctx.config, !args.no_setup)?;
    let request = StartRequest {
        ticket: Some(TicketKey::parse(&args.ticket)?),
        base: args.base,
        branch: args.branch,
        path: args.path.map(|p| ctx.cwd.join(p)),
        fetch: args.no_fetch.then_some(false),
        offline: args.offline,
        pr: None,
        title: None,
        pr_state: None,
        approve_setup: approved,
        no_setup: args.no_setup,
        branch_made: false,
    };
    let started = start(&ctx.repo, &ctx.config, &request, &Stderr)?;
    for warning in &started.warnings {
        tell!("warning: {warning}");
    }
    // The configured agent starts on a terminal only: an agent calling `lanes start --json`
    // must not get another agent in its shell.
    let exec = args.exec.clone().or_else(|| {
        let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        ctx.config
            .exec
            .clone()
            .filter(|_| interactive && !args.json && !args.no_exec)
    });
    if args.json {
        print_json(&started)?;
        return exec_in(ctx, &started.lane.path, exec.as_deref());
    }
    let lane = &started.lane;
    let ticket = lane.ticket.as_deref().unwrap_or("?");
    let branch = lane.branch.as_deref().unwrap_or("(detached)");
    if started.created {
        say!("Created lane {ticket}");
        let origin = if started.created_branch {
            format!("new, from {}", lane.base.as_deref().unwrap_or("?"))
        } else {
            "existing branch".to_string()
        };
        say!("  branch  {branch} ({origin})");
    } else {
        say!("Lane {ticket} already exists");
        say!("  branch  {branch}");
    }
    say!("  path    {}", lane.path.display());
    if let Some(ticket) = &started.ticket {
        say!(
            "  ticket  {}{}",
            ticket.title,
            ticket
                .status
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default()
        );
    }
    if let Some(context) = &started.context {
        say!("  context {}", context.display());
    }
    if !started.copied.is_empty() {
        say!("  copied  {}", started.copied.join(", "));
    }
    super::change_directory(&lane.path);
    exec_in(ctx, &lane.path, exec.as_deref())
}

/// Runs `command` in the lane at `dir` (foreground), and exits with its code.
fn exec_in(ctx: &Context, dir: &std::path::Path, command: Option<&str>) -> Result<ExitCode> {
    let Some(command) = command else {
        return Ok(ExitCode::SUCCESS);
    };
    tell!(
        "running `{}` in {}",
        lanes::printable::visible(command),
        lanes::printable::visible(&dir.display().to_string())
    );
    let status = lanes::ops::setup::exec(&ctx.repo, &ctx.config, dir, command)?;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // Killed by a signal.
        None => ExitCode::from(1),
    })
}
