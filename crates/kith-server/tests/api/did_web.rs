//! The did:web document, and issuer key rotation.

use serde_json::{Value, json};

use crate::common::{Ctx, both, credential};

async fn document(s: &Ctx) -> Value {
    let response = s.get("/.well-known/did.json", None).await;
    assert_eq!(response.content_type(), "application/did+json");
    response.expect(200).clone()
}

fn method_ids(document: &Value) -> Vec<String> {
    document["verificationMethod"]
        .as_array()
        .expect("verificationMethod")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect()
}

both!(did_document_and_key_rotation, |s| {
    let did = s.did();
    let key1 = format!("{did}#key-1");
    let key2 = format!("{did}#key-2");
    // The kith-zkp-2026 key (BLS12-381 G2) issues credentials only: assertionMethod,
    // not authentication, and key rotation leaves it alone.
    let zkp = format!("{did}#zkp-1");
    let doc = document(&s).await;
    assert_eq!(doc["id"], json!(did));
    assert_eq!(method_ids(&doc), [key1.clone(), zkp.clone()]);
    assert!(
        doc["verificationMethod"][1]["publicKeyMultibase"]
            .as_str()
            .is_some_and(|k| k.starts_with("zUC7")),
        "a BLS12-381 G2 Multikey: {doc}"
    );
    assert_eq!(doc["authentication"], json!([key1]));
    let method = &doc["verificationMethod"][0];
    assert_eq!(method["type"], "Multikey");
    assert_eq!(method["controller"], json!(did));
    assert!(
        method["publicKeyMultibase"]
            .as_str()
            .is_some_and(|k| k.starts_with("z6Mk")),
        "an Ed25519 Multikey: {method}"
    );
    assert_eq!(doc["assertionMethod"], json!([key1, zkp]));

    let before = s.issue(credential("Grace"), json!({})).await;
    assert_eq!(before["proof"]["verificationMethod"], json!(key1));

    // Rotation needs the admin scope.
    let (issuer_token, _) = s.create_key("issuer", &["issue"], None).await;
    s.post("/admin/keys/rotate", Some(&issuer_token), &json!({}))
        .await
        .assert_problem(403, "insufficient_scope");
    let rotated = s
        .post("/admin/keys/rotate", Some(&s.admin), &json!({}))
        .await;
    assert_eq!(rotated.expect(201)["verificationMethod"], json!(key2));

    let after = s.issue(credential("Heidi"), json!({})).await;
    assert_eq!(after["proof"]["verificationMethod"], json!(key2));
    for vc in [&before, &after] {
        let verified = s.verify(vc).await;
        assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
    }
    let doc = document(&s).await;
    assert_eq!(method_ids(&doc), [key1.clone(), key2.clone(), zkp.clone()]);
    assert_eq!(doc["assertionMethod"], json!([key1, key2, zkp]));
    // Status lists still verify after the rotation.
    let list_url = after["credentialStatus"][0]["statusListCredential"]
        .as_str()
        .expect("list URL");
    let list = s
        .get(list_url.strip_prefix(&s.base).expect("own list"), None)
        .await;
    assert_eq!(
        s.verify(list.expect(200)).await.expect(200)["verified"],
        true
    );
});

// Reloads that read the store before a rotation (the periodic one in `serve`, another
// node's) must never replace the key set the rotation's own reload made: right after
// each rotation the served document lists the new key, with reloads running throughout.
both!(a_concurrent_reload_never_undoes_a_rotation, |s| {
    let did = s.did();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reloaders: Vec<_> = (0..4)
        .map(|_| {
            let app = s.app.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    app.issuer().refresh().await.expect("reload");
                }
            })
        })
        .collect();
    for n in 2..=9 {
        let rotated = s
            .post("/admin/keys/rotate", Some(&s.admin), &json!({}))
            .await;
        let key = format!("{did}#key-{n}");
        assert_eq!(rotated.expect(201)["verificationMethod"], json!(key));
        let ids = method_ids(&document(&s).await);
        assert!(ids.contains(&key), "rotation {n}: {ids:?}");
        assert_eq!(s.app.issuer().signing_identity().1, key, "rotation {n}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reloader in reloaders {
        reloader.await.expect("reloader");
    }
});
