//! did:webvh: create / update / deactivate round trips, resolution options, and each
//! fault with its error code: forked, reordered and truncated logs, wrong SCID,
//! unauthorized keys, pre-rotation violations, witness thresholds, malformed lines,
//! size bounds, portability, deactivation, versionTime. Plus proptests on the parser.

use kith_crypto::{KeyType, PrivateKey};
use kith_did::method::webvh::{
    self, CreateRequest, LogEntry, MAX_LOG_BYTES, MAX_LOG_ENTRIES, UpdateRequest, VerifiedLog,
    VerifyOptions, WebvhMethod, WitnessConfig, next_key_hash, parse_log, resolve_log,
    verify_entries, witness_approval,
};
use kith_did::{Did, Error, ResolutionOptions, Resolver};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;

fn key() -> PrivateKey {
    PrivateKey::generate(KeyType::Ed25519).unwrap()
}

fn at(day: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::days(10_957 + day) // 2000-01-01 + day
}

fn verified(entries: &[LogEntry]) -> VerifiedLog {
    verify_entries(entries.to_vec(), &VerifyOptions::default()).unwrap()
}

fn jsonl(entries: &[LogEntry]) -> Vec<u8> {
    webvh::to_jsonl(entries).into_bytes()
}

fn resolve(did: &Did, log: &[u8], witness: Option<&[u8]>) -> Result<kith_did::Resolution, Error> {
    resolve_log(
        did,
        log,
        witness,
        &ResolutionOptions::default(),
        &VerifyOptions::default(),
    )
}

fn code(result: Result<kith_did::Resolution, Error>) -> &'static str {
    result.err().map_or("ok", |e| e.code())
}

/// A three-entry log: create (k1, committing to k2), rotate to k2 (committing to k3),
/// rotate to k3 (committing to nothing).
struct Fixture {
    did: Did,
    entries: Vec<LogEntry>,
    keys: [PrivateKey; 3],
}

fn fixture() -> Fixture {
    let keys = [key(), key(), key()];
    let hash = |k: &PrivateKey| next_key_hash(&k.public_key().to_multikey());
    let created = webvh::create(
        &CreateRequest {
            domain: "example.com".into(),
            path: Some("dids/alice".into()),
            next_key_hashes: vec![hash(&keys[1])],
            version_time: Some(at(0)),
            ..CreateRequest::default()
        },
        &keys[0],
    )
    .unwrap();
    let mut entries = vec![created.entry];
    for (i, next) in [Some(&keys[2]), None].into_iter().enumerate() {
        let signer = &keys[i + 1];
        let entry = webvh::update(
            &verified(&entries),
            &UpdateRequest {
                update_keys: Some(vec![signer.public_key()]),
                next_key_hashes: Some(next.map(hash).into_iter().collect()),
                version_time: Some(at(i as i64 + 1)),
                ..UpdateRequest::default()
            },
            signer,
        )
        .unwrap();
        entries.push(entry);
    }
    Fixture {
        did: created.did,
        entries,
        keys,
    }
}

/// Re-chains `entries[i]` to its predecessor and re-signs it with `signer`, so only
/// the property under test is wrong.
fn reseal(entries: &mut [LogEntry], i: usize, scid: &str, signer: &PrivateKey) {
    let predecessor = if i == 0 {
        scid.to_owned()
    } else {
        entries[i - 1].version_id.clone()
    };
    let hash = entries[i].entry_hash(&predecessor);
    entries[i].version_id = format!("{}-{hash}", i + 1);
    entries[i].sign(signer).unwrap();
}

