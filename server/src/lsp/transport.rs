//! A guard in front of the LSP transport. tower-lsp-server stops reading for good after the first
//! frame it cannot decode (tokio-util's framed streams end after an error), so one malformed
//! message would end the session. Frames are checked here first, on a plain thread reading stdin:
//! broken headers, bodies that are not JSON objects, or absurd lengths are dropped with a log
//! line, and only well-formed frames reach the server.

use std::io::{BufRead, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

/// Largest frame accepted (documents of a few MiB are normal; this only stops a runaway length).
const MAX_FRAME: usize = 256 << 20;
/// Longest header line considered.
const MAX_HEADER_LINE: u64 = 8 << 10;

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

/// Reads frames from `input` and passes each well-formed one to `emit` (which returns false to
/// stop); returns at the end of the input.
pub fn forward_frames(mut input: impl BufRead, mut emit: impl FnMut(Vec<u8>) -> bool) {
    loop {
        let mut length: Option<usize> = None;
        let mut header_ok = true;
        loop {
            let mut line = Vec::new();
            match (&mut input)
                .take(MAX_HEADER_LINE)
                .read_until(b'\n', &mut line)
            {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("stdin failed: {e}");
                    return;
                }
            }
            let Ok(text) = std::str::from_utf8(&line) else {
                header_ok = false;
                continue;
            };
            let trimmed = text.trim_end_matches(['\r', '\n']);
            if trimmed.is_empty() {
                if text.ends_with('\n') {
                    break;
                }
                continue;
            }
            match trimmed.split_once(':') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse().ok();
                }
                Some((name, _)) if name.trim().eq_ignore_ascii_case("content-type") => {}
                _ => header_ok = false,
            }
        }
        let Some(length) = length.filter(|_| header_ok) else {
            tracing::warn!("dropping an LSP message with a missing or invalid header");
            continue;
        };
        if length > MAX_FRAME {
            tracing::warn!("dropping an LSP message of {length} bytes (over {MAX_FRAME})");
            if std::io::copy(&mut (&mut input).take(length as u64), &mut std::io::sink()).is_err() {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).is_err() {
            return;
        }
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(_)) => {
                let mut frame = format!("Content-Length: {length}\r\n\r\n").into_bytes();
                frame.extend_from_slice(&body);
                if !emit(frame) {
                    return;
                }
            }
            Ok(_) => tracing::warn!("dropping an LSP message that is not a JSON object"),
            Err(e) => tracing::warn!("dropping an LSP message that is not valid JSON: {e}"),
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
        let mut out = Vec::new();
        forward_frames(input, |frame| {
            out.extend(frame);
            true
        });
        out
    }

    #[test]
    fn well_formed_frames_pass_unchanged() {
        let out = filtered(b"Content-Length: 2\r\n\r\n{}Content-Length: 7\r\n\r\n{\"a\":1}");
        assert_eq!(
            out,
            b"Content-Length: 2\r\n\r\n{}Content-Length: 7\r\n\r\n{\"a\":1}"
        );
    }

    #[test]
    fn malformed_frames_are_dropped_and_the_next_one_still_passes() {
        let out = filtered(
            b"Content-Length: 9\r\n\r\n{\"a\": 1,}Content-Length: 2\r\n\r\n[]Bogus: x\r\n\r\n\xff\xfe\r\n\r\nContent-Length: nope\r\n\r\nContent-Length: 2\r\n\r\n{}",
        );
        assert_eq!(out, b"Content-Length: 2\r\n\r\n{}");
    }

    #[test]
    fn a_truncated_frame_ends_the_stream_quietly() {
        assert!(filtered(b"Content-Length: 50\r\n\r\n{\"a\"").is_empty());
    }

    #[test]
    fn random_bytes_never_panic_and_never_leak_through() {
        // A deterministic fuzz: frames cut, spliced and flipped at random.
        let good = b"Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}";
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
