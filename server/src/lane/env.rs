//! What a lane's commands see — setup commands, `--exec`, an editor's agent terminal: the
//! `LANES_*` variables and the `{port}`, `{ticket}`, `{branch}`, `{path}` placeholders — and the
//! lane's own port, so dev servers of parallel lanes do not collide.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener};

use crate::store::LaneRecord;

/// Ports lanes hands out: [FIRST_PORT, FIRST_PORT + PORT_SPAN).
const FIRST_PORT: u16 = 20_000;
const PORT_SPAN: u16 = 10_000;

/// The environment of a command run for the lane of `record`: `LANES_TICKET`, `LANES_BRANCH`,
/// `LANES_PATH`, `LANES_BASE`, `LANES_PORT`, and `LANES_TICKET_FILE` when the ticket's context
/// was written into the lane.
pub fn environment(record: &LaneRecord) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("LANES_TICKET", record.ticket.clone()),
        ("LANES_BRANCH", record.branch.clone()),
        ("LANES_PATH", record.path.display().to_string()),
        ("LANES_BASE", record.base.clone()),
        ("LANES_PORT", port_of(record).to_string()),
    ];
    let context = record.path.join(crate::ticket::CONTEXT_FILE);
    // Only a regular file the lane holds, not a link a repository committed there, nor a file
    // git tracks (the repository's, not what lanes wrote).
    if std::fs::symlink_metadata(&context).is_ok_and(|m| m.is_file())
        && matches!(crate::ticket::context_is_committed(&record.path), Ok(false))
    {
        env.push(("LANES_TICKET_FILE", context.display().to_string()));
    }
    env
}

/// The placeholders of a lane's commands and files, with their values.
fn placeholders(record: &LaneRecord) -> [(&'static str, String); 4] {
    [
        ("{port}", port_of(record).to_string()),
        ("{ticket}", record.ticket.clone()),
        ("{branch}", record.branch.clone()),
        ("{path}", record.path.display().to_string()),
    ]
}

/// `text` (a copied file, e.g. a `.env`) with the lane's placeholders filled in as they are.
/// Never for a shell command: see [`render_for_shell`].
pub fn render(text: &str, record: &LaneRecord) -> String {
    placeholders(record)
        .iter()
        .fold(text.to_string(), |text, (name, value)| {
            text.replace(name, value)
        })
}

/// The environment variable holding each placeholder's value (see [`environment`]).
const VARIABLES: [(&str, &str); 4] = [
    ("{port}", "${LANES_PORT}"),
    ("{ticket}", "${LANES_TICKET}"),
    ("{branch}", "${LANES_BRANCH}"),
    ("{path}", "${LANES_PATH}"),
];

/// `command`, a line for `sh -c`, with the lane's placeholders filled in quoted for the shell
/// where they stand: a directory called `proj $(touch x)` or `it's` is one word that runs
/// nothing, bare (`cd {path}`), in double quotes (`"{path}/x"`) or in single quotes (`'{path}'`).
/// In a heredoc's body, where quotes are literal, a placeholder becomes a reference to its
/// variable (`${LANES_PATH}`), which an unquoted heredoc expands without evaluating the value and
/// a quoted one leaves as it is; in a `#` comment placeholders are left alone. The same values
/// are in the environment (`$LANES_PATH` …) for scripts that prefer it.
pub fn render_for_shell(command: &str, record: &LaneRecord) -> String {
    let values = placeholders(record);
    let mut out = String::with_capacity(command.len());
    // The quoting in force, innermost last: `$(…)` and `` `…` `` open a new, unquoted context
    // even inside double quotes, and their end goes back to the one outside.
    let mut stack = vec![Quote::None];
    // Heredocs whose bodies start at the next newline: (delimiter, `<<-` strips leading tabs).
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let mut rest = command;
    while let Some(c) = rest.chars().next() {
        let quote = stack.last().copied().unwrap_or(Quote::None);
        if let Some((name, value)) = values.iter().find(|(name, _)| rest.starts_with(name)) {
            out.push_str(&quoted(value, quote));
            rest = &rest[name.len()..];
            continue;
        }
        let unquoted = matches!(quote, Quote::None | Quote::Substitution | Quote::Backtick);
        if unquoted && rest.starts_with("<<") && !rest.starts_with("<<<") {
            let (operator, heredoc) = heredoc_operator(rest);
            heredocs.extend(heredoc);
            out.push_str(operator);
            rest = &rest[operator.len()..];
            continue;
        }
        if unquoted && c == '\n' && !heredocs.is_empty() {
            out.push('\n');
            rest = &rest[1..];
            for (delimiter, strip_tabs) in heredocs.drain(..) {
                rest = heredoc_body(rest, &delimiter, strip_tabs, &mut out);
            }
            continue;
        }
        let word_start = out.chars().next_back().is_none_or(|p| {
            p.is_whitespace() || matches!(p, ';' | '&' | '|' | '(' | ')' | '<' | '>')
        });
        if matches!(quote, Quote::None | Quote::Substitution) && c == '#' && word_start {
            // A comment, to the end of its line: nothing in it is read by the shell.
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let mut taken = c.len_utf8();
        match (quote, c) {
            (Quote::None | Quote::Double | Quote::Backtick, '\\') => {
                // An escaped character is literal, whatever it is.
                taken += rest[taken..].chars().next().map_or(0, char::len_utf8);
            }
            (Quote::None | Quote::Double | Quote::Backtick, '$') if rest[1..].starts_with('(') => {
                taken += 1;
                stack.push(Quote::Substitution);
            }
            (Quote::Substitution, '$') if rest[1..].starts_with('(') => {
                taken += 1;
                stack.push(Quote::Substitution);
            }
            (Quote::Substitution, '(') => stack.push(Quote::Substitution),
            (Quote::Substitution, ')') => {
                stack.pop();
            }
            (Quote::Backtick, '`') => {
                stack.pop();
            }
            (Quote::None | Quote::Double | Quote::Substitution, '`') => stack.push(Quote::Backtick),
            (Quote::None | Quote::Substitution | Quote::Backtick, '\'') => {
                stack.push(Quote::Single)
            }
            (Quote::None | Quote::Substitution | Quote::Backtick, '"') => stack.push(Quote::Double),
            (Quote::Single, '\'') | (Quote::Double, '"') => {
                stack.pop();
            }
            _ => {}
        }
        if stack.is_empty() {
            // More closing than opening: the shell will refuse the line; quote as if unquoted.
            stack.push(Quote::None);
        }
        out.push_str(&rest[..taken]);
        rest = &rest[taken..];
    }
    out
}

/// A heredoc operator at the start of `rest` (`<<WORD`, `<<-WORD`, the word possibly quoted):
/// its text, and the heredoc it opens (delimiter without quotes, whether leading tabs are
/// stripped) when it names a delimiter.
fn heredoc_operator(rest: &str) -> (&str, Option<(String, bool)>) {
    let mut end = 2;
    let strip_tabs = rest[end..].starts_with('-');
    if strip_tabs {
        end += 1;
    }
    end += rest[end..].len() - rest[end..].trim_start_matches([' ', '\t']).len();
    let mut delimiter = String::new();
    let mut quote: Option<char> = None;
    let mut chars = rest[end..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => delimiter.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                if let Some((_, next)) = chars.next() {
                    delimiter.push(next);
                }
            }
            (None, c)
                if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '<' | '>' | '(' | ')') =>
            {
                end += i;
                return (
                    &rest[..end],
                    Some((delimiter, strip_tabs)).filter(|(d, _)| !d.is_empty()),
                );
            }
            (None, c) => delimiter.push(c),
        }
    }
    (
        rest,
        Some((delimiter, strip_tabs)).filter(|(d, _)| !d.is_empty()),
    )
}

