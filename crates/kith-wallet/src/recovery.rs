//! Social recovery: k of n guardians can restore the wallet without the passphrase.
//!
//! # The recovery secret
//!
//! [`Wallet::split_recovery`] draws a random non-zero P-256 scalar `s` (the **recovery
//! secret**) and splits it with Shamir's scheme over the P-256 scalar field (vsss-rs:
//! a random polynomial of degree k − 1 with constant term `s`, evaluated at 1..=n).
//! Two keys are derived from `s` with HKDF-SHA256:
//!
//! - the **slot key**, which wraps the master key in the header's recovery slot, so k
//!   shares open the wallet directory and a new passphrase can be set ([`restore`]);
//! - the **recovery key**, an X25519 key pair whose public half is in the header, so
//!   backups can be encrypted to it and restored from k shares when the directory is
//!   lost ([`restore_from_backup`]).
//!
//! A new split replaces the slot: shares of an older split no longer open the wallet.
//!
//! # Files and steps
//!
//! 1. The holder runs `split` and hands each guardian a [`ShareFile`]: `{format, version,
//!    split_id, threshold, shares, index, guardian (DID), guardian_key (RFC 7638
//!    thumbprint of the key it is encrypted to), created_at, jwe}`; the JWE
//!    (`ECDH-ES+A256KW`/`A256GCM`) to the guardian's key agreement key holds the share
//!    value with the split id, index, threshold and count again, so none of the visible
//!    fields can be changed unnoticed.
//! 2. To help, a guardian runs [`decrypt_share`] with their private key and hands back
//!    the resulting [`PlainShare`] (it reveals nothing alone: see below).
//! 3. The holder runs [`restore`] with k plain shares and a new passphrase.
//!
//! # Why k − 1 shares reveal nothing
//!
//! For any k − 1 shares and **any** candidate secret `s'`, there is exactly one
//! polynomial of degree k − 1 through `(0, s')` and those shares; every candidate is
//! equally consistent with what the k − 1 guardians hold (the test suite checks this by
//! completing k − 1 real shares to arbitrary secrets).

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use kith_crypto::jwe::{self, ContentEncryption, JweError, KeyManagement};
use kith_crypto::{KeyType, PrivateKey, PublicKey};
use p256::Scalar;
use p256::elliptic_curve::ff::{Field as _, PrimeField as _};
use rand::SeedableRng as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;
use time::OffsetDateTime;
use vsss_rs::{IdentifierPrimeField, PrimeFieldShare, ReadableShareSet as _};
use zeroize::Zeroizing;

use crate::backup::{self, agreement_thumbprint};
use crate::crypto::{Argon2Params, Key32, random_array};
use crate::header::{self, RecoverySlot, check_passphrase};
use crate::wallet::{format_time, read_header};
use crate::{Error, Wallet};

const SHARE_FORMAT: &str = "kith-recovery-share";
const PLAIN_SHARE_FORMAT: &str = "kith-recovery-share-plain";
const VERSION: u64 = 1;
/// The JWE `cty` of an encrypted share.
pub const SHARE_CONTENT_TYPE: &str = "kith-recovery-share+json";
/// Share files are small; anything longer is not one (64 KiB).
pub const MAX_SHARE_FILE_LEN: usize = 64 * 1024;
const ALGORITHMS: (KeyManagement, ContentEncryption) =
    (KeyManagement::EcdhEsA256Kw, ContentEncryption::A256Gcm);

/// A guardian: their DID and the public key agreement key shares are encrypted to (for
/// an Ed25519 did:key, the Ed25519 key or its X25519 form).
#[derive(Clone, Debug)]
pub struct Guardian {
    /// The guardian's DID, recorded in the share file.
    pub did: String,
    /// The key the share is encrypted to.
    pub key: PublicKey,
    /// The key's DID URL, put in the JWE header as `kid` when given.
    pub kid: Option<String>,
}

/// An encrypted share, as handed to a guardian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareFile {
    /// `"kith-recovery-share"`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// The split's random id (32 hex digits); shares of one split share it.
    pub split_id: String,
    /// Shares needed to restore.
    pub threshold: u8,
    /// Shares made.
    pub shares: u8,
    /// This share's index (1..=shares).
    pub index: u8,
    /// The guardian's DID.
    pub guardian: String,
    /// RFC 7638 thumbprint of the agreement key the JWE is encrypted to.
    pub guardian_key: String,
    /// When the split was made (RFC 3339).
    pub created_at: String,
    /// The share, as a compact JWE to the guardian's key.
    pub jwe: String,
}

