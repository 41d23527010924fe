//! Request bodies the server refuses before any handler logic: bad JSON, too deep,
//! duplicate members, too large, wrong media type; and unknown routes.

use serde_json::json;

use crate::common::{both, credential};

both!(bad_bodies_are_problems, |s| {
    let admin = Some(s.admin.as_str());
    let post = |body: &str| {
        s.post_raw(
            "/credentials/issue",
            admin,
            "application/json",
            body.as_bytes().to_vec(),
        )
    };

    let malformed = post(r#"{"credential": {"name": "x",}}"#).await;
    malformed.assert_problem(400, "malformed_json");
    let detail = malformed.json["detail"].as_str().expect("detail");
    assert!(
        detail.contains("trailing comma") && detail.contains("column"),
        "the detail names the problem and where: {detail}"
    );
    let truncated = post(r#"{"credential": "#).await;
    truncated.assert_problem(400, "malformed_json");
    assert!(
        truncated.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("EOF")),
        "{}",
        truncated.text
    );

    let deep = format!(r#"{{"credential": {}{}}}"#, "[".repeat(70), "]".repeat(70));
    post(&deep).await.assert_problem(400, "too_deep");
    // 64 levels in all are fine as JSON (then refused as a credential).
    let shallow = format!(r#"{{"credential": {}{}}}"#, "[".repeat(62), "]".repeat(62));
    post(&shallow)
        .await
        .assert_problem(400, "invalid_credential");

    let duplicate = post(r#"{"credential": {"a": 1}, "credential": {"a": 2}}"#).await;
    duplicate.assert_problem(400, "duplicate_member");
    assert!(
        duplicate.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("credential")),
        "{}",
        duplicate.text
    );
    // Duplicates deep inside the credential too.
    post(r#"{"credential": {"credentialSubject": {"name": "a", "name": "b"}}}"#)
        .await
        .assert_problem(400, "duplicate_member");

    // Valid JSON of the wrong shape.
    post(r#"{"options": {}}"#)
        .await
        .assert_problem(400, "invalid_request");
    post("[]").await.assert_problem(400, "invalid_request");

    // Over 1 MiB (a valid JSON document, so only the size is wrong).
    let padding = "a".repeat(1024 * 1024 + 16);
    let large = serde_json::to_vec(&json!({"credential": credential(&padding)})).expect("JSON");
    assert!(large.len() > kith_server::body::MAX_BODY);
    s.post_raw("/credentials/issue", admin, "application/json", large)
        .await
        .assert_problem(413, "body_too_large");
    let large = serde_json::to_vec(&json!({"verifiableCredential": padding})).expect("JSON");
    s.post_raw("/credentials/verify", admin, "application/json", large)
        .await
        .assert_problem(413, "body_too_large");

    // Not JSON.
    let body = serde_json::to_vec(&json!({"credential": credential("x")})).expect("JSON");
    s.post_raw("/credentials/issue", admin, "text/plain", body.clone())
        .await
        .assert_problem(415, "unsupported_media_type");
    s.send(
        s.client
            .post(s.url("/credentials/issue"))
            .bearer_auth(&s.admin)
            .body(body.clone()),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    // +json media types are JSON.
    s.post_raw("/credentials/issue", admin, "application/ld+json", body)
        .await
        .expect(201);

    // Unknown routes.
    s.get("/no/such/route", None)
        .await
        .assert_problem(404, "not_found");
    s.post("/credentials/nope", admin, &json!({}))
        .await
        .assert_problem(404, "not_found");
    // Known routes with another method.
    let wrong_method = s.get("/credentials/issue", admin).await;
    wrong_method.assert_problem(405, "method_not_allowed");
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    let wrong_method = s.post("/healthz", None, &json!({})).await;
    wrong_method.assert_problem(405, "method_not_allowed");
    assert!(
        wrong_method
            .header("allow")
            .is_some_and(|a| a.contains("GET")),
        "{:?}",
        wrong_method.headers
    );
});
