//! Verification cost: bare ed25519-dalek against kith-crypto's parse + allow-list +
//! verify for each JWS algorithm, plus Ed25519 signing.
//!
//! `cargo bench -p kith-crypto` takes about half a minute (1 s warm-up, 3 s measurement each).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kith_crypto::multibase::base64url_decode;
use kith_crypto::{Algorithm, CompactJws, Header, KeyType, LocalSigner, PrivateKey, sign_compact};

/// A ~200-byte JWT-like payload.
const PAYLOAD: &[u8] = br#"{"iss":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","sub":"did:example:ebfeb1f712ebc6f1c276e12ec21","nbf":1262304000,"jti":"urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5","vc":{"type":"Badge"}}"#;

fn key(key_type: KeyType) -> PrivateKey {
    let seed = vec![0x2a; key_type.secret_len()];
    PrivateKey::from_bytes(key_type, &seed).expect("fixed seed is a valid scalar")
}

fn jws(key: &PrivateKey) -> String {
    let signer = LocalSigner::new(key.clone()).expect("signing key");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(sign_compact(Header::default(), PAYLOAD, &signer))
        .expect("sign")
}

fn bench_parse_and_verify(c: &mut Criterion, name: &str, key_type: KeyType, alg: Algorithm) {
    let key = key(key_type);
    let public = key.public_key();
    let token = jws(&key);
    // Fail loudly rather than benchmark an error path.
    assert_eq!(
        CompactJws::parse(&token)
            .unwrap()
            .verify(&public, &[alg])
            .unwrap(),
        alg
    );
    c.bench_function(name, |b| {
        b.iter(|| {
            let parsed = CompactJws::parse(black_box(&token)).unwrap();
            parsed.verify(black_box(&public), &[alg]).unwrap()
        })
    });
}

fn verify(c: &mut Criterion) {
    let key = key(KeyType::Ed25519);
    let token = jws(&key);
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    assert!(PAYLOAD.len() >= 190, "payload is {} bytes", PAYLOAD.len());

    // The floor: ed25519-dalek's strict verification of the exact JWS signing input.
    let seed: [u8; 32] = key.to_bytes()[..].try_into().unwrap();
    let dalek = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let sig = ed25519_dalek::Signature::from_slice(&base64url_decode(signature).unwrap()).unwrap();
    dalek.verify_strict(signing_input.as_bytes(), &sig).unwrap();
    c.bench_function("ed25519_dalek_verify_strict_raw", |b| {
        b.iter(|| {
            black_box(&dalek)
                .verify_strict(black_box(signing_input.as_bytes()), &sig)
                .unwrap()
        })
    });

    bench_parse_and_verify(
        c,
        "jws_eddsa_parse_and_verify",
        KeyType::Ed25519,
        Algorithm::EdDsa,
    );
    bench_parse_and_verify(
        c,
        "jws_es256_parse_and_verify",
        KeyType::P256,
        Algorithm::Es256,
    );
    bench_parse_and_verify(
        c,
        "jws_es256k_parse_and_verify",
        KeyType::Secp256k1,
        Algorithm::Es256K,
    );

    c.bench_function("ed25519_sign", |b| {
        b.iter(|| key.sign(black_box(signing_input.as_bytes())).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = verify
}
criterion_main!(benches);
