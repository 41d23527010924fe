//! A did:webvh issuer DID: `did.jsonl` served at `/.well-known/did.jsonl` (did:webvh
//! v1.0 "The DID to HTTPS Transformation") and verified by kith-did's resolver,
//! issuance and verification with it, key rotation as a log entry (earlier
//! versions keep the earlier keys), the parallel did:web document, and a restart
//! that keeps the DID.

use std::sync::Arc;

use kith_did::method::webvh::{self, VerifyOptions};
use kith_did::{Did, Relationship, ResolutionOptions};
use kith_server::issuer::{Issuer, IssuerDidMethod};
use kith_server::{App, ServerConfig};
use kith_store::{MasterKey, Store};
use serde_json::{Value, json};
use url::Url;

use crate::common::{Ctx, both, credential};

const PUBLIC_URL: &str = "https://issuer.example.com";

fn webvh_config(config: &mut ServerConfig) {
    config.issuer.public_url = Url::parse(PUBLIC_URL).expect("URL");
    config.issuer.did_method = IssuerDidMethod::Webvh;
}

/// The served log, its DID, and the log resolved (and so verified) by kith-did.
async fn served_log(s: &Ctx) -> (Did, Vec<u8>) {
    let response = s.get("/.well-known/did.jsonl", None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.content_type(), "text/jsonl");
    let bytes = response.text.clone().into_bytes();
    let first: Value = serde_json::from_str(response.text.lines().next().expect("an entry"))
        .expect("a JSON entry");
    let did = Did::parse(first["state"]["id"].as_str().expect("state.id")).expect("DID");
    assert_eq!(did.method(), "webvh");
    assert!(
        did.as_str().ends_with(":issuer.example.com"),
        "the DID names the public URL's domain: {did}"
    );
    (did, bytes)
}

fn resolve(did: &Did, log: &[u8], options: &ResolutionOptions) -> kith_did::Resolution {
    webvh::resolve_log(did, log, None, options, &VerifyOptions::default())
        .unwrap_or_else(|e| panic!("the served log does not resolve: {e}"))
}

fn assertion_ids(document: &kith_did::Document) -> Vec<String> {
    document
        .relationship(Relationship::AssertionMethod)
        .iter()
        .map(|r| match r {
            kith_did::MethodRef::Reference(id) => id.clone(),
            kith_did::MethodRef::Embedded(m) => m.id.clone(),
        })
        .collect()
}

both!(
    webvh_issuer_log_issue_verify_rotate,
    config = webvh_config,
    |s| {
        let (did, log) = served_log(&s).await;
        let key1 = format!("{did}#key-1");
        let key2 = format!("{did}#key-2");
        assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 1);
        let first = resolve(&did, &log, &ResolutionOptions::default());
        assert_eq!(first.document.id, did);
        assert_eq!(assertion_ids(&first.document), std::slice::from_ref(&key1));

        // The parallel did:web document (did:webvh v1.0 "Publishing a Parallel did:web DID").
        let web = s.get("/.well-known/did.json", None).await;
        assert_eq!(web.content_type(), "application/did+json");
        let web = web.expect(200).clone();
        assert_eq!(web["id"], "did:web:issuer.example.com");
        assert_eq!(web["alsoKnownAs"], json!([did.as_str()]));
        assert_eq!(
            web["assertionMethod"],
            json!(["did:web:issuer.example.com#key-1"])
        );

        let before = s.issue(credential("Grace"), json!({})).await;
        assert_eq!(before["issuer"], json!(did.as_str()));
        assert_eq!(before["proof"]["verificationMethod"], json!(key1));
        let verified = s.verify(&before).await;
        assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
        let jwt = s
            .issue(credential("Ivan"), json!({"format": "vc+jwt"}))
            .await;
        let verified = s.verify(&jwt).await;
        assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);

        // Rotation appends an entry signed by the update key.
        let rotated = s
            .post("/admin/keys/rotate", Some(&s.admin), &json!({}))
            .await;
        assert_eq!(rotated.expect(201)["verificationMethod"], json!(key2));
        let (same, log) = served_log(&s).await;
        assert_eq!(same, did, "a rotation keeps the DID");
        assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 2);
        let current = resolve(&did, &log, &ResolutionOptions::default());
        assert_eq!(
            current
                .document_metadata
                .version_id
                .as_deref()
                .map(|v| v.starts_with("2-")),
            Some(true)
        );
        assert_eq!(
            assertion_ids(&current.document),
            [key1.clone(), key2.clone()]
        );
        // Version 1 still holds only the first key.
        let version1 = resolve(
            &did,
            &log,
            &ResolutionOptions {
                version_id: first.document_metadata.version_id.clone(),
                ..Default::default()
            },
        );
        assert_eq!(
            assertion_ids(&version1.document),
            std::slice::from_ref(&key1)
        );
        let web = s
            .get("/.well-known/did.json", None)
            .await
            .expect(200)
            .clone();
        assert_eq!(
            web["assertionMethod"],
            json!([
                "did:web:issuer.example.com#key-1",
                "did:web:issuer.example.com#key-2"
            ])
        );

        let after = s.issue(credential("Heidi"), json!({})).await;
        assert_eq!(after["proof"]["verificationMethod"], json!(key2));
        for vc in [&before, &jwt, &after] {
            let verified = s.verify(vc).await;
            assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
        }
    }
);

