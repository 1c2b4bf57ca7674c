//! Merged lanes: a lane whose work is in its base — merged, rebased or squash-merged — is marked
//! `merged`, is removed without --force, and `lanes prune --merged` clears them all; a lane with
//! work of its own that is not in the base, or with no commits yet, is none of that.

use serde_json::Value;

use crate::support::{lane, stderr, TestRepo};

/// Lane `ticket` with two commits of its own.
fn lane_with_work(repo: &TestRepo, ticket: &str, lines: [usize; 2]) {
    repo.lanes_ok(&["start", ticket]);
    repo.commit_lines(ticket, &[lines[0]], &format!("{ticket} first"));
    repo.commit_lines(ticket, &lines, &format!("{ticket} second"));
}

/// Brings the lane's branch into main as GitHub's default squash merge does (one new commit with
/// the branch's changes), and publishes it on origin/main.
fn squash_merge(repo: &TestRepo, ticket: &str) {
    repo.git(&["merge", "-q", "--squash", &format!("feature/{ticket}")]);
    repo.git(&["commit", "-q", "-m", &format!("{ticket} (squashed)")]);
    repo.git(&["push", "-q", "origin", "main"]);
}

#[test]
fn a_squash_merged_lane_is_marked_merged() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    squash_merge(&repo, "A-1");
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], true, "{list}");
    assert!(repo.lanes_ok(&["list"]).contains("merged"));
}

#[test]
fn a_rebased_lane_and_a_normally_merged_lane_are_merged_too() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    lane_with_work(&repo, "B-1", [10, 11]);
    // A-1's commits replayed onto main (a rebase merge), B-1 merged with a merge commit.
    let tip = repo.rev("feature/A-1");
    repo.git(&["cherry-pick", &format!("{tip}~1"), &tip]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge B-1", "feature/B-1"]);
    repo.git(&["push", "-q", "origin", "main"]);
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], true, "{list}");
    assert_eq!(lane(&list, "B-1")["merged"], true, "{list}");
}

#[test]
fn a_lane_with_no_commits_yet_is_not_merged() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], false, "{list}");
}

#[test]
fn a_lane_with_work_not_in_the_base_is_not_merged() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    squash_merge(&repo, "A-1");
    // One more commit after the merge: that one is nowhere else.
    repo.commit_lines("A-1", &[3, 4, 15], "A-1 after the merge");
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], false, "{list}");
}

#[test]
fn a_squash_merged_lane_is_removed_without_force_and_its_branch_deleted() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    squash_merge(&repo, "A-1");
    let removed = repo.lanes_json(&["remove", "A-1"]);
    assert_eq!(removed["branch_deleted"], true, "{removed}");
    assert_eq!(removed["merged"], true, "{removed}");
    assert!(!repo.lane_dir("A-1").exists());
    assert!(!repo.branches().contains(&"feature/A-1".to_string()));
}

#[test]
fn an_unmerged_lane_with_unique_commits_is_still_refused_without_force() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    let out = repo.lanes(&["remove", "A-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exist nowhere else"),
        "{}",
        stderr(&out)
    );
    assert!(repo.lane_dir("A-1").exists());
}

#[test]
fn a_squash_merged_lane_with_uncommitted_work_is_still_refused() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    squash_merge(&repo, "A-1");
    repo.write(&repo.lane_dir("A-1"), "notes.txt", "not committed\n");
    let out = repo.lanes(&["remove", "A-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("uncommitted"), "{}", stderr(&out));
    assert!(repo.lane_dir("A-1").join("notes.txt").exists());
}

/// A-1 squash-merged and clean, B-1 squash-merged with uncommitted work, C-1 unmerged work,
/// D-1 just started.
fn four_lanes() -> TestRepo {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    lane_with_work(&repo, "B-1", [8, 9]);
    lane_with_work(&repo, "C-1", [14, 15]);
    repo.lanes_ok(&["start", "D-1"]);
    squash_merge(&repo, "A-1");
    squash_merge(&repo, "B-1");
    repo.write(&repo.lane_dir("B-1"), "notes.txt", "not committed\n");
    repo
}

#[test]
fn prune_merged_removes_clean_merged_lanes_and_keeps_every_other() {
    let repo = four_lanes();
    let report = repo.lanes_json(&["prune", "--merged"]);
    let tickets = |key: &str| -> Vec<String> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["ticket"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(tickets("removed"), ["A-1"], "{report}");
    assert_eq!(tickets("kept"), ["B-1"], "{report}");
    assert!(report["kept"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("uncommitted"));
    assert!(!repo.lane_dir("A-1").exists());
    for kept in ["B-1", "C-1", "D-1"] {
        assert!(repo.lane_dir(kept).exists(), "{kept} must be kept");
    }
    assert!(repo.lane_dir("B-1").join("notes.txt").exists());
}

#[test]
fn prune_merged_dry_run_lists_what_would_go_and_changes_nothing() {
    let repo = four_lanes();
    let before = repo.snapshot();
    let out = repo.lanes_ok(&["prune", "--merged", "--dry-run"]);
    assert!(out.contains("Would remove merged lane A-1"), "{out}");
    assert!(out.contains("Kept merged lane B-1"), "{out}");
    assert!(!out.contains("C-1") && !out.contains("D-1"), "{out}");
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_lane_recorded_by_an_older_version_is_judged_from_its_branchs_reflog() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    repo.lanes_ok(&["start", "B-1"]);
    // Records written before `start` was kept.
    for ticket in ["A-1", "B-1"] {
        let file = repo.dir.join(format!(".git/lanes/{ticket}.json"));
        let mut record: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert!(record.as_object_mut().unwrap().remove("start").is_some());
        std::fs::write(&file, record.to_string()).unwrap();
    }
    squash_merge(&repo, "A-1");
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], true, "{list}");
    assert_eq!(lane(&list, "B-1")["merged"], false, "{list}");
}

#[test]
fn a_squash_merged_lane_stays_merged_when_the_base_changes_the_same_file_afterwards() {
    let repo = TestRepo::new();
    lane_with_work(&repo, "A-1", [3, 4]);
    squash_merge(&repo, "A-1");
    // A teammate edits another line of the same file on main: git's merge of the lane still
    // adds nothing.
    repo.commit(
        &repo.dir,
        "src/app.txt",
        &crate::support::edited_lines(20, &[3, 4, 18], "A-1 second"),
        "teammate",
    );
    repo.git(&["push", "-q", "origin", "main"]);
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], true, "{list}");
}
