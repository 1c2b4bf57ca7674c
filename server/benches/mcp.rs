//! `lanes mcp` as an agent uses it: the real binary over stdio (newline-delimited JSON-RPC), in a
//! lane of a ~3,000-file repository with 50 lanes (half with uncommitted edits). Prints
//! initialize → tools/list, and `lanes_check` of a file before each edit (median, p99) once the
//! server has warmed up. Prints figures, no assertions.
//!
//! Sizes: LANES_BENCH_FILES (default 3000), LANES_BENCH_LANES (default 50), LANES_BENCH_CHECKS
//! (default 200).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use common::{env_usize, file_path, median, ms};
use serde_json::{json, Value};

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl Server {
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(self.stdin, "{message}").expect("write to lanes mcp");
        self.stdin.flush().expect("flush");
        loop {
            let mut line = String::new();
            if self
                .stdout
                .read_line(&mut line)
                .expect("read from lanes mcp")
                == 0
            {
                panic!("lanes mcp closed its output");
            }
            let answer: Value = serde_json::from_str(&line).expect("a JSON-RPC message");
            if answer["id"] == json!(id) {
                return answer;
            }
        }
    }

    fn notify(&mut self, method: &str) {
        writeln!(
            self.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": method})
        )
        .expect("write");
        self.stdin.flush().expect("flush");
    }
}

fn main() {
    let checks = env_usize("LANES_BENCH_CHECKS", 200);
    let (files, lanes) = (
        env_usize("LANES_BENCH_FILES", 3000),
        env_usize("LANES_BENCH_LANES", 50),
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = common::lanes_fixture(&tmp, files, lanes);

    let lane = root.join("lane-0");
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lanes"))
        .arg("mcp")
        .current_dir(&lane)
        .env("LANES_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn lanes mcp");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut server = Server {
        child,
        stdin,
        stdout,
        next: 0,
    };
    server.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}),
    );
    server.notify("notifications/initialized");
    let tools = server.request("tools/list", json!({}));
    println!(
        "mcp: start → initialize → tools/list ({} tools): {:.1} ms",
        tools["result"]["tools"].as_array().map_or(0, Vec::len),
        ms(t.elapsed())
    );

    // The first check waits for the warm-up (the scan of every lane); the agent's later checks
    // are what it pays before each edit.
    let shared = file_path(0);
    let t = Instant::now();
    let first = server.request(
        "tools/call",
        json!({"name": "lanes_check", "arguments": {"path": shared}}),
    );
    println!(
        "mcp: first lanes_check (waits for the warm-up scan): {:.0} ms (conflict: {})",
        ms(t.elapsed()),
        first["result"]["structuredContent"]["conflict"]
    );
    let mut samples = Vec::with_capacity(checks);
    for i in 0..checks {
        let path = file_path(i % 40);
        let t = Instant::now();
        let answer = server.request(
            "tools/call",
            json!({"name": "lanes_check", "arguments": {"path": path}}),
        );
        samples.push(ms(t.elapsed()));
        assert!(answer["result"]["isError"] != json!(true), "{answer}");
    }
    let mut sorted = samples.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    println!(
        "mcp: lanes_check, {lanes} lanes, {checks} calls: median {:.2} ms, p99 {p99:.2} ms",
        median(samples)
    );
    drop(server.stdin);
    let _ = server.child.wait();
}
