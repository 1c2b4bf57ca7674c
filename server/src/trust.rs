//! Approval of what somebody other than the user chose. `setup` commands in a repository's
//! committed `lanes.toml` — or in settings an editor sends, which a cloned repository's workspace
//! settings can set — are somebody else's code: they run only after the user approved that exact
//! list, and again after any change to it (as direnv and worktrunk do). Where lanes writes on the
//! user's disk is the user's choice too: such a `path` is used only once approved unless it puts
//! each lane in a directory of its own, named with the ticket, inside the directory holding the
//! primary checkout and not in a hidden directory there (absolute, `~`, `../..`, through a
//! symlink, `../{ticket}/../.config/lanes` all need approval). Approvals are recorded by content hash in the user's state directory
//! (`$XDG_STATE_HOME/lanes/approved.json`, default `~/.local/state/lanes/approved.json`).
//! The user's own config needs no approval.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{Config, Origin};
use crate::error::{Error, Result};
use crate::git::Repo;

/// What waits for the user's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Each choice to approve, in the order they are shown.
    pub asks: Vec<Ask>,
}

/// One choice somebody else made that the user has not approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// Who chose it, as the user knows it: the repository file, or the editor's settings.
    pub from: String,
    /// What was chosen.
    pub what: Asked,
    key: String,
    hash: String,
}

/// What an [`Ask`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Setup commands to run in every new lane, in order.
    Commands(Vec<String>),
    /// A worktree path template putting lanes outside the directory holding the checkout.
    Path {
        /// The template as written.
        template: String,
        /// The directory it leads to for the lane at hand, when there is one.
        resolved: Option<PathBuf>,
    },
}

impl Pending {
    /// The commands waiting for approval (empty when they are not).
    pub fn commands(&self) -> Vec<String> {
        self.asks
            .iter()
            .filter_map(|a| match &a.what {
                Asked::Commands(c) => Some(c.clone()),
                Asked::Path { .. } => None,
            })
            .flatten()
            .collect()
    }

    /// One line per choice, for a dialog or a terminal.
    pub fn lines(&self) -> Vec<String> {
        self.asks.iter().map(Ask::line).collect()
    }
}

