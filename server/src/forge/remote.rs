//! owner/name of a repository from its remote URL: `https://host/owner/name(.git)`,
//! `ssh://git@host[:port]/owner/name(.git)`, `git@host:owner/name(.git)`; which host serves an API,
//! and which remote of a repository is on it.

use crate::git::Repo;

/// A repository on a forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoId {
    /// Host, e.g. github.com.
    pub host: String,
    /// Owner (user or organisation).
    pub owner: String,
    /// Repository name, without `.git`.
    pub name: String,
}

impl RepoId {
    /// `owner/name`, as GitHub's API and search name it.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// Parses a remote URL; None for local paths and shapes that name no owner/name.
pub fn parse(url: &str) -> Option<RepoId> {
    let url = url.trim();
    let (host, path) = if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("ssh://"))
        .or_else(|| url.strip_prefix("git://"))
    {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?.split(':').next()?;
        (host.to_string(), path.to_string())
    } else if let Some((user_host, path)) = url.split_once(':') {
        // scp-like `git@host:owner/name`; a Windows drive or a local path is not a forge.
        if user_host.contains('/') || user_host.len() < 2 {
            return None;
        }
        let host = user_host.rsplit('@').next()?;
        (host.to_string(), path.to_string())
    } else {
        return None;
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.rsplitn(2, '/');
    let name = parts.next()?.to_string();
    let owner = parts.next()?.rsplit('/').next()?.to_string();
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (ok(&owner) && ok(&name) && !host.is_empty()).then_some(RepoId { host, owner, name })
}

/// The forge host whose remotes this API serves: `github.com` for api.github.com, else the API's
/// own host (GitHub Enterprise), unless configured.
pub fn forge_host(api: &str, configured: Option<&str>) -> String {
    if let Some(host) = configured.filter(|h| !h.is_empty()) {
        return host.to_ascii_lowercase();
    }
    let rest = api.split_once("://").map_or(api, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    if host.eq_ignore_ascii_case("api.github.com") {
        "github.com".into()
    } else {
        host.to_ascii_lowercase()
    }
}

/// The remote pull requests are fetched from: `upstream` when it is on the forge (the usual
/// fork set-up), else `origin`, else the first remote there. Reads the URL as configured, before
/// `insteadOf` rewrites, because that is what names the repository.
pub fn forge_remote(repo: &Repo, host: &str) -> Option<(String, RepoId)> {
    let config = repo.git().config().ok()?;
    let mut remotes = repo.remotes();
    remotes.sort_by_key(|r| match r.as_str() {
        "upstream" => 0,
        "origin" => 1,
        _ => 2,
    });
    // A name starting with `-` would read as an option on git's command line.
    remotes.retain(|name| !name.starts_with('-'));
    remotes.into_iter().find_map(|name| {
        let url = config.get_string(&format!("remote.{name}.url")).ok()?;
        let id = parse(&url)?;
        id.host.eq_ignore_ascii_case(host).then_some((name, id))
    })
}

/// The repository the remote `name` of `repo` names, when it is on `host`.
pub fn remote_on(repo: &Repo, name: &str, host: &str) -> Option<RepoId> {
    let config = repo.git().config().ok()?;
    let url = config.get_string(&format!("remote.{name}.url")).ok()?;
    parse(&url).filter(|id| id.host.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(host: &str, owner: &str, name: &str) -> Option<RepoId> {
        Some(RepoId {
            host: host.into(),
            owner: owner.into(),
            name: name.into(),
        })
    }

    #[test]
    fn reads_https_ssh_and_scp_like_urls() {
        assert_eq!(
            parse("https://github.com/octo/widgets.git"),
            id("github.com", "octo", "widgets")
        );
        assert_eq!(
            parse("https://github.com/octo/widgets"),
            id("github.com", "octo", "widgets")
        );
        assert_eq!(
            parse("ssh://git@github.com:22/octo/widgets.git"),
            id("github.com", "octo", "widgets")
        );
        assert_eq!(
            parse("git@github.com:octo/widgets.git"),
            id("github.com", "octo", "widgets")
        );
        assert_eq!(
            parse("https://user@ghe.example.com/team/api/"),
            id("ghe.example.com", "team", "api")
        );
    }

    #[test]
    fn local_paths_are_not_forges() {
        assert_eq!(parse("/srv/git/widgets.git"), None);
        assert_eq!(parse("../widgets"), None);
        assert_eq!(parse("C:/repos/widgets"), None);
        assert_eq!(parse("https://github.com/"), None);
    }
}
