//! What a successful proof check establishes, whatever the securing format.

use kith_crypto::PublicKey;
use serde_json::Value;
use time::OffsetDateTime;

/// The outcome of checking a credential's proof: the claims the proof covers and who made it.
#[derive(Debug, Clone)]
pub struct VerifiedProof {
    /// The credential as the verifier sees it. For SD-JWT this is the processed payload:
    /// the issuer-signed claims with the presented disclosures in place and the `_sd`,
    /// `...` and `_sd_alg` artifacts removed.
    pub credential: Value,
    /// The issuer named by the credential and proven by the key (`iss` / `issuer`).
    pub issuer: String,
    /// The absolute id of the verification method that verified.
    pub method_id: String,
    /// When the proof says it was made (JWT `iat`, Data Integrity `created`).
    pub signed_at: Option<OffsetDateTime>,
    /// Validity stated by the envelope rather than the credential (JWT `nbf`).
    pub not_before: Option<OffsetDateTime>,
    /// Expiry stated by the envelope rather than the credential (JWT `exp`, proof `expires`).
    pub expires: Option<OffsetDateTime>,
    /// The holder key the credential is bound to (SD-JWT VC `cnf`), if any.
    pub holder_key: Option<PublicKey>,
    /// Whether holder binding was proven (a valid KB-JWT, or a presentation signed by
    /// the holder). `false` for a bare credential.
    pub holder_bound: bool,
}

/// The verifier's side of a presentation exchange: what the holder must have signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The verifier's nonce (JWT `nonce`, Data Integrity `challenge`).
    pub nonce: String,
    /// The verifier's identifier (JWT `aud`, Data Integrity `domain`).
    pub audience: String,
}
