//! bbs-2023 through the real binary: `kith key generate --alg bls12381g2`,
//! `kith vc issue --cryptosuite bbs-2023 --mandatory-pointer ...`, `kith vc derive
//! --reveal ...`, and `kith vc verify` of the derived credential.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn run(args: &[&str], dir: &Path) -> std::process::Output {
    Command::cargo_bin("kith")
        .expect("the kith binary is built")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output, what: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

const CREDENTIAL: &str = r#"{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
  "type": ["VerifiableCredential", "ExampleIdentityCredential"],
  "credentialSubject": {"name": "Alice Example", "birthDate": "1990-04-01", "nationality": "Netherlands"}
}"#;

#[test]
fn issue_derive_verify() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let public: Value = serde_json::from_str(&ok(
        &run(
            &[
                "key",
                "generate",
                "--alg",
                "bls12381g2",
                "--out",
                "issuer.jwk",
            ],
            dir,
        ),
        "key generate",
    ))
    .unwrap();
    assert_eq!(public["crv"], "BLS12381G2");
    std::fs::write(dir.join("cred.json"), CREDENTIAL).unwrap();

    let base = ok(
        &run(
            &[
                "vc",
                "issue",
                "--key",
                "issuer.jwk",
                "--cryptosuite",
                "bbs-2023",
                "--mandatory-pointer",
                "/issuer",
                "--mandatory-pointer",
                "/credentialSubject/nationality",
                "cred.json",
            ],
            dir,
        ),
        "vc issue",
    );
    let base_json: Value = serde_json::from_str(&base).unwrap();
    assert_eq!(base_json["proof"]["cryptosuite"], "bbs-2023");
    assert!(
        base_json["issuer"]
            .as_str()
            .unwrap()
            .starts_with("did:key:zUC7")
    );
    std::fs::write(dir.join("base.json"), &base).unwrap();

    // A base proof is not for verifiers.
    let out = run(&["vc", "verify", "base.json"], dir);
    assert_eq!(out.status.code(), Some(1));

    let derived = ok(
        &run(
            &[
                "vc",
                "derive",
                "--reveal",
                "/credentialSubject/birthDate",
                "--presentation-header",
                "nonce-42",
                "base.json",
            ],
            dir,
        ),
        "vc derive",
    );
    std::fs::write(dir.join("derived.json"), &derived).unwrap();
    let derived_json: Value = serde_json::from_str(&derived).unwrap();
    let subject = &derived_json["credentialSubject"];
    assert_eq!(subject["birthDate"], "1990-04-01");
    assert_eq!(subject["nationality"], "Netherlands");
    assert!(subject.get("name").is_none(), "{subject}");
    assert!(!derived.contains("Alice"));

    let out = run(&["vc", "verify", "derived.json"], dir);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["verified"], true);

    // A changed revealed claim fails with exit 1.
    std::fs::write(
        dir.join("tampered.json"),
        derived.replace("1990-04-01", "1980-04-01"),
    )
    .unwrap();
    let out = run(&["vc", "verify", "tampered.json"], dir);
    assert_eq!(out.status.code(), Some(1));

    // A pointer that names nothing is an error with its code.
    let out = run(
        &["--json", "vc", "derive", "--reveal", "/nope", "base.json"],
        dir,
    );
    assert_eq!(out.status.code(), Some(2));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("invalid_pointer"), "{text}");
}

#[test]
fn bbs_needs_a_bls_key() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    ok(
        &run(
            &["key", "generate", "--alg", "ed25519", "--out", "ed.jwk"],
            dir,
        ),
        "key generate",
    );
    std::fs::write(dir.join("cred.json"), CREDENTIAL).unwrap();
    let out = run(
        &[
            "vc",
            "issue",
            "--key",
            "ed.jwk",
            "--format",
            "bbs-2023",
            "cred.json",
        ],
        dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bls12381g2"));
}
