//! The W3C JSON-LD 1.1 API test suite, expand and toRdf manifests
//! (`$KITH_VECTORS/json-ld/tests`), run in the processor's standard (not safe) mode
//! with a loader that maps the suite's base IRI to the local folder.
//!
//! Skipped, with the reason (see [`skip_reason`]):
//! - `specVersion: json-ld-1.0` and `processingMode: json-ld-1.0` tests: Kith processes
//!   JSON-LD 1.1 only.
//! - tests whose input uses `@json` (JSON literals) or `useJCS`: credentials do not
//!   use JSON literals, and their canonical form needs JCS inside the processor.
//! - `produceGeneralizedRdf` / `requires: GeneralizedRdf`: generalized RDF (blank node
//!   predicates) is not RDF and RDFC-1.0 does not take it.
//! - `normative: false` tests.
//! - the tests of [`KNOWN_FAILURES`]: where the `json-ld` 0.21.4 crate disagrees with
//!   the suite, each with what it does. None of them is a construct the bundled VC
//!   contexts or credentials use.
//!
//! Each test prints `ok`, `skip` or `FAIL`; the test fails on any `FAIL`.
//!
//! [`cached_contexts_agree_on_every_input`] runs every input of both manifests once
//! more through [`kith_ld::to_rdf`] and [`kith_ld::expand`], whose active contexts
//! are cached, and requires exactly what the same run without the cache gives.

use std::path::PathBuf;

use kith_ld::{
    BundledContexts, CanonOptions, ContextDocument, ContextLoader, Options, RdfDirection,
    canonicalize, expand_with, parse_nquads, to_rdf_with,
};
use serde_json::Value;

const BASE_IRI: &str = "https://w3c.github.io/json-ld-api/tests/";

/// Tests where json-ld 0.21.4 disagrees with the suite: (manifest, id, what it does).
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[
    (
        "expand-manifest.jsonld",
        "#t0131",
        "a property-valued index on a reverse term keeps `@index` instead of adding the \
         index property's value",
    ),
    (
        "expand-manifest.jsonld",
        "#tin01",
        "expanded `@included` is serialized as `@include`",
    ),
    (
        "expand-manifest.jsonld",
        "#tin02",
        "expanded `@included` is serialized as `@include`",
    ),
    (
        "expand-manifest.jsonld",
        "#tin03",
        "expanded `@included` is serialized as `@include`",
    ),
    (
        "expand-manifest.jsonld",
        "#tin04",
        "expanded `@included` is serialized as `@include`",
    ),
    (
        "expand-manifest.jsonld",
        "#tin05",
        "expanded `@included` is serialized as `@include`",
    ),
    (
        "expand-manifest.jsonld",
        "#tin06",
        "expanded `@included` is serialized as `@include`",
    ),
    (
        "toRdf-manifest.jsonld",
        "#te122",
        "a term whose IRI mapping looks like a keyword (`@ignoreMe`) is kept, not ignored",
    ),
    (
        "toRdf-manifest.jsonld",
        "#tli12",
        "an invalid `@base` IRI fails the context instead of dropping the relative IRIs",
    ),
];

fn tests_dir() -> PathBuf {
    let root = std::env::var("KITH_VECTORS").unwrap_or_else(|_| "../../../shared/vectors".into());
    PathBuf::from(root).join("json-ld/tests")
}

/// Serves the suite's files under its base IRI, and nothing else.
struct SuiteLoader(PathBuf);

impl ContextLoader for SuiteLoader {
    fn load(&self, url: &str) -> Option<ContextDocument> {
        let path = url.strip_prefix(BASE_IRI)?;
        let text = std::fs::read_to_string(self.0.join(path)).ok()?;
        ContextDocument::parse(&text).ok()
    }
}

