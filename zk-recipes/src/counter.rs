//! kazoo's shared counter, in kazoo's text encoding or Curator's `SharedCount` encoding.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use zk_client::{Client, Error, ErrorCode, RetryPolicy};

use crate::error::{RecipeError, Result};

/// A number a [`Counter`] can hold: `i32`, `i64` (kazoo's `int`) or `f64` (kazoo's
/// `float`).
///
/// The text form is Python's `repr`, which kazoo writes and reads in ASCII: `5`, `-3`,
/// `3.5`, `1e+16`, `inf`.
pub trait CounterValue: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The value of a counter whose node is empty, unless another default is given.
    const ZERO: Self;

    /// Python's `repr(value)`.
    fn to_text(self) -> String;

    /// Parses what kazoo writes (`type(default)(text)`); `None` if it is not a number of this
    /// type.
    fn from_text(text: &str) -> Option<Self>;

    /// `self + delta`; `None` on overflow.
    fn checked_add(self, delta: Self) -> Option<Self>;

    /// `-self`; `None` on overflow.
    fn checked_neg(self) -> Option<Self>;
}

/// A [`CounterValue`] that fits Curator's `SharedCount` encoding: a 4-byte big-endian signed
/// integer.
pub trait CuratorValue: CounterValue {
    /// The value as Curator's `int`; `None` if out of range.
    fn to_i32(self) -> Option<i32>;

    /// A Curator `int` as this type.
    fn from_i32(value: i32) -> Self;
}

macro_rules! integer_counter {
    ($t:ty) => {
        impl CounterValue for $t {
            const ZERO: Self = 0;

            fn to_text(self) -> String {
                self.to_string()
            }

            fn from_text(text: &str) -> Option<Self> {
                let text = text.trim();
                let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                text.parse().ok()
            }

            fn checked_add(self, delta: Self) -> Option<Self> {
                <$t>::checked_add(self, delta)
            }

            fn checked_neg(self) -> Option<Self> {
                <$t>::checked_neg(self)
            }
        }

        impl CuratorValue for $t {
            fn to_i32(self) -> Option<i32> {
                i32::try_from(self).ok()
            }

            fn from_i32(value: i32) -> Self {
                Self::from(value)
            }
        }
    };
}

integer_counter!(i32);
integer_counter!(i64);

impl CounterValue for f64 {
    const ZERO: Self = 0.0;

    fn to_text(self) -> String {
        python_float_repr(self)
    }

    fn from_text(text: &str) -> Option<Self> {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
            "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
            "nan" | "+nan" | "-nan" => return Some(f64::NAN),
            _ => {}
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        text.parse().ok()
    }

    fn checked_add(self, delta: Self) -> Option<Self> {
        Some(self + delta)
    }

    fn checked_neg(self) -> Option<Self> {
        Some(-self)
    }
}

/// Python's `repr(float)`: the shortest digits that read back to the same value, in fixed
/// notation with at least one decimal (`3.0`, `0.0001`) when the decimal point falls within
/// 16 digits, else in exponent notation with a sign and at least two exponent digits
/// (`1e+16`, `1.5e-07`).
fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_owned();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits: "-1.5e-7", "1e16", "3e0".
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // The decimal point sits after `point` digits (Python's `decpt`).
    let point = exponent + 1;
    let mut out = String::new();
    if value < 0.0 {
        out.push('-');
    }
    if !(-3..=16).contains(&point) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exponent.unsigned_abs()));
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = point as usize;
        if point >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// How values are written to the node.
struct Codec<T> {
    encode: fn(T) -> Option<Bytes>,
    decode: fn(&[u8]) -> Option<T>,
    name: &'static str,
}

// Manual impls: `T` itself need not be `Clone` for the codec to be.
impl<T> Clone for Codec<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Codec<T> {}

fn text_codec<T: CounterValue>() -> Codec<T> {
    Codec {
        encode: |v| Some(Bytes::from(v.to_text())),
        decode: |data| std::str::from_utf8(data).ok().and_then(T::from_text),
        name: "kazoo text",
    }
}

fn curator_codec<T: CuratorValue>() -> Codec<T> {
    Codec {
        encode: |v| v.to_i32().map(|v| Bytes::copy_from_slice(&v.to_be_bytes())),
        decode: |data| {
            <[u8; 4]>::try_from(data)
                .ok()
                .map(|b| T::from_i32(i32::from_be_bytes(b)))
        },
        name: "Curator SharedCount",
    }
}

