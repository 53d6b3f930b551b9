//! The node operations, under kazoo-familiar names.

use bytes::Bytes;
use zk_proto::{
    Acl, AddWatchMode, ClientInfo, CreateMode, Error, Request, Response, Stat, WatcherType,
};

use crate::client::Client;
use crate::watch::{OneshotWatch, WatchStream};

/// Options of a create: mode, ACL and whether to create missing parents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

fn unexpected(response: Response) -> Error {
    tracing::error!(?response, "reply does not match its request");
    Error::MarshallingError
}

impl Client {
    /// Creates a persistent node with the default ACL; returns its path.
    pub async fn create(&self, path: &str, data: impl Into<Bytes>) -> Result<String, Error> {
        let request = Request::Create {
            path: path.to_owned(),
            data: data.into(),
            acl: self.default_acl().to_vec(),
            mode: CreateMode::Persistent,
            with_stat: false,
        };
        match self.send(request).await? {
            Response::Created { path, .. } => Ok(path),
            other => Err(unexpected(other)),
        }
    }

    /// Creates a node with `options`; returns its path (with the sequence suffix, if any).
    pub async fn create_with(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
    ) -> Result<String, Error> {
        self.create_inner(path, data.into(), options, false)
            .await
            .map(|(path, _)| path)
    }

    /// Creates a node with `options`; returns its path and Stat (create2, 3.5+).
    pub async fn create_with_stat(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        options: &CreateOptions,
    ) -> Result<(String, Stat), Error> {
        let (path, stat) = self.create_inner(path, data.into(), options, true).await?;
        Ok((path, stat.ok_or(Error::MarshallingError)?))
    }

    async fn create_inner(
        &self,
        path: &str,
        data: Bytes,
        options: &CreateOptions,
        with_stat: bool,
    ) -> Result<(String, Option<Stat>), Error> {
        // The ACL is copied once per attempt (the request owns it). The retry with parents is
        // boxed, so that the future of the common case stays small.
        let acl = || {
            options
                .acl
                .as_deref()
                .unwrap_or(self.default_acl())
                .to_vec()
        };
        let request = |data: Bytes| Request::Create {
            path: path.to_owned(),
            data,
            acl: acl(),
            mode: options.mode,
            with_stat,
        };
        let response = if options.make_parents {
            let retry = data.clone();
            match self.send(request(data)).await {
                Err(Error::NoNode) => {
                    Box::pin(async {
                        self.ensure_path_with_acl(parent_of(path), &acl()).await?;
                        self.send(request(retry)).await
                    })
                    .await?
                }
                other => other?,
            }
        } else {
            self.send(request(data)).await?
        };
        match response {
            Response::Created { path, stat } => Ok((path, stat)),
            other => Err(unexpected(other)),
        }
    }

    /// Creates `path` and every missing ancestor as persistent nodes with the default ACL.
    /// Nodes that already exist are fine.
    pub async fn ensure_path(&self, path: &str) -> Result<(), Error> {
        let acl = self.default_acl().to_vec();
        self.ensure_path_with_acl(path, &acl).await
    }

