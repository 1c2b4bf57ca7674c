//! `lanes mcp`: a Model Context Protocol server over stdio, so agents drive lanes themselves —
//! start a lane, see the lanes, and ask "may I edit this file?" before they edit. A thin
//! translation between MCP (the official Rust SDK, rmcp) and the lanes core, like the language
//! server: each tool is one core operation on the repository the server was started in.
//!
//! No tool removes a lane or deletes a branch. Outward or changing tools carry MCP's
//! annotations (`destructiveHint`, `openWorldHint`). Bad arguments come back as tool errors
//! (`isError`), never as a crash; stdout carries only protocol messages.

mod lines;
mod summary;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use rmcp::ServiceExt;

/// `lanes mcp`: serves MCP on stdio for the repository at `dir` (or the current directory) until
/// the client closes the connection.
pub fn run(dir: Option<PathBuf>) -> lanes::Result<ExitCode> {
    let dir = match dir {
        Some(dir) => dir,
        None => {
            std::env::current_dir().map_err(lanes::Error::io("reading the current directory"))?
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(lanes::Error::io("starting the MCP server"))?;
    let served = runtime.block_on(async move {
        let server = tools::LanesMcp::new(dir);
        server.warm_up();
        // stdin through a bounded line reader: a line too long for rmcp is answered, not lost.
        let (input, feed) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            if let Err(e) = lines::pump(tokio::io::stdin(), feed, lines::MAX_LINE).await {
                tracing::debug!("MCP input ended: {e}");
            }
        });
        let service = server
            .serve((input, tokio::io::stdout()))
            .await
            .map_err(|e| lanes::Error::Internal(format!("the MCP session did not start: {e}")))?;
        service
            .waiting()
            .await
            .map_err(|e| lanes::Error::Internal(format!("the MCP session ended badly: {e}")))?;
        Ok(ExitCode::SUCCESS)
    });
    // The reader may still wait on stdin: do not wait for it.
    runtime.shutdown_background();
    served
}
