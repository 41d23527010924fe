//! Key rotation on did:ethr, end to end on a local chain (anvil): a credential signed
//! by an attribute key (`did/pub/Ed25519/veriKey`) keeps verifying after the key is
//! revoked and replaced, because the issuer key is resolved as of the proof's time
//! (`keys::resolve_authorized_key_at` → did:ethr `versionTime`); the old key signing
//! after the rotation does not verify, the new one does.
//!
//! Needs `npm ci --prefix scripts/chain` (scripts/test does it); fails otherwise.

#[path = "../../kith-did/tests/support/chain.rs"]
mod chain;

use std::sync::Arc;

use chain::Chain;
use kith_crypto::{Header, KeyType, LocalSigner, PrivateKey, sign_compact};
use kith_did::method::ethr::{address_of, did_for_address};
use kith_did::{MethodResolver, Resolver};
use kith_vc::di::{DiVerifyOptions, ProofOptions, add_proof};
use kith_vc::jose;
use serde_json::{Value, json};
use time::OffsetDateTime;

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:alice", "degree": "BSc"}
    })
}

fn at(unix: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix as i64).unwrap()
}

async fn di_signed(did: &str, key: &PrivateKey, fragment: &str, created: u64) -> Value {
    let signer = LocalSigner::new(key.clone()).unwrap();
    let mut options = ProofOptions::new(format!("{did}#{fragment}"));
    options.created = Some(at(created));
    add_proof(&credential(did), "eddsa-jcs-2022", &signer, options)
        .await
        .unwrap()
}

async fn di_code(document: &Value, resolver: &dyn Resolver) -> &'static str {
    match kith_vc::di::verify(document, resolver, &DiVerifyOptions::default()).await {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

async fn jwt_code(
    did: &str,
    key: &PrivateKey,
    fragment: &str,
    iat: u64,
    resolver: &dyn Resolver,
) -> &'static str {
    let signer = LocalSigner::new(key.clone()).unwrap();
    let mut payload = credential(did);
    payload["iat"] = json!(iat);
    let header = Header {
        kid: Some(format!("{did}#{fragment}")),
        typ: Some("vc+jwt".into()),
        ..Header::default()
    };
    let token = sign_compact(header, &serde_json::to_vec(&payload).unwrap(), &signer)
        .await
        .unwrap();
    match jose::verify_vc_jwt(&token, resolver).await {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[tokio::test]
async fn credential_signed_before_rotation_keeps_verifying() {
    let chain = Chain::start().await;
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let did = did_for_address(Some("dev"), &identity).unwrap().to_string();
    let resolver: Arc<dyn Resolver> = Arc::new(
        MethodResolver::new()
            .with_ethr(vec![chain.network("dev")])
            .unwrap(),
    );
    let writer = chain.writer(&owner);
    let old = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let new = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let name = "did/pub/Ed25519/veriKey";

    let added = writer
        .set_attribute(&identity, name, &old.public_key().to_bytes(), 86_400)
        .await
        .unwrap();
    let signed_at = chain.block_time(added.block).await + 1;
    let before = di_signed(&did, &old, "delegate-1", signed_at).await;
    assert_eq!(di_code(&before, resolver.as_ref()).await, "ok");

    // Rotate: revoke the old key, add the new one (delegate-3; the revocation was event 2).
    chain.advance_time(120).await;
    writer
        .revoke_attribute(&identity, name, &old.public_key().to_bytes())
        .await
        .unwrap();
    let replaced = writer
        .set_attribute(&identity, name, &new.public_key().to_bytes(), 86_400)
        .await
        .unwrap();
    let after = chain.block_time(replaced.block).await + 1;

    // What the old key signed before the rotation still verifies, as data integrity
    // proof and as vc+jwt.
    assert_eq!(di_code(&before, resolver.as_ref()).await, "ok");
    assert_eq!(
        jwt_code(&did, &old, "delegate-1", signed_at, resolver.as_ref()).await,
        "ok"
    );
    // The old key signing after the rotation does not.
    let late = di_signed(&did, &old, "delegate-1", after).await;
    assert_eq!(di_code(&late, resolver.as_ref()).await, "unknown_key");
    assert_eq!(
        jwt_code(&did, &old, "delegate-1", after, resolver.as_ref()).await,
        "unknown_key"
    );
    // The new key verifies after the rotation, not before it.
    let fresh = di_signed(&did, &new, "delegate-3", after).await;
    assert_eq!(di_code(&fresh, resolver.as_ref()).await, "ok");
    let backdated = di_signed(&did, &new, "delegate-3", signed_at).await;
    assert_eq!(di_code(&backdated, resolver.as_ref()).await, "unknown_key");
}