    /// [`ensure_path`](Client::ensure_path) with an explicit ACL for the nodes it creates.
    pub async fn ensure_path_with_acl(&self, path: &str, acl: &[Acl]) -> Result<(), Error> {
        zk_proto::path::validate_path(path, false)?;
        if path == "/" || self.exists(path).await?.is_some() {
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
                acl: acl.to_vec(),
                mode: CreateMode::Persistent,
                with_stat: false,
            };
            match self.send(request).await {
                Ok(_) | Err(Error::NodeExists) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Deletes a node; `version` must match its data version if given.
    pub async fn delete(&self, path: &str, version: Option<i32>) -> Result<(), Error> {
        self.send(Request::Delete {
            path: path.to_owned(),
            version,
        })
        .await
        .map(|_| ())
    }

    /// Deletes a node and everything below it, deepest first. Not atomic: nodes created
    /// concurrently may make it fail with `NotEmpty`; nodes already gone are fine.
    pub async fn delete_recursive(&self, path: &str) -> Result<(), Error> {
        zk_proto::path::validate_path(path, false)?;
        // Depth-first: collect the whole subtree, then delete leaves before their parents.
        let mut order = Vec::new();
        let mut stack = vec![path.to_owned()];
        while let Some(node) = stack.pop() {
            match self.get_children(&node).await {
                Ok(children) => {
                    for child in children {
                        stack.push(join(&node, &child));
                    }
                    order.push(node);
                }
                Err(Error::NoNode) => {}
                Err(err) => return Err(err),
            }
        }
        for node in order.iter().rev() {
            if node == "/" {
                continue;
            }
            match self.delete(node, None).await {
                Ok(()) | Err(Error::NoNode) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// The node's Stat, or `None` if it does not exist.
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>, Error> {
        match self.send(Request::exists(path)).await? {
            Response::Exists(stat) => Ok(stat),
            other => Err(unexpected(other)),
        }
    }

    /// Like [`exists`](Client::exists), leaving a watch: it fires on creation if the node is
    /// missing, else on data change or deletion.
    pub async fn exists_watched(&self, path: &str) -> Result<(Option<Stat>, OneshotWatch), Error> {
        let request = Request::Exists {
            path: path.to_owned(),
            watch: true,
        };
        match self.execute_watched(request).await? {
            (Response::Exists(stat), Some(watch)) => Ok((stat, watch)),
            (other, _) => Err(unexpected(other)),
        }
    }

    /// The node's data (a zero-copy slice of the reply) and Stat.
    pub async fn get_data(&self, path: &str) -> Result<(Bytes, Stat), Error> {
        match self.send(Request::get_data(path)).await? {
            Response::Data { data, stat } => Ok((data, stat)),
            other => Err(unexpected(other)),
        }
    }

    /// Like [`get_data`](Client::get_data), leaving a watch that fires on data change or
    /// deletion. A missing node fails with `NoNode` and leaves no watch.
    pub async fn get_data_watched(&self, path: &str) -> Result<(Bytes, Stat, OneshotWatch), Error> {
        let request = Request::GetData {
            path: path.to_owned(),
            watch: true,
        };
        match self.execute_watched(request).await? {
            (Response::Data { data, stat }, Some(watch)) => Ok((data, stat, watch)),
            (other, _) => Err(unexpected(other)),
        }
    }

    /// Sets the node's data; `version` must match its data version if given. Returns the new
    /// Stat.
    pub async fn set_data(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        version: Option<i32>,
    ) -> Result<Stat, Error> {
        let request = Request::SetData {
            path: path.to_owned(),
            data: data.into(),
            version,
        };
        match self.send(request).await? {
            Response::Stat(stat) => Ok(stat),
            other => Err(unexpected(other)),
        }
    }

    /// The names of the node's children, in no particular order.
    pub async fn get_children(&self, path: &str) -> Result<Vec<String>, Error> {
        // Sent as getChildren2, its Stat dropped: ZooKeeper 3.6+ serves getChildren2 replies
        // from a cache of serialized responses (plain getChildren is rebuilt every time), which
        // for a large listing halves the server's work and the wait.
        let request = Request::GetChildren {
            path: path.to_owned(),
            watch: false,
            with_stat: true,
        };
        match self.send(request).await? {
            Response::Children { children, .. } => Ok(children),
            other => Err(unexpected(other)),
        }
    }

    /// The names of the node's children and the node's Stat (getChildren2).
    pub async fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat), Error> {
        let request = Request::GetChildren {
            path: path.to_owned(),
            watch: false,
            with_stat: true,
        };
        match self.send(request).await? {
            Response::Children {
                children,
                stat: Some(stat),
            } => Ok((children, stat)),
            other => Err(unexpected(other)),
        }
    }

    /// The children and Stat, leaving a watch that fires when the child list changes or the
    /// node is deleted.
    pub async fn get_children_watched(
        &self,
        path: &str,
    ) -> Result<(Vec<String>, Stat, OneshotWatch), Error> {
        let request = Request::GetChildren {
            path: path.to_owned(),
            watch: true,
            with_stat: true,
        };
        match self.execute_watched(request).await? {
            (
                Response::Children {
                    children,
                    stat: Some(stat),
                },
                Some(watch),
            ) => Ok((children, stat, watch)),
            (other, _) => Err(unexpected(other)),
        }
    }

    /// The number of descendants of the node, excluding itself (3.6+).
    pub async fn count_descendants(&self, path: &str) -> Result<i32, Error> {
        let request = Request::CountDescendants {
            path: path.to_owned(),
        };
        match self.send(request).await? {
            Response::Count(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// This session's ephemeral nodes whose path starts with `prefix` ("" or "/" for all), as
    /// client paths (3.6+).
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let request = Request::GetEphemerals {
            prefix: prefix.to_owned(),
        };
        match self.send(request).await? {
            Response::Ephemerals(paths) => Ok(paths),
            other => Err(unexpected(other)),
        }
    }

    /// The node's ACL and Stat.
    pub async fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat), Error> {
        let request = Request::GetAcl {
            path: path.to_owned(),
        };
        match self.send(request).await? {
            Response::Acl { acl, stat } => Ok((acl, stat)),
            other => Err(unexpected(other)),
        }
    }

    /// Sets the node's ACL; `version` must match its ACL version (aversion) if given.
    pub async fn set_acl(
        &self,
        path: &str,
        acl: Vec<Acl>,
        version: Option<i32>,
    ) -> Result<Stat, Error> {
        let request = Request::SetAcl {
            path: path.to_owned(),
            acl,
            version,
        };
        match self.send(request).await? {
            Response::Stat(stat) => Ok(stat),
            other => Err(unexpected(other)),
        }
    }

    /// Brings the connected server up to date with the leader for `path`, so that a following
    /// read sees every write committed before the sync.
    pub async fn sync(&self, path: &str) -> Result<(), Error> {
        self.send(Request::Sync {
            path: path.to_owned(),
        })
        .await
        .map(|_| ())
    }

    /// Adds a persistent watch (every change of the node and its child list) or a persistent
    /// recursive one (creation, data change and deletion of the node and every descendant),
    /// 3.6+. The node need not exist.
    pub async fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<WatchStream, Error> {
        self.execute_persistent(Request::AddWatch {
            path: path.to_owned(),
            mode,
        })
        .await
    }

    /// Removes every watch of `watcher_type` on `path`, on the server and locally; the local
    /// watchers end with `Removed` (3.5+).
    pub async fn remove_all_watches(
        &self,
        path: &str,
        watcher_type: WatcherType,
    ) -> Result<(), Error> {
        self.send(Request::RemoveAllWatches {
            path: path.to_owned(),
            watcher_type,
        })
        .await
        .map(|_| ())
    }

    /// Whether this connection holds a watch of `watcher_type` on `path` on the server; fails
    /// with `NoWatcher` if not (3.5+).
    pub async fn check_watches(&self, path: &str, watcher_type: WatcherType) -> Result<(), Error> {
        self.send(Request::CheckWatches {
            path: path.to_owned(),
            watcher_type,
        })
        .await
        .map(|_| ())
    }

    /// The identities this connection is authenticated as (3.7+).
    pub async fn who_am_i(&self) -> Result<Vec<ClientInfo>, Error> {
        match self.send(Request::WhoAmI).await? {
            Response::WhoAmI(ids) => Ok(ids),
            other => Err(unexpected(other)),
        }
    }
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
