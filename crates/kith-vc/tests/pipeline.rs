//! The one verification pipeline: the same checks and codes for every format.

use std::sync::Arc;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::MethodResolver;
use kith_did::method::{jwk::JwkMethod, key::KeyMethod};
use kith_vc::datetime::{FixedClock, parse_date_time_stamp};
use kith_vc::schema::LocalSchemas;
use kith_vc::status::{StatusChecker, StatusResult};
use kith_vc::{Challenge, Report, Verifier, di, did_key_method_id, jose, sd_jwt};
use serde_json::{Value, json};

fn resolver() -> Arc<MethodResolver> {
    let mut r = MethodResolver::new();
    r.register("key", Arc::new(KeyMethod));
    r.register("jwk", Arc::new(JwkMethod));
    Arc::new(r)
}

fn issuer() -> (LocalSigner, String) {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let kid = did_key_method_id(&key.public_key());
    let did = kid.split('#').next().unwrap().to_owned();
    (LocalSigner::new(key).unwrap().with_key_id(kid), did)
}

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "EmailCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "email": "alice@example.com"}
    })
}

fn at(verifier: &mut Verifier, instant: &str) {
    verifier.clock = Arc::new(FixedClock(parse_date_time_stamp(instant).unwrap()));
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.checks.iter().filter_map(|c| c.code()).collect()
}

/// Secures `vc` in every format, with the signer's key.
async fn every_format(vc: &Value, signer: &LocalSigner) -> Vec<(&'static str, String)> {
    let kid = signer.key_id().unwrap().to_owned();
    let jwt = jose::issue_vc_jwt(vc, signer, &kid).await.unwrap();
    // A proof made when the credential became valid: verifying "as of" a time before
    // the proof's `created` is refused by Data Integrity itself.
    let mut options = di::ProofOptions::new(kid.clone());
    options.created = Some(parse_date_time_stamp("2026-01-01T00:00:00Z").unwrap());
    let di = di::add_proof(vc, "eddsa-jcs-2022", signer, options)
        .await
        .unwrap();
    let mut claims = vc["credentialSubject"].clone();
    claims["vct"] = json!("EmailCredential");
    let options = sd_jwt::IssueOptions {
        nbf: vc
            .get("validFrom")
            .and_then(Value::as_str)
            .map(|t| parse_date_time_stamp(t).unwrap()),
        exp: vc
            .get("validUntil")
            .and_then(Value::as_str)
            .map(|t| parse_date_time_stamp(t).unwrap()),
        status: vc.get("credentialStatus").cloned(),
        ..sd_jwt::IssueOptions::default()
    };
    let sd = sd_jwt::issue(&claims, signer, &options).await.unwrap();
    vec![
        ("vc+jwt", jwt),
        ("eddsa-jcs-2022", di.to_string()),
        ("dc+sd-jwt", sd),
    ]
}

#[tokio::test]
async fn validity_window_is_judged_the_same_for_every_format() {
    let (signer, did) = issuer();
    let mut verifier = Verifier::new(resolver());
    for (format, secured) in every_format(&credential(&did), &signer).await {
        at(&mut verifier, "2026-06-01T00:00:00Z");
        let report = verifier.verify_credential(&secured).await;
        assert!(report.verified, "{format}: {:?}", report.checks);
        assert_eq!(report.format, format);
        at(&mut verifier, "2027-06-01T00:00:00Z");
        assert_eq!(
            codes(&verifier.verify_credential(&secured).await),
            ["expired"],
            "{format}"
        );
        at(&mut verifier, "2025-06-01T00:00:00Z");
        let report = verifier.verify_credential(&secured).await;
        assert_eq!(codes(&report), ["not_yet_valid"], "{format}");
        // The skew tolerates a minute either side.
        at(&mut verifier, "2025-12-31T23:59:30Z");
        assert!(
            verifier.verify_credential(&secured).await.verified,
            "{format} within skew"
        );
    }
}

struct Revoked;

#[async_trait::async_trait]
impl StatusChecker for Revoked {
    async fn check(&self, entry: &Value) -> StatusResult {
        StatusResult::Revoked(format!("statusListIndex {}", entry["statusListIndex"]))
    }
}

#[tokio::test]
async fn status_entries_are_indeterminate_without_a_checker_and_fail_when_revoked() {
    let (signer, did) = issuer();
    let mut vc = credential(&did);
    vc["credentialStatus"] = json!({
        "id": "https://issuer.example/status/1#94567", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "94567",
        "statusListCredential": "https://issuer.example/status/1"
    });
    let mut verifier = Verifier::new(resolver());
    at(&mut verifier, "2026-06-01T00:00:00Z");
    for (format, secured) in every_format(&vc, &signer).await {
        let report = verifier.verify_credential(&secured).await;
        assert!(
            !report.verified,
            "{format}: an unchecked status is not a pass"
        );
        assert_eq!(codes(&report), ["status_not_checked"], "{format}");
    }
    verifier.status = Some(Arc::new(Revoked));
    for (format, secured) in every_format(&vc, &signer).await {
        let report = verifier.verify_credential(&secured).await;
        assert_eq!(codes(&report), ["revoked"], "{format}");
    }
}

