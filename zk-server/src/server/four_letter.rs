//! Four-letter words: a fresh connection whose first four bytes spell a command gets a text
//! answer and is closed. `ruok`, `isro` and `srvr` are served (the ones clients probe).

use super::Server;

/// The version this server presents itself as.
pub(crate) const VERSION: &str = "3.9.3-zk-server";

impl Server {
    /// The answer to a four-letter word, `None` if `word` is not one (it is then the start
    /// of a frame length).
    pub(super) fn four_letter_word(&self, word: &[u8]) -> Option<String> {
        match word {
            b"ruok" => Some("imok".to_owned()),
            // No trailing newline, as ZooKeeper writes it.
            b"isro" => Some("rw".to_owned()),
            b"srvr" => Some(format!(
                "Zookeeper version: {VERSION}, built on 01/01/2024 00:00 GMT\n\
                 Latency min/avg/max: 0/0.0/0\n\
                 Received: 0\n\
                 Sent: 0\n\
                 Connections: {}\n\
                 Outstanding: 0\n\
                 Zxid: 0x{:x}\n\
                 Mode: standalone\n\
                 Node count: {}\n",
                self.conns.len(),
                self.last_zxid,
                self.tree.len()
            )),
            _ => None,
        }
    }
}
