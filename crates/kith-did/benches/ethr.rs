//! did:ethr local costs (no network): decoding an `eth_getLogs` answer of one block
//! and building a document from an identity's history.
//!
//! `cargo bench -p kith-did --bench ethr`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kith_crypto::{KeyType, PrivateKey};
use kith_did::method::ethr::abi::{self, EventKind};
use kith_did::method::ethr::history::{BlockInfo, next_block, parse_block_logs};
use kith_did::method::ethr::{Address, ChainEvent, did_for_address, document, parse_did};
use serde_json::{Value, json};

fn word(v: u64) -> String {
    format!("{v:064x}")
}

/// One block's logs: `n` attribute changes of `identity` (Ed25519 keys).
fn logs(n: usize, identity: &Address) -> Value {
    let topic = format!("0x{}", hex::encode(abi::event_topics()[2]));
    let name = hex::encode(abi::bytes32_from_str("did/pub/Ed25519/veriKey").unwrap());
    let logs: Vec<Value> = (0..n)
        .map(|i| {
            let key = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key().to_bytes();
            let previous = if i == 0 { 9 } else { 10 };
            json!({
                "address": format!("0x{}", "00".repeat(20)),
                "blockNumber": "0xa",
                "blockHash": format!("0x{}", "00".repeat(32)),
                "logIndex": format!("0x{i:x}"),
                "removed": false,
                "topics": [topic, format!("0x{}", hex::encode(identity.to_word()))],
                "data": format!("0x{name}{}{}{}{}{}", word(128), word(u64::MAX), word(previous), word(32), hex::encode(key)),
            })
        })
        .collect();
    Value::Array(logs)
}

fn bench(c: &mut Criterion) {
    let identity = Address([0x42; 20]);
    let block = BlockInfo {
        number: 10,
        hash: [0; 32],
        timestamp: 1_700_000_000,
    };
    let answer = logs(50, &identity);
    c.bench_function("ethr_decode_block_of_50_logs", |b| {
        b.iter(|| {
            let decoded =
                parse_block_logs(black_box(&answer), &block, &Address::ZERO, &identity).unwrap();
            next_block(10, &decoded).unwrap()
        })
    });

    let did = did_for_address(Some("dev"), &identity).unwrap();
    let parsed = parse_did(&did).unwrap();
    let events: Vec<ChainEvent> = parse_block_logs(&answer, &block, &Address::ZERO, &identity)
        .unwrap()
        .into_iter()
        .map(|(i, l)| ChainEvent {
            block: 10,
            log_index: i,
            timestamp: block.timestamp,
            kind: l.kind,
        })
        .chain((0..50u8).map(|i| ChainEvent {
            block: 11,
            log_index: u64::from(i),
            timestamp: block.timestamp + 12,
            kind: EventKind::DelegateChanged {
                delegate_type: abi::bytes32_from_str("veriKey").unwrap(),
                delegate: Address([i; 20]),
                valid_to: u64::MAX,
            },
        }))
        .collect();
    c.bench_function("ethr_build_document_100_events", |b| {
        b.iter(|| {
            document::build(
                &did,
                &parsed,
                1,
                identity,
                black_box(&events),
                1_700_000_100,
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
