//! Encrypted backups: the whole wallet (every credential, holder key and history entry,
//! decrypted under the unlocked master key) as one compact JWE (RFC 7516) with
//! `ECDH-ES+A256KW` / `A256GCM` (RFC 7518 §4.6, §5.3) to a recipient public key — the
//! wallet's own recovery key, or any P-256, P-384, X25519 or Ed25519 (did:key) key.
//!
//! The plaintext is JSON:
//!
//! ```json
//! {"format": "kith-wallet-backup", "version": 1, "created_at": "<RFC 3339>",
//!  "records": [{"kind": "credential" | "key" | "presentation", "id": "<32 hex>", "data": {...}}]}
//! ```
//!
//! Record ids are kept, so history entries still name their credentials after a restore.
//! The protected header carries `cty: "kith-wallet-backup+json"` and `kith_recipient`,
//! the RFC 7638 thumbprint of the recipient's agreement key, so that a backup for
//! another key is named `backup_wrong_recipient` before any decryption, and a backup for
//! this key that fails is `backup_tampered`.
//!
//! Import decrypts and validates everything in memory first, builds the new wallet in a
//! hidden sibling directory, and renames it into place only when complete: a failed
//! import leaves no wallet behind (a crash may leave the hidden directory, which holds
//! nothing readable without the new passphrase).

