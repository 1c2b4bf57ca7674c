//! The language server (`lanes lsp`): a thin translation between the Language Server Protocol and
//! the lanes core. Requests and notifications arrive in `server`; commands in `commands`; findings
//! become diagnostics in `diagnostics` and code actions in `code_actions`; the window's lane is
//! reported by `status`; file watching lives in `watch`; teammates' pull requests are fetched in
//! `teammates`.
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
mod teammates;
mod text;
mod transport;
mod uri;
mod watch;

use tower_lsp_server::{LspService, Server};

/// `lanes lsp`: serves the language server on stdio in `dir` (or the current directory) until the
/// client exits.
pub fn run(dir: Option<std::path::PathBuf>) -> lanes::Result<std::process::ExitCode> {
    if let Some(dir) = dir {
        std::env::set_current_dir(&dir)
            .map_err(lanes::Error::io(format!("entering {}", dir.display())))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(lanes::Error::io("starting the language server runtime"))?;
    let clean = runtime.block_on(serve());
    // Blocking work still running (a sync, a scan) must not keep a client waiting on our exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    Ok(if clean {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

/// Serves LSP over stdin/stdout until the client sends `exit` (or closes the stream). Returns
/// true when the client asked for `shutdown` first: the exit code is 0 then and 1 otherwise, as
/// the LSP specification says.
pub async fn serve() -> bool {
    let shut_down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = shut_down.clone();
    let (service, socket) = LspService::build(move |client| server::Backend::new(client, flag))
        .custom_method("lanes/status", server::Backend::status_request)
        .custom_method(
            transport::INVALID_REQUEST_METHOD,
            server::Backend::invalid_request,
        )
        .finish();
    Server::new(transport::checked_stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
    shut_down.load(std::sync::atomic::Ordering::SeqCst)
}
