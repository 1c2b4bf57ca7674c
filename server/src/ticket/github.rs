//! GitHub issues as tickets: `#42` (an issue of the current repository) and `owner/repo#42`
//! are fetched through the same GitHub client as `lanes sync` (token, API root, ETag cache,
//! errors); "my open issues" is one search across the repositories at hand.

use super::adf::acceptance_criteria;
use super::{Ticket, TicketKey, TicketSummary};
use crate::error::{Error, Result};
use crate::forge::models::Issue;
use std::path::PathBuf;

use crate::forge::github::GitHub;
use crate::forge::remote::forge_remote;
use crate::git::Repo;

/// Search pages read at most for "my open issues".
const MAX_PAGES: usize = 10;

/// The GitHub issues provider.
pub struct GitHubIssues {
    client: GitHub,
    /// Host of the remotes on this GitHub.
    host: String,
    /// `owner/name` of the current repository on GitHub, for `#42`.
    here: Option<String>,
    /// The configured repositories' clones (read only for "my open issues").
    configured: Vec<PathBuf>,
}

/// `owner/name` of `repo` on the GitHub whose remotes live on `host`.
pub fn forge_name(repo: &Repo, host: &str) -> Option<String> {
    forge_remote(repo, host).map(|(_, id)| id.full_name())
}

impl GitHubIssues {
    /// A provider over `client`; `here` is the current repository, `configured` the clones of
    /// the user config.
    pub fn new(
        client: GitHub,
        host: String,
        here: Option<String>,
        configured: Vec<PathBuf>,
    ) -> GitHubIssues {
        GitHubIssues {
            client,
            host,
            here,
            configured,
        }
    }

    /// `owner/name` of the current and the configured repositories, each once.
    fn repos(&self) -> Vec<String> {
        let mut repos: Vec<String> = self.here.iter().cloned().collect();
        for path in &self.configured {
            let name = Repo::discover(path)
                .ok()
                .and_then(|r| forge_name(&r, &self.host));
            if let Some(name) = name.filter(|n| !repos.contains(n)) {
                repos.push(name);
            }
        }
        repos
    }

    /// The issue a key refers to; None for keys that are not issue references (`PROJ-1`).
    pub fn issue(&self, key: &TicketKey) -> Result<Option<Ticket>> {
        let Some(issue) = key.issue() else {
            return Ok(None);
        };
        let repo = issue.repo.clone().or_else(|| self.here.clone()).ok_or_else(|| {
            Error::Provider(format!(
                "#{} names an issue of the current repository, but none of its remotes is on GitHub",
                issue.number
            ))
            .with_hint(format!("write owner/repo#{}", issue.number))
        })?;
        let reference = format!("{repo}#{}", issue.number);
        let page = self
            .client
            .get_as::<Issue>(
                &format!("/repos/{repo}/issues/{}", issue.number),
                &format!("fetching {reference}"),
            )
            .map_err(|e| {
                if e.status == Some(404) {
                    Error::Provider(format!(
                        "GitHub has no issue {reference}, or the token cannot see it (404)"
                    ))
                    .with_hint(
                        "check the number, or pass --offline to start the lane from the key alone",
                    )
                } else {
                    e.into()
                }
            })?;
        self.client.save_cache();
        let found = page.body;
        let description = found.body.unwrap_or_default();
        Ok(Some(Ticket {
            key: key.to_string(),
            title: found.title,
            status: found.state,
            url: found.html_url,
            acceptance: acceptance_criteria(&description),
            description,
        }))
    }

    /// Open issues assigned to the user in the repositories at hand (every page), keyed `#N`
    /// in the current repository (the key `lanes start` gets from the picker) and `owner/repo#N`
    /// elsewhere.
    pub fn mine(&self) -> Result<Vec<TicketSummary>> {
        let mut query = String::from("is:issue is:open assignee:@me");
        for repo in &self.repos() {
            query.push_str(" repo:");
            query.push_str(repo);
        }
        let items =
            self.client
                .search_issues(&query, "updated", "listing your issues", MAX_PAGES)?;
        self.client.save_cache();
        Ok(items
            .into_iter()
            .filter_map(|item| {
                let full = item.repo_full_name()?;
                let number = item.number;
                let here = self
                    .here
                    .as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&full));
                Some(TicketSummary {
                    key: if here {
                        format!("#{number}")
                    } else {
                        format!("{full}#{number}")
                    },
                    title: item.title,
                    status: item.state,
                    url: item.html_url,
                    lane: None,
                })
            })
            .collect())
    }
}
