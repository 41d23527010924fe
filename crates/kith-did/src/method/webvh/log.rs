//! The DID log (`did.jsonl`): parsing, parameters, and the verification of every
//! entry (did:webvh v1.0 "Read (Resolve)").

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::WebvhError;
use super::crypto::{
    did_key_method, ed25519_multikey, is_sha256_multihash, jcs_hash, next_key_hash, verify_proof,
};
use super::url::parse_did;
use crate::Did;

/// Largest `did.jsonl` accepted, in bytes.
pub const MAX_LOG_BYTES: usize = 10 * 1024 * 1024;
/// Most entries accepted in one log.
pub const MAX_LOG_ENTRIES: usize = 10_000;
/// Largest single log entry (one line), in bytes.
pub const MAX_ENTRY_BYTES: usize = 1024 * 1024;
/// Largest `did-witness.json` accepted, in bytes.
pub const MAX_WITNESS_BYTES: usize = 10 * 1024 * 1024;
/// Most witness proofs looked at in one `did-witness.json`.
pub const MAX_WITNESS_PROOFS: usize = 10_000;
/// Most proofs on one log entry.
pub const MAX_ENTRY_PROOFS: usize = 16;
/// How far in the future a `versionTime` may be (v1.0: "no more than 5 minutes").
pub const FUTURE_TOLERANCE: time::Duration = time::Duration::minutes(5);
/// The one `method` value this implementation verifies.
pub const METHOD_V1_0: &str = "did:webvh:1.0";
/// Default `ttl` in seconds.
pub const DEFAULT_TTL: u32 = 3600;

/// One line of `did.jsonl`, members in the spec's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogEntry {
    /// `<version number>-<entry hash>`.
    pub version_id: String,
    /// ISO 8601 UTC time, as the controller asserts it.
    pub version_time: String,
    /// Parameters set by this entry.
    pub parameters: Map<String, Value>,
    /// The DID document of this version.
    pub state: Value,
    /// Data Integrity proofs over the rest of the entry.
    pub proof: Vec<Value>,
}

impl LogEntry {
    /// The entry as JSON without its proof: what the entry hash and proof cover.
    pub(crate) fn unsigned(&self) -> Value {
        json!({
            "versionId": self.version_id,
            "versionTime": self.version_time,
            "parameters": self.parameters,
            "state": self.state,
        })
    }

    /// The entry hash of this entry chained to `predecessor` (the previous
    /// `versionId`, or the SCID for the first entry): v1.0 "Generate Entry Hash".
    pub fn entry_hash(&self, predecessor: &str) -> String {
        let mut chained = self.unsigned();
        chained["versionId"] = Value::String(predecessor.to_owned());
        jcs_hash(&chained)
    }

    /// Replaces the proof with an `eddsa-jcs-2022` proof by `signer` (Ed25519), made
    /// at `versionTime`.
    pub fn sign(&mut self, signer: &kith_crypto::PrivateKey) -> Result<(), WebvhError> {
        let proof = super::crypto::create_proof(&self.unsigned(), signer, &self.version_time)
            .map_err(WebvhError::Key)?;
        self.proof = vec![proof];
        Ok(())
    }

