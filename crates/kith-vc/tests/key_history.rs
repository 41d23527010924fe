//! Key rotation and compromise across the pipeline (issue 7, item 3): an issuer key is
//! resolved as of the proof's time (DI `created`, JWT `iat`) where the DID method keeps
//! history (did:webvh), and a verification method's `revoked` time (Controlled
//! Identifiers 1.0) fails proofs made at or after it with `key_revoked`.

use std::sync::Arc;

use async_trait::async_trait;
use kith_crypto::{Header, KeyType, LocalSigner, PrivateKey, sign_compact};
use kith_did::method::jwk::JwkMethod;
use kith_did::method::key::KeyMethod;
use kith_did::method::webvh::{self, CreateRequest, UpdateRequest, WebvhMethod};
use kith_did::{
    Did, DidUrl, Document, DocumentMetadata, MethodResolver, Relationship, Resolution,
    ResolutionOptions, Resolver,
};
use kith_vc::di::{DiVerifyOptions, ProofOptions, add_proof};
use kith_vc::{Verifier, did_key_method_id, jose};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap()
}

const T0: &str = "2025-01-01T00:00:00Z"; // the DID is created with key-1
const BEFORE: &str = "2025-01-15T00:00:00Z"; // key-1 signs
const T1: &str = "2025-02-01T00:00:00Z"; // the DID rotates to key-2 (key-1 removed)
const T2: &str = "2025-03-01T00:00:00Z"; // after the rotation

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:alice", "degree": "BSc"}
    })
}

/// A did:webvh DID created at T0 with key-1 and updated at T1 to key-2 only.
struct Rotated {
    did: String,
    key1: PrivateKey,
    key2: PrivateKey,
    resolver: Arc<dyn Resolver>,
}

fn rotated() -> Rotated {
    let key1 = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let key2 = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let created = webvh::create(
        &CreateRequest {
            domain: "issuer.example".into(),
            version_time: Some(time(T0)),
            ..CreateRequest::default()
        },
        &key1,
    )
    .unwrap();
    let did = created.did.to_string();
    let mut state = created.entry.state.clone();
    let key2_id = format!("{did}#key-2");
    state["verificationMethod"] = json!([{
        "id": key2_id,
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key2.public_key().to_multikey(),
    }]);
    for relationship in [
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
    ] {
        state[relationship] = json!([key2_id]);
    }
    let log = webvh::verify_entries(vec![created.entry.clone()], &Default::default()).unwrap();
    let updated = webvh::update(
        &log,
        &UpdateRequest {
            document: Some(state),
            version_time: Some(time(T1)),
            ..UpdateRequest::default()
        },
        &key1,
    )
    .unwrap();
    let jsonl = webvh::to_jsonl(&[created.entry, updated]).into_bytes();
    let mut methods = MethodResolver::new();
    methods.register("webvh", Arc::new(WebvhMethod::from_local(jsonl, None)));
    Rotated {
        did,
        key1,
        key2,
        resolver: Arc::new(methods),
    }
}

