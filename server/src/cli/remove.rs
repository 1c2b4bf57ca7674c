//! `lanes remove`, `lanes prune`.

use std::process::ExitCode;

use lanes::ops::prune::prune as prune_lanes;
use lanes::ops::remove::{remove as remove_lane, RemoveOptions};
use lanes::{Result, TicketKey};

use super::{print_json, Context};

#[derive(clap::Args, Debug)]
pub struct RemoveArgs {
    /// Ticket key of the lane.
    pub ticket: String,
    /// Remove even when this discards uncommitted changes or commits that exist nowhere else.
    #[arg(long)]
    pub force: bool,
    /// Remove only the worktree and keep the branch.
    #[arg(long)]
    pub keep_branch: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Span configured repositories instead of the current one.
    #[command(flatten)]
    pub repos: super::RepoSelection,
}

/// `lanes remove` across configured repositories: each with the same safety; refusals are
/// reported and the others still removed (exit code 3 when any was refused).
pub fn remove_many(args: RemoveArgs) -> Result<ExitCode> {
    let ticket = TicketKey::parse(&args.ticket)?;
    let user = lanes::Config::load_user()?;
    let targets = args.repos.targets(&user)?;
    let options = RemoveOptions {
        force: args.force,
        keep_branch: args.keep_branch,
    };
    let outcomes = lanes::ops::multi::remove_many(&targets, &ticket, options);
    if outcomes.is_empty() {
        return Err(lanes::Error::NoSuchLane(ticket.to_string()));
    }
    if args.json {
        print_json(&outcomes)?;
    } else {
        for outcome in &outcomes {
            match (&outcome.ok, &outcome.error) {
                (Some(removed), _) => {
                    println!("{:<12} removed {}", outcome.repo, removed.path.display())
                }
                (None, Some(error)) => println!("{:<12} kept: {error}", outcome.repo),
                _ => {}
            }
        }
    }
    let refused = outcomes.iter().any(|o| o.error.is_some());
    Ok(if refused {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn remove(ctx: &Context, args: RemoveArgs) -> Result<ExitCode> {
    let ticket = TicketKey::parse(&args.ticket)?;
    let options = RemoveOptions {
        force: args.force,
        keep_branch: args.keep_branch,
    };
    let removed = remove_lane(&ctx.repo, &ctx.config, &ticket, options)?;
    if args.json {
        print_json(&removed)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Removed lane {} ({})",
        removed.ticket,
        removed.path.display()
    );
    if let Some(branch) = &removed.branch {
        match (&removed.branch_tip, &removed.branch_kept) {
            (Some(tip), _) => println!("  deleted branch {branch} (was {tip:.7}; `git branch {branch} {tip:.7}` restores it)"),
            (None, Some(why)) => println!("  kept branch {branch}: {why}"),
            (None, None) => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn prune(ctx: &Context, json: bool) -> Result<ExitCode> {
    let pruned = prune_lanes(&ctx.repo, &ctx.config)?;
    if json {
        print_json(&pruned)?;
        return Ok(ExitCode::SUCCESS);
    }
    if pruned.is_empty() {
        println!("Nothing to prune");
    }
    for lane in &pruned {
        println!(
            "Pruned {} ({}){}",
            lane.ticket.as_deref().unwrap_or("-"),
            lane.path.display(),
            lane.branch
                .as_deref()
                .map(|b| format!("; branch {b} kept"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
