//! The one error type of kith-crypto, sorted by who is at fault.

/// Everything that can go wrong while decoding keys, signing or verifying.
///
/// Each variant has a stable machine code ([`Error::code`]) and a sentence that
/// names the problem. Variants caused by untrusted input never carry secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A JWK was malformed: wrong member, wrong length, bad base64url.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// A key type, curve or multicodec that Kith does not support.
    #[error("unsupported key type: {0}")]
    UnsupportedKeyType(String),
    /// Public key bytes that do not encode a valid key of their type (off-curve point,
    /// wrong length).
    #[error("invalid {key_type} key: {reason}")]
    InvalidKey {
        /// The key type the bytes were meant to be.
        key_type: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// Secret bytes that are not a valid private key of their type (wrong length, an
    /// ECDSA scalar that is zero or not below the group order).
    #[error("invalid {key_type} private key: {reason}")]
    InvalidPrivateKey {
        /// The key type the bytes were meant to be.
        key_type: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A multibase string was malformed.
    #[error("invalid multibase: {0}")]
    InvalidMultibase(String),
    /// A multibase prefix that this context does not accept.
    #[error("unsupported multibase prefix {0:?}; expected {1}")]
    UnsupportedMultibase(char, &'static str),
    /// A multicodec varint header was malformed.
    #[error("invalid multicodec header: {0}")]
    InvalidMulticodec(&'static str),
    /// A signature did not verify.
    #[error("signature verification failed")]
    InvalidSignature,
    /// A signature had the wrong length or encoding for its algorithm.
    #[error("malformed {alg} signature: {reason}")]
    MalformedSignature {
        /// The JOSE algorithm name.
        alg: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// An ECDSA secp256k1 signature whose `s` is in the upper half of the group order.
    #[error("ES256K signature is not low-S normalized (malleable form rejected)")]
    HighS,
    /// A JOSE `alg` value that Kith does not implement.
    #[error("unsupported JOSE algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// `alg: none` (RFC 7518 §3.6), always refused.
    #[error("unsecured JWS (alg \"none\") is refused")]
    AlgorithmNone,
    /// An HMAC `alg` presented for verification with a public key.
    #[error("HMAC algorithm {0:?} cannot be verified with a public key")]
    HmacWithPublicKey(String),
    /// The algorithm does not belong to the key's type.
    #[error("algorithm {alg} cannot be used with a {key_type} key")]
    AlgorithmKeyMismatch {
        /// The JOSE algorithm name.
        alg: &'static str,
        /// The key type name.
        key_type: &'static str,
    },
    /// The algorithm is valid for the key but not in the caller's allow-list.
    #[error("algorithm {0} is not in the allowed list")]
    AlgorithmNotAllowed(&'static str),
    /// A JWS compact serialization was malformed.
    #[error("malformed JWS: {0}")]
    MalformedJws(String),
    /// The JWS `crit` header names an extension Kith does not understand (RFC 7515 §4.1.11).
    #[error("JWS crit header names an unsupported extension {0:?}")]
    UnknownCritical(String),
    /// Input larger than the limit checked before parsing.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Key agreement produced the all-zero shared secret (low-order public key).
    #[error("key agreement with a low-order public key was refused")]
    NonContributory,
    /// The operating system's random number generator failed.
    #[error("the OS random number generator failed: {0}")]
    Rng(String),
    /// A remote signer (KMS/HSM) failed; says nothing about the input.
    #[error("signer unavailable: {0}")]
    SignerUnavailable(String),
    /// An elliptic-curve point whose encoding is not a point of the curve (BLS12-381).
    #[error("{0} is not a point of the curve")]
    PointNotOnCurve(&'static str),
    /// A curve point outside the prime-order subgroup (BLS12-381 G1/G2 subgroup check).
    #[error("{0} is not in the prime-order subgroup")]
    PointNotInSubgroup(&'static str),
    /// The identity point where the protocol forbids it (BBS keys, signatures, proofs).
    #[error("{0} is the identity point")]
    IdentityPoint(&'static str),
    /// A scalar that is zero or not below the group order.
    #[error("{0} is zero or not below the group order")]
    InvalidScalar(&'static str),
    /// A zero-knowledge proof (BBS) whose encoding is wrong: length, flags, indexes.
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    /// Disclosed messages that do not match the disclosed indexes in number.
    #[error("{actual} messages given for {expected} disclosed indexes")]
    MessageCountMismatch {
        /// The number of indexes.
        expected: usize,
        /// The number of messages.
        actual: usize,
    },
}

impl Error {
    /// The stable machine code of this error, shared by the CLI, HTTP problems and reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidJwk(_) => "invalid_jwk",
            Self::UnsupportedKeyType(_) => "unsupported_key_type",
            Self::InvalidKey { .. } => "invalid_public_key",
            Self::InvalidPrivateKey { .. } => "invalid_private_key",
            Self::InvalidMultibase(_) => "invalid_multibase",
            Self::UnsupportedMultibase(..) => "unsupported_multibase",
            Self::InvalidMulticodec(_) => "invalid_multicodec",
            Self::InvalidSignature => "invalid_signature",
            Self::MalformedSignature { .. } => "malformed_signature",
            Self::HighS => "non_canonical_signature",
            Self::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Self::AlgorithmNone => "alg_none",
            Self::HmacWithPublicKey(_) => "hmac_with_public_key",
            Self::AlgorithmKeyMismatch { .. } => "alg_key_mismatch",
            Self::AlgorithmNotAllowed(_) => "alg_not_allowed",
            Self::MalformedJws(_) => "malformed_jws",
            Self::UnknownCritical(_) => "unknown_crit",
            Self::TooLarge { .. } => "too_large",
            Self::NonContributory => "non_contributory",
            Self::Rng(_) => "rng_failure",
            Self::SignerUnavailable(_) => "signer_unavailable",
            Self::PointNotOnCurve(_) => "point_not_on_curve",
            Self::PointNotInSubgroup(_) => "point_not_in_subgroup",
            Self::IdentityPoint(_) => "identity_point",
            Self::InvalidScalar(_) => "invalid_scalar",
            Self::MalformedProof(_) => "malformed_proof",
            Self::MessageCountMismatch { .. } => "message_count_mismatch",
        }
    }
}
