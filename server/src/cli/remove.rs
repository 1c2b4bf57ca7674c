//! `lanes remove`, `lanes prune`.

use std::process::ExitCode;

use lanes::ops::prune::{prune as prune_lanes, prune_merged};
use lanes::ops::remove::{remove as remove_lane, RemoveOptions};
use lanes::{Result, TicketKey};

use super::{print_json, Context};

#[derive(clap::Args, Debug)]
pub struct RemoveArgs {
    /// Ticket key of the lane (any case), or its branch.
    #[arg(add = clap_complete::ArgValueCandidates::new(super::completion::lane_names))]
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
        super::print_outcomes(&outcomes)?;
    } else {
        for outcome in &outcomes {
            match &outcome.result {
                Ok(removed) => {
                    say!("{:<12} removed {}", outcome.repo, removed.path.display())
                }
                Err(error) => super::print_repo_error(&outcome.repo, "kept: ", error),
            }
        }
    }
    // Each repository's own verdict: all refusals exit 3, a mix of failures exits 1.
    let codes: Vec<i32> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(lanes::Error::exit_code))
        .collect();
    let code = match codes.first() {
        None => 0,
        Some(first) if codes.iter().all(|c| c == first) => *first,
        Some(_) => 1,
    };
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

pub fn remove(ctx: &Context, args: RemoveArgs) -> Result<ExitCode> {
    let ticket = lanes::ops::switch::ticket_named(&ctx.repo, &ctx.config, &args.ticket)?;
    let options = RemoveOptions {
        force: args.force,
        keep_branch: args.keep_branch,
    };
    let removed = remove_lane(&ctx.repo, &ctx.config, &ticket, options)?;
    if args.json {
        print_json(&removed)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "Removed lane {} ({})",
        removed.ticket,
        removed.path.display()
    );
    if let Some(branch) = &removed.branch {
        match (&removed.branch_tip, &removed.branch_kept) {
            (Some(tip), _) if removed.merged => say!("  deleted branch {branch}: its work is merged into the base (was {tip:.7}; `git branch {branch} {tip:.7}` restores it)"),
            (Some(tip), _) => say!("  deleted branch {branch} (was {tip:.7}; `git branch {branch} {tip:.7}` restores it)"),
            (None, Some(why)) => say!("  kept branch {branch}: {why}"),
            (None, None) => {}
        }
    }
    if let Some(id) = &removed.trash {
        say!(
            "  saved in the trash as {id}; `lanes restore {}` brings the lane back",
            removed.ticket
        );
    }
    if let [one] = removed.evicted.as_slice() {
        tell!("warning: the trash was full: an older entry holding work was dropped to make room: {one}");
    } else if !removed.evicted.is_empty() {
        tell!(
            "warning: the trash was full: {} older entries holding work were dropped to make room: {}",
            removed.evicted.len(),
            removed.evicted.join(", ")
        );
    }
    if !removed.not_kept.is_empty() {
        tell!(
            "warning: {} ignored file(s) were too big to keep in the trash: {}",
            removed.not_kept.len(),
            removed
                .not_kept
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes restore` / `lanes undo`.
pub fn restore(ctx: &Context, args: RestoreArgs) -> Result<ExitCode> {
    let ticket = args.ticket.as_deref().map(TicketKey::parse).transpose()?;
    let restored =
        lanes::ops::restore::restore(&ctx.repo, &ctx.config, ticket.as_ref(), args.id.as_deref())?;
    if args.json {
        print_json(&restored)?;
    } else {
        say!(
            "Restored lane {} at {}{}",
            restored.ticket,
            restored.path.display(),
            restored
                .branch
                .as_deref()
                .map(|b| format!(" on {b}"))
                .unwrap_or_default()
        );
        for warning in &restored.warnings {
            say!("{warning}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lanes list --trash`.
pub fn list_trash(ctx: &Context, json: bool) -> Result<ExitCode> {
    let items = lanes::ops::restore::trash_items(&ctx.repo)?;
    if json {
        print_json(&items)?;
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        say!("The trash is empty");
        return Ok(ExitCode::SUCCESS);
    }
    let now = lanes::store::now();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            vec![
                item.id.clone(),
                item.branch.clone().unwrap_or_else(|| "-".into()),
                format!("{} ago", age(now.saturating_sub(item.time))),
                item.reason.clone(),
                item.path.display().to_string(),
            ]
        })
        .collect();
    say!(
        "{}",
        super::table::render(&["ID", "BRANCH", "SAVED", "BY", "PATH"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}

fn age(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// Options of `lanes restore`.
#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// Ticket whose newest trash entry to restore (default: the newest entry of all).
    pub ticket: Option<String>,
    /// A trash entry by id, as `lanes list --trash` shows it.
    #[arg(long)]
    pub id: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `lanes prune`.
#[derive(clap::Args, Debug)]
pub struct PruneArgs {
    /// Remove every merged lane instead (merged, rebased or squash-merged into its base), each
    /// through the same checks as `lanes remove`: lanes with uncommitted work are kept.
    #[arg(long)]
    pub merged: bool,
    /// With --merged: list what would be removed, change nothing.
    #[arg(long, requires = "merged")]
    pub dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn prune(ctx: &Context, args: PruneArgs) -> Result<ExitCode> {
    if args.merged {
        return prune_merged_lanes(ctx, &args);
    }
    let pruned = prune_lanes(&ctx.repo, &ctx.config)?;
    if args.json {
        print_json(&pruned)?;
        return Ok(ExitCode::SUCCESS);
    }
    if pruned.is_empty() {
        say!("Nothing to prune");
    }
    for lane in &pruned {
        say!(
            "Pruned {} ({}){}{}",
            lane.ticket.as_deref().unwrap_or("-"),
            lane.path.display(),
            lane.branch
                .as_deref()
                .map(|b| format!("; branch {b} kept"))
                .unwrap_or_default(),
            lane.trash
                .as_deref()
                .map(|id| format!("; staged changes saved as {id}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn prune_merged_lanes(ctx: &Context, args: &PruneArgs) -> Result<ExitCode> {
    let report = prune_merged(&ctx.repo, &ctx.config, args.dry_run)?;
    if args.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    if report.removed.is_empty() && report.kept.is_empty() {
        say!("No merged lanes");
    }
    let verb = if report.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    for lane in &report.removed {
        say!(
            "{verb} merged lane {} ({}){}",
            lane.ticket,
            lane.path.display(),
            lane.branch
                .as_deref()
                .map(|b| format!(" and its branch {b}"))
                .unwrap_or_default()
        );
    }
    for lane in &report.kept {
        say!(
            "Kept merged lane {} ({}): {}",
            lane.ticket,
            lane.path.display(),
            lane.reason
        );
    }
    if !report.dry_run && !report.removed.is_empty() {
        say!("Everything removed is in the trash: `lanes list --trash`, `lanes restore TICKET`");
    }
    Ok(ExitCode::SUCCESS)
}
