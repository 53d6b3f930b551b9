//! Which failures a recipe step outlives, and how it waits before trying again.
//!
//! # The rule, for every recipe
//!
//! An error is *transient* when it says only that the connection or the server gave out: the
//! request's outcome is unknown, and the session may well live on. This is
//! [`RetryPolicy::is_transient`], the rule of the client's own retries, so a recipe step and a
//! `client.retry(..)` agree on every error.
//!
//! `SessionExpired` is *not* transient. The session is gone, and with it everything tied to
//! it: its ephemeral nodes (a contender, a held lock or lease, a taken queue entry, a party
//! membership) and its watches. So:
//!
//! - a step that depends on something of the lost session is never retried: the recipe treats
//!   what it held as lost, on every recipe alike (a [`LockGuard`](crate::LockGuard) reports
//!   [`SessionLost`](crate::RecipeError::SessionLost), a
//!   [`LockingQueue`](crate::LockingQueue) no longer holds its entry, a contender that was
//!   still waiting starts over with a new node);
//! - a step that holds nothing of any session (a read, creating a persistent node, the first
//!   create of a fresh contender) may be attempted afresh once the client has a new session.
//!
//! [`retry`] runs steps of the second kind; [`retry_in_session`] runs steps of the first kind
//! (on a client bound to the session, so that nothing reaches a newer one). Both wait for the
//! connection and then for one [`Backoff`] between attempts, and stop when the client has
//! stopped for good.

use std::future::Future;
use std::time::Duration;

use zk_client::{Client, Error, RetryPolicy};

/// What a failed step's error means for the recipe that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection or the server gave out; the session may live on.
    Transient,
    /// The session expired: what was tied to it is gone; a new session may follow.
    SessionGone,
    /// Anything else: retrying would fail the same way (or the client has stopped).
    Fatal,
}

/// Classifies an error by the rule of this module.
pub(crate) fn classify(error: &Error) -> Failure {
    if RetryPolicy::is_transient(error) {
        Failure::Transient
    } else if matches!(error, Error::SessionExpired) {
        Failure::SessionGone
    } else {
        Failure::Fatal
    }
}

/// Whether an error is transient: the connection or the server gave out.
pub(crate) fn is_transient(error: &Error) -> bool {
    classify(error) == Failure::Transient
}

/// Exponential backoff with jitter between retried steps: 50 ms doubling up to 2 s, each
/// delay scaled by a random factor in `[0.6, 1.4)`, so that contenders that failed together
/// (every client of a server that went away) do not come back in lockstep. Requests made while
/// disconnected wait in the client's queue anyway, so this only paces repeated failures.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(50);
    const MAX: Duration = Duration::from_secs(2);
    const JITTER: f64 = 0.4;

    pub(crate) fn new() -> Backoff {
        Backoff { next: Self::FIRST }
    }

    /// Starts again from the first delay (after a step made progress).
    pub(crate) fn reset(&mut self) {
        self.next = Self::FIRST;
    }

    /// The next delay, with jitter; the one after it doubles.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let factor = 1.0 - Self::JITTER + 2.0 * Self::JITTER * fastrand::f64();
        let delay = self.next.mul_f64(factor);
        self.next = (self.next * 2).min(Self::MAX);
        delay
    }

    /// Sleeps for the next delay on the client's timer.
    pub(crate) async fn wait(&mut self, client: &Client) {
        client.runtime().sleep(self.next_delay()).await;
    }
}

/// Waits until the client is connected; fails at once if it has stopped for good (closed,
/// authentication failed, or the session lost under the terminal expiry policy).
pub(crate) async fn wait_connected(client: &Client) -> Result<(), Error> {
    loop {
        match client.wait_connected(Duration::from_secs(3600)).await {
            Err(Error::Timeout) => continue,
            other => return other,
        }
    }
}

/// After a failed step: waits for the connection, then for the backoff.
pub(crate) async fn recover(client: &Client, backoff: &mut Backoff) -> Result<(), Error> {
    wait_connected(client).await?;
    backoff.wait(client).await;
    Ok(())
}

/// Runs a step that holds nothing of any session until it succeeds or fails for good:
/// transient errors and `SessionExpired` are tried again once the client is connected (on a
/// new session after an expiry). Fails with the client's reason when it has stopped for good.
/// Unbounded: callers bound it with a deadline. Only for steps that are safe to repeat.
pub(crate) async fn retry<T, F, Fut>(client: &Client, step: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    retry_on(client, step, |failure| failure != Failure::Fatal).await
}

/// Runs a step tied to one session (on a client bound to it, see
/// [`Client::bound_to_session`]) until it succeeds or fails: transient errors are tried again
/// once connected; `SessionExpired` and every other error are returned.
pub(crate) async fn retry_in_session<T, F, Fut>(client: &Client, step: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    retry_on(client, step, |failure| failure == Failure::Transient).await
}

/// The loop of both: tries again after the failures `again` accepts.
async fn retry_on<T, F, Fut>(
    client: &Client,
    mut step: F,
    again: fn(Failure) -> bool,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut backoff = Backoff::new();
    loop {
        let error = match step().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !again(classify(&error)) {
            return Err(error);
        }
        tracing::debug!(%error, "recipe step failed; trying again once connected");
        recover(client, &mut backoff).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zk_client::ErrorCode;

    #[test]
    fn one_rule_for_every_recipe_and_the_client() {
        for error in [
            Error::ConnectionLoss,
            Error::Timeout,
            Error::Timeout,
            Error::Server(ErrorCode::Throttled),
        ] {
            assert_eq!(classify(&error), Failure::Transient, "{error}");
            assert!(RetryPolicy::default().is_retryable(&error));
        }
        assert_eq!(classify(&Error::SessionExpired), Failure::SessionGone);
        assert!(!is_transient(&Error::SessionExpired));
        for error in [
            Error::Closed,
            Error::Server(ErrorCode::AuthFailed),
            Error::Server(ErrorCode::NoNode),
            Error::Server(ErrorCode::NodeExists),
        ] {
            assert_eq!(classify(&error), Failure::Fatal, "{error}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let mut backoff = Backoff::new();
        let mut nominal = Backoff::FIRST;
        for _ in 0..12 {
            let delay = backoff.next_delay();
            assert!(delay >= nominal.mul_f64(0.6), "{delay:?} vs {nominal:?}");
            assert!(delay < nominal.mul_f64(1.4), "{delay:?} vs {nominal:?}");
            nominal = (nominal * 2).min(Backoff::MAX);
        }
        backoff.reset();
        assert!(backoff.next_delay() < Backoff::FIRST.mul_f64(1.4));
    }
}
