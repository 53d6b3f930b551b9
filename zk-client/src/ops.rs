//! The node operations, under kazoo-familiar names.
//!
//! One method per operation, each with the `# Errors` a caller should handle: a little over
//! 600 lines, kept together so that the API reads in one place (the request building and
//! reply mapping each method needs is a few lines; the rest is its documentation).

use bytes::Bytes;
use zk_proto::{
    Acl, AddWatchMode, ClientInfo, CreateMode, Error, ErrorCode, Request, Response, Stat,
    WatcherType,
};

use crate::client::Client;
use crate::pending::{Pending, Sent, incomplete, unexpected};
use crate::runtime::BoxFuture;
use crate::watch::{OneshotWatch, WatchStream};

/// Options of a create: mode, ACL and whether to create missing parents.
///
/// Options users build: the fields are public to read and set, and the struct is
/// `#[non_exhaustive]` so an option may be added; build one with [`CreateOptions::default`] or
/// [`CreateOptions::mode`] and the `with_*` methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateOptions {
    /// Persistent, ephemeral, sequential, container or TTL (default persistent).
    pub mode: CreateMode,
    /// The ACL; `None` uses the client's default ACL.
    pub acl: Option<Vec<Acl>>,
    /// Create missing parent nodes first (as persistent nodes with the same ACL), like kazoo's
    /// `makepath`.
    pub make_parents: bool,
}

impl CreateOptions {
    /// Default options with `mode`.
    pub fn mode(mode: CreateMode) -> Self {
        CreateOptions {
            mode,
            ..CreateOptions::default()
        }
    }

    /// Sets the ACL.
    pub fn with_acl(mut self, acl: Vec<Acl>) -> Self {
        self.acl = Some(acl);
        self
    }

    /// Creates missing parents.
    pub fn with_parents(mut self) -> Self {
        self.make_parents = true;
        self
    }
}

