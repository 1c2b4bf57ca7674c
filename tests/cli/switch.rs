//! `lanes switch`, the shell integration and completions: going to a lane by any name it has,
//! back to the previous one, to the primary checkout — and the shell following along.

use crate::support::{stderr, stdout, TestRepo};

fn two_lanes() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    repo.lanes_ok(&["start", "PROJ-22"]);
    repo
}

fn switch_in(repo: &TestRepo, dir: &std::path::Path, name: &str) -> String {
    let out = repo.lanes_in(dir, &["switch", name]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim_end().to_string()
}

#[test]
fn a_lane_is_found_by_its_key_in_any_case() {
    let repo = two_lanes();
    let dir = switch_in(&repo, &repo.dir, "proj-1");
    assert_eq!(dir, repo.lane_dir("PROJ-1").display().to_string());
}

#[test]
fn a_lane_is_found_by_its_branch_and_a_hand_made_worktree_by_its_directory() {
    let repo = two_lanes();
    let by_branch = switch_in(&repo, &repo.dir, "feature/PROJ-22");
    assert_eq!(by_branch, repo.lane_dir("PROJ-22").display().to_string());
    let hand = repo.base().join("scratch");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "spike",
        hand.to_str().unwrap(),
    ]);
    assert_eq!(
        switch_in(&repo, &repo.dir, "scratch"),
        hand.display().to_string()
    );
}

#[test]
fn a_miss_says_which_lanes_look_like_it() {
    let repo = two_lanes();
    let out = repo.lanes(&["switch", "PROJ-2"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean PROJ-22, PROJ-1?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dash_goes_back_to_the_lane_switched_away_from_and_caret_to_the_primary_checkout() {
    let repo = two_lanes();
    let one = repo.lane_dir("PROJ-1");
    let two = repo.lane_dir("PROJ-22");
    switch_in(&repo, &one, "PROJ-22");
    assert_eq!(switch_in(&repo, &two, "-"), one.display().to_string());
    assert_eq!(switch_in(&repo, &one, "-"), two.display().to_string());
    assert_eq!(switch_in(&repo, &two, "^"), repo.dir.display().to_string());
}

#[test]
fn dash_with_no_previous_lane_is_a_clear_usage_error() {
    let repo = two_lanes();
    let out = repo.lanes(&["switch", "-"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no previous lane"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_a_name_and_without_a_terminal_switch_asks_for_a_name() {
    let repo = two_lanes();
    let out = repo.lanes(&["switch"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("name the lane"), "{}", stderr(&out));
}

#[test]
fn starting_a_key_in_another_case_reports_the_existing_lane() {
    let repo = two_lanes();
    let out = repo.lanes_ok(&["start", "proj-1"]);
    assert!(out.contains("Lane PROJ-1 already exists"), "{out}");
    assert_eq!(repo.worktree_count(), 3);
}

#[test]
fn remove_takes_the_key_in_any_case() {
    let repo = two_lanes();
    repo.lanes_ok(&["remove", "proj-22"]);
    assert!(!repo.lane_dir("PROJ-22").exists());
}

/// Runs `script` in `shell` with the integration loaded by `init`, from the primary checkout;
/// returns what it printed last (the `pwd` the script ends with).
fn in_shell(repo: &TestRepo, shell: &str, init: &str, script: &str) -> String {
    let out = repo
        .shell_cmd(shell, &format!("{init}\n{script}"))
        .output()
        .unwrap_or_else(|e| panic!("{shell} must be installed (tests/run installs it): {e}"));
    assert!(out.status.success(), "{shell}: {}", stderr(&out));
    stdout(&out).lines().last().unwrap_or_default().to_string()
}

#[test]
fn with_the_bash_integration_switch_and_start_change_the_shells_directory() {
    let repo = two_lanes();
    let init = r#"eval "$(lanes shell init bash)""#;
    let pwd = in_shell(&repo, "bash", init, "lanes switch proj-22 >/dev/null; pwd");
    assert_eq!(pwd, repo.lane_dir("PROJ-22").display().to_string());
    let pwd = in_shell(
        &repo,
        "bash",
        init,
        "lanes start NEW-5 >/dev/null 2>&1; pwd",
    );
    assert_eq!(pwd, repo.lane_dir("NEW-5").display().to_string());
    // A failing command leaves the shell where it was, with lanes' exit code.
    let out = in_shell(
        &repo,
        "bash",
        init,
        "lanes switch NOPE-1 2>/dev/null; echo \"$? $PWD\"",
    );
    assert_eq!(out, format!("4 {}", repo.dir.display()));
}

#[test]
fn with_the_zsh_and_fish_integrations_switch_changes_the_shells_directory() {
    let repo = two_lanes();
    let want = repo.lane_dir("PROJ-1").display().to_string();
    let zsh = in_shell(
        &repo,
        "zsh",
        r#"eval "$(lanes shell init zsh)""#,
        "lanes switch PROJ-1 >/dev/null; pwd",
    );
    assert_eq!(zsh, want);
    let fish = in_shell(
        &repo,
        "fish",
        "lanes shell init fish | source",
        "lanes switch PROJ-1 >/dev/null; pwd",
    );
    assert_eq!(fish, want);
}

#[test]
fn completion_scripts_parse_in_their_shells() {
    let repo = two_lanes();
    for (shell, check) in [
        ("bash", "lanes completions bash | bash -n"),
        ("zsh", "lanes completions zsh | zsh -n"),
        ("fish", "lanes completions fish | fish --no-execute"),
    ] {
        let out = repo.shell_cmd("bash", check).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
    }
}

#[test]
fn completion_offers_the_repositorys_lane_keys() {
    let repo = two_lanes();
    let out = repo
        .lanes_cmd()
        .env("LANES_COMPLETE", "fish")
        .args(["--", "lanes", "switch", "PROJ"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let offered: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(offered, ["PROJ-1", "PROJ-22"]);
}
