//! New log entries: create (SCID generation and the first entry), update (new state,
//! key rotation with pre-rotation), deactivate. Every entry made here is checked by
//! the same verification a resolver runs before it is returned.
//!
//! <https://identity.foundation/didwebvh/v1.0/#create-register>
//! <https://identity.foundation/didwebvh/v1.0/#update-rotate>
//! <https://identity.foundation/didwebvh/v1.0/#deactivate-revoke>

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use kith_crypto::{KeyType, PrivateKey, PublicKey};

use super::WebvhError;
use super::crypto::{create_proof, jcs_hash, next_key_hash};
use super::log::{
    LogEntry, METHOD_V1_0, VerifiedLog, VerifyOptions, WitnessConfig, verify_entries,
};
use super::url::location;
use crate::document::{DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1};
use crate::{Did, Error};

/// What the first entry of a new DID holds.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// The domain that will host `did.jsonl`, with an optional `:port`.
    pub domain: String,
    /// An optional path below the domain, such as `dids/issuer`.
    pub path: Option<String>,
    /// Keys authorized to update the DID; the signer's key when empty.
    pub update_keys: Vec<PublicKey>,
    /// Pre-rotation commitments ([`next_key_hash`] of the next update keys).
    pub next_key_hashes: Vec<String>,
    /// Whether the DID may move to another location later.
    pub portable: bool,
    /// Witnesses that must approve every entry.
    pub witness: Option<WitnessConfig>,
    /// Watcher URLs.
    pub watchers: Vec<String>,
    /// Cache guidance in seconds.
    pub ttl: Option<u32>,
    /// The initial DID document with `{SCID}` placeholders (its `id` must be the
    /// DID with the placeholder). By default: the signer's key as Multikey `#key-1`
    /// for authentication, assertion, capability invocation and delegation.
    pub document: Option<Value>,
    /// The `versionTime`; now when `None`.
    pub version_time: Option<OffsetDateTime>,
}

/// A created DID and its first log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The DID.
    pub did: Did,
    /// The first entry of `did.jsonl`.
    pub entry: LogEntry,
}

/// What an update entry changes; `None` keeps the value in effect.
#[derive(Debug, Clone, Default)]
pub struct UpdateRequest {
    /// The new DID document (its `id` must stay the DID unless the DID is portable).
    pub document: Option<Value>,
    /// New update keys. Under pre-rotation they must be committed in the previous
    /// `nextKeyHashes`, and one of them signs this entry.
    pub update_keys: Option<Vec<PublicKey>>,
    /// New pre-rotation commitments; required while pre-rotation is active
    /// (`Some(vec![])` turns it off).
    pub next_key_hashes: Option<Vec<String>>,
    /// A new witness configuration (`Some(None)`: no witnesses).
    pub witness: Option<Option<WitnessConfig>>,
    /// New watcher URLs.
    pub watchers: Option<Vec<String>>,
    /// New cache guidance in seconds.
    pub ttl: Option<u32>,
    /// The `versionTime`; now (and after the previous entry) when `None`.
    pub version_time: Option<OffsetDateTime>,
}

fn format_time(time: OffsetDateTime) -> Result<String, WebvhError> {
    time.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| WebvhError::Key("versionTime cannot be formatted".into()))
}

fn ed25519(key: &PublicKey) -> Result<String, WebvhError> {
    if key.key_type() != KeyType::Ed25519 {
        return Err(WebvhError::Key(format!(
            "did:webvh v1.0 update keys are Ed25519 (eddsa-jcs-2022), not {:?}",
            key.key_type()
        )));
    }
    Ok(key.to_multikey())
}

