//! Bitstring Status List: the cached check (entry → bit), the target being at least
//! 1,000,000 checks per second in one process, and encoding/decoding a 16 KB list.
//!
//! Run: `cargo bench -p kith-vc --bench status`. Each benchmark reports time per
//! operation and, through `Throughput::Elements`, operations per second.
//! `cached/valid_2_threads` runs the checks on two threads at once and reports the
//! time per check of the pair (so its rate is the process's).

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::MethodResolver;
use kith_did::method::key::KeyMethod;
use kith_vc::status::{
    BitstringStatusChecker, BitstringStatusList, LocalStatusLists, StatusChecker, StatusPurpose,
    StatusResult, status_entry, status_list_credential,
};
use kith_vc::{Verifier, di, did_key_method_id};

const LIST: &str = "https://issuer.example/status/1";

/// Polls a future that never waits (a cache hit) to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// A checker with one signed revocation list (index 7 set) already cached.
fn warm_checker() -> (Arc<BitstringStatusChecker>, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let signer = LocalSigner::new(PrivateKey::from_bytes(KeyType::Ed25519, &[7; 32]).expect("key"))
        .expect("signer");
    let kid = did_key_method_id(&signer.public_key());
    let did = kid.split('#').next().expect("did").to_owned();
    let mut list = BitstringStatusList::default();
    list.set(7, true).expect("in range");
    let valid_from = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let unsigned = status_list_credential(
        LIST,
        &did,
        StatusPurpose::Revocation,
        &list,
        valid_from,
        Some(3_600_000),
    );
    let signed = runtime
        .block_on(di::add_proof(
            &unsigned,
            "eddsa-jcs-2022",
            &signer,
            di::ProofOptions::new(kid),
        ))
        .expect("signed");
    let lists = Arc::new(LocalStatusLists::new());
    lists.insert(LIST, signed.to_string());
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    let verifier = Verifier::new(Arc::new(resolver));
    let checker = Arc::new(BitstringStatusChecker::new(&verifier, lists));
    let entry = status_entry(LIST, StatusPurpose::Revocation, 7);
    let warm = runtime.block_on(checker.check_issued_by(&entry, &did));
    assert!(matches!(warm, StatusResult::Revoked(_)), "{warm:?}");
    (checker, did)
}

fn bench(c: &mut Criterion) {
    let (checker, did) = warm_checker();
    let valid = status_entry(LIST, StatusPurpose::Revocation, 94_567);
    let revoked = status_entry(LIST, StatusPurpose::Revocation, 7);
    assert_eq!(
        ready(checker.check_issued_by(&valid, &did)),
        StatusResult::Valid
    );

    let mut group = c.benchmark_group("cached");
    group.throughput(Throughput::Elements(1));
    group.bench_function("valid", |b| {
        b.iter(|| ready(checker.check_issued_by(black_box(&valid), black_box(&did))))
    });
    group.bench_function("revoked", |b| {
        b.iter(|| ready(checker.check_issued_by(black_box(&revoked), black_box(&did))))
    });
    group.bench_function("valid_2_threads", |b| {
        b.iter_custom(|iters| {
            let half = iters.div_ceil(2);
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..half {
                            black_box(ready(checker.check_issued_by(&valid, &did)));
                        }
                    });
                }
            });
            start.elapsed().div_f64(2.0)
        })
    });
    group.finish();

    let mut list = BitstringStatusList::default();
    for i in (0..131_072).step_by(97) {
        list.set(i, true).expect("in range");
    }
    let encoded = list.encode();
    let mut group = c.benchmark_group("list_16k");
    group.throughput(Throughput::Elements(1));
    group.bench_function("encode", |b| b.iter(|| black_box(&list).encode()));
    group.bench_function("decode", |b| {
        b.iter(|| BitstringStatusList::decode(black_box(&encoded)).expect("decodes"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
