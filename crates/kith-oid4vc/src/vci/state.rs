//! The issuer's protocol state: offers by reference, pre-authorized codes with their
//! transaction code attempts, access tokens, issuance slots and `c_nonce`s.
//!
//! [`VciStateStore`] is the seam (kith-store implements it for SQLite/PostgreSQL, where
//! a primary key and a `DELETE … RETURNING` decide races); [`MemoryStateStore`] is the
//! in-process implementation. Three operations carry every one-time rule of
//! OpenID4VCI 1.0 (§4.1.1 "single use" pre-authorized codes, §7 `c_nonce`, §13.6.3
//! limited transaction code attempts):
//!
//! - `put`: a new record with an expiry, never overwriting a live one;
//! - `take`: remove and return, atomically, so of any number of concurrent takes of
//!   one key exactly one gets the record;
//! - `increment_attempts`: count an attempt against a live record.
//!
//! Keys are SHA-256 digests of the secrets (see `secret_key` in `issuer`), so a copy of
//! the store holds no usable code, token or nonce.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;

use super::Error;

/// What a record is; one namespace of keys each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// An offer served once by reference (`credential_offer_uri`).
    Offer,
    /// A pre-authorized code and what it grants.
    PreAuthorizedCode,
    /// An access token and what it grants.
    AccessToken,
    /// The right to issue one credential configuration once under one access token.
    IssuanceSlot,
    /// A `c_nonce` handed out by the Nonce Endpoint.
    CNonce,
}

impl RecordKind {
    /// A stable name, for stores that keep the kind as text.
    pub fn name(self) -> &'static str {
        match self {
            Self::Offer => "offer",
            Self::PreAuthorizedCode => "pre_authorized_code",
            Self::AccessToken => "access_token",
            Self::IssuanceSlot => "issuance_slot",
            Self::CNonce => "c_nonce",
        }
    }
}

/// The issuer's state. Implementations must make `take` atomic across every process
/// sharing the store, and treat a record past its `expires_at` as absent.
#[async_trait]
pub trait VciStateStore: Send + Sync {
    /// Stores `value` under `(kind, key)` until `expires_at`. A live record under the
    /// same key is an error (keys are random; a collision is never silently replaced).
    async fn put(
        &self,
        kind: RecordKind,
        key: &str,
        value: Value,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), Error>;

