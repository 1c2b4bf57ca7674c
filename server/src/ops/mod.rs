//! The operations users run, one module each; the CLI and the language server both call these.

pub mod check;
pub mod list;
pub mod moves;
pub mod multi;
pub mod pr;
pub mod prune;
pub mod pulls;
pub mod remove;
pub mod restore;
pub mod setup;
pub mod start;
pub mod switch;
pub mod sync;
pub mod teammates;
pub mod tickets;

pub use crate::lane::{find, lanes_of, LaneEntry};
pub use list::{list, status};
