//! `file:` URIs ⇄ paths. Only `file:` URIs name something lanes knows; anything else is ignored.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tower_lsp_server::lsp_types::Uri;
use tower_lsp_server::UriExt;

/// The path of a `file:` URI; None for other schemes or URIs without a path.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let scheme = uri.scheme()?;
    if !scheme.as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let path = uri.to_file_path()?.into_owned();
    path.is_absolute().then(|| lanes::lane::normalize(&path))
}

/// A `file:` URI for a path, whether or not the file exists (unlike `UriExt::from_file_path`).
pub fn from_path(path: &Path) -> Option<Uri> {
    let mut encoded = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&encoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_uris_with_spaces_and_unicode() {
        let path = Path::new("/tmp/my lane/ünï code.rs");
        let uri = from_path(path).unwrap();
        assert!(uri.as_str().starts_with("file:///tmp/my%20lane/"));
        assert_eq!(to_path(&uri).unwrap(), path);
    }

    #[test]
    fn non_file_uris_have_no_path() {
        assert_eq!(
            to_path(&Uri::from_str("untitled:Untitled-1").unwrap()),
            None
        );
        assert_eq!(
            to_path(&Uri::from_str("https://example.com/a").unwrap()),
            None
        );
    }

    #[test]
    fn dot_dot_segments_are_resolved() {
        let uri = Uri::from_str("file:///a/b/../c.rs").unwrap();
        assert_eq!(to_path(&uri).unwrap(), Path::new("/a/c.rs"));
    }
}
