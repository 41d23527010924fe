//! The DID Resolution contract: the [`Resolver`] trait and the resolution result
//! (DID Core §7.1, W3C DID Resolution).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use kith_crypto::PublicKey;

use crate::{Did, DidUrl, Document, Error, Relationship, VerificationMethod};

/// Media type of the JSON representation (DID Core §6.2.1).
pub const MEDIA_TYPE_DID_JSON: &str = "application/did+json";
/// Media type of the JSON-LD representation (DID Core §6.3.1).
pub const MEDIA_TYPE_DID_LD_JSON: &str = "application/did+ld+json";

/// Input metadata of a resolution (DID Core §7.1.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionOptions {
    /// The media type the caller wants; `application/did+json` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<String>,
    /// A specific version, for methods that keep history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The version valid at this time, for methods that keep history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_time: Option<String>,
    /// Other options.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Metadata about the document (DID Core §7.1.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentMetadata {
    /// When the DID was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the document was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Whether the DID has been deactivated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    /// The version of the document returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The next version, when an older one was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_version_id: Option<String>,
    /// Other metadata.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A successful resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The DID document.
    pub document: Document,
    /// Its metadata.
    pub document_metadata: DocumentMetadata,
}

/// A verification method found by dereferencing its DID URL.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodLookup {
    /// The method as its controller document states it.
    pub method: VerificationMethod,
    /// Its public key, when the resolver already decoded it (did:key); otherwise
    /// decode it from `method` with [`VerificationMethod::public_key`].
    pub key: Option<PublicKey>,
    /// Whether the relationship asked about lists the method.
    pub authorized: bool,
}

/// Resolves DIDs of one or more methods.
#[async_trait]
pub trait Resolver: Send + Sync {
    /// Resolves `did` to its document. Errors carry the DID Resolution error name
    /// through [`Error::resolution_error`].
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, Error>;

    /// Dereferences the verification method `url` (DID Core §7.2) and says whether
    /// `relationship` authorizes it: what a verifier needs to check one proof.
    /// `Ok(None)` when the document has no such method.
    ///
    /// The default resolves the whole document. Methods whose documents are a pure
    /// function of the DID (did:key) answer without building parts nobody asked for.
    async fn lookup_method(
        &self,
        url: &DidUrl,
        relationship: Relationship,
    ) -> Result<Option<MethodLookup>, Error> {
        let resolution = self
            .resolve(url.did(), &ResolutionOptions::default())
            .await?;
        lookup_in_document(&resolution.document, url, relationship)
    }

    /// [`Resolver::lookup_method`] in the document as `options` select it: a verifier
    /// passes a proof's time as `version_time` to check the proof against the document
    /// in effect when it was made (after a key rotation, the old key is still there).
    ///
    /// With no version options this is [`Resolver::lookup_method`]. With only
    /// `version_time`, methods without history (did:key, did:jwk, did:web) ignore it;
    /// for the others the current document is resolved first (cacheable) and used
    /// when it reports no `updated` time or was last updated at or before
    /// `version_time`; otherwise the version in effect at that time is resolved.
    async fn lookup_method_with(
        &self,
        url: &DidUrl,
        relationship: Relationship,
        options: &ResolutionOptions,
    ) -> Result<Option<MethodLookup>, Error> {
        if options.version_id.is_none() && options.extra.is_empty() {
            let Some(time) = options.version_time.as_deref() else {
                return self.lookup_method(url, relationship).await;
            };
            if METHODS_WITHOUT_HISTORY.contains(&url.did().method()) {
                return self.lookup_method(url, relationship).await;
            }
            let current = self
                .resolve(url.did(), &ResolutionOptions::default())
                .await?;
            if current_is_in_effect_at(&current.document_metadata, time) {
                return lookup_in_document(&current.document, url, relationship);
            }
        }
        let resolution = self.resolve(url.did(), options).await?;
        lookup_in_document(&resolution.document, url, relationship)
    }
}

/// DID methods whose documents have no versions (a pure function of the DID, or
/// whatever the web server answers now): version options are ignored for them.
const METHODS_WITHOUT_HISTORY: &[&str] = &["key", "jwk", "web"];

