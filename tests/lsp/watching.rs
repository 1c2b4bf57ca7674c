//! Changes made elsewhere — by agents, git, or another editor window — reach open documents.

use serde_json::{json, Value};

use crate::support::{edited_lines, TestRepo};

#[test]
fn an_edit_saved_in_another_lane_by_an_agent_shows_up_without_the_client_doing_anything() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("B-1")], Value::Null);
    lsp.wait_notification("lanes/status", |_| true);
    lsp.open(&file);
    lsp.wait_diagnostics(&file, |d| d.is_empty());
    // An agent working in lane A-1 writes the same file.
    repo.write(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[3], "agent"),
    );
    lsp.wait_diagnostics(&file, |d| d.iter().any(|x| x["code"] == "also-changed"));
}

#[test]
fn a_commit_in_another_lane_shows_up() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let file = repo.lane_dir("B-1").join("README.md");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("B-1")], Value::Null);
    lsp.wait_notification("lanes/status", |_| true);
    lsp.open(&file);
    lsp.wait_diagnostics(&file, |d| d.is_empty());
    repo.commit(&repo.lane_dir("A-1"), "README.md", "# changed by A\n", "a");
    lsp.wait_diagnostics(&file, |d| d.iter().any(|x| x["code"] == "also-changed"));
}

#[test]
fn a_second_server_sees_a_lane_the_first_one_creates() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "B-1"]);
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut second = repo.lsp();
    second.initialize(&[&repo.lane_dir("B-1")], Value::Null);
    second.wait_notification("lanes/status", |_| true);
    second.open(&file);
    second.wait_diagnostics(&file, |d| d.is_empty());

    let mut first = repo.lsp();
    first.initialize(&[&repo.dir], Value::Null);
    first
        .command("lanes.start", json!({"ticket": "NEW-1"}))
        .unwrap();
    // The agent of the new lane edits the file the second window has open.
    repo.write(
        &repo.lane_dir("NEW-1"),
        "src/app.txt",
        &edited_lines(20, &[1], "new"),
    );
    let diagnostics =
        second.wait_diagnostics(&file, |d| d.iter().any(|x| x["code"] == "also-changed"));
    assert!(
        diagnostics.iter().any(|d| d["data"]["ticket"] == "NEW-1"),
        "{diagnostics:?}"
    );
}

#[test]
fn a_removed_lane_no_longer_produces_diagnostics() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.write(&repo.lane_dir("A-1"), "README.md", "a\n");
    let file = repo.lane_dir("B-1").join("README.md");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("B-1")], Value::Null);
    lsp.wait_notification("lanes/status", |_| true);
    lsp.open(&file);
    lsp.wait_diagnostics(&file, |d| d.iter().any(|x| x["code"] == "also-changed"));
    repo.lanes_ok(&["remove", "A-1", "--force"]);
    lsp.wait_diagnostics(&file, |d| d.is_empty());
}
