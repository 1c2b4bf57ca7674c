//! `lanes switch`: which directory to go to — a lane named by key (any case), branch or
//! directory name; the previous lane (`-`); the primary checkout (`^`). Remembers where it left,
//! per repository, so `-` goes back.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::{canonical, Repo};
use crate::lane::{holding, lanes_of, named, similar, LaneEntry};
use crate::ticket::TicketKey;

/// Where to switch to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A lane by ticket key (any case), branch, or worktree directory name.
    Named(String),
    /// The lane switched away from last (`-`).
    Previous,
    /// The primary checkout (`^`).
    Primary,
}

impl Target {
    /// `-` and `^` are the previous lane and the primary checkout; anything else is a name.
    pub fn parse(arg: &str) -> Target {
        match arg {
            "-" => Target::Previous,
            "^" => Target::Primary,
            name => Target::Named(name.to_string()),
        }
    }
}

/// The lane to go to, and remembers the lane `from` is in as the previous one.
pub fn switch(repo: &Repo, config: &Config, from: &Path, target: &Target) -> Result<LaneEntry> {
    let entries = lanes_of(repo, config)?;
    let entry = match target {
        Target::Named(name) => lane_named_in(&entries, name)?.clone(),
        Target::Primary => entries
            .iter()
            .find(|e| e.is_primary())
            .cloned()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{} is a bare repository: it has no primary checkout to switch to",
                    repo.anchor().display()
                ))
            })?,
        Target::Previous => {
            let previous = crate::git::read::read_regular_string(
                &previous_file(repo),
                crate::git::read::MANAGED_CAP,
            )
            .ok()
            .flatten()
                .map(|p| PathBuf::from(p.trim_end_matches('\n')))
                .ok_or_else(|| {
                    Error::Usage("no previous lane yet: `lanes switch -` goes back to the lane you switched away from".into())
                })?;
            holding(&entries, &previous)
                .filter(|e| e.path() == Some(previous.as_path()))
                .cloned()
                .ok_or_else(|| {
                    Error::NoSuchLane(format!("{} (the previous lane)", previous.display()))
                        .with_hint("it was removed since; `lanes list` shows the lanes")
                })?
        }
    };
    let path = match entry.worktree.as_ref() {
        Some(w) if !w.missing => w.path.clone(),
        _ => {
            let name = entry
                .ticket
                .as_ref()
                .map_or_else(|| "this lane".to_string(), ToString::to_string);
            return Err(
                Error::Conflict(format!("lane {name} has no worktree directory any more"))
                    .with_hint(format!(
                        "`lanes prune`, then `lanes start {name}` to recreate it on its branch"
                    )),
            );
        }
    };
    let from = canonical(from);
    if let Some(here) = holding(&entries, &from).and_then(LaneEntry::path) {
        if here != path {
            // Best effort: not remembering where you came from never stops a switch.
            let line = format!("{}\n", here.display());
            if let Err(e) = crate::atomic::write(&previous_file(repo), line.as_bytes()) {
                tracing::debug!("remembering the previous lane: {e}");
            }
        }
    }
    Ok(entry)
}

/// The lane a person or an agent named (see [`named`]), or an error that says which lanes look
/// like it.
pub fn lane_named(repo: &Repo, config: &Config, name: &str) -> Result<LaneEntry> {
    let entries = lanes_of(repo, config)?;
    lane_named_in(&entries, name).cloned()
}

fn lane_named_in<'e>(entries: &'e [LaneEntry], name: &str) -> Result<&'e LaneEntry> {
    named(entries, name).ok_or_else(|| {
        let error = Error::NoSuchLane(name.to_string());
        match similar(entries, name).as_slice() {
            [] => error,
            close => error.with_hint(format!("did you mean {}?", close.join(", "))),
        }
    })
}

/// The ticket key of the lane `name` names (any case, its branch, its directory), or `name`
/// itself as a key when no lane matches — what commands that take a ticket act on.
pub fn ticket_named(repo: &Repo, config: &Config, name: &str) -> Result<TicketKey> {
    let entries = lanes_of(repo, config)?;
    match named(&entries, name).and_then(|e| e.ticket.clone()) {
        Some(ticket) => Ok(ticket),
        None => TicketKey::parse(name),
    }
}

fn previous_file(repo: &Repo) -> PathBuf {
    repo.common_dir().join("lanes").join("previous-lane")
}
