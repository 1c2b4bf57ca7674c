//! `lanes check`: files changed in more than one lane.

use serde_json::Value;

use crate::support::{edited_lines, TestRepo};

fn entry<'a>(report: &'a Value, path: &str) -> &'a Value {
    report
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path)
        .unwrap_or_else(|| panic!("{path} not reported in {report:#}"))
}

#[test]
fn uncommitted_edits_of_the_same_lines_in_two_lanes_overlap() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.write(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[5, 6], "a"),
    );
    repo.write(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, &[6], "b"),
    );
    let report = repo.lanes_json(&["check"]);
    let app = entry(&report, "src/app.txt");
    assert_eq!(app["overlapping"], true);
    let tickets: Vec<&Value> = app["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["ticket"])
        .collect();
    assert!(tickets.contains(&&Value::from("A-1")) && tickets.contains(&&Value::from("B-1")));
    let text = repo.lanes_ok(&["check"]);
    assert!(text.contains("src/app.txt  OVERLAP"), "{text}");
    assert!(text.contains("A-1 (lines 5-6)"), "{text}");
}

#[test]
fn committed_changes_to_distant_lines_are_shared_but_not_overlapping() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[2], "a"),
        "a",
    );
    repo.commit(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, &[18], "b"),
        "b",
    );
    let report = repo.lanes_json(&["check"]);
    assert_eq!(entry(&report, "src/app.txt")["overlapping"], false);
    let out = repo.lanes(&["check", "--exit-code"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_file_added_in_two_lanes_overlaps_and_exit_code_reports_it() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit(&repo.lane_dir("A-1"), "new.txt", "a\n", "a");
    repo.write(&repo.lane_dir("B-1"), "new.txt", "b\n");
    let report = repo.lanes_json(&["check"]);
    assert_eq!(entry(&report, "new.txt")["overlapping"], true);
    let out = repo.lanes(&["check", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn files_changed_in_only_one_lane_are_not_reported() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.write(&repo.lane_dir("A-1"), "README.md", "a\n");
    repo.write(&repo.lane_dir("B-1"), "src/app.txt", "b\n");
    assert_eq!(repo.lanes_json(&["check"]), Value::Array(vec![]));
    assert!(repo
        .lanes_ok(&["check"])
        .contains("No file is changed in more than one lane"));
}

#[test]
fn edits_in_the_primary_checkout_count_as_a_lane() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.write(&repo.lane_dir("A-1"), "README.md", "a\n");
    repo.write(&repo.dir, "README.md", "primary\n");
    let report = repo.lanes_json(&["check"]);
    let readme = entry(&report, "README.md");
    assert_eq!(readme["overlapping"], true);
    assert!(readme["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["path"] == repo.dir.to_str().unwrap()));
}
