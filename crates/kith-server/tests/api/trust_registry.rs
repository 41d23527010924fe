//! The trusted issuer registry of the admin API: `PUT /admin/trusted-issuers` restricts
//! `/credentials/verify` to the listed issuers (per type or for any type) at once and
//! is kept in the store (nodes reload it at start and every 10 s); only admin keys may
//! read or change it; bad registries are refused.

use serde_json::json;

use crate::common::{both, credential};

both!(
    the_registry_restricts_verification_and_needs_the_admin_scope,
    |s| {
        let vc = s.issue(credential("registry"), json!({})).await;
        assert_eq!(s.verify(&vc).await.expect(200)["verified"], true);

        // Empty at first.
        let empty = s.get("/admin/trusted-issuers", Some(&s.admin)).await;
        assert_eq!(empty.expect(200)["trustedIssuers"], json!([]));

        // Only another issuer is trusted: our credential fails the policy check.
        let other = "did:web:another-issuer.example";
        let set = s
            .send(
                s.client
                    .put(s.url("/admin/trusted-issuers"))
                    .bearer_auth(&s.admin)
                    .json(&json!({"trustedIssuers": [other]})),
            )
            .await;
        assert_eq!(set.expect(200)["trustedIssuers"], json!([other]));
        let refused = s.verify(&vc).await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(
            refused.failed_check("policy"),
            Some("untrusted_issuer"),
            "{}",
            refused.text
        );

        // Trusted for its type: verified again.
        let by_type = json!({"trustedIssuersByType": {"VerifiableCredential": [s.did()]}});
        s.send(
            s.client
                .put(s.url("/admin/trusted-issuers"))
                .bearer_auth(&s.admin)
                .json(&by_type),
        )
        .await
        .expect(200);
        assert_eq!(s.verify(&vc).await.expect(200)["verified"], true);
        let kept = s
            .store
            .meta_get("verifier.trusted_issuers")
            .await
            .expect("meta");
        assert!(kept.is_some_and(|k| k.contains("VerifiableCredential")));
        let stored = s.get("/admin/trusted-issuers", Some(&s.admin)).await;
        assert_eq!(
            stored.expect(200)["trustedIssuersByType"]["VerifiableCredential"],
            json!([s.did()])
        );

        // Not a DID; not a registry; not an admin.
        let bad = s
            .send(
                s.client
                    .put(s.url("/admin/trusted-issuers"))
                    .bearer_auth(&s.admin)
                    .json(&json!({"trustedIssuers": ["https://not-a-did.example"]})),
            )
            .await;
        bad.assert_problem(400, "invalid_trust_registry");
        let not_registry = s
            .send(
                s.client
                    .put(s.url("/admin/trusted-issuers"))
                    .bearer_auth(&s.admin)
                    .json(&json!({"trustedIssuers": "x"})),
            )
            .await;
        not_registry.assert_problem(400, "invalid_trust_registry");
        let (verifier, _) = s.create_key("verifier", &["verify"], None).await;
        s.get("/admin/trusted-issuers", Some(&verifier))
            .await
            .assert_problem(403, "insufficient_scope");
        // The failed attempts changed nothing.
        assert_eq!(s.verify(&vc).await.expect(200)["verified"], true);
    }
);

// A reload that read the stored registry before a change (the periodic one in `serve`)
// must never apply it after the change: reloads and changes take turns. While the turn
// is held elsewhere, neither a change nor a reload reads, writes or applies anything.
both!(registry_reloads_and_changes_take_turns, |s| {
    let turn = s.app.verifier().registry_update().await;
    let (client, url, admin) = (
        s.client.clone(),
        s.url("/admin/trusted-issuers"),
        s.admin.clone(),
    );
    let change = tokio::spawn(async move {
        client
            .put(url)
            .bearer_auth(admin)
            .json(&json!({"trustedIssuers": ["did:web:new.example"]}))
            .send()
            .await
            .map(|response| response.status().as_u16())
    });
    let app = s.app.clone();
    let reload =
        tokio::spawn(async move { kith_server::routes::admin::load_trust_registry(&app).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!change.is_finished() && !reload.is_finished());
    assert!(
        s.app
            .verifier()
            .pipeline()
            .policy
            .trusted_issuers
            .is_empty()
    );
    assert_eq!(
        s.store
            .meta_get("verifier.trusted_issuers")
            .await
            .expect("meta"),
        None
    );
    drop(turn);
    assert_eq!(change.await.expect("change").expect("PUT"), 200);
    reload.await.expect("reload").expect("reloads");
    assert_eq!(
        Vec::from_iter(s.app.verifier().pipeline().policy.trusted_issuers),
        ["did:web:new.example"]
    );
});
