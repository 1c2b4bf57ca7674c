//! `lanes pr`: opens the lane's pull request — pushes the branch (git, upstream set), then creates
//! the pull request on GitHub, titled and described from the ticket, or updates the one already
//! open for the branch — and records it on the lane.
//!
//! An update never clobbers what people wrote on GitHub: the title is left alone, and of the
//! description only the block lanes wrote (between its markers) is replaced.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::forge::github::{GitHub, Method};
use crate::forge::models::Pull;
use crate::forge::remote::remote_on;
use crate::git::{cli, Repo};
use crate::lane::{containing, lanes_of};
use crate::progress::Progress;
use crate::store::Store;
use crate::ticket::{Provider, TicketKey};

pub use crate::protocol::PullRequestOpened;

/// Marks the part of a description lanes writes and may rewrite.
const BEGIN: &str = "<!-- lanes:ticket -->";
const END: &str = "<!-- /lanes:ticket -->";

/// How to open it.
#[derive(Debug, Clone, Default)]
pub struct PrRequest {
    /// Open it as a draft (a new pull request only).
    pub draft: bool,
    /// Merge into this branch instead of the lane's base (without its remote's prefix).
    pub base: Option<String>,
    /// Do not ask the ticket provider: title and link from the lane's record alone.
    pub offline: bool,
}

/// Opens (or updates) the pull request of the lane at `dir`.
pub fn open_pull_request(
    repo: &Repo,
    config: &Config,
    dir: &Path,
    request: &PrRequest,
    progress: &dyn Progress,
) -> Result<PullRequestOpened> {
    let entries = lanes_of(repo, config)?;
    let entry = containing(&entries, dir)?;
    let ticket = entry.ticket.clone().ok_or_else(|| {
        Error::Usage("this worktree has no ticket: lanes opens pull requests for lanes".into())
    })?;
    let path = entry.path().unwrap_or(dir).to_path_buf();
    let branch = entry
        .worktree
        .as_ref()
        .and_then(|w| w.branch())
        .ok_or_else(|| {
            Error::Conflict(format!(
                "lane {ticket} has a detached HEAD: no branch to push"
            ))
            .with_hint("`git switch` to the lane's branch first")
        })?
        .to_string();

    let (github, remote, id) = GitHub::for_repo(repo, config, "to open a pull request in")?;
    let full = id.full_name();
    // In a fork set-up the pull request goes to `upstream` from the branch pushed to your fork
    // (`origin`); otherwise both are the one remote.
    let host = id.host.clone();
    let (push_remote, head_owner) = match remote_on(repo, "origin", &host) {
        Some(fork) if remote != "origin" => ("origin".to_string(), fork.owner),
        _ => (remote.clone(), id.owner.clone()),
    };
    let base = match &request.base {
        Some(b) => b.clone(),
        None => {
            // `origin/main` → `main`: the branch on GitHub, whichever remote tracked it.
            let lane_base = entry.base(config, repo).unwrap_or_else(|| "main".into());
            repo.remotes()
                .iter()
                .find_map(|r| lane_base.strip_prefix(&format!("{r}/")))
                .unwrap_or(&lane_base)
                .to_string()
        }
    };

    let details = if request.offline {
        None
    } else {
        Provider::from_config(config, Some(repo))?
            .ticket(&ticket)
            .map_err(|e| {
                e.with_hint("`lanes pr --offline` opens it from the lane's record alone")
            })?
    };
    let record = entry.record.as_ref();
    let title = details
        .as_ref()
        .map(|t| t.title.clone())
        .or_else(|| record.and_then(|r| r.title.clone()))
        .or_else(|| head_summary(repo, &branch));
    let title = match title {
        Some(t) => format!("{ticket}: {t}"),
        None => ticket.to_string(),
    };
    let url = details
        .as_ref()
        .and_then(|t| t.url.clone())
        .or_else(|| record.and_then(|r| r.url.clone()));
    // The criteria as the provider has them now, else as written into the lane at its start.
    let acceptance = details
        .as_ref()
        .and_then(|t| t.acceptance.clone())
        .or_else(|| {
            // Never through a link the repository committed there (it would go into the PR).
            crate::git::read::read_regular_string_in(
                &path,
                crate::ticket::CONTEXT_FILE,
                crate::git::read::MANAGED_CAP,
            )
            .ok()
            .flatten()
            .and_then(|context| crate::ticket::acceptance_criteria(&context))
        });
    let block = ticket_block(&ticket, url.as_deref(), acceptance.as_deref());

    progress.step(&format!("looking for the pull request on {full}"));
    let open: Vec<Vec<Pull>> = github.get_pages(
        &format!(
            "/repos/{full}/pulls?state=open&head={}&per_page=100",
            crate::web::query_component(&format!("{head_owner}:{branch}"))
        ),
        &format!("looking for an open pull request of {branch}"),
        1,
    )?;
    let existing = open.into_iter().flatten().find(|p| p.head.branch == branch);
    // Pushed only once GitHub has answered: a rejected token stops before anything moves.
    progress.step(&format!("pushing {branch} to {push_remote}"));
    cli::run_network(
        &path,
        [
            "push",
            "--quiet",
            "--set-upstream",
            push_remote.as_str(),
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
        ],
        Duration::from_secs(config.timeout.max(120)),
    )?;

    let (pull, created) = match existing {
        Some(pull) => {
            let mut change =
                json!({ "body": with_block(pull.body.as_deref().unwrap_or(""), &block) });
            if let Some(b) = &request.base {
                change["base"] = json!(b);
            }
            let updated: Pull = github.send(
                Method::Patch,
                &format!("/repos/{full}/pulls/{}", pull.number),
                &change,
                &format!("updating pull request #{}", pull.number),
            )?;
            (updated, false)
        }
        None => {
            let head = if head_owner == id.owner {
                branch.clone()
            } else {
                format!("{head_owner}:{branch}")
            };
            let new = json!({
                "title": title,
                "head": head,
                "base": base,
                "body": block,
                "draft": request.draft,
            });
            let created: Pull = github.send(
                Method::Post,
                &format!("/repos/{full}/pulls"),
                &new,
                &format!("creating the pull request of {branch}"),
            )?;
            (created, true)
        }
    };
    github.save_cache();

    let draft = pull.draft.unwrap_or(false);
    let state = if draft { "draft" } else { "open" };
    let store = Store::new(repo);
    let _lock = store.lock(&ticket)?;
    if let Some(mut record) = store.get(&ticket) {
        record.pr = Some(pull.number);
        record.pr_state = Some(state.to_string());
        store.save(&record)?;
    }
    Ok(PullRequestOpened {
        ticket: ticket.to_string(),
        number: pull.number,
        url: pull
            .html_url
            .unwrap_or_else(|| format!("https://{host}/{full}/pull/{}", pull.number)),
        created,
        draft,
        branch,
        base,
    })
}

