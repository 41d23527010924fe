//! The wallet's HTTP seam: GET a Request Object (OpenID4VP §5.10, RFC 9101 §5.2), POST
//! an Authorization Response (§8.2). [`ReqwestClient`] is the implementation: HTTPS
//! only unless told otherwise, a time limit, a body cap, no redirects followed (§14.8:
//! "The Wallet SHOULD NOT follow HTTP redirects"), and no private or loopback
//! addresses (SSRF: the URLs come from the verifier) unless allowed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use super::Error;

/// An HTTP response: status, content type and body (already capped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// How the wallet talks HTTP. Implement it to route through a platform client, a
/// proxy, or a test double.
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// `GET url` with `Accept: accept`.
    async fn get(&self, url: &Url, accept: &str) -> Result<HttpResponse, Error>;
    /// `POST url` with an `application/x-www-form-urlencoded` body of `form`.
    async fn post_form(&self, url: &Url, form: &[(String, String)]) -> Result<HttpResponse, Error>;
}

/// Settings of a [`ReqwestClient`].
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Allow `http://` URLs (development and loopback tests only).
    pub allow_http: bool,
    /// Allow loopback and private-network addresses.
    pub allow_private_addresses: bool,
    /// Time limit of one exchange.
    pub timeout: Duration,
    /// Largest response body read.
    pub max_body: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private_addresses: false,
            timeout: Duration::from_secs(10),
            max_body: super::MAX_REQUEST_OBJECT_LEN,
        }
    }
}

/// DNS answers filtered to public addresses unless private ones are allowed.
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
                .filter(|a| allow_private || kith_did::fetch::is_public_address(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no allowed address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// [`HttpClient`] over reqwest with rustls.
#[derive(Debug, Clone)]
pub struct ReqwestClient {
    client: reqwest::Client,
    config: Arc<HttpConfig>,
}

impl ReqwestClient {
    /// A client with `config`.
    pub fn new(config: HttpConfig) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Http(format!("TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .no_proxy()
            .dns_resolver(GuardedDns {
                allow_private: config.allow_private_addresses,
            })
            .user_agent(concat!("kith-wallet/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Http(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            config: Arc::new(config),
        })
    }

    fn check_url(&self, url: &Url) -> Result<(), Error> {
        match url.scheme() {
            "https" => {}
            "http" if self.config.allow_http => {}
            other => {
                return Err(Error::Http(format!(
                    "{url}: the scheme {other:?} is not allowed"
                )));
            }
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(Error::Http(format!("{url} has no host"))),
        };
        if let Some(ip) = literal
            && !self.config.allow_private_addresses
            && !kith_did::fetch::is_public_address(ip)
        {
            return Err(Error::Http(format!("{url}: {ip} is not a public address")));
        }
        Ok(())
    }

    async fn read(
        &self,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<HttpResponse, Error> {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Error::Http(format!("{url}: {e}")))?
        {
            if body.len() + chunk.len() > self.config.max_body {
                return Err(super::too_large(
                    "the HTTP response body",
                    body.len() + chunk.len(),
                    self.config.max_body,
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            content_type,
            body,
        })
    }
}

#[async_trait]
impl HttpClient for ReqwestClient {
    async fn get(&self, url: &Url, accept: &str) -> Result<HttpResponse, Error> {
        self.check_url(url)?;
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(|e| Error::Http(format!("GET {url}: {e}")))?;
        self.read(url, response).await
    }

    async fn post_form(&self, url: &Url, form: &[(String, String)]) -> Result<HttpResponse, Error> {
        self.check_url(url)?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .client
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| Error::Http(format!("POST {url}: {e}")))?;
        self.read(url, response).await
    }
}
