//! Tickets: the unit of work a lane is for. The key alone is always enough; a provider (Jira)
//! adds the title, status, link and description, written into the lane for its agent to read.

pub mod adf;
pub mod github;
pub mod jira;
mod key;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};

pub use key::{IssueRef, TicketKey, MAX_KEY_LEN};

/// A ticket as its provider describes it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ticket {
    /// Key, e.g. PROJ-123.
    pub key: String,
    /// Title (summary).
    pub title: String,
    /// Workflow status, e.g. "In Progress".
    pub status: Option<String>,
    /// Link to the ticket.
    pub url: Option<String>,
    /// Description as Markdown.
    pub description: String,
    /// The "Acceptance criteria" section of the description, when it has one.
    pub acceptance: Option<String>,
}

/// One line of "my open tickets".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TicketSummary {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: Option<String>,
    /// Link.
    pub url: Option<String>,
    /// The lane's directory, when the ticket has a lane in this repository.
    pub lane: Option<PathBuf>,
}

/// Where ticket details come from.
pub enum Provider {
    /// The key alone; no network (the default).
    None,
    /// A Jira site.
    Jira(jira::Jira),
    /// GitHub issues.
    GitHub(github::GitHubIssues),
}

impl Provider {
    /// The configured provider (`provider = "none" | "jira" | "github"`); `repo` is the current
    /// repository, whose GitHub remote `#42` refers to.
    pub fn from_config(config: &Config, repo: Option<&crate::git::Repo>) -> Result<Provider> {
        let timeout = Duration::from_secs(config.timeout.max(1));
        match config.provider.as_deref().unwrap_or("none") {
            "none" => Ok(Provider::None),
            "jira" => Ok(Provider::Jira(jira::Jira::from_env(
                config.jira_url.as_deref(),
                timeout,
            )?)),
            "github" => {
                let client = crate::forge::github::GitHub::from_env(config)?;
                let host = crate::forge::sync::forge_host(
                    client.api_root(),
                    config.github_host.as_deref(),
                );
                let here = repo.and_then(|r| github::forge_name(r, &host));
                let configured = crate::ops::multi::configured(config)?
                    .into_iter()
                    .map(|t| t.path)
                    .collect();
                Ok(Provider::GitHub(github::GitHubIssues::new(
                    client, host, here, configured,
                )))
            }
            other => Err(Error::Config(format!(
                "config: unknown ticket provider {other:?}; use \"none\", \"jira\" or \"github\""
            ))),
        }
    }

    /// The ticket, or None without a provider.
    pub fn ticket(&self, key: &TicketKey) -> Result<Option<Ticket>> {
        match self {
            Provider::None => Ok(None),
            Provider::Jira(jira) => jira.issue(key.as_str()).map(Some),
            Provider::GitHub(github) => github.issue(key),
        }
    }

    /// The user's open tickets.
    pub fn mine(&self) -> Result<Vec<TicketSummary>> {
        match self {
            Provider::None => Err(Error::Config(
                "no ticket provider is configured\n  hint: set provider = \"jira\" (with JIRA_URL and credentials in the environment) or provider = \"github\" in the config".into(),
            )),
            Provider::Jira(jira) => jira.mine(),
            Provider::GitHub(github) => github.mine(),
        }
    }
}

/// `Fix login timeout!` → `fix-login-timeout`: lowercase ASCII and dashes, at most 40 characters,
/// cut at a word boundary.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > 40 {
        out.truncate(40);
        if let Some(cut) = out.rfind('-') {
            out.truncate(cut);
        }
    }
    out
}

/// Writes the ticket's context to `<lane>/.lanes/ticket.md`, hidden from git through the
/// repository's `info/exclude` (so it is never committed by accident); returns its path.
pub fn write_context(lane: &Path, common_dir: &Path, ticket: &Ticket) -> Result<PathBuf> {
    let dir = lane.join(".lanes");
    std::fs::create_dir_all(&dir).map_err(Error::io(format!("creating {}", dir.display())))?;
    let mut text = format!("# {}: {}\n\n", ticket.key, ticket.title);
    if let Some(status) = &ticket.status {
        text.push_str(&format!("Status: {status}\n"));
    }
    if let Some(url) = &ticket.url {
        text.push_str(&format!("Link: {url}\n"));
    }
    text.push('\n');
    if let Some(acceptance) = &ticket.acceptance {
        text.push_str(&format!("## Acceptance criteria\n\n{acceptance}\n\n"));
    }
    if !ticket.description.is_empty() {
        text.push_str(&format!("## Description\n\n{}", ticket.description));
    }
    let path = dir.join("ticket.md");
    std::fs::write(&path, text).map_err(Error::io(format!("writing {}", path.display())))?;
    let exclude = common_dir.join("info").join("exclude");
    let current = std::fs::read_to_string(&exclude).unwrap_or_default();
    if !current.lines().any(|l| l.trim() == "/.lanes/") {
        if let Some(parent) = exclude.parent() {
            std::fs::create_dir_all(parent)
                .map_err(Error::io(format!("creating {}", parent.display())))?;
        }
        let mut updated = current;
        if !updated.is_empty() && !updated.ends_with('\n') {
            updated.push('\n');
        }
        updated.push_str("# lanes: ticket context of each lane\n/.lanes/\n");
        std::fs::write(&exclude, updated)
            .map_err(Error::io(format!("writing {}", exclude.display())))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_lowercase_ascii_with_dashes() {
        assert_eq!(slug("Fix login timeout!"), "fix-login-timeout");
        assert_eq!(slug("  Ünïcode & spaces  "), "n-code-spaces");
        let long = slug("A very long title that keeps going well past forty characters");
        assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
        assert_eq!(slug(""), "");
    }
}
