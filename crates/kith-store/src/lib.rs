//! Storage for `kith serve`: SQLite (the embedded default, `<data_dir>/kith.db`) and
//! PostgreSQL (several nodes, one database) behind one set of migrations and one set of
//! SQL statements, through sqlx's `Any` driver.
//!
//! The SQL is deliberately plain: TEXT, BIGINT and INTEGER columns (binary values as
//! base64url or hex text, instants as unix milliseconds), `$N` placeholders (SQLite reads
//! them as numbered parameters) and `INSERT … ON CONFLICT DO NOTHING`. Everything that
//! must be unique — status list indexes, idempotency keys, API key ids, audit sequence
//! numbers, the one active signing key per controller — is decided by a primary key or
//! unique index, so nodes sharing a PostgreSQL need no coordination of their own.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kith_store::Error> {
//! use kith_store::{MasterKey, Store};
//! let store = Store::open_data_dir(std::path::Path::new("/var/lib/kith")).await?;
//! let (master, _created) = MasterKey::load_or_create_file("/var/lib/kith/master.key".as_ref())?;
//! store.check_master_key(&master).await?;
//! let seq = store.audit().append(&kith_store::AuditEvent {
//!     actor: "system".into(), action: "serve.start".into(), target: String::new(),
//!     request_id: String::new(), outcome: "ok".into(),
//! }, time::OffsetDateTime::now_utc()).await?;
//! # let _ = seq; Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api_keys;
pub mod audit;
pub mod db;
pub mod error;
pub mod idempotency;
pub mod issuance;
pub mod keys;
pub mod seal;
pub mod signers;
pub mod status;
mod util;

pub use api_keys::{ApiKey, ApiKeys, AuthFailure, NewApiKey, Scope};
pub use audit::{AuditEntry, AuditEvent, AuditLog, AuditSummary, AuditViolation};
pub use db::{Backend, Store, StoreOptions};
pub use error::Error;
pub use idempotency::{Begin, Idempotency};
pub use issuance::{IssuanceRecord, RecordedIssuance};
pub use keys::{Keys, StoredKey};
pub use seal::{MasterKey, Pepper, Sealed};
pub use signers::{RequestSigner, RequestSigners};
pub use status::{Allocation, StatusListInfo, StatusListState, StatusLists};
