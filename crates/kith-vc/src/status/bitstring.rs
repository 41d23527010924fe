//! The bitstring of a status list and its `encodedList` form: Multibase base64url (no
//! padding) of the GZIP of the bits (spec §2.2 `encodedList`, §3.3, §3.4), index 0 the
//! left-most bit (spec §7.1).

use std::fmt;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;

use crate::Error;

/// The fewest entries a list may have: 131,072, i.e. 16 KB of bits (spec §3.2 step 2,
/// §6.1 "Revocation Bitstring Length").
pub const MIN_ENTRIES: u64 = 131_072;
/// The shortest bitstring accepted, in bytes: 16 KB (spec §2.2 `encodedList`).
pub const MIN_LIST_LEN: usize = 16 * 1024;
/// The longest bitstring accepted, in bytes (16 MiB, 134,217,728 entries): a decoder
/// stops expanding there, so a small GZIP bomb cannot exhaust memory.
pub const MAX_LIST_LEN: usize = 16 * 1024 * 1024;
/// The longest `encodedList` accepted, in characters: the size of the largest
/// credential the pipeline reads ([`crate::MAX_INPUT_LEN`]).
pub const MAX_ENCODED_LEN: usize = crate::MAX_INPUT_LEN;

/// The multibase prefix of base64url without padding.
const BASE64URL: char = 'u';

/// A status list's bits, one per entry (a `statusSize` of 1). Index 0 is the most
/// significant bit of byte 0 (spec §2.2, §7.1).
///
/// ```
/// use kith_vc::status::BitstringStatusList;
///
/// let mut list = BitstringStatusList::default(); // 131,072 entries
/// list.set(9412, true)?;
/// let encoded = list.encode(); // "uH4sI..."
/// let decoded = BitstringStatusList::decode(&encoded)?;
/// assert_eq!(decoded.get(9412), Some(true));
/// assert_eq!(decoded.get(9413), Some(false));
/// # Ok::<(), kith_vc::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BitstringStatusList {
    bytes: Vec<u8>,
}

impl fmt::Debug for BitstringStatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BitstringStatusList")
            .field("entries", &self.entries())
            .field("set", &self.count_set())
            .finish()
    }
}

impl Default for BitstringStatusList {
    /// The smallest list: [`MIN_ENTRIES`] entries, all 0.
    fn default() -> Self {
        Self {
            bytes: vec![0; MIN_LIST_LEN],
        }
    }
}

impl BitstringStatusList {
    /// A list of `entries` entries, all 0, rounded up to a whole number of bytes.
    /// Fewer than [`MIN_ENTRIES`] (spec §3.3 step 1) or more than `8 ×`
    /// [`MAX_LIST_LEN`] is `api_misuse`.
    pub fn new(entries: u64) -> Result<Self, Error> {
        let max = MAX_LIST_LEN as u64 * 8;
        if !(MIN_ENTRIES..=max).contains(&entries) {
            return Err(Error::ApiMisuse(format!(
                "a status list has {MIN_ENTRIES} to {max} entries, not {entries}"
            )));
        }
        let len = usize::try_from(entries.div_ceil(8))
            .map_err(|_| Error::ApiMisuse(format!("{entries} entries do not fit in memory")))?;
        Ok(Self {
            bytes: vec![0; len],
        })
    }

