//! `Idempotency-Key` on `POST /credentials/issue`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{Ctx, Resp, both, credential};

async fn issue_with_key(s: &Ctx, key: &str, body: &Value) -> Resp {
    s.send(
        s.client
            .post(s.url("/credentials/issue"))
            .bearer_auth(&s.admin)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

fn credential_id(response: &Resp) -> String {
    response.json["verifiableCredential"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no credential id: {}", response.text))
        .to_owned()
}

both!(idempotency_key_replays_and_refuses_reuse, |s| {
    let body = json!({"credential": credential("Laura")});
    let first = issue_with_key(&s, "retry-7c1f", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let id = credential_id(&first);

    let second = issue_with_key(&s, "retry-7c1f", &body).await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.content_type(), "application/json");
    assert_eq!(
        second.text, first.text,
        "the replay is byte for byte the same"
    );
    // One credential: its two status entries, and nothing else allocated.
    assert_eq!(
        s.store
            .status()
            .entries_for(&id)
            .await
            .expect("entries")
            .len(),
        2
    );
    assert_eq!(s.allocated_entries().await, 2);

    // The same key with another body.
    let other = json!({"credential": credential("Mallory")});
    issue_with_key(&s, "retry-7c1f", &other)
        .await
        .assert_problem(422, "idempotency_key_reused");
    // A different key runs the request again.
    let third = issue_with_key(&s, "retry-8d2e", &body).await;
    assert_eq!(third.status, 201, "{}", third.text);
    assert_ne!(credential_id(&third), id);
    assert_eq!(s.allocated_entries().await, 4);

    // Keys are 1 to 255 visible ASCII characters.
    issue_with_key(&s, "has space", &body)
        .await
        .assert_problem(400, "invalid_idempotency_key");
    issue_with_key(&s, &"k".repeat(256), &body)
        .await
        .assert_problem(400, "invalid_idempotency_key");
    assert_eq!(s.allocated_entries().await, 4);

    // An error response is replayed as well (it is the result of the request).
    let bad = json!({"credential": credential("x"), "options": {"format": "nope"}});
    issue_with_key(&s, "retry-bad", &bad)
        .await
        .assert_problem(400, "unsupported_format");
    let replayed = issue_with_key(&s, "retry-bad", &bad).await;
    replayed.assert_problem(400, "unsupported_format");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
});

both!(concurrent_requests_with_one_key_issue_once, |s| {
    let body = json!({"credential": credential("Niaj")});
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let s = s.clone();
        let body = body.clone();
        tasks.spawn(async move { issue_with_key(&s, "concurrent-1", &body).await });
    }
    let mut created = Vec::new();
    while let Some(response) = tasks.join_next().await {
        let response = response.expect("task");
        match response.status {
            201 => created.push(response),
            409 => response.assert_problem(409, "idempotency_key_in_progress"),
            other => panic!("unexpected {other}: {}", response.text),
        }
    }
    assert!(!created.is_empty(), "at least one request issued");
    let bodies: BTreeSet<&str> = created.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(bodies.len(), 1, "every 201 is the same credential");
    let fresh = created
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1, "exactly one request ran; the others were replays");
    let id = credential_id(&created[0]);
    assert_eq!(
        s.store
            .status()
            .entries_for(&id)
            .await
            .expect("entries")
            .len(),
        2
    );
    assert_eq!(
        s.allocated_entries().await,
        2,
        "exactly one credential issued"
    );
});
