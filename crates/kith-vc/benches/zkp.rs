//! kith-zkp-2026: one range predicate (`birthDate <= 2008-11-28`) on a credential of
//! four claims, proof creation and verification (targets: ≤ 40 ms, ≤ 15 ms); the
//! proof size is printed.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kith_crypto::{KeyType, PublicKey};
use kith_vc::zkp::{self, IssuerSecretKey, Predicate, PresentOptions};
use kith_vc::{Challenge, Verifier};
use serde_json::json;

fn bench(c: &mut Criterion) {
    let key = IssuerSecretKey::generate().unwrap();
    let public = PublicKey::from_bytes(KeyType::Bls12381G2, &key.public_key().to_bytes()).unwrap();
    let did = kith_did::method::key::did_for(&public).to_string();
    let kid = kith_vc::did_key_method_id(&public);
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"name": "Alice", "birthDate": "2001-05-17", "nationality": "NL", "score": 7}
    });
    let issued = zkp::issue(&credential, &key, &kid).unwrap();
    let options = PresentOptions {
        reveal: vec![],
        predicates: Predicate::parse("/credentialSubject/birthDate <= 2008-11-28").unwrap(),
        challenge: "nonce".into(),
        domain: "verifier.example".into(),
    };
    let presentation = zkp::present(&issued, key.public_key(), &options).unwrap();
    let proof_value = presentation["verifiableCredential"][0]["proof"]["proofValue"]
        .as_str()
        .unwrap()
        .to_owned();
    let proof_len = kith_crypto::multibase::base64url_decode(&proof_value[1..])
        .unwrap()
        .len();
    println!(
        "kith-zkp-2026 one-predicate proof: {proof_len} bytes ({} as proofValue), presentation {} bytes",
        proof_value.len(),
        presentation.to_string().len()
    );
    c.bench_function("zkp/prove one range predicate", |b| {
        b.iter(|| zkp::present(black_box(&issued), key.public_key(), &options).unwrap())
    });
    let mut resolver = kith_did::MethodResolver::new();
    resolver.register("key", Arc::new(kith_did::method::key::KeyMethod));
    let verifier = Verifier::new(Arc::new(resolver));
    let challenge = Challenge {
        nonce: "nonce".into(),
        audience: "verifier.example".into(),
    };
    let text = presentation.to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function("zkp/verify one range predicate", |b| {
        b.iter(|| {
            let report = rt.block_on(zkp::verify_presentation(
                &verifier,
                black_box(&text),
                &challenge,
                &options.predicates,
            ));
            assert!(report.report.verified);
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
