//! `lanes sync` against a fake GitHub API and local bare remotes holding `refs/pull/N/head`,
//! reached through `url.<base>.insteadOf` so the remotes keep their real GitHub URLs.

use std::process::Output;

use serde_json::Value;

use crate::support::github::{FakeGitHub, FakePull, TOKEN};
use crate::support::http::Reply;
use crate::support::{stderr, stdout, TestRepo};

const WIDGETS: &str = "octo/widgets";

/// A clone of `full` on the fake GitHub, with the user config pointing lanes at it.
fn github_repo(gh: &FakeGitHub, full: &str) -> TestRepo {
    gh.clone_of(full, "timeout = 2")
}

/// The fake GitHub and a clone with one open pull request `number` (its head changes `file`);
/// returns the head commit too.
fn with_pull(number: u64, title: &str, head: &str, file: &str) -> (FakeGitHub, TestRepo, String) {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    let tip = repo.push_pull_request(number, "refs/heads/main", file, "v1\n");
    gh.add_pull(FakePull::new(WIDGETS, number, title, head));
    (gh, repo, tip)
}

/// A synced lane of PR 8, changed locally by `local`, then PR 8 moves on upstream and the sync
/// runs again: returns the repository and what the second sync said of PR 8.
fn resync_after(local: impl FnOnce(&TestRepo)) -> (TestRepo, Value) {
    let (gh, repo, _) = with_pull(8, "Widgets", "widgets", "a.txt");
    sync_ok(&repo, &gh, &[]);
    local(&repo);
    repo.push_pull_request(8, "refs/pull/8/head", "a.txt", "v2\n");
    let report = sync_ok(&repo, &gh, &[]);
    (repo, pull(&report, 8))
}

fn user_config(gh: &FakeGitHub, repo: &TestRepo, extra: &str) {
    gh.configure(repo, &format!("timeout = 2\n{extra}"));
}

fn sync_cmd(repo: &TestRepo, gh: &FakeGitHub, args: &[&str]) -> Output {
    gh.env(repo.lanes_cmd().arg("sync").args(args))
        .output()
        .unwrap()
}

/// Runs `lanes sync --json` and returns the report; fails the test when sync failed.
fn sync_ok(repo: &TestRepo, gh: &FakeGitHub, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = sync_cmd(repo, gh, &all);
    assert!(out.status.success(), "sync failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// PR `number` is merged, then `lanes sync --prune` runs: what it said of that lane.
fn prune_after_merge(gh: &FakeGitHub, repo: &TestRepo, number: u64) -> Value {
    gh.update_pull(number, |p| {
        p.state = "closed".into();
        p.merged = true;
    });
    let report = sync_ok(repo, gh, &["--prune"]);
    report["repos"][0]["closed"][0].clone()
}

fn pull(report: &Value, number: u64) -> Value {
    report["repos"][0]["pulls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == number)
        .cloned()
        .unwrap_or_else(|| panic!("PR {number} not in {report}"))
}

fn lane(repo: &TestRepo, ticket: &str) -> Value {
    repo.lanes_json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == ticket)
        .cloned()
        .unwrap_or_else(|| panic!("no lane {ticket}"))
}

fn assert_no_token(out: &Output) {
    assert!(!stdout(out).contains(TOKEN) && !stderr(out).contains(TOKEN));
}

#[test]
fn each_open_pull_request_gets_a_lane_on_its_head() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    let tip = repo.push_pull_request(7, "refs/heads/main", "login.txt", "v1\n");
    gh.add_pull(FakePull::new(
        WIDGETS,
        7,
        "PROJ-12: fix the login timeout",
        "fix/login",
    ));

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 7)["action"], "created");
    assert_eq!(repo.rev("pr/7-fix-login"), tip);
    let lane = lane(&repo, "PROJ-12");
    assert_eq!(lane["pr"], 7);
    assert_eq!(lane["pr_state"], "open");
    assert_eq!(lane["branch"], "pr/7-fix-login");
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PROJ-12").join("login.txt")).unwrap(),
        "v1\n"
    );
}

