//! Group commit: `Store::record_issuances` allocates status entries and appends audit
//! entries for a whole batch in one transaction, by the same rules as the single calls.

use std::collections::{HashMap, HashSet};

use kith_store::status::DEFAULT_CAPACITY;
use kith_store::{Allocation, AuditEvent, IssuanceRecord, Store};

use crate::common::{both, now};

const PURPOSES: [&str; 2] = ["revocation", "suspension"];

fn record(credential_id: &str, purposes: &[&str]) -> IssuanceRecord {
    IssuanceRecord {
        credential_id: credential_id.to_owned(),
        purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
        audit: AuditEvent {
            actor: "apikey:test".into(),
            action: "credential.issue".into(),
            target: credential_id.to_owned(),
            request_id: format!("req-{credential_id}"),
            outcome: "ok".into(),
        },
    }
}

/// Every list's counter matches its entries, no list is over capacity, one is open per
/// purpose; returns the number of entries.
async fn lists_are_consistent(store: &Store) -> u64 {
    let status = store.status();
    let mut total = 0;
    for purpose in PURPOSES {
        let lists = status.lists(Some(purpose)).await.unwrap();
        if lists.is_empty() {
            continue;
        }
        assert_eq!(lists.iter().filter(|l| l.open).count(), 1, "{lists:?}");
        for list in &lists {
            assert!(list.allocated <= list.capacity, "{list:?}");
            if !list.open {
                assert_eq!(list.allocated, list.capacity, "a closed list is full");
            }
            total += list.allocated;
        }
    }
    total
}

fn assert_distinct<'a>(allocations: impl IntoIterator<Item = &'a Allocation>) -> usize {
    let mut seen = HashSet::new();
    for a in allocations {
        assert!(
            seen.insert((a.list_id.clone(), a.index)),
            "index handed out twice: {a:?}"
        );
    }
    seen.len()
}

