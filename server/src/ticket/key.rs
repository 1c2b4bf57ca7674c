//! Ticket keys and their validation. A key becomes part of a branch name, a directory name and a
//! metadata file name, so it is checked before any of those exist.

use std::fmt;

use crate::error::{Error, Result};

/// Longest key accepted, in bytes. Branch and directory names are built from it, and file systems
/// limit a name to 255 bytes; 64 leaves room for templates around it.
pub const MAX_KEY_LEN: usize = 64;

/// A validated ticket key: ASCII letters, digits, `-`, `_` and `.`, safe as a ref component and as a
/// file name. GitHub issue references (`#42`, `owner/repo#42`) are turned into slugs (`gh-42`,
/// `gh-repo-42`) since `#` and `/` do not belong in a directory name; the reference itself is kept
/// for the GitHub issues provider. Keys compare by their text alone.
#[derive(Debug, Clone)]
pub struct TicketKey(String, Option<IssueRef>);

/// A GitHub issue reference as typed: `#42` (the current repository's) or `owner/repo#42`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRef {
    /// `owner/name`, when given.
    pub repo: Option<String>,
    /// The issue number.
    pub number: u64,
}

impl PartialEq for TicketKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for TicketKey {}

impl std::hash::Hash for TicketKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialOrd for TicketKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TicketKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl TicketKey {
    /// Parses and validates a key as a user typed it.
    pub fn parse(input: &str) -> Result<TicketKey> {
        let invalid = |reason: &str| Error::InvalidTicket {
            key: shorten(input),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(invalid("the key is empty"));
        }
        if input.len() > 4 * MAX_KEY_LEN {
            return Err(invalid(&format!("longer than {MAX_KEY_LEN} characters")));
        }
        let issue = issue_ref(input);
        let key = github_slug(input).unwrap_or_else(|| input.to_string());
        if key.len() > MAX_KEY_LEN {
            return Err(invalid(&format!("longer than {MAX_KEY_LEN} characters")));
        }
        if let Some(c) = key.chars().find(|c| c.is_control()) {
            return Err(invalid(&format!("contains the control character {c:?}")));
        }
        if key.chars().any(char::is_whitespace) {
            return Err(invalid("contains whitespace"));
        }
        if key.contains('/') || key.contains('\\') {
            return Err(invalid("contains a path separator"));
        }
        if key.contains("..") {
            return Err(invalid("contains `..`"));
        }
        if let Some(c) = key
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(invalid(&format!(
                "contains {c:?}; use letters, digits, `-`, `_` and `.` (e.g. PROJ-123)"
            )));
        }
        if key.starts_with('-') || key.starts_with('.') {
            return Err(invalid("starts with `-` or `.`"));
        }
        if key.ends_with('.') || key.ends_with(".lock") {
            return Err(invalid(
                "ends with `.` or `.lock`, which git refuses in a ref",
            ));
        }
        if key.eq_ignore_ascii_case("HEAD") {
            return Err(invalid("`HEAD` is reserved by git"));
        }
        Ok(TicketKey(key, issue))
    }

    /// The GitHub issue this key was typed as (`#42`, `owner/repo#42`), if it was.
    pub fn issue(&self) -> Option<&IssueRef> {
        self.1.as_ref()
    }

    /// The key of a pull request without a ticket: `PR-<number>` (valid by construction).
    pub fn pull_request(number: u64) -> TicketKey {
        TicketKey(format!("PR-{number}"), None)
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same ticket, whatever the case (`proj-1` is `PROJ-1`): keys name directories, and on
    /// macOS and Windows two keys differing only in case would collide.
    pub fn same_ticket(&self, other: &TicketKey) -> bool {
        self.0.to_lowercase() == other.0.to_lowercase()
    }
}