/// A shared counter: kazoo's `Counter`.
///
/// Changes are atomic: each reads the value and its version, and writes the new value only
/// if the version is unchanged, trying again when another client got there first. An empty
/// node stands for the default (0 unless set); the node is created, empty, when first used.
///
/// Two encodings, both kazoo's:
/// - [`Counter::new`]: kazoo's default, Python's `repr` in ASCII (`b"5"`, `b"3.5"`), for
///   `i64` (or `i32`) and `f64` counters;
/// - [`Counter::curator`]: kazoo's `support_curator=True`, a 4-byte big-endian signed
///   integer, shared with Curator's `SharedCount`.
///
/// A change whose write failed with a connection error is retried only if the node shows it
/// was not applied (its version is unchanged once reconnected); otherwise the change is
/// reported as failed (`Err(Zk(ConnectionLoss))`, say), since it may or may not have been
/// applied. kazoo retries it blindly, which can count it twice.
///
/// ```no_run
/// # async fn demo(client: zk_client_tokio::Client) -> zk_recipes::Result<()> {
/// use zk_recipes::Counter;
///
/// let mut hits: Counter = Counter::new(&client, "/app/hits");
/// hits.add(2).await?;
/// hits.sub(1).await?;
/// assert_eq!((hits.pre_value(), hits.post_value()), (Some(2), Some(1)));
///
/// let mut load = Counter::<f64>::new(&client, "/app/load").with_default(1.0);
/// assert_eq!(load.add(2.0).await?, 3.0);
///
/// let mut shared = Counter::<i32>::curator(&client, "/app/shared-count");
/// shared.add(7).await?; // the node holds 00 00 00 07, as Curator writes it
/// # Ok(()) }
/// ```
pub struct Counter<T: CounterValue = i64> {
    client: Client,
    path: String,
    default: T,
    codec: Codec<T>,
    retry: RetryPolicy,
    ensured: AtomicBool,
    pre_value: Option<T>,
    post_value: Option<T>,
}

impl<T: CounterValue> fmt::Debug for Counter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("path", &self.path)
            .field("default", &self.default)
            .field("encoding", &self.codec.name)
            .field("pre_value", &self.pre_value)
            .field("post_value", &self.post_value)
            .finish_non_exhaustive()
    }
}

impl<T: CounterValue> Counter<T> {
    /// A counter at `path` in kazoo's text encoding, with default [`CounterValue::ZERO`].
    pub fn new(client: &Client, path: &str) -> Counter<T> {
        Counter::with_codec(client, path, text_codec())
    }

    fn with_codec(client: &Client, path: &str, codec: Codec<T>) -> Counter<T> {
        Counter {
            client: client.clone(),
            path: path.to_owned(),
            default: T::ZERO,
            codec,
            retry: RetryPolicy::default(),
            ensured: AtomicBool::new(false),
            pre_value: None,
            post_value: None,
        }
    }

    /// The value an empty node stands for (kazoo's `default`).
    pub fn with_default(mut self, default: T) -> Self {
        self.default = default;
        self
    }

    /// How reads are retried after a connection loss (default [`RetryPolicy::default`]).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The counter's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value before this handle's last change (kazoo's `pre_value`).
    pub fn pre_value(&self) -> Option<T> {
        self.pre_value
    }

    /// The value after this handle's last change (kazoo's `post_value`).
    pub fn post_value(&self) -> Option<T> {
        self.post_value
    }

