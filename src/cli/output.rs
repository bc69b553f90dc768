//! Output of the card commands: one JSON document with `--json`, aligned plain-text tables otherwise.

use super::Failure;
use serde::Serialize;
use std::io::{ErrorKind, Write as _};

/// A command's result, printable both ways.
pub(crate) trait Report: Serialize {
    /// The human-readable form (ends with a newline).
    fn human(&self) -> String;
}

/// Prints `report` as one JSON document (`json`) or as text.
pub(crate) fn emit<R: Report>(report: &R, json: bool) -> Result<(), Failure> {
    if json {
        print(&format!("{}\n", serde_json::to_string_pretty(report)?))
    } else {
        print(&report.human())
    }
}

/// Writes `text` to stdout, where `print!` would panic on a write error. A reader that has gone (`| head`)
/// is [`Failure::broken_pipe`], which ends the program quietly as it ends coreutils; another error (a full
/// disk) is a failure with a message.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Err(Failure::broken_pipe()),
        Err(error) => Err(anyhow::Error::new(error)
            .context("writing to standard output")
            .into()),
    }
}

/// A plain table: a header row and rows of cells, columns padded to their widest cell.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub(crate) fn new(headers: &[&str]) -> Self {
        Self {
            rows: vec![headers.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Appends a row.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, or `empty` when it has no rows below the header.
    pub(crate) fn render(&self, empty: &str) -> String {
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
                // Padded by hand: a format width above u16::MAX panics, and a cell may be a 64 KiB APDU.
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Two columns of `name  value` lines, for single records.
pub(crate) fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {v}\n"))
        .collect()
}

/// A value or `-` for an absent one.
pub(crate) fn or_dash<T: ToString>(value: Option<T>) -> String {
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
        // Wider than a format width may be (u16::MAX): a 32 KiB APDU in hex.
        let wide = "A".repeat(70_000);
        let mut table = Table::new(&["COMMAND", "SW"]);
        table.row(vec![wide.clone(), "6700".into()]);
        let text = table.render("none");
        assert_eq!(text.lines().nth(1), Some(format!("{wide}  6700").as_str()));
        assert_eq!(text.lines().next().map(str::len), Some(70_000 + 2 + 2));
        assert_eq!(
            fields(&[("EID", "89".into()), ("version", "v1.2".into())]),
            "EID      89\nversion  v1.2\n"
        );
    }
}
