//! `lanes check`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use lanes::ops::check::{check_files, check_with};
use lanes::protocol::{Pair, PathOverlap, Verdict};
use lanes::Result;

use super::{print_json, table, Context};

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Print JSON: [{path, overlapping, conflict, lanes: [...], pairs: [{a, b, kind, lines,
    /// other_lines}]}].
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when a merge would conflict.
    #[arg(long)]
    pub exit_code: bool,
    /// Check every configured repository (each on its own).
    #[arg(long)]
    pub all: bool,
    /// Hook mode: only this file (repeatable); exits 5 when its lane's version conflicts with
    /// another lane or the base.
    #[arg(long = "file", value_name = "PATH", conflicts_with = "all")]
    pub files: Vec<PathBuf>,
    /// Hook mode, reading the paths from stdin, one per line.
    #[arg(long, conflicts_with = "all")]
    pub stdin: bool,
    /// Judge teammates' open pull requests too, as lanes (fetched into refs/lanes/teammates/,
    /// no worktree; the GitHub token and cache of `lanes sync`).
    #[arg(long, conflicts_with = "all")]
    pub prs: bool,
}

/// Exit code of hook mode when editing a file would make (or keeps) a merge conflict.
pub const CONFLICT_EXIT: u8 = 5;

/// `lanes check --all`: each configured repository on its own.
pub fn run_many(args: CheckArgs) -> Result<ExitCode> {
    let user = lanes::Config::load_user()?;
    let targets = lanes::ops::multi::choose(&user, &[], &[], true)?;
    let outcomes = lanes::ops::multi::check_many(&targets);
    if args.json {
        super::print_outcomes(&outcomes)?;
    } else {
        for outcome in &outcomes {
            match &outcome.result {
                Ok(report) if report.is_empty() => {
                    say!("{}: no file is changed by two sides", outcome.repo)
                }
                Ok(report) => {
                    say!("{}:", outcome.repo);
                    print_report(report);
                }
                Err(error) => super::print_repo_error(&outcome.repo, "", error),
            }
        }
    }
    let conflict = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .any(|report| report.iter().any(|o| o.conflict));
    Ok(if args.exit_code && conflict {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn run(ctx: &Context, args: CheckArgs) -> Result<ExitCode> {
    if !args.files.is_empty() || args.stdin {
        return run_files(ctx, args);
    }
    let prs = args.prs || ctx.config.guard_pull_requests;
    let report = check_with(&ctx.repo, &ctx.config, prs)?;
    if args.json {
        print_json(&report)?;
    } else if report.is_empty() {
        say!("No file is changed in more than one lane, and no base changed a lane's file");
    } else {
        print_report(&report);
    }
    let conflict = report.iter().any(|o| o.conflict);
    Ok(if args.exit_code && conflict {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `lanes check --file PATH…` / `--stdin`: may these files be edited without a conflict?
fn run_files(ctx: &Context, args: CheckArgs) -> Result<ExitCode> {
    let mut files: Vec<PathBuf> = args.files.iter().map(|f| ctx.cwd.join(f)).collect();
    if args.stdin {
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(lanes::Error::io("reading paths from stdin"))?;
            let line = line.trim();
            if !line.is_empty() {
                files.push(ctx.cwd.join(line));
            }
        }
    }
    let prs = args.prs || ctx.config.guard_pull_requests;
    let report = check_files(&ctx.repo, &ctx.config, &files, prs)?;
    if args.json {
        print_json(&report)?;
    } else if report.is_empty() {
        say!("No other lane and no base change these files");
    } else {
        print_report(&report);
    }
    Ok(if report.iter().any(|o| o.conflict) {
        ExitCode::from(CONFLICT_EXIT)
    } else {
        ExitCode::SUCCESS
    })
}

/// Shared files shown before the rest are summed up in a count.
const SHARED_SHOWN: usize = 10;

/// One row per file, worst first: its verdict and its pairs; then what to do.
fn print_report(report: &[PathOverlap]) {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut rows = Vec::new();
    let mut hidden = 0;
    let mut shared = 0;
    for entry in report {
        let worst = entry.pairs.first().map_or(Verdict::Shared, |p| p.kind);
        if worst == Verdict::Shared {
            shared += 1;
            if shared > SHARED_SHOWN {
                hidden += 1;
                continue;
            }
        }
        let pairs: Vec<String> = entry.pairs.iter().map(Pair::describe).collect();
        rows.push(vec![
            paint(worst, colour),
            entry.path.clone(),
            pairs.join("; "),
        ]);
    }
    say!("{}", table::render(&["VERDICT", "PATH", "PAIRS"], &rows));
    if hidden > 0 {
        say!("… and {hidden} more shared files (`lanes check --json` lists them all)");
    }
    if report.iter().any(|o| o.conflict) {
        say!(
            "\nTo avoid a conflict: move the change to the lane it belongs in (`lanes move FILE \
             --to TICKET`), rebase the lane onto its base, or agree with the other lane's owner \
             who changes these lines."
        );
    }
}

fn paint(verdict: Verdict, colour: bool) -> String {
    let text = verdict.word().to_uppercase();
    match (colour, verdict) {
        (true, Verdict::Conflict) => format!("\x1b[31m{text}\x1b[0m"),
        (true, Verdict::Overlap) => format!("\x1b[33m{text}\x1b[0m"),
        _ => text,
    }
}
