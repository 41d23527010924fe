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
#[cfg(feature = "zkp")]
pub mod zkp;

pub use error::Error;
pub use keys::{
    AuthorizedKey, did_key_method_id, resolve_authorized_key, resolve_authorized_key_at,
};
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

    /// Equal as JSON values, numbers compared as the doubles JCS works on
    /// (JCS writes the double 0.0 as `0`, which parses back as an integer).
    fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
            }
            _ => a == b,
        }
    }

    /// Bounded JSON parse; what parses canonicalizes (JCS) to JSON that parses to the same value.
    pub fn json(data: &[u8]) {
        if let Ok(value) = crate::json::parse(data) {
            let canonical = crate::jcs::canonicalize(&value);
            let again = crate::json::parse(&canonical).expect("JCS output parses");
            assert!(
                same(&again, &value),
                "JCS changed the value: {value} → {again}"
            );
            assert_eq!(
                crate::jcs::canonicalize(&again),
                canonical,
                "JCS is idempotent"
            );
        }
    }

    #[cfg(test)]
    #[test]
    fn underflow_to_zero_round_trips() {
        json(br#"{"a":[0,2.5e-900719925474595]}"#);
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

    /// Bitstring Status List parsing: `data` as an `encodedList`, as the GZIP inside
    /// one, as a `credentialStatus` entry and as a status list credential. Never panics;
    /// what decodes re-encodes to the same bits, and a parsed entry rebuilt with
    /// `status_entry` parses to the same entry.
    pub fn status_list(data: &[u8]) {
        use crate::status::{BitstringStatusList, StatusEntry, status_entry};
        let round_trip = |list: BitstringStatusList| {
            let encoded = list.encode();
            // A verifier refuses an encodedList over the limit; below it, encoding is exact.
            if encoded.len() <= crate::status::MAX_ENCODED_LEN {
                let again = BitstringStatusList::decode(&encoded).expect("re-encoded list decodes");
                assert_eq!(again, list, "encode → decode changed the bits");
            }
        };
        if let Ok(text) = std::str::from_utf8(data)
            && let Ok(list) = BitstringStatusList::decode(text)
        {
            round_trip(list);
        }
        let wrapped = format!("u{}", kith_crypto::multibase::base64url_encode(data));
        if let Ok(list) = BitstringStatusList::decode(&wrapped) {
            round_trip(list);
        }
        let Ok(value) = crate::json::parse(data) else {
            return;
        };
        if let Ok(entry) = StatusEntry::parse(&value)
            && entry.index < u64::MAX
        {
            let rebuilt = status_entry(entry.list_url, entry.purpose, entry.index);
            let again = StatusEntry::parse(&rebuilt).expect("a built entry parses");
            assert_eq!(
                (again.purpose, again.index, again.list_url),
                (entry.purpose, entry.index, entry.list_url)
            );
        }
        if let Some((entries, set)) = crate::status::fuzz_list_credential(&value) {
            assert!(set <= entries && entries >= crate::status::MIN_ENTRIES);
        }
    }
}
