//! did:webvh log verification: parse `did.jsonl`, check every entry's hash chain, SCID,
//! eddsa-jcs-2022 proof by an authorized update key and pre-rotation commitment, and
//! resolve the latest version. Reported per entry, against the issue's ≤ 100 µs.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kith_crypto::{KeyType, PrivateKey};
use kith_did::ResolutionOptions;
use kith_did::method::webvh::{
    self, CreateRequest, LogEntry, UpdateRequest, VerifyOptions, next_key_hash, resolve_log,
    verify_entries,
};
use time::OffsetDateTime;

/// A log of `n` entries, each rotating to the key committed to by the previous one.
fn log(n: usize) -> (kith_did::Did, Vec<u8>) {
    let keys: Vec<PrivateKey> = (0..=n)
        .map(|_| PrivateKey::generate(KeyType::Ed25519).expect("key"))
        .collect();
    let hash = |k: &PrivateKey| next_key_hash(&k.public_key().to_multikey());
    let start = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let created = webvh::create(
        &CreateRequest {
            domain: "issuer.example".into(),
            next_key_hashes: vec![hash(&keys[1])],
            version_time: Some(start),
            ..CreateRequest::default()
        },
        &keys[0],
    )
    .expect("create");
    let mut entries: Vec<LogEntry> = vec![created.entry];
    for i in 1..n {
        let verified = verify_entries(entries.clone(), &VerifyOptions::default()).expect("log");
        let entry = webvh::update(
            &verified,
            &UpdateRequest {
                update_keys: Some(vec![keys[i].public_key()]),
                next_key_hashes: Some(vec![hash(&keys[i + 1])]),
                version_time: Some(start + time::Duration::hours(i as i64)),
                ..UpdateRequest::default()
            },
            &keys[i],
        )
        .expect("update");
        entries.push(entry);
    }
    (created.did, webvh::to_jsonl(&entries).into_bytes())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("webvh_verify_log");
    for n in [1usize, 10, 50] {
        let (did, bytes) = log(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("{n} entries"), |b| {
            b.iter(|| {
                resolve_log(
                    &did,
                    &bytes,
                    None,
                    &ResolutionOptions::default(),
                    &VerifyOptions::default(),
                )
                .expect("resolves")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
