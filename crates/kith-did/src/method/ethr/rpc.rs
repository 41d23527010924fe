//! A small Ethereum JSON-RPC 2.0 client over HTTP(S): single calls and batches
//! (JSON-RPC 2.0 §6), with a time limit and a response size cap. Every way an
//! endpoint can misbehave (hang, HTTP error, junk, an oversized body, a batch answer
//! with missing or duplicated ids) is an [`EthrError`], never a panic.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use url::Url;

use super::EthrError;

/// Default time limit for one JSON-RPC round trip.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(10);
/// Default response size cap.
pub const DEFAULT_MAX_RESPONSE: usize = 8 * 1024 * 1024;

/// A JSON-RPC client for one endpoint.
#[derive(Clone)]
pub struct RpcClient {
    client: reqwest::Client,
    url: Url,
    timeout: Duration,
    max_response: usize,
    next_id: Arc<AtomicU64>,
}

impl std::fmt::Debug for RpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry an API key in its path or query: print the origin only.
        write!(f, "RpcClient({})", self.url.origin().ascii_serialization())
    }
}

/// Whether `url` may be used: HTTPS anywhere, plain HTTP only to a loopback host
/// unless `allow_http` (DESIGN.md: plain HTTP only on loopback unless forced).
pub fn check_rpc_url(url: &Url, allow_http: bool) -> Result<(), EthrError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback || allow_http {
                Ok(())
            } else {
                Err(EthrError::InvalidConfig(format!(
                    "plain HTTP to the non-loopback RPC host of {} needs allow_http",
                    url.origin().ascii_serialization()
                )))
            }
        }
        other => Err(EthrError::InvalidConfig(format!(
            "RPC URL scheme {other:?} is not http or https"
        ))),
    }
}

