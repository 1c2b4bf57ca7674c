//! `lanes/status`: the lane of the window (ticket, title, branch, path, repo, dirty, ahead,
//! behind, base, pr), sent when it changes and answered on request.

use lanes::protocol as wire;
use serde_json::Value;
use tower_lsp_server::lsp_types::notification::Notification;

use super::server::Ctx;

/// The `lanes/status` notification.
pub enum LanesStatus {}

impl Notification for LanesStatus {
    type Params = Value;
    const METHOD: &'static str = "lanes/status";
}

/// The window's lane as JSON; None when the window is not in a repository.
pub async fn compute(ctx: &Ctx) -> Option<Value> {
    let state = ctx.state.clone();
    tokio::task::spawn_blocking(move || {
        let session = state.window_session()?;
        let session = session.lock().ok()?;
        let lane = state.window_lane(&session)?;
        let entry = session.lane_of(&lane)?;
        let mut described = lanes::lane::describe(session.repo(), session.config(), entry);
        described.conflicts = session.conflicts_of(&described.path);
        // The same ticket's lanes in the other configured repositories (microservices), from the
        // session's configuration (the user's `repos` are in it), cached per ticket.
        let others = match &described.ticket {
            Some(ticket) => {
                let fingerprint = lanes::ops::multi::lanes_fingerprint(session.config());
                let cached = state.others.lock().ok().and_then(|c| {
                    c.as_ref()
                        .filter(|c| &c.ticket == ticket && c.fingerprint == fingerprint)
                        .map(|c| c.lanes.clone())
                });
                match cached {
                    Some(others) => others,
                    None => {
                        let others = lanes::ops::multi::same_ticket_elsewhere(
                            session.config(),
                            ticket,
                            session.repo().anchor(),
                        );
                        if let Ok(mut cache) = state.others.lock() {
                            *cache = Some(super::state::OthersCache {
                                ticket: ticket.clone(),
                                fingerprint,
                                lanes: others.clone(),
                            });
                        }
                        others
                    }
                }
            }
            None => Vec::new(),
        };
        serde_json::to_value(wire::LaneStatus {
            lane: described,
            others,
            revision: state.revision.load(std::sync::atomic::Ordering::Relaxed),
        })
        .ok()
    })
    .await
    .ok()
    .flatten()
}

/// Some lane changed: counts a new revision and sends `lanes/status` (the window's lane may be
/// the same, the others are not).
pub async fn lanes_changed(ctx: &Ctx) {
    ctx.state
        .revision
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    publish(ctx).await;
}

/// Sends `lanes/status` if it differs from the last one sent.
pub async fn publish(ctx: &Ctx) {
    let Some(status) = compute(ctx).await else {
        return;
    };
    let changed = match ctx.state.last_status.lock() {
        Ok(mut last) if last.as_ref() != Some(&status) => {
            *last = Some(status.clone());
            true
        }
        _ => false,
    };
    if changed {
        ctx.client.send_notification::<LanesStatus>(status).await;
    }
}
