//! did:webvh v1.0 ("did:web + Verifiable History"): the DID's history is a log of
//! signed, hash-chained entries (`did.jsonl`) published where did:web would publish
//! `did.json`; resolving verifies the whole log.
//!
//! <https://identity.foundation/didwebvh/v1.0/>
//!
//! - [`parse_log`] / [`verify_entries`] / [`verify_witnesses`] / [`verify_log`]: the
//!   "Read (Resolve)" verification of every entry: entry-hash chain, SCID, each
//!   proof by an authorized key (`eddsa-jcs-2022`), pre-rotation commitments,
//!   `versionTime` order, portability, deactivation, and witness thresholds.
//! - [`resolve_log`]: a verified log to a [`Resolution`] (with `versionId`,
//!   `versionTime` and `versionNumber` options and the did:webvh document metadata).
//! - [`WebvhMethod`]: the [`Resolver`], fetching `did.jsonl` (and `did-witness.json`
//!   when the log uses witnesses) through [`BoundedFetcher`], or reading a local log.
//! - [`create`], [`update`], [`deactivate`]: new log entries.
//!
//! Everything is bounded: [`MAX_LOG_BYTES`], [`MAX_LOG_ENTRIES`], [`MAX_ENTRY_BYTES`],
//! [`MAX_WITNESS_BYTES`], [`MAX_WITNESS_PROOFS`].

use async_trait::async_trait;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fetch::{BoundedFetcher, FetchConfig};
use crate::{
    Did, Document, DocumentMetadata, Error, Resolution, ResolutionOptions, Resolver, Service,
};

mod create;
mod crypto;
mod error;
mod log;
mod url;

pub use create::{CreateRequest, Created, UpdateRequest, create, deactivate, update};
pub use crypto::next_key_hash;
pub use error::WebvhError;
#[doc(hidden)]
pub use fuzz::__fuzz_log;
pub use log::{
    DEFAULT_TTL, FUTURE_TOLERANCE, LogEntry, MAX_ENTRY_BYTES, MAX_ENTRY_PROOFS, MAX_LOG_BYTES,
    MAX_LOG_ENTRIES, MAX_WITNESS_BYTES, MAX_WITNESS_PROOFS, METHOD_V1_0, Parameters, VerifiedLog,
    VerifyOptions, Version, WitnessConfig, parse_log, verify_entries, verify_log, verify_witnesses,
};
pub use url::{WebvhDid, parse_did};

/// A witness's approval of `version_id` (and so of every entry before it): the
/// `eddsa-jcs-2022` proof over `{"versionId": ...}` that goes into `did-witness.json`
/// (v1.0 "The Witness Proofs File"), made by the witness's Ed25519 key.
pub fn witness_approval(
    version_id: &str,
    witness: &kith_crypto::PrivateKey,
    created: &str,
) -> Result<Value, WebvhError> {
    crypto::create_proof(&json!({ "versionId": version_id }), witness, created)
        .map_err(WebvhError::Key)
}

/// Serializes entries as `did.jsonl` (one JSON line each, `\n`-terminated).
pub fn to_jsonl(entries: &[LogEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        out.push_str(&entry.to_line());
        out.push('\n');
    }
    out
}

/// Which version a resolution asks for (`versionId`, `versionTime`, and the
/// did:webvh `versionNumber` in `extra`); all given must name the same entry.
fn select_version(log: &VerifiedLog, options: &ResolutionOptions) -> Result<usize, WebvhError> {
    let mut picks: Vec<usize> = Vec::new();
    if let Some(id) = &options.version_id {
        let at = log
            .versions
            .iter()
            .position(|v| &v.version_id == id)
            .ok_or_else(|| WebvhError::VersionNotFound(format!("versionId {id}")))?;
        picks.push(at);
    }
    if let Some(n) = options.extra.get("versionNumber") {
        let number = match n {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| WebvhError::InvalidOptions(format!("versionNumber {n} is not a number")))?;
        let at = log
            .versions
            .iter()
            .position(|v| v.number == number)
            .ok_or_else(|| WebvhError::VersionNotFound(format!("versionNumber {number}")))?;
        picks.push(at);
    }
    if let Some(t) = &options.version_time {
        let time = OffsetDateTime::parse(t, &Rfc3339)
            .map_err(|e| WebvhError::InvalidOptions(format!("versionTime {t:?}: {e}")))?;
        let at = log
            .versions
            .iter()
            .rposition(|v| v.time <= time)
            .ok_or_else(|| WebvhError::VersionNotFound(format!("no version at {t}")))?;
        picks.push(at);
    }
    match picks.as_slice() {
        [] => Ok(log.versions.len() - 1),
        [first, rest @ ..] if rest.iter().all(|p| p == first) => Ok(*first),
        _ => Err(WebvhError::InvalidOptions(
            "versionId, versionNumber and versionTime name different versions".into(),
        )),
    }
}

