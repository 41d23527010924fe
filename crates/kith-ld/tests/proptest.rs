//! Arbitrary JSON, and JSON-LD-shaped JSON over the bundled contexts: expansion,
//! deserialization to RDF and canonicalization never panic, and canonical N-Quads parse
//! back to the same quads.

use kith_ld::{CanonOptions, Error, canonicalize, expand, parse_nquads, to_rdf};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("@context".to_owned()),
        Just("@id".to_owned()),
        Just("@type".to_owned()),
        Just("@value".to_owned()),
        Just("@list".to_owned()),
        Just("@set".to_owned()),
        Just("@graph".to_owned()),
        Just("@reverse".to_owned()),
        Just("@included".to_owned()),
        Just("@language".to_owned()),
        Just("@vocab".to_owned()),
        Just("@base".to_owned()),
        Just("@nest".to_owned()),
        Just("@container".to_owned()),
        Just("@protected".to_owned()),
        Just("id".to_owned()),
        Just("type".to_owned()),
        Just("credentialSubject".to_owned()),
        Just("issuer".to_owned()),
        Just("proof".to_owned()),
        Just("name".to_owned()),
        Just("ex:p".to_owned()),
        "[a-z:@_]{0,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e10f64..1e10).prop_map(Value::from),
        Just(json!("https://www.w3.org/ns/credentials/v2")),
        Just(json!("https://www.w3.org/2018/credentials/v1")),
        Just(json!("https://w3id.org/security/data-integrity/v2")),
        Just(json!("https://unknown.example/ctx")),
        Just(json!("VerifiableCredential")),
        Just(json!("did:example:a")),
        Just(json!("@id")),
        Just(json!("@vocab")),
        Just(json!("_:b0")),
        Just(json!("http://ex/")),
        "[ -~é\u{0}]{0,8}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn expansion_and_to_rdf_never_panic(value in json_value()) {
        for result in [expand(&value).map(|_| ()), to_rdf(&value).map(|_| ())] {
            prop_assert!(!matches!(result, Err(Error::Internal(_))), "{value}: {result:?}");
        }
        kith_ld::__fuzz::jsonld(value.to_string().as_bytes());
    }

    #[test]
    fn vc_shaped_documents_round_trip(subject in proptest::collection::btree_map("[a-z]{1,6}", leaf(), 0..6)) {
        let document = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": subject,
        });
        if let Ok(quads) = to_rdf(&document) {
            let canonical = canonicalize(&quads, &CanonOptions::default()).unwrap();
            prop_assert_eq!(parse_nquads(&canonical.nquads).unwrap(), canonical.quads.clone());
            // Canonicalization is idempotent.
            let again = canonicalize(&canonical.quads, &CanonOptions::default()).unwrap();
            prop_assert_eq!(again.nquads, canonical.nquads);
        }
    }

    #[test]
    fn nquads_parsing_never_panics(text in "[ -~\n\"<>_:@^.\\\\]{0,200}") {
        let _ = parse_nquads(&text);
    }
}

#[test]
fn deep_json_is_refused() {
    let mut value = json!("leaf");
    for _ in 0..200 {
        value = json!({"http://ex/p": value});
    }
    assert_eq!(expand(&value).unwrap_err().code(), "too_deep");
}

#[test]
fn a_poison_graph_stops() {
    let mut text = String::new();
    for a in 0..10 {
        for b in 0..10 {
            text.push_str(&format!("_:e{a} <http://ex/p> _:e{b} .\n"));
        }
    }
    let quads = parse_nquads(&text).unwrap();
    assert_eq!(
        canonicalize(&quads, &CanonOptions::default())
            .unwrap_err()
            .code(),
        "canonicalization_too_complex"
    );
}
