//! The MCP server's input, line by line and bounded. rmcp drops a line longer than its limit
//! (16 MiB) without a word, so the client would wait for its answer forever. Lines pass through
//! here first: one too long is replaced by a short request the server answers with an error
//! (`lanes/line-too-long`, for the request's own id wherever the line names it: the TypeScript SDK
//! writes it last), and the next line is read as usual. A too-long line is streamed through, never
//! held: only its top-level `id` is kept.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The longest line passed on, its newline included: rmcp's own limit, so it never drops one.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// The method of the stand-in for a line that was too long.
pub const TOO_LONG_METHOD: &str = "lanes/line-too-long";

/// The longest top-level key worth remembering: `id` is all that is looked for.
const KEY_CAP: usize = 8;

/// The longest id taken: any real one is far shorter.
const ID_CAP: usize = 256;

/// Finds the top-level `"id"` of a JSON object fed to it in pieces, wherever it stands, keeping
/// only a few bytes: where it is (in a string, after a backslash, how deep), the top-level string
/// being read (up to [`KEY_CAP`]) and the id's text (up to [`ID_CAP`]). An `id` nested deeper
/// (inside `params`) is not the request's.
#[derive(Default)]
struct IdFinder {
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The top-level string being read, or the last one read (cut past `KEY_CAP`).
    key: Vec<u8>,
    /// The last thing at the top level was the string `"id"`: a `:` makes it a key.
    after_id_key: bool,
    /// The text of the id's value while it is read.
    value: Option<Vec<u8>>,
    /// The id, once read (the first `id` counts).
    id: Option<serde_json::Value>,
    /// An `id` key was met (its value read or being read).
    seen: bool,
}

impl IdFinder {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.step(b);
        }
    }

    fn step(&mut self, b: u8) {
        if let Some(value) = &mut self.value {
            let ends = !self.in_string && self.depth == 1 && matches!(b, b',' | b'}');
            if ends {
                self.settle();
            } else if value.len() <= ID_CAP {
                value.push(b);
            }
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                if self.depth == 1 && self.value.is_none() {
                    self.after_id_key = self.key == b"id";
                }
                return;
            }
            if self.depth == 1 && self.value.is_none() && self.key.len() <= KEY_CAP {
                self.key.push(b);
            }
            return;
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.key.clear();
            }
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            b':' if self.depth == 1 && self.after_id_key && !self.seen => {
                self.seen = true;
                self.value = Some(Vec::new());
            }
            b' ' | b'\t' | b'\r' | b'\n' => return,
            _ => {}
        }
        self.after_id_key = false;
    }

    /// Ends the id's value being read: kept when it is a number or a string, as JSON-RPC allows.
    fn settle(&mut self) {
        if let Some(text) = self.value.take() {
            if text.len() <= ID_CAP {
                self.id = match serde_json::from_slice(&text) {
                    Ok(id @ (serde_json::Value::Number(_) | serde_json::Value::String(_))) => {
                        Some(id)
                    }
                    _ => None,
                };
            }
        }
    }

    /// The id found in all that was fed.
    fn finish(mut self) -> Option<serde_json::Value> {
        self.settle();
        self.id
    }
}

/// Copies `input` to `output` line by line until `input` ends, replacing each line longer than
/// `max` bytes (newline included) by a stand-in request (see the module).
pub async fn pump<R, W>(input: R, mut output: W, max: usize) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut line: Vec<u8> = Vec::new();
    // Once a line is too long: what its id is so far, and its length so far.
    let mut too_long: Option<(IdFinder, usize)> = None;
    loop {
        let buf = input.fill_buf().await?;
        if buf.is_empty() {
            // The end: a last line without a newline goes on as it is (rmcp decides).
            if too_long.is_none() && !line.is_empty() {
                output.write_all(&line).await?;
            }
            output.shutdown().await?;
            return Ok(());
        }
        let newline = buf.iter().position(|&b| b == b'\n');
        let chunk = &buf[..newline.unwrap_or(buf.len())];
        let used = chunk.len() + usize::from(newline.is_some());
        match &mut too_long {
            Some((finder, length)) => {
                finder.feed(chunk);
                *length += chunk.len();
            }
            None if line.len() + chunk.len() + 1 > max => {
                let length = line.len() + chunk.len();
                let mut finder = IdFinder::default();
                // Read, then let go: the rest of the line is only ever streamed through.
                finder.feed(&std::mem::take(&mut line));
                finder.feed(chunk);
                too_long = Some((finder, length));
            }
            None => line.extend_from_slice(chunk),
        }
        input.consume(used);
        if newline.is_some() {
            match too_long.take() {
                Some((finder, length)) => {
                    output
                        .write_all(&stand_in(finder.finish(), length, max))
                        .await?;
                }
                None => {
                    line.push(b'\n');
                    output.write_all(&line).await?;
                    line.clear();
                }
            }
            output.flush().await?;
        }
    }
}

