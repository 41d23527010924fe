//! `vci::Error`: every failure of the issuer and wallet sides, with the OAuth 2.0 /
//! OpenID4VCI error code it is sent as and an HTTP status hint.
//!
//! - Token endpoint: RFC 6749 §5.2 codes, with the clarifications of OpenID4VCI 1.0 §6.3
//!   (`invalid_request` for a missing or unexpected `tx_code`, `invalid_grant` for a
//!   wrong one and for an unknown, used or expired pre-authorized code).
//! - Credential endpoint: RFC 6750 §3.1 `invalid_token` (401 with `WWW-Authenticate`)
//!   and the Credential Request errors of OpenID4VCI 1.0 §8.3.1.2.
//! - Wallet side: what went wrong with the offer, the metadata, the transport, the
//!   issuer's answer ([`Error::Remote`] keeps the issuer's own code) or the credential.

/// The error codes OpenID4VCI 1.0 and the OAuth specifications it builds on define
/// (and Kith's `unknown_credential_offer`); an issuer's `error` member is reported
/// under its own name when it is one of these.
const KNOWN_REMOTE_CODES: [&str; 18] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_token",
    "insufficient_scope",
    "invalid_credential_request",
    "unknown_credential_configuration",
    "unknown_credential_identifier",
    "invalid_proof",
    "invalid_nonce",
    "invalid_encryption_parameters",
    "credential_request_denied",
    "server_error",
    "temporarily_unavailable",
    // Kith's own: an offer fetched by reference twice.
    "unknown_credential_offer",
];

/// What went wrong in an OpenID4VCI exchange, on either side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- any endpoint: bounded input ---
    /// An input over its size limit, refused before parsing (`invalid_request`, 413).
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A request that is malformed, misses a parameter or repeats one (RFC 6749 §5.2).
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    // --- token endpoint (RFC 6749 §5.2, OpenID4VCI 1.0 §6.3) ---
    /// An unknown, used, expired or exhausted pre-authorized code, or a wrong `tx_code`.
    #[error("invalid grant: {0}")]
    InvalidGrant(String),
    /// A `grant_type` other than the pre-authorized code grant.
    #[error("unsupported grant type {0:?}")]
    UnsupportedGrantType(String),

    // --- credential endpoint (RFC 6750 §3.1, OpenID4VCI 1.0 §8.3.1) ---
    /// A missing, unknown or expired access token (401 with `WWW-Authenticate`).
    #[error("invalid access token: {0}")]
    InvalidToken(String),
    /// An access token that does not cover the requested configuration (RFC 6750 §3.1,
    /// 403; OpenID4VCI 1.0 §8.3.1.1).
    #[error("insufficient scope: {0}")]
    InsufficientScope(String),
    /// A credential request that is malformed or asks for what the token does not cover.
    #[error("invalid credential request: {0}")]
    InvalidCredentialRequest(String),
    /// A `credential_configuration_id` the issuer does not know.
    #[error("unknown credential configuration {0:?}")]
    UnknownCredentialConfiguration(String),
    /// A key proof that is missing, malformed, wrongly typed or signed, for another
    /// audience, stale, or without a nonce.
    #[error("invalid proof: {0}")]
    InvalidProof(String),
    /// A key proof whose `nonce` is not a live `c_nonce` (unknown, used or expired).
    #[error("invalid nonce: {0}")]
    InvalidNonce(String),
    /// A request the issuer will not serve (e.g. the credential was already issued
    /// under this access token).
    #[error("credential request denied: {0}")]
    CredentialRequestDenied(String),

    // --- offer by reference ---
    /// A `credential_offer_uri` that names no live offer (404).
    #[error("no credential offer {0:?} (unknown, already fetched or expired)")]
    UnknownCredentialOffer(String),

    // --- the issuer's own failures ---
    /// The state store refused or failed (full, unreachable): `temporarily_unavailable`, 503.
    #[error("state store unavailable: {0}")]
    Unavailable(String),
    /// Signing, status allocation or another part of issuance failed: `server_error`, 500.
    #[error("issuance failed: {0}")]
    Issuance(String),
    /// The issuer's settings are inconsistent (a caller error, never caused by a request).
    #[error("issuer configuration: {0}")]
    Configuration(String),

    // --- wallet side ---
    /// A credential offer link or object that is not valid OpenID4VCI 1.0 §4.1.
    #[error("invalid credential offer: {0}")]
    InvalidOffer(String),
    /// Issuer or authorization server metadata that is malformed or inconsistent (§12.2).
    #[error("invalid issuer metadata: {0}")]
    InvalidMetadata(String),
    /// The issuer cannot serve this wallet: no binding method, proof type or proof
    /// algorithm in common, or a grant it does not offer.
    #[error("incompatible issuer: {0}")]
    Incompatible(String),
    /// The offer requires a transaction code (§4.1.1 `tx_code`) and none was given:
    /// ask the End-User for it and call again.
    #[error("the offer requires a transaction code")]
    TxCodeRequired,
    /// The HTTP exchange failed (connection, timeout, oversize or non-JSON answer).
    #[error("HTTP: {0}")]
    Http(String),
    /// The issuer answered with an error; `error` is its code.
    #[error("the issuer answered {status} {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Remote {
        /// The HTTP status.
        status: u16,
        /// The `error` member (or `invalid_token` from a bare 401).
        error: String,
        /// The `error_description` member.
        description: Option<String>,
    },
    /// The received credential failed verification (`code` is the pipeline's code).
    #[error("the issued credential did not verify: {code}: {detail}")]
    CredentialRejected {
        /// The verification pipeline's code of the first failed check.
        code: &'static str,
        /// What failed.
        detail: String,
    },
    /// The received credential is not bound to the holder key the proof was made with.
    #[error("holder binding: {0}")]
    HolderBinding(String),
    /// Storing the credential in the wallet failed.
    #[error(transparent)]
    Wallet(#[from] kith_wallet::Error),
}

