//! `eddsa-rdfc-2022` and `ecdsa-rdfc-2019` through `add_proof`, `verify` and the
//! `Verifier` pipeline, and the attacks on them. Each attack test first checks that the
//! untouched document verifies, then that the attack fails with its exact code.

mod di_support;

use std::sync::Arc;

use di_support::{KeyIdentity, block_on, credential};
use kith_crypto::KeyType;
use kith_did::MethodResolver;
use kith_did::method::key::KeyMethod;
use kith_vc::Verifier;
use kith_vc::datetime::FixedClock;
use kith_vc::di::{self, DATA_INTEGRITY_V2_CONTEXT, DiVerifyOptions, ProofOptions};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-06-01 12:00 UTC);

const SUITES: [(KeyType, &str); 3] = [
    (KeyType::Ed25519, "eddsa-rdfc-2022"),
    (KeyType::P256, "ecdsa-rdfc-2019"),
    (KeyType::P384, "ecdsa-rdfc-2019"),
];

fn options(issuer: &KeyIdentity) -> ProofOptions {
    ProofOptions {
        created: Some(datetime!(2025-05-01 00:00 UTC)),
        ..ProofOptions::new(&issuer.method)
    }
}

fn subject() -> Value {
    json!({"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"})
}

fn secure(issuer: &KeyIdentity, suite: &str, document: &Value) -> Result<Value, String> {
    block_on(di::add_proof(
        document,
        suite,
        &issuer.signer,
        options(issuer),
    ))
    .map_err(|e| e.code().to_owned())
}

fn verify(document: &Value) -> Result<(), String> {
    let opts = DiVerifyOptions {
        now: Some(NOW),
        ..DiVerifyOptions::default()
    };
    block_on(di::verify(document, &KeyMethod, &opts))
        .map(|_| ())
        .map_err(|e| e.code().to_owned())
}

/// `value` with every object's members in reverse order, and every `type` list too.
fn reordered(value: &Value) -> Value {
    match value {
        Value::Object(members) => {
            let mut out = Map::new();
            for (name, value) in members.iter().rev() {
                let value = match (name.as_str(), value) {
                    ("type", Value::Array(types)) => {
                        Value::Array(types.iter().rev().cloned().collect())
                    }
                    _ => reordered(value),
                };
                out.insert(name.clone(), value);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reordered).collect()),
        other => other.clone(),
    }
}

#[test]
fn a_changed_claim_is_an_invalid_signature() {
    for (key_type, suite) in SUITES {
        let issuer = KeyIdentity::from_seed(key_type, 7);
        let genuine = secure(&issuer, suite, &credential(&issuer.did, subject())).unwrap();
        assert_eq!(genuine["proof"]["cryptosuite"], suite);
        assert!(genuine["proof"].get("@context").is_none(), "{suite}");
        assert_eq!(verify(&genuine), Ok(()), "{suite}");
        let mut forged = genuine.clone();
        forged["credentialSubject"]["alumniOf"] = json!("The School of Forgeries");
        assert_eq!(verify(&forged), Err("invalid_signature".into()), "{suite}");
        let mut forged = genuine.clone();
        forged["validUntil"] = json!("2099-01-01T00:00:00Z");
        assert_eq!(verify(&forged), Err("invalid_signature".into()), "{suite}");
        let mut forged = genuine.clone();
        forged["proof"]["created"] = json!("2025-05-01T00:00:01Z");
        assert_eq!(verify(&forged), Err("invalid_signature".into()), "{suite}");
    }
}

#[test]
fn reordered_but_equivalent_json_still_verifies() {
    for (key_type, suite) in SUITES {
        let issuer = KeyIdentity::from_seed(key_type, 8);
        let genuine = secure(&issuer, suite, &credential(&issuer.did, subject())).unwrap();
        let shuffled = reordered(&genuine);
        assert_ne!(
            serde_json::to_string(&shuffled).unwrap(),
            serde_json::to_string(&genuine).unwrap()
        );
        // The same RDF dataset: RDFC-1.0 signs the graph, not the JSON text.
        assert_eq!(verify(&shuffled), Ok(()), "{suite}");
    }
    // A JCS proof over the same reordering also verifies (JCS sorts members), but not
    // once an array is reordered: only the RDF suites treat `type` as a set.
    let issuer = KeyIdentity::from_seed(KeyType::Ed25519, 8);
    let jcs = secure(
        &issuer,
        "eddsa-jcs-2022",
        &credential(&issuer.did, subject()),
    )
    .unwrap();
    assert_eq!(verify(&reordered(&jcs)), Err("invalid_signature".into()));
}

