//! `ecdsa-rdfc-2019`: RDFC-1.0, then SHA-256 with P-256 keys or SHA-384 with P-384 keys.
//!
//! <https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019>
//!
//! > If the curve used is P-256, the hashing algorithm is SHA-256 [...] If the curve
//! > used is P-384, the hashing algorithm is SHA-384.
//!
//! <https://www.w3.org/TR/vc-di-ecdsa/#hashing-ecdsa-rdfc-2019>
//!
//! RDFC-1.0 itself hashes with SHA-256 in both cases (its default); only the hashes of
//! the canonical proof configuration and document follow the curve. The signature is
//! ES256 or ES384 over the hash data, in the fixed-size `r ‖ s` form.

use kith_crypto::{Algorithm, KeyType};

use crate::di::suite::{Cryptosuite, HashAlg, Transform};

/// `ecdsa-rdfc-2019` with a P-256 key: SHA-256 hashes, ES256 signature (64 bytes).
pub const ECDSA_RDFC_2019_P256: Cryptosuite = Cryptosuite {
    id: "ecdsa-rdfc-2019",
    transform: Transform::Rdfc10,
    hash: HashAlg::Sha256,
    key: KeyType::P256,
    signature: Algorithm::Es256,
    spec: "https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019",
};

/// `ecdsa-rdfc-2019` with a P-384 key: SHA-384 hashes, ES384 signature (96 bytes).
pub const ECDSA_RDFC_2019_P384: Cryptosuite = Cryptosuite {
    id: "ecdsa-rdfc-2019",
    transform: Transform::Rdfc10,
    hash: HashAlg::Sha384,
    key: KeyType::P384,
    signature: Algorithm::Es384,
    spec: "https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019",
};
