//! Small helpers shared by the modules: encodings, randomness, time columns.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;

use crate::Error;

pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn b64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text)
}

/// Fills `buf` from the OS CSPRNG.
///
/// # Panics
/// If the operating system's random number generator fails (nothing safe can go on).
pub(crate) fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the OS random number generator failed");
}

/// A uniformly random integer in `0..bound` (rejection sampling, no modulo bias).
pub(crate) fn random_below(bound: u64) -> u64 {
    debug_assert!(bound > 0);
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let mut bytes = [0u8; 8];
        fill_random(&mut bytes);
        let v = u64::from_le_bytes(bytes);
        if v < zone {
            return v % bound;
        }
    }
}

/// Lowercase hex of `n` random bytes.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    fill_random(&mut bytes);
    hex::encode(bytes)
}

/// An instant as stored: unix milliseconds (portable BIGINT; sub-millisecond parts dropped).
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    let ms = t.unix_timestamp_nanos().div_euclid(1_000_000);
    i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX })
}

/// A stored instant back; `what` names the column for the error.
pub(crate) fn from_ms(ms: i64, what: &str) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| Error::corrupt(format!("{what} holds an out-of-range time")))
}

pub(crate) fn opt_from_ms(ms: Option<i64>, what: &str) -> Result<Option<OffsetDateTime>, Error> {
    ms.map(|m| from_ms(m, what)).transpose()
}

/// A duration in whole milliseconds, saturating (durations here are hours, not eons).
pub(crate) fn duration_ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A non-negative database count as u64.
pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64, Error> {
    u64::try_from(v).map_err(|_| Error::corrupt(format!("{what} is negative")))
}

/// A u64 as a BIGINT parameter.
pub(crate) fn to_i64(v: u64, what: &str) -> Result<i64, Error> {
    i64::try_from(v).map_err(|_| Error::InvalidInput(format!("{what} is larger than 2^63 - 1")))
}
