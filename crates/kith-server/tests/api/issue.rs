//! Issue, verify, revoke, suspend and reinstate (VC-API, Bitstring Status List).

use serde_json::json;

use crate::common::{both, credential};

both!(issue_verify_revoke_and_suspend, |s| {
    let vc = s.issue(credential("Alice"), json!({})).await;
    let id = vc["id"].as_str().expect("an id is assigned").to_owned();
    assert!(id.starts_with("urn:uuid:"), "{id}");
    assert_eq!(vc["issuer"], json!(s.did()));
    assert_eq!(vc["proof"]["type"], "DataIntegrityProof");
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(
        vc["proof"]["verificationMethod"],
        json!(format!("{}#key-1", s.did()))
    );
    let entries = vc["credentialStatus"].as_array().expect("status entries");
    let purposes: Vec<&str> = entries
        .iter()
        .map(|e| e["statusPurpose"].as_str().expect("statusPurpose"))
        .collect();
    assert_eq!(purposes, ["revocation", "suspension"]);
    for entry in entries {
        assert_eq!(entry["type"], "BitstringStatusListEntry");
        let list = entry["statusListCredential"].as_str().expect("list URL");
        assert!(list.starts_with(&format!("{}/status/", s.base)), "{list}");
    }
    assert_eq!(
        s.store
            .status()
            .entries_for(&id)
            .await
            .expect("entries")
            .len(),
        2
    );

    let verified = s.verify(&vc).await;
    assert_eq!(verified.content_type(), "application/json");
    assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);

    // Revoke: the credential no longer verifies, and says why.
    let revoked = s.set_status(&id, "revocation", true).await;
    let body = revoked.expect(200);
    assert_eq!(body["credentialId"], json!(id));
    assert_eq!(body["credentialStatus"][0]["statusPurpose"], "revocation");
    assert_eq!(body["credentialStatus"][0]["status"], true);
    let after = s.verify(&vc).await;
    assert_eq!(after.expect(400)["verified"], false);
    assert_eq!(
        after.failed_check("status"),
        Some("revoked"),
        "{}",
        after.text
    );

    // Revocation is permanent.
    s.set_status(&id, "revocation", false)
        .await
        .assert_problem(400, "revocation_is_permanent");
    let still = s.verify(&vc).await;
    assert_eq!(still.failed_check("status"), Some("revoked"));

    // Suspension of another credential, then lifting it.
    let vc2 = s.issue(credential("Bob"), json!({})).await;
    let id2 = vc2["id"].as_str().expect("id").to_owned();
    assert_eq!(s.verify(&vc2).await.expect(200)["verified"], true);
    s.set_status(&id2, "suspension", true).await.expect(200);
    let suspended = s.verify(&vc2).await;
    assert_eq!(suspended.status, 400, "{}", suspended.text);
    assert_eq!(suspended.failed_check("status"), Some("suspended"));
    s.set_status(&id2, "suspension", false).await.expect(200);
    let lifted = s.verify(&vc2).await;
    assert_eq!(lifted.expect(200)["verified"], true, "{}", lifted.text);
    // The first credential is still revoked.
    assert_eq!(s.verify(&vc).await.failed_check("status"), Some("revoked"));

    // A credential this issuer never issued.
    s.set_status(
        "urn:uuid:00000000-0000-4000-8000-000000000000",
        "revocation",
        true,
    )
    .await
    .assert_problem(404, "unknown_credential");
    // A status value that is not a bit.
    let bad = s
        .post(
            "/credentials/status",
            Some(&s.admin),
            &json!({"credentialId": id2, "credentialStatus": [{"statusPurpose": "suspension", "status": "maybe"}]}),
        )
        .await;
    bad.assert_problem(400, "invalid_status_value");
});

both!(issuer_refuses_what_it_cannot_issue, |s| {
    let before = s.allocated_entries().await;
    // Another issuer.
    let mut other = credential("Mallory");
    other["issuer"] = json!("did:example:someone-else");
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": other}),
    )
    .await
    .assert_problem(400, "issuer_mismatch");
    let mut other_object = credential("Mallory");
    other_object["issuer"] = json!({"id": "did:example:someone-else", "name": "X"});
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": other_object}),
    )
    .await
    .assert_problem(400, "issuer_mismatch");
    // Our own DID as issuer is fine.
    let mut own = credential("Carol");
    own["issuer"] = json!(s.did());
    s.issue(own, json!({})).await;
    let after_own = s.allocated_entries().await;
    assert_eq!(after_own, before + 2);

    // VCDM violations, with the model's codes; nothing is allocated for them.
    let mut no_subject = credential("x");
    no_subject
        .as_object_mut()
        .expect("object")
        .remove("credentialSubject");
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": no_subject}),
    )
    .await
    .assert_problem(400, "missing_subject");
    let mut no_type = credential("x");
    no_type.as_object_mut().expect("object").remove("type");
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": no_type}),
    )
    .await
    .assert_problem(400, "invalid_type");
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": "not an object"}),
    )
    .await
    .assert_problem(400, "invalid_credential");
    // Unknown format and cryptosuite.
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": credential("x"), "options": {"format": "mso_mdoc"}}),
    )
    .await
    .assert_problem(400, "unsupported_format");
    s.post(
        "/credentials/issue",
        Some(&s.admin),
        &json!({"credential": credential("x"), "options": {"cryptosuite": "bbs-2023"}}),
    )
    .await
    .assert_problem(400, "unsupported_cryptosuite");
    // Inline contexts are expanded: a term mapped to an invalid IRI, or a redefined
    // protected term, is refused (VCDM 2.0 §4.3); a valid inline term is fine.
    for (term, iri) in [
        ("MyType", "https ://not-a-url#MyType"),
        ("VerifiableCredential", "https://example.org/Redefined"),
    ] {
        let mut inline = credential("x");
        inline["@context"] = json!(["https://www.w3.org/ns/credentials/v2", {term: iri}]);
        inline["type"] = json!(["VerifiableCredential", term]);
        s.post(
            "/credentials/issue",
            Some(&s.admin),
            &json!({"credential": inline}),
        )
        .await
        .assert_problem(400, "invalid_jsonld");
    }
    let mut inline_ok = credential("Dora");
    inline_ok["@context"] =
        json!(["https://www.w3.org/ns/credentials/v2", {"MyType": "https://example.org/MyType"}]);
    inline_ok["type"] = json!(["VerifiableCredential", "MyType"]);
    s.issue(inline_ok, json!({})).await;
    let after_own = after_own + 2;
    assert_eq!(
        s.allocated_entries().await,
        after_own,
        "refused credentials allocate no status entries"
    );
});