/// A share a guardian decrypted, to hand back to the holder for [`restore`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainShare {
    /// `"kith-recovery-share-plain"`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// The split's id.
    pub split_id: String,
    /// Shares needed to restore.
    pub threshold: u8,
    /// Shares made.
    pub shares: u8,
    /// This share's index.
    pub index: u8,
    /// The guardian's DID.
    pub guardian: String,
    /// The share value: base64url of a P-256 scalar (32 bytes, big-endian).
    pub value: Zeroizing<String>,
}

impl fmt::Debug for PlainShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainShare")
            .field("split_id", &self.split_id)
            .field("threshold", &self.threshold)
            .field("shares", &self.shares)
            .field("index", &self.index)
            .field("guardian", &self.guardian)
            .finish_non_exhaustive()
    }
}

/// What the encrypted part of a share holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharePayload {
    split_id: String,
    threshold: u8,
    shares: u8,
    index: u8,
    value: Zeroizing<String>,
}

/// The public facts of the wallet's current split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryInfo {
    /// The split's id.
    pub split_id: String,
    /// Shares needed.
    pub threshold: u8,
    /// Shares made.
    pub shares: u8,
    /// The X25519 recovery public key, to encrypt backups to.
    pub public_key: PublicKey,
}

fn parse_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T, Error> {
    if bytes.len() > MAX_SHARE_FILE_LEN {
        return Err(Error::InvalidShare(format!(
            "the {what} is larger than {MAX_SHARE_FILE_LEN} bytes"
        )));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Error::InvalidShare(format!("the {what} does not decode: {e}")))
}

impl ShareFile {
    /// Parses and checks a share file (bounded).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let share: Self = parse_json(bytes, "share file")?;
        if share.format != SHARE_FORMAT {
            return Err(Error::InvalidShare(format!(
                "the format is not {SHARE_FORMAT}"
            )));
        }
        check_common(
            share.version,
            &share.split_id,
            share.threshold,
            share.shares,
            share.index,
        )?;
        Ok(share)
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl PlainShare {
    /// Parses and checks a plain share (bounded); the value must be a canonical scalar.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let share: Self = parse_json(bytes, "plain share")?;
        if share.format != PLAIN_SHARE_FORMAT {
            return Err(Error::InvalidShare(format!(
                "the format is not {PLAIN_SHARE_FORMAT}"
            )));
        }
        check_common(
            share.version,
            &share.split_id,
            share.threshold,
            share.shares,
            share.index,
        )?;
        decode_scalar(&share.value)?;
        Ok(share)
    }

    /// The JSON text (holds the share value: hand it only to the holder).
    pub fn to_json(&self) -> Zeroizing<String> {
        Zeroizing::new(serde_json::to_string_pretty(self).unwrap_or_default())
    }
}

fn check_common(
    version: u64,
    split_id: &str,
    threshold: u8,
    shares: u8,
    index: u8,
) -> Result<(), Error> {
    if version != VERSION {
        return Err(Error::InvalidShare(format!(
            "share version {version} is not supported (this build reads version 1)"
        )));
    }
    if split_id.len() != 32
        || !split_id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(Error::InvalidShare(
            "the split id is not 32 lowercase hex digits".into(),
        ));
    }
    if threshold < 2 || shares < threshold {
        return Err(Error::InvalidShare(format!(
            "threshold {threshold} of {shares} is impossible"
        )));
    }
    if index == 0 || index > shares {
        return Err(Error::InvalidShare(format!(
            "index {index} is outside 1..={shares}"
        )));
    }
    Ok(())
}

/// A share value: base64url of a canonical (below the group order) P-256 scalar.
fn decode_scalar(value: &str) -> Result<Scalar, Error> {
    let bytes = Zeroizing::new(
        URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| Error::InvalidShare("the share value is not base64url".into()))?,
    );
    let array: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| Error::InvalidShare("the share value is not 32 bytes".into()))?;
    Option::from(Scalar::from_repr(array.into()))
        .ok_or_else(|| Error::InvalidShare("the share value is not a P-256 scalar".into()))
}

