//! Bitstring Status List allocation (W3C Bitstring Status List 1.0).
//!
//! Each purpose (`revocation`, `suspension`, …) has one *open* list at a time (a partial
//! unique index). Allocation, in one transaction: reserve slots by incrementing the
//! list's `allocated` counter only as far as `capacity` (the row lock serialises
//! allocators on PostgreSQL; SQLite's write lock does the same), then insert random
//! indexes; the `(list_id, idx)` primary key means an index is never handed out twice.
//! Random indexes keep list positions from revealing issuance order (the spec's privacy
//! consideration on herd privacy). A full list is closed and a new one opened.
//! [`StatusLists::allocate`] does this for one entry; [`Store::record_issuances`] for a
//! whole batch (one reservation and one multi-row INSERT per list), through the same
//! code.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use crate::db::WriteTx;
use crate::util::{b64_encode, fill_random, random_below, to_i64, to_ms, to_u64};
use crate::{Error, Store};

/// The Bitstring Status List spec's minimum list size (16 KiB of bits), the default capacity.
pub const DEFAULT_CAPACITY: u64 = 131_072;
/// Random probes before falling back to picking among the free indexes.
const RANDOM_PROBES: usize = 16;
/// Rounds of open-list lookup / creation before giving up.
const MAX_ROUNDS: usize = 16;
/// Rows per multi-row statement (each row binds 2 parameters).
const CHUNK: usize = 400;

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
pub(crate) fn check_purpose(purpose: &str) -> Result<(), Error> {
    if purpose.is_empty() || purpose.len() > 32 || !purpose.bytes().all(|b| b.is_ascii_lowercase())
    {
        return Err(Error::InvalidInput(format!(
            "status purpose {purpose:?} must be 1 to 32 lowercase letters"
        )));
    }
    Ok(())
}

pub(crate) fn check_capacity(capacity: u64) -> Result<i64, Error> {
    if capacity == 0 {
        return Err(Error::InvalidInput(
            "a status list needs a capacity of at least 1".into(),
        ));
    }
    to_i64(capacity, "the status list capacity")
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
        check_capacity(capacity)?;
        // A replay needs no write lock.
        if let Some(existing) = self.entry(credential_id, purpose).await? {
            return Ok(existing);
        }
        let mut tx = self.store.begin_write().await?;
        let request = [EntryRequest {
            purpose,
            credential_id,
        }];
        let mut allocated = allocate_in(&mut tx, &request, capacity, now).await?;
        tx.commit().await?;
        allocated
            .pop()
            .ok_or_else(|| Error::corrupt("an allocation went missing"))
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

/// One status entry to hand out inside a write transaction ([`allocate_in`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryRequest<'r> {
    pub(crate) purpose: &'r str,
    pub(crate) credential_id: &'r str,
}

