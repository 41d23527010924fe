//! [`Wallet`] (unlocked) and [`LockedWallet`] (header only, no key in memory).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kith_crypto::{KeyType, PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::{self, Argon2Params, Key32};
use crate::fsio;
use crate::header::{self, Header, RecoverySlot};
use crate::index::{Entry, Index, Kind, MAX_INDEX_LEN, RecordId};

/// The header file.
pub const HEADER_FILE: &str = "wallet.json";
/// The sealed record index.
pub const INDEX_FILE: &str = "index.kwi";
/// The directory of sealed records, one `<id>.kwr` file each.
pub const RECORDS_DIR: &str = "records";
/// The advisory lock held while a [`Wallet`] is unlocked.
pub const LOCK_FILE: &str = "wallet.lock";

const RECORD_MAGIC: &[u8; 4] = b"KWR1";
/// Records larger than this are refused when written and when read (16 MiB).
pub const MAX_RECORD_LEN: u64 = 16 << 20;
const INDEX_KEY_LABEL: &str = "kith-wallet v1 index key";

/// One record in the clear: its kind, id and JSON plaintext (wiped on drop).
pub(crate) type RawRecord = (Kind, RecordId, Zeroizing<Vec<u8>>);

/// A wallet on disk whose header has been read and validated, with no key in memory.
#[derive(Clone, Debug)]
pub struct LockedWallet {
    dir: PathBuf,
}

/// An unlocked wallet: the master key, the index key and the record data keys are in
/// memory (zeroized when the wallet is locked or dropped), and the directory's advisory
/// lock is held so that no second handle writes at the same time.
pub struct Wallet {
    dir: PathBuf,
    header: Header,
    master: Key32,
    index_key: Key32,
    index: Index,
    _lock: File,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("dir", &self.dir)
            .field("records", &self.index.entries.len())
            .finish_non_exhaustive()
    }
}

/// A credential as stored in the wallet.
#[derive(Clone, PartialEq)]
pub struct StoredCredential {
    /// The record id (32 lowercase hex digits).
    pub id: String,
    /// The credential's format as the caller named it (`vc+jwt`, `dc+sd-jwt`, `ldp_vc`, ...).
    pub format: String,
    /// The credential exactly as received.
    pub raw: String,
    /// Caller metadata (issuer display name, type, where it came from, ...).
    pub metadata: serde_json::Value,
    /// When it was added.
    pub added_at: OffsetDateTime,
}

impl fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredCredential")
            .field("id", &self.id)
            .field("format", &self.format)
            .field("raw_len", &self.raw.len())
            .field("added_at", &self.added_at)
            .finish_non_exhaustive()
    }
}

/// A holder key's public description (the private part stays sealed until asked for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderKey {
    /// The record id.
    pub id: String,
    /// The key type.
    pub key_type: KeyType,
    /// The public key.
    pub public_key: PublicKey,
    /// When it was generated.
    pub created_at: OffsetDateTime,
}

/// One entry of the presentation history: what was shared, with whom and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentationRecord {
    /// The record id.
    pub id: String,
    /// Who received the presentation (a DID, an origin, a client id).
    pub verifier: String,
    /// The claims disclosed, as names or paths (never their values).
    pub claims_shared: Vec<String>,
    /// The wallet credentials the presentation was made from.
    pub credential_ids: Vec<String>,
    /// When it was shared.
    pub at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CredentialJson {
    pub(crate) format: String,
    pub(crate) raw: String,
    pub(crate) metadata: serde_json::Value,
    pub(crate) added_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyJson {
    pub(crate) key_type: String,
    pub(crate) secret: Zeroizing<String>,
    pub(crate) created_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PresentationJson {
    pub(crate) verifier: String,
    pub(crate) claims_shared: Vec<String>,
    pub(crate) credential_ids: Vec<String>,
    pub(crate) at: String,
}

fn header_path(dir: &Path) -> PathBuf {
    dir.join(HEADER_FILE)
}

fn record_path(dir: &Path, id: &RecordId) -> PathBuf {
    dir.join(RECORDS_DIR)
        .join(format!("{}.kwr", hex::encode(id)))
}

fn record_aad(kind: Kind, id: &RecordId) -> Vec<u8> {
    let mut aad = b"kith-wallet v1 record\0".to_vec();
    aad.push(kind as u8);
    aad.extend_from_slice(id);
    aad
}

pub(crate) fn parse_id(id: &str) -> Option<RecordId> {
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    hex::decode(id).ok()?.try_into().ok()
}

pub(crate) fn format_time(t: OffsetDateTime) -> Result<String, Error> {
    t.format(&Rfc3339)
        .map_err(|_| Error::InvalidInput("the time cannot be written as RFC 3339".into()))
}

pub(crate) fn parse_time(s: &str) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| Error::CorruptRecord("a stored time is not RFC 3339".into()))
}

