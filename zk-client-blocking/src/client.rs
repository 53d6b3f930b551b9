//! The blocking client: every operation of the async client as a call that waits.

use std::time::Duration;

use zk_client::{
    Acl, AddWatchMode, Bytes, ClientInfo, CreateOptions, Error, MultiResult, ReadOp, ReadResult,
    Request, Response, RetryPolicy, ServerVersion, SessionId, SessionState, Stat, Transaction,
    TransactionError, WatcherType,
};

use crate::block_on::block_on;
use crate::watch::{StateChanges, Watch, WatchEvents};

/// A blocking handle to one ZooKeeper session: `Send + Sync + Clone`, clones share the session,
/// and the session is closed when the last clone goes.
#[derive(Debug, Clone)]
pub struct Client {
    inner: zk_client::Client,
}

/// Declares blocking methods that wait for the async method of the same name.
macro_rules! blocking {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        $(
            $(#[$doc])*
            #[doc = ""]
            #[doc = "# Errors"]
            #[doc = ""]
            #[doc = concat!(
                "Those of [`zk_client::Client::", stringify!($name), "`], which this call waits for."
            )]
            pub fn $name(&self $(, $arg: $ty)*) -> $ret {
                block_on(self.inner.$name($($arg),*))
            }
        )*
    };
}

impl Client {
    /// Wraps an async client (for instance one shared with async code).
    pub fn from_async(inner: zk_client::Client) -> Client {
        Client { inner }
    }

    /// The async client underneath, for recipes and other async code (run it with
    /// [`block_on`](crate::block_on)).
    pub fn async_client(&self) -> &zk_client::Client {
        &self.inner
    }

