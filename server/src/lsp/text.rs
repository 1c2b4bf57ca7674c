//! Open documents: their text as the editor has it (unsaved edits included), kept in step with
//! incremental `didChange` events. Positions are UTF-16 code units, as LSP specifies; anything out
//! of range is clamped, never trusted.

use tower_lsp_server::lsp_types::{Position, TextDocumentContentChangeEvent};

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The editor's text.
    pub text: String,
    /// The editor's version number of that text.
    pub version: i32,
}

impl Document {
    /// Applies a `didChange` if it is newer than what we have; returns false (and changes nothing)
    /// for a stale or repeated version.
    pub fn apply(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> bool {
        if version <= self.version {
            return false;
        }
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let start = offset(&self.text, range.start);
                    let end = offset(&self.text, range.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
        }
        self.version = version;
        true
    }
}

/// Byte offset of an LSP position, clamped to the text (a line past the end → end of text; a
/// character past the end of its line → end of that line; inside a surrogate pair → before it).
fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        let width = c.len_utf16() as u32;
        if units + width > position.character {
            return line_start + i;
        }
        units += width;
    }
    line_end
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::lsp_types::Range;

    fn edit(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: text.into(),
        }
    }

    fn doc(text: &str) -> Document {
        Document {
            text: text.into(),
            version: 1,
        }
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut d = doc("one\ntwo\nthree\n");
        assert!(d.apply(2, vec![edit(1, 0, 1, 3, "TWO"), edit(2, 5, 2, 5, "!")]));
        assert_eq!(d.text, "one\nTWO\nthree!\n");
    }

    #[test]
    fn stale_versions_are_ignored() {
        let mut d = doc("a\n");
        assert!(d.apply(3, vec![edit(0, 0, 0, 1, "b")]));
        assert!(!d.apply(2, vec![edit(0, 0, 0, 1, "c")]));
        assert!(!d.apply(3, vec![edit(0, 0, 0, 1, "c")]));
        assert_eq!(d.text, "b\n");
    }

    #[test]
    fn columns_count_utf16_units() {
        let mut d = doc("a😀b\n");
        // 😀 is two UTF-16 units: column 3 is just before `b`.
        assert!(d.apply(2, vec![edit(0, 3, 0, 4, "B")]));
        assert_eq!(d.text, "a😀B\n");
    }

    #[test]
    fn out_of_range_positions_are_clamped_not_trusted() {
        let mut d = doc("ab\ncd");
        assert!(d.apply(2, vec![edit(0, 99, 0, 99, "X")]));
        assert_eq!(d.text, "abX\ncd");
        assert!(d.apply(3, vec![edit(99, 0, 120, 5, "Y")]));
        assert_eq!(d.text, "abX\ncdY");
        // A range that ends before it starts is treated as empty.
        assert!(d.apply(4, vec![edit(0, 2, 0, 0, "Z")]));
        assert_eq!(d.text, "abZX\ncdY");
        // Inside a surrogate pair.
        let mut e = doc("😀");
        assert!(e.apply(2, vec![edit(0, 1, 0, 1, "x")]));
        assert_eq!(e.text, "x😀");
    }

    #[test]
    fn a_full_replacement_replaces_everything() {
        let mut d = doc("old");
        assert!(d.apply(
            2,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into()
            }]
        ));
        assert_eq!(d.text, "new");
    }
}
