//! The language server (`lanes lsp`): a thin translation between the Language Server Protocol and
//! the lanes core. Requests and notifications arrive in `server`; commands in `commands`; findings
//! become diagnostics in `diagnostics` and code actions in `code_actions`; the window's lane is
//! reported by `status`; file watching lives in `watch`.
//!
//! Built on tower-lsp-server: tower-lsp has had no release since 2023, and tower-lsp-server is its
//! maintained continuation (same design, native async traits, current lsp-types).

mod code_actions;
mod commands;
mod diagnostics;
mod progress;
mod server;
mod state;
mod status;
mod text;
mod transport;
mod uri;
mod watch;

use tower_lsp_server::{LspService, Server};

/// Serves LSP over stdin/stdout until the client sends `exit` (or closes the stream).
pub async fn serve() {
    let (service, socket) = LspService::build(server::Backend::new)
        .custom_method("lanes/status", server::Backend::status_request)
        .finish();
    Server::new(transport::checked_stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
}
