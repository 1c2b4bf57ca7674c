//! Shared by the benchmarks: synthetic repositories built fast with `git fast-import`.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// One `main` commit with `files` files of 40 lines in 30 folders, and `lanes` branches
/// `feature/L-i` with two or three commits each changing a few files — written with one
/// `git fast-import` stream.
/// Path of the i-th file of a built repository.
pub fn file_path(i: usize) -> String {
    format!("src/mod{}/file{i}.rs", i % 30)
}

pub fn build_repo(dir: &Path, files: usize, lanes: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    git(dir, &["init", "-q", "-b", "main"]);
    let mut stream = Vec::new();
    let content = |seed: usize| -> String {
        (0..40)
            .map(|l| format!("fn item_{seed}_{l}() {{ /* line {l} */ }}\n"))
            .collect()
    };
    let path = file_path;
    let data = |stream: &mut Vec<u8>, text: &str| {
        writeln!(stream, "data {}", text.len()).ok();
        stream.extend_from_slice(text.as_bytes());
        stream.push(b'\n');
    };
    writeln!(stream, "commit refs/heads/main").ok();
    writeln!(stream, "mark :1").ok();
    writeln!(stream, "committer Bench <b@example.com> 1700000000 +0000").ok();
    data(&mut stream, "initial");
    for i in 0..files {
        writeln!(stream, "M 100644 inline {}", path(i)).ok();
        data(&mut stream, &content(i));
    }
    // History, so packfiles and merge-base walks are honest: one small commit per step on main,
    // each rewriting one file. The lanes branch from the last of them.
    let history = env_usize("LANES_BENCH_HISTORY", 5000);
    for h in 0..history {
        writeln!(stream, "commit refs/heads/main").ok();
        writeln!(stream, "mark :{}", h + 2).ok();
        writeln!(
            stream,
            "committer Bench <b@example.com> {} +0000",
            1600000000 + h
        )
        .ok();
        data(&mut stream, &format!("history {h}"));
        let file = (h * 31 + 1) % files.max(1);
        let mut text = content(file);
        text.push_str(&format!("// history {h}\n"));
        writeln!(stream, "M 100644 inline {}", path(file)).ok();
        data(&mut stream, &text);
    }
    let fork = history + 1;
    for lane in 0..lanes {
        for c in 0..(2 + lane % 2) {
            writeln!(stream, "commit refs/heads/feature/L-{lane}").ok();
            writeln!(
                stream,
                "committer Bench <b@example.com> {} +0000",
                1700000001 + lane * 10 + c
            )
            .ok();
            data(&mut stream, &format!("L-{lane} change {c}"));
            if c == 0 {
                writeln!(stream, "from :{fork}").ok();
            }
            let file = (lane * 7 + c * 13) % files;
            let mut text = content(file);
            text.insert_str(0, &format!("// lane {lane} commit {c}\n"));
            writeln!(stream, "M 100644 inline {}", path(file)).ok();
            data(&mut stream, &text);
            if c == 0 && lane % 5 == 0 && file != 0 {
                // Every fifth lane also edits one line of a file many lanes share.
                let shared: String = content(0)
                    .lines()
                    .enumerate()
                    .map(|(i, l)| {
                        if i == lane % 40 {
                            format!("// lane {lane}\n")
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect();
                writeln!(stream, "M 100644 inline {}", path(0)).ok();
                data(&mut stream, &shared);
            }
        }
    }
    // The base moves on after the lanes branched: a teammate's commits touch the first line of
    // some lanes' files (a conflict for those lanes) and the far end of others (no conflict).
    for lane in (0..lanes).step_by(4) {
        writeln!(stream, "commit refs/heads/main").ok();
        writeln!(
            stream,
            "committer Bench <b@example.com> {} +0000",
            1800000000 + lane
        )
        .ok();
        data(&mut stream, &format!("teammate {lane}"));
        let file = (lane * 7) % files.max(1);
        let text = content(file).replacen("fn item", "// teammate\nfn item", 1);
        writeln!(stream, "M 100644 inline {}", path(file)).ok();
        data(&mut stream, &text);
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("stream");
    assert!(child.wait().expect("fast-import").success());
    git(dir, &["checkout", "-q", "main"]);
    // As `lanes start` leaves them: each branch's reflog begins where it left main, so a lane
    // with commits of its own is judged for `merged` (not taken for an empty lane).
    for lane in 0..lanes {
        let branch = format!("refs/heads/feature/L-{lane}");
        let tip = git_out(dir, &["rev-parse", &branch]);
        let fork = git_out(dir, &["merge-base", "main", &branch]);
        let _ = std::fs::remove_file(dir.join(".git/logs").join(&branch));
        git(
            dir,
            &[
                "update-ref",
                "-m",
                "branch: Created from main",
                &branch,
                &fork,
            ],
        );
        git(dir, &["update-ref", "-m", "commit", &branch, &tip]);
    }
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Where a bench builds its repositories: `LANES_BENCH_DIR` when set (kept afterwards, for
/// profiling), else `tmp`.
pub fn bench_root(tmp: &tempfile::TempDir) -> std::path::PathBuf {
    match std::env::var_os("LANES_BENCH_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => tmp.path().canonicalize().expect("temp dir"),
    }
}

/// [`build_repo`] in `root/project`, and a worktree `root/lane-I` for each lane branch; odd
/// lanes also get an uncommitted edit to the file many lanes share. Returns the repository.
pub fn repo_with_worktrees(root: &Path, files: usize, lanes: usize) -> std::path::PathBuf {
    let repo = root.join("project");
    build_repo(&repo, files, lanes);
    for i in 0..lanes {
        let dir = root.join(format!("lane-{i}"));
        let branch = format!("feature/L-{i}");
        git(
            &repo,
            &[
                "worktree",
                "add",
                "-q",
                dir.to_str().expect("utf-8"),
                &branch,
            ],
        );
        if i % 2 == 1 {
            let shared = dir.join(file_path(0));
            let text = std::fs::read_to_string(&shared).expect("shared file");
            std::fs::write(&shared, format!("// uncommitted in lane {i}\n{text}")).expect("write");
        }
    }
    repo
}

/// [`repo_with_worktrees`] under [`bench_root`], flushed to disk ([`settle`]), with a line saying
/// what was built and how long it took. Returns the root.
pub fn lanes_fixture(tmp: &tempfile::TempDir, files: usize, lanes: usize) -> std::path::PathBuf {
    let root = bench_root(tmp);
    let t = std::time::Instant::now();
    repo_with_worktrees(&root, files, lanes);
    settle();
    println!(
        "setup: {files} files, {lanes} lanes with worktrees in {:.0} ms",
        ms(t.elapsed())
    );
    root
}

/// Flushes what the set-up wrote to disk (`sync`), so measurements do not share the disk with it.
pub fn settle() {
    let _ = Command::new("sync").status();
}

pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}