/// Copies a heredoc's body from the start of `rest` into `out`, up to and including its
/// delimiter line, with each placeholder as a reference to its variable; returns what follows.
fn heredoc_body<'a>(
    mut rest: &'a str,
    delimiter: &str,
    strip_tabs: bool,
    out: &mut String,
) -> &'a str {
    while !rest.is_empty() {
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let line = &rest[..end];
        rest = &rest[end..];
        let text = line.strip_suffix('\n').unwrap_or(line);
        let text = if strip_tabs {
            text.trim_start_matches('\t')
        } else {
            text
        };
        if text == delimiter {
            out.push_str(line);
            break;
        }
        out.push_str(
            &VARIABLES
                .iter()
                .fold(line.to_string(), |line, (name, variable)| {
                    line.replace(name, variable)
                }),
        );
    }
    rest
}

/// Where a placeholder stands in a shell command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// Unquoted, at the top.
    None,
    /// Inside `'…'`.
    Single,
    /// Inside `"…"`.
    Double,
    /// Inside `$(…)` (unquoted within it); `(` … `)` pairs inside are counted.
    Substitution,
    /// Inside `` `…` `` (unquoted within it).
    Backtick,
}

/// `value` as one literal word in that place: single-quoted when bare (a `'` as `'\''`);
/// backslashes before `` $ ` " \ `` inside double quotes; inside single quotes the quotes are
/// closed, the quoted value put in, and reopened.
fn quoted(value: &str, quote: Quote) -> String {
    let single = || format!("'{}'", value.replace('\'', r"'\''"));
    match quote {
        Quote::None | Quote::Substitution => single(),
        // The shell finds the closing backquote before it reads quotes, taking one backslash
        // off `\\`, `` ` `` and `$`: those get one more.
        Quote::Backtick => single().chars().fold(String::new(), |mut out, c| {
            if matches!(c, '$' | '`' | '\\') {
                out.push('\\');
            }
            out.push(c);
            out
        }),
        Quote::Single => format!("'{}'", single()),
        Quote::Double => value.chars().fold(String::new(), |mut out, c| {
            if matches!(c, '$' | '`' | '"' | '\\') {
                out.push('\\');
            }
            out.push(c);
            out
        }),
    }
}

