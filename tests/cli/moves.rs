//! `lanes move` and `lanes untangle`: changes go to the lane they belong to, and are never lost.

use serde_json::Value;

use crate::support::{edited_lines, numbered_lines, stderr, TestRepo};

fn two_lanes() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo
}

fn read(path: std::path::PathBuf) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Text content and `git status` of both lanes.
fn state(repo: &TestRepo) -> String {
    let mut out = String::new();
    for t in ["A-1", "B-1"] {
        let dir = repo.lane_dir(t);
        out.push_str(&repo.git_in(&dir, &["status", "--porcelain"]));
        out.push_str(&std::fs::read_to_string(dir.join("src/app.txt")).unwrap_or_default());
    }
    out
}

#[test]
fn one_hunk_moves_by_lines_and_the_other_stays() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[3, 17], "edit"));
    let out = repo.lanes_in(&a, &["move", "--to", "B-1", "src/app.txt:17"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(repo.lane_dir("B-1").join("src/app.txt")),
        edited_lines(20, &[17], "edit")
    );
    assert_eq!(read(a.join("src/app.txt")), edited_lines(20, &[3], "edit"));
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[3], "edit"));
    let out = repo.lanes_in(&a.join("src"), &["move", "--to", "B-1", "app.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(repo.lane_dir("B-1").join("src/app.txt")),
        edited_lines(20, &[3], "edit")
    );
    assert_eq!(read(a.join("src/app.txt")), numbered_lines(20));
}

#[test]
fn a_new_file_moves_and_leaves_the_source() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "docs/new.md", "hello\n");
    repo.lanes_in(&a, &["move", "--to", "B-1", "docs/new.md"]);
    assert_eq!(read(repo.lane_dir("B-1").join("docs/new.md")), "hello\n");
    assert!(!a.join("docs/new.md").exists());
    assert_eq!(repo.git_in(&a, &["status", "--porcelain"]), "");
}

#[test]
fn a_staged_change_moves_and_leaves_no_trace_in_the_source_index() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "README.md", "staged\n");
    repo.git_in(&a, &["add", "README.md"]);
    let out = repo.lanes_in(&a, &["move", "--to", "B-1", "README.md"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(repo.lane_dir("B-1").join("README.md")), "staged\n");
    assert_eq!(repo.git_in(&a, &["status", "--porcelain"]), "");
}

#[test]
fn a_deletion_moves() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    std::fs::remove_file(a.join("README.md")).unwrap();
    let out = repo.lanes_in(&a, &["move", "--to", "B-1", "README.md"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.lane_dir("B-1").join("README.md").exists());
    assert_eq!(read(a.join("README.md")), "# project\n");
}

#[test]
fn a_binary_file_moves_whole() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    let bytes = [0u8, 159, 146, 150, 0, 1, 2, 255];
    std::fs::write(a.join("logo.bin"), bytes).unwrap();
    let out = repo.lanes_in(&a, &["move", "--to", "B-1", "logo.bin:1-2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(repo.lane_dir("B-1").join("logo.bin")).unwrap(),
        bytes
    );
    assert!(!a.join("logo.bin").exists());
}

