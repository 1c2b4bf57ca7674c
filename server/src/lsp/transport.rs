//! A guard in front of the LSP transport. tower-lsp-server stops reading for good after the first
//! frame it cannot decode (tokio-util's framed streams end after an error), so one malformed
//! message would end the session. Frames are checked here first, on a plain thread reading stdin,
//! and only well-formed JSON-RPC messages reach the server:
//!
//! - headers other than `Content-Length` are ignored; bytes before a `Content-Length:` header
//!   (what is left of a frame whose length was wrong) are skipped, so the stream resynchronises
//!   on the next header instead of staying deaf;
//! - a body that is not valid JSON is cut at the next `Content-Length:` header it swallowed (a
//!   length counted too long), or completed from the bytes already received (a length counted in
//!   characters, not bytes) — else dropped with a log line;
//! - a JSON object that is not a JSON-RPC message is dropped, or, when it carries a request id,
//!   turned into a `lanes/invalidRequest` call that the server answers with `InvalidRequest`.

use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::Value;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

/// Largest frame accepted (documents of a few MiB are normal; this only stops a runaway length).
const MAX_FRAME: usize = 256 << 20;
/// Longest header block considered before the bytes are dropped as garbage.
const MAX_HEADER: usize = 8 << 10;
/// The method a malformed request with an id is turned into.
pub const INVALID_REQUEST_METHOD: &str = "lanes/invalidRequest";

/// Standard input with malformed frames removed.
pub fn checked_stdin() -> FrameReader {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        forward_frames(stdin.lock(), |frame| tx.blocking_send(frame).is_ok());
    });
    FrameReader {
        rx,
        pending: Vec::new(),
        pos: 0,
    }
}

/// Reads frames from `input` and passes each well-formed one (re-framed) to `emit`, which returns
/// false to stop; returns at the end of the input.
pub fn forward_frames(input: impl Read, mut emit: impl FnMut(Vec<u8>) -> bool) {
    let mut framer = Framer {
        input,
        buf: Vec::new(),
    };
    while let Some(body) = framer.next_body() {
        let Some(message) = checked_message(&body) else {
            continue;
        };
        let mut frame = format!("Content-Length: {}\r\n\r\n", message.len()).into_bytes();
        frame.extend_from_slice(&message);
        if !emit(frame) {
            return;
        }
    }
}

/// Splits a byte stream into message bodies, resynchronising after broken frames.
struct Framer<R> {
    input: R,
    buf: Vec<u8>,
}

impl<R: Read> Framer<R> {
    /// Reads more input; false at the end (or on a read error).
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 64 << 10];
        loop {
            match self.input.read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    tracing::warn!("stdin failed: {e}");
                    return false;
                }
            }
        }
    }

    /// The next body that looks like JSON (None at the end of the input).
    fn next_body(&mut self) -> Option<Vec<u8>> {
        loop {
            let Some((header_end, body_start)) = find_header_end(&self.buf) else {
                if self.buf.len() > MAX_HEADER {
                    tracing::warn!(
                        "dropping {} bytes that are not an LSP header",
                        self.buf.len()
                    );
                    let keep = find_ci(&self.buf, b"content-length:").unwrap_or(self.buf.len());
                    let keep = if keep == 0 { self.buf.len() } else { keep };
                    self.buf.drain(..keep);
                }
                if !self.fill() {
                    return None;
                }
                continue;
            };
            let header = self.buf[..header_end].to_vec();
            let Some(length) = content_length(&header) else {
                tracing::warn!("dropping an LSP message with a missing or invalid Content-Length");
                self.buf.drain(..body_start);
                continue;
            };
            if length > MAX_FRAME {
                tracing::warn!("dropping an LSP message of {length} bytes (over {MAX_FRAME})");
                self.buf.drain(..body_start);
                let mut left = length;
                while left > 0 {
                    if self.buf.is_empty() && !self.fill() {
                        return None;
                    }
                    let n = left.min(self.buf.len());
                    self.buf.drain(..n);
                    left -= n;
                }
                continue;
            }
            while self.buf.len() < body_start + length {
                if !self.fill() {
                    return None;
                }
            }
            let body = &self.buf[body_start..body_start + length];
            if serde_json::from_slice::<Value>(body).is_ok() {
                let body = body.to_vec();
                self.buf.drain(..body_start + length);
                return Some(body);
            }
            // The length was counted too long: the body swallowed the next frame's header.
            if let Some(next) = find_ci(body, b"content-length:").filter(|k| *k > 0) {
                let candidate = body[..next].to_vec();
                self.buf.drain(..body_start + next);
                if serde_json::from_slice::<Value>(&candidate).is_ok() {
                    return Some(candidate);
                }
                tracing::warn!("dropping an LSP message that is not valid JSON");
                continue;
            }
            // The length was counted too short (characters, not bytes): the rest of the value is
            // most likely already here.
            let rest = &self.buf[body_start..];
            let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
            if let Some(Ok(_)) = values.next() {
                let end = values.byte_offset();
                let body = rest[..end].to_vec();
                self.buf.drain(..body_start + end);
                return Some(body);
            }
            tracing::warn!("dropping an LSP message that is not valid JSON");
            self.buf.drain(..body_start + length);
        }
    }
}

