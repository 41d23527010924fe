//! Compact JWE (RFC 7516 §7.1) for one recipient, with ECDH-ES key agreement.
//!
//! Key management (RFC 7518 §4.6): `ECDH-ES` (direct key agreement: the Concat KDF output
//! is the content encryption key, and the JWE Encrypted Key is empty) and
//! `ECDH-ES+A256KW` (the KDF output wraps a random content encryption key with AES Key
//! Wrap, RFC 3394). Content encryption (RFC 7518 §5.3): `A256GCM` and `A128GCM`.
//! Recipients: P-256, P-384 (RFC 7518 §6.2) and X25519 (RFC 8037 §3.2). An Ed25519
//! public key is encrypted to through its X25519 form (the did:key keyAgreement key),
//! and an Ed25519 private key decrypts through its X25519 form.
//!
//! Decryption is strict, each refusal with its own [`JweError::code`]: the input is
//! bounded before decoding, the `alg`/`enc` pair must be in the caller's allow-list,
//! `zip` and `crit` are refused (Kith compresses nothing and implements no extension),
//! the `epk` must be a public key on the recipient's curve (an off-curve point is
//! refused before any scalar multiplication: the invalid-curve attack), an X25519
//! agreement with a low-order point is refused, and the GCM tag is checked by
//! `aes-gcm` in constant time. Secrets (Z, the KEK, the CEK, the plaintext) live in
//! buffers that are wiped on drop.
//!
//! ```
//! use kith_crypto::{KeyType, PrivateKey};
//! use kith_crypto::jwe::{self, ContentEncryption, KeyManagement};
//! let bob = PrivateKey::generate(KeyType::P256).unwrap();
//! let mut extra = serde_json::Map::new();
//! extra.insert("kid".into(), "did:example:bob#key-1".into());
//! let compact = jwe::encrypt(&bob.public_key(), KeyManagement::EcdhEsA256Kw,
//!     ContentEncryption::A256Gcm, b"hello", &extra).unwrap();
//! let out = jwe::decrypt(&compact, &bob,
//!     &[(KeyManagement::EcdhEsA256Kw, ContentEncryption::A256Gcm)]).unwrap();
//! assert_eq!(out.plaintext.as_slice(), b"hello");
//! assert_eq!(out.protected["kid"], "did:example:bob#key-1");
//! ```

use std::fmt;
use std::str::FromStr;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use aes_kw::KwAes256;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::multibase::{base64url_decode, base64url_encode};
use crate::{Jwk, KeyType, PrivateKey, PublicKey};

/// Largest compact JWE [`decrypt`] accepts, checked before any decoding (1 MiB). Use
/// [`decrypt_with_limit`] for larger payloads such as wallet backups.
pub const MAX_JWE_LEN: usize = 1024 * 1024;
/// Largest encoded protected header accepted (16 KiB): an epk, apu/apv and a few
/// application members never come near it.
pub const MAX_HEADER_LEN: usize = 16 * 1024;
/// Largest decoded `apu` / `apv` accepted (1 KiB each).
const MAX_PARTY_INFO_LEN: usize = 1024;
/// AES-GCM IV length in JWE (RFC 7518 §5.3: 96 bits).
const IV_LEN: usize = 12;
/// AES-GCM tag length in JWE (RFC 7518 §5.3: 128 bits).
const TAG_LEN: usize = 16;
/// AES Key Wrap adds one 64-bit integrity block (RFC 3394 §2.2.1).
const KW_OVERHEAD: usize = 8;

/// Header members the library sets itself; callers may not supply them.
const RESERVED: [&str; 5] = ["alg", "enc", "epk", "zip", "crit"];

/// The JWE `alg`: how the content encryption key is determined (RFC 7518 §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyManagement {
    /// `ECDH-ES`: the Concat KDF output is the content encryption key (§4.6, direct
    /// key agreement); the JWE Encrypted Key is the empty octet sequence.
    EcdhEs,
    /// `ECDH-ES+A256KW`: the Concat KDF output (256 bits) wraps a random content
    /// encryption key with AES-256 Key Wrap (§4.6, §4.4).
    EcdhEsA256Kw,
}

impl KeyManagement {
    /// Both values, in a stable order.
    pub const ALL: [KeyManagement; 2] = [Self::EcdhEs, Self::EcdhEsA256Kw];

