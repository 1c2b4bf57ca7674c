//! Malformed and hostile input: the server answers or ignores, and keeps serving.

use serde_json::{json, Value};

use crate::support::TestRepo;

#[test]
fn malformed_frames_and_unknown_methods_do_not_stop_the_server() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    lsp.send_raw(b"Content-Length: 9\r\n\r\n{\"a\": 1,}");
    lsp.send_raw(b"Content-Length: 2\r\n\r\n[]");
    lsp.send(&json!({"jsonrpc": "2.0", "id": "x", "method": "lanes/unknown", "params": {}}));
    let unknown = lsp.response_str("x");
    assert_eq!(unknown["error"]["code"], -32601);
    lsp.send(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"bogus": true}}),
    );
    lsp.send(&json!({"jsonrpc": "2.0", "method": "$/unknownNotification", "params": null}));
    assert!(lsp.command("lanes.list", json!({})).is_ok());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn an_object_that_is_not_json_rpc_does_not_stop_the_server() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    lsp.send_raw(b"Content-Length: 2\r\n\r\n{}");
    lsp.send_raw(b"Content-Length: 22\r\n\r\n{\"id\":41,\"method\":\"x\"}");
    assert_eq!(lsp.response(41).unwrap_err()["code"], -32600);
    assert!(lsp.command("lanes.list", json!({})).is_ok());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn a_frame_whose_length_counts_characters_not_bytes_does_not_deafen_the_server() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let body = r#"{"jsonrpc":"2.0","method":"$/note","params":{"text":"café, naïve"}}"#;
    let wrong = format!(
        "Content-Length: {}\r\nX-Unknown: 1\r\n\r\n{body}",
        body.chars().count()
    );
    lsp.send_raw(wrong.as_bytes());
    let too_long = r#"{"jsonrpc":"2.0","method":"$/note"}"#;
    lsp.send_raw(format!("Content-Length: {}\r\n\r\n{too_long}", too_long.len() + 7).as_bytes());
    for _ in 0..3 {
        assert!(lsp.command("lanes.list", json!({})).is_ok());
    }
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn exit_without_shutdown_exits_with_code_1() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    assert_eq!(lsp.exit(), Some(1));
}

#[test]
fn documents_outside_the_workspace_or_not_files_are_ignored() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    for uri in [
        "untitled:Untitled-1",
        "file:///etc/hostname",
        "https://example.com/x.rs",
        "file:///nonexistent/%FF%FE.rs",
    ] {
        lsp.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "x", "version": 1, "text": "x"}}),
        );
        lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": {"start": {"line": 999, "character": 999}, "end": {"line": 0, "character": 0}}, "text": "y"}]}),
        );
    }
    let huge = "x".repeat(5 << 20);
    let path = repo.dir.join("huge.txt");
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": crate::support::lsp::file_uri(&path), "languageId": "x", "version": 1, "text": huge}}),
    );
    assert!(lsp.command("lanes.list", json!({})).is_ok());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn settings_with_unknown_keys_or_wrong_types_are_ignored_with_a_log_line() {
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], json!({"branch": 7, "nonsense": true}));
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"lanes": {"branch": "lane/{ticket}", "extra": 1}}}),
    );
    let started = lsp
        .command("lanes.start", json!({"ticket": "S-1"}))
        .unwrap();
    assert_eq!(started["lane"]["branch"], "lane/S-1");
}

/// A deterministic stream of pseudo-random numbers (xorshift), so a failure replays.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.next() % if depth > 2 { 5 } else { 7 } {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(3)),
            2 => json!((self.next() % 2000) as i64 - 1000),
            3 => json!(
                [
                    "file:///",
                    "../../x",
                    "PROJ-1",
                    "",
                    "\u{0}",
                    "😀",
                    "untitled:x"
                ][(self.next() % 7) as usize]
            ),
            4 => json!(format!("file:///tmp/{}", self.next())),
            5 => Value::Array(
                (0..self.next() % 4)
                    .map(|_| self.value(depth + 1))
                    .collect(),
            ),
            _ => {
                let keys = [
                    "uri",
                    "ticket",
                    "textDocument",
                    "range",
                    "start",
                    "line",
                    "character",
                    "version",
                    "contentChanges",
                    "text",
                    "command",
                    "arguments",
                    "force",
                ];
                let mut map = serde_json::Map::new();
                for _ in 0..self.next() % 5 {
                    map.insert(
                        keys[(self.next() % keys.len() as u64) as usize].into(),
                        self.value(depth + 1),
                    );
                }
                Value::Object(map)
            }
        }
    }
}

#[test]
fn random_params_to_every_method_never_stop_the_server() {
    let repo = TestRepo::new();
    repo.lanes_ok(&["start", "A-1"]);
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    let methods = [
        "textDocument/didOpen",
        "textDocument/didChange",
        "textDocument/didSave",
        "textDocument/didClose",
        "textDocument/codeAction",
        "workspace/executeCommand",
        "workspace/didChangeConfiguration",
        "workspace/didChangeWatchedFiles",
        "workspace/didChangeWorkspaceFolders",
        "lanes/status",
        "$/cancelRequest",
    ];
    let mut noise = Noise(0x2545_f491_4f6c_dd1d);
    for i in 0..300 {
        let method = methods[(noise.next() % methods.len() as u64) as usize];
        let params = noise.value(0);
        if noise.next().is_multiple_of(2) {
            lsp.send(&json!({"jsonrpc": "2.0", "id": format!("fuzz-{i}"), "method": method, "params": params}));
        } else {
            lsp.notify(method, params);
        }
    }
    assert!(lsp.command("lanes.list", json!({})).is_ok());
    assert_eq!(
        repo.worktree_count(),
        2,
        "random commands created or removed nothing"
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

/// Garbage a broken or hostile client might send before a valid request: random bytes, or a
/// frame whose Content-Length is off by up to 20 bytes either way (counted in characters, cut,
/// padded).
fn garbage() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..120),
        (proptest::collection::vec(any::<u8>(), 0..60), -20i64..20,).prop_map(|(body, off)| {
            let length = (body.len() as i64 + off).max(0);
            let mut out = format!("Content-Length: {length}\r\n\r\n").into_bytes();
            out.extend(body);
            out
        }),
    ]
}

#[test]
fn the_real_server_answers_a_valid_request_after_any_garbage() {
    use proptest::test_runner::{Config, TestRunner};
    let repo = TestRepo::new();
    let mut lsp = repo.lsp();
    lsp.initialize(&[&repo.dir], Value::Null);
    // One server for every case: garbage must never leave it deaf for what follows.
    let lsp = std::cell::RefCell::new(lsp);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(&garbage(), |junk| {
            let mut lsp = lsp.borrow_mut();
            lsp.send_raw(&junk);
            // A frame the garbage may swallow, then the request that must be answered.
            lsp.notify("$/lanes/padding", json!({"pad": "x".repeat(40)}));
            // `request` fails the test when no answer comes: a deaf server.
            let answered = lsp.request("lanes/status", Value::Null);
            proptest::prop_assert!(answered.is_ok(), "lanes/status failed: {answered:?}");
            Ok(())
        })
        .unwrap();
    let lsp = lsp.into_inner();
    assert_eq!(lsp.shutdown(), Some(0));
}