impl fmt::Display for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `#42` → `gh-42`, `owner/repo#42` → `gh-repo-42`; anything else → None.
fn github_slug(input: &str) -> Option<String> {
    let (prefix, number) = input.rsplit_once('#')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if prefix.is_empty() {
        return Some(format!("gh-{number}"));
    }
    let (owner, repo) = prefix.split_once('/')?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (name_ok(owner) && name_ok(repo) && !repo.contains("..")).then(|| format!("gh-{repo}-{number}"))
}

/// The issue reference of a `#42` / `owner/repo#42` input (validated by `github_slug`).
fn issue_ref(input: &str) -> Option<IssueRef> {
    github_slug(input)?;
    let (prefix, number) = input.rsplit_once('#')?;
    Some(IssueRef {
        repo: (!prefix.is_empty()).then(|| prefix.to_string()),
        number: number.parse().ok()?,
    })
}

/// Keeps error messages readable when the input is huge.
fn shorten(input: &str) -> String {
    const SHOWN: usize = 80;
    if input.chars().count() <= SHOWN {
        input.to_string()
    } else {
        let head: String = input.chars().take(SHOWN).collect();
        format!("{head}… ({} bytes)", input.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejects(input: &str) -> String {
        match TicketKey::parse(input) {
            Err(Error::InvalidTicket { reason, .. }) => reason,
            other => panic!("{input:?} should be rejected, got {other:?}"),
        }
    }

    #[test]
    fn issue_references_are_kept_beside_their_slug() {
        let key = TicketKey::parse("octo/widgets#7").unwrap();
        assert_eq!(
            key.issue(),
            Some(&IssueRef {
                repo: Some("octo/widgets".into()),
                number: 7
            })
        );
        assert_eq!(key, TicketKey::parse("gh-widgets-7").unwrap());
        assert_eq!(TicketKey::parse("#42").unwrap().issue().unwrap().repo, None);
        assert_eq!(TicketKey::parse("PROJ-1").unwrap().issue(), None);
    }

    #[test]
    fn accepts_jira_keys_and_plain_slugs() {
        for key in ["PROJ-123", "fix-login", "ABC_1.2", "a"] {
            assert_eq!(TicketKey::parse(key).unwrap().as_str(), key);
        }
    }

    #[test]
    fn turns_github_issue_references_into_slugs() {
        assert_eq!(TicketKey::parse("#42").unwrap().as_str(), "gh-42");
        assert_eq!(
            TicketKey::parse("octo/widgets#7").unwrap().as_str(),
            "gh-widgets-7"
        );
    }

    #[test]
    fn rejects_path_traversal() {
        assert!(rejects("../../x").contains("separator"));
        assert!(rejects("a..b").contains(".."));
        assert!(rejects("a\\b").contains("separator"));
    }

    #[test]
    fn rejects_whitespace_and_control_characters() {
        assert!(rejects("PROJ 1").contains("whitespace"));
        assert!(rejects("PROJ\t1").contains("control"));
        assert!(rejects("PROJ\u{7f}").contains("control"));
    }

    #[test]
    fn rejects_unicode_with_a_hint() {
        assert!(rejects("PRÖJ-1").contains("PROJ-123"));
    }

    #[test]
    fn rejects_what_git_refuses_in_a_ref() {
        for key in [
            "-rf", ".hidden", "x.lock", "x.", "HEAD", "a~1", "a^", "a:b", "a?", "a*", "a[", "@{x",
        ] {
            rejects(key);
        }
    }

    #[test]
    fn rejects_empty_and_overlong_keys() {
        assert!(rejects("").contains("empty"));
        let long = "A".repeat(MAX_KEY_LEN + 1);
        assert!(rejects(&long).contains("longer"));
        let huge = "A".repeat(1 << 20);
        let Err(Error::InvalidTicket { key, .. }) = TicketKey::parse(&huge) else {
            panic!("huge key accepted")
        };
        assert!(key.len() < 200, "error message should not echo a huge key");
    }

    #[test]
    fn rejects_github_references_with_bad_parts() {
        rejects("#");
        rejects("#4a");
        rejects("a/b/c#1");
        rejects("../x#1");
    }
}
