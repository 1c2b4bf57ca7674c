//! Language-server benchmark, end to end over stdio against the real binary (prints figures, no
//! assertions): time from `initialize` to the first `lanes/status`, time from a `didChange` to the
//! matching `publishDiagnostics`, what the Lanes view's requests take, and the server's resident
//! memory.
//!
//! Sizes: LANES_BENCH_FILES (default 3000), LANES_BENCH_LANES (default 50), LANES_BENCH_EDITS
//! (default 300).

mod common;

#[path = "../../tests/support/lsp.rs"]
mod lsp;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::{env_usize, file_path, median, ms};
use serde_json::{json, Value};

fn main() {
    let edits = env_usize("LANES_BENCH_EDITS", 300);
    let (files, lanes) = (
        env_usize("LANES_BENCH_FILES", 3000),
        env_usize("LANES_BENCH_LANES", 50),
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = common::lanes_fixture(&tmp, files, lanes);

    let window = root.join("lane-0");
    let mut command = Command::new(env!("CARGO_BIN_EXE_lanes"));
    command.current_dir(&window).env("LANES_LOG", "error");
    let t = Instant::now();
    let mut client = lsp::LspClient::spawn(command);
    client.initialize(&[&window], Value::Null);
    client.wait_notification("lanes/status", |_| true);
    println!(
        "lsp: initialize → first lanes/status: {:.1} ms",
        ms(t.elapsed())
    );

    let file = window.join(file_path(0));
    client.open(&file);
    // Wait until the background scan of every worktree has landed: the shared file then has
    // also-changed diagnostics from the lanes with uncommitted edits.
    client.wait_diagnostics(&file, |d| d.len() >= lanes / 2);
    let mut samples = Vec::with_capacity(edits);
    for i in 0..edits {
        let version = 2 + i as i32;
        let line = (i % 40) as u32;
        let t = Instant::now();
        client.change_lines(&file, version, line, line + 1, &format!("// edit {i}\n"));
        client.wait_notification("textDocument/publishDiagnostics", |p| {
            p["version"] == json!(version)
        });
        samples.push(ms(t.elapsed()));
    }
    let mut sorted = samples.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    println!(
        "lsp: didChange → publishDiagnostics, {lanes} lanes, {edits} edits: median {:.2} ms, p99 {p99:.2} ms",
        median(samples)
    );
    // What the VS Code Lanes view asks on a refresh (every lane) and on expanding a lane.
    for (command, label) in [
        ("lanes.list", "lanes.list (the view's refresh)"),
        (
            "lanes.laneFiles",
            "lanes.laneFiles of a lane (expanding it)",
        ),
    ] {
        let samples: Vec<f64> = (0..20)
            .map(|_| {
                let t = Instant::now();
                client.command(command, json!({})).expect(command);
                ms(t.elapsed())
            })
            .collect();
        println!(
            "lsp: {label}, {lanes} lanes: median {:.1} ms",
            median(samples)
        );
    }
    if let Some((rss, peak)) = memory(&client) {
        println!("lsp: resident memory with {lanes} lanes: {rss:.1} MiB (peak {peak:.1} MiB)");
    }
    client.shutdown();
}

/// (VmRSS, VmHWM) of the server in MiB, from /proc (Linux).
fn memory(client: &lsp::LspClient) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(
        Path::new("/proc")
            .join(client.pid().to_string())
            .join("status"),
    )
    .ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<f64>()
            .ok()
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
