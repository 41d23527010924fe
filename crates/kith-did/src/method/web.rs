//! did:web (W3C CCG did:web Method): the document is fetched over HTTPS from the
//! domain the DID names.
//!
//! <https://w3c-ccg.github.io/did-method-web/>
//!
//! Resolution is an outbound fetch of an attacker-chosen URL, so it is bounded: HTTPS
//! only, a 5 s timeout, a 1 MiB body cap, at most 3 redirects, and no loopback or
//! private-network addresses. Plain HTTP and local addresses are for development and
//! tests, and must be switched on explicitly.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use url::Url;

use kith_crypto::PublicKey;

use crate::document::{DID_CONTEXT_V1, MAX_DOCUMENT_LEN, MULTIKEY_CONTEXT_V1};
use crate::{
    Did, Document, DocumentMetadata, Error, MethodRef, Relationship, Resolution, ResolutionOptions,
    Resolver, VerificationMethod,
};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 3;
/// Default time limit for one resolution, connection to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

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

/// How a [`WebMethod`] may reach the network.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Use `http://` instead of `https://` (development only).
    pub allow_http: bool,
    /// Allow loopback, private, link-local and other non-public addresses.
    pub allow_private_addresses: bool,
    /// Time limit for one fetch.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_body: usize,
    /// Extra trusted root certificates (DER), e.g. a test CA.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private_addresses: false,
            timeout: DEFAULT_TIMEOUT,
            max_body: MAX_DOCUMENT_LEN,
            extra_roots: Vec::new(),
        }
    }
}

/// Resolves did:web DIDs over HTTPS.
#[derive(Debug, Clone)]
pub struct WebMethod {
    client: reqwest::Client,
    config: Arc<WebConfig>,
}

/// Whether an address is on the public internet. Loopback, private, link-local,
/// unique-local, CGNAT, documentation, multicast and unspecified ranges are not.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// DNS resolution that drops non-public addresses unless allowed, so a hostname
/// cannot point the resolver at an internal service (SSRF).
struct GuardedDns {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public_address(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn check_url(url: &Url, config: &WebConfig) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if config.allow_http => {}
        other => return Err(format!("scheme {other:?} is not allowed")),
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err("the URL has no host".into()),
    };
    if let Some(ip) = literal
        && !config.allow_private_addresses
        && !is_public_address(ip)
    {
        return Err(format!("{ip} is not a public address"));
    }
    Ok(())
}

impl WebMethod {
    /// A resolver with the secure defaults.
    pub fn new() -> Result<Self, Error> {
        Self::with_config(WebConfig::default())
    }

    /// A resolver with explicit network settings.
    pub fn with_config(config: WebConfig) -> Result<Self, Error> {
        let config = Arc::new(config);
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for der in &config.extra_roots {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| Error::Fetch {
                    url: String::new(),
                    reason: format!("extra root certificate: {e}"),
                })?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Fetch {
                url: String::new(),
                reason: format!("TLS configuration: {e}"),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let redirect_config = config.clone();
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            match check_url(attempt.url(), &redirect_config) {
                Ok(()) => attempt.follow(),
                Err(reason) => attempt.error(format!("redirect refused: {reason}")),
            }
        });
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(redirect)
            .timeout(config.timeout)
            .no_proxy()
            .dns_resolver(GuardedDns {
                allow_private: config.allow_private_addresses,
            })
            .user_agent(concat!("kith/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Fetch {
                url: String::new(),
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(Self { client, config })
    }

    /// Fetches and validates the document of `did`.
    pub async fn fetch(&self, did: &Did) -> Result<Document, Error> {
        let scheme = if self.config.allow_http {
            "http"
        } else {
            "https"
        };
        let url = document_url(did, scheme)?;
        let url_text = url.to_string();
        check_url(&url, &self.config).map_err(|reason| Error::FetchRefused {
            url: url_text.clone(),
            reason,
        })?;
        let fetch_err = |reason: String| Error::Fetch {
            url: url_text.clone(),
            reason,
        };
        let mut response = self
            .client
            .get(url)
            .header("accept", "application/did+json, application/json")
            .send()
            .await
            .map_err(|e| fetch_err(error_chain(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Err(Error::NotFound(format!("{url_text} answered {status}")));
        }
        if !status.is_success() {
            return Err(fetch_err(format!("HTTP status {status}")));
        }
        if let Some(len) = response.content_length()
            && len > self.config.max_body as u64
        {
            return Err(fetch_err(format!(
                "body of {len} bytes is over the {}-byte limit",
                self.config.max_body
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fetch_err(error_chain(&e)))?
        {
            if body.len() + chunk.len() > self.config.max_body {
                return Err(fetch_err(format!(
                    "body is over the {}-byte limit",
                    self.config.max_body
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let document = Document::from_json(&body)?;
        // > ... the DID document id MUST match the DID being resolved.
        // <https://w3c-ccg.github.io/did-method-web/#read-resolve>
        if document.id != *did {
            return Err(Error::InvalidDocument(format!(
                "{url_text} serves the document of {}, not {did}",
                document.id
            )));
        }
        Ok(document)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
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

    #[test]
    fn address_classes() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public_address(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
    }
}
