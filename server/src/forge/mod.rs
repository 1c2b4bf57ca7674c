//! Forges (GitHub): where pull requests live. `remote` reads owner/name from remote URLs; `pulls`
//! brings pull requests into lanes with the git CLI. The GitHub API client that finds the user's
//! pull requests comes next (octocrab).

pub mod pulls;
pub mod remote;
