//! `POST /presentations/verify`: a Data Integrity presentation by a did:key holder.

use kith_crypto::{KeyType, LocalSigner, PrivateKey};
use kith_vc::Challenge;
use serde_json::{Value, json};

use crate::common::{Ctx, Resp, both, credential};

async fn verify(s: &Ctx, vp: Value, challenge: &str, domain: Option<&str>) -> Resp {
    let mut options = json!({"challenge": challenge});
    if let Some(domain) = domain {
        options["domain"] = json!(domain);
    }
    s.post(
        "/presentations/verify",
        Some(&s.admin),
        &json!({"verifiablePresentation": vp, "options": options}),
    )
    .await
}

/// A presentation of `credentials` by a fresh did:key holder.
async fn present(credentials: Vec<Value>, nonce: &str, domain: &str) -> Value {
    let key = PrivateKey::generate(KeyType::Ed25519).expect("key");
    let public = key.public_key();
    let holder = kith_did::method::key::did_for(&public).to_string();
    let kid = kith_vc::did_key_method_id(&public);
    let signer = LocalSigner::new(key)
        .expect("signer")
        .with_key_id(kid.clone());
    kith_vc::di::create_presentation(
        credentials,
        &holder,
        &signer,
        &kid,
        &Challenge {
            nonce: nonce.to_owned(),
            audience: domain.to_owned(),
        },
        "eddsa-jcs-2022",
    )
    .await
    .expect("a presentation")
}

both!(presentations_verify_against_the_challenge, |s| {
    let vc = s.issue(credential("Rupert"), json!({})).await;
    let domain = "https://verifier.example";
    let vp = present(vec![vc.clone()], "nonce-4711", domain).await;
    let ok = verify(&s, vp.clone(), "nonce-4711", Some(domain)).await;
    assert_eq!(ok.expect(200)["verified"], true, "{}", ok.text);
    assert_eq!(ok.json["credentials"][0]["verified"], true, "{}", ok.text);

    let wrong_nonce = verify(&s, vp.clone(), "another-nonce", Some(domain)).await;
    assert_eq!(wrong_nonce.expect(400)["verified"], false);
    assert_eq!(
        wrong_nonce.failed_check("holder_binding"),
        Some("nonce_mismatch"),
        "{}",
        wrong_nonce.text
    );
    let wrong_domain = verify(&s, vp.clone(), "nonce-4711", Some("https://other.example")).await;
    assert_eq!(
        wrong_domain.failed_check("holder_binding"),
        Some("audience_mismatch"),
        "{}",
        wrong_domain.text
    );
    // Without options.domain the audience is this service's public URL.
    let no_domain = verify(&s, vp.clone(), "nonce-4711", None).await;
    assert_eq!(
        no_domain.failed_check("holder_binding"),
        Some("audience_mismatch"),
        "{}",
        no_domain.text
    );
    let ours = present(vec![vc.clone()], "n-2", &s.base).await;
    verify(&s, ours, "n-2", None).await.expect(200);

    // A revoked credential inside fails the presentation.
    let id = vc["id"].as_str().expect("id");
    s.set_status(id, "revocation", true).await.expect(200);
    let revoked = verify(&s, vp, "nonce-4711", Some(domain)).await;
    assert_eq!(revoked.expect(400)["verified"], false);
    assert_eq!(revoked.json["credentials"][0]["verified"], false);

    // The challenge is required.
    s.post(
        "/presentations/verify",
        Some(&s.admin),
        &json!({"verifiablePresentation": {}}),
    )
    .await
    .assert_problem(400, "invalid_request");
});