    /// The registered `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdhEs => "ECDH-ES",
            Self::EcdhEsA256Kw => "ECDH-ES+A256KW",
        }
    }
}

impl fmt::Display for KeyManagement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyManagement {
    type Err = JweError;

    fn from_str(s: &str) -> Result<Self, JweError> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| JweError::UnsupportedAlgorithm(truncate(s)))
    }
}

/// The JWE `enc`: the content encryption algorithm (RFC 7518 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentEncryption {
    /// `A256GCM`: AES-256 in Galois/Counter Mode.
    A256Gcm,
    /// `A128GCM`: AES-128 in Galois/Counter Mode.
    A128Gcm,
}

impl ContentEncryption {
    /// Both values, in a stable order.
    pub const ALL: [ContentEncryption; 2] = [Self::A256Gcm, Self::A128Gcm];

    /// The registered `enc` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::A256Gcm => "A256GCM",
            Self::A128Gcm => "A128GCM",
        }
    }

    /// The content encryption key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::A256Gcm => 32,
            Self::A128Gcm => 16,
        }
    }
}

impl fmt::Display for ContentEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ContentEncryption {
    type Err = JweError;

    fn from_str(s: &str) -> Result<Self, JweError> {
        Self::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| JweError::UnsupportedEncryption(truncate(s)))
    }
}

/// A decrypted JWE: the plaintext (wiped on drop) and the protected header, which the
/// GCM tag authenticated (it is the AAD, RFC 7516 §5.1 step 14).
#[derive(Clone)]
pub struct Decrypted {
    /// The plaintext.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The whole protected header, including `alg`, `enc`, `epk` and any `kid`.
    pub protected: Map<String, Value>,
    /// The key management algorithm that was used.
    pub alg: KeyManagement,
    /// The content encryption algorithm that was used.
    pub enc: ContentEncryption,
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("plaintext_len", &self.plaintext.len())
            .field("protected", &self.protected)
            .field("alg", &self.alg)
            .field("enc", &self.enc)
            .finish()
    }
}

/// Everything that can go wrong while encrypting or decrypting a JWE. [`JweError::code`]
/// is stable; no message carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JweError {
    /// The compact JWE (or its header) is over the limit; nothing was decoded.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not five base64url parts, or a part or the header does not decode.
    #[error("malformed JWE: {0}")]
    Malformed(String),
    /// An `alg` Kith does not implement (RSA, `dir`, `A*KW`, ...).
    #[error("unsupported JWE alg {0:?}")]
    UnsupportedAlgorithm(String),
    /// An `enc` Kith does not implement (`A*CBC-HS*`, ...).
    #[error("unsupported JWE enc {0:?}")]
    UnsupportedEncryption(String),
    /// A supported `alg`/`enc` pair the caller did not allow.
    #[error("JWE alg {alg} with enc {enc} is not in the allowed list")]
    NotAllowed {
        /// The `alg`.
        alg: KeyManagement,
        /// The `enc`.
        enc: ContentEncryption,
    },
    /// The header asks for compression (`zip`, RFC 7516 §4.1.3), which Kith refuses: it
    /// would make decryption a decompression bomb and leak length through compression.
    #[error("compressed JWE (\"zip\") is refused")]
    CompressionRefused,
    /// The header carries `crit` (RFC 7516 §4.1.13); Kith implements no JWE extension.
    #[error("JWE crit header names an unsupported extension {0:?}")]
    CriticalRefused(String),
    /// A header member has the wrong type or value, or a caller tried to set a member
    /// the library owns (`alg`, `enc`, `epk`, `zip`, `crit`).
    #[error("invalid JWE header: {0}")]
    InvalidHeader(String),
    /// The `epk` is missing, is not a public JWK, or is not a valid point on its curve.
    #[error("invalid ephemeral public key (epk): {0}")]
    InvalidEpk(String),
    /// The `epk` is on another curve than the recipient's key.
    #[error("the ephemeral key is on {epk}, the recipient key on {recipient}")]
    EpkCurveMismatch {
        /// The epk's curve.
        epk: String,
        /// The recipient key's curve.
        recipient: &'static str,
    },
    /// The recipient key cannot do ECDH-ES here (secp256k1 is not a JOSE ECDH curve).
    #[error("a {0} key cannot be a JWE ECDH-ES recipient")]
    UnsupportedRecipientKey(&'static str),
    /// X25519 agreement with a low-order point gave the all-zero secret (RFC 7748 §6.1).
    #[error("key agreement with a low-order ephemeral key was refused")]
    NonContributory,
    /// The JWE Encrypted Key has the wrong length for `alg`/`enc` (it must be empty
    /// for direct `ECDH-ES`).
    #[error("invalid JWE encrypted key: {0}")]
    InvalidEncryptedKey(String),
    /// AES Key Wrap's integrity check failed: the JWE is for another recipient, or its
    /// epk, apu, apv or encrypted key was changed.
    #[error("the content encryption key does not unwrap (another recipient, or tampered)")]
    KeyUnwrapFailed,
    /// The GCM tag did not verify: wrong recipient (direct ECDH-ES), or the header, IV,
    /// ciphertext or tag was changed.
    #[error("JWE decryption failed (authentication tag mismatch)")]
    DecryptionFailed,
    /// The operating system's random number generator failed.
    #[error("the OS random number generator failed: {0}")]
    Rng(String),
}

