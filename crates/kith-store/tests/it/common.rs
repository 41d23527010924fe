//! A fresh store per test on each backend: SQLite in a temp dir, PostgreSQL in a fresh
//! schema that is dropped afterwards (also when the test panics).

use std::future::Future;
use std::panic::resume_unwind;

use kith_store::{Backend, Store};
use sqlx::{Connection, Executor, Row};
use time::OffsetDateTime;

/// What a test body gets.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) store: Store,
    /// URL that opens the same database (and schema).
    pub(crate) url: String,
}

impl Ctx {
    /// A raw pool on the same database, for tampering and inspection.
    pub(crate) async fn raw(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(2)
            .connect(&self.url)
            .await
            .expect("raw pool")
    }

    pub(crate) async fn exec(&self, sql: &str) -> u64 {
        let pool = self.raw().await;
        let done = pool
            .execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .expect("raw statement");
        pool.close().await;
        done.rows_affected()
    }

    /// Every text and integer value of every table.
    pub(crate) async fn dump(&self) -> String {
        let pool = self.raw().await;
        let mut out = String::new();
        for table in [
            "kith_meta",
            "signing_keys",
            "api_keys",
            "idempotency",
            "status_lists",
            "status_entries",
            "issued_credentials",
            "audit_log",
            "request_signers",
        ] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
                .fetch_all(&pool)
                .await
                .expect("dump");
            for row in rows {
                for i in 0..row.len() {
                    if let Ok(Some(s)) = row.try_get::<Option<String>, _>(i) {
                        out.push_str(&s);
                    } else if let Ok(Some(n)) = row.try_get::<Option<i64>, _>(i) {
                        out.push_str(&n.to_string());
                    }
                    out.push('|');
                }
                out.push('\n');
            }
        }
        pool.close().await;
        out
    }
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_750_000_000).expect("valid time")
}

pub(crate) fn postgres_base_url() -> String {
    std::env::var("KITH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn skip_postgres() -> bool {
    std::env::var("KITH_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    hex::encode(bytes)
}

/// Runs `body` against a fresh store of `backend`, cleaning up afterwards.
pub(crate) async fn with_store<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = Store::open_data_dir(dir.path())
                .await
                .expect("open SQLite store");
            let url = format!("sqlite://{}", dir.path().join("kith.db").display());
            let result = tokio::spawn(body(Ctx {
                store: store.clone(),
                url,
            }))
            .await;
            store.close().await;
            drop(dir);
            if let Err(e) = result {
                resume_unwind(e.into_panic());
            }
        }
        Backend::Postgres => {
            if skip_postgres() {
                eprintln!("KITH_SKIP_POSTGRES=1: PostgreSQL test skipped");
                return;
            }
            let base = postgres_base_url();
            let schema = format!("kith_t_{}", random_suffix());
            let mut admin = sqlx::PgConnection::connect(&base).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL at {base} is unreachable ({e}); start it or set KITH_SKIP_POSTGRES=1"
                )
            });
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .await
                .expect("create schema");
            let url = format!("{base}?options[search_path]={schema}");
            let result = match Store::open(&url).await {
                Ok(store) => {
                    let r = tokio::spawn(body(Ctx {
                        store: store.clone(),
                        url,
                    }))
                    .await;
                    store.close().await;
                    r.map_err(|e| e.into_panic())
                }
                Err(e) => Err(Box::new(format!("open PostgreSQL store: {e}"))
                    as Box<dyn std::any::Any + Send>),
            };
            admin
                .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await
                .expect("drop schema");
            admin.close().await.ok();
            if let Err(panic) = result {
                resume_unwind(panic);
            }
        }
    }
}

/// Declares `sqlite` and `postgres` tests running the same body.
macro_rules! both {
    ($name:ident, |$ctx:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                crate::common::with_store(kith_store::Backend::Sqlite, |$ctx| async move $body)
                    .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::common::with_store(kith_store::Backend::Postgres, |$ctx| async move $body)
                    .await;
            }
        }
    };
}
pub(crate) use both;
