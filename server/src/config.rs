//! Configuration: built-in defaults, then the user's config file, then the repository's `lanes.toml`,
//! then command-line flags. Every layer uses the same keys (see README, "Configuration").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// Default branch template: the seed workflow's `feature/TICKET-123`.
pub const DEFAULT_BRANCH: &str = "feature/{ticket}";
/// Default worktree path template, relative to the primary checkout: `../project-TICKET-123`.
pub const DEFAULT_PATH: &str = "../{repo}-{ticket}";
/// Longest network timeout accepted, in seconds (an hour).
pub const MAX_TIMEOUT: u64 = 3600;
/// Name of the per-repository config file, at the root of the primary checkout.
pub const REPO_CONFIG_FILE: &str = "lanes.toml";

/// One layer of configuration as written in a file (or sent by an editor); every key is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigLayer {
    /// Branch name template; placeholders `{ticket}` and `{repo}`.
    pub branch: Option<String>,
    /// Worktree path template, relative to the primary checkout unless absolute or `~/…`.
    pub path: Option<String>,
    /// Base ref new lanes branch from (default: the remote's default branch).
    pub base: Option<String>,
    /// Whether `lanes start` fetches the base from its remote first (default true).
    pub fetch: Option<bool>,
    /// Files (relative to the primary checkout) copied into a new lane, e.g. `.env`.
    pub copy: Option<Vec<String>>,
    /// Shell commands run in a new lane's directory after it is created.
    pub setup: Option<Vec<String>>,
    /// The command `lanes start` runs in the lane once it is ready, in the foreground (your
    /// agent, e.g. "claude"); user config only.
    pub exec: Option<String>,
    /// Repositories a ticket may span (user config only).
    pub repos: Option<Vec<RepoSpec>>,
    /// Named groups of those repositories (user config only).
    pub groups: Option<BTreeMap<String, Vec<String>>>,
    /// Directory for multi-repository workspace files (user config only); default: beside the
    /// lanes.
    pub workspace: Option<String>,
    /// Ticket provider: "none" (default), "jira" or "github".
    pub provider: Option<String>,
    /// Jira settings.
    pub jira: Option<JiraSettings>,
    /// GitHub settings.
    pub github: Option<GitHubSettings>,
    /// Network timeout in seconds (default 10).
    pub timeout: Option<u64>,
    /// Guard settings.
    pub guard: Option<GuardSettings>,
}

/// `[guard]`: what conflicts are judged against.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GuardSettings {
    /// Judge teammates' open pull requests as lanes in `lanes check` (as `--prs` does) and in the
    /// language server (default false: it asks GitHub and fetches their heads).
    pub pull_requests: Option<bool>,
}

/// `[github]`: the API (the token comes from the environment or `gh` only).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GitHubSettings {
    /// REST API root for GitHub Enterprise, e.g. `https://ghe.example.com/api/v3`
    /// (`GITHUB_API_URL` wins; default `https://api.github.com`).
    pub api_url: Option<String>,
    /// Host of the git remotes this API serves (default: github.com for api.github.com, else
    /// the API's host).
    pub host: Option<String>,
}

/// `[jira]`: the site (credentials come from the environment only).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JiraSettings {
    /// The site, e.g. `https://example.atlassian.net` (`JIRA_URL` wins).
    pub url: Option<String>,
    /// Move the issue to this status when its lane starts, e.g. "In Progress" (opt-in).
    pub transition: Option<String>,
}

/// A repository entry of the user config: one clone (`name` + `path`), or every repository
/// directly inside `parent`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RepoSpec {
    /// Short name used with `--repo` (default: the directory name).
    pub name: Option<String>,
    /// Path of the clone (`~/` allowed).
    pub path: Option<String>,
    /// A folder whose git repositories are all included.
    pub parent: Option<String>,
}

