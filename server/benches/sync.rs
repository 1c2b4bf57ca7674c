//! `lanes sync` at scale (prints figures, no assertions): PRS pull requests spread over REPOS
//! repositories (defaults 100 and 10), each a real clone whose `origin` is a GitHub URL rewritten
//! to a local bare repository holding `refs/pull/N/head`, against the fake GitHub API of the test
//! suite. Reports the first sync (every lane created) with 1 and with 4 concurrent fetches, and a
//! second sync with nothing changed — time and API requests.
//!
//! Sizes: LANES_BENCH_PRS (default 100), LANES_BENCH_REPOS (default 10); LANES_BENCH_JOBS the
//! concurrency levels in order (default "1,4").

mod common;

// The test suite's fake GitHub (its `super::http` is this crate's `http`).
#[path = "../../tests/support/github.rs"]
mod github;
#[path = "../../tests/support/http.rs"]
mod http;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{build_repo, env_usize, git, ms};
use github::{FakeGitHub, FakePull, TOKEN};
use lanes::forge::cache::EtagCache;
use lanes::forge::github::GitHub;
use lanes::ops::multi::RepoTarget;
use lanes::ops::sync::{sync, SyncOptions};
use lanes::progress::Quiet;

fn main() {
    let prs = env_usize("LANES_BENCH_PRS", 100);
    let repos = env_usize("LANES_BENCH_REPOS", 10).max(1);
    // LANES_BENCH_JOBS, e.g. "4,1", to change the order (the disk warms up between runs).
    let order: Vec<usize> = std::env::var("LANES_BENCH_JOBS")
        .ok()
        .map(|v| v.split(',').filter_map(|j| j.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 4]);
    for jobs in order {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().canonicalize().expect("temp dir");
        let gh = FakeGitHub::start();
        let t = Instant::now();
        let targets = build_world(&root, &gh, repos, prs);
        println!(
            "setup: {repos} repositories with {prs} pull requests in {:.0} ms",
            ms(t.elapsed())
        );
        let github = GitHub::new(
            gh.url(),
            TOKEN.to_string(),
            Arc::new(EtagCache::in_memory()),
            Duration::from_secs(10),
        )
        .expect("client");
        let options = SyncOptions {
            jobs,
            ..SyncOptions::default()
        };

        let t = Instant::now();
        let first = sync(&github, "github.com", &targets, &options, &Quiet);
        let first_ms = ms(t.elapsed());
        let created: usize = first.repos.iter().map(|r| r.pulls.len()).sum();
        let failed = first.repos.iter().filter(|r| r.error.is_some()).count();
        println!(
            "first sync, {jobs} concurrent fetch(es): {created} lanes created, {failed} repositories failed, {first_ms:.0} ms, {} API requests ({} search page(s))",
            first.api.requests,
            gh.count("/search/issues"),
        );
        if jobs > 1 {
            let before = first.api;
            let t = Instant::now();
            let second = sync(&github, "github.com", &targets, &options, &Quiet);
            let second_ms = ms(t.elapsed());
            println!(
                "second sync, nothing changed: {second_ms:.0} ms, {} API requests, {} answered 304 (budget 1 + ceil({prs}/100) = {})",
                second.api.requests - before.requests,
                second.api.not_modified - before.not_modified,
                1 + prs.div_ceil(100)
            );
        }
    }
}

/// `repos` clones on "github.com/octo/repo-i", with `prs` pull requests spread over them.
fn build_world(root: &Path, gh: &FakeGitHub, repos: usize, prs: usize) -> Vec<RepoTarget> {
    let mut targets = Vec::new();
    for r in 0..repos {
        let name = format!("repo-{r}");
        let full = format!("octo/{name}");
        let clone = root.join(&name);
        build_repo(&clone, 200, 0);
        let bare = root.join(format!("{name}.git"));
        git(
            root,
            &[
                "clone",
                "-q",
                "--bare",
                clone.to_str().unwrap_or_default(),
                bare.to_str().unwrap_or_default(),
            ],
        );
        let url = format!("https://github.com/{full}.git");
        git(&clone, &["remote", "add", "origin", &url]);
        git(
            &clone,
            &["config", &format!("url.{}.insteadOf", bare.display()), &url],
        );
        git(&clone, &["fetch", "-q", "origin"]);
        gh.add_repo(&full);
        // Pull requests r, r + repos, r + 2·repos, …: stacked commits on a scratch branch.
        git(&clone, &["checkout", "-q", "-b", "authoring"]);
        let mut refspecs = Vec::new();
        for n in (1..=prs).filter(|n| n % repos == r % repos) {
            std::fs::write(clone.join("pr.txt"), format!("pull request {n}\n")).expect("write");
            git(&clone, &["add", "pr.txt"]);
            git(
                &clone,
                &[
                    "-c",
                    "user.name=Bench",
                    "-c",
                    "user.email=bench@example.com",
                    "commit",
                    "-q",
                    "-m",
                    &format!("PR {n}"),
                ],
            );
            refspecs.push(format!("HEAD~0:refs/pull/{n}/head"));
            let sha = String::from_utf8(
                std::process::Command::new("git")
                    .args(["rev-parse", "HEAD"])
                    .current_dir(&clone)
                    .output()
                    .expect("git")
                    .stdout,
            )
            .unwrap_or_default();
            let last = refspecs.len() - 1;
            refspecs[last] = format!("{}:refs/pull/{n}/head", sha.trim());
            gh.add_pull(FakePull::new(
                &full,
                n as u64,
                &format!("Change {n}"),
                &format!("change-{n}"),
            ));
        }
        let mut args = vec!["push", "-q", "origin"];
        args.extend(refspecs.iter().map(String::as_str));
        git(&clone, &args);
        git(&clone, &["checkout", "-q", "main"]);
        git(&clone, &["branch", "-q", "-D", "authoring"]);
        targets.push(RepoTarget { name, path: clone });
    }
    targets
}
