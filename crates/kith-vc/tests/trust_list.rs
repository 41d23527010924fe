//! Trust lists (issue 7, item 5): a file or a signed `TrustListCredential` becomes the
//! verifier's issuer policy.

use std::sync::Arc;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer as _};
use kith_did::MethodResolver;
use kith_did::method::{jwk::JwkMethod, key::KeyMethod};
use kith_vc::datetime::{FixedClock, parse_date_time_stamp};
use kith_vc::policy::trust_list::TrustList;
use kith_vc::{Report, Verifier, di, did_key_method_id, jose};
use proptest::prelude::*;
use serde_json::{Value, json};

fn verifier() -> Verifier {
    let mut r = MethodResolver::new();
    r.register("key", Arc::new(KeyMethod));
    r.register("jwk", Arc::new(JwkMethod));
    let mut verifier = Verifier::new(Arc::new(r));
    verifier.clock = Arc::new(FixedClock(
        parse_date_time_stamp("2026-06-01T00:00:00Z").unwrap(),
    ));
    verifier
}

struct Issuer {
    signer: LocalSigner,
    did: String,
}

fn issuer() -> Issuer {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let kid = did_key_method_id(&key.public_key());
    let did = kid.split('#').next().unwrap().to_owned();
    Issuer {
        signer: LocalSigner::new(key).unwrap().with_key_id(kid),
        did,
    }
}

fn credential(issuer: &Issuer, kind: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", kind],
        "issuer": issuer.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"}
    })
}

async fn data_integrity(vc: &Value, issuer: &Issuer) -> String {
    let kid = issuer.signer.key_id().unwrap().to_owned();
    let mut options = di::ProofOptions::new(kid);
    options.created = Some(parse_date_time_stamp("2026-01-01T00:00:00Z").unwrap());
    di::add_proof(vc, "eddsa-jcs-2022", &issuer.signer, options)
        .await
        .unwrap()
        .to_string()
}

async fn vc_jwt(vc: &Value, issuer: &Issuer) -> String {
    let kid = issuer.signer.key_id().unwrap().to_owned();
    jose::issue_vc_jwt(vc, &issuer.signer, &kid).await.unwrap()
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.checks.iter().filter_map(|c| c.code()).collect()
}

/// A `TrustListCredential` by `anchor` listing `issuers`.
fn trust_list_credential(anchor: &Issuer, issuers: Value) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "TrustListCredential"],
        "issuer": anchor.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:example:trust-list", "issuers": issuers}
    })
}

#[tokio::test]
async fn file_trust_list_decides_which_issuer_is_trusted_for_which_type() {
    let university = issuer();
    let registry = issuer();
    let stranger = issuer();
    let file = json!({"issuers": [
        {"id": university.did, "types": ["UniversityDegreeCredential"], "name": "University"},
        {"id": registry.did, "types": ["*"]}
    ]});
    let list = TrustList::parse(file.to_string().as_bytes()).unwrap();
    let mut verifier = verifier();
    verifier.policy = list.to_policy();

    let degree = credential(&university, "UniversityDegreeCredential");
    for input in [
        data_integrity(&degree, &university).await,
        vc_jwt(&degree, &university).await,
    ] {
        let report = verifier.verify_credential(&input).await;
        assert!(report.verified, "trusted issuer, listed type: {report:?}");
    }
    // `*`: any type.
    let other = credential(&registry, "MembershipCredential");
    let report = verifier
        .verify_credential(&data_integrity(&other, &registry).await)
        .await;
    assert!(report.verified, "{report:?}");
    // Not listed: the policy check fails.
    let forged = credential(&stranger, "UniversityDegreeCredential");
    let report = verifier
        .verify_credential(&vc_jwt(&forged, &stranger).await)
        .await;
    assert!(!report.verified);
    assert_eq!(codes(&report), ["untrusted_issuer"]);
    // Listed, but for another type.
    let membership = credential(&university, "MembershipCredential");
    let report = verifier
        .verify_credential(&data_integrity(&membership, &university).await)
        .await;
    assert!(!report.verified);
    assert_eq!(codes(&report), ["untrusted_issuer"]);
}

#[tokio::test]
async fn signed_trust_list_by_the_anchor_becomes_the_policy() {
    let anchor = issuer();
    let university = issuer();
    let issuers = json!([{"id": university.did, "types": ["UniversityDegreeCredential"]}]);
    let signed = trust_list_credential(&anchor, issuers);
    let verifier = verifier();
    for input in [
        data_integrity(&signed, &anchor).await,
        vc_jwt(&signed, &anchor).await,
    ] {
        let list = TrustList::from_signed(&input, &anchor.did, &verifier)
            .await
            .unwrap();
        assert_eq!(list.issuers.len(), 1);
        assert_eq!(list.issuers[0].id, university.did);
        let mut verifier = verifier.clone();
        // The verifier's own policy does not apply to the trust list itself.
        verifier.policy = list.to_policy();
        let again = TrustList::from_signed(&input, &anchor.did, &verifier).await;
        assert!(again.is_ok(), "{again:?}");
        let degree = credential(&university, "UniversityDegreeCredential");
        let report = verifier
            .verify_credential(&vc_jwt(&degree, &university).await)
            .await;
        assert!(report.verified, "{report:?}");
        let by_anchor = credential(&anchor, "UniversityDegreeCredential");
        let report = verifier
            .verify_credential(&vc_jwt(&by_anchor, &anchor).await)
            .await;
        assert_eq!(codes(&report), ["untrusted_issuer"]);
    }
}

