//! kazoo's group membership: [`Party`] (identifiers in the nodes' data) and [`ShallowParty`]
//! (identifiers in the node names), on kazoo's node names.

use bytes::Bytes;
use zk_client::{
    Client, CreateMode, CreateOptions, Error, ErrorCode, OneshotWatch, RetryPolicy, SessionId,
};

use crate::error::Result;
use crate::naming::kazoo_uuid;
use crate::support::paths::join;
use crate::support::retry::retry_in_session;

/// What both parties share: a member node at `create_path` holding the identifier.
#[derive(Debug)]
struct Member {
    client: Client,
    path: String,
    data: Bytes,
    node: String,
    create_path: String,
    participating: bool,
    retry: RetryPolicy,
}

impl Member {
    fn new(client: &Client, path: &str, identifier: &str, node: String) -> Member {
        Member {
            client: client.clone(),
            path: path.to_owned(),
            data: Bytes::from(identifier.to_owned()),
            create_path: join(path, &node),
            node,
            participating: false,
            retry: RetryPolicy::default(),
        }
    }

    /// Sets the identifier (the node's data) and the node's name.
    fn rename(&mut self, identifier: &str, node: String) {
        self.data = Bytes::from(identifier.to_owned());
        self.create_path = join(&self.path, &node);
        self.node = node;
    }

