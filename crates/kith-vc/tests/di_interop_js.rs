//! Cross-implementation tests of the JCS Data Integrity suites against digitalbazaar's
//! JavaScript implementation: npm `@digitalbazaar/eddsa-jcs-2022-cryptosuite` 1.0.0 and
//! `@digitalbazaar/ecdsa-jcs-2019-cryptosuite` 1.0.0 under `@digitalbazaar/data-integrity`
//! 2.5.0 and `jsonld-signatures` 11.6.0 (exact pins in `tests/interop/js/package.json`),
//! driven through `tests/interop/js/di_oracle.mjs`. The JavaScript side is only an
//! oracle; its document loader serves the contexts from npm packages and builds did:key
//! documents itself, so nothing is fetched.
//!
//! Both directions, with did:key issuers:
//! - Kith signs (eddsa-jcs-2022 with Ed25519, ecdsa-jcs-2019 with P-256 and P-384) and
//!   JavaScript verifies; a credential changed after Kith signed it is rejected.
//! - JavaScript signs with keys it generates (the same suites and curves) and Kith
//!   verifies; a one-byte change makes Kith refuse it with `invalid_signature`.
//!
//! The credential carries only `https://www.w3.org/ns/credentials/v2` as its
//! `@context`: that context defines `DataIntegrityProof`, and the JavaScript suites
//! accept it without `https://w3id.org/security/data-integrity/v2`. Its claims exercise
//! JCS: numbers that ECMAScript prints specially and member names that sort
//! differently by UTF-16 code units than by code points.

use std::path::{Path, PathBuf};
use std::process::Command;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::method::key::{KeyMethod, did_for};
use kith_vc::di::{self, DiVerifyOptions, ProofOptions};
use serde_json::{Value, json};

const NPM_CI: &str = "run `npm ci --prefix crates/kith-vc/tests/interop/js`";

/// The oracle's directory, `tests/interop/js`.
fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/js")
}

/// Runs `node di_oracle.mjs req.json res.json` in the oracle's directory and returns
/// the result, parsed with Kith's bounded parser. Fails the test, saying what to run,
/// if node or the npm packages are missing.
fn oracle(request: &Value) -> Value {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/@digitalbazaar/eddsa-jcs-2022-cryptosuite")
            .is_dir(),
        "the JavaScript Data Integrity oracle is not installed: {NPM_CI}"
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "di_interop_js-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&work).unwrap();
    let request_path = work.join("req.json");
    let result_path = work.join("res.json");
    std::fs::write(&request_path, serde_json::to_vec(request).unwrap()).unwrap();
    let _ = std::fs::remove_file(&result_path);
    let output = Command::new("node")
        .arg("di_oracle.mjs")
        .arg(&request_path)
        .arg(&result_path)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): install Node.js and {NPM_CI}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "di_oracle.mjs failed ({}): {stderr}\n(if a package is missing: {NPM_CI})",
        output.status
    );
    let bytes = std::fs::read(&result_path).expect("the oracle writes its result");
    let _ = std::fs::remove_dir_all(&work);
    kith_vc::json::parse(&bytes).expect("the oracle's result passes Kith's bounded parser")
}

/// An unsigned credential from `issuer`.
fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:3f1c2a4e-9b7d-4c61-8e2f-5a0b6d7c8e91",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "name": "Alice Zoë Ångström",
            "numbers": [0, -1, 1.5, 1e21, 1e-7, 0.1, 333333333.3333333, 9007199254740991_i64],
            "\u{fb00}": "U+FB00 sorts before U+1F600 by code point, after it by UTF-16 (JCS)",
            "\u{1f600}": "astral",
            "\u{20ac}": "euro",
            "line\nbreak\t\"quoted\"": true,
            "nested": {"b": null, "a": [{}, []]}
        }
    })
}

struct Issuer {
    signer: LocalSigner,
    did: String,
    method: String,
}

impl Issuer {
    fn generate(key_type: KeyType) -> Self {
        let signer = LocalSigner::new(PrivateKey::generate(key_type).unwrap()).unwrap();
        let did = did_for(&signer.public_key()).to_string();
        let method = kith_vc::did_key_method_id(&signer.public_key());
        Self {
            signer,
            did,
            method,
        }
    }

    async fn sign(&self, suite: &str) -> Value {
        di::add_proof(
            &credential(&self.did),
            suite,
            &self.signer,
            ProofOptions::new(&self.method),
        )
        .await
        .unwrap()
    }
}

/// The oracle's verdict on the credential called `name`.
fn verdict<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["verified"]
        .as_array()
        .expect("verified is a list")
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("no verdict for {name}: {result:#}"))
}

