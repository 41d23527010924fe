//! `ecdsa-jcs-2019`: JCS, then SHA-256 with P-256 keys or SHA-384 with P-384 keys.
//!
//! <https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-jcs-2019>
//!
//! > One must use the hash algorithm appropriate in security level to the curve used,
//! > i.e., for curve P-256 one uses SHA-256, and for curve P-384 one uses SHA-384.
//!
//! <https://www.w3.org/TR/vc-di-ecdsa/#hashing-ecdsa-jcs-2019>
//!
//! The ECDSA signature itself is ES256 or ES384 over the hash data (which hashes it
//! once more with the curve's hash), in the fixed-size `r ‖ s` form.

use kith_crypto::{Algorithm, KeyType};

use crate::di::suite::{Cryptosuite, HashAlg, Transform};

/// `ecdsa-jcs-2019` with a P-256 key: SHA-256 hashes, ES256 signature (64 bytes).
pub const ECDSA_JCS_2019_P256: Cryptosuite = Cryptosuite {
    id: "ecdsa-jcs-2019",
    transform: Transform::Jcs,
    hash: HashAlg::Sha256,
    key: KeyType::P256,
    signature: Algorithm::Es256,
    spec: "https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-jcs-2019",
};

/// `ecdsa-jcs-2019` with a P-384 key: SHA-384 hashes, ES384 signature (96 bytes).
pub const ECDSA_JCS_2019_P384: Cryptosuite = Cryptosuite {
    id: "ecdsa-jcs-2019",
    transform: Transform::Jcs,
    hash: HashAlg::Sha384,
    key: KeyType::P384,
    signature: Algorithm::Es384,
    spec: "https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-jcs-2019",
};
