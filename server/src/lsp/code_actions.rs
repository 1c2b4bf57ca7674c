//! Code actions: "Open in lane X" on lanes diagnostics, and "Start a lane for a ticket…" anywhere
//! (command `lanes.start` without arguments: the client asks for the key).

use serde_json::json;
use tower_lsp_server::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Command,
};

use super::diagnostics::SOURCE;

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
                arguments: Some(vec![json!({
                    "uri": params.text_document.uri.as_str(),
                    "ticket": ticket,
                    "show": true,
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