    /// The entry as one JSON line (no trailing newline).
    pub fn to_line(&self) -> String {
        // A struct of strings, maps and JSON values always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parses `did.jsonl`: bounded in bytes, entries and line length; never panics.
pub fn parse_log(bytes: &[u8]) -> Result<Vec<LogEntry>, WebvhError> {
    if bytes.len() > MAX_LOG_BYTES {
        return Err(WebvhError::TooLarge {
            what: "did.jsonl (bytes)",
            size: bytes.len(),
            limit: MAX_LOG_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| WebvhError::MalformedEntry {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        reason: "not UTF-8".into(),
    })?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(WebvhError::MalformedEntry {
            line: 1,
            reason: "the log is empty".into(),
        });
    }
    let count = text.bytes().filter(|&b| b == b'\n').count() + 1;
    if count > MAX_LOG_ENTRIES {
        return Err(WebvhError::TooLarge {
            what: "did.jsonl (entries)",
            size: count,
            limit: MAX_LOG_ENTRIES,
        });
    }
    let mut entries = Vec::with_capacity(count);
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.len() > MAX_ENTRY_BYTES {
            return Err(WebvhError::TooLarge {
                what: "a log entry (bytes)",
                size: raw.len(),
                limit: MAX_ENTRY_BYTES,
            });
        }
        if raw.trim().is_empty() {
            return Err(WebvhError::MalformedEntry {
                line,
                reason: "empty line".into(),
            });
        }
        let entry: LogEntry =
            serde_json::from_str(raw).map_err(|e| WebvhError::MalformedEntry {
                line,
                reason: e.to_string(),
            })?;
        entries.push(entry);
    }
    Ok(entries)
}

/// A witness configuration (`witness` parameter, v1.0 "The witness Parameter").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessConfig {
    /// Distinct approvals needed.
    pub threshold: usize,
    /// The witnesses' `did:key` DIDs.
    pub witnesses: Vec<String>,
}

impl WitnessConfig {
    /// The parameter's JSON form.
    pub fn to_json(&self) -> Value {
        json!({
            "threshold": self.threshold,
            "witnesses": self.witnesses.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        })
    }

    /// The resolution metadata form (threshold as a string, v1.0 "Read").
    fn to_metadata(&self) -> Value {
        json!({
            "threshold": self.threshold.to_string(),
            "witnesses": self.witnesses.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        })
    }
}

/// The parameters in effect after an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    /// `method`.
    pub method: String,
    /// `scid` (from the first entry).
    pub scid: String,
    /// `updateKeys`: Multikeys allowed to sign.
    pub update_keys: Vec<String>,
    /// `nextKeyHashes`: pre-rotation commitments; non-empty means pre-rotation is on.
    pub next_key_hashes: Vec<String>,
    /// `witness`; `None` for `{}`.
    pub witness: Option<WitnessConfig>,
    /// `watchers`.
    pub watchers: Vec<String>,
    /// `portable`.
    pub portable: bool,
    /// `deactivated`.
    pub deactivated: bool,
    /// `ttl` in seconds.
    pub ttl: u32,
}

/// What one entry's `parameters` object sets (`None`: not present, or JSON null,
/// which v1.0 says to read as the default).
#[derive(Debug, Default)]
struct Delta {
    method: Option<String>,
    scid: Option<String>,
    update_keys: Option<Vec<String>>,
    next_key_hashes: Option<Vec<String>>,
    witness: Option<Option<WitnessConfig>>,
    watchers: Option<Vec<String>>,
    portable: Option<bool>,
    deactivated: Option<bool>,
    ttl: Option<u32>,
}

fn strings(value: &Value, name: &str, line: usize) -> Result<Vec<String>, WebvhError> {
    let bad = || WebvhError::InvalidParameters {
        line,
        reason: format!("{name} must be an array of strings"),
    };
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
        .collect()
}

fn parse_witness(value: &Value, line: usize) -> Result<Option<WitnessConfig>, WebvhError> {
    let bad = |reason: String| WebvhError::InvalidParameters { line, reason };
    let Value::Object(obj) = value else {
        return Err(bad("witness must be an object".into()));
    };
    if obj.is_empty() {
        return Ok(None);
    }
    for name in obj.keys() {
        if name != "threshold" && name != "witnesses" {
            return Err(bad(format!("witness has an unknown member {name:?}")));
        }
    }
    let threshold = obj
        .get("threshold")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("witness.threshold must be a positive integer".into()))?;
    let list = obj
        .get("witnesses")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| bad("witness.witnesses must be a non-empty array".into()))?;
    let mut witnesses = Vec::with_capacity(list.len());
    let mut seen = HashSet::new();
    for w in list {
        let id = w
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("every witness needs a string id".into()))?;
        let multikey = id
            .strip_prefix("did:key:")
            .ok_or_else(|| bad(format!("witness {id:?} is not a did:key DID")))?;
        ed25519_multikey(multikey).map_err(|e| bad(format!("witness {id:?}: {e}")))?;
        if !seen.insert(id) {
            return Err(bad(format!("witness {id:?} is listed twice")));
        }
        witnesses.push(id.to_owned());
    }
    if threshold < 1 || threshold as usize > witnesses.len() {
        return Err(bad(format!(
            "witness.threshold {threshold} must be between 1 and {}",
            witnesses.len()
        )));
    }
    Ok(Some(WitnessConfig {
        threshold: threshold as usize,
        witnesses,
    }))
}

