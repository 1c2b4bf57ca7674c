//! A guard in front of the LSP transport. tower-lsp-server stops reading for good after the first
//! frame it cannot decode (tokio-util's framed streams end after an error), so one malformed
//! message would end the session. Frames are checked here first: broken headers, bodies that are
//! not JSON objects, or absurd lengths are dropped with a log line, and only well-formed frames
//! reach the server.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

/// Largest frame accepted (documents of a few MiB are normal; this only stops a runaway length).
const MAX_FRAME: usize = 256 << 20;
/// Longest header line considered.
const MAX_HEADER_LINE: u64 = 8 << 10;

/// `input` with malformed frames removed.
pub fn checked(input: impl AsyncRead + Unpin + Send + 'static) -> impl AsyncRead + Unpin + Send {
    let (reader, writer) = tokio::io::duplex(1 << 16);
    tokio::spawn(forward_frames(input, writer));
    reader
}

async fn forward_frames(input: impl AsyncRead + Unpin, mut output: tokio::io::DuplexStream) {
    let mut input = BufReader::new(input);
    loop {
        let mut length: Option<usize> = None;
        let mut header_ok = true;
        loop {
            let mut line = String::new();
            match (&mut input)
                .take(MAX_HEADER_LINE)
                .read_line(&mut line)
                .await
            {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) => {
                    // Not UTF-8, or the stream broke: skip this header block.
                    tracing::warn!("dropping an unreadable LSP header: {e}");
                    header_ok = false;
                    continue;
                }
            }
            let trimmed = line.trim_end_matches(['\r', '\n']);
            if trimmed.is_empty() {
                if line.ends_with('\n') {
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
            let mut skip = (&mut input).take(length as u64);
            if tokio::io::copy(&mut skip, &mut tokio::io::sink())
                .await
                .is_err()
            {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(_)) => {
                let header = format!("Content-Length: {length}\r\n\r\n");
                if output.write_all(header.as_bytes()).await.is_err()
                    || output.write_all(&body).await.is_err()
                {
                    return;
                }
            }
            Ok(_) => tracing::warn!("dropping an LSP message that is not a JSON object"),
            Err(e) => tracing::warn!("dropping an LSP message that is not valid JSON: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn filtered(input: &'static [u8]) -> Vec<u8> {
        let mut out = Vec::new();
        checked(input).read_to_end(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn well_formed_frames_pass_unchanged() {
        let out = filtered(b"Content-Length: 2\r\n\r\n{}Content-Length: 7\r\n\r\n{\"a\":1}").await;
        assert_eq!(
            out,
            b"Content-Length: 2\r\n\r\n{}Content-Length: 7\r\n\r\n{\"a\":1}"
        );
    }

    #[tokio::test]
    async fn malformed_frames_are_dropped_and_the_next_one_still_passes() {
        let out = filtered(
            b"Content-Length: 9\r\n\r\n{\"a\": 1,}Content-Length: 2\r\n\r\n[]Bogus: x\r\n\r\nContent-Length: nope\r\n\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await;
        assert_eq!(out, b"Content-Length: 2\r\n\r\n{}");
    }

    #[tokio::test]
    async fn a_truncated_frame_ends_the_stream_quietly() {
        let out = filtered(b"Content-Length: 50\r\n\r\n{\"a\"").await;
        assert!(out.is_empty());
    }
}
