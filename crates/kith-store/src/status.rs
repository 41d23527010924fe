//! Bitstring Status List allocation (W3C Bitstring Status List 1.0).
//!
//! Each purpose (`revocation`, `suspension`, …) has one *open* list at a time (a partial
//! unique index). Allocation, in one transaction: reserve a slot by incrementing the
//! list's `allocated` counter only while it is below `capacity` (the row lock serialises
//! allocators on PostgreSQL; SQLite's write lock does the same), then insert a random
//! index; the `(list_id, idx)` primary key means an index is never handed out twice.
//! Random indexes keep list positions from revealing issuance order (the spec's privacy
//! consideration on herd privacy). A full list is closed and a new one opened.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::util::{b64_encode, fill_random, random_below, to_i64, to_ms, to_u64};
use crate::{Error, Store};

/// The Bitstring Status List spec's minimum list size (16 KiB of bits), the default capacity.
pub const DEFAULT_CAPACITY: u64 = 131_072;
/// Random probes before falling back to picking among the free indexes.
const RANDOM_PROBES: usize = 16;
/// Rounds of open-list lookup / creation before giving up.
const MAX_ROUNDS: usize = 16;

/// A status entry handed to a credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Allocation {
    /// The status list's id.
    pub list_id: String,
    /// The index in the list (`statusListIndex`).
    pub index: u64,
    /// `statusPurpose`.
    pub purpose: String,
}

/// Everything needed to render one status list credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListState {
    /// The list's id.
    pub list_id: String,
    /// `statusPurpose`.
    pub purpose: String,
    /// Number of entries (bits).
    pub capacity: u64,
    /// Bumped on every change of a bit; cache key for the rendered list.
    pub version: u64,
    /// Indexes whose bit is set, ascending.
    pub set_indexes: Vec<u64>,
}

/// Summary of one list, for enumerating them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListInfo {
    /// The list's id.
    pub list_id: String,
    /// `statusPurpose`.
    pub purpose: String,
    /// Number of entries.
    pub capacity: u64,
    /// Entries handed out.
    pub allocated: u64,
    /// Change counter.
    pub version: u64,
    /// Whether new allocations go to this list.
    pub open: bool,
}

/// Repository of status lists; get one with [`Store::status`].
#[derive(Debug, Clone, Copy)]
pub struct StatusLists<'a> {
    store: &'a Store,
}

/// Purposes are short lowercase words (`revocation`, `suspension`, `refresh`, `message`).
fn check_purpose(purpose: &str) -> Result<(), Error> {
    if purpose.is_empty() || purpose.len() > 32 || !purpose.bytes().all(|b| b.is_ascii_lowercase())
    {
        return Err(Error::InvalidInput(format!(
            "status purpose {purpose:?} must be 1 to 32 lowercase letters"
        )));
    }
    Ok(())
}

fn new_list_id() -> String {
    // 72 random bits: short in URLs, and the primary key refuses the (negligible) clash.
    let mut bytes = [0u8; 9];
    fill_random(&mut bytes);
    b64_encode(&bytes)
}

