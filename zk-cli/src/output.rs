//! Where results go: text lines or JSON documents on stdout, aligned tables, and colour on a
//! terminal only.

use std::io::{self, IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use serde_json::Value;

/// The command's stdout, in the form `--json` chose.
pub(crate) struct Out {
    /// Whether `--json` was given.
    json: bool,
    /// Whether text may be coloured: stdout is a terminal and `NO_COLOR` is not set.
    colour: bool,
    stdout: io::StdoutLock<'static>,
}

/// How a node with children is shown on a terminal, as `ls` shows a directory.
pub(crate) const PARENT: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Blue)));
/// How an ephemeral node is shown on a terminal.
pub(crate) const EPHEMERAL: Style =
    Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

impl Out {
    /// Stdout, for text or for JSON.
    pub(crate) fn new(json: bool) -> Out {
        let stdout = io::stdout();
        let colour = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Out {
            json,
            colour,
            stdout: stdout.lock(),
        }
    }

    /// Switches JSON on or off (each line of the shell asks for itself).
    pub(crate) fn set_json(&mut self, json: bool) {
        self.json = json;
    }

    /// `text` in `style` when colour is on, else as it is. Only for the last column of a table
    /// or unaligned text: the escape codes have no width, but `table` would count them.
    pub(crate) fn paint(&self, style: Style, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// Whether JSON was asked for.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// One JSON document, pretty-printed: the whole output of a command.
    pub(crate) fn document(&mut self, value: &Value) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.stdout, value)?;
        writeln!(self.stdout)
    }

    /// One JSON line, flushed at once: an item of a stream.
    pub(crate) fn json_line(&mut self, value: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.stdout, value)?;
        writeln!(self.stdout)?;
        self.stdout.flush()
    }

    /// One line of text.
    pub(crate) fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.stdout, "{text}")
    }

    /// Bytes as they are (`get --format raw`), without a newline.
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stdout.write_all(bytes)
    }

    /// Rows as columns padded to their widest cell (the last column is not padded).
    pub(crate) fn table(&mut self, rows: &[Vec<String>]) -> io::Result<()> {
        for line in align(rows) {
            self.line(&line)?;
        }
        Ok(())
    }

    /// Flushes what is buffered.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.stdout.flush()
    }
}

/// The lines of a table whose columns are separated by two spaces.
fn align(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if c + 1 < row.len() {
                    let pad = widths[c] - cell.chars().count();
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::align;

    #[test]
    fn columns_line_up_and_the_last_is_not_padded() {
        let rows = vec![
            vec!["NAME".to_owned(), "SIZE".to_owned(), "X".to_owned()],
            vec!["a".to_owned(), "12345".to_owned(), "y".to_owned()],
        ];
        assert_eq!(align(&rows), ["NAME  SIZE   X", "a     12345  y"]);
    }
}
