//! The one error type of kith-ld.

/// What can go wrong expanding, deserializing or canonicalizing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A term, property or type that expands to no absolute IRI (safe mode).
    #[error("undefined term: {0}")]
    UndefinedTerm(String),
    /// A remote context no loader serves. Kith never fetches contexts.
    #[error("unknown context {0:?}: only bundled contexts are served")]
    UnknownContext(String),
    /// Any other JSON-LD error; `jsonld_code` is the JSON-LD 1.1 API error code.
    #[error("invalid JSON-LD ({jsonld_code}): {detail}")]
    InvalidJsonLd {
        /// The JSON-LD API error code (`invalid @id value`, ...).
        jsonld_code: String,
        /// The processor's message.
        detail: String,
    },
    /// RDFC-1.0 ran out of its work bound (a poison graph).
    #[error("RDF canonicalization exceeded its work bound")]
    CanonicalizationTooComplex,
    /// N-Quads that do not parse.
    #[error("invalid N-Quads: {0}")]
    InvalidNQuads(String),
    /// Input or output over a size limit.
    #[error("{what} is over the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// JSON nested deeper than [`crate::MAX_DEPTH`].
    #[error("JSON nested deeper than {0}")]
    TooDeep(usize),
    /// A key or string whose percent-encoded octets are not UTF-8, or a context string
    /// ending in an incomplete `%` escape. IRIs encode text as UTF-8 octets (RFC 3987
    /// §3.1); Kith refuses such strings before they could become IRIs.
    #[error("{text:?}: {reason}")]
    InvalidPercentEncoding {
        /// The string, cut to 64 characters.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The JSON-LD processor failed unexpectedly (a bug, reported instead of a panic).
    #[error("JSON-LD processor failure: {0}")]
    Internal(String),
}

impl Error {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UndefinedTerm(_) => "undefined_term",
            Self::UnknownContext(_) => "unknown_context",
            Self::InvalidJsonLd { .. } => "invalid_jsonld",
            Self::CanonicalizationTooComplex => "canonicalization_too_complex",
            Self::InvalidNQuads(_) => "invalid_nquads",
            Self::TooLarge { .. } => "too_large",
            Self::TooDeep(_) => "too_deep",
            Self::InvalidPercentEncoding { .. } => "invalid_percent_encoding",
            Self::Internal(_) => "internal",
        }
    }
}
