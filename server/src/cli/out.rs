//! The one way the command line prints. Lines for a person go through [`say!`] (stdout) and
//! [`tell!`] (stderr), which make them printable (`lanes::printable`): a ticket title, a pull
//! request's title or a branch name with an escape sequence in it is shown, never obeyed. The
//! only other ways out are a rendered table (its cells cleaned before the CLI's own colours are
//! added), JSON (whose control characters are escaped), and the shell scripts lanes ships.
//! `tests/cli/safety_trust.rs` fails on a print macro anywhere else in the CLI.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;

use lanes::printable::printable;

/// Prints `text` made printable, and a newline, on stdout.
pub fn say(text: &str) {
    println!("{}", printable(text));
}

/// Prints `text` made printable, and a newline, on stderr.
pub fn tell(text: &str) {
    eprintln!("{}", printable(text));
}

/// Prints `text` made printable on stderr without a newline (a question), and flushes.
pub fn ask(text: &str) {
    eprint!("{}", printable(text));
    let _ = std::io::stderr().flush();
}

/// Prints a table rendered by `table::render`, whose cells are already printable and may carry
/// the CLI's own colours.
pub fn table(rendered: &super::table::Rendered) {
    println!("{}", rendered.as_str());
}

/// Prints JSON for agents and scripts: serde escapes the C0 controls; the C1 ones (U+0080 to
/// U+009F, which a terminal may read as CSI or OSC) are escaped here too. The data is unchanged.
pub fn json(text: &str) {
    println!("{}", escape_c1(text));
}

/// Prints a script of lanes' own (shell completion, shell integration) as it is.
pub fn script(text: &str) {
    print!("{text}");
}

fn escape_c1(json: &str) -> std::borrow::Cow<'_, str> {
    if !json.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return std::borrow::Cow::Borrowed(json);
    }
    // In JSON text these can only stand inside strings, where `\uXXXX` means the same.
    std::borrow::Cow::Owned(json.chars().fold(String::new(), |mut out, c| {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
        out
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn c1_controls_in_json_are_escaped_and_mean_the_same() {
        let text = serde_json::to_string(&"a\u{9b}2J\u{1b}b").unwrap();
        let escaped = super::escape_c1(&text);
        assert!(!escaped.chars().any(char::is_control), "{escaped}");
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, "a\u{9b}2J\u{1b}b");
    }
}
