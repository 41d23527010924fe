//! `--trust-list` (issue 7, item 5) on `kith vc verify`, `kith vp verify` and
//! `kith serve`: real binary, real files, credentials from `kith vc issue`.

#[path = "serve/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use support::{Api, Storage, client, failed_checks, free_port, kith};

fn run(args: &[&str], dir: &Path) -> Output {
    kith().current_dir(dir).args(args).output().unwrap()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn check_codes(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect()
}

struct Setup {
    dir: tempfile::TempDir,
    issuer: String,
    anchor: String,
}

fn did_of(key: &str, dir: &Path) -> String {
    let out = run(&["did", "create", "key", "--key", key], dir);
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    for file in ["issuer.jwk", "anchor.jwk"] {
        let out = run(
            &["key", "generate", "--alg", "ed25519", "--out", file],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0));
    }
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "UniversityDegreeCredential"],
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"}
    });
    std::fs::write(dir.path().join("cred.json"), credential.to_string()).unwrap();
    let issuer = did_of("issuer.jwk", dir.path());
    let anchor = did_of("anchor.jwk", dir.path());
    Setup {
        dir,
        issuer,
        anchor,
    }
}

/// `kith vc issue` → the file it wrote.
fn issue(setup: &Setup, key: &str, format: &str, credential: &str, out: &str) -> String {
    let ran = run(
        &["vc", "issue", "--key", key, "--format", format, credential],
        setup.dir.path(),
    );
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    std::fs::write(setup.dir.path().join(out), &ran.stdout).unwrap();
    out.to_owned()
}

fn write_list(setup: &Setup, name: &str, list: &Value) -> String {
    std::fs::write(setup.dir.path().join(name), list.to_string()).unwrap();
    name.to_owned()
}