fn skip_reason(entry: &Value, input: &str) -> Option<&'static str> {
    let option = &entry["option"];
    if option["specVersion"] == "json-ld-1.0" {
        return Some("specVersion json-ld-1.0 (1.1 only)");
    }
    if option["processingMode"] == "json-ld-1.0" {
        return Some("processingMode json-ld-1.0 (1.1 only)");
    }
    if option["useJCS"] == true || input.contains("@json") {
        return Some("JSON literals (@json)");
    }
    if option["produceGeneralizedRdf"] == true || entry["requires"] == "GeneralizedRdf" {
        return Some("generalized RDF");
    }
    if option["normative"] == false {
        return Some("non-normative");
    }
    None
}

/// JSON equality where arrays are multisets, except `@list` values.
fn same_json(a: &Value, b: &Value, ordered: bool) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return false;
            }
            if ordered {
                return x.iter().zip(y).all(|(a, b)| same_json(a, b, false));
            }
            let mut used = vec![false; y.len()];
            x.iter().all(|a| {
                y.iter().enumerate().any(|(i, b)| {
                    if !used[i] && same_json(a, b, false) {
                        used[i] = true;
                        true
                    } else {
                        false
                    }
                })
            })
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w, k == "@list")))
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

struct Run {
    passed: usize,
    skipped: Vec<(String, &'static str)>,
    known: usize,
    failures: Vec<String>,
}

fn run(manifest: &str) -> Run {
    let dir = tests_dir();
    let loader = SuiteLoader(dir.clone());
    let manifest_json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(manifest)).unwrap()).unwrap();
    let mut run = Run {
        passed: 0,
        skipped: Vec::new(),
        known: 0,
        failures: Vec::new(),
    };
    for entry in manifest_json["sequence"].as_array().unwrap() {
        let id = entry["@id"].as_str().unwrap();
        let types: Vec<&str> = entry["@type"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let input_path = entry["input"].as_str().unwrap();
        let input_text = std::fs::read_to_string(dir.join(input_path)).unwrap();
        if let Some(reason) = skip_reason(entry, &input_text) {
            println!("skip {id}: {reason}");
            run.skipped.push((id.to_owned(), reason));
            continue;
        }
        let Ok(input) = serde_json::from_str::<Value>(&input_text) else {
            println!("skip {id}: input is not JSON serde_json reads");
            run.skipped
                .push((id.to_owned(), "input serde_json does not read"));
            continue;
        };
        let option = &entry["option"];
        let options = Options {
            base: Some(
                option["base"]
                    .as_str()
                    .map_or_else(|| format!("{BASE_IRI}{input_path}"), str::to_owned),
            ),
            expand_context: option["expandContext"]
                .as_str()
                .map(|c| format!("{BASE_IRI}{c}")),
            safe: false,
            json_ld_1_0: false,
            rdf_direction: match option["rdfDirection"].as_str() {
                Some("i18n-datatype") => Some(RdfDirection::I18nDatatype),
                Some("compound-literal") => Some(RdfDirection::CompoundLiteral),
                _ => None,
            },
            produce_generalized_rdf: false,
        };
        let negative = types.contains(&"jld:NegativeEvaluationTest");
        let outcome: Result<(), String> = if types.contains(&"jld:ExpandTest") {
            let result = expand_with(&input, &loader, &options);
            if negative {
                match result {
                    Err(_) => Ok(()),
                    Ok(out) => Err(format!(
                        "expected error {}, got {out}",
                        entry["expectErrorCode"]
                    )),
                }
            } else {
                let expected: Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.join(entry["expect"].as_str().unwrap())).unwrap(),
                )
                .unwrap();
                match result {
                    Ok(out) if same_json(&out, &expected, false) => Ok(()),
                    Ok(out) => Err(format!("expected {expected}\ngot {out}")),
                    Err(e) => Err(e.to_string()),
                }
            }
        } else {
            let result = to_rdf_with(&input, &loader, &options);
            if negative {
                match result {
                    Err(_) => Ok(()),
                    Ok(_) => Err(format!("expected error {}", entry["expectErrorCode"])),
                }
            } else if types.contains(&"jld:PositiveSyntaxTest") {
                result.map(|_| ()).map_err(|e| e.to_string())
            } else {
                let expected =
                    std::fs::read_to_string(dir.join(entry["expect"].as_str().unwrap())).unwrap();
                match (result, parse_nquads(&expected)) {
                    (_, Err(e)) => Err(format!("expected N-Quads: {e}")),
                    (Err(e), _) => Err(e.to_string()),
                    (Ok(got), Ok(want)) => {
                        let options = CanonOptions::default();
                        match (canonicalize(&got, &options), canonicalize(&want, &options)) {
                            (Ok(got), Ok(want)) if got.nquads == want.nquads => Ok(()),
                            (Ok(got), Ok(want)) => {
                                Err(format!("expected\n{}got\n{}", want.nquads, got.nquads))
                            }
                            (a, b) => Err(format!("canonicalization: {a:?} {b:?}")),
                        }
                    }
                }
            }
        };
        let known = KNOWN_FAILURES
            .iter()
            .find(|(m, known_id, _)| *m == manifest && *known_id == id);
        match (outcome, known) {
            (Ok(()), None) => {
                run.passed += 1;
                println!("ok   {id}");
            }
            (Ok(()), Some(_)) => {
                println!("FAIL {id}: listed as a known failure but passes now");
                run.failures.push(id.to_owned());
            }
            (Err(why), Some((_, _, what))) => {
                run.known += 1;
                println!("skip {id}: known json-ld 0.21.4 difference: {what} ({why})");
            }
            (Err(why), None) => {
                println!("FAIL {id}: {}: {why}", entry["name"]);
                run.failures.push(id.to_owned());
            }
        }
    }
    println!(
        "{manifest}: {} passed, {} skipped, {} known failures, {} failed",
        run.passed,
        run.skipped.len(),
        run.known,
        run.failures.len()
    );
    run
}

