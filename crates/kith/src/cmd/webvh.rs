//! `kith did create webvh`, `kith did update webvh`, and the local-log resolver of
//! `kith did resolve --webvh-log`.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use kith_crypto::PublicKey;
use kith_did::method::webvh::{
    self, CreateRequest, MAX_LOG_BYTES, MAX_WITNESS_BYTES, UpdateRequest, VerifyOptions,
    WebvhMethod, next_key_hash,
};
use kith_did::{Did, Resolver};
use serde_json::{Value, json};

use crate::cli::{WebvhCreateArgs, WebvhUpdateArgs};
use crate::cmd::Outcome;
use crate::cmd::key::{Readers, read_private_key, read_public_key, write_file};
use crate::output;

/// Reads a file of at most `limit` bytes, refusing a larger one before reading it.
fn read_bounded(path: &Path, limit: usize, what: &'static str) -> anyhow::Result<Vec<u8>> {
    let size = fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > limit as u64 {
        anyhow::bail!(kith_did::Error::from(webvh::WebvhError::TooLarge {
            what,
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit,
        }));
    }
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn next_hashes(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<String>> {
    paths
        .iter()
        .map(|p| Ok(next_key_hash(&read_public_key(p)?.to_multikey())))
        .collect()
}

/// Creates the DID and writes the first log entry; returns the DID.
pub(crate) fn create(args: &WebvhCreateArgs) -> anyhow::Result<Did> {
    let signer = read_private_key(&args.key)?;
    let request = CreateRequest {
        domain: args.domain.clone(),
        path: args.path.clone(),
        next_key_hashes: next_hashes(&args.next_key)?,
        portable: args.portable,
        ..CreateRequest::default()
    };
    let created = webvh::create(&request, &signer)?;
    let jsonl = webvh::to_jsonl(std::slice::from_ref(&created.entry));
    write_file(&args.out, jsonl.as_bytes(), args.force, Readers::Everyone)?;
    Ok(created.did)
}

/// Replaces `old` by `new` wherever a verification method of `state` holds it.
fn rotate_document_key(state: &Value, old: &PublicKey, new: &PublicKey) -> Value {
    let mut state = state.clone();
    let (old, new) = (old.to_multikey(), new.to_multikey());
    if let Some(methods) = state
        .get_mut("verificationMethod")
        .and_then(Value::as_array_mut)
    {
        for vm in methods {
            if vm.get("publicKeyMultibase").and_then(Value::as_str) == Some(old.as_str()) {
                vm["publicKeyMultibase"] = json!(new);
            }
        }
    }
    state
}

/// Verifies the log, appends one entry, and writes the log back.
pub(crate) fn update(args: &WebvhUpdateArgs, json_out: bool) -> anyhow::Result<Outcome> {
    let bytes = read_bounded(&args.log, MAX_LOG_BYTES, "did.jsonl (bytes)")?;
    let witness = args
        .witness
        .as_deref()
        .map(|p| read_bounded(p, MAX_WITNESS_BYTES, "did-witness.json (bytes)"))
        .transpose()?;
    let log = webvh::verify_entries(webvh::parse_log(&bytes)?, &VerifyOptions::default())
        .map_err(kith_did::Error::from)?;
    if witness.is_some() {
        webvh::verify_witnesses(&log, witness.as_deref()).map_err(kith_did::Error::from)?;
    }
    let signer = read_private_key(&args.key)?;
    let entry = if args.deactivate {
        webvh::deactivate(&log, &signer, None)?
    } else {
        let new_key = args.new_key.as_deref().map(read_public_key).transpose()?;
        let mut document = match &args.document {
            Some(path) => Some(
                serde_json::from_slice::<Value>(&read_bounded(
                    path,
                    kith_did::MAX_DOCUMENT_LEN,
                    "DID document (bytes)",
                )?)
                .with_context(|| format!("{} is not JSON", path.display()))?,
            ),
            None => None,
        };
        if let Some(new) = &new_key
            && document.is_none()
        {
            document = Some(rotate_document_key(
                &log.head().state,
                &signer.public_key(),
                new,
            ));
        }
        let request = UpdateRequest {
            document,
            update_keys: new_key.map(|k| vec![k]),
            next_key_hashes: if args.end_pre_rotation {
                Some(Vec::new())
            } else if args.next_key.is_empty() {
                None
            } else {
                Some(next_hashes(&args.next_key)?)
            },
            ..UpdateRequest::default()
        };
        webvh::update(&log, &request, &signer)?
    };
    let mut entries = log.entries.clone();
    entries.push(entry.clone());
    write_file(
        &args.log,
        webvh::to_jsonl(&entries).as_bytes(),
        true,
        Readers::Everyone,
    )?;
    if json_out {
        output::print_json(&json!({
            "did": log.head().did,
            "versionId": entry.version_id,
            "versionTime": entry.version_time,
        }))?;
    } else {
        output::print_line(&entry.version_id)?;
    }
    Ok(Outcome::Ok)
}

/// A did:webvh resolver answering from a local log (and witness file).
pub(crate) fn local_resolver(
    log: &Path,
    witness: Option<&Path>,
) -> anyhow::Result<Arc<dyn Resolver>> {
    let log = read_bounded(log, MAX_LOG_BYTES, "did.jsonl (bytes)")?;
    let witness = witness
        .map(|p| read_bounded(p, MAX_WITNESS_BYTES, "did-witness.json (bytes)"))
        .transpose()?;
    Ok(Arc::new(WebvhMethod::from_local(log, witness)))
}