#[test]
fn a_pull_request_without_a_ticket_key_is_named_after_its_number_and_drafts_are_marked() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    repo.push_pull_request(9, "refs/heads/main", "a.txt", "v1\n");
    let mut draft = FakePull::new(WIDGETS, 9, "Try a new cache", "cache");
    draft.draft = true;
    gh.add_pull(draft);

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 9)["draft"], true);
    assert_eq!(lane(&repo, "PR-9")["pr_state"], "draft");
}

#[test]
fn a_clean_lane_behind_its_pull_request_is_fast_forwarded() {
    let (gh, repo, _) = with_pull(8, "Widgets", "widgets", "a.txt");
    sync_ok(&repo, &gh, &[]);
    let tip = repo.push_pull_request(8, "refs/pull/8/head", "a.txt", "v2\n");

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 8)["action"], "updated");
    assert_eq!(repo.rev("pr/8-widgets"), tip);
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PR-8").join("a.txt")).unwrap(),
        "v2\n"
    );
}

#[test]
fn a_lane_with_local_changes_is_left_exactly_as_it_is_and_reported() {
    let mut before = String::new();
    let (repo, outcome) = resync_after(|repo| {
        before = repo.rev("pr/8-widgets");
        repo.write(&repo.lane_dir("PR-8"), "a.txt", "my unsaved idea\n");
    });

    assert_eq!(outcome["reason"], "PR 8: local changes, not updated");
    assert_eq!(repo.rev("pr/8-widgets"), before);
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PR-8").join("a.txt")).unwrap(),
        "my unsaved idea\n"
    );
}

#[test]
fn a_diverged_lane_is_left_exactly_as_it_is_and_reported() {
    let mut mine = String::new();
    let (repo, outcome) = resync_after(|repo| {
        repo.commit(
            &repo.lane_dir("PR-8"),
            "mine.txt",
            "local\n",
            "my local commit",
        );
        mine = repo.rev("pr/8-widgets");
    });

    assert_eq!(outcome["action"], "skipped");
    assert!(outcome["reason"].as_str().unwrap().contains("diverged"));
    assert_eq!(repo.rev("pr/8-widgets"), mine);
}

#[test]
fn a_pull_request_from_a_fork_is_fetched_from_the_base_repository() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    // The fork's branch exists only as the base repository's pull ref, as on GitHub.
    let tip = repo.push_pull_request(12, "refs/heads/main", "fork.txt", "from a fork\n");
    let mut pr = FakePull::new(WIDGETS, 12, "Support emoji", "patch-1");
    pr.head_repo = "someone/widgets".into();
    gh.add_pull(pr);

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 12)["action"], "created");
    assert_eq!(repo.rev("pr/12-patch-1"), tip);
}

#[test]
fn upstream_is_preferred_over_a_fork_as_origin() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    // origin becomes the user's fork; upstream the base repository holding the pull refs.
    repo.git(&["remote", "rename", "origin", "upstream"]);
    let fork = repo.base().join("fork.git");
    repo.git_in(&repo.base(), &["init", "-q", "--bare", "fork.git"]);
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://github.com/me/widgets.git",
    ]);
    repo.rewrite_url("https://github.com/me/widgets.git", &fork);
    let tip = repo.push_pull_request(5, "refs/heads/main", "b.txt", "v1\n");
    gh.add_pull(FakePull::new(WIDGETS, 5, "B", "b"));

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(report["repos"][0]["remote"], "upstream");
    assert_eq!(report["repos"][0]["forge"], WIDGETS);
    assert_eq!(repo.rev("pr/5-b"), tip);
}

#[test]
fn review_requests_are_included_only_when_asked() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    repo.push_pull_request(3, "refs/heads/main", "c.txt", "v1\n");
    let mut theirs = FakePull::new(WIDGETS, 3, "Their change", "theirs");
    theirs.author = "colleague".into();
    theirs.reviewers = vec!["me".into()];
    gh.add_pull(theirs);

    let mine_only = sync_ok(&repo, &gh, &[]);
    assert_eq!(mine_only["repos"][0]["pulls"].as_array().unwrap().len(), 0);

    let with_reviews = sync_ok(&repo, &gh, &["--review-requested"]);
    assert_eq!(pull(&with_reviews, 3)["action"], "created");
}