#[test]
fn expand_manifest() {
    let run = run("expand-manifest.jsonld");
    assert!(run.passed > 0);
    assert!(run.failures.is_empty(), "failed: {:?}", run.failures);
}

#[test]
fn to_rdf_manifest() {
    let run = run("toRdf-manifest.jsonld");
    assert!(run.passed > 0);
    assert!(run.failures.is_empty(), "failed: {:?}", run.failures);
}

/// The suite's inputs with the bundled contexts in safe mode (the suite's own remote
/// contexts are then unknown): cached and uncached runs agree on every result and
/// every error, on a cache miss and on a hit.
#[test]
fn cached_contexts_agree_on_every_input() {
    let dir = tests_dir();
    let options = Options::default();
    let (mut compared, mut succeeded) = (0, 0);
    for manifest in ["expand-manifest.jsonld", "toRdf-manifest.jsonld"] {
        let manifest_json: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(manifest)).unwrap()).unwrap();
        for entry in manifest_json["sequence"].as_array().unwrap() {
            let id = entry["@id"].as_str().unwrap();
            let text = std::fs::read_to_string(dir.join(entry["input"].as_str().unwrap())).unwrap();
            let Ok(input) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let rdf = to_rdf_with(&input, &BundledContexts, &options);
            let expanded = expand_with(&input, &BundledContexts, &options);
            for round in 0..2 {
                assert_eq!(
                    kith_ld::to_rdf(&input),
                    rdf,
                    "{manifest} {id} toRdf, round {round}"
                );
                assert_eq!(
                    kith_ld::expand(&input),
                    expanded,
                    "{manifest} {id} expand, round {round}"
                );
            }
            compared += 1;
            succeeded += usize::from(rdf.is_ok());
        }
    }
    println!("{compared} inputs compared, {succeeded} deserialized to RDF");
    assert!(
        compared > 500 && succeeded > 300,
        "{compared} inputs, {succeeded} ok"
    );
}
