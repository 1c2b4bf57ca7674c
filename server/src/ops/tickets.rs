//! `lanes tickets`: the user's open tickets from the provider, with their lanes.

use crate::config::Config;
use crate::error::Result;
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