#[test]
fn create_update_rotate_and_resolve_every_version() {
    let f = fixture();
    let log = jsonl(&f.entries);
    let head = resolve(&f.did, &log, None).unwrap();
    let meta = &head.document_metadata;
    assert_eq!(
        meta.version_id.as_deref(),
        Some(f.entries[2].version_id.as_str())
    );
    assert_eq!(meta.created.as_deref(), Some("2000-01-01T00:00:00Z"));
    assert_eq!(meta.updated.as_deref(), Some("2000-01-03T00:00:00Z"));
    assert_eq!(meta.deactivated, Some(false));
    assert_eq!(meta.extra["versionNumber"], json!(3));
    assert_eq!(
        meta.extra["scid"],
        json!(webvh::parse_did(&f.did).unwrap().scid)
    );
    // The implicit services.
    let services: Vec<&str> = head
        .document
        .service
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(services, ["#files", "#whois"]);
    assert_eq!(
        head.document.service[0].service_endpoint,
        json!("https://example.com/dids/alice/")
    );

    for (n, entry) in f.entries.iter().enumerate() {
        let by_id = ResolutionOptions {
            version_id: Some(entry.version_id.clone()),
            ..ResolutionOptions::default()
        };
        let mut by_number = ResolutionOptions::default();
        by_number.extra.insert("versionNumber".into(), json!(n + 1));
        let by_time = ResolutionOptions {
            version_time: Some(format!("2000-01-0{}T12:00:00Z", n + 1)),
            ..ResolutionOptions::default()
        };
        for options in [by_id, by_number, by_time] {
            let r = resolve_log(&f.did, &log, None, &options, &VerifyOptions::default()).unwrap();
            assert_eq!(
                r.document_metadata.version_id.as_deref(),
                Some(entry.version_id.as_str())
            );
        }
    }
    let missing = ResolutionOptions {
        version_id: Some("9-QmPFhMuZH9gjY2JZgyyrgRuFTywQ4mDhoKGVoGE8uy7hFD".into()),
        ..ResolutionOptions::default()
    };
    let err = resolve_log(&f.did, &log, None, &missing, &VerifyOptions::default()).unwrap_err();
    assert_eq!(
        (err.code(), err.resolution_error()),
        ("webvh_version_not_found", "notFound")
    );
    let before = ResolutionOptions {
        version_time: Some("1999-01-01T00:00:00Z".into()),
        ..ResolutionOptions::default()
    };
    let err = resolve_log(&f.did, &log, None, &before, &VerifyOptions::default()).unwrap_err();
    assert_eq!(err.code(), "webvh_version_not_found");
    let mut conflict = ResolutionOptions {
        version_id: Some(f.entries[0].version_id.clone()),
        ..ResolutionOptions::default()
    };
    conflict.extra.insert("versionNumber".into(), json!(2));
    let err = resolve_log(&f.did, &log, None, &conflict, &VerifyOptions::default()).unwrap_err();
    assert_eq!(err.code(), "webvh_invalid_options");
}

