//! Ensemble administration: the dynamic configuration, reconfig, four-letter words and the
//! server version.

use std::time::Duration;

use bytes::Bytes;
use zk_proto::{Error, ErrorCode, Request, Response, ServerVersion, Stat};

use crate::client::Client;
use crate::pending::{Pending, unexpected};
use crate::watch::OneshotWatch;

/// How long a four-letter word may take.
const FOUR_LETTER_TIMEOUT: Duration = Duration::from_secs(5);

impl Client {
    /// The ensemble's dynamic configuration (`/zookeeper/config`: `server.N=...` lines and
    /// `version=...`; empty on a standalone server) and its Stat.
    ///
    /// # Errors
    ///
    /// `NoNode` on servers before 3.5; `NoAuth`; connection errors.
    pub fn get_config(&self) -> Pending<(Bytes, Stat)> {
        Pending::reply(
            self.send(Request::GetConfig { watch: false }),
            |reply| match reply? {
                Response::Data { data, stat } => Ok((data, stat)),
                other => Err(unexpected(other)),
            },
        )
    }

    /// Like [`get_config`](Client::get_config), leaving a watch on the configuration.
    ///
    /// # Errors
    ///
    /// As [`get_config`](Client::get_config); no watch is left on an error.
    pub fn get_config_watched(&self) -> Pending<(Bytes, Stat, OneshotWatch)> {
        let reply = self.send_watched(Request::GetConfig { watch: true });
        Pending::steps(async move {
            match reply.await? {
                (Response::Data { data, stat }, Some(watch)) => Ok((data, stat, watch)),
                (other, _) => Err(unexpected(other)),
            }
        })
    }

