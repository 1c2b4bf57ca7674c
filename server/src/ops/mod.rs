//! The operations users run, one module each; the CLI and the language server both call these.

pub mod check;
pub mod list;
pub mod moves;
pub mod multi;
pub mod prune;
pub mod remove;
pub mod restore;
pub mod start;
pub mod tickets;

pub use list::{find, lanes_of, list, status, LaneEntry};