#[test]
fn prune_removes_the_clean_lane_of_a_merged_pull_request() {
    let (gh, repo, _) = with_pull(4, "Done", "done", "d.txt");
    sync_ok(&repo, &gh, &[]);
    gh.update_pull(4, |p| {
        p.state = "closed".into();
        p.merged = true;
    });

    let report = sync_ok(&repo, &gh, &["--prune"]);

    let closed = &report["repos"][0]["closed"][0];
    assert_eq!(closed["state"], "merged");
    assert_eq!(closed["removed"], true);
    assert!(!repo.lane_dir("PR-4").exists());
    assert!(!repo.branches().contains(&"pr/4-done".to_string()));
}

#[test]
fn without_prune_a_closed_pull_requests_lane_is_only_reported() {
    let (gh, repo, _) = with_pull(4, "Done", "done", "d.txt");
    sync_ok(&repo, &gh, &[]);
    gh.update_pull(4, |p| p.state = "closed".into());

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(report["repos"][0]["closed"][0]["state"], "closed");
    assert_eq!(report["repos"][0]["closed"][0]["removed"], false);
    assert!(repo.lane_dir("PR-4").exists());
    assert_eq!(lane(&repo, "PR-4")["pr_state"], "closed");
}

#[test]
fn prune_keeps_a_closed_pull_requests_lane_with_uncommitted_changes() {
    let (gh, repo, _) = with_pull(4, "Done", "done", "d.txt");
    sync_ok(&repo, &gh, &[]);
    repo.write(&repo.lane_dir("PR-4"), "notes.txt", "keep me\n");
    gh.update_pull(4, |p| p.state = "closed".into());

    let report = sync_ok(&repo, &gh, &["--prune"]);

    let closed = &report["repos"][0]["closed"][0];
    assert_eq!(closed["removed"], false);
    assert!(closed["reason"].as_str().unwrap().contains("uncommitted"));
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PR-4").join("notes.txt")).unwrap(),
        "keep me\n"
    );
}

#[test]
fn prune_keeps_a_closed_pull_requests_lane_with_unpushed_commits() {
    let (gh, repo, _) = with_pull(4, "Done", "done", "d.txt");
    sync_ok(&repo, &gh, &[]);
    repo.commit(
        &repo.lane_dir("PR-4"),
        "e.txt",
        "follow-up\n",
        "follow-up work",
    );
    let mine = repo.rev("pr/4-done");
    let closed = prune_after_merge(&gh, &repo, 4);
    assert_eq!(closed["removed"], false);
    assert!(closed["reason"]
        .as_str()
        .unwrap()
        .contains("exist nowhere else"));
    assert_eq!(repo.rev("pr/4-done"), mine);
    assert!(repo.lane_dir("PR-4").exists());
}

#[test]
fn over_a_hundred_pull_requests_are_read_across_pages_and_a_second_sync_is_all_304s() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    let tip = repo.push_pull_request(1000, "refs/heads/main", "x.txt", "v1\n");
    // One commit serves as the head of 120 pull requests: one push, 120 refs.
    let refspecs: Vec<String> = (1..=120)
        .map(|n| format!("{tip}:refs/pull/{n}/head"))
        .collect();
    let author = repo.base().join("author-1000");
    let mut args = vec!["push", "-q", "origin"];
    args.extend(refspecs.iter().map(String::as_str));
    repo.git_in(&author, &args);
    for n in 1..=120 {
        gh.add_pull(FakePull::new(
            WIDGETS,
            n,
            &format!("Change {n}"),
            &format!("change-{n}"),
        ));
    }

    let first = sync_ok(&repo, &gh, &[]);
    let created = first["repos"][0]["pulls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["action"] == "created")
        .count();
    assert_eq!(created, 120);
    assert_eq!(gh.count("/search/issues"), 2);
    assert_eq!(repo.worktree_count(), 121);

    let before = gh.requests().len();
    let second = sync_ok(&repo, &gh, &[]);
    let requests = gh.requests().len() - before;
    // At most 1 + ceil(120/100) = 3 requests; here exactly the two search pages, both 304.
    assert_eq!(requests, 2);
    assert_eq!(second["api"]["requests"], 2);
    assert_eq!(second["api"]["not_modified"], 2);
    let conditional = gh.requests()[before..]
        .iter()
        .filter(|r| r.header("if-none-match").is_some())
        .count();
    assert_eq!(conditional, 2);
}