/// Takes the directory's advisory lock (released when the returned file is dropped).
fn take_lock(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::WalletBusy(dir.to_path_buf())),
        Err(fs::TryLockError::Error(e)) => {
            Err(Error::io(format!("cannot lock {}", path.display()), e))
        }
    }
}

pub(crate) fn read_header(dir: &Path) -> Result<Header, Error> {
    let path = header_path(dir);
    let bytes = fsio::read_bounded(&path, header::MAX_HEADER_LEN)?
        .ok_or_else(|| Error::NotAWallet(format!("{} has no {HEADER_FILE}", dir.display())))?;
    Header::parse(&bytes)
}

impl LockedWallet {
    /// The wallet directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Derives the key from `passphrase` (Argon2id), unwraps the master key and opens the
    /// index. A wrong passphrase is `wrong_passphrase` (the AEAD's constant-time tag
    /// check decides); another unlocked handle on the directory is `wallet_busy`.
    pub fn unlock(&self, passphrase: &str) -> Result<Wallet, Error> {
        self.unlock_with(|header| header.unwrap(passphrase))
    }

    /// Unlocks with a master key obtained from the header by `master_key` (the
    /// passphrase slot, or the recovery slot).
    pub(crate) fn unlock_with(
        &self,
        master_key: impl FnOnce(&Header) -> Result<Key32, Error>,
    ) -> Result<Wallet, Error> {
        let lock = take_lock(&self.dir)?;
        // Re-read under the lock: another handle may have changed the passphrase.
        let header = read_header(&self.dir)?;
        let master = master_key(&header)?;
        let index_key = crypto::subkey(&master, INDEX_KEY_LABEL);
        let path = self.dir.join(INDEX_FILE);
        let bytes = fsio::read_bounded(&path, MAX_INDEX_LEN)?
            .ok_or_else(|| Error::CorruptRecord(format!("{INDEX_FILE} is missing")))?;
        let index = Index::open(&index_key, &bytes)?;
        let wallet = Wallet {
            dir: self.dir.clone(),
            header,
            master,
            index_key,
            index,
            _lock: lock,
        };
        wallet.sweep();
        Ok(wallet)
    }
}

impl Wallet {
    /// Creates a new wallet in `dir` (created with mode 0700 if absent) with a random
    /// master key wrapped under `passphrase` (Argon2id, m = 19 MiB, t = 2, p = 1). A
    /// directory that already holds a wallet is `wallet_exists`.
    pub fn create(dir: &Path, passphrase: &str) -> Result<Wallet, Error> {
        Self::create_with(dir, passphrase, header::OWASP)
    }

