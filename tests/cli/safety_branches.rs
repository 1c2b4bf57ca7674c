//! The wrong branch deleted: lanes deletes only branches it created for a lane — never one that
//! existed before the lane (`--branch develop`), whatever the path (`remove`, `--force`,
//! `prune --merged`, `sync --prune`) — and a lane is "merged" only when its work is somewhere
//! other than its own branch.

use serde_json::Value;

use crate::support::github::FakeGitHub;
use crate::support::github::FakePull;
use crate::support::{lane, stderr, stdout, TestRepo};

/// `develop`, a branch the user made before any lane, pushed, and a lane `ticket` started on it.
fn lane_on_develop(ticket: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.git(&["branch", "develop", "main"]);
    repo.git(&["push", "-q", "origin", "develop"]);
    repo.lanes_ok(&["start", ticket, "--branch", "develop"]);
    repo
}

/// The lane record of `ticket`, as JSON, and where it lives.
fn record(repo: &TestRepo, ticket: &str) -> (std::path::PathBuf, Value) {
    let path = repo.dir.join(format!(".git/lanes/{ticket}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    (path, serde_json::from_str(&text).unwrap())
}

/// Rewrites the record of `ticket` as an older version of lanes wrote it: without the field
/// saying whether lanes created the branch; `made_later` seconds added to its creation time.
fn as_old_record(repo: &TestRepo, ticket: &str, made_later: u64) {
    let (path, mut json) = record(repo, ticket);
    let fields = json.as_object_mut().unwrap();
    fields.remove("branch_created");
    let created = fields["created"].as_u64().unwrap();
    fields.insert("created".into(), (created + made_later).into());
    std::fs::write(path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
}

/// Lane D-1 on `develop` ([`lane_on_develop`]) with a commit of its own, and `develop` merged
/// into main and pushed: the lane's work is in its base.
fn merged_lane_on_develop() -> TestRepo {
    let repo = lane_on_develop("D-1");
    repo.commit(
        &repo.lane_dir("D-1"),
        "feature.txt",
        "done\n",
        "the feature",
    );
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge develop", "develop"]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo
}

/// `develop` made from main, and lane D-1 started on it with `develop` as its base too.
fn lane_on_its_own_base() -> TestRepo {
    let repo = TestRepo::new();
    repo.git(&["branch", "develop", "main"]);
    repo.lanes_ok(&["start", "D-1", "--branch", "develop", "--base", "develop"]);
    repo
}

fn has_branch(repo: &TestRepo, branch: &str) -> bool {
    repo.branches().iter().any(|b| b == branch)
}

#[test]
fn removing_a_lane_started_on_an_existing_branch_keeps_that_branch() {
    let repo = lane_on_develop("D-1");
    let before = repo.rev("develop");
    let out = repo.lanes(&["remove", "D-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.lane_dir("D-1").exists());
    assert!(has_branch(&repo, "develop"), "{:?}", repo.branches());
    assert_eq!(repo.rev("develop"), before);
    assert!(
        stdout(&out).contains("kept branch develop: it existed before the lane"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn removing_a_lane_on_an_existing_branch_reports_the_branch_kept_in_json() {
    let repo = lane_on_develop("D-1");
    let removed = repo.lanes_json(&["remove", "D-1"]);
    assert_eq!(removed["branch_deleted"], false, "{removed}");
    assert_eq!(
        removed["branch_kept"], "it existed before the lane",
        "{removed}"
    );
}

#[test]
fn force_removing_a_lane_on_an_existing_branch_keeps_its_unpushed_commits_on_the_branch() {
    let repo = lane_on_develop("D-1");
    repo.commit(&repo.lane_dir("D-1"), "wip.txt", "wip\n", "unpushed work");
    let tip = repo.rev("develop");
    let out = repo.lanes(&["remove", "D-1", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.lane_dir("D-1").exists());
    assert_eq!(repo.rev("develop"), tip);
}

#[test]
fn prune_merged_keeps_a_merged_branch_that_existed_before_the_lane() {
    let repo = merged_lane_on_develop();
    let tip = repo.rev("develop");
    let report = repo.lanes_json(&["prune", "--merged"]);
    let removed = &report["removed"][0];
    assert_eq!(removed["ticket"], "D-1", "{report}");
    assert_eq!(removed["branch_deleted"], false, "{report}");
    assert_eq!(repo.rev("develop"), tip);
}

#[test]
fn prune_merged_dry_run_says_a_branch_that_existed_before_the_lane_would_be_kept() {
    let repo = merged_lane_on_develop();
    let report = repo.lanes_json(&["prune", "--merged", "--dry-run"]);
    assert_eq!(
        report["removed"][0]["branch_kept"], "it existed before the lane",
        "{report}"
    );
    assert!(repo.lane_dir("D-1").exists());
}

#[test]
fn a_branch_lanes_created_is_still_deleted_with_its_lane() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let removed = repo.lanes_json(&["remove", "A-1"]);
    assert_eq!(removed["branch_deleted"], true, "{removed}");
    assert!(!has_branch(&repo, "feature/A-1"));
}

#[test]
fn a_lane_of_an_older_version_keeps_a_branch_made_long_before_the_lane() {
    let repo = lane_on_develop("D-1");
    // The record says nothing of who made the branch; the branch's history says it was made an
    // hour before the lane.
    as_old_record(&repo, "D-1", 3600);
    let removed = repo.lanes_json(&["remove", "D-1"]);
    assert_eq!(removed["branch_deleted"], false, "{removed}");
    assert!(has_branch(&repo, "develop"));
}

#[test]
fn a_lane_of_an_older_version_still_deletes_the_branch_lanes_made_for_it() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    as_old_record(&repo, "A-1", 0);
    let removed = repo.lanes_json(&["remove", "A-1"]);
    assert_eq!(removed["branch_deleted"], true, "{removed}");
    assert!(!has_branch(&repo, "feature/A-1"));
}

#[test]
fn a_worktree_made_by_hand_keeps_its_branch_when_removed() {
    let repo = TestRepo::new();
    repo.git(&["branch", "feature/H-1", "main"]);
    let dir = repo.lane_dir("H-1");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        dir.to_str().unwrap(),
        "feature/H-1",
    ]);
    let removed = repo.lanes_json(&["remove", "H-1"]);
    assert_eq!(removed["branch_deleted"], false, "{removed}");
    assert!(has_branch(&repo, "feature/H-1"));
    assert!(!dir.exists());
}

#[test]
fn a_lane_whose_base_is_its_own_branch_is_not_merged() {
    let repo = lane_on_its_own_base();
    repo.commit(&repo.lane_dir("D-1"), "wip.txt", "wip\n", "work only here");
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "D-1")["merged"], false, "{list}");
}

#[test]
fn prune_merged_leaves_a_lane_whose_base_is_its_own_branch() {
    let repo = lane_on_its_own_base();
    repo.commit(&repo.lane_dir("D-1"), "wip.txt", "wip\n", "work only here");
    let report = repo.lanes_json(&["prune", "--merged"]);
    assert_eq!(report["removed"], Value::Array(vec![]), "{report}");
    assert!(repo.lane_dir("D-1").join("wip.txt").exists());
}

/// Lane A-1 (its branch made by lanes) with one commit only it holds, its record's base set to
/// `base` — as a hand-edited record or a base that came to name the lane itself would have it.
fn lane_recorded_with_base(base: impl FnOnce(&TestRepo) -> String) -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.commit(&repo.lane_dir("A-1"), "wip.txt", "wip\n", "work only here");
    let (path, mut json) = record(&repo, "A-1");
    json["base"] = base(&repo).into();
    std::fs::write(path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    repo
}

#[test]
fn prune_merged_keeps_a_lane_whose_recorded_base_is_its_own_branch() {
    let repo = lane_recorded_with_base(|_| "feature/A-1".into());
    let tip = repo.rev("feature/A-1");
    let report = repo.lanes_json(&["prune", "--merged"]);
    assert_eq!(report["removed"], Value::Array(vec![]), "{report}");
    assert_eq!(repo.rev("feature/A-1"), tip);
    assert!(repo.lane_dir("A-1").join("wip.txt").exists());
}

#[test]
fn a_lane_is_not_merged_into_a_base_commit_only_its_own_branch_holds() {
    let repo = lane_recorded_with_base(|repo| repo.rev("feature/A-1"));
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], false, "{list}");
    let out = repo.lanes(&["remove", "A-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exist nowhere else"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_empty_lane_on_its_own_base_is_not_merged() {
    let repo = lane_on_its_own_base();
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "D-1")["merged"], false, "{list}");
}

/// `lanes sync` with `args` against the fake GitHub; its JSON report.
fn sync(repo: &TestRepo, gh: &FakeGitHub, args: &[&str]) -> Value {
    let out = gh
        .env(repo.lanes_cmd().args(["sync", "--json"]).args(args))
        .output()
        .unwrap();
    assert!(out.status.success(), "sync failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// The fake GitHub with open PR 4 (head `done`) and a clone of its repository.
fn with_pull_4() -> (FakeGitHub, TestRepo) {
    let gh = FakeGitHub::start();
    let repo = gh.clone_of("octo/widgets", "timeout = 2");
    repo.push_pull_request(4, "refs/heads/main", "d.txt", "v1\n");
    gh.add_pull(FakePull::new("octo/widgets", 4, "Done", "done"));
    (gh, repo)
}

fn merge_pull_4(gh: &FakeGitHub) {
    gh.update_pull(4, |p| {
        p.state = "closed".into();
        p.merged = true;
    });
}

#[test]
fn sync_prune_keeps_a_pull_request_branch_the_user_had_before_its_lane() {
    let (gh, repo) = with_pull_4();
    // The user's own branch of that name, made before lanes saw the pull request.
    repo.git(&["branch", "pr/4-done", "main"]);
    sync(&repo, &gh, &[]);
    assert!(repo.lane_dir("PR-4").exists());
    merge_pull_4(&gh);
    let report = sync(&repo, &gh, &["--prune"]);
    let closed = &report["repos"][0]["closed"][0];
    assert_eq!(closed["removed"], true, "{report}");
    assert_eq!(
        closed["reason"], "PR 4: kept branch pr/4-done: it existed before the lane",
        "{report}"
    );
    assert!(!repo.lane_dir("PR-4").exists());
    assert!(has_branch(&repo, "pr/4-done"), "{:?}", repo.branches());
}

#[test]
fn sync_prune_deletes_the_pull_request_branch_lanes_created() {
    let (gh, repo) = with_pull_4();
    sync(&repo, &gh, &[]);
    merge_pull_4(&gh);
    let report = sync(&repo, &gh, &["--prune"]);
    assert_eq!(report["repos"][0]["closed"][0]["removed"], true, "{report}");
    assert!(!has_branch(&repo, "pr/4-done"), "{:?}", repo.branches());
}

#[test]
fn the_language_servers_remove_keeps_a_branch_that_existed_before_the_lane() {
    let repo = lane_on_develop("D-1");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let removed = lsp
        .command("lanes.remove", serde_json::json!({"ticket": "D-1"}))
        .unwrap();
    assert_eq!(removed["branch_deleted"], false, "{removed}");
    assert_eq!(removed["branch_kept"], "it existed before the lane");
    assert!(has_branch(&repo, "develop"));
    assert!(!repo.lane_dir("D-1").exists());
}

/// Lane A-1 whose only commit changes no file (`git commit --allow-empty`).
fn lane_with_a_commit_changing_nothing() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.git_in(
        &repo.lane_dir("A-1"),
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "a note, nothing else",
        ],
    );
    repo
}

#[test]
fn a_lane_whose_commits_change_nothing_is_not_merged() {
    let repo = lane_with_a_commit_changing_nothing();
    let list = repo.lanes_json(&["list"]);
    assert_eq!(lane(&list, "A-1")["merged"], false, "{list}");
}

#[test]
fn removing_a_lane_whose_commits_change_nothing_refuses_to_delete_them() {
    let repo = lane_with_a_commit_changing_nothing();
    let tip = repo.rev("feature/A-1");
    let out = repo.lanes(&["remove", "A-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exist nowhere else"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.rev("feature/A-1"), tip);
}

/// `lanes start args…` with a `git` first on PATH that, the first time lanes asks git to make
/// or use `develop`, makes `develop` itself first (as the user in another terminal would, in
/// the instant between lanes' check that the name is free and its making the branch).
fn start_racing_a_user_making_develop(repo: &TestRepo, args: &[&str]) -> std::process::Output {
    let which = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    let real_git = String::from_utf8(which.stdout).unwrap().trim().to_string();
    let bin = repo.base().join("racing-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let mark = repo.base().join("raced");
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in\n  *develop*) if [ ! -e '{mark}' ]; then : > '{mark}'; '{git}' -C '{dir}' branch develop main; fi ;;\nesac\nexec '{git}' \"$@\"\n",
        mark = mark.display(),
        git = real_git,
        dir = repo.dir.display(),
    );
    let wrapper = bin.join("git");
    std::fs::write(&wrapper, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = repo
        .lanes_cmd()
        .env("PATH", path)
        .args(args)
        .output()
        .unwrap();
    assert!(mark.exists(), "the race was not run: {}", stderr(&out));
    out
}

#[test]
fn a_branch_the_user_makes_while_a_lane_starts_is_not_deleted_by_the_failed_start() {
    let repo = TestRepo::new();
    let main = repo.rev("main");
    let out = start_racing_a_user_making_develop(&repo, &["start", "D-1", "--branch", "develop"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(has_branch(&repo, "develop"), "{:?}", repo.branches());
    assert_eq!(repo.rev("develop"), main);
    assert!(!repo.lane_dir("D-1").exists());
}
