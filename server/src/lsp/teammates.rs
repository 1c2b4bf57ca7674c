//! Teammates' pull requests in the editor (`[guard] pull_requests = true`): fetched in the
//! background — the network is never waited on by a handler, nor while a session is locked —
//! and handed to each session as remote lanes, so a diagnostic says "Merging PR #42 (alice) will
//! conflict here" before anyone pushes.

use std::time::Duration;

use lanes::git::Repo;
use lanes::ops::teammates;

use super::server::Ctx;
use super::status;

/// How often the open pull requests are asked again (answers are ETag-cached, so an unchanged
/// list costs GitHub nothing against the rate limit).
const EVERY: Duration = Duration::from_secs(300);

impl Ctx {
    /// Fetches the teammates' pull requests of every session whose guard asks for them (and
    /// drops them from sessions whose guard no longer does), then refreshes what is shown.
    pub async fn refresh_teammates(&self) {
        let state = self.state.clone();
        let changed = tokio::task::spawn_blocking(move || {
            let mut changed = false;
            for entry in state.sessions.iter() {
                let Some((anchor, config)) = entry
                    .value()
                    .lock()
                    .ok()
                    .map(|s| (s.repo().anchor().to_path_buf(), s.config().clone()))
                else {
                    continue;
                };
                let found = if config.guard_pull_requests {
                    match fetch(&anchor, &config) {
                        Ok(found) => found,
                        Err(e) => {
                            // Keep judging against what was fetched last.
                            tracing::warn!("teammates' pull requests of {}: {e}", anchor.display());
                            continue;
                        }
                    }
                } else {
                    Vec::new()
                };
                if let Ok(mut session) = entry.value().lock() {
                    match session.set_teammates(found) {
                        Ok(c) => changed |= c,
                        Err(e) => tracing::warn!("judging teammates' pull requests: {e}"),
                    }
                }
            }
            changed
        })
        .await
        .unwrap_or(false);
        if changed {
            self.republish_all().await;
            status::lanes_changed(self).await;
        }
    }

    /// Refreshes the teammates' pull requests now and every few minutes, for the server's life.
    pub async fn keep_teammates_fresh(&self) {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            self.refresh_teammates().await;
        }
    }
}

/// The pull requests of the repository at `anchor`, through a repository handle of its own (the
/// session's stays free for the handlers while the network is asked).
fn fetch(
    anchor: &std::path::Path,
    config: &lanes::config::Config,
) -> lanes::Result<Vec<lanes::overlap::LaneSource>> {
    let repo = Repo::discover(anchor)?;
    teammates::remote_lanes(&repo, config)
}
