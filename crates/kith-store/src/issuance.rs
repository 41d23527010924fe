//! Group commit for issuance: the status entries and audit entries of many issued
//! credentials in one write transaction.
//!
//! A server that issues under load hands every credential's status allocation and its
//! audit event to one batch, so that it pays for one transaction (one lock turn, one
//! commit) per batch instead of three per credential. The rules are those of
//! [`StatusLists::allocate`](crate::StatusLists::allocate) and
//! [`AuditLog::append`](crate::AuditLog::append), from the same code.

use time::OffsetDateTime;

use crate::audit::{MAX_APPEND_ATTEMPTS, append_backoff, insert_chained};
use crate::status::{EntryRequest, allocate_in, check_capacity, check_purpose};
use crate::util::to_ms;
use crate::{Allocation, AuditEvent, Error, Store};

/// One issued credential to record: its status entries and its audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceRecord {
    /// The credential's id.
    pub credential_id: String,
    /// The status purposes it gets an entry for (may be empty: audit only).
    pub purposes: Vec<String>,
    /// The audit event of its issuance.
    pub audit: AuditEvent,
}

impl IssuanceRecord {
    /// `invalid_input` if a purpose is malformed or an audit field too long: what
    /// [`Store::record_issuances`] would refuse the whole batch for.
    pub fn check(&self) -> Result<(), Error> {
        for purpose in &self.purposes {
            check_purpose(purpose)?;
        }
        self.audit.check()
    }
}

/// What [`Store::record_issuances`] recorded for one [`IssuanceRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedIssuance {
    /// One entry per purpose, in the order of [`IssuanceRecord::purposes`].
    pub allocations: Vec<Allocation>,
    /// The seq of its audit entry.
    pub audit_seq: u64,
}

impl Store {
    /// Records a batch of issuances in one write transaction: for each item, in order,
    /// allocates its status entries (a never-used random index in the open list of each
    /// purpose, lists of `capacity` opened as needed, an existing entry of the credential
    /// returned) and appends its audit event to the hash chain at `now`. Returns one
    /// [`RecordedIssuance`] per item, in order; on error nothing is recorded.
    pub async fn record_issuances(
        &self,
        items: &[IssuanceRecord],
        capacity: u64,
        now: OffsetDateTime,
    ) -> Result<Vec<RecordedIssuance>, Error> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        check_capacity(capacity)?;
        for item in items {
            item.check()?;
        }
        let requests: Vec<EntryRequest<'_>> = items
            .iter()
            .flat_map(|item| {
                item.purposes.iter().map(|purpose| EntryRequest {
                    purpose,
                    credential_id: &item.credential_id,
                })
            })
            .collect();
        let events: Vec<&AuditEvent> = items.iter().map(|item| &item.audit).collect();
        let time_ms = to_ms(now);

        let mut tx = self.begin_write().await?;
        let allocations = allocate_in(&mut tx, &requests, capacity, now).await?;
        let mut seqs = None;
        for _ in 0..MAX_APPEND_ATTEMPTS {
            // A savepoint, so that losing a seq race to another node undoes only the
            // audit rows, not the allocations.
            let mut savepoint = tx.savepoint().await?;
            if let Some(done) = insert_chained(&mut savepoint, &events, time_ms).await? {
                savepoint.commit().await?;
                seqs = Some(done);
                break;
            }
            savepoint.rollback().await?;
            append_backoff().await;
        }
        let seqs = seqs.ok_or_else(|| {
            Error::Conflict("the audit log kept changing; the batch was not recorded".into())
        })?;
        tx.commit().await?;

        let mut allocations = allocations.into_iter();
        items
            .iter()
            .zip(seqs)
            .map(|(item, audit_seq)| {
                let allocations: Vec<Allocation> =
                    allocations.by_ref().take(item.purposes.len()).collect();
                if allocations.len() != item.purposes.len() {
                    return Err(Error::corrupt("a status allocation went missing"));
                }
                Ok(RecordedIssuance {
                    allocations,
                    audit_seq,
                })
            })
            .collect()
    }
}