/// The document of a version: its state plus the implicit `#files` and `#whois`
/// services unless the state defines them (v1.0 "DID URL Resolution").
fn document_of(version: &Version) -> Result<Document, Error> {
    let mut document = log::state_document(&version.state)?;
    let location = parse_did(&version.did)?;
    let did = version.did.as_str();
    let has = |doc: &Document, fragment: &str| {
        doc.service
            .iter()
            .any(|s| s.id == format!("#{fragment}") || s.id == format!("{did}#{fragment}"))
    };
    let files = location.files_endpoint();
    if !has(&document, "files") {
        document.service.push(Service {
            id: "#files".into(),
            type_: crate::OneOrMany::One("relativeRef".into()),
            service_endpoint: Value::String(files.clone()),
            extra: serde_json::Map::new(),
        });
    }
    if !has(&document, "whois") {
        let mut extra = serde_json::Map::new();
        extra.insert(
            "@context".into(),
            json!("https://identity.foundation/linked-vp/contexts/v1"),
        );
        document.service.push(Service {
            id: "#whois".into(),
            type_: crate::OneOrMany::One("LinkedVerifiablePresentation".into()),
            service_endpoint: Value::String(format!("{files}whois.vp")),
            extra,
        });
    }
    Ok(document)
}

/// Resolves `did` from a verified log (v1.0 "Read (Resolve)" steps 6 and 9-11 and the
/// DID document metadata).
pub fn resolve_verified(
    did: &Did,
    log: &VerifiedLog,
    options: &ResolutionOptions,
) -> Result<Resolution, Error> {
    let requested = parse_did(did)?;
    let head = log.head();
    if requested.scid != head.parameters.scid {
        return Err(WebvhError::Scid {
            line: 1,
            reason: format!(
                "the DID's SCID is {}, the log's is {}",
                requested.scid, head.parameters.scid
            ),
        }
        .into());
    }
    // didIdMatchCount > 0: some entry's state.id is exactly this DID.
    if !log.versions.iter().any(|v| v.did == *did) {
        return Err(WebvhError::DidNotInLog(did.to_string()).into());
    }
    let at = select_version(log, options)?;
    let version = &log.versions[at];
    let document = document_of(version)?;
    let first = &log.versions[0];
    let mut extra = serde_json::Map::new();
    extra.insert("versionNumber".into(), json!(version.number));
    extra.insert("versionTime".into(), json!(version.version_time));
    extra.insert("scid".into(), json!(head.parameters.scid));
    extra.insert("portable".into(), json!(head.parameters.portable));
    extra.insert("ttl".into(), json!(head.parameters.ttl.to_string()));
    extra.insert(
        "witness".into(),
        log::witness_metadata(head.parameters.witness.as_ref()),
    );
    extra.insert("watchers".into(), json!(head.parameters.watchers));
    extra.insert("updateKeys".into(), json!(head.parameters.update_keys));
    Ok(Resolution {
        document,
        document_metadata: DocumentMetadata {
            created: Some(first.version_time.clone()),
            updated: Some(head.version_time.clone()),
            deactivated: Some(head.parameters.deactivated),
            version_id: Some(version.version_id.clone()),
            next_version_id: log.versions.get(at + 1).map(|v| v.version_id.clone()),
            extra,
        },
    })
}