/// A VCDM 1.1 credential: its context has no `@vocab`, so undefined terms stay undefined.
fn v1_credential(issuer: &str, subject: Value) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2023-01-01T00:00:00Z",
        "credentialSubject": subject
    })
}

#[test]
fn an_undefined_term_is_refused_not_dropped() {
    for (key_type, suite) in SUITES {
        let issuer = KeyIdentity::from_seed(key_type, 9);
        // Signing a claim no context defines fails...
        let undefined = v1_credential(&issuer.did, json!({"id": "did:example:a", "degree": "BSc"}));
        assert_eq!(
            secure(&issuer, suite, &undefined),
            Err("undefined_term".into()),
            "{suite}"
        );
        // ...and so does adding one after signing: a dropped claim would be a claim no
        // signature covers, yet the verifier would show it.
        let genuine = secure(
            &issuer,
            suite,
            &v1_credential(&issuer.did, json!({"id": "did:example:a"})),
        )
        .unwrap();
        assert_eq!(verify(&genuine), Ok(()), "{suite}");
        let mut forged = genuine.clone();
        forged["credentialSubject"]["degree"] = json!("PhD");
        assert_eq!(verify(&forged), Err("undefined_term".into()), "{suite}");
        let mut forged = genuine.clone();
        forged["type"] = json!(["VerifiableCredential", "UndefinedType"]);
        assert_eq!(verify(&forged), Err("undefined_term".into()), "{suite}");
    }
}

#[test]
fn add_proof_appends_the_data_integrity_context_when_missing() {
    let issuer = KeyIdentity::from_seed(KeyType::Ed25519, 10);
    let v1 = v1_credential(&issuer.did, json!({"id": "did:example:a"}));
    let secured = secure(&issuer, "eddsa-rdfc-2022", &v1).unwrap();
    assert_eq!(
        secured["@context"],
        json!([
            "https://www.w3.org/2018/credentials/v1",
            DATA_INTEGRITY_V2_CONTEXT
        ])
    );
    assert_eq!(verify(&secured), Ok(()));
    // The v2 context already defines the Data Integrity terms: nothing is added.
    let v2 = credential(&issuer.did, subject());
    let secured = secure(&issuer, "eddsa-rdfc-2022", &v2).unwrap();
    assert_eq!(secured["@context"], v2["@context"]);
    // Removing the appended context breaks the proof.
    let mut stripped = secure(&issuer, "eddsa-rdfc-2022", &v1).unwrap();
    stripped["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
    assert!(verify(&stripped).is_err());
}

#[test]
fn an_unknown_context_is_refused_without_fetching() {
    for (key_type, suite) in SUITES {
        let issuer = KeyIdentity::from_seed(key_type, 11);
        let genuine = secure(&issuer, suite, &credential(&issuer.did, subject())).unwrap();
        assert_eq!(verify(&genuine), Ok(()), "{suite}");
        let mut forged = genuine.clone();
        forged["@context"]
            .as_array_mut()
            .unwrap()
            .push(json!("https://attacker.example/context/v1"));
        assert_eq!(verify(&forged), Err("unknown_context".into()), "{suite}");
        let mut document = credential(&issuer.did, subject());
        document["@context"] = json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://attacker.example/context/v1"
        ]);
        assert_eq!(
            secure(&issuer, suite, &document),
            Err("unknown_context".into())
        );
    }
}

#[test]
fn an_ecdsa_rdfc_proof_does_not_verify_as_another_suite() {
    let issuer = KeyIdentity::from_seed(KeyType::P256, 12);
    let genuine = secure(
        &issuer,
        "ecdsa-rdfc-2019",
        &credential(&issuer.did, subject()),
    )
    .unwrap();
    let mut forged = genuine.clone();
    forged["proof"]["cryptosuite"] = json!("ecdsa-jcs-2019");
    assert_eq!(verify(&forged), Err("invalid_signature".into()));
}

#[tokio::test]
async fn the_verifier_pipeline_accepts_rdfc_credentials() {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    let mut verifier = Verifier::new(Arc::new(resolver));
    verifier.clock = Arc::new(FixedClock(NOW));
    for (key_type, suite) in SUITES {
        let issuer = KeyIdentity::from_seed(key_type, 13);
        let secured = di::add_proof(
            &credential(&issuer.did, subject()),
            suite,
            &issuer.signer,
            options(&issuer),
        )
        .await
        .unwrap();
        let report = verifier.verify_credential(&secured.to_string()).await;
        assert!(report.verified, "{suite}: {:?}", report.checks);
        let mut forged = secured.clone();
        forged["credentialSubject"]["alumniOf"] = json!("The School of Forgeries");
        let report = verifier.verify_credential(&forged.to_string()).await;
        assert!(!report.verified, "{suite}");
    }
}
