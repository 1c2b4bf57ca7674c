//! Lanes core: one ticket → one branch → one git worktree. Everything here is independent of the
//! language server and the CLI, which both call into it and so behave the same.

#![deny(clippy::disallowed_methods)]

pub(crate) mod atomic;
pub mod config;
pub mod conflicts;
pub mod error;
pub(crate) mod failpoint;
pub mod forge;
pub mod git;
pub mod guard;
pub mod lane;
pub mod ops;
pub mod overlap;
pub mod progress;
pub mod protocol;
pub(crate) mod repos;
pub mod session;
pub mod store;
pub(crate) mod ticket;
pub(crate) mod trash;
pub mod trust;
pub mod verdict;
pub(crate) mod web;

pub use config::Config;
pub use error::{Error, Result};
pub use git::Repo;
pub use lane::Lane;
pub use ticket::TicketKey;