/// The subject of the branch's newest commit.
fn head_summary(repo: &Repo, branch: &str) -> Option<String> {
    let tip = repo.branch_tip(branch)?;
    let commit = repo.git().find_commit(tip).ok()?;
    commit.summary().map(str::to_string)
}

/// What lanes writes into the description: the ticket link and its acceptance criteria as a
/// checklist, between markers.
pub fn ticket_block(ticket: &TicketKey, url: Option<&str>, acceptance: Option<&str>) -> String {
    let mut text = format!("{BEGIN}\n");
    match url {
        Some(url) => text.push_str(&format!("Ticket: [{ticket}]({url})\n")),
        None => text.push_str(&format!("Ticket: {ticket}\n")),
    }
    if let Some(acceptance) = acceptance.filter(|a| !a.trim().is_empty()) {
        text.push_str("\n### Acceptance criteria\n\n");
        for line in acceptance.lines() {
            text.push_str(&checklist_item(line));
            text.push('\n');
        }
    }
    text.push_str(END);
    text
}

/// A list item as a checklist item (`- x`, `* x`, `1. x`, `- [x] x` → `- [ ] x`); other lines
/// as they are.
fn checklist_item(line: &str) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let item = trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("* "))
        .or_else(|| {
            let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
            (digits > 0)
                .then(|| trimmed[digits..].strip_prefix(". "))
                .flatten()
        });
    match item {
        Some(item) => {
            let item = item
                .strip_prefix("[ ] ")
                .or_else(|| item.strip_prefix("[x] "))
                .unwrap_or(item);
            format!("{indent}- [ ] {item}")
        }
        None => line.to_string(),
    }
}

/// `body` with lanes' block replaced by `block` (or added at the end when it has none).
pub fn with_block(body: &str, block: &str) -> String {
    match (body.find(BEGIN), body.find(END)) {
        (Some(start), Some(end)) if end > start => {
            format!("{}{block}{}", &body[..start], &body[end + END.len()..])
        }
        _ if body.trim().is_empty() => block.to_string(),
        _ => format!("{}\n\n{block}", body.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptance_criteria_become_a_checklist() {
        let key = TicketKey::parse("PROJ-1").unwrap();
        let block = ticket_block(
            &key,
            Some("https://jira.example/browse/PROJ-1"),
            Some("- logs in\n* stays in\n2. logs out\n  - [x] nested\nNotes."),
        );
        assert_eq!(
            block,
            "<!-- lanes:ticket -->\nTicket: [PROJ-1](https://jira.example/browse/PROJ-1)\n\n### Acceptance criteria\n\n- [ ] logs in\n- [ ] stays in\n- [ ] logs out\n  - [ ] nested\nNotes.\n<!-- /lanes:ticket -->"
        );
    }

    #[test]
    fn an_update_replaces_only_lanes_block_and_keeps_what_people_wrote() {
        let old = "Reviewers: see the screenshots.\n\n<!-- lanes:ticket -->\nTicket: PROJ-1\n<!-- /lanes:ticket -->\n\nDeploy notes.";
        let new_block = "<!-- lanes:ticket -->\nTicket: [PROJ-1](u)\n<!-- /lanes:ticket -->";
        assert_eq!(
            with_block(old, new_block),
            "Reviewers: see the screenshots.\n\n<!-- lanes:ticket -->\nTicket: [PROJ-1](u)\n<!-- /lanes:ticket -->\n\nDeploy notes."
        );
        assert_eq!(
            with_block("Written by hand.", new_block),
            format!("Written by hand.\n\n{new_block}")
        );
    }
}
