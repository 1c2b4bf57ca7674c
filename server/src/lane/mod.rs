//! Lanes as users see them, and the naming templates that turn a ticket into a branch and a path.

use std::path::{Path, PathBuf};

pub mod catalog;
pub mod env;

pub use crate::config::check_template;
use crate::error::{Error, Result};
pub use crate::git::normalize;
use crate::ticket::TicketKey;
pub use catalog::{
    containing, deepest, describe, describe_with, find, holding, lanes_of, named, similar,
    DeletableBranch, LaneEntry,
};

pub use crate::protocol::Lane;

/// Fills `{ticket}` and `{repo}` into a template; `{slug}` (from the ticket's title) is left for
/// [`with_slug`].
pub fn render(template: &str, ticket: &TicketKey, repo_name: &str) -> String {
    template
        .replace("{ticket}", ticket.as_str())
        .replace("{repo}", repo_name)
}

/// Fills `{slug}`; without one, `-{slug}`/`_{slug}`/`{slug}` vanish (`feature/{ticket}-{slug}` →
/// `feature/PROJ-1`).
pub fn with_slug(template: &str, slug: &str) -> String {
    if slug.is_empty() {
        template
            .replace("-{slug}", "")
            .replace("_{slug}", "")
            .replace("{slug}", "")
    } else {
        template.replace("{slug}", slug)
    }
}

/// The branch name for a ticket, checked against git's ref-name rules.
pub fn branch_name(template: &str, ticket: &TicketKey, repo_name: &str) -> Result<String> {
    let branch = render(template, ticket, repo_name);
    validate_branch(&branch)?;
    Ok(branch)
}

/// Refuses branch names git would refuse (`git check-ref-format --branch`).
pub fn validate_branch(branch: &str) -> Result<()> {
    if branch.is_empty()
        || branch.starts_with('-')
        || !git2::Reference::is_valid_name(&format!("refs/heads/{branch}"))
    {
        return Err(Error::InvalidBranch(branch.to_string()));
    }
    Ok(())
}

/// The worktree directory for a ticket: relative templates are resolved against `anchor` (the
/// directory holding the primary checkout's files), `~/` against the home directory.
pub fn worktree_path(
    template: &str,
    ticket: &TicketKey,
    repo_name: &str,
    anchor: &Path,
) -> PathBuf {
    let rendered = render(template, ticket, repo_name);
    let path = match rendered.strip_prefix("~/") {
        Some(rest) => match crate::config::home_dir() {
            Some(home) => home.join(rest),
            None => PathBuf::from(&rendered),
        },
        None => PathBuf::from(&rendered),
    };
    normalize(&anchor.join(path))
}

/// The directory lanes may be made in without the user's say: the one holding the primary checkout
/// (`anchor`), where the default `../{repo}-{ticket}` puts them.
fn lanes_home(anchor: &Path) -> PathBuf {
    let anchor = crate::git::canonical(anchor);
    anchor.parent().map_or(anchor.clone(), Path::to_path_buf)
}

/// Whether the lane directory `path` (absolute, normalized) of `ticket` is somewhere lanes may
/// not make it without the user's say. Following the symlinks of the part of it that exists (a
/// repository's committed `link -> /etc` does not make `link/X` a place beside the checkout), it
/// must lie inside the directory holding the primary checkout, with no hidden directory on the
/// way (`.config`, `.ssh`, `.local` … of a home directory holding the checkout), and its own name
/// must hold the ticket: a directory of the lane's own, never a shared one.
pub fn leaves_lanes_home(anchor: &Path, path: &Path, ticket: &str) -> bool {
    let mut existing = path;
    let mut rest = Vec::new();
    let resolved = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break normalize(&rest.iter().rev().fold(real, |p, name| p.join(name)));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => break path.to_path_buf(),
        }
    };
    let Ok(inside) = resolved.strip_prefix(lanes_home(anchor)) else {
        return true;
    };
    let names = inside
        .components()
        .map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>();
    let Some(names) = names else {
        return true;
    };
    names.iter().any(|name| name.starts_with('.'))
        || names.last().is_none_or(|last| !last.contains(ticket))
}

/// Whether a worktree path template may put lanes somewhere only the user may choose: absolute,
/// in the home directory (`~`), with `{ticket}` not in its last directory's name
/// (`../{ticket}/../shared`), or resolving outside the directory holding the primary checkout or
/// into a hidden directory there (see [`leaves_lanes_home`]).
pub fn template_leaves_lanes_home(template: &str, repo_name: &str, anchor: &Path) -> bool {
    if template.starts_with('~') || Path::new(template).is_absolute() {
        return true;
    }
    let last = template
        .split('/')
        .rfind(|name| !name.is_empty() && *name != ".");
    if !last.is_some_and(|name| name.contains("{ticket}")) {
        return true;
    }
    // Placeholders become one plain name each (ticket keys and slugs hold no separators), so
    // a sample key shows where the template leads.
    const SAMPLE: &str = "X-1";
    let sample = TicketKey::parse(SAMPLE)
        .map(|key| worktree_path(&with_slug(template, "s"), &key, repo_name, anchor));
    sample.map_or(true, |path| leaves_lanes_home(anchor, &path, SAMPLE))
}

