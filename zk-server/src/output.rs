//! What the server asks its driver to do, in order.

use std::collections::VecDeque;

use crate::ids::ConnectionId;

/// One thing for the driver to do. Carry them out in the order
/// [`Server::poll_output`](crate::Server::poll_output) returns them: a connection's bytes
/// come before its close.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Write these bytes to the connection (whole frames, possibly several).
    Transmit {
        /// Where.
        conn: ConnectionId,
        /// What.
        data: Vec<u8>,
    },
    /// Close the connection once what was queued before is written. The server has already
    /// forgotten it: later input for it is ignored.
    Close(ConnectionId),
}

/// The ordered queue behind `poll_output`. Consecutive frames for one connection share one
/// `Transmit`, so a burst of replies leaves in one write.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    queue: VecDeque<Output>,
}

impl Outputs {
    /// Appends bytes for `conn`, written by `write`.
    pub(crate) fn transmit(&mut self, conn: ConnectionId, write: impl FnOnce(&mut Vec<u8>)) {
        if let Some(Output::Transmit { conn: last, data }) = self.queue.back_mut() {
            if *last == conn {
                write(data);
                return;
            }
        }
        let mut data = Vec::new();
        write(&mut data);
        self.queue.push_back(Output::Transmit { conn, data });
    }

    /// Queues a close.
    pub(crate) fn close(&mut self, conn: ConnectionId) {
        self.queue.push_back(Output::Close(conn));
    }

    /// The next output.
    pub(crate) fn pop(&mut self) -> Option<Output> {
        self.queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_for_one_connection_coalesce_until_another_intervenes() {
        let (a, b) = (ConnectionId::new(1), ConnectionId::new(2));
        let mut out = Outputs::default();
        out.transmit(a, |d| d.push(1));
        out.transmit(a, |d| d.push(2));
        out.transmit(b, |d| d.push(3));
        out.transmit(a, |d| d.push(4));
        out.close(a);
        let all: Vec<Output> = std::iter::from_fn(|| out.pop()).collect();
        assert_eq!(
            all,
            [
                Output::Transmit {
                    conn: a,
                    data: vec![1, 2]
                },
                Output::Transmit {
                    conn: b,
                    data: vec![3]
                },
                Output::Transmit {
                    conn: a,
                    data: vec![4]
                },
                Output::Close(a),
            ]
        );
    }
}
