//! Forges (GitHub) as plain clients, with no lane logic: `remote` reads owner/name from remote URLs
//! and picks the remote on the forge, `github` talks to the REST API (octocrab) with `cache` behind
//! its conditional requests. Bringing pull requests into lanes is an operation: `ops::pulls` and
//! `ops::sync`.

pub mod cache;
pub mod github;
pub mod models;
pub mod remote;