/// (end of the header lines, start of the body) of the first header block in `buf`.
fn find_header_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    let lf = buf
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The value of the last `Content-Length:` header in a header block (anything before it, such as
/// the tail of a broken frame, is ignored; so are other headers).
fn content_length(header: &[u8]) -> Option<usize> {
    let at = rfind_ci(header, b"content-length:")?;
    let value = &header[at + b"content-length:".len()..];
    let line_end = value
        .iter()
        .position(|b| *b == b'\r' || *b == b'\n')
        .unwrap_or(value.len());
    std::str::from_utf8(&value[..line_end])
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn rfind_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// The message to pass on for a JSON body: itself when it is a JSON-RPC request, notification or
/// response; a `lanes/invalidRequest` call for a malformed request that has an id; else nothing.
fn checked_message(body: &[u8]) -> Option<Vec<u8>> {
    use tower_lsp_server::jsonrpc::{Request, Response};
    let value: Value = serde_json::from_slice(body).ok()?;
    let Value::Object(object) = &value else {
        tracing::warn!("dropping an LSP message that is not a JSON object");
        return None;
    };
    let is_request = object.get("method").is_some_and(Value::is_string)
        && serde_json::from_value::<Request>(value.clone()).is_ok();
    let is_response =
        !object.contains_key("method") && serde_json::from_value::<Response>(value.clone()).is_ok();
    if is_request || is_response {
        return Some(body.to_vec());
    }
    match object.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) if object.contains_key("method") => {
            tracing::warn!("answering a malformed JSON-RPC request with InvalidRequest");
            let call = serde_json::json!({
                "jsonrpc": "2.0",
                "id": id,
                "method": INVALID_REQUEST_METHOD,
                "params": {},
            });
            serde_json::to_vec(&call).ok()
        }
        _ => {
            tracing::warn!("dropping a JSON object that is not a JSON-RPC message");
            None
        }
    }
}

/// The checked frames as a byte stream for the server.
pub struct FrameReader {
    rx: mpsc::Receiver<Vec<u8>>,
    pending: Vec<u8>,
    pos: usize,
}

