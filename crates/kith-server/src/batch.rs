//! Group commit of issuance. Every issued credential needs status entries and an audit
//! entry, each a write that serialises on a hot row (the open list, the chain head).
//! Instead of one transaction per credential, issuing requests hand their
//! [`IssuanceRecord`] to one background task, which takes everything that is waiting
//! (up to [`MAX_BATCH`]), records it with one [`Store::record_issuances`] transaction
//! and answers each request. While one batch commits, the next one queues up: under load
//! the batches grow by themselves, and a lone request is recorded at once (no timer).

use kith_store::{IssuanceRecord, RecordedIssuance, Store};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::problem::Problem;

/// Most issuances recorded in one transaction.
pub const MAX_BATCH: usize = 256;
/// Requests that may wait for the batch task before senders wait for room.
const QUEUE: usize = 4 * MAX_BATCH;

type Reply = oneshot::Sender<Result<RecordedIssuance, Problem>>;

/// The sending side of the batch task; dropping it ends the task.
#[derive(Debug)]
pub struct Batcher {
    sender: mpsc::Sender<(IssuanceRecord, Reply)>,
}

impl Batcher {
    /// Starts the batch task on the current Tokio runtime: it records into `store`,
    /// opening status lists of `capacity` entries.
    pub fn start(store: Store, capacity: u64) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, capacity, receiver));
        Self { sender }
    }

    /// Records `record` in the next batch and returns its entries and audit seq. A
    /// failed batch fails every request in it (503 `database_unavailable` when the
    /// database cannot be reached); so does a batch task that is gone.
    pub async fn record(&self, record: IssuanceRecord) -> Result<RecordedIssuance, Problem> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((record, reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn gone() -> Problem {
    Problem::unavailable(
        "issuance_unavailable",
        "the issuance recorder is not running; retry shortly",
    )
}

async fn run(store: Store, capacity: u64, mut receiver: mpsc::Receiver<(IssuanceRecord, Reply)>) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        // A request that gave up (timeout, client gone) gets nothing recorded.
        let (records, replies): (Vec<IssuanceRecord>, Vec<Reply>) = waiting
            .drain(..)
            .filter(|(_, reply)| !reply.is_closed())
            .unzip();
        if records.is_empty() {
            continue;
        }
        let result = store
            .record_issuances(&records, capacity, OffsetDateTime::now_utc())
            .await;
        match result {
            Ok(recorded) => {
                for (reply, done) in replies.into_iter().zip(recorded) {
                    // The requester may have given up meanwhile; its entries stay used.
                    let _ = reply.send(Ok(done));
                }
            }
            Err(e) => {
                let problem = Problem::from_store(&e);
                tracing::warn!(
                    code = e.code(),
                    requests = replies.len(),
                    "an issuance batch failed"
                );
                for reply in replies {
                    let _ = reply.send(Err(problem.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use kith_store::{AuditEvent, IssuanceRecord, Store};

    use super::Batcher;

    fn record(i: usize, purposes: &[&str]) -> IssuanceRecord {
        IssuanceRecord {
            credential_id: format!("urn:uuid:{i}"),
            purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
            audit: AuditEvent {
                actor: "apikey:t".into(),
                action: "credential.issue".into(),
                target: format!("urn:uuid:{i}"),
                request_id: format!("req-{i}"),
                outcome: "ok".into(),
            },
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_batches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_data_dir(dir.path()).await.expect("store");
        let batcher = std::sync::Arc::new(Batcher::start(store.clone(), 64));
        let mut tasks = Vec::new();
        for i in 0..300 {
            let batcher = std::sync::Arc::clone(&batcher);
            tasks.push(tokio::spawn(async move {
                let purposes: &[&str] = if i % 3 == 0 {
                    &[]
                } else {
                    &["revocation", "suspension"]
                };
                batcher.record(record(i, purposes)).await
            }));
        }
        let mut indexes = HashSet::new();
        let mut seqs = HashSet::new();
        for task in tasks {
            let done = task.await.expect("task").expect("recorded");
            for a in &done.allocations {
                assert!(indexes.insert((a.list_id.clone(), a.index)), "{a:?}");
            }
            assert!(seqs.insert(done.audit_seq));
        }
        assert_eq!(indexes.len(), 400);
        assert_eq!(seqs.len(), 300);
        let summary = store
            .audit()
            .verify()
            .await
            .expect("verify")
            .expect("intact");
        assert_eq!(summary.entries, 300);
        store.close().await;
        // A closed database fails the batch for every request in it, as 503.
        let failed = batcher
            .record(record(1000, &["revocation"]))
            .await
            .expect_err("closed store");
        assert_eq!(failed.code, "database_unavailable");
        assert_eq!(failed.status, 503);
    }

    #[tokio::test]
    async fn a_stopped_batch_task_answers_503() {
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        drop(receiver);
        let batcher = Batcher { sender };
        let failed = batcher.record(record(1, &[])).await.expect_err("no task");
        assert_eq!(failed.status, 503);
        assert_eq!(failed.code, "issuance_unavailable");
    }
}
