//! SD-JWT verification against the RFC 9901 examples and the sd-jwt-python test cases
//! (`$KITH_VECTORS/sd-jwt/`, see the vectors README §9).
//!
//! Every case with a compact `sd_jwt_presentation.txt` is verified with the issuer key
//! of its `settings.yml` (a raw P-256 JWK, not a DID, hence
//! `verify_with_issuer_key`), and the processed claims must equal
//! `verified_contents.json`. Cases with a KB-JWT are verified against the nonce and
//! audience of `settings.yml`, at the KB-JWT's own `iat` (1795899256, the generation
//! time), so freshness is not what is tested here. Every case that is not verified is
//! listed in [`SKIPPED`] with its reason, and the skip itself is checked.

use std::path::{Path, PathBuf};

use kith_crypto::{Jwk, PublicKey};
use kith_vc::Challenge;
use kith_vc::sd_jwt::{VerifyOptions, inspect, verify_with_issuer_key};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// The two vector sets, relative to `$KITH_VECTORS/sd-jwt/`.
const SETS: [&str; 2] = [
    "oauth-selective-disclosure-jwt/examples",
    "sd-jwt-python/tests/testcases",
];

/// Cases not verified, each with why.
const SKIPPED: [(&str, &str); 5] = [
    (
        "oauth-selective-disclosure-jwt/examples/json_serialization_flattened",
        "JWS JSON serialization (RFC 9901 §8, optional) is not implemented; Kith reads the compact form",
    ),
    (
        "oauth-selective-disclosure-jwt/examples/json_serialization_general",
        "JWS JSON serialization (RFC 9901 §8, optional) is not implemented; Kith reads the compact form",
    ),
    (
        "sd-jwt-python/tests/testcases/json_serialization_flattened",
        "JWS JSON serialization (RFC 9901 §8, optional) is not implemented; Kith reads the compact form",
    ),
    (
        "sd-jwt-python/tests/testcases/json_serialization_general",
        "JWS JSON serialization (RFC 9901 §8, optional) is not implemented; Kith reads the compact form",
    ),
    (
        "sd-jwt-python/tests/testcases/header_mod",
        "its header has \"kid\": 42, a number; RFC 7515 §4.1.4 makes kid a string and Kith's JWS parser \
         refuses the header (malformed_jws, asserted)",
    ),
];

fn vectors_dir() -> PathBuf {
    let root = match std::env::var_os("KITH_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
    };
    let dir = root.join("sd-jwt");
    assert!(
        dir.is_dir(),
        "the SD-JWT test vectors are missing: {} is not a directory. \
         Set KITH_VECTORS to the shared vectors folder (the one holding sd-jwt/).",
        dir.display()
    );
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The few scalars this test needs from a `settings.yml`. Its shape is fixed
/// (`key_settings.issuer_keys` is a list of flat JWK maps), so a line reader does.
struct Settings {
    issuer_key: PublicKey,
    verifier: String,
    nonce: String,
}

fn scalar(line: &str) -> (&str, &str) {
    let (name, value) = line
        .split_once(':')
        .unwrap_or_else(|| panic!("not `name: value`: {line:?}"));
    let value = value
        .split(" #")
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches('"');
    (name.trim(), value)
}

fn settings(path: &Path) -> Settings {
    let text = read(path);
    let mut lines = text
        .lines()
        .skip_while(|line| line.trim() != "issuer_keys:")
        .skip(1);
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("{}: no issuer_keys", path.display()));
    let item = first.trim_start();
    assert!(
        item.starts_with("- "),
        "{}: issuer_keys is not a list",
        path.display()
    );
    let indent = first.len() - item.len() + 2;
    let mut jwk = Map::new();
    let (name, value) = scalar(&item[2..]);
    jwk.insert(name.into(), value.into());
    for line in lines {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('-') || line.len() - trimmed.len() != indent {
            break;
        }
        let (name, value) = scalar(trimmed);
        jwk.insert(name.into(), value.into());
    }
    let jwk: Jwk = serde_json::from_value(Value::Object(jwk)).expect("issuer JWK");
    let issuer_key = PublicKey::from_jwk(&jwk.to_public()).expect("issuer key");
    let find = |wanted: &str| {
        text.lines()
            .map(str::trim)
            .filter(|line| line.starts_with(&format!("{wanted}:")))
            .map(|line| scalar(line).1.to_owned())
            .next()
            .unwrap_or_else(|| panic!("{}: no {wanted}", path.display()))
    };
    Settings {
        issuer_key,
        verifier: find("verifier"),
        nonce: find("key_binding_nonce"),
    }
}

fn cases() -> Vec<(String, PathBuf, PathBuf)> {
    let root = vectors_dir();
    let mut cases = Vec::new();
    for set in SETS {
        let dir = root.join(set);
        let settings = dir.join("settings.yml");
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.is_dir())
            .collect();
        entries.sort();
        for case in entries {
            let name = format!("{set}/{}", case.file_name().unwrap().to_string_lossy());
            cases.push((name, case, settings.clone()));
        }
    }
    cases
}

