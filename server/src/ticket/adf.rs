//! Atlassian Document Format (Jira Cloud descriptions) → Markdown text an agent can read.

use serde_json::Value;

/// Renders an ADF document (or any ADF node) as Markdown.
pub fn to_markdown(node: &Value) -> String {
    let mut out = String::new();
    block(node, &mut out, 0);
    let trimmed = out.trim_end().to_string();
    if trimmed.is_empty() {
        trimmed
    } else {
        trimmed + "\n"
    }
}

fn children(node: &Value) -> impl Iterator<Item = &Value> {
    node.get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn block(node: &Value, out: &mut String, depth: usize) {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "doc" | "blockquote" | "panel" | "expand" => {
            for child in children(node) {
                if kind == "blockquote" {
                    let mut inner = String::new();
                    block(child, &mut inner, depth);
                    for line in inner.lines() {
                        out.push_str(&format!("> {line}\n"));
                    }
                    out.push('\n');
                } else {
                    block(child, out, depth);
                }
            }
        }
        "paragraph" => {
            out.push_str(&inline(node));
            out.push_str("\n\n");
        }
        "heading" => {
            let level = node
                .pointer("/attrs/level")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 6) as usize;
            out.push_str(&format!("{} {}\n\n", "#".repeat(level), inline(node)));
        }
        "bulletList" | "orderedList" => {
            for (i, item) in children(node).enumerate() {
                let marker = if kind == "bulletList" {
                    "-".to_string()
                } else {
                    format!("{}.", i + 1)
                };
                let mut inner = String::new();
                for part in children(item) {
                    block(part, &mut inner, depth + 1);
                }
                let mut lines = inner.trim_end().lines();
                if let Some(first) = lines.next() {
                    out.push_str(&format!("{}{marker} {first}\n", "  ".repeat(depth)));
                }
                for line in lines.filter(|l| !l.trim().is_empty()) {
                    out.push_str(&format!("{}  {line}\n", "  ".repeat(depth)));
                }
            }
            if depth == 0 {
                out.push('\n');
            }
        }
        "codeBlock" => {
            let language = node
                .pointer("/attrs/language")
                .and_then(Value::as_str)
                .unwrap_or("");
            out.push_str(&format!("```{language}\n{}\n```\n\n", plain(node)));
        }
        "rule" => out.push_str("---\n\n"),
        "text" | "hardBreak" | "mention" | "emoji" | "inlineCard" => {
            out.push_str(&inline(&serde_json::json!({"content": [node]})));
        }
        _ => {
            for child in children(node) {
                block(child, out, depth);
            }
        }
    }
}

fn inline(node: &Value) -> String {
    let mut out = String::new();
    for child in children(node) {
        match child.get("type").and_then(Value::as_str).unwrap_or("") {
            "text" => {
                let mut text = child
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                for mark in child
                    .get("marks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    text = match mark.get("type").and_then(Value::as_str).unwrap_or("") {
                        "strong" => format!("**{text}**"),
                        "em" => format!("*{text}*"),
                        "code" => format!("`{text}`"),
                        "strike" => format!("~~{text}~~"),
                        "link" => match mark.pointer("/attrs/href").and_then(Value::as_str) {
                            Some(href) => format!("[{text}]({href})"),
                            None => text,
                        },
                        _ => text,
                    };
                }
                out.push_str(&text);
            }
            "hardBreak" => out.push('\n'),
            "mention" => out.push_str(
                child
                    .pointer("/attrs/text")
                    .and_then(Value::as_str)
                    .unwrap_or("@someone"),
            ),
            "emoji" => out.push_str(
                child
                    .pointer("/attrs/text")
                    .or_else(|| child.pointer("/attrs/shortName"))
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
            "inlineCard" => out.push_str(
                child
                    .pointer("/attrs/url")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
            _ => out.push_str(&inline(child)),
        }
    }
    out
}

fn plain(node: &Value) -> String {
    children(node)
        .map(|c| match c.get("text").and_then(Value::as_str) {
            Some(t) => t.to_string(),
            None => plain(c),
        })
        .collect()
}

/// The "Acceptance criteria" section of a Markdown text (up to the next heading of the same or a
/// higher level), if there is one.
pub fn acceptance_criteria(markdown: &str) -> Option<String> {
    let mut lines = markdown.lines().peekable();
    let mut level = 0;
    for line in lines.by_ref() {
        let lower = line.to_ascii_lowercase();
        if lower.contains("acceptance criteria") {
            level = line.chars().take_while(|c| *c == '#').count();
            break;
        }
    }
    lines.peek()?;
    let mut out = Vec::new();
    for line in lines {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if hashes > 0 && (level == 0 || hashes <= level) {
            break;
        }
        out.push(line);
    }
    let text = out.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_paragraphs_marks_lists_and_code() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Context"}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Login "},
                {"type": "text", "text": "times out", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " see "},
                {"type": "text", "text": "docs", "marks": [{"type": "link", "attrs": {"href": "https://docs.example.com"}}]}
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "one"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "two", "marks": [{"type": "code"}]}]}]}
            ]},
            {"type": "codeBlock", "attrs": {"language": "rust"}, "content": [{"type": "text", "text": "fn main() {}"}]}
        ]});
        let md = to_markdown(&doc);
        assert_eq!(
            md,
            "## Context\n\nLogin **times out** see [docs](https://docs.example.com)\n\n- one\n- `two`\n\n```rust\nfn main() {}\n```\n"
        );
    }

    #[test]
    fn unknown_nodes_render_their_text() {
        let doc = json!({"type": "doc", "content": [{"type": "mystery", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "still here"}]}]}]});
        assert_eq!(to_markdown(&doc), "still here\n");
    }

    #[test]
    fn finds_the_acceptance_criteria_section() {
        let md = "## Context\n\nx\n\n## Acceptance criteria\n\n- a\n- b\n\n## Notes\n\nn\n";
        assert_eq!(acceptance_criteria(md).as_deref(), Some("- a\n- b"));
        assert_eq!(acceptance_criteria("nothing"), None);
    }
}
