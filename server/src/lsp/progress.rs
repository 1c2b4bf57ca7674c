//! Work-done progress (`$/progress`) for long commands. Work runs on a blocking thread and reports
//! its steps through a channel; the client's cancellation drops the request, and the work — which
//! changes things atomically or not at all — is left to finish.

use std::sync::atomic::{AtomicU64, Ordering};

use tower_lsp_server::jsonrpc::Result as RpcResult;
use tower_lsp_server::lsp_types::request::WorkDoneProgressCreate;
use tower_lsp_server::lsp_types::{NumberOrString, ProgressToken, WorkDoneProgressCreateParams};

use super::server::Ctx;

/// Sends progress steps from the blocking thread.
pub struct Reporter {
    tx: tokio::sync::mpsc::UnboundedSender<String>,
}

impl lanes::progress::Progress for Reporter {
    fn step(&self, message: &str) {
        let _ = self.tx.send(message.to_string());
    }
}

/// Runs `work` with progress reported under `token` (the client's, or one the server creates when
/// the client supports it).
pub async fn run<T, F>(
    ctx: &Ctx,
    token: Option<ProgressToken>,
    title: String,
    work: F,
) -> RpcResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Reporter) -> RpcResult<T> + Send + 'static,
{
    let token = match token {
        Some(token) => Some(token),
        None => create_token(ctx).await,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = tokio::task::spawn_blocking(move || work(&Reporter { tx }));
    let ongoing = match token {
        Some(token) => Some(ctx.client.progress(token, title).begin().await),
        None => None,
    };
    while let Some(step) = rx.recv().await {
        if let Some(ongoing) = &ongoing {
            ongoing.report(step).await;
        }
    }
    let result = handle.await.map_err(|e| tower_lsp_server::jsonrpc::Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
        message: e.to_string().into(),
        data: None,
    })?;
    if let Some(ongoing) = ongoing {
        ongoing.finish().await;
    }
    result
}

async fn create_token(ctx: &Ctx) -> Option<ProgressToken> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let supported = ctx.state.client.read().map(|c| c.progress).unwrap_or(false);
    if !supported {
        return None;
    }
    let token = NumberOrString::String(format!("lanes/{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    ctx.client
        .send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
            token: token.clone(),
        })
        .await
        .ok()
        .map(|_| token)
}