impl<'a> StatusLists<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Gives `credential_id` a never-used random index for `purpose` in the open list,
    /// opening a new list of `capacity` entries when there is none or it is full. A
    /// credential that already has an entry for `purpose` gets that entry back.
    pub async fn allocate(
        &self,
        purpose: &str,
        credential_id: &str,
        capacity: u64,
        now: OffsetDateTime,
    ) -> Result<Allocation, Error> {
        check_purpose(purpose)?;
        if capacity == 0 {
            return Err(Error::InvalidInput(
                "a status list needs a capacity of at least 1".into(),
            ));
        }
        let capacity_i64 = to_i64(capacity, "the status list capacity")?;
        if let Some(existing) = self.entry(credential_id, purpose).await? {
            return Ok(existing);
        }
        for _ in 0..MAX_ROUNDS {
            let mut tx = self.store.begin_write().await?;
            let open: Option<(String, i64)> = sqlx::query_as(
                "SELECT list_id, capacity FROM status_lists WHERE purpose = $1 AND is_open = 1",
            )
            .bind(purpose)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((list_id, list_capacity)) = open else {
                // No open list: open one. The partial unique index lets one of several
                // concurrent openers win; the others see it on the next round.
                sqlx::query(
                    "INSERT INTO status_lists (list_id, purpose, capacity, allocated, version, \
                     is_open, created_ms) VALUES ($1, $2, $3, 0, 0, 1, $4) ON CONFLICT DO NOTHING",
                )
                .bind(new_list_id())
                .bind(purpose)
                .bind(capacity_i64)
                .bind(to_ms(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                continue;
            };
            // Reserve a slot; this row lock is what serialises allocators on one list.
            let reserved = sqlx::query(
                "UPDATE status_lists SET allocated = allocated + 1 \
                 WHERE list_id = $1 AND is_open = 1 AND allocated < capacity",
            )
            .bind(&list_id)
            .execute(&mut *tx)
            .await?;
            if reserved.rows_affected() != 1 {
                // Full (or closed meanwhile): close it so the next round opens a new one.
                sqlx::query("UPDATE status_lists SET is_open = 0 WHERE list_id = $1")
                    .bind(&list_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                continue;
            }
            let list_capacity = to_u64(list_capacity, "status_lists.capacity")?;
            if list_capacity == 0 {
                return Err(Error::corrupt(format!(
                    "status list {list_id} has capacity 0"
                )));
            }
            let index = match self
                .insert_random_index(
                    &mut tx,
                    &list_id,
                    list_capacity,
                    credential_id,
                    purpose,
                    now,
                )
                .await?
            {
                Inserted::Index(index) => index,
                Inserted::CredentialExists => {
                    // Raced with another allocation for the same credential: use that one.
                    drop(tx);
                    return self.entry(credential_id, purpose).await?.ok_or_else(|| {
                        Error::Conflict(format!(
                            "credential {credential_id} got a {purpose} entry concurrently"
                        ))
                    });
                }
            };
            tx.commit().await?;
            return Ok(Allocation {
                list_id,
                index,
                purpose: purpose.to_owned(),
            });
        }
        Err(Error::Conflict(format!(
            "could not allocate a {purpose} status entry: the open list kept changing"
        )))
    }

    async fn insert_random_index(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        list_id: &str,
        capacity: u64,
        credential_id: &str,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Inserted, Error> {
        for probe in 0..=RANDOM_PROBES {
            let index = if probe < RANDOM_PROBES {
                random_below(capacity)
            } else {
                // The list is nearly full: pick uniformly among the free indexes.
                let used: Vec<i64> = sqlx::query_scalar(
                    "SELECT idx FROM status_entries WHERE list_id = $1 ORDER BY idx",
                )
                .bind(list_id)
                .fetch_all(&mut **tx)
                .await?;
                let free = capacity.saturating_sub(used.len() as u64);
                if free == 0 {
                    return Err(Error::corrupt(format!(
                        "status list {list_id} has no free index but its counter says it has"
                    )));
                }
                nth_free(&used, random_below(free))
            };
            let inserted = sqlx::query(
                "INSERT INTO status_entries (list_id, idx, credential_id, purpose, value, created_ms) \
                 VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT DO NOTHING",
            )
            .bind(list_id)
            .bind(to_i64(index, "the status index")?)
            .bind(credential_id)
            .bind(purpose)
            .bind(to_ms(now))
            .execute(&mut **tx)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Inserted::Index(index));
            }
            // Either the index is taken or the credential already has an entry.
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM status_entries WHERE credential_id = $1 AND purpose = $2",
            )
            .bind(credential_id)
            .bind(purpose)
            .fetch_optional(&mut **tx)
            .await?;
            if exists.is_some() {
                return Ok(Inserted::CredentialExists);
            }
        }
        Err(Error::Conflict(format!(
            "no free index found in status list {list_id}"
        )))
    }

    /// Sets (`true`) or clears the status bit of `credential_id` for `purpose`; the list's
    /// version is bumped when the bit changes. `not_found` if the credential has no entry.
    pub async fn set(
        &self,
        credential_id: &str,
        purpose: &str,
        value: bool,
        _now: OffsetDateTime,
    ) -> Result<Allocation, Error> {
        check_purpose(purpose)?;
        let mut tx = self.store.begin_write().await?;
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT list_id, idx FROM status_entries WHERE credential_id = $1 AND purpose = $2",
        )
        .bind(credential_id)
        .bind(purpose)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((list_id, index)) = found else {
            return Err(Error::NotFound(format!(
                "a {purpose} status entry for credential {credential_id}"
            )));
        };
        let value = i32::from(value);
        let changed = sqlx::query(
            "UPDATE status_entries SET value = $3 WHERE list_id = $1 AND idx = $2 AND value <> $3",
        )
        .bind(&list_id)
        .bind(index)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 1 {
            sqlx::query("UPDATE status_lists SET version = version + 1 WHERE list_id = $1")
                .bind(&list_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Allocation {
            list_id,
            index: to_u64(index, "status_entries.idx")?,
            purpose: purpose.to_owned(),
        })
    }

    /// The capacity, version and set bits of one list (`None` if unknown).
    pub async fn list_state(&self, list_id: &str) -> Result<Option<StatusListState>, Error> {
        // The version is read before the bits, so the bits are never older than the
        // version (a cache keyed by version at worst re-renders once more).
        let mut tx = self.store.pool().begin().await?;
        let Some(row) = sqlx::query(
            "SELECT list_id, purpose, capacity, allocated, version, is_open \
             FROM status_lists WHERE list_id = $1",
        )
        .bind(list_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let info = decode_info(&row)?;
        let set: Vec<i64> = sqlx::query_scalar(
            "SELECT idx FROM status_entries WHERE list_id = $1 AND value = 1 ORDER BY idx",
        )
        .bind(list_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let set_indexes = set
            .into_iter()
            .map(|i| to_u64(i, "status_entries.idx"))
            .collect::<Result<Vec<_>, _>>()?;
        if set_indexes.last().is_some_and(|&i| i >= info.capacity) {
            return Err(Error::corrupt(format!(
                "status list {list_id} has an index beyond its capacity"
            )));
        }
        Ok(Some(StatusListState {
            list_id: info.list_id,
            purpose: info.purpose,
            capacity: info.capacity,
            version: info.version,
            set_indexes,
        }))
    }

    /// The version of one list (cheap check whether a cached rendering is stale).
    pub async fn list_version(&self, list_id: &str) -> Result<Option<u64>, Error> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM status_lists WHERE list_id = $1")
                .bind(list_id)
                .fetch_optional(self.store.pool())
                .await?;
        version
            .map(|v| to_u64(v, "status_lists.version"))
            .transpose()
    }

    /// Every list, optionally of one purpose, oldest first.
    pub async fn lists(&self, purpose: Option<&str>) -> Result<Vec<StatusListInfo>, Error> {
        let rows = sqlx::query(
            "SELECT list_id, purpose, capacity, allocated, version, is_open FROM status_lists \
             WHERE ($1 = '' OR purpose = $1) ORDER BY created_ms, list_id",
        )
        .bind(purpose.unwrap_or(""))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(decode_info).collect()
    }

    /// The entries of `credential_id` (one per purpose).
    pub async fn entries_for(&self, credential_id: &str) -> Result<Vec<Allocation>, Error> {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT list_id, idx, purpose FROM status_entries WHERE credential_id = $1 \
             ORDER BY purpose",
        )
        .bind(credential_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.into_iter()
            .map(|(list_id, idx, purpose)| {
                Ok(Allocation {
                    list_id,
                    index: to_u64(idx, "status_entries.idx")?,
                    purpose,
                })
            })
            .collect()
    }

    async fn entry(&self, credential_id: &str, purpose: &str) -> Result<Option<Allocation>, Error> {
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT list_id, idx FROM status_entries WHERE credential_id = $1 AND purpose = $2",
        )
        .bind(credential_id)
        .bind(purpose)
        .fetch_optional(self.store.pool())
        .await?;
        found
            .map(|(list_id, idx)| {
                Ok(Allocation {
                    list_id,
                    index: to_u64(idx, "status_entries.idx")?,
                    purpose: purpose.to_owned(),
                })
            })
            .transpose()
    }
}