use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kith_crypto::jwe::{self, ContentEncryption, JweError, KeyManagement};
use kith_crypto::{KeyType, PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::crypto::{Argon2Params, random_array};
use crate::header::{self, check_passphrase};
use crate::index::Kind;
use crate::wallet::{
    CredentialJson, HEADER_FILE, KeyJson, PresentationJson, RawRecord, format_time, parse_id,
    parse_time,
};
use crate::{Error, Wallet, fsio};

/// The JWE `cty` of a wallet backup.
pub const BACKUP_CONTENT_TYPE: &str = "kith-wallet-backup+json";
/// Largest backup accepted (256 MiB), checked before decoding.
pub const MAX_BACKUP_LEN: usize = 256 << 20;
const FORMAT: &str = "kith-wallet-backup";
const VERSION: u64 = 1;
/// The only algorithms a backup is made and opened with.
const ALGORITHMS: (KeyManagement, ContentEncryption) =
    (KeyManagement::EcdhEsA256Kw, ContentEncryption::A256Gcm);

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupJson {
    format: String,
    version: u64,
    created_at: String,
    records: Vec<RecordJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordJson {
    kind: String,
    id: String,
    data: Value,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Credential => "credential",
        Kind::Key => "key",
        Kind::Presentation => "presentation",
    }
}

/// The RFC 7638 thumbprint of the key a public key agrees with (an Ed25519 key's X25519
/// form), which names the backup's recipient.
pub(crate) fn agreement_thumbprint(key: &PublicKey) -> Option<String> {
    let agreement = key.to_x25519().unwrap_or_else(|| key.clone());
    agreement.to_jwk().thumbprint().ok()
}

impl Wallet {
    /// Exports every record as one JWE (`ECDH-ES+A256KW`, `A256GCM`) to `recipient`
    /// (P-256, P-384, X25519, or Ed25519 through its X25519 form). `kid`, when given,
    /// goes into the protected header (e.g. a DID URL naming the recipient key).
    pub fn export_backup(&self, recipient: &PublicKey, kid: Option<&str>) -> Result<String, Error> {
        let thumbprint = agreement_thumbprint(recipient).ok_or_else(|| {
            Error::InvalidInput("the recipient key cannot receive a backup".into())
        })?;
        let mut records = Vec::new();
        for (kind, id, plaintext) in self.raw_records()? {
            let data: Value = serde_json::from_slice(&plaintext).map_err(|_| {
                Error::CorruptRecord(format!("record {} does not decode", hex::encode(id)))
            })?;
            records.push(RecordJson {
                kind: kind_name(kind).to_owned(),
                id: hex::encode(id),
                data,
            });
        }
        let backup = BackupJson {
            format: FORMAT.into(),
            version: VERSION,
            created_at: format_time(OffsetDateTime::now_utc())?,
            records,
        };
        let plaintext = Zeroizing::new(
            serde_json::to_vec(&backup).map_err(|e| Error::InvalidInput(e.to_string()))?,
        );
        let mut extra = Map::new();
        if let Some(kid) = kid {
            extra.insert("kid".into(), kid.into());
        }
        extra.insert("cty".into(), BACKUP_CONTENT_TYPE.into());
        extra.insert("kith_recipient".into(), thumbprint.into());
        let (alg, enc) = ALGORITHMS;
        jwe::encrypt(recipient, alg, enc, &plaintext, &extra).map_err(|e| match e {
            JweError::UnsupportedRecipientKey(_) => {
                Error::InvalidInput("the recipient key cannot receive a backup".into())
            }
            other => Error::Jwe(other),
        })
    }

    /// Restores a backup made by [`Wallet::export_backup`] into a new wallet in `dir`
    /// (which must not hold a wallet), protected by `new_passphrase`, decrypting with
    /// `recipient`. Errors: `backup_wrong_recipient`, `backup_tampered`,
    /// `invalid_backup`, `wallet_exists`; on any error no wallet is created.
    pub fn import_backup(
        dir: &Path,
        backup: &str,
        recipient: &PrivateKey,
        new_passphrase: &str,
    ) -> Result<Wallet, Error> {
        import_with(dir, backup, recipient, new_passphrase, header::OWASP)
    }
}

/// Decrypts and validates a backup; the records to write, in memory.
fn open_backup(backup: &str, recipient: &PrivateKey) -> Result<Vec<RawRecord>, Error> {
    let backup = backup.trim();
    if backup.len() > MAX_BACKUP_LEN {
        return Err(Error::InvalidBackup(format!(
            "it is larger than {MAX_BACKUP_LEN} bytes"
        )));
    }
    let invalid = |e: JweError| Error::InvalidBackup(format!("{} ({})", e, e.code()));
    let header = peek_header(backup)?;
    if header.get("cty").and_then(Value::as_str) != Some(BACKUP_CONTENT_TYPE) {
        return Err(Error::InvalidBackup(format!(
            "the JWE content type is not {BACKUP_CONTENT_TYPE}"
        )));
    }
    let ours = agreement_thumbprint(&recipient.public_key());
    let named = header.get("kith_recipient").and_then(Value::as_str);
    let for_us = named.is_some() && named == ours.as_deref();
    if !for_us {
        return Err(Error::BackupWrongRecipient);
    }
    let (alg, enc) = ALGORITHMS;
    let decrypted = jwe::decrypt_with_limit(backup, recipient, &[(alg, enc)], MAX_BACKUP_LEN)
        .map_err(|e| match e {
            JweError::KeyUnwrapFailed | JweError::DecryptionFailed => Error::BackupTampered,
            JweError::EpkCurveMismatch { .. } | JweError::UnsupportedRecipientKey(_) => {
                Error::BackupWrongRecipient
            }
            other => invalid(other),
        })?;
    parse_records(&decrypted.plaintext)
}

/// The protected header, unauthenticated, to route the backup before decrypting it
/// (`jwe::protected_header` has the 1 MiB cap of network JWEs; backups are larger).
fn peek_header(backup: &str) -> Result<Map<String, Value>, Error> {
    let first = backup.split('.').next().unwrap_or_default();
    if first.len() > jwe::MAX_HEADER_LEN {
        return Err(Error::InvalidBackup("the JWE header is too large".into()));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(first)
        .map_err(|_| Error::InvalidBackup("not a compact JWE".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| Error::InvalidBackup("the JWE header is not a JSON object".into()))
}

fn parse_records(plaintext: &[u8]) -> Result<Vec<RawRecord>, Error> {
    let invalid = |why: String| Error::InvalidBackup(why);
    let backup: BackupJson = serde_json::from_slice(plaintext)
        .map_err(|e| invalid(format!("the contents do not decode: {e}")))?;
    if backup.format != FORMAT {
        return Err(invalid(format!("the format is not {FORMAT}")));
    }
    if backup.version != VERSION {
        return Err(invalid(format!(
            "backup version {} is not supported (this build reads version 1)",
            backup.version
        )));
    }
    let mut out = Vec::with_capacity(backup.records.len());
    let mut seen = std::collections::BTreeSet::new();
    for record in backup.records {
        let id = parse_id(&record.id)
            .ok_or_else(|| invalid(format!("record id {:?} is not 32 hex digits", record.id)))?;
        if !seen.insert(id) {
            return Err(invalid(format!("record {} appears twice", record.id)));
        }
        let bad = |what: &str| invalid(format!("{what} record {} does not decode", record.id));
        // Each record is re-validated as the wallet would read it, then re-serialized.
        let (kind, bytes) = match record.kind.as_str() {
            "credential" => {
                let json: CredentialJson =
                    serde_json::from_value(record.data).map_err(|_| bad("credential"))?;
                parse_time(&json.added_at).map_err(|_| bad("credential"))?;
                (Kind::Credential, serde_json::to_vec(&json))
            }
            "key" => {
                let json: KeyJson = serde_json::from_value(record.data).map_err(|_| bad("key"))?;
                let key_type = KeyType::from_str(&json.key_type).map_err(|_| bad("key"))?;
                let secret = Zeroizing::new(
                    URL_SAFE_NO_PAD
                        .decode(json.secret.as_bytes())
                        .map_err(|_| bad("key"))?,
                );
                PrivateKey::from_bytes(key_type, &secret).map_err(|_| bad("key"))?;
                parse_time(&json.created_at).map_err(|_| bad("key"))?;
                (Kind::Key, serde_json::to_vec(&json))
            }
            "presentation" => {
                let json: PresentationJson =
                    serde_json::from_value(record.data).map_err(|_| bad("history"))?;
                parse_time(&json.at).map_err(|_| bad("history"))?;
                (Kind::Presentation, serde_json::to_vec(&json))
            }
            other => return Err(invalid(format!("unknown record kind {other:?}"))),
        };
        let bytes = bytes.map_err(|e| invalid(e.to_string()))?;
        out.push((kind, id, Zeroizing::new(bytes)));
    }
    Ok(out)
}

/// [`Wallet::import_backup`] with chosen Argon2id parameters (cheap ones in tests).
pub(crate) fn import_with(
    dir: &Path,
    backup: &str,
    recipient: &PrivateKey,
    new_passphrase: &str,
    params: Argon2Params,
) -> Result<Wallet, Error> {
    check_passphrase(new_passphrase)?;
    refuse_existing(dir)?;
    let records = open_backup(backup, recipient)?;
    build_then_rename(dir, new_passphrase, params, &records)
}

/// `wallet_exists` when `dir` already holds a wallet header.
pub(crate) fn refuse_existing(dir: &Path) -> Result<(), Error> {
    if fs::symlink_metadata(dir.join(HEADER_FILE)).is_ok() {
        return Err(Error::WalletExists(dir.to_path_buf()));
    }
    Ok(())
}

/// Builds a wallet holding `records` in a hidden sibling of `dir`, then renames it to
/// `dir` (which may be absent or an empty directory). On failure the sibling is removed.
pub(crate) fn build_then_rename(
    dir: &Path,
    passphrase: &str,
    params: Argon2Params,
    records: &[RawRecord],
) -> Result<Wallet, Error> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::InvalidInput(format!("{} has no directory name", dir.display())))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    let staging = parent.join(format!(
        ".{name}.import-{}",
        hex::encode(random_array::<8>())
    ));
    let result = (|| {
        let mut wallet = Wallet::create_with(&staging, passphrase, params)?;
        wallet.import_records(records)?;
        // rename(2) replaces an empty directory and refuses a non-empty one, so an
        // existing wallet (or anything else) at `dir` is never overwritten.
        fs::rename(&staging, dir).map_err(|e| {
            if refuse_existing(dir).is_err() {
                Error::WalletExists(dir.to_path_buf())
            } else {
                Error::io(
                    format!("cannot move the restored wallet to {}", dir.display()),
                    e,
                )
            }
        })?;
        fsio::sync_dir(&parent)?;
        wallet.set_dir(dir.to_path_buf());
        Ok(wallet)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}
