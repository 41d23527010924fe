//! The verifier's side of the Bitstring Status List (spec §3.2 "Validate Algorithm"):
//! fetch the status list credential, verify it with the caller's pipeline, decode it,
//! cache it, read the bit.
//!
//! The cached path (entry → bit) takes a read lock, compares strings and reads one
//! byte: it neither allocates nor parses unless the credential is revoked or
//! suspended (the detail sentence).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use kith_did::fetch::BoundedFetcher;
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;

use super::bitstring::{BitstringStatusList, out_of_range};
use super::entry::{LIST_CREDENTIAL_TYPE, LIST_TYPE, StatusEntry, StatusPurpose};
use super::token_status_list::{TokenStatusListChecker, is_status_list_claim};
use super::{StatusChecker, StatusResult};
use crate::datetime::parse_date_time_stamp;
use crate::report::{CheckKind, Outcome};
use crate::{Error, Verifier};

/// Where status list credentials come from.
#[async_trait]
pub trait StatusListSource: Send + Sync {
    /// The bytes of the status list credential published at `url` (any securing format
    /// the pipeline verifies). Failing to get them is `status_list_unavailable` (the
    /// spec's STATUS_RETRIEVAL_ERROR, §3.2 step 4).
    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, Error>;

    /// The bytes of the IETF Status List Token (a compact JWT) published at `url`
    /// (draft-ietf-oauth-status-list §8.1: asked for with `Accept:
    /// application/statuslist+jwt`). The default is [`fetch`](Self::fetch).
    async fn fetch_status_list_token(&self, url: &Url) -> Result<Vec<u8>, Error> {
        self.fetch(url).await
    }
}

/// Media types of a secured credential (spec §4), best first.
const ACCEPT: &str = "application/vc, application/vc+jwt, application/vc+sd-jwt, \
                      application/ld+json;q=0.9, application/json;q=0.8";

/// Fetches over the network with the [`BoundedFetcher`]'s limits: HTTPS, time and size
/// caps, no private addresses (unless its configuration allows them).
#[async_trait]
impl StatusListSource for BoundedFetcher {
    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, Error> {
        self.get(url, ACCEPT).await.map_err(|e| {
            Error::model(
                "status_list_unavailable",
                format!("status list {url} could not be fetched: {e}"),
            )
        })
    }

    async fn fetch_status_list_token(&self, url: &Url) -> Result<Vec<u8>, Error> {
        // draft-ietf-oauth-status-list §8.1: the Relying Party SHOULD send this Accept.
        self.get(url, super::token_status_list::MEDIA_TYPE_STATUS_LIST_JWT)
            .await
            .map_err(|e| {
                Error::model(
                    "status_list_unavailable",
                    format!("Status List Token {url} could not be fetched: {e}"),
                )
            })
    }
}

/// Status list credentials held in memory, by URL: lists a holder stapled to a
/// presentation, lists of the verifier's own issuer service, tests.
#[derive(Debug, Default)]
pub struct LocalStatusLists {
    lists: RwLock<HashMap<String, Arc<[u8]>>>,
    /// IETF Status List Tokens, by URL (served in place of `lists` when present).
    tokens: RwLock<HashMap<String, Arc<[u8]>>>,
}

impl LocalStatusLists {
    /// No lists.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `credential` (the secured status list credential) at `url`, replacing
    /// what was there.
    pub fn insert(&self, url: impl Into<String>, credential: impl Into<Vec<u8>>) {
        let credential: Vec<u8> = credential.into();
        self.lists
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(url.into(), credential.into());
    }

    /// Stops serving `url` (both representations).
    pub fn remove(&self, url: &str) {
        self.lists
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(url);
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(url);
    }

    /// Serves `token` (a compact Status List Token) at `url` to
    /// [`fetch_status_list_token`](StatusListSource::fetch_status_list_token),
    /// replacing what was there.
    pub fn insert_token(&self, url: impl Into<String>, token: impl Into<Vec<u8>>) {
        let token: Vec<u8> = token.into();
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(url.into(), token.into());
    }
}

#[async_trait]
impl StatusListSource for LocalStatusLists {
    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, Error> {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        lists
            .get(url.as_str())
            .map(|body| body.to_vec())
            .ok_or_else(|| {
                Error::model(
                    "status_list_unavailable",
                    format!("no status list is held for {url}"),
                )
            })
    }

    async fn fetch_status_list_token(&self, url: &Url) -> Result<Vec<u8>, Error> {
        let token = self
            .tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(url.as_str())
            .map(|body| body.to_vec());
        match token {
            Some(token) => Ok(token),
            None => self.fetch(url).await,
        }
    }
}