impl RpcClient {
    /// A client for `url` with a time limit per round trip and a response cap.
    pub fn new(
        url: Url,
        timeout: Duration,
        max_response: usize,
        allow_http: bool,
    ) -> Result<Self, EthrError> {
        check_rpc_url(&url, allow_http)?;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| EthrError::InvalidConfig(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            // An RPC endpoint has no business redirecting a POST.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .no_proxy()
            .user_agent(concat!("kith/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EthrError::InvalidConfig(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            url,
            timeout,
            max_response,
            next_id: Arc::new(AtomicU64::new(1)),
        })
    }

    fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    async fn post(&self, body: &Value) -> Result<Value, EthrError> {
        let url = self.origin();
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                EthrError::RpcTimeout {
                    url: url.clone(),
                    seconds: self.timeout.as_secs().max(1),
                }
            } else {
                EthrError::RpcTransport {
                    url: url.clone(),
                    reason: without_url(&e),
                }
            }
        };
        let mut response = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if let Some(len) = response.content_length()
            && len > self.max_response as u64
        {
            return Err(EthrError::RpcTooLarge {
                url,
                limit: self.max_response,
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len() + chunk.len() > self.max_response {
                return Err(EthrError::RpcTooLarge {
                    url,
                    limit: self.max_response,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(EthrError::RpcTransport {
                url,
                reason: format!("HTTP status {status}"),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            EthrError::RpcInvalidResponse(format!("the body is not JSON ({e}), from {url}"))
        })
    }

    /// One call.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, EthrError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let answer = self.post(&body).await?;
        take_result(method, answer, Some(id))
    }

    /// Several calls in one HTTP round trip (a JSON-RPC batch array). The results are
    /// in the order of `calls`; each may be an error of its own.
    pub async fn batch(
        &self,
        calls: &[(&str, Value)],
    ) -> Result<Vec<Result<Value, EthrError>>, EthrError> {
        let first = self
            .next_id
            .fetch_add(calls.len() as u64, Ordering::Relaxed);
        let body: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, (method, params))| {
                json!({"jsonrpc": "2.0", "id": first + i as u64, "method": method, "params": params})
            })
            .collect();
        let answer = self.post(&Value::Array(body)).await?;
        let Value::Array(items) = answer else {
            // A node without batch support answers one error object for the whole batch.
            return Err(match take_result("batch", answer, None) {
                Err(e) => e,
                Ok(_) => EthrError::RpcInvalidResponse("a batch answered with one result".into()),
            });
        };
        if items.len() != calls.len() {
            return Err(EthrError::RpcInvalidResponse(format!(
                "a batch of {} calls answered with {} results",
                calls.len(),
                items.len()
            )));
        }
        let mut slots: Vec<Option<Value>> = vec![None; calls.len()];
        for item in items {
            let index = item
                .get("id")
                .and_then(Value::as_u64)
                .and_then(|id| id.checked_sub(first))
                .filter(|i| (*i as usize) < calls.len())
                .ok_or_else(|| {
                    EthrError::RpcInvalidResponse("a batch result has an unknown id".into())
                })? as usize;
            if slots[index].replace(item).is_some() {
                return Err(EthrError::RpcInvalidResponse(
                    "a batch answered one id twice".into(),
                ));
            }
        }
        Ok(slots
            .into_iter()
            .zip(calls)
            .map(|(item, (method, _))| match item {
                Some(item) => take_result(method, item, None),
                None => Err(EthrError::RpcInvalidResponse(format!(
                    "no result for {method}"
                ))),
            })
            .collect())
    }
}

/// reqwest's messages include the URL, which may hold an API key.
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<rpc url>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn take_result(method: &str, mut answer: Value, id: Option<u64>) -> Result<Value, EthrError> {
    let Some(obj) = answer.as_object_mut() else {
        return Err(EthrError::RpcInvalidResponse(format!(
            "{method}: the answer is not a JSON-RPC response object"
        )));
    };
    if let Some(expected) = id
        && obj.get("id").and_then(Value::as_u64) != Some(expected)
    {
        return Err(EthrError::RpcInvalidResponse(format!(
            "{method}: the answer's id is not the request's"
        )));
    }
    if let Some(error) = obj.get("error") {
        let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
        let mut message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .take(512)
            .collect::<String>();
        if let Some(data) = error.get("data").and_then(Value::as_str) {
            message.push_str(&format!(
                " ({})",
                data.chars().take(256).collect::<String>()
            ));
        }
        return Err(EthrError::RpcError {
            method: method.to_owned(),
            code,
            message,
        });
    }
    obj.remove("result")
        .ok_or_else(|| EthrError::RpcInvalidResponse(format!("{method}: neither result nor error")))
}

/// A hex quantity (`0x1a`) as a `u64`.
pub fn quantity(value: &Value, what: &str) -> Result<u64, EthrError> {
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| EthrError::RpcInvalidResponse(format!("{what} is not a 0x quantity")))?;
    if text.is_empty() || text.len() > 16 {
        return Err(EthrError::RpcInvalidResponse(format!(
            "{what} is not a 64-bit quantity"
        )));
    }
    u64::from_str_radix(text, 16)
        .map_err(|_| EthrError::RpcInvalidResponse(format!("{what} is not hex")))
}

/// A hex quantity as a `u128` (wei amounts, gas prices).
pub fn quantity_u128(value: &Value, what: &str) -> Result<u128, EthrError> {
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| EthrError::RpcInvalidResponse(format!("{what} is not a 0x quantity")))?;
    if text.is_empty() || text.len() > 32 {
        return Err(EthrError::RpcInvalidResponse(format!(
            "{what} is not a 128-bit quantity"
        )));
    }
    u128::from_str_radix(text, 16)
        .map_err(|_| EthrError::RpcInvalidResponse(format!("{what} is not hex")))
}

/// `0x`-hex data as bytes.
pub fn data(value: &Value, what: &str) -> Result<Vec<u8>, EthrError> {
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| EthrError::RpcInvalidResponse(format!("{what} is not 0x data")))?;
    hex::decode(text).map_err(|_| EthrError::RpcInvalidResponse(format!("{what} is not hex")))
}

/// `0x`-hex data of exactly 32 bytes.
pub fn data32(value: &Value, what: &str) -> Result<[u8; 32], EthrError> {
    data(value, what)?
        .try_into()
        .map_err(|_| EthrError::RpcInvalidResponse(format!("{what} is not 32 bytes")))
}

/// `0x`-hex quantity for a request parameter.
pub fn to_quantity(v: u64) -> String {
    format!("0x{v:x}")
}
