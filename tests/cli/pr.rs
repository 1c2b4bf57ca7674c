//! `lanes pr`: push the lane's branch and open its pull request on GitHub (the local fake), titled
//! and described from the ticket; run again, it updates that pull request instead of failing,
//! and never clobbers what people wrote on it.

use serde_json::Value;

use crate::support::github::{pull_of, FakeGitHub, FakeIssue};
use crate::support::{stderr, TestRepo};

/// A clone of octo/widgets with the GitHub issues provider, and lane gh-42 for issue #42 with a
/// commit of its own.
fn lane_of_an_issue(gh: &FakeGitHub) -> TestRepo {
    let repo = gh.clone_of("octo/widgets", "provider = \"github\"\ntimeout = 5");
    gh.add_issue(FakeIssue {
        repo: "octo/widgets".into(),
        number: 42,
        title: "Fix login timeout".into(),
        body: "Users are logged out.\n\n## Acceptance criteria\n\n- sessions last 8 hours\n- a warning before logout\n".into(),
        assignee: "me".into(),
        state: "open".into(),
    });
    let out = gh
        .env(repo.lanes_cmd().args(["start", "#42", "--no-fetch"]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    repo.commit_lines("gh-42", &[3], "longer sessions");
    repo
}

fn pr(gh: &FakeGitHub, repo: &TestRepo, args: &[&str]) -> Value {
    let out = gh
        .env(
            repo.lanes_cmd()
                .current_dir(repo.lane_dir("gh-42"))
                .args(["pr", "--json"])
                .args(args),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn writes(gh: &FakeGitHub, method: &str) -> usize {
    gh.requests().iter().filter(|r| r.method == method).count()
}

#[test]
fn pr_pushes_the_branch_and_opens_a_pull_request_titled_and_described_from_the_ticket() {
    let gh = FakeGitHub::start();
    let repo = lane_of_an_issue(&gh);
    let opened = pr(&gh, &repo, &[]);
    assert_eq!(opened["created"], true, "{opened}");
    let number = opened["number"].as_u64().unwrap();
    let pull = pull_of(&gh, number).unwrap();
    assert_eq!(pull.title, "gh-42: Fix login timeout");
    assert_eq!(pull.head_ref, "feature/gh-42");
    assert_eq!(pull.base_ref, "main");
    assert!(
        pull.body
            .contains("Ticket: [gh-42](https://github.com/octo/widgets/issues/42)"),
        "{}",
        pull.body
    );
    assert!(
        pull.body
            .contains("- [ ] sessions last 8 hours\n- [ ] a warning before logout"),
        "{}",
        pull.body
    );
    // Pushed, with its upstream set.
    assert_eq!(
        repo.git_in(&repo.remote, &["rev-parse", "feature/gh-42"]),
        repo.git_in(&repo.lane_dir("gh-42"), &["rev-parse", "HEAD"])
    );
    assert_eq!(
        repo.git_in(
            &repo.lane_dir("gh-42"),
            &["rev-parse", "--abbrev-ref", "@{upstream}"]
        )
        .trim(),
        "origin/feature/gh-42"
    );
    // Recorded on the lane.
    let list = repo.lanes_json(&["list"]);
    let lane = list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == "gh-42")
        .unwrap();
    assert_eq!(lane["pr"], number, "{lane}");
    assert_eq!(lane["pr_state"], "open", "{lane}");
}

#[test]
fn pr_run_again_updates_the_open_pull_request_and_keeps_what_people_wrote() {
    let gh = FakeGitHub::start();
    let repo = lane_of_an_issue(&gh);
    let first = pr(&gh, &repo, &["--draft"]);
    let number = first["number"].as_u64().unwrap();
    assert_eq!(first["draft"], true);
    gh.update_pull(number, |p| {
        p.title = "Fix login timeout (renamed by a reviewer)".into();
        p.body = format!("Screenshots below.\n\n{}", p.body);
    });
    repo.commit_lines("gh-42", &[3, 4], "a warning too");
    let second = pr(&gh, &repo, &[]);
    assert_eq!(second["created"], false, "{second}");
    assert_eq!(second["number"], number);
    assert_eq!(writes(&gh, "POST"), 1);
    assert_eq!(writes(&gh, "PATCH"), 1);
    let pull = pull_of(&gh, number).unwrap();
    assert_eq!(pull.title, "Fix login timeout (renamed by a reviewer)");
    assert!(
        pull.body
            .starts_with("Screenshots below.\n\n<!-- lanes:ticket -->"),
        "{}",
        pull.body
    );
    assert_eq!(
        pull.body.matches("<!-- lanes:ticket -->").count(),
        1,
        "{}",
        pull.body
    );
    // The new commit was pushed.
    assert_eq!(
        repo.git_in(&repo.remote, &["rev-parse", "feature/gh-42"]),
        repo.git_in(&repo.lane_dir("gh-42"), &["rev-parse", "HEAD"])
    );
}

#[test]
fn pr_outside_a_lane_is_a_usage_error_that_changes_nothing() {
    let gh = FakeGitHub::start();
    let repo = lane_of_an_issue(&gh);
    let out = gh.env(repo.lanes_cmd().args(["pr"])).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not inside a lane"),
        "{}",
        stderr(&out)
    );
    assert_eq!(writes(&gh, "POST"), 0);
}

#[test]
fn pr_with_a_rejected_token_says_so_and_never_shows_it() {
    let gh = FakeGitHub::start();
    let repo = lane_of_an_issue(&gh);
    let out = repo
        .lanes_cmd()
        .current_dir(repo.lane_dir("gh-42"))
        .args(["pr", "--offline"])
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", "ghp_wrongTOKEN000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rejected the token (401)"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("ghp_wrongTOKEN000"));
    assert!(gh.requests().iter().all(|r| r.method != "POST"));
    // Nothing was pushed either.
    let pushed = repo.git_in(&repo.remote, &["branch", "--list", "feature/gh-42"]);
    assert!(pushed.is_empty(), "{pushed}");
}

#[test]
fn in_a_fork_the_branch_goes_to_your_fork_and_the_pull_request_to_upstream() {
    let gh = FakeGitHub::start();
    // origin is your fork (me/widgets); upstream is octo/widgets, where pull requests go.
    let repo = gh.clone_of("me/widgets", "timeout = 5");
    let upstream = repo.base().join("upstream.git");
    repo.git_in(
        &repo.base(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            upstream.to_str().unwrap(),
        ],
    );
    let url = "https://github.com/octo/widgets.git";
    repo.git(&["remote", "add", "upstream", url]);
    repo.rewrite_url(url, &upstream);
    repo.git(&["push", "-q", "upstream", "main"]);
    gh.add_repo("octo/widgets");
    repo.lanes_ok(&["start", "A-1"]);
    repo.commit_lines("A-1", &[3], "the fix");
    let out = gh
        .env(
            repo.lanes_cmd()
                .current_dir(repo.lane_dir("A-1"))
                .args(["pr", "--json", "--offline"]),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let opened: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pull = pull_of(&gh, opened["number"].as_u64().unwrap()).unwrap();
    assert_eq!(pull.repo, "octo/widgets");
    assert_eq!(pull.head_ref, "feature/A-1");
    let posted = gh
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        posted.body.contains("\"head\":\"me:feature/A-1\""),
        "{}",
        posted.body
    );
    // Pushed to the fork, not to upstream.
    assert!(!repo
        .git_in(&repo.remote, &["branch", "--list", "feature/A-1"])
        .is_empty());
    assert!(repo
        .git_in(&upstream, &["branch", "--list", "feature/A-1"])
        .is_empty());
}
