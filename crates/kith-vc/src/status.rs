//! Credential status (revocation, suspension): the seam the pipeline calls.
//!
//! The Bitstring Status List implementation arrives with the services; here is only
//! the contract, so the pipeline can report status the same way for every format.

use async_trait::async_trait;
use serde_json::Value;

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

/// Checks one `credentialStatus` entry.
#[async_trait]
pub trait StatusChecker: Send + Sync {
    /// Checks `entry`, a `credentialStatus` object (or an SD-JWT VC `status` claim).
    async fn check(&self, entry: &Value) -> StatusResult;
}
