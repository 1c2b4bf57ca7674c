//! What the HTTP clients (GitHub, Jira) share.

/// `text` percent-encoded for a URL query component or path segment (RFC 3986 unreserved
/// characters stay as they are).
pub fn query_component(text: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(text, COMPONENT).to_string()
}
