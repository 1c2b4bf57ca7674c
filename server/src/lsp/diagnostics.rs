//! Guard findings → LSP diagnostics (`source: "lanes"`, codes `other-lane`, `conflict` (git's
//! merge of the two versions would conflict), `also-changed` (same file, clean merge),
//! `not-in-lane`). `data` carries the other lane's ticket so code actions can offer to open it.

use lanes::git::changes::LineRange;
use lanes::guard::Finding;
use lanes::verdict::Verdict;
use serde_json::json;
use tower_lsp_server::lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range,
};

use super::uri;

/// The source every lanes diagnostic carries.
pub const SOURCE: &str = "lanes";

/// One diagnostic per finding.
pub fn from_findings(findings: &[Finding]) -> Vec<Diagnostic> {
    findings.iter().map(diagnostic).collect()
}

fn diagnostic(finding: &Finding) -> Diagnostic {
    match finding {
        Finding::OtherLane {
            file_lane,
            window_lane,
        } => Diagnostic {
            range: first_line(),
            severity: Some(DiagnosticSeverity::WARNING),
            code: Some(NumberOrString::String("other-lane".into())),
            source: Some(SOURCE.into()),
            message: format!(
                "This file belongs to {}, but this window works on {}: edits here land on {}'s branch.",
                file_lane.describe(),
                window_lane.describe(),
                file_lane.ticket.as_deref().unwrap_or("that")
            ),
            data: Some(json!({ "ticket": file_lane.ticket, "lane": file_lane.path })),
            ..Diagnostic::default()
        },
        Finding::AlsoChanged {
            other,
            other_file,
            overlapping,
            verdict,
            here,
            there,
        } => {
            // A teammate's pull request has no copy on this machine to point at.
            let related = (!other.remote).then(|| uri::from_path(other_file)).flatten().map(|uri| {
                vec![DiagnosticRelatedInformation {
                    location: Location {
                        uri,
                        range: there.first().map_or_else(first_line, |r| lines(&[*r])),
                    },
                    message: format!("the same file in {}", other.describe()),
                }]
            });
            let at = if here.is_empty() { first_line() } else { lines(here) };
            let (code, severity, range, message) = match verdict {
                Verdict::Conflict => (
                    "conflict",
                    DiagnosticSeverity::WARNING,
                    at,
                    format!(
                        "Merging {} will conflict here: it changes {}.",
                        other.describe(),
                        describe_lines(there).unwrap_or_else(|| "this file".into())
                    ),
                ),
                Verdict::Overlap => (
                    "also-changed",
                    DiagnosticSeverity::INFORMATION,
                    at,
                    format!(
                        "{} makes the same change to {}: it merges cleanly.",
                        capitalise(&other.describe()),
                        describe_lines(here).unwrap_or_else(|| "this file".into())
                    ),
                ),
                Verdict::Shared => (
                    "also-changed",
                    DiagnosticSeverity::INFORMATION,
                    first_line(),
                    format!(
                        "{} also changes this file ({}), not the lines changed here.",
                        capitalise(&other.describe()),
                        describe_lines(there).unwrap_or_else(|| "as a whole".into())
                    ),
                ),
            };
            Diagnostic {
                range,
                severity: Some(severity),
                code: Some(NumberOrString::String(code.into())),
                source: Some(SOURCE.into()),
                message,
                related_information: related,
                data: Some(json!({
                    "ticket": other.ticket,
                    "lane": other.path,
                    "otherFile": other_file,
                    "overlapping": overlapping,
                    "verdict": verdict,
                })),
                ..Diagnostic::default()
            }
        }
        Finding::BaseChanged {
            base,
            verdict,
            here,
            there,
        } => {
            let at = if here.is_empty() { first_line() } else { lines(here) };
            let (code, severity, message) = match verdict {
                Verdict::Conflict => (
                    "conflict",
                    DiagnosticSeverity::WARNING,
                    format!(
                        "{base} changed these lines since this lane branched ({}): merging will conflict; rebase the lane onto {base} to resolve it now.",
                        describe_lines(there).unwrap_or_else(|| "the whole file".into())
                    ),
                ),
                _ => (
                    "also-changed",
                    DiagnosticSeverity::INFORMATION,
                    format!("{base} made the same change to these lines since this lane branched."),
                ),
            };
            Diagnostic {
                range: at,
                severity: Some(severity),
                code: Some(NumberOrString::String(code.into())),
                source: Some(SOURCE.into()),
                message,
                data: Some(json!({ "base": base, "verdict": verdict })),
                ..Diagnostic::default()
            }
        }
        Finding::NotInLane { lanes } => Diagnostic {
            range: first_line(),
            severity: Some(DiagnosticSeverity::HINT),
            code: Some(NumberOrString::String("not-in-lane".into())),
            source: Some(SOURCE.into()),
            message: format!(
                "You are editing the primary checkout while this repository has {lanes} lane(s); start a lane for your ticket to keep its changes apart."
            ),
            data: Some(json!({})),
            ..Diagnostic::default()
        },
    }
}

fn first_line() -> Range {
    Range::new(Position::new(0, 0), Position::new(1, 0))
}

/// The smallest range covering these 1-based line runs.
fn lines(runs: &[LineRange]) -> Range {
    let start = runs.iter().map(|r| r.start.max(1) - 1).min().unwrap_or(0);
    let end = runs
        .iter()
        .map(|r| r.start.max(1) - 1 + r.lines.max(1))
        .max()
        .unwrap_or(start + 1);
    Range::new(Position::new(start, 0), Position::new(end, 0))
}

/// "line 4", "lines 4–6", "lines 4–6 and 9".
fn describe_lines(runs: &[LineRange]) -> Option<String> {
    if runs.is_empty() {
        return None;
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|r| {
            let first = r.start.max(1);
            let last = first + r.lines.max(1) - 1;
            if first == last {
                first.to_string()
            } else {
                format!("{first}–{last}")
            }
        })
        .collect();
    let single = runs.len() == 1 && runs[0].lines <= 1;
    Some(format!(
        "{} {}",
        if single { "line" } else { "lines" },
        parts.join(", ")
    ))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