#[test]
fn head_branches_are_looked_up_once_per_repository_for_new_pull_requests() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    for n in 1..=3 {
        repo.push_pull_request(n, "refs/heads/main", &format!("f{n}.txt"), "v1\n");
        gh.add_pull(FakePull::new(
            WIDGETS,
            n,
            &format!("Change {n}"),
            &format!("c{n}"),
        ));
    }

    sync_ok(&repo, &gh, &[]);

    assert_eq!(gh.count("/repos/octo/widgets/pulls?"), 1);
    assert_eq!(gh.count("/repos/octo/widgets/pulls/"), 0);
    assert_eq!(repo.rev("pr/2-c2"), repo.rev("refs/lanes/pull/2"));
}

#[test]
fn several_repositories_are_synced_and_a_repository_the_token_cannot_see_is_skipped() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    let api = TestRepo::new();
    api.on_github("octo/api");
    gh.add_repo("octo/api");
    let secret = TestRepo::new();
    secret.on_github("octo/secret");
    // The clones' rewrites go into the user config the sync runs with.
    repo.rewrite_url("https://github.com/octo/api.git", &api.remote);
    repo.rewrite_url("https://github.com/octo/secret.git", &secret.remote);
    user_config(
        &gh,
        &repo,
        &format!(
            "[[repos]]\nname = \"api\"\npath = {:?}\n[[repos]]\nname = \"secret\"\npath = {:?}\n",
            api.dir, secret.dir
        ),
    );
    let tip = api.push_pull_request(21, "refs/heads/main", "api.txt", "v1\n");
    gh.add_pull(FakePull::new(
        "octo/api",
        21,
        "API-3 new endpoint",
        "endpoint",
    ));
    repo.push_pull_request(7, "refs/heads/main", "w.txt", "v1\n");
    gh.add_pull(FakePull::new(WIDGETS, 7, "Widgets", "w"));

    let out = sync_cmd(&repo, &gh, &["--json"]);

    assert!(
        !out.status.success(),
        "a skipped repository is a failure to report"
    );
    let report: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let by_forge = |f: &str| {
        report["repos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["forge"] == f)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_forge(WIDGETS)["pulls"][0]["action"], "created");
    assert_eq!(by_forge("octo/api")["pulls"][0]["action"], "created");
    assert_eq!(api.rev("pr/21-endpoint"), tip);
    let skipped = by_forge("octo/secret");
    assert!(skipped["error"].as_str().unwrap().contains("404"));
}

#[test]
fn a_failing_fetch_in_one_repository_does_not_stop_the_others() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    let api = TestRepo::new();
    api.on_github("octo/api");
    gh.add_repo("octo/api");
    // No rewrite for octo/api: its fetch goes to github.com, which is unreachable here… so
    // point it at a directory that does not exist instead, to fail fast and offline.
    repo.rewrite_url(
        "https://github.com/octo/api.git",
        &api.base().join("gone.git"),
    );
    user_config(
        &gh,
        &repo,
        &format!("[[repos]]\nname = \"api\"\npath = {:?}\n", api.dir),
    );
    api.push_pull_request(21, "refs/heads/main", "api.txt", "v1\n");
    gh.add_pull(FakePull::new("octo/api", 21, "New endpoint", "endpoint"));
    repo.push_pull_request(7, "refs/heads/main", "w.txt", "v1\n");
    gh.add_pull(FakePull::new(WIDGETS, 7, "Widgets", "w"));

    let out = sync_cmd(&repo, &gh, &["--json"]);

    assert!(!out.status.success());
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let repos = report["repos"].as_array().unwrap();
    let widgets = repos.iter().find(|r| r["forge"] == WIDGETS).unwrap();
    let failed = repos.iter().find(|r| r["forge"] == "octo/api").unwrap();
    assert_eq!(widgets["pulls"][0]["action"], "created");
    assert!(failed["error"].is_string());
    assert!(!api.branches().iter().any(|b| b.starts_with("pr/")));
}