fn default_document(did: &str, key: &PublicKey) -> Value {
    let vm = format!("{did}#key-1");
    json!({
        "@context": [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
        "id": did,
        "verificationMethod": [{
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.to_multikey(),
        }],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityInvocation": [vm],
        "capabilityDelegation": [vm],
    })
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Creates a DID: SCID generation over the preliminary entry with `{SCID}`
/// placeholders, the entry hash chained to the SCID, and the proof by `signer`
/// (which must be one of the update keys).
pub fn create(request: &CreateRequest, signer: &PrivateKey) -> Result<Created, Error> {
    let loc = location(&request.domain, request.path.as_deref())?;
    let did_template = loc.did_string("{SCID}");
    let signer_key = signer.public_key();
    let signer_mk = ed25519(&signer_key)?;
    let update_keys = if request.update_keys.is_empty() {
        vec![signer_mk.clone()]
    } else {
        request
            .update_keys
            .iter()
            .map(ed25519)
            .collect::<Result<Vec<_>, _>>()?
    };
    if !update_keys.contains(&signer_mk) {
        return Err(WebvhError::Key(format!(
            "the signing key {signer_mk} is not one of the update keys"
        ))
        .into());
    }
    let mut parameters = Map::new();
    parameters.insert("method".into(), json!(METHOD_V1_0));
    parameters.insert("scid".into(), json!("{SCID}"));
    parameters.insert("updateKeys".into(), json!(update_keys));
    parameters.insert("portable".into(), json!(request.portable));
    parameters.insert("nextKeyHashes".into(), json!(request.next_key_hashes));
    parameters.insert(
        "witness".into(),
        request
            .witness
            .as_ref()
            .map_or_else(|| json!({}), WitnessConfig::to_json),
    );
    parameters.insert("watchers".into(), json!(request.watchers));
    if let Some(ttl) = request.ttl {
        parameters.insert("ttl".into(), json!(ttl));
    }
    let state = match &request.document {
        Some(doc) => doc.clone(),
        None => default_document(&did_template, &signer_key),
    };
    if state.get("id").and_then(Value::as_str) != Some(did_template.as_str()) {
        return Err(Error::InvalidDocument(format!(
            "the initial document's id must be {did_template}"
        )));
    }
    let version_time = format_time(request.version_time.unwrap_or_else(now))?;
    let preliminary = json!({
        "versionId": "{SCID}",
        "versionTime": version_time,
        "parameters": parameters,
        "state": state,
    });
    let scid = jcs_hash(&preliminary);
    let text = serde_json::to_string(&preliminary)
        .map_err(|e| Error::InvalidDocument(e.to_string()))?
        .replace("{SCID}", &scid);
    let mut entry: Value =
        serde_json::from_str(&text).map_err(|e| Error::InvalidDocument(e.to_string()))?;
    let entry_hash = jcs_hash(&entry);
    entry["versionId"] = json!(format!("1-{entry_hash}"));
    let proof = create_proof(&entry, signer, &version_time).map_err(WebvhError::Key)?;
    entry["proof"] = json!([proof]);
    let entry: LogEntry = serde_json::from_value(entry)
        .map_err(|e| Error::InvalidDocument(format!("the new entry: {e}")))?;
    let verified = verify_entries(vec![entry.clone()], &VerifyOptions::default())?;
    Ok(Created {
        did: verified.head().did.clone(),
        entry,
    })
}

/// Appends an update to a verified log: the new entry, signed by `signer`, checked
/// as the next entry of `log`.
pub fn update(
    log: &VerifiedLog,
    request: &UpdateRequest,
    signer: &PrivateKey,
) -> Result<LogEntry, Error> {
    next_entry(log, request, signer, false)
}

/// Deactivates the DID (`deactivated: true`). Without pre-rotation `updateKeys`
/// becomes `[]`; under pre-rotation `signer` must be a committed key, becomes the
/// only update key, and `nextKeyHashes` becomes `[]`.
pub fn deactivate(
    log: &VerifiedLog,
    signer: &PrivateKey,
    version_time: Option<OffsetDateTime>,
) -> Result<LogEntry, Error> {
    let request = UpdateRequest {
        version_time,
        ..UpdateRequest::default()
    };
    next_entry(log, &request, signer, true)
}

fn next_entry(
    log: &VerifiedLog,
    request: &UpdateRequest,
    signer: &PrivateKey,
    deactivating: bool,
) -> Result<LogEntry, Error> {
    let head = log.head();
    let line = log.versions.len() + 1;
    if head.parameters.deactivated {
        return Err(WebvhError::AfterDeactivation { line }.into());
    }
    let signer_mk = ed25519(&signer.public_key())?;
    let pre_rotation = !head.parameters.next_key_hashes.is_empty();
    let mut parameters = Map::new();

    let mut new_keys = request
        .update_keys
        .as_ref()
        .map(|keys| keys.iter().map(ed25519).collect::<Result<Vec<_>, _>>())
        .transpose()?;
    let mut next_hashes = request.next_key_hashes.clone();
    if deactivating {
        parameters.insert("deactivated".into(), json!(true));
        if pre_rotation {
            new_keys = Some(vec![signer_mk.clone()]);
            next_hashes = Some(Vec::new());
        } else {
            new_keys = Some(Vec::new());
        }
    }
    if pre_rotation {
        let keys = new_keys.get_or_insert_with(|| vec![signer_mk.clone()]);
        for key in keys.iter() {
            if !head
                .parameters
                .next_key_hashes
                .contains(&next_key_hash(key))
            {
                return Err(WebvhError::PreRotation {
                    line,
                    reason: format!("{key} is not committed in the current nextKeyHashes"),
                }
                .into());
            }
        }
        if !keys.contains(&signer_mk) {
            return Err(WebvhError::Key(format!(
                "under pre-rotation the entry is signed by one of its new update keys; {signer_mk} is not one"
            ))
            .into());
        }
        if next_hashes.is_none() {
            return Err(WebvhError::PreRotation {
                line,
                reason: "pre-rotation is active: give the next key hashes (an empty list turns pre-rotation off)".into(),
            }
            .into());
        }
    } else if !head.parameters.update_keys.contains(&signer_mk) {
        return Err(WebvhError::UnauthorizedKey {
            line,
            key: signer_mk,
        }
        .into());
    }
    if let Some(keys) = new_keys {
        parameters.insert("updateKeys".into(), json!(keys));
    }
    if let Some(hashes) = next_hashes {
        parameters.insert("nextKeyHashes".into(), json!(hashes));
    }
    if let Some(witness) = &request.witness {
        parameters.insert(
            "witness".into(),
            witness
                .as_ref()
                .map_or_else(|| json!({}), WitnessConfig::to_json),
        );
    }
    if let Some(watchers) = &request.watchers {
        parameters.insert("watchers".into(), json!(watchers));
    }
    if let Some(ttl) = request.ttl {
        parameters.insert("ttl".into(), json!(ttl));
    }

    let earliest = head.time + time::Duration::seconds(1);
    let time = request.version_time.unwrap_or_else(|| now().max(earliest));
    let version_time = format_time(time)?;
    let mut entry = json!({
        "versionId": head.version_id,
        "versionTime": version_time,
        "parameters": parameters,
        "state": request.document.clone().unwrap_or_else(|| head.state.clone()),
    });
    let entry_hash = jcs_hash(&entry);
    entry["versionId"] = json!(format!("{line}-{entry_hash}"));
    let proof = create_proof(&entry, signer, &version_time).map_err(WebvhError::Key)?;
    entry["proof"] = json!([proof]);
    let entry: LogEntry = serde_json::from_value(entry)
        .map_err(|e| Error::InvalidDocument(format!("the new entry: {e}")))?;
    super::log::verify_next(log, &entry, &VerifyOptions::default())?;
    Ok(entry)
}