#[tokio::test]
async fn local_resolver_and_dispatch() {
    let f = fixture();
    let method = WebvhMethod::from_local(jsonl(&f.entries), None);
    let r = method
        .resolve(&f.did, &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(r.document.id, f.did);
    let defaults = kith_did::MethodResolver::with_defaults(Default::default()).unwrap();
    assert!(defaults.methods().any(|m| m == "webvh"));
}

#[test]
fn deactivation_ends_the_log() {
    let f = fixture();
    let log = verified(&f.entries);
    let entry = webvh::deactivate(&log, &f.keys[2], Some(at(5))).unwrap();
    let mut entries = f.entries.clone();
    entries.push(entry);
    let r = resolve(&f.did, &jsonl(&entries), None).unwrap();
    assert_eq!(r.document_metadata.deactivated, Some(true));
    // Older versions say so too.
    let mut v1 = ResolutionOptions::default();
    v1.extra.insert("versionNumber".into(), json!(1));
    let r = resolve_log(
        &f.did,
        &jsonl(&entries),
        None,
        &v1,
        &VerifyOptions::default(),
    )
    .unwrap();
    assert_eq!(r.document_metadata.deactivated, Some(true));
    // Nothing may follow: the library refuses, and so does a resolver.
    let err =
        webvh::update(&verified(&entries), &UpdateRequest::default(), &f.keys[2]).unwrap_err();
    assert_eq!(err.code(), "webvh_entry_after_deactivation");
    let mut after = entries.last().unwrap().clone();
    after.parameters = serde_json::Map::new();
    after.version_time = "2000-01-08T00:00:00Z".into();
    entries.push(after);
    let scid = webvh::parse_did(&f.did).unwrap().scid;
    reseal(&mut entries, 4, &scid, &f.keys[2]);
    assert_eq!(
        code(resolve(&f.did, &jsonl(&entries), None)),
        "webvh_entry_after_deactivation"
    );
}

/// Three entries by one key, no pre-rotation.
fn plain() -> Fixture {
    let k = key();
    let created = webvh::create(
        &CreateRequest {
            domain: "example.com".into(),
            version_time: Some(at(0)),
            ..CreateRequest::default()
        },
        &k,
    )
    .unwrap();
    let mut entries = vec![created.entry];
    for day in 1..3 {
        let entry = webvh::update(
            &verified(&entries),
            &UpdateRequest {
                version_time: Some(at(day)),
                ..UpdateRequest::default()
            },
            &k,
        )
        .unwrap();
        entries.push(entry);
    }
    Fixture {
        did: created.did,
        entries,
        keys: [k.clone(), k.clone(), k],
    }
}

#[test]
fn forked_reordered_and_truncated_logs() {
    let f = plain();
    let scid = webvh::parse_did(&f.did).unwrap().scid;

    // Forked: another valid entry 2 (different state) breaks entry 3's chain.
    let mut forked = f.entries.clone();
    forked[1].state["alsoKnownAs"] = json!(["https://fork.example"]);
    reseal(&mut forked, 1, &scid, &f.keys[1]);
    assert_eq!(
        code(resolve(&f.did, &jsonl(&forked), None)),
        "webvh_entry_hash_mismatch"
    );
    // Forked: both versions of entry 2 in the log.
    let both = [
        f.entries[0].clone(),
        f.entries[1].clone(),
        forked[1].clone(),
    ];
    assert_eq!(
        code(resolve(&f.did, &jsonl(&both), None)),
        "webvh_version_id"
    );

    // Reordered.
    let reordered = [
        f.entries[0].clone(),
        f.entries[2].clone(),
        f.entries[1].clone(),
    ];
    assert_eq!(
        code(resolve(&f.did, &jsonl(&reordered), None)),
        "webvh_version_id"
    );

    // Truncated inside a line, or missing its first entry.
    let log = jsonl(&f.entries);
    let cut = &log[..log.len() - 40];
    assert_eq!(code(resolve(&f.did, cut, None)), "webvh_malformed_entry");
    // Without its first entry, entry 2 (no method, no scid) cannot open a log.
    assert_eq!(
        code(resolve(&f.did, &jsonl(&f.entries[1..]), None)),
        "webvh_invalid_parameters"
    );
    // A first entry followed by entry 3.
    let gap = [f.entries[0].clone(), f.entries[2].clone()];
    assert_eq!(
        code(resolve(&f.did, &jsonl(&gap), None)),
        "webvh_version_id"
    );

    // An altered entry.
    let mut altered = f.entries.clone();
    altered[2].state["alsoKnownAs"] = json!(["https://evil.example"]);
    assert_eq!(
        code(resolve(&f.did, &jsonl(&altered), None)),
        "webvh_entry_hash_mismatch"
    );
}

#[test]
fn wrong_scid() {
    let f = fixture();
    let log = jsonl(&f.entries);
    let other = Did::parse(&f.did.as_str().replace(
        &webvh::parse_did(&f.did).unwrap().scid,
        "QmPFhMuZH9gjY2JZgyyrgRuFTywQ4mDhoKGVoGE8uy7hFD",
    ))
    .unwrap();
    assert_eq!(code(resolve(&other, &log, None)), "webvh_scid_mismatch");
    // A first entry whose scid is not its hash.
    let mut entries = f.entries.clone();
    entries[0].parameters["scid"] = json!("QmPFhMuZH9gjY2JZgyyrgRuFTywQ4mDhoKGVoGE8uy7hFD");
    assert_eq!(
        code(resolve(&f.did, &jsonl(&entries), None)),
        "webvh_scid_mismatch"
    );
    // A DID that is not in the log (same SCID, other domain).
    let elsewhere = Did::parse(&f.did.as_str().replace("example.com", "example.org")).unwrap();
    assert_eq!(
        code(resolve(&elsewhere, &log, None)),
        "webvh_did_not_in_log"
    );
}

#[test]
fn unauthorized_key_and_bad_proofs() {
    let keys = [key(), key()];
    let created = webvh::create(
        &CreateRequest {
            domain: "example.com".into(),
            version_time: Some(at(0)),
            ..CreateRequest::default()
        },
        &keys[0],
    )
    .unwrap();
    let entry2 = webvh::update(
        &verified(std::slice::from_ref(&created.entry)),
        &UpdateRequest {
            version_time: Some(at(1)),
            ..UpdateRequest::default()
        },
        &keys[0],
    )
    .unwrap();
    let good = vec![created.entry.clone(), entry2];
    assert_eq!(code(resolve(&created.did, &jsonl(&good), None)), "ok");

    // The library will not sign with a key that is not an update key...
    let err = webvh::update(&verified(&good), &UpdateRequest::default(), &keys[1]).unwrap_err();
    assert_eq!(err.code(), "webvh_unauthorized_key");
    // ...and a resolver rejects an entry someone else signed.
    let mut stolen = good.clone();
    stolen[1].sign(&keys[1]).unwrap();
    let err = resolve(&created.did, &jsonl(&stolen), None).unwrap_err();
    assert_eq!(
        (err.code(), err.resolution_error()),
        ("webvh_unauthorized_key", "invalidProof")
    );
    // A signature that does not verify, and a missing proof.
    let mut bad_sig = good.clone();
    let other = {
        let mut e = good[1].clone();
        e.version_time = "2000-01-03T00:00:00Z".into();
        e.sign(&keys[0]).unwrap();
        e.proof[0]["proofValue"].clone()
    };
    bad_sig[1].proof[0]["proofValue"] = other;
    assert_eq!(
        code(resolve(&created.did, &jsonl(&bad_sig), None)),
        "webvh_invalid_proof"
    );
    let mut unsigned = good.clone();
    unsigned[1].proof.clear();
    assert_eq!(
        code(resolve(&created.did, &jsonl(&unsigned), None)),
        "webvh_invalid_proof"
    );
}

#[test]
fn pre_rotation_violations() {
    let f = fixture();
    let scid = webvh::parse_did(&f.did).unwrap().scid;
    let intruder = key();
    // The library refuses an uncommitted key.
    let log1 = verified(&f.entries[..1]);
    let err = webvh::update(
        &log1,
        &UpdateRequest {
            update_keys: Some(vec![intruder.public_key()]),
            next_key_hashes: Some(vec![]),
            ..UpdateRequest::default()
        },
        &intruder,
    )
    .unwrap_err();
    assert_eq!(err.code(), "webvh_pre_rotation_violation");
    // A hand-made entry 2 rotating to an uncommitted key, correctly chained and signed.
    let mut entries = f.entries[..2].to_vec();
    entries[1].parameters["updateKeys"] = json!([intruder.public_key().to_multikey()]);
    reseal(&mut entries, 1, &scid, &intruder);
    let err = resolve(&f.did, &jsonl(&entries), None).unwrap_err();
    assert_eq!(
        (err.code(), err.resolution_error()),
        ("webvh_pre_rotation_violation", "invalidParameters")
    );
    // Omitting updateKeys (inheriting) while pre-rotation is active.
    let mut entries = f.entries[..2].to_vec();
    entries[1].parameters.remove("updateKeys");
    reseal(&mut entries, 1, &scid, &f.keys[0]);
    assert_eq!(
        code(resolve(&f.did, &jsonl(&entries), None)),
        "webvh_pre_rotation_violation"
    );
    // Omitting nextKeyHashes.
    let mut entries = f.entries[..2].to_vec();
    entries[1].parameters.remove("nextKeyHashes");
    reseal(&mut entries, 1, &scid, &f.keys[1]);
    assert_eq!(
        code(resolve(&f.did, &jsonl(&entries), None)),
        "webvh_pre_rotation_violation"
    );
    // Under pre-rotation the entry is signed by its own (committed) keys, not the old one.
    let mut entries = f.entries[..2].to_vec();
    entries[1].sign(&f.keys[0]).unwrap();
    assert_eq!(
        code(resolve(&f.did, &jsonl(&entries), None)),
        "webvh_unauthorized_key"
    );
}

#[test]
fn witness_threshold() {
    let (controller, w1, w2, outsider) = (key(), key(), key(), key());
    let id = |k: &PrivateKey| format!("did:key:{}", k.public_key().to_multikey());
    let created = webvh::create(
        &CreateRequest {
            domain: "example.com".into(),
            witness: Some(WitnessConfig {
                threshold: 2,
                witnesses: vec![id(&w1), id(&w2)],
            }),
            version_time: Some(at(0)),
            ..CreateRequest::default()
        },
        &controller,
    )
    .unwrap();
    let entry2 = webvh::update(
        &verified(std::slice::from_ref(&created.entry)),
        &UpdateRequest {
            version_time: Some(at(1)),
            ..UpdateRequest::default()
        },
        &controller,
    )
    .unwrap();
    let entries = [created.entry.clone(), entry2.clone()];
    let log = jsonl(&entries);
    let file = |records: Vec<(&str, Vec<&PrivateKey>)>| {
        let records: Vec<Value> = records
            .into_iter()
            .map(|(vid, ws)| {
                json!({"versionId": vid, "proof": ws.into_iter().map(|w| witness_approval(vid, w, "2000-01-02T00:00:00Z").unwrap()).collect::<Vec<_>>()})
            })
            .collect();
        serde_json::to_vec(&records).unwrap()
    };
    let (v1, v2) = (
        created.entry.version_id.as_str(),
        entry2.version_id.as_str(),
    );
    // Both witnesses approve the latest entry: that approves entry 1 too.
    assert_eq!(
        code(resolve(
            &created.did,
            &log,
            Some(&file(vec![(v2, vec![&w1, &w2])]))
        )),
        "ok"
    );
    // No witness file, one approval, a duplicate, an outsider, or an approval of a
    // versionId not in this log: threshold not met.
    for witness in [
        None,
        Some(file(vec![(v2, vec![&w1])])),
        Some(file(vec![(v2, vec![&w1, &w1])])),
        Some(file(vec![(v2, vec![&w1, &outsider])])),
        Some(file(vec![
            (v2, vec![&w1]),
            (
                "3-QmPFhMuZH9gjY2JZgyyrgRuFTywQ4mDhoKGVoGE8uy7hFD",
                vec![&w2],
            ),
        ])),
        // Entry 2 approved by both, entry... no: w2 approved only entry 1.
        Some(file(vec![(v1, vec![&w1, &w2]), (v2, vec![&w1])])),
    ] {
        let err = resolve(&created.did, &log, witness.as_deref()).unwrap_err();
        assert_eq!(
            (err.code(), err.resolution_error()),
            ("webvh_witness_threshold", "invalidDid")
        );
    }
    // A log truncated to entry 1 after the controller pruned approvals to the latest
    // entry: the approvals of entry 2 no longer count.
    let pruned = file(vec![(v2, vec![&w1, &w2])]);
    assert_eq!(
        code(resolve(&created.did, &jsonl(&entries[..1]), Some(&pruned))),
        "webvh_witness_threshold"
    );
    // A malformed witness file.
    assert_eq!(
        code(resolve(&created.did, &log, Some(b"{"))),
        "webvh_malformed_witness_file"
    );
    // Invalid witness configurations.
    for witness in [
        json!({"threshold": 0, "witnesses": [{"id": id(&w1)}]}),
        json!({"threshold": 3, "witnesses": [{"id": id(&w1)}, {"id": id(&w2)}]}),
        json!({"threshold": 1, "witnesses": [{"id": id(&w1)}, {"id": id(&w1)}]}),
        json!({"threshold": 1, "witnesses": [{"id": "z6Mkrv5Cm2XCLumMPTqooLTCw6YDf421d7VdTziwrZ8vNf4L"}]}),
    ] {
        let mut e = entries[..2].to_vec();
        e[1].parameters.insert("witness".into(), witness);
        let scid = webvh::parse_did(&created.did).unwrap().scid;
        reseal(&mut e, 1, &scid, &controller);
        assert_eq!(
            code(resolve(&created.did, &jsonl(&e), None)),
            "webvh_invalid_parameters"
        );
    }
}

#[test]
fn malformed_lines_and_size_bounds() {
    let f = fixture();
    let good = webvh::to_jsonl(&f.entries);
    let lines: Vec<&str> = good.lines().collect();
    let cases = [
        format!("{}\nnot json\n", lines[0]),
        format!("{}\n\n{}\n", lines[0], lines[1]),
        format!("{}\n{{}}\n", lines[0]),
        lines[0].replacen("{", "{\"extra\":1,", 1),
        lines[0].replacen("\"proof\":[", "\"proof\":{\"x\":[", 1),
        String::new(),
        "\u{feff}".to_owned() + lines[0],
    ];
    for (i, text) in cases.iter().enumerate() {
        let err = parse_log(text.as_bytes()).map(|_| ()).unwrap_err();
        assert_eq!(err.code(), "webvh_malformed_entry", "case {i}");
        assert_eq!(err.resolution_error(), "invalidDid");
    }
    assert_eq!(
        parse_log(&[0xff, 0xfe]).unwrap_err().code(),
        "webvh_malformed_entry"
    );
    let big = vec![b' '; MAX_LOG_BYTES + 1];
    assert_eq!(parse_log(&big).unwrap_err().code(), "webvh_log_too_large");
    let many = "{}\n".repeat(MAX_LOG_ENTRIES + 1);
    assert_eq!(
        parse_log(many.as_bytes()).unwrap_err().code(),
        "webvh_log_too_large"
    );
    // Parameters: unknown, mistyped, scid later, portable later, unknown method.
    let scid = webvh::parse_did(&f.did).unwrap().scid;
    for (name, value, expected) in [
        ("colour", json!("blue"), "webvh_invalid_parameters"),
        ("ttl", json!("3600"), "webvh_invalid_parameters"),
        ("scid", json!(scid), "webvh_invalid_parameters"),
        ("portable", json!(true), "webvh_invalid_parameters"),
        ("method", json!("did:webvh:0.5"), "webvh_unsupported_method"),
    ] {
        let mut e = f.entries[..2].to_vec();
        e[1].parameters.insert(name.into(), value);
        reseal(&mut e, 1, &scid, &f.keys[1]);
        assert_eq!(code(resolve(&f.did, &jsonl(&e), None)), expected, "{name}");
    }
}

#[test]
fn version_time_rules() {
    let f = fixture();
    let scid = webvh::parse_did(&f.did).unwrap().scid;
    for (time, what) in [
        ("2000-01-01T00:00:00Z", "equal to the previous"),
        ("1999-12-31T00:00:00Z", "before the previous"),
        ("9999-01-01T00:00:00Z", "far future"),
        ("2000-01-02T00:00:00+01:00", "not UTC"),
        ("2000-01-02", "not a date-time"),
    ] {
        let mut e = f.entries[..2].to_vec();
        e[1].version_time = time.into();
        reseal(&mut e, 1, &scid, &f.keys[1]);
        assert_eq!(
            code(resolve(&f.did, &jsonl(&e), None)),
            "webvh_version_time",
            "{what}"
        );
    }
}

#[test]
fn portability() {
    let k = key();
    let mk = |portable: bool| {
        let created = webvh::create(
            &CreateRequest {
                domain: "example.com".into(),
                portable,
                version_time: Some(at(0)),
                ..CreateRequest::default()
            },
            &k,
        )
        .unwrap();
        let log = verified(std::slice::from_ref(&created.entry));
        let new_did = created.did.as_str().replace("example.com", "example.org");
        let mut state = serde_json::to_string(&log.head().state)
            .unwrap()
            .replace(created.did.as_str(), &new_did);
        let mut doc: Value = serde_json::from_str(&state).unwrap();
        doc["alsoKnownAs"] = json!([created.did.as_str()]);
        state = doc.to_string();
        let moved = webvh::update(
            &log,
            &UpdateRequest {
                document: Some(serde_json::from_str(&state).unwrap()),
                version_time: Some(at(1)),
                ..UpdateRequest::default()
            },
            &k,
        );
        (created, moved, Did::parse(&new_did).unwrap())
    };
    let (created, moved, new_did) = mk(true);
    let log = jsonl(&[created.entry.clone(), moved.unwrap()]);
    let r = resolve(&new_did, &log, None).unwrap();
    assert_eq!(r.document.id, new_did);
    // The old DID still names the log (it is some entry's state.id).
    assert_eq!(code(resolve(&created.did, &log, None)), "ok");
    let (_, moved, _) = mk(false);
    assert_eq!(moved.unwrap_err().code(), "webvh_portability_violation");
}

#[test]
fn create_refuses_bad_input() {
    let k = key();
    let bad_domain = CreateRequest {
        domain: "127.0.0.1".into(),
        ..CreateRequest::default()
    };
    assert_eq!(
        webvh::create(&bad_domain, &k).unwrap_err().code(),
        "webvh_invalid_did"
    );
    let p256 = PrivateKey::generate(KeyType::P256).unwrap();
    let ok_domain = CreateRequest {
        domain: "example.com".into(),
        ..CreateRequest::default()
    };
    assert_eq!(
        webvh::create(&ok_domain, &p256).unwrap_err().code(),
        "webvh_key"
    );
    let not_listed = CreateRequest {
        domain: "example.com".into(),
        update_keys: vec![key().public_key()],
        ..CreateRequest::default()
    };
    assert_eq!(
        webvh::create(&not_listed, &k).unwrap_err().code(),
        "webvh_key"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never panic the parser or the verifier.
    #[test]
    fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        webvh::__fuzz_log(&bytes);
    }

    /// Mutating one byte of a valid log never panics, and never verifies to a
    /// different head unless the byte was whitespace-insensitive.
    #[test]
    fn mutated_logs_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        thread_local!(static LOG: Vec<u8> = jsonl(&fixture().entries));
        let mut log = LOG.with(Clone::clone);
        let i = at.index(log.len());
        log[i] = byte;
        webvh::__fuzz_log(&log);
        if let Ok(v) = verify_entries(parse_log(&log).unwrap_or_default(), &VerifyOptions::default()) {
            let original = verify_entries(parse_log(&LOG.with(Clone::clone)).unwrap(), &VerifyOptions::default()).unwrap();
            prop_assert_eq!(&v.head().version_id, &original.head().version_id);
            prop_assert_eq!(&v.head().state, &original.head().state);
        }
    }

    /// JSON-shaped lines with arbitrary members are rejected without panicking.
    #[test]
    fn json_lines_never_panic(
        version_id in ".{0,60}",
        version_time in ".{0,30}",
        params in proptest::collection::btree_map("[a-zA-Z]{1,12}", any::<i64>(), 0..5),
    ) {
        let line = json!({"versionId": version_id, "versionTime": version_time, "parameters": params, "state": {}, "proof": []});
        webvh::__fuzz_log(line.to_string().as_bytes());
    }
}
