//! `lanes move`, `lanes untangle`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use lanes::ops::moves::{
    move_changes, untangle_apply, untangle_list, MoveRequest, Moved, Selection,
};
use lanes::protocol as wire;
use lanes::{Error, Result};

use super::{print_json, table, Context};

#[derive(clap::Args, Debug)]
pub struct MoveArgs {
    /// The lane to move the change to (ticket key in any case, or its branch).
    #[arg(long, value_name = "TICKET", add = clap_complete::ArgValueCandidates::new(super::completion::lane_names))]
    pub to: String,
    /// What to move: files, or lines of a file (`src/app.rs:10-20`, `src/app.rs:12`); everything
    /// uncommitted when omitted.
    #[arg(value_name = "PATH[:LINES]")]
    pub paths: Vec<PathBuf>,
    /// When the change does not apply cleanly, write conflict markers in the target lane instead
    /// of refusing.
    #[arg(long = "3way")]
    pub three_way: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct UntangleArgs {
    /// Apply an assignment: a JSON object of hunk id → ticket (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub apply: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The worktree of the current directory.
fn current_worktree(ctx: &Context) -> Result<PathBuf> {
    let lane = lanes::ops::status(&ctx.repo, &ctx.config, &ctx.cwd)?;
    Ok(lane.path)
}

fn parse_selection(
    ctx: &Context,
    worktree: &std::path::Path,
    arg: &std::path::Path,
) -> Result<Selection> {
    use std::os::unix::ffi::OsStrExt;
    // File names may hold any bytes (not only UTF-8): the `:LINES` suffix is split off as bytes.
    let bytes = arg.as_os_str().as_bytes();
    let split = bytes
        .iter()
        .rposition(|b| *b == b':')
        .map(|i| (&bytes[..i], &bytes[i + 1..]));
    // A file whose name itself ends in `:12` is that file, not line 12 of another.
    let names_a_file = std::fs::symlink_metadata(ctx.cwd.join(arg)).is_ok();
    let (path, lines) = match split {
        Some((p, l))
            if !names_a_file
                && !l.is_empty()
                && l.iter().all(|b| b.is_ascii_digit() || *b == b'-') =>
        {
            let l = String::from_utf8_lossy(l);
            let (a, b) = l.split_once('-').unwrap_or((&l, &l));
            let parse = |s: &str| {
                s.parse::<u32>().map_err(|_| {
                    Error::Usage(format!(
                        "invalid line range {l:?} in {:?}; use 10-20 or 12",
                        arg.display()
                    ))
                })
            };
            let (a, b) = (parse(a)?, parse(b)?);
            (
                std::path::Path::new(std::ffi::OsStr::from_bytes(p)),
                Some((a.min(b), a.max(b))),
            )
        }
        _ => (arg, None),
    };
    let absolute = lanes::lane::normalize(&ctx.cwd.join(path));
    let relative = absolute.strip_prefix(worktree).map_err(|_| {
        Error::Usage(format!(
            "{} is not inside this lane ({})",
            path.display(),
            worktree.display()
        ))
    })?;
    Ok(Selection {
        path: relative.to_path_buf(),
        lines,
    })
}

fn report(moved: &Moved) {
    say!("{}", moved.describe());
    if !moved.conflicts.is_empty() {
        say!("  conflict markers in: {}", moved.conflicts.join(", "));
    }
}

pub fn run_move(ctx: &Context, args: MoveArgs) -> Result<ExitCode> {
    let from = current_worktree(ctx)?;
    let selections = args
        .paths
        .iter()
        .map(|p| parse_selection(ctx, &from, p))
        .collect::<Result<Vec<_>>>()?;
    let request = MoveRequest {
        from,
        to: lanes::ops::switch::ticket_named(&ctx.repo, &ctx.config, &args.to)?,
        selections,
        hunk_ids: Vec::new(),
        three_way: args.three_way,
    };
    let moved = move_changes(&ctx.repo, &ctx.config, &request)?;
    if args.json {
        print_json(&moved)?;
    } else {
        report(&moved);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_untangle(ctx: &Context, args: UntangleArgs) -> Result<ExitCode> {
    let worktree = current_worktree(ctx)?;
    if let Some(file) = args.apply {
        let text = if file.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())
                .map_err(Error::io("reading standard input"))?
        } else {
            // A file the user named on the command line, perhaps a pipe (`<(…)`): read as asked.
            #[allow(clippy::disallowed_methods)]
            std::fs::read_to_string(&file)
                .map_err(Error::io(format!("reading {}", file.display())))?
        };
        let assignment: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| {
            Error::Usage(format!(
                "the assignment must be a JSON object of hunk id → ticket, e.g. {{\"src/a.rs@1a2b3c4d\": \"PROJ-7\"}}: {e}"
            ))
        })?;
        let moved = untangle_apply(&ctx.repo, &ctx.config, &worktree, &assignment)?;
        if args.json {
            print_json(&moved)?;
        } else {
            moved.iter().for_each(report);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let entries = untangle_list(&worktree)?;
    if args.json {
        print_json(
            &entries
                .iter()
                .map(wire::UntangleEntry::from)
                .collect::<Vec<_>>(),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        say!("No uncommitted changes in {}", worktree.display());
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let lines = match &e.hunk {
                Some(h) if h.new_lines == 0 => format!("after {}", h.new_start),
                Some(h) => format!("{}-{}", h.new_start, h.new_start + h.new_lines - 1),
                None => "whole file".into(),
            };
            let first = e.preview.first().cloned().unwrap_or_default();
            vec![e.id.clone(), lines, first.chars().take(60).collect()]
        })
        .collect();
    say!("{}", table::render(&["HUNK", "LINES", "CHANGE"], &rows));
    say!("\nAssign hunks to lanes in a JSON file ({{\"HUNK\": \"TICKET\", …}}) and run `lanes untangle --apply FILE`.");
    Ok(ExitCode::SUCCESS)
}
