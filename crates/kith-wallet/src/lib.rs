//! The holder's wallet: credentials, holder keys and the presentation history, encrypted
//! at rest in one directory.
//!
//! # Keys
//!
//! A random 32-byte **master key** is wrapped (XChaCha20-Poly1305) under a key derived
//! from the holder's passphrase with Argon2id (m = 19 MiB, t = 2, p = 1, the OWASP
//! minimum; random 16-byte salt per wallet), in the versioned header `wallet.json`.
//! Changing the passphrase re-wraps only the master key: no record is rewritten.
//!
//! Every record (a credential, a holder key, a history entry) has its **own random data
//! key**; the data keys live in the index `index.kwi`, sealed under an HKDF-SHA256
//! sub-key of the master key. Each record file is sealed with its data key and a fresh
//! random 24-byte nonce, and its kind and id are the associated data, so a record copied
//! or renamed onto another id does not open (`corrupt_record`).
//!
//! # Erasure
//!
//! Deleting a record first rewrites the index without its data key (atomically), then
//! unlinks its file. Overwriting a file before unlinking means little on journaling,
//! copy-on-write or flash storage, so erasure here is **crypto-erasure**: once the index
//! no longer holds the data key, leftover ciphertext blocks cannot be decrypted even with
//! the passphrase. The guarantee is as strong as the disappearance of the *previous*
//! index file's blocks, which the filesystem may also keep for a while.
//!
//! # Backups and social recovery
//!
//! [`Wallet::export_backup`] writes every record as one JWE (`ECDH-ES+A256KW`,
//! `A256GCM`, RFC 7516/7518) to a recipient public key; [`Wallet::import_backup`]
//! restores it into a new directory under a new passphrase, building it in a hidden
//! sibling directory and renaming it into place only when complete ([`backup`]).
//! [`recovery`] splits a random recovery secret into k-of-n Shamir shares (vsss-rs,
//! P-256 scalar field), each encrypted to a guardian's key agreement key; the secret
//! unwraps the master key from a second header slot (forgotten passphrase) and derives
//! an X25519 recovery key that backups can be encrypted to (lost device).
//!
//! # Layout
//!
//! ```text
//! <dir>/wallet.json          header (format, version, Argon2id parameters, salt, wrapped master key,
//!                            optional recovery slot)
//! <dir>/index.kwi            "KWI1" || nonce || seal(index key, "KWI1" || (kind, id, data key)*)
//! <dir>/records/<id>.kwr     "KWR1" || nonce || seal(data key, JSON record), aad = kind || id
//! <dir>/wallet.lock          advisory lock held while a handle is unlocked
//! ```
//!
//! Every write is atomic (temporary file, fsync, rename, fsync of the directory).
//!
//! ```no_run
//! # fn demo() -> Result<(), kith_wallet::Error> {
//! use kith_wallet::Wallet;
//! let dir = std::path::Path::new("/home/alice/.kith/wallet");
//! let mut wallet = Wallet::create(dir, "correct horse battery staple")?;
//! let id = wallet.add_credential("vc+jwt", "eyJ...", serde_json::json!({"issuer": "Uni"}))?;
//! let locked = wallet.lock();
//! let wallet = locked.unlock("correct horse battery staple")?;
//! assert_eq!(wallet.credential(&id)?.format, "vc+jwt");
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backup;
mod crypto;
pub mod error;
mod fsio;
mod header;
mod index;
pub mod recovery;
pub mod wallet;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_recovery;

pub use error::Error;
pub use recovery::{Guardian, PlainShare, RecoveryInfo, ShareFile};
pub use wallet::{HolderKey, LockedWallet, PresentationRecord, StoredCredential, Wallet};