#[tokio::test]
async fn schema_and_policy_are_checked_after_the_proof() {
    let (signer, did) = issuer();
    let mut vc = credential(&did);
    vc["credentialSchema"] =
        json!({"id": "https://schemas.example/email.json", "type": "JsonSchema"});
    let kid = signer.key_id().unwrap().to_owned();
    let secured = jose::issue_vc_jwt(&vc, &signer, &kid).await.unwrap();
    let mut verifier = Verifier::new(resolver());
    at(&mut verifier, "2026-06-01T00:00:00Z");
    assert_eq!(
        codes(&verifier.verify_credential(&secured).await),
        ["schema_unavailable"]
    );

    let mut schemas = LocalSchemas::new();
    schemas.insert(
        "https://schemas.example/email.json",
        json!({"type": "object", "properties": {"credentialSubject": {"required": ["phone"]}}}),
    );
    verifier.schemas = Arc::new(schemas);
    assert_eq!(
        codes(&verifier.verify_credential(&secured).await),
        ["schema_mismatch"]
    );

    verifier.schemas = Arc::new(LocalSchemas::new());
    vc.as_object_mut().unwrap().remove("credentialSchema");
    let secured = jose::issue_vc_jwt(&vc, &signer, &kid).await.unwrap();
    verifier
        .policy
        .trusted_issuers
        .insert("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into());
    assert_eq!(
        codes(&verifier.verify_credential(&secured).await),
        ["untrusted_issuer"]
    );
    verifier.policy.trusted_issuers.insert(did.clone());
    verifier
        .policy
        .required_claims
        .push("/credentialSubject/phone".into());
    assert_eq!(
        codes(&verifier.verify_credential(&secured).await),
        ["missing_claim"]
    );
    verifier.policy.required_claims = vec!["/credentialSubject/email".into()];
    let report = verifier.verify_credential(&secured).await;
    assert!(report.verified, "{:?}", report.checks);
    assert_eq!(report.issuer.as_deref(), Some(did.as_str()));
}

#[tokio::test]
async fn a_presentation_reports_each_credential_and_fails_if_one_fails() {
    let (signer, did) = issuer();
    let kid = signer.key_id().unwrap().to_owned();
    let good = jose::issue_vc_jwt(&credential(&did), &signer, &kid)
        .await
        .unwrap();
    let mut expired = credential(&did);
    expired["validUntil"] = json!("2026-02-01T00:00:00Z");
    let expired = jose::issue_vc_jwt(&expired, &signer, &kid).await.unwrap();
    let (holder, holder_did) = issuer();
    let challenge = Challenge {
        nonce: "n-1".into(),
        audience: "https://verifier.example".into(),
    };
    let holder_kid = holder.key_id().unwrap().to_owned();
    let vp = jose::create_vp_jwt(
        vec![good, expired],
        &holder_did,
        &holder,
        &holder_kid,
        &challenge,
    )
    .await
    .unwrap();
    let mut verifier = Verifier::new(resolver());
    at(&mut verifier, "2026-06-01T00:00:00Z");
    let report = verifier.verify_presentation(&vp, &challenge).await;
    assert!(!report.verified);
    assert!(
        report.checks.iter().all(|c| c.ok()),
        "the holder's own proof is fine"
    );
    assert_eq!(report.credentials.len(), 2);
    assert!(report.credentials[0].verified);
    assert_eq!(codes(&report.credentials[1]), ["expired"]);
    // A credential is not a presentation, and the reverse.
    let as_credential = verifier.verify_credential(&vp).await;
    assert!(!as_credential.verified);
}

#[tokio::test]
async fn hostile_input_is_reported_not_panicked_on() {
    let verifier = Verifier::new(resolver());
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let huge = format!("{{\"proof\": \"{}\"}}", "a".repeat(1024 * 1024));
    for (input, code) in [
        ("", "unknown_format"),
        ("{\"a\":1,\"a\":2,\"proof\":{}}", "duplicate_member"),
        (
            "{\"proof\":{\"cryptosuite\":\"x\"},\"n\":123456789012345678901234}",
            "unrepresentable_number",
        ),
        (deep.as_str(), "unknown_format"),
        (huge.as_str(), "too_large"),
        ("a.b.c", "malformed"),
    ] {
        let report = verifier.verify_credential(input).await;
        assert!(!report.verified);
        assert_eq!(report.first_failure(), Some(code), "{:.60}", input);
    }
    let deep_doc = format!(
        "{{\"proof\":{{\"cryptosuite\":\"x\"}},\"a\":{}1{}}}",
        "[".repeat(70),
        "]".repeat(70)
    );
    assert_eq!(
        verifier.verify_credential(&deep_doc).await.first_failure(),
        Some("too_deep")
    );
}
