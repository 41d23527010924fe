//! Opening the database, migrations, and the small `kith_meta` table.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Transaction};
use time::OffsetDateTime;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::seal::{MasterKey, Pepper, Sealed};
use crate::util::{b64_decode, b64_encode, fill_random, to_ms};
use crate::{ApiKeys, AuditLog, Error, Idempotency, Keys, RequestSigners, StatusLists};

/// The schema migrations, embedded at compile time and run by [`Store::open`].
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Name of the database file inside a data directory.
pub const DB_FILE_NAME: &str = "kith.db";

const META_MASTER_KEY_CHECK: &str = "master_key_check";
const META_KDF_SALT: &str = "kdf_salt";
const MASTER_KEY_CHECK_PLAINTEXT: &[u8] = b"kith master key check v1";

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server (several `kith serve` nodes may share it).
    Postgres,
}

impl Backend {
    /// `"sqlite"` or `"postgres"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Pool settings for [`Store::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections kept open; `None` picks 8 for SQLite and 16 for PostgreSQL.
    pub max_connections: Option<u32>,
    /// How long to wait for a connection (including the first connect in `open`) before
    /// failing with `database_unavailable`.
    pub acquire_timeout: Duration,
    /// SQLite `busy_timeout`: how long a writer waits for another writer's lock.
    pub sqlite_busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The storage of one `kith serve` deployment. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: the writers of this process take turns here (FIFO) before asking
    /// SQLite for its write lock, so pooled connections queue instead of sleeping in
    /// SQLite's busy handler. Other processes are still kept apart by `busy_timeout`.
    write_turn: Option<Arc<Mutex<()>>>,
}

/// A write transaction ([`Store::begin_write`]); on SQLite it also holds this process's
/// write turn until it is committed or dropped. Derefs to the connection, so statements
/// run with `.execute(&mut *tx)`.
pub(crate) struct WriteTx {
    // Dropped first: the rollback is queued before the turn passes on.
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits, then lets the next writer in.
    pub(crate) async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Rolls back, then lets the next writer in.
    pub(crate) async fn rollback(self) -> Result<(), Error> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// A savepoint inside this transaction (commit releases it, rollback undoes only
    /// what ran since).
    pub(crate) async fn savepoint(&mut self) -> Result<Transaction<'_, Any>, Error> {
        Ok(Transaction::begin(&mut *self.tx, None).await?)
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens `sqlite://path` (created if missing) or `postgres://…` and applies the
    /// migrations. Fails with `database_unavailable` after 5 s if the server is unreachable.
    pub async fn open(url: &str) -> Result<Store, Error> {
        Self::open_with(url, &StoreOptions::default()).await
    }

