//! Decentralized identifiers for Kith: syntax, documents, resolution and methods.
//!
//! [`Did`] and [`DidUrl`] parse strictly by the DID Core ABNF. A [`Document`] is the
//! DID Core data model with Multikey and JsonWebKey verification methods, keeping
//! unknown properties. A [`Resolver`] turns a DID into a [`Resolution`]; the methods
//! live in [`method`] (did:key, did:jwk, did:web, did:webvh, did:ethr), [`MethodResolver`] dispatches on
//! the method name and [`CachingResolver`] keeps results for a TTL.
//! [`dereference`] follows a DID URL to a verification method or service.
//!
//! ```
//! use kith_did::{Did, DidUrl, Relationship, Resolver, ResolutionOptions, method::key::KeyMethod};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let did = Did::parse("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")?;
//! let resolution = KeyMethod.resolve(&did, &ResolutionOptions::default()).await?;
//! let vm = DidUrl::parse(&format!("{did}#{}", did.method_specific_id()))?;
//! assert!(resolution.document.authorizes(&vm, Relationship::AssertionMethod));
//! # Ok::<(), kith_did::Error>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod dereference;
mod dispatch;
mod document;
mod error;
pub mod fetch;
pub mod method;
mod resolution;
mod syntax;

pub use cache::{CacheConfig, CachingResolver};
pub use dereference::{Dereferenced, dereference, select};
pub use dispatch::MethodResolver;
pub use document::{
    DID_CONTEXT_V1, Document, JWS_2020_CONTEXT_V1, MAX_DOCUMENT_LEN, MULTIKEY_CONTEXT_V1,
    MethodRef, OneOrMany, Relationship, Service, VerificationMethod,
};
pub use error::Error;
pub use resolution::{
    DocumentMetadata, MEDIA_TYPE_DID_JSON, MEDIA_TYPE_DID_LD_JSON, MethodLookup, Resolution,
    ResolutionMetadata, ResolutionOptions, ResolutionResult, Resolver, lookup_in_document,
    resolve_to_result,
};
pub use syntax::{Did, DidUrl, MAX_DID_URL_LEN};

/// Entry points for the cargo-fuzz targets in `fuzz/`: bounded, never panic, and
/// check that what parses serializes to something that parses to the same value.
#[doc(hidden)]
pub mod __fuzz {
    use crate::{Did, DidUrl, Document};

    /// DID parse → display → parse is the identity.
    pub fn did(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(did) = Did::parse(text) {
            assert_eq!(Did::parse(did.as_str()).expect("re-parse"), did);
            let _ = crate::method::key::document(&did);
            let _ = crate::method::jwk::document(&did);
            let _ = crate::method::web::document_url(&did, "https");
        }
    }

    /// DID URL parse → display → parse is the identity.
    pub fn did_url(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(url) = DidUrl::parse(text) {
            let again = DidUrl::parse(url.as_str()).expect("re-parse");
            assert_eq!(again, url);
            assert_eq!(again.fragment(), url.fragment());
        }
    }

    /// DID document JSON → document → JSON → document is stable.
    pub fn document(data: &[u8]) {
        if let Ok(doc) = Document::from_json(data) {
            let json = serde_json::to_vec(&doc).expect("serialize");
            let again = Document::from_json(&json).expect("re-parse");
            assert_eq!(again, doc);
            for vm in &doc.verification_method {
                let _ = vm.public_key();
            }
        }
    }
}
