//! Properties of SD-JWT issue → present → verify, and of the parsers on garbage.
//!
//! For random claim sets, random disclosable subsets and random requests, the verifier
//! sees exactly what an independent model of RFC 9901 says it should: a claim is
//! visible when every disclosable claim on its path (itself included) was disclosed,
//! and a requested pointer discloses the disclosable claims above and below it.

mod sd_jwt_support;

use std::collections::BTreeSet;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_vc::Challenge;
use kith_vc::sd_jwt::{self, IssueOptions, Pointer, VerifyOptions};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use sd_jwt_support::{AUDIENCE, NONCE, VCT, now};

/// JSON values with member names that are never reserved or registered.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-zA-Z0-9 äöü]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("k_[a-z~/]{0,3}", inner, 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn claims() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("k_[a-z~/]{0,3}", value(), 1..6).prop_map(|members| {
        let mut claims: Map<String, Value> = members.into_iter().collect();
        claims.insert("vct".into(), json!(VCT));
        claims
    })
}

/// Every member and element below the top, as pointers, except the registered `vct`.
fn pointers(value: &Value, here: &Pointer, out: &mut Vec<Pointer>) {
    match value {
        Value::Object(members) => {
            for (name, inner) in members {
                let pointer = here.child(name.as_str());
                if pointer.to_string() != "/vct" {
                    out.push(pointer.clone());
                }
                pointers(inner, &pointer, out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                let pointer = here.child(index.to_string());
                out.push(pointer.clone());
                pointers(inner, &pointer, out);
            }
        }
        _ => {}
    }
}

/// The model: what the verifier should see at `here` (which is visible).
fn model(
    value: &Value,
    here: &Pointer,
    disclosable: &BTreeSet<Pointer>,
    requested: &[Pointer],
) -> Value {
    let visible = |pointer: &Pointer| {
        !disclosable.contains(pointer)
            || requested
                .iter()
                .any(|r| r.starts_with(pointer) || pointer.starts_with(r))
    };
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter_map(|(name, inner)| {
                    let pointer = here.child(name.as_str());
                    visible(&pointer)
                        .then(|| (name.clone(), model(inner, &pointer, disclosable, requested)))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .filter_map(|(index, inner)| {
                    let pointer = here.child(index.to_string());
                    visible(&pointer).then(|| model(inner, &pointer, disclosable, requested))
                })
                .collect(),
        ),
        scalar => scalar.clone(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn verify_shows_exactly_what_was_disclosed(
        claims in claims(),
        disclosable_mask in prop::collection::vec(any::<bool>(), 0..64),
        requested_mask in prop::collection::vec(prop::bool::weighted(0.2), 0..64),
        decoys in 0usize..3,
    ) {
        let issuer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
        let holder = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
        let document = Value::Object(claims.clone());
        let mut all = Vec::new();
        pointers(&document, &Pointer::root(), &mut all);
        let pick = |mask: &[bool]| -> Vec<Pointer> {
            all.iter().enumerate().filter(|(i, _)| mask.get(*i).copied().unwrap_or(false)).map(|(_, p)| p.clone()).collect()
        };
        let disclosable: BTreeSet<Pointer> = pick(&disclosable_mask).into_iter().collect();
        let requested = pick(&requested_mask);

        let options = IssueOptions {
            disclosable: disclosable.iter().map(Pointer::to_string).collect(),
            decoys,
            holder_key: Some(holder.public_key()),
            iss: Some("https://issuer.example".into()),
            ..IssueOptions::default()
        };
        let challenge = Challenge { nonce: NONCE.into(), audience: AUDIENCE.into() };
        let requested_text: Vec<String> = requested.iter().map(Pointer::to_string).collect();
        let (issued, presentation) = runtime().block_on(async {
            let issued = sd_jwt::issue(&document, &issuer, &options).await.unwrap();
            let presentation = sd_jwt::present(&issued, &requested_text, Some((&holder, &challenge, now())))
                .await
                .unwrap();
            (issued, presentation)
        });

        // The holder sees everything, with each disclosable claim where it was.
        let inspected = sd_jwt::inspect(&issued).unwrap();
        let listed: BTreeSet<String> = inspected.disclosable.iter().map(|c| c.pointer.clone()).collect();
        let wanted: BTreeSet<String> = disclosable.iter().map(Pointer::to_string).collect();
        prop_assert_eq!(listed, wanted);

        // The verifier sees exactly the model's claims.
        let verify_options = VerifyOptions { challenge: Some(challenge), ..VerifyOptions::default() };
        let proof = sd_jwt::verify_with_issuer_key(&presentation, &issuer.public_key(), &verify_options).unwrap();
        let mut expected = model(&document, &Pointer::root(), &disclosable, &requested);
        expected["iss"] = json!("https://issuer.example");
        expected["cnf"] = json!({"jwk": serde_json::to_value(holder.public_key().to_jwk()).unwrap()});
        let mut full = document.clone();
        full["iss"] = expected["iss"].clone();
        full["cnf"] = expected["cnf"].clone();
        prop_assert_eq!(&inspected.claims, &full);
        prop_assert_eq!(proof.credential, expected);
        prop_assert!(proof.holder_bound);
    }

    #[test]
    fn garbage_never_panics(text in any::<String>(), shaped in "[A-Za-z0-9_~.-]{0,300}") {
        let key = PrivateKey::from_bytes(KeyType::Ed25519, &[7; 32]).unwrap().public_key();
        let options = VerifyOptions { allow_example_typ: true, ..VerifyOptions::default() };
        for input in [&text, &shaped] {
            let _ = sd_jwt::verify_with_issuer_key(input, &key, &options);
            let _ = sd_jwt::inspect(input);
            let _ = runtime().block_on(sd_jwt::present(input, &["/a".into()], None));
            let _ = runtime().block_on(sd_jwt::verify(input, &kith_did::method::key::KeyMethod, &options));
        }
    }

    #[test]
    fn a_changed_character_never_panics_nor_verifies_to_other_claims(index in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_~.-]") {
        let (presentation, key, expected) = fixed_presentation();
        let mut bytes = presentation.clone().into_bytes();
        let at = index.index(bytes.len());
        bytes[at] = replacement.as_bytes()[0];
        let mutated = String::from_utf8(bytes).unwrap();
        let options = VerifyOptions { challenge: Some(Challenge { nonce: NONCE.into(), audience: AUDIENCE.into() }), ..VerifyOptions::default() };
        if let Ok(proof) = sd_jwt::verify_with_issuer_key(&mutated, key, &options) {
            prop_assert_eq!(&mutated, presentation, "only the unchanged presentation verifies");
            prop_assert_eq!(&proof.credential, expected);
        }
    }
}

/// One valid presentation, made once.
fn fixed_presentation() -> &'static (String, kith_crypto::PublicKey, Value) {
    static FIXED: std::sync::OnceLock<(String, kith_crypto::PublicKey, Value)> =
        std::sync::OnceLock::new();
    FIXED.get_or_init(|| {
        let issuer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
        let holder = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
        let claims = json!({"vct": VCT, "a": "x", "b": {"c": [1, 2]}});
        let options = IssueOptions {
            disclosable: vec!["/a".into(), "/b".into(), "/b/c/1".into()],
            holder_key: Some(holder.public_key()),
            ..IssueOptions::default()
        };
        let challenge = Challenge {
            nonce: NONCE.into(),
            audience: AUDIENCE.into(),
        };
        let presentation = runtime().block_on(async {
            let issued = sd_jwt::issue(&claims, &issuer, &options).await.unwrap();
            sd_jwt::present(
                &issued,
                &["/b/c/1".into()],
                Some((&holder, &challenge, now())),
            )
            .await
            .unwrap()
        });
        let verify_options = VerifyOptions {
            challenge: Some(challenge),
            ..VerifyOptions::default()
        };
        let expected =
            sd_jwt::verify_with_issuer_key(&presentation, &issuer.public_key(), &verify_options)
                .unwrap()
                .credential;
        (presentation, issuer.public_key(), expected)
    })
}