/// The one implementation of the allocation rules, for [`StatusLists::allocate`] and
/// [`Store::record_issuances`]: hands out an entry for every request inside `tx` and
/// returns them in the order of `requests`.
///
/// Per purpose (in name order, so concurrent transactions lock list rows in the same
/// order): find the open list (opening one if there is none), reserve as many slots as
/// it has left with one `UPDATE … allocated = allocated + k` guarded by the capacity
/// (the row lock serialises allocators on PostgreSQL, the write lock on SQLite), insert
/// that many random indexes in one statement and retry only the collisions; requests
/// beyond the list's capacity go to a new list after the full one is closed. A
/// credential that already has an entry for the purpose (before, or concurrently on
/// another node) gets that entry, and its reserved slot is given back. The same
/// credential twice in `requests` gets one entry.
pub(crate) async fn allocate_in(
    tx: &mut WriteTx,
    requests: &[EntryRequest<'_>],
    capacity: u64,
    now: OffsetDateTime,
) -> Result<Vec<Allocation>, Error> {
    let capacity_i64 = check_capacity(capacity)?;
    let mut by_purpose: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (pos, request) in requests.iter().enumerate() {
        check_purpose(request.purpose)?;
        by_purpose.entry(request.purpose).or_default().push(pos);
    }
    let mut out: Vec<Option<Allocation>> = vec![None; requests.len()];
    for (purpose, positions) in by_purpose {
        // The first request of each credential allocates; repeats copy its entry.
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut repeats = Vec::new();
        let mut pending = Vec::new();
        for pos in positions {
            let credential_id = requests[pos].credential_id;
            match first.get(credential_id) {
                Some(&original) => repeats.push((pos, original)),
                None => {
                    first.insert(credential_id, pos);
                    pending.push((pos, credential_id));
                }
            }
        }
        allocate_purpose(tx, purpose, &pending, capacity_i64, now, &mut out).await?;
        for (pos, original) in repeats {
            out[pos] = out[original].clone();
        }
    }
    out.into_iter()
        .map(|a| a.ok_or_else(|| Error::corrupt("a status allocation went missing")))
        .collect()
}

/// [`allocate_in`] for one purpose: `pending` holds (position in `out`, credential id),
/// each credential once.
async fn allocate_purpose(
    tx: &mut WriteTx,
    purpose: &str,
    pending: &[(usize, &str)],
    capacity: i64,
    now: OffsetDateTime,
    out: &mut [Option<Allocation>],
) -> Result<(), Error> {
    let mut pending = pending;
    // Rounds since the last reservation: closing a full list and opening the next take
    // two; more only when other nodes keep changing the open list.
    let mut stalled = 0;
    while !pending.is_empty() {
        stalled += 1;
        if stalled > MAX_ROUNDS {
            return Err(Error::Conflict(format!(
                "could not allocate {purpose} status entries: the open list kept changing"
            )));
        }
        let open: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT list_id, capacity, allocated FROM status_lists              WHERE purpose = $1 AND is_open = 1",
        )
        .bind(purpose)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((list_id, list_capacity, allocated)) = open else {
            // No open list: open one. The partial unique index lets one of several
            // concurrent openers win (PostgreSQL makes the others wait for it to
            // commit); everyone sees the winner on the next round.
            sqlx::query(
                "INSERT INTO status_lists (list_id, purpose, capacity, allocated, version,                  is_open, created_ms) VALUES ($1, $2, $3, 0, 0, 1, $4) ON CONFLICT DO NOTHING",
            )
            .bind(new_list_id())
            .bind(purpose)
            .bind(capacity)
            .bind(to_ms(now))
            .execute(&mut **tx)
            .await?;
            continue;
        };
        let list_capacity = to_u64(list_capacity, "status_lists.capacity")?;
        if list_capacity == 0 {
            return Err(Error::corrupt(format!(
                "status list {list_id} has capacity 0"
            )));
        }
        let free = list_capacity.saturating_sub(to_u64(allocated, "status_lists.allocated")?);
        if free == 0 {
            // Full: close it so the next round opens a new one. (The counter only
            // shrinks when a reservation goes unused, hence the re-check.)
            sqlx::query(
                "UPDATE status_lists SET is_open = 0 WHERE list_id = $1 AND allocated >= capacity",
            )
            .bind(&list_id)
            .execute(&mut **tx)
            .await?;
            continue;
        }
        let take = pending
            .len()
            .min(usize::try_from(free).unwrap_or(usize::MAX));
        let take_i64 = to_i64(take as u64, "the number of status entries")?;
        // Reserve `take` slots; this row lock is what serialises allocators on one list.
        let reserved = sqlx::query(
            "UPDATE status_lists SET allocated = allocated + $2 \
             WHERE list_id = $1 AND is_open = 1 AND allocated + $2 <= capacity",
        )
        .bind(&list_id)
        .bind(take_i64)
        .execute(&mut **tx)
        .await?;
        if reserved.rows_affected() != 1 {
            // Another node allocated or closed it since we looked: look again.
            continue;
        }
        stalled = 0;
        let (these, rest) = pending.split_at(take);
        let placed =
            insert_random_indexes(tx, &list_id, list_capacity, purpose, these, now).await?;
        let mut existing = Vec::new();
        for (pos, credential_id, placement) in placed {
            match placement {
                Some(index) => {
                    out[pos] = Some(Allocation {
                        list_id: list_id.clone(),
                        index,
                        purpose: purpose.to_owned(),
                    });
                }
                None => existing.push((pos, credential_id)),
            }
        }
        if !existing.is_empty() {
            // Those credentials had an entry already: give their slots back.
            sqlx::query("UPDATE status_lists SET allocated = allocated - $2 WHERE list_id = $1")
                .bind(&list_id)
                .bind(to_i64(
                    existing.len() as u64,
                    "the number of status entries",
                )?)
                .execute(&mut **tx)
                .await?;
            let ids: Vec<&str> = existing.iter().map(|(_, id)| *id).collect();
            let found = entries_of(tx, purpose, &ids).await?;
            for (pos, credential_id) in existing {
                let (list_id, index) = found.get(credential_id).cloned().ok_or_else(|| {
                    Error::Conflict(format!(
                        "credential {credential_id} got a {purpose} entry concurrently"
                    ))
                })?;
                out[pos] = Some(Allocation {
                    list_id,
                    index,
                    purpose: purpose.to_owned(),
                });
            }
        }
        pending = rest;
    }
    Ok(())
}

