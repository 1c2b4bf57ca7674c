//! `lanes list`, `lanes status`, `lanes tickets`.

use std::process::ExitCode;

use lanes::ops;
use lanes::{Lane, Result};

use super::table::{self, Cell};
use super::{print_json, Context};

pub fn list(ctx: &Context, json: bool) -> Result<ExitCode> {
    let lanes = ops::list(&ctx.repo, &ctx.config)?;
    if json {
        print_json(&lanes)?;
        return Ok(ExitCode::SUCCESS);
    }
    let term = console::Term::stdout();
    let on_terminal = term.is_term();
    let colour = on_terminal && std::env::var_os("NO_COLOR").is_none();
    let paint =
        |text: String, style: console::Style| Cell::painted(text, style.force_styling(colour));
    let mut rows: Vec<Vec<Cell>> = lanes
        .iter()
        .map(|lane| {
            let flags = flags(lane)
                .into_iter()
                .map(|f| {
                    let style = if f.starts_with('✗') || f == "missing" || f.starts_with("broken")
                    {
                        console::Style::new().red()
                    } else if f == "merged" {
                        console::Style::new().green()
                    } else {
                        console::Style::new().dim()
                    };
                    paint(f, style)
                })
                .collect::<Vec<_>>();
            vec![
                paint(ticket_cell(lane), console::Style::new().bold()),
                Cell::from(lane.title.clone().unwrap_or_default()),
                Cell::from(lane.branch.clone().unwrap_or_else(|| "(detached)".into())),
                match lane.dirty {
                    Some(0) => Cell::from("0"),
                    Some(n) => paint(n.to_string(), console::Style::new().yellow()),
                    None => Cell::from("-"),
                },
                Cell::from(distance(lane)),
                Cell::from(lane.path.display().to_string()),
                Cell::joined(flags, " "),
            ]
        })
        .collect();
    // On a terminal the title gives way so that each lane stays on one line.
    if on_terminal {
        let (_, columns) = term.size();
        let others: usize = (0..7)
            .filter(|c| *c != 1)
            .map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0) + 2)
            .sum();
        let room = usize::from(columns).saturating_sub(others).max(12);
        for row in &mut rows {
            row[1].truncate(room);
        }
    }
    super::out::table(&table::render(
        &[
            "TICKET",
            "TITLE",
            "BRANCH",
            "DIRTY",
            "AHEAD/BEHIND",
            "PATH",
            "FLAGS",
        ],
        &rows,
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn list_many(json: bool) -> Result<ExitCode> {
    let user = lanes::Config::load_user()?;
    let targets = lanes::ops::multi::choose(&user, &[], &[], true)?;
    let (tickets, problems) = lanes::ops::multi::list_many(&user, &targets);
    for problem in &problems {
        tell!("warning: {}", problem.error);
        for hint in &problem.hints {
            tell!("  hint: {hint}");
        }
    }
    if json {
        print_json(&tickets)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = Vec::new();
    for group in &tickets {
        for (i, lane) in group.lanes.iter().enumerate() {
            rows.push(vec![
                if i == 0 {
                    group.ticket.clone()
                } else {
                    String::new()
                },
                lane.repo.clone(),
                lane.lane
                    .branch
                    .clone()
                    .unwrap_or_else(|| "(detached)".into()),
                lane.lane.dirty.map_or("-".into(), |d| d.to_string()),
                distance(&lane.lane),
                lane.lane.path.display().to_string(),
            ]);
        }
    }
    say!(
        "{}",
        table::render(
            &["TICKET", "REPO", "BRANCH", "DIRTY", "AHEAD/BEHIND", "PATH"],
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}

pub fn status(ctx: &Context, json: bool) -> Result<ExitCode> {
    let lane = ops::status(&ctx.repo, &ctx.config, &ctx.cwd)?;
    if json {
        print_json(&lane)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("lane    {}", ticket_cell(&lane));
    if let Some(title) = &lane.title {
        say!("title   {title}");
    }
    say!("branch  {}", lane.branch.as_deref().unwrap_or("(detached)"));
    say!("path    {}", lane.path.display());
    say!(
        "dirty   {}",
        lane.dirty.map_or("-".into(), |d| d.to_string())
    );
    say!(
        "base    {} ({})",
        lane.base.as_deref().unwrap_or("-"),
        distance(&lane)
    );
    let flags = flags(&lane);
    if !flags.is_empty() {
        say!("flags   {}", flags.join(" "));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn tickets(ctx: &Context, json: bool) -> Result<ExitCode> {
    let tickets = lanes::ops::tickets::my_tickets(&ctx.repo, &ctx.config)?;
    if json {
        print_json(&tickets)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = tickets
        .iter()
        .map(|t| {
            vec![
                t.key.clone(),
                t.status.clone().unwrap_or_default(),
                t.title.clone(),
                t.lane
                    .as_ref()
                    .map_or("-".into(), |p| p.display().to_string()),
            ]
        })
        .collect();
    say!(
        "{}",
        table::render(&["TICKET", "STATUS", "TITLE", "LANE"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}

fn ticket_cell(lane: &Lane) -> String {
    match (&lane.ticket, lane.primary) {
        (Some(t), _) => t.clone(),
        (None, true) => "(primary)".into(),
        (None, false) => "-".into(),
    }
}

fn distance(lane: &Lane) -> String {
    match (lane.ahead, lane.behind) {
        (Some(a), Some(b)) => format!("↑{a} ↓{b}"),
        _ => "-".into(),
    }
}

fn flags(lane: &Lane) -> Vec<String> {
    let mut flags = Vec::new();
    if lane.missing {
        flags.push("missing".to_string());
    }
    if lane.broken.is_some() {
        flags.push("broken (git worktree repair)".to_string());
    }
    if lane.locked {
        flags.push(match &lane.lock_reason {
            Some(r) => format!("locked({r})"),
            None => "locked".to_string(),
        });
    }
    if lane.detached {
        flags.push("detached".to_string());
    }
    if let Some(pr) = lane.pr {
        flags.push(format!("PR#{pr}"));
    }
    if lane.merged {
        // Its work is in the base: `lanes remove` / `lanes prune --merged` lose nothing.
        flags.push("merged".to_string());
    }
    if !lane.conflicts.is_empty() {
        // Like worktrunk's ✗: merging would conflict, and with whom.
        flags.push(format!("✗ conflicts with {}", lane.conflicts.join(", ")));
    }
    flags
}