fn parse_delta(params: &Map<String, Value>, line: usize) -> Result<Delta, WebvhError> {
    let bad = |reason: String| WebvhError::InvalidParameters { line, reason };
    let mut d = Delta::default();
    for (name, value) in params {
        if value.is_null() && name != "method" && name != "scid" {
            continue;
        }
        match name.as_str() {
            "method" => {
                let m = value
                    .as_str()
                    .ok_or_else(|| bad("method must be a string".into()))?;
                if m != METHOD_V1_0 {
                    return Err(WebvhError::UnsupportedMethod {
                        line,
                        value: m.to_owned(),
                    });
                }
                d.method = Some(m.to_owned());
            }
            "scid" => {
                d.scid = Some(
                    value
                        .as_str()
                        .ok_or_else(|| bad("scid must be a string".into()))?
                        .to_owned(),
                )
            }
            "updateKeys" => {
                let keys = strings(value, name, line)?;
                for key in &keys {
                    ed25519_multikey(key).map_err(|e| bad(format!("updateKeys: {e}")))?;
                }
                d.update_keys = Some(keys);
            }
            "nextKeyHashes" => {
                let hashes = strings(value, name, line)?;
                if let Some(h) = hashes.iter().find(|h| !is_sha256_multihash(h)) {
                    return Err(bad(format!(
                        "nextKeyHashes entry {h:?} is not a SHA-256 multihash"
                    )));
                }
                d.next_key_hashes = Some(hashes);
            }
            "witness" => d.witness = Some(parse_witness(value, line)?),
            "watchers" => d.watchers = Some(strings(value, name, line)?),
            "portable" => {
                d.portable = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| bad("portable must be a boolean".into()))?,
                )
            }
            "deactivated" => {
                d.deactivated = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| bad("deactivated must be a boolean".into()))?,
                )
            }
            "ttl" => {
                let ttl = value
                    .as_u64()
                    .filter(|t| *t <= 1 << 31)
                    .ok_or_else(|| bad("ttl must be an integer from 0 to 2^31".into()))?;
                d.ttl = Some(ttl as u32);
            }
            other => return Err(bad(format!("unknown parameter {other:?}"))),
        }
    }
    Ok(d)
}

/// Options of a log verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// "Now", for the future-`versionTime` check; the system clock when `None`.
    pub now: Option<OffsetDateTime>,
}

/// One verified version of the DID.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The version number (1-based).
    pub number: u64,
    /// `versionId`.
    pub version_id: String,
    /// `versionTime`, as written.
    pub version_time: String,
    /// `versionTime`, parsed.
    pub time: OffsetDateTime,
    /// `state.id`.
    pub did: Did,
    /// The DID document of this version, as in the log.
    pub state: Value,
    /// The parameters in effect after this entry.
    pub parameters: Parameters,
    /// The witness rule this entry had to meet, if any.
    pub witness_rule: Option<WitnessConfig>,
}

/// A log whose every entry verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedLog {
    /// The entries, as parsed.
    pub entries: Vec<LogEntry>,
    /// One verified version per entry.
    pub versions: Vec<Version>,
}

impl VerifiedLog {
    /// The last version.
    pub fn head(&self) -> &Version {
        // A verified log has at least one entry.
        &self.versions[self.versions.len() - 1]
    }

    /// Whether any entry needs witness approvals.
    pub fn needs_witnesses(&self) -> bool {
        self.versions.iter().any(|v| v.witness_rule.is_some())
    }
}

