//! `lanes remove` and `lanes prune`: never lose work without --force.

use crate::support::{stderr, stdout, TestRepo};

fn started(ticket: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", ticket]);
    repo
}

/// Runs a remove that must be refused: exit 3, a reason on stderr, and nothing changed.
fn assert_refused(repo: &TestRepo, args: &[&str], reason: &str) {
    let before = repo.snapshot();
    let out = repo.lanes(args);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(reason),
        "expected {reason:?} in:\n{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    assert_eq!(
        repo.snapshot(),
        before,
        "a refused remove must change nothing"
    );
}

#[test]
fn removing_a_clean_lane_with_nothing_unpushed_removes_worktree_and_branch() {
    let repo = started("PROJ-1");
    let out = repo.lanes_ok(&["remove", "PROJ-1"]);
    assert!(out.contains("Removed lane PROJ-1"), "{out}");
    assert!(!repo.lane_dir("PROJ-1").exists());
    assert_eq!(repo.worktree_count(), 1);
    assert!(!repo.branches().contains(&"feature/PROJ-1".to_string()));
    assert!(!repo.dir.join(".git/lanes/PROJ-1.json").exists());
}

#[test]
fn a_pushed_branch_is_deleted_locally_since_the_remote_keeps_it() {
    let repo = started("PROJ-1");
    let lane = repo.lane_dir("PROJ-1");
    repo.commit(&lane, "a.txt", "a\n", "work");
    repo.git_in(&lane, &["push", "-q", "origin", "feature/PROJ-1"]);
    let json = repo.lanes_json(&["remove", "PROJ-1"]);
    assert_eq!(json["branch_deleted"], true);
    assert!(!repo.branches().contains(&"feature/PROJ-1".to_string()));
    assert!(repo
        .git(&["branch", "-r"])
        .contains("origin/feature/PROJ-1"));
}

#[test]
fn a_branch_merged_into_the_base_is_deleted() {
    let repo = started("PROJ-1");
    let lane = repo.lane_dir("PROJ-1");
    repo.commit(&lane, "a.txt", "a\n", "work");
    repo.git(&["merge", "-q", "--ff-only", "feature/PROJ-1"]);
    repo.lanes_ok(&["remove", "PROJ-1"]);
    assert!(!repo.branches().contains(&"feature/PROJ-1".to_string()));
}

#[test]
fn remove_refuses_a_lane_with_uncommitted_changes() {
    let repo = started("PROJ-1");
    repo.write(&repo.lane_dir("PROJ-1"), "README.md", "edited\n");
    assert_refused(
        &repo,
        &["remove", "PROJ-1"],
        "uncommitted or untracked file(s): README.md",
    );
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PROJ-1").join("README.md")).unwrap(),
        "edited\n"
    );
}

#[test]
fn remove_refuses_a_lane_with_untracked_files() {
    let repo = started("PROJ-1");
    repo.write(&repo.lane_dir("PROJ-1"), "notes/new.txt", "mine\n");
    assert_refused(&repo, &["remove", "PROJ-1"], "notes/");
    assert!(repo.lane_dir("PROJ-1").join("notes/new.txt").is_file());
}

#[test]
fn remove_refuses_a_branch_with_commits_that_exist_nowhere_else() {
    let repo = started("PROJ-1");
    repo.commit(&repo.lane_dir("PROJ-1"), "a.txt", "a\n", "precious work");
    assert_refused(&repo, &["remove", "PROJ-1"], "precious work");
}

#[test]
fn keep_branch_removes_only_the_worktree_of_an_unpushed_lane() {
    let repo = started("PROJ-1");
    repo.commit(&repo.lane_dir("PROJ-1"), "a.txt", "a\n", "precious work");
    let tip = repo.rev("feature/PROJ-1");
    let out = repo.lanes_ok(&["remove", "PROJ-1", "--keep-branch"]);
    assert!(out.contains("kept branch feature/PROJ-1"), "{out}");
    assert!(!repo.lane_dir("PROJ-1").exists());
    assert_eq!(repo.rev("feature/PROJ-1"), tip);
}

#[test]
fn force_removes_a_dirty_lane_and_its_unpushed_branch_and_says_how_to_restore_it() {
    let repo = started("PROJ-1");
    let lane = repo.lane_dir("PROJ-1");
    repo.commit(&lane, "a.txt", "a\n", "work");
    repo.write(&lane, "README.md", "edited\n");
    let tip = repo.rev("feature/PROJ-1");
    let out = repo.lanes(&["remove", "PROJ-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("git branch feature/PROJ-1 {}", &tip[..7])),
        "{}",
        stdout(&out)
    );
    assert!(!lane.exists());
    assert!(!repo.branches().contains(&"feature/PROJ-1".to_string()));
}

#[test]
fn remove_refuses_a_locked_worktree() {
    let repo = started("PROJ-1");
    repo.git(&[
        "worktree",
        "lock",
        repo.lane_dir("PROJ-1").to_str().unwrap(),
    ]);
    assert_refused(&repo, &["remove", "PROJ-1"], "locked");
}

#[test]
fn remove_refuses_a_detached_head_with_commits_on_no_branch() {
    let repo = started("PROJ-1");
    let lane = repo.lane_dir("PROJ-1");
    repo.git_in(&lane, &["switch", "-q", "--detach"]);
    repo.commit(&lane, "a.txt", "a\n", "detached work");
    assert_refused(&repo, &["remove", "PROJ-1"], "detached work");
}

#[test]
fn forced_remove_of_a_lane_whose_directory_was_deleted_cleans_up_git_bookkeeping() {
    let repo = started("PROJ-1");
    std::fs::remove_dir_all(repo.lane_dir("PROJ-1")).unwrap();
    repo.lanes_ok(&["remove", "PROJ-1", "--force"]);
    assert_eq!(repo.worktree_count(), 1);
    assert!(!repo.branches().contains(&"feature/PROJ-1".to_string()));
}

#[test]
fn removing_an_unknown_lane_exits_4() {
    let repo = TestRepo::new();
    let out = repo.lanes(&["remove", "NOPE-1"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("no lane for ticket NOPE-1"));
}

#[test]
fn prune_forgets_lanes_whose_directory_was_deleted_and_keeps_their_branches() {
    let repo = started("PROJ-1");
    repo.lanes_ok(&["start", "PROJ-2"]);
    repo.commit(&repo.lane_dir("PROJ-1"), "a.txt", "a\n", "work");
    std::fs::remove_dir_all(repo.lane_dir("PROJ-1")).unwrap();
    let out = repo.lanes_ok(&["prune"]);
    assert!(out.contains("Pruned PROJ-1"), "{out}");
    assert!(out.contains("branch feature/PROJ-1 kept"), "{out}");
    assert_eq!(repo.worktree_count(), 2);
    assert!(repo.branches().contains(&"feature/PROJ-1".to_string()));
    assert!(!repo.dir.join(".git/lanes/PROJ-1.json").exists());
    assert!(repo.dir.join(".git/lanes/PROJ-2.json").exists());
    assert_eq!(repo.lanes_ok(&["prune"]).trim(), "Nothing to prune");
}

#[test]
fn prune_keeps_locked_lanes_even_when_their_directory_is_gone() {
    let repo = started("PROJ-1");
    repo.git(&[
        "worktree",
        "lock",
        repo.lane_dir("PROJ-1").to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(repo.lane_dir("PROJ-1")).unwrap();
    repo.lanes_ok(&["prune"]);
    assert_eq!(repo.worktree_count(), 2);
}