    /// The live record, left in place.
    async fn get(
        &self,
        kind: RecordKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Value>, Error>;

    /// Removes the live record and returns it: of concurrent takes, exactly one gets it.
    async fn take(
        &self,
        kind: RecordKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Value>, Error>;

    /// Counts one more attempt against the live record and returns the new count
    /// (1 for the first), or `None` when there is no live record.
    async fn increment_attempts(
        &self,
        kind: RecordKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<u32>, Error>;
}

struct Entry {
    value: Value,
    expires_at: OffsetDateTime,
    attempts: u32,
}

impl Entry {
    fn live(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

#[derive(Default)]
struct Records {
    entries: HashMap<(RecordKind, String), Entry>,
    writes_since_sweep: usize,
}

impl Records {
    fn sweep(&mut self, now: OffsetDateTime) {
        self.entries.retain(|_, entry| entry.live(now));
        self.writes_since_sweep = 0;
    }
}

/// [`VciStateStore`] in process memory, for one-node deployments, tests and the demo.
///
/// One mutex guards the map, so `take` is atomic. Expired records are swept every
/// [`MemoryStateStore::SWEEP_EVERY`] writes and whenever the store is full; a store at
/// `capacity` live records refuses new ones (`temporarily_unavailable`) rather than grow
/// without bound under a flood of nonce requests.
pub struct MemoryStateStore {
    records: Mutex<Records>,
    capacity: usize,
}

impl MemoryStateStore {
    /// Writes between two sweeps of expired records.
    pub const SWEEP_EVERY: usize = 1024;
    /// The default capacity in live records.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store of [`Self::DEFAULT_CAPACITY`] records.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store of at most `capacity` live records.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            records: Mutex::new(Records::default()),
            capacity,
        }
    }

    /// Removes every expired record now (upkeep tasks may call this on a timer).
    pub fn sweep_expired(&self, now: OffsetDateTime) {
        self.lock().sweep(now);
    }

    /// The number of records held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while holding the lock cannot leave a half-written entry: every
        // mutation is one map operation.
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for MemoryStateStore {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl VciStateStore for MemoryStateStore {
    async fn put(
        &self,
        kind: RecordKind,
        key: &str,
        value: Value,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let mut records = self.lock();
        records.writes_since_sweep += 1;
        if records.writes_since_sweep >= Self::SWEEP_EVERY || records.entries.len() >= self.capacity
        {
            records.sweep(now);
        }
        if records.entries.len() >= self.capacity {
            return Err(Error::Unavailable(format!(
                "the state store holds {} live records, its capacity",
                self.capacity
            )));
        }
        let slot = (kind, key.to_owned());
        if records.entries.get(&slot).is_some_and(|e| e.live(now)) {
            return Err(Error::Unavailable(format!(
                "a live {} record already has this key",
                kind.name()
            )));
        }
        records.entries.insert(
            slot,
            Entry {
                value,
                expires_at,
                attempts: 0,
            },
        );
        Ok(())
    }

    async fn get(
        &self,
        kind: RecordKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Value>, Error> {
        let records = self.lock();
        Ok(records
            .entries
            .get(&(kind, key.to_owned()))
            .filter(|e| e.live(now))
            .map(|e| e.value.clone()))
    }

    async fn take(
        &self,
        kind: RecordKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Value>, Error> {
        let mut records = self.lock();
        Ok(records
            .entries
            .remove(&(kind, key.to_owned()))
            .filter(|e| e.live(now))
            .map(|e| e.value))
    }

    async fn increment_attempts(
        &self,
        kind: RecordKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<u32>, Error> {
        let mut records = self.lock();
        Ok(records
            .entries
            .get_mut(&(kind, key.to_owned()))
            .filter(|e| e.live(now))
            .map(|e| {
                e.attempts = e.attempts.saturating_add(1);
                e.attempts
            }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::Duration;

    use super::*;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn take_is_once_and_expiry_hides_records() {
        run(async {
            let store = MemoryStateStore::new();
            let now = OffsetDateTime::now_utc();
            let later = now + Duration::minutes(1);
            store
                .put(RecordKind::CNonce, "n", Value::Null, later, now)
                .await
                .unwrap();
            assert!(
                store
                    .put(RecordKind::CNonce, "n", Value::Null, later, now)
                    .await
                    .is_err()
            );
            assert!(
                store
                    .get(RecordKind::CNonce, "n", later)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert_eq!(
                store
                    .increment_attempts(RecordKind::CNonce, "n", now)
                    .await
                    .unwrap(),
                Some(1)
            );
            assert_eq!(
                store
                    .increment_attempts(RecordKind::CNonce, "n", now)
                    .await
                    .unwrap(),
                Some(2)
            );
            assert!(
                store
                    .take(RecordKind::CNonce, "n", now)
                    .await
                    .unwrap()
                    .is_some()
            );
            assert!(
                store
                    .take(RecordKind::CNonce, "n", now)
                    .await
                    .unwrap()
                    .is_none()
            );
            // Kinds are separate namespaces.
            store
                .put(RecordKind::Offer, "n", Value::Null, later, now)
                .await
                .unwrap();
            assert!(
                store
                    .get(RecordKind::CNonce, "n", now)
                    .await
                    .unwrap()
                    .is_none()
            );
        });
    }

    #[test]
    fn a_full_store_sweeps_then_refuses() {
        run(async {
            let store = MemoryStateStore::with_capacity(2);
            let now = OffsetDateTime::now_utc();
            let soon = now + Duration::seconds(1);
            store
                .put(RecordKind::CNonce, "a", Value::Null, soon, now)
                .await
                .unwrap();
            store
                .put(RecordKind::CNonce, "b", Value::Null, soon, now)
                .await
                .unwrap();
            let err = store
                .put(RecordKind::CNonce, "c", Value::Null, soon, now)
                .await
                .unwrap_err();
            assert_eq!(err.code(), "temporarily_unavailable");
            // Once they expire, the sweep makes room.
            store
                .put(
                    RecordKind::CNonce,
                    "c",
                    Value::Null,
                    soon + Duration::seconds(5),
                    soon,
                )
                .await
                .unwrap();
            assert_eq!(store.len(), 1);
        });
    }

    #[test]
    fn concurrent_takes_have_one_winner() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = Arc::new(MemoryStateStore::new());
            let now = OffsetDateTime::now_utc();
            store
                .put(
                    RecordKind::PreAuthorizedCode,
                    "k",
                    Value::Null,
                    now + Duration::minutes(1),
                    now,
                )
                .await
                .unwrap();
            let tasks: Vec<_> = (0..32)
                .map(|_| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move {
                        store
                            .take(RecordKind::PreAuthorizedCode, "k", now)
                            .await
                            .unwrap()
                            .is_some()
                    })
                })
                .collect();
            let mut winners = 0;
            for task in tasks {
                winners += usize::from(task.await.unwrap());
            }
            assert_eq!(winners, 1);
        });
    }
}
