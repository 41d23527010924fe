//! The W3C RDFC-1.0 test suite (`$KITH_VECTORS/rdf-canon/tests/manifest.jsonld`): every
//! entry runs; the test lists each result and fails on any failure.

use std::path::PathBuf;

use kith_ld::{CanonOptions, Error, HashAlgorithm, canonicalize, parse_nquads};
use serde_json::Value;

fn tests_dir() -> PathBuf {
    let root = std::env::var("KITH_VECTORS").unwrap_or_else(|_| "../../../shared/vectors".into());
    PathBuf::from(root).join("rdf-canon/tests")
}

#[test]
fn rdfc10_manifest() {
    let dir = tests_dir();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.jsonld")).unwrap())
            .unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut passed = 0;
    for entry in entries {
        let id = entry["id"].as_str().unwrap();
        let kind = entry["type"].as_str().unwrap();
        let input = std::fs::read_to_string(dir.join(entry["action"].as_str().unwrap())).unwrap();
        let options = CanonOptions {
            hash: match entry.get("hashAlgorithm").and_then(Value::as_str) {
                Some("SHA384") => HashAlgorithm::Sha384,
                None | Some("SHA256") => HashAlgorithm::Sha256,
                Some(other) => panic!("{id}: hash {other}"),
            },
            ..CanonOptions::default()
        };
        let quads = parse_nquads(&input).unwrap_or_else(|e| panic!("{id}: {e}"));
        let result = canonicalize(&quads, &options);
        let outcome: Result<(), String> = match kind {
            "rdfc:RDFC10EvalTest" => {
                let expected =
                    std::fs::read_to_string(dir.join(entry["result"].as_str().unwrap())).unwrap();
                match result {
                    Ok(canonical) if canonical.nquads == expected => Ok(()),
                    Ok(canonical) => Err(format!("expected\n{expected}got\n{}", canonical.nquads)),
                    Err(e) => Err(e.to_string()),
                }
            }
            "rdfc:RDFC10MapTest" => {
                let expected: std::collections::BTreeMap<String, String> = serde_json::from_str(
                    &std::fs::read_to_string(dir.join(entry["result"].as_str().unwrap())).unwrap(),
                )
                .unwrap();
                match result {
                    Ok(canonical) if canonical.issued == expected => Ok(()),
                    Ok(canonical) => {
                        Err(format!("expected {expected:?}, got {:?}", canonical.issued))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            "rdfc:RDFC10NegativeEvalTest" => match result {
                Err(Error::CanonicalizationTooComplex) => Ok(()),
                other => Err(format!(
                    "expected canonicalization_too_complex, got {other:?}"
                )),
            },
            other => Err(format!("unknown test type {other}")),
        };
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("ok   {id} {kind}");
            }
            Err(why) => {
                println!("FAIL {id} {kind}: {why}");
                failures.push(id.to_owned());
            }
        }
    }
    println!("rdf-canon: {passed}/{} passed", entries.len());
    assert_eq!(entries.len(), 86, "the manifest has 86 entries");
    assert!(failures.is_empty(), "failed: {failures:?}");
}