/// The merged configuration a command runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Branch name template.
    pub branch: String,
    /// Worktree path template.
    pub path: String,
    /// Explicit base ref, if configured.
    pub base: Option<String>,
    /// Fetch the base before branching.
    pub fetch: bool,
    /// Files copied into new lanes.
    pub copy: Vec<String>,
    /// Setup commands for new lanes.
    pub setup: Vec<String>,
    /// The command `lanes start` runs in a lane on a terminal.
    pub exec: Option<String>,
    /// Repositories a ticket may span.
    pub repos: Vec<RepoSpec>,
    /// Groups of repositories by name.
    pub groups: BTreeMap<String, Vec<String>>,
    /// Directory for workspace files.
    pub workspace: Option<String>,
    /// Ticket provider.
    pub provider: Option<String>,
    /// Jira site.
    pub jira_url: Option<String>,
    /// The status `lanes start` moves a Jira issue to, when set.
    pub jira_transition: Option<String>,
    /// GitHub REST API root, when not api.github.com.
    pub github_api_url: Option<String>,
    /// Host of the remotes on that GitHub.
    pub github_host: Option<String>,
    /// Network timeout, seconds.
    pub timeout: u64,
    /// `lanes check` judges teammates' open pull requests too.
    pub guard_pull_requests: bool,
    /// Where `setup` came from when not from the user (its commands need approval; see `trust`).
    pub setup_source: Option<Origin>,
    /// Where `path` came from when not from the user (a place outside the primary checkout's
    /// parent needs approval; see `trust`).
    pub path_source: Option<Origin>,
}

/// Who chose a setting that only the user may decide without asking (commands to run, where
/// lanes are made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A repository's committed `lanes.toml`: somebody else's choice.
    Repository(PathBuf),
    /// Settings an editor sent the language server: a cloned repository's workspace settings
    /// (`.vscode/settings.json`) can set them.
    Editor,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            branch: DEFAULT_BRANCH.to_string(),
            path: DEFAULT_PATH.to_string(),
            base: None,
            fetch: true,
            copy: Vec::new(),
            setup: Vec::new(),
            exec: None,
            repos: Vec::new(),
            groups: BTreeMap::new(),
            workspace: None,
            provider: None,
            jira_url: None,
            jira_transition: None,
            github_api_url: None,
            github_host: None,
            guard_pull_requests: false,
            timeout: 10,
            setup_source: None,
            path_source: None,
        }
    }
}

impl Config {
    /// Loads the user config and the repository's `lanes.toml` (either may be absent).
    pub fn load(repo_root: &Path) -> Result<Config> {
        let mut config = Config::load_user()?;
        let repo_file = repo_root.join(REPO_CONFIG_FILE);
        if let Some(layer) = read_layer(&repo_file, Placed::ByRepository)? {
            // Where credentials go is the user's decision only: a repository cannot point the
            // GitHub token or the Jira credentials at a host of its choosing.
            let names_hosts = layer
                .github
                .as_ref()
                .is_some_and(|g| g.api_url.is_some() || g.host.is_some())
                || layer.jira.as_ref().is_some_and(|j| j.url.is_some());
            if names_hosts {
                return Err(Error::Config(format!(
                    "config {}: `[github] api_url`, `[github] host` and `[jira] url` decide where your credentials are sent, so a repository's file may not set them",
                    repo_file.display(),
                ))
                .with_hint(format!(
                    "set them in your user config ({}) if you trust that host",
                    user_config_path().map(|p| p.display().to_string()).unwrap_or_else(|| "~/.config/lanes/config.toml".into())
                )));
            }
            if layer.repos.is_some()
                || layer.groups.is_some()
                || layer.workspace.is_some()
                || layer.exec.is_some()
            {
                return Err(Error::Config(format!(
                    "config {}: `repos`, `groups`, `workspace` and `exec` describe your machine and belong in your user config ({})",
                    repo_file.display(),
                    user_config_path().map(|p| p.display().to_string()).unwrap_or_else(|| "~/.config/lanes/config.toml".into())
                )));
            }
            config.apply_from(layer, &Origin::Repository(repo_file));
        }
        config.validate()?;
        Ok(config)
    }