async fn di_signed(did: &str, key: &PrivateKey, fragment: &str, created: &str) -> Value {
    let signer = LocalSigner::new(key.clone()).unwrap();
    let mut options = ProofOptions::new(format!("{did}#{fragment}"));
    options.created = Some(time(created));
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

/// A vc+jwt whose payload is the credential plus `iat` (when given).
async fn jwt_signed(did: &str, key: &PrivateKey, fragment: &str, iat: Option<&str>) -> String {
    let signer = LocalSigner::new(key.clone()).unwrap();
    let mut payload = credential(did);
    if let Some(iat) = iat {
        payload["iat"] = json!(time(iat).unix_timestamp());
    }
    let header = Header {
        kid: Some(format!("{did}#{fragment}")),
        typ: Some("vc+jwt".into()),
        ..Header::default()
    };
    sign_compact(header, &serde_json::to_vec(&payload).unwrap(), &signer)
        .await
        .unwrap()
}

async fn jwt_code(token: &str, resolver: &dyn Resolver) -> &'static str {
    match jose::verify_vc_jwt(token, resolver).await {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[tokio::test]
async fn di_signed_before_rotation_keeps_verifying() {
    let r = rotated();
    let old = di_signed(&r.did, &r.key1, "key-1", BEFORE).await;
    assert_eq!(di_code(&old, r.resolver.as_ref()).await, "ok");
    // Through the whole pipeline too.
    let report = Verifier::new(r.resolver.clone())
        .verify_credential(&old.to_string())
        .await;
    assert!(
        report.verified,
        "{}",
        serde_json::to_string(&report).unwrap()
    );
}

#[tokio::test]
async fn di_old_key_dated_after_rotation_fails() {
    let r = rotated();
    let late = di_signed(&r.did, &r.key1, "key-1", T2).await;
    assert_eq!(di_code(&late, r.resolver.as_ref()).await, "unknown_key");
    // At the rotation instant the new version is in effect.
    let at_rotation = di_signed(&r.did, &r.key1, "key-1", T1).await;
    assert_eq!(
        di_code(&at_rotation, r.resolver.as_ref()).await,
        "unknown_key"
    );
}

#[tokio::test]
async fn di_new_key_verifies_after_rotation_only() {
    let r = rotated();
    let new = di_signed(&r.did, &r.key2, "key-2", T2).await;
    assert_eq!(di_code(&new, r.resolver.as_ref()).await, "ok");
    // key-2 was not in the document before T1.
    let backdated = di_signed(&r.did, &r.key2, "key-2", BEFORE).await;
    assert_eq!(
        di_code(&backdated, r.resolver.as_ref()).await,
        "unknown_key"
    );
    let report = Verifier::new(r.resolver.clone())
        .verify_credential(&new.to_string())
        .await;
    assert!(
        report.verified,
        "{}",
        serde_json::to_string(&report).unwrap()
    );
}

#[tokio::test]
async fn proof_dated_before_the_did_existed_does_not_resolve() {
    let r = rotated();
    let early = di_signed(&r.did, &r.key1, "key-1", "2024-12-01T00:00:00Z").await;
    assert_eq!(di_code(&early, r.resolver.as_ref()).await, "unknown_issuer");
}

#[tokio::test]
async fn vc_jwt_is_checked_against_the_document_as_of_iat() {
    let r = rotated();
    let resolver = r.resolver.as_ref();
    let old = jwt_signed(&r.did, &r.key1, "key-1", Some(BEFORE)).await;
    assert_eq!(jwt_code(&old, resolver).await, "ok");
    let late = jwt_signed(&r.did, &r.key1, "key-1", Some(T2)).await;
    assert_eq!(jwt_code(&late, resolver).await, "unknown_key");
    // No iat: the current document, which no longer lists key-1.
    let untimed = jwt_signed(&r.did, &r.key1, "key-1", None).await;
    assert_eq!(jwt_code(&untimed, resolver).await, "unknown_key");
    let new = jwt_signed(&r.did, &r.key2, "key-2", Some(T2)).await;
    assert_eq!(jwt_code(&new, resolver).await, "ok");
    let new_untimed = jwt_signed(&r.did, &r.key2, "key-2", None).await;
    assert_eq!(jwt_code(&new_untimed, resolver).await, "ok");
}

/// A did:web document served from memory; it fails the test if version options reach
/// it (did:web keeps no history, so the cacheable current document must be asked for).
struct StaticWeb(Document);

#[async_trait]
impl Resolver for StaticWeb {
    async fn resolve(
        &self,
        _did: &Did,
        options: &ResolutionOptions,
    ) -> Result<Resolution, kith_did::Error> {
        assert_eq!(
            options,
            &ResolutionOptions::default(),
            "did:web got options"
        );
        Ok(Resolution {
            document: self.0.clone(),
            document_metadata: DocumentMetadata::default(),
        })
    }
}

const REVOKED_AT: &str = "2025-06-01T00:00:00Z";

fn compromised(revoked: Value) -> (String, PrivateKey, StaticWeb) {
    let did = "did:web:issuer.example".to_owned();
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let document = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": format!("{did}#key-1"),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key().to_multikey(),
            "revoked": revoked,
        }],
        "assertionMethod": [format!("{did}#key-1")],
    });
    let document = Document::from_json(document.to_string().as_bytes()).unwrap();
    (did, key, StaticWeb(document))
}