fn encode_scalar(scalar: &Scalar) -> Zeroizing<String> {
    let mut repr = scalar.to_repr();
    let text = Zeroizing::new(URL_SAFE_NO_PAD.encode(repr.as_slice()));
    zeroize::Zeroize::zeroize(repr.as_mut_slice());
    text
}

/// The keys derived from the recovery secret (HKDF-SHA256, RFC 5869).
struct Derived {
    slot_key: Key32,
    recovery_key: PrivateKey,
}

fn derive(secret: &Scalar) -> Result<Derived, Error> {
    let mut repr = secret.to_repr();
    let hkdf = Hkdf::<Sha256>::new(Some(b"kith-wallet v1 recovery"), repr.as_slice());
    zeroize::Zeroize::zeroize(repr.as_mut_slice());
    let mut slot_key = Zeroizing::new([0u8; 32]);
    let mut x = Zeroizing::new([0u8; 32]);
    hkdf.expand(b"slot key", slot_key.as_mut_slice())
        .and_then(|()| hkdf.expand(b"x25519 recovery key", x.as_mut_slice()))
        .map_err(|_| Error::InvalidRecoverySetup("HKDF output length".into()))?;
    let recovery_key = PrivateKey::from_bytes(KeyType::X25519, x.as_slice())?;
    Ok(Derived {
        slot_key,
        recovery_key,
    })
}

/// A CSPRNG for vsss-rs, seeded from the OS.
fn rng() -> Result<rand::rngs::StdRng, Error> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut_slice())
        .map_err(|e| Error::Key(kith_crypto::Error::Rng(e.to_string())))?;
    Ok(rand::rngs::StdRng::from_seed(*seed))
}

fn random_secret(rng: &mut rand::rngs::StdRng) -> Scalar {
    // Scalar::random is uniform below the group order; zero is drawn again (its
    // probability is 2^-256, but a zero secret would be a fixed, known key).
    loop {
        let s = Scalar::random(&mut *rng);
        if !bool::from(s.is_zero()) {
            return s;
        }
    }
}

fn index_of(identifier: &Scalar) -> Option<u8> {
    let repr = identifier.to_repr();
    let (high, low) = repr.as_slice().split_at(31);
    if high.iter().all(|b| *b == 0) && low[0] != 0 {
        Some(low[0])
    } else {
        None
    }
}

