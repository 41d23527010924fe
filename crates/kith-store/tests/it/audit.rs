use kith_store::{AuditEvent, AuditViolation};

use crate::common::{Ctx, both, now};

fn event(i: usize) -> AuditEvent {
    AuditEvent {
        actor: format!("key-{}", i % 3),
        action: "credential.issue".into(),
        target: format!("urn:uuid:{i}"),
        request_id: format!("req-{i}"),
        outcome: "ok".into(),
    }
}

async fn fifty(ctx: &Ctx) {
    let audit = ctx.store.audit();
    for i in 0..50 {
        let seq = audit
            .append(&event(i), now() + time::Duration::seconds(i as i64))
            .await
            .unwrap();
        assert_eq!(seq, i as u64 + 1);
    }
}

both!(append_and_verify, |ctx| {
    let audit = ctx.store.audit();
    let empty = audit.verify().await.unwrap().unwrap();
    assert_eq!(empty.entries, 0);
    assert_eq!(empty.head, kith_store::audit::GENESIS_HASH);
    fifty(&ctx).await;
    let summary = audit.verify().await.unwrap().unwrap();
    assert_eq!(summary.entries, 50);
    let tail = audit.tail(3).await.unwrap();
    assert_eq!(
        tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![48, 49, 50]
    );
    assert_eq!(tail[2].hash, summary.head);
    assert_eq!(tail[1].hash, tail[2].prev_hash);
    assert_eq!(tail[2].event, event(49));
    assert_eq!(tail[2].time, now() + time::Duration::seconds(49));
    assert_eq!(audit.tail(100).await.unwrap().len(), 50);
});

both!(edited_row_is_detected, |ctx| {
    fifty(&ctx).await;
    ctx.exec("UPDATE audit_log SET action = 'credential.revoke' WHERE seq = 17")
        .await;
    let violation = ctx.store.audit().verify().await.unwrap().unwrap_err();
    assert_eq!(violation, AuditViolation::Edited { seq: 17 });
    assert_eq!(violation.code(), "audit_entry_edited");
});

both!(deleted_row_is_detected, |ctx| {
    fifty(&ctx).await;
    assert_eq!(ctx.exec("DELETE FROM audit_log WHERE seq = 25").await, 1);
    let violation = ctx.store.audit().verify().await.unwrap().unwrap_err();
    assert_eq!(violation, AuditViolation::Deleted { after_seq: 24 });
    assert_eq!(violation.code(), "audit_entry_deleted");
    // Deleting the start is detected too.
    ctx.exec("DELETE FROM audit_log WHERE seq = 1").await;
    assert_eq!(
        ctx.store.audit().verify().await.unwrap().unwrap_err(),
        AuditViolation::Deleted { after_seq: 0 }
    );
});

/// The documented entry hash, recomputed independently of the crate.
fn forge_hash(prev_hash: &str, seq: i64, time_ms: i64, e: &AuditEvent) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"kith audit v1\0");
    h.update(prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(time_ms.to_be_bytes());
    for f in [&e.actor, &e.action, &e.target, &e.request_id, &e.outcome] {
        h.update((f.len() as u32).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

async fn insert_forged(ctx: &Ctx, seq: i64, prev_hash: &str) {
    let e = AuditEvent {
        actor: "intruder".into(),
        action: "credential.issue".into(),
        target: "urn:uuid:forged".into(),
        request_id: "req-forged".into(),
        outcome: "ok".into(),
    };
    let time_ms = 1_750_000_000_000i64;
    let hash = forge_hash(prev_hash, seq, time_ms, &e);
    ctx.exec(&format!(
        "INSERT INTO audit_log (seq, time_ms, actor, action, target, request_id, outcome, prev_hash, hash) \
         VALUES ({seq}, {time_ms}, 'intruder', 'credential.issue', 'urn:uuid:forged', 'req-forged', 'ok', '{prev_hash}', '{hash}')"
    ))
    .await;
}

both!(hash_format_matches_the_documentation, |ctx| {
    fifty(&ctx).await;
    let entry = &ctx.store.audit().tail(1).await.unwrap()[0];
    let time_ms = (entry.time.unix_timestamp_nanos() / 1_000_000) as i64;
    assert_eq!(
        forge_hash(&entry.prev_hash, entry.seq as i64, time_ms, &entry.event),
        entry.hash
    );
});

both!(forged_row_that_does_not_chain_is_inserted, |ctx| {
    fifty(&ctx).await;
    // Consistent on its own (its hash matches its content) but chained to nothing.
    insert_forged(&ctx, 51, &"f".repeat(64)).await;
    let violation = ctx.store.audit().verify().await.unwrap().unwrap_err();
    assert_eq!(violation, AuditViolation::Inserted { seq: 51 });
    assert_eq!(violation.code(), "audit_entry_inserted");
});

both!(replaced_row_breaks_the_chain_after_it, |ctx| {
    fifty(&ctx).await;
    // A forger who knows entry 19's hash replaces entry 20 with a consistent row: entry
    // 20 verifies on its own, and the break shows where entry 21 no longer chains.
    let prev = ctx.store.audit().tail(50).await.unwrap()[18].hash.clone();
    ctx.exec("DELETE FROM audit_log WHERE seq = 20").await;
    insert_forged(&ctx, 20, &prev).await;
    assert_eq!(
        ctx.store.audit().verify().await.unwrap().unwrap_err(),
        AuditViolation::Inserted { seq: 21 }
    );
});

both!(deleting_the_newest_entries_needs_an_anchor, |ctx| {
    fifty(&ctx).await;
    let anchored = ctx.store.audit().verify().await.unwrap().unwrap();
    ctx.exec("DELETE FROM audit_log WHERE seq > 45").await;
    // The shortened chain is valid on its own: only the anchored head shows the loss.
    let now_summary = ctx.store.audit().verify().await.unwrap().unwrap();
    assert_eq!(now_summary.entries, 45);
    assert_ne!(now_summary.head, anchored.head);
});

both!(concurrent_appends_keep_a_valid_chain, |ctx| {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = ctx.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..10 {
                seqs.push(
                    store
                        .audit()
                        .append(&event(t * 100 + i), now())
                        .await
                        .unwrap(),
                );
            }
            seqs
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=80).collect::<Vec<u64>>());
    let summary = ctx.store.audit().verify().await.unwrap().unwrap();
    assert_eq!(summary.entries, 80);
});
