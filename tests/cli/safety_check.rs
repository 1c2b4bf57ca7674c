//! "May I edit this file?" is asked before editing: the answer names what other lanes and the
//! base already change in it, even when the asking lane has not touched it yet.

use serde_json::Value;

use crate::support::{edited_lines, stdout, TestRepo};

/// Lanes A-1 and B-1; A-1 has committed a change to line 7 of src/app.txt; B-1 has not touched it.
fn another_lane_committed_line_7() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let a = repo.lane_dir("A-1");
    repo.commit(
        &a,
        "src/app.txt",
        &edited_lines(20, &[7], "by A"),
        "A edits line 7",
    );
    repo
}

fn check_file(repo: &TestRepo, ticket: &str, file: &str) -> Value {
    let out = repo.lanes_in(&repo.lane_dir(ticket), &["check", "--file", file, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn checking_a_file_this_lane_has_not_edited_names_another_lanes_committed_change() {
    let repo = another_lane_committed_line_7();
    let report = check_file(&repo, "B-1", "src/app.txt");
    let pair = &report[0]["pairs"][0];
    assert_eq!(pair["a"]["name"], "B-1", "{report}");
    assert_eq!(pair["b"]["name"], "A-1", "{report}");
    assert_eq!(pair["kind"], "shared", "{report}");
    assert_eq!(pair["other_lines"][0]["start"], 7, "{report}");
}

#[test]
fn the_text_answer_says_which_lines_the_other_lane_changes() {
    let repo = another_lane_committed_line_7();
    let out = repo.lanes_in(&repo.lane_dir("B-1"), &["check", "--file", "src/app.txt"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("B-1 × A-1 shared (A-1 changes line 7)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn checking_a_file_this_lane_has_not_edited_names_the_bases_change_since_it_branched() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit(
        &repo.dir,
        "src/app.txt",
        &edited_lines(20, &[3], "on main"),
        "main moves",
    );
    repo.git(&["push", "-q", "origin", "main"]);
    let report = check_file(&repo, "B-1", "src/app.txt");
    let pair = &report[0]["pairs"][0];
    assert_eq!(pair["b"]["ref"], "origin/main", "{report}");
    assert_eq!(pair["other_lines"][0]["start"], 3, "{report}");
}

#[test]
fn a_file_nobody_else_changes_is_still_answered_safe() {
    let repo = another_lane_committed_line_7();
    let report = check_file(&repo, "B-1", "README.md");
    assert_eq!(report, serde_json::json!([]));
}
