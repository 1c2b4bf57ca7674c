//! `workspace/executeCommand`.

use serde_json::{json, Value};

use crate::support::lsp::file_uri;
use crate::support::TestRepo;

fn started_lsp(repo: &TestRepo) -> crate::support::lsp::LspClient {
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    lsp
}

/// The commands the server advertises at initialize.
fn served_commands(repo: &TestRepo) -> Vec<Value> {
    let mut lsp = repo.lsp();
    let result = lsp.initialize(&[&repo.dir], Value::Null);
    result["capabilities"]["executeCommandProvider"]["commands"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn initialize_lists_every_command() {
    let repo = TestRepo::new();
    let commands = served_commands(&repo);
    for command in [
        "lanes.start",
        "lanes.list",
        "lanes.switch",
        "lanes.remove",
        "lanes.restore",
        "lanes.openInLane",
        "lanes.sync",
        "lanes.pr",
        "lanes.pruneMerged",
        "lanes.check",
        "lanes.laneFiles",
        "lanes.untangle",
    ] {
        assert!(
            commands.contains(&json!(command)),
            "{command} missing: {commands:?}"
        );
    }
}

#[test]
fn initialize_names_the_server() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    let result = lsp.initialize(&[&repo.dir], Value::Null);
    assert_eq!(result["serverInfo"]["name"], "lanes");
}

#[test]
fn start_creates_the_lane_on_disk_and_reports_progress() {
    let repo = TestRepo::new();
    let mut lsp = started_lsp(&repo);
    let result = lsp
        .request(
            "workspace/executeCommand",
            json!({"command": "lanes.start", "arguments": [{"ticket": "PROJ-1"}], "workDoneToken": "tok-1"}),
        )
        .unwrap();
    assert_eq!(result["created"], true);
    assert_eq!(result["lane"]["ticket"], "PROJ-1");
    assert_eq!(result["lane"]["branch"], "feature/PROJ-1");
    assert_eq!(
        result["lane"]["path"],
        repo.lane_dir("PROJ-1").to_str().unwrap()
    );
    assert!(repo
        .worktrees()
        .contains("branch refs/heads/feature/PROJ-1"));
    let begin = lsp.wait_notification("$/progress", |p| {
        p["token"] == "tok-1" && p["value"]["kind"] == "begin"
    });
    assert!(begin["value"]["title"].as_str().unwrap().contains("PROJ-1"));
    lsp.wait_notification("$/progress", |p| {
        p["token"] == "tok-1" && p["value"]["kind"] == "end"
    });
}

#[test]
fn start_without_a_token_creates_one_when_the_client_supports_progress() {
    let repo = TestRepo::new();
    let mut lsp = started_lsp(&repo);
    lsp.command("lanes.start", json!({"ticket": "PROJ-2"}))
        .unwrap();
    let create = lsp.wait_for("workDoneProgress/create", |m| {
        m["method"] == "window/workDoneProgress/create"
    });
    let token = create["params"]["token"].clone();
    lsp.wait_notification("$/progress", |p| {
        p["token"] == token && p["value"]["kind"] == "end"
    });
}

#[test]
fn list_switch_and_remove_work_on_the_windows_repository() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let mut lsp = started_lsp(&repo);
    let list = lsp.command("lanes.list", json!({})).unwrap();
    let tickets: Vec<&Value> = list["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["ticket"])
        .collect();
    assert_eq!(tickets, [&Value::Null, &json!("PROJ-1")]);
    let lane = lsp
        .command("lanes.switch", json!({"ticket": "PROJ-1"}))
        .unwrap();
    assert_eq!(lane["path"], repo.lane_dir("PROJ-1").to_str().unwrap());
    let removed = lsp
        .command("lanes.remove", json!({"ticket": "PROJ-1"}))
        .unwrap();
    assert_eq!(removed["branch_deleted"], true);
    assert!(!repo.lane_dir("PROJ-1").exists());
}

#[test]
fn a_refused_remove_is_an_error_saying_why_and_changes_nothing() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    repo.write(&repo.lane_dir("PROJ-1"), "README.md", "mine\n");
    let before = repo.snapshot();
    let mut lsp = started_lsp(&repo);
    let error = lsp
        .command("lanes.remove", json!({"ticket": "PROJ-1"}))
        .unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("uncommitted"),
        "{error}"
    );
    assert_eq!(error["data"]["kind"], "refused");
    assert_eq!(repo.snapshot(), before);
    let forced = lsp.command("lanes.remove", json!({"ticket": "PROJ-1", "force": true}));
    assert!(forced.is_ok(), "{forced:?}");
}