    /// Loads only the user config (for commands spanning several repositories).
    pub fn load_user() -> Result<Config> {
        let mut config = Config::default();
        if let Some(user) = user_config_path() {
            if let Some(layer) = read_layer(&user, Placed::ByUser)? {
                config.apply(layer);
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Lays a layer somebody other than the user chose (a repository's file, an editor's
    /// settings) over this configuration: keys it sets win, and its `setup` and `path` are marked
    /// as `origin`'s, to be approved before they are used.
    pub fn apply_from(&mut self, layer: ConfigLayer, origin: &Origin) {
        let (sets_setup, sets_path) = (layer.setup.is_some(), layer.path.is_some());
        self.apply(layer);
        if sets_setup {
            self.setup_source = Some(origin.clone());
        }
        if sets_path {
            self.path_source = Some(origin.clone());
        }
    }

    /// Lays one of the user's own layers (their config file, command-line flags) over this
    /// configuration: keys it sets win.
    pub fn apply(&mut self, layer: ConfigLayer) {
        let ConfigLayer {
            branch,
            path,
            base,
            fetch,
            copy,
            setup,
            exec,
            repos,
            groups,
            workspace,
            provider,
            jira,
            github,
            timeout,
            guard,
        } = layer;
        if let Some(v) = guard.and_then(|g| g.pull_requests) {
            self.guard_pull_requests = v;
        }
        if let Some(g) = github {
            if let Some(v) = g.api_url {
                self.github_api_url = Some(v);
            }
            if let Some(v) = g.host {
                self.github_host = Some(v);
            }
        }
        if let Some(v) = provider {
            self.provider = Some(v);
        }
        if let Some(j) = jira {
            if let Some(v) = j.url {
                self.jira_url = Some(v);
            }
            if let Some(v) = j.transition {
                self.jira_transition = Some(v).filter(|t| !t.trim().is_empty());
            }
        }
        if let Some(v) = timeout {
            self.timeout = v;
        }
        if let Some(v) = exec {
            self.exec = Some(v).filter(|c| !c.trim().is_empty());
        }
        if let Some(v) = repos {
            self.repos = v;
        }
        if let Some(v) = groups {
            self.groups = v;
        }
        if let Some(v) = workspace {
            self.workspace = Some(v);
        }
        if let Some(v) = branch {
            self.branch = v;
        }
        if let Some(v) = path {
            self.path = v;
            self.path_source = None;
        }
        if let Some(v) = base {
            self.base = Some(v);
        }
        if let Some(v) = fetch {
            self.fetch = v;
        }
        if let Some(v) = copy {
            self.copy = v;
        }
        if let Some(v) = setup {
            self.setup = v;
            self.setup_source = None;
        }
    }

    /// Checks what can be checked without a ticket: templates, copied paths, ranges.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_TIMEOUT).contains(&self.timeout) {
            return Err(Error::Config(format!(
                "config: `timeout` is {} seconds; it must be between 1 and {MAX_TIMEOUT}",
                self.timeout
            )));
        }
        check_template("branch", &self.branch)?;
        check_template("path", &self.path)?;
        if !self.branch.contains("{ticket}") || !self.path.contains("{ticket}") {
            return Err(Error::Config(
                "config: `branch` and `path` templates must both contain {ticket}, so that each ticket gets its own branch and worktree".into(),
            ));
        }
        // A command is shown for approval as it runs: a control character (an escape sequence
        // the terminal would act on, a carriage return that overwrites the line) has no place in
        // one. Tab and newline (a heredoc, a multi-line script) are fine.
        let commands = self
            .setup
            .iter()
            .map(|c| ("setup", c))
            .chain(self.exec.iter().map(|c| ("exec", c)));
        for (key, command) in commands {
            if let Some(c) = command
                .chars()
                .find(|&c| c.is_control() && c != '\t' && c != '\n')
            {
                return Err(Error::Config(format!(
                    "config: a `{key}` command contains the control character {c:?} (`{}`); commands may hold no control characters but tab and newline",
                    crate::printable::visible(command)
                )));
            }
        }
        for spec in &self.repos {
            if spec.path.is_some() == spec.parent.is_some() {
                return Err(Error::Config(
                    "config: each [[repos]] entry needs either `path` (one clone) or `parent` (a folder of clones)".into(),
                ));
            }
        }
        for file in &self.copy {
            let p = Path::new(file);
            if p.is_absolute()
                || p.components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(Error::Config(format!(
                    "config: `copy` entry {file:?} must be a plain path inside the repository (no `..`, not absolute)"
                )));
            }
        }
        Ok(())
    }
}

/// Placeholders a template may use.
const PLACEHOLDERS: [&str; 3] = ["ticket", "repo", "slug"];

/// Checks a template's placeholders without rendering it.
pub fn check_template(what: &str, template: &str) -> Result<()> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(Error::Config(format!(
                "config: `{what}` template {template:?} has an unclosed `{{`"
            )));
        };
        let name = &rest[open + 1..open + close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(Error::Config(format!(
                "config: `{what}` template {template:?} uses {{{name}}}; known placeholders: {{ticket}}, {{repo}}, {{slug}}"
            )));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

/// Where the user's config file is: `$LANES_CONFIG`, else `lanes/config.toml` in the user's
/// config directory (`$XDG_CONFIG_HOME`, else `~/.config`; `%APPDATA%` on Windows).
pub fn user_config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LANES_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    Some(user_dir(UserDir::Config)?.join("config.toml"))
}

