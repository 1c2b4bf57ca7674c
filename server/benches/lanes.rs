//! Benchmarks that print figures (no assertions): run with `cargo bench`.
//!
//! 1. `lanes start` against `git worktree add -b` on the same repository (ratio), then `lanes
//!    remove` (checks, trash snapshot, offline re-check) against `git worktree remove` (ratio).
//! 2. The overlap index for many lanes of a large repository: cold build (committed changes only,
//!    and with every worktree scanned for uncommitted changes), refresh of one lane, and the naive
//!    `git merge-base` + `git diff --name-only` loop for comparison.
//!
//! Sizes: LANES_BENCH_FILES (default 3000), LANES_BENCH_LANES (default 200).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{build_repo, env_usize, git, median, ms};

use lanes::overlap::{LaneSource, OverlapIndex};
use lanes::Repo;

fn main() {
    let files = env_usize("LANES_BENCH_FILES", 3000);
    let lanes = env_usize("LANES_BENCH_LANES", 200);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = common::bench_root(&tmp);
    let repo_dir = root.join("project");
    let t = Instant::now();
    build_repo(&repo_dir, files, lanes);
    println!(
        "setup: repository with {files} files and {lanes} lane branches in {:.0} ms",
        ms(t.elapsed())
    );

    bench_start(&root, &repo_dir);
    bench_remove(&root, &repo_dir);
    bench_overlap(
        &root,
        &repo_dir,
        lanes,
        std::env::var_os("LANES_BENCH_COMMITTED_ONLY").is_none(),
    );
}

fn bench_start(root: &Path, repo: &Path) {
    compare(
        ("start", "git worktree add -b", "lanes start"),
        repo,
        |round| {
            let path = root.join(format!("git-{round}"));
            [
                "worktree",
                "add",
                "-q",
                "-b",
                &format!("plain/{round}"),
                path.to_str().expect("utf-8"),
                "main",
            ]
            .map(String::from)
            .to_vec()
        },
        |round| vec!["start".into(), format!("S-{round}"), "--no-fetch".into()],
    );
}

/// Removes the worktrees `bench_start` made: git's plain removal against lanes' guarded one.
fn bench_remove(root: &Path, repo: &Path) {
    compare(
        (
            "remove",
            "git worktree remove",
            "lanes remove (checked, saved to the trash)",
        ),
        repo,
        |round| {
            let path = root.join(format!("git-{round}"));
            ["worktree", "remove", path.to_str().expect("utf-8")]
                .map(String::from)
                .to_vec()
        },
        |round| vec!["remove".into(), format!("S-{round}")],
    );
}

/// Times git and lanes doing the same thing, round by round; prints both medians and the ratio.
fn compare(
    (what, git_name, lanes_name): (&str, &str, &str),
    repo: &Path,
    git_args: impl Fn(usize) -> Vec<String>,
    lanes_args: impl Fn(usize) -> Vec<String>,
) {
    const ROUNDS: usize = 7;
    let mut git_times = Vec::new();
    let mut lanes_times = Vec::new();
    for round in 0..ROUNDS {
        let args = git_args(round);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let t = Instant::now();
        git(repo, &args);
        git_times.push(ms(t.elapsed()));
        let args = lanes_args(round);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        lanes_times.push(time_lanes(repo, &args));
    }
    let (g, l) = (median(git_times), median(lanes_times));
    println!(
        "{what}: {git_name} median {g:.1} ms | {lanes_name} median {l:.1} ms | ratio {:.2}x ({ROUNDS} rounds)",
        l / g
    );
}