    /// Changes the ensemble membership (servers with `reconfigEnabled=true`; needs the rights
    /// to do so). `joining` and `leaving` are comma-separated server specs and ids for an
    /// incremental change; `new_members` replaces the membership; `from_config` applies it only
    /// if the current configuration version matches. Returns the new configuration.
    ///
    /// # Errors
    ///
    /// `ReconfigDisabled`, `NoAuth`, `BadArguments`, `NewConfigNoQuorum`,
    /// `ReconfigInProgress`, `BadVersion` (`from_config` did not match); connection errors.
    pub fn reconfig(
        &self,
        joining: Option<&str>,
        leaving: Option<&str>,
        new_members: Option<&str>,
        from_config: Option<i64>,
    ) -> Pending<(Bytes, Stat)> {
        let request = Request::Reconfig {
            joining: joining.map(str::to_owned),
            leaving: leaving.map(str::to_owned),
            new_members: new_members.map(str::to_owned),
            from_config,
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Data { data, stat } => Ok((data, stat)),
            other => Err(unexpected(other)),
        })
    }

    /// Sends a four-letter word (`ruok`, `srvr`, `mntr`, `conf`, ...) to the server of the
    /// current connection, on a connection of its own, and returns its reply. The server must
    /// whitelist the word (`4lw.commands.whitelist`; only `srvr` is allowed by default since
    /// 3.5.3).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] if `word` is not four ASCII characters.
    /// - [`Error::ConnectionLoss`] if the client is not connected (there is no server to ask).
    /// - [`Error::FourLetterWord`] if the exchange failed: refused, broken, or no answer within
    ///   5 s (the cause's kind is then `TimedOut`); the I/O error is its `source()`. The
    ///   session is not affected.
    ///
    /// A word the server does not whitelist is not an error: the reply says so in words
    /// (`... is not executed because it is not in the whitelist.`).
    pub async fn four_letter_word(&self, word: &str) -> Result<String, Error> {
        if word.len() != 4 || !word.is_ascii() {
            return Err(Error::InvalidArgument {
                argument: "word",
                reason: "a four-letter word has four ASCII letters",
            });
        }
        let host = self
            .shared
            .lock()
            .current_host
            .clone()
            .ok_or(Error::ConnectionLoss)?;
        let runtime = self.shared.runtime.clone();
        let deadline = runtime.now() + FOUR_LETTER_TIMEOUT;
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(word.as_bytes());
        let layer = self.shared.transport_layer.clone();
        match crate::four_letter::exchange(runtime, layer, host, bytes, deadline).await {
            Err(err) => {
                tracing::debug!(%err, word, "four-letter word failed");
                Err(Error::FourLetterWord {
                    word: word.to_owned(),
                    cause: err.into(),
                })
            }
            Ok(reply) => Ok(String::from_utf8_lossy(&reply).into_owned()),
        }
    }

    /// Asks the current server for its version (`srvr`) and remembers it, so that operations
    /// the server lacks fail locally with `Unimplemented` instead of costing a connection.
    ///
    /// # Errors
    ///
    /// As [`four_letter_word`](Client::four_letter_word);
    /// `Error::Server(ErrorCode::Unimplemented)` if the reply names no version: the server
    /// does not whitelist `srvr` and says so in words instead.
    pub async fn probe_server_version(&self) -> Result<ServerVersion, Error> {
        let reply = self.four_letter_word("srvr").await?;
        let version =
            ServerVersion::find_in(&reply).ok_or(Error::Server(ErrorCode::Unimplemented))?;
        self.shared.learn_server_version(version);
        Ok(version)
    }

    /// The server version: the configured or learned one, else asked for with `srvr`.
    ///
    /// # Errors
    ///
    /// When it has to ask, as [`probe_server_version`](Client::probe_server_version).
    pub async fn server_version(&self) -> Result<ServerVersion, Error> {
        match self.known_server_version() {
            Some(version) => Ok(version),
            None => self.probe_server_version().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Instant;

    use zk_proto::{Error, HostPort, Session, SessionConfig};

    use crate::client::Client;
    use crate::runtime::{BoxFuture, Runtime, Transport};

    /// Every connection is refused (or, with `hang`, never completes while every timer is
    /// already due); no driver runs, so the test sets the current server by hand.
    struct Unreachable {
        hang: bool,
    }

    impl Runtime for Unreachable {
        fn resolve(&self, _: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
            Box::pin(std::future::ready(Ok(vec![SocketAddr::from((
                [127, 0, 0, 1],
                port,
            ))])))
        }

        fn connect_tcp(&self, _: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn Transport>>> {
            if self.hang {
                Box::pin(std::future::pending())
            } else {
                Box::pin(std::future::ready(Err(
                    io::ErrorKind::ConnectionRefused.into()
                )))
            }
        }

        fn sleep_until(&self, _: Instant) -> BoxFuture<'static, ()> {
            if self.hang {
                Box::pin(std::future::ready(()))
            } else {
                Box::pin(std::future::pending())
            }
        }

        fn spawn(&self, _: BoxFuture<'static, ()>) {}
    }

    fn client(hang: bool) -> Client {
        let config = SessionConfig::new("127.0.0.1:2181").expect("a valid connect string");
        let session = Session::new(config, Instant::now()).expect("a session");
        let client = Client::start(session, Arc::new(Unreachable { hang }), None, Vec::new());
        client.shared.lock().current_host = Some(HostPort::new("127.0.0.1", 2181));
        client
    }

    fn cause_kind(result: Result<String, Error>) -> io::ErrorKind {
        match result {
            Err(Error::FourLetterWord { word, cause }) => {
                assert_eq!(word, "ruok");
                cause.kind()
            }
            other => panic!("expected a four-letter-word error, got {other:?}"),
        }
    }

    #[test]
    fn a_refused_four_letter_word_reports_its_io_cause_not_a_server_code() {
        let result = futures_lite::future::block_on(client(false).four_letter_word("ruok"));
        let err = result.clone().unwrap_err();
        assert_eq!(err.code(), None);
        assert!(std::error::Error::source(&err).is_some());
        assert_eq!(cause_kind(result), io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn an_unanswered_four_letter_word_times_out_as_an_io_cause() {
        let result = futures_lite::future::block_on(client(true).four_letter_word("ruok"));
        assert_eq!(cause_kind(result), io::ErrorKind::TimedOut);
    }

    #[test]
    fn without_a_connection_there_is_no_server_to_ask() {
        let client = client(false);
        client.shared.lock().current_host = None;
        let result = futures_lite::future::block_on(client.four_letter_word("ruok"));
        assert_eq!(result, Err(Error::ConnectionLoss));
    }
}