fn assert_sync_fails(gh: &FakeGitHub, reply: Reply, expected: &[&str]) {
    let repo = github_repo(gh, WIDGETS);
    repo.push_pull_request(7, "refs/heads/main", "w.txt", "v1\n");
    gh.add_pull(FakePull::new(WIDGETS, 7, "Widgets", "w"));
    for _ in 0..3 {
        gh.fail_next(reply.clone());
    }
    let before = repo.snapshot();

    let out = sync_cmd(&repo, gh, &[]);

    assert!(!out.status.success());
    let err = stderr(&out);
    for text in expected {
        assert!(err.contains(text), "{text:?} not in {err}");
    }
    assert_no_token(&out);
    assert_eq!(repo.snapshot(), before, "a failed sync changes nothing");
}

#[test]
fn a_rejected_token_says_how_to_provide_one() {
    let gh = FakeGitHub::start();
    let reply = Reply::json(401, serde_json::json!({"message": "Bad credentials"}));
    assert_sync_fails(&gh, reply, &["(401)", "GITHUB_TOKEN", "gh auth login"]);
}

#[test]
fn a_refusal_says_which_access_the_token_needs() {
    let gh = FakeGitHub::start();
    let reply = Reply::json(
        403,
        serde_json::json!({"message": "Resource not accessible by integration"}),
    );
    assert_sync_fails(
        &gh,
        reply,
        &["(403)", "Resource not accessible", "`repo` scope"],
    );
}

#[test]
fn a_used_up_rate_limit_says_when_it_resets() {
    let gh = FakeGitHub::start();
    let reply = Reply::json(
        403,
        serde_json::json!({"message": "API rate limit exceeded"}),
    )
    .header("x-ratelimit-remaining", "0")
    .header("x-ratelimit-reset", "4102444800");
    assert_sync_fails(
        &gh,
        reply,
        &["rate limit is used up", "resets at 00:00:00 UTC"],
    );
}

#[test]
fn a_long_secondary_rate_limit_is_reported_with_its_retry_after() {
    let gh = FakeGitHub::start();
    let reply = Reply::json(
        403,
        serde_json::json!({"message": "You have exceeded a secondary rate limit"}),
    )
    .header("retry-after", "600");
    assert_sync_fails(&gh, reply, &["secondary rate limit", "retry in 600s"]);
}

#[test]
fn a_server_error_is_retried_a_bounded_number_of_times_then_reported() {
    let gh = FakeGitHub::start();
    let reply = Reply::json(502, serde_json::json!({"message": "Server Error"}));
    assert_sync_fails(&gh, reply, &["GitHub answered 502"]);
    assert_eq!(gh.count("/search/issues"), 3);
}

#[test]
fn a_slow_github_times_out_within_the_configured_bound() {
    let gh = FakeGitHub::start();
    let reply = Reply::json(200, serde_json::json!({})).delayed(std::time::Duration::from_secs(4));
    assert_sync_fails(&gh, reply, &["did not answer within 2s"]);
}

#[test]
fn a_short_secondary_rate_limit_is_waited_out() {
    let (gh, repo, _) = with_pull(7, "Widgets", "w", "w.txt");
    gh.fail_next(
        Reply::json(429, serde_json::json!({"message": "secondary rate limit"}))
            .header("retry-after", "0"),
    );

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 7)["action"], "created");
    assert_eq!(gh.count("/search/issues"), 2);
}

