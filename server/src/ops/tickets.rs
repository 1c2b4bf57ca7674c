//! `lanes tickets`: the user's open tickets from the provider, with their lanes.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::lane::lanes_of;
use crate::ticket::{Provider, TicketKey, TicketSummary};

/// "My open tickets", each with its lane in this repository when it has one.
pub fn my_tickets(repo: &Repo, config: &Config) -> Result<Vec<TicketSummary>> {
    let mut tickets = Provider::from_config(config, Some(repo))?.mine()?;
    let lanes = lanes_of(repo, config)?;
    for ticket in &mut tickets {
        let key = TicketKey::parse(&ticket.key).ok();
        ticket.lane = lanes
            .iter()
            .find(|e| key.is_some() && e.ticket == key)
            .and_then(|e| e.path())
            .map(Into::into);
    }
    Ok(tickets)
}

pub use crate::protocol::TicketContext;
pub use crate::ticket::context_is_committed;

/// The context of a ticket as its lane holds it (`.lanes/ticket.md`, written at its start from
/// the provider); `name` is anything `lanes switch` takes.
pub fn context(repo: &Repo, config: &Config, name: &str) -> Result<TicketContext> {
    let entry = crate::ops::switch::lane_named(repo, config, name)?;
    let ticket = entry
        .ticket
        .as_ref()
        .map_or_else(|| name.to_string(), ToString::to_string);
    let lane = entry.path().ok_or_else(|| {
        Error::Conflict(format!("lane {ticket} has no worktree directory any more"))
    })?;
    let path = lane.join(crate::ticket::CONTEXT_FILE);
    // A repository can commit `.lanes/ticket.md` as a link to anything (`/proc/self/environ`,
    // `~/.ssh/id_rsa`): only a regular file of the lane's own is its context.
    let read = crate::git::read::read_regular_string_in(
        lane,
        crate::ticket::CONTEXT_FILE,
        crate::git::read::MANAGED_CAP,
    )
    .map_err(|e| Error::Refused {
        action: format!("read the ticket context of lane {ticket}"),
        reason: e.to_string(),
        hint: format!(
            "{} must be a regular file: `lanes start` writes it from the ticket provider",
            crate::ticket::CONTEXT_FILE
        ),
    })?;
    let markdown = read.ok_or_else(|| {
        Error::Conflict(format!(
            "lane {ticket} has no ticket context: it was started without a ticket provider or with --offline"
        ))
        .with_hint("configure a provider (see `lanes doctor`) and start a lane for the ticket")
    })?;
    // A repository can commit a `.lanes/ticket.md` of its own ("IGNORE PREVIOUS INSTRUCTIONS…"):
    // only one git does not track is what lanes wrote.
    if crate::ticket::context_is_committed(lane)? {
        return Err(Error::Refused {
            action: format!("read the ticket context of lane {ticket}"),
            reason: format!(
                "{} is committed to the repository, not written by lanes",
                path.display()
            ),
            hint: format!(
                "lanes writes {} untracked at `lanes start`, from the ticket provider; the committed one is the repository's file",
                crate::ticket::CONTEXT_FILE
            ),
        });
    }
    Ok(TicketContext {
        ticket,
        path,
        markdown,
    })
}