#[test]
fn a_repositorys_setup_commands_run_only_when_the_user_approves_them_in_a_dialog() {
    let repo = TestRepo::new();
    repo.write(&repo.dir, "lanes.toml", "setup = [\"touch ran\"]\n");
    let before = repo.snapshot();
    let mut lsp = started_lsp(&repo);
    lsp.start_refused_asking("D-1", "touch ran");
    assert_eq!(repo.snapshot(), before);

    lsp.start_approved("D-1");
    assert!(repo.lane_dir("D-1").join("ran").exists());
}

#[test]
fn a_removed_lane_comes_back_with_restore() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    repo.write(&repo.lane_dir("PROJ-1"), "wip.txt", "wip\n");
    let mut lsp = started_lsp(&repo);
    let removed = lsp
        .command("lanes.remove", json!({"ticket": "PROJ-1", "force": true}))
        .expect("removed");
    assert!(removed["trash"].as_str().unwrap().starts_with("PROJ-1/"));
    let restored = lsp
        .command("lanes.restore", json!({"ticket": "PROJ-1"}))
        .expect("restored");
    assert_eq!(restored["ticket"], "PROJ-1");
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("PROJ-1").join("wip.txt")).unwrap(),
        "wip\n"
    );
}

#[test]
fn open_in_lane_returns_the_same_file_in_the_other_lane() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let mut lsp = started_lsp(&repo);
    let here = repo.dir.join("src/app.txt");
    let result = lsp
        .command(
            "lanes.openInLane",
            json!({"uri": file_uri(&here), "ticket": "PROJ-1"}),
        )
        .unwrap();
    let there = repo.lane_dir("PROJ-1").join("src/app.txt");
    assert_eq!(result["uri"], file_uri(&there));
    assert_eq!(result["exists"], true);
}

/// A repository on the fake GitHub with one open pull request, and a language server whose
/// environment points at the fake.
fn lsp_on_github(
    gh: &crate::support::github::FakeGitHub,
    token: Option<&str>,
) -> (TestRepo, crate::support::lsp::LspClient) {
    let repo = gh.clone_of("octo/widgets", "");
    repo.push_pull_request(7, "refs/heads/main", "login.txt", "v1\n");
    gh.add_pull(crate::support::github::FakePull::new(
        "octo/widgets",
        7,
        "PROJ-12: fix login",
        "fix/login",
    ));
    let mut cmd = repo.lanes_cmd();
    cmd.env("GITHUB_API_URL", gh.url())
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        // No `gh` either: the token is exactly what the test gives.
        .env("PATH", "/usr/bin:/bin");
    if let Some(token) = token {
        cmd.env("GITHUB_TOKEN", token);
    }
    let mut lsp = crate::support::lsp::LspClient::spawn(cmd);
    lsp.initialize(&[&repo.dir], Value::Null);
    (repo, lsp)
}

#[test]
fn sync_brings_pull_requests_into_lanes_with_progress() {
    let gh = crate::support::github::FakeGitHub::start();
    let (repo, mut lsp) = lsp_on_github(&gh, Some(crate::support::github::TOKEN));
    let result = lsp
        .request(
            "workspace/executeCommand",
            json!({"command": "lanes.sync", "arguments": [{}], "workDoneToken": "sync-1"}),
        )
        .unwrap();
    assert_eq!(result["repos"][0]["pulls"][0]["action"], "created");
    assert_eq!(result["repos"][0]["forge"], "octo/widgets");
    assert!(repo
        .worktrees()
        .contains("branch refs/heads/pr/7-fix-login"));
    lsp.wait_notification("$/progress", |p| {
        p["token"] == "sync-1" && p["value"]["kind"] == "report"
    });
    lsp.wait_notification("$/progress", |p| {
        p["token"] == "sync-1" && p["value"]["kind"] == "end"
    });
}

#[test]
fn sync_without_a_token_is_an_error_that_says_where_to_get_one() {
    let gh = crate::support::github::FakeGitHub::start();
    let (repo, mut lsp) = lsp_on_github(&gh, None);
    let error = lsp.command("lanes.sync", json!({})).unwrap_err();
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("no GitHub token"), "{error}");
    assert!(
        !message.contains("hint:"),
        "hints travel as data, not as CLI text: {error}"
    );
    let hints = error["data"]["hints"].to_string();
    assert!(hints.contains("GITHUB_TOKEN"), "{error}");
    assert_eq!(error["data"]["kind"], "failed");
    assert_eq!(repo.worktree_count(), 1);
}

