//! The errors of the `kith-zkp-2026` cryptosuite, each with a stable code.

/// What can be wrong with a `kith-zkp-2026` key, credential, presentation or proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZkpError {
    /// The proof bytes are not a `kith-zkp-2026` proof (bad multibase, kind byte, layout,
    /// trailing bytes).
    #[error("malformed kith-zkp-2026 proof: {0}")]
    MalformedProof(String),
    /// The proof bytes end before the proof does.
    #[error("truncated kith-zkp-2026 proof: {0}")]
    TruncatedProof(String),
    /// The proof's version byte is not one this implementation knows.
    #[error("unsupported kith-zkp-2026 proof version {0}")]
    UnsupportedVersion(u8),
    /// A group element is not on the curve, not in the prime-order subgroup, or the
    /// identity; or a scalar is not below the group order.
    #[error("invalid group element: {0}")]
    InvalidPoint(String),
    /// The proof covers another number of messages than the statement has.
    #[error("message count mismatch: {0}")]
    MessageCountMismatch(String),
    /// The proof was made for another statement (other predicates, bounds or disclosed
    /// claims), or the verifier asked for a predicate the presentation does not prove.
    #[error("statement mismatch: {0}")]
    StatementMismatch(String),
    /// The presentation answers another nonce (`challenge`) than the verifier's.
    #[error("nonce mismatch: {0}")]
    NonceMismatch(String),
    /// The presentation is for another verifier (`domain`).
    #[error("domain mismatch: {0}")]
    DomainMismatch(String),
    /// The signature or proof is well formed and does not verify.
    #[error("the kith-zkp-2026 proof does not verify: {0}")]
    InvalidProof(String),
    /// The holder asked to prove a predicate its claim does not satisfy.
    #[error("the predicate is false for the credential's claim: {0}")]
    PredicateFalse(String),
    /// A predicate that cannot be stated (syntax, operator, bound, or a disclosed claim).
    #[error("invalid predicate: {0}")]
    InvalidPredicate(String),
    /// A claim whose value cannot take part in a predicate (strings, booleans, ...).
    #[error("unsupported claim: {0}")]
    UnsupportedClaim(String),
    /// A JSON pointer that names no claim of the credential.
    #[error("unknown claim: {0}")]
    UnknownClaim(String),
    /// A key that is not a BLS12-381 G2 key, or not a valid one.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A credential this suite cannot sign or read (no credentialSubject object, too
    /// many claims, ...).
    #[error("invalid credential: {0}")]
    InvalidCredential(String),
    /// The operating system's random number generator failed.
    #[error("random number generator: {0}")]
    Rng(String),
}

impl ZkpError {
    /// The stable machine code, as the verification report and the CLI print it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedProof(_) => "malformed_proof",
            Self::TruncatedProof(_) => "truncated_proof",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::InvalidPoint(_) => "invalid_point",
            Self::MessageCountMismatch(_) => "message_count_mismatch",
            Self::StatementMismatch(_) => "statement_mismatch",
            Self::NonceMismatch(_) => "nonce_mismatch",
            Self::DomainMismatch(_) => "audience_mismatch",
            Self::InvalidProof(_) => "invalid_signature",
            Self::PredicateFalse(_) => "predicate_false",
            Self::InvalidPredicate(_) => "invalid_predicate",
            Self::UnsupportedClaim(_) => "unsupported_claim",
            Self::UnknownClaim(_) => "unknown_claim",
            Self::InvalidKey(_) => "invalid_key",
            Self::InvalidCredential(_) => "invalid_credential",
            Self::Rng(_) => "rng_failure",
        }
    }
}

/// Keeps the code: a [`ZkpError`] becomes an [`Error::Model`](crate::Error::Model)
/// with the same code and sentence.
impl From<ZkpError> for crate::Error {
    fn from(e: ZkpError) -> Self {
        crate::Error::Model {
            code: e.code(),
            detail: e.to_string(),
        }
    }
}
