//! RFC 9457 problem details: every error the API returns, with a stable code.
//!
//! > A problem details object can have the following members: type, status, title,
//! > detail, instance. [...] Problem type definitions MAY extend the problem details
//! > object with additional members.
//!
//! <https://www.rfc-editor.org/rfc/rfc9457#section-3.1>

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of a problem details document (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error response: an HTTP status, a stable machine code and a sentence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:kith:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence naming what was wrong with this request.
    pub detail: String,
    /// The stable code (the last segment of `type`).
    pub code: String,
    /// Seconds until a retry may succeed (429, 503); also sent as `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem with `status`, stable `code` and a `detail` sentence.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:kith:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            retry_after: None,
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401 Unauthorized.
    pub fn unauthorized(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// 403 Forbidden.
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// 404 Not Found.
    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 503 Service Unavailable, retry after a few seconds.
    pub fn unavailable(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail).with_retry_after(2)
    }

    /// 500 Internal Server Error. The detail must not leak internals.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", detail)
    }

    /// Adds a `Retry-After` in seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Maps a storage error: an unreachable database is 503 (retry), anything else 500.
    pub fn from_store(err: &kith_store::Error) -> Self {
        if err.is_unavailable() {
            Self::unavailable(
                "database_unavailable",
                "the database is unreachable; retry shortly",
            )
        } else {
            tracing::error!(code = err.code(), error = %err, "storage error");
            Self::internal(format!("a storage operation failed ({})", err.code()))
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<kith_store::Error> for Problem {
    fn from(err: kith_store::Error) -> Self {
        Self::from_store(&err)
    }
}
