//! RFC 9421 HTTP message signatures by a registered did:key, instead of an API key.
//! The signature base is built here independently of the server's code (RFC 9421
//! §2.5), and `Content-Digest` per RFC 9530.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kith_crypto::{KeyType, PrivateKey};
use kith_store::Scope;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::common::{Ctx, Resp, both, credential};

/// A signing identity: a did:key and its verification method id.
struct Signer {
    key: PrivateKey,
    did: String,
    keyid: String,
}

fn signer() -> Signer {
    let key = PrivateKey::generate(KeyType::Ed25519).expect("Ed25519 key");
    let public = key.public_key();
    Signer {
        did: kith_did::method::key::did_for(&public).to_string(),
        keyid: kith_vc::did_key_method_id(&public),
        key,
    }
}

/// The headers of one signed POST.
#[derive(Clone)]
struct Signed {
    content_digest: String,
    signature_input: String,
    signature: String,
}

/// Signs `POST <base><path>` with `body`, created at `created` (Unix seconds).
fn sign(s: &Ctx, signer: &Signer, path: &str, body: &[u8], created: i64) -> Signed {
    let content_digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)));
    let params = format!(
        r#"("@method" "@target-uri" "content-digest" "content-type");created={created};keyid="{}";alg="ed25519""#,
        signer.keyid
    );
    let base = format!(
        "\"@method\": POST\n\
         \"@target-uri\": http://localhost:{port}{path}\n\
         \"content-digest\": {content_digest}\n\
         \"content-type\": application/json\n\
         \"@signature-params\": {params}",
        port = s.port
    );
    let signature = signer.key.sign(base.as_bytes()).expect("signature");
    assert_eq!(signature.len(), 64);
    Signed {
        content_digest,
        signature_input: format!("sig1={params}"),
        signature: format!("sig1=:{}:", STANDARD.encode(signature)),
    }
}

async fn send(s: &Ctx, path: &str, body: &[u8], signed: &Signed) -> Resp {
    s.send(
        s.client
            .post(s.url(path))
            .header("content-type", "application/json")
            .header("content-digest", &signed.content_digest)
            .header("signature-input", &signed.signature_input)
            .header("signature", &signed.signature)
            .body(body.to_vec()),
    )
    .await
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

both!(signed_requests_authenticate_without_api_keys, |s| {
    let vc = s.issue(credential("Quentin"), json!({})).await;
    let body = serde_json::to_vec(&json!({"verifiableCredential": vc})).expect("JSON");
    let path = "/credentials/verify";
    let alice = signer();
    let verify_only: BTreeSet<Scope> = [Scope::Verify].into_iter().collect();
    s.store
        .request_signers()
        .add(&alice.did, &verify_only, OffsetDateTime::now_utc())
        .await
        .expect("register the signer");
    // The digest helper the server documents agrees with RFC 9530.
    assert_eq!(
        kith_server::signature::content_digest(&body),
        sign(&s, &alice, path, &body, now()).content_digest
    );

    // A good signature: accepted without any API key.
    let signed = sign(&s, &alice, path, &body, now());
    let ok = send(&s, path, &body, &signed).await;
    assert_eq!(ok.expect(200)["verified"], true, "{}", ok.text);
    // The same signature again is a replay.
    send(&s, path, &body, &signed)
        .await
        .assert_problem(401, "signature_replayed");

    // A body changed after signing.
    let signed = sign(&s, &alice, path, &body, now());
    let mut changed = body.clone();
    changed.extend_from_slice(b" ");
    send(&s, path, &changed, &signed)
        .await
        .assert_problem(401, "content_digest_mismatch");
    // A body changed together with its digest: the signature no longer verifies.
    let mut tampered = signed.clone();
    tampered.content_digest = kith_server::signature::content_digest(&changed);
    send(&s, path, &changed, &tampered)
        .await
        .assert_problem(401, "invalid_signature");
    // Signed for another path.
    let elsewhere = sign(&s, &alice, "/presentations/verify", &body, now());
    send(&s, path, &body, &elsewhere)
        .await
        .assert_problem(401, "invalid_signature");

    // Time: ten minutes old, and ten minutes ahead.
    let old = sign(&s, &alice, path, &body, now() - 600);
    send(&s, path, &body, &old)
        .await
        .assert_problem(401, "signature_expired");
    let ahead = sign(&s, &alice, path, &body, now() + 600);
    send(&s, path, &body, &ahead)
        .await
        .assert_problem(401, "signature_expired");

    // A DID that was never registered.
    let mallory = signer();
    let signed = sign(&s, &mallory, path, &body, now());
    send(&s, path, &body, &signed)
        .await
        .assert_problem(401, "unknown_signer");

    // The signer's scopes apply: verify only.
    let issue_body = serde_json::to_vec(&json!({"credential": credential("x")})).expect("JSON");
    let signed = sign(&s, &alice, "/credentials/issue", &issue_body, now());
    send(&s, "/credentials/issue", &issue_body, &signed)
        .await
        .assert_problem(403, "insufficient_scope");

    // A removed signer authenticates nothing.
    s.store
        .request_signers()
        .remove(&alice.did, OffsetDateTime::now_utc())
        .await
        .expect("remove the signer");
    let signed = sign(&s, &alice, path, &body, now());
    send(&s, path, &body, &signed)
        .await
        .assert_problem(401, "unknown_signer");

    // Signature failures are audited as auth failures.
    let log = s.store.audit().tail(1000).await.expect("audit");
    for code in [
        "signature_replayed",
        "content_digest_mismatch",
        "signature_expired",
        "unknown_signer",
    ] {
        assert!(
            log.iter()
                .any(|e| e.event.action == "auth.failure" && e.event.outcome == code),
            "no auth.failure {code} in the audit log"
        );
    }
});
