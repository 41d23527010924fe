//! `eddsa-jcs-2022`: JCS, SHA-256, Ed25519 (Pure EdDSA, RFC 8032).
//!
//! <https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022>

use kith_crypto::{Algorithm, KeyType};

use crate::di::suite::{Cryptosuite, HashAlg, Transform};

/// > The `eddsa-jcs-2022` cryptographic suite takes an input document, canonicalizes
/// > the document using the JSON Canonicalization Scheme \[RFC8785\], and then
/// > cryptographically hashes and signs the output resulting in the production of a
/// > data integrity proof.
///
/// Hashing is SHA-256 ([§3.3.3](https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-jcs-2022));
/// the signature is Ed25519 over the 64 bytes of hash data
/// ([§3.3.5](https://www.w3.org/TR/vc-di-eddsa/#proof-serialization-eddsa-jcs-2022)).
pub const EDDSA_JCS_2022: Cryptosuite = Cryptosuite {
    id: "eddsa-jcs-2022",
    transform: Transform::Jcs,
    hash: HashAlg::Sha256,
    key: KeyType::Ed25519,
    signature: Algorithm::EdDsa,
    spec: "https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022",
};
