//! JSON Canonicalization Scheme (RFC 8785): kith-crypto's canonicalizer, shared with
//! kith-did (did:webvh).

pub use kith_crypto::jcs::{canonicalize, canonicalize_to_string};