enum Inserted {
    Index(u64),
    CredentialExists,
}

/// The `n`-th (0-based) integer ≥ 0 not in the ascending list `used`.
fn nth_free(used: &[i64], n: u64) -> u64 {
    let mut candidate = n;
    for &u in used {
        match u64::try_from(u) {
            Ok(u) if u <= candidate => candidate += 1,
            Ok(_) => break,
            Err(_) => {}
        }
    }
    candidate
}

fn decode_info(row: &AnyRow) -> Result<StatusListInfo, Error> {
    let is_open: i64 = row.try_get("is_open")?;
    Ok(StatusListInfo {
        list_id: row.try_get("list_id")?,
        purpose: row.try_get("purpose")?,
        capacity: to_u64(row.try_get("capacity")?, "status_lists.capacity")?,
        allocated: to_u64(row.try_get("allocated")?, "status_lists.allocated")?,
        version: to_u64(row.try_get("version")?, "status_lists.version")?,
        open: is_open != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::nth_free;

    #[test]
    fn nth_free_skips_used_indexes() {
        assert_eq!(nth_free(&[], 3), 3);
        assert_eq!(nth_free(&[0, 1, 2], 0), 3);
        assert_eq!(nth_free(&[1, 3], 0), 0);
        assert_eq!(nth_free(&[1, 3], 1), 2);
        assert_eq!(nth_free(&[1, 3], 2), 4);
        assert_eq!(nth_free(&[0, 2, 4, 6], 3), 7);
    }
}