    pub(crate) fn create_with(
        dir: &Path,
        passphrase: &str,
        params: Argon2Params,
    ) -> Result<Wallet, Error> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let lock = take_lock(dir).map_err(|e| match e {
            Error::WalletBusy(d) => Error::WalletExists(d),
            other => other,
        })?;
        let header_path = header_path(dir);
        if fs::symlink_metadata(&header_path).is_ok() {
            return Err(Error::WalletExists(dir.to_path_buf()));
        }
        let records = dir.join(RECORDS_DIR);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&records)
            .map_err(|e| Error::io(format!("cannot create {}", records.display()), e))?;
        let master = crypto::random_key();
        let header = Header::wrap(&master, passphrase, params)?;
        let index_key = crypto::subkey(&master, INDEX_KEY_LABEL);
        let index = Index::default();
        fsio::write_atomic(&dir.join(INDEX_FILE), &index.seal(&index_key))?;
        // The header is written last: its presence is what makes the directory a wallet.
        fsio::write_atomic(&header_path, &header.to_bytes())?;
        Ok(Wallet {
            dir: dir.to_path_buf(),
            header,
            master,
            index_key,
            index,
            _lock: lock,
        })
    }

    /// Reads the header of the wallet in `dir`; no passphrase needed, no key in memory.
    pub fn open(dir: &Path) -> Result<LockedWallet, Error> {
        read_header(dir)?;
        Ok(LockedWallet {
            dir: dir.to_path_buf(),
        })
    }

    /// Locks the wallet: the master key, index key and data keys are zeroized and the
    /// directory's lock is released.
    pub fn lock(self) -> LockedWallet {
        LockedWallet {
            dir: self.dir.clone(),
        }
        // `self` drops here: every `Zeroizing` key is wiped, the lock file closed.
    }

    /// The wallet directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Re-wraps the master key under `new` (fresh salt; the header's Argon2id parameters,
    /// raised to the OWASP minimum if they were lower). Only the header
    /// is rewritten; no record and not the index changes. `old` must be the current
    /// passphrase (`wrong_passphrase` otherwise).
    pub fn change_passphrase(&mut self, old: &str, new: &str) -> Result<(), Error> {
        // The in-memory header is the one this handle wrote or read under the lock.
        drop(self.header.unwrap(old)?);
        self.reset_passphrase(new)
    }

    /// Re-wraps the master key under `new` without asking for the old passphrase: for
    /// a handle unlocked another way (social recovery). The recovery slot is kept.
    pub(crate) fn reset_passphrase(&mut self, new: &str) -> Result<(), Error> {
        let params = header::at_least_minimum(self.header.params());
        let mut header = Header::wrap(&self.master, new, params)?;
        header.set_recovery(self.header.recovery().cloned());
        fsio::write_atomic(&header_path(&self.dir), &header.to_bytes())?;
        self.header = header;
        Ok(())
    }

    /// The header this handle read or wrote.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// The master key.
    pub(crate) fn master_key(&self) -> &Key32 {
        &self.master
    }

    /// Replaces the recovery slot and rewrites the header (atomically).
    pub(crate) fn set_recovery_slot(&mut self, slot: Option<RecoverySlot>) -> Result<(), Error> {
        let mut header = self.header.clone();
        header.set_recovery(slot);
        fsio::write_atomic(&header_path(&self.dir), &header.to_bytes())?;
        self.header = header;
        Ok(())
    }

    /// Points the handle at `dir` after its directory was renamed there.
    pub(crate) fn set_dir(&mut self, dir: PathBuf) {
        self.dir = dir;
    }

    /// Every record's kind, id and decrypted JSON, in index order.
    pub(crate) fn raw_records(&self) -> Result<Vec<RawRecord>, Error> {
        self.index
            .entries
            .iter()
            .map(|(id, entry)| Ok((entry.kind, *id, self.read_record(entry.kind, id, entry)?)))
            .collect()
    }

    /// Stores records under the given ids (a backup being restored): every record file
    /// first, then the index once.
    pub(crate) fn import_records(&mut self, records: &[RawRecord]) -> Result<(), Error> {
        for (kind, id, plaintext) in records {
            if plaintext.len() as u64 > MAX_RECORD_LEN - 64 {
                return Err(Error::InvalidInput("a record is larger than 16 MiB".into()));
            }
            if self.index.entries.contains_key(id) {
                return Err(Error::InvalidInput(format!(
                    "the record id {} appears twice",
                    hex::encode(id)
                )));
            }
            let key = crypto::random_key();
            let mut file = RECORD_MAGIC.to_vec();
            file.extend_from_slice(&crypto::seal(&key, plaintext, &record_aad(*kind, id)));
            fsio::write_atomic(&record_path(&self.dir, id), &file)?;
            self.index.entries.insert(*id, Entry { kind: *kind, key });
        }
        self.save_index()
    }

    // ---- records -------------------------------------------------------------------

    fn put_record(&mut self, kind: Kind, plaintext: &[u8]) -> Result<String, Error> {
        if plaintext.len() as u64 > MAX_RECORD_LEN - 64 {
            return Err(Error::InvalidInput(
                "the record is larger than 16 MiB".into(),
            ));
        }
        let mut id: RecordId = crypto::random_array();
        while self.index.entries.contains_key(&id) {
            id = crypto::random_array();
        }
        let key = crypto::random_key();
        let mut file = RECORD_MAGIC.to_vec();
        file.extend_from_slice(&crypto::seal(&key, plaintext, &record_aad(kind, &id)));
        // The record first, then the index that holds its key: a crash in between
        // leaves an orphan file nobody can decrypt, never an index entry without data.
        fsio::write_atomic(&record_path(&self.dir, &id), &file)?;
        self.index.entries.insert(id, Entry { kind, key });
        if let Err(e) = self.save_index() {
            self.index.entries.remove(&id);
            let _ = fsio::remove_durably(&record_path(&self.dir, &id));
            return Err(e);
        }
        Ok(hex::encode(id))
    }

    fn save_index(&self) -> Result<(), Error> {
        fsio::write_atomic(
            &self.dir.join(INDEX_FILE),
            &self.index.seal(&self.index_key),
        )
    }

    fn get_record(&self, kind: Kind, id: &RecordId) -> Option<Result<Zeroizing<Vec<u8>>, Error>> {
        let entry = self.index.entries.get(id).filter(|e| e.kind == kind)?;
        Some(self.read_record(kind, id, entry))
    }

    fn read_record(
        &self,
        kind: Kind,
        id: &RecordId,
        entry: &Entry,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let name = hex::encode(id);
        let corrupt = |why: &str| Error::CorruptRecord(format!("record {name} {why}"));
        let bytes = fsio::read_bounded(&record_path(&self.dir, id), MAX_RECORD_LEN)?
            .ok_or_else(|| corrupt("is missing"))?;
        if bytes.len() as u64 > MAX_RECORD_LEN {
            return Err(corrupt("is larger than 16 MiB"));
        }
        let sealed = bytes
            .strip_prefix(RECORD_MAGIC)
            .ok_or_else(|| corrupt("does not start with KWR1"))?;
        crypto::open(&entry.key, sealed, &record_aad(kind, id))
            .ok_or_else(|| corrupt("failed authentication (edited, or moved from another name)"))
    }

    /// Removes the record: its data key leaves the index first (the index is rewritten
    /// without it), then its file is unlinked.
    fn delete_record(&mut self, id: &RecordId) -> Result<(), Error> {
        let entry = self
            .index
            .entries
            .remove(id)
            .expect("callers check that the record exists");
        if let Err(e) = self.save_index() {
            self.index.entries.insert(*id, entry);
            return Err(e);
        }
        drop(entry);
        fsio::remove_durably(&record_path(&self.dir, id))
    }

    /// Best-effort housekeeping under the lock: removes record files the index does not
    /// name (left by a crash between writing a record and its index entry, or between
    /// destroying a data key and unlinking the file; nobody can decrypt them) and
    /// temporary files of interrupted atomic writes.
    fn sweep(&self) {
        let records = self.dir.join(RECORDS_DIR);
        for dir in [self.dir.as_path(), records.as_path()] {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let stale_tmp = name.starts_with('.') && name.ends_with(".tmp");
                let orphan = dir == records
                    && name
                        .strip_suffix(".kwr")
                        .and_then(parse_id)
                        .is_some_and(|id| !self.index.entries.contains_key(&id));
                if stale_tmp || orphan {
                    let _ = fsio::remove_durably(&entry.path());
                }
            }
        }
    }

    fn ids_of(&self, kind: Kind) -> Vec<RecordId> {
        self.index
            .entries
            .iter()
            .filter(|(_, e)| e.kind == kind)
            .map(|(id, _)| *id)
            .collect()
    }

    // ---- credentials ---------------------------------------------------------------

    /// Stores a credential and returns its id.
    pub fn add_credential(
        &mut self,
        format: &str,
        raw: &str,
        metadata: serde_json::Value,
    ) -> Result<String, Error> {
        let json = CredentialJson {
            format: format.to_owned(),
            raw: raw.to_owned(),
            metadata,
            added_at: format_time(OffsetDateTime::now_utc())?,
        };
        let plain = Zeroizing::new(serde_json::to_vec(&json).expect("JSON values serialize"));
        self.put_record(Kind::Credential, &plain)
    }

    /// One credential; `unknown_credential` when no credential has `id`.
    pub fn credential(&self, id: &str) -> Result<StoredCredential, Error> {
        let rid = parse_id(id).ok_or_else(|| Error::UnknownCredential(id.to_owned()))?;
        let plain = self
            .get_record(Kind::Credential, &rid)
            .ok_or_else(|| Error::UnknownCredential(id.to_owned()))??;
        decode_credential(&rid, &plain)
    }

    /// Every credential, oldest first.
    pub fn credentials(&self) -> Result<Vec<StoredCredential>, Error> {
        let mut out = self
            .ids_of(Kind::Credential)
            .iter()
            .map(|id| {
                let plain = self
                    .get_record(Kind::Credential, id)
                    .expect("the id comes from the index")?;
                decode_credential(id, &plain)
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| a.added_at.cmp(&b.added_at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Deletes a credential: its data key is destroyed (the index is rewritten without
    /// it) and its file removed. History entries that name it keep the id only.
    pub fn delete_credential(&mut self, id: &str) -> Result<(), Error> {
        let rid = parse_id(id)
            .filter(|r| {
                self.index
                    .entries
                    .get(r)
                    .is_some_and(|e| e.kind == Kind::Credential)
            })
            .ok_or_else(|| Error::UnknownCredential(id.to_owned()))?;
        self.delete_record(&rid)
    }

    // ---- holder keys ---------------------------------------------------------------

    /// Generates a holder key from the OS CSPRNG, stores it sealed, returns its id.
    pub fn generate_key(&mut self, key_type: KeyType) -> Result<String, Error> {
        let key = PrivateKey::generate(key_type)?;
        let secret = key.to_bytes();
        let json = KeyJson {
            key_type: key_type.name().to_owned(),
            secret: Zeroizing::new(URL_SAFE_NO_PAD.encode(secret.as_slice())),
            created_at: format_time(OffsetDateTime::now_utc())?,
        };
        let plain = Zeroizing::new(serde_json::to_vec(&json).expect("a key record serializes"));
        self.put_record(Kind::Key, &plain)
    }

    fn load_key(&self, rid: &RecordId, id: &str) -> Result<(PrivateKey, OffsetDateTime), Error> {
        let plain = self
            .get_record(Kind::Key, rid)
            .ok_or_else(|| Error::UnknownKey(id.to_owned()))??;
        let corrupt = || Error::CorruptRecord(format!("key record {id} does not decode"));
        let json: KeyJson = serde_json::from_slice(&plain).map_err(|_| corrupt())?;
        let key_type = KeyType::from_str(&json.key_type).map_err(|_| corrupt())?;
        let secret = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(json.secret.as_bytes())
                .map_err(|_| corrupt())?,
        );
        let key = PrivateKey::from_bytes(key_type, &secret).map_err(|_| corrupt())?;
        Ok((key, parse_time(&json.created_at)?))
    }

    /// The private part of a holder key; `unknown_key` when no key has `id`.
    pub fn private_key(&self, id: &str) -> Result<PrivateKey, Error> {
        let rid = parse_id(id).ok_or_else(|| Error::UnknownKey(id.to_owned()))?;
        Ok(self.load_key(&rid, id)?.0)
    }

    /// Every holder key's public description, oldest first.
    pub fn keys(&self) -> Result<Vec<HolderKey>, Error> {
        let mut out = Vec::new();
        for rid in self.ids_of(Kind::Key) {
            let id = hex::encode(rid);
            let (key, created_at) = self.load_key(&rid, &id)?;
            out.push(HolderKey {
                key_type: key.key_type(),
                public_key: key.public_key(),
                id,
                created_at,
            });
        }
        out.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// Deletes a holder key (its data key and file, as for credentials).
    pub fn delete_key(&mut self, id: &str) -> Result<(), Error> {
        let rid = parse_id(id)
            .filter(|r| {
                self.index
                    .entries
                    .get(r)
                    .is_some_and(|e| e.kind == Kind::Key)
            })
            .ok_or_else(|| Error::UnknownKey(id.to_owned()))?;
        self.delete_record(&rid)
    }

    // ---- presentation history ------------------------------------------------------

    /// Records that the claims `claims_shared` (names or paths, not values) of the
    /// credentials `credential_ids` were presented to `verifier` at `at`. Every id must
    /// name a credential in the wallet (`unknown_credential`). Returns the entry's id.
    pub fn record_presentation(
        &mut self,
        verifier: &str,
        claims_shared: Vec<String>,
        credential_ids: Vec<String>,
        at: OffsetDateTime,
    ) -> Result<String, Error> {
        for id in &credential_ids {
            let known = parse_id(id)
                .and_then(|r| self.index.entries.get(&r))
                .is_some_and(|e| e.kind == Kind::Credential);
            if !known {
                return Err(Error::UnknownCredential(id.clone()));
            }
        }
        let json = PresentationJson {
            verifier: verifier.to_owned(),
            claims_shared,
            credential_ids,
            at: format_time(at)?,
        };
        let plain = Zeroizing::new(serde_json::to_vec(&json).expect("strings serialize"));
        self.put_record(Kind::Presentation, &plain)
    }

    /// The presentation history, oldest first.
    pub fn history(&self) -> Result<Vec<PresentationRecord>, Error> {
        let mut out = Vec::new();
        for rid in self.ids_of(Kind::Presentation) {
            let id = hex::encode(rid);
            let plain = self
                .get_record(Kind::Presentation, &rid)
                .expect("the id comes from the index")?;
            let json: PresentationJson = serde_json::from_slice(&plain)
                .map_err(|_| Error::CorruptRecord(format!("history entry {id} does not decode")))?;
            out.push(PresentationRecord {
                id,
                verifier: json.verifier,
                claims_shared: json.claims_shared,
                credential_ids: json.credential_ids,
                at: parse_time(&json.at)?,
            });
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Deletes one history entry.
    pub fn delete_presentation(&mut self, id: &str) -> Result<(), Error> {
        let rid = parse_id(id)
            .filter(|r| {
                self.index
                    .entries
                    .get(r)
                    .is_some_and(|e| e.kind == Kind::Presentation)
            })
            .ok_or_else(|| Error::UnknownPresentation(id.to_owned()))?;
        self.delete_record(&rid)
    }
}

fn decode_credential(rid: &RecordId, plain: &[u8]) -> Result<StoredCredential, Error> {
    let id = hex::encode(rid);
    let json: CredentialJson = serde_json::from_slice(plain)
        .map_err(|_| Error::CorruptRecord(format!("credential {id} does not decode")))?;
    Ok(StoredCredential {
        id,
        format: json.format,
        raw: json.raw,
        metadata: json.metadata,
        added_at: parse_time(&json.added_at)?,
    })
}