impl Error {
    /// The stable machine code. For errors an endpoint answers with, it is the
    /// OAuth 2.0 / OpenID4VCI `error` value sent on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } | Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidToken(_) => "invalid_token",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::InvalidCredentialRequest(_) => "invalid_credential_request",
            Self::UnknownCredentialConfiguration(_) => "unknown_credential_configuration",
            Self::InvalidProof(_) => "invalid_proof",
            Self::InvalidNonce(_) => "invalid_nonce",
            Self::CredentialRequestDenied(_) => "credential_request_denied",
            Self::UnknownCredentialOffer(_) => "unknown_credential_offer",
            Self::Unavailable(_) => "temporarily_unavailable",
            Self::Issuance(_) => "server_error",
            Self::Configuration(_) => "invalid_configuration",
            Self::InvalidOffer(_) => "invalid_credential_offer",
            Self::InvalidMetadata(_) => "invalid_metadata",
            Self::Incompatible(_) => "incompatible_issuer",
            Self::TxCodeRequired => "tx_code_required",
            Self::Http(_) => "http_error",
            Self::Remote { error, .. } => KNOWN_REMOTE_CODES
                .iter()
                .copied()
                .find(|known| *known == error)
                .unwrap_or("issuer_error"),
            Self::CredentialRejected { .. } => "credential_rejected",
            Self::HolderBinding(_) => "holder_binding_mismatch",
            Self::Wallet(_) => "wallet_error",
        }
    }

    /// The HTTP status an endpoint answers this error with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::InvalidToken(_) => 401,
            Self::InsufficientScope(_) => 403,
            Self::UnknownCredentialOffer(_) => 404,
            Self::Unavailable(_) => 503,
            Self::Issuance(_) | Self::Configuration(_) => 500,
            Self::Remote { status, .. } => *status,
            Self::Http(_) => 502,
            _ => 400,
        }
    }

    /// The `WWW-Authenticate` header an endpoint sends with this error (RFC 6750 §3).
    pub fn www_authenticate(&self) -> Option<String> {
        match self {
            Self::InvalidToken(_) | Self::InsufficientScope(_) => Some(format!(
                "Bearer error=\"{}\", error_description=\"{}\"",
                self.code(),
                ascii_description(&self.to_string())
            )),
            _ => None,
        }
    }

    /// The JSON error body (RFC 6749 §5.2, OpenID4VCI 1.0 §8.3.1.2): `error` and an
    /// `error_description` restricted to the characters the specifications allow.
    /// Internal failures are described generically: their details are for the logs.
    pub fn to_json(&self) -> serde_json::Value {
        let description = match self {
            Self::Issuance(_) | Self::Configuration(_) => "internal error".to_owned(),
            Self::Unavailable(_) => "try again later".to_owned(),
            other => ascii_description(&other.to_string()),
        };
        serde_json::json!({"error": self.code(), "error_description": description})
    }

    /// A refusal of an input over `limit` bytes.
    pub(crate) fn too_large(what: &'static str, size: usize, limit: usize) -> Self {
        Self::TooLarge { what, size, limit }
    }
}

/// `error_description` characters: `%x20-21 / %x23-5B / %x5D-7E` (RFC 6749 §5.2,
/// OpenID4VCI 1.0 §8.3.1.2); anything else becomes `?`. Bounded to 300 characters.
fn ascii_description(text: &str) -> String {
    text.chars()
        .take(300)
        .map(|c| match c {
            '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_keep_to_the_allowed_characters() {
        assert_eq!(ascii_description("a \"quoted\" \\ é"), "a ?quoted? ? ?");
    }

    #[test]
    fn remote_codes_are_reported_as_the_issuer_sent_them() {
        let known = Error::Remote {
            status: 400,
            error: "invalid_grant".into(),
            description: None,
        };
        assert_eq!(known.code(), "invalid_grant");
        let unknown = Error::Remote {
            status: 400,
            error: "made_up".into(),
            description: None,
        };
        assert_eq!(unknown.code(), "issuer_error");
    }

    #[test]
    fn invalid_token_carries_a_bearer_challenge() {
        let e = Error::InvalidToken("expired".into());
        assert_eq!(e.http_status(), 401);
        assert_eq!(
            e.www_authenticate().unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"invalid access token: expired\""
        );
        assert_eq!(e.to_json()["error"], "invalid_token");
    }
}
