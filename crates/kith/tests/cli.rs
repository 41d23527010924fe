//! The `kith` command line, run as a user would: real binary, real files.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn kith() -> Command {
    Command::cargo_bin("kith").expect("the kith binary is built")
}

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

const ALGS: [&str; 5] = ["ed25519", "x25519", "p256", "p384", "secp256k1"];

/// Issue 2 "done when": the keyAgreement method of the spec's example did:key.
#[test]
fn resolves_the_did_key_spec_example() {
    let did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let output = kith().args(["did", "resolve", did]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let result = stdout_json(&output);
    assert_eq!(
        result["didDocument"]["keyAgreement"][0],
        format!("{did}#z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p")
    );
    assert_eq!(
        result["didResolutionMetadata"]["contentType"],
        "application/did+ld+json"
    );
}

/// Issue 2 "done when": a malformed did:key exits 1 with invalidDid.
#[test]
fn invalid_did_key_exits_1_with_invalid_did() {
    let output = kith()
        .args(["did", "resolve", "did:key:notakey"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let result = stdout_json(&output);
    assert_eq!(result["didResolutionMetadata"]["error"], "invalidDid");
    assert!(result["didDocument"].is_null());
}

#[test]
fn resolution_failures_exit_1_with_their_error_name() {
    for (did, error) in [
        ("did:example:123", "methodNotSupported"),
        ("not a did", "invalidDid"),
        ("did:jwk:e30", "invalidDid"),
    ] {
        let output = kith().args(["did", "resolve", did]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{did}");
        assert_eq!(
            stdout_json(&output)["didResolutionMetadata"]["error"],
            error,
            "{did}"
        );
    }
}

fn generate(dir: &Path, alg: &str) -> (std::path::PathBuf, Value) {
    let file = dir.join(format!("{alg}.jwk"));
    let output = kith()
        .args(["key", "generate", "--alg", alg, "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (file, stdout_json(&output))
}

/// Issue 2 "done when": a generated key round-trips through did:key and did:jwk.
#[test]
fn generated_keys_round_trip_through_did_key_and_did_jwk() {
    let dir = tempfile::tempdir().unwrap();
    for alg in ALGS {
        let (file, public) = generate(dir.path(), alg);
        assert!(
            public.get("d").is_none(),
            "{alg}: stdout must not hold the private key"
        );
        let private: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert!(
            private["d"].is_string(),
            "{alg}: the key file holds the private key"
        );
        assert_eq!(private["x"], public["x"]);

        for method in ["key", "jwk"] {
            let output = kith()
                .args(["did", "create", method, "--key"])
                .arg(&file)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(0));
            let stdout = String::from_utf8(output.stdout).unwrap();
            let did = stdout.trim_end();
            assert_eq!(stdout.lines().count(), 1, "the DID alone on one line");
            assert!(did.starts_with(&format!("did:{method}:")));

            let output = kith().args(["did", "resolve", did]).output().unwrap();
            assert_eq!(output.status.code(), Some(0), "{alg} {did}");
            let doc = &stdout_json(&output)["didDocument"];
            assert_eq!(doc["id"], did);
            let vm = &doc["verificationMethod"][0];
            let same_key = match method {
                "jwk" => {
                    vm["publicKeyJwk"]["x"] == public["x"] && vm["publicKeyJwk"]["y"] == public["y"]
                }
                _ => vm["publicKeyMultibase"].as_str() == Some(&did["did:key:".len()..]),
            };
            assert!(same_key, "{alg} via did:{method}: {vm}");
            if alg == "x25519" {
                assert!(doc.get("assertionMethod").is_none(), "X25519 cannot sign");
                assert!(doc["keyAgreement"].is_array());
            } else {
                assert!(doc["assertionMethod"].is_array(), "{alg} via did:{method}");
            }
        }
    }
}

/// The did:key document's key equals the JWK the CLI printed, decoded independently.
#[test]
fn did_key_document_holds_the_generated_key() {
    let dir = tempfile::tempdir().unwrap();
    for alg in ALGS {
        let (file, public) = generate(dir.path(), alg);
        let output = kith()
            .args(["did", "create", "key", "--key"])
            .arg(&file)
            .output()
            .unwrap();
        let did = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        let output = kith().args(["did", "resolve", &did]).output().unwrap();
        let multikey =
            stdout_json(&output)["didDocument"]["verificationMethod"][0]["publicKeyMultibase"]
                .as_str()
                .unwrap()
                .to_owned();
        let from_doc = kith_crypto::PublicKey::from_multikey(&multikey).unwrap();
        let from_cli =
            kith_crypto::PublicKey::from_jwk(&serde_json::from_value(public).unwrap()).unwrap();
        assert_eq!(from_doc, from_cli, "{alg}");
    }
}

#[cfg(unix)]
#[test]
fn private_key_file_is_0600_and_never_overwritten() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = generate(dir.path(), "ed25519");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = std::fs::read(&file).unwrap();
    let output = kith()
        .args(["key", "generate", "--alg", "ed25519", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the existing key is intact"
    );
}

#[test]
fn did_web_create_writes_the_document_to_host() {
    let dir = tempfile::tempdir().unwrap();
    let (file, public) = generate(dir.path(), "p256");
    let out = dir.path().join("did.json");
    let output = kith()
        .args([
            "did",
            "create",
            "web",
            "--domain",
            "issuer.example:8443",
            "--path",
            "orgs/acme",
            "--key",
        ])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let did = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(did, "did:web:issuer.example%3A8443:orgs:acme");
    let doc = kith_did::Document::from_json(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc.id.as_str(), did);
    let key = doc.verification_method[0].public_key().unwrap();
    assert_eq!(key.to_jwk().x.as_deref(), public["x"].as_str());
    assert!(!doc.assertion_method.is_empty());
}

#[test]
fn bad_input_exits_2_with_a_named_problem() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jwk");
    let output = kith()
        .args(["did", "create", "key", "--key"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.jwk"));

    let garbage = dir.path().join("garbage.jwk");
    std::fs::write(
        &garbage,
        br#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
    )
    .unwrap();
    let output = kith()
        .args(["--json", "did", "create", "jwk", "--key"])
        .arg(&garbage)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout_json(&output)["error"]["code"], "invalid_jwk");

    let output = kith()
        .args(["key", "generate", "--alg", "rsa", "--out", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "clap usage errors exit 2");

    let output = kith()
        .args(["did", "create", "web", "--domain", "10.0.0.1", "--key"])
        .arg(&garbage)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["key", "--help"],
        vec!["key", "generate", "--help"],
        vec!["did", "--help"],
        vec!["did", "create", "--help"],
        vec!["did", "create", "key", "--help"],
        vec!["did", "create", "jwk", "--help"],
        vec!["did", "create", "web", "--help"],
        vec!["did", "resolve", "--help"],
        vec!["did", "dereference", "--help"],
        vec!["vc", "--help"],
        vec!["vc", "issue", "--help"],
        vec!["vc", "verify", "--help"],
        vec!["vp", "--help"],
        vec!["vp", "create", "--help"],
        vec!["vp", "verify", "--help"],
        vec!["completions", "--help"],
        vec!["man", "--help"],
    ] {
        let output = kith().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn prints_completions_and_a_man_page() {
    let output = kith().args(["completions", "bash"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(
        script.contains("_kith") && script.contains("resolve"),
        "a bash completion for kith"
    );
    let output = kith().arg("man").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH kith"),
        "roff: {:.80}",
        page
    );
}

#[test]
fn dereferences_a_verification_method() {
    let url = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    let output = kith().args(["did", "dereference", url]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_json(&output)["contentStream"]["type"], "Multikey");
    let output = kith()
        .args([
            "did",
            "dereference",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#nope",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout_json(&output)["dereferencingMetadata"]["error"],
        "notFound"
    );
}