    async fn ensure(&self) -> Result<()> {
        if !self.ensured.load(Ordering::Relaxed) {
            self.client
                .retry(&self.retry, || self.client.ensure_path(&self.path))
                .await?;
            self.ensured.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The current value and its data version.
    async fn read(&self) -> Result<(T, i32)> {
        loop {
            self.ensure().await?;
            match self
                .client
                .retry(&self.retry, || self.client.get_data(&self.path))
                .await
            {
                Ok((data, stat)) => return Ok((self.decode(&data)?, stat.version)),
                Err(Error::Server(ErrorCode::NoNode)) => {
                    self.ensured.store(false, Ordering::Relaxed)
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    fn decode(&self, data: &[u8]) -> Result<T> {
        if data.is_empty() {
            return Ok(self.default);
        }
        (self.codec.decode)(data).ok_or_else(|| {
            RecipeError::Inconsistent(format!(
                "counter {} holds {:?}, not a {} value",
                self.path,
                String::from_utf8_lossy(data),
                self.codec.name
            ))
        })
    }

    /// The current value.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] if the node holds no value of this encoding; `RecipeError::Zk`
    /// if the read fails.
    pub async fn value(&self) -> Result<T> {
        Ok(self.read().await?.0)
    }

    /// Adds `delta` atomically (kazoo's `counter += delta`); returns the new value.
    ///
    /// # Errors
    ///
    /// [`RecipeError::Inconsistent`] if the value would overflow or not fit the encoding (nothing
    /// is written); `RecipeError::Zk` if a request fails, or a connection error left the write's
    /// outcome unknown and the value has changed since.
    pub async fn add(&mut self, delta: T) -> Result<T> {
        loop {
            let (old, version) = self.read().await?;
            let new = old.checked_add(delta).ok_or_else(|| {
                RecipeError::Inconsistent(format!("counter {} would overflow", self.path))
            })?;
            let data = (self.codec.encode)(new).ok_or_else(|| {
                RecipeError::Inconsistent(format!(
                    "{new:?} does not fit the {} encoding of counter {}",
                    self.codec.name, self.path
                ))
            })?;
            match self.client.set_data(&self.path, data, Some(version)).await {
                Ok(_) => {
                    self.pre_value = Some(old);
                    self.post_value = Some(new);
                    return Ok(new);
                }
                // Someone else changed it first: try again on the new value.
                Err(Error::Server(ErrorCode::BadVersion)) => continue,
                Err(Error::Server(ErrorCode::NoNode)) => {
                    self.ensured.store(false, Ordering::Relaxed)
                }
                Err(error) if self.retry.is_retryable(&error) => {
                    // Applied or not? Once reconnected, an unchanged version says not.
                    let (_, now) = self.read().await?;
                    if now != version {
                        self.pre_value = None;
                        self.post_value = None;
                        return Err(error.into());
                    }
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Subtracts `delta` atomically (kazoo's `counter -= delta`); returns the new value.
    ///
    /// # Errors
    ///
    /// As [`add`](Self::add).
    pub async fn sub(&mut self, delta: T) -> Result<T> {
        let negated = delta.checked_neg().ok_or_else(|| {
            RecipeError::Inconsistent(format!("cannot subtract {delta:?} without overflow"))
        })?;
        self.add(negated).await
    }
}

impl<T: CuratorValue> Counter<T> {
    /// A counter at `path` in Curator's `SharedCount` encoding (kazoo's
    /// `support_curator=True`): a 4-byte big-endian signed integer.
    pub fn curator(client: &Client, path: &str) -> Counter<T> {
        Counter::with_codec(client, path, curator_codec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr_does() {
        let cases: &[(f64, &str)] = &[
            (3.5, "3.5"),
            (3.0, "3.0"),
            (-2.0, "-2.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123.456, "123.456"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (value, repr) in cases {
            assert_eq!(python_float_repr(*value), *repr, "{value:?}");
            let back = f64::from_text(repr).unwrap();
            assert!(
                back == *value || (back.is_nan() && value.is_nan()),
                "{repr}"
            );
        }
    }

    #[test]
    fn integers_and_curator_bytes() {
        assert_eq!(i64::from_text("-42"), Some(-42));
        assert_eq!(i64::from_text("3.5"), None);
        assert_eq!(i64::from_text(""), None);
        assert_eq!(f64::from_text("5"), Some(5.0));
        assert_eq!(f64::from_text("five"), None);
        let codec = curator_codec::<i32>();
        assert_eq!((codec.encode)(7).unwrap().as_ref(), b"\x00\x00\x00\x07");
        assert_eq!((codec.encode)(-1).unwrap().as_ref(), b"\xff\xff\xff\xff");
        assert_eq!((codec.decode)(b"\x00\x00\x01\x00"), Some(256));
        assert_eq!((codec.decode)(b"\x00\x01"), None);
        let wide = curator_codec::<i64>();
        assert_eq!((wide.encode)(i64::from(i32::MAX) + 1), None);
    }
}
