//! One four-letter-word exchange (`docs/protocol.md#four-letter-words`): a connection of its
//! own to one server, the four bytes, and the reply read until the server closes. Used by
//! [`Client::four_letter_word`](crate::Client::four_letter_word) and by the driver's search
//! for a read/write server (`isro`).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use zk_proto::HostPort;

use crate::runtime::{Runtime, TransportLayer, open_transport, until_deadline};

/// The most of a reply that is read (`mntr` and `cons` on a busy server stay far below).
const REPLY_MAX: usize = 4 << 20;

/// Sends `word` to `host` (through the transport layer, so TLS ports work too) and returns the
/// reply; fails with `TimedOut` if it is not complete by `deadline`.
pub(crate) async fn exchange(
    runtime: Arc<dyn Runtime>,
    layer: Option<Arc<dyn TransportLayer>>,
    host: HostPort,
    word: [u8; 4],
    deadline: Instant,
) -> io::Result<Vec<u8>> {
    let talk = async {
        let mut stream = open_transport(runtime.clone(), layer, host, deadline).await?;
        let mut sent = 0;
        while sent < word.len() {
            let n = std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_write(cx, &word[sent..]))
                .await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            sent += n;
        }
        std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_flush(cx)).await?;
        let mut reply = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n =
                std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_read(cx, &mut buf)).await?;
            if n == 0 || reply.len() + n > REPLY_MAX {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
        }
        Ok(reply)
    };
    until_deadline(&runtime, deadline, talk)
        .await
        .unwrap_or_else(|| Err(io::Error::new(io::ErrorKind::TimedOut, "no reply in time")))
}