impl JweError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "jwe_too_large",
            Self::Malformed(_) => "malformed_jwe",
            Self::UnsupportedAlgorithm(_) => "unsupported_jwe_alg",
            Self::UnsupportedEncryption(_) => "unsupported_jwe_enc",
            Self::NotAllowed { .. } => "jwe_alg_not_allowed",
            Self::CompressionRefused => "jwe_zip_refused",
            Self::CriticalRefused(_) => "jwe_crit_refused",
            Self::InvalidHeader(_) => "invalid_jwe_header",
            Self::InvalidEpk(_) => "invalid_epk",
            Self::EpkCurveMismatch { .. } => "epk_curve_mismatch",
            Self::UnsupportedRecipientKey(_) => "unsupported_recipient_key",
            Self::NonContributory => "non_contributory",
            Self::InvalidEncryptedKey(_) => "invalid_encrypted_key",
            Self::KeyUnwrapFailed => "jwe_key_unwrap_failed",
            Self::DecryptionFailed => "jwe_decryption_failed",
            Self::Rng(_) => "rng_failure",
        }
    }
}

/// Untrusted names are echoed in errors only up to 64 characters.
fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

// ---- encryption --------------------------------------------------------------------

/// Encrypts `plaintext` to `recipient` and returns the compact serialization
/// `header.encrypted_key.iv.ciphertext.tag` (RFC 7516 §7.1).
///
/// `extra_protected` adds members to the protected header: `kid` (a DID URL or JWK
/// thumbprint naming the recipient key), `typ`, `cty`, and `apu` / `apv` (base64url
/// strings, RFC 7518 §4.6.1.2-3), which also enter the Concat KDF. `alg`, `enc`,
/// `epk`, `zip` and `crit` are set by the library and refused here
/// (`invalid_jwe_header`). An Ed25519 recipient is encrypted to through its X25519 form.
pub fn encrypt(
    recipient: &PublicKey,
    alg: KeyManagement,
    enc: ContentEncryption,
    plaintext: &[u8],
    extra_protected: &Map<String, Value>,
) -> Result<String, JweError> {
    let recipient = agreement_public_key(recipient)?;
    if let Some(name) = RESERVED.iter().find(|n| extra_protected.contains_key(**n)) {
        return Err(JweError::InvalidHeader(format!(
            "{name:?} is set by the library, not by the caller"
        )));
    }
    let apu = party_info(extra_protected, "apu")?;
    let apv = party_info(extra_protected, "apv")?;

    // RFC 7518 §4.6: a fresh ephemeral key pair on the recipient's curve per message.
    let ephemeral = PrivateKey::generate(recipient.key_type()).map_err(|e| match e {
        crate::Error::Rng(m) => JweError::Rng(m),
        other => JweError::Rng(other.to_string()),
    })?;
    let z = key_agreement(&ephemeral, &recipient)?;

    let mut header = Map::new();
    header.insert("alg".into(), Value::from(alg.name()));
    header.insert("enc".into(), Value::from(enc.name()));
    for (k, v) in extra_protected {
        header.insert(k.clone(), v.clone());
    }
    let epk = serde_json::to_value(ephemeral.public_key().to_jwk())
        .map_err(|e| JweError::InvalidHeader(e.to_string()))?;
    header.insert("epk".into(), epk);

    let (cek, encrypted_key) = match alg {
        KeyManagement::EcdhEs => {
            // §4.6.2: AlgorithmID is the `enc` value for direct key agreement.
            let cek = concat_kdf(&z, enc.name(), &apu, &apv, enc.key_len());
            (cek, Vec::new())
        }
        KeyManagement::EcdhEsA256Kw => {
            // §4.6.2: AlgorithmID is the `alg` value when the KDF output wraps a key.
            let kek = concat_kdf(&z, alg.name(), &apu, &apv, 32);
            let cek = random_bytes(enc.key_len())?;
            let wrapped = aes_kw_wrap(&kek, &cek)?;
            (cek, wrapped)
        }
    };

    let header_json =
        serde_json::to_vec(&header).map_err(|e| JweError::InvalidHeader(e.to_string()))?;
    let header_b64 = base64url_encode(&header_json);
    let iv = random_bytes(IV_LEN)?;
    let mut buffer = plaintext.to_vec();
    // RFC 7516 §5.1 step 14: the AAD is ASCII(BASE64URL(UTF8(JWE Protected Header))).
    let tag = gcm_seal(enc, &cek, &iv, header_b64.as_bytes(), &mut buffer)?;
    Ok(format!(
        "{header_b64}.{}.{}.{}.{}",
        base64url_encode(&encrypted_key),
        base64url_encode(&iv),
        base64url_encode(&buffer),
        base64url_encode(&tag)
    ))
}

