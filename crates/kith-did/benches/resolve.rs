//! did:key resolution cost: DID parsing, Multikey decoding and document building,
//! for Ed25519 (which also derives an X25519 keyAgreement key) and P-256, directly and
//! through the async [`Resolver`] trait; plus DID URL parsing.
//!
//! The `breakdown_*` benches split Ed25519 resolution into its steps.
//!
//! `cargo bench -p kith-did --bench resolve` takes about half a minute (1 s warm-up,
//! 3 s measurement each).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kith_crypto::{KeyType, PrivateKey, PublicKey, multibase};
use kith_did::method::key::{self, KeyMethod};
use kith_did::{Did, DidUrl, ResolutionOptions, Resolver};

/// The did:key spec's Ed25519 example.
const ED25519_DID: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const DID_URL: &str = "did:example:123/path/to?versionId=1&service=agent#keys-1";

/// Parse the DID, decode its key, build the document: one did:key resolution.
fn resolve_sync(text: &str) -> kith_did::Document {
    let did = Did::parse(text).unwrap();
    key::document(&did).unwrap()
}

fn resolve(c: &mut Criterion) {
    // Fail loudly rather than benchmark an error path.
    let doc = resolve_sync(ED25519_DID);
    assert_eq!(doc.verification_method.len(), 2, "Ed25519 + derived X25519");
    c.bench_function("did_key_resolve_ed25519", |b| {
        b.iter(|| resolve_sync(black_box(ED25519_DID)))
    });

    let p256 = PrivateKey::generate(KeyType::P256).unwrap().public_key();
    let p256_did = key::did_for(&p256).to_string();
    assert_eq!(resolve_sync(&p256_did).verification_method.len(), 1);
    c.bench_function("did_key_resolve_p256", |b| {
        b.iter(|| resolve_sync(black_box(&p256_did)))
    });

    // criterion's async support is not enabled in this workspace (default features off),
    // so block on a current-thread runtime inside the loop: the cost includes entering it.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let options = ResolutionOptions::default();
    c.bench_function("did_key_resolve_via_resolver_trait", |b| {
        b.iter(|| {
            let did = Did::parse(black_box(ED25519_DID)).unwrap();
            rt.block_on(KeyMethod.resolve(&did, &options)).unwrap()
        })
    });

    let url = DidUrl::parse(DID_URL).unwrap();
    assert_eq!(url.fragment(), Some("keys-1"));
    c.bench_function("did_url_parse", |b| {
        b.iter(|| DidUrl::parse(black_box(DID_URL)).unwrap())
    });
}

/// Where Ed25519 resolution spends its time.
fn breakdown(c: &mut Criterion) {
    let did = Did::parse(ED25519_DID).unwrap();
    let id = did.method_specific_id().to_owned();
    c.bench_function("breakdown_did_parse", |b| {
        b.iter(|| Did::parse(black_box(ED25519_DID)).unwrap())
    });
    c.bench_function("breakdown_base58_decode", |b| {
        b.iter(|| multibase::decode_base58btc(black_box(&id)).unwrap())
    });
    c.bench_function("breakdown_decode_key", |b| {
        b.iter(|| key::decode(black_box(&did)).unwrap())
    });
    let public = key::decode(&did).unwrap();
    c.bench_function("breakdown_ed25519_to_x25519", |b| {
        b.iter(|| black_box(&public).to_x25519().unwrap())
    });
    c.bench_function("breakdown_to_multikey", |b| {
        b.iter(|| black_box(&public).to_multikey())
    });
    let raw = public.to_bytes();
    c.bench_function("breakdown_ed25519_point_decompress", |b| {
        b.iter(|| PublicKey::from_bytes(KeyType::Ed25519, black_box(&raw)).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = resolve, breakdown
}
criterion_main!(benches);