/// Runs `lanes args…` in `repo`; returns how long it took, in milliseconds.
fn time_lanes(repo: &Path, args: &[&str]) -> f64 {
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_lanes"))
        .args(args)
        .current_dir(repo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("lanes runs");
    let took = ms(t.elapsed());
    assert!(status.success(), "lanes {args:?} failed");
    took
}

fn bench_overlap(root: &Path, repo_dir: &Path, lanes: usize, worktrees: bool) {
    let repo = Repo::discover(repo_dir).expect("repo");
    let base = repo.resolve_commit("main").expect("main");

    // Committed layer only: every lane read from the object database.
    let sources: Vec<LaneSource> = (0..lanes)
        .map(|i| {
            let branch = format!("feature/L-{i}");
            LaneSource {
                path: root.join(format!("lane-{i}")),
                ticket: Some(format!("L-{i}")),
                head: repo
                    .git()
                    .refname_to_id(&format!("refs/heads/{branch}"))
                    .ok(),
                branch: Some(branch),
                base: Some(base),
                base_ref: Some("main".into()),
                present: false,
                primary: false,
                remote: false,
            }
        })
        .collect();
    let mut samples = Vec::new();
    let mut shared = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let index = OverlapIndex::build(repo.common_dir(), sources.clone()).expect("index");
        let judge = lanes::verdict::Judge::open(repo.common_dir()).expect("judge");
        shared = lanes::conflicts::report(&index, &judge, None)
            .expect("verdicts")
            .len();
        samples.push(ms(t.elapsed()));
    }
    println!(
        "overlap: cold build + merge verdicts, {lanes} lanes, committed changes: median {:.1} ms ({shared} shared paths)",
        median(samples)
    );

    // Naive loop for comparison: two git processes per lane.
    let t = Instant::now();
    for i in 0..lanes {
        let branch = format!("feature/L-{i}");
        let out = Command::new("git")
            .args(["merge-base", "main", &branch])
            .current_dir(repo_dir)
            .output()
            .expect("git");
        let mb = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Command::new("git")
            .args(["diff", "--name-only", &mb, &branch])
            .current_dir(repo_dir)
            .output()
            .expect("git");
    }
    println!(
        "overlap: naive git merge-base + git diff --name-only loop, {lanes} lanes: {:.0} ms",
        ms(t.elapsed())
    );

    if !worktrees {
        return;
    }
    // Real worktrees, so uncommitted changes are read too.
    let t = Instant::now();
    for i in 0..lanes {
        let path = root.join(format!("lane-{i}"));
        git(
            repo_dir,
            &[
                "worktree",
                "add",
                "-q",
                path.to_str().expect("utf-8"),
                &format!("feature/L-{i}"),
            ],
        );
    }
    println!(
        "setup: {lanes} worktrees checked out in {:.0} ms",
        ms(t.elapsed())
    );
    let present: Vec<LaneSource> = sources
        .iter()
        .cloned()
        .map(|s| LaneSource { present: true, ..s })
        .collect();
    let mut samples = Vec::new();
    let mut index = OverlapIndex::default();
    for _ in 0..3 {
        let t = Instant::now();
        index = OverlapIndex::build(repo.common_dir(), present.clone()).expect("index");
        samples.push(ms(t.elapsed()));
    }
    println!(
        "overlap: cold build, {lanes} lanes, committed + uncommitted (every worktree scanned): median {:.1} ms",
        median(samples)
    );

    // Refresh one lane after an edit in its worktree.
    let lane = present[lanes / 2].clone();
    let edited: PathBuf = lane.path.join("src/mod0/file0.rs");
    let mut samples = Vec::new();
    for round in 0..20 {
        std::fs::write(&edited, format!("edited {round}\n")).expect("write");
        let t = Instant::now();
        index
            .refresh(repo.common_dir(), vec![lane.clone()], false)
            .expect("refresh");
        samples.push(ms(t.elapsed()));
    }
    println!(
        "overlap: refresh one lane after an edit, whole worktree rescanned: median {:.2} ms",
        median(samples)
    );
    let mut samples = Vec::new();
    let saved = vec!["src/mod0/file0.rs".to_string()];
    for round in 0..20 {
        std::fs::write(&edited, format!("saved {round}\n")).expect("write");
        let t = Instant::now();
        index
            .refresh_files(repo.git(), lane.clone(), &saved)
            .expect("refresh");
        samples.push(ms(t.elapsed()));
    }
    println!(
        "overlap: refresh one lane after an editor saved one file (only that file re-read): median {:.3} ms",
        median(samples)
    );
    let mut samples = Vec::new();
    for round in 0..20 {
        // A new commit moves the lane's head: both parts are read again.
        let mut moved = lane.clone();
        moved.head = if round % 2 == 0 {
            Some(base)
        } else {
            lane.head
        };
        let t = Instant::now();
        index
            .refresh(repo.common_dir(), vec![moved], false)
            .expect("refresh");
        samples.push(ms(t.elapsed()));
    }
    println!(
        "overlap: refresh one lane after its branch moved: median {:.2} ms",
        median(samples)
    );
    let t = Instant::now();
    let hits = index.lanes_changing("src/mod0/file0.rs").count();
    println!(
        "overlap: lookup of the lanes changing one path: {:.1} µs ({hits} lanes)",
        t.elapsed().as_secs_f64() * 1e6
    );
}
