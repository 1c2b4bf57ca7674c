//! The MCP server's input, line by line and bounded. rmcp drops a line longer than its limit
//! (16 MiB) without a word, so the client would wait for its answer forever. Lines pass through
//! here first: one too long is replaced by a short request the server answers with an error
//! (`lanes/line-too-long`, for the request's own id when its start names one), and the next
//! line is read as usual.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The longest line passed on, its newline included: rmcp's own limit, so it never drops one.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// The method of the stand-in for a line that was too long.
pub const TOO_LONG_METHOD: &str = "lanes/line-too-long";

/// How much of a too-long line is kept to find its id in.
const HEAD: usize = 64 * 1024;

/// Copies `input` to `output` line by line until `input` ends, replacing each line longer than
/// `max` bytes (newline included) by a stand-in request (see the module).
pub async fn pump<R, W>(input: R, mut output: W, max: usize) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut line: Vec<u8> = Vec::new();
    // Once a line is too long: its first bytes and its length so far.
    let mut too_long: Option<(Vec<u8>, usize)> = None;
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
            Some((head, length)) => {
                let room = HEAD.saturating_sub(head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..room]);
                *length += chunk.len();
            }
            None if line.len() + chunk.len() + 1 > max => {
                let length = line.len() + chunk.len();
                let mut head = std::mem::take(&mut line);
                head.truncate(HEAD);
                let room = HEAD.saturating_sub(head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..room]);
                too_long = Some((head, length));
            }
            None => line.extend_from_slice(chunk),
        }
        input.consume(used);
        if newline.is_some() {
            match too_long.take() {
                Some((head, length)) => {
                    output.write_all(&stand_in(&head, length, max)).await?;
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

/// The line standing in for one of `length` bytes starting with `head`: a request to
/// [`TOO_LONG_METHOD`] under the original id when its start names one, else a well-formed
/// message that is no request (rmcp answers it "Invalid request", id null).
fn stand_in(head: &[u8], length: usize, max: usize) -> Vec<u8> {
    let params = serde_json::json!({ "bytes": length, "limit": max });
    let message = match request_id(head) {
        Some(id) => serde_json::json!({
            "jsonrpc": "2.0", "id": id, "method": TOO_LONG_METHOD, "params": params
        }),
        None => serde_json::json!({ "lanes": TOO_LONG_METHOD, "params": params }),
    };
    let mut out = message.to_string().into_bytes();
    out.push(b'\n');
    out
}

/// The top-level `"id"` of a JSON object whose text starts with `head` (perhaps cut off), when it
/// comes before the cut: a number or a string, as JSON-RPC allows.
fn request_id(head: &[u8]) -> Option<serde_json::Value> {
    let text = String::from_utf8_lossy(head);
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                let end = string_end(bytes, at)?;
                if depth == 1 && &text[at..=end] == "\"id\"" {
                    let rest = text[end + 1..].trim_start();
                    let value = rest.strip_prefix(':')?.trim_start();
                    return first_value(value);
                }
                at = end;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    None
}

/// The index of the quote closing the string that opens at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some(at),
            _ => at += 1,
        }
    }
    None
}

/// The number or string `text` starts with.
fn first_value(text: &str) -> Option<serde_json::Value> {
    let end = if text.starts_with('"') {
        string_end(text.as_bytes(), 0)? + 1
    } else {
        text.find([',', '}', ' ', '\n', '\r', '\t'])?
    };
    match serde_json::from_str(&text[..end]).ok()? {
        id @ (serde_json::Value::Number(_) | serde_json::Value::String(_)) => Some(id),
        _ => None,
    }
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

    #[test]
    fn an_id_inside_params_is_not_the_requests() {
        assert_eq!(request_id(br#"{"params":{"id":5},"jsonrpc":"2.0""#), None);
        assert_eq!(request_id(br#"{"jsonrpc":"2.0","id":12,"#), Some(12.into()));
    }
}
