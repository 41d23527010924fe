use std::collections::HashSet;

use kith_store::status::DEFAULT_CAPACITY;

use crate::common::{both, now};

both!(thousand_allocations_are_distinct, |ctx| {
    let status = ctx.store.status();
    let mut seen = HashSet::new();
    let mut lists = HashSet::new();
    for i in 0..1000 {
        let a = status
            .allocate("revocation", &format!("urn:c:{i}"), DEFAULT_CAPACITY, now())
            .await
            .unwrap();
        assert!(a.index < DEFAULT_CAPACITY);
        assert_eq!(a.purpose, "revocation");
        assert!(
            seen.insert((a.list_id.clone(), a.index)),
            "index reused: {a:?}"
        );
        lists.insert(a.list_id);
    }
    assert_eq!(lists.len(), 1);
    // Random, not sequential: the first 1000 indexes of 131072 are not 0..1000.
    assert!(seen.iter().any(|(_, i)| *i >= 1000));
    // The same credential and purpose gets its entry back.
    let again = status
        .allocate("revocation", "urn:c:5", DEFAULT_CAPACITY, now())
        .await
        .unwrap();
    assert_eq!(status.entries_for("urn:c:5").await.unwrap(), vec![again]);
});

both!(small_list_fills_and_a_new_one_opens, |ctx| {
    let status = ctx.store.status();
    let mut by_list: std::collections::HashMap<String, HashSet<u64>> = Default::default();
    for i in 0..20 {
        let a = status
            .allocate("suspension", &format!("urn:c:{i}"), 8, now())
            .await
            .unwrap();
        assert!(a.index < 8);
        assert!(by_list.entry(a.list_id).or_default().insert(a.index));
    }
    assert_eq!(by_list.len(), 3);
    let mut sizes: Vec<usize> = by_list.values().map(HashSet::len).collect();
    sizes.sort();
    assert_eq!(sizes, vec![4, 8, 8]);
    let lists = status.lists(Some("suspension")).await.unwrap();
    assert_eq!(lists.len(), 3);
    assert_eq!(lists.iter().filter(|l| l.open).count(), 1);
    for full in lists.iter().filter(|l| !l.open) {
        assert_eq!(full.allocated, 8);
        assert_eq!(full.capacity, 8);
    }
    // Purposes have separate lists.
    let r = status
        .allocate("revocation", "urn:c:0", 8, now())
        .await
        .unwrap();
    assert!(!by_list.contains_key(&r.list_id));
    assert_eq!(status.lists(None).await.unwrap().len(), 4);
    assert_eq!(status.entries_for("urn:c:0").await.unwrap().len(), 2);
    assert_eq!(
        status
            .allocate("Revocation!", "urn:c:x", 8, now())
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
});

both!(concurrent_allocations_never_collide, |ctx| {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = ctx.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in 0..25 {
                let a = store
                    .status()
                    .allocate("revocation", &format!("urn:c:{t}:{i}"), 64, now())
                    .await
                    .unwrap();
                out.push((a.list_id, a.index));
            }
            out
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for entry in task.await.unwrap() {
            assert!(seen.insert(entry.clone()), "collision at {entry:?}");
        }
    }
    assert_eq!(seen.len(), 200);
    // 200 entries in lists of 64: 4 lists, 3 of them full.
    let lists = ctx.store.status().lists(Some("revocation")).await.unwrap();
    assert_eq!(lists.len(), 4);
    assert_eq!(lists.iter().map(|l| l.allocated).sum::<u64>(), 200);
    assert_eq!(lists.iter().filter(|l| l.open).count(), 1);
});

both!(set_and_unset_bump_the_version, |ctx| {
    let status = ctx.store.status();
    let a = status
        .allocate("revocation", "urn:c:1", DEFAULT_CAPACITY, now())
        .await
        .unwrap();
    let b = status
        .allocate("revocation", "urn:c:2", DEFAULT_CAPACITY, now())
        .await
        .unwrap();
    assert_eq!(status.list_version(&a.list_id).await.unwrap(), Some(0));
    let state = status.list_state(&a.list_id).await.unwrap().unwrap();
    assert_eq!(state.capacity, DEFAULT_CAPACITY);
    assert!(state.set_indexes.is_empty());

    assert_eq!(
        status
            .set("urn:c:1", "revocation", true, now())
            .await
            .unwrap(),
        a
    );
    assert_eq!(status.list_version(&a.list_id).await.unwrap(), Some(1));
    // Setting an already set bit changes nothing.
    status
        .set("urn:c:1", "revocation", true, now())
        .await
        .unwrap();
    assert_eq!(status.list_version(&a.list_id).await.unwrap(), Some(1));
    status
        .set("urn:c:2", "revocation", true, now())
        .await
        .unwrap();
    let state = status.list_state(&a.list_id).await.unwrap().unwrap();
    assert_eq!(state.version, 2);
    let mut expected = vec![a.index, b.index];
    expected.sort();
    assert_eq!(state.set_indexes, expected);
    assert_eq!(state.purpose, "revocation");

    status
        .set("urn:c:1", "revocation", false, now())
        .await
        .unwrap();
    let state = status.list_state(&a.list_id).await.unwrap().unwrap();
    assert_eq!(state.version, 3);
    assert_eq!(state.set_indexes, vec![b.index]);

    assert_eq!(
        status
            .set("urn:c:1", "suspension", true, now())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        status
            .set("urn:c:9", "revocation", true, now())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(status.list_state("nope").await.unwrap(), None);
    assert_eq!(status.list_version("nope").await.unwrap(), None);
    assert!(status.entries_for("urn:c:9").await.unwrap().is_empty());
});

both!(nearly_full_list_falls_back_to_a_free_index, |ctx| {
    let status = ctx.store.status();
    let first = status
        .allocate("revocation", "urn:c:first", 1000, now())
        .await
        .unwrap();
    // Fill every index but 500 behind the allocator's back, leaving one reserved slot.
    ctx.exec(&format!(
        "DELETE FROM status_entries WHERE list_id = '{}'",
        first.list_id
    ))
    .await;
    let mut values = Vec::new();
    for idx in (0..1000).filter(|i| *i != 500) {
        values.push(format!(
            "('{}', {idx}, 'urn:f:{idx}', 'revocation', 0, 0)",
            first.list_id
        ));
    }
    ctx.exec(&format!(
        "INSERT INTO status_entries (list_id, idx, credential_id, purpose, value, created_ms) VALUES {}",
        values.join(", ")
    ))
    .await;
    ctx.exec(&format!(
        "UPDATE status_lists SET allocated = 999 WHERE list_id = '{}'",
        first.list_id
    ))
    .await;
    // Random probes almost surely miss; the fallback finds the one free index.
    let a = status
        .allocate("revocation", "urn:c:last", 1000, now())
        .await
        .unwrap();
    assert_eq!((a.list_id.as_str(), a.index), (first.list_id.as_str(), 500));
    // Now the list is full: the next allocation opens a new list.
    let b = status
        .allocate("revocation", "urn:c:next", 1000, now())
        .await
        .unwrap();
    assert_ne!(b.list_id, first.list_id);
});
