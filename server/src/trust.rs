//! Approval of a repository's commands. `setup` commands in a repository's committed `lanes.toml`
//! are somebody else's code: they run only after the user approved that exact list, and again
//! after any change to it (as direnv and worktrunk do). Approvals are recorded by content hash in
//! the user's state directory (`$XDG_STATE_HOME/lanes/approved.json`, default
//! `~/.local/state/lanes/approved.json`). Commands from the user's own config need no approval.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};

/// Commands waiting for the user's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The repository file that asks for them.
    pub file: PathBuf,
    /// The commands, in order.
    pub commands: Vec<String>,
    hash: String,
}

/// The repository commands of `config` that the user has not approved yet (None when there are
/// none, they come from the user's own config, or this exact list was approved).
pub fn pending(config: &Config) -> Option<Pending> {
    let file = config.setup_source.clone()?;
    if config.setup.is_empty() {
        return None;
    }
    let hash = content_hash(&config.setup);
    let approved = load().get(&key(&file)).cloned();
    (approved.as_deref() != Some(hash.as_str())).then(|| Pending {
        file,
        commands: config.setup.clone(),
        hash,
    })
}

/// Records the user's approval of these commands.
pub fn approve(pending: &Pending) -> Result<()> {
    let path = approvals_path().ok_or_else(|| {
        Error::Config("cannot record the approval: neither XDG_STATE_HOME nor HOME is set".into())
    })?;
    let mut all = load();
    all.insert(key(&pending.file), pending.hash.clone());
    let json = serde_json::to_vec_pretty(&all)
        .map_err(|e| Error::Internal(format!("recording the approval: {e}")))?;
    crate::atomic::write(&path, &json).map_err(Error::io(format!("writing {}", path.display())))
}

/// The refusal a front end returns when it cannot ask.
pub fn refusal(pending: &Pending) -> Error {
    Error::Refused {
        action: "run this repository's setup commands".into(),
        reason: format!(
            "{} asks to run {} in every new lane, and you have not approved {}",
            pending.file.display(),
            pending
                .commands
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if pending.commands.len() == 1 {
                "it"
            } else {
                "them"
            }
        ),
        hint: "review and approve them with `lanes trust`, or pass --yes to approve them now"
            .into(),
    }
}

fn key(file: &std::path::Path) -> String {
    crate::git::canonical(file).display().to_string()
}

fn content_hash(commands: &[String]) -> String {
    let text = commands.join("\n");
    git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
        .map(|o| o.to_string())
        .unwrap_or(text)
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