// ---- decryption --------------------------------------------------------------------

/// Decrypts a compact JWE of at most [`MAX_JWE_LEN`] bytes with `recipient`, accepting
/// only the `(alg, enc)` pairs in `allowed`.
pub fn decrypt(
    compact: &str,
    recipient: &PrivateKey,
    allowed: &[(KeyManagement, ContentEncryption)],
) -> Result<Decrypted, JweError> {
    decrypt_with_limit(compact, recipient, allowed, MAX_JWE_LEN)
}

/// [`decrypt`] with a caller-chosen size limit (for large payloads such as backups).
pub fn decrypt_with_limit(
    compact: &str,
    recipient: &PrivateKey,
    allowed: &[(KeyManagement, ContentEncryption)],
    max_len: usize,
) -> Result<Decrypted, JweError> {
    let parts = Parts::parse(compact, max_len)?;
    if !allowed.contains(&(parts.alg, parts.enc)) {
        return Err(JweError::NotAllowed {
            alg: parts.alg,
            enc: parts.enc,
        });
    }
    let secret = agreement_private_key(recipient)?;
    let epk = epk_for(&parts.header, secret.key_type())?;
    let z = key_agreement(&secret, &epk)?;
    let apu = party_info(&parts.header, "apu")?;
    let apv = party_info(&parts.header, "apv")?;

    let cek = match parts.alg {
        KeyManagement::EcdhEs => {
            // RFC 7518 §4.6: with direct key agreement the encrypted key is empty.
            if !parts.encrypted_key.is_empty() {
                return Err(JweError::InvalidEncryptedKey(
                    "it must be empty with alg ECDH-ES".into(),
                ));
            }
            concat_kdf(&z, parts.enc.name(), &apu, &apv, parts.enc.key_len())
        }
        KeyManagement::EcdhEsA256Kw => {
            let expected = parts.enc.key_len() + KW_OVERHEAD;
            if parts.encrypted_key.len() != expected {
                return Err(JweError::InvalidEncryptedKey(format!(
                    "expected {expected} bytes for {}, got {}",
                    parts.enc,
                    parts.encrypted_key.len()
                )));
            }
            let kek = concat_kdf(&z, parts.alg.name(), &apu, &apv, 32);
            aes_kw_unwrap(&kek, &parts.encrypted_key)?
        }
    };

    let mut buffer = Zeroizing::new(parts.ciphertext);
    gcm_open(
        parts.enc,
        &cek,
        &parts.iv,
        parts.header_b64.as_bytes(),
        &mut buffer,
        &parts.tag,
    )?;
    Ok(Decrypted {
        plaintext: buffer,
        protected: parts.header,
        alg: parts.alg,
        enc: parts.enc,
    })
}