/// The DID, the log and the keys survive a restart; a public URL without a fully
/// qualified domain name is refused with a stable code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webvh_issuer_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_data_dir(dir.path()).await.expect("store");
    let master = Arc::new(MasterKey::generate());
    let mut config =
        ServerConfig::new(Url::parse("https://issuer.example.com:8443/dids/a").expect("URL"));
    config.issuer.did_method = IssuerDidMethod::Webvh;
    let (issuer, created) = Issuer::open(store.clone(), Arc::clone(&master), config.issuer.clone())
        .await
        .unwrap_or_else(|p| panic!("{p:?}"));
    assert!(created);
    let did = issuer.did().clone();
    assert!(
        did.as_str().ends_with(":issuer.example.com%3A8443:dids:a"),
        "the port is %3A, the path is segments: {did}"
    );
    assert_eq!(issuer.did_log_path().as_deref(), Some("/dids/a/did.jsonl"));
    assert_eq!(
        issuer.did_document_path().as_deref(),
        Some("/dids/a/did.json")
    );
    let key2 = issuer.rotate().await.unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(key2, format!("{did}#key-2"));
    let log = issuer.did_log().expect("a log");
    drop(issuer);

    // The restarted app reloads the log and keys.
    let master_copy = MasterKey::from_base64url(&master.to_base64url()).expect("master key");
    let (app, _) = App::open(store.clone(), master_copy, config.clone())
        .await
        .unwrap_or_else(|p| panic!("{p:?}"));
    let issuer = app.issuer();
    assert_eq!(issuer.did(), &did);
    assert_eq!(issuer.did_log().as_deref(), Some(log.as_slice()));
    assert_eq!(issuer.signing_identity().1, key2);
    let resolution = issuer
        .resolve_own(&ResolutionOptions::default())
        .expect("a did:webvh issuer")
        .expect("resolves");
    assert_eq!(assertion_ids(&resolution.document).len(), 2);

    // The in-process verifier resolves the DID as of each proof's time: key-2 verifies
    // what it signs now, but not a proof dated when only key-1 was in the DID.
    let first: Value = serde_json::from_slice(log.split(|&b| b == b'\n').next().expect("entry"))
        .expect("JSON entry");
    let version1_time = time::OffsetDateTime::parse(
        first["versionTime"].as_str().expect("versionTime"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("versionTime");
    let signer = kith_crypto::LocalSigner::new(
        store
            .keys()
            .private_key(&master, &key2)
            .await
            .expect("key-2"),
    )
    .expect("signer");
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did.as_str(),
        "credentialSubject": {"id": "did:example:alice"},
    });
    for (created, verified) in [(None, true), (Some(version1_time), false)] {
        let mut options = kith_vc::di::ProofOptions::new(key2.clone());
        options.created = created;
        let signed = kith_vc::di::add_proof(&unsigned, "eddsa-jcs-2022", &signer, options)
            .await
            .expect("signed");
        let report = app.verifier().verify_credential(&signed.to_string()).await;
        let report = serde_json::to_value(&report).expect("report");
        assert_eq!(report["verified"], verified, "{report}");
        if !verified {
            assert!(
                report["checks"]
                    .as_array()
                    .expect("checks")
                    .iter()
                    .any(|c| c["code"] == "unknown_key"),
                "{report}"
            );
        }
    }
    // `kith admin key rotate` (the free function) finds the did:webvh log itself.
    let key3 = kith_server::issuer::rotate_key(
        &store,
        &master,
        &config.issuer.public_url,
        kith_crypto::KeyType::Ed25519,
    )
    .await
    .unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(key3.id, format!("{did}#key-3"));
    issuer.refresh().await.unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(issuer.signing_identity().1, key3.id);
    let log = issuer.did_log().expect("a log");
    resolve(&did, &log, &ResolutionOptions::default());
    assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 3);
    drop(app);

    let mut local = config.issuer.clone();
    local.public_url = Url::parse("http://localhost:8080").expect("URL");
    let Err(problem) = Issuer::open(store.clone(), master, local).await else {
        panic!("did:webvh needs a domain name");
    };
    assert_eq!(problem.code, "invalid_public_url");
    store.close().await;
}
