//! The one error type of kith-vc. Its codes are the codes of the verification report.

/// What can be wrong with a credential, a presentation or their securing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- untrusted input: size and syntax ---
    /// Input over a limit checked before parsing.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// JSON nested deeper than the limit.
    #[error("JSON too deep: {0}")]
    TooDeep(String),
    /// A JSON object with the same member twice.
    #[error("duplicate JSON member: {0}")]
    DuplicateMember(String),
    /// A number JCS cannot represent exactly.
    #[error("unrepresentable number: {0}")]
    UnrepresentableNumber(String),
    /// Input that is not JSON.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// Input in no format Kith recognizes.
    #[error("unknown format: {0}")]
    UnknownFormat(String),
    /// A JWT, SD-JWT or proof that is structurally wrong.
    #[error("malformed {format}: {reason}")]
    Malformed {
        /// The format being parsed.
        format: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A VCDM rule is broken; `code` names the rule (`invalid_context`, `missing_subject`, ...).
    #[error("{detail}")]
    Model {
        /// The stable code of the broken rule.
        code: &'static str,
        /// A sentence naming the problem.
        detail: String,
    },

    // --- proofs ---
    /// A signature or proof value did not verify.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// A JOSE-level refusal (alg none, HMAC, alg/key mismatch, crit, ...).
    #[error(transparent)]
    Crypto(#[from] kith_crypto::Error),
    /// The proof names a cryptosuite Kith does not implement.
    #[error("unknown cryptosuite {0:?}")]
    UnknownCryptosuite(String),
    /// The proof options are wrong for this use (purpose, type, dates).
    #[error("invalid proof: {0}")]
    InvalidProof(String),

    // --- keys and issuers ---
    /// The issuer's DID (or the key's DID) did not resolve.
    #[error("issuer {did} did not resolve: {source}")]
    UnknownIssuer {
        /// The DID that failed.
        did: String,
        /// Why.
        #[source]
        source: kith_did::Error,
    },
    /// The key names no verification method in the controller's document.
    #[error("unknown key: {0}")]
    UnknownKey(String),
    /// The method exists but is not authorized for the proof purpose.
    #[error("key {key} is not authorized for {relationship}")]
    KeyNotAuthorized {
        /// The verification method.
        key: String,
        /// The relationship it would need.
        relationship: &'static str,
    },
    /// The verification method is `revoked` as of the proof's time (or the proof has
    /// no time).
    #[error("key {key} is revoked: {detail}")]
    KeyRevoked {
        /// The verification method.
        key: String,
        /// When, and why this proof falls after it.
        detail: String,
    },
    /// The key is controlled by someone other than the issuer or holder.
    #[error("key {key} is not controlled by {expected}")]
    KeyControllerMismatch {
        /// The verification method.
        key: String,
        /// The issuer or holder it should belong to.
        expected: String,
    },

    // --- selective disclosure and holder binding ---
    /// A disclosure does not match the digests of the SD-JWT.
    #[error("disclosure mismatch: {0}")]
    DisclosureMismatch(String),
    /// A presentation's nonce is not the verifier's.
    #[error("nonce mismatch: {0}")]
    NonceMismatch(String),
    /// A presentation's audience or domain is not the verifier's.
    #[error("audience mismatch: {0}")]
    AudienceMismatch(String),
    /// The holder binding (KB-JWT, cnf) is missing or wrong.
    #[error("holder binding: {0}")]
    HolderBinding(String),

    // --- time ---
    /// A validity or proof time is past.
    #[error("expired: {0}")]
    Expired(String),
    /// A validity or proof time is in the future.
    #[error("not yet valid: {0}")]
    NotYetValid(String),

    // --- caller errors ---
    /// The caller asked for something impossible (never caused by untrusted input).
    #[error("API misuse: {0}")]
    ApiMisuse(String),
}

impl Error {
    /// The stable machine code, shared by the report, the CLI and HTTP problems.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::TooDeep(_) => "too_deep",
            Self::DuplicateMember(_) => "duplicate_member",
            Self::UnrepresentableNumber(_) => "unrepresentable_number",
            Self::MalformedJson(_) => "malformed_json",
            Self::UnknownFormat(_) => "unknown_format",
            Self::Malformed { .. } => "malformed",
            Self::Model { code, .. } => code,
            Self::InvalidSignature(_) => "invalid_signature",
            Self::Crypto(e) => match e {
                kith_crypto::Error::InvalidSignature => "invalid_signature",
                other => other.code(),
            },
            Self::UnknownCryptosuite(_) => "unknown_cryptosuite",
            Self::InvalidProof(_) => "invalid_proof",
            Self::UnknownIssuer { .. } => "unknown_issuer",
            Self::UnknownKey(_) => "unknown_key",
            Self::KeyNotAuthorized { .. } => "key_not_authorized",
            Self::KeyRevoked { .. } => "key_revoked",
            Self::KeyControllerMismatch { .. } => "key_controller_mismatch",
            Self::DisclosureMismatch(_) => "disclosure_mismatch",
            Self::NonceMismatch(_) => "nonce_mismatch",
            Self::AudienceMismatch(_) => "audience_mismatch",
            Self::HolderBinding(_) => "holder_binding",
            Self::Expired(_) => "expired",
            Self::NotYetValid(_) => "not_yet_valid",
            Self::ApiMisuse(_) => "api_misuse",
        }
    }

    /// A VCDM rule violation.
    pub(crate) fn model(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Model {
            code,
            detail: detail.into(),
        }
    }

    /// A structural problem in `format`.
    pub(crate) fn malformed(format: &'static str, reason: impl Into<String>) -> Self {
        Self::Malformed {
            format,
            reason: reason.into(),
        }
    }
}