#[test]
fn bad_or_missing_arguments_are_readable_errors_and_the_server_keeps_serving() {
    let repo = TestRepo::new();
    let mut lsp = started_lsp(&repo);
    let cases = [
        ("lanes.start", json!({})),
        ("lanes.start", json!({"ticket": 42})),
        ("lanes.start", json!("PROJ-1")),
        ("lanes.start", json!({"ticket": "../../x"})),
        ("lanes.switch", json!({"ticket": "NOPE-1"})),
        (
            "lanes.openInLane",
            json!({"uri": "untitled:1", "ticket": "A-1"}),
        ),
        (
            "lanes.openInLane",
            json!({"uri": "not a uri", "ticket": "A-1"}),
        ),
        ("lanes.frobnicate", json!({})),
    ];
    for (command, argument) in cases {
        let error = lsp.command(command, argument.clone()).unwrap_err();
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10,
            "{command} {argument}: unhelpful error {error}"
        );
    }
    assert!(lsp.command("lanes.list", json!({})).is_ok());
    assert!(!repo.base().join("x").exists());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn the_move_code_action_moves_a_change_to_the_lane_it_belongs_to() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let b = repo.lane_dir("B-1");
    // An agent of A-1 wrote into B-1's worktree by mistake.
    repo.write(
        &b,
        "src/app.txt",
        &crate::support::edited_lines(20, &[5, 15], "for A"),
    );
    let file = b.join("src/app.txt");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&b], Value::Null);
    lsp.open(&file);
    let actions = lsp.code_actions(&file, 4, json!([]));
    let action = actions
        .iter()
        .find(|a| a["title"] == "Move this change to lane A-1")
        .unwrap_or_else(|| panic!("no move action in {actions:#?}"))
        .clone();
    let result = lsp
        .request(
            "workspace/executeCommand",
            json!({"command": action["command"]["command"], "arguments": action["command"]["arguments"]}),
        )
        .unwrap();
    assert_eq!(result["to"], "A-1");
    assert_eq!(
        std::fs::read_to_string(repo.lane_dir("A-1").join("src/app.txt")).unwrap(),
        crate::support::edited_lines(20, &[5], "for A")
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        crate::support::edited_lines(20, &[15], "for A")
    );
}

#[test]
fn no_move_action_is_offered_on_unchanged_lines() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let b = repo.lane_dir("B-1");
    repo.write(
        &b,
        "src/app.txt",
        &crate::support::edited_lines(20, &[15], "x"),
    );
    let file = b.join("src/app.txt");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&b], Value::Null);
    lsp.open(&file);
    let actions = lsp.code_actions(&file, 1, json!([]));
    assert!(
        !actions
            .iter()
            .any(|a| a["title"].as_str().unwrap().starts_with("Move")),
        "{actions:#?}"
    );
}

#[test]
fn a_cancelled_start_never_leaves_a_half_made_lane_and_the_server_serves_on() {
    let repo = TestRepo::new();
    let mut lsp = started_lsp(&repo);
    lsp.send(
        &json!({"jsonrpc": "2.0", "id": 900, "method": "workspace/executeCommand",
        "params": {"command": "lanes.start", "arguments": [{"ticket": "CANCEL-1"}]}}),
    );
    lsp.notify("$/cancelRequest", json!({"id": 900}));
    match lsp.response(900) {
        Ok(result) => assert_eq!(result["created"], true),
        Err(error) => assert_eq!(error["code"], -32800, "{error}"),
    }
    // Starting again waits for any cancelled work (same per-ticket lock) and then finds one
    // complete lane, never a half-made one.
    let again = lsp
        .command("lanes.start", json!({"ticket": "CANCEL-1"}))
        .unwrap();
    assert_eq!(again["lane"]["branch"], "feature/CANCEL-1");
    assert_eq!(again["lane"]["missing"], false);
    assert!(repo.lane_dir("CANCEL-1").join("README.md").is_file());
    assert_eq!(repo.worktree_count(), 2);
}

