//! Properties: any credential subject secured with any suite verifies, and flipping one
//! byte of any string value of the secured document makes it fail.

mod di_support;

use di_support::{KeyIdentity, block_on, credential};
use kith_crypto::KeyType;
use kith_did::method::key::KeyMethod;
use kith_vc::di::{self, DiVerifyOptions, ProofOptions};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

/// JSON values as credential subjects hold them: strings (with non-ASCII text),
/// integers, booleans, and nested objects and lists.
fn claim() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        "[ -~äöüß€\u{1F600}\u{10000}\u{FB33}]{0,24}".prop_map(Value::String),
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z@_][a-zA-Z0-9]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn subject() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9]{0,10}", claim(), 1..10)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn issuer() -> impl Strategy<Value = (KeyType, &'static str, u8)> {
    (
        prop_oneof![
            Just((KeyType::Ed25519, "eddsa-jcs-2022")),
            Just((KeyType::P256, "ecdsa-jcs-2019")),
            Just((KeyType::P384, "ecdsa-jcs-2019")),
        ],
        1u8..=127,
    )
        .prop_map(|((key_type, suite), seed)| (key_type, suite, seed))
}

/// JSON pointers (as path segments) to every non-empty string value outside `proof`.
fn string_paths(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::String(s) if !s.is_empty() => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                string_paths(item, path, out);
                path.pop();
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                if path.is_empty() && name == "proof" {
                    continue;
                }
                path.push(name.clone());
                string_paths(member, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(value, |v, segment| match v {
        Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
        other => &mut other[segment.as_str()],
    })
}

/// Flips the lowest bit of one byte of `text`, staying valid UTF-8: an ASCII byte or a
/// continuation byte changes its low bit; a lead byte passes to its next byte.
fn flip_one_byte(text: &str, index: Index) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut i = index.index(bytes.len());
    while bytes[i] >= 0xC0 {
        i += 1;
    }
    bytes[i] ^= 0x01;
    String::from_utf8(bytes)
        .expect("a low-bit flip of an ASCII or continuation byte is valid UTF-8")
}

fn secure(key_type: KeyType, suite: &str, seed: u8, subject: Value) -> (KeyIdentity, Value, Value) {
    let issuer = KeyIdentity::from_seed(key_type, seed);
    let unsigned = credential(&issuer.did, subject);
    let secured = block_on(di::add_proof(
        &unsigned,
        suite,
        &issuer.signer,
        ProofOptions::new(&issuer.method),
    ))
    .unwrap();
    (issuer, unsigned, secured)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_subject_verifies((key_type, suite, seed) in issuer(), subject in subject()) {
        let (issuer, unsigned, secured) = secure(key_type, suite, seed, subject);
        let verified = block_on(di::verify(&secured, &KeyMethod, &DiVerifyOptions::default()));
        let verified = verified.map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(verified.credential, unsigned);
        prop_assert_eq!(verified.issuer, issuer.did);
    }

    #[test]
    fn flipping_one_byte_of_any_string_value_fails(
        (key_type, suite, seed) in issuer(),
        subject in subject(),
        which in any::<Index>(),
        byte in any::<Index>(),
    ) {
        let (_, _, secured) = secure(key_type, suite, seed, subject);
        let mut paths = Vec::new();
        string_paths(&secured, &mut Vec::new(), &mut paths);
        let path = which.get(&paths).clone();
        let mut forged = secured.clone();
        let target = at(&mut forged, &path);
        let flipped = flip_one_byte(target.as_str().unwrap(), byte);
        prop_assert_ne!(target.as_str().unwrap(), flipped.as_str());
        *target = Value::String(flipped);
        let err = block_on(di::verify(&forged, &KeyMethod, &DiVerifyOptions::default()))
            .expect_err("a flipped byte must not verify");
        // The issuer is checked against the key before the signature, the @context
        // against the proof's @context; everything else is only in the signature.
        let expected = match path[0].as_str() {
            "issuer" => "key_controller_mismatch",
            "@context" => "invalid_proof",
            _ => "invalid_signature",
        };
        prop_assert_eq!(err.code(), expected, "{:?}: {}", path, err);
    }
}

#[test]
fn the_flip_changes_exactly_one_byte() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &("[ -~äöü€\u{1F600}]{1,12}", any::<Index>()),
            |(text, index)| {
                let flipped = flip_one_byte(&text, index);
                let differing = text
                    .bytes()
                    .zip(flipped.bytes())
                    .filter(|(a, b)| a != b)
                    .count();
                prop_assert_eq!(text.len(), flipped.len());
                prop_assert_eq!(differing, 1);
                Ok(())
            },
        )
        .unwrap();
}
