//! The audit log: every state change and auth failure, hash-chained, and free of
//! secrets and claim values.

use serde_json::json;

use crate::common::{both, credential, secret_of};

const CLAIM: &str = "Zebulon-Unique-Claim";

both!(audit_log_is_intact_and_holds_no_secrets, |s| {
    let mut subject = credential(CLAIM);
    subject["credentialSubject"]["motto"] = json!("Zebulon-Unique-Motto");
    let vc = s.issue(subject, json!({})).await;
    let id = vc["id"].as_str().expect("id").to_owned();
    s.set_status(&id, "suspension", true).await.expect(200);
    let (token, key_id) = s.create_key("audited", &["verify"], None).await;
    s.post(
        "/credentials/verify",
        Some(&token),
        &json!({"verifiableCredential": vc}),
    )
    .await
    .expect(400);
    s.post(
        &format!("/admin/api-keys/{key_id}/revoke"),
        Some(&s.admin),
        &json!({}),
    )
    .await
    .expect(200);
    // Auth failures: a revoked key, a garbage key, none, the wrong scope.
    s.post(
        "/credentials/verify",
        Some(&token),
        &json!({"verifiableCredential": vc}),
    )
    .await
    .assert_problem(401, "api_key_revoked");
    let garbage = format!("kith_{}", secret_of(&s.admin));
    s.post("/credentials/issue", Some(&garbage), &json!({}))
        .await
        .assert_problem(401, "invalid_api_key");
    s.post("/credentials/issue", None, &json!({}))
        .await
        .assert_problem(401, "missing_credentials");
    let (verifier, _) = s.create_key("verifier", &["verify"], None).await;
    s.post("/credentials/issue", Some(&verifier), &json!({}))
        .await
        .assert_problem(403, "insufficient_scope");

    let verified = s.get("/admin/audit/verify", Some(&s.admin)).await;
    let summary = verified.expect(200);
    assert_eq!(summary["intact"], true);
    let entries = summary["entries"].as_u64().expect("entries");
    assert!(entries >= 9, "{}", verified.text);
    assert!(summary["head"].as_str().is_some_and(|h| !h.is_empty()));

    let log = s.store.audit().tail(1000).await.expect("audit tail");
    assert_eq!(log.len() as u64, entries);
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| {
            (
                e.event.action.as_str(),
                e.event.target.as_str(),
                e.event.outcome.as_str(),
            )
        })
        .collect();
    for expected in [
        ("credential.issue", id.as_str(), "ok"),
        ("credential.status", id.as_str(), "suspension=true"),
        ("api_key.create", key_id.as_str(), "ok"),
        ("api_key.revoke", key_id.as_str(), "ok"),
        ("auth.failure", "/credentials/verify", "api_key_revoked"),
        ("auth.failure", "/credentials/issue", "invalid_api_key"),
        ("auth.failure", "/credentials/issue", "missing_credentials"),
        ("auth.forbidden", "/credentials/issue", "insufficient_scope"),
    ] {
        assert!(
            actions.contains(&expected),
            "{expected:?} not in {actions:#?}"
        );
    }
    let admin_id = s.admin.split('_').nth(1).expect("id");
    assert!(
        log.iter().any(|e| e.event.action == "credential.issue"
            && e.event.actor == format!("apikey:{admin_id}")),
        "the actor is the key id"
    );
    // Every request id is recorded.
    assert!(log.iter().all(|e| !e.event.request_id.is_empty()));

    // No token, secret or claim value anywhere in the log.
    let dump: String = log
        .iter()
        .map(|e| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}\n",
                e.event.actor,
                e.event.action,
                e.event.target,
                e.event.request_id,
                e.event.outcome,
                e.prev_hash,
                e.hash
            )
        })
        .collect();
    for secret in [
        s.admin.as_str(),
        secret_of(&s.admin),
        token.as_str(),
        secret_of(&token),
        verifier.as_str(),
        secret_of(&verifier),
        CLAIM,
        "Zebulon",
        "did:example:subject",
    ] {
        assert!(
            !dump.contains(secret),
            "{secret:?} is in the audit log:\n{dump}"
        );
    }
});
