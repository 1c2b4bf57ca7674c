//! Forges (GitHub): where pull requests live. `remote` reads owner/name from remote URLs,
//! `github` talks to the REST API (octocrab) with `cache` behind its conditional requests,
//! `pulls` brings pull requests into lanes with the git CLI, and `sync` ties them together for
//! `lanes sync`.

pub mod cache;
pub mod github;
pub mod pulls;
pub mod remote;
pub mod sync;
