//! `lanes check`: files two sides change — two lanes, or a lane and its moving base — with git's
//! own verdict on merging them, judged here against `git merge-tree` itself.

use serde_json::Value;

use crate::support::{edited_lines, TestRepo};

/// What `git merge-tree` says of merging `a` and `b`: true when it conflicts.
fn git_says_conflict(repo: &TestRepo, a: &str, b: &str) -> bool {
    let out = std::process::Command::new("git")
        .current_dir(&repo.dir)
        .args(["merge-tree", "--write-tree", "--name-only", a, b])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => false,
        Some(1) => true,
        other => panic!(
            "git merge-tree failed ({other:?}): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The verdict of the pair of `a` and `b` (side names) for `path`.
fn verdict(report: &Value, path: &str, a: &str, b: &str) -> String {
    entry(report, path)["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["a"]["name"] == a && p["b"]["name"] == b)
        .unwrap_or_else(|| panic!("no pair {a} × {b} for {path}: {report:#}"))["kind"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Lanes A-1 and B-1, each with one commit changing `src/app.txt` lines `a` and `b`.
fn two_lanes_committing(a: &[usize], b: &[usize]) -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, a, "a"),
        "a",
    );
    repo.commit(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, b, "b"),
        "b",
    );
    repo
}

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
    assert_eq!(app["conflict"], true);
    let tickets: Vec<&Value> = app["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["ticket"])
        .collect();
    assert!(tickets.contains(&&Value::from("A-1")) && tickets.contains(&&Value::from("B-1")));
    let text = repo.lanes_ok(&["check"]);
    assert!(text.contains("CONFLICT  src/app.txt"), "{text}");
    assert!(text.contains("A-1 × B-1 conflict at lines 5-6"), "{text}");
    assert!(text.contains("lanes move"), "{text}");
}

#[test]
fn committed_changes_to_distant_lines_are_shared_but_not_overlapping() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit_lines("A-1", &[2], "a");
    repo.commit_lines("B-1", &[18], "b");
    let report = repo.lanes_json(&["check"]);
    assert_eq!(entry(&report, "src/app.txt")["overlapping"], false);
    assert_eq!(verdict(&report, "src/app.txt", "A-1", "B-1"), "shared");
    assert!(!git_says_conflict(&repo, "feature/A-1", "feature/B-1"));
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
fn edits_of_adjacent_lines_conflict_as_git_merge_tree_says() {
    let repo = two_lanes_committing(&[5], &[6]);
    assert!(git_says_conflict(&repo, "feature/A-1", "feature/B-1"));
    let report = repo.lanes_json(&["check"]);
    assert_eq!(verdict(&report, "src/app.txt", "A-1", "B-1"), "conflict");
    assert_eq!(entry(&report, "src/app.txt")["conflict"], true);
}

#[test]
fn the_identical_change_in_two_lanes_is_an_overlap_that_merges_cleanly() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    for lane in ["A-1", "B-1"] {
        let same = edited_lines(20, &[5], "fixed");
        // Separate commits (another message) with the same content.
        repo.commit(
            &repo.lane_dir(lane),
            "src/app.txt",
            &same,
            &format!("fix in {lane}"),
        );
    }
    assert!(!git_says_conflict(&repo, "feature/A-1", "feature/B-1"));
    let report = repo.lanes_json(&["check"]);
    assert_eq!(verdict(&report, "src/app.txt", "A-1", "B-1"), "overlap");
    assert_eq!(entry(&report, "src/app.txt")["conflict"], false);
    assert_eq!(repo.lanes(&["check", "--exit-code"]).status.code(), Some(0));
}

/// Lane A-1 with a commit changing line `lane` of `src/app.txt`; then a teammate's commit
/// changing line `base` lands on origin/main.
fn lane_under_a_moving_base(lane: usize, base: usize) -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let app = |tag: &str, line: usize| edited_lines(20, &[line], tag);
    repo.commit(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &app("lane", lane),
        "lane",
    );
    repo.commit(&repo.dir, "src/app.txt", &app("teammate", base), "teammate");
    repo.git(&["push", "-q", "origin", "main"]);
    repo
}

