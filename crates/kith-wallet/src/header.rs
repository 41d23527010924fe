//! The wallet header, `wallet.json`: the format version, the Argon2id parameters and salt,
//! and the master key wrapped under the key derived from the passphrase.
//!
//! ```json
//! {"format": "kith-wallet", "version": 1,
//!  "kdf": {"alg": "argon2id", "v": 19, "m": 19456, "t": 2, "p": 1, "salt": "<b64url>"},
//!  "master_key": "<b64url of nonce(24) || XChaCha20-Poly1305(master key, 32) || tag(16)>"}
//! ```
//!
//! The wrap's associated data is the canonical text of the KDF block, so editing any
//! parameter or the salt makes the passphrase fail rather than silently derive another
//! key. The header holds nothing secret.
//!
//! Once social recovery is set up (`kith_wallet::recovery`), the header has a second
//! slot, `recovery`: the same master key wrapped under a key derived from the Shamir
//! recovery secret, so that k guardians' shares open the wallet without the passphrase.
//!
//! ```json
//! "recovery": {"split_id": "<32 hex>", "threshold": 2, "shares": 3,
//!              "public_key": "<Multikey of the X25519 recovery key>",
//!              "master_key": "<b64url of nonce(24) || XChaCha20-Poly1305(master key) || tag>"}
//! ```
//!
//! Its associated data names the split id, threshold, share count and public key, so an
//! edited slot does not open. Removing the slot only removes the recovery path.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::crypto::{self, Argon2Params, Key32, NONCE_LEN, TAG_LEN};

/// The `format` member of every wallet header.
const FORMAT: &str = "kith-wallet";
/// The only format version this build reads and writes.
pub(crate) const VERSION: u64 = 1;
/// Headers are small; anything longer is not one.
pub(crate) const MAX_HEADER_LEN: u64 = 4096;
/// Salt length written by this build (the reader accepts 16 to 64 bytes).
const SALT_LEN: usize = 16;

/// OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1.
pub(crate) const OWASP: Argon2Params = Argon2Params {
    m_kib: 19 * 1024,
    t: 2,
    p: 1,
};

/// The smallest parameters a header may name (unit tests use cheaper ones so that the
/// suite runs in debug builds; release code never accepts less than OWASP).
#[cfg(not(test))]
const MIN: Argon2Params = OWASP;
#[cfg(test)]
const MIN: Argon2Params = Argon2Params {
    m_kib: 8,
    t: 1,
    p: 1,
};
/// The largest parameters a header may name, so an edited header cannot make unlock
/// allocate unbounded memory or spin for hours: 1 GiB, 16 passes, 8 lanes.
const MAX: Argon2Params = Argon2Params {
    m_kib: 1024 * 1024,
    t: 16,
    p: 8,
};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderJson {
    format: String,
    version: u64,
    kdf: KdfJson,
    master_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<RecoveryJson>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(deny_unknown_fields)]
struct RecoveryJson {
    split_id: String,
    threshold: u8,
    shares: u8,
    public_key: String,
    master_key: String,
}

/// The recovery slot: the master key wrapped under a key derived from the recovery
/// secret of one Shamir split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecoverySlot {
    /// The split's random id (lowercase hex of 16 bytes).
    pub(crate) split_id: String,
    /// Shares needed.
    pub(crate) threshold: u8,
    /// Shares made.
    pub(crate) shares: u8,
    /// The X25519 recovery public key (Multikey), to which backups may be encrypted.
    pub(crate) public_key: String,
    wrapped_master: Vec<u8>,
}

impl RecoverySlot {
    /// Wraps `master` under `slot_key`.
    pub(crate) fn wrap(
        master: &[u8; 32],
        slot_key: &[u8; 32],
        split_id: String,
        threshold: u8,
        shares: u8,
        public_key: String,
    ) -> Self {
        let mut slot = Self {
            split_id,
            threshold,
            shares,
            public_key,
            wrapped_master: Vec::new(),
        };
        slot.wrapped_master = crypto::seal(slot_key, master, &slot.aad());
        slot
    }