#[test]
fn a_conflicting_target_changes_nothing_and_names_the_conflict() {
    let repo = two_lanes();
    repo.write(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[5], "a"),
    );
    repo.write(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, &[5], "b"),
    );
    let before = state(&repo);
    let out = repo.lanes_in(
        &repo.lane_dir("A-1"),
        &["move", "--to", "B-1", "src/app.txt"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not apply cleanly"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("src/app.txt"), "{}", stderr(&out));
    assert_eq!(state(&repo), before);
}

#[test]
fn three_way_writes_conflict_markers_in_the_target_and_takes_the_change_out_of_the_source() {
    let repo = two_lanes();
    repo.write(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[5], "a"),
    );
    repo.write(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, &[5], "b"),
    );
    let out = repo.lanes_in(
        &repo.lane_dir("A-1"),
        &["move", "--to", "B-1", "--3way", "src/app.txt"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("conflict markers in: src/app.txt"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let target = read(repo.lane_dir("B-1").join("src/app.txt"));
    assert!(
        target.contains("<<<<<<<") && target.contains("a 5") && target.contains("b 5"),
        "{target}"
    );
    assert_eq!(
        read(repo.lane_dir("A-1").join("src/app.txt")),
        numbered_lines(20)
    );
}

#[test]
fn an_interrupted_move_leaves_the_change_in_exactly_one_place_after_the_next_command() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[8], "precious"));
    let out = repo
        .lanes_cmd()
        .current_dir(&a)
        .env("LANES_FAILPOINTS", "worktree-commit=abort")
        .args(["move", "--to", "B-1", "src/app.txt"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the process was meant to die mid-move"
    );
    let in_source = read(a.join("src/app.txt")).contains("precious 8");
    let in_target = read(repo.lane_dir("B-1").join("src/app.txt")).contains("precious 8");
    assert!(in_source || in_target, "the change was lost");
    repo.lanes_ok(&["status"]);
    assert_eq!(
        read(a.join("src/app.txt")),
        edited_lines(20, &[8], "precious")
    );
    assert_eq!(
        read(repo.lane_dir("B-1").join("src/app.txt")),
        numbered_lines(20)
    );
}

#[test]
fn moving_nothing_is_an_error() {
    let repo = two_lanes();
    let out = repo.lanes_in(&repo.lane_dir("A-1"), &["move", "--to", "B-1", "README.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nothing to move"), "{}", stderr(&out));
}

#[test]
fn untangle_lists_hunks_and_applies_an_assignment() {
    let repo = two_lanes();
    repo.lanes_ok(&["start", "C-1"]);
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[2, 18], "mixed"));
    repo.write(&a, "notes.txt", "for C\n");
    let out = repo.lanes_in(&a, &["untangle", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hunks: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hunks = hunks.as_array().unwrap();
    assert_eq!(hunks.len(), 3, "{hunks:#?}");
    let id_at = |line: u64| {
        hunks
            .iter()
            .find(|h| {
                h["path"] == "src/app.txt"
                    && h["new_start"].as_u64().unwrap() <= line
                    && line <= h["new_start"].as_u64().unwrap() + 2
            })
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let notes = hunks.iter().find(|h| h["path"] == "notes.txt").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let assignment = serde_json::json!({ id_at(18): "B-1", notes: "C-1" });
    let file = repo.base().join("assign.json");
    std::fs::write(&file, assignment.to_string()).unwrap();
    let out = repo.lanes_in(&a, &["untangle", "--apply", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(repo.lane_dir("B-1").join("src/app.txt")),
        edited_lines(20, &[18], "mixed")
    );
    assert_eq!(read(repo.lane_dir("C-1").join("notes.txt")), "for C\n");
    assert_eq!(read(a.join("src/app.txt")), edited_lines(20, &[2], "mixed"));
    assert!(!a.join("notes.txt").exists());
}

#[test]
fn an_assignment_with_an_unknown_hunk_changes_nothing() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[2], "x"));
    let before = state(&repo);
    let file = repo.base().join("assign.json");
    std::fs::write(&file, r#"{"src/app.txt@deadbeef": "B-1"}"#).unwrap();
    let out = repo.lanes_in(&a, &["untangle", "--apply", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("lanes untangle"), "{}", stderr(&out));
    assert_eq!(state(&repo), before);
}

#[test]
fn untangle_json_names_each_field_once() {
    let repo = two_lanes();
    let a = repo.lane_dir("A-1");
    repo.write(&a, "src/app.txt", &edited_lines(20, &[2], "x"));
    let out = repo.lanes_in(&a, &["untangle", "--json"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("\"id\"").count(), 1, "{text}");
    assert_eq!(text.matches("\"path\"").count(), 1, "{text}");
    assert!(text.contains("\"new_start\""), "{text}");
}
