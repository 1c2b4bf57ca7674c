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
    let markdown = std::fs::read_to_string(&path).map_err(|_| {
        Error::Conflict(format!(
            "lane {ticket} has no ticket context: it was started without a ticket provider or with --offline"
        ))
        .with_hint("configure a provider (see `lanes doctor`) and start a lane for the ticket")
    })?;
    Ok(TicketContext {
        ticket,
        path,
        markdown,
    })
}
