//! Kith's HTTP services: the W3C CCG VC API (issue, verify, status), Bitstring Status
//! Lists, the issuer's did:web document, and the admin API — behind API keys or RFC
//! 9421 signed requests, idempotency keys, rate limits and a hash-chained audit log.
//!
//! Handlers only parse, call [`issuer::Issuer`] / [`verifier::ServerVerifier`] and map
//! errors to RFC 9457 problems; storage is `kith-store`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod auth;
pub mod batch;
pub mod body;
pub mod demo;
pub mod duration;
pub mod exchange;
pub mod idempotency;
pub mod issuer;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod request_id;
pub mod routes;
pub mod serve;
pub mod signature;
pub mod verifier;
pub mod web;

pub use app::{App, FirstStart, ServerConfig};
pub use problem::Problem;
pub use serve::{Listen, ServeError, serve, shutdown_signal};

/// Entry points for the cargo-fuzz targets in `fuzz/`: bounded, never panic on input.
#[doc(hidden)]
pub mod __fuzz {
    /// RFC 9421 `Signature-Input` / `Signature` parsing: the input's first line is the
    /// `Signature-Input` value, the rest the `Signature` value. Whatever parses must
    /// re-parse from its own serialization to the same parameters.
    pub fn http_signature(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let (input, signature) = text.split_once('\n').unwrap_or((text, ""));
        if let Ok((params, value)) = crate::signature::parse(input, signature) {
            let again = crate::signature::parse(
                &format!("sig={}", params.serialized),
                &format!(
                    "sig=:{}:",
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &value)
                ),
            );
            match again {
                Ok((reparsed, revalue)) => {
                    assert_eq!(reparsed, params, "Signature-Input round trip");
                    assert_eq!(revalue, value, "Signature round trip");
                }
                Err(problem) => panic!("a parsed Signature-Input does not re-parse: {problem:?}"),
            }
        }
    }
}
