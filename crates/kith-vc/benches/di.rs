//! Data Integrity issue and verify against the raw signature they are built on.
//!
//! Run: `cargo bench -p kith-vc --bench di` (1 s warm-up, 3 s measurement each). Each
//! benchmark reports time per operation and, through `Throughput::Elements(1)`,
//! operations per second. The `parts/*` benchmarks split eddsa-jcs-2022 verification
//! into its steps for profiling.
//!
//! Targets: `eddsa-jcs-2022/verify` at least 60% of the `ed25519/raw-verify` rate;
//! `eddsa-rdfc-2022/verify` ≤ 0.3 ms (digitalbazaar's JavaScript suite: 0.65 ms).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kith_crypto::{Algorithm, KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::method::key::KeyMethod;
use kith_did::{CacheConfig, CachingResolver, Relationship};
use kith_vc::di::{self, DiVerifyOptions, EDDSA_JCS_2022, EDDSA_RDFC_2022, ProofOptions};
use kith_vc::{did_key_method_id, resolve_authorized_key};
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
    let seed = vec![7; key_type.secret_len()];
    let signer = LocalSigner::new(PrivateKey::from_bytes(key_type, &seed).expect("fixed key"))
        .expect("signs");
    let method = did_key_method_id(&signer.public_key());
    let did = method.split('#').next().expect("did").to_owned();
    (signer, method, did)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let opts = DiVerifyOptions::default();
    let mut group = c.benchmark_group("di");
    group.throughput(Throughput::Elements(1));

    let (ed, ed_method, ed_did) = signer(KeyType::Ed25519);
    let ed_vc = credential(&ed_did);
    let ed_secured = rt
        .block_on(di::add_proof(
            &ed_vc,
            "eddsa-jcs-2022",
            &ed,
            ProofOptions::new(&ed_method),
        ))
        .expect("issue");
    rt.block_on(di::verify(&ed_secured, &KeyMethod, &opts))
        .expect("the benchmarked proof verifies");

    group.bench_function("eddsa-jcs-2022/issue", |b| {
        b.iter(|| {
            rt.block_on(di::add_proof(
                black_box(&ed_vc),
                "eddsa-jcs-2022",
                &ed,
                ProofOptions::new(&ed_method),
            ))
            .expect("issue")
        })
    });
    group.bench_function("eddsa-jcs-2022/verify", |b| {
        b.iter(|| {
            rt.block_on(di::verify(black_box(&ed_secured), &KeyMethod, &opts))
                .expect("verify")
        })
    });

    // The verifier's real configuration: resolutions cached (DESIGN "resolve issuer key
    // (cached)"). The key is still decoded from the cached document on every verify.
    let cached = CachingResolver::new(Arc::new(KeyMethod), CacheConfig::default());
    group.bench_function("eddsa-jcs-2022/verify-cached-resolver", |b| {
        b.iter(|| {
            rt.block_on(di::verify(black_box(&ed_secured), &cached, &opts))
                .expect("verify")
        })
    });

    let (p256, p256_method, p256_did) = signer(KeyType::P256);
    let p256_secured = rt
        .block_on(di::add_proof(
            &credential(&p256_did),
            "ecdsa-jcs-2019",
            &p256,
            ProofOptions::new(&p256_method),
        ))
        .expect("issue");
    rt.block_on(di::verify(&p256_secured, &KeyMethod, &opts))
        .expect("the benchmarked proof verifies");
    group.bench_function("ecdsa-jcs-2019-p256/verify", |b| {
        b.iter(|| {
            rt.block_on(di::verify(black_box(&p256_secured), &KeyMethod, &opts))
                .expect("verify")
        })
    });

    // eddsa-rdfc-2022 (target ≤ 0.3 ms for a typical credential): JSON-LD expansion
    // with the bundled contexts, toRdf and RDFC-1.0 canonicalization of the document
    // and of the proof configuration, then one Ed25519 verification.
    let ed_rdfc = rt
        .block_on(di::add_proof(
            &ed_vc,
            "eddsa-rdfc-2022",
            &ed,
            ProofOptions::new(&ed_method),
        ))
        .expect("issue");
    rt.block_on(di::verify(&ed_rdfc, &KeyMethod, &opts))
        .expect("the benchmarked proof verifies");
    group.bench_function("eddsa-rdfc-2022/verify", |b| {
        b.iter(|| {
            rt.block_on(di::verify(black_box(&ed_rdfc), &KeyMethod, &opts))
                .expect("verify")
        })
    });

    // The baseline: one Ed25519 verification of 64 bytes (the size of DI hash data).
    let public = ed.public_key();
    let message = [0x5a_u8; 64];
    let signature = rt.block_on(ed.sign(&message)).expect("sign");
    group.bench_function("ed25519/raw-verify", |b| {
        b.iter(|| {
            public
                .verify(Algorithm::EdDsa, black_box(&message), black_box(&signature))
                .expect("verify")
        })
    });
    group.finish();

    // eddsa-jcs-2022 verification, step by step.
    let mut parts = c.benchmark_group("parts");
    parts.throughput(Throughput::Elements(1));
    let input = di::input_document(&ed_secured, &[]).expect("input");
    parts.bench_function("input-document", |b| {
        b.iter(|| di::input_document(black_box(&ed_secured), &[]).expect("input"))
    });
    parts.bench_function("transform-jcs", |b| {
        b.iter(|| di::transform(&EDDSA_JCS_2022, black_box(&input)))
    });
    let proof = di::Proof::parse(&ed_secured["proof"]).expect("proof");
    parts.bench_function("proof-configuration", |b| {
        b.iter(|| {
            di::proof_configuration(&EDDSA_JCS_2022, black_box(&proof.options())).expect("config")
        })
    });
    // The eddsa-rdfc-2022 steps that take the JSON-LD processor: the credential's
    // transformation, and the proof configuration (written as RDF directly for the
    // credentials v2 DataIntegrityProof shape, di/proof_config_rdf.rs).
    let rdfc_input = di::input_document(&ed_rdfc, &[]).expect("input");
    parts.bench_function("transform-rdfc", |b| {
        b.iter(|| di::transform(&EDDSA_RDFC_2022, black_box(&rdfc_input)).expect("rdfc"))
    });
    let mut rdfc_options = di::Proof::parse(&ed_rdfc["proof"])
        .expect("proof")
        .options();
    rdfc_options.insert("@context".into(), ed_rdfc["@context"].clone());
    parts.bench_function("proof-configuration-rdfc", |b| {
        b.iter(|| {
            di::proof_configuration(&EDDSA_RDFC_2022, black_box(&rdfc_options)).expect("config")
        })
    });
    let transformed = di::transform(&EDDSA_JCS_2022, &input).unwrap();
    let config = di::proof_configuration(&EDDSA_JCS_2022, &proof.options()).expect("config");
    parts.bench_function("hash", |b| {
        b.iter(|| di::hash(&EDDSA_JCS_2022, black_box(&config), black_box(&transformed)))
    });
    parts.bench_function("resolve-did-key", |b| {
        b.iter(|| {
            rt.block_on(resolve_authorized_key(
                &KeyMethod,
                black_box(&ed_method),
                Some(&ed_did),
                Relationship::AssertionMethod,
            ))
            .expect("key")
        })
    });
    let did = kith_did::Did::parse(&ed_did).expect("did");
    parts.bench_function("did-key-document", |b| {
        b.iter(|| kith_did::method::key::document(black_box(&did)).expect("document"))
    });
    parts.bench_function("verify-proof", |b| {
        b.iter(|| {
            di::verify_proof(black_box(&input), &ed_secured["proof"], &public).expect("verify")
        })
    });
    parts.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
