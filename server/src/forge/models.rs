//! GitHub's REST answers, typed: only the fields lanes reads, each with a default when GitHub (or a
//! GitHub Enterprise version) leaves it out, so one missing field never fails a whole sync.
//! octocrab's own models require every documented field; lanes keeps octocrab for transport,
//! authentication and conditional requests, and reads answers through these.

use serde::Deserialize;

/// A page of `/search/issues`.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchPage {
    /// The issues or pull requests found.
    pub items: Vec<Issue>,
}

/// An issue, or a pull request seen through the issues API (search results).
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    /// Its number in the repository.
    pub number: u64,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Web page.
    #[serde(default)]
    pub html_url: Option<String>,
    /// Description (Markdown); null when empty.
    #[serde(default)]
    pub body: Option<String>,
    /// API address of its repository (`…/repos/OWNER/NAME`).
    #[serde(default)]
    pub repository_url: Option<String>,
    /// A draft pull request.
    #[serde(default)]
    pub draft: Option<bool>,
    /// Present for pull requests only.
    #[serde(default)]
    pub pull_request: Option<serde::de::IgnoredAny>,
}

impl Issue {
    /// `owner/name` of its repository, from `repository_url`.
    pub fn repo_full_name(&self) -> Option<String> {
        let url = self.repository_url.as_deref()?;
        let mut parts = url.trim_end_matches('/').rsplit('/');
        let name = parts.next()?;
        let owner = parts.next()?;
        Some(format!("{owner}/{name}"))
    }

    /// True for pull requests (search returns both kinds).
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }
}

/// A pull request (`/repos/OWNER/NAME/pulls…`).
#[derive(Debug, Clone, Deserialize)]
pub struct Pull {
    /// Its number.
    pub number: u64,
    /// Its author.
    #[serde(default)]
    pub user: Option<UserName>,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Merged (single-pull answers only).
    #[serde(default)]
    pub merged: Option<bool>,
    /// When it was merged.
    #[serde(default)]
    pub merged_at: Option<String>,
    /// Its head branch.
    pub head: PullHead,
    /// Its page on GitHub.
    #[serde(default)]
    pub html_url: Option<String>,
    /// A draft.
    #[serde(default)]
    pub draft: Option<bool>,
    /// Its description.
    #[serde(default)]
    pub body: Option<String>,
}

impl Pull {
    /// `open`, `closed` or `merged`.
    pub fn outcome(&self) -> Option<&'static str> {
        let merged = self.merged == Some(true) || self.merged_at.is_some();
        match self.state.as_deref()? {
            "closed" if merged => Some("merged"),
            "closed" => Some("closed"),
            _ => Some("open"),
        }
    }

    /// Whether its head branch lives in the repository `full_name` itself (not in a fork).
    pub fn from_same_repo(&self, full_name: &str) -> bool {
        self.head
            .repo
            .as_ref()
            .is_some_and(|r| r.full_name.eq_ignore_ascii_case(full_name))
    }
}

/// The head of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct PullHead {
    /// Branch name.
    #[serde(rename = "ref")]
    pub branch: String,
    /// The repository it lives in; null when that fork was deleted.
    #[serde(default)]
    pub repo: Option<RepoName>,
}

/// A user named in an answer.
#[derive(Debug, Clone, Deserialize)]
pub struct UserName {
    /// Their login.
    pub login: String,
}

/// A repository named in an answer.
#[derive(Debug, Clone, Deserialize)]
pub struct RepoName {
    /// `owner/name`.
    pub full_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_hit_without_optional_fields_still_reads() {
        let page: SearchPage = serde_json::from_str(
            r#"{"items":[{"number":7,"repository_url":"https://api.github.com/repos/Octo/Widgets","pull_request":{}}]}"#,
        )
        .unwrap();
        let hit = &page.items[0];
        assert_eq!(hit.repo_full_name().as_deref(), Some("Octo/Widgets"));
        assert!(hit.is_pull_request());
        assert_eq!((hit.title.as_str(), hit.draft), ("", None));
    }

    #[test]
    fn a_closed_pull_request_with_a_merge_time_was_merged() {
        let pull: Pull = serde_json::from_str(
            r#"{"number":1,"state":"closed","merged_at":"2026-01-01T00:00:00Z","head":{"ref":"x","repo":null}}"#,
        )
        .unwrap();
        assert_eq!(pull.outcome(), Some("merged"));
        assert!(!pull.from_same_repo("octo/widgets"));
    }
}