#[test]
fn vc_verify_with_a_trust_list_file() {
    let setup = setup();
    let vc = issue(&setup, "issuer.jwk", "vc+jwt", "cred.json", "cred.jwt");
    let trusted = write_list(
        &setup,
        "trusted.json",
        &json!({"issuers": [{"id": setup.issuer, "types": ["UniversityDegreeCredential"], "name": "U"}]}),
    );
    let out = run(
        &["vc", "verify", "--trust-list", &trusted, &vc],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout_json(&out));

    // Trusted for another type only, or not listed: the policy check fails (exit 1).
    let other_type = write_list(
        &setup,
        "other-type.json",
        &json!({"issuers": [{"id": setup.issuer, "types": ["MembershipCredential"]}]}),
    );
    let not_listed = write_list(
        &setup,
        "not-listed.json",
        &json!({"issuers": [{"id": setup.anchor, "types": ["*"]}]}),
    );
    for list in [&other_type, &not_listed] {
        let out = run(
            &["vc", "verify", "--trust-list", list, &vc],
            setup.dir.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{list}");
        assert_eq!(check_codes(&stdout_json(&out)), ["untrusted_issuer"]);
    }
    // --trust adds to the list.
    let out = run(
        &[
            "vc",
            "verify",
            "--trust-list",
            &not_listed,
            "--trust",
            &setup.issuer,
            &vc,
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout_json(&out));

    // A file that is not a trust list: bad input, exit 2, its code under --json.
    for (name, text) in [
        ("empty.json", r#"{"issuers": []}"#),
        ("dup.json", r#"{"issuers": [], "issuers": []}"#),
        (
            "shape.json",
            r#"{"issuers": [{"id": "nope", "types": ["*"]}]}"#,
        ),
    ] {
        std::fs::write(setup.dir.path().join(name), text).unwrap();
        let out = run(
            &["--json", "vc", "verify", "--trust-list", name, &vc],
            setup.dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_eq!(
            stdout_json(&out)["error"]["code"],
            "invalid_trust_list",
            "{name}"
        );
    }
    let out = run(
        &[
            "--json",
            "vc",
            "verify",
            "--trust-list",
            "missing.json",
            &vc,
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_json(&out)["error"]["code"], "io_error");
    // --trust-list-issuer alone is a usage error.
    let out = run(
        &["vc", "verify", "--trust-list-issuer", &setup.anchor, &vc],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn vc_and_vp_verify_with_a_signed_trust_list() {
    let setup = setup();
    let vc = issue(
        &setup,
        "issuer.jwk",
        "eddsa-jcs-2022",
        "cred.json",
        "cred.di.json",
    );
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "TrustListCredential"],
        "credentialSubject": {
            "id": "urn:example:trust-list",
            "issuers": [{"id": setup.issuer, "types": ["UniversityDegreeCredential"]}]
        }
    });
    write_list(&setup, "tl-unsigned.json", &unsigned);
    let signed = issue(&setup, "anchor.jwk", "vc+jwt", "tl-unsigned.json", "tl.jwt");
    let out = run(
        &[
            "vc",
            "verify",
            "--trust-list",
            &signed,
            "--trust-list-issuer",
            &setup.anchor,
            &vc,
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout_json(&out));

    // The same list expected from another anchor: refused before verifying anything.
    let out = run(
        &[
            "--json",
            "vc",
            "verify",
            "--trust-list",
            &signed,
            "--trust-list-issuer",
            &setup.issuer,
            &vc,
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stdout_json(&out)["error"]["code"],
        "trust_list_issuer_mismatch"
    );
    // A plain file given as signed does not verify; a signed one given as plain is no list.
    let out = run(
        &[
            "--json",
            "vc",
            "verify",
            "--trust-list",
            "tl-unsigned.json",
            "--trust-list-issuer",
            &setup.anchor,
            &vc,
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_json(&out)["error"]["code"], "trust_list_unverified");
    let signed_di = issue(
        &setup,
        "anchor.jwk",
        "eddsa-jcs-2022",
        "tl-unsigned.json",
        "tl.di.json",
    );
    let out = run(
        &["--json", "vc", "verify", "--trust-list", &signed_di, &vc],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_json(&out)["error"]["code"], "invalid_trust_list");

    // vp verify applies the same policy to the credentials inside.
    let ran = run(
        &[
            "vp",
            "create",
            "--key",
            "anchor.jwk",
            "--nonce",
            "n-1",
            "--aud",
            "verifier",
            &vc,
        ],
        setup.dir.path(),
    );
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    std::fs::write(setup.dir.path().join("vp.json"), &ran.stdout).unwrap();
    let out = run(
        &[
            "vp",
            "verify",
            "--nonce",
            "n-1",
            "--aud",
            "verifier",
            "--trust-list",
            &signed_di,
            "--trust-list-issuer",
            &setup.anchor,
            "vp.json",
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout_json(&out));
    let only_other = json!({"issuers": [{"id": setup.anchor, "types": ["*"]}]});
    write_list(&setup, "only-other.json", &only_other);
    let out = run(
        &[
            "vp",
            "verify",
            "--nonce",
            "n-1",
            "--aud",
            "verifier",
            "--trust-list",
            "only-other.json",
            "vp.json",
        ],
        setup.dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out);
    assert_eq!(check_codes(&report["credentials"][0]), ["untrusted_issuer"]);
}

/// `kith serve --trust-list`: the server's verifier trusts the listed issuers only;
/// a bad list refuses to start, before the store is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_applies_the_trust_list() {
    let setup = setup();
    let vc = issue(
        &setup,
        "issuer.jwk",
        "eddsa-jcs-2022",
        "cred.json",
        "cred.di.json",
    );
    let vc: Value =
        serde_json::from_slice(&std::fs::read(setup.dir.path().join(vc)).unwrap()).unwrap();
    let list = setup.dir.path().join("list.json");
    std::fs::write(
        &list,
        json!({"issuers": [{"id": setup.issuer, "types": ["UniversityDegreeCredential"]}]})
            .to_string(),
    )
    .unwrap();

    let bad = setup.dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"issuers": []}"#).unwrap();
    let data = setup.dir.path().join("data");
    let out = kith()
        .args(["--json", "serve", "--data-dir"])
        .arg(&data)
        .arg("--trust-list")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_json(&out)["error"]["code"], "invalid_trust_list");
    assert!(!data.exists(), "a refused start created the store");

    // TOML keys.
    let config = setup.dir.path().join("kith.toml");
    std::fs::write(
        &config,
        format!("trust_list = {:?}\n", list.display().to_string()),
    )
    .unwrap();
    let storage = Storage::data_dir(&data);
    let client = client();
    let mut server = storage.serve(free_port(), &["--config", config.to_str().unwrap()]);
    server.ready(&client).await;
    let key = storage.create_api_key("issue,verify", "ci").await;
    let api = Api::new(&client, &server.base(), &key);
    let report = api.verify(&vc).await.expect(200).json();
    assert_eq!(report["verified"], true, "{report}");
    // The server's own credentials come from an issuer the list does not name.
    let own = api.issue_ok("Bob").await;
    let report = api.verify(&own).await.expect(400).json();
    assert_eq!(
        failed_checks(&report).into_iter().collect::<Vec<_>>(),
        ["policy:untrusted_issuer"]
    );
    let _ = server.sigterm(std::time::Duration::from_secs(10)).await;
}