    /// A handle to the same session whose calls fail with `Timeout` after `timeout`.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            inner: self.inner.with_request_timeout(timeout),
        }
    }

    blocking! {
        /// Submits any request and waits for its outcome.
        fn execute(&self, request: Request) -> Result<Response, Error>;
        /// Creates a persistent node with the default ACL; returns its path.
        fn create(&self, path: &str, data: impl Into<Bytes>) -> Result<String, Error>;
        /// Creates a node with `options`; returns its path.
        fn create_with(&self, path: &str, data: impl Into<Bytes>, options: &CreateOptions) -> Result<String, Error>;
        /// Creates a node with `options`; returns its path and Stat.
        fn create_with_stat(&self, path: &str, data: impl Into<Bytes>, options: &CreateOptions) -> Result<(String, Stat), Error>;
        /// Creates `path` and its missing ancestors.
        fn ensure_path(&self, path: &str) -> Result<(), Error>;
        /// `ensure_path` with an explicit ACL.
        fn ensure_path_with_acl(&self, path: &str, acl: &[Acl]) -> Result<(), Error>;
        /// Deletes a node; `version` must match if given.
        fn delete(&self, path: &str, version: Option<i32>) -> Result<(), Error>;
        /// Deletes a node and everything below it.
        fn delete_recursive(&self, path: &str) -> Result<(), Error>;
        /// The node's Stat, or `None` if it does not exist.
        fn exists(&self, path: &str) -> Result<Option<Stat>, Error>;
        /// The node's data and Stat.
        fn get_data(&self, path: &str) -> Result<(Bytes, Stat), Error>;
        /// Sets the node's data; `version` must match if given.
        fn set_data(&self, path: &str, data: impl Into<Bytes>, version: Option<i32>) -> Result<Stat, Error>;
        /// The names of the node's children.
        fn get_children(&self, path: &str) -> Result<Vec<String>, Error>;
        /// The children and the node's Stat.
        fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat), Error>;
        /// The number of descendants (3.6+).
        fn count_descendants(&self, path: &str) -> Result<i32, Error>;
        /// This session's ephemeral nodes under a prefix (3.6+).
        fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>, Error>;
        /// The node's ACL and Stat.
        fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat), Error>;
        /// Sets the node's ACL; `version` must match its aversion if given.
        fn set_acl(&self, path: &str, acl: Vec<Acl>, version: Option<i32>) -> Result<Stat, Error>;
        /// Syncs the server with the leader for `path`.
        fn sync(&self, path: &str) -> Result<(), Error>;
        /// Removes every watch of a type on a path, here and on the server (3.5+).
        fn remove_all_watches(&self, path: &str, watcher_type: WatcherType) -> Result<(), Error>;
        /// Whether the server holds a watch of a type on a path for this connection (3.5+).
        fn check_watches(&self, path: &str, watcher_type: WatcherType) -> Result<(), Error>;
        /// The connection's identities (3.7+).
        fn who_am_i(&self) -> Result<Vec<ClientInfo>, Error>;
        /// Several reads in one round trip (3.6+).
        fn multi_read(&self, ops: Vec<ReadOp>) -> Result<Vec<ReadResult>, Error>;
        /// Adds a credential to the session.
        fn add_auth(&self, scheme: &str, credential: impl Into<Bytes>) -> Result<(), Error>;
        /// The dynamic configuration and its Stat.
        fn get_config(&self) -> Result<(Bytes, Stat), Error>;
        /// Changes the ensemble membership.
        fn reconfig(&self, joining: Option<&str>, leaving: Option<&str>, new_members: Option<&str>, from_config: Option<i64>) -> Result<(Bytes, Stat), Error>;
        /// A four-letter word's reply from the current server.
        fn four_letter_word(&self, word: &str) -> Result<String, Error>;
        /// The server version.
        fn server_version(&self) -> Result<ServerVersion, Error>;
        /// Waits until connected (to a read/write or read-only server).
        fn wait_connected(&self, timeout: Duration) -> Result<(), Error>;
    }

    /// Like `exists`, leaving a watch.
    ///
    /// # Errors
    ///
    /// Those of [`zk_client::Client::exists_watched`], which this call waits for.
    pub fn exists_watched(&self, path: &str) -> Result<(Option<Stat>, Watch), Error> {
        let (stat, watch) = block_on(self.inner.exists_watched(path))?;
        Ok((stat, Watch::new(watch)))
    }

    /// Like `get_data`, leaving a watch.
    ///
    /// # Errors
    ///
    /// Those of [`zk_client::Client::get_data_watched`], which this call waits for.
    pub fn get_data_watched(&self, path: &str) -> Result<(Bytes, Stat, Watch), Error> {
        let (data, stat, watch) = block_on(self.inner.get_data_watched(path))?;
        Ok((data, stat, Watch::new(watch)))
    }

    /// Like `get_children_with_stat`, leaving a watch.
    ///
    /// # Errors
    ///
    /// Those of [`zk_client::Client::get_children_watched`], which this call waits for.
    pub fn get_children_watched(&self, path: &str) -> Result<(Vec<String>, Stat, Watch), Error> {
        let (children, stat, watch) = block_on(self.inner.get_children_watched(path))?;
        Ok((children, stat, Watch::new(watch)))
    }

    /// Like `get_config`, leaving a watch.
    ///
    /// # Errors
    ///
    /// Those of [`zk_client::Client::get_config_watched`], which this call waits for.
    pub fn get_config_watched(&self) -> Result<(Bytes, Stat, Watch), Error> {
        let (data, stat, watch) = block_on(self.inner.get_config_watched())?;
        Ok((data, stat, Watch::new(watch)))
    }

    /// Adds a persistent or persistent-recursive watch (3.6+); its events are an iterator.
    ///
    /// # Errors
    ///
    /// Those of [`zk_client::Client::add_watch`], which this call waits for.
    pub fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<WatchEvents, Error> {
        Ok(WatchEvents::new(block_on(
            self.inner.add_watch(path, mode),
        )?))
    }

    /// Starts an atomic transaction; commit it with [`Client::commit`].
    pub fn transaction(&self) -> Transaction {
        self.inner.transaction()
    }

    /// Commits a transaction built with [`Client::transaction`].
    ///
    /// # Errors
    ///
    /// Those of [`Transaction::commit`]: the failing operation's index and error if the server
    /// refused the transaction, or the client's error if it could not be run.
    pub fn commit(&self, transaction: Transaction) -> Result<Vec<MultiResult>, TransactionError> {
        block_on(transaction.commit())
    }

    /// Runs `operation` (a blocking closure) with retries, kazoo style: retried while it fails
    /// with a connection error, sleeping on this thread in between.
    ///
    /// # Errors
    ///
    /// The last error of `operation`: one that is not retried, or the last attempt's once
    /// `policy` gives up (see [`zk_client::Client::retry`]).
    pub fn retry<T>(
        &self,
        policy: &RetryPolicy,
        mut operation: impl FnMut(&Client) -> Result<T, Error>,
    ) -> Result<T, Error> {
        block_on(
            self.inner
                .retry(policy, || std::future::ready(operation(self))),
        )
    }

    /// How many watchers this client holds that have not ended (see
    /// [`zk_client::Client::watch_count`]).
    pub fn watch_count(&self) -> usize {
        self.inner.watch_count()
    }

    /// Why the last connection attempt that failed before a session was established failed,
    /// if one did (see [`zk_client::Client::last_connect_error`]).
    pub fn last_connect_error(&self) -> Option<String> {
        self.inner.last_connect_error()
    }

    /// The current session state.
    pub fn state(&self) -> SessionState {
        self.inner.state()
    }

    /// Every state change from now on.
    pub fn state_changes(&self) -> StateChanges {
        StateChanges::new(self.inner.state_changes())
    }

    /// The session id.
    pub fn session_id(&self) -> Option<SessionId> {
        self.inner.session_id()
    }

    /// The session password.
    pub fn session_password(&self) -> Option<Bytes> {
        self.inner.session_password()
    }

    /// The negotiated session timeout.
    pub fn negotiated_timeout(&self) -> Option<Duration> {
        self.inner.negotiated_timeout()
    }

    /// The highest zxid seen.
    pub fn last_zxid(&self) -> i64 {
        self.inner.last_zxid()
    }

    /// Closes the session and waits until that is confirmed (or the close timeout passes).
    pub fn close(&self) {
        block_on(self.inner.close());
    }
}
