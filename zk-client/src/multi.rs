//! Transactions (multi) and batched reads (multiRead).

use std::fmt;

use bytes::Bytes;
use zk_proto::{
    CreateMode, Error, MultiOp, MultiResult, ReadOp, ReadResult, Request, Response, first_error,
};

use crate::client::Client;
use crate::pending::{Pending, unexpected};

/// A failed transaction: nothing was applied.
///
/// A record the library produces and callers read: its fields are public and it is
/// `#[non_exhaustive]`, so a field may be added.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionError {
    /// Why it failed: the first failing operation's error, or a connection error (then
    /// `failed_op` is `None` and the outcome is unknown, as for any write).
    pub error: Error,
    /// The index of the operation that failed.
    pub failed_op: Option<usize>,
    /// Every operation's result as the server reported it (empty if there was no reply).
    pub results: Vec<MultiResult>,
}

impl fmt::Display for TransactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failed_op {
            Some(i) => write!(f, "transaction failed at operation {i}: {}", self.error),
            None => write!(f, "transaction failed: {}", self.error),
        }
    }
}

impl std::error::Error for TransactionError {}

impl From<TransactionError> for Error {
    fn from(err: TransactionError) -> Error {
        err.error
    }
}

/// Builds an atomic transaction: every operation applies, or none does.
///
/// ```no_run
/// # async fn demo(client: zk_client::Client) -> Result<(), zk_client::TransactionError> {
/// use zk_client::CreateMode;
/// let results = client
///     .transaction()
///     .check("/config", 3)
///     .create("/config/v4", "data", CreateMode::Persistent)
///     .set_data("/config", "v4", Some(3))
///     .commit()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a transaction does nothing until committed"]
pub struct Transaction {
    client: Client,
    ops: Vec<MultiOp>,
}

impl Transaction {
    /// Creates a node with the client's default ACL.
    pub fn create(self, path: &str, data: impl Into<Bytes>, mode: CreateMode) -> Self {
        let acl = self.client.default_acl().to_vec();
        self.create_with_acl(path, data, mode, acl)
    }

    /// Creates a node with an explicit ACL.
    pub fn create_with_acl(
        mut self,
        path: &str,
        data: impl Into<Bytes>,
        mode: CreateMode,
        acl: Vec<zk_proto::Acl>,
    ) -> Self {
        self.ops.push(MultiOp::Create {
            path: path.to_owned(),
            data: data.into(),
            acl,
            mode,
        });
        self
    }

    /// Deletes a node (checking its data version if given).
    pub fn delete(mut self, path: &str, version: Option<i32>) -> Self {
        self.ops.push(MultiOp::Delete {
            path: path.to_owned(),
            version,
        });
        self
    }

    /// Sets a node's data (checking its data version if given).
    pub fn set_data(mut self, path: &str, data: impl Into<Bytes>, version: Option<i32>) -> Self {
        self.ops.push(MultiOp::SetData {
            path: path.to_owned(),
            data: data.into(),
            version,
        });
        self
    }

    /// Fails the transaction unless the node's data version is `version`.
    pub fn check(mut self, path: &str, version: i32) -> Self {
        self.ops.push(MultiOp::Check {
            path: path.to_owned(),
            version,
        });
        self
    }

    /// How many operations it holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether it holds no operation (committing it succeeds without a round trip).
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Runs the transaction: submitted now (in call order with the client's other requests).
    /// On success, one result per operation, in order.
    ///
    /// # Errors
    ///
    /// A [`TransactionError`] saying which operation failed and why (`NoNode`, `NodeExists`,
    /// `BadVersion`, `NotEmpty`, `NoAuth`, ...), with every operation's result; nothing was
    /// applied. Or a connection error (`failed_op` is `None`): after `ConnectionLoss` the
    /// outcome is unknown, as for any write; the same for [`Error::Protocol`], a reply that
    /// is not a multi's.
    pub fn commit(self) -> Pending<Vec<MultiResult>, TransactionError> {
        Pending::reply(
            self.client.send(Request::Multi(self.ops)),
            |reply| match reply {
                Ok(Response::Multi(results)) => match first_error(&results) {
                    None => Ok(results),
                    Some((index, error)) => Err(TransactionError {
                        error: error.clone(),
                        failed_op: Some(index),
                        results,
                    }),
                },
                Ok(other) => Err(TransactionError {
                    error: unexpected(other),
                    failed_op: None,
                    results: Vec::new(),
                }),
                Err(error) => Err(TransactionError {
                    error,
                    failed_op: None,
                    results: Vec::new(),
                }),
            },
        )
    }
}

impl Client {
    /// Starts an atomic transaction (multi).
    pub fn transaction(&self) -> Transaction {
        Transaction {
            client: self.clone(),
            ops: Vec::new(),
        }
    }

    /// Runs several reads in one round trip (multiRead, 3.6+). Not atomic: each read succeeds
    /// or fails on its own. No watches are set.
    ///
    /// # Errors
    ///
    /// `Unimplemented` before 3.6; connection errors. A failed read is an error in its own
    /// result, not of the call.
    pub fn multi_read(&self, ops: Vec<ReadOp>) -> Pending<Vec<ReadResult>> {
        Pending::reply(self.send(Request::MultiRead(ops)), |reply| match reply? {
            Response::MultiRead(results) => Ok(results),
            other => Err(unexpected(other)),
        })
    }
}