#[tokio::test]
async fn kith_and_digitalbazaar_verify_each_others_jcs_proofs() {
    let ed25519 = Issuer::generate(KeyType::Ed25519);
    let p256 = Issuer::generate(KeyType::P256);
    let p384 = Issuer::generate(KeyType::P384);
    let kith_signed = [
        (
            "kith eddsa-jcs-2022 Ed25519",
            ed25519.sign("eddsa-jcs-2022").await,
        ),
        (
            "kith ecdsa-jcs-2019 P-256",
            p256.sign("ecdsa-jcs-2019").await,
        ),
        (
            "kith ecdsa-jcs-2019 P-384",
            p384.sign("ecdsa-jcs-2019").await,
        ),
    ];
    // Kith's proof shape, which the JavaScript side must accept as is.
    for (name, secured) in &kith_signed {
        let proof = &secured["proof"];
        assert_eq!(proof["type"], "DataIntegrityProof", "{name}");
        assert_eq!(proof["proofPurpose"], "assertionMethod", "{name}");
        assert!(proof["created"].is_string(), "{name}");
        assert!(proof["proofValue"].as_str().unwrap().starts_with('z'));
    }
    let mut tampered_ed = kith_signed[0].1.clone();
    tampered_ed["credentialSubject"]["name"] = json!("Mallory");
    let mut tampered_p256 = kith_signed[1].1.clone();
    tampered_p256["validFrom"] = json!("2024-01-01T00:00:01Z");

    let mut to_verify: Vec<Value> = kith_signed
        .iter()
        .map(|(name, credential)| json!({"name": name, "credential": credential}))
        .collect();
    to_verify.push(json!({"name": "tampered eddsa-jcs-2022", "credential": tampered_ed}));
    to_verify.push(json!({"name": "tampered ecdsa-jcs-2019", "credential": tampered_p256}));
    let unsigned = credential("did:example:replaced-by-the-oracle");
    let result = oracle(&json!({"verify": to_verify, "sign": {"credential": unsigned}}));

    // JavaScript verified every Kith proof and rejected both changed credentials.
    for (name, _) in &kith_signed {
        let verdict = verdict(&result, name);
        assert_eq!(
            verdict["verified"], true,
            "digitalbazaar rejected {name}: {verdict:#}"
        );
    }
    for name in ["tampered eddsa-jcs-2022", "tampered ecdsa-jcs-2019"] {
        let verdict = verdict(&result, name);
        assert_eq!(
            verdict["verified"], false,
            "digitalbazaar accepted {name}: {verdict:#}"
        );
        // Rejected for its signature, not for a key or context it could not load.
        assert_eq!(
            verdict["errors"],
            json!(["Invalid signature."]),
            "{verdict:#}"
        );
    }

    // Kith verifies every JavaScript proof.
    let signed = result["signed"].as_array().expect("signed is a list");
    let suites: Vec<(&str, &str)> = signed
        .iter()
        .map(|s| {
            (
                s["cryptosuite"].as_str().unwrap(),
                s["curve"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        suites,
        [
            ("eddsa-jcs-2022", "Ed25519"),
            ("ecdsa-jcs-2019", "P-256"),
            ("ecdsa-jcs-2019", "P-384")
        ]
    );
    for item in signed {
        let label = format!("{} {}", item["cryptosuite"], item["curve"]);
        let secured = &item["credential"];
        let did = item["did"].as_str().unwrap();
        assert_eq!(secured["proof"]["cryptosuite"], item["cryptosuite"]);
        assert_eq!(
            secured["proof"]["verificationMethod"],
            item["verificationMethod"]
        );
        let verified = di::verify(secured, &KeyMethod, &DiVerifyOptions::default())
            .await
            .unwrap_or_else(|e| panic!("Kith rejected digitalbazaar's {label}: {e}\n{secured:#}"));
        assert_eq!(verified.issuer, did, "{label}");
        assert_eq!(verified.method_id, item["verificationMethod"], "{label}");
        let mut expected = unsigned.clone();
        expected["issuer"] = json!(did);
        assert_eq!(verified.credential, expected, "{label}");

        // One byte of the signed text changed: Kith refuses the signature.
        let text = serde_json::to_string(secured).unwrap();
        assert_eq!(text.matches("Alice").count(), 1);
        let changed = kith_vc::json::parse_str(&text.replace("Alice", "Alicf")).unwrap();
        let error = di::verify(&changed, &KeyMethod, &DiVerifyOptions::default())
            .await
            .expect_err(&label);
        assert_eq!(error.code(), "invalid_signature", "{label}: {error}");
    }
}
