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
// Finding 2: a removal never deletes a repository that is not the lane's.

#[test]
fn a_forced_remove_refuses_a_lane_holding_another_lanes_worktree() {
    let repo = started(&["A-1"]);
    repo.commit(&repo.dir, ".gitignore", "target/\n", "ignore");
    let a = repo.lane_dir("A-1");
    repo.git_in(&a, &["merge", "-q", "main"]);
    let b = a.join("target/wt-b");
    repo.lanes_ok(&["start", "B-1", "--path", b.to_str().unwrap()]);
    repo.write(&b, "b-work.txt", "b's work\n");
    let before = repo.snapshot();
    let out = repo.lanes(&["remove", "A-1", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("target/wt-b (another checkout"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
    assert_eq!(read(b.join("b-work.txt")), "b's work\n");
}

#[test]
fn a_forced_remove_refuses_a_lane_holding_an_independent_clone() {
    let repo = started(&["A-1"]);
    repo.commit(&repo.dir, ".gitignore", "vendor/\n", "ignore");
    let a = repo.lane_dir("A-1");
    repo.git_in(&a, &["merge", "-q", "main"]);
    let clone = a.join("vendor/lib");
    repo.git_in(
        &repo.base(),
        &[
            "clone",
            "-q",
            repo.remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    repo.commit(&clone, "unpushed.txt", "mine\n", "unpushed");
    let before = repo.snapshot();
    let out = repo.lanes(&["remove", "A-1", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("vendor/lib (a repository of its own)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
    assert!(repo
        .git_in(&clone, &["log", "--format=%s"])
        .contains("unpushed"));
}

/// A repository whose `main` has the submodule `lib`, and lane S-1 with it checked out.
fn lane_with_a_submodule() -> TestRepo {
    let repo = TestRepo::new();
    let lib = repo.base().join("lib.git");
    repo.git_in(
        &repo.base(),
        &["init", "-q", "--bare", "-b", "main", "lib.git"],
    );
    let seed = repo.base().join("lib-seed");
    repo.git_in(
        &repo.base(),
        &["clone", "-q", lib.to_str().unwrap(), "lib-seed"],
    );
    repo.commit(&seed, "lib.txt", "lib\n", "lib");
    repo.git_in(&seed, &["push", "-q", "origin", "HEAD:main"]);
    let allow = ["-c", "protocol.file.allow=always"];
    repo.git(&[
        allow[0],
        allow[1],
        "submodule",
        "add",
        "-q",
        lib.to_str().unwrap(),
        "lib",
    ]);
    repo.git(&["commit", "-q", "-m", "submodule"]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.lanes_ok(&["start", "S-1"]);
    let lane = repo.lane_dir("S-1");
    repo.git_in(
        &lane,
        &[allow[0], allow[1], "submodule", "update", "-q", "--init"],
    );
    repo
}

#[test]
fn remove_without_force_refuses_a_submodule_with_unpushed_commits() {
    let repo = lane_with_a_submodule();
    let lane = repo.lane_dir("S-1");
    let sub = lane.join("lib");
    repo.git_in(&sub, &["switch", "-q", "-c", "local"]);
    repo.commit(&sub, "sub-work.txt", "mine\n", "submodule work");
    // The superproject's pointer is committed and pushed too: only the submodule holds the work.
    repo.git_in(&lane, &["commit", "-q", "-am", "bump lib"]);
    repo.git_in(
        &lane,
        &["push", "-q", "origin", "HEAD:refs/heads/feature/S-1"],
    );
    let out = repo.lanes(&["remove", "S-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("lib (commits that are not pushed)"),
        "{}",
        stderr(&out)
    );
    assert!(repo
        .git_in(&sub, &["log", "--format=%s"])
        .contains("submodule work"));
}

#[test]
fn a_lane_with_a_clean_submodule_is_removed_and_restored() {
    let repo = lane_with_a_submodule();
    let lane = repo.lane_dir("S-1");
    repo.write(&lane, "wip.txt", "wip\n");
    let out = repo.lanes(&["remove", "S-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!lane.exists());
    repo.lanes_ok(&["restore", "S-1"]);
    assert_eq!(read(lane.join("wip.txt")), "wip\n");
}

#[test]
fn remove_refuses_before_anything_changes_when_a_nested_repository_is_found() {
    let repo = started(&["A-1"]);
    let a = repo.lane_dir("A-1");
    // Untracked and not ignored: --force would otherwise take it as the lane's own files.
    repo.git_in(&a, &["init", "-q", "scratch"]);
    repo.commit(&a.join("scratch"), "x.txt", "x\n", "only here");
    let before = repo.snapshot();
    let out = repo.lanes(&["remove", "A-1", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("scratch (a repository of its own)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
    assert!(trash_ids(&repo).is_empty());
}
