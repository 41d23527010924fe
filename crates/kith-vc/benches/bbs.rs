//! bbs-2023: derive and verify a credential with ten subject claims, revealing three.
//!
//! Run: `cargo bench -p kith-vc --bench bbs`. Target: `bbs-2023/derive` and
//! `bbs-2023/verify` at most 10 ms each. The base and derived proof sizes are printed
//! once before the measurements.
//!
//! The `breakdown/*` benchmarks time the stages derive and verify are made of, on the
//! same credential: JSON-LD context processing and toRdf (kith-ld), RDFC-1.0,
//! skolemization and relabelling, and BBS ProofGen / ProofVerify over as many
//! messages as the credential has non-mandatory statements.

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
    breakdown(c, &secured, &derived);
}

/// The stages of derive and verify, each on its own.
fn breakdown(c: &mut Criterion, secured: &Value, derived: &Value) {
    let mut group = c.benchmark_group("breakdown");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(20);

    let mut unsecured = secured.clone();
    let proof = unsecured
        .as_object_mut()
        .and_then(|o| o.remove("proof"))
        .expect("proof");
    // Context processing with next to nothing to expand: one node, one property.
    let context_only =
        json!({"@context": unsecured["@context"].clone(), "id": "urn:example:x", "name": "x"});
    group.bench_function("jsonld/context-only-to-rdf", |b| {
        b.iter(|| kith_ld::to_rdf(black_box(&context_only)).expect("toRdf"))
    });
    group.bench_function("jsonld/expand-credential", |b| {
        b.iter(|| kith_ld::expand(black_box(&unsecured)).expect("expand"))
    });
    group.bench_function("jsonld/to-rdf-credential", |b| {
        b.iter(|| kith_ld::to_rdf(black_box(&unsecured)).expect("toRdf"))
    });
    // The proof configuration: the proof options with the document's @context.
    let mut config = proof.clone();
    config
        .as_object_mut()
        .map(|o| o.remove("proofValue"))
        .expect("object");
    config["@context"] = unsecured["@context"].clone();
    group.bench_function("jsonld/to-rdf-proof-config", |b| {
        b.iter(|| kith_ld::to_rdf(black_box(&config)).expect("toRdf"))
    });

    let quads = kith_ld::to_rdf(&unsecured).expect("toRdf");
    let options = kith_ld::CanonOptions::default();
    group.bench_function("rdfc/canonicalize-credential", |b| {
        b.iter(|| kith_ld::canonicalize(black_box(&quads), &options).expect("canonical"))
    });

    let prefix = "urn:kith-skolem:0123456789abcdef0123456789abcdef:";
    group.bench_function("skolem/skolemize", |b| {
        b.iter(|| kith_ld::skolem::skolemize(black_box(&unsecured), prefix))
    });
    let skolemized = kith_ld::skolem::skolemize(&unsecured, prefix);
    group.bench_function("skolem/to-deskolemized-rdf", |b| {
        b.iter(|| {
            kith_ld::skolem::to_deskolemized_rdf(black_box(&skolemized.document), prefix)
                .expect("deskolemized")
        })
    });
    let deskolemized =
        kith_ld::skolem::to_deskolemized_rdf(&skolemized.document, prefix).expect("rdf");
    let canonical = kith_ld::canonicalize(&deskolemized, &options).expect("canonical");
    // createShuffledIdLabelMapFunction's cost: one HMAC per blank node, then a sort.
    group.bench_function("skolem/hmac-label-map", |b| {
        b.iter(|| {
            use hmac::{KeyInit, Mac};
            let mut digests: Vec<(String, Vec<u8>)> = canonical
                .issued
                .iter()
                .map(|(input, c14n)| {
                    let mut mac =
                        hmac::Hmac::<sha2::Sha256>::new_from_slice(&[7; 32]).expect("key");
                    mac.update(c14n.as_bytes());
                    (input.clone(), mac.finalize().into_bytes().to_vec())
                })
                .collect();
            digests.sort_by(|a, b| a.1.cmp(&b.1));
            black_box(digests)
        })
    });
    let labels: std::collections::HashMap<String, String> = canonical
        .issued
        .iter()
        .enumerate()
        .map(|(i, (input, _))| (input.clone(), format!("b{i}")))
        .collect();
    group.bench_function("skolem/relabel", |b| {
        b.iter(|| kith_ld::skolem::relabel(black_box(&deskolemized), &labels).expect("relabel"))
    });

    // BBS over the credential's own statements: the messages are every statement the
    // mandatory pointers do not select (issuer, validFrom and the credential's types),
    // four of them disclosed (the credentialSubject link and three claims), as in
    // derive and verify.
    let nquads = kith_ld::skolem::relabel(&deskolemized, &labels).expect("relabel");
    let mandatory = ["#issuer>", "#validFrom>", "22-rdf-syntax-ns#type>"];
    let messages: Vec<&[u8]> = nquads
        .iter()
        .filter(|line| !mandatory.iter().any(|m| line.contains(m)))
        .map(|line| line.as_bytes())
        .collect();
    let disclosed = [0usize, 2, 5, 9];
    let sk = kith_crypto::bbs::G2SecretKey::generate().expect("key");
    let header = [3u8; 64];
    let signature = kith_crypto::bbs::sign(&sk, &header, &messages).expect("sign");
    println!(
        "breakdown: {} statements, {} BBS messages, {} disclosed",
        nquads.len(),
        messages.len(),
        disclosed.len()
    );
    group.bench_function("bbs/proof-gen", |b| {
        b.iter(|| {
            kith_crypto::bbs::proof_gen(
                sk.public_key(),
                &signature,
                &header,
                b"nonce",
                black_box(&messages),
                &disclosed,
            )
            .expect("proof")
        })
    });
    let bbs_proof = kith_crypto::bbs::proof_gen(
        sk.public_key(),
        &signature,
        &header,
        b"nonce",
        &messages,
        &disclosed,
    )
    .expect("proof");
    let revealed: Vec<&[u8]> = disclosed.iter().map(|i| messages[*i]).collect();
    group.bench_function("bbs/proof-verify", |b| {
        b.iter(|| {
            kith_crypto::bbs::proof_verify(
                sk.public_key(),
                black_box(&bbs_proof),
                &header,
                b"nonce",
                &revealed,
                &disclosed,
            )
            .expect("verify")
        })
    });
    let value = derived["proof"]["proofValue"].as_str().unwrap_or_default();
    group.bench_function("proof-value/parse-derived", |b| {
        b.iter(|| bbs_2023::DerivedProofValue::parse(black_box(value)).expect("parse"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
