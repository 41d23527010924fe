//! `kith did create webvh`, `kith did update webvh` and `kith did resolve --webvh-log`,
//! run as a user would.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn kith() -> Command {
    Command::cargo_bin("kith").expect("the kith binary is built")
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    kith().current_dir(dir).args(args).output().unwrap()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn create_rotate_deactivate_and_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for k in ["k1.jwk", "k2.jwk", "k3.jwk", "intruder.jwk"] {
        let out = run(d, &["key", "generate", "--alg", "ed25519", "--out", k]);
        assert!(out.status.success());
    }
    let out = run(
        d,
        &[
            "did",
            "create",
            "webvh",
            "--domain",
            "example.com",
            "--path",
            "dids/alice",
            "--key",
            "k1.jwk",
            "--next-key",
            "k2.jwk",
            "--out",
            "did.jsonl",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let did = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(did.starts_with("did:webvh:Qm") && did.ends_with(":example.com:dids:alice"));

    // Pre-rotation: the committed key k2 signs and becomes the update key.
    let out = run(
        d,
        &[
            "did",
            "update",
            "webvh",
            "--log",
            "did.jsonl",
            "--key",
            "k2.jwk",
            "--next-key",
            "k3.jwk",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An uncommitted key is refused with its code.
    let out = run(
        d,
        &[
            "--json",
            "did",
            "update",
            "webvh",
            "--log",
            "did.jsonl",
            "--key",
            "intruder.jwk",
            "--next-key",
            "k3.jwk",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("webvh_pre_rotation_violation")
            || String::from_utf8_lossy(&out.stderr).contains("webvh_pre_rotation_violation")
    );

    let out = run(d, &["did", "resolve", &did, "--webvh-log", "did.jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    let result = json(&out);
    assert_eq!(result["didDocument"]["id"], did.as_str());
    assert_eq!(result["didDocumentMetadata"]["versionNumber"], 2);
    let out = run(
        d,
        &[
            "did",
            "resolve",
            &did,
            "--webvh-log",
            "did.jsonl",
            "--version-number",
            "1",
        ],
    );
    assert_eq!(json(&out)["didDocumentMetadata"]["versionNumber"], 1);

    let out = run(
        d,
        &[
            "did",
            "update",
            "webvh",
            "--log",
            "did.jsonl",
            "--key",
            "k3.jwk",
            "--deactivate",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(d, &["did", "resolve", &did, "--webvh-log", "did.jsonl"]);
    assert_eq!(json(&out)["didDocumentMetadata"]["deactivated"], true);

    // A tampered log: exit 1 with the DID Resolution error.
    let log = std::fs::read_to_string(d.join("did.jsonl")).unwrap();
    std::fs::write(d.join("did.jsonl"), log.replace("\"2-Qm", "\"3-Qm")).unwrap();
    let out = run(d, &["did", "resolve", &did, "--webvh-log", "did.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let result = json(&out);
    assert_eq!(result["didResolutionMetadata"]["error"], "invalidDid");
    assert!(result["didDocument"].is_null());
}