/// The protected header of a compact JWE, **not authenticated** (only decryption does
/// that): for choosing the key by `kid` before decrypting. The same structural checks
/// as [`decrypt`] apply (size, five parts, known `alg`/`enc`, no `zip`, no `crit`).
pub fn protected_header(compact: &str) -> Result<Map<String, Value>, JweError> {
    Parts::parse(compact, MAX_JWE_LEN).map(|p| p.header)
}

/// The five decoded parts of a compact JWE, with its header checked.
struct Parts<'a> {
    header_b64: &'a str,
    header: Map<String, Value>,
    alg: KeyManagement,
    enc: ContentEncryption,
    encrypted_key: Vec<u8>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

impl<'a> Parts<'a> {
    fn parse(compact: &'a str, max_len: usize) -> Result<Self, JweError> {
        if compact.len() > max_len {
            return Err(JweError::TooLarge {
                what: "JWE",
                size: compact.len(),
                limit: max_len,
            });
        }
        let mut split = compact.split('.');
        let (Some(h), Some(k), Some(i), Some(c), Some(t), None) = (
            split.next(),
            split.next(),
            split.next(),
            split.next(),
            split.next(),
            split.next(),
        ) else {
            return Err(JweError::Malformed(
                "expected five base64url parts separated by '.'".into(),
            ));
        };
        if h.len() > MAX_HEADER_LEN {
            return Err(JweError::TooLarge {
                what: "JWE protected header",
                size: h.len(),
                limit: MAX_HEADER_LEN,
            });
        }
        let decode = |name: &str, part: &str| {
            base64url_decode(part)
                .map_err(|e| JweError::Malformed(format!("{name} is not base64url: {e}")))
        };
        let header_bytes = decode("the protected header", h)?;
        let header: Map<String, Value> = serde_json::from_slice(&header_bytes)
            .map_err(|e| JweError::Malformed(format!("the header is not a JSON object: {e}")))?;
        let (alg, enc) = check_header(&header)?;
        let encrypted_key = decode("the encrypted key", k)?;
        let iv = decode("the IV", i)?;
        if iv.len() != IV_LEN {
            return Err(JweError::Malformed(format!(
                "the IV must be {IV_LEN} bytes for {enc}, got {}",
                iv.len()
            )));
        }
        let ciphertext = decode("the ciphertext", c)?;
        let tag = decode("the tag", t)?;
        if tag.len() != TAG_LEN {
            return Err(JweError::Malformed(format!(
                "the tag must be {TAG_LEN} bytes for {enc}, got {}",
                tag.len()
            )));
        }
        Ok(Self {
            header_b64: h,
            header,
            alg,
            enc,
            encrypted_key,
            iv,
            ciphertext,
            tag,
        })
    }

    /// Re-encodes the parts (the header as received).
    fn to_compact(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.header_b64,
            base64url_encode(&self.encrypted_key),
            base64url_encode(&self.iv),
            base64url_encode(&self.ciphertext),
            base64url_encode(&self.tag)
        )
    }
}

/// The header checks that need no key: `alg` and `enc` known, no `zip`, no `crit`,
/// and the members Kith reads have the right JSON types.
fn check_header(
    header: &Map<String, Value>,
) -> Result<(KeyManagement, ContentEncryption), JweError> {
    // RFC 7516 §4.1.13: a recipient that does not understand a crit extension must
    // reject; Kith implements none, so any crit is refused.
    if let Some(crit) = header.get("crit") {
        let first = crit
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .unwrap_or("(not a list of names)");
        return Err(JweError::CriticalRefused(truncate(first)));
    }
    if header.contains_key("zip") {
        return Err(JweError::CompressionRefused);
    }
    let string = |name: &str| -> Result<&str, JweError> {
        match header.get(name) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(JweError::Malformed(format!("\"{name}\" is not a string"))),
            None => Err(JweError::Malformed(format!("the header has no \"{name}\""))),
        }
    };
    let alg: KeyManagement = string("alg")?.parse()?;
    let enc: ContentEncryption = string("enc")?.parse()?;
    for name in ["kid", "typ", "cty", "apu", "apv"] {
        if header.get(name).is_some_and(|v| !v.is_string()) {
            return Err(JweError::InvalidHeader(format!(
                "\"{name}\" is not a string"
            )));
        }
    }
    if !header.get("epk").is_some_and(Value::is_object) {
        return Err(JweError::InvalidEpk(
            "the header has no \"epk\" object".into(),
        ));
    }
    Ok((alg, enc))
}

