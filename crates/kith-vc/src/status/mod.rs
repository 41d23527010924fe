//! Credential status (revocation, suspension): the seam the pipeline calls, and the
//! W3C Bitstring Status List v1.0 behind it.
//!
//! - [`BitstringStatusList`]: the bits, their `encodedList` form (spec §2.2, §3.3, §3.4)
//!   with hard limits on what a decoder accepts.
//! - [`status_list_credential`], [`status_entry`]: what an issuer publishes (spec §2.1,
//!   §2.2, §3.1); the issuer service signs and serves them.
//! - [`BitstringStatusChecker`]: the verifier's side (spec §3.2), behind the
//!   [`StatusChecker`] seam, with a cache of verified, decoded lists. It hands SD-JWT
//!   VC `status.status_list` claims to the [`TokenStatusListChecker`].
//! - [`TokenStatusList`], [`create_status_list_token`], [`verify_status_list_token`]:
//!   the IETF Token Status List (draft-ietf-oauth-status-list) for SD-JWT VCs.
//!
//! Section numbers (§) are those of the W3C Recommendation of 15 May 2025,
//! <https://www.w3.org/TR/vc-bitstring-status-list/>.

use async_trait::async_trait;
use serde_json::Value;

mod bitstring;
mod checker;
mod entry;
pub mod token_status_list;

pub use bitstring::{
    BitstringStatusList, MAX_ENCODED_LEN, MAX_LIST_LEN, MIN_ENTRIES, MIN_LIST_LEN,
};
#[doc(hidden)]
pub(crate) use checker::fuzz_list_credential;
pub use checker::{BitstringStatusChecker, LocalStatusLists, StatusCacheConfig, StatusListSource};
pub use entry::{
    ENTRY_TYPE, LIST_CREDENTIAL_TYPE, LIST_TYPE, StatusEntry, StatusPurpose, status_entry,
    status_list_credential,
};
pub use token_status_list::{
    INVALID, MAX_LST_LEN, MAX_TOKEN_LIST_LEN, MEDIA_TYPE_STATUS_LIST_JWT, SUSPENDED,
    StatusListReference, StatusListTokenClaims, StatusListTokenExpectation, TYP_STATUS_LIST_JWT,
    TokenStatusList, TokenStatusListChecker, VALID, VerifiedStatusListToken,
    create_status_list_token, status_claim, verify_status_list_token,
};

/// What a status check found for one `credentialStatus` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusResult {
    /// The status list says the credential is in good standing.
    Valid,
    /// Revoked: permanent.
    Revoked(String),
    /// Suspended: may be lifted.
    Suspended(String),
    /// The status could not be determined (list unreachable, too large, wrong type).
    Unknown {
        /// Stable code.
        code: &'static str,
        /// A sentence naming the problem.
        detail: String,
    },
}

impl StatusResult {
    /// An undetermined status from an error: its code and its sentence.
    pub fn unknown(error: &crate::Error) -> Self {
        Self::Unknown {
            code: error.code(),
            detail: error.to_string(),
        }
    }
}

/// Checks one `credentialStatus` entry.
#[async_trait]
pub trait StatusChecker: Send + Sync {
    /// Checks `entry`, a `credentialStatus` object (or an SD-JWT VC `status` claim),
    /// knowing nothing of the credential that carries it.
    async fn check(&self, entry: &Value) -> StatusResult;

    /// Checks `entry` of a credential whose proof established `issuer`, so a checker
    /// can require the status list to come from the same issuer. The pipeline calls
    /// this one; the default ignores `issuer` and calls [`check`](Self::check).
    async fn check_issued_by(&self, entry: &Value, issuer: &str) -> StatusResult {
        let _ = issuer;
        self.check(entry).await
    }
}
