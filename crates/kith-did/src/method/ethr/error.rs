//! What can go wrong resolving or writing a did:ethr DID.

/// A did:ethr failure, with a stable [`code`](Self::code) and the DID Resolution
/// error name ([`resolution_error`](Self::resolution_error)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EthrError {
    /// The DID does not follow the did:ethr ABNF (did:ethr spec §Method Specific Identifier).
    #[error("invalid did:ethr DID: {0}")]
    InvalidDid(String),
    /// The DID names a network this resolver has no configuration for.
    #[error("unknown did:ethr network {0:?}")]
    UnknownNetwork(String),
    /// A network configuration is unusable (bad URL, plain HTTP to a remote host).
    #[error("invalid network configuration: {0}")]
    InvalidConfig(String),
    /// The JSON-RPC endpoint did not answer in time.
    #[error("JSON-RPC {url}: no answer within {seconds} s")]
    RpcTimeout {
        /// The endpoint.
        url: String,
        /// The time limit.
        seconds: u64,
    },
    /// The request could not be sent or the endpoint answered with an HTTP error.
    #[error("JSON-RPC {url}: {reason}")]
    RpcTransport {
        /// The endpoint.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The answer is over the response size cap.
    #[error("JSON-RPC {url}: response over the {limit}-byte cap")]
    RpcTooLarge {
        /// The endpoint.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// The answer is not the JSON-RPC response expected (not JSON, missing ids,
    /// malformed hex, a log that does not decode).
    #[error("JSON-RPC: invalid response: {0}")]
    RpcInvalidResponse(String),
    /// The node answered with a JSON-RPC error object.
    #[error("JSON-RPC error {code} from {method}: {message}")]
    RpcError {
        /// The method called.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message (for reverts, the revert reason when the node gives it).
        message: String,
    },
    /// The event history does not hang together: a `changed`/`previousChange` pointer
    /// names a block with no event of the identity, pointers do not go back in time, or
    /// logs and block disagree on the block hash. The usual cause is a chain
    /// reorganization while resolving; a lying RPC endpoint is the other.
    #[error("inconsistent did:ethr history at block {block}: {reason}")]
    InconsistentHistory {
        /// The block where the inconsistency was found.
        block: u64,
        /// What is inconsistent.
        reason: String,
    },
    /// The identity has more events than the resolver walks (did:ethr spec §Security
    /// Considerations, Denial of Service and Amplification).
    #[error("the did:ethr history has more than {limit} events")]
    HistoryTooLong {
        /// The bound.
        limit: usize,
    },
    /// `versionId`/`versionTime` are malformed or both given (did:ethr spec §versionTime).
    #[error("invalid resolution options: {0}")]
    InvalidOptions(String),
    /// The version asked for does not exist yet (a block beyond the confirmed head).
    #[error("no such version: {0}")]
    VersionNotFound(String),
    /// A key cannot be used for a write (not secp256k1).
    #[error("key: {0}")]
    Key(String),
    /// An attribute or delegate type does not fit the registry's `bytes32`.
    #[error("invalid registry argument: {0}")]
    InvalidArgument(String),
    /// The transaction was mined and reverted (e.g. the sender is not the owner).
    #[error("transaction {tx} reverted in block {block}")]
    TxReverted {
        /// The transaction hash.
        tx: String,
        /// The block it was mined in.
        block: u64,
    },
    /// The node refused the transaction before mining it (gas estimation reverted,
    /// nonce too low, insufficient funds).
    #[error("transaction refused: {0}")]
    TxRefused(String),
    /// No receipt arrived in time.
    #[error("transaction {tx}: no receipt within {seconds} s")]
    TxTimeout {
        /// The transaction hash.
        tx: String,
        /// The time waited.
        seconds: u64,
    },
}

impl EthrError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidDid(_) => "ethr_invalid_did",
            Self::UnknownNetwork(_) => "ethr_unknown_network",
            Self::InvalidConfig(_) => "ethr_invalid_config",
            Self::RpcTimeout { .. } => "ethr_rpc_timeout",
            Self::RpcTransport { .. } => "ethr_rpc_unavailable",
            Self::RpcTooLarge { .. } => "ethr_rpc_response_too_large",
            Self::RpcInvalidResponse(_) => "ethr_rpc_invalid_response",
            Self::RpcError { .. } => "ethr_rpc_error",
            Self::InconsistentHistory { .. } => "ethr_inconsistent_history",
            Self::HistoryTooLong { .. } => "ethr_history_too_long",
            Self::InvalidOptions(_) => "ethr_invalid_options",
            Self::VersionNotFound(_) => "ethr_version_not_found",
            Self::Key(_) => "ethr_key",
            Self::InvalidArgument(_) => "ethr_invalid_argument",
            Self::TxReverted { .. } => "ethr_tx_reverted",
            Self::TxRefused(_) => "ethr_tx_refused",
            Self::TxTimeout { .. } => "ethr_tx_timeout",
        }
    }

    /// The DID Resolution error name. `unknownNetwork` is the name the did:ethr
    /// reference resolver uses; RPC and history failures are `internalError`.
    pub fn resolution_error(&self) -> &'static str {
        match self {
            Self::InvalidDid(_) => "invalidDid",
            Self::UnknownNetwork(_) => "unknownNetwork",
            Self::InvalidOptions(_) => "invalidOptions",
            Self::VersionNotFound(_) => "notFound",
            Self::Key(_) => "invalidPublicKey",
            _ => "internalError",
        }
    }
}
