//! `lanes start`.

use crate::support::{stderr, stdout, TestRepo};

#[test]
fn start_creates_the_ticket_branch_from_the_remote_default_and_a_worktree_beside_the_repo() {
    let repo = TestRepo::new();
    let out = repo.lanes_ok(&["start", "PROJ-123"]);
    let lane = repo.lane_dir("PROJ-123");
    assert!(out.contains("Created lane PROJ-123"), "{out}");
    assert!(out.contains(&lane.display().to_string()), "{out}");
    let worktrees = repo.worktrees();
    assert!(
        worktrees.contains(&format!("worktree {}\n", lane.display())),
        "{worktrees}"
    );
    assert!(
        worktrees.contains("branch refs/heads/feature/PROJ-123"),
        "{worktrees}"
    );
    assert_eq!(repo.rev("feature/PROJ-123"), repo.rev("origin/main"));
    // No upstream: `git push` must not target the base branch.
    let config = repo.git(&["config", "--list"]);
    assert!(
        !config.contains("branch.feature/PROJ-123.merge"),
        "{config}"
    );
}

#[test]
fn start_falls_back_to_the_local_default_branch_without_a_remote() {
    let repo = TestRepo::without_remote();
    repo.lanes_ok(&["start", "LOCAL-1"]);
    assert_eq!(repo.rev("feature/LOCAL-1"), repo.rev("main"));
    let lane = repo.lanes_json(&["status"]);
    assert_eq!(lane["ticket"], serde_json::Value::Null);
}

#[test]
fn start_branches_from_the_fresh_base_fetched_from_the_remote() {
    let repo = TestRepo::new();
    // Someone else pushes to main after our clone last fetched.
    let other = repo.base().join("other");
    repo.git_in(
        &repo.base(),
        &["clone", "-q", repo.remote.to_str().unwrap(), "other"],
    );
    repo.commit(&other, "NEW.md", "new\n", "upstream work");
    repo.git_in(&other, &["push", "-q", "origin", "main"]);
    let upstream_tip = repo
        .git_in(&other, &["rev-parse", "HEAD"])
        .trim()
        .to_string();

    repo.lanes_ok(&["start", "PROJ-2"]);
    assert_eq!(repo.rev("feature/PROJ-2"), upstream_tip);
}

#[test]
fn start_with_no_fetch_branches_from_the_local_copy_of_the_base() {
    let repo = TestRepo::new();
    let before = repo.rev("origin/main");
    let other = repo.base().join("other");
    repo.git_in(
        &repo.base(),
        &["clone", "-q", repo.remote.to_str().unwrap(), "other"],
    );
    repo.commit(&other, "NEW.md", "new\n", "upstream work");
    repo.git_in(&other, &["push", "-q", "origin", "main"]);

    repo.lanes_ok(&["start", "PROJ-3", "--no-fetch"]);
    assert_eq!(repo.rev("feature/PROJ-3"), before);
}

#[test]
fn start_still_creates_the_lane_when_the_remote_is_unreachable() {
    let repo = TestRepo::new();
    std::fs::rename(&repo.remote, repo.base().join("moved.git")).unwrap();
    let out = repo.lanes(&["start", "PROJ-4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not fetch origin/main"),
        "{}",
        stderr(&out)
    );
    assert!(repo.lane_dir("PROJ-4").is_dir());
}

#[test]
fn starting_an_existing_lane_reports_it_and_changes_nothing() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let before = repo.snapshot();
    let out = repo.lanes_ok(&["start", "PROJ-1"]);
    assert!(out.contains("Lane PROJ-1 already exists"), "{out}");
    assert_eq!(repo.snapshot(), before);
    let json = repo.lanes_json(&["start", "PROJ-1"]);
    assert_eq!(json["created"], false);
    assert_eq!(
        json["lane"]["path"],
        repo.lane_dir("PROJ-1").to_str().unwrap()
    );
}

#[test]
fn starting_a_ticket_whose_branch_exists_creates_a_worktree_on_that_branch() {
    let repo = TestRepo::new();
    repo.git(&["branch", "feature/PROJ-5", "main"]);
    repo.commit(&repo.dir, "x.txt", "x\n", "on main");
    let branch_tip = repo.rev("feature/PROJ-5");
    let json = repo.lanes_json(&["start", "PROJ-5"]);
    assert_eq!(json["created"], true);
    assert_eq!(json["created_branch"], false);
    assert_eq!(repo.rev("feature/PROJ-5"), branch_tip);
    assert!(repo
        .worktrees()
        .contains("branch refs/heads/feature/PROJ-5"));
}

