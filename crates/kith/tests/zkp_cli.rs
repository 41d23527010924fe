//! `kith-zkp-2026` end to end with the real binary: an issuer signs a birth date, the
//! holder proves "born on or before 2008-11-28" to `kith vp verify`, and the
//! presentation contains no birth date.

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

fn ok(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

const CREDENTIAL: &str = r#"{
  "@context": ["https://www.w3.org/ns/credentials/v2"],
  "type": ["VerifiableCredential", "AgeCredential"],
  "credentialSubject": {"name": "Alice Example", "birthDate": "2001-05-17"}
}"#;

const AGE: &str = "/credentialSubject/birthDate <= 2008-11-28";

#[test]
fn a_birth_date_predicate_is_proven_without_the_birth_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    ok(&run(
        &[
            "key",
            "generate",
            "--alg",
            "bls12381g2",
            "--out",
            "issuer.jwk",
        ],
        path,
    ));
    ok(&run(
        &["key", "generate", "--alg", "ed25519", "--out", "holder.jwk"],
        path,
    ));
    std::fs::write(path.join("credential.json"), CREDENTIAL).unwrap();
    let issued = ok(&run(
        &[
            "vc",
            "issue",
            "--key",
            "issuer.jwk",
            "--format",
            "kith-zkp-2026",
            "credential.json",
        ],
        path,
    ));
    std::fs::write(path.join("issued.json"), &issued).unwrap();
    assert!(issued.contains("2001-05-17"));
    // the issued credential verifies on its own
    let report: Value =
        serde_json::from_str(&ok(&run(&["vc", "verify", "issued.json"], path))).unwrap();
    assert_eq!(report["verified"], true, "{report:#}");

    // No holder key: the proof is bound to the nonce and domain, and a holder DID
    // would link presentations.
    let presentation = ok(&run(
        &[
            "vp",
            "create",
            "--nonce",
            "n-123",
            "--domain",
            "bar.example",
            "--prove",
            AGE,
            "--reveal",
            "/credentialSubject/name",
            "issued.json",
        ],
        path,
    ));
    for hidden in ["2001-05-17", "20010517", "11459"] {
        assert!(
            !presentation.contains(hidden),
            "the presentation holds {hidden}"
        );
    }
    let vp: Value = serde_json::from_str(&presentation).unwrap();
    assert_eq!(
        vp["verifiableCredential"][0]["credentialSubject"],
        serde_json::json!({"name": "Alice Example"})
    );
    std::fs::write(path.join("vp.json"), &presentation).unwrap();

    let verify = |nonce: &str, json: bool| {
        let mut args = vec![
            "vp",
            "verify",
            "--nonce",
            nonce,
            "--aud",
            "bar.example",
            "--require",
            AGE,
            "vp.json",
        ];
        if json {
            args.insert(0, "--json");
        }
        run(&args, path)
    };
    let report: Value = serde_json::from_str(&ok(&verify("n-123", true))).unwrap();
    assert_eq!(report["verified"], true, "{report:#}");
    assert_eq!(report["format"], "kith-zkp-2026");
    assert_eq!(report["predicates"][0]["statement"], AGE);
    assert_eq!(
        report["disclosed"]["/credentialSubject/name"],
        "Alice Example"
    );
    assert_eq!(report["disclosed"].as_object().unwrap().len(), 1);
    let human = ok(&verify("n-123", false));
    assert!(human.starts_with("verified"), "{human}");
    assert!(human.contains(&format!("proven: {AGE}")), "{human}");
    assert!(human.contains("disclosed: /credentialSubject/name = \"Alice Example\""));

    // replayed to another nonce: exit 1 with the code
    let replay = verify("n-456", true);
    assert_eq!(replay.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&replay.stdout).unwrap();
    assert_eq!(report["verified"], false);
    assert!(
        report["checks"].to_string().contains("nonce_mismatch"),
        "{report:#}"
    );
    assert_eq!(report["predicates"], serde_json::json!([]));

    // a holder born after the cutoff gets no presentation
    let young = CREDENTIAL.replace("2001-05-17", "2009-03-01");
    std::fs::write(path.join("young.json"), young).unwrap();
    let issued = ok(&run(
        &[
            "vc",
            "issue",
            "--key",
            "issuer.jwk",
            "--format",
            "kith-zkp-2026",
            "young.json",
        ],
        path,
    ));
    std::fs::write(path.join("young-issued.json"), issued).unwrap();
    let refused = run(
        &[
            "--json",
            "vp",
            "create",
            "--key",
            "holder.jwk",
            "--nonce",
            "n",
            "--aud",
            "bar.example",
            "--prove",
            AGE,
            "young-issued.json",
        ],
        path,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("predicate_false"));
}
