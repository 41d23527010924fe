//! `vc+jwt` issue and verify against the raw signature they are built on.
//!
//! Run: `cargo bench -p kith-vc --bench jose`. Each benchmark reports time per
//! operation and, through `Throughput::Elements(1)`, operations per second. The
//! `parts/*` benchmarks split verification into its steps for profiling.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kith_crypto::{Algorithm, CompactJws, KeyType, LocalSigner, PrivateKey, PublicKey, Signer};
use kith_did::Relationship;
use kith_did::method::key::KeyMethod;
use kith_vc::model::Credential;
use kith_vc::{did_key_method_id, jose, resolve_authorized_key};
use serde_json::{Value, json};

/// A credential with ten subject claims.
fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "validUntil": "2034-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "givenName": "Alice",
            "familyName": "Liddell",
            "birthDate": "1990-05-04",
            "nationality": "GB",
            "documentNumber": "123456789",
            "address": {"street": "1 Rabbit Hole", "locality": "Oxford", "country": "GB"},
            "email": "alice@example.com",
            "ageOver18": true,
            "height": 165
        }
    })
}

fn signer(key_type: KeyType) -> (LocalSigner, String, String) {
    let signer = LocalSigner::new(PrivateKey::from_bytes(key_type, &[7; 32]).expect("fixed key"))
        .expect("signs");
    let kid = did_key_method_id(&signer.public_key());
    let did = kid.split('#').next().expect("did").to_owned();
    (signer, kid, did)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("jose");
    group.throughput(Throughput::Elements(1));

    let (ed, ed_kid, ed_did) = signer(KeyType::Ed25519);
    let ed_vc = credential(&ed_did);
    let ed_jwt = rt
        .block_on(jose::issue_vc_jwt(&ed_vc, &ed, &ed_kid))
        .expect("issue");
    let (p256, p256_kid, p256_did) = signer(KeyType::P256);
    let p256_jwt = rt
        .block_on(jose::issue_vc_jwt(&credential(&p256_did), &p256, &p256_kid))
        .expect("issue");

    group.bench_function("issue_vc_jwt/EdDSA", |b| {
        b.iter(|| {
            rt.block_on(jose::issue_vc_jwt(black_box(&ed_vc), &ed, &ed_kid))
                .expect("issue")
        });
    });
    group.bench_function("verify_vc_jwt/EdDSA", |b| {
        b.iter(|| {
            rt.block_on(jose::verify_vc_jwt(black_box(&ed_jwt), &KeyMethod))
                .expect("verify")
        });
    });
    // The production shape: resolutions cached by the resolver (DESIGN.md, the hot path).
    let cached = kith_did::CachingResolver::new(
        std::sync::Arc::new(KeyMethod),
        kith_did::CacheConfig::default(),
    );
    group.bench_function("verify_vc_jwt/EdDSA+CachingResolver", |b| {
        b.iter(|| {
            rt.block_on(jose::verify_vc_jwt(black_box(&ed_jwt), &cached))
                .expect("verify")
        });
    });
    group.bench_function("verify_vc_jwt/ES256", |b| {
        b.iter(|| {
            rt.block_on(jose::verify_vc_jwt(black_box(&p256_jwt), &KeyMethod))
                .expect("verify")
        });
    });

    // The baselines: the bare signature check over the same signing input.
    let (input, signature) = ed_jwt.rsplit_once('.').expect("three parts");
    let signature = kith_crypto::multibase::base64url_decode(signature).expect("b64");
    let ed_key: PublicKey = ed.public_key();
    group.bench_function("raw_verify/EdDSA", |b| {
        b.iter(|| {
            ed_key
                .verify(Algorithm::EdDsa, black_box(input.as_bytes()), &signature)
                .expect("verify")
        });
    });
    let (p_input, p_signature) = p256_jwt.rsplit_once('.').expect("three parts");
    let p_signature = kith_crypto::multibase::base64url_decode(p_signature).expect("b64");
    let p_key = p256.public_key();
    group.bench_function("raw_verify/ES256", |b| {
        b.iter(|| {
            p_key
                .verify(
                    Algorithm::Es256,
                    black_box(p_input.as_bytes()),
                    &p_signature,
                )
                .expect("verify")
        });
    });

    // The steps of verify_vc_jwt, for profiling.
    group.bench_function("parts/CompactJws::parse", |b| {
        b.iter(|| CompactJws::parse(black_box(&ed_jwt)).expect("parse"));
    });
    let payload = CompactJws::parse(&ed_jwt)
        .expect("parse")
        .payload()
        .to_vec();
    group.bench_function("parts/json::parse", |b| {
        b.iter(|| kith_vc::json::parse(black_box(&payload)).expect("json"));
    });
    group.bench_function("parts/Credential::from_json", |b| {
        b.iter(|| Credential::from_json(black_box(ed_vc.clone())).expect("model"));
    });
    group.bench_function("parts/resolve_authorized_key(did:key)", |b| {
        b.iter(|| {
            rt.block_on(resolve_authorized_key(
                &KeyMethod,
                black_box(&ed_kid),
                Some(&ed_did),
                Relationship::AssertionMethod,
            ))
            .expect("key")
        });
    });
    // Inside resolve_authorized_key: building the did:key document (which derives the
    // X25519 key-agreement key) and decoding the method's key again.
    let did = kith_did::Did::parse(&ed_did).expect("did");
    let options = kith_did::ResolutionOptions::default();
    group.bench_function("parts/KeyMethod::resolve", |b| {
        b.iter(|| {
            rt.block_on(kith_did::Resolver::resolve(
                &KeyMethod,
                black_box(&did),
                &options,
            ))
            .expect("resolve")
        });
    });
    let document = kith_did::method::key::document(&did).expect("document");
    let url = kith_did::DidUrl::parse(&ed_kid).expect("url");
    group.bench_function("parts/find_method+authorizes", |b| {
        b.iter(|| {
            let document = black_box(&document);
            (
                document.find_method(&url).is_some(),
                document.authorizes(&url, Relationship::AssertionMethod),
            )
        });
    });
    let multikey = ed_key.to_multikey();
    group.bench_function("parts/PublicKey::from_multikey(Ed25519)", |b| {
        b.iter(|| PublicKey::from_multikey(black_box(&multikey)).expect("key"));
    });
    group.bench_function("parts/PublicKey::to_x25519", |b| {
        b.iter(|| black_box(&ed_key).to_x25519().expect("x25519"));
    });
    group.finish();

    // The target compares rates measured on a busy machine; interleaving the two and
    // keeping each one's best round makes the ratio robust to other load.
    let round = |f: &dyn Fn()| {
        let start = std::time::Instant::now();
        for _ in 0..200 {
            f();
        }
        start.elapsed().as_nanos() as f64 / 200.0
    };
    let (mut raw, mut full, mut cached_ns, mut resolve) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..30 {
        raw = raw.min(round(&|| {
            ed_key
                .verify(Algorithm::EdDsa, black_box(input.as_bytes()), &signature)
                .expect("verify")
        }));
        full = full.min(round(&|| {
            rt.block_on(jose::verify_vc_jwt(black_box(&ed_jwt), &KeyMethod))
                .expect("verify");
        }));
        cached_ns = cached_ns.min(round(&|| {
            rt.block_on(jose::verify_vc_jwt(black_box(&ed_jwt), &cached))
                .expect("verify");
        }));
        resolve = resolve.min(round(&|| {
            rt.block_on(resolve_authorized_key(
                &KeyMethod,
                &ed_kid,
                Some(&ed_did),
                Relationship::AssertionMethod,
            ))
            .expect("key");
        }));
    }
    println!("\ninterleaved, best of 30 rounds x 200 (ns/op, ops/s):");
    for (name, ns) in [
        ("raw Ed25519 verify", raw),
        ("verify_vc_jwt, KeyMethod", full),
        ("verify_vc_jwt, CachingResolver", cached_ns),
        ("resolve_authorized_key, KeyMethod", resolve),
    ] {
        println!("  {name:<36} {ns:>10.0} ns  {:>8.0} ops/s", 1e9 / ns);
    }
    println!(
        "  vc+jwt verify rate / raw Ed25519 rate: {:.0}% (KeyMethod), {:.0}% (CachingResolver); \
         vc+jwt work outside resolution and the signature: {:.0} ns",
        100.0 * raw / full,
        100.0 * raw / cached_ns,
        full - raw - resolve
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
