//! Request bodies: JSON read with Kith's bounded parser (size, depth, duplicate members,
//! numbers that do not survive as doubles) before any typed deserialization.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Largest request body accepted on any route (the 1 MiB cap).
pub const MAX_BODY: usize = kith_vc::json::MAX_JSON_LEN;

/// A JSON body of type `T`, parsed with the same bounds as credentials are.
#[derive(Debug)]
pub struct BoundedJson<T>(pub T);

impl<S, T> FromRequest<S> for BoundedJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let essence = v.split(';').next().unwrap_or("").trim();
                essence.eq_ignore_ascii_case("application/json")
                    || essence.to_ascii_lowercase().ends_with("+json")
            });
        if !is_json {
            return Err(Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            Problem::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body could not be read: {e} (limit {MAX_BODY} bytes)"),
            )
        })?;
        parse_body(&bytes).map(BoundedJson)
    }
}

/// Parses `bytes` as a bounded JSON document, then as `T`.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let value = kith_vc::json::parse(bytes).map_err(|e| {
        Problem::bad_request(
            e.code(),
            format!("the request body is not acceptable JSON: {e}"),
        )
    })?;
    serde_json::from_value(value).map_err(|e| {
        Problem::bad_request(
            "invalid_request",
            format!("the request body does not have the expected shape: {e}"),
        )
    })
}