/// The per-user directories lanes keeps files in.
#[derive(Debug, Clone, Copy)]
pub enum UserDir {
    /// Settings: `$XDG_CONFIG_HOME/lanes`, else `~/.config/lanes`.
    Config,
    /// Throw-away data (the GitHub ETag cache): `$XDG_CACHE_HOME/lanes`, else `~/.cache/lanes`.
    Cache,
    /// What must survive but is not a setting (approved setup commands): `$XDG_STATE_HOME/lanes`,
    /// else `~/.local/state/lanes`.
    State,
}

/// Lanes' directory of that kind, by the platform's conventions (XDG on Unix, Known Folders on
/// Windows); None when the home directory cannot be found.
pub fn user_dir(kind: UserDir) -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    let dir = match kind {
        UserDir::Config => base.config_dir(),
        UserDir::Cache => base.cache_dir(),
        UserDir::State => base.state_dir().unwrap_or_else(|| base.data_dir()),
    };
    Some(dir.join("lanes"))
}

/// The user's home directory.
pub fn home_dir() -> Option<PathBuf> {
    etcetera::home_dir()
        .ok()
        .filter(|h| !h.as_os_str().is_empty())
}

/// Who put a config file where it is: a repository's `lanes.toml` may be a symlink to anything
/// (`/dev/zero`, a secret), the user's own config may be linked by their dotfile manager.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placed {
    ByRepository,
    ByUser,
}

fn read_layer(path: &Path, placed: Placed) -> Result<Option<ConfigLayer>> {
    use crate::git::read;
    let bytes = match placed {
        Placed::ByRepository => read::read_regular(path, read::MANAGED_CAP),
        Placed::ByUser => read::read_user_file(path, read::MANAGED_CAP),
    };
    let text = match bytes.map_err(Error::io(format!("reading {}", path.display())))? {
        Some(bytes) => String::from_utf8(bytes)
            .map_err(|_| Error::Config(format!("config {}: not UTF-8 text", path.display())))?,
        None => return Ok(None),
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Config(format!("config {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win_key_by_key() {
        let mut config = Config::default();
        config.apply(toml::from_str("base = \"develop\"\ncopy = [\".env\"]").unwrap());
        config.apply(toml::from_str("branch = \"lane/{ticket}\"").unwrap());
        assert_eq!(config.branch, "lane/{ticket}");
        assert_eq!(config.path, DEFAULT_PATH);
        assert_eq!(config.base.as_deref(), Some("develop"));
        assert_eq!(config.copy, vec![".env".to_string()]);
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let err = toml::from_str::<ConfigLayer>("brnach = \"x\"").unwrap_err();
        assert!(err.to_string().contains("brnach"));
    }

    #[test]
    fn timeouts_out_of_range_are_config_errors_not_panics() {
        for timeout in [0, MAX_TIMEOUT + 1, u64::MAX, 9_223_372_036_854_775_807] {
            let config = Config {
                timeout,
                ..Config::default()
            };
            assert!(
                matches!(config.validate(), Err(Error::Config(_))),
                "{timeout}"
            );
        }
    }

    #[test]
    fn templates_without_ticket_are_refused() {
        let config = Config {
            branch: "feature/x".into(),
            ..Config::default()
        };
        assert!(matches!(config.validate(), Err(Error::Config(_))));
    }

    #[test]
    fn copy_entries_must_stay_inside_the_repository() {
        for bad in ["../secret", "/etc/passwd", "a/../../b"] {
            let config = Config {
                copy: vec![bad.into()],
                ..Config::default()
            };
            assert!(config.validate().is_err(), "{bad} accepted");
        }
    }
}
