//! `Idempotency-Key` on state-changing POSTs: the first request with a key runs, its
//! response is stored with the caller and a fingerprint of method, path and body; a
//! retry gets the stored response with `Idempotent-Replayed: true`. The database's
//! primary key on (principal, key) decides races, so this holds across nodes.
//! (Follows the IETF httpapi draft "The Idempotency-Key HTTP Header Field".)

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use kith_store::Begin;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::app::App;
use crate::auth::Principal;
use crate::body::MAX_BODY;
use crate::problem::{PROBLEM_JSON, Problem};

/// The request header.
pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header marking a replayed response.
pub static IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Longest response kept for replay.
const MAX_STORED_RESPONSE: usize = 4 * 1024 * 1024;
/// How long a retry waits for a concurrent request with the same key before a 409.
const WAIT_FOR_CONCURRENT: Duration = Duration::from_secs(5);

/// Idempotency settings.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyConfig {
    /// How long a key and its response are kept (default 24 h).
    pub ttl: Duration,
    /// How long a request may hold a key before another node may take it over (a node
    /// that died mid-request leaves its key held until then).
    pub lease: Duration,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(24 * 3600),
            lease: Duration::from_secs(30),
        }
    }
}

/// A key is 1 to 255 visible ASCII characters.
fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// SHA-256 over method, path and query, and body, each length-prefixed.
pub fn fingerprint(method: &Method, path_and_query: &str, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [method.as_str().as_bytes(), path_and_query.as_bytes(), body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// Middleware for state-changing routes (after authentication).
pub async fn idempotent(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(request).await;
    };
    let Some(key) = key
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_owned)
    else {
        return Problem::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        )
        .into_response();
    };
    let Some(principal) = request.extensions().get::<Principal>().cloned() else {
        return Problem::internal("idempotency needs an authenticated caller").into_response();
    };
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body could not be read: {e} (limit {MAX_BODY} bytes)"),
            )
            .into_response();
        }
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let fingerprint = fingerprint(&parts.method, path, &body);
    let config = app.idempotency_config();
    let started = Instant::now();
    loop {
        let begin = app
            .store()
            .idempotency()
            .begin(
                &principal.id,
                &key,
                &fingerprint,
                OffsetDateTime::now_utc(),
                config.ttl,
                config.lease,
            )
            .await;
        match begin {
            Err(e) => return Problem::from_store(&e).into_response(),
            Ok(Begin::Started) => break,
            Ok(Begin::Replay { status, body }) => return replay(status, body),
            Ok(Begin::Mismatch) => {
                return Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request (method, path or body)",
                )
                .into_response();
            }
            Ok(Begin::InProgress) => {
                if started.elapsed() > WAIT_FOR_CONCURRENT {
                    return Problem::new(
                        StatusCode::CONFLICT,
                        "idempotency_key_in_progress",
                        "a request with this Idempotency-Key is still being processed; retry later",
                    )
                    .with_retry_after(1)
                    .into_response();
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    }
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (parts, body) = response.into_parts();
    let bytes: Bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let _ = app.store().idempotency().abandon(&principal.id, &key).await;
            return Problem::internal(format!("the response could not be read: {e}"))
                .into_response();
        }
    };
    // A server error is not a result: the client may retry it and run the request.
    let outcome = if parts.status.is_server_error() || bytes.len() > MAX_STORED_RESPONSE {
        app.store().idempotency().abandon(&principal.id, &key).await
    } else {
        app.store()
            .idempotency()
            .complete(&principal.id, &key, parts.status.as_u16(), &bytes)
            .await
    };
    if let Err(e) = outcome {
        tracing::error!(code = e.code(), "could not record an idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(
        IDEMPOTENT_REPLAYED.clone(),
        HeaderValue::from_static("true"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_separates_its_parts() {
        let a = fingerprint(&Method::POST, "/a", b"bc");
        let b = fingerprint(&Method::POST, "/ab", b"c");
        assert_ne!(a, b);
        assert_eq!(a, fingerprint(&Method::POST, "/a", b"bc"));
    }

    #[test]
    fn keys_are_visible_ascii() {
        assert!(valid_key("7c1f-retry_1"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
    }
}