fn parse_time(text: &str, line: usize) -> Result<OffsetDateTime, WebvhError> {
    let bad = |reason: String| WebvhError::VersionTime { line, reason };
    let time = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| bad(format!("{text:?} is not an ISO 8601 date-time: {e}")))?;
    if !time.offset().is_utc() {
        return Err(bad(format!("{text:?} is not UTC")));
    }
    Ok(time)
}

/// Verifies every entry of a log (v1.0 "Read (Resolve)" steps 1-8), without the
/// witness proofs ([`verify_witnesses`] does those).
pub fn verify_entries(
    entries: Vec<LogEntry>,
    options: &VerifyOptions,
) -> Result<VerifiedLog, WebvhError> {
    if entries.is_empty() {
        return Err(WebvhError::MalformedEntry {
            line: 1,
            reason: "the log is empty".into(),
        });
    }
    if entries.len() > MAX_LOG_ENTRIES {
        return Err(WebvhError::TooLarge {
            what: "did.jsonl (entries)",
            size: entries.len(),
            limit: MAX_LOG_ENTRIES,
        });
    }
    let now = options.now.unwrap_or_else(OffsetDateTime::now_utc);
    let mut versions: Vec<Version> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let line = i + 1;
        let prev = versions.last();
        let version = verify_entry(entry, line, prev, now)?;
        versions.push(version);
    }
    Ok(VerifiedLog { entries, versions })
}

/// Verifies `entry` as the next entry of `log` (what an update must pass).
pub(crate) fn verify_next(
    log: &VerifiedLog,
    entry: &LogEntry,
    options: &VerifyOptions,
) -> Result<Version, WebvhError> {
    let now = options.now.unwrap_or_else(OffsetDateTime::now_utc);
    if log.versions.len() >= MAX_LOG_ENTRIES {
        return Err(WebvhError::TooLarge {
            what: "did.jsonl (entries)",
            size: log.versions.len() + 1,
            limit: MAX_LOG_ENTRIES,
        });
    }
    verify_entry(entry, log.versions.len() + 1, log.versions.last(), now)
}

