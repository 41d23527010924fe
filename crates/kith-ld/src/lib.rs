//! JSON-LD 1.1 for Kith: expansion and deserialization to RDF with bundled contexts
//! only, and RDF Dataset Canonicalization (RDFC-1.0).
//!
//! - [`expand`] and [`to_rdf`] run the JSON-LD 1.1 Expansion and Deserialize JSON-LD
//!   to RDF algorithms (through the `json-ld` crate) in *safe mode*: a term or type that
//!   expands to no absolute IRI is [`Error::UndefinedTerm`] instead of being dropped,
//!   because a dropped claim is a claim no signature covers.
//! - Remote contexts come only from a [`ContextLoader`]; the default, [`BundledContexts`],
//!   serves the contexts Verifiable Credentials use, compiled in from the `ssi-contexts`
//!   crate. Any other URL is [`Error::UnknownContext`]. Nothing is ever fetched.
//!   [`expand`] and [`to_rdf`] (bundled contexts only) keep the active context each
//!   top-level `@context` makes, a bounded number of them, since processing the
//!   credentials v2 context costs more than the rest of a credential; a document
//!   without embedded contexts is expanded with only the cached terms it can reach.
//! - [`rdfc::canonicalize`] is RDFC-1.0 with a work bound
//!   ([`Error::CanonicalizationTooComplex`] on poison graphs).
//! - [`skolem`] names blank nodes so that a document and selections of it share labels
//!   (the selective-disclosure primitives of `bbs-2023`).
//! - [`canonical_nquads`] is the whole transformation of the `*-rdfc-*` Data Integrity
//!   cryptosuites: JSON-LD document → canonical N-Quads.
//!
//! ```
//! let credential = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "issuer": "did:example:issuer",
//!     "credentialSubject": {"id": "did:example:alice"}
//! });
//! let nquads = kith_ld::canonical_nquads(&credential)?;
//! assert!(nquads.contains("<did:example:issuer>"));
//! # Ok::<(), kith_ld::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod jsonld;
mod loader;
pub mod rdf;
pub mod rdfc;
pub mod skolem;

pub use error::Error;
pub use jsonld::{
    MAX_DEPTH, MAX_QUADS, Options, RdfDirection, expand, expand_with, to_rdf, to_rdf_with,
};
pub use loader::{BUNDLED, BundledContexts, ContextDocument, ContextLoader};
pub use rdf::{Literal, Quad, Term, parse_nquads, to_nquads};
pub use rdfc::{CanonOptions, Canonical, HashAlgorithm, canonicalize};

/// The `*-rdfc-*` transformation of `document`: expansion and deserialization to RDF
/// with the bundled contexts in safe mode, then RDFC-1.0 with SHA-256 and the default
/// work bound, serialized as canonical N-Quads.
pub fn canonical_nquads(document: &serde_json::Value) -> Result<String, Error> {
    let quads = to_rdf(document)?;
    Ok(canonicalize(&quads, &CanonOptions::default())?.nquads)
}

/// Whether `text` is an absolute IRI (RFC 3987 `IRI`), as the JSON-LD processor judges.
pub fn is_absolute_iri(text: &str) -> bool {
    json_ld::Iri::new(text).is_ok()
}

/// Entry points for the fuzz targets: bounded, and never panicking on any input.
#[doc(hidden)]
pub mod __fuzz {
    /// Expands and deserializes `bytes` (as JSON) to RDF with the bundled contexts,
    /// checks that the cached active contexts change nothing, canonicalizes the
    /// result, and checks that the canonical N-Quads parse back to the same quads.
    pub fn jsonld(bytes: &[u8]) {
        use crate::jsonld::Contexts;
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return;
        };
        let options = crate::Options::default();
        let plain = Contexts::Loader(&crate::BundledContexts);
        let expanded = crate::jsonld::expand_in(&value, plain, &options);
        let cached = crate::jsonld::expand_in(&value, Contexts::Bundled, &options);
        assert_eq!(cached, expanded, "expansion with a cached context");
        let rdf = crate::jsonld::to_rdf_in(&value, plain, &options);
        let cached = crate::jsonld::to_rdf_in(&value, Contexts::Bundled, &options);
        assert_eq!(cached, rdf, "toRdf with a cached context");
        if let Ok(quads) = rdf
            && let Ok(canonical) = crate::canonicalize(&quads, &crate::CanonOptions::default())
        {
            let reparsed = crate::parse_nquads(&canonical.nquads).expect("canonical N-Quads parse");
            assert_eq!(reparsed, canonical.quads, "N-Quads round trip");
        }
    }
}