/// How long verified lists are kept and which list issuers are accepted.
#[derive(Debug, Clone)]
pub struct StatusCacheConfig {
    /// How long a list without a `ttl` is used before it is fetched again.
    pub default_ttl: Duration,
    /// The shortest a list's `ttl` is honoured (so a `ttl` of 0 cannot make every
    /// check a fetch).
    pub min_ttl: Duration,
    /// The longest a list's `ttl` is honoured.
    pub max_ttl: Duration,
    /// How long a failure (unreachable, unverifiable, malformed list) is remembered
    /// before the list is fetched again.
    pub failure_ttl: Duration,
    /// Most lists (and remembered failures) kept.
    pub max_entries: usize,
    /// Most bytes of decoded bitstrings kept.
    pub max_bytes: usize,
    /// Issuers whose status lists are accepted for credentials of any issuer (spec §2.2:
    /// the two issuers "might not be the same"). A list from the credential's own
    /// issuer is always accepted.
    pub trusted_list_issuers: BTreeSet<String>,
}

impl Default for StatusCacheConfig {
    /// 5 min default TTL, `ttl` honoured between 1 s and 1 h, failures kept 30 s, at
    /// most 1024 lists and 64 MiB of bits, no other trusted list issuer.
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(300),
            min_ttl: Duration::from_secs(1),
            max_ttl: Duration::from_secs(3600),
            failure_ttl: Duration::from_secs(30),
            max_entries: 1024,
            max_bytes: 64 * 1024 * 1024,
            trusted_list_issuers: BTreeSet::new(),
        }
    }
}

/// A verified, decoded status list.
#[derive(Debug)]
struct VerifiedList {
    /// The issuer the list credential's proof established.
    issuer: String,
    /// Its `credentialSubject.statusPurpose` values, as written.
    purposes: Vec<String>,
    revocation: bool,
    suspension: bool,
    bits: BitstringStatusList,
    /// `credentialSubject.ttl`, in milliseconds.
    ttl_ms: Option<u64>,
    /// The end of the list credential's validity (`validUntil`, JWT `exp`).
    valid_until: Option<OffsetDateTime>,
}

impl VerifiedList {
    fn has_purpose(&self, purpose: StatusPurpose) -> bool {
        match purpose {
            StatusPurpose::Revocation => self.revocation,
            StatusPurpose::Suspension => self.suspension,
        }
    }
}

/// One cache slot: a list, or the failure to get one.
#[derive(Debug)]
enum Slot {
    List(VerifiedList),
    Failed { code: &'static str, detail: String },
}

#[derive(Debug)]
struct Cached {
    slot: Slot,
    /// When the slot must be refreshed.
    expires: OffsetDateTime,
}

impl Cached {
    fn bytes(&self) -> usize {
        match &self.slot {
            Slot::List(list) => list.bits.as_bytes().len(),
            Slot::Failed { .. } => 0,
        }
    }
}

/// Checks `BitstringStatusListEntry` entries (spec §3.2), verifying each status list
/// credential with the caller's pipeline and keeping the decoded lists for their `ttl`.
///
/// The list must come from the credential's issuer (or one of
/// [`StatusCacheConfig::trusted_list_issuers`]); checked through
/// [`check`](StatusChecker::check), without a credential issuer, only trusted list
/// issuers are accepted.
pub struct BitstringStatusChecker {
    /// Verifies status list credentials; its own `status` is `None` (no recursion).
    verifier: Verifier,
    source: Arc<dyn StatusListSource>,
    config: StatusCacheConfig,
    cache: RwLock<HashMap<String, Cached>>,
    /// One fetch per URL at a time: concurrent misses wait for the first.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// SD-JWT VC `status.status_list` claims (IETF Token Status List), through the
    /// same source and cache settings.
    tokens: TokenStatusListChecker,
}

impl std::fmt::Debug for BitstringStatusChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BitstringStatusChecker")
            .field("config", &self.config)
            .field("cached", &self.read_cache().len())
            .finish_non_exhaustive()
    }
}

impl BitstringStatusChecker {
    /// A checker that gets lists from `source` and verifies them like `verifier` does
    /// (its resolver, clock, skew and schemas), without its status checker, trust
    /// policy or related-resource fetching: which issuers may publish a list is
    /// decided here (see [`StatusCacheConfig::trusted_list_issuers`]).
    pub fn new(verifier: &Verifier, source: Arc<dyn StatusListSource>) -> Self {
        Self::with_config(verifier, source, StatusCacheConfig::default())
    }

