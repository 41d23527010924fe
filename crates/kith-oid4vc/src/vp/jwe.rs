//! The JWE of `direct_post.jwt` (OpenID4VP §8.3): `ECDH-ES` key agreement with the
//! verifier's ephemeral P-256 key (the JWK's `alg`, which §8.3 requires), `A256GCM` or
//! `A128GCM` content encryption, the key's `kid` in the protected header, through
//! `kith_crypto::jwe`.

use std::str::FromStr;

use kith_crypto::jwe::{self, ContentEncryption, JweError, KeyManagement};
use kith_crypto::{Jwk, PrivateKey, PublicKey};
use serde_json::{Map, Value};

use super::{Error, MAX_RESPONSE_LEN};

/// The `(alg, enc)` pairs the verifier accepts.
const ALLOWED: [(KeyManagement, ContentEncryption); 2] = [
    (KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
    (KeyManagement::EcdhEs, ContentEncryption::A128Gcm),
];

fn encryption_error(e: &JweError) -> Error {
    Error::Encryption(format!("{} ({})", e, e.code()))
}

/// The `kid` of a compact JWE's protected header, read without decrypting.
pub(crate) fn header_kid(compact: &str) -> Result<Option<String>, Error> {
    let header = jwe::protected_header(compact).map_err(|e| encryption_error(&e))?;
    Ok(header.get("kid").and_then(Value::as_str).map(str::to_owned))
}

/// Encrypts `payload` to `recipient` (`ECDH-ES`, `enc`), naming its `kid`.
pub(crate) fn encrypt(payload: &[u8], recipient: &Jwk, enc: &str) -> Result<String, Error> {
    let key = PublicKey::from_jwk(recipient)
        .map_err(|e| Error::Encryption(format!("the verifier's encryption key: {e}")))?;
    let enc = ContentEncryption::from_str(enc).map_err(|e| encryption_error(&e))?;
    let mut extra = Map::new();
    if let Some(kid) = &recipient.kid {
        extra.insert("kid".into(), kid.clone().into());
    }
    jwe::encrypt(&key, KeyManagement::EcdhEs, enc, payload, &extra)
        .map_err(|e| encryption_error(&e))
}

/// Decrypts a compact JWE made to `key`.
pub(crate) fn decrypt(compact: &str, key: &PrivateKey) -> Result<Vec<u8>, Error> {
    let decrypted = jwe::decrypt_with_limit(compact, key, &ALLOWED, MAX_RESPONSE_LEN)
        .map_err(|e| encryption_error(&e))?;
    Ok(decrypted.plaintext.to_vec())
}