fn verify_entry(
    entry: &LogEntry,
    line: usize,
    prev: Option<&Version>,
    now: OffsetDateTime,
) -> Result<Version, WebvhError> {
    let bad_params = |reason: String| WebvhError::InvalidParameters { line, reason };
    if let Some(p) = prev
        && p.parameters.deactivated
    {
        return Err(WebvhError::AfterDeactivation { line });
    }

    // Step 1: parameters.
    let delta = parse_delta(&entry.parameters, line)?;
    let params = match prev {
        None => {
            let method = delta
                .method
                .clone()
                .ok_or_else(|| bad_params("the first entry must set method".into()))?;
            let scid = delta
                .scid
                .clone()
                .ok_or_else(|| bad_params("the first entry must set scid".into()))?;
            let update_keys = delta
                .update_keys
                .clone()
                .ok_or_else(|| bad_params("the first entry must set updateKeys".into()))?;
            Parameters {
                method,
                scid,
                update_keys,
                next_key_hashes: delta.next_key_hashes.clone().unwrap_or_default(),
                witness: delta.witness.clone().flatten(),
                watchers: delta.watchers.clone().unwrap_or_default(),
                portable: delta.portable.unwrap_or(false),
                deactivated: delta.deactivated.unwrap_or(false),
                ttl: delta.ttl.unwrap_or(DEFAULT_TTL),
            }
        }
        Some(p) => {
            if delta.scid.is_some() {
                return Err(bad_params("scid may only appear in the first entry".into()));
            }
            if delta.portable == Some(true) {
                return Err(bad_params(
                    "portable: true may only be set in the first entry".into(),
                ));
            }
            let old = &p.parameters;
            Parameters {
                method: delta.method.clone().unwrap_or_else(|| old.method.clone()),
                scid: old.scid.clone(),
                update_keys: delta
                    .update_keys
                    .clone()
                    .unwrap_or_else(|| old.update_keys.clone()),
                next_key_hashes: delta
                    .next_key_hashes
                    .clone()
                    .unwrap_or_else(|| old.next_key_hashes.clone()),
                witness: match &delta.witness {
                    Some(w) => w.clone(),
                    None => old.witness.clone(),
                },
                watchers: delta
                    .watchers
                    .clone()
                    .unwrap_or_else(|| old.watchers.clone()),
                portable: delta.portable.unwrap_or(old.portable),
                deactivated: delta.deactivated.unwrap_or(old.deactivated),
                ttl: delta.ttl.unwrap_or(old.ttl),
            }
        }
    };

    // Step 7: pre-rotation (checked with the parameters, before hashes and proofs).
    let pre_rotation = prev.is_some_and(|p| !p.parameters.next_key_hashes.is_empty());
    if let Some(p) = prev
        && pre_rotation
    {
        let pre = |reason: String| WebvhError::PreRotation { line, reason };
        let Some(keys) = &delta.update_keys else {
            return Err(pre(
                "pre-rotation is active, so the entry must set updateKeys explicitly".into(),
            ));
        };
        for key in keys {
            if !p.parameters.next_key_hashes.contains(&next_key_hash(key)) {
                return Err(pre(format!(
                    "update key {key} was not committed in the previous nextKeyHashes"
                )));
            }
        }
        if delta.next_key_hashes.is_none() {
            return Err(pre(
                "pre-rotation is active, so the entry must set nextKeyHashes explicitly".into(),
            ));
        }
    }

    // Step 3: versionId = <n>-<entryHash>.
    let number = line as u64;
    let bad_id = |reason: String| WebvhError::VersionId { line, reason };
    let (n, hash) = entry
        .version_id
        .split_once('-')
        .ok_or_else(|| bad_id(format!("{:?} has no '-'", entry.version_id)))?;
    if hash.contains('-') {
        return Err(bad_id(format!(
            "{:?} has more than one '-'",
            entry.version_id
        )));
    }
    if n.parse::<u64>().ok().map(|v| v.to_string()).as_deref() != Some(n) {
        return Err(bad_id(format!("{n:?} is not a version number")));
    }
    if n != number.to_string() {
        return Err(bad_id(format!(
            "version number {n} where {number} was expected (entries reordered, forked or missing)"
        )));
    }
    if !is_sha256_multihash(hash) {
        return Err(bad_id(format!(
            "entry hash {hash:?} is not a base58btc SHA-256 multihash"
        )));
    }

    // Step 4: versionTime.
    let time = parse_time(&entry.version_time, line)?;
    if let Some(p) = prev
        && time <= p.time
    {
        return Err(WebvhError::VersionTime {
            line,
            reason: format!(
                "{} is not after the previous entry's {}",
                entry.version_time, p.version_time
            ),
        });
    }
    if time > now + FUTURE_TOLERANCE {
        return Err(WebvhError::VersionTime {
            line,
            reason: format!("{} is in the future", entry.version_time),
        });
    }

    // Step 5: the SCID (first entry).
    let unsigned = entry.unsigned();
    if prev.is_none() {
        verify_scid(&unsigned, &params.scid, line)?;
    }

    // Entry hash, chained to the predecessor's versionId (the SCID for the first).
    let mut chained = unsigned.clone();
    chained["versionId"] = Value::String(match prev {
        None => params.scid.clone(),
        Some(p) => p.version_id.clone(),
    });
    let expected = jcs_hash(&chained);
    if expected != hash {
        return Err(WebvhError::EntryHash {
            line,
            expected,
            found: hash.to_owned(),
        });
    }

    // Step 2: the proof, by an active update key.
    let active: &[String] = match prev {
        Some(p) if !pre_rotation => &p.parameters.update_keys,
        _ => &params.update_keys,
    };
    if entry.proof.is_empty() {
        return Err(WebvhError::InvalidProof {
            line,
            reason: "the entry has no proof".into(),
        });
    }
    if entry.proof.len() > MAX_ENTRY_PROOFS {
        return Err(WebvhError::InvalidProof {
            line,
            reason: format!("more than {MAX_ENTRY_PROOFS} proofs"),
        });
    }
    for proof in &entry.proof {
        let signer = verify_proof(&unsigned, proof)
            .map_err(|reason| WebvhError::InvalidProof { line, reason })?;
        if !active.contains(&signer) {
            return Err(WebvhError::UnauthorizedKey { line, key: signer });
        }
    }

    // Step 6: state.id is a did:webvh DID with this SCID; moves need portability.
    let id = entry
        .state
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| WebvhError::MalformedEntry {
            line,
            reason: "state has no string id".into(),
        })?;
    let did = Did::parse(id).map_err(|e| WebvhError::InvalidDid(format!("state.id: {e}")))?;
    let parsed = parse_did(&did)?;
    if parsed.scid != params.scid {
        return Err(WebvhError::Scid {
            line,
            reason: format!(
                "state.id carries SCID {}, the log's SCID is {}",
                parsed.scid, params.scid
            ),
        });
    }
    state_document(&entry.state).map_err(|e| WebvhError::MalformedEntry {
        line,
        reason: format!("state is not a DID document: {e}"),
    })?;
    if let Some(p) = prev
        && p.did != did
    {
        if !p.parameters.portable {
            return Err(WebvhError::Portability {
                line,
                reason: format!("the DID moved from {} to {did} but is not portable", p.did),
            });
        }
        let aka = entry
            .state
            .get("alsoKnownAs")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(p.did.as_str())));
        if !aka {
            return Err(WebvhError::Portability {
                line,
                reason: format!("the moved DID document must list {} in alsoKnownAs", p.did),
            });
        }
    }

    // Witnesses: the first entry's own list; later, the list in effect before the
    // entry, or a new list that replaces "no witnesses" (active at once).
    let witness_rule = match prev {
        None => params.witness.clone(),
        Some(p) => p
            .parameters
            .witness
            .clone()
            .or_else(|| params.witness.clone()),
    };

    Ok(Version {
        number,
        version_id: entry.version_id.clone(),
        version_time: entry.version_time.clone(),
        time,
        did,
        state: entry.state.clone(),
        parameters: params,
        witness_rule,
    })
}

