//! The one error type of kith-did, with the DID Resolution error names.

/// What can go wrong parsing, resolving or dereferencing a DID.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The DID does not follow the DID Core ABNF (DID Core §3.1).
    #[error("invalid DID: {0}")]
    InvalidDid(String),
    /// The DID URL does not follow the DID Core ABNF (DID Core §3.2).
    #[error("invalid DID URL: {0}")]
    InvalidDidUrl(String),
    /// Input over a size limit checked before parsing.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// No DID document exists for the DID, or the DID URL names nothing in it.
    #[error("not found: {0}")]
    NotFound(String),
    /// The resolver does not implement this DID method.
    #[error("DID method {0:?} is not supported")]
    MethodNotSupported(String),
    /// The requested representation (media type) cannot be produced.
    #[error("representation {0:?} is not supported")]
    RepresentationNotSupported(String),
    /// A DID document is malformed, or is not the document of the DID resolved.
    #[error("invalid DID document: {0}")]
    InvalidDocument(String),
    /// The public key in a DID or verification method does not decode.
    #[error("invalid public key: {0}")]
    InvalidPublicKey(#[source] kith_crypto::Error),
    /// The public key has the wrong length for its type.
    #[error("invalid public key length: {0}")]
    InvalidPublicKeyLength(String),
    /// The key type (multicodec or JWK kty/crv) is not one Kith supports.
    #[error("invalid public key type: {0}")]
    InvalidPublicKeyType(String),
    /// A fetch was refused by policy before any request was sent (scheme, private address).
    #[error("refused to fetch {url}: {reason}")]
    FetchRefused {
        /// The URL that would have been fetched.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A fetch failed: connection, TLS, timeout, HTTP status, body limit.
    #[error("fetching {url} failed: {reason}")]
    Fetch {
        /// The URL fetched.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A did:webvh log failed verification, or a log operation was refused.
    #[error(transparent)]
    Webvh(#[from] crate::method::webvh::WebvhError),
    /// A did:ethr resolution or registry write failed.
    #[error(transparent)]
    Ethr(#[from] crate::method::ethr::EthrError),
}

impl Error {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidDid(_) => "invalid_did",
            Self::InvalidDidUrl(_) => "invalid_did_url",
            Self::TooLarge { .. } => "too_large",
            Self::NotFound(_) => "not_found",
            Self::MethodNotSupported(_) => "method_not_supported",
            Self::RepresentationNotSupported(_) => "representation_not_supported",
            Self::InvalidDocument(_) => "invalid_did_document",
            Self::InvalidPublicKey(_) => "invalid_public_key",
            Self::InvalidPublicKeyLength(_) => "invalid_public_key_length",
            Self::InvalidPublicKeyType(_) => "invalid_public_key_type",
            Self::FetchRefused { .. } => "fetch_refused",
            Self::Fetch { .. } => "fetch_failed",
            Self::Webvh(e) => e.code(),
            Self::Ethr(e) => e.code(),
        }
    }

    /// The error name of the DID Resolution `didResolutionMetadata.error` property
    /// (DID Core §7.1.2 and the DID Specification Registries).
    pub fn resolution_error(&self) -> &'static str {
        match self {
            Self::InvalidDid(_) => "invalidDid",
            Self::InvalidDidUrl(_) => "invalidDidUrl",
            Self::TooLarge { .. } => "invalidDid",
            Self::NotFound(_) => "notFound",
            Self::MethodNotSupported(_) => "methodNotSupported",
            Self::RepresentationNotSupported(_) => "representationNotSupported",
            Self::InvalidDocument(_) => "invalidDidDocument",
            Self::InvalidPublicKey(_) => "invalidPublicKey",
            Self::InvalidPublicKeyLength(_) => "invalidPublicKeyLength",
            Self::InvalidPublicKeyType(_) => "invalidPublicKeyType",
            Self::FetchRefused { .. } | Self::Fetch { .. } => "internalError",
            Self::Webvh(e) => e.resolution_error(),
            Self::Ethr(e) => e.resolution_error(),
        }
    }
}
