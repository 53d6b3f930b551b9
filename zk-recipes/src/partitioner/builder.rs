//! The settings of a partitioner and its start: the paths, joining the party on the session
//! that will hold the locks, and the driver's spawn.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use zk_client::{Client, Error, RetryPolicy};

use crate::error::{RecipeError, Result};
use crate::naming::hostname;
use crate::party::ShallowParty;
use crate::support::paths::join;
use crate::support::retry::retry;
use crate::support::session::SessionWatch;

use super::driver::Driver;
use super::handle::{SetPartitioner, Shared};
use super::{PartitionFunc, default_partition};

/// Settings of a [`SetPartitioner`]; [`start`](SetPartitionerBuilder::start) joins the party.
#[must_use = "a builder does nothing until started"]
pub struct SetPartitionerBuilder {
    client: Client,
    path: String,
    set: Vec<String>,
    identifier: Option<String>,
    time_boundary: Duration,
    max_reaction_time: Duration,
    partition_func: PartitionFunc,
}

impl fmt::Debug for SetPartitionerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPartitionerBuilder")
            .field("path", &self.path)
            .field("set", &self.set)
            .field("identifier", &self.identifier)
            .field("time_boundary", &self.time_boundary)
            .field("max_reaction_time", &self.max_reaction_time)
            .finish_non_exhaustive()
    }
}

impl SetPartitionerBuilder {
    /// The default settings for a partitioner of `set` on `path`.
    pub(super) fn new(client: &Client, path: &str, set: Vec<String>) -> SetPartitionerBuilder {
        SetPartitionerBuilder {
            client: client.clone(),
            path: path.to_owned(),
            set,
            identifier: None,
            time_boundary: Duration::from_secs(30),
            max_reaction_time: Duration::from_secs(1),
            partition_func: Arc::new(default_partition),
        }
    }

    /// This member's identifier (default `<host name>-<pid>`, as kazoo's); it becomes part of a
    /// node name, so it must not contain `/`, and it must be unique in the party.
    pub fn with_identifier(mut self, identifier: &str) -> Self {
        self.identifier = Some(identifier.to_owned());
        self
    }

    /// How long the party must stay unchanged before the set is divided (default 30 s).
    pub fn with_time_boundary(mut self, time_boundary: Duration) -> Self {
        self.time_boundary = time_boundary;
        self
    }

    /// How long one attempt to lock an item waits before the party is looked at again
    /// (default 1 s).
    pub fn with_max_reaction_time(mut self, max_reaction_time: Duration) -> Self {
        self.max_reaction_time = max_reaction_time;
        self
    }

    /// A custom partition function (default [`default_partition`]).
    pub fn with_partition_func(
        mut self,
        func: impl Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.partition_func = Arc::new(func);
        self
    }

    /// Creates the paths, joins the party and starts allocating.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk(InvalidArgument)` for an identifier with a `/`;
    /// [`RecipeError::SessionLost`] if the session changed while joining; `RecipeError::Zk` if
    /// creating the paths or the party node fails.
    pub async fn start(self) -> Result<SetPartitioner> {
        let client = self.client.clone();
        let identifier = self
            .identifier
            .unwrap_or_else(|| format!("{}-{}", hostname(), std::process::id()));
        if identifier.contains('/') {
            return Err(Error::InvalidArgument {
                argument: "identifier",
                reason: "a partitioner identifier cannot contain '/'",
            }
            .into());
        }
        let lock_path = join(&self.path, "locks");
        for path in [&self.path, &lock_path] {
            retry(&client, || client.ensure_path(path)).await?;
        }
        // Membership is kazoo's ShallowParty, as in kazoo. Nothing is held yet: a join lost
        // with its session is simply made again.
        let mut party = ShallowParty::new(&client, &join(&self.path, "party"))
            .with_identifier(&identifier)
            .with_retry(RetryPolicy::forever().with_retry_on_expiry(true));
        party.join().await?;
        // The session that holds the membership, and so the locks taken for it.
        let Some(owner) = party.owner().await? else {
            return Err(RecipeError::SessionLost);
        };
        let session = SessionWatch::new(&client, owner);
        if !session.is_current() {
            let _ = party.leave().await;
            return Err(RecipeError::SessionLost);
        }
        let shared = Arc::new(Shared::new());
        let driver = Driver {
            client: client.clone(),
            shared: shared.clone(),
            identifier: identifier.clone(),
            set: self.set,
            lock_path,
            party,
            owner,
            session,
            time_boundary: self.time_boundary,
            max_reaction_time: self.max_reaction_time,
            partition_func: self.partition_func,
            locks: Vec::new(),
            party_watch: None,
            party_changed: false,
            commands_seen: 0,
        };
        client.runtime().spawn(driver.run());
        Ok(SetPartitioner {
            client,
            shared,
            identifier,
            path: self.path,
        })
    }
}
