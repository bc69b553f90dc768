//! Output of the card commands: one JSON document with `--json`, aligned plain-text tables otherwise.

use serde::Serialize;
use std::fmt::Write as _;

/// A command's result, printable both ways.
pub trait Report: Serialize {
    /// The human-readable form (ends with a newline).
    fn human(&self) -> String;
}

/// Prints `report` as one JSON document (`json`) or as text.
pub fn emit<R: Report>(report: &R, json: bool) -> Result<(), super::Failure> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", report.human());
    }
    Ok(())
}

/// A plain table: a header row and rows of cells, columns padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Self {
            rows: vec![headers.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, or `empty` when it has no rows below the header.
    pub fn render(&self, empty: &str) -> String {
        if self.rows.len() < 2 {
            return format!("{empty}\n");
        }
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (cell, width) in row.iter().zip(&widths) {
                let _ = write!(line, "{cell:<width$}  ");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Two columns of `name  value` lines, for single records.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {v}\n"))
        .collect()
}

/// A value or `-` for an absent one.
pub fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let mut table = Table::new(&["ICCID", "STATE"]);
        table.row(vec!["8944".into(), "enabled".into()]);
        table.row(vec!["89440000".into(), "-".into()]);
        assert_eq!(
            table.render("none"),
            "ICCID     STATE\n8944      enabled\n89440000  -\n"
        );
        assert_eq!(Table::new(&["A"]).render("no rows"), "no rows\n");
        assert_eq!(
            fields(&[("EID", "89".into()), ("version", "v1.2".into())]),
            "EID      89\nversion  v1.2\n"
        );
    }
}
