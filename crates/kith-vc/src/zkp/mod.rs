//! Zero-knowledge predicates: the `kith-zkp-2026` cryptosuite (docs/zk-predicates.md).
//!
//! The issuer signs every claim of `credentialSubject` as one message of a BBS
//! signature (BLS12-381, key in G2: the same `bls12381g2` keys as bbs-2023). The
//! holder derives a presentation that discloses some claims and proves predicates
//! (`<`, `<=`, `>`, `>=`) on hidden dates, date-times and numbers with Bulletproofs++
//! range proofs, bound to the verifier's nonce and domain. The verifier learns the
//! disclosed claims and that each predicate holds, nothing else about hidden claims;
//! two presentations of one credential share no proof bytes.
//!
//! ```no_run
//! use kith_vc::zkp::{self, IssuerSecretKey, PresentOptions, Predicate};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = IssuerSecretKey::generate()?;
//! # let credential = serde_json::json!({});
//! let issued = zkp::issue(&credential, &key, "did:key:zUC7…#zUC7…")?;
//! let presentation = zkp::present(&issued, key.public_key(), &PresentOptions {
//!     reveal: vec!["/credentialSubject/name".into()],
//!     predicates: Predicate::parse("/credentialSubject/birthDate <= 2008-11-28")?,
//!     challenge: "nonce from the verifier".into(),
//!     domain: "verifier.example".into(),
//! })?;
//! # Ok(()) }
//! ```
//!
//! Module map: [`encoding`] (claims → messages, order-preserving encodings),
//! [`predicate`] (predicates → one-sided bounds), `crypto` (BBS + Bulletproofs++ +
//! Schnorr, proof encoding and its checked decoding), `bulletproofs` (the range
//! proofs' prover), `credential` (JSON documents, report).

mod bulletproofs;
mod credential;
mod crypto;
pub mod encoding;
mod error;
pub mod predicate;

pub use credential::{
    PresentOptions, ProvenPredicate, ZkpReport, is_zkp_credential, is_zkp_presentation, issue,
    present, present_resolving, verify_credential, verify_issued, verify_presentation,
};
pub use crypto::{
    IssuerPublicKey, IssuerSecretKey, MAX_PREDICATES, MAX_PROOF_LEN, RANGE_PROOF_LEN,
};
pub use encoding::ClaimKind;
pub use error::ZkpError;
pub use predicate::{Op, Predicate};

/// The cryptosuite name, in every proof's `cryptosuite`.
pub const CRYPTOSUITE: &str = "kith-zkp-2026";

#[doc(hidden)]
pub use credential::retag_presentation as __retag_presentation;

/// Entry point of the `zkp_proof` fuzz target: the proof decoder and the presentation
/// reader on arbitrary bytes. Never panics.
#[doc(hidden)]
pub fn __fuzz_proof(data: &[u8]) {
    credential::fuzz_decode(data);
}