/// Verifies `log` (and `witness_file`) and resolves `did` from it, with no network.
pub fn resolve_log(
    did: &Did,
    log: &[u8],
    witness_file: Option<&[u8]>,
    options: &ResolutionOptions,
    verify: &VerifyOptions,
) -> Result<Resolution, Error> {
    parse_did(did)?;
    let verified = verify_log(log, witness_file, verify)?;
    resolve_verified(did, &verified, options)
}

#[derive(Debug, Clone)]
enum Source {
    Https(BoundedFetcher),
    Local {
        log: Vec<u8>,
        witness: Option<Vec<u8>>,
    },
}

/// Resolves did:webvh DIDs: over HTTPS (the transformed URL, through a
/// [`BoundedFetcher`] capped at [`MAX_LOG_BYTES`]) or from a local log.
#[derive(Debug, Clone)]
pub struct WebvhMethod {
    source: Source,
    verify: VerifyOptions,
}

impl WebvhMethod {
    /// A resolver over HTTPS with the secure defaults.
    pub fn new() -> Result<Self, Error> {
        Self::with_config(FetchConfig::default())
    }

    /// A resolver over the network with `config` (its body cap is raised to
    /// [`MAX_LOG_BYTES`], the log bound).
    pub fn with_config(mut config: FetchConfig) -> Result<Self, Error> {
        config.max_body = MAX_LOG_BYTES;
        Ok(Self {
            source: Source::Https(BoundedFetcher::new(config)?),
            verify: VerifyOptions::default(),
        })
    }

    /// A resolver that answers from a local `did.jsonl` (and `did-witness.json`).
    pub fn from_local(log: Vec<u8>, witness: Option<Vec<u8>>) -> Self {
        Self {
            source: Source::Local { log, witness },
            verify: VerifyOptions::default(),
        }
    }

    /// Uses `verify` (e.g. a fixed "now") for every resolution.
    pub fn with_verify_options(mut self, verify: VerifyOptions) -> Self {
        self.verify = verify;
        self
    }

    async fn fetch(&self, fetcher: &BoundedFetcher, did: &Did) -> Result<VerifiedLog, Error> {
        let scheme = if fetcher.config().allow_http {
            "http"
        } else {
            "https"
        };
        let location = parse_did(did)?;
        let body = fetcher
            .get(
                &location.log_url(scheme)?,
                "text/jsonl, application/jsonl, application/json",
            )
            .await?;
        let verified = verify_entries(parse_log(&body)?, &self.verify)?;
        if verified.needs_witnesses() {
            let witness = match fetcher
                .get(&location.witness_url(scheme)?, "application/json")
                .await
            {
                Ok(bytes) => Some(bytes),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            verify_witnesses(&verified, witness.as_deref())?;
        }
        Ok(verified)
    }
}

#[async_trait]
impl Resolver for WebvhMethod {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, Error> {
        parse_did(did)?;
        let verified = match &self.source {
            Source::Https(fetcher) => self.fetch(fetcher, did).await?,
            Source::Local { log, witness } => verify_log(log, witness.as_deref(), &self.verify)?,
        };
        resolve_verified(did, &verified, options)
    }
}

mod fuzz {
    use super::*;

    /// Entry point for the `webvh_log` fuzz target: parse and verify arbitrary bytes as a
    /// log (and a witness file); must never panic.
    pub fn __fuzz_log(data: &[u8]) {
        let (log, witness) = match data.iter().position(|&b| b == 0) {
            Some(at) => (&data[..at], Some(&data[at + 1..])),
            None => (data, None),
        };
        if let Ok(entries) = parse_log(log) {
            let again = parse_log(to_jsonl(&entries).as_bytes()).expect("re-parse");
            assert_eq!(again, entries);
            let options = VerifyOptions {
                now: Some(OffsetDateTime::UNIX_EPOCH + time::Duration::days(365 * 60)),
            };
            if let Ok(verified) = verify_entries(entries, &options) {
                let _ = verify_witnesses(&verified, witness);
                let did = verified.head().did.clone();
                let _ = resolve_verified(&did, &verified, &ResolutionOptions::default());
            }
        }
    }
}
