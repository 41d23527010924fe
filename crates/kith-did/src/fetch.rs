//! Bounded outbound HTTP: every fetch of an attacker-chosen URL (did:web documents,
//! credential schemas, related resources, status lists) goes through [`BoundedFetcher`].
//!
//! HTTPS only (rustls, Mozilla roots), a time limit, a body cap, at most
//! [`MAX_REDIRECTS`] redirects, each re-checked, and no loopback or private-network
//! addresses, whether named by an IP literal or reached through DNS (SSRF). Plain HTTP
//! and local addresses are for development and tests and must be switched on.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::Error;
use crate::document::MAX_DOCUMENT_LEN;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 3;
/// Default time limit for one fetch, connection to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a [`BoundedFetcher`] may reach the network.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Allow `http://` URLs (development only).
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

impl Default for FetchConfig {
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

/// An HTTP client that enforces a [`FetchConfig`].
#[derive(Debug, Clone)]
pub struct BoundedFetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
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
/// cannot point the fetcher at an internal service (SSRF).
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

fn check_url(url: &Url, config: &FetchConfig) -> Result<(), String> {
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

impl BoundedFetcher {
    /// A fetcher with the secure defaults.
    pub fn new_default() -> Result<Self, Error> {
        Self::new(FetchConfig::default())
    }

    /// A fetcher with explicit settings.
    pub fn new(config: FetchConfig) -> Result<Self, Error> {
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

    /// The settings this fetcher enforces.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url` and returns its body. `404`/`410` are [`Error::NotFound`]; a refused
    /// URL is [`Error::FetchRefused`] (nothing was sent); anything else that goes wrong
    /// is [`Error::Fetch`].
    pub async fn get(&self, url: &Url, accept: &str) -> Result<Vec<u8>, Error> {
        let url_text = url.to_string();
        check_url(url, &self.config).map_err(|reason| Error::FetchRefused {
            url: url_text.clone(),
            reason,
        })?;
        let fetch_err = |reason: String| Error::Fetch {
            url: url_text.clone(),
            reason,
        };
        let mut response = self
            .client
            .get(url.clone())
            .header("accept", accept)
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
        let max_body = self.config.max_body;
        if let Some(len) = response.content_length()
            && len > max_body as u64
        {
            return Err(fetch_err(format!(
                "body of {len} bytes is over the {max_body}-byte limit"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fetch_err(error_chain(&e)))?
        {
            if body.len() + chunk.len() > max_body {
                return Err(fetch_err(format!("body is over the {max_body}-byte limit")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn refused_urls_send_nothing() {
        let fetcher = BoundedFetcher::new_default().unwrap();
        for url in [
            "http://example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "ftp://example.com/x",
        ] {
            let err = fetcher
                .get(&Url::parse(url).unwrap(), "*/*")
                .await
                .unwrap_err();
            assert_eq!(err.code(), "fetch_refused", "{url}");
        }
    }
}
