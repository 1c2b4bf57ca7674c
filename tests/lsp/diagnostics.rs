//! The guard diagnostics and their code actions.

use serde_json::{json, Value};

use crate::support::lsp::{file_uri, LspClient};
use crate::support::{edited_lines, TestRepo};

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The `conflict` diagnostic among `diagnostics` (the spec fails when there is none).
fn the_conflict(diagnostics: &[Value]) -> &Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == "conflict")
        .unwrap_or_else(|| panic!("no conflict diagnostic in {diagnostics:?}"))
}

fn has(code: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| d.iter().any(|x| x["code"] == code)
}

/// Lanes A-1 and B-1; A-1 changes lines 5–6 of src/app.txt without committing.
fn two_lanes() -> TestRepo {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.write(
        &repo.lane_dir("A-1"),
        "src/app.txt",
        &edited_lines(20, &[5, 6], "a"),
    );
    repo
}

fn window(repo: &TestRepo, ticket: &str) -> LspClient {
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir(ticket)], Value::Null);
    lsp
}

#[test]
fn a_file_changed_on_adjacent_lines_in_another_lane_gets_a_conflict_warning() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    repo.write(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, &[6], "b"),
    );
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("conflict"));
    let d = the_conflict(&diagnostics);
    assert_eq!(d["severity"], 2, "warning: {d}");
    assert_eq!(d["data"]["verdict"], "conflict");
    assert_eq!(d["source"], "lanes");
    assert_eq!(d["range"]["start"]["line"], 5, "line 6 (0-based 5): {d}");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("A-1") && message.contains("feature/A-1"),
        "{message}"
    );
    let related = &d["relatedInformation"][0]["location"];
    assert_eq!(
        related["uri"],
        file_uri(&repo.lane_dir("A-1").join("src/app.txt"))
    );
    assert_eq!(related["range"]["start"]["line"], 4);
}

#[test]
fn changes_to_other_lines_are_information_at_line_zero() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    repo.write(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &edited_lines(20, &[15], "b"),
    );
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("also-changed"));
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "also-changed")
        .unwrap();
    assert_eq!(d["severity"], 3, "information: {d}");
    assert_eq!(d["range"]["start"]["line"], 0);
}

#[test]
fn one_also_changed_diagnostic_per_other_lane() {
    let repo = two_lanes();
    repo.lanes_ok(&["start", "C-1"]);
    repo.commit_lines("C-1", &[10], "c");
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, |d| {
        d.iter().filter(|x| x["code"] == "also-changed").count() == 2
    });
    let tickets: Vec<&Value> = diagnostics.iter().map(|d| &d["data"]["ticket"]).collect();
    assert!(
        tickets.contains(&&json!("A-1")) && tickets.contains(&&json!("C-1")),
        "{tickets:?}"
    );
}

#[test]
fn unsaved_edits_to_lines_another_lane_changed_warn_before_saving() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    lsp.wait_diagnostics(&file, |d| {
        d.iter()
            .any(|x| x["code"] == "also-changed" && x["severity"] == 3)
    });
    lsp.change_lines(&file, 2, 4, 5, "typed but not saved 5\n");
    let diagnostics = lsp.wait_diagnostics(&file, |d| {
        d.iter()
            .any(|x| x["code"] == "conflict" && x["severity"] == 2)
    });
    let d = the_conflict(&diagnostics);
    assert_eq!(d["range"]["start"]["line"], 4);
    // Undo in the buffer: back to information.
    lsp.change_lines(&file, 3, 4, 5, "line 5\n");
    lsp.wait_diagnostics(&file, |d| {
        d.iter()
            .any(|x| x["code"] == "also-changed" && x["severity"] == 3)
    });
}

#[test]
fn an_older_version_of_a_change_is_never_applied() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    lsp.change_lines(&file, 5, 4, 5, "typed 5\n");
    lsp.wait_diagnostics(&file, |d| d.iter().any(|x| x["severity"] == 2));
    // A stale version that would remove the conflicting edit must be ignored.
    lsp.change_lines(&file, 4, 4, 5, "line 5\n");
    lsp.change_lines(&file, 6, 19, 20, "typed 20\n");
    let params = lsp.wait_notification("textDocument/publishDiagnostics", |p| p["version"] == 6);
    let still = params["diagnostics"].as_array().unwrap();
    assert!(
        still
            .iter()
            .any(|x| x["code"] == "conflict" && x["severity"] == 2),
        "{params}"
    );
}

#[test]
fn a_file_of_another_lane_gets_an_other_lane_warning_naming_both() {
    let repo = two_lanes();
    let file = repo.lane_dir("A-1").join("README.md");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("other-lane"));
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "other-lane")
        .unwrap();
    assert_eq!(d["severity"], 2);
    assert_eq!(d["range"]["start"]["line"], 0);
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("lane A-1 (feature/A-1)") && message.contains("lane B-1 (feature/B-1)"),
        "{message}"
    );
}

#[test]
fn editing_the_primary_checkout_while_lanes_exist_is_hinted() {
    let repo = two_lanes();
    let file = repo.dir.join("README.md");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("not-in-lane"));
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "not-in-lane")
        .unwrap();
    assert_eq!(d["severity"], 4);
    assert_eq!(codes(&diagnostics), ["not-in-lane"]);
}