fn options_for(case: &Path, settings: &Settings) -> VerifyOptions {
    let kb_payload = case.join("kb_jwt_payload.json");
    let mut options = VerifyOptions {
        allow_example_typ: true,
        ..VerifyOptions::default()
    };
    if kb_payload.is_file() {
        let iat = read_json(&kb_payload)["iat"].as_i64().expect("KB-JWT iat");
        options.now = OffsetDateTime::from_unix_timestamp(iat).unwrap();
        options.require_key_binding = true;
        options.challenge = Some(Challenge {
            nonce: settings.nonce.clone(),
            audience: settings.verifier.clone(),
        });
    }
    options
}

#[test]
fn vectors_verify_to_their_expected_claims() {
    let mut verified = 0;
    let mut skipped = Vec::new();
    for (name, case, settings_path) in cases() {
        let settings = settings(&settings_path);
        if let Some((_, reason)) = SKIPPED.iter().find(|(skip, _)| *skip == name) {
            check_skip(&name, &case, &settings);
            skipped.push((name, *reason));
            continue;
        }
        let presentation_path = case.join("sd_jwt_presentation.txt");
        assert!(
            presentation_path.is_file(),
            "{name}: no sd_jwt_presentation.txt and not in SKIPPED"
        );
        let presentation = read(&presentation_path);
        let options = options_for(&case, &settings);
        let proof = verify_with_issuer_key(presentation.trim(), &settings.issuer_key, &options)
            .unwrap_or_else(|e| panic!("{name}: {e} ({})", e.code()));
        let expected = read_json(&case.join("verified_contents.json"));
        assert_eq!(proof.credential, expected, "{name}: processed claims");
        assert_eq!(
            proof.holder_bound,
            options.challenge.is_some(),
            "{name}: holder binding"
        );
        // Without `iss` (the jsonld example) the issuer is the key's thumbprint URI.
        let issuer = expected["iss"].as_str().unwrap_or(&proof.method_id);
        assert_eq!(proof.issuer, issuer, "{name}: issuer");
        assert_eq!(
            proof.signed_at.map(OffsetDateTime::unix_timestamp),
            expected["iat"].as_i64(),
            "{name}: iat"
        );
        assert!(
            proof
                .method_id
                .starts_with("urn:ietf:params:oauth:jwk-thumbprint:sha-256:")
        );

        // The issued SD-JWT (every disclosure, no KB-JWT) verifies too, and `inspect`
        // lists each of its disclosures at a pointer that exists in its claims.
        let issuance = read(&case.join("sd_jwt_issuance.txt"));
        let issued = verify_with_issuer_key(
            issuance.trim(),
            &settings.issuer_key,
            &VerifyOptions {
                allow_example_typ: true,
                ..VerifyOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{name}: issuance: {e}"));
        let inspected = inspect(issuance.trim()).unwrap_or_else(|e| panic!("{name}: inspect: {e}"));
        assert_eq!(
            inspected.claims, issued.credential,
            "{name}: inspect shows the verified claims"
        );
        let disclosures = issuance.trim().trim_end_matches('~').split('~').count() - 1;
        assert_eq!(
            inspected.disclosable.len(),
            disclosures,
            "{name}: one entry per disclosure"
        );
        for claim in &inspected.disclosable {
            let pointer = kith_vc::sd_jwt::Pointer::parse(&claim.pointer).unwrap();
            assert_eq!(
                pointer.get(&inspected.claims),
                Some(&claim.value),
                "{name}: {}",
                claim.pointer
            );
        }
        verified += 1;
    }
    println!(
        "SD-JWT vectors: {verified} verified, {} skipped",
        skipped.len()
    );
    for (name, reason) in &skipped {
        println!("  skipped {name}: {reason}");
    }
    assert!(verified > 0, "no SD-JWT vector was verified");
    assert_eq!(
        skipped.len(),
        SKIPPED.len(),
        "every SKIPPED entry names an existing case"
    );
}

/// A skip must be for the reason given: the JSON cases really are JSON, and
/// `header_mod` really is refused for its numeric `kid`.
fn check_skip(name: &str, case: &Path, settings: &Settings) {
    if name.ends_with("header_mod") {
        let presentation = read(&case.join("sd_jwt_presentation.txt"));
        let err = verify_with_issuer_key(
            presentation.trim(),
            &settings.issuer_key,
            &options_for(case, settings),
        )
        .expect_err("a numeric kid is refused");
        assert_eq!(err.code(), "malformed_jws", "{name}: {err}");
    } else {
        assert!(
            case.join("sd_jwt_presentation.json").is_file(),
            "{name}: not a JSON serialization case"
        );
        assert!(
            !case.join("sd_jwt_presentation.txt").exists(),
            "{name}: has a compact form after all"
        );
    }
}