/// Inserts one random free index of `list_id` for each of `items` (position, credential
/// id), whose slots are reserved. Returns each item with its index, or `None` when the
/// credential already has an entry for `purpose`.
async fn insert_random_indexes<'i>(
    tx: &mut WriteTx,
    list_id: &str,
    capacity: u64,
    purpose: &str,
    items: &[(usize, &'i str)],
    now: OffsetDateTime,
) -> Result<Vec<(usize, &'i str, Option<u64>)>, Error> {
    let mut placed = Vec::with_capacity(items.len());
    let mut todo: Vec<(usize, &'i str)> = items.to_vec();
    for probe in 0..=RANDOM_PROBES {
        if todo.is_empty() {
            break;
        }
        let picks = if probe < RANDOM_PROBES {
            distinct_random(todo.len(), capacity)
        } else {
            // The list is nearly full: pick uniformly among the free indexes.
            let used: Vec<i64> = sqlx::query_scalar(
                "SELECT idx FROM status_entries WHERE list_id = $1 ORDER BY idx",
            )
            .bind(list_id)
            .fetch_all(&mut **tx)
            .await?;
            let free = capacity.saturating_sub(used.len() as u64);
            if free < todo.len() as u64 {
                return Err(Error::corrupt(format!(
                    "status list {list_id} has fewer free indexes than its counter says"
                )));
            }
            distinct_random(todo.len(), free)
                .into_iter()
                .map(|rank| nth_free(&used, rank))
                .collect()
        };
        let mut inserted: HashMap<String, i64> = HashMap::with_capacity(todo.len());
        for (rows, picks) in todo.chunks(CHUNK).zip(picks.chunks(CHUNK)) {
            let mut sql = String::from(
                "INSERT INTO status_entries (list_id, idx, credential_id, purpose, value, \
                 created_ms) VALUES ",
            );
            for i in 0..rows.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let p = 4 + 2 * i;
                sql.push_str(&format!("($1, ${p}, ${}, $2, 0, $3)", p + 1));
            }
            sql.push_str(" ON CONFLICT DO NOTHING RETURNING credential_id, idx");
            let mut query = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql))
                .bind(list_id)
                .bind(purpose)
                .bind(to_ms(now));
            for ((_, credential_id), index) in rows.iter().zip(picks) {
                query = query
                    .bind(to_i64(*index, "the status index")?)
                    .bind(*credential_id);
            }
            inserted.extend(query.fetch_all(&mut **tx).await?);
        }
        let mut missing = Vec::new();
        for (pos, credential_id) in todo.drain(..) {
            match inserted.get(credential_id) {
                Some(&index) => placed.push((
                    pos,
                    credential_id,
                    Some(to_u64(index, "status_entries.idx")?),
                )),
                None => missing.push((pos, credential_id)),
            }
        }
        if missing.is_empty() {
            break;
        }
        // Either the index was taken or the credential already has an entry.
        let ids: Vec<&str> = missing.iter().map(|(_, id)| *id).collect();
        let have = entries_of(tx, purpose, &ids).await?;
        for (pos, credential_id) in missing {
            if have.contains_key(credential_id) {
                placed.push((pos, credential_id, None));
            } else {
                todo.push((pos, credential_id));
            }
        }
    }
    if !todo.is_empty() {
        return Err(Error::Conflict(format!(
            "no free index found in status list {list_id}"
        )));
    }
    Ok(placed)
}

/// `n` distinct uniformly random integers below `bound` (`n <= bound`).
fn distinct_random(n: usize, bound: u64) -> Vec<u64> {
    debug_assert!(n as u64 <= bound);
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let v = random_below(bound);
        if seen.insert(v) {
            out.push(v);
        }
    }
    out
}

/// The entries of `credential_ids` for `purpose`: credential id → (list id, index).
async fn entries_of(
    conn: &mut AnyConnection,
    purpose: &str,
    credential_ids: &[&str],
) -> Result<HashMap<String, (String, u64)>, Error> {
    let mut found = HashMap::with_capacity(credential_ids.len());
    for chunk in credential_ids.chunks(CHUNK) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT credential_id, list_id, idx FROM status_entries \
             WHERE purpose = $1 AND credential_id IN ({})",
            placeholders.join(", ")
        );
        let mut query =
            sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(sql)).bind(purpose);
        for id in chunk {
            query = query.bind(*id);
        }
        for (credential_id, list_id, idx) in query.fetch_all(&mut *conn).await? {
            found.insert(credential_id, (list_id, to_u64(idx, "status_entries.idx")?));
        }
    }
    Ok(found)
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
