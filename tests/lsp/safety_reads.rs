//! What a repository must not make the language server wait for: a FIFO where another lane holds
//! a file this lane changes is no content (as git sees it), not a read that never ends.

use serde_json::Value;

use crate::support::TestRepo;

#[test]
fn a_fifo_in_another_lane_does_not_silence_the_status_or_the_diagnostics() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "F-1"]);
    repo.lanes_ok(&["start", "F-2"]);
    let fifo = repo.lane_dir("F-1").join("src/app.txt");
    std::fs::remove_file(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let file = repo.lane_dir("F-2").join("src/app.txt");
    repo.write(&repo.lane_dir("F-2"), "src/app.txt", "edited\n");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("F-2")], Value::Null);
    // Every wait is bounded by the client's patience: a hang fails here.
    let status = lsp.wait_notification("lanes/status", |_| true);
    assert_eq!(status["ticket"], "F-2");
    lsp.open(&file);
    lsp.wait_diagnostics(&file, |_| true);
    let answered = lsp.request("lanes/status", Value::Null).unwrap();
    assert_eq!(answered["ticket"], "F-2");
}
