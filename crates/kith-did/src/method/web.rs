//! did:web (W3C CCG did:web Method): the document is fetched over HTTPS from the
//! domain the DID names.
//!
//! <https://w3c-ccg.github.io/did-method-web/>
//!
//! Resolution is an outbound fetch of an attacker-chosen URL, so it is bounded: HTTPS
//! only, a 5 s timeout, a 1 MiB body cap, at most 3 redirects, and no loopback or
//! private-network addresses. Plain HTTP and local addresses are for development and
//! tests, and must be switched on explicitly.

use std::net::IpAddr;

use async_trait::async_trait;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use url::Url;

use kith_crypto::PublicKey;

use crate::document::{DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1};
use crate::fetch::{BoundedFetcher, FetchConfig};
pub use crate::fetch::{DEFAULT_TIMEOUT, MAX_REDIRECTS, is_public_address};
use crate::{
    Did, Document, DocumentMetadata, Error, MethodRef, Relationship, Resolution, ResolutionOptions,
    Resolver, VerificationMethod,
};

/// The did:web DID for a domain (optionally with `:port`) and an optional path `a/b`.
///
/// > The method specific identifier MUST match the common name used in the SSL/TLS
/// > certificate, and it MUST NOT include IP addresses. A port MAY be included and the
/// > colon MUST be percent encoded.
///
/// <https://w3c-ccg.github.io/did-method-web/#method-specific-identifier>
pub fn did_for(domain: &str, path: Option<&str>) -> Result<Did, Error> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => {
            let port: u16 = port
                .parse()
                .map_err(|_| Error::InvalidDid(format!("port {port:?} is not a number")))?;
            (host, Some(port))
        }
        None => (domain, None),
    };
    check_host(host)?;
    let mut text = format!("did:web:{}", host.to_ascii_lowercase());
    if let Some(port) = port {
        text.push_str(&format!("%3A{port}"));
    }
    for segment in path.unwrap_or("").split('/').filter(|s| !s.is_empty()) {
        let dots_only = segment.chars().all(|c| c == '.');
        if dots_only
            || !segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(Error::InvalidDid(format!(
                "path segment {segment:?} may hold only letters, digits, '.', '-' and '_', and not only dots"
            )));
        }
        text.push(':');
        text.push_str(segment);
    }
    Did::parse(&text)
}

fn check_host(host: &str) -> Result<(), Error> {
    if host.parse::<IpAddr>().is_ok() || host.starts_with('[') {
        return Err(Error::InvalidDid(format!(
            "did:web must name a domain, not the IP address {host}"
        )));
    }
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if host.is_empty() || host.len() > 253 || !host.split('.').all(valid_label) {
        return Err(Error::InvalidDid(format!(
            "{host:?} is not a valid domain name"
        )));
    }
    // URL parsing reads hosts such as "0", "127.1" or "0x7f.1" as IPv4 addresses.
    if !matches!(url::Host::parse(host), Ok(url::Host::Domain(_))) {
        return Err(Error::InvalidDid(format!(
            "did:web must name a domain, not the IP address {host}"
        )));
    }
    Ok(())
}

/// Characters escaped in a path segment of the document URL: all but RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URL of the document of a did:web DID.
///
/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:example.com%3A8443:user:alice` → `https://example.com:8443/user/alice/did.json`.
pub fn document_url(did: &Did, scheme: &str) -> Result<Url, Error> {
    if did.method() != "web" {
        return Err(Error::MethodNotSupported(did.method().to_owned()));
    }
    let mut segments = did.method_specific_id().split(':');
    let domain_encoded = segments.next().unwrap_or_default();
    let domain = percent_decode_str(domain_encoded)
        .decode_utf8()
        .map_err(|_| Error::InvalidDid("the domain is not UTF-8".into()))?;
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain.as_ref(), None),
    };
    check_host(host)?;
    let mut text = format!("{scheme}://{host}");
    if let Some(port) = port {
        let port: u16 = port
            .parse()
            .map_err(|_| Error::InvalidDid(format!("port {port:?} is not a number")))?;
        text.push_str(&format!(":{port}"));
    }
    let path = segments
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| Error::InvalidDid(format!("path segment {s:?} is not UTF-8")))
        })
        .collect::<Result<Vec<String>, Error>>()?;
    if path.is_empty() {
        text.push_str("/.well-known/did.json");
    } else {
        for segment in &path {
            if segment.is_empty() || segment == "." || segment == ".." || segment.contains('/') {
                return Err(Error::InvalidDid(format!(
                    "path segment {segment:?} is not allowed"
                )));
            }
            text.push('/');
            // Escaped again, so a decoded '?', '#' or backslash stays in the path.
            text.extend(utf8_percent_encode(segment, PATH_SEGMENT));
        }
        text.push_str("/did.json");
    }
    Url::parse(&text).map_err(|e| Error::InvalidDid(format!("cannot form a URL: {e}")))
}

