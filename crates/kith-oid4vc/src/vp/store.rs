//! Per-request verifier state (OpenID4VP §8.2 and §13.3, the `direct_post` reference
//! design): one record per Authorization Request, keyed by its `state`, found by the
//! verifier's frontend through a separate `transaction_id`, and moving
//! `Pending → Processing → Completed | Failed` (or `Expired` once its lifetime is over).
//!
//! [`VpStateStore::claim`] is the one step that must be atomic: it moves a pending,
//! unexpired record to `Processing` and hands it out exactly once, so two responses
//! racing for one request (a replay, a double submit) cannot both be verified. Kith's
//! database store implements it with a conditional `UPDATE`; [`MemoryStateStore`] with
//! a mutex.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use kith_crypto::Jwk;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Error;

/// A claim and its value, as the verifier received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresentedCredential {
    /// The securing format (`dc+sd-jwt`, `vp+jwt`, a cryptosuite name).
    pub format: String,
    /// The issuer, as the proof established it.
    pub issuer: Option<String>,
    /// The holder, for W3C presentations.
    pub holder: Option<String>,
    /// The claims the verifier may rely on: for SD-JWT only the disclosed ones.
    pub claims: Value,
    /// Statements proven in zero knowledge about claims that were not disclosed
    /// (`/credentialSubject/birthDate <= 2008-11-28`; kith-zkp-2026 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicates: Vec<String>,
    /// The verification report (kith-vc's [`Report`](kith_vc::Report) as JSON).
    pub report: Value,
}

/// What a successful response established.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedResponse {
    /// Per Credential Query id, the verified credentials.
    pub credentials: BTreeMap<String, Vec<PresentedCredential>>,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Stable code (`nonce_mismatch`, `revoked`, `untrusted_issuer`, `access_denied`, ...).
    pub code: String,
    /// A sentence.
    pub detail: String,
    /// The reports of the presentations that were verified, per Credential Query id.
    pub reports: BTreeMap<String, Vec<Value>>,
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the wallet.
    Pending,
    /// A response is being verified.
    Processing,
    /// Verified.
    Completed(VerifiedResponse),
    /// Refused: by the verifier, or by the wallet (an error response).
    Failed(Failure),
    /// Its lifetime ended without a response.
    Expired,
}

impl RequestStatus {
    /// The status name: `pending`, `processing`, `completed`, `failed`, `expired`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed(_) => "completed",
            Self::Failed(_) => "failed",
            Self::Expired => "expired",
        }
    }
}

/// One Authorization Request and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `state`: identifies the request to the Response URI and the `request_uri`.
    pub state: String,
    /// A second random id known only to the verifier's frontend, to poll the result.
    pub transaction_id: String,
    /// `nonce`.
    pub nonce: String,
    /// The full Client Identifier: the audience presentations must name.
    pub client_id: String,
    /// `response_mode`: `direct_post` or `direct_post.jwt`.
    pub response_mode: String,
    /// The DCQL query as sent.
    pub dcql_query: Value,
    /// The verifier's policy for this request (kith-vc [`Policy`](kith_vc::policy::Policy)).
    pub policy: kith_vc::policy::Policy,
    /// The signed Request Object served at the `request_uri`, if passed by reference.
    pub request_object: Option<String>,
    /// The ephemeral private encryption key of `direct_post.jwt` (a private JWK; its
    /// `d` is redacted from `Debug` and wiped on drop).
    pub encryption_key: Option<Jwk>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// End of the request's lifetime, Unix seconds.
    pub expires_at: i64,
    /// Where it stands.
    pub status: RequestStatus,
}

/// The result of [`VpStateStore::claim`].
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The record was pending; it is now `Processing` and this caller owns it.
    Claimed(Box<RequestRecord>),
    /// No record has this state.
    Unknown,
    /// The record's lifetime is over.
    Expired,
    /// The record was already claimed (answered, or being answered).
    AlreadyUsed,
}