#[test]
fn a_base_that_moved_under_a_lane_conflicts_and_is_named_by_its_ref() {
    let repo = lane_under_a_moving_base(5, 5);
    assert!(git_says_conflict(&repo, "feature/A-1", "origin/main"));
    let report = repo.lanes_json(&["check"]);
    assert_eq!(
        verdict(&report, "src/app.txt", "A-1", "origin/main"),
        "conflict"
    );
    let pair = &entry(&report, "src/app.txt")["pairs"][0];
    assert_eq!(pair["b"]["ref"], "origin/main");
    let text = repo.lanes_ok(&["check"]);
    assert!(
        text.contains("A-1 × origin/main conflict at line 5"),
        "{text}"
    );
}

#[test]
fn a_base_that_changed_other_lines_is_shared_not_a_conflict() {
    let repo = lane_under_a_moving_base(2, 18);
    assert!(!git_says_conflict(&repo, "feature/A-1", "origin/main"));
    let report = repo.lanes_json(&["check"]);
    assert_eq!(
        verdict(&report, "src/app.txt", "A-1", "origin/main"),
        "shared"
    );
}

#[test]
fn a_binary_file_changed_differently_in_two_lanes_conflicts() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, "logo.bin", "\0\x01base");
    repo.git(&["add", "logo.bin"]);
    repo.git(&["commit", "-q", "-m", "logo"]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit(&repo.lane_dir("A-1"), "logo.bin", "\0\x01mine", "a");
    repo.commit(&repo.lane_dir("B-1"), "logo.bin", "\0\x01theirs", "b");
    assert!(git_says_conflict(&repo, "feature/A-1", "feature/B-1"));
    let report = repo.lanes_json(&["check"]);
    assert_eq!(verdict(&report, "logo.bin", "A-1", "B-1"), "conflict");
}

#[test]
fn a_rename_on_one_side_and_an_edit_on_the_other_merge_as_git_merges_them() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let a = repo.lane_dir("A-1");
    repo.git_in(&a, &["mv", "src/app.txt", "src/renamed.txt"]);
    repo.git_in(&a, &["commit", "-q", "-m", "rename"]);
    repo.commit_lines("B-1", &[3], "b");
    assert!(!git_says_conflict(&repo, "feature/A-1", "feature/B-1"));
    let report = repo.lanes_json(&["check"]);
    assert_ne!(verdict(&report, "src/app.txt", "A-1", "B-1"), "conflict");
    assert_eq!(repo.lanes(&["check", "--exit-code"]).status.code(), Some(0));
}

#[test]
fn exit_code_fails_only_when_a_merge_would_conflict() {
    let repo = two_lanes_committing(&[5], &[6]);
    assert_eq!(repo.lanes(&["check", "--exit-code"]).status.code(), Some(1));
    assert_eq!(repo.lanes(&["check"]).status.code(), Some(0));
}

