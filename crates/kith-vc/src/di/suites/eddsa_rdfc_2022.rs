//! `eddsa-rdfc-2022`: RDFC-1.0, SHA-256, Ed25519 (Pure EdDSA, RFC 8032).
//!
//! <https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022>

use kith_crypto::{Algorithm, KeyType};

use crate::di::suite::{Cryptosuite, HashAlg, Transform};

/// > The `eddsa-rdfc-2022` cryptographic suite takes an input document, canonicalizes
/// > the document using the RDF Dataset Canonicalization algorithm \[RDF-CANON\], and
/// > then cryptographically hashes and signs the output resulting in the production of
/// > a data integrity proof.
///
/// Hashing is SHA-256 of the canonical proof configuration and of the canonical
/// document ([§3.2.3](https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-rdfc-2022));
/// the signature is Ed25519 over the 64 bytes of hash data
/// ([§3.2.6](https://www.w3.org/TR/vc-di-eddsa/#proof-serialization-eddsa-rdfc-2022)).
pub const EDDSA_RDFC_2022: Cryptosuite = Cryptosuite {
    id: "eddsa-rdfc-2022",
    transform: Transform::Rdfc10,
    hash: HashAlg::Sha256,
    key: KeyType::Ed25519,
    signature: Algorithm::EdDsa,
    spec: "https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022",
};