/// Decodes `apu` or `apv` (RFC 7518 §4.6.1.2-3): absent is empty.
fn party_info(header: &Map<String, Value>, name: &str) -> Result<Vec<u8>, JweError> {
    let Some(value) = header.get(name) else {
        return Ok(Vec::new());
    };
    let text = value
        .as_str()
        .ok_or_else(|| JweError::InvalidHeader(format!("\"{name}\" is not a string")))?;
    let bytes = base64url_decode(text)
        .map_err(|_| JweError::InvalidHeader(format!("\"{name}\" is not base64url")))?;
    if bytes.len() > MAX_PARTY_INFO_LEN {
        return Err(JweError::InvalidHeader(format!(
            "\"{name}\" is longer than {MAX_PARTY_INFO_LEN} bytes"
        )));
    }
    Ok(bytes)
}

/// The epk as a public key of `expected` type. The curve is compared first, then the
/// point is decoded, which refuses points off the curve (the invalid-curve attack:
/// multiplying the recipient's scalar by an off-curve point leaks it modulo small
/// orders).
fn epk_for(header: &Map<String, Value>, expected: KeyType) -> Result<PublicKey, JweError> {
    let value = header
        .get("epk")
        .cloned()
        .ok_or_else(|| JweError::InvalidEpk("the header has no \"epk\"".into()))?;
    let jwk: Jwk = serde_json::from_value(value)
        .map_err(|_| JweError::InvalidEpk("not a JWK object".into()))?;
    if jwk.is_private() {
        return Err(JweError::InvalidEpk(
            "it carries private key members".into(),
        ));
    }
    let key_type = jwk
        .key_type()
        .map_err(|e| JweError::InvalidEpk(e.to_string()))?;
    if key_type != expected {
        return Err(JweError::EpkCurveMismatch {
            epk: key_type.jwk_crv().to_owned(),
            recipient: expected.jwk_crv(),
        });
    }
    PublicKey::from_jwk(&jwk).map_err(|e| JweError::InvalidEpk(e.to_string()))
}

// ---- key agreement and KDF -----------------------------------------------------------

/// The key a public key agrees with: itself for P-256, P-384 and X25519; the X25519
/// form of an Ed25519 key (RFC 7748 §4.1, as did:key derives keyAgreement).
fn agreement_public_key(key: &PublicKey) -> Result<PublicKey, JweError> {
    match key {
        PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::X25519(_) => Ok(key.clone()),
        PublicKey::Ed25519(_) => key
            .to_x25519()
            .ok_or(JweError::UnsupportedRecipientKey("ed25519")),
        other => Err(JweError::UnsupportedRecipientKey(other.key_type().name())),
    }
}

/// The private counterpart of [`agreement_public_key`].
fn agreement_private_key(key: &PrivateKey) -> Result<PrivateKey, JweError> {
    match key {
        PrivateKey::P256(_) | PrivateKey::P384(_) | PrivateKey::X25519(_) => Ok(key.clone()),
        PrivateKey::Ed25519(_) => key
            .to_x25519()
            .ok_or(JweError::UnsupportedRecipientKey("ed25519")),
        other => Err(JweError::UnsupportedRecipientKey(other.key_type().name())),
    }
}