#[test]
fn a_transient_server_error_is_retried() {
    let (gh, repo, _) = with_pull(7, "Widgets", "w", "w.txt");
    gh.fail_next(Reply::json(
        503,
        serde_json::json!({"message": "unavailable"}),
    ));

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 7)["action"], "created");
}

#[test]
fn without_a_token_sync_says_where_to_get_one_and_asks_nothing() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    // A PATH with git but no `gh`, so the machine's own GitHub login cannot leak in.
    let bin = repo.base().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let git = String::from_utf8(
        std::process::Command::new("which")
            .arg("git")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::os::unix::fs::symlink(git.trim(), bin.join("git")).unwrap();

    let out = repo
        .lanes_cmd()
        .arg("sync")
        .env("GITHUB_API_URL", gh.url())
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("PATH", &bin)
        .output()
        .unwrap();

    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no GitHub token found"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("GH_TOKEN"));
    assert!(gh.requests().is_empty());
}

#[test]
fn the_text_summary_names_each_pull_request_and_what_happened() {
    let (gh, repo, _) = with_pull(7, "PROJ-3 widgets", "w", "w.txt");

    let out = sync_cmd(&repo, &gh, &[]);

    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("project (octo/widgets)"), "{text}");
    assert!(
        text.contains("PR 7") && text.contains("created") && text.contains("PROJ-3"),
        "{text}"
    );
    assert!(stderr(&out).contains("GitHub request(s)"));
}

#[test]
fn the_token_can_come_from_the_github_cli() {
    let (gh, repo, _) = with_pull(7, "Widgets", "w", "w.txt");
    // A `gh` that answers `gh auth token` as a signed-in GitHub CLI does.
    let bin = repo.base().join("bin");
    repo.write(
        &bin,
        "gh",
        &format!("#!/bin/sh\n[ \"$1 $2\" = \"auth token\" ] && echo {TOKEN}\n"),
    );
    std::fs::set_permissions(
        bin.join("gh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    let out = repo
        .lanes_cmd()
        .args(["sync", "--json"])
        .env("GITHUB_API_URL", gh.url())
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("PATH", path)
        .output()
        .unwrap();

    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.lane_dir("PR-7").is_dir());
    assert_no_token(&out);
}

#[test]
fn the_token_never_appears_in_trace_logs_or_files_lanes_writes() {
    let (gh, repo, _) = with_pull(7, "Widgets", "w", "w.txt");

    let out = gh
        .env(repo.lanes_cmd().args(["-vv", "sync"]))
        .env("LANES_LOG", "trace")
        .output()
        .unwrap();

    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_token(&out);
    // Everything lanes wrote: the ETag cache, lane records, the lane itself.
    let mut files = vec![repo.base()];
    while let Some(dir) = files.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.push(path);
            } else if let Ok(text) = std::fs::read(&path) {
                assert!(
                    !String::from_utf8_lossy(&text).contains(TOKEN),
                    "the token is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        repo.base().join(".cache/lanes/github").is_dir(),
        "the ETag cache was written"
    );
}

#[test]
fn a_pull_request_opened_from_a_lanes_own_branch_is_recorded_on_that_lane() {
    let gh = FakeGitHub::start();
    let repo = github_repo(&gh, WIDGETS);
    repo.lanes_ok(&["start", "PROJ-12", "--no-fetch"]);
    let lane_dir = repo.lane_dir("PROJ-12");
    repo.commit(&lane_dir, "login.txt", "fixed\n", "Fix login");
    repo.git_in(
        &lane_dir,
        &["push", "-q", "origin", "HEAD:refs/heads/feature/PROJ-12"],
    );
    repo.git_in(
        &lane_dir,
        &["push", "-q", "origin", "HEAD:refs/pull/9/head"],
    );
    gh.add_pull(FakePull::new(WIDGETS, 9, "Fix login", "feature/PROJ-12"));
    let worktrees = repo.worktree_count();

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 9)["action"], "up-to-date");
    assert_eq!(repo.worktree_count(), worktrees, "no second lane for it");
    assert_eq!(lane(&repo, "PROJ-12")["pr"], 9);
}