/// Whether the current document (with `metadata`) is the one in effect at `time`: it
/// reports no `updated` time (the method keeps no versions), or was updated at or
/// before `time`. Unparseable times answer `false`, so the version is asked for.
fn current_is_in_effect_at(metadata: &DocumentMetadata, time: &str) -> bool {
    use time::{OffsetDateTime, format_description::well_known::Rfc3339};
    let Some(updated) = metadata.updated.as_deref() else {
        return true;
    };
    match (
        OffsetDateTime::parse(updated, &Rfc3339),
        OffsetDateTime::parse(time, &Rfc3339),
    ) {
        (Ok(updated), Ok(time)) => updated <= time,
        _ => false,
    }
}

/// [`Resolver::lookup_method`] within an already resolved document.
pub fn lookup_in_document(
    document: &Document,
    url: &DidUrl,
    relationship: Relationship,
) -> Result<Option<MethodLookup>, Error> {
    let Some(method) = document.find_method(url) else {
        return Ok(None);
    };
    Ok(Some(MethodLookup {
        key: None,
        method: method.clone(),
        authorized: document.authorizes(url, relationship),
    }))
}

/// Output metadata of a resolution (DID Core §7.1.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionMetadata {
    /// The media type of the returned representation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The error name, such as `invalidDid` or `notFound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A sentence that names what was wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Other metadata.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The DID Resolution result, as the CLI prints it and an HTTP resolver returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionResult {
    /// The document, absent on error.
    pub did_document: Option<Value>,
    /// How the resolution went.
    pub did_resolution_metadata: ResolutionMetadata,
    /// Metadata about the document.
    pub did_document_metadata: DocumentMetadata,
}

impl ResolutionResult {
    /// Whether resolution succeeded.
    pub fn is_ok(&self) -> bool {
        self.did_resolution_metadata.error.is_none()
    }

    /// The result of a failed resolution.
    pub fn from_error(err: &Error) -> Self {
        Self {
            did_document: None,
            did_resolution_metadata: ResolutionMetadata {
                error: Some(err.resolution_error().to_owned()),
                error_message: Some(err.to_string()),
                ..ResolutionMetadata::default()
            },
            did_document_metadata: DocumentMetadata::default(),
        }
    }

    /// Builds the result in the representation `options.accept` asks for (DID Core §6).
    ///
    /// With no `accept`, a document with `@context` is returned as JSON-LD and one
    /// without as JSON. `application/did+json` drops `@context`;
    /// `application/did+ld+json` requires it.
    pub fn from_resolution(resolution: Resolution, options: &ResolutionOptions) -> Self {
        let mut document = resolution.document;
        let content_type = match options.accept.as_deref() {
            None | Some("*/*") if document.context.is_some() => MEDIA_TYPE_DID_LD_JSON,
            None | Some("*/*") => MEDIA_TYPE_DID_JSON,
            Some(MEDIA_TYPE_DID_JSON | "application/json") => {
                document.context = None;
                MEDIA_TYPE_DID_JSON
            }
            Some(MEDIA_TYPE_DID_LD_JSON) if document.context.is_some() => MEDIA_TYPE_DID_LD_JSON,
            Some(other) => {
                return Self::from_error(&Error::RepresentationNotSupported(other.to_owned()));
            }
        };
        Self {
            did_document: Some(document.to_json()),
            did_resolution_metadata: ResolutionMetadata {
                content_type: Some(content_type.to_owned()),
                ..ResolutionMetadata::default()
            },
            did_document_metadata: resolution.document_metadata,
        }
    }
}

/// Parses `did` and resolves it, always returning a resolution result.
pub async fn resolve_to_result(
    resolver: &dyn Resolver,
    did: &str,
    options: &ResolutionOptions,
) -> ResolutionResult {
    let parsed = match Did::parse(did) {
        Ok(parsed) => parsed,
        Err(e) => return ResolutionResult::from_error(&e),
    };
    match resolver.resolve(&parsed, options).await {
        Ok(resolution) => ResolutionResult::from_resolution(resolution, options),
        Err(e) => ResolutionResult::from_error(&e),
    }
}