impl Ask {
    /// The choice in a line: "FROM runs `a`, `b` in every new lane", "FROM makes lanes at …".
    pub fn line(&self) -> String {
        match &self.what {
            Asked::Commands(c) => format!(
                "{} runs {} in every new lane",
                self.from,
                c.iter()
                    .map(|c| format!("`{}`", crate::printable::visible(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Asked::Path { template, resolved } => format!(
                "{} makes lanes at `path = {template:?}`{}, outside the directory holding this checkout",
                self.from,
                resolved
                    .as_ref()
                    .map(|p| format!(
                        " ({})",
                        crate::printable::visible(&p.display().to_string())
                    ))
                    .unwrap_or_default()
            ),
        }
    }
}

/// What of `config` waits for approval in `repo`, as `lanes trust` shows it: unapproved setup
/// commands, and a path template that leads outside the directory holding the checkout.
pub fn pending(config: &Config, repo: &Repo) -> Option<Pending> {
    pending_for(config, repo, None, true)
}

/// What of `config` waits for approval before the lane of a ticket is made at a path (`lane`:
/// the path and the ticket's key; None: no lane is made, or the user chose its place) with the
/// setup commands run or not (`with_commands`).
pub fn pending_for(
    config: &Config,
    repo: &Repo,
    lane: Option<(&Path, &str)>,
    with_commands: bool,
) -> Option<Pending> {
    let lane_path = lane.map(|(path, _)| path);
    let approved = load();
    let mut asks = Vec::new();
    if let (Some(origin), true) = (&config.setup_source, with_commands) {
        if !config.setup.is_empty() {
            asks.push(Ask {
                from: shown(origin),
                key: key(origin, repo),
                hash: content_hash(&config.setup.join("\n")),
                what: Asked::Commands(config.setup.clone()),
            });
        }
    }
    if let Some(origin) = &config.path_source {
        let leaves_at =
            lane.filter(|(p, ticket)| crate::lane::leaves_lanes_home(repo.anchor(), p, ticket));
        let leaves = leaves_at.is_some()
            || crate::lane::template_leaves_lanes_home(&config.path, repo.name(), repo.anchor());
        if leaves {
            asks.push(Ask {
                from: shown(origin),
                key: format!("{}#path", key(origin, repo)),
                hash: content_hash(&config.path),
                what: Asked::Path {
                    template: config.path.clone(),
                    resolved: lane_path.map(Path::to_path_buf),
                },
            });
        }
    }
    asks.retain(|a| approved.get(&a.key) != Some(&a.hash));
    (!asks.is_empty()).then_some(Pending { asks })
}

/// Records the user's approval of everything `pending` asks.
pub fn approve(pending: &Pending) -> Result<()> {
    let path = approvals_path().ok_or_else(|| {
        Error::Config("cannot record the approval: neither XDG_STATE_HOME nor HOME is set".into())
    })?;
    let mut all = load();
    for ask in &pending.asks {
        all.insert(ask.key.clone(), ask.hash.clone());
    }
    let json = serde_json::to_vec_pretty(&all)
        .map_err(|e| Error::Internal(format!("recording the approval: {e}")))?;
    crate::atomic::write(&path, &json).map_err(Error::io(format!("writing {}", path.display())))
}

/// The refusal a front end returns when it cannot ask.
pub fn refusal(pending: &Pending) -> Error {
    let commands = pending
        .asks
        .iter()
        .any(|a| matches!(a.what, Asked::Commands(_)));
    let path = pending
        .asks
        .iter()
        .any(|a| matches!(a.what, Asked::Path { .. }));
    let action = match (commands, path) {
        (true, true) => "make a lane where this configuration says and run its setup commands",
        (false, true) => "make a lane where this configuration's `path` says",
        _ => "run this configuration's setup commands",
    };
    let by_editor = pending.asks.iter().any(|a| a.key.starts_with(EDITOR_KEY));
    let mut hint = if by_editor {
        "approve them in the editor's dialog, or set them in your user config instead".to_string()
    } else {
        "review and approve them with `lanes trust`, or pass --yes to approve them now".to_string()
    };
    if path {
        hint.push_str(&format!(
            "; a `path` of your own in your user config ({}) is used without asking",
            crate::config::user_config_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.config/lanes/config.toml".into())
        ));
    }
    Error::Refused {
        action: action.into(),
        reason: format!(
            "{}, and you have not approved {}",
            pending.lines().join("; "),
            if pending.asks.len() == 1 && pending.commands().len() < 2 {
                "it"
            } else {
                "them"
            }
        ),
        hint,
    }
}

/// The start of the approval keys of editor settings.
const EDITOR_KEY: &str = "editor settings for ";

fn shown(origin: &Origin) -> String {
    match origin {
        Origin::Repository(file) => {
            crate::printable::visible(&file.display().to_string()).into_owned()
        }
        Origin::Editor => {
            "your editor's lanes settings (a workspace's settings can set them)".into()
        }
    }
}

/// Approvals of a repository's file are keyed by that file; of editor settings by the
/// repository they apply to.
fn key(origin: &Origin, repo: &Repo) -> String {
    match origin {
        Origin::Repository(file) => crate::git::canonical(file).display().to_string(),
        Origin::Editor => format!(
            "{EDITOR_KEY}{}",
            crate::git::canonical(repo.anchor()).display()
        ),
    }
}

fn content_hash(text: &str) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
        .map(|o| o.to_string())
        .unwrap_or_else(|_| text.to_string())
}

fn approvals_path() -> Option<PathBuf> {
    Some(crate::config::user_dir(crate::config::UserDir::State)?.join("approved.json"))
}

fn load() -> BTreeMap<String, String> {
    approvals_path()
        .and_then(|p| {
            crate::git::read::read_regular(&p, crate::git::read::MANAGED_CAP)
                .ok()
                .flatten()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