/// The lane's port: the one recorded at its start, else the one its ticket derives.
pub fn port_of(record: &LaneRecord) -> u16 {
    record.port.unwrap_or_else(|| derived_port(&record.ticket))
}

/// A port for a new lane of `ticket`: derived from the key (the same ticket gets the same port
/// again), moved on past ports other lanes hold (`taken`) and ports something listens on now.
pub fn assign_port(ticket: &str, taken: &BTreeSet<u16>) -> u16 {
    first_free_port(ticket, taken, is_free)
}

fn first_free_port(ticket: &str, taken: &BTreeSet<u16>, free: impl Fn(u16) -> bool) -> u16 {
    let first = derived_port(ticket);
    (0..PORT_SPAN)
        .map(|i| FIRST_PORT + (first - FIRST_PORT + i) % PORT_SPAN)
        .take(1000)
        .find(|p| !taken.contains(p) && free(*p))
        .unwrap_or(first)
}

fn derived_port(ticket: &str) -> u16 {
    // FNV-1a: stable across versions and platforms, unlike std's hasher.
    let hash = ticket.to_lowercase().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    FIRST_PORT + (hash % u32::from(PORT_SPAN)) as u16
}

fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str) -> LaneRecord {
        LaneRecord {
            version: 1,
            ticket: "T-1".into(),
            branch: "feature/T-1".into(),
            path: path.into(),
            base: "main".into(),
            title: None,
            url: None,
            pr: None,
            pr_state: None,
            created: 0,
            start: None,
            port: Some(20_001),
            branch_created: None,
        }
    }

    /// What `sh -c "printf '%s|' <command>"` prints for `command` rendered for the lane at `path`.
    fn words(command: &str, path: &str) -> String {
        let line = render_for_shell(&format!("printf '%s|' {command}"), &record(path));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn placeholders_are_one_literal_word_bare_and_in_either_quotes() {
        let hostile = "/a/it's $(touch x) \"q\" `y` \\z ${HOME}";
        assert_eq!(words("{path}", hostile), format!("{hostile}|"));
        assert_eq!(words("\"{path}/s\"", hostile), format!("{hostile}/s|"));
        assert_eq!(words("'<{path}>'", hostile), format!("<{hostile}>|"));
        assert_eq!(
            words("{ticket}-{port} \\'{branch}", hostile),
            "T-1-20001|'feature/T-1|"
        );
    }

    #[test]
    fn placeholders_inside_command_substitutions_are_quoted_for_their_own_context() {
        let hostile = "/a/b;touch x;c) $(touch y) 'q' \"d\" `z`";
        for command in [
            "\"$(printf %s {path})\"",
            "\"`printf %s {path}`\"",
            "\"$(printf %s \"{path}\")\"",
            "\"$( (printf %s {path}) )\"",
        ] {
            assert_eq!(words(command, hostile), format!("{hostile}|"), "{command}");
        }
    }

    #[test]
    fn placeholders_in_a_heredoc_body_are_variable_references() {
        let hostile = "/a/$(touch x) 'q' `y`";
        let lane = record(hostile);
        let line = render_for_shell(
            "cat <<END; cat <<'Q'\nP={path} T={ticket}\nEND\nraw {path}\nQ\necho {ticket} # it's {path}",
            &lane,
        );
        assert_eq!(
            line,
            "cat <<END; cat <<'Q'\nP=${LANES_PATH} T=${LANES_TICKET}\nEND\nraw ${LANES_PATH}\nQ\necho 'T-1' # it's {path}"
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .envs(environment(&lane))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("P={hostile} T=T-1\nraw ${{LANES_PATH}}\nT-1\n")
        );
    }

    #[test]
    fn files_get_placeholders_as_they_are() {
        assert_eq!(
            render("PORT={port} P={path}", &record("/a b")),
            "PORT=20001 P=/a b"
        );
    }

    #[test]
    fn a_ticket_gets_the_same_port_whatever_the_case_of_its_key() {
        assert_eq!(derived_port("PROJ-7"), derived_port("proj-7"));
        assert!((FIRST_PORT..FIRST_PORT + PORT_SPAN).contains(&derived_port("PROJ-7")));
    }

    #[test]
    fn a_port_another_lane_holds_is_passed_over() {
        let first = assign_port("PROJ-7", &BTreeSet::new());
        let second = assign_port("PROJ-7", &BTreeSet::from([first]));
        assert_ne!(first, second);
    }

    #[test]
    fn a_port_something_listens_on_is_passed_over() {
        let derived = derived_port("PROJ-8");
        let busy = |p: u16| p != derived;
        assert_eq!(
            first_free_port("PROJ-8", &BTreeSet::new(), busy),
            FIRST_PORT + (derived - FIRST_PORT + 1) % PORT_SPAN
        );
    }

    #[test]
    fn a_listening_socket_makes_a_port_not_free() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(!is_free(port));
    }
}
