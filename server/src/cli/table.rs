//! Aligned text tables for terminal output. Cells hold text from anywhere (titles, branches,
//! paths) and may be painted by the CLI: the text is made printable first and the colour added
//! after, so a cell shows what it holds and only the CLI's own colours reach the terminal.

use console::measure_text_width as width;
use lanes::printable::printable;

/// One cell: pieces of text, each painted or not.
#[derive(Debug, Clone, Default)]
pub struct Cell(Vec<(String, Option<console::Style>)>);

impl Cell {
    /// A cell painted with `style`.
    pub fn painted(text: impl Into<String>, style: console::Style) -> Cell {
        Cell(vec![(text.into(), Some(style))])
    }

    /// Cells side by side in one cell, `separator` between them.
    pub fn joined(cells: Vec<Cell>, separator: &str) -> Cell {
        let mut pieces = Vec::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                pieces.push((separator.to_string(), None));
            }
            pieces.extend(cell.0);
        }
        Cell(pieces)
    }

    /// The printable text, painted.
    fn shown(&self) -> String {
        self.0
            .iter()
            .map(|(text, style)| {
                let text = one_line(text);
                match style {
                    Some(style) => style.apply_to(text).to_string(),
                    None => text,
                }
            })
            .collect()
    }

    /// How many columns the cell takes.
    pub fn width(&self) -> usize {
        width(&self.shown())
    }

    /// Cuts an unpainted cell down to `room` columns, ending in `…` when it was longer.
    pub fn truncate(&mut self, room: usize) {
        if let [(text, None)] = self.0.as_mut_slice() {
            *text = console::truncate_str(&one_line(text), room, "…").into_owned();
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell(vec![(text, None)])
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// `text` printable and on one line (a newline or tab in a title would break the columns).
fn one_line(text: &str) -> String {
    printable(text).replace(['\n', '\t'], " ")
}

/// A rendered table: printable, with the CLI's colours; printed by `out::table`.
#[derive(Debug, Clone)]
pub struct Rendered(String);

impl Rendered {
    /// The table's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Renders rows under a header, columns padded to their widest cell, two spaces apart.
pub fn render<C: Into<Cell> + Clone>(header: &[&str], rows: &[Vec<C>]) -> Rendered {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| c.clone().into().shown()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = widths.get(i).map_or(0, |w| w.saturating_sub(width(cell))) + 2;
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    Rendered(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_printable_and_on_one_line_colours_are_the_clis() {
        let red = console::Style::new().red().force_styling(true);
        let table = render(
            &["A", "B"],
            &[vec![
                Cell::from("x\u{1b}]0;t\u{7}y\nz\u{1b}[31m"),
                Cell::painted("ok", red),
            ]],
        );
        assert_eq!(
            table.as_str(),
            "A     B\nxy z  \u{1b}[31mok\u{1b}[0m",
            "{table:?}"
        );
    }
}