#[test]
fn start_takes_base_branch_and_path_overrides() {
    let repo = TestRepo::new();
    repo.git(&["branch", "develop"]);
    repo.commit(&repo.dir, "y.txt", "y\n", "main moves on");
    let path = repo.base().join("elsewhere");
    let json = repo.lanes_json(&[
        "start",
        "PROJ-6",
        "--base",
        "develop",
        "--branch",
        "fix/login",
        "--path",
        path.to_str().unwrap(),
    ]);
    assert_eq!(json["lane"]["branch"], "fix/login");
    assert_eq!(json["lane"]["path"], path.to_str().unwrap());
    assert_eq!(json["lane"]["base"], "develop");
    assert_eq!(repo.rev("fix/login"), repo.rev("develop"));
}

#[test]
fn start_follows_the_templates_in_lanes_toml() {
    let repo = TestRepo::new();
    repo.write(
        &repo.dir,
        "lanes.toml",
        "branch = \"work/{repo}/{ticket}\"\npath = \"../lanes/{ticket}\"\n",
    );
    let json = repo.lanes_json(&["start", "PROJ-7"]);
    assert_eq!(json["lane"]["branch"], "work/project/PROJ-7");
    let expected = repo.base().join("lanes/PROJ-7");
    assert_eq!(json["lane"]["path"], expected.to_str().unwrap());
    assert!(expected.join("README.md").is_file());
}

#[test]
fn user_config_applies_and_the_repository_config_overrides_it() {
    let repo = TestRepo::new();
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        "branch = \"user/{ticket}\"\npath = \"../u-{ticket}\"\n",
    );
    repo.write(&repo.dir, "lanes.toml", "branch = \"repo/{ticket}\"\n");
    let json = repo.lanes_json(&["start", "PROJ-8"]);
    assert_eq!(json["lane"]["branch"], "repo/PROJ-8");
    assert_eq!(
        json["lane"]["path"],
        repo.base().join("u-PROJ-8").to_str().unwrap()
    );
}

#[test]
fn a_broken_config_file_is_a_clear_error_naming_the_file() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, "lanes.toml", "brnach = \"x/{ticket}\"\n");
    let out = repo.lanes(&["start", "PROJ-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("lanes.toml"), "{}", stderr(&out));
    assert!(stderr(&out).contains("brnach"), "{}", stderr(&out));
    assert_eq!(repo.worktree_count(), 1);
}

#[test]
fn start_copies_configured_files_and_runs_setup_commands_in_the_lane() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, ".gitignore", ".env\n");
    repo.write(&repo.dir, ".env", "SECRET=1\n");
    repo.write(
        &repo.dir,
        "lanes.toml",
        "copy = [\".env\", \"absent.txt\"]\nsetup = [\"echo \\\"$LANES_TICKET on $LANES_BRANCH\\\" > setup.out\"]\n",
    );
    let out = repo.lanes(&["start", "PROJ-9", "--json", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["copied"], serde_json::json!([".env"]));
    let lane = repo.lane_dir("PROJ-9");
    assert_eq!(
        std::fs::read_to_string(lane.join(".env")).unwrap(),
        "SECRET=1\n"
    );
    assert_eq!(
        std::fs::read_to_string(lane.join("setup.out")).unwrap(),
        "PROJ-9 on feature/PROJ-9\n"
    );
}

#[test]
fn a_repositorys_setup_commands_need_approval_and_again_when_they_change() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, "lanes.toml", "setup = [\"touch ran\"]\n");
    let before = repo.snapshot();
    let out = repo.lanes(&["start", "T-1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("lanes trust"), "{}", stderr(&out));
    assert_eq!(
        repo.snapshot(),
        before,
        "nothing is created before approval"
    );
    repo.lanes_ok(&["trust", "--yes"]);
    repo.lanes_ok(&["start", "T-1"]);
    assert!(repo.lane_dir("T-1").join("ran").exists());
    repo.write(&repo.dir, "lanes.toml", "setup = [\"touch ran-too\"]\n");
    assert_eq!(repo.lanes(&["start", "T-2"]).status.code(), Some(3));
    repo.lanes_ok(&["start", "T-2", "--yes"]);
    assert!(repo.lane_dir("T-2").join("ran-too").exists());
}

#[test]
fn setup_commands_of_the_users_own_config_need_no_approval() {
    let repo = TestRepo::new();
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        "setup = [\"touch mine\"]\n",
    );
    repo.lanes_ok(&["start", "T-3"]);
    assert!(repo.lane_dir("T-3").join("mine").exists());
}