/// Where a verifier keeps its requests. Implementations must be safe to share between
/// tasks and nodes: [`claim`](Self::claim) must hand a record out at most once.
#[async_trait]
pub trait VpStateStore: Send + Sync {
    /// Stores a new record.
    async fn insert(&self, record: RequestRecord) -> Result<(), Error>;
    /// The record with this `state`.
    async fn get(&self, state: &str) -> Result<Option<RequestRecord>, Error>;
    /// The record with this `transaction_id`.
    async fn get_by_transaction(
        &self,
        transaction_id: &str,
    ) -> Result<Option<RequestRecord>, Error>;
    /// Atomically moves a pending record whose `expires_at` is after `now` to
    /// `Processing` and returns it.
    async fn claim(&self, state: &str, now: i64) -> Result<Claim, Error>;
    /// Records the final status of a claimed record.
    async fn finish(&self, state: &str, status: RequestStatus) -> Result<(), Error>;
    /// Removes records whose lifetime ended more than `grace` seconds before `now`;
    /// returns how many.
    async fn purge_expired(&self, now: i64, grace: i64) -> Result<usize, Error>;
}

#[derive(Default)]
struct Records {
    by_state: HashMap<String, RequestRecord>,
    by_transaction: HashMap<String, String>,
}

/// An in-process [`VpStateStore`]: a mutex over two maps, bounded in size.
pub struct MemoryStateStore {
    records: Mutex<Records>,
    max_records: usize,
}

impl Default for MemoryStateStore {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl MemoryStateStore {
    /// A store that holds at most `max_records` (expired ones are dropped to make room;
    /// when all are live, new requests are refused with `store_error`).
    pub fn new(max_records: usize) -> Self {
        Self {
            records: Mutex::new(Records::default()),
            max_records,
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Records>, Error> {
        self.records
            .lock()
            .map_err(|_| Error::Store("the state store's lock is poisoned".into()))
    }
}

fn purge(records: &mut Records, now: i64, grace: i64) -> usize {
    let dead: Vec<String> = records
        .by_state
        .values()
        .filter(|r| r.expires_at.saturating_add(grace) <= now)
        .map(|r| r.state.clone())
        .collect();
    for state in &dead {
        if let Some(record) = records.by_state.remove(state) {
            records.by_transaction.remove(&record.transaction_id);
        }
    }
    dead.len()
}

#[async_trait]
impl VpStateStore for MemoryStateStore {
    async fn insert(&self, record: RequestRecord) -> Result<(), Error> {
        let mut records = self.lock()?;
        if records.by_state.len() >= self.max_records {
            purge(&mut records, record.created_at, 0);
            if records.by_state.len() >= self.max_records {
                return Err(Error::Store(format!(
                    "{} live requests: the store is full",
                    self.max_records
                )));
            }
        }
        if records.by_state.contains_key(&record.state)
            || records.by_transaction.contains_key(&record.transaction_id)
        {
            return Err(Error::Store(
                "a request with this state already exists".into(),
            ));
        }
        records
            .by_transaction
            .insert(record.transaction_id.clone(), record.state.clone());
        records.by_state.insert(record.state.clone(), record);
        Ok(())
    }

    async fn get(&self, state: &str) -> Result<Option<RequestRecord>, Error> {
        Ok(self.lock()?.by_state.get(state).cloned())
    }

    async fn get_by_transaction(
        &self,
        transaction_id: &str,
    ) -> Result<Option<RequestRecord>, Error> {
        let records = self.lock()?;
        Ok(records
            .by_transaction
            .get(transaction_id)
            .and_then(|state| records.by_state.get(state))
            .cloned())
    }

    async fn claim(&self, state: &str, now: i64) -> Result<Claim, Error> {
        let mut records = self.lock()?;
        let Some(record) = records.by_state.get_mut(state) else {
            return Ok(Claim::Unknown);
        };
        match record.status {
            RequestStatus::Pending if record.expires_at <= now => {
                record.status = RequestStatus::Expired;
                Ok(Claim::Expired)
            }
            RequestStatus::Pending => {
                record.status = RequestStatus::Processing;
                Ok(Claim::Claimed(Box::new(record.clone())))
            }
            RequestStatus::Expired => Ok(Claim::Expired),
            _ => Ok(Claim::AlreadyUsed),
        }
    }

    async fn finish(&self, state: &str, status: RequestStatus) -> Result<(), Error> {
        let mut records = self.lock()?;
        let record = records
            .by_state
            .get_mut(state)
            .ok_or_else(|| Error::Store(format!("no request with state {state:?}")))?;
        record.status = status;
        // The key is not needed once the request is answered.
        record.encryption_key = None;
        Ok(())
    }

    async fn purge_expired(&self, now: i64, grace: i64) -> Result<usize, Error> {
        Ok(purge(&mut *self.lock()?, now, grace))
    }
}