    /// A list over stored bits (as returned by [`as_bytes`](Self::as_bytes)). Under
    /// [`MIN_LIST_LEN`] bytes is `status_list_too_short`, over [`MAX_LIST_LEN`]
    /// `status_list_too_large`.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.len() > MAX_LIST_LEN {
            return Err(too_large(format!(
                "a status list of {} bytes is over the {MAX_LIST_LEN}-byte limit",
                bytes.len()
            )));
        }
        // spec §3.2 step 9: fewer than minimumNumberOfEntries is STATUS_LIST_LENGTH_ERROR.
        if bytes.len() < MIN_LIST_LEN {
            return Err(Error::model(
                "status_list_too_short",
                format!(
                    "a status list of {} bits is under the {MIN_ENTRIES}-entry minimum",
                    bytes.len() * 8
                ),
            ));
        }
        Ok(Self { bytes })
    }

    /// The bits, index 0 the most significant bit of the first byte.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many entries the list has (its length in bits).
    pub fn entries(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// The entry at `index`, or `None` past the end of the list.
    #[inline]
    pub fn get(&self, index: u64) -> Option<bool> {
        let byte = usize::try_from(index / 8).ok()?;
        let bits = *self.bytes.get(byte)?;
        Some(bits & (0x80 >> (index % 8)) != 0)
    }

    /// Sets the entry at `index`; past the end of the list is `status_index_out_of_range`.
    pub fn set(&mut self, index: u64, value: bool) -> Result<(), Error> {
        let entries = self.entries();
        let byte = usize::try_from(index / 8)
            .ok()
            .and_then(|i| self.bytes.get_mut(i))
            .ok_or_else(|| out_of_range(index, entries))?;
        let mask = 0x80 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// How many entries are 1.
    pub fn count_set(&self) -> u64 {
        self.bytes.iter().map(|b| u64::from(b.count_ones())).sum()
    }

    /// The `encodedList` value: `u` + base64url without padding of the GZIP of the bits
    /// (spec §3.3 step 3). A verifier refuses values over [`MAX_ENCODED_LEN`]
    /// characters, which only a list of well over a million random bits reaches.
    pub fn encode(&self) -> String {
        let mut gzip = GzEncoder::new(
            Vec::with_capacity(self.bytes.len() / 64 + 64),
            Compression::default(),
        );
        // Writing to a Vec cannot fail.
        let compressed = gzip
            .write_all(&self.bytes)
            .and_then(|()| gzip.finish())
            .unwrap_or_default();
        let mut out = String::with_capacity(1 + compressed.len().div_ceil(3) * 4);
        out.push(BASE64URL);
        out.push_str(&kith_crypto::multibase::base64url_encode(&compressed));
        out
    }

    /// Expands an `encodedList` (spec §3.4), with limits: over [`MAX_ENCODED_LEN`]
    /// characters or [`MAX_LIST_LEN`] expanded bytes is `status_list_too_large`; not
    /// `u`-multibase, not base64url, not one complete GZIP member (RFC 1952, CRC and
    /// length checked) is `status_list_malformed`; under 16 KB is `status_list_too_short`.
    pub fn decode(encoded: &str) -> Result<Self, Error> {
        if encoded.len() > MAX_ENCODED_LEN {
            return Err(too_large(format!(
                "an encodedList of {} characters is over the {MAX_ENCODED_LEN}-character limit",
                encoded.len()
            )));
        }
        // spec §2.2: "a Multibase-encoded base64url (with no padding)" value.
        let Some(base64) = encoded.strip_prefix(BASE64URL) else {
            return Err(malformed(
                "the encodedList is not multibase base64url (it must start with 'u')",
            ));
        };
        let compressed = kith_crypto::multibase::base64url_decode(base64)
            .map_err(|e| malformed(format!("the encodedList is not base64url: {e}")))?;
        let mut decoder = GzDecoder::new(compressed.as_slice());
        let mut bytes = Vec::new();
        // One byte over the cap tells "exactly at the cap" from "over it".
        (&mut decoder)
            .take(MAX_LIST_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| malformed(format!("the encodedList is not valid GZIP: {e}")))?;
        if bytes.len() > MAX_LIST_LEN {
            return Err(too_large(format!(
                "the encodedList expands to over {MAX_LIST_LEN} bytes"
            )));
        }
        if !decoder.into_inner().is_empty() {
            return Err(malformed("the encodedList has data after its GZIP member"));
        }
        Self::from_bytes(bytes)
    }
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::model("status_list_malformed", detail)
}

fn too_large(detail: impl Into<String>) -> Error {
    Error::model("status_list_too_large", detail)
}

/// spec §3.2 step 10: an index past the end of the list is a RANGE_ERROR.
pub(crate) fn out_of_range(index: impl fmt::Display, entries: u64) -> Error {
    Error::model(
        "status_index_out_of_range",
        format!("statusListIndex {index} is past the end of a list of {entries} entries"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_zero_is_the_left_most_bit() {
        let mut list = BitstringStatusList::default();
        list.set(0, true).unwrap();
        list.set(9, true).unwrap();
        list.set(MIN_ENTRIES - 1, true).unwrap();
        assert_eq!(list.as_bytes()[0], 0b1000_0000);
        assert_eq!(list.as_bytes()[1], 0b0100_0000);
        assert_eq!(list.as_bytes()[MIN_LIST_LEN - 1], 0b0000_0001);
        assert_eq!(list.get(0), Some(true));
        assert_eq!(list.get(1), Some(false));
        assert_eq!(list.get(MIN_ENTRIES), None);
        assert_eq!(list.count_set(), 3);
        list.set(9, false).unwrap();
        assert_eq!(list.as_bytes()[1], 0);
        assert_eq!(
            list.set(MIN_ENTRIES, true).unwrap_err().code(),
            "status_index_out_of_range"
        );
        assert_eq!(
            list.set(u64::MAX, true).unwrap_err().code(),
            "status_index_out_of_range"
        );
    }

    #[test]
    fn sizes_are_bounded() {
        assert_eq!(
            BitstringStatusList::new(MIN_ENTRIES - 1)
                .unwrap_err()
                .code(),
            "api_misuse"
        );
        assert_eq!(
            BitstringStatusList::new(MIN_ENTRIES + 1).unwrap().entries(),
            MIN_ENTRIES + 8
        );
        assert_eq!(
            BitstringStatusList::new(MAX_LIST_LEN as u64 * 8 + 1)
                .unwrap_err()
                .code(),
            "api_misuse"
        );
        assert_eq!(
            BitstringStatusList::from_bytes(vec![0; MIN_LIST_LEN - 1])
                .unwrap_err()
                .code(),
            "status_list_too_short"
        );
    }

    #[test]
    fn trailing_data_after_the_gzip_member_is_refused() {
        let encoded = BitstringStatusList::default().encode();
        let mut compressed = kith_crypto::multibase::base64url_decode(&encoded[1..]).unwrap();
        compressed.push(0);
        let tampered = format!("u{}", kith_crypto::multibase::base64url_encode(&compressed));
        assert_eq!(
            BitstringStatusList::decode(&tampered).unwrap_err().code(),
            "status_list_malformed"
        );
    }
}