    /// Unwraps the master key; a wrong recovery secret (or an edited slot) fails the tag.
    pub(crate) fn unwrap(&self, slot_key: &[u8; 32]) -> Result<Key32, Error> {
        let plain = crypto::open(slot_key, &self.wrapped_master, &self.aad())
            .ok_or(Error::WrongRecoverySecret)?;
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| Error::WrongRecoverySecret)?;
        Ok(Key32::new(key))
    }

    fn aad(&self) -> Vec<u8> {
        format!(
            "kith-wallet v{VERSION} recovery slot\0{}\0{}\0{}\0{}",
            self.split_id, self.threshold, self.shares, self.public_key
        )
        .into_bytes()
    }

    fn to_json(&self) -> RecoveryJson {
        RecoveryJson {
            split_id: self.split_id.clone(),
            threshold: self.threshold,
            shares: self.shares,
            public_key: self.public_key.clone(),
            master_key: URL_SAFE_NO_PAD.encode(&self.wrapped_master),
        }
    }

    fn from_json(json: RecoveryJson) -> Result<Self, Error> {
        let not = |why: &str| Error::NotAWallet(format!("the header's recovery slot {why}"));
        if json.split_id.len() != 32
            || !json
                .split_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(not("has a split id that is not 32 hex digits"));
        }
        if json.threshold < 2 || json.shares < json.threshold {
            return Err(not("has an impossible threshold"));
        }
        let key = kith_crypto::PublicKey::from_multikey(&json.public_key)
            .map_err(|_| not("has an invalid public key"))?;
        if key.key_type() != kith_crypto::KeyType::X25519 {
            return Err(not("has a public key that is not X25519"));
        }
        let wrapped_master = URL_SAFE_NO_PAD
            .decode(&json.master_key)
            .map_err(|_| not("has a master key that is not base64url"))?;
        if wrapped_master.len() != NONCE_LEN + 32 + TAG_LEN {
            return Err(not("has a wrapped master key of the wrong length"));
        }
        Ok(Self {
            split_id: json.split_id,
            threshold: json.threshold,
            shares: json.shares,
            public_key: json.public_key,
            wrapped_master,
        })
    }
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    alg: String,
    v: u32,
    m: u32,
    t: u32,
    p: u32,
    salt: String,
}

/// A parsed, validated header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    params: Argon2Params,
    salt: Vec<u8>,
    wrapped_master: Vec<u8>,
    recovery: Option<RecoverySlot>,
}

impl Header {
    /// Wraps `master` under a key derived from `passphrase` with a fresh salt.
    pub(crate) fn wrap(
        master: &[u8; 32],
        passphrase: &str,
        params: Argon2Params,
    ) -> Result<Self, Error> {
        check_passphrase(passphrase)?;
        let salt = crypto::random_array::<SALT_LEN>().to_vec();
        let kek = crypto::derive_kek(passphrase.as_bytes(), &salt, params)?;
        let mut header = Self {
            params,
            salt,
            wrapped_master: Vec::new(),
            recovery: None,
        };
        header.wrapped_master = crypto::seal(&kek, master, &header.wrap_aad());
        Ok(header)
    }

