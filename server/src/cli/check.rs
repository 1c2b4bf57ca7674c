//! `lanes check`.

use std::process::ExitCode;

use lanes::ops::check::check;
use lanes::protocol as wire;
use lanes::protocol::FileChange;
use lanes::Result;

use super::{print_json, table, Context};

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Print JSON: [{path, overlapping, lanes: [{ticket, branch, path, change}]}].
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when changed line ranges of two lanes overlap.
    #[arg(long)]
    pub exit_code: bool,
    /// Check every configured repository (each on its own).
    #[arg(long)]
    pub all: bool,
}

/// `lanes check --all`: each configured repository on its own.
pub fn run_many(args: CheckArgs) -> Result<ExitCode> {
    let user = lanes::Config::load_user()?;
    let targets = lanes::ops::multi::choose(&user, &[], &[], true)?;
    let outcomes = lanes::ops::multi::check_many(&targets);
    if args.json {
        print_json(
            &outcomes
                .iter()
                .map(|o| o.report(|overlaps| overlaps.clone()))
                .collect::<Vec<wire::Outcome<Vec<wire::PathOverlap>>>>(),
        )?;
    } else {
        for outcome in &outcomes {
            match &outcome.result {
                Ok(overlaps) if overlaps.is_empty() => {
                    println!("{}: no file is changed in more than one lane", outcome.repo)
                }
                Ok(overlaps) => {
                    println!("{}:", outcome.repo);
                    for o in overlaps {
                        let state = if o.overlapping { "OVERLAP" } else { "shared" };
                        let names: Vec<String> = o
                            .lanes
                            .iter()
                            .map(|l| {
                                l.ticket
                                    .clone()
                                    .or_else(|| l.branch.clone())
                                    .unwrap_or_default()
                            })
                            .collect();
                        println!("  {}  {state}  {}", o.path, names.join(", "));
                    }
                }
                Err(error) => super::print_repo_error(&outcome.repo, "", error),
            }
        }
    }
    let conflict = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .any(|overlaps| overlaps.iter().any(|o| o.overlapping));
    Ok(if args.exit_code && conflict {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn run(ctx: &Context, args: CheckArgs) -> Result<ExitCode> {
    let overlaps = check(&ctx.repo, &ctx.config)?;
    if args.json {
        print_json(&overlaps)?;
    } else if overlaps.is_empty() {
        println!("No file is changed in more than one lane");
    } else {
        let rows: Vec<Vec<String>> = overlaps
            .iter()
            .map(|o| {
                let lanes: Vec<String> = o
                    .lanes
                    .iter()
                    .map(|side| {
                        let name = side
                            .ticket
                            .clone()
                            .or_else(|| side.branch.clone())
                            .unwrap_or_else(|| side.path.display().to_string());
                        format!("{name} ({})", lines(&side.change))
                    })
                    .collect();
                let state = if o.overlapping { "OVERLAP" } else { "shared" };
                vec![o.path.clone(), state.to_string(), lanes.join(", ")]
            })
            .collect();
        println!("{}", table::render(&["PATH", "LINES", "LANES"], &rows));
    }
    let conflict = overlaps.iter().any(|o| o.overlapping);
    Ok(if args.exit_code && conflict {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// "lines 3-5, 9" in the lane's own version of the file; "whole file" for binary/added/deleted.
fn lines(change: &FileChange) -> String {
    if change.whole {
        return "whole file".into();
    }
    let ranges: Vec<String> = change
        .hunks
        .iter()
        .map(|h| {
            let (a, b) = if h.new.lines == 0 {
                (h.new.start, h.new.start)
            } else {
                (h.new.start, h.new.start + h.new.lines - 1)
            };
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    format!("lines {}", ranges.join(", "))
}