#[test]
fn setup_command_output_never_reaches_stdout() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, "lanes.toml", "setup = [\"echo noise\"]\n");
    let out = repo.lanes(&["start", "PROJ-10", "--json", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout is pure JSON");
    assert!(stderr(&out).contains("noise"));
}

#[test]
fn a_failing_setup_command_is_reported_and_the_lane_is_kept() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, "lanes.toml", "setup = [\"exit 7\"]\n");
    let out = repo.lanes(&["start", "PROJ-11", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("setup command `exit 7` failed"),
        "{}",
        stderr(&out)
    );
    assert!(repo.lane_dir("PROJ-11").is_dir());
}

#[test]
fn hostile_ticket_keys_are_refused_and_nothing_is_created() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let entries_before = std::fs::read_dir(repo.base()).unwrap().count();
    let huge = "A".repeat(10_000);
    for key in [
        "../../x", "a/b", "PROJ 1", "PRÖJ-1", "-rf", "x.lock", "a..b", "", "a\u{7}b", &huge,
    ] {
        let out = repo.lanes(&["start", "--", key]);
        assert_eq!(out.status.code(), Some(2), "{key:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("invalid ticket key"),
            "{key:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).len() < 500,
            "the error must not echo a huge key"
        );
    }
    assert_eq!(repo.snapshot(), before);
    let entries_after = std::fs::read_dir(repo.base()).unwrap().count();
    assert_eq!(entries_after, entries_before, "no stray directories");
}

#[test]
fn an_invalid_branch_override_is_refused_and_nothing_is_created() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let out = repo.lanes(&["start", "PROJ-1", "--branch", "bad..name"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid branch name"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn an_unknown_base_is_refused_with_a_hint_and_nothing_is_created() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let out = repo.lanes(&["start", "PROJ-1", "--base", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown base \"nope\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
    assert!(!repo.lane_dir("PROJ-1").exists());
}

#[test]
fn start_refuses_a_path_that_already_holds_files() {
    let repo = TestRepo::new();
    repo.write(&repo.lane_dir("PROJ-1"), "mine.txt", "do not touch\n");
    let out = repo.lanes(&["start", "PROJ-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already exists and is not empty"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.branches().contains(&"feature/PROJ-1".to_string()));
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PROJ-1").join("mine.txt")).unwrap(),
        "do not touch\n"
    );
}

#[test]
fn start_from_inside_a_lane_puts_the_new_lane_beside_the_primary_checkout() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let out = repo.lanes_in(&repo.lane_dir("PROJ-1").join("src"), &["start", "PROJ-2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.lane_dir("PROJ-2").join("README.md").is_file());
}

#[test]
fn github_issue_references_become_safe_lane_names() {
    let repo = TestRepo::new();
    let json = repo.lanes_json(&["start", "#42"]);
    assert_eq!(json["lane"]["ticket"], "gh-42");
    assert_eq!(json["lane"]["branch"], "feature/gh-42");
    assert!(repo.lane_dir("gh-42").is_dir());
}

#[test]
fn lanes_can_be_started_in_a_bare_repository() {
    let repo = TestRepo::new();
    let out = repo.lanes_in(&repo.remote, &["start", "BARE-1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lane = repo.base().join("remote-BARE-1");
    assert!(lane.join("README.md").is_file());
    let list = repo.lanes_in(&repo.remote, &["list", "--json"]);
    let lanes: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(
        lanes.as_array().unwrap().len(),
        1,
        "a bare repository has no primary checkout"
    );
}

#[test]
fn start_outside_a_repository_says_so() {
    let repo = TestRepo::new();
    let out = repo.lanes_in(&repo.base(), &["start", "PROJ-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not inside a git repository"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn concurrent_starts_of_the_same_ticket_end_with_one_lane() {
    let repo = TestRepo::new();
    for round in 0..5 {
        let ticket = format!("RACE-{round}");
        let children: Vec<_> = (0..2)
            .map(|_| {
                repo.lanes_cmd()
                    .args(["start", &ticket, "--json"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for out in &outputs {
            assert!(out.status.success(), "{}", stderr(out));
        }
        let created: Vec<bool> = outputs
            .iter()
            .map(|o| {
                serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["created"] == true
            })
            .collect();
        assert_eq!(
            created.iter().filter(|c| **c).count(),
            1,
            "exactly one process creates it"
        );
        let record = repo.dir.join(format!(".git/lanes/{ticket}.json"));
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(record).unwrap()).unwrap();
    }
    assert_eq!(repo.worktree_count(), 6);
}

#[test]
fn without_git_on_path_start_says_so_and_creates_nothing() {
    let repo = TestRepo::new();
    let empty = repo.base().join("empty-bin");
    std::fs::create_dir(&empty).unwrap();
    let before = repo.snapshot();
    let out = repo
        .lanes_cmd()
        .env("PATH", &empty)
        .args(["start", "PROJ-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("git command-line tool was not found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.snapshot(), before);
    assert!(!repo.lane_dir("PROJ-1").exists());
}
