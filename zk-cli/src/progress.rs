//! A progress line on stderr for long reads and writes, on a terminal only.
//!
//! It appears once an operation has passed [`SHOW_AFTER`] nodes, so the everyday small
//! command draws nothing, and it is cleared when the operation ends (the final count is the
//! command's own output). Off a terminal nothing is drawn: scripts read stderr too.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// How many nodes an operation handles before its progress is shown.
pub(crate) const SHOW_AFTER: u64 = 2000;

/// The progress of one operation.
pub(crate) struct Progress {
    label: String,
    total: Option<u64>,
    count: u64,
    /// When the operation began: the bar shown later counts its elapsed time from there.
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress labelled `label` (`reading /app`), out of `total` nodes if known.
    pub(crate) fn new(label: impl Into<String>, total: Option<u64>) -> Progress {
        Progress {
            label: label.into(),
            total,
            count: 0,
            started: Instant::now(),
            bar: None,
        }
    }

    /// One more node done.
    pub(crate) fn inc(&mut self) {
        self.count += 1;
        if let Some(bar) = &self.bar {
            bar.set_position(self.count);
        } else if self.count >= SHOW_AFTER && std::io::stderr().is_terminal() {
            self.bar = Some(self.draw());
        }
    }

    fn draw(&self) -> ProgressBar {
        let (bar, template) = match self.total {
            Some(total) => (
                ProgressBar::new(total),
                "{msg} [{bar:30}] {pos}/{len} nodes, {elapsed}",
            ),
            None => (
                ProgressBar::new_spinner(),
                "{spinner} {msg}: {pos} nodes, {elapsed}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        let bar = bar.with_elapsed(self.started.elapsed());
        bar.set_message(self.label.clone());
        bar.set_position(self.count);
        bar
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
