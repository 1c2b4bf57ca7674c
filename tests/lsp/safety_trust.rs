//! What a workspace must not choose through the editor: settings an editor sends the server
//! (`initializationOptions`, `workspace/didChangeConfiguration`) can come from a cloned
//! repository's `.vscode/settings.json`, so their commands and lane paths are approved like a
//! repository's `lanes.toml`; and the VS Code extension does not take programs from a workspace.

use serde_json::{json, Value};

use crate::support::TestRepo;

#[test]
fn setup_commands_sent_as_editor_settings_run_only_once_the_user_approves_them() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], json!({"lanes": {"setup": ["touch ran"]}}));
    lsp.start_refused_asking("E-1", "touch ran");
    assert_eq!(repo.snapshot(), before);
    assert!(!repo.lane_dir("E-1").exists());

    lsp.start_approved("E-1");
    assert!(repo.lane_dir("E-1").join("ran").exists());
}

#[test]
fn a_setup_command_with_a_control_character_sent_as_editor_settings_is_refused_even_when_approved()
{
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.dialog_choice = Some("Run them".into());
    lsp.initialize(
        &[&repo.dir],
        json!({"lanes": {"setup": ["true \u{1b}]; touch ran #\u{7}"]}}),
    );
    let error = lsp
        .command("lanes.start", json!({"ticket": "E-4", "repo": repo.dir}))
        .unwrap_err();
    assert!(error.to_string().contains("`setup`"), "{error}");
    assert!(!repo.lane_dir("E-4").exists());
}

#[test]
fn setup_commands_arriving_in_a_configuration_change_need_approval_too() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"lanes": {"setup": ["touch ran"]}}}),
    );
    let error = lsp
        .command("lanes.start", json!({"ticket": "E-2"}))
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "refused", "{error}");
    assert!(!repo.lane_dir("E-2").exists());
}

#[test]
fn a_lane_path_outside_the_checkouts_directory_sent_as_editor_settings_is_refused() {
    let repo = TestRepo::new();
    let nest = repo.base().join("nest");
    std::fs::create_dir(&nest).unwrap();
    let dir = nest.join("project");
    std::fs::rename(&repo.dir, &dir).unwrap();
    let repo = TestRepo { dir, ..repo };
    let outside = repo.base().join("elsewhere");
    let before = repo.snapshot();
    let mut lsp = repo.lsp();
    lsp.initialize(
        &[&repo.dir],
        json!({"lanes": {"path": format!("{}/{{ticket}}", outside.display())}}),
    );
    let error = lsp
        .command("lanes.start", json!({"ticket": "E-3"}))
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "refused", "{error}");
    assert_eq!(repo.snapshot(), before);
    assert!(!outside.exists());
}

/// The VS Code extension's manifest.
fn vscode_manifest() -> Value {
    let manifest =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/package.json");
    serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap()
}

/// Settings that run a program or name one: a workspace must not set them.
const PROGRAM_SETTINGS: [&str; 3] = ["lanes.server.path", "lanes.setup", "lanes.agent.command"];

/// `application`: set in user settings only, never by a workspace or folder (`machine` would do
/// too on a desktop, but code-server then hides them from the User settings).
#[test]
fn vscode_settings_that_run_programs_are_user_settings_only() {
    let package = vscode_manifest();
    let properties = &package["contributes"]["configuration"]["properties"];
    for key in PROGRAM_SETTINGS {
        assert_eq!(properties[key]["scope"], "application", "{key}");
    }
}

#[test]
fn vscode_restricts_those_settings_and_lane_paths_in_untrusted_workspaces() {
    let package = vscode_manifest();
    let untrusted = &package["capabilities"]["untrustedWorkspaces"];
    assert_eq!(untrusted["supported"], "limited", "{untrusted}");
    let restricted: Vec<&str> = untrusted["restrictedConfigurations"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for key in PROGRAM_SETTINGS.iter().chain(&["lanes.path"]) {
        assert!(
            restricted.contains(key),
            "{key} not restricted: {untrusted}"
        );
    }
}