    /// [`Store::open`] with explicit pool settings.
    pub async fn open_with(url: &str, options: &StoreOptions) -> Result<Store, Error> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalize_url(url)?;
        let connect = AnyConnectOptions::from_url(&url)
            .map_err(|_| Error::InvalidUrl("it cannot be parsed as a connection URL".into()))?;
        let max = options.max_connections.unwrap_or(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(max.max(1))
            .acquire_timeout(options.acquire_timeout);
        if backend == Backend::Sqlite {
            let busy_ms = options.sqlite_busy_timeout.as_millis();
            pool_options = pool_options.after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // Per-connection settings; WAL itself is persistent and set once below.
                    let pragmas = format!(
                        "PRAGMA busy_timeout = {busy_ms}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas)).execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect_with(connect).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the single writer; it sticks to the file.
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                .fetch_one(&pool)
                .await?;
            if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
                return Err(Error::Database(format!(
                    "SQLite refused WAL mode (journal mode is {mode})"
                )));
            }
        }
        MIGRATOR.run(&pool).await?;
        let write_turn = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            write_turn,
        })
    }

    /// Opens (creating it with mode 0700 if needed) the data directory `dir` and the SQLite
    /// database `dir/kith.db` in it.
    pub async fn open_data_dir(dir: &Path) -> Result<Store, Error> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                Error::io(
                    format!("cannot create the data directory {}", dir.display()),
                    e,
                )
            })?;
        // Absolute, so the path never lands in the URL's (case-folded) host part.
        let dir = std::path::absolute(dir)
            .map_err(|e| Error::io(format!("cannot resolve {}", dir.display()), e))?;
        let file = dir.join(DB_FILE_NAME);
        let url = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true)
            .to_url_lossy();
        Self::open(url.as_str()).await
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Readiness: one round trip to the database.
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail with `database_unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that will write: SQLite takes the write lock up front (`BEGIN
    /// IMMEDIATE`) so two writers wait on `busy_timeout` instead of failing when one
    /// upgrades a read lock; PostgreSQL uses row locks and constraints. On SQLite the
    /// process's write turn is taken first (before a pooled connection), so writers of
    /// this process queue in order instead of polling the lock.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, Error> {
        let turn = self.write_turn().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    /// On SQLite, this process's write turn (hold it across a single writing statement
    /// run on the pool); `None` on PostgreSQL, where row locks do the ordering. Never
    /// take it while holding a pooled connection, nor twice in one task.
    pub(crate) async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_turn {
            Some(lock) => Some(Arc::clone(lock).lock_owned().await),
            None => None,
        }
    }

    /// The value stored under `key` in the meta table.
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>, Error> {
        let value = sqlx::query_scalar("SELECT value FROM kith_meta WHERE name = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    /// Stores `value` under `key` unless the key exists; true if this call stored it.
    /// The primary key decides between concurrent callers.
    pub async fn meta_set_if_absent(&self, key: &str, value: &str) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "INSERT INTO kith_meta (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores `value` under `key`, replacing any value (last writer wins).
    pub async fn meta_put(&self, key: &str, value: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO kith_meta (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Checks that `key` is the master key this database was initialised with. The first
    /// call stores a value sealed under `key`; later calls with another key fail with
    /// `wrong_master_key`.
    pub async fn check_master_key(&self, key: &MasterKey) -> Result<(), Error> {
        let aad = META_MASTER_KEY_CHECK.as_bytes();
        let sealed = key.seal(MASTER_KEY_CHECK_PLAINTEXT, aad).to_text();
        if self
            .meta_set_if_absent(META_MASTER_KEY_CHECK, &sealed)
            .await?
        {
            return Ok(());
        }
        let stored = self
            .meta_get(META_MASTER_KEY_CHECK)
            .await?
            .ok_or_else(|| Error::corrupt("the master key check value vanished"))?;
        let stored = Sealed::from_text(&stored)?;
        match key.open(&stored, aad) {
            Ok(plain) if plain.as_slice() == MASTER_KEY_CHECK_PLAINTEXT => Ok(()),
            Ok(_) | Err(Error::DecryptionFailed) => Err(Error::WrongMasterKey),
            Err(e) => Err(e),
        }
    }

    /// The Argon2id salt of this database (16 random bytes, created on first use) for
    /// [`MasterKey::from_passphrase`].
    pub async fn kdf_salt(&self) -> Result<Vec<u8>, Error> {
        let mut salt = [0u8; 16];
        fill_random(&mut salt);
        // Whoever stores first wins; everyone then reads the winner's salt.
        self.meta_set_if_absent(META_KDF_SALT, &b64_encode(&salt))
            .await?;
        let stored = self
            .meta_get(META_KDF_SALT)
            .await?
            .ok_or_else(|| Error::corrupt("the KDF salt vanished"))?;
        let salt =
            b64_decode(&stored).map_err(|_| Error::corrupt("the KDF salt is not base64url"))?;
        if salt.len() < 8 {
            return Err(Error::corrupt("the KDF salt is shorter than 8 bytes"));
        }
        Ok(salt)
    }

    /// Records that a credential was issued (its id, format and a digest; never claims).
    /// Returns false if that credential id was already recorded.
    pub async fn record_issued(
        &self,
        credential_id: &str,
        format: &str,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "INSERT INTO issued_credentials (credential_id, format, digest, issued_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(credential_id)
        .bind(format)
        .bind(digest)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether [`Store::record_issued`] recorded this credential id.
    pub async fn issued_exists(&self, credential_id: &str) -> Result<bool, Error> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM issued_credentials WHERE credential_id = $1")
                .bind(credential_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Issuer signing keys.
    pub fn keys(&self) -> Keys<'_> {
        Keys::new(self)
    }

    /// API keys, whose token HMACs use `pepper` (see [`MasterKey::pepper`]).
    pub fn api_keys(&self, pepper: &Pepper) -> ApiKeys<'_> {
        ApiKeys::new(self, pepper.clone())
    }

    /// Idempotency-Key records.
    pub fn idempotency(&self) -> Idempotency<'_> {
        Idempotency::new(self)
    }

    /// Bitstring Status List allocation and state.
    pub fn status(&self) -> StatusLists<'_> {
        StatusLists::new(self)
    }

    /// DIDs allowed to sign requests (RFC 9421) and their scopes.
    pub fn request_signers(&self) -> RequestSigners<'_> {
        RequestSigners::new(self)
    }

    /// The hash-chained audit log.
    pub fn audit(&self) -> AuditLog<'_> {
        AuditLog::new(self)
    }
}

/// Recognises the backend and, for SQLite, creates the file unless a mode is given.
fn normalize_url(url: &str) -> Result<(Backend, url::Url), Error> {
    let lower = url.get(..11).unwrap_or(url).to_ascii_lowercase();
    let (backend, text) = if lower.starts_with("sqlite:") {
        let text = if url.contains("mode=") {
            url.to_owned()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        };
        (Backend::Sqlite, text)
    } else if lower.starts_with("postgres:") || lower.starts_with("postgresql:") {
        (Backend::Postgres, url.to_owned())
    } else {
        return Err(Error::InvalidUrl(
            "it must start with sqlite: or postgres:".into(),
        ));
    };
    // The URL may hold a password: never echo it in the error.
    let parsed = url::Url::parse(&text)
        .map_err(|_| Error::InvalidUrl("it cannot be parsed as a URL".into()))?;
    Ok((backend, parsed))
}
