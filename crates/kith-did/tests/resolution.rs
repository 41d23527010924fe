//! Resolution as a caller sees it: method dispatch, the DID Resolution result and its
//! representations, the caching resolver (on tokio's paused clock) and dereferencing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use kith_crypto::{KeyType, PrivateKey};
use kith_did::method::web::WebConfig;
use kith_did::method::{jwk, key};
use kith_did::{
    CacheConfig, CachingResolver, Dereferenced, Did, DidUrl, Document, Error, MEDIA_TYPE_DID_JSON,
    MEDIA_TYPE_DID_LD_JSON, MethodResolver, Relationship, Resolution, ResolutionOptions, Resolver,
    dereference, resolve_to_result, select,
};
use serde_json::{Value, json};

const ED25519_DID: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
/// The P-256 example of the did:jwk specification.
const JWK_DID: &str = "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9";

fn did(text: &str) -> Did {
    Did::parse(text).unwrap()
}

fn defaults() -> MethodResolver {
    MethodResolver::with_defaults(WebConfig::default()).unwrap()
}

fn opts() -> ResolutionOptions {
    ResolutionOptions::default()
}

fn accept(media_type: &str) -> ResolutionOptions {
    ResolutionOptions {
        accept: Some(media_type.to_owned()),
        ..Default::default()
    }
}

// ---------------------------------------------------------------- dispatch

#[tokio::test]
async fn dispatch_resolves_key_and_jwk() {
    let resolver = defaults();
    assert_eq!(
        resolver.methods().collect::<Vec<_>>(),
        ["jwk", "key", "web", "webvh"]
    );

    let key_did = did(ED25519_DID);
    let resolution = resolver.resolve(&key_did, &opts()).await.unwrap();
    assert_eq!(resolution.document, key::document(&key_did).unwrap());

    let jwk_did = did(JWK_DID);
    let resolution = resolver.resolve(&jwk_did, &opts()).await.unwrap();
    assert_eq!(resolution.document, jwk::document(&jwk_did).unwrap());
    assert_eq!(
        resolution.document.verification_method[0]
            .public_key()
            .unwrap()
            .key_type(),
        KeyType::P256
    );

    // A key generated now round-trips through both methods.
    let public = PrivateKey::generate(KeyType::P384).unwrap().public_key();
    for generated in [key::did_for(&public), jwk::did_for(&public)] {
        let doc = resolver
            .resolve(&generated, &opts())
            .await
            .unwrap()
            .document;
        assert_eq!(
            doc.verification_method[0].public_key().unwrap(),
            public,
            "{generated}"
        );
    }
}

#[tokio::test]
async fn dispatch_refuses_unknown_methods() {
    let resolver = defaults();
    let err = resolver
        .resolve(&did("did:example:123"), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "method_not_supported", "{err}");
    assert_eq!(err.resolution_error(), "methodNotSupported", "{err}");

    // An empty resolver supports nothing, and registering a method enables it.
    let mut resolver = MethodResolver::new();
    let err = resolver
        .resolve(&did(ED25519_DID), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "method_not_supported", "{err}");
    resolver.register("key", Arc::new(key::KeyMethod));
    resolver.resolve(&did(ED25519_DID), &opts()).await.unwrap();
}