/// v1.0 "Verify SCID": the first entry without its proof, `versionId` set to
/// `{SCID}` and every occurrence of the SCID replaced by `{SCID}`, hashes to the SCID.
fn verify_scid(unsigned: &Value, scid: &str, line: usize) -> Result<(), WebvhError> {
    if !is_sha256_multihash(scid) {
        return Err(WebvhError::Scid {
            line,
            reason: format!("scid {scid:?} is not a base58btc SHA-256 multihash"),
        });
    }
    let mut entry = unsigned.clone();
    entry["versionId"] = Value::String("{SCID}".into());
    let text = serde_json::to_string(&entry).unwrap_or_default();
    let replaced = text.replace(scid, "{SCID}");
    let with_placeholders: Value =
        serde_json::from_str(&replaced).map_err(|e| WebvhError::Scid {
            line,
            reason: format!("placeholder substitution broke the entry: {e}"),
        })?;
    let computed = jcs_hash(&with_placeholders);
    if computed != scid {
        return Err(WebvhError::Scid {
            line,
            reason: format!("the first entry hashes to {computed}, not to its scid {scid}"),
        });
    }
    Ok(())
}

/// One record of `did-witness.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WitnessRecord {
    version_id: String,
    #[serde(default)]
    proof: Vec<Value>,
}

