//! `lanes switch`: prints (and, with the shell integration, goes to) a lane's directory; with no
//! name on a terminal, a fuzzy picker of the lanes.

use std::io::IsTerminal;
use std::process::ExitCode;

use lanes::ops::switch::{switch, Target};
use lanes::{Error, Lane, Result};

use super::Context;

#[derive(clap::Args, Debug)]
pub struct SwitchArgs {
    /// The lane: ticket key (any case), branch, or worktree directory name; `-` for the previous
    /// lane, `^` for the primary checkout. Omitted on a terminal: pick from a list.
    #[arg(add = clap_complete::ArgValueCandidates::new(super::completion::lane_names))]
    pub lane: Option<String>,
}

pub fn run(ctx: &Context, args: SwitchArgs) -> Result<ExitCode> {
    let target = match args.lane {
        Some(arg) => Target::parse(&arg),
        None => {
            if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
                return Err(Error::Usage(
                    "name the lane: `lanes switch KEY` (a ticket, branch or directory name, `-` for the previous lane, `^` for the primary checkout); on a terminal `lanes switch` alone opens a picker".into(),
                ));
            }
            let lanes = lanes::ops::list(&ctx.repo, &ctx.config)?;
            match pick(&lanes, choose_on_terminal)? {
                Some(lane) => Target::Named(lane.path.display().to_string()),
                None => return Ok(ExitCode::from(130)),
            }
        }
    };
    let entry = switch(&ctx.repo, &ctx.config, &ctx.cwd, &target)?;
    let path = entry.path().unwrap_or(&ctx.cwd);
    say!("{}", path.display());
    super::change_directory(path);
    Ok(ExitCode::SUCCESS)
}

/// Offers the lanes to `choose` (which shows the labels and returns the index picked, or none
/// when the person backed out) and returns the one picked. The seam between what the picker
/// shows and the terminal that shows it.
pub fn pick(
    lanes: &[Lane],
    choose: impl FnOnce(&[String]) -> Result<Option<usize>>,
) -> Result<Option<&Lane>> {
    let candidates: Vec<&Lane> = lanes.iter().filter(|l| !l.missing).collect();
    if candidates.is_empty() {
        return Err(Error::NoSuchLane("any".into()).with_hint("`lanes start KEY` makes one"));
    }
    let labels: Vec<String> = candidates.iter().map(|l| label(l)).collect();
    Ok(choose(&labels)?.and_then(|i| candidates.get(i).copied()))
}

/// One line of the picker: ticket, title, branch, dirty, ahead/behind, pull request.
pub fn label(lane: &Lane) -> String {
    let name = match (&lane.ticket, lane.primary) {
        (Some(t), _) => t.clone(),
        (None, true) => "^ (primary)".into(),
        (None, false) => lane
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let mut parts = vec![format!("{name:<12}")];
    if let Some(title) = &lane.title {
        parts.push(truncate(title, 40));
    }
    parts.push(lane.branch.clone().unwrap_or_else(|| "(detached)".into()));
    match lane.dirty {
        Some(0) | None => {}
        Some(n) => parts.push(format!("●{n}")),
    }
    if let (Some(a), Some(b)) = (lane.ahead, lane.behind) {
        if a > 0 || b > 0 {
            parts.push(format!("↑{a} ↓{b}"));
        }
    }
    if let Some(pr) = lane.pr {
        parts.push(match &lane.pr_state {
            Some(state) => format!("PR#{pr} {state}"),
            None => format!("PR#{pr}"),
        });
    }
    if lane.merged {
        parts.push("merged".into());
    }
    parts.join("  ")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The fuzzy picker on the terminal (drawn on stderr, so stdout stays the path).
fn choose_on_terminal(labels: &[String]) -> Result<Option<usize>> {
    // The picker draws on the terminal itself: its labels (titles, branches) are made printable.
    let labels: Vec<String> = labels
        .iter()
        .map(|l| lanes::printable::printable(l).replace('\n', " "))
        .collect();
    dialoguer::FuzzySelect::new()
        .with_prompt("Switch to lane")
        .items(&labels)
        .default(0)
        .interact_on_opt(&dialoguer::console::Term::stderr())
        .map_err(|e| Error::Internal(format!("the lane picker failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(ticket: Option<&str>, primary: bool) -> Lane {
        Lane {
            ticket: ticket.map(str::to_string),
            title: None,
            branch: Some(ticket.map_or("main".into(), |t| format!("feature/{t}"))),
            path: format!("/work/{}", ticket.unwrap_or("project")).into(),
            repo: "/work/project".into(),
            primary,
            base: Some("origin/main".into()),
            head: None,
            detached: false,
            locked: false,
            lock_reason: None,
            missing: false,
            broken: None,
            dirty: Some(0),
            ahead: Some(0),
            behind: Some(0),
            pr: None,
            pr_state: None,
            merged: false,
            port: None,
            conflicts: Vec::new(),
        }
    }

    #[test]
    fn the_picker_shows_ticket_title_branch_dirty_distance_and_pull_request() {
        let mut l = lane(Some("PROJ-7"), false);
        l.title = Some("Fix the login timeout when the session cookie expires overnight".into());
        l.dirty = Some(2);
        l.ahead = Some(3);
        l.behind = Some(1);
        l.pr = Some(12);
        l.pr_state = Some("open".into());
        assert_eq!(
            label(&l),
            "PROJ-7        Fix the login timeout when the session…  feature/PROJ-7  ●2  ↑3 ↓1  PR#12 open"
        );
    }

    #[test]
    fn the_picker_returns_the_lane_chosen_and_skips_missing_ones() {
        let mut gone = lane(Some("GONE-1"), false);
        gone.missing = true;
        let lanes = vec![lane(None, true), gone, lane(Some("B-2"), false)];
        let mut shown = Vec::new();
        let picked = pick(&lanes, |labels| {
            shown = labels.to_vec();
            Ok(Some(1))
        })
        .unwrap();
        assert_eq!(picked.and_then(|l| l.ticket.as_deref()), Some("B-2"));
        assert_eq!(shown.len(), 2);
        assert!(shown[0].starts_with("^ (primary)"));
    }

    #[test]
    fn backing_out_of_the_picker_picks_nothing() {
        let lanes = vec![lane(Some("A-1"), false)];
        assert!(pick(&lanes, |_| Ok(None)).unwrap().is_none());
    }
}