/// The line standing in for one of `length` bytes: a request to [`TOO_LONG_METHOD`] under the
/// original id when the line names one, else a well-formed message that is no request (rmcp
/// answers it "Invalid request", id null).
fn stand_in(id: Option<serde_json::Value>, length: usize, max: usize) -> Vec<u8> {
    let params = serde_json::json!({ "bytes": length, "limit": max });
    let message = match id {
        Some(id) => serde_json::json!({
            "jsonrpc": "2.0", "id": id, "method": TOO_LONG_METHOD, "params": params
        }),
        None => serde_json::json!({ "lanes": TOO_LONG_METHOD, "params": params }),
    };
    let mut out = message.to_string().into_bytes();
    out.push(b'\n');
    out
}

/// The top-level `"id"` of the JSON object `text`: a number or a string, as JSON-RPC allows.
#[cfg(test)]
fn request_id(text: &[u8]) -> Option<serde_json::Value> {
    let mut finder = IdFinder::default();
    finder.feed(text);
    finder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn through(input: &[u8], max: usize) -> String {
        let mut out = Vec::new();
        pump(input, &mut out, max).await.unwrap();
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn short_lines_pass_unchanged_and_a_long_one_is_replaced_under_its_id() {
        let long = format!(
            "{{\"id\": \"a\\\"b\", \"method\": \"x\", \"p\": \"{}\"}}",
            "y".repeat(100)
        );
        let input = format!("{{\"id\":1}}\n{long}\n{{\"id\":2}}\n");
        let out = through(input.as_bytes(), 50).await;
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "{\"id\":1}");
        let stand_in: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(stand_in["id"], "a\"b");
        assert_eq!(stand_in["method"], TOO_LONG_METHOD);
        assert_eq!(lines[2], "{\"id\":2}");
    }

    /// A line of about 100 KiB (past the 64 KiB an id was once looked for in), with `id` (when given) before or after its params.
    fn long_request(id_first: Option<bool>) -> String {
        let params = format!(r#"{{"id":5,"pad":"{}"}}"#, "y".repeat(100 * 1024));
        match id_first {
            Some(true) => format!(r#"{{"id":"a\"b","method":"x","params":{params}}}"#),
            Some(false) => format!(r#"{{"method":"x","params":{params},"jsonrpc":"2.0","id":42}}"#),
            None => format!(r#"{{"method":"x","params":{params},"jsonrpc":"2.0"}}"#),
        }
    }

    async fn stand_in_for(line: &str) -> serde_json::Value {
        let out = through(format!("{line}\n").as_bytes(), 1024).await;
        serde_json::from_str(out.trim_end()).unwrap()
    }

    #[tokio::test]
    async fn a_long_line_naming_its_id_first_is_replaced_under_that_id() {
        assert_eq!(stand_in_for(&long_request(Some(true))).await["id"], "a\"b");
    }

    #[tokio::test]
    async fn a_long_line_naming_its_id_last_is_replaced_under_that_id() {
        assert_eq!(stand_in_for(&long_request(Some(false))).await["id"], 42);
    }

    #[tokio::test]
    async fn a_long_line_with_an_id_only_inside_its_params_is_replaced_without_one() {
        let stand_in = stand_in_for(&long_request(None)).await;
        assert_eq!(stand_in.get("id"), None, "{stand_in}");
        assert_eq!(stand_in["lanes"], TOO_LONG_METHOD);
    }

    #[test]
    fn an_id_inside_params_is_not_the_requests() {
        assert_eq!(request_id(br#"{"params":{"id":5},"jsonrpc":"2.0""#), None);
        assert_eq!(request_id(br#"{"jsonrpc":"2.0","id":12,"#), Some(12.into()));
    }
}
