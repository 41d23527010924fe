//! Idempotency-Key records: one row per (principal, key), decided by the primary key so
//! that concurrent requests on several nodes agree on which one runs.
//!
//! A row is *in progress* while a node holds its lease, then *completed* with the
//! response to replay. A node that crashes mid-request leaves an in-progress row whose
//! lease runs out; the next request with that key takes it over. A lease that runs out on
//! a node that is merely slow lets a retry run too: pick leases longer than the request
//! timeout.

use std::time::Duration;

use sqlx::Row;
use time::OffsetDateTime;

use crate::util::{b64_decode, b64_encode, duration_ms, to_ms};
use crate::{Error, Store};

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";
/// Rounds of insert/inspect/take-over before giving up on a row that keeps changing.
const MAX_ROUNDS: usize = 8;

/// What [`Idempotency::begin`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// This caller owns the key now: run the request, then `complete` or `abandon`.
    Started,
    /// The request already ran: send this response again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: Vec<u8>,
    },
    /// Another request with this key is running (HTTP 409).
    InProgress,
    /// The key was used with a different request (HTTP 422).
    Mismatch,
}

/// Repository of idempotency records; get one with [`Store::idempotency`].
#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    store: &'a Store,
}

impl<'a> Idempotency<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Claims `key` for `principal`'s request with this `fingerprint` (a hash of method,
    /// path and body). The record lives for `ttl`; an in-progress claim is held for
    /// `lease` and can be taken over after that.
    pub async fn begin(
        &self,
        principal: &str,
        key: &str,
        fingerprint: &[u8; 32],
        now: OffsetDateTime,
        ttl: Duration,
        lease: Duration,
    ) -> Result<Begin, Error> {
        let fingerprint = hex::encode(fingerprint);
        let now_ms = to_ms(now);
        let expires_ms = now_ms.saturating_add(duration_ms(ttl));
        let lease_ms = now_ms.saturating_add(duration_ms(lease));
        let _turn = self.store.write_turn().await;
        let pool = self.store.pool();
        for _ in 0..MAX_ROUNDS {
            let inserted = sqlx::query(
                "INSERT INTO idempotency (principal, idem_key, fingerprint, state, status, body, \
                 created_ms, expires_ms, lease_until_ms) \
                 VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(principal)
            .bind(key)
            .bind(&fingerprint)
            .bind(IN_PROGRESS)
            .bind(now_ms)
            .bind(expires_ms)
            .bind(lease_ms)
            .execute(pool)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Begin::Started);
            }
            let Some(row) = sqlx::query(
                "SELECT fingerprint, state, status, body, expires_ms, lease_until_ms \
                 FROM idempotency WHERE principal = $1 AND idem_key = $2",
            )
            .bind(principal)
            .bind(key)
            .fetch_optional(pool)
            .await?
            else {
                // Abandoned or purged between our insert and select: insert again.
                continue;
            };
            let old_fingerprint: String = row.try_get("fingerprint")?;
            let state: String = row.try_get("state")?;
            let old_expires: i64 = row.try_get("expires_ms")?;
            let old_lease: i64 = row.try_get("lease_until_ms")?;

            if now_ms > old_expires {
                // An expired record is replaced; the compare-and-set on expires_ms makes
                // exactly one of several concurrent replacers win.
                let replaced = sqlx::query(
                    "UPDATE idempotency SET fingerprint = $3, state = $4, status = NULL, \
                     body = NULL, created_ms = $5, expires_ms = $6, lease_until_ms = $7 \
                     WHERE principal = $1 AND idem_key = $2 AND expires_ms = $8",
                )
                .bind(principal)
                .bind(key)
                .bind(&fingerprint)
                .bind(IN_PROGRESS)
                .bind(now_ms)
                .bind(expires_ms)
                .bind(lease_ms)
                .bind(old_expires)
                .execute(pool)
                .await?;
                if replaced.rows_affected() == 1 {
                    return Ok(Begin::Started);
                }
                continue;
            }
            if old_fingerprint != fingerprint {
                return Ok(Begin::Mismatch);
            }
            match state.as_str() {
                COMPLETED => {
                    let status: Option<i64> = row.try_get("status")?;
                    let body: Option<String> = row.try_get("body")?;
                    let status = status.and_then(|s| u16::try_from(s).ok()).ok_or_else(|| {
                        Error::corrupt("an idempotency record has no valid status")
                    })?;
                    let body = b64_decode(body.as_deref().unwrap_or_default()).map_err(|_| {
                        Error::corrupt("an idempotency record body is not base64url")
                    })?;
                    return Ok(Begin::Replay { status, body });
                }
                IN_PROGRESS if old_lease < now_ms => {
                    // The owner crashed (its lease ran out): take over, compare-and-set on
                    // the lease so only one of several waiting requests does.
                    let taken = sqlx::query(
                        "UPDATE idempotency SET lease_until_ms = $3 WHERE principal = $1 \
                         AND idem_key = $2 AND state = $4 AND lease_until_ms = $5 \
                         AND lease_until_ms < $6",
                    )
                    .bind(principal)
                    .bind(key)
                    .bind(lease_ms)
                    .bind(IN_PROGRESS)
                    .bind(old_lease)
                    .bind(now_ms)
                    .execute(pool)
                    .await?;
                    if taken.rows_affected() == 1 {
                        return Ok(Begin::Started);
                    }
                    continue;
                }
                IN_PROGRESS => return Ok(Begin::InProgress),
                _ => return Err(Error::corrupt("an idempotency record has an unknown state")),
            }
        }
        // The row kept changing under us: another request is actively using the key.
        Ok(Begin::InProgress)
    }

    /// Stores the response of a started request, to be replayed until the record expires.
    /// A record that vanished meanwhile (purged) is not an error: the response was sent.
    pub async fn complete(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> Result<(), Error> {
        let _turn = self.store.write_turn().await;
        sqlx::query(
            "UPDATE idempotency SET state = $3, status = $4, body = $5 \
             WHERE principal = $1 AND idem_key = $2 AND state = $6",
        )
        .bind(principal)
        .bind(key)
        .bind(COMPLETED)
        .bind(i64::from(status))
        .bind(b64_encode(body))
        .bind(IN_PROGRESS)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Deletes an in-progress record so the failed request may be retried with the key.
    pub async fn abandon(&self, principal: &str, key: &str) -> Result<(), Error> {
        let _turn = self.store.write_turn().await;
        sqlx::query(
            "DELETE FROM idempotency WHERE principal = $1 AND idem_key = $2 AND state = $3",
        )
        .bind(principal)
        .bind(key)
        .bind(IN_PROGRESS)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Deletes records that expired before `now`; returns how many.
    pub async fn purge_expired(&self, now: OffsetDateTime) -> Result<u64, Error> {
        let _turn = self.store.write_turn().await;
        let done = sqlx::query("DELETE FROM idempotency WHERE expires_ms < $1")
            .bind(to_ms(now))
            .execute(self.store.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