/// The ECDH shared secret Z (RFC 7518 §4.6.2): the x-coordinate of the shared point on
/// P-256/P-384 (SEC 1 §3.3.1), the X25519 output (RFC 7748 §6.1) otherwise. Both keys
/// must be of the same type; an Ed25519 private key agrees through its X25519 form.
/// A low-order X25519 peer is refused (`non_contributory`).
pub fn key_agreement(
    secret: &PrivateKey,
    peer: &PublicKey,
) -> Result<Zeroizing<Vec<u8>>, JweError> {
    let secret = agreement_private_key(secret)?;
    let peer = agreement_public_key(peer)?;
    match (&secret, &peer) {
        (PrivateKey::P256(sk), PublicKey::P256(pk)) => {
            let shared = p256::ecdh::diffie_hellman(sk.as_nonzero_scalar(), pk.as_affine());
            Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
        }
        (PrivateKey::P384(sk), PublicKey::P384(pk)) => {
            let shared = p384::ecdh::diffie_hellman(sk.as_nonzero_scalar(), pk.as_affine());
            Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
        }
        (PrivateKey::X25519(_), PublicKey::X25519(_)) => match secret.x25519_agree(&peer) {
            Ok(z) => Ok(Zeroizing::new(z.to_vec())),
            Err(crate::Error::NonContributory) => Err(JweError::NonContributory),
            Err(_) => Err(JweError::NonContributory),
        },
        _ => Err(JweError::EpkCurveMismatch {
            epk: peer.key_type().jwk_crv().to_owned(),
            recipient: secret.key_type().jwk_crv(),
        }),
    }
}

/// The Concat KDF of NIST SP 800-56A §5.8.1 as profiled by RFC 7518 §4.6.2, with
/// SHA-256: `key_len` bytes of `SHA-256(counter || Z || OtherInfo)` for counter 1, 2,
/// ..., where OtherInfo is AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo, the
/// first three each a 32-bit big-endian length followed by the data, and SuppPubInfo
/// the key length in bits (32-bit big-endian). `algorithm_id` is the `enc` value for
/// `ECDH-ES` and the `alg` value for `ECDH-ES+A*KW`; `apu`/`apv` are decoded bytes.
pub fn concat_kdf(
    z: &[u8],
    algorithm_id: &str,
    apu: &[u8],
    apv: &[u8],
    key_len: usize,
) -> Zeroizing<Vec<u8>> {
    fn len32(bytes: &[u8]) -> [u8; 4] {
        // Inputs are bounded (apu/apv to 1 KiB, names to a few bytes) far below 2^32.
        u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes()
    }
    let bits = u32::try_from(key_len.saturating_mul(8)).unwrap_or(u32::MAX);
    let mut out = Zeroizing::new(Vec::with_capacity(key_len + 32));
    let mut counter: u32 = 1;
    while out.len() < key_len {
        let mut hash = Sha256::new();
        hash.update(counter.to_be_bytes());
        hash.update(z);
        hash.update(len32(algorithm_id.as_bytes()));
        hash.update(algorithm_id.as_bytes());
        hash.update(len32(apu));
        hash.update(apu);
        hash.update(len32(apv));
        hash.update(apv);
        hash.update(bits.to_be_bytes());
        // SuppPrivInfo is the empty octet sequence (RFC 7518 §4.6.2).
        let mut round = hash.finalize();
        out.extend_from_slice(&round);
        zeroize::Zeroize::zeroize(round.as_mut_slice());
        counter = counter.wrapping_add(1);
    }
    out.truncate(key_len);
    out
}

// ---- symmetric primitives --------------------------------------------------------------

fn random_bytes(len: usize) -> Result<Zeroizing<Vec<u8>>, JweError> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut out).map_err(|e| JweError::Rng(e.to_string()))?;
    Ok(out)
}

/// AES-256 Key Wrap (RFC 3394 §2.2.1) of the CEK under the KDF output.
fn aes_kw_wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, JweError> {
    let kw = KwAes256::new_from_slice(kek)
        .map_err(|_| JweError::InvalidEncryptedKey("the KEK is not 32 bytes".into()))?;
    let mut out = vec![0u8; cek.len() + KW_OVERHEAD];
    let len = kw
        .wrap_key(cek, &mut out)
        .map_err(|_| JweError::InvalidEncryptedKey("the CEK cannot be wrapped".into()))?
        .len();
    out.truncate(len);
    Ok(out)
}

/// AES-256 Key Unwrap (RFC 3394 §2.2.2); its integrity check failing is
/// `jwe_key_unwrap_failed`.
fn aes_kw_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, JweError> {
    let kw = KwAes256::new_from_slice(kek)
        .map_err(|_| JweError::InvalidEncryptedKey("the KEK is not 32 bytes".into()))?;
    let mut out = Zeroizing::new(vec![0u8; wrapped.len().saturating_sub(KW_OVERHEAD)]);
    let len = kw
        .unwrap_key(wrapped, &mut out)
        .map_err(|_| JweError::KeyUnwrapFailed)?
        .len();
    out.truncate(len);
    Ok(out)
}

