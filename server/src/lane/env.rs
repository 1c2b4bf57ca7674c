//! What a lane's commands see — setup commands, `--exec`, an editor's agent terminal: the
//! `LANES_*` variables and the `{port}`, `{ticket}`, `{branch}`, `{path}` placeholders — and the
//! lane's own port, so dev servers of parallel lanes do not collide.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener};

use crate::store::LaneRecord;

/// Ports lanes hands out: [FIRST_PORT, FIRST_PORT + PORT_SPAN).
const FIRST_PORT: u16 = 20_000;
const PORT_SPAN: u16 = 10_000;

/// The environment of a command run for the lane of `record`: `LANES_TICKET`, `LANES_BRANCH`,
/// `LANES_PATH`, `LANES_BASE`, `LANES_PORT`, and `LANES_TICKET_FILE` when the ticket's context
/// was written into the lane.
pub fn environment(record: &LaneRecord) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("LANES_TICKET", record.ticket.clone()),
        ("LANES_BRANCH", record.branch.clone()),
        ("LANES_PATH", record.path.display().to_string()),
        ("LANES_BASE", record.base.clone()),
        ("LANES_PORT", port_of(record).to_string()),
    ];
    let context = record.path.join(crate::ticket::CONTEXT_FILE);
    // Only a regular file the lane holds, not a link a repository committed there.
    if std::fs::symlink_metadata(&context).is_ok_and(|m| m.is_file()) {
        env.push(("LANES_TICKET_FILE", context.display().to_string()));
    }
    env
}

/// `command` with the lane's placeholders filled in.
pub fn render(command: &str, record: &LaneRecord) -> String {
    command
        .replace("{port}", &port_of(record).to_string())
        .replace("{ticket}", &record.ticket)
        .replace("{branch}", &record.branch)
        .replace("{path}", &record.path.display().to_string())
}

/// The lane's port: the one recorded at its start, else the one its ticket derives.
pub fn port_of(record: &LaneRecord) -> u16 {
    record.port.unwrap_or_else(|| derived_port(&record.ticket))
}

/// A port for a new lane of `ticket`: derived from the key (the same ticket gets the same port
/// again), moved on past ports other lanes hold (`taken`) and ports something listens on now.
pub fn assign_port(ticket: &str, taken: &BTreeSet<u16>) -> u16 {
    first_free_port(ticket, taken, is_free)
}

fn first_free_port(ticket: &str, taken: &BTreeSet<u16>, free: impl Fn(u16) -> bool) -> u16 {
    let first = derived_port(ticket);
    (0..PORT_SPAN)
        .map(|i| FIRST_PORT + (first - FIRST_PORT + i) % PORT_SPAN)
        .take(1000)
        .find(|p| !taken.contains(p) && free(*p))
        .unwrap_or(first)
}

fn derived_port(ticket: &str) -> u16 {
    // FNV-1a: stable across versions and platforms, unlike std's hasher.
    let hash = ticket.to_lowercase().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    FIRST_PORT + (hash % u32::from(PORT_SPAN)) as u16
}

fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_gets_the_same_port_whatever_the_case_of_its_key() {
        assert_eq!(derived_port("PROJ-7"), derived_port("proj-7"));
        assert!((FIRST_PORT..FIRST_PORT + PORT_SPAN).contains(&derived_port("PROJ-7")));
    }

    #[test]
    fn a_port_another_lane_holds_is_passed_over() {
        let first = assign_port("PROJ-7", &BTreeSet::new());
        let second = assign_port("PROJ-7", &BTreeSet::from([first]));
        assert_ne!(first, second);
    }

    #[test]
    fn a_port_something_listens_on_is_passed_over() {
        let derived = derived_port("PROJ-8");
        let busy = |p: u16| p != derived;
        assert_eq!(
            first_free_port("PROJ-8", &BTreeSet::new(), busy),
            FIRST_PORT + (derived - FIRST_PORT + 1) % PORT_SPAN
        );
    }

    #[test]
    fn a_listening_socket_makes_a_port_not_free() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(!is_free(port));
    }
}
