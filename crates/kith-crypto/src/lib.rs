//! Keys, key encodings, signatures and JWS for Kith.
//!
//! A [`PrivateKey`] is generated from the OS CSPRNG or decoded from a JWK or Multikey;
//! its [`PublicKey`] travels as a [`Jwk`] (RFC 7517, RFC 8037) or a Multikey string
//! (multicodec header + base58btc). Signing goes through the [`Signer`] trait so a key
//! can later live in a KMS or HSM; [`LocalSigner`] keeps it in memory. [`CompactJws`]
//! parses a JWS and verifies it only against an explicit algorithm allow-list.
//!
//! ```
//! use kith_crypto::{Algorithm, CompactJws, Header, KeyType, LocalSigner, PrivateKey, Signer};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519)?)?;
//! let jws = kith_crypto::sign_compact(Header::default(), b"hello", &signer).await?;
//! let parsed = CompactJws::parse(&jws)?;
//! assert_eq!(parsed.verify(&signer.public_key(), &[Algorithm::EdDsa])?, Algorithm::EdDsa);
//! # Ok::<(), kith_crypto::Error>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod algorithm;
pub mod bbs;
mod error;
pub mod jcs;
pub mod jwe;
mod jwk;
mod jws;
mod key_type;
pub mod multibase;
mod private_key;
mod public_key;
mod signer;

pub use algorithm::Algorithm;
pub use error::Error;
pub use jwk::{Jwk, MAX_JWK_LEN, SecretParam};
pub use jws::{CompactJws, Header, MAX_JWS_LEN, sign_compact};
pub use key_type::KeyType;
pub use private_key::PrivateKey;
pub use public_key::PublicKey;
pub use signer::{LocalSigner, Signer};

/// Entry points for the cargo-fuzz targets in `fuzz/`: bounded, never panic, and
/// assert that what parses re-encodes to something that parses to the same value.
#[doc(hidden)]
pub mod __fuzz {
    use crate::{CompactJws, Jwk, PublicKey, multibase};

    /// JWK JSON → key → JWK → key must be stable.
    pub fn jwk(data: &[u8]) {
        let Ok(jwk) = Jwk::from_json(data) else {
            return;
        };
        if let Ok(key) = PublicKey::from_jwk(&jwk) {
            let again = PublicKey::from_jwk(&key.to_jwk()).expect("re-encoded JWK parses");
            assert_eq!(key, again);
        }
    }

    /// Multikey string → key → Multikey must be stable.
    pub fn multikey(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = multibase::decode(text);
        if let Ok(key) = PublicKey::from_multikey(text) {
            let again = PublicKey::from_multikey(&key.to_multikey()).expect("re-encoded parses");
            assert_eq!(key, again);
        }
    }

    /// Compact JWS parsing, plus verification against a fixed key, never panics.
    pub fn jws(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(jws) = CompactJws::parse(text) {
            let key = crate::PrivateKey::from_bytes(crate::KeyType::Ed25519, &[7; 32])
                .expect("fixed seed")
                .public_key();
            let _ = jws.verify(&key, &crate::Algorithm::ALL);
        }
    }
}