#[test]
fn prune_merged_removes_a_squash_merged_lane_and_keeps_a_lane_with_no_commits() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit_lines("A-1", &[3], "a");
    repo.git(&["merge", "-q", "--squash", "feature/A-1"]);
    repo.git(&["commit", "-q", "-m", "A-1 squashed"]);
    repo.git(&["push", "-q", "origin", "main"]);
    let mut lsp = started_lsp(&repo);
    let dry = lsp
        .command("lanes.pruneMerged", json!({"dryRun": true}))
        .unwrap();
    assert_eq!(dry["removed"][0]["ticket"], "A-1", "{dry}");
    assert!(repo.lane_dir("A-1").exists());
    let done = lsp.command("lanes.pruneMerged", json!({})).unwrap();
    assert_eq!(done["removed"][0]["ticket"], "A-1", "{done}");
    assert_eq!(done["removed"].as_array().unwrap().len(), 1, "{done}");
    assert!(!repo.lane_dir("A-1").exists());
    assert!(repo.lane_dir("B-1").exists());
}

#[test]
fn pr_opens_the_window_lanes_pull_request_on_github() {
    let gh = crate::support::github::FakeGitHub::start();
    let repo = gh.clone_of("octo/widgets", "timeout = 5");
    repo.lanes_ok(&["start", "A-1"]);
    repo.commit_lines("A-1", &[3], "fix the timeout");
    let mut command = repo.lanes_cmd();
    gh.env(&mut command);
    let mut lsp = crate::support::lsp::LspClient::spawn(command);
    lsp.initialize(&[&repo.lane_dir("A-1")], Value::Null);
    let opened = lsp.command("lanes.pr", json!({"offline": true})).unwrap();
    assert_eq!(opened["created"], true, "{opened}");
    let pull = crate::support::github::pull_of(&gh, opened["number"].as_u64().unwrap()).unwrap();
    assert_eq!(pull.title, "A-1: fix the timeout");
    assert_eq!(pull.head_ref, "feature/A-1");
}

#[test]
fn check_reports_every_file_two_lanes_change_with_the_verdict() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit_lines("A-1", &[5], "a");
    repo.commit_lines("B-1", &[5], "b");
    let mut lsp = started_lsp(&repo);
    let report = lsp.command("lanes.check", json!({})).unwrap();
    let file = &report["files"][0];
    assert_eq!(file["path"], "src/app.txt", "{report}");
    assert_eq!(file["conflict"], true, "{report}");
    assert_eq!(file["pairs"][0]["kind"], "conflict", "{report}");
}

#[test]
fn lane_files_lists_every_file_the_lane_changes_with_who_else_changes_it() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    repo.commit_lines("A-1", &[5], "a");
    repo.commit_lines("B-1", &[5], "b");
    repo.write(&repo.lane_dir("A-1"), "notes.txt", "only here\n");
    let mut lsp = started_lsp(&repo);
    let listed = lsp
        .command("lanes.laneFiles", json!({"ticket": "a-1"}))
        .unwrap();
    assert_eq!(listed["lane"], repo.lane_dir("A-1").to_str().unwrap());
    let files = listed["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["notes.txt", "src/app.txt"], "{listed}");
    assert_eq!(files[0]["uncommitted"], true, "{listed}");
    assert_eq!(files[0]["pairs"], json!([]), "{listed}");
    assert_eq!(files[1]["uncommitted"], false, "{listed}");
    assert_eq!(files[1]["pairs"][0]["kind"], "conflict", "{listed}");
    assert_eq!(files[1]["pairs"][0]["b"]["name"], "B-1", "{listed}");
}

#[test]
fn lane_files_of_the_window_lane_when_no_lane_is_named() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.commit_lines("A-1", &[5], "a");
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("A-1")], Value::Null);
    let listed = lsp.command("lanes.laneFiles", json!({})).unwrap();
    assert_eq!(listed["lane"], repo.lane_dir("A-1").to_str().unwrap());
    assert_eq!(listed["files"][0]["path"], "src/app.txt", "{listed}");
}

#[test]
fn lane_files_of_an_unknown_lane_is_a_no_such_lane_error() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let mut lsp = started_lsp(&repo);
    let error = lsp
        .command("lanes.laneFiles", json!({"ticket": "NOPE-9"}))
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "no-such-lane", "{error}");
}