impl Wallet {
    /// Splits a new recovery secret into one share per guardian, `threshold` of which
    /// restore the wallet, and writes the recovery slot into the header (replacing any
    /// earlier split). Returns the share files, in guardian order, to hand out.
    pub fn split_recovery(
        &mut self,
        threshold: u8,
        guardians: &[Guardian],
    ) -> Result<Vec<ShareFile>, Error> {
        let n = u8::try_from(guardians.len())
            .map_err(|_| Error::InvalidRecoverySetup("at most 255 guardians".into()))?;
        if threshold < 2 {
            return Err(Error::InvalidRecoverySetup(
                "the threshold must be at least 2".into(),
            ));
        }
        if n < threshold {
            return Err(Error::InvalidRecoverySetup(format!(
                "{n} guardians cannot meet a threshold of {threshold}"
            )));
        }
        let mut dids = BTreeSet::new();
        for g in guardians {
            if !dids.insert(g.did.as_str()) {
                return Err(Error::InvalidRecoverySetup(format!(
                    "the guardian {} is named twice",
                    g.did
                )));
            }
        }
        let mut rng = rng()?;
        let secret = Zeroizing::new(random_secret(&mut rng));
        let derived = derive(&secret)?;
        let shares = vsss_rs::shamir::split_secret::<PrimeFieldShare<Scalar>>(
            usize::from(threshold),
            usize::from(n),
            &IdentifierPrimeField(*secret),
            &mut rng,
        )
        .map_err(|e| Error::InvalidRecoverySetup(format!("secret sharing failed: {e:?}")))?;
        let split_id = hex::encode(random_array::<16>());
        let created_at = format_time(OffsetDateTime::now_utc())?;

        // Every share is encrypted before the header changes: a failure leaves the
        // wallet's current split in force.
        let mut files = Vec::with_capacity(guardians.len());
        for (share, guardian) in shares.iter().zip(guardians) {
            let index = index_of(&share.identifier.0).ok_or_else(|| {
                Error::InvalidRecoverySetup("vsss-rs returned an unexpected identifier".into())
            })?;
            let payload = SharePayload {
                split_id: split_id.clone(),
                threshold,
                shares: n,
                index,
                value: encode_scalar(&share.value.0),
            };
            let plaintext = Zeroizing::new(
                serde_json::to_vec(&payload).map_err(|e| Error::InvalidInput(e.to_string()))?,
            );
            let guardian_key = agreement_thumbprint(&guardian.key).ok_or_else(|| {
                Error::InvalidRecoverySetup(format!("{} has no usable key", guardian.did))
            })?;
            let mut extra = Map::new();
            if let Some(kid) = &guardian.kid {
                extra.insert("kid".into(), kid.clone().into());
            }
            extra.insert("cty".into(), SHARE_CONTENT_TYPE.into());
            extra.insert("kith_split".into(), split_id.clone().into());
            extra.insert("kith_index".into(), index.into());
            let (alg, enc) = ALGORITHMS;
            let jwe =
                jwe::encrypt(&guardian.key, alg, enc, &plaintext, &extra).map_err(|e| match e {
                    JweError::UnsupportedRecipientKey(t) => Error::InvalidRecoverySetup(format!(
                        "{}: a {t} key cannot receive a share",
                        guardian.did
                    )),
                    other => Error::Jwe(other),
                })?;
            files.push(ShareFile {
                format: SHARE_FORMAT.into(),
                version: VERSION,
                split_id: split_id.clone(),
                threshold,
                shares: n,
                index,
                guardian: guardian.did.clone(),
                guardian_key,
                created_at: created_at.clone(),
                jwe,
            });
        }
        let slot = RecoverySlot::wrap(
            self.master_key(),
            &derived.slot_key,
            split_id,
            threshold,
            n,
            derived.recovery_key.public_key().to_multikey(),
        );
        self.set_recovery_slot(Some(slot))?;
        Ok(files)
    }

    /// The current split's public facts, or `None` when recovery is not set up.
    pub fn recovery_info(&self) -> Option<RecoveryInfo> {
        info_of(self.header().recovery())
    }
}

fn info_of(slot: Option<&RecoverySlot>) -> Option<RecoveryInfo> {
    let slot = slot?;
    Some(RecoveryInfo {
        split_id: slot.split_id.clone(),
        threshold: slot.threshold,
        shares: slot.shares,
        public_key: PublicKey::from_multikey(&slot.public_key).ok()?,
    })
}

/// The recovery facts of the wallet in `dir`, read from its header (no passphrase).
pub fn recovery_info(dir: &Path) -> Result<Option<RecoveryInfo>, Error> {
    Ok(info_of(read_header(dir)?.recovery()))
}

/// The guardian's step: decrypts a share file with the guardian's private key (its
/// key agreement key, or the Ed25519 key of an Ed25519 did:key). Errors:
/// `wrong_guardian_key` (the share is for another key), `share_tampered`.
pub fn decrypt_share(share: &ShareFile, guardian_key: &PrivateKey) -> Result<PlainShare, Error> {
    check_common(
        share.version,
        &share.split_id,
        share.threshold,
        share.shares,
        share.index,
    )?;
    if agreement_thumbprint(&guardian_key.public_key()).as_deref() != Some(&share.guardian_key) {
        return Err(Error::WrongGuardianKey);
    }
    let (alg, enc) = ALGORITHMS;
    let out = jwe::decrypt(&share.jwe, guardian_key, &[(alg, enc)]).map_err(|e| match e {
        JweError::EpkCurveMismatch { .. } | JweError::UnsupportedRecipientKey(_) => {
            Error::WrongGuardianKey
        }
        _ => Error::ShareTampered,
    })?;
    let payload: SharePayload =
        serde_json::from_slice(&out.plaintext).map_err(|_| Error::ShareTampered)?;
    // The visible fields must agree with the encrypted (authenticated) ones.
    let header_agrees = out.protected.get("kith_split")
        == Some(&Value::from(share.split_id.as_str()))
        && out.protected.get("kith_index") == Some(&Value::from(share.index));
    if !header_agrees
        || payload.split_id != share.split_id
        || payload.index != share.index
        || payload.threshold != share.threshold
        || payload.shares != share.shares
    {
        return Err(Error::ShareTampered);
    }
    decode_scalar(&payload.value).map_err(|_| Error::ShareTampered)?;
    Ok(PlainShare {
        format: PLAIN_SHARE_FORMAT.into(),
        version: VERSION,
        split_id: payload.split_id,
        threshold: payload.threshold,
        shares: payload.shares,
        index: payload.index,
        guardian: share.guardian.clone(),
        value: payload.value,
    })
}

