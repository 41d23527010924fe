//! Verifiable Credentials for Kith.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod datetime;
pub mod di;
mod error;
pub mod jcs;
pub mod jose;
pub mod json;
mod keys;
pub mod model;
pub mod policy;
mod report;
pub mod schema;
pub mod sd_jwt;
pub mod status;
mod verified;
pub mod verify;

pub use error::Error;
pub use keys::{AuthorizedKey, did_key_method_id, resolve_authorized_key};
pub use report::{Check, CheckKind, Outcome, Report};
pub use verified::{Challenge, VerifiedProof};
pub use verify::{Format, MAX_INPUT_LEN, Verifier, detect};

/// Entry points for the cargo-fuzz targets in `fuzz/`: bounded, never panic on input,
/// and check round trips where a format has one.
#[doc(hidden)]
pub mod __fuzz {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};

    /// Runs a future that never waits on I/O (offline resolvers only) to completion.
    fn run_offline<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    }

    /// Bounded JSON parse; what parses canonicalizes (JCS) to JSON that parses to the same value.
    pub fn json(data: &[u8]) {
        if let Ok(value) = crate::json::parse(data) {
            let canonical = crate::jcs::canonicalize(&value);
            let again = crate::json::parse(&canonical).expect("JCS output parses");
            assert_eq!(again, value);
            assert_eq!(
                crate::jcs::canonicalize(&again),
                canonical,
                "JCS is idempotent"
            );
        }
    }

    /// Any input through the credential and presentation pipelines, with offline
    /// did:key / did:jwk resolution: never panics.
    pub fn verify(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let mut resolver = kith_did::MethodResolver::new();
        resolver.register("key", Arc::new(kith_did::method::key::KeyMethod));
        resolver.register("jwk", Arc::new(kith_did::method::jwk::JwkMethod));
        let verifier = crate::Verifier::new(Arc::new(resolver));
        let _ = run_offline(verifier.verify_credential(text));
        let challenge = crate::Challenge {
            nonce: "n".into(),
            audience: "a".into(),
        };
        let _ = run_offline(verifier.verify_presentation(text, &challenge));
        let _ = crate::sd_jwt::inspect(text);
    }
}
