use std::time::{Duration, Instant};

use kith_store::{Backend, MasterKey, Store, StoreOptions};

use crate::common::{Ctx, both, now};

both!(migrations_are_idempotent, |ctx| {
    ctx.store.meta_set_if_absent("k", "v").await.unwrap();
    // Opening again runs the migrator again: nothing to do, data kept.
    let again = Store::open(&ctx.url).await.expect("second open");
    assert_eq!(again.meta_get("k").await.unwrap().as_deref(), Some("v"));
    again.ping().await.unwrap();
    again.close().await;
});

both!(backend_and_ping, |ctx| {
    let Ctx { store, url } = ctx;
    let expected = if url.starts_with("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    assert_eq!(store.backend(), expected);
    store.ping().await.unwrap();
});

both!(meta_set_if_absent_keeps_the_first_value, |ctx| {
    let store = &ctx.store;
    assert_eq!(store.meta_get("x").await.unwrap(), None);
    assert!(store.meta_set_if_absent("x", "1").await.unwrap());
    assert!(!store.meta_set_if_absent("x", "2").await.unwrap());
    assert_eq!(store.meta_get("x").await.unwrap().as_deref(), Some("1"));
});

both!(master_key_check, |ctx| {
    let store = &ctx.store;
    let key = MasterKey::generate();
    store.check_master_key(&key).await.unwrap();
    store.check_master_key(&key).await.unwrap();
    let other = MasterKey::generate();
    let err = store.check_master_key(&other).await.unwrap_err();
    assert_eq!(err.code(), "wrong_master_key");
});

both!(kdf_salt_is_created_once, |ctx| {
    let a = ctx.store.kdf_salt().await.unwrap();
    let b = ctx.store.kdf_salt().await.unwrap();
    assert_eq!(a.len(), 16);
    assert_eq!(a, b);
    let k1 = MasterKey::from_passphrase(b"correct horse", &a).unwrap();
    let k2 = MasterKey::from_passphrase(b"correct horse", &b).unwrap();
    assert_eq!(k1.to_base64url(), k2.to_base64url());
});

both!(issued_credentials, |ctx| {
    let store = &ctx.store;
    assert!(!store.issued_exists("urn:uuid:1").await.unwrap());
    assert!(
        store
            .record_issued("urn:uuid:1", "vc+jwt", "sha256-abc", now())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_issued("urn:uuid:1", "vc+jwt", "sha256-abc", now())
            .await
            .unwrap()
    );
    assert!(store.issued_exists("urn:uuid:1").await.unwrap());
});

both!(closed_store_is_unavailable, |ctx| {
    ctx.store.close().await;
    let err = ctx.store.ping().await.unwrap_err();
    assert_eq!(err.code(), "database_unavailable");
    assert!(err.is_unavailable());
});

#[tokio::test]
async fn unreachable_postgres_fails_fast_as_unavailable() {
    let started = Instant::now();
    let options = StoreOptions {
        acquire_timeout: Duration::from_secs(2),
        ..StoreOptions::default()
    };
    let err = Store::open_with("postgres://postgres@127.0.0.1:1/test", &options)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "database_unavailable", "{err}");
    assert!(err.is_unavailable());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    // The default options give up within 5 s too.
    let started = Instant::now();
    let err = Store::open("postgres://postgres@127.0.0.1:1/test")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "database_unavailable", "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn bad_urls_are_refused_without_echoing_them() {
    let err = Store::open("mysql://user:hunter2@host/db")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_database_url");
    assert!(!err.to_string().contains("hunter2"));
}

#[tokio::test]
async fn data_dir_is_private_and_holds_kith_db() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let store = Store::open_data_dir(&dir).await.unwrap();
    store.ping().await.unwrap();
    store.close().await;
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(dir.join("kith.db").is_file());
    // WAL mode sticks to the file.
    use sqlx::Connection;
    let url = format!("sqlite://{}", dir.join("kith.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    conn.close().await.unwrap();
    let again = Store::open_data_dir(&dir).await.unwrap();
    again.ping().await.unwrap();
    again.close().await;
}