impl AsyncRead for FrameReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.pos >= this.pending.len() {
            match this.rx.poll_recv(cx) {
                Poll::Ready(Some(frame)) => {
                    this.pending = frame;
                    this.pos = 0;
                }
                // End of input.
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = buf.remaining().min(this.pending.len() - this.pos);
        buf.put_slice(&this.pending[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filtered(input: &[u8]) -> Vec<u8> {
        let input = std::io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        forward_frames(input, |frame| {
            out.extend(frame);
            true
        });
        out
    }

    #[test]
    fn well_formed_frames_pass_unchanged() {
        let a = b"{\"jsonrpc\":\"2.0\",\"method\":\"a\"}";
        let b = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}";
        let input = [frame(a), frame(b)].concat();
        assert_eq!(filtered(&input), input);
    }

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    const GOOD: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"shutdown\"}";

    #[test]
    fn malformed_frames_are_dropped_and_the_next_one_still_passes() {
        let mut input = b"Content-Length: 9\r\n\r\n{\"a\": 1,}Content-Length: 2\r\n\r\n[]Bogus: x\r\n\r\n\xff\xfe\r\n\r\nContent-Length: nope\r\n\r\nContent-Length: 2\r\n\r\n{}".to_vec();
        input.extend(frame(GOOD));
        assert_eq!(filtered(&input), frame(GOOD));
    }

    #[test]
    fn a_length_counted_in_characters_not_bytes_still_gets_through() {
        let body = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"t\":\"é\"}}";
        let mut input =
            format!("Content-Length: {}\r\n\r\n{body}", body.chars().count()).into_bytes();
        input.extend(frame(GOOD));
        assert_eq!(
            filtered(&input),
            [frame(body.as_bytes()), frame(GOOD)].concat()
        );
    }

    #[test]
    fn a_length_counted_too_long_loses_no_later_message() {
        let first = b"{\"jsonrpc\":\"2.0\",\"method\":\"x\"}";
        let mut input = format!("Content-Length: {}\r\n\r\n", first.len() + 10).into_bytes();
        input.extend_from_slice(first);
        input.extend(frame(GOOD));
        input.extend(frame(GOOD));
        assert_eq!(
            filtered(&input),
            [frame(first), frame(GOOD), frame(GOOD)].concat()
        );
    }

    #[test]
    fn unknown_headers_are_ignored() {
        let mut input = b"X-Whatever: 1\r\nContent-Length: ".to_vec();
        input.extend(
            format!(
                "{}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
                GOOD.len()
            )
            .as_bytes(),
        );
        input.extend_from_slice(GOOD);
        assert_eq!(filtered(&input), frame(GOOD));
    }

    #[test]
    fn an_object_that_is_not_json_rpc_is_dropped_or_answered_when_it_has_an_id() {
        let input = [
            frame(b"{}"),
            frame(b"{\"id\":3,\"method\":\"initialize\"}"),
            frame(GOOD),
        ]
        .concat();
        let out = String::from_utf8(filtered(&input)).unwrap();
        assert!(out.contains(INVALID_REQUEST_METHOD), "{out}");
        assert!(out.contains("\"id\":3"), "{out}");
        assert!(out.ends_with(std::str::from_utf8(GOOD).unwrap()), "{out}");
        assert_eq!(out.matches("Content-Length").count(), 2, "{out}");
    }

    #[test]
    fn a_truncated_frame_ends_the_stream_quietly() {
        assert!(filtered(b"Content-Length: 50\r\n\r\n{\"a\"").is_empty());
    }

    /// Garbage a broken or hostile client might send: random bytes, or frames whose length is off.
    fn garbage() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            (
                proptest::collection::vec(any::<u8>(), 0..60),
                -20i64..20,
                proptest::bool::ANY
            )
                .prop_map(|(body, off, unicode)| {
                    let mut body = body;
                    if unicode {
                        body = format!("{{\"t\":\"{}\"}}", "é".repeat(body.len() % 7)).into_bytes();
                    }
                    let length = (body.len() as i64 + off).max(0);
                    let mut out = format!("Content-Length: {length}\r\n\r\n").into_bytes();
                    out.extend(body);
                    out
                }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn after_any_garbage_the_next_valid_requests_get_through(junk in garbage()) {
            let tail = [frame(GOOD), frame(GOOD), frame(GOOD)].concat();
            let mut input = junk.clone();
            input.extend_from_slice(&tail);
            let out = filtered(&input);
            // The garbage may swallow at most the first trailing frame, never the last.
            proptest::prop_assert!(out.ends_with(&frame(GOOD)), "{:?}", String::from_utf8_lossy(&junk));
        }
    }

    #[test]
    fn random_bytes_never_panic_and_never_leak_through() {
        // A deterministic fuzz: frames cut, spliced and flipped at random.
        let good = frame(GOOD);
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let mut input = good.repeat(3);
            for _ in 0..(next() % 6) {
                let at = (next() as usize) % input.len();
                match next() % 3 {
                    0 => input[at] = next() as u8,
                    1 => {
                        input.remove(at);
                    }
                    _ => input.insert(at, next() as u8),
                }
            }
            let out = filtered(&input);
            // Whatever passes is a sequence of well-formed frames.
            let mut rest = &out[..];
            while !rest.is_empty() {
                let end = rest
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .expect("header end")
                    + 4;
                let header = std::str::from_utf8(&rest[..end]).expect("utf-8 header");
                let length: usize = header
                    .trim()
                    .strip_prefix("Content-Length: ")
                    .expect("content-length")
                    .parse()
                    .expect("number");
                let body: serde_json::Value =
                    serde_json::from_slice(&rest[end..end + length]).expect("json body");
                assert!(body.is_object());
                rest = &rest[end + length..];
            }
        }
    }
}
