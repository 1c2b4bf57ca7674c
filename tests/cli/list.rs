//! `lanes list`, `lanes status`, `lanes switch`.

use serde_json::Value;

use crate::support::{stderr, stdout, TestRepo};

fn lane<'a>(lanes: &'a Value, ticket: &str) -> &'a Value {
    lanes
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == ticket)
        .unwrap_or_else(|| panic!("no lane {ticket} in {lanes:#}"))
}

#[test]
fn list_shows_the_primary_checkout_and_every_lane_with_its_state() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    repo.lanes_ok(&["start", "PROJ-2"]);
    let one = repo.lane_dir("PROJ-1");
    repo.commit(&one, "a.txt", "a\n", "work");
    repo.commit(&one, "b.txt", "b\n", "more work");
    repo.write(&one, "dirty.txt", "untracked\n");
    repo.write(&one, "README.md", "changed\n");
    repo.commit(&repo.dir, "main.txt", "m\n", "main moves");
    repo.git(&["push", "-q", "origin", "main"]);

    let lanes = repo.lanes_json(&["list"]);
    let all = lanes.as_array().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["primary"], true);
    assert_eq!(all[0]["ticket"], Value::Null);
    assert_eq!(all[0]["branch"], "main");
    let p1 = lane(&lanes, "PROJ-1");
    assert_eq!(p1["branch"], "feature/PROJ-1");
    assert_eq!(p1["path"], one.to_str().unwrap());
    assert_eq!(p1["dirty"], 2);
    assert_eq!(p1["ahead"], 2);
    assert_eq!(p1["behind"], 1);
    assert_eq!(p1["base"], "origin/main");
    assert_eq!(p1["primary"], false);
    assert_eq!(lane(&lanes, "PROJ-2")["dirty"], 0);

    let text = repo.lanes_ok(&["list"]);
    assert!(text.starts_with("TICKET"), "{text}");
    assert!(text.contains("(primary)"), "{text}");
    assert!(text.contains("↑2 ↓1"), "{text}");
}

#[test]
fn list_json_has_every_documented_field() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let lanes = repo.lanes_json(&["list"]);
    let fields: Vec<&str> = lane(&lanes, "PROJ-1")
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for field in [
        "ticket",
        "title",
        "branch",
        "path",
        "repo",
        "primary",
        "base",
        "head",
        "detached",
        "locked",
        "lock_reason",
        "missing",
        "dirty",
        "ahead",
        "behind",
        "pr",
        "pr_state",
    ] {
        assert!(fields.contains(&field), "missing {field} in {fields:?}");
    }
}

#[test]
fn list_flags_missing_locked_and_detached_worktrees() {
    let repo = TestRepo::new();
    for t in ["GONE-1", "LOCK-1", "HEAD-1"] {
        repo.lanes_ok(&["start", t]);
    }
    std::fs::remove_dir_all(repo.lane_dir("GONE-1")).unwrap();
    repo.git(&[
        "worktree",
        "lock",
        "--reason",
        "on a usb disk",
        repo.lane_dir("LOCK-1").to_str().unwrap(),
    ]);
    repo.git_in(&repo.lane_dir("HEAD-1"), &["switch", "-q", "--detach"]);

    let lanes = repo.lanes_json(&["list"]);
    let gone = lane(&lanes, "GONE-1");
    assert_eq!(gone["missing"], true);
    assert_eq!(gone["dirty"], Value::Null);
    let locked = lane(&lanes, "LOCK-1");
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["lock_reason"], "on a usb disk");
    let detached = lane(&lanes, "HEAD-1");
    assert_eq!(detached["detached"], true);
    assert_eq!(detached["branch"], Value::Null);

    let text = repo.lanes_ok(&["list"]);
    assert!(text.contains("missing"), "{text}");
    assert!(text.contains("locked(on a usb disk)"), "{text}");
    assert!(text.contains("detached"), "{text}");
}