/// The parent of a path (`/a/b` → `/a`, `/a` → `/`); for a sequential prefix ending in `/`,
/// the node it will be created under.
pub(crate) fn parent_of(path: &str) -> &str {
    if let Some(prefix_parent) = path.strip_suffix('/').filter(|p| !p.is_empty()) {
        // A sequential prefix "/q/" makes a child of "/q".
        return prefix_parent;
    }
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Joins a parent path and a child name.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

impl Client {
    /// Creates a persistent node with the default ACL; returns its path.
    ///
    /// Like every operation, the request is submitted when this is called (requests run in
    /// call order); the returned [`Pending`] waits for the reply.
    ///
    /// # Errors
    ///
    /// `NodeExists`, `NoNode` (no parent), `NoChildrenForEphemerals`, `NoAuth`, `InvalidACL`;
    /// an invalid path or oversized data before anything is sent; `ConnectionLoss` (the node
    /// may or may not have been created), `Timeout`, `SessionExpired`, `Closed`.
    pub fn create(&self, path: &str, data: impl Into<Bytes>) -> Pending<String> {
        let request = Request::Create {
            path: path.to_owned(),
            data: data.into(),
            acl: self.default_acl().to_vec(),
            mode: CreateMode::Persistent,
            with_stat: false,
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Created { path, .. } => Ok(path),
            other => Err(unexpected(other)),
        })
    }

    /// Creates a node with `options`; returns its path (with the sequence suffix, if any).
    ///
    /// # Errors
    ///
    /// As [`create`](Client::create); with `make_parents`, also the errors of creating the
    /// parents (`NoNode` cannot happen then, unless a parent is deleted meanwhile).
    pub fn create_with(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
    ) -> Pending<String> {
        match self.create_inner(path, data.into(), options, false) {
            Created::Reply(sent) => Pending::reply(sent, |reply| match reply? {
                Response::Created { path, .. } => Ok(path),
                other => Err(unexpected(other)),
            }),
            Created::Steps(steps) => Pending::steps(async move { Ok(steps.await?.0) }),
        }
    }

    /// Creates a node with `options`; returns its path and Stat (create2, 3.5+).
    ///
    /// # Errors
    ///
    /// As [`create_with`](Client::create_with); `Unimplemented` before 3.5;
    /// [`Error::Protocol`] if the reply lacks the Stat (the server answered create2 as a plain
    /// create).
    pub fn create_with_stat(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
    ) -> Pending<(String, Stat)> {
        match self.create_inner(path, data.into(), options, true) {
            Created::Reply(sent) => Pending::reply(sent, |reply| match reply? {
                Response::Created {
                    path,
                    stat: Some(stat),
                } => Ok((path, stat)),
                other => Err(unexpected(other)),
            }),
            Created::Steps(steps) => Pending::steps(async move {
                let (path, stat) = steps.await?;
                Ok((
                    path,
                    stat.ok_or_else(|| incomplete("a create2 reply without its Stat"))?,
                ))
            }),
        }
    }

    /// Submits the create; with `make_parents`, a composed operation that creates the
    /// missing parents and tries again when the first attempt finds no parent.
    fn create_inner(
        &self,
        path: &str,
        data: Bytes,
        options: &CreateOptions,
        with_stat: bool,
    ) -> Created {
        let acl = options
            .acl
            .clone()
            .unwrap_or_else(|| self.default_acl().to_vec());
        let request = |data: Bytes, acl: Vec<Acl>, path: String| Request::Create {
            path,
            data,
            acl,
            mode: options.mode,
            with_stat,
        };
        if !options.make_parents {
            return Created::Reply(self.send(request(data, acl, path.to_owned())));
        }
        let first = self.send(request(data.clone(), acl.clone(), path.to_owned()));
        let client = self.clone();
        let path = path.to_owned();
        let mode = options.mode;
        Created::Steps(Box::pin(async move {
            let response = match first.await {
                Err(Error::Server(ErrorCode::NoNode)) => {
                    client.ensure_path_with_acl(parent_of(&path), &acl).await?;
                    let retry = Request::Create {
                        path,
                        data,
                        acl,
                        mode,
                        with_stat,
                    };
                    client.send(retry).await?
                }
                other => other?,
            };
            match response {
                Response::Created { path, stat } => Ok((path, stat)),
                other => Err(unexpected(other)),
            }
        }))
    }

    /// Creates `path` and every missing ancestor as persistent nodes with the default ACL.
    /// Nodes that already exist are fine.
    ///
    /// # Errors
    ///
    /// An invalid path; `NoAuth`, `InvalidACL`, `NoChildrenForEphemerals` from a create;
    /// connection errors (`ConnectionLoss`, `Timeout`, `SessionExpired`, `Closed`),
    /// after which some ancestors may exist.
    pub fn ensure_path(&self, path: &str) -> Pending<()> {
        let acl = self.default_acl().to_vec();
        self.ensure_path_with_acl(path, &acl)
    }

    /// [`ensure_path`](Client::ensure_path) with an explicit ACL for the nodes it creates.
    ///
    /// # Errors
    ///
    /// As [`ensure_path`](Client::ensure_path).
    pub fn ensure_path_with_acl(&self, path: &str, acl: &[Acl]) -> Pending<()> {
        if let Err(err) = zk_proto::path::validate_path(path, false) {
            return Pending::steps(std::future::ready(Err(err)));
        }
        if path == "/" {
            return Pending::steps(std::future::ready(Ok(())));
        }
        let exists = self.exists(path);
        let client = self.clone();
        let path = path.to_owned();
        let acl = acl.to_vec();
        Pending::steps(async move {
            if exists.await?.is_some() {
                return Ok(());
            }
            // Walk down from the root, creating what is missing.
            let mut current = String::new();
            for component in path.split('/').filter(|c| !c.is_empty()) {
                current.push('/');
                current.push_str(component);
                let request = Request::Create {
                    path: current.clone(),
                    data: Bytes::new(),
                    acl: acl.clone(),
                    mode: CreateMode::Persistent,
                    with_stat: false,
                };
                match client.send(request).await {
                    Ok(_) | Err(Error::Server(ErrorCode::NodeExists)) => {}
                    Err(err) => return Err(err),
                }
            }
            Ok(())
        })
    }

    /// Deletes a node; `version` must match its data version if given.
    ///
    /// # Errors
    ///
    /// `NoNode`, `BadVersion`, `NotEmpty`, `NoAuth`; connection errors (`ConnectionLoss`: the
    /// node may or may not have been deleted).
    pub fn delete(&self, path: &str, version: Option<i32>) -> Pending<()> {
        let request = Request::Delete {
            path: path.to_owned(),
            version,
        };
        Pending::reply(self.send(request), |reply| reply.map(|_| ()))
    }

    /// Deletes a node and everything below it, deepest first. Not atomic: nodes created
    /// concurrently may make it fail with `NotEmpty`; nodes already gone are fine.
    ///
    /// # Errors
    ///
    /// An invalid path; `NotEmpty` (a child appeared meanwhile), `NoAuth`; connection
    /// errors, after which part of the subtree may be gone.
    pub fn delete_recursive(&self, path: &str) -> Pending<()> {
        if let Err(err) = zk_proto::path::validate_path(path, false) {
            return Pending::steps(std::future::ready(Err(err)));
        }
        let first = self.get_children(path);
        let client = self.clone();
        let path = path.to_owned();
        Pending::steps(async move {
            // Depth-first: collect the whole subtree, then delete leaves before their parents.
            let mut order = Vec::new();
            let mut stack = vec![(path, Some(first))];
            while let Some((node, listing)) = stack.pop() {
                let listing = listing.unwrap_or_else(|| client.get_children(&node));
                match listing.await {
                    Ok(children) => {
                        for child in children {
                            stack.push((join(&node, &child), None));
                        }
                        order.push(node);
                    }
                    Err(Error::Server(ErrorCode::NoNode)) => {}
                    Err(err) => return Err(err),
                }
            }
            for node in order.iter().rev() {
                if node == "/" {
                    continue;
                }
                match client.delete(node, None).await {
                    Ok(()) | Err(Error::Server(ErrorCode::NoNode)) => {}
                    Err(err) => return Err(err),
                }
            }
            Ok(())
        })
    }

    /// The node's Stat, or `None` if it does not exist.
    ///
    /// # Errors
    ///
    /// An invalid path; connection errors (`ConnectionLoss`, `Timeout`,
    /// `SessionExpired`, `Closed`).
    pub fn exists(&self, path: &str) -> Pending<Option<Stat>> {
        Pending::reply(self.send(Request::exists(path)), |reply| match reply? {
            Response::Exists(stat) => Ok(stat),
            other => Err(unexpected(other)),
        })
    }

    /// Like [`exists`](Client::exists), leaving a watch: it fires on creation if the node is
    /// missing, else on data change or deletion.
    ///
    /// # Errors
    ///
    /// As [`exists`](Client::exists); no watch is left on an error.
    pub fn exists_watched(&self, path: &str) -> Pending<(Option<Stat>, OneshotWatch)> {
        let request = Request::Exists {
            path: path.to_owned(),
            watch: true,
        };
        let reply = self.send_watched(request);
        Pending::steps(async move {
            match reply.await? {
                (Response::Exists(stat), Some(watch)) => Ok((stat, watch)),
                (other, _) => Err(unexpected(other)),
            }
        })
    }

    /// The node's data (a zero-copy slice of the reply) and Stat.
    ///
    /// # Errors
    ///
    /// `NoNode`, `NoAuth`; an invalid path; connection errors.
    pub fn get_data(&self, path: &str) -> Pending<(Bytes, Stat)> {
        Pending::reply(self.send(Request::get_data(path)), |reply| match reply? {
            Response::Data { data, stat } => Ok((data, stat)),
            other => Err(unexpected(other)),
        })
    }

    /// Like [`get_data`](Client::get_data), leaving a watch that fires on data change or
    /// deletion. A missing node fails with `NoNode` and leaves no watch.
    ///
    /// # Errors
    ///
    /// As [`get_data`](Client::get_data); no watch is left on an error.
    pub fn get_data_watched(&self, path: &str) -> Pending<(Bytes, Stat, OneshotWatch)> {
        let request = Request::GetData {
            path: path.to_owned(),
            watch: true,
        };
        let reply = self.send_watched(request);
        Pending::steps(async move {
            match reply.await? {
                (Response::Data { data, stat }, Some(watch)) => Ok((data, stat, watch)),
                (other, _) => Err(unexpected(other)),
            }
        })
    }

    /// Sets the node's data; `version` must match its data version if given. Returns the new
    /// Stat.
    ///
    /// # Errors
    ///
    /// `NoNode`, `BadVersion`, `NoAuth`; an invalid path or oversized data before sending;
    /// connection errors (`ConnectionLoss`: the write may or may not have been applied).
    pub fn set_data(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        version: Option<i32>,
    ) -> Pending<Stat> {
        let request = Request::SetData {
            path: path.to_owned(),
            data: data.into(),
            version,
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Stat(stat) => Ok(stat),
            other => Err(unexpected(other)),
        })
    }

    /// The names of the node's children, in no particular order.
    ///
    /// # Errors
    ///
    /// `NoNode`, `NoAuth`; an invalid path; connection errors.
    pub fn get_children(&self, path: &str) -> Pending<Vec<String>> {
        // Sent as getChildren2, its Stat dropped: ZooKeeper 3.6+ serves getChildren2 replies
        // from a cache of serialized responses (plain getChildren is rebuilt every time), which
        // for a large listing halves the server's work and the wait.
        let request = Request::GetChildren {
            path: path.to_owned(),
            watch: false,
            with_stat: true,
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Children { children, .. } => Ok(children),
            other => Err(unexpected(other)),
        })
    }

    /// The names of the node's children and the node's Stat (getChildren2).
    ///
    /// # Errors
    ///
    /// As [`get_children`](Client::get_children).
    pub fn get_children_with_stat(&self, path: &str) -> Pending<(Vec<String>, Stat)> {
        let request = Request::GetChildren {
            path: path.to_owned(),
            watch: false,
            with_stat: true,
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Children {
                children,
                stat: Some(stat),
            } => Ok((children, stat)),
            other => Err(unexpected(other)),
        })
    }

    /// The children and Stat, leaving a watch that fires when the child list changes or the
    /// node is deleted.
    ///
    /// # Errors
    ///
    /// As [`get_children`](Client::get_children); no watch is left on an error.
    pub fn get_children_watched(&self, path: &str) -> Pending<(Vec<String>, Stat, OneshotWatch)> {
        let request = Request::GetChildren {
            path: path.to_owned(),
            watch: true,
            with_stat: true,
        };
        let reply = self.send_watched(request);
        Pending::steps(async move {
            match reply.await? {
                (
                    Response::Children {
                        children,
                        stat: Some(stat),
                    },
                    Some(watch),
                ) => Ok((children, stat, watch)),
                (other, _) => Err(unexpected(other)),
            }
        })
    }

    /// The number of descendants of the node, excluding itself (3.6+).
    ///
    /// # Errors
    ///
    /// `NoNode`, `NoAuth`; `Unimplemented` before 3.6; connection errors.
    pub fn count_descendants(&self, path: &str) -> Pending<i32> {
        let request = Request::CountDescendants {
            path: path.to_owned(),
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Count(n) => Ok(n),
            other => Err(unexpected(other)),
        })
    }

    /// This session's ephemeral nodes whose path starts with `prefix` ("" or "/" for all), as
    /// client paths (3.6+).
    ///
    /// # Errors
    ///
    /// `Unimplemented` before 3.6; connection errors.
    pub fn get_ephemerals(&self, prefix: &str) -> Pending<Vec<String>> {
        let request = Request::GetEphemerals {
            prefix: prefix.to_owned(),
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Ephemerals(paths) => Ok(paths),
            other => Err(unexpected(other)),
        })
    }

    /// The node's ACL and Stat.
    ///
    /// # Errors
    ///
    /// `NoNode`, `NoAuth`; an invalid path; connection errors.
    pub fn get_acl(&self, path: &str) -> Pending<(Vec<Acl>, Stat)> {
        let request = Request::GetAcl {
            path: path.to_owned(),
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Acl { acl, stat } => Ok((acl, stat)),
            other => Err(unexpected(other)),
        })
    }

    /// Sets the node's ACL; `version` must match its ACL version (aversion) if given.
    ///
    /// # Errors
    ///
    /// `NoNode`, `BadVersion`, `NoAuth`, `InvalidACL`; connection errors.
    pub fn set_acl(&self, path: &str, acl: Vec<Acl>, version: Option<i32>) -> Pending<Stat> {
        let request = Request::SetAcl {
            path: path.to_owned(),
            acl,
            version,
        };
        Pending::reply(self.send(request), |reply| match reply? {
            Response::Stat(stat) => Ok(stat),
            other => Err(unexpected(other)),
        })
    }

    /// Brings the connected server up to date with the leader for `path`, so that a following
    /// read sees every write committed before the sync.
    ///
    /// # Errors
    ///
    /// An invalid path; connection errors.
    pub fn sync(&self, path: &str) -> Pending<()> {
        let request = Request::Sync {
            path: path.to_owned(),
        };
        Pending::reply(self.send(request), |reply| reply.map(|_| ()))
    }

    /// Adds a persistent watch (every change of the node and its child list) or a persistent
    /// recursive one (creation, data change and deletion of the node and every descendant),
    /// 3.6+. The node need not exist.
    ///
    /// # Errors
    ///
    /// `NoAuth`; an invalid path; `Unimplemented` before 3.6; `InvalidArgument` for both kinds
    /// on one path before 3.9; connection errors; [`Error::Protocol`] if the reply came without
    /// the watch it was to register.
    pub fn add_watch(&self, path: &str, mode: AddWatchMode) -> Pending<WatchStream> {
        self.send_persistent(Request::AddWatch {
            path: path.to_owned(),
            mode,
        })
    }

    /// Removes every watch of `watcher_type` on `path`, on the server and locally; the local
    /// watchers end with `Removed` (3.5+).
    ///
    /// # Errors
    ///
    /// `NoWatcher` if there was none; connection errors.
    pub fn remove_all_watches(&self, path: &str, watcher_type: WatcherType) -> Pending<()> {
        let request = Request::RemoveAllWatches {
            path: path.to_owned(),
            watcher_type,
        };
        Pending::reply(self.send(request), |reply| reply.map(|_| ()))
    }

    /// Whether this connection holds a watch of `watcher_type` on `path` on the server; fails
    /// with `NoWatcher` if not (3.5+).
    ///
    /// # Errors
    ///
    /// `NoWatcher`; connection errors.
    pub fn check_watches(&self, path: &str, watcher_type: WatcherType) -> Pending<()> {
        let request = Request::CheckWatches {
            path: path.to_owned(),
            watcher_type,
        };
        Pending::reply(self.send(request), |reply| reply.map(|_| ()))
    }

    /// The identities this connection is authenticated as (3.7+).
    ///
    /// # Errors
    ///
    /// `Unimplemented` before 3.7; connection errors.
    pub fn who_am_i(&self) -> Pending<Vec<ClientInfo>> {
        Pending::reply(self.send(Request::WhoAmI), |reply| match reply? {
            Response::WhoAmI(ids) => Ok(ids),
            other => Err(unexpected(other)),
        })
    }
}

/// A create as submitted: a single request, or a composed one that creates missing parents.
enum Created {
    Reply(Sent),
    Steps(BoxFuture<'static, Result<(String, Option<Stat>), Error>>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_joins() {
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/a"), "/");
        assert_eq!(parent_of("/q/"), "/q");
        assert_eq!(parent_of("/"), "/");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
    }
}