#[tokio::test]
async fn revoked_key_fails_for_proofs_at_or_after_revocation() {
    let (did, key, resolver) = compromised(json!(REVOKED_AT));
    let before = di_signed(&did, &key, "key-1", "2025-05-01T00:00:00Z").await;
    assert_eq!(di_code(&before, &resolver).await, "ok");
    let at = di_signed(&did, &key, "key-1", REVOKED_AT).await;
    assert_eq!(di_code(&at, &resolver).await, "key_revoked");
    let after = di_signed(&did, &key, "key-1", "2025-07-01T00:00:00Z").await;
    assert_eq!(di_code(&after, &resolver).await, "key_revoked");

    let jwt_before = jwt_signed(&did, &key, "key-1", Some("2025-05-01T00:00:00Z")).await;
    assert_eq!(jwt_code(&jwt_before, &resolver).await, "ok");
    let jwt_after = jwt_signed(&did, &key, "key-1", Some("2025-07-01T00:00:00Z")).await;
    assert_eq!(jwt_code(&jwt_after, &resolver).await, "key_revoked");
    // A proof with no time cannot show it predates the revocation.
    let untimed = jwt_signed(&did, &key, "key-1", None).await;
    assert_eq!(jwt_code(&untimed, &resolver).await, "key_revoked");

    let report = Verifier::new(Arc::new(resolver))
        .verify_credential(&after.to_string())
        .await;
    assert!(!report.verified);
    assert!(
        serde_json::to_string(&report)
            .unwrap()
            .contains("key_revoked")
    );
}

#[tokio::test]
async fn malformed_revoked_time_revokes() {
    let (did, key, resolver) = compromised(json!("soon"));
    let proof = di_signed(&did, &key, "key-1", "2025-05-01T00:00:00Z").await;
    assert_eq!(di_code(&proof, &resolver).await, "key_revoked");
}

#[tokio::test]
async fn methods_without_history_ignore_version_time() {
    let mut methods = MethodResolver::new();
    methods.register("key", Arc::new(KeyMethod));
    methods.register("jwk", Arc::new(JwkMethod));
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let options = ResolutionOptions {
        version_time: Some(T0.into()),
        ..ResolutionOptions::default()
    };
    // did:key: a DI proof with `created` verifies.
    let method_id = did_key_method_id(&key.public_key());
    let did = method_id.split('#').next().unwrap().to_owned();
    let signer = LocalSigner::new(key.clone()).unwrap();
    let mut proof = ProofOptions::new(method_id.clone());
    proof.created = Some(time(BEFORE));
    let signed = add_proof(&credential(&did), "eddsa-jcs-2022", &signer, proof)
        .await
        .unwrap();
    assert_eq!(di_code(&signed, &methods).await, "ok");
    let url = DidUrl::parse(&method_id).unwrap();
    let found = methods
        .lookup_method_with(&url, Relationship::AssertionMethod, &options)
        .await
        .unwrap()
        .unwrap();
    assert!(found.authorized);
    // did:jwk, and resolution itself, with versionTime set.
    let jwk = serde_json::to_vec(&key.public_key().to_jwk()).unwrap();
    let jwk_did = format!("did:jwk:{}", kith_crypto::multibase::base64url_encode(&jwk));
    let parsed = Did::parse(&jwk_did).unwrap();
    assert!(methods.resolve(&parsed, &options).await.is_ok());
    let url = DidUrl::parse(&format!("{jwk_did}#0")).unwrap();
    let found = methods
        .lookup_method_with(&url, Relationship::AssertionMethod, &options)
        .await
        .unwrap()
        .unwrap();
    assert!(found.authorized);
}
