//! Text from outside (ticket and pull-request titles, descriptions, branch names, paths, git's
//! messages) made safe to show: a terminal acts on escape sequences instead of showing them — an
//! OSC re-titles the window or plants a link, a CSI clears the screen or moves the cursor — so
//! everything lanes prints for a person, or writes for an agent to read, goes through
//! [`printable`] first.

use std::borrow::Cow;

/// `text` without escape sequences (ESC or 8-bit C1 introduced, removed whole so none of their
/// text is left either), control characters other than newline and tab, and the Unicode
/// bidirectional overrides that make text read other than it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_cleaning) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars, &mut out),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars, &mut out),
                Some('\n') => out.push('\n'),
                // A two-character escape (ESC 7, ESC c …): both go.
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars, &mut out),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                skip_string(&mut chars, &mut out)
            }
            c if needs_cleaning(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with every character a terminal would not show as itself made visible: ESC as `\e`,
/// newline and tab as `\n` and `\t`, other control characters, bidirectional overrides and
/// invisible format characters as `\u{..}`. For what a person approves or is told runs (a
/// command, a path): nothing in it is hidden, removed or obeyed — every character is on screen.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hides) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if hides(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn hides(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
        )
}

fn needs_cleaning(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Skips a control sequence's parameters and intermediates up to its final byte (a newline
/// ends it too, and stays).
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    for c in chars.by_ref() {
        if c == '\n' {
            out.push(c);
            return;
        }
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
    }
}

/// Skips a string sequence (OSC, DCS …) up to its terminator: BEL, ST (`ESC \` or 8-bit), or —
/// where a terminal would still be swallowing text — the end of the line.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\n' => {
                out.push(c);
                return;
            }
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_as_it_is() {
        let text = "Fix login — ünïcode\n\tok";
        assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn escape_sequences_go_whole() {
        assert_eq!(printable("\u{1b}]0;pwned\u{7}Fix"), "Fix");
        assert_eq!(printable("a\u{1b}[2Jb\u{1b}[1;31mc"), "abc");
        assert_eq!(printable("a\u{9b}2Jb"), "ab");
        assert_eq!(
            printable("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert_eq!(printable("a\u{1b}cb"), "ab");
        assert_eq!(printable("a\u{9d}0;t\u{9c}b"), "ab");
    }

    #[test]
    fn controls_and_bidi_overrides_go_newlines_and_tabs_stay() {
        assert_eq!(printable("a\rb\u{7}c\u{7f}d\u{0}e"), "abcde");
        assert_eq!(printable("x\u{202e}y\u{2066}z"), "xyz");
        assert_eq!(printable("one\n\ttwo"), "one\n\ttwo");
    }

    #[test]
    fn visible_shows_every_character_and_removes_none() {
        assert_eq!(
            visible("npm ci \u{1b}]; touch x #\u{7}"),
            "npm ci \\e]; touch x #\\u{7}"
        );
        assert_eq!(visible("a\nb\tc\rd\u{9b}e"), "a\\nb\\tc\\rd\\u{9b}e");
        assert_eq!(visible("x\u{202e}y\u{200b}z"), "x\\u{202e}y\\u{200b}z");
        assert!(matches!(visible("plain ü"), Cow::Borrowed("plain ü")));
        assert_eq!(printable(&visible("\u{1b}]0;t\u{7}")), "\\e]0;t\\u{7}");
    }

    #[test]
    fn an_unterminated_sequence_ends_with_its_line() {
        assert_eq!(printable("a\u{1b}]0;title\nnext"), "a\nnext");
        assert_eq!(printable("a\u{1b}[12\nnext"), "a\nnext");
        assert_eq!(printable("a\u{1b}["), "a");
    }
}
