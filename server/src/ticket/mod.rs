//! Tickets: the unit of work a lane is for. Only the key lives here for now; providers (Jira, GitHub
//! issues) come later and are optional — the key alone is always enough to start a lane.

mod key;

pub use key::{TicketKey, MAX_KEY_LEN};