#[tokio::test]
async fn method_errors_pass_through_dispatch() {
    let resolver = defaults();
    let err = resolver
        .resolve(&did("did:key:notakey"), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_did", "{err}");
    let err = resolver
        .resolve(&did("did:jwk:bm90IGpzb24"), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_did", "{err}");
    // bls12_381-g1-pub (0xea): a real multicodec, not a key type Kith supports (G2 is).
    let bls = "did:key:z3tE9wVuJwDuJe4JdNGiSJgHjzxcN81hYjpub3YRabQca8HuDNYafHADL2iwhJZkW6wgcf";
    let err = resolver.resolve(&did(bls), &opts()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_public_key_type", "{err}");
    // A did:web IP literal fails before any network access.
    let err = resolver
        .resolve(&did("did:web:10.0.0.1"), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_did", "{err}");
}

// ---------------------------------------------------------------- resolution results

#[tokio::test]
async fn resolution_result_errors() {
    let resolver = defaults();
    for (input, error) in [
        ("did:key:notakey", "invalidDid"),
        ("not a did", "invalidDid"),
        ("did:key:", "invalidDid"),
        ("did:Key:z6Mk", "invalidDid"),
        ("did:example:123", "methodNotSupported"),
    ] {
        let result = resolve_to_result(&resolver, input, &opts()).await;
        assert!(!result.is_ok(), "{input}");
        assert_eq!(
            result.did_resolution_metadata.error.as_deref(),
            Some(error),
            "{input}"
        );
        assert!(
            result.did_resolution_metadata.error_message.is_some(),
            "{input}"
        );
        assert!(result.did_document.is_none(), "{input}");
        assert!(
            result.did_resolution_metadata.content_type.is_none(),
            "{input}"
        );
    }
    // Oversized input is refused as an invalid DID, before parsing.
    let long = format!("did:key:z{}", "1".repeat(kith_did::MAX_DID_URL_LEN));
    let result = resolve_to_result(&resolver, &long, &opts()).await;
    assert_eq!(
        result.did_resolution_metadata.error.as_deref(),
        Some("invalidDid")
    );
}

#[tokio::test]
async fn resolution_result_json_shape() {
    let resolver = defaults();
    let result = resolve_to_result(&resolver, ED25519_DID, &opts()).await;
    assert!(result.is_ok());
    let json = serde_json::to_value(&result).unwrap();
    let object = json.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "didDocument",
            "didDocumentMetadata",
            "didResolutionMetadata"
        ]
    );
    assert_eq!(
        json["didResolutionMetadata"],
        json!({"contentType": MEDIA_TYPE_DID_LD_JSON})
    );
    assert_eq!(json["didDocumentMetadata"], json!({}));

    let doc = &json["didDocument"];
    assert_eq!(doc["id"], ED25519_DID);
    assert_eq!(
        doc["@context"],
        json!([
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1"
        ])
    );
    let vm_id = format!("{ED25519_DID}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    assert_eq!(
        doc["verificationMethod"][0],
        json!({
            "id": vm_id,
            "type": "Multikey",
            "controller": ED25519_DID,
            "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        })
    );
    for rel in [
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
    ] {
        assert_eq!(doc[rel], json!([vm_id]), "{rel}");
    }
    let ka = format!("{ED25519_DID}#z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p");
    assert_eq!(doc["keyAgreement"], json!([ka]));

    // The result parses back, and its document is a valid DID document.
    let again: kith_did::ResolutionResult = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(again, result);
    let parsed = Document::from_json(&serde_json::to_vec(doc).unwrap()).unwrap();
    assert_eq!(parsed, key::document(&did(ED25519_DID)).unwrap());
}

#[tokio::test]
async fn representations_follow_accept() {
    let resolver = defaults();
    let json_only = resolve_to_result(&resolver, ED25519_DID, &accept(MEDIA_TYPE_DID_JSON)).await;
    assert!(json_only.is_ok());
    assert_eq!(
        json_only.did_resolution_metadata.content_type.as_deref(),
        Some(MEDIA_TYPE_DID_JSON)
    );
    let doc = json_only.did_document.as_ref().unwrap();
    assert!(
        doc.get("@context").is_none(),
        "application/did+json has no @context: {doc}"
    );
    assert_eq!(doc["id"], ED25519_DID);

    for media_type in [MEDIA_TYPE_DID_LD_JSON, "*/*"] {
        let ld = resolve_to_result(&resolver, ED25519_DID, &accept(media_type)).await;
        assert_eq!(
            ld.did_resolution_metadata.content_type.as_deref(),
            Some(MEDIA_TYPE_DID_LD_JSON)
        );
        assert!(
            ld.did_document.as_ref().unwrap().get("@context").is_some(),
            "{media_type}"
        );
    }

    for unknown in ["text/html", "application/xml", "application/did+cbor"] {
        let result = resolve_to_result(&resolver, ED25519_DID, &accept(unknown)).await;
        assert!(!result.is_ok(), "{unknown}");
        assert_eq!(
            result.did_resolution_metadata.error.as_deref(),
            Some("representationNotSupported"),
            "{unknown}"
        );
        assert!(result.did_document.is_none(), "{unknown}");
    }
}

// ---------------------------------------------------------------- caching

/// What [`Counting`] answers for a DID, by its method-specific id.
fn answer(did: &Did) -> Result<Resolution, Error> {
    match did.method_specific_id() {
        "missing" => Err(Error::NotFound(format!("{did} has no document"))),
        "down" => Err(Error::Fetch {
            url: "https://down.example/".into(),
            reason: "connection refused".into(),
        }),
        "broken" => Err(Error::InvalidDocument("broken".into())),
        _ => Ok(Resolution {
            document: Document::new(did.clone()),
            document_metadata: Default::default(),
        }),
    }
}

/// A resolver that counts its calls.
#[derive(Default)]
struct Counting {
    calls: AtomicUsize,
}

impl Counting {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Resolver for Counting {
    async fn resolve(&self, did: &Did, _options: &ResolutionOptions) -> Result<Resolution, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        answer(did)
    }
}

fn cached(config: CacheConfig) -> (Arc<Counting>, CachingResolver) {
    let inner = Arc::new(Counting::default());
    let cache = CachingResolver::new(inner.clone(), config);
    (inner, cache)
}

const CONFIG: CacheConfig = CacheConfig {
    ttl: Duration::from_secs(60),
    negative_ttl: Duration::from_secs(5),
    max_entries: 100,
};

#[tokio::test(start_paused = true)]
async fn results_are_cached_until_the_ttl() {
    let (inner, cache) = cached(CONFIG);
    let alice = did("did:example:alice");
    assert!(cache.is_empty());

    let first = cache.resolve(&alice, &opts()).await.unwrap();
    let second = cache.resolve(&alice, &opts()).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(inner.calls(), 1, "the second call is served from the cache");
    assert_eq!(cache.len(), 1);

    // Other DIDs are separate entries.
    cache
        .resolve(&did("did:example:bob"), &opts())
        .await
        .unwrap();
    assert_eq!(inner.calls(), 2);
    assert_eq!(cache.len(), 2);

    tokio::time::advance(Duration::from_secs(59)).await;
    cache.resolve(&alice, &opts()).await.unwrap();
    assert_eq!(inner.calls(), 2, "still fresh just before the TTL");

    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(cache.len(), 0, "both entries expired");
    let third = cache.resolve(&alice, &opts()).await.unwrap();
    assert_eq!(third, first);
    assert_eq!(inner.calls(), 3, "an expired entry is fetched again");
    cache.resolve(&alice, &opts()).await.unwrap();
    assert_eq!(inner.calls(), 3, "and cached again");
}

#[tokio::test(start_paused = true)]
async fn failures_are_cached_for_the_negative_ttl() {
    let (inner, cache) = cached(CONFIG);
    let missing = did("did:example:missing");
    for _ in 0..3 {
        let err = cache.resolve(&missing, &opts()).await.unwrap_err();
        assert_eq!(err.code(), "not_found", "{err}");
        assert_eq!(err.resolution_error(), "notFound", "{err}");
    }
    assert_eq!(inner.calls(), 1, "notFound is cached");

    let down = did("did:example:down");
    for _ in 0..3 {
        let err = cache.resolve(&down, &opts()).await.unwrap_err();
        assert_eq!(err.code(), "fetch_failed", "{err}");
        assert!(err.to_string().contains("connection refused"), "{err}");
    }
    assert_eq!(inner.calls(), 2, "fetch failures are cached");

    tokio::time::advance(Duration::from_secs(4)).await;
    cache.resolve(&missing, &opts()).await.unwrap_err();
    assert_eq!(inner.calls(), 2, "still within the negative TTL");

    tokio::time::advance(Duration::from_secs(2)).await;
    let err = cache.resolve(&missing, &opts()).await.unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
    let err = cache.resolve(&down, &opts()).await.unwrap_err();
    assert_eq!(err.code(), "fetch_failed", "{err}");
    assert_eq!(
        inner.calls(),
        4,
        "the negative TTL (5 s) is shorter than the TTL (60 s)"
    );
}

#[tokio::test(start_paused = true)]
async fn deterministic_errors_are_not_cached() {
    let (inner, cache) = cached(CONFIG);
    let broken = did("did:example:broken");
    for calls in 1..=3 {
        let err = cache.resolve(&broken, &opts()).await.unwrap_err();
        assert_eq!(err.code(), "invalid_did_document", "{err}");
        assert_eq!(inner.calls(), calls);
    }
    assert!(cache.is_empty());
}

#[tokio::test(start_paused = true)]
async fn versioned_requests_bypass_the_cache() {
    let (inner, cache) = cached(CONFIG);
    let alice = did("did:example:alice");
    cache.resolve(&alice, &opts()).await.unwrap();
    assert_eq!(inner.calls(), 1);

    let by_id = ResolutionOptions {
        version_id: Some("1".into()),
        ..Default::default()
    };
    let by_time = ResolutionOptions {
        version_time: Some("2024-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    for (i, options) in [&by_id, &by_id, &by_time, &by_time].into_iter().enumerate() {
        cache.resolve(&alice, options).await.unwrap();
        assert_eq!(
            inner.calls(),
            2 + i,
            "versioned request {i} went to the inner resolver"
        );
    }
    // And they do not populate it: a versioned request for a new DID leaves no entry.
    cache
        .resolve(&did("did:example:carol"), &by_id)
        .await
        .unwrap();
    assert_eq!(cache.len(), 1);
    cache.resolve(&alice, &opts()).await.unwrap();
    assert_eq!(
        inner.calls(),
        6,
        "the unversioned entry is still served from the cache"
    );
}

#[tokio::test(start_paused = true)]
async fn the_entry_bound_holds_and_evicts_the_oldest() {
    let (inner, cache) = cached(CacheConfig {
        max_entries: 3,
        ..CONFIG
    });
    for i in 0..10 {
        cache
            .resolve(&did(&format!("did:example:n{i}")), &opts())
            .await
            .unwrap();
        assert!(
            cache.len() <= 3,
            "{} entries after {} inserts",
            cache.len(),
            i + 1
        );
        // Distinct insertion times, so "oldest" is well defined on the paused clock.
        tokio::time::advance(Duration::from_millis(10)).await;
    }
    assert_eq!(cache.len(), 3);
    assert_eq!(inner.calls(), 10);

    // The three newest are cached; the oldest were evicted.
    for i in 7..10 {
        cache
            .resolve(&did(&format!("did:example:n{i}")), &opts())
            .await
            .unwrap();
    }
    assert_eq!(inner.calls(), 10, "n7..n9 are cached");
    cache
        .resolve(&did("did:example:n0"), &opts())
        .await
        .unwrap();
    assert_eq!(inner.calls(), 11, "n0 was evicted");
    assert_eq!(cache.len(), 3);

    // Expired entries make room before live ones are evicted.
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(cache.len(), 0);
    for i in 20..23 {
        cache
            .resolve(&did(&format!("did:example:n{i}")), &opts())
            .await
            .unwrap();
        tokio::time::advance(Duration::from_millis(10)).await;
    }
    assert_eq!(cache.len(), 3);
    for i in 20..23 {
        cache
            .resolve(&did(&format!("did:example:n{i}")), &opts())
            .await
            .unwrap();
    }
    assert_eq!(inner.calls(), 14);
}

#[tokio::test(start_paused = true)]
async fn the_cache_serves_real_methods() {
    let inner = Arc::new(defaults());
    let cache = CachingResolver::new(inner, CacheConfig::default());
    let direct = key::document(&did(ED25519_DID)).unwrap();
    assert_eq!(
        cache
            .resolve(&did(ED25519_DID), &opts())
            .await
            .unwrap()
            .document,
        direct
    );
    assert_eq!(
        cache
            .resolve(&did(ED25519_DID), &opts())
            .await
            .unwrap()
            .document,
        direct
    );
    let err = cache
        .resolve(&did("did:example:1"), &opts())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "method_not_supported", "{err}");
}

// ---------------------------------------------------------------- dereferencing

const SUBJECT: &str = "did:example:123";

fn example_document() -> Document {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": SUBJECT,
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "controller": SUBJECT,
            "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        }],
        "authentication": ["#key-1", {
            "id": "did:example:123#key-2",
            "type": "Multikey",
            "controller": SUBJECT,
            "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        }],
        "service": [
            {"id": "#agent", "type": "DIDCommMessaging", "serviceEndpoint": "https://agent.example/base"},
            {"id": "did:example:123#map", "type": "LinkedDomains",
             "serviceEndpoint": {"origins": ["https://a.example"]}}
        ]
    });
    Document::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

/// Resolves [`SUBJECT`] to [`example_document`] and every other DID to notFound.
struct Static;

#[async_trait]
impl Resolver for Static {
    async fn resolve(&self, did: &Did, _options: &ResolutionOptions) -> Result<Resolution, Error> {
        if did.as_str() != SUBJECT {
            return Err(Error::NotFound(did.to_string()));
        }
        Ok(Resolution {
            document: example_document(),
            document_metadata: Default::default(),
        })
    }
}

async fn deref(url: &str) -> Result<Dereferenced, Error> {
    let url = DidUrl::parse(url).unwrap();
    let via_resolver = dereference(&Static, &url).await;
    // Selecting within the resolved document gives the same answer.
    if url.did().as_str() == SUBJECT {
        let direct = select(example_document(), &url);
        assert_eq!(format!("{direct:?}"), format!("{via_resolver:?}"), "{url}");
    }
    via_resolver
}

#[tokio::test]
async fn fragments_select_methods_and_services() {
    let Dereferenced::VerificationMethod(vm) = deref("did:example:123#key-1").await.unwrap() else {
        panic!("#key-1 is a verification method");
    };
    assert_eq!(vm.id, "#key-1", "the method as written in the document");
    assert_eq!(vm.public_key().unwrap().key_type(), KeyType::Ed25519);

    // A method embedded in a relationship is found too.
    let Dereferenced::VerificationMethod(vm) = deref("did:example:123#key-2").await.unwrap() else {
        panic!("#key-2 is an embedded verification method");
    };
    assert_eq!(vm.id, "did:example:123#key-2");
    assert!(example_document().authorizes(
        &DidUrl::parse("did:example:123#key-2").unwrap(),
        Relationship::Authentication
    ));

    let Dereferenced::Service(service) = deref("did:example:123#agent").await.unwrap() else {
        panic!("#agent is a service");
    };
    assert_eq!(service.id, "#agent");
    assert_eq!(service.service_endpoint, "https://agent.example/base");

    let Dereferenced::Document(doc) = deref("did:example:123").await.unwrap() else {
        panic!("a bare DID dereferences to its document");
    };
    assert_eq!(*doc, example_document());
}

#[tokio::test]
async fn service_queries_select_endpoints() {
    for (url, endpoint) in [
        (
            "did:example:123?service=agent",
            "https://agent.example/base",
        ),
        (
            "did:example:123?service=agent&relativeRef=/x",
            "https://agent.example/base/x",
        ),
        (
            "did:example:123?service=agent&relativeRef=%2Fx%2Fy%3Fq%3D1",
            "https://agent.example/base/x/y?q=1",
        ),
        (
            "did:example:123?relativeRef=/x&service=agent",
            "https://agent.example/base/x",
        ),
    ] {
        assert_eq!(
            deref(url).await.unwrap(),
            Dereferenced::ServiceEndpoint(endpoint.to_owned()),
            "{url}"
        );
    }
}

#[tokio::test]
async fn what_names_nothing_is_not_found() {
    for url in [
        "did:example:123#nothing",
        "did:example:123#",
        "did:example:123?service=nothing",
        // A map endpoint is not a single URL.
        "did:example:123?service=map",
        "did:example:123/some/path",
        "did:example:456#key-1",
    ] {
        let err = deref(url).await.unwrap_err();
        assert_eq!(err.code(), "not_found", "{url}: {err}");
        assert_eq!(err.resolution_error(), "notFound", "{url}: {err}");
    }
    // Resolution errors come through dereferencing unchanged.
    let url = DidUrl::parse("did:example:123#key-1").unwrap();
    let err = dereference(&defaults(), &url).await.unwrap_err();
    assert_eq!(err.code(), "method_not_supported", "{err}");
}

#[tokio::test]
async fn did_key_fragments_dereference() {
    let resolver = defaults();
    let subject = did(ED25519_DID);
    let doc = key::document(&subject).unwrap();
    for vm in &doc.verification_method {
        let url = DidUrl::parse(&vm.id).unwrap();
        assert_eq!(url.did(), &subject);
        assert_eq!(
            dereference(&resolver, &url).await.unwrap(),
            Dereferenced::VerificationMethod(vm.clone())
        );
    }
    let unknown = subject.with_fragment("z6Mkother").unwrap();
    let err = dereference(&resolver, &unknown).await.unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
}

#[test]
fn results_deserialize_from_resolver_output() {
    // A result as another DID resolver might serve it.
    let text = r#"{
        "didDocument": null,
        "didResolutionMetadata": {"error": "notFound", "errorMessage": "gone", "x-trace": 1},
        "didDocumentMetadata": {"deactivated": true}
    }"#;
    let result: kith_did::ResolutionResult = serde_json::from_str(text).unwrap();
    assert!(!result.is_ok());
    assert_eq!(
        result.did_resolution_metadata.error.as_deref(),
        Some("notFound")
    );
    assert_eq!(result.did_resolution_metadata.extra["x-trace"], json!(1));
    assert_eq!(result.did_document_metadata.deactivated, Some(true));
    let back = serde_json::to_value(&result).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
}
