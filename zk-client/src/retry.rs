//! Retrying operations that failed for want of a connection, with kazoo's knobs.

use std::future::Future;
use std::time::{Duration, Instant};

use zk_proto::{Error, ErrorCode};

use crate::client::Client;

/// How to retry: kazoo's `KazooRetry` knobs.
///
/// Retried errors: `ConnectionLoss`, `Timeout` and `Server(Throttled)`,
/// plus `SessionExpired` unless `retry_on_expiry` is off. `Closed`, `AuthFailed` and every
/// other error are returned at once. Keep in mind that a write which failed with
/// `ConnectionLoss` may have been applied: retry only idempotent steps, or check first.
///
/// Options users build: the fields are public to read and set, and the struct is
/// `#[non_exhaustive]` so a knob may be added; build one from [`RetryPolicy::default`] or
/// [`RetryPolicy::forever`] and the `with_*` methods:
///
/// ```
/// use std::time::Duration;
/// let policy = zk_client::RetryPolicy::forever()
///     .with_deadline(Duration::from_secs(30))
///     .with_retry_on_expiry(false);
/// assert_eq!(policy.max_tries, None);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts, the first included; `None` for no limit (kazoo's `max_tries=-1`).
    pub max_tries: Option<u32>,
    /// The first delay between attempts.
    pub delay: Duration,
    /// The factor the delay grows by after each attempt.
    pub backoff: f64,
    /// Each delay is multiplied by a random factor in `[1 - max_jitter, 1 + max_jitter]`.
    pub max_jitter: f64,
    /// The largest delay.
    pub max_delay: Duration,
    /// Give up when the next attempt would start after this much time.
    pub deadline: Option<Duration>,
    /// Whether `SessionExpired` is retried (kazoo's `ignore_expire`, default true).
    pub retry_on_expiry: bool,
}

impl Default for RetryPolicy {
    /// kazoo's `KazooRetry()` defaults with a bounded number of tries: 5 tries, 100 ms delay
    /// doubling up to 60 s, ±40 % jitter.
    fn default() -> Self {
        RetryPolicy {
            max_tries: Some(5),
            delay: Duration::from_millis(100),
            backoff: 2.0,
            max_jitter: 0.4,
            max_delay: Duration::from_secs(60),
            deadline: None,
            retry_on_expiry: true,
        }
    }
}

impl RetryPolicy {
    /// Retries forever (kazoo's client default), still bounded by `deadline` if set.
    pub fn forever() -> Self {
        RetryPolicy {
            max_tries: None,
            ..RetryPolicy::default()
        }
    }

    /// At most `tries` attempts, the first included ([`RetryPolicy::forever`] has no limit).
    pub fn with_max_tries(mut self, tries: u32) -> Self {
        self.max_tries = Some(tries);
        self
    }

    /// The first delay between attempts.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The factor the delay grows by after each attempt.
    pub fn with_backoff(mut self, backoff: f64) -> Self {
        self.backoff = backoff;
        self
    }

    /// The jitter: each delay is multiplied by a random factor in
    /// `[1 - max_jitter, 1 + max_jitter]`.
    pub fn with_max_jitter(mut self, max_jitter: f64) -> Self {
        self.max_jitter = max_jitter;
        self
    }

    /// The largest delay.
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Gives up when the next attempt would start more than `deadline` after the first.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Whether `SessionExpired` is retried.
    pub fn with_retry_on_expiry(mut self, retry: bool) -> Self {
        self.retry_on_expiry = retry;
        self
    }

    /// Whether `error` is worth another attempt.
    pub fn is_retryable(&self, error: &Error) -> bool {
        RetryPolicy::is_transient(error)
            || (self.retry_on_expiry && matches!(error, Error::SessionExpired))
    }

    /// Whether `error` says only that the connection or the server gave out (`ConnectionLoss`,
    /// `Timeout`, `Server(Throttled)`): the request's outcome is unknown and
    /// the session may live on, so the same step may be tried again on the same session.
    ///
    /// `SessionExpired` is not transient: whatever was tied to the session (its ephemeral
    /// nodes, its watches) is gone, so only a fresh attempt on a new session can succeed, and
    /// only for a step that needs nothing of the old one. [`is_retryable`] adds it when
    /// `retry_on_expiry` is on; zk-recipes uses this rule for every recipe step.
    ///
    /// [`is_retryable`]: RetryPolicy::is_retryable
    pub fn is_transient(error: &Error) -> bool {
        matches!(
            error,
            Error::ConnectionLoss | Error::Timeout | Error::Server(ErrorCode::Throttled)
        )
    }
}

/// A per-call seed: wall clock and a counter, so concurrent retries do not move in lockstep.
fn jitter_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)) | 1
}

/// A small non-cryptographic generator for jitter (xorshift, seeded from the clock).
fn jitter_factor(state: &mut u64, max_jitter: f64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    let unit = (*state >> 11) as f64 / (1u64 << 53) as f64;
    1.0 - max_jitter + 2.0 * max_jitter * unit
}

impl Client {
    /// Runs `operation` until it succeeds, fails with an error not worth retrying, or the
    /// policy gives up (then the last error is returned). Sleeps between attempts on the
    /// client's runtime.
    ///
    /// # Errors
    ///
    /// The first error of `operation` that the policy does not retry (see
    /// [`RetryPolicy::is_retryable`]), or the last one when the policy gives up (`max_tries`
    /// reached, or the next sleep would pass its `deadline`).
    pub async fn retry<T, F, Fut>(&self, policy: &RetryPolicy, mut operation: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let runtime = self.runtime();
        let start = runtime.now();
        let stop_at: Option<Instant> = policy.deadline.map(|d| start + d);
        let mut seed = jitter_seed();
        let mut delay = policy.delay;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let error = match operation().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !policy.is_retryable(&error) || policy.max_tries.is_some_and(|max| attempts >= max) {
                return Err(error);
            }
            let sleep = delay.mul_f64(jitter_factor(&mut seed, policy.max_jitter).max(0.0));
            if stop_at.is_some_and(|stop| runtime.now() + sleep >= stop) {
                return Err(error);
            }
            tracing::debug!(%error, attempts, ?sleep, "retrying");
            runtime.sleep(sleep).await;
            delay = sleep.mul_f64(policy.backoff).min(policy.max_delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_range() {
        let mut seed = 12345;
        for _ in 0..1000 {
            let f = jitter_factor(&mut seed, 0.4);
            assert!((0.6..=1.4).contains(&f), "{f}");
        }
    }

    #[test]
    fn retryable_errors_follow_kazoo() {
        let p = RetryPolicy::default();
        assert!(p.is_retryable(&Error::ConnectionLoss));
        assert!(p.is_retryable(&Error::SessionExpired));
        assert!(!p.is_retryable(&Error::Server(ErrorCode::NoNode)));
        assert!(!p.is_retryable(&Error::Closed));
        let strict = RetryPolicy::default().with_retry_on_expiry(false);
        assert!(!strict.is_retryable(&Error::SessionExpired));
        assert!(RetryPolicy::is_transient(&Error::Server(
            ErrorCode::Throttled
        )));
        assert!(!RetryPolicy::is_transient(&Error::SessionExpired));
        assert!(!RetryPolicy::is_transient(&Error::Closed));
    }
}
