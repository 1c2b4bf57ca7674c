//! The adversarial suite of `remove --force` and the trash: whatever a removal saved outlives every
//! later failure, a removal never deletes a repository that is not the lane's, `restore` finishes
//! or takes itself back, and the trash never lets clean entries push out work.

use std::path::{Path, PathBuf};

use crate::support::{stderr, TestRepo};

fn started(tickets: &[&str]) -> TestRepo {
    let repo = TestRepo::new();
    for t in tickets {
        repo.lanes_ok(&["start", t]);
    }
    repo
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `lanes args…` with a failpoint armed.
fn lanes_with_failpoint(repo: &TestRepo, point: &str, args: &[&str]) -> std::process::Output {
    repo.lanes_cmd()
        .env("LANES_FAILPOINTS", point)
        .args(args)
        .output()
        .unwrap()
}

/// The ids of the trash entries, newest first.
fn trash_ids(repo: &TestRepo) -> Vec<String> {
    repo.lanes_json(&["list", "--trash"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".lanes-"))
        .collect()
}

// Finding 5: the trash is found by ticket in any case, as lanes are.

#[test]
fn restore_finds_a_removed_lane_by_its_ticket_in_any_case() {
    let repo = started(&["PROJ-1"]);
    repo.write(&repo.lane_dir("PROJ-1"), "wip.txt", "wip\n");
    repo.lanes_ok(&["remove", "proj-1", "--force"]);
    let out = repo.lanes(&["restore", "proj-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(repo.lane_dir("PROJ-1").join("wip.txt")), "wip\n");
}

// Finding 1: once the snapshot exists it outlives every later failure.

#[test]
fn a_removal_that_fails_half_way_through_deleting_keeps_the_lane_restorable() {
    let repo = started(&["V-1"]);
    let lane = repo.lane_dir("V-1");
    repo.write(&lane, "wip.txt", "wip\n");
    repo.write(&lane, "more/notes.md", "notes\n");
    let out = lanes_with_failpoint(
        &repo,
        "remove-while-deleting=error",
        &["remove", "V-1", "--force"],
    );
    assert!(!out.status.success(), "the deletion was meant to fail");
    assert!(
        stderr(&out).contains("lanes restore V-1"),
        "the error says the lane is restorable: {}",
        stderr(&out)
    );
    assert_eq!(trash_ids(&repo).len(), 1, "{}", stderr(&out));
    let out = repo.lanes(&["restore", "V-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(lane.join("wip.txt")), "wip\n");
    assert_eq!(read(lane.join("more/notes.md")), "notes\n");
    assert!(
        leftovers(&repo.base()).is_empty(),
        "{:?}",
        leftovers(&repo.base())
    );
}

#[test]
fn a_removal_whose_worktree_record_cannot_be_deleted_leaves_the_lane_whole_and_says_so() {
    let repo = started(&["V-1"]);
    let lane = repo.lane_dir("V-1");
    repo.write(&lane, "wip.txt", "wip\n");
    let out = lanes_with_failpoint(
        &repo,
        "forget-worktree=error",
        &["remove", "V-1", "--force"],
    );
    assert!(
        !out.status.success(),
        "forgetting the record was meant to fail"
    );
    assert!(stderr(&out).contains("as it was"), "{}", stderr(&out));
    assert_eq!(read(lane.join("wip.txt")), "wip\n");
    assert_eq!(repo.worktree_count(), 2);
    assert!(
        leftovers(&repo.base()).is_empty(),
        "{:?}",
        leftovers(&repo.base())
    );
    let out = repo.lanes(&["remove", "V-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo.lanes_ok(&["restore", "V-1"]);
    assert_eq!(read(lane.join("wip.txt")), "wip\n");
}

#[test]
fn a_removal_killed_while_deleting_leaves_the_lane_restorable_and_restore_sweeps_the_rest() {
    let repo = started(&["V-1"]);
    let lane = repo.lane_dir("V-1");
    repo.write(&lane, "wip.txt", "wip\n");
    repo.write(&lane, "more/notes.md", "notes\n");
    let out = lanes_with_failpoint(
        &repo,
        "remove-while-deleting=abort",
        &["remove", "V-1", "--force"],
    );
    assert!(!out.status.success(), "the process was meant to die");
    let out = repo.lanes(&["restore", "V-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(lane.join("wip.txt")), "wip\n");
    assert_eq!(read(lane.join("more/notes.md")), "notes\n");
    assert!(
        leftovers(&repo.base()).is_empty(),
        "{:?}",
        leftovers(&repo.base())
    );
}