both!(batch_of_500_over_two_purposes, |ctx| {
    let store = &ctx.store;
    // One entry before the batch: its seqs continue the chain.
    let first = store
        .audit()
        .append(&record("urn:c:before", &[]).audit, now())
        .await
        .unwrap();
    assert_eq!(first, 1);
    let items: Vec<IssuanceRecord> = (0..500)
        .map(|i| record(&format!("urn:c:{i}"), &PURPOSES))
        .collect();
    let recorded = store
        .record_issuances(&items, DEFAULT_CAPACITY, now())
        .await
        .unwrap();
    assert_eq!(recorded.len(), 500);
    let seqs: Vec<u64> = recorded.iter().map(|r| r.audit_seq).collect();
    assert_eq!(
        seqs,
        (2..=501).collect::<Vec<u64>>(),
        "contiguous, in order"
    );
    for (item, r) in items.iter().zip(&recorded) {
        let purposes: Vec<&str> = r.allocations.iter().map(|a| a.purpose.as_str()).collect();
        assert_eq!(purposes, PURPOSES);
        assert!(r.allocations.iter().all(|a| a.index < DEFAULT_CAPACITY));
        let mut stored = store
            .status()
            .entries_for(&item.credential_id)
            .await
            .unwrap();
        stored.sort_by(|a, b| a.purpose.cmp(&b.purpose));
        assert_eq!(stored, r.allocations);
    }
    assert_eq!(
        assert_distinct(recorded.iter().flat_map(|r| &r.allocations)),
        1000
    );
    // Random, not sequential.
    assert!(
        recorded[0..20]
            .iter()
            .any(|r| r.allocations[0].index >= 1000)
    );
    assert_eq!(lists_are_consistent(store).await, 1000);
    assert_eq!(store.status().lists(None).await.unwrap().len(), 2);

    let summary = store.audit().verify().await.unwrap().unwrap();
    assert_eq!(summary.entries, 501);
    let tail = store.audit().tail(2).await.unwrap();
    assert_eq!(tail[1].seq, 501);
    assert_eq!(tail[1].event, items[499].audit);
    assert_eq!(tail[0].event, items[498].audit);

    // A credential that has its entries already gets them back, its slot is not used;
    // the same credential twice in a batch gets one entry; empty purposes are audited only.
    let again = store
        .record_issuances(
            &[
                record("urn:c:7", &PURPOSES),
                record("urn:c:new", &["revocation"]),
                record("urn:c:new", &["revocation"]),
                record("urn:c:sd-jwt", &[]),
            ],
            DEFAULT_CAPACITY,
            now(),
        )
        .await
        .unwrap();
    assert_eq!(again[0].allocations, recorded[7].allocations);
    assert_eq!(again[1].allocations, again[2].allocations);
    assert!(again[3].allocations.is_empty());
    assert_eq!(
        again.iter().map(|r| r.audit_seq).collect::<Vec<_>>(),
        vec![502, 503, 504, 505]
    );
    // The single call sees the batch's entry.
    let single = store
        .status()
        .allocate("suspension", "urn:c:7", DEFAULT_CAPACITY, now())
        .await
        .unwrap();
    assert_eq!(single, recorded[7].allocations[1]);
    assert_eq!(lists_are_consistent(store).await, 1001);
    assert_eq!(store.audit().verify().await.unwrap().unwrap().entries, 505);

    // Refusals name the input and record nothing.
    let bad_purpose = store
        .record_issuances(
            &[
                record("urn:c:x", &["revocation"]),
                record("urn:c:y", &["Revocation!"]),
            ],
            DEFAULT_CAPACITY,
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(bad_purpose.code(), "invalid_input");
    let mut long = record("urn:c:z", &[]);
    long.audit.target = "x".repeat(kith_store::audit::MAX_FIELD_LEN + 1);
    assert_eq!(long.check().unwrap_err().code(), "invalid_input");
    assert_eq!(
        store
            .record_issuances(&[long], DEFAULT_CAPACITY, now())
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        store
            .record_issuances(&[record("urn:c:q", &[])], 0, now())
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(
        store
            .status()
            .entries_for("urn:c:x")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.audit().verify().await.unwrap().unwrap().entries, 505);
    assert!(
        store
            .record_issuances(&[], DEFAULT_CAPACITY, now())
            .await
            .unwrap()
            .is_empty()
    );
});

both!(batches_overflowing_small_lists_open_new_ones, |ctx| {
    let store = &ctx.store;
    let mut all = Vec::new();
    let mut n = 0;
    // Lists of 8: batches that end exactly at, just past, and many lists past a
    // boundary (the last one spans 15 lists).
    for size in [5, 3, 1, 13, 20, 7, 40, 120] {
        let items: Vec<IssuanceRecord> = (n..n + size)
            .map(|i| record(&format!("urn:c:{i}"), &PURPOSES))
            .collect();
        n += size;
        let recorded = store.record_issuances(&items, 8, now()).await.unwrap();
        for r in recorded {
            assert!(r.allocations.iter().all(|a| a.index < 8), "{r:?}");
            all.extend(r.allocations);
        }
        // Single calls interleave with the batches.
        all.push(
            store
                .status()
                .allocate("revocation", &format!("urn:single:{n}"), 8, now())
                .await
                .unwrap(),
        );
    }
    assert_eq!(n, 209);
    let total = assert_distinct(&all);
    assert_eq!(total, 209 * 2 + 8);
    assert_eq!(lists_are_consistent(store).await, total as u64);
    let mut per_list: HashMap<String, usize> = HashMap::new();
    for a in &all {
        *per_list.entry(a.list_id.clone()).or_default() += 1;
    }
    assert!(per_list.values().all(|&c| c <= 8));
    // 217 revocation entries and 209 suspension entries: 28 and 27 lists, the last
    // of each holding 1.
    let revocation = store.status().lists(Some("revocation")).await.unwrap();
    let suspension = store.status().lists(Some("suspension")).await.unwrap();
    assert_eq!(revocation.iter().map(|l| l.allocated).sum::<u64>(), 217);
    assert_eq!(revocation.len(), 28);
    assert_eq!(suspension.len(), 27);
    // The stored bits agree with what was handed out.
    for list in revocation.iter().chain(&suspension) {
        assert_eq!(
            per_list.get(&list.list_id).copied().unwrap_or(0) as u64,
            list.allocated
        );
    }
    assert_eq!(store.audit().verify().await.unwrap().unwrap().entries, 209);
});

both!(concurrent_batches_singles_and_appends, |ctx| {
    const WRITERS: usize = 8;
    const BATCHES: usize = 6;
    const ITEMS: usize = 15;
    const CAPACITY: u64 = 64;
    let mut batch_tasks = Vec::new();
    for w in 0..WRITERS {
        let store = ctx.store.clone();
        batch_tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for b in 0..BATCHES {
                let items: Vec<IssuanceRecord> = (0..ITEMS)
                    .map(|i| record(&format!("urn:b:{w}:{b}:{i}"), &PURPOSES))
                    .collect();
                let recorded = store
                    .record_issuances(&items, CAPACITY, now())
                    .await
                    .unwrap();
                out.extend(recorded);
            }
            out
        }));
    }
    let mut single_tasks = Vec::new();
    for t in 0..2 {
        let store = ctx.store.clone();
        single_tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in 0..20 {
                out.push(
                    store
                        .status()
                        .allocate(
                            PURPOSES[(t + i) % 2],
                            &format!("urn:s:{t}:{i}"),
                            CAPACITY,
                            now(),
                        )
                        .await
                        .unwrap(),
                );
            }
            out
        }));
    }
    let mut append_tasks = Vec::new();
    for t in 0..2 {
        let store = ctx.store.clone();
        append_tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..20 {
                seqs.push(
                    store
                        .audit()
                        .append(&record(&format!("urn:a:{t}:{i}"), &[]).audit, now())
                        .await
                        .unwrap(),
                );
            }
            seqs
        }));
    }
    let mut allocations = Vec::new();
    let mut seqs = Vec::new();
    for task in batch_tasks {
        for r in task.await.unwrap() {
            allocations.extend(r.allocations);
            seqs.push(r.audit_seq);
        }
    }
    for task in single_tasks {
        allocations.extend(task.await.unwrap());
    }
    for task in append_tasks {
        seqs.extend(task.await.unwrap());
    }
    let entries = WRITERS * BATCHES * ITEMS * 2 + 40;
    assert_eq!(assert_distinct(&allocations), entries);
    assert!(allocations.iter().all(|a| a.index < CAPACITY));
    assert_eq!(lists_are_consistent(&ctx.store).await, entries as u64);
    let events = WRITERS * BATCHES * ITEMS + 40;
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=events as u64).collect::<Vec<_>>());
    let summary = ctx.store.audit().verify().await.unwrap().unwrap();
    assert_eq!(summary.entries, events as u64);
});