#[test]
fn a_lane_on_a_detached_head_is_left_as_it_is_and_reported() {
    let mut first = String::new();
    let (repo, outcome) = resync_after(|repo| {
        first = repo.rev("pr/8-widgets");
        repo.git_in(
            &repo.lane_dir("PR-8"),
            &["checkout", "-q", "--detach", "HEAD"],
        );
    });

    assert_eq!(outcome["action"], "skipped");
    assert!(outcome["reason"]
        .as_str()
        .unwrap()
        .contains("detached HEAD"));
    let head = repo.git_in(&repo.lane_dir("PR-8"), &["rev-parse", "HEAD"]);
    assert_eq!(head.trim(), first);
}

#[test]
fn a_lane_switched_to_another_branch_is_left_as_it_is_and_reported() {
    let mut first = String::new();
    let (repo, outcome) = resync_after(|repo| {
        first = repo.rev("pr/8-widgets");
        repo.git_in(
            &repo.lane_dir("PR-8"),
            &["switch", "-q", "-c", "experiment"],
        );
    });

    assert_eq!(outcome["action"], "skipped");
    assert!(outcome["reason"]
        .as_str()
        .unwrap()
        .contains("another branch"));
    assert_eq!(repo.rev("experiment"), first);
    assert_eq!(repo.rev("pr/8-widgets"), first);
}

#[test]
fn a_fast_forward_that_would_overwrite_a_lanes_ignored_file_is_skipped_and_reported() {
    let (gh, repo, _) = with_pull(8, "Widgets", "widgets", "a.txt");
    sync_ok(&repo, &gh, &[]);
    let lane_dir = repo.lane_dir("PR-8");
    repo.write(&repo.dir, ".git/info/exclude", "local.env\n");
    repo.write(&lane_dir, "local.env", "MY_SECRET=1\n");
    let before = repo.rev("pr/8-widgets");
    repo.push_pull_request(8, "refs/pull/8/head", "local.env", "FROM_PR=1\n");

    let report = sync_ok(&repo, &gh, &[]);

    let outcome = pull(&report, 8);
    assert_eq!(outcome["action"], "skipped");
    assert!(
        outcome["reason"].as_str().unwrap().contains("local.env"),
        "{outcome}"
    );
    assert_eq!(repo.rev("pr/8-widgets"), before);
    assert_eq!(
        std::fs::read_to_string(lane_dir.join("local.env")).unwrap(),
        "MY_SECRET=1\n"
    );
}

#[test]
fn prune_keeps_a_closed_pull_requests_lane_with_ignored_work() {
    let (gh, repo, _) = with_pull(4, "Done", "done", "d.txt");
    sync_ok(&repo, &gh, &[]);
    repo.write(&repo.dir, ".git/info/exclude", ".env\n");
    repo.write(&repo.lane_dir("PR-4"), ".env", "TOKEN=only-here\n");
    let closed = prune_after_merge(&gh, &repo, 4);
    assert_eq!(closed["removed"], false);
    assert!(
        closed["reason"].as_str().unwrap().contains(".env"),
        "{closed}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PR-4").join(".env")).unwrap(),
        "TOKEN=only-here\n"
    );
}

#[test]
fn a_sync_killed_after_fetching_is_completed_by_the_next_sync() {
    let (gh, repo, _) = with_pull(8, "Widgets", "widgets", "a.txt");
    let out = gh
        .env(repo.lanes_cmd().arg("sync"))
        .env("LANES_FAILPOINTS", "sync-after-fetch=abort")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the process was meant to die");
    assert!(!repo.lane_dir("PR-8").exists());

    let report = sync_ok(&repo, &gh, &[]);

    assert_eq!(pull(&report, 8)["action"], "created");
    assert!(repo.lane_dir("PR-8").join("a.txt").exists());
}