#[test]
fn a_file_nobody_else_changes_has_no_diagnostics() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("README.md");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, |_| true);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn the_open_in_lane_code_action_opens_the_other_lanes_copy() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("also-changed"));
    let actions = lsp.code_actions(&file, 0, json!(diagnostics));
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Open in lane A-1"), "{titles:?}");
    assert!(titles.contains(&"Start a lane for a ticket…"), "{titles:?}");
    let (result, shown) = run_open_in_lane(&mut lsp, &actions);
    let other = file_uri(&repo.lane_dir("A-1").join("src/app.txt"));
    assert_eq!(result["uri"], other.as_str());
    assert_eq!(shown["params"]["uri"], other.as_str());
}

/// Runs the "Open in lane A-1" action of `actions`; (the command's result, the showDocument
/// request the server then sent).
fn run_open_in_lane(lsp: &mut LspClient, actions: &[Value]) -> (Value, Value) {
    let open = actions
        .iter()
        .find(|a| a["title"] == "Open in lane A-1")
        .unwrap();
    let command = &open["command"];
    let result = lsp
        .request(
            "workspace/executeCommand",
            json!({"command": command["command"], "arguments": command["arguments"]}),
        )
        .unwrap();
    let shown = lsp.wait_for("window/showDocument", |m| {
        m["method"] == "window/showDocument"
    });
    (result, shown)
}

#[test]
fn open_in_lane_from_a_line_lands_on_that_line_in_the_other_copy() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("also-changed"));
    let actions = lsp.code_actions(&file, 5, json!(diagnostics));
    let (_, shown) = run_open_in_lane(&mut lsp, &actions);
    assert_eq!(shown["params"]["selection"]["start"]["line"], 5, "{shown}");
}

#[test]
fn the_identical_unsaved_change_is_information_that_it_merges_cleanly() {
    let repo = two_lanes();
    let file = repo.lane_dir("B-1").join("src/app.txt");
    let mut lsp = window(&repo, "B-1");
    lsp.open(&file);
    lsp.change_lines(&file, 2, 4, 6, "a 5\na 6\n");
    let diagnostics = lsp.wait_diagnostics(&file, |d| {
        d.iter()
            .any(|x| x["code"] == "also-changed" && x["data"]["verdict"] == "overlap")
    });
    assert!(!codes(&diagnostics).contains(&"conflict".to_string()));
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "also-changed")
        .unwrap();
    assert_eq!(d["severity"], 3, "information: {d}");
    assert!(
        d["message"].as_str().unwrap().contains("merges cleanly"),
        "{d}"
    );
}

#[test]
fn a_base_that_changed_the_same_lines_gets_a_conflict_diagnostic_naming_it() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.commit(
        &repo.dir,
        "src/app.txt",
        &edited_lines(20, &[8], "teammate"),
        "teammate",
    );
    repo.git(&["push", "-q", "origin", "main"]);
    let file = repo.lane_dir("A-1").join("src/app.txt");
    let mut lsp = window(&repo, "A-1");
    lsp.open(&file);
    lsp.change_lines(&file, 2, 7, 8, "mine 8\n");
    let diagnostics = lsp.wait_diagnostics(&file, |d| {
        d.iter()
            .any(|x| x["code"] == "conflict" && x["data"]["base"] == "origin/main")
    });
    let d = the_conflict(&diagnostics);
    assert_eq!(d["range"]["start"]["line"], 7, "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("origin/main changed these lines"),
        "{d}"
    );
    // Undone in the buffer: nothing to say any more.
    lsp.change_lines(&file, 3, 7, 8, "line 8\n");
    lsp.wait_diagnostics(&file, |d| !has("conflict")(d));
}

#[test]
fn conflicts_in_files_that_are_not_open_are_published_and_cleared_when_resolved() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let conflicting = |lane: &str, text: &str| {
        repo.commit(
            &repo.lane_dir(lane),
            "src/app.txt",
            &edited_lines(20, &[5], text),
            text,
        )
    };
    conflicting("A-1", "a");
    conflicting("B-1", "b");
    let uri = file_uri(&repo.lane_dir("A-1").join("src/app.txt"));
    let mut lsp = window(&repo, "A-1");
    let published = lsp.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri.as_str() && has("conflict")(p["diagnostics"].as_array().unwrap())
    });
    let d = &published["diagnostics"][0];
    assert_eq!(d["range"]["start"]["line"], 4, "{d}");
    assert!(d["message"].as_str().unwrap().contains("B-1"), "{d}");
    // B-1 takes its change back: the conflict is cleared without the file ever being opened.
    repo.commit(
        &repo.lane_dir("B-1"),
        "src/app.txt",
        &crate::support::numbered_lines(20),
        "undo",
    );
    lsp.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri.as_str() && p["diagnostics"].as_array().is_some_and(Vec::is_empty)
    });
}

#[test]
fn with_the_pull_request_guard_on_a_teammates_pull_request_gets_a_conflict_diagnostic() {
    let (gh, repo) =
        crate::support::lane_and_teammates_pull("timeout = 5\n[guard]\npull_requests = true");
    let mut command = repo.lanes_cmd();
    gh.env(&mut command);
    let mut lsp = LspClient::spawn(command);
    lsp.initialize(&[&repo.lane_dir("A-1")], Value::Null);
    let file = repo.lane_dir("A-1").join("src/app.txt");
    lsp.open(&file);
    let diagnostics = lsp.wait_diagnostics(&file, has("conflict"));
    let d = the_conflict(&diagnostics);
    assert_eq!(d["range"]["start"]["line"], 4, "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("Merging PR #42 (alice) (alice-fix) will conflict here"),
        "{d}"
    );
    // Nothing on this machine to point at: no related location into lanes' own refs.
    assert!(
        d.get("relatedInformation").is_none_or(Value::is_null),
        "{d}"
    );
}