/// Rebuilds the recovery secret from plain shares: same split, distinct indexes, at
/// least the threshold. Returns the split id with the secret.
fn combine(shares: &[PlainShare]) -> Result<(String, Zeroizing<Scalar>), Error> {
    let first = shares
        .first()
        .ok_or(Error::NotEnoughShares { have: 0, need: 2 })?;
    let mut indexes = BTreeSet::new();
    let mut points = Vec::with_capacity(shares.len());
    for share in shares {
        check_common(
            share.version,
            &share.split_id,
            share.threshold,
            share.shares,
            share.index,
        )?;
        if share.format != PLAIN_SHARE_FORMAT {
            return Err(Error::InvalidShare(format!(
                "the format is not {PLAIN_SHARE_FORMAT}"
            )));
        }
        if share.split_id != first.split_id
            || share.threshold != first.threshold
            || share.shares != first.shares
        {
            return Err(Error::ShareSplitMismatch(format!(
                "split {} and split {}",
                first.split_id, share.split_id
            )));
        }
        if !indexes.insert(share.index) {
            return Err(Error::DuplicateShareIndex(share.index));
        }
        let value = decode_scalar(&share.value)?;
        points.push(PrimeFieldShare::<Scalar> {
            identifier: IdentifierPrimeField(Scalar::from(u64::from(share.index))),
            value: IdentifierPrimeField(value),
        });
    }
    if shares.len() < usize::from(first.threshold) {
        return Err(Error::NotEnoughShares {
            have: shares.len(),
            need: first.threshold,
        });
    }
    let secret = points
        .combine()
        .map_err(|e| Error::InvalidShare(format!("the shares do not combine: {e:?}")))?;
    Ok((first.split_id.clone(), Zeroizing::new(secret.0)))
}

/// The holder's step when the wallet directory is there (forgotten passphrase): combines
/// k plain shares, opens the recovery slot, and sets `new_passphrase`. Errors:
/// `share_split_mismatch` (shares of different splits, or not the wallet's current
/// split), `duplicate_share_index`, `not_enough_shares`, `invalid_share`,
/// `recovery_not_configured`, `wrong_recovery_secret`.
pub fn restore(dir: &Path, shares: &[PlainShare], new_passphrase: &str) -> Result<Wallet, Error> {
    check_passphrase(new_passphrase)?;
    let (split_id, secret) = combine(shares)?;
    let locked = Wallet::open(dir)?;
    let derived = derive(&secret)?;
    let mut wallet = locked.unlock_with(|header| {
        let slot = header.recovery().ok_or(Error::RecoveryNotConfigured)?;
        if slot.split_id != split_id {
            return Err(Error::ShareSplitMismatch(format!(
                "the shares are of split {split_id}; the wallet's current split is {}",
                slot.split_id
            )));
        }
        slot.unwrap(&derived.slot_key)
    })?;
    wallet.reset_passphrase(new_passphrase)?;
    Ok(wallet)
}

/// The holder's step when the directory is lost: combines k plain shares into the
/// recovery key and imports `backup` (made with [`Wallet::export_backup`] to the
/// wallet's recovery public key) into a new wallet in `dir` with `new_passphrase`.
pub fn restore_from_backup(
    dir: &Path,
    backup: &str,
    shares: &[PlainShare],
    new_passphrase: &str,
) -> Result<Wallet, Error> {
    restore_from_backup_with(dir, backup, shares, new_passphrase, header::OWASP)
}

pub(crate) fn restore_from_backup_with(
    dir: &Path,
    backup: &str,
    shares: &[PlainShare],
    new_passphrase: &str,
    params: Argon2Params,
) -> Result<Wallet, Error> {
    let (_, secret) = combine(shares)?;
    let derived = derive(&secret)?;
    backup::import_with(dir, backup, &derived.recovery_key, new_passphrase, params)
}
