//! Tab completion: command names in the first word, znode paths (children asked of the
//! server) in the others.

use std::time::Duration;

use clap::CommandFactory;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use zk_client_blocking::Client;

use crate::args::Cli;
use crate::paths;

/// How long a completion may wait for the server: a slow server must not freeze the line.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// The shell's own words, completed beside the commands.
pub(crate) const BUILTINS: [&str; 5] = ["cd", "pwd", "help", "exit", "quit"];

/// The line editor's helper: completion only.
pub(crate) struct ZkHelper {
    client: Client,
    commands: Vec<String>,
}

impl ZkHelper {
    /// A helper that asks `client` for children.
    pub(crate) fn new(client: &Client) -> ZkHelper {
        let mut commands: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .chain(BUILTINS.iter().map(|b| (*b).to_owned()))
            .collect();
        commands.sort();
        ZkHelper {
            client: client.with_timeout(LOOKUP_TIMEOUT),
            commands,
        }
    }

    /// The children of the node a partial path names, as completions of that path.
    fn paths(&self, word: &str) -> Vec<Pair> {
        // "/app/co" completes in "/app" the names starting with "co"; "co" does so in the
        // current node, and the replacement keeps the word's own directory part.
        let (dir_part, prefix) = match word.rfind('/') {
            Some(i) => (&word[..=i], &word[i + 1..]),
            None => ("", word),
        };
        let dir = paths::resolve(
            &paths::current(),
            if dir_part.is_empty() { "." } else { dir_part },
        );
        let Ok(mut children) = self.client.get_children(&dir) else {
            return Vec::new();
        };
        children.sort();
        children
            .into_iter()
            .filter(|name| name.starts_with(prefix))
            .map(|name| Pair {
                replacement: format!("{dir_part}{name}"),
                display: name,
            })
            .collect()
    }
}

impl Completer for ZkHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = word_start(before);
        let word = &before[start..];
        let candidates = if before[..start].trim().is_empty() {
            self.commands
                .iter()
                .filter(|c| c.starts_with(word))
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: format!("{c} "),
                })
                .collect()
        } else if word.starts_with('-') {
            Vec::new()
        } else {
            self.paths(word)
        };
        Ok((start, candidates))
    }
}

/// Where the word being completed begins: after the last whitespace character, whatever its
/// width in bytes.
fn word_start(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8())
}

impl Hinter for ZkHelper {
    type Hint = String;
}

impl Highlighter for ZkHelper {}

impl Validator for ZkHelper {}

impl Helper for ZkHelper {}

#[cfg(test)]
mod tests {
    use super::word_start;

    #[test]
    fn the_word_starts_after_any_whitespace() {
        assert_eq!(word_start("get /ap"), 4);
        assert_eq!(word_start("ge"), 0);
        assert_eq!(word_start("get\u{3000}/a"), "get\u{3000}".len());
        assert_eq!(word_start("ls "), 3);
    }
}
