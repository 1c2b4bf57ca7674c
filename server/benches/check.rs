//! `lanes check` and `lanes list` with git's merge verdicts, as a user runs them: the real binary,
//! cold processes, on 50 lanes (worktrees, half with uncommitted edits) of a ~3,000-file
//! repository with deep history whose base moved on after the lanes branched. Prints figures, no
//! assertions. For comparison: one `git merge-tree` process per lane against the base, which is
//! what a script would run to get the base verdicts alone.
//!
//! Sizes: LANES_BENCH_FILES (default 3000), LANES_BENCH_LANES (default 50), LANES_BENCH_HISTORY
//! (default 5000 commits).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{env_usize, git, median, ms};

fn main() {
    let files = env_usize("LANES_BENCH_FILES", 3000);
    let lanes = env_usize("LANES_BENCH_LANES", 50);
    let history = env_usize("LANES_BENCH_HISTORY", 5000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = common::bench_root(&tmp);
    let t = Instant::now();
    let repo = common::repo_with_worktrees(&root, files, lanes);
    git(&repo, &["gc", "-q"]);
    // 150,000 files were just written: flush them first, or the figures measure the disk's
    // writeback of the set-up rather than lanes.
    common::settle();
    println!(
        "setup: {files} files, {history} commits of history, {lanes} lanes with worktrees in {:.0} ms",
        ms(t.elapsed())
    );

    let (check, _) = run_lanes(&repo, &["check", "--json"]);
    let files_reported = check.as_array().map_or(0, Vec::len);
    let conflicted = check
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["conflict"] == true)
        .count();
    let samples: Vec<f64> = (0..5)
        .map(|_| run_lanes(&repo, &["check", "--json"]).1)
        .collect();
    println!(
        "check: lanes check --json, {lanes} lanes, cold process: median {:.0} ms ({files_reported} files, {conflicted} with a conflict)",
        median(samples)
    );
    let samples: Vec<f64> = (0..5)
        .map(|_| run_lanes(&repo, &["list", "--json"]).1)
        .collect();
    println!(
        "list: lanes list --json (state + conflicts), {lanes} lanes, cold process: median {:.0} ms",
        median(samples)
    );

    let t = Instant::now();
    for i in 0..lanes {
        Command::new("git")
            .args(["merge-tree", "--write-tree", "--name-only", "main"])
            .arg(format!("feature/L-{i}"))
            .current_dir(&repo)
            .stdout(Stdio::null())
            .status()
            .expect("git merge-tree");
    }
    println!(
        "check: for comparison, git merge-tree of each lane against the base, {lanes} processes: {:.0} ms",
        ms(t.elapsed())
    );
}

/// Runs the binary; its JSON output and how long it took.
fn run_lanes(dir: &Path, args: &[&str]) -> (serde_json::Value, f64) {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_lanes"))
        .args(args)
        .current_dir(dir)
        .env("LANES_LOG", "error")
        .output()
        .expect("lanes runs");
    let took = ms(t.elapsed());
    assert!(out.status.success(), "lanes {args:?} failed");
    let value = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (value, took)
}