#[test]
fn untangle_lists_the_window_lanes_hunks_and_moves_the_assigned_ones() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let a = repo.lane_dir("A-1");
    repo.write(
        &a,
        "src/app.txt",
        &crate::support::edited_lines(20, &[2, 15], "mixed"),
    );
    let mut lsp = repo.lsp();
    lsp.initialize(&[&a], Value::Null);
    let listed = lsp.command("lanes.untangle", json!({})).unwrap();
    let entries = listed["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{listed}");
    let second = entries[1]["id"].as_str().unwrap();
    let moved = lsp
        .command("lanes.untangle", json!({"assignment": {second: "B-1"}}))
        .unwrap();
    assert_eq!(moved["moved"][0]["to"], "B-1", "{moved}");
    let b_text = std::fs::read_to_string(repo.lane_dir("B-1").join("src/app.txt")).unwrap();
    let a_text = std::fs::read_to_string(a.join("src/app.txt")).unwrap();
    assert!(
        b_text.contains("mixed 15") && !b_text.contains("mixed 2\n"),
        "{b_text}"
    );
    assert!(
        a_text.contains("mixed 2\n") && !a_text.contains("mixed 15"),
        "{a_text}"
    );
}

#[test]
fn untangle_with_an_unknown_hunk_moves_nothing() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    repo.lanes_ok(&["start", "B-1"]);
    let a = repo.lane_dir("A-1");
    let edited = crate::support::edited_lines(20, &[2], "mine");
    repo.write(&a, "src/app.txt", &edited);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&a], Value::Null);
    let error = lsp
        .command(
            "lanes.untangle",
            json!({"assignment": {"src/app.txt@00000000": "B-1"}}),
        )
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "conflict", "{error}");
    assert_eq!(
        std::fs::read_to_string(a.join("src/app.txt")).unwrap(),
        edited
    );
}

#[test]
fn no_vs_code_command_has_the_id_of_a_server_command() {
    // The language client registers the server's commands under their own ids: an extension
    // command of the same id makes the client fail to start.
    let served = served_commands(&TestRepo::new());
    let manifest =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/package.json");
    let package: Value = serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    for command in package["contributes"]["commands"].as_array().unwrap() {
        let id = &command["command"];
        assert!(
            !served.contains(id),
            "the extension's {id} is also a server command"
        );
    }
}

/// Once the server has scanned the worktrees (its live session answers), writes `file` in the
/// lane of `ticket` and waits until the server has seen it.
fn write_once_scanned(
    repo: &TestRepo,
    lsp: &mut crate::support::lsp::LspClient,
    ticket: &str,
    file: &str,
) {
    let scanned = lsp.wait_notification("lanes/status", |s| s["revision"].as_u64() >= Some(1));
    let before = scanned["revision"].as_u64().unwrap();
    repo.write(&repo.lane_dir(ticket), file, "new\n");
    lsp.wait_notification("lanes/status", |s| {
        s["revision"].as_u64().is_some_and(|r| r > before)
    });
}

#[test]
fn lane_files_follows_an_edit_on_disk_made_while_the_server_runs() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let mut lsp = started_lsp(&repo);
    write_once_scanned(&repo, &mut lsp, "A-1", "later.txt");
    let listed = lsp
        .command("lanes.laneFiles", json!({"ticket": "A-1"}))
        .unwrap();
    assert_eq!(listed["files"][0]["path"], "later.txt", "{listed}");
    assert_eq!(listed["files"][0]["uncommitted"], true, "{listed}");
}

#[test]
fn list_follows_an_edit_on_disk_made_while_the_server_runs() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let mut lsp = started_lsp(&repo);
    write_once_scanned(&repo, &mut lsp, "A-1", "later.txt");
    let listed = lsp.command("lanes.list", json!({})).unwrap();
    let lane = listed["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ticket"] == "A-1")
        .cloned()
        .unwrap();
    assert_eq!(lane["dirty"], 1, "{lane}");
}

#[test]
fn untangle_to_a_hostile_ticket_key_is_invalid_and_moves_nothing() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let a = repo.lane_dir("A-1");
    let edited = crate::support::edited_lines(20, &[2], "mine");
    repo.write(&a, "src/app.txt", &edited);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&a], Value::Null);
    let listed = lsp.command("lanes.untangle", json!({})).unwrap();
    let id = listed["entries"][0]["id"].as_str().unwrap().to_string();
    let error = lsp
        .command("lanes.untangle", json!({"assignment": {id: "../../x"}}))
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "invalid", "{error}");
    assert_eq!(
        std::fs::read_to_string(a.join("src/app.txt")).unwrap(),
        edited
    );
    assert!(!repo.base().join("x").exists());
}
