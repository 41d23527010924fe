//! The append-only, hash-chained audit log.
//!
//! Entry `seq` (1, 2, …, decided by the primary key) stores
//! `hash = SHA-256("kith audit v1\0" || prev_hash || seq || time || actor || action ||
//! target || request_id || outcome)` with fixed-width big-endian integers and
//! length-prefixed strings, where `prev_hash` is the hash of entry `seq - 1` (64 zeros
//! for entry 1). [`AuditLog::verify`] walks the chain and names the first break:
//!
//! - a seq gap means rows were deleted ([`AuditViolation::Deleted`]);
//! - a row whose hash does not match its own content was edited in place
//!   ([`AuditViolation::Edited`]);
//! - a row that is consistent on its own but does not continue the chain (its prev_hash
//!   is not the previous row's hash, or its seq repeats) was inserted or replaced
//!   ([`AuditViolation::Inserted`]).
//!
//! Limit: deleting the newest entries (or rewriting the whole chain from some point on)
//! cannot be detected from the database alone. [`AuditSummary::head`] is returned so
//! operators can anchor it elsewhere (logs, a ticket, a transparency log) and compare.
//! The log never holds secrets or claim values: callers pass ids and outcomes only.

use std::fmt;

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use crate::util::{from_ms, to_i64, to_ms, to_u64};
use crate::{Error, Store};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Longest accepted field, in bytes (the log holds ids and outcomes, not documents).
pub const MAX_FIELD_LEN: usize = 4096;
const DOMAIN: &[u8] = b"kith audit v1\0";
/// Rows read per page by `verify`.
const PAGE: i64 = 1000;
/// Attempts when other nodes keep appending at the same seq.
pub(crate) const MAX_APPEND_ATTEMPTS: usize = 64;

/// What happened, as the caller records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who: an API key id, `system`, …
    pub actor: String,
    /// What: `credential.issue`, `api_key.revoke`, …
    pub action: String,
    /// On what: a credential id, key id, …
    pub target: String,
    /// The request id (correlates with the access log).
    pub request_id: String,
    /// `ok`, or an error code.
    pub outcome: String,
}

impl AuditEvent {
    /// `invalid_input` if a field is longer than [`MAX_FIELD_LEN`] bytes.
    pub fn check(&self) -> Result<(), Error> {
        for field in [
            &self.actor,
            &self.action,
            &self.target,
            &self.request_id,
            &self.outcome,
        ] {
            if field.len() > MAX_FIELD_LEN {
                return Err(Error::InvalidInput(format!(
                    "an audit field is longer than {MAX_FIELD_LEN} bytes"
                )));
            }
        }
        Ok(())
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When it was appended (millisecond precision).
    pub time: OffsetDateTime,
    /// The event.
    pub event: AuditEvent,
    /// Hash of the previous entry (hex).
    pub prev_hash: String,
    /// Hash of this entry (hex).
    pub hash: String,
}

/// The first break [`AuditLog::verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditViolation {
    /// The entry's content no longer matches its hash.
    Edited {
        /// The edited entry.
        seq: u64,
    },
    /// The entry is consistent on its own but does not continue the chain.
    Inserted {
        /// The foreign entry.
        seq: u64,
    },
    /// Entries after `after_seq` are missing (a seq gap).
    Deleted {
        /// The last entry before the gap (0 if the log's start is missing).
        after_seq: u64,
    },
}

impl AuditViolation {
    /// `audit_entry_edited`, `audit_entry_inserted` or `audit_entry_deleted`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Edited { .. } => "audit_entry_edited",
            Self::Inserted { .. } => "audit_entry_inserted",
            Self::Deleted { .. } => "audit_entry_deleted",
        }
    }
}

impl fmt::Display for AuditViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Edited { seq } => write!(f, "audit entry {seq} was changed after it was written"),
            Self::Inserted { seq } => {
                write!(
                    f,
                    "audit entry {seq} does not continue the hash chain (inserted or replaced)"
                )
            }
            Self::Deleted { after_seq } => {
                write!(f, "audit entries after {after_seq} are missing")
            }
        }
    }
}

/// A verified log: how many entries and the last hash (anchor it externally).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSummary {
    /// Number of entries.
    pub entries: u64,
    /// Hash of the last entry, or [`GENESIS_HASH`] for an empty log.
    pub head: String,
}

/// The audit log; get it with [`Store::audit`].
#[derive(Debug, Clone, Copy)]
pub struct AuditLog<'a> {
    store: &'a Store,
}

