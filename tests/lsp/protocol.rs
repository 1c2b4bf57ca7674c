//! What the real server sends matches the wire schema (`lanes::protocol::schema`, from which the
//! VS Code client's types are generated): every field it sends is declared, every required field
//! is there, nested shapes included.

use serde_json::Value;

use crate::support::TestRepo;

/// Differences between `value` and the schema `shape` (a `$ref`, an object, an array, a union).
fn mismatches(defs: &Value, shape: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(name) = shape["$ref"].as_str() {
        let name = name.trim_start_matches("#/$defs/");
        return mismatches(defs, &defs[name], value, at, out);
    }
    if let Some(options) = shape["anyOf"].as_array().or(shape["oneOf"].as_array()) {
        let fits = options.iter().any(|option| {
            let mut found = Vec::new();
            mismatches(defs, option, value, at, &mut found);
            found.is_empty()
        });
        if !fits {
            out.push(format!("{at}: {value} fits none of {options:?}"));
        }
        return;
    }
    let types: Vec<&str> = match &shape["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if value.is_null() {
        if !types.is_empty() && !types.contains(&"null") {
            out.push(format!("{at}: null where {types:?} is expected"));
        }
        return;
    }
    if let Some(fields) = shape["properties"].as_object() {
        let Some(object) = value.as_object() else {
            out.push(format!("{at}: {value} is not an object"));
            return;
        };
        for key in object.keys().filter(|k| !fields.contains_key(*k)) {
            out.push(format!("{at}.{key}: sent but not in the schema"));
        }
        for required in shape["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                out.push(format!("{at}.{key}: required but not sent"));
            }
        }
        for (key, field) in fields {
            if let Some(v) = object.get(key) {
                mismatches(defs, field, v, &format!("{at}.{key}"), out);
            }
        }
    } else if let (Some(items), Some(array)) = (shape.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            mismatches(defs, items, item, &format!("{at}[{i}]"), out);
        }
    }
}

fn assert_fits(shape: &str, value: &Value) {
    let schema = lanes::protocol::schema();
    let defs = &schema["$defs"];
    assert!(defs.get(shape).is_some(), "no shape {shape} in the schema");
    let mut out = Vec::new();
    mismatches(defs, &defs[shape], value, shape, &mut out);
    assert!(out.is_empty(), "{out:#?}\nsent: {value:#}");
}

#[test]
fn the_status_notification_is_a_lane_status() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "PROJ-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.lane_dir("PROJ-1")], Value::Null);
    let status = lsp.wait_notification("lanes/status", |_| true);
    assert_eq!(status["ticket"], "PROJ-1");
    assert_fits("LaneStatus", &status);
}

#[test]
fn command_results_are_the_shapes_the_schema_names() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let started = lsp
        .command("lanes.start", serde_json::json!({ "ticket": "PROJ-2" }))
        .unwrap();
    assert_fits("Started", &started);
    let list = lsp.command("lanes.list", serde_json::json!({})).unwrap();
    assert_eq!(list["lanes"].as_array().map(Vec::len), Some(2));
    assert_fits("LaneList", &list);
    let removed = lsp
        .command("lanes.remove", serde_json::json!({ "ticket": "PROJ-2" }))
        .unwrap();
    assert_fits("Removed", &removed);
}

#[test]
fn an_error_carries_its_kind_exit_code_and_hints_as_error_data() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let error = lsp
        .command("lanes.remove", serde_json::json!({ "ticket": "NOPE-1" }))
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "no-such-lane");
    assert_fits("ErrorData", &error["data"]);
}

#[test]
fn the_schema_check_notices_a_field_the_schema_does_not_declare() {
    let schema = lanes::protocol::schema();
    let mut out = Vec::new();
    let value = serde_json::json!({ "repo": "a", "path": "/x", "surprise": 1 });
    mismatches(
        &schema["$defs"],
        &schema["$defs"]["LaneElsewhere"],
        &value,
        "LaneElsewhere",
        &mut out,
    );
    assert_eq!(out, ["LaneElsewhere.surprise: sent but not in the schema"]);
}

#[test]
fn a_directory_in_the_way_is_a_conflict_not_a_failure() {
    let repo = TestRepo::new();
    let taken = repo.lane_dir("PROJ-3");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let error = lsp
        .command("lanes.start", serde_json::json!({ "ticket": "PROJ-3" }))
        .unwrap_err();
    assert_eq!(error["data"]["kind"], "conflict", "{error}");
    assert_eq!(error["data"]["exitCode"], 1);
    assert_eq!(
        std::fs::read_to_string(taken.join("notes.txt")).unwrap(),
        "mine"
    );
}
