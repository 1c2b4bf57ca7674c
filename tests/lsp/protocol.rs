//! The JSON shapes clients rely on: the VS Code client's hand-written types cannot name a field
//! the server does not send (a lane's own fields are pinned in `tests/cli/list.rs`).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::TestRepo;

/// The fields of `export interface NAME { … }` in a TypeScript file (top level only).
fn interface_fields(source: &str, name: &str) -> BTreeSet<String> {
    let start = source
        .find(&format!("export interface {name} {{"))
        .unwrap_or_else(|| panic!("interface {name} not found"));
    let body = &source[start..];
    let mut depth = 0;
    let mut fields = BTreeSet::new();
    for line in body.lines() {
        let trimmed = line.trim();
        if depth == 1 && !trimmed.starts_with("/*") && !trimmed.starts_with('*') {
            if let Some((field, _)) = trimmed.split_once(':') {
                fields.insert(field.trim_end_matches('?').to_string());
            }
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth <= 0 && line.contains('}') {
            break;
        }
    }
    fields
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_vscode_lane_type_names_only_fields_the_server_sends() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("PROJ-1")], Value::Null);
    let status = lsp.wait_notification("lanes/status", |_| true);
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/src/format.ts"),
    )
    .unwrap();
    let declared = interface_fields(&source, "Lane");
    assert!(declared.contains("ticket"), "{declared:?}");
    let sent = keys(&status);
    let phantom: Vec<&String> = declared.difference(&sent).collect();
    assert!(
        phantom.is_empty(),
        "declared in format.ts but never sent: {phantom:?}"
    );
}