fn gcm_seal(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<Vec<u8>, JweError> {
    fn seal<C: AeadInOut + KeyInit>(
        cek: &[u8],
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<Vec<u8>, JweError> {
        let cipher = C::new_from_slice(cek)
            .map_err(|_| JweError::InvalidEncryptedKey("the CEK has the wrong length".into()))?;
        let nonce = aes_gcm::aead::Nonce::<C>::try_from(iv)
            .map_err(|_| JweError::Malformed("the IV has the wrong length".into()))?;
        let tag = cipher
            .encrypt_inout_detached(&nonce, aad, buffer.into())
            // Only inputs over GCM's 64 GiB limit fail.
            .map_err(|_| JweError::Malformed("the plaintext is too long for AES-GCM".into()))?;
        Ok(tag.to_vec())
    }
    match enc {
        ContentEncryption::A256Gcm => seal::<Aes256Gcm>(cek, iv, aad, buffer),
        ContentEncryption::A128Gcm => seal::<Aes128Gcm>(cek, iv, aad, buffer),
    }
}

fn gcm_open(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8],
) -> Result<(), JweError> {
    fn open<C: AeadInOut + KeyInit>(
        cek: &[u8],
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8],
    ) -> Result<(), JweError> {
        // A CEK of the wrong length (a KW-wrapped key for another enc) cannot decrypt.
        let cipher = C::new_from_slice(cek).map_err(|_| JweError::DecryptionFailed)?;
        let nonce = aes_gcm::aead::Nonce::<C>::try_from(iv)
            .map_err(|_| JweError::Malformed("the IV has the wrong length".into()))?;
        let tag = aes_gcm::aead::Tag::<C>::try_from(tag)
            .map_err(|_| JweError::Malformed("the tag has the wrong length".into()))?;
        // aes-gcm compares the tag in constant time and leaves no plaintext on failure
        // (it re-encrypts the buffer), so nothing unauthenticated escapes.
        cipher
            .decrypt_inout_detached(&nonce, aad, buffer.into(), &tag)
            .map_err(|_| JweError::DecryptionFailed)
    }
    match enc {
        ContentEncryption::A256Gcm => open::<Aes256Gcm>(cek, iv, aad, buffer, tag),
        ContentEncryption::A128Gcm => open::<Aes128Gcm>(cek, iv, aad, buffer, tag),
    }
}

/// Fuzz entry (`fuzz/fuzz_targets/jwe_compact.rs`): bounded, never panics on input.
/// What parses re-encodes to the same text (strict base64url), decryption with fixed
/// keys of every supported type fails cleanly, and the input as a plaintext survives an
/// encrypt → decrypt round trip.
#[doc(hidden)]
pub fn __fuzz_compact(data: &[u8]) {
    let keys: Vec<PrivateKey> = [
        (KeyType::P256, [7u8; 32].as_slice()),
        (KeyType::P384, [7u8; 48].as_slice()),
        (KeyType::X25519, [7u8; 32].as_slice()),
    ]
    .into_iter()
    .map(|(t, s)| PrivateKey::from_bytes(t, s).expect("fixed valid scalars"))
    .collect();
    let all: Vec<_> = KeyManagement::ALL
        .into_iter()
        .flat_map(|a| ContentEncryption::ALL.into_iter().map(move |e| (a, e)))
        .collect();
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(parts) = Parts::parse(text, MAX_JWE_LEN)
    {
        assert_eq!(
            parts.to_compact(),
            text,
            "strict base64url re-encodes exactly"
        );
        for key in &keys {
            let _ = decrypt(text, key, &all);
        }
    }
    let key = &keys[2];
    let compact = encrypt(
        &key.public_key(),
        KeyManagement::EcdhEsA256Kw,
        ContentEncryption::A128Gcm,
        data,
        &Map::new(),
    )
    .expect("encryption to a valid key succeeds");
    let out = decrypt(&compact, key, &all).expect("own JWE decrypts");
    assert_eq!(out.plaintext.as_slice(), data);
}
