//! API keys: missing, malformed, unknown, wrong scope, revoked, rotated, expired; and
//! the key list never shows a secret.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Ctx, both, credential, random_hex, secret_of};

/// A verify request any key with the verify scope may make (200 when authorized).
async fn verify_with(s: &Ctx, token: Option<&str>, vc: &Value) -> crate::common::Resp {
    s.post(
        "/credentials/verify",
        token,
        &json!({"verifiableCredential": vc}),
    )
    .await
}

both!(api_keys_authenticate_and_scope, |s| {
    let vc = s.issue(credential("Ivan"), json!({})).await;
    let issue = json!({"credential": credential("Judy")});

    // No credentials at all.
    s.post("/credentials/issue", None, &issue)
        .await
        .assert_problem(401, "missing_credentials");
    verify_with(&s, None, &vc)
        .await
        .assert_problem(401, "missing_credentials");
    s.get("/admin/api-keys", None)
        .await
        .assert_problem(401, "missing_credentials");
    // Not a Bearer header.
    let basic = s
        .send(
            s.client
                .post(s.url("/credentials/issue"))
                .basic_auth("user", Some("password"))
                .json(&issue),
        )
        .await;
    basic.assert_problem(401, "invalid_api_key");
    // A bearer token that is not a Kith key.
    s.post("/credentials/issue", Some("garbage"), &issue)
        .await
        .assert_problem(401, "invalid_api_key");
    // Well-formed, unknown id.
    let admin_id = s.admin.split('_').nth(1).expect("id part");
    let unknown = format!(
        "kith_{}_{}",
        random_hex(admin_id.len() / 2),
        random_hex(secret_of(&s.admin).len() / 2)
    );
    s.post("/credentials/issue", Some(&unknown), &issue)
        .await
        .assert_problem(401, "unknown_api_key");
    // Known id, wrong secret: indistinguishable from an unknown key.
    let wrong_secret = format!(
        "kith_{admin_id}_{}",
        random_hex(secret_of(&s.admin).len() / 2)
    );
    s.post("/credentials/issue", Some(&wrong_secret), &issue)
        .await
        .assert_problem(401, "unknown_api_key");

    // Scopes.
    let (verifier, _) = s.create_key("verifier", &["verify"], None).await;
    assert_eq!(
        verify_with(&s, Some(&verifier), &vc).await.expect(200)["verified"],
        true
    );
    s.post("/credentials/issue", Some(&verifier), &issue)
        .await
        .assert_problem(403, "insufficient_scope");
    s.post(
        "/credentials/status",
        Some(&verifier),
        &json!({"credentialId": "urn:x", "credentialStatus": [{"status": true}]}),
    )
    .await
    .assert_problem(403, "insufficient_scope");
    s.get("/admin/api-keys", Some(&verifier))
        .await
        .assert_problem(403, "insufficient_scope");
    let (issuer, _) = s.create_key("issuer", &["issue"], None).await;
    s.post("/credentials/issue", Some(&issuer), &issue)
        .await
        .expect(201);
    verify_with(&s, Some(&issuer), &vc)
        .await
        .assert_problem(403, "insufficient_scope");

    // Invalid key requests.
    s.post(
        "/admin/api-keys",
        Some(&s.admin),
        &json!({"name": "x", "scopes": ["root"]}),
    )
    .await
    .assert_problem(400, "invalid_scope");
    s.post(
        "/admin/api-keys",
        Some(&s.admin),
        &json!({"name": "x", "scopes": ["verify"], "expiresIn": "1 fortnight"}),
    )
    .await
    .assert_problem(400, "invalid_duration");
});

both!(api_keys_revoke_rotate_and_expire, |s| {
    let vc = s.issue(credential("Ken"), json!({})).await;

    // Revocation takes effect at once on this node (the auth cache is cleared).
    let (token, id) = s.create_key("to revoke", &["verify"], None).await;
    verify_with(&s, Some(&token), &vc).await.expect(200);
    let revoked = s
        .post(
            &format!("/admin/api-keys/{id}/revoke"),
            Some(&s.admin),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.expect(200)["revoked"], true);
    verify_with(&s, Some(&token), &vc)
        .await
        .assert_problem(401, "api_key_revoked");
    s.post(
        "/admin/api-keys/0123456789abcdef/revoke",
        Some(&s.admin),
        &json!({}),
    )
    .await
    .assert_problem(404, "unknown_api_key");

    // Rotation with an overlap: old and new keys both work.
    let (old, old_id) = s.create_key("to rotate", &["verify"], None).await;
    verify_with(&s, Some(&old), &vc).await.expect(200);
    let rotated = s
        .post(
            &format!("/admin/api-keys/{old_id}/rotate"),
            Some(&s.admin),
            &json!({"overlap": "1h"}),
        )
        .await;
    let body = rotated.expect(201);
    let new = body["apiKey"].as_str().expect("apiKey").to_owned();
    assert_ne!(new, old);
    assert_eq!(body["key"]["name"], "to rotate");
    assert_eq!(body["key"]["scopes"], json!(["verify"]));
    verify_with(&s, Some(&old), &vc).await.expect(200);
    verify_with(&s, Some(&new), &vc).await.expect(200);
    let listed = s.get("/admin/api-keys", Some(&s.admin)).await;
    let old_entry = listed
        .expect(200)
        .as_array()
        .expect("a list")
        .iter()
        .find(|k| k["id"] == json!(old_id))
        .expect("the old key is listed")
        .clone();
    assert!(
        old_entry["expires"].is_string(),
        "the old key now expires: {old_entry}"
    );

    // A key that expires after one second.
    let (short, _) = s.create_key("short", &["verify"], Some("1s")).await;
    verify_with(&s, Some(&short), &vc).await.expect(200);
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    verify_with(&s, Some(&short), &vc)
        .await
        .assert_problem(401, "api_key_expired");

    // The key list shows ids, never secrets.
    let listed = s.get("/admin/api-keys", Some(&s.admin)).await;
    let keys = listed.expect(200).as_array().expect("a list");
    assert_eq!(
        keys.len(),
        5,
        "admin, revoked, old, new, short: {}",
        listed.text
    );
    for token in [&s.admin, &token, &old, &new, &short] {
        assert!(!listed.text.contains(token.as_str()));
        assert!(
            !listed.text.contains(secret_of(token)),
            "a secret is listed: {}",
            listed.text
        );
    }
    for key in keys {
        assert!(key.get("apiKey").is_none() && key.get("secret").is_none());
    }
});
