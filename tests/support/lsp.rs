//! A small typed LSP client for tests: spawns the real `lanes lsp`, speaks JSON-RPC frames over its
//! stdin/stdout, answers the server's own requests, and checks that stdout carries nothing but
//! well-formed frames.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long to wait for the server before a test fails (never slept: a bound on waiting for an
/// event that should come).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// What the reader thread saw on the server's stdout.
enum Incoming {
    Message(Value),
    /// Bytes that were not an LSP frame: a bug the test must report.
    Garbage(String),
    Closed,
}

/// A running `lanes lsp` and the messages it sent.
pub struct LspClient {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Incoming>,
    /// Notifications and server requests not consumed yet, in arrival order.
    pub seen: VecDeque<Value>,
    next_id: i64,
    /// The button `window/showMessageRequest` dialogs are answered with (None: dismissed).
    pub dialog_choice: Option<String>,
}

/// `file://` URI of a path.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl LspClient {
    /// Spawns the server with the given command (already isolated by the caller).
    pub fn spawn(mut command: Command) -> LspClient {
        let mut child = command
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn lanes lsp");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || read_frames(stdout, tx));
        LspClient {
            child,
            stdin,
            incoming: rx,
            seen: VecDeque::new(),
            next_id: 1,
            dialog_choice: None,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush");
    }

    /// Sends one message as a frame.
    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("json");
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(&body);
        self.send_raw(&frame);
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response: Ok(result) or Err(error object).
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(id)
    }

    /// Waits for the response to request `id`.
    pub fn response(&mut self, id: i64) -> Result<Value, Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let message = self.next_message(deadline, &format!("the response to request {id}"));
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return match message.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
                };
            }
            self.seen.push_back(message);
        }
    }

    /// Waits for the whole response message to a request sent by hand with a string id.
    pub fn response_str(&mut self, id: &str) -> Value {
        self.wait_for(&format!("the response to {id}"), |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    /// Executes a `workspace/executeCommand` with one object argument.
    pub fn command(&mut self, command: &str, argument: Value) -> Result<Value, Value> {
        self.request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": [argument]}),
        )
    }

    /// Runs `lanes.start` for `ticket`, insisting that it is refused after the user was asked, in
    /// a `window/showMessageRequest` dialog, about something that mentions `about`.
    pub fn start_refused_asking(&mut self, ticket: &str, about: &str) {
        let error = self
            .command("lanes.start", json!({ "ticket": ticket }))
            .unwrap_err();
        assert_eq!(error["data"]["kind"], "refused", "{error}");
        assert!(self
            .seen
            .iter()
            .any(|m| m["method"] == "window/showMessageRequest"
                && m["params"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(about)));
    }

    /// Answers the next dialogs with "Run them" and runs `lanes.start` for `ticket`, insisting
    /// that it succeeds.
    pub fn start_approved(&mut self, ticket: &str) {
        self.dialog_choice = Some("Run them".into());
        self.command("lanes.start", json!({ "ticket": ticket }))
            .expect("started once approved");
    }

    /// Takes the first message (already seen or still to come) that satisfies `pred`.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i).expect("present");
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let message = self.next_message(deadline, what);
            if pred(&message) {
                return message;
            }
            self.seen.push_back(message);
        }
    }

    /// Waits for a notification of `method` whose params satisfy `pred`; returns the params.
    pub fn wait_notification(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let message = self.wait_for(method, |m| {
            m.get("method") == Some(&json!(method)) && m.get("id").is_none() && pred(&m["params"])
        });
        message["params"].clone()
    }

    /// Waits for diagnostics of `path` that satisfy `pred`; returns the diagnostics array.
    pub fn wait_diagnostics(&mut self, path: &Path, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = file_uri(path);
        let params = self.wait_notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str()
                && pred(
                    p["diagnostics"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                )
        });
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn next_message(&mut self, deadline: Instant, what: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(Incoming::Message(message)) => {
                // Server-to-client requests get an answer so the server never waits on us.
                if let (Some(id), Some(method)) = (message.get("id"), message.get("method")) {
                    let result = match method.as_str() {
                        Some("window/showDocument") => json!({"success": true}),
                        Some("window/showMessageRequest") => match &self.dialog_choice {
                            Some(title) => json!({"title": title}),
                            None => Value::Null,
                        },
                        _ => Value::Null,
                    };
                    self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
                }
                message
            }
            Ok(Incoming::Garbage(text)) => {
                panic!("the server wrote a non-LSP frame to stdout: {text:?}")
            }
            Ok(Incoming::Closed) => {
                panic!("the server closed stdout while we waited for {what}")
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "no {what} within {PATIENCE:?}; unconsumed messages: {:#?}",
                self.seen
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("server gone while waiting for {what}")
            }
        }
    }

    /// `initialize` + `initialized` with these workspace folders; returns the initialize result.
    pub fn initialize(&mut self, folders: &[&Path], options: Value) -> Value {
        let folders: Vec<Value> = folders
            .iter()
            .map(|f| json!({"uri": file_uri(f), "name": "folder"}))
            .collect();
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "capabilities": {"window": {"workDoneProgress": true, "showDocument": {"support": true}}},
                    "workspaceFolders": folders,
                    "initializationOptions": options,
                }),
            )
            .expect("initialize succeeds");
        self.notify("initialized", json!({}));
        result
    }

    /// `didOpen` of a file with its content on disk.
    pub fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).expect("file to open");
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": file_uri(path), "languageId": "plaintext", "version": 1, "text": text}}),
        );
    }

    /// `didChange` replacing lines [start, end) (0-based) with `text`.
    pub fn change_lines(&mut self, path: &Path, version: i32, start: u32, end: u32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": file_uri(path), "version": version},
                "contentChanges": [{"range": {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}, "text": text}],
            }),
        );
    }

    /// `textDocument/codeAction` on one line of `path` with these diagnostics in its context.
    pub fn code_actions(&mut self, path: &Path, line: u32, diagnostics: Value) -> Vec<Value> {
        let result = self
            .request(
                "textDocument/codeAction",
                json!({
                    "textDocument": {"uri": file_uri(path)},
                    "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 3}},
                    "context": {"diagnostics": diagnostics},
                }),
            )
            .expect("codeAction succeeds");
        result.as_array().cloned().unwrap_or_default()
    }

    /// `shutdown` then `exit`; returns the exit code.
    pub fn shutdown(mut self) -> Option<i32> {
        self.request("shutdown", Value::Null)
            .expect("shutdown succeeds");
        self.exit()
    }

    /// `exit` alone (after `shutdown` or not); returns the exit code.
    pub fn exit(mut self) -> Option<i32> {
        self.notify("exit", Value::Null);
        self.stdin.take();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // Whatever is left on stdout must still be frames.
                while let Ok(incoming) = self.incoming.recv_timeout(PATIENCE) {
                    match incoming {
                        Incoming::Garbage(text) => panic!("non-LSP output at exit: {text:?}"),
                        Incoming::Closed => break,
                        Incoming::Message(_) => {}
                    }
                }
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit after `exit`"
            );
            std::thread::yield_now();
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frames(stdout: impl Read, tx: mpsc::Sender<Incoming>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) => {
                    let _ = tx.send(Incoming::Closed);
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(Incoming::Garbage(format!("unreadable stdout: {e}")));
                    return;
                }
            }
            if line == "\r\n" {
                break;
            }
            match line.split_once(':') {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse::<usize>().ok();
                }
                Some((name, _)) if name.eq_ignore_ascii_case("content-type") => {}
                _ => {
                    let _ = tx.send(Incoming::Garbage(line));
                    return;
                }
            }
        }
        let Some(length) = length else {
            let _ = tx.send(Incoming::Garbage("frame without Content-Length".into()));
            return;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            let _ = tx.send(Incoming::Closed);
            return;
        }
        match serde_json::from_slice(&body) {
            Ok(message) => {
                if tx.send(Incoming::Message(message)).is_err() {
                    return;
                }
            }
            Err(_) => {
                let _ = tx.send(Incoming::Garbage(
                    String::from_utf8_lossy(&body).into_owned(),
                ));
                return;
            }
        }
    }
}