/// A did:web document for `did` with one Multikey method `#key-1` for each relationship
/// the key type supports. This is the `did.json` to host.
pub fn document_for_key(did: &Did, key: &PublicKey) -> Document {
    let mut doc = Document::new(did.clone());
    doc.context = Some(serde_json::json!([DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1]));
    let vm_id = format!("{did}#key-1");
    doc.verification_method.push(VerificationMethod::multikey(
        vm_id.clone(),
        did,
        &key.clone(),
    ));
    let kt = key.key_type();
    for rel in [
        Relationship::Authentication,
        Relationship::AssertionMethod,
        Relationship::CapabilityInvocation,
        Relationship::CapabilityDelegation,
    ] {
        if kt.can_sign() {
            doc.relationship_mut(rel)
                .push(MethodRef::Reference(vm_id.clone()));
        }
    }
    if kt.can_agree() {
        doc.key_agreement.push(MethodRef::Reference(vm_id));
    }
    doc
}

/// How a [`WebMethod`] may reach the network: the bounded-fetch settings.
pub type WebConfig = FetchConfig;

/// Resolves did:web DIDs over HTTPS.
#[derive(Debug, Clone)]
pub struct WebMethod {
    fetcher: BoundedFetcher,
}

impl WebMethod {
    /// A resolver with the secure defaults.
    pub fn new() -> Result<Self, Error> {
        Self::with_config(WebConfig::default())
    }

    /// A resolver with explicit network settings.
    pub fn with_config(config: WebConfig) -> Result<Self, Error> {
        Ok(Self {
            fetcher: BoundedFetcher::new(config)?,
        })
    }

    /// Fetches and validates the document of `did`.
    pub async fn fetch(&self, did: &Did) -> Result<Document, Error> {
        let scheme = if self.fetcher.config().allow_http {
            "http"
        } else {
            "https"
        };
        let url = document_url(did, scheme)?;
        let body = self
            .fetcher
            .get(&url, "application/did+json, application/json")
            .await?;
        let document = Document::from_json(&body)?;
        // > ... the DID document id MUST match the DID being resolved.
        // <https://w3c-ccg.github.io/did-method-web/#read-resolve>
        if document.id != *did {
            return Err(Error::InvalidDocument(format!(
                "{url} serves the document of {}, not {did}",
                document.id
            )));
        }
        Ok(document)
    }
}

#[async_trait]
impl Resolver for WebMethod {
    async fn resolve(&self, did: &Did, _options: &ResolutionOptions) -> Result<Resolution, Error> {
        Ok(Resolution {
            document: self.fetch(did).await?,
            document_metadata: DocumentMetadata::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples_map_to_urls() {
        let cases = [
            (
                "did:web:w3c-ccg.github.io",
                "https://w3c-ccg.github.io/.well-known/did.json",
            ),
            (
                "did:web:w3c-ccg.github.io:user:alice",
                "https://w3c-ccg.github.io/user/alice/did.json",
            ),
            (
                "did:web:example.com%3A3000:user:alice",
                "https://example.com:3000/user/alice/did.json",
            ),
        ];
        for (did, url) in cases {
            assert_eq!(
                document_url(&Did::parse(did).unwrap(), "https")
                    .unwrap()
                    .as_str(),
                url
            );
        }
    }

    #[test]
    fn did_for_encodes_port_and_path() {
        assert_eq!(
            did_for("Example.com:8443", Some("user/alice"))
                .unwrap()
                .as_str(),
            "did:web:example.com%3A8443:user:alice"
        );
        assert_eq!(
            did_for("127.0.0.1", None).unwrap_err().code(),
            "invalid_did"
        );
        assert_eq!(
            did_for("exa mple.com", None).unwrap_err().code(),
            "invalid_did"
        );
        assert_eq!(
            did_for("example.com", Some("a/../b")).unwrap_err().code(),
            "invalid_did"
        );
    }

    #[test]
    fn traversal_and_ip_literals_are_refused() {
        for did in [
            "did:web:example.com:%2E%2E:x",
            "did:web:127.0.0.1",
            "did:web:example.com:a%2Fb",
        ] {
            let err = document_url(&Did::parse(did).unwrap(), "https").unwrap_err();
            assert_eq!(err.code(), "invalid_did", "{did}");
        }
    }
}
