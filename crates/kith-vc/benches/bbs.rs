//! bbs-2023: derive and verify a credential with ten subject claims, revealing three.
//!
//! Run: `cargo bench -p kith-vc --bench bbs`. Target: `bbs-2023/derive` and
//! `bbs-2023/verify` at most 10 ms each. The base and derived proof sizes are printed
//! once before the measurements.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kith_crypto::{KeyType, PrivateKey};
use kith_did::method::key::KeyMethod;
use kith_vc::di::{self, DiVerifyOptions, ProofOptions, bbs_2023};
use serde_json::{Value, json};

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "givenName": "Alice",
            "familyName": "Liddell",
            "birthDate": "1990-05-04",
            "nationality": "GB",
            "documentNumber": "123456789",
            "email": "alice@example.com",
            "ageOver18": true,
            "height": 170,
            "eyeColor": "blue",
            "placeOfBirth": "Oxford"
        }
    })
}

fn proof_bytes(document: &Value) -> usize {
    let value = document["proof"]["proofValue"].as_str().unwrap_or_default();
    kith_crypto::multibase::base64url_decode(value.get(1..).unwrap_or_default())
        .map(|b| b.len())
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let key = PrivateKey::generate(KeyType::Bls12381G2).expect("key");
    let public = key.public_key();
    let issuer = kith_did::method::key::did_for(&public).to_string();
    let method = kith_vc::did_key_method_id(&public);
    let mandatory = vec!["/issuer".to_owned(), "/validFrom".to_owned()];
    let secured = bbs_2023::add_base_proof(
        &credential(&issuer),
        &key,
        ProofOptions::new(method),
        &mandatory,
    )
    .expect("base proof");
    let reveal: Vec<String> = ["birthDate", "nationality", "ageOver18"]
        .iter()
        .map(|name| format!("/credentialSubject/{name}"))
        .collect();
    let derived = bbs_2023::derive_proof(&secured, &reveal, b"nonce").expect("derive");
    let value = bbs_2023::DerivedProofValue::parse(
        derived["proof"]["proofValue"].as_str().unwrap_or_default(),
    )
    .expect("derived value");
    println!(
        "bbs-2023 sizes: base proofValue {} bytes, derived proofValue {} bytes (BBS proof {} bytes), derived credential {} bytes of JSON",
        proof_bytes(&secured),
        proof_bytes(&derived),
        value.bbs_proof.len(),
        derived.to_string().len()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let options = DiVerifyOptions::default();
    runtime
        .block_on(di::verify(&derived, &KeyMethod, &options))
        .expect("derived proof verifies");

    let mut group = c.benchmark_group("bbs-2023");
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(20);
    group.bench_function("derive", |b| {
        b.iter(|| bbs_2023::derive_proof(black_box(&secured), &reveal, b"nonce").expect("derive"))
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            runtime
                .block_on(di::verify(black_box(&derived), &KeyMethod, &options))
                .expect("verify")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
