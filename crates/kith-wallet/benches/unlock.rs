//! Wallet unlock: the Argon2id passphrase derivation (m = 19 MiB, t = 2, p = 1) plus
//! unwrapping the master key and opening the index. Deliberately slow: this is the
//! cost an attacker pays per passphrase guess.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use kith_wallet::Wallet;

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("wallet");
    drop(Wallet::create(&path, "a long wallet passphrase").expect("create"));
    let mut group = c.benchmark_group("wallet");
    group.sample_size(20);
    group.bench_function("unlock (Argon2id m=19 MiB t=2 p=1)", |b| {
        b.iter(|| {
            let wallet = Wallet::open(&path)
                .expect("open")
                .unlock("a long wallet passphrase")
                .expect("unlock");
            drop(wallet);
        });
    });
    group.finish();
}

criterion_group!(benches, unlock);
criterion_main!(benches);