/// Recovers the ticket from a branch made by `template` (e.g. `feature/PROJ-1` → `PROJ-1`), for
/// worktrees created by hand or whose metadata record is gone.
pub fn ticket_from_branch(template: &str, branch: &str, repo_name: &str) -> Option<TicketKey> {
    let template = template.replace("{repo}", repo_name);
    let (prefix, suffix) = template.split_once("{ticket}")?;
    if suffix.contains("{ticket}") {
        return None;
    }
    let rest = branch.strip_prefix(prefix)?;
    if suffix.contains("{slug}") {
        // `PROJ-12-fix-login`: the key is the leading `LETTERS-DIGITS`, the rest is the slug.
        let mut parts = rest.split('-');
        let (project, number) = (parts.next()?, parts.next()?);
        let looks_like_key = project
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit());
        return if looks_like_key {
            TicketKey::parse(&format!("{project}-{number}")).ok()
        } else {
            TicketKey::parse(rest).ok()
        };
    }
    let middle = rest.strip_suffix(suffix)?;
    TicketKey::parse(middle).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> TicketKey {
        TicketKey::parse(s).unwrap()
    }

    #[test]
    fn default_templates_give_the_seed_layout() {
        let t = key("PROJ-123");
        assert_eq!(
            branch_name(crate::config::DEFAULT_BRANCH, &t, "project").unwrap(),
            "feature/PROJ-123"
        );
        assert_eq!(
            worktree_path(
                crate::config::DEFAULT_PATH,
                &t,
                "project",
                Path::new("/src/project")
            ),
            PathBuf::from("/src/project-PROJ-123")
        );
    }

    #[test]
    fn absolute_path_templates_ignore_the_anchor() {
        let p = worktree_path(
            "/lanes/{repo}/{ticket}",
            &key("A-1"),
            "api",
            Path::new("/src/api"),
        );
        assert_eq!(p, PathBuf::from("/lanes/api/A-1"));
    }

    #[test]
    fn a_template_must_end_in_the_tickets_own_directory_beside_the_checkout() {
        let anchor = std::env::temp_dir().join("lanes-unit-anchor/project");
        for beside in [
            "../{repo}-{ticket}",
            "../lanes/{ticket}",
            "../lanes/{ticket}-{slug}",
        ] {
            assert!(
                !template_leaves_lanes_home(beside, "project", &anchor),
                "{beside}"
            );
        }
        for elsewhere in [
            "../{ticket}/../.config/lanes",
            "../{ticket}/../shared",
            "../{ticket}/..",
            "../.config/{ticket}",
            "../../{ticket}",
            "{ticket}/../..",
        ] {
            assert!(
                template_leaves_lanes_home(elsewhere, "project", &anchor),
                "{elsewhere}"
            );
        }
    }

    #[test]
    fn unknown_placeholders_are_config_errors() {
        assert!(check_template("branch", "x/{tikcet}").is_err());
        assert!(check_template("branch", "x/{ticket").is_err());
        assert!(check_template("branch", "{repo}/{ticket}").is_ok());
    }

    #[test]
    fn branch_names_git_refuses_are_rejected() {
        assert!(matches!(
            branch_name("feature//{ticket}", &key("A-1"), "r"),
            Err(Error::InvalidBranch(_))
        ));
        assert!(validate_branch("-x").is_err());
        assert!(validate_branch("a b").is_err());
        assert!(validate_branch("ok/branch").is_ok());
    }

    #[test]
    fn slug_placeholders_fill_in_or_vanish() {
        assert_eq!(
            with_slug("feature/{ticket}-{slug}", "fix-login"),
            "feature/{ticket}-fix-login"
        );
        assert_eq!(with_slug("feature/{ticket}-{slug}", ""), "feature/{ticket}");
        assert_eq!(
            ticket_from_branch("feature/{ticket}-{slug}", "feature/PROJ-12-fix-login", "r"),
            Some(key("PROJ-12"))
        );
    }

    #[test]
    fn tickets_are_recovered_from_branches_made_by_the_template() {
        assert_eq!(
            ticket_from_branch("feature/{ticket}", "feature/PROJ-9", "r"),
            Some(key("PROJ-9"))
        );
        assert_eq!(ticket_from_branch("feature/{ticket}", "main", "r"), None);
        assert_eq!(
            ticket_from_branch("{repo}/{ticket}-wip", "api/X-1-wip", "api"),
            Some(key("X-1"))
        );
    }
}
