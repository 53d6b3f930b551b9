//! A set of futures polled together, each only when woken, any of them removable by its key:
//! a cache's background task waits on all its watches and reads at once with one.

use std::collections::HashMap;
use std::future::Future;

use futures_util::StreamExt;
use futures_util::future::{AbortHandle, Abortable, BoxFuture};
use futures_util::stream::FuturesUnordered;

/// A [`FuturesUnordered`] whose members can be removed: [`remove`](Tasks::remove) aborts one,
/// which drops it (and so whatever watch it holds) the next time the set is polled.
pub(crate) struct Tasks<T> {
    running: FuturesUnordered<Abortable<BoxFuture<'static, (u64, T)>>>,
    handles: HashMap<u64, AbortHandle>,
    next_key: u64,
}

impl<T> Default for Tasks<T> {
    fn default() -> Self {
        Tasks {
            running: FuturesUnordered::new(),
            handles: HashMap::new(),
            next_key: 0,
        }
    }
}

impl<T: Send + 'static> Tasks<T> {
    /// Adds a future; returns its key.
    pub(crate) fn push(&mut self, future: impl Future<Output = T> + Send + 'static) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        let (handle, registration) = AbortHandle::new_pair();
        let keyed: BoxFuture<'static, (u64, T)> = Box::pin(async move { (key, future.await) });
        self.running.push(Abortable::new(keyed, registration));
        self.handles.insert(key, handle);
        key
    }

    /// Removes the future of `key`, if it has not finished.
    pub(crate) fn remove(&mut self, key: u64) {
        if let Some(handle) = self.handles.remove(&key) {
            handle.abort();
        }
    }

    /// How many futures are pending.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.handles.len()
    }

    /// The next finished future, with its key; `None` when the set is empty.
    pub(crate) async fn next(&mut self) -> Option<(u64, T)> {
        loop {
            match self.running.next().await? {
                Ok((key, output)) => {
                    self.handles.remove(&key);
                    return Some((key, output));
                }
                // Removed: dropped now.
                Err(_aborted) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn yields_what_finishes_and_forgets_what_was_removed() {
        let mut tasks: Tasks<u32> = Tasks::default();
        let a = tasks.push(async { 1 });
        let b = tasks.push(std::future::pending::<u32>());
        let c = tasks.push(async { 3 });
        tasks.remove(c);
        assert_eq!(tasks.next().now_or_never(), Some(Some((a, 1))));
        assert_eq!(tasks.next().now_or_never(), None);
        assert_eq!(tasks.len(), 1);
        tasks.remove(b);
        assert_eq!(tasks.next().now_or_never(), Some(None));
        assert!(tasks.running.is_empty());
    }
}
