use std::time::Duration;

use kith_store::Begin;

use crate::common::{both, now};

const TTL: Duration = Duration::from_secs(24 * 3600);
const LEASE: Duration = Duration::from_secs(60);

both!(started_replay_mismatch_in_progress, |ctx| {
    let idem = ctx.store.idempotency();
    let fp = [1u8; 32];
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Started
    );
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::InProgress
    );
    assert_eq!(
        idem.begin("p", "k", &[2u8; 32], now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Mismatch
    );
    // Keys are per principal.
    assert_eq!(
        idem.begin("q", "k", &[2u8; 32], now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Started
    );

    idem.complete("p", "k", 201, b"{\"id\":1}").await.unwrap();
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Replay {
            status: 201,
            body: b"{\"id\":1}".to_vec()
        }
    );
    assert_eq!(
        idem.begin("p", "k", &[3u8; 32], now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Mismatch
    );

    // An empty body replays as empty.
    assert_eq!(
        idem.begin("p", "empty", &fp, now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Started
    );
    idem.complete("p", "empty", 204, b"").await.unwrap();
    assert_eq!(
        idem.begin("p", "empty", &fp, now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Replay {
            status: 204,
            body: Vec::new()
        }
    );
});

both!(abandon_allows_a_retry, |ctx| {
    let idem = ctx.store.idempotency();
    let fp = [1u8; 32];
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Started
    );
    idem.abandon("p", "k").await.unwrap();
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Started
    );
    // Abandon never deletes a completed record.
    idem.complete("p", "k", 200, b"ok").await.unwrap();
    idem.abandon("p", "k").await.unwrap();
    assert!(matches!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Replay { status: 200, .. }
    ));
});

both!(expired_records_are_replaced_and_purged, |ctx| {
    let idem = ctx.store.idempotency();
    let fp = [1u8; 32];
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Started
    );
    idem.complete("p", "k", 200, b"old").await.unwrap();
    let after_ttl = now() + time::Duration::hours(25);
    // Even with another fingerprint: the old record no longer counts.
    assert_eq!(
        idem.begin("p", "k", &[9u8; 32], after_ttl, TTL, LEASE)
            .await
            .unwrap(),
        Begin::Started
    );
    assert_eq!(
        idem.begin("p", "k", &[9u8; 32], after_ttl, TTL, LEASE)
            .await
            .unwrap(),
        Begin::InProgress
    );

    assert_eq!(
        idem.begin("p", "other", &fp, now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Started
    );
    assert_eq!(idem.purge_expired(now()).await.unwrap(), 0);
    assert_eq!(idem.purge_expired(after_ttl).await.unwrap(), 1);
    assert_eq!(
        idem.begin("p", "other", &fp, after_ttl, TTL, LEASE)
            .await
            .unwrap(),
        Begin::Started
    );
});

both!(lease_takeover_after_a_crash, |ctx| {
    let idem = ctx.store.idempotency();
    let fp = [1u8; 32];
    assert_eq!(
        idem.begin("p", "k", &fp, now(), TTL, LEASE).await.unwrap(),
        Begin::Started
    );
    let within = now() + time::Duration::seconds(59);
    assert_eq!(
        idem.begin("p", "k", &fp, within, TTL, LEASE).await.unwrap(),
        Begin::InProgress
    );
    let after = now() + time::Duration::seconds(61);
    assert_eq!(
        idem.begin("p", "k", &fp, after, TTL, LEASE).await.unwrap(),
        Begin::Started
    );
    // The new owner holds a fresh lease.
    assert_eq!(
        idem.begin("p", "k", &fp, after, TTL, LEASE).await.unwrap(),
        Begin::InProgress
    );
    // A takeover with another fingerprint is a mismatch, not a takeover.
    let much_later = now() + time::Duration::seconds(300);
    assert_eq!(
        idem.begin("p", "k", &[2u8; 32], much_later, TTL, LEASE)
            .await
            .unwrap(),
        Begin::Mismatch
    );
});

both!(concurrent_begins_start_exactly_once, |ctx| {
    for round in 0..3 {
        let key = format!("k{round}");
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let store = ctx.store.clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .idempotency()
                    .begin("p", &key, &[7u8; 32], now(), TTL, LEASE)
                    .await
            }));
        }
        let mut started = 0;
        let mut in_progress = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Begin::Started => started += 1,
                Begin::InProgress => in_progress += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(started, 1);
        assert_eq!(in_progress, 15);
    }
});

both!(concurrent_takeovers_start_exactly_once, |ctx| {
    let idem = ctx.store.idempotency();
    assert_eq!(
        idem.begin("p", "k", &[7u8; 32], now(), TTL, LEASE)
            .await
            .unwrap(),
        Begin::Started
    );
    let after = now() + time::Duration::seconds(120);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = ctx.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .idempotency()
                .begin("p", "k", &[7u8; 32], after, TTL, LEASE)
                .await
        }));
    }
    let mut started = 0;
    for task in tasks {
        if task.await.unwrap().unwrap() == Begin::Started {
            started += 1;
        }
    }
    assert_eq!(started, 1);
});