#[test]
fn worktrees_made_by_hand_are_listed_with_the_ticket_from_their_branch() {
    let repo = TestRepo::new();
    let path = repo.base().join("by-hand");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature/HAND-1",
        path.to_str().unwrap(),
    ]);
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "experiment",
        repo.base().join("exp").to_str().unwrap(),
    ]);
    let lanes = repo.lanes_json(&["list"]);
    assert_eq!(lane(&lanes, "HAND-1")["path"], path.to_str().unwrap());
    let exp = lanes
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["branch"] == "experiment")
        .unwrap();
    assert_eq!(exp["ticket"], Value::Null);
}

#[test]
fn status_in_a_lane_reports_that_lane() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let dir = repo.lane_dir("PROJ-1").join("src");
    let out = repo.lanes_in(&dir, &["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lane: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(lane["ticket"], "PROJ-1");
    assert_eq!(lane["branch"], "feature/PROJ-1");
    let text = stdout(&repo.lanes_in(&dir, &["status"]));
    assert!(text.contains("lane    PROJ-1"), "{text}");
}

#[test]
fn status_in_the_primary_checkout_has_no_ticket() {
    let repo = TestRepo::new();
    let lane = repo.lanes_json(&["status"]);
    assert_eq!(lane["ticket"], Value::Null);
    assert_eq!(lane["primary"], true);
    assert_eq!(lane["branch"], "main");
}

#[test]
fn switch_prints_the_lane_directory() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    assert_eq!(
        repo.lanes_ok(&["switch", "PROJ-1"]).trim(),
        repo.lane_dir("PROJ-1").to_str().unwrap()
    );
    let out = repo.lanes(&["switch", "NOPE-1"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("no lane for ticket NOPE-1"),
        "{}",
        stderr(&out)
    );
}

/// `lanes list` on a terminal `columns` wide (a pty made by `script`), as the user sees it.
fn list_on_a_terminal(repo: &TestRepo, columns: u16, no_color: bool) -> String {
    let bin = crate::support::lanes_bin();
    let mut cmd = repo.shell_cmd(
        "sh",
        &format!(
            "script -qec 'stty cols {columns}; {} list' /dev/null",
            bin.display()
        ),
    );
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

fn with_a_long_title(repo: &TestRepo, ticket: &str) {
    let file = repo.dir.join(format!(".git/lanes/{ticket}.json"));
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    record["title"] =
        "Sessions expire after five minutes instead of eight hours on every browser".into();
    std::fs::write(&file, record.to_string()).unwrap();
}

#[test]
fn on_a_terminal_list_is_coloured_and_the_title_fits_the_width() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "L-10"]);
    repo.lanes_ok(&["start", "L-2"]);
    with_a_long_title(&repo, "L-2");
    let shown = list_on_a_terminal(&repo, 150, false);
    assert!(shown.contains("\x1b["), "colour expected:\n{shown}");
    for line in shown.lines() {
        assert!(console::measure_text_width(line) <= 150, "too wide: {line}");
    }
    assert!(shown.contains('…'), "the title is cut to fit:\n{shown}");
    // Natural order: L-2 before L-10.
    assert!(
        shown.find("L-2").unwrap() < shown.find("L-10").unwrap(),
        "{shown}"
    );
}

#[test]
fn no_color_turns_the_colours_off() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "L-1"]);
    let shown = list_on_a_terminal(&repo, 150, true);
    assert!(!shown.contains("\x1b["), "{shown}");
    assert!(shown.contains("L-1"), "{shown}");
}

#[test]
fn piped_list_keeps_whole_titles_and_no_colour() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "L-1"]);
    with_a_long_title(&repo, "L-1");
    let shown = repo.lanes_ok(&["list"]);
    assert!(shown.contains("on every browser"), "{shown}");
    assert!(!shown.contains("\x1b["), "{shown}");
}