/// The chained hash of one entry (lowercase hex).
fn entry_hash(prev_hash: &str, seq: i64, time_ms: i64, event: &AuditEvent) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(time_ms.to_be_bytes());
    for field in [
        &event.actor,
        &event.action,
        &event.target,
        &event.request_id,
        &event.outcome,
    ] {
        // Length prefixes keep ("ab","c") and ("a","bc") apart.
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        h.update(len.to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Rows per multi-row INSERT (each row binds 8 parameters).
const CHUNK: usize = 500;

/// The one implementation of appending, for [`AuditLog::append`] and
/// [`Store::record_issuances`]: reads the head inside the caller's write transaction,
/// chains `events` after it (all at `time_ms`) and inserts them with multi-row INSERTs.
/// Returns their seqs, or `None` when another writer took one of those seqs first (the
/// caller rolls back what this inserted, and retries).
pub(crate) async fn insert_chained(
    conn: &mut AnyConnection,
    events: &[&AuditEvent],
    time_ms: i64,
) -> Result<Option<Vec<u64>>, Error> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (mut seq, mut prev_hash) = head.unwrap_or((0, GENESIS_HASH.to_owned()));
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq = seq
            .checked_add(1)
            .ok_or_else(|| Error::corrupt("the audit log's last seq is at the maximum"))?;
        let hash = entry_hash(&prev_hash, seq, time_ms, event);
        rows.push((
            seq,
            *event,
            std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
        ));
    }
    let mut seqs = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, time_ms, actor, action, target, request_id, outcome, \
             prev_hash, hash) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let p = 2 + 8 * i;
            sql.push_str(&format!(
                "(${p}, $1, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            ));
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(time_ms);
        for (seq, event, prev_hash, hash) in chunk {
            query = query
                .bind(*seq)
                .bind(&event.actor)
                .bind(&event.action)
                .bind(&event.target)
                .bind(&event.request_id)
                .bind(&event.outcome)
                .bind(prev_hash)
                .bind(hash);
        }
        let inserted = query.execute(&mut *conn).await?;
        if inserted.rows_affected() != chunk.len() as u64 {
            return Ok(None);
        }
        for (seq, ..) in chunk {
            seqs.push(to_u64(*seq, "audit_log.seq")?);
        }
    }
    Ok(Some(seqs))
}

/// The pause before appending again after another node took the seq.
pub(crate) async fn append_backoff() {
    tokio::time::sleep(std::time::Duration::from_millis(
        crate::util::random_below(5) + 1,
    ))
    .await;
}

const COLUMNS: &str = "seq, time_ms, actor, action, target, request_id, outcome, prev_hash, hash";

struct RawEntry {
    seq: i64,
    time_ms: i64,
    event: AuditEvent,
    prev_hash: String,
    hash: String,
}

fn decode_raw(row: &AnyRow) -> Result<RawEntry, Error> {
    Ok(RawEntry {
        seq: row.try_get("seq")?,
        time_ms: row.try_get("time_ms")?,
        event: AuditEvent {
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            request_id: row.try_get("request_id")?,
            outcome: row.try_get("outcome")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

impl<'a> AuditLog<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Appends `event` at `now` and returns its seq. Concurrent appenders (also on other
    /// nodes) race on the seq primary key; the loser re-reads the head and retries.
    pub async fn append(&self, event: &AuditEvent, now: OffsetDateTime) -> Result<u64, Error> {
        event.check()?;
        let time_ms = to_ms(now);
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let mut tx = self.store.begin_write().await?;
            if let Some(seqs) = insert_chained(&mut tx, &[event], time_ms).await? {
                tx.commit().await?;
                return seqs
                    .first()
                    .copied()
                    .ok_or_else(|| Error::corrupt("an appended audit entry has no seq"));
            }
            tx.rollback().await?;
            append_backoff().await;
        }
        Err(Error::Conflict(
            "the audit log kept changing; the entry was not appended".into(),
        ))
    }

    /// Walks the whole chain in seq order, a page at a time, and reports the first
    /// break, or the number of entries and the head hash.
    pub async fn verify(&self) -> Result<Result<AuditSummary, AuditViolation>, Error> {
        let mut expected: i64 = 1;
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut after: i64 = i64::MIN;
        let mut entries: u64 = 0;
        let seq_u64 = |s: i64| u64::try_from(s).unwrap_or(0);
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT {PAGE}"
            )))
            .bind(after)
            .fetch_all(self.store.pool())
            .await?;
            if rows.is_empty() {
                return Ok(Ok(AuditSummary {
                    entries,
                    head: prev_hash,
                }));
            }
            for row in &rows {
                let entry = decode_raw(row)?;
                if entry.seq < expected {
                    return Ok(Err(AuditViolation::Inserted {
                        seq: seq_u64(entry.seq),
                    }));
                }
                if entry.seq > expected {
                    return Ok(Err(AuditViolation::Deleted {
                        after_seq: seq_u64(expected - 1),
                    }));
                }
                let recomputed =
                    entry_hash(&entry.prev_hash, entry.seq, entry.time_ms, &entry.event);
                if recomputed != entry.hash {
                    return Ok(Err(AuditViolation::Edited {
                        seq: seq_u64(entry.seq),
                    }));
                }
                if entry.prev_hash != prev_hash {
                    return Ok(Err(AuditViolation::Inserted {
                        seq: seq_u64(entry.seq),
                    }));
                }
                prev_hash = entry.hash;
                expected += 1;
                entries += 1;
                after = entry.seq;
            }
        }
    }

    /// The last `n` entries, oldest first.
    pub async fn tail(&self, n: u64) -> Result<Vec<AuditEntry>, Error> {
        let limit = to_i64(n, "the number of audit entries")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(self.store.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|row| {
                let raw = decode_raw(row)?;
                Ok(AuditEntry {
                    seq: to_u64(raw.seq, "audit_log.seq")?,
                    time: from_ms(raw.time_ms, "audit_log.time_ms")?,
                    event: raw.event,
                    prev_hash: raw.prev_hash,
                    hash: raw.hash,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        out.reverse();
        Ok(out)
    }
}
