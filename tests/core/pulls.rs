//! Pull requests into lanes, against a local bare remote holding `refs/pull/N/head`.

use lanes::ops::pulls::{bring, PrAction, PullRequest};
use lanes::progress::Quiet;
use lanes::{Config, Repo};

use crate::support::TestRepo;

fn push_pr(repo: &TestRepo, number: u64, base: &str, file: &str, text: &str) -> String {
    repo.push_pull_request(number, base, file, text)
}

fn pr(number: u64, title: &str) -> PullRequest {
    PullRequest {
        number,
        title: title.into(),
        head_ref: "fix/login".into(),
        same_repo: true,
        draft: false,
    }
}

fn sync(repo: &TestRepo, prs: &[PullRequest]) -> Vec<lanes::ops::pulls::PrOutcome> {
    let r = Repo::discover(&repo.dir).unwrap();
    let config = Config::load(r.anchor()).unwrap();
    bring(&r, &config, "origin", prs, &Quiet).unwrap()
}

#[test]
fn a_pull_request_gets_a_lane_on_its_head_named_after_its_ticket() {
    let repo = TestRepo::new();
    let tip = push_pr(&repo, 7, "refs/heads/main", "login.txt", "v1\n");
    let out = sync(&repo, &[pr(7, "PROJ-12: fix login")]);
    assert_eq!(out[0].action, PrAction::Created);
    assert_eq!(out[0].ticket, "PROJ-12");
    assert_eq!(repo.rev("pr/7-fix-login"), tip);
    let lanes = repo.lanes_json(&["list"]);
    let lane = lanes
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == "PROJ-12")
        .unwrap();
    assert_eq!(lane["pr"], 7);
    assert_eq!(lane["title"], "PROJ-12: fix login");
    assert!(repo.lane_dir("PROJ-12").join("login.txt").is_file());
}

#[test]
fn a_clean_lane_behind_its_pull_request_is_fast_forwarded() {
    let repo = TestRepo::new();
    push_pr(&repo, 8, "refs/heads/main", "a.txt", "v1\n");
    sync(&repo, &[pr(8, "Fix")]);
    let tip = push_pr(&repo, 8, "refs/pull/8/head", "a.txt", "v2\n");
    let out = sync(&repo, &[pr(8, "Fix")]);
    assert_eq!(out[0].action, PrAction::Updated);
    assert_eq!(repo.rev("pr/8-fix-login"), tip);
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PR-8").join("a.txt")).unwrap(),
        "v2\n"
    );
    assert_eq!(sync(&repo, &[pr(8, "Fix")])[0].action, PrAction::UpToDate);
}

#[test]
fn a_lane_with_local_changes_is_left_exactly_as_it_is() {
    let repo = TestRepo::new();
    push_pr(&repo, 9, "refs/heads/main", "a.txt", "v1\n");
    sync(&repo, &[pr(9, "Fix")]);
    let before = repo.rev("pr/9-fix-login");
    repo.write(&repo.lane_dir("PR-9"), "a.txt", "my unsaved work\n");
    push_pr(&repo, 9, "refs/pull/9/head", "a.txt", "v2\n");
    let out = sync(&repo, &[pr(9, "Fix")]);
    assert_eq!(out[0].action, PrAction::Skipped);
    assert_eq!(
        out[0].reason.as_deref(),
        Some("PR 9: local changes, not updated")
    );
    assert_eq!(repo.rev("pr/9-fix-login"), before);
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PR-9").join("a.txt")).unwrap(),
        "my unsaved work\n"
    );
}

#[test]
fn a_diverged_lane_is_left_exactly_as_it_is() {
    let repo = TestRepo::new();
    push_pr(&repo, 10, "refs/heads/main", "a.txt", "v1\n");
    sync(&repo, &[pr(10, "Fix")]);
    repo.commit(
        &repo.lane_dir("PR-10"),
        "mine.txt",
        "local\n",
        "local commit",
    );
    let mine = repo.rev("pr/10-fix-login");
    push_pr(&repo, 10, "refs/pull/10/head", "a.txt", "v2\n");
    let out = sync(&repo, &[pr(10, "Fix")]);
    assert_eq!(out[0].action, PrAction::Skipped);
    assert!(
        out[0].reason.as_deref().unwrap().contains("diverged"),
        "{:?}",
        out[0].reason
    );
    assert_eq!(repo.rev("pr/10-fix-login"), mine);
}

#[test]
fn a_ticket_that_already_has_a_lane_is_reported_not_overwritten() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-12"]);
    push_pr(&repo, 11, "refs/heads/main", "a.txt", "v1\n");
    let out = sync(&repo, &[pr(11, "PROJ-12: other work")]);
    assert_eq!(out[0].action, PrAction::Skipped);
    assert!(
        out[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("already has a lane"),
        "{:?}",
        out[0].reason
    );
}
