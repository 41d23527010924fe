//! The record index, `index.kwi`: for every live record its id, its kind and its own
//! 32-byte data key. The index is sealed under a sub-key of the master key and rewritten
//! (atomically) on every add and delete, so deleting a record destroys its data key.
//!
//! Plaintext: `"KWI1"`, then 49 bytes per record: kind (1), id (16), data key (32).
//! File: `"KWI1"`, nonce (24), XChaCha20-Poly1305 ciphertext and tag; associated data
//! `"kith-wallet v1 index"`.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::{self, Key32};

const MAGIC: &[u8; 4] = b"KWI1";
const AAD: &[u8] = b"kith-wallet v1 index";
const ENTRY_LEN: usize = 1 + 16 + 32;
/// 16 MiB of index is some 340 000 records; anything longer is not ours.
pub(crate) const MAX_INDEX_LEN: u64 = 16 << 20;

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Credential = 1,
    Key = 2,
    Presentation = 3,
}

impl Kind {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Self::Credential),
            2 => Some(Self::Key),
            3 => Some(Self::Presentation),
            _ => None,
        }
    }
}

/// A record id: 16 random bytes, written as 32 lowercase hex digits.
pub(crate) type RecordId = [u8; 16];

/// One live record.
pub(crate) struct Entry {
    pub(crate) kind: Kind,
    pub(crate) key: Key32,
}

/// The decrypted index.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) entries: BTreeMap<RecordId, Entry>,
}

impl Index {
    /// The sealed file bytes.
    pub(crate) fn seal(&self, index_key: &[u8; 32]) -> Vec<u8> {
        let mut plain = Zeroizing::new(Vec::with_capacity(4 + ENTRY_LEN * self.entries.len()));
        plain.extend_from_slice(MAGIC);
        for (id, entry) in &self.entries {
            plain.push(entry.kind as u8);
            plain.extend_from_slice(id);
            plain.extend_from_slice(entry.key.as_slice());
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&crypto::seal(index_key, &plain, AAD));
        out
    }

    /// Opens sealed file bytes.
    pub(crate) fn open(index_key: &[u8; 32], bytes: &[u8]) -> Result<Self, Error> {
        let corrupt = |why: &str| Error::CorruptRecord(format!("the index {why}"));
        if bytes.len() as u64 > MAX_INDEX_LEN {
            return Err(corrupt("is longer than 16 MiB"));
        }
        let sealed = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("does not start with KWI1"))?;
        let plain =
            crypto::open(index_key, sealed, AAD).ok_or_else(|| corrupt("failed authentication"))?;
        let body = plain
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("has an unknown plaintext version"))?;
        if body.len() % ENTRY_LEN != 0 {
            return Err(corrupt("has a truncated entry"));
        }
        let mut index = Self::default();
        for chunk in body.chunks_exact(ENTRY_LEN) {
            let kind = Kind::from_byte(chunk[0]).ok_or_else(|| corrupt("has an unknown kind"))?;
            let id: RecordId = chunk[1..17].try_into().expect("16 bytes");
            let key: [u8; 32] = chunk[17..].try_into().expect("32 bytes");
            let entry = Entry {
                kind,
                key: Key32::new(key),
            };
            if index.entries.insert(id, entry).is_some() {
                return Err(corrupt("names a record twice"));
            }
        }
        Ok(index)
    }
}
