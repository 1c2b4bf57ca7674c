//! Code actions: "Open in lane X" on lanes diagnostics, and "Start a lane for a ticket…" anywhere
//! (command `lanes.start` without arguments: the client asks for the key).

use serde_json::json;
use tower_lsp_server::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Command,
};

use super::diagnostics::SOURCE;
use super::server::Ctx;
use super::uri;

/// Most "Move this change to lane X" actions offered at once.
const MOVE_TARGETS: usize = 8;

/// "Move this change to lane X" for each other lane, when the range touches an uncommitted hunk
/// of the file.
pub async fn move_actions(ctx: &Ctx, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let Some(path) = uri::to_path(&params.text_document.uri) else {
        return Vec::new();
    };
    let (first, last) = (params.range.start.line + 1, params.range.end.line + 1);
    let state = ctx.state.clone();
    let targets = tokio::task::spawn_blocking(move || -> Option<Vec<String>> {
        let session = state.session_for(&path)?;
        let session = session.lock().ok()?;
        let own = session.lane_of(&path)?.path()?.to_path_buf();
        let relative = path.strip_prefix(&own).ok()?.to_path_buf();
        let patches = lanes::git::patch::uncommitted_patches(&own, &[relative]).ok()?;
        let touched = patches.iter().any(|p| {
            p.hunks.is_empty()
                || p.hunks.iter().any(|h| {
                    let end = h.new_start + h.new_lines.max(1) - 1;
                    h.new_start.max(1) <= last && first <= end
                })
        });
        if !touched {
            return None;
        }
        Some(
            session
                .entries()
                .iter()
                .filter(|e| !e.is_primary() && e.path() != Some(own.as_path()))
                .filter(|e| e.worktree.as_ref().is_some_and(|w| !w.missing))
                .filter_map(|e| e.ticket.as_ref().map(ToString::to_string))
                .take(MOVE_TARGETS)
                .collect(),
        )
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    targets
        .into_iter()
        .map(|ticket| {
            let title = format!("Move this change to lane {ticket}");
            CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::new("refactor.move")),
                command: Some(Command {
                    title,
                    command: "lanes.moveChange".into(),
                    arguments: Some(vec![json!({
                        "uri": params.text_document.uri.as_str(),
                        "range": params.range,
                        "ticket": ticket,
                    })]),
                }),
                ..CodeAction::default()
            })
        })
        .collect()
}

/// The actions for a code-action request.
pub fn for_params(params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    let mut offered: Vec<String> = Vec::new();
    for diagnostic in &params.context.diagnostics {
        if diagnostic.source.as_deref() != Some(SOURCE) {
            continue;
        }
        let Some(ticket) = diagnostic
            .data
            .as_ref()
            .and_then(|d| d.get("ticket"))
            .and_then(|t| t.as_str())
        else {
            continue;
        };
        if offered.iter().any(|t| t == ticket) {
            continue;
        }
        offered.push(ticket.to_string());
        let title = format!("Open in lane {ticket}");
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            is_preferred: Some(true),
            command: Some(Command {
                title,
                command: "lanes.openInLane".into(),
                // Lands on the line the cursor is on, in the other copy.
                arguments: Some(vec![json!({
                    "uri": params.text_document.uri.as_str(),
                    "ticket": ticket,
                    "show": true,
                    "line": params.range.start.line,
                })]),
            }),
            ..CodeAction::default()
        }));
    }
    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
        title: "Start a lane for a ticket…".into(),
        kind: Some(CodeActionKind::EMPTY),
        command: Some(Command {
            title: "Start a lane for a ticket…".into(),
            command: "lanes.start".into(),
            arguments: None,
        }),
        ..CodeAction::default()
    }));
    actions
}
