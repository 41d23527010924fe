//! The OpenID4VCI and OpenID4VP endpoints over HTTP: metadata, API-key-protected offer
//! and request creation, OAuth error bodies with `Cache-Control: no-store`, one-time
//! offers, signed request objects, and refused responses. The full flows run in
//! `tests/demo.rs` and in kith-oid4vc's own tests.

use serde_json::json;

use crate::common::both;

both!(issuer_metadata_names_the_endpoints_and_the_catalog, |s| {
    let metadata = s.get("/.well-known/openid-credential-issuer", None).await;
    let body = metadata.expect(200).clone();
    assert_eq!(body["credential_issuer"], s.base);
    assert_eq!(
        body["credential_endpoint"],
        format!("{}/credential", s.base)
    );
    assert_eq!(body["nonce_endpoint"], format!("{}/nonce", s.base));
    let configurations = &body["credential_configurations_supported"];
    assert_eq!(configurations["pid"]["format"], "dc+sd-jwt");
    assert_eq!(configurations["pid"]["vct"], "urn:eudi:pid:1");
    assert_eq!(configurations["university_degree"]["format"], "jwt_vc_json");
    assert_eq!(configurations["university_degree_ldp"]["format"], "ldp_vc");

    let server = s.get("/.well-known/oauth-authorization-server", None).await;
    let server = server.expect(200);
    assert_eq!(server["issuer"], s.base);
    assert_eq!(server["token_endpoint"], format!("{}/token", s.base));
    assert_eq!(
        server["pre-authorized_grant_anonymous_access_supported"],
        true
    );
});

both!(offers_need_an_api_key_and_are_served_once, |s| {
    let body =
        json!({"credentials": [{"configuration_id": "pid", "claims": {"given_name": "Erin"}}]});
    s.post("/oid4vci/offers", None, &body)
        .await
        .assert_problem(401, "missing_credentials");
    let created = s.post("/oid4vci/offers", Some(&s.admin), &body).await;
    let created = created.expect(201).clone();
    let link = created["link"].as_str().expect("link");
    assert!(
        link.starts_with("openid-credential-offer://?credential_offer_uri="),
        "{link}"
    );
    let offer_uri = created["offer_uri"].as_str().expect("offer_uri");
    let path = offer_uri
        .strip_prefix(&s.base)
        .expect("an offer under the base URL");
    let offer = s.get(path, None).await;
    let offer_body = offer.expect(200);
    assert_eq!(offer_body["credential_issuer"], s.base);
    assert_eq!(offer_body["credential_configuration_ids"], json!(["pid"]));
    // Used twice: the second fetch finds nothing.
    let again = s.get(path, None).await;
    assert_eq!(again.status, 404, "{}", again.text);
    assert_eq!(
        again.json["error"], "unknown_credential_offer",
        "{}",
        again.text
    );

    let bad = json!({"credentials": [{"configuration_id": "no_such", "claims": {}}]});
    let refused = s.post("/oid4vci/offers", Some(&s.admin), &bad).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(
        refused.json["code"], "unknown_credential_configuration",
        "{}",
        refused.text
    );
});

both!(token_and_credential_endpoints_answer_oauth_errors, |s| {
    let wrong_grant = s
        .post_raw(
            "/token",
            None,
            "application/x-www-form-urlencoded",
            b"grant_type=authorization_code&code=x".to_vec(),
        )
        .await;
    assert_eq!(wrong_grant.status, 400, "{}", wrong_grant.text);
    assert_eq!(wrong_grant.json["error"], "unsupported_grant_type");
    assert_eq!(wrong_grant.header("cache-control"), Some("no-store"));

    let unknown_code = s
        .post_raw(
            "/token",
            None,
            "application/x-www-form-urlencoded",
            b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=nope".to_vec(),
        )
        .await;
    assert_eq!(unknown_code.status, 400, "{}", unknown_code.text);
    assert_eq!(unknown_code.json["error"], "invalid_grant");

    let nonce = s
        .post_raw("/nonce", None, "application/json", Vec::new())
        .await;
    assert!(
        nonce.expect(200)["c_nonce"]
            .as_str()
            .is_some_and(|n| n.len() >= 32)
    );

    let no_token = s
        .post(
            "/credential",
            None,
            &json!({"credential_configuration_id": "pid"}),
        )
        .await;
    assert_eq!(no_token.status, 401, "{}", no_token.text);
    assert_eq!(no_token.json["error"], "invalid_token");
    assert!(
        no_token
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "{:?}",
        no_token.headers
    );
});

both!(presentation_requests_are_signed_and_answers_checked, |s| {
    let bad = s
        .post(
            "/oid4vp/requests",
            Some(&s.admin),
            &json!({"dcql_query": {"credentials": []}}),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.json["code"], "invalid_dcql_query", "{}", bad.text);

    let query = json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:eudi:pid:1"]}, "claims": [{"path": ["age_over_18"]}]}]});
    s.post("/oid4vp/requests", None, &json!({"dcql_query": query}))
        .await
        .assert_problem(401, "missing_credentials");
    let created = s
        .post(
            "/oid4vp/requests",
            Some(&s.admin),
            &json!({"dcql_query": query}),
        )
        .await;
    let created = created.expect(201).clone();
    let link = created["link"].as_str().expect("link");
    assert!(link.starts_with("openid4vp://?"), "{link}");
    let request_uri = url::Url::parse(link)
        .expect("link URL")
        .query_pairs()
        .find(|(k, _)| k == "request_uri")
        .map(|(_, v)| v.into_owned())
        .expect("request_uri");
    let path = request_uri
        .strip_prefix(&s.base)
        .expect("under the base URL");
    let object = s.get(path, None).await;
    assert_eq!(object.status, 200, "{}", object.text);
    assert_eq!(object.content_type(), "application/oauth-authz-req+jwt");
    assert_eq!(object.text.split('.').count(), 3, "a compact JWS");

    let transaction = created["transaction_id"].as_str().expect("transaction_id");
    let pending = s
        .get(&format!("/oid4vp/requests/{transaction}"), Some(&s.admin))
        .await;
    assert_eq!(pending.expect(200)["status"], "pending");
    s.get("/oid4vp/requests/unknown", Some(&s.admin))
        .await
        .assert_problem(404, "unknown_request");

    // An answer for no request, and one that is not a form of the protocol.
    let unknown = s
        .post_raw(
            "/oid4vp/response",
            None,
            "application/x-www-form-urlencoded",
            b"vp_token=%7B%7D&state=not-a-request".to_vec(),
        )
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(unknown.json["error"], "invalid_request");
    assert_eq!(unknown.json["kith_code"], "unknown_state");
    let garbage = s
        .post_raw(
            "/oid4vp/response",
            None,
            "application/x-www-form-urlencoded",
            b"%%%".to_vec(),
        )
        .await;
    assert_eq!(garbage.status, 400, "{}", garbage.text);
    // Still pending: refused answers do not use the request up.
    let still = s
        .get(&format!("/oid4vp/requests/{transaction}"), Some(&s.admin))
        .await;
    assert_eq!(still.expect(200)["status"], "pending");
});
