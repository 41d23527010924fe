//! `options.format`: vc+jwt and dc+sd-jwt come back as enveloped credentials.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::common::{both, credential};

/// The payload of the first JWT in a compact string (`a.b.c` or `a.b.c~...`).
fn jwt_part(compact: &str, index: usize) -> Value {
    let jwt = compact.split('~').next().expect("a JWT");
    let part = jwt.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// VCDM 2.0 §4.13.1: the envelope's `@context` starts with the v2 context (a single
/// URL or an ordered set).
#[track_caller]
fn assert_v2_context(envelope: &Value) {
    const V2: &str = "https://www.w3.org/ns/credentials/v2";
    let context = &envelope["@context"];
    assert!(
        context == V2 || context[0] == V2,
        "no VCDM 2.0 @context: {envelope}"
    );
}

both!(rdfc_cryptosuite_on_request, |s| {
    // options.cryptosuite picks RDFC-1.0 canonicalization for the same Ed25519 key.
    let vc = s
        .issue(credential("Rae"), json!({"cryptosuite": "eddsa-rdfc-2022"}))
        .await;
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    let verified = s.verify(&vc).await;
    assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
    assert_eq!(verified.json["format"], "eddsa-rdfc-2022");
    // A suite of another key type is refused.
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": credential("x"), "options": {"cryptosuite": "ecdsa-rdfc-2019"}}),
    )
    .await
    .assert_problem(400, "unsupported_cryptosuite");
});

both!(vc_jwt_and_sd_jwt_are_enveloped_and_verify, |s| {
    // vc+jwt
    let vc = s
        .issue(credential("Dora"), json!({"format": "vc+jwt"}))
        .await;
    assert_v2_context(&vc);
    assert_eq!(vc["type"], "EnvelopedVerifiableCredential");
    let data_url = vc["id"].as_str().expect("id");
    let jwt = data_url
        .strip_prefix("data:application/vc+jwt,")
        .unwrap_or_else(|| panic!("not a vc+jwt data URL: {data_url}"));
    let header = jwt_part(jwt, 0);
    assert_eq!(header["typ"], "vc+jwt");
    assert_eq!(header["kid"], json!(format!("{}#key-1", s.did())));
    let payload = jwt_part(jwt, 1);
    assert_eq!(payload["issuer"], json!(s.did()));
    assert_eq!(
        payload["credentialStatus"].as_array().map(Vec::len),
        Some(2)
    );
    let verified = s.verify(&vc).await;
    assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
    assert_eq!(verified.json["format"], "vc+jwt");
    // The compact form verifies too.
    let compact = s.verify(&json!(jwt)).await;
    assert_eq!(compact.expect(200)["verified"], true, "{}", compact.text);
    // A vc+jwt credential's status entries work like any other.
    let id = payload["id"].as_str().expect("id");
    s.set_status(id, "revocation", true).await.expect(200);
    let revoked = s.verify(&vc).await;
    assert_eq!(revoked.status, 400);
    assert_eq!(revoked.failed_check("status"), Some("revoked"));

    // dc+sd-jwt: SD-JWT VC claims with vct.
    let claims = json!({
        "vct": "https://credentials.example.com/identity_credential",
        "given_name": "Erin",
        "family_name": "Example",
    });
    let sd = s
        .issue(
            claims,
            json!({"format": "dc+sd-jwt", "disclosable": ["/given_name"]}),
        )
        .await;
    assert_v2_context(&sd);
    assert_eq!(sd["type"], "EnvelopedVerifiableCredential");
    let data_url = sd["id"].as_str().expect("id");
    let sd_jwt = data_url
        .strip_prefix("data:application/dc+sd-jwt,")
        .unwrap_or_else(|| panic!("not a dc+sd-jwt data URL: {data_url}"));
    assert!(sd_jwt.contains('~'), "an SD-JWT has disclosures: {sd_jwt}");
    let header = jwt_part(sd_jwt, 0);
    assert_eq!(header["typ"], "dc+sd-jwt");
    let payload = jwt_part(sd_jwt, 1);
    assert_eq!(payload["iss"], json!(s.did()));
    assert_eq!(
        payload["vct"],
        "https://credentials.example.com/identity_credential"
    );
    assert!(
        payload.get("given_name").is_none(),
        "a disclosable claim is not in the payload"
    );
    assert_eq!(payload["family_name"], "Example");
    let verified = s.verify(&sd).await;
    assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
    assert_eq!(verified.json["format"], "dc+sd-jwt");
    assert_eq!(verified.json["credential"]["given_name"], "Erin");

    // An SD-JWT VC without vct is refused (its code is kith-vc's, not pinned here).
    let no_vct = s
        .post(
            "/credentials/issue",
            Some(&s.admin),
            &json!({"credential": {"given_name": "X"}, "options": {"format": "dc+sd-jwt"}}),
        )
        .await;
    assert_eq!(no_vct.status, 400, "{}", no_vct.text);
    assert_eq!(no_vct.content_type(), crate::common::PROBLEM_JSON);
});
