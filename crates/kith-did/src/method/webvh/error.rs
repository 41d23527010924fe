//! What can go wrong reading, verifying or writing a did:webvh log.

/// A did:webvh failure. Each variant has a stable [`code`](Self::code) and maps to the
/// DID Resolution error name the did:webvh test suite expects
/// ([`resolution_error`](Self::resolution_error)). `line` is the 1-based line of
/// `did.jsonl` the failure was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebvhError {
    /// The DID is not a did:webvh DID by the method's ABNF and transformation rules.
    #[error("invalid did:webvh DID: {0}")]
    InvalidDid(String),
    /// The log (or witness file) is over a size or count bound.
    #[error("{what} is {size}, over the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size (bytes or entries).
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A line is not a log entry: not JSON, missing or extra members, wrong types.
    #[error("line {line}: malformed log entry: {reason}")]
    MalformedEntry {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// `versionId` is malformed, or its number is not the next one (reordered,
    /// forked or missing entries).
    #[error("line {line}: bad versionId: {reason}")]
    VersionId {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The entry hash in `versionId` is not the hash of the entry chained to its
    /// predecessor: the entry was altered, or the log forked.
    #[error("line {line}: the entry hash does not match (expected {expected}, found {found})")]
    EntryHash {
        /// The line.
        line: usize,
        /// The hash computed.
        expected: String,
        /// The hash in `versionId`.
        found: String,
    },
    /// The SCID does not verify, or a DID in the log carries another SCID.
    #[error("line {line}: SCID mismatch: {reason}")]
    Scid {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// `versionTime` is malformed, not UTC, not after its predecessor, or in the future.
    #[error("line {line}: bad versionTime: {reason}")]
    VersionTime {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// `parameters.method` is not a did:webvh version this resolver implements.
    #[error("line {line}: unsupported method version {value:?}")]
    UnsupportedMethod {
        /// The line.
        line: usize,
        /// The value found.
        value: String,
    },
    /// A parameter is unknown, mistyped, or breaks a parameter rule.
    #[error("line {line}: invalid parameters: {reason}")]
    InvalidParameters {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The Data Integrity proof is missing, malformed, of another cryptosuite, or
    /// its signature does not verify.
    #[error("line {line}: invalid proof: {reason}")]
    InvalidProof {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The proof is by a key that is not an active update key for the entry.
    #[error("line {line}: {key} is not an authorized update key for this entry")]
    UnauthorizedKey {
        /// The line.
        line: usize,
        /// The key that signed.
        key: String,
    },
    /// Key pre-rotation was active and the entry broke its commitment.
    #[error("line {line}: pre-rotation violation: {reason}")]
    PreRotation {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The DID moved (its `state.id` changed) in a way portability does not allow.
    #[error("line {line}: portability violation: {reason}")]
    Portability {
        /// The line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// An entry follows the entry that deactivated the DID.
    #[error("line {line}: the DID was deactivated; no entry may follow")]
    AfterDeactivation {
        /// The line.
        line: usize,
    },
    /// No entry's `state.id` is the DID being resolved.
    #[error("the log is not the log of {0}")]
    DidNotInLog(String),
    /// An entry needing witnesses lacks a threshold of witness approvals.
    #[error("line {line}: {approvals} distinct witness approvals, {threshold} required")]
    WitnessThreshold {
        /// The line.
        line: usize,
        /// Distinct valid approvals found.
        approvals: usize,
        /// The threshold.
        threshold: usize,
    },
    /// `did-witness.json` is not an array of `{versionId, proof}`.
    #[error("malformed did-witness.json: {0}")]
    MalformedWitnessFile(String),
    /// The version asked for (`versionId`, `versionTime`, `versionNumber`) is not in the log.
    #[error("no such version: {0}")]
    VersionNotFound(String),
    /// The version options contradict each other or are malformed.
    #[error("invalid version options: {0}")]
    InvalidOptions(String),
    /// Creating or updating: a key cannot be used (wrong type, not authorized, not committed).
    #[error("key: {0}")]
    Key(String),
}

impl WebvhError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidDid(_) => "webvh_invalid_did",
            Self::TooLarge { .. } => "webvh_log_too_large",
            Self::MalformedEntry { .. } => "webvh_malformed_entry",
            Self::VersionId { .. } => "webvh_version_id",
            Self::EntryHash { .. } => "webvh_entry_hash_mismatch",
            Self::Scid { .. } => "webvh_scid_mismatch",
            Self::VersionTime { .. } => "webvh_version_time",
            Self::UnsupportedMethod { .. } => "webvh_unsupported_method",
            Self::InvalidParameters { .. } => "webvh_invalid_parameters",
            Self::InvalidProof { .. } => "webvh_invalid_proof",
            Self::UnauthorizedKey { .. } => "webvh_unauthorized_key",
            Self::PreRotation { .. } => "webvh_pre_rotation_violation",
            Self::Portability { .. } => "webvh_portability_violation",
            Self::AfterDeactivation { .. } => "webvh_entry_after_deactivation",
            Self::DidNotInLog(_) => "webvh_did_not_in_log",
            Self::WitnessThreshold { .. } => "webvh_witness_threshold",
            Self::MalformedWitnessFile(_) => "webvh_malformed_witness_file",
            Self::VersionNotFound(_) => "webvh_version_not_found",
            Self::InvalidOptions(_) => "webvh_invalid_options",
            Self::Key(_) => "webvh_key",
        }
    }

    /// The DID Resolution error name: `invalidDid` for anything that makes the DID
    /// invalid (did:webvh v1.0 "Read"), `invalidProof` and `invalidParameters` as the
    /// did:webvh test suite names them, `notFound` for a missing version.
    pub fn resolution_error(&self) -> &'static str {
        match self {
            Self::InvalidProof { .. } | Self::UnauthorizedKey { .. } => "invalidProof",
            Self::InvalidParameters { .. } | Self::PreRotation { .. } => "invalidParameters",
            Self::VersionNotFound(_) => "notFound",
            Self::InvalidOptions(_) => "invalidOptions",
            Self::Key(_) => "invalidPublicKey",
            _ => "invalidDid",
        }
    }
}