#[tokio::test]
async fn trust_list_signed_by_someone_else_is_an_issuer_mismatch() {
    let anchor = issuer();
    let impostor = issuer();
    let signed = trust_list_credential(&impostor, json!([{"id": impostor.did, "types": ["*"]}]));
    let verifier = verifier();
    for input in [
        data_integrity(&signed, &impostor).await,
        vc_jwt(&signed, &impostor).await,
    ] {
        let e = TrustList::from_signed(&input, &anchor.did, &verifier)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "trust_list_issuer_mismatch", "{e}");
    }
}

#[tokio::test]
async fn tampered_trust_list_is_unverified() {
    let anchor = issuer();
    let intruder = issuer();
    let signed = trust_list_credential(&anchor, json!([{"id": anchor.did, "types": ["X"]}]));
    let mut tampered: Value =
        serde_json::from_str(&data_integrity(&signed, &anchor).await).unwrap();
    tampered["credentialSubject"]["issuers"] = json!([{"id": intruder.did, "types": ["*"]}]);
    let e = TrustList::from_signed(&tampered.to_string(), &anchor.did, &verifier())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "trust_list_unverified", "{e}");
    assert!(e.to_string().contains("invalid_signature"), "{e}");
    // A JWT with a changed payload byte.
    let jwt = vc_jwt(&signed, &anchor).await;
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let middle = parts[1].len() / 2;
    let byte = parts[1].as_bytes()[middle];
    let swapped = if byte == b'A' { "B" } else { "A" };
    parts[1].replace_range(middle..=middle, swapped);
    let e = TrustList::from_signed(&parts.join("."), &anchor.did, &verifier())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "trust_list_unverified", "{e}");
    // Not a credential at all.
    let e = TrustList::from_signed("{}", &anchor.did, &verifier())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "trust_list_unverified", "{e}");
}

#[tokio::test]
async fn expired_trust_list_is_refused() {
    let anchor = issuer();
    let mut signed = trust_list_credential(&anchor, json!([{"id": anchor.did, "types": ["*"]}]));
    signed["validUntil"] = json!("2026-03-01T00:00:00Z");
    let verifier = verifier();
    for input in [
        data_integrity(&signed, &anchor).await,
        vc_jwt(&signed, &anchor).await,
    ] {
        let e = TrustList::from_signed(&input, &anchor.did, &verifier)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "trust_list_expired", "{e}");
    }
}

#[tokio::test]
async fn signed_credentials_that_are_not_trust_lists_are_refused() {
    let anchor = issuer();
    let verifier = verifier();
    let plain = credential(&anchor, "UniversityDegreeCredential");
    let e = TrustList::from_signed(&vc_jwt(&plain, &anchor).await, &anchor.did, &verifier)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_trust_list", "{e}");
    let empty = trust_list_credential(&anchor, json!([]));
    let e = TrustList::from_signed(&vc_jwt(&empty, &anchor).await, &anchor.did, &verifier)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_trust_list", "{e}");
    let e = TrustList::from_signed("{}", "not-a-did", &verifier)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_trust_anchor", "{e}");
    // A signed list handed over as a plain file says so.
    let signed = data_integrity(&trust_list_credential(&anchor, json!([])), &anchor).await;
    let e = TrustList::parse(signed.as_bytes()).unwrap_err();
    assert_eq!(e.code(), "invalid_trust_list");
    assert!(e.to_string().contains("signed"), "{e}");
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("*".to_owned()),
            Just("did:example:a".to_owned()),
            Just("issuers".to_owned()),
            ".{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("issuers".to_owned()),
                        Just("id".to_owned()),
                        Just("types".to_owned()),
                        Just("name".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        let text = value.to_string();
        let wrapped = json!({"issuers": [value.clone()]}).to_string();
        for input in [text.as_bytes(), wrapped.as_bytes()] {
            match TrustList::parse(input) {
                Ok(list) => {
                    prop_assert!(!list.issuers.is_empty());
                    let policy = list.to_policy();
                    prop_assert!(policy.restricts_issuers());
                    prop_assert_eq!(TrustList::from_value(&list.to_json()).unwrap(), list);
                }
                Err(e) => prop_assert_eq!(e.code(), "invalid_trust_list"),
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = TrustList::parse(&bytes) {
            prop_assert_eq!(e.code(), "invalid_trust_list");
        }
    }
}