    /// [`new`](Self::new) with explicit cache settings.
    pub fn with_config(
        verifier: &Verifier,
        source: Arc<dyn StatusListSource>,
        config: StatusCacheConfig,
    ) -> Self {
        let mut verifier = verifier.clone();
        verifier.status = None;
        verifier.policy = crate::policy::Policy::default();
        verifier.related_resources = None;
        let tokens = TokenStatusListChecker::with_config(&verifier, source.clone(), config.clone());
        Self {
            tokens,
            verifier,
            source,
            config,
            cache: RwLock::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// The cache settings.
    pub fn config(&self) -> &StatusCacheConfig {
        &self.config
    }

    /// Drops the cached list (or failure) for `url`, so the next check fetches it;
    /// also a Status List Token cached for the same URL.
    pub fn forget(&self, url: &str) {
        self.write_cache().remove(url);
        self.tokens.forget(url);
    }

    /// Drops every cached list.
    pub fn clear(&self) {
        self.write_cache().clear();
        self.tokens.clear();
    }

    /// The checker of IETF Token Status List claims this checker hands them to.
    pub fn token_status_lists(&self) -> &TokenStatusListChecker {
        &self.tokens
    }

    /// How many lists (and failures) are cached.
    pub fn cached(&self) -> usize {
        self.read_cache().len()
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Cached>> {
        self.cache.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Cached>> {
        self.cache.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer for `entry` from a fresh cache slot, if there is one.
    fn cached_answer(
        &self,
        entry: &StatusEntry<'_>,
        issuer: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<StatusResult> {
        let cache = self.read_cache();
        let cached = cache.get(entry.list_url)?;
        (now < cached.expires).then(|| self.evaluate(&cached.slot, entry, issuer))
    }

    /// spec §3.2 steps 5 and 8–13 on a verified list (steps 1–4 and 6–7 made it).
    fn evaluate(&self, slot: &Slot, entry: &StatusEntry<'_>, issuer: Option<&str>) -> StatusResult {
        let list = match slot {
            Slot::List(list) => list,
            Slot::Failed { code, detail } => {
                return StatusResult::Unknown {
                    code,
                    detail: detail.clone(),
                };
            }
        };
        // spec §3.2 (last paragraph): the verifier must trust the list's issuer too.
        let trusted = issuer == Some(list.issuer.as_str())
            || self.config.trusted_list_issuers.contains(&list.issuer);
        if !trusted {
            return StatusResult::Unknown {
                code: "status_issuer_mismatch",
                detail: match issuer {
                    Some(issuer) => format!(
                        "the status list {} is issued by {}, not by the credential's issuer {issuer}",
                        entry.list_url, list.issuer
                    ),
                    None => format!(
                        "the status list {} is issued by {}, which is not a trusted status list issuer",
                        entry.list_url, list.issuer
                    ),
                },
            };
        }
        // spec §3.2 step 5: the entry's purpose must be one of the list's.
        if !list.has_purpose(entry.purpose) {
            return StatusResult::Unknown {
                code: "status_purpose_mismatch",
                detail: format!(
                    "the entry's statusPurpose is {}, the status list {} is for {}",
                    entry.purpose,
                    entry.list_url,
                    list.purposes.join(", ")
                ),
            };
        }
        // spec §3.2 step 10 (statusSize 1): the bit at statusListIndex, or RANGE_ERROR.
        match list.bits.get(entry.index) {
            // spec §3.2 step 13: status 0 is valid.
            Some(false) => StatusResult::Valid,
            Some(true) => {
                let detail = format!(
                    "statusListIndex {} in {} is set",
                    entry.index_text, entry.list_url
                );
                match entry.purpose {
                    StatusPurpose::Revocation => StatusResult::Revoked(detail),
                    StatusPurpose::Suspension => StatusResult::Suspended(detail),
                }
            }
            None => StatusResult::unknown(&out_of_range(entry.index_text, list.bits.entries())),
        }
    }

    async fn check_entry(&self, entry: &Value, issuer: Option<&str>) -> StatusResult {
        // spec §3.2 steps 1, 3, 7: the entry and its values (MALFORMED_VALUE_ERROR).
        let entry = match StatusEntry::parse(entry) {
            Ok(entry) => entry,
            Err(e) => return StatusResult::unknown(&e),
        };
        let now = self.verifier.clock.now();
        if let Some(result) = self.cached_answer(&entry, issuer, now) {
            return result;
        }
        let url = match entry.url() {
            Ok(url) => url,
            Err(e) => return StatusResult::unknown(&e),
        };
        // One fetch per URL: wait for a fetch already under way, then use its result.
        let gate = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(entry.list_url.to_owned())
            .or_default()
            .clone();
        // Declared before the turn, so dropped after it (also when this future is dropped).
        let _leave = InFlight {
            map: &self.in_flight,
            url: entry.list_url,
            gate: gate.clone(),
        };
        let _turn = gate.lock_owned().await;
        let now = self.verifier.clock.now();
        if let Some(result) = self.cached_answer(&entry, issuer, now) {
            return result;
        }
        let cached = self.load(&url, now).await;
        let result = self.evaluate(&cached.slot, &entry, issuer);
        self.store(entry.list_url, cached);
        result
    }

    /// Fetches, verifies and decodes the list at `url`, with the time to keep it.
    async fn load(&self, url: &Url, now: OffsetDateTime) -> Cached {
        match self.fetch_and_verify(url).await {
            Ok(list) => {
                let ttl = match list.ttl_ms {
                    Some(ms) => Duration::from_millis(ms)
                        .max(self.config.min_ttl)
                        .min(self.config.max_ttl),
                    None => self.config.default_ttl,
                };
                let mut expires = after(now, ttl);
                // A list is not used past its validity (plus the verifier's skew).
                if let Some(until) = list.valid_until {
                    expires = expires.min(after(until, self.verifier.skew));
                }
                Cached {
                    slot: Slot::List(list),
                    expires,
                }
            }
            Err(e) => Cached {
                slot: Slot::Failed {
                    code: e.code(),
                    detail: e.to_string(),
                },
                expires: after(now, self.config.failure_ttl),
            },
        }
    }

    /// spec §3.2 steps 4–9 for one list credential.
    async fn fetch_and_verify(&self, url: &Url) -> Result<VerifiedList, Error> {
        // spec §3.2 step 4: dereference (STATUS_RETRIEVAL_ERROR) ...
        let body = self.source.fetch(url).await?;
        let text = std::str::from_utf8(&body).map_err(|_| {
            Error::model(
                "status_list_malformed",
                format!("the status list credential at {url} is not UTF-8 text"),
            )
        })?;
        // ... and verify every proof (STATUS_VERIFICATION_ERROR), with the validity window.
        let report = self.verifier.verify_credential(text).await;
        if let Some(failed) = report.checks.iter().find(|c| !c.ok()) {
            let (code, detail) = match &failed.outcome {
                Outcome::Fail { code, detail } | Outcome::Indeterminate { code, detail } => {
                    (*code, detail.as_str())
                }
                Outcome::Pass => ("unknown", ""),
            };
            let ours = match (failed.check, code) {
                (CheckKind::Validity, "expired") => "status_list_expired",
                (CheckKind::Validity, "not_yet_valid") => "status_list_not_yet_valid",
                _ => "status_list_unverified",
            };
            return Err(Error::model(
                ours,
                format!("the status list credential at {url} did not verify ({code}): {detail}"),
            ));
        }
        let (Some(issuer), Some(credential)) = (report.issuer, report.credential) else {
            return Err(Error::model(
                "status_list_unverified",
                format!("the status list credential at {url} did not verify"),
            ));
        };
        parse_list_credential(&credential, issuer).map_err(|e| {
            Error::model(
                e.code(),
                format!("the status list credential at {url}: {e}"),
            )
        })
    }

    fn store(&self, url: &str, cached: Cached) {
        let max_entries = self.config.max_entries;
        let max_bytes = self.config.max_bytes;
        let new_bytes = cached.bytes();
        if max_entries == 0 || new_bytes > max_bytes {
            return;
        }
        let mut cache = self.write_cache();
        cache.remove(url);
        let now = self.verifier.clock.now();
        let mut used: usize = cache.values().map(Cached::bytes).sum();
        if cache.len() >= max_entries || used + new_bytes > max_bytes {
            cache.retain(|_, c| c.expires > now);
            used = cache.values().map(Cached::bytes).sum();
        }
        // Evict the slots that expire soonest until the new one fits.
        while !cache.is_empty() && (cache.len() >= max_entries || used + new_bytes > max_bytes) {
            let Some(victim) = cache
                .iter()
                .min_by_key(|(_, c)| c.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = cache.remove(&victim) {
                used = used.saturating_sub(gone.bytes());
            }
        }
        cache.insert(url.to_owned(), cached);
    }
}

#[async_trait]
impl StatusChecker for BitstringStatusChecker {
    async fn check(&self, entry: &Value) -> StatusResult {
        if is_status_list_claim(entry) {
            return self.tokens.check(entry).await;
        }
        self.check_entry(entry, None).await
    }

    async fn check_issued_by(&self, entry: &Value, issuer: &str) -> StatusResult {
        // An SD-JWT VC's `status.status_list` (draft-ietf-oauth-status-list §6.2).
        if is_status_list_claim(entry) {
            return self.tokens.check_issued_by(entry, issuer).await;
        }
        self.check_entry(entry, Some(issuer)).await
    }
}

/// A fetch under way for one URL; its gate leaves the map when the fetch ends or is
/// abandoned, unless a newer fetch has replaced it.
pub(super) struct InFlight<'a> {
    pub(super) map: &'a Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub(super) url: &'a str,
    pub(super) gate: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map
            .get(self.url)
            .is_some_and(|g| Arc::ptr_eq(g, &self.gate))
        {
            map.remove(self.url);
        }
    }
}

/// `t + d`, or `t` when that is past the end of time.
pub(super) fn after(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    time::Duration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d))
        .unwrap_or(t)
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::model("status_list_malformed", detail)
}

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The list inside a verified status list credential (spec §2.2, §3.2 steps 6, 8, 9).
fn parse_list_credential(credential: &Value, issuer: String) -> Result<VerifiedList, Error> {
    // spec §2.1 statusListCredential: the dereferenced credential's type includes
    // BitstringStatusListCredential.
    if !credential
        .get("type")
        .is_some_and(|t| strings(t).contains(&LIST_CREDENTIAL_TYPE))
    {
        return Err(malformed(format!("it is not a {LIST_CREDENTIAL_TYPE}")));
    }
    let subject = match credential.get("credentialSubject") {
        Some(Value::Object(subject)) => subject,
        Some(Value::Array(subjects)) if subjects.len() == 1 => subjects[0]
            .as_object()
            .ok_or_else(|| malformed("its credentialSubject is not an object"))?,
        _ => return Err(malformed("it needs exactly one credentialSubject")),
    };
    // spec §2.2 credentialSubject.type: MUST be BitstringStatusList.
    if !subject
        .get("type")
        .is_some_and(|t| strings(t).contains(&LIST_TYPE))
    {
        return Err(malformed(format!(
            "its credentialSubject is not a {LIST_TYPE}"
        )));
    }
    // spec §2.2 credentialSubject.statusPurpose: one or more strings.
    let purposes: Vec<String> = match subject.get("statusPurpose") {
        Some(Value::String(p)) => vec![p.clone()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|p| p.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| malformed("its statusPurpose values must be strings"))?,
        _ => return Err(malformed("its statusPurpose must be one or more strings")),
    };
    let ttl_ms = match subject.get("ttl") {
        None => None,
        Some(ttl) => Some(ttl.as_u64().ok_or_else(|| {
            malformed(format!(
                "its ttl must be a number of milliseconds, not {ttl}"
            ))
        })?),
    };
    // spec §3.2 steps 6, 8, 9: expand encodedList; under 16 KB is STATUS_LIST_LENGTH_ERROR.
    let Some(Value::String(encoded)) = subject.get("encodedList") else {
        return Err(malformed("its encodedList must be a string"));
    };
    let bits = BitstringStatusList::decode(encoded)?;
    let mut valid_until = match credential.get("validUntil").and_then(Value::as_str) {
        Some(text) => Some(parse_date_time_stamp(text).map_err(malformed)?),
        None => None,
    };
    if let Some(exp) = credential.get("exp").and_then(Value::as_i64)
        && let Ok(exp) = OffsetDateTime::from_unix_timestamp(exp)
    {
        valid_until = Some(valid_until.map_or(exp, |v| v.min(exp)));
    }
    Ok(VerifiedList {
        issuer,
        revocation: purposes.iter().any(|p| p == "revocation"),
        suspension: purposes.iter().any(|p| p == "suspension"),
        purposes,
        bits,
        ttl_ms,
        valid_until,
    })
}

/// [`parse_list_credential`] for the fuzz target: any JSON, as if its proof verified.
pub(crate) fn fuzz_list_credential(credential: &Value) -> Option<(u64, u64)> {
    parse_list_credential(credential, "did:example:issuer".into())
        .ok()
        .map(|list| (list.bits.entries(), list.bits.count_set()))
}
