//! The `lanes` binary: three front ends over the lanes core — the command-line interface, the
//! language server (`lanes lsp`) and the MCP server for agents (`lanes mcp`). Logs go to stderr;
//! stdout carries only results (text or `--json`) or protocol frames.

#![deny(clippy::disallowed_methods)]

mod cli;
mod lsp;
mod mcp;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A TAB in a shell with `lanes completions` loaded runs lanes to ask: answer and exit.
    clap_complete::CompleteEnv::with_factory(<cli::Cli as clap::CommandFactory>::command)
        .var(cli::COMPLETE_VAR)
        .complete();
    let args = cli::Cli::parse();
    init_logging(args.verbose);
    // Objects are read far more than written here (every lane's trees, blobs and merge bases);
    // re-hashing each one on read, as libgit2 does by default and git itself does not, costs a
    // tenth of a scan.
    git2::opts::strict_hash_verification(false);
    // The language server is a front end of its own beside the CLI.
    let result = match args.command {
        cli::Command::Lsp(_) => lsp::run(args.dir),
        cli::Command::Mcp => mcp::run(args.dir),
        _ => cli::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for hint in e.hints() {
                eprintln!("  hint: {hint}");
            }
            // An exit code always fits: lanes' own codes are 1..=4.
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("LANES_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