    async fn join(&mut self) -> Result<()> {
        self.client
            .retry(&self.retry, || self.client.ensure_path(&self.path))
            .await?;
        let options = CreateOptions::mode(CreateMode::Ephemeral);
        let created = self
            .client
            .retry(&self.retry, || {
                self.client
                    .create_with(&self.create_path, self.data.clone(), &options)
            })
            .await;
        match created {
            // Already there: an earlier attempt whose reply was lost, or a second join.
            Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => {
                self.participating = true;
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn leave(&mut self) -> Result<bool> {
        self.participating = false;
        match self.client.delete(&self.create_path, None).await {
            Ok(()) => Ok(true),
            Err(Error::Server(ErrorCode::NoNode)) => Ok(false),
            Err(error) if self.retry.is_retryable(&error) => {
                match self
                    .client
                    .retry(&self.retry, || self.client.delete(&self.create_path, None))
                    .await
                {
                    Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => Ok(true),
                    Err(error) => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn children(&self) -> Result<Vec<String>> {
        self.client
            .retry(&self.retry, || self.client.ensure_path(&self.path))
            .await?;
        Ok(self
            .client
            .retry(&self.retry, || self.client.get_children(&self.path))
            .await?)
    }

    /// The session that owns this member's node; `None` if there is no node.
    async fn owner(&self) -> Result<Option<SessionId>> {
        let stat = self
            .client
            .retry(&self.retry, || self.client.exists(&self.create_path))
            .await?;
        Ok(stat.map(|stat| SessionId::new(stat.ephemeral_owner)))
    }

    /// Whether this member's node exists, owned by the current session.
    async fn is_member(&self) -> Result<bool> {
        let owner = self.owner().await?;
        Ok(owner.is_some_and(|owner| Some(owner) == self.client.session_id()))
    }
}

/// A [`ShallowParty`] member's identifier, from its node name: the text after the first `-`
/// (`<uuid>-<identifier>`), as kazoo reads it; a name without one is taken whole.
fn shallow_identifier(child: &str) -> String {
    match child.find('-') {
        Some(at) => child[at + 1..].to_owned(),
        None => child.to_owned(),
    }
}

/// The node marker of a [`Party`] member.
const PARTY_MARKER: &str = "__party__";

/// A group of live members, each with an identifier: kazoo's `Party`.
///
/// A member is the ephemeral node `<path>/<uuid>__party__` holding its identifier (UTF-8);
/// [`members`](Party::members) reads every member node. Membership ends with the session: after
/// a session loss, [`join`](Party::join) again ([`is_member`](Party::is_member) tells).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::Party;
///
/// let mut party = Party::new(&client, "/app/party").with_identifier("host-1:8080");
/// party.join().await?;
/// println!("{} members: {:?}", party.len().await?, party.members().await?);
/// party.leave().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Party {
    member: Member,
}

impl Party {
    /// A party at `path`, for a member with an empty identifier (kazoo's default).
    pub fn new(client: &Client, path: &str) -> Party {
        let node = format!("{}{PARTY_MARKER}", kazoo_uuid());
        Party {
            member: Member::new(client, path, "", node),
        }
    }

    /// This member's identifier, the data of its node, which [`members`](Party::members)
    /// reports. Set it before [`join`](Party::join).
    pub fn with_identifier(mut self, identifier: &str) -> Self {
        let node = self.member.node.clone();
        self.member.rename(identifier, node);
        self
    }

    /// How steps are retried after a connection loss (default [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.member.retry = retry;
        self
    }

    /// The party's path.
    pub fn path(&self) -> &str {
        &self.member.path
    }

    /// This member's node name (`<uuid>__party__`).
    pub fn node_name(&self) -> &str {
        &self.member.node
    }

    /// Joins the party (idempotent).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn join(&mut self) -> Result<()> {
        self.member.join().await
    }

    /// Leaves the party: `true` if this member was in it.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if the delete fails for a reason other than the node being gone.
    pub async fn leave(&mut self) -> Result<bool> {
        self.member.leave().await
    }

    /// Whether [`join`](Party::join) succeeded and [`leave`](Party::leave) was not called
    /// since (kazoo's `participating`; a session loss is not noticed: see
    /// [`is_member`](Party::is_member)).
    pub fn participating(&self) -> bool {
        self.member.participating
    }

    /// Whether this member's node exists on the server, owned by the current session.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if the read fails.
    pub async fn is_member(&self) -> Result<bool> {
        self.member.is_member().await
    }

    async fn member_nodes(&self) -> Result<Vec<String>> {
        let mut children = self.member.children().await?;
        children.retain(|c| c.contains(PARTY_MARKER));
        Ok(children)
    }

    /// The identifiers of the current members (kazoo's `iter(party)`), in the server's
    /// order; members leaving meanwhile are skipped.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn members(&self) -> Result<Vec<String>> {
        let m = &self.member;
        let mut members = Vec::new();
        for child in self.member_nodes().await? {
            let path = join(&m.path, &child);
            match m.client.retry(&m.retry, || m.client.get_data(&path)).await {
                Ok((data, _)) => members.push(String::from_utf8_lossy(&data).into_owned()),
                Err(Error::Server(ErrorCode::NoNode)) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(members)
    }

    /// The number of members.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn len(&self) -> Result<usize> {
        Ok(self.member_nodes().await?.len())
    }

    /// Whether the party has no members.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}

/// A group of live members whose identifiers are in the node names: kazoo's `ShallowParty`.
///
/// A member is the ephemeral node `<path>/<uuid>-<identifier>` (the identifier is also its
/// data), so listing the members takes a single read; the identifier must be valid in a node
/// name (no `/`).
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::ShallowParty;
///
/// let mut party = ShallowParty::new(&client, "/app/nodes").with_identifier("host-1");
/// party.join().await?;
/// assert!(party.members().await?.contains(&"host-1".to_owned()));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ShallowParty {
    member: Member,
    uuid: String,
}

impl ShallowParty {
    /// A shallow party at `path`, for a member with an empty identifier (kazoo's default:
    /// the node is `<uuid>-`).
    pub fn new(client: &Client, path: &str) -> ShallowParty {
        let uuid = kazoo_uuid();
        ShallowParty {
            member: Member::new(client, path, "", format!("{uuid}-")),
            uuid,
        }
    }

    /// This member's identifier, in its node's name and data, which
    /// [`members`](ShallowParty::members) reports. Set it before
    /// [`join`](ShallowParty::join).
    pub fn with_identifier(mut self, identifier: &str) -> Self {
        let node = format!("{}-{identifier}", self.uuid);
        self.member.rename(identifier, node);
        self
    }

    /// How steps are retried after a connection loss (default [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.member.retry = retry;
        self
    }

    /// The party's path.
    pub fn path(&self) -> &str {
        &self.member.path
    }

    /// This member's node name (`<uuid>-<identifier>`).
    pub fn node_name(&self) -> &str {
        &self.member.node
    }

    /// Joins the party (idempotent).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn join(&mut self) -> Result<()> {
        self.member.join().await
    }

    /// Leaves the party: `true` if this member was in it.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if the delete fails for a reason other than the node being gone.
    pub async fn leave(&mut self) -> Result<bool> {
        self.member.leave().await
    }

    /// Whether [`join`](ShallowParty::join) succeeded and [`leave`](ShallowParty::leave) was
    /// not called since.
    pub fn participating(&self) -> bool {
        self.member.participating
    }

    /// Whether this member's node exists on the server, owned by the current session.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if the read fails.
    pub async fn is_member(&self) -> Result<bool> {
        self.member.is_member().await
    }

    /// The identifiers of the current members: each child's name after its first `-`, as
    /// kazoo reads them (every child counts), in the server's order.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn members(&self) -> Result<Vec<String>> {
        Ok(self
            .member
            .children()
            .await?
            .iter()
            .map(|child| shallow_identifier(child))
            .collect())
    }

    /// The session that owns this member's node (`None` if there is none): what the
    /// membership is tied to, for a recipe built on the party (the partitioner).
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if the read fails after the retries.
    pub(crate) async fn owner(&self) -> Result<Option<SessionId>> {
        self.member.owner().await
    }

    /// The identifiers of the current members, as [`members`](ShallowParty::members), with a
    /// watch on the list, read on the session `owner` that holds this membership: connection
    /// losses are retried, the session's expiry is returned.
    ///
    /// # Errors
    ///
    /// `SessionExpired` once `owner` is gone; any other error but a transient one.
    pub(crate) async fn watch_members(
        &self,
        owner: SessionId,
    ) -> Result<(Vec<String>, OneshotWatch), Error> {
        let client = self.member.client.bound_to_session(owner);
        let path = &self.member.path;
        let (children, _, watch) =
            retry_in_session(&client, || client.get_children_watched(path)).await?;
        let members = children.iter().map(|c| shallow_identifier(c)).collect();
        Ok((members, watch))
    }

    /// The number of members.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn len(&self) -> Result<usize> {
        Ok(self.member.children().await?.len())
    }

    /// Whether the party has no members.
    ///
    /// # Errors
    ///
    /// `RecipeError::Zk` if a request fails after the retries (`Closed` once the client is closed).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_identifiers_follow_the_first_dash() {
        let uuid = "0123456789abcdef0123456789abcdef";
        assert_eq!(shallow_identifier(&format!("{uuid}-host-1")), "host-1");
        assert_eq!(shallow_identifier(&format!("{uuid}-")), "");
        assert_eq!(shallow_identifier("no_dash"), "no_dash");
    }
}
