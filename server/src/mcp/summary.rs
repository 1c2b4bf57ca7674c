//! The short text each tool answers with beside its structured report: what an agent reads
//! first (and all that a client without structured output shows).

use lanes::protocol as wire;

/// "Created lane PROJ-1 …" / "Lane PROJ-1 already exists …".
pub fn started(started: &wire::Started) -> String {
    let lane = &started.lane;
    let ticket = lane.ticket.as_deref().unwrap_or("?");
    let mut text = if started.created {
        format!(
            "Created lane {ticket} on branch {} at {}",
            branch(lane),
            lane.path.display()
        )
    } else {
        format!(
            "Lane {ticket} already exists: branch {} at {}",
            branch(lane),
            lane.path.display()
        )
    };
    if let Some(context) = &started.context {
        text.push_str(&format!(". The ticket is in {}", context.display()));
    }
    for warning in &started.warnings {
        text.push_str(&format!("\nwarning: {warning}"));
    }
    text
}

/// One line per lane.
pub fn lanes(list: &wire::LaneList) -> String {
    let mut lines = vec![format!("{} lanes:", list.lanes.len())];
    lines.extend(list.lanes.iter().map(lane));
    lines.join("\n")
}

/// "PROJ-1 (feature/PROJ-1) at /path: 2 uncommitted, ↑1 ↓0, PR #12, conflicts with B-1".
pub fn lane(lane: &wire::Lane) -> String {
    let name = match (&lane.ticket, lane.primary) {
        (Some(t), _) => t.clone(),
        (None, true) => "the primary checkout".into(),
        (None, false) => "a worktree".into(),
    };
    let mut bits = Vec::new();
    if let Some(n) = lane.dirty.filter(|n| *n > 0) {
        bits.push(format!("{n} uncommitted"));
    }
    if let (Some(a), Some(b)) = (lane.ahead, lane.behind) {
        bits.push(format!("↑{a} ↓{b}"));
    }
    if let Some(pr) = lane.pr {
        bits.push(format!("PR #{pr}"));
    }
    if lane.merged {
        bits.push("merged".into());
    }
    if !lane.conflicts.is_empty() {
        bits.push(format!("conflicts with {}", lane.conflicts.join(", ")));
    }
    let title = lane
        .title
        .as_deref()
        .map(|t| format!(" \"{t}\""))
        .unwrap_or_default();
    let state = if bits.is_empty() {
        String::new()
    } else {
        format!(": {}", bits.join(", "))
    };
    format!(
        "{name}{title} ({}) at {}{state}",
        branch(lane),
        lane.path.display()
    )
}

/// "Safe: …" or one line per other side.
pub fn check(check: &wire::FileCheck) -> String {
    if check.safe {
        return format!(
            "Safe: no other lane, and not the base, changes {}.",
            check.path
        );
    }
    let head = if check.conflict {
        format!("CONFLICT: editing {} risks a merge conflict:", check.path)
    } else {
        format!("Others change {} too (git merges it cleanly):", check.path)
    };
    let mut lines = vec![head];
    for overlap in &check.overlaps {
        lines.extend(overlap.pairs.iter().map(|p| format!("- {}", p.describe())));
    }
    lines.join("\n")
}

/// "Moved 2 hunk(s) of src/a.rs to lane B-1 (/path)".
pub fn moved(moved: &wire::Moved) -> String {
    let mut text = moved.describe();
    if !moved.conflicts.is_empty() {
        text.push_str(&format!(
            "; conflict markers in {}",
            moved.conflicts.join(", ")
        ));
    }
    text
}

/// "Opened pull request #8: URL".
pub fn pull_request(opened: &wire::PullRequestOpened) -> String {
    let verb = if opened.created { "Opened" } else { "Updated" };
    let draft = if opened.draft { " (draft)" } else { "" };
    format!(
        "{verb} pull request #{}{draft} ({} → {}): {}",
        opened.number, opened.branch, opened.base, opened.url
    )
}

/// "Pull requests synced across N repositories: 2 created, 1 updated".
pub fn synced(report: &wire::SyncReport) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut problems = Vec::new();
    for repo in &report.repos {
        for pull in &repo.pulls {
            let action = serde_json::to_value(pull.action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            *counts.entry(action).or_default() += 1;
        }
        if let Some(error) = &repo.error {
            problems.push(format!("{}: {error}", repo.repo));
        }
    }
    let done: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let mut text = format!(
        "Pull requests synced across {} repositories: {}",
        report.repos.len(),
        if done.is_empty() {
            "none open".to_string()
        } else {
            done.join(", ")
        }
    );
    for problem in problems {
        text.push_str(&format!("\n{problem}"));
    }
    text
}

fn branch(lane: &wire::Lane) -> &str {
    lane.branch.as_deref().unwrap_or("(detached HEAD)")
}