    /// Unwraps the master key; the AEAD tag check is the passphrase check.
    pub(crate) fn unwrap(&self, passphrase: &str) -> Result<Key32, Error> {
        check_passphrase(passphrase)?;
        let kek = crypto::derive_kek(passphrase.as_bytes(), &self.salt, self.params)?;
        let plain = crypto::open(&kek, &self.wrapped_master, &self.wrap_aad())
            .ok_or(Error::WrongPassphrase)?;
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| Error::WrongPassphrase)?;
        Ok(Key32::new(key))
    }

    fn kdf_json(&self) -> KdfJson {
        KdfJson {
            alg: "argon2id".into(),
            v: 0x13,
            m: self.params.m_kib,
            t: self.params.t,
            p: self.params.p,
            salt: URL_SAFE_NO_PAD.encode(&self.salt),
        }
    }

    fn wrap_aad(&self) -> Vec<u8> {
        let kdf = self.kdf_json();
        format!(
            "kith-wallet v{VERSION} master key\0{}\0{}\0{}\0{}\0{}\0{}",
            kdf.alg, kdf.v, kdf.m, kdf.t, kdf.p, kdf.salt
        )
        .into_bytes()
    }

    /// The JSON text of the header.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let json = HeaderJson {
            format: FORMAT.into(),
            version: VERSION,
            kdf: self.kdf_json(),
            master_key: URL_SAFE_NO_PAD.encode(&self.wrapped_master),
            recovery: self.recovery.as_ref().map(RecoverySlot::to_json),
        };
        let mut out = serde_json::to_vec_pretty(&json).expect("the header always serializes");
        out.push(b'\n');
        out
    }

    /// Parses and validates header bytes.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let not = |why: &str| Error::NotAWallet(format!("the header {why}"));
        if bytes.len() as u64 > MAX_HEADER_LEN {
            return Err(not("is longer than 4 KiB"));
        }
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| not("is not JSON"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(not("does not say format \"kith-wallet\""));
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(VERSION) => {}
            Some(other) => return Err(Error::UnsupportedVersion(other)),
            None => return Err(not("has no version number")),
        }
        let json: HeaderJson =
            serde_json::from_value(value).map_err(|_| not("does not have the v1 members"))?;
        let kdf = json.kdf;
        if kdf.alg != "argon2id" || kdf.v != 0x13 {
            return Err(not("names a KDF other than Argon2id v1.3"));
        }
        let params = Argon2Params {
            m_kib: kdf.m,
            t: kdf.t,
            p: kdf.p,
        };
        if !(MIN.m_kib..=MAX.m_kib).contains(&params.m_kib)
            || !(MIN.t..=MAX.t).contains(&params.t)
            || !(MIN.p..=MAX.p).contains(&params.p)
            || params.m_kib < 8 * params.p
        {
            return Err(not("has Argon2id parameters outside the accepted range"));
        }
        let salt = URL_SAFE_NO_PAD
            .decode(&kdf.salt)
            .map_err(|_| not("has a salt that is not base64url"))?;
        if !(16..=64).contains(&salt.len()) {
            return Err(not("has a salt that is not 16 to 64 bytes"));
        }
        let wrapped_master = URL_SAFE_NO_PAD
            .decode(&json.master_key)
            .map_err(|_| not("has a master key that is not base64url"))?;
        if wrapped_master.len() != NONCE_LEN + 32 + TAG_LEN {
            return Err(not("has a wrapped master key of the wrong length"));
        }
        let recovery = json.recovery.map(RecoverySlot::from_json).transpose()?;
        Ok(Self {
            params,
            salt,
            wrapped_master,
            recovery,
        })
    }
}

pub(crate) fn check_passphrase(passphrase: &str) -> Result<(), Error> {
    if passphrase.is_empty() {
        return Err(Error::InvalidPassphrase("it is empty"));
    }
    Ok(())
}

impl Header {
    /// The Argon2id parameters the header names.
    pub(crate) fn params(&self) -> Argon2Params {
        self.params
    }

    /// The recovery slot, if social recovery is set up.
    pub(crate) fn recovery(&self) -> Option<&RecoverySlot> {
        self.recovery.as_ref()
    }

    /// Replaces (or removes) the recovery slot.
    pub(crate) fn set_recovery(&mut self, slot: Option<RecoverySlot>) {
        self.recovery = slot;
    }
}

/// `params` raised, member by member, to at least the accepted minimum.
pub(crate) fn at_least_minimum(params: Argon2Params) -> Argon2Params {
    Argon2Params {
        m_kib: params.m_kib.max(MIN.m_kib),
        t: params.t.max(MIN.t),
        p: params.p.max(MIN.p),
    }
}