#[test]
fn hook_mode_exits_5_for_a_file_whose_edit_conflicts_and_0_for_a_safe_one() {
    let repo = two_lanes_committing(&[5], &[6]);
    let lane = repo.lane_dir("A-1");
    let out = repo.lanes_in(&lane, &["check", "--file", "src/app.txt"]);
    assert_eq!(out.status.code(), Some(5));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("A-1 × B-1 conflict at line 5"), "{text}");
    let out = repo.lanes_in(&lane, &["check", "--file", "README.md"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn hook_mode_reads_paths_from_stdin_and_answers_json() {
    use std::io::Write;
    let repo = two_lanes_committing(&[5], &[6]);
    let lane = repo.lane_dir("A-1");
    let mut child = repo
        .lanes_cmd()
        .current_dir(&lane)
        .args(["check", "--stdin", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "README.md\n{}", lane.join("src/app.txt").display()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(report[0]["path"], "src/app.txt");
    assert_eq!(report[0]["conflict"], true);
}

#[test]
fn hook_mode_refuses_a_file_outside_the_repository_and_changes_nothing() {
    let repo = two_lanes_committing(&[5], &[6]);
    let before = repo.snapshot();
    let out = repo.lanes(&["check", "--file", "/etc/hostname"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        crate::support::stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
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

#[test]
fn list_flags_each_lane_with_the_sides_it_would_conflict_with() {
    let repo = two_lanes_committing(&[5], &[6]);
    repo.lanes_ok(&["start", "C-1"]);
    let lanes = repo.lanes_json(&["list"]);
    let conflicts = |ticket: &str| {
        lanes
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["ticket"] == ticket)
            .unwrap()["conflicts"]
            .clone()
    };
    assert_eq!(conflicts("A-1"), serde_json::json!(["B-1"]));
    assert_eq!(conflicts("B-1"), serde_json::json!(["A-1"]));
    assert_eq!(conflicts("C-1"), serde_json::json!([]));
    let text = repo.lanes_ok(&["list"]);
    assert!(text.contains("✗ conflicts with B-1"), "{text}");
}

/// A clone on the fake GitHub with lane A-1 changing line 5 of `src/app.txt`, and alice's open
/// pull request 42 changing the same line.
fn lane_and_teammates_pull() -> (crate::support::github::FakeGitHub, TestRepo) {
    crate::support::lane_and_teammates_pull("timeout = 5")
}

/// `lanes check --json ARGS` against the fake GitHub; fails the test when it fails.
fn check_on_github(
    gh: &crate::support::github::FakeGitHub,
    repo: &TestRepo,
    args: &[&str],
) -> Value {
    let out = gh
        .env(repo.lanes_cmd().args(["check", "--json"]).args(args))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn with_prs_a_teammates_open_pull_request_is_judged_like_a_lane() {
    let (gh, repo) = lane_and_teammates_pull();
    let report = check_on_github(&gh, &repo, &["--prs"]);
    assert_eq!(
        verdict(&report, "src/app.txt", "A-1", "PR #42 (alice)"),
        "conflict"
    );
    // Fetched for judging only: a ref in lanes' namespace, no worktree, no branch.
    assert!(!repo.rev("refs/lanes/teammates/42").is_empty());
    assert_eq!(repo.worktree_count(), 2);
    // Without --prs nothing is asked of GitHub, and only lanes are compared.
    let requests = gh.requests().len();
    let plain = repo.lanes_json(&["check"]);
    assert_eq!(gh.requests().len(), requests);
    assert!(plain.as_array().unwrap().iter().all(|e| e["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["b"]["name"] != "PR #42 (alice)")));
}

#[test]
fn with_prs_the_hook_mode_stops_an_edit_that_conflicts_with_a_teammates_pull_request() {
    let (gh, repo) = lane_and_teammates_pull();
    let out = gh
        .env(repo.lanes_cmd().current_dir(repo.lane_dir("A-1")).args([
            "check",
            "--prs",
            "--file",
            "src/app.txt",
        ]))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        crate::support::stderr(&out)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("A-1 × PR #42 (alice) conflict at line 5"),
        "{text}"
    );
}

#[test]
fn guard_pull_requests_in_the_config_turns_the_teammates_check_on() {
    let (gh, repo) = lane_and_teammates_pull();
    repo.commit(
        &repo.dir,
        "lanes.toml",
        "[guard]\npull_requests = true\n",
        "check against teammates' pull requests",
    );
    let report = check_on_github(&gh, &repo, &[]);
    assert_eq!(
        verdict(&report, "src/app.txt", "A-1", "PR #42 (alice)"),
        "conflict"
    );
}