/// v1.0 "Verifying Witness Proofs During Resolution": every entry with a witness
/// rule needs `threshold` distinct witnesses of that rule with a valid proof on its
/// `versionId` or a later one in this log. Proofs on other `versionId`s are ignored.
pub fn verify_witnesses(log: &VerifiedLog, witness_file: Option<&[u8]>) -> Result<(), WebvhError> {
    if !log.needs_witnesses() {
        return Ok(());
    }
    let records: Vec<WitnessRecord> = match witness_file {
        None => Vec::new(),
        Some(bytes) => {
            if bytes.len() > MAX_WITNESS_BYTES {
                return Err(WebvhError::TooLarge {
                    what: "did-witness.json (bytes)",
                    size: bytes.len(),
                    limit: MAX_WITNESS_BYTES,
                });
            }
            serde_json::from_slice(bytes)
                .map_err(|e| WebvhError::MalformedWitnessFile(e.to_string()))?
        }
    };
    let index: HashMap<&str, usize> = log
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.version_id.as_str(), i))
        .collect();
    let listed: HashSet<&str> = log
        .versions
        .iter()
        .filter_map(|v| v.witness_rule.as_ref())
        .flat_map(|w| w.witnesses.iter().map(String::as_str))
        .collect();
    // The latest entry each witness validly approved.
    let mut latest: BTreeMap<String, usize> = BTreeMap::new();
    let mut examined = 0usize;
    for record in &records {
        let Some(&at) = index.get(record.version_id.as_str()) else {
            continue;
        };
        let document = json!({ "versionId": record.version_id });
        for proof in &record.proof {
            examined += 1;
            if examined > MAX_WITNESS_PROOFS {
                return Err(WebvhError::TooLarge {
                    what: "did-witness.json (proofs)",
                    size: examined,
                    limit: MAX_WITNESS_PROOFS,
                });
            }
            let Some(vm) = proof.get("verificationMethod").and_then(Value::as_str) else {
                continue;
            };
            let Ok((multikey, _)) = did_key_method(vm) else {
                continue;
            };
            let witness = format!("did:key:{multikey}");
            if !listed.contains(witness.as_str())
                || latest.get(&witness).is_some_and(|&seen| seen >= at)
            {
                continue;
            }
            // Proofs that fail are ignored; the threshold decides.
            if verify_proof(&document, proof).is_ok() {
                latest.insert(witness, at);
            }
        }
    }
    for (i, version) in log.versions.iter().enumerate() {
        let Some(rule) = &version.witness_rule else {
            continue;
        };
        let approvals = rule
            .witnesses
            .iter()
            .filter(|w| latest.get(w.as_str()).is_some_and(|&at| at >= i))
            .count();
        if approvals < rule.threshold {
            return Err(WebvhError::WitnessThreshold {
                line: i + 1,
                approvals,
                threshold: rule.threshold,
            });
        }
    }
    Ok(())
}

/// Parses and verifies a whole log and its witness file.
pub fn verify_log(
    log: &[u8],
    witness_file: Option<&[u8]>,
    options: &VerifyOptions,
) -> Result<VerifiedLog, WebvhError> {
    let verified = verify_entries(parse_log(log)?, options)?;
    verify_witnesses(&verified, witness_file)?;
    Ok(verified)
}

/// The witness metadata value of a configuration (`{}` when none).
pub(crate) fn witness_metadata(w: Option<&WitnessConfig>) -> Value {
    w.map_or_else(|| json!({}), WitnessConfig::to_metadata)
}

/// The DID document of a `state`. Verification methods without a `controller` (DID
/// Core requires one; several did:webvh implementations omit it) get the document's
/// `id`, the subject that controls them.
pub(crate) fn state_document(state: &Value) -> Result<crate::Document, crate::Error> {
    let mut state = state.clone();
    let id = state.get("id").cloned().unwrap_or(Value::Null);
    let fill = |vm: &mut Value| {
        if let Value::Object(vm) = vm
            && !vm.contains_key("controller")
        {
            vm.insert("controller".into(), id.clone());
        }
    };
    if let Value::Object(doc) = &mut state {
        for (name, value) in doc.iter_mut() {
            let relationship = matches!(
                name.as_str(),
                "verificationMethod"
                    | "authentication"
                    | "assertionMethod"
                    | "keyAgreement"
                    | "capabilityInvocation"
                    | "capabilityDelegation"
            );
            if let (true, Value::Array(items)) = (relationship, value) {
                items.iter_mut().for_each(fill);
            }
        }
    }
    let bytes =
        serde_json::to_vec(&state).map_err(|e| crate::Error::InvalidDocument(e.to_string()))?;
    crate::Document::from_json(&bytes)
}
