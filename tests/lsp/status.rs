//! `lanes/status`: the lane of the window.

use serde_json::{json, Value};

use crate::support::TestRepo;

#[test]
fn status_is_sent_after_initialized_with_the_windows_lane() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    repo.write(&repo.lane_dir("PROJ-1"), "README.md", "edited\n");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("PROJ-1")], Value::Null);
    let status = lsp.wait_notification("lanes/status", |_| true);
    assert_eq!(status["ticket"], "PROJ-1");
    assert_eq!(status["branch"], "feature/PROJ-1");
    assert_eq!(status["path"], repo.lane_dir("PROJ-1").to_str().unwrap());
    assert_eq!(status["repo"], repo.dir.to_str().unwrap());
    assert_eq!(status["dirty"], 1);
    assert_eq!(status["ahead"], 0);
    assert_eq!(status["behind"], 0);
    assert_eq!(status["base"], "origin/main");
    assert_eq!(status["pr"], Value::Null);
    assert!(status.get("title").is_some());
}

#[test]
fn the_status_request_answers_the_same_object() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("PROJ-1")], Value::Null);
    let sent = lsp.wait_notification("lanes/status", |_| true);
    let answered = lsp.request("lanes/status", Value::Null).unwrap();
    assert_eq!(sent, answered);
}

#[test]
fn in_the_primary_checkout_the_ticket_is_null() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let status = lsp.wait_notification("lanes/status", |_| true);
    assert_eq!(status["ticket"], Value::Null);
    assert_eq!(status["branch"], "main");
    assert_eq!(status["primary"], true);
}

#[test]
fn a_commit_in_the_window_lane_updates_the_status() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("PROJ-1")], Value::Null);
    lsp.wait_notification("lanes/status", |s| s["ahead"] == 0);
    repo.commit(&repo.lane_dir("PROJ-1"), "new.txt", "n\n", "work");
    let status = lsp.wait_notification("lanes/status", |s| s["ahead"] == 1);
    assert_eq!(status["ticket"], "PROJ-1");
}

#[test]
fn a_commit_in_another_lane_resends_the_status_with_a_new_revision() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("A-1")], Value::Null);
    // The first background scan of the worktrees counts as a change: wait for it.
    let scanned = lsp.wait_notification("lanes/status", |s| s["revision"].as_u64() >= Some(1));
    let before = scanned["revision"].as_u64().unwrap();
    repo.commit(&repo.lane_dir("B-1"), "other.txt", "b\n", "work in B-1");
    let after = lsp.wait_notification("lanes/status", |s| {
        s["revision"].as_u64().is_some_and(|r| r > before)
    });
    assert_eq!(after["ticket"], "A-1", "still the window's lane: {after}");
    assert_eq!(after["ahead"], 0, "{after}");
}

#[test]
fn a_folder_outside_any_repository_gets_no_status_and_no_crash() {
    let repo = TestRepo::new();
    let plain = repo.base().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&plain], json!({}));
    assert_eq!(
        lsp.request("lanes/status", Value::Null).unwrap(),
        Value::Null
    );
    let error = lsp.command("lanes.list", json!({})).unwrap_err();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no git repository"),
        "{error}"
    );
    assert!(
        !lsp.seen.iter().any(|m| m["method"] == "lanes/status"),
        "no status for a folder outside git"
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn status_carries_the_same_tickets_lanes_in_other_configured_repositories() {
    let repo = TestRepo::new();
    let other = repo.base().join("web");
    std::fs::create_dir_all(&other).unwrap();
    repo.git_in(&other, &["init", "-q", "-b", "main"]);
    repo.commit(&other, "README.md", "# web\n", "initial");
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        &format!(
            "[[repos]]\nname = \"api\"\npath = \"{}\"\n\n[[repos]]\nname = \"web\"\npath = \"{}\"\n",
            repo.dir.display(),
            other.display()
        ),
    );
    repo.lanes_ok(&["start", "PROJ-9", "--all"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("PROJ-9")], Value::Null);
    let status = lsp.wait_notification("lanes/status", |_| true);
    assert_eq!(status["ticket"], "PROJ-9");
    assert_eq!(status["others"][0]["repo"], "web");
    assert_eq!(
        status["others"][0]["path"],
        repo.base().join("web-PROJ-9").to_str().unwrap()
    );
    let all = lsp.command("lanes.list", json!({"all": true})).unwrap();
    assert_eq!(all["tickets"][0]["ticket"], "PROJ-9");
    assert_eq!(all["tickets"][0]["lanes"].as_array().unwrap().len(), 2);
}

#[test]
fn status_names_the_lanes_the_window_lane_would_conflict_with() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit_lines("A-1", &[5], "a");
    repo.commit_lines("B-1", &[5], "b");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("A-1")], Value::Null);
    let status = lsp.wait_notification("lanes/status", |s| {
        s["conflicts"] == serde_json::json!(["B-1"])
    });
    assert_eq!(status["ticket"], "A-1");
}
