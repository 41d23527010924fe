//! Cross-implementation tests against the reference SD-JWT implementation, PyPI
//! `sd-jwt` 0.10.4 (openwallet-foundation-labs/sd-jwt-python), driven through
//! `tests/interop/sd_jwt_oracle.py`. The Python side is only an oracle.
//!
//! Both directions, ES256 (P-256) for issuer and holder, nested and array-element
//! disclosures, `cnf` and a KB-JWT:
//! - Kith issues; Kith presents and Python verifies; Python presents and both verify.
//! - Python issues (with decoys); Python presents and Kith verifies; Kith presents and
//!   Python verifies.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_vc::Challenge;
use kith_vc::sd_jwt::{self, IssueOptions, VerifyOptions};
use serde_json::{Value, json};
use time::OffsetDateTime;

const PIP: &str = "pip install sd-jwt==0.10.4";
const NONCE: &str = "kith-interop-nonce-7f3a";
const AUDIENCE: &str = "https://verifier.example.org";

/// Runs one command of the Python oracle. Fails the test, saying what to install, if
/// python3 or the `sd-jwt` package is missing.
fn oracle(command: &str, request: Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/sd_jwt_oracle.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); the SD-JWT interop tests need python3 with `{PIP}`")
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write the request");
    let output = child.wait_with_output().expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => serde_json::from_slice(&output.stdout).expect("the oracle prints JSON"),
        Some(3) => panic!("the PyPI package sd-jwt is missing: run `{PIP}` ({stderr})"),
        _ => panic!("sd-jwt oracle `{command}` failed: {stderr}"),
    }
}

fn private_jwk(key: &PrivateKey) -> Value {
    serde_json::to_value(key.to_jwk()).unwrap()
}

fn public_jwk(key: &PrivateKey) -> Value {
    serde_json::to_value(key.public_key().to_jwk()).unwrap()
}

fn claims() -> Value {
    json!({
        "vct": "https://credentials.example.com/identity_credential",
        "iss": "https://issuer.example.com",
        "iat": 1683000000,
        "given_name": "John",
        "family_name": "Doe",
        "email": "johndoe@example.com",
        "address": {"street_address": "123 Main St", "locality": "Anytown", "country": "US"},
        "nationalities": ["US", "DE"]
    })
}

/// What a verifier sees after disclosing given_name, address/locality (with address)
/// and the second nationality.
fn expected(holder: &PrivateKey) -> Value {
    json!({
        "vct": "https://credentials.example.com/identity_credential",
        "iss": "https://issuer.example.com",
        "iat": 1683000000,
        "given_name": "John",
        "address": {"street_address": "123 Main St", "country": "US", "locality": "Anytown"},
        "nationalities": ["DE"],
        "cnf": {"jwk": public_jwk(holder)}
    })
}

fn challenge() -> Challenge {
    Challenge {
        nonce: NONCE.into(),
        audience: AUDIENCE.into(),
    }
}

fn verify_options() -> VerifyOptions {
    VerifyOptions {
        challenge: Some(challenge()),
        ..VerifyOptions::default()
    }
}

fn keys() -> (PrivateKey, PrivateKey) {
    (
        PrivateKey::generate(KeyType::P256).unwrap(),
        PrivateKey::generate(KeyType::P256).unwrap(),
    )
}

/// Python's holder selection for the same claims as [`expected`].
fn python_selection() -> Value {
    json!({"given_name": true, "address": {"locality": true}, "nationalities": [false, true]})
}

#[tokio::test]
async fn kith_issues_and_python_presents_and_verifies() {
    let (issuer_key, holder_key) = keys();
    let issuer = LocalSigner::new(issuer_key.clone()).unwrap();
    let holder = LocalSigner::new(holder_key.clone()).unwrap();
    let options = IssueOptions {
        disclosable: [
            "/given_name",
            "/family_name",
            "/email",
            "/address",
            "/address/locality",
            "/nationalities/0",
            "/nationalities/1",
        ]
        .map(String::from)
        .to_vec(),
        decoys: 2,
        holder_key: Some(holder.public_key()),
        ..IssueOptions::default()
    };
    let issued = sd_jwt::issue(&claims(), &issuer, &options).await.unwrap();

    // Kith presents, Python verifies.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let disclose = ["/given_name", "/address/locality", "/nationalities/1"].map(String::from);
    let presentation = sd_jwt::present(&issued, &disclose, Some((&holder, &challenge(), now)))
        .await
        .unwrap();
    let verified = oracle(
        "verify",
        json!({"presentation": presentation, "issuer_jwk": public_jwk(&issuer_key), "nonce": NONCE, "aud": AUDIENCE}),
    );
    assert_eq!(
        verified["claims"],
        expected(&holder_key),
        "Python's view of Kith's presentation"
    );

    // Python presents Kith's SD-JWT; Python and Kith verify it alike.
    let presented = oracle(
        "present",
        json!({
            "sd_jwt": issued, "disclose": python_selection(),
            "nonce": NONCE, "aud": AUDIENCE, "holder_jwk": private_jwk(&holder_key)
        }),
    );
    let presentation = presented["presentation"].as_str().unwrap();
    let verified = oracle(
        "verify",
        json!({"presentation": presentation, "issuer_jwk": public_jwk(&issuer_key), "nonce": NONCE, "aud": AUDIENCE}),
    );
    assert_eq!(verified["claims"], expected(&holder_key));
    let proof =
        sd_jwt::verify_with_issuer_key(presentation, &issuer.public_key(), &verify_options())
            .unwrap();
    assert_eq!(
        proof.credential,
        expected(&holder_key),
        "Kith's view of Python's presentation"
    );
    assert!(proof.holder_bound);
}

#[tokio::test]
async fn python_issues_and_kith_verifies_and_presents() {
    let (issuer_key, holder_key) = keys();
    let holder = LocalSigner::new(holder_key.clone()).unwrap();
    let disclosable = json!([
        ["given_name"],
        ["family_name"],
        ["email"],
        ["address"],
        ["address", "locality"],
        ["nationalities", 0],
        ["nationalities", 1]
    ]);
    let issued = oracle(
        "issue",
        json!({
            "claims": claims(), "disclosable": disclosable, "typ": "dc+sd-jwt",
            "issuer_jwk": private_jwk(&issuer_key), "holder_jwk": public_jwk(&holder_key)
        }),
    );
    let issued = issued["sd_jwt"].as_str().unwrap();

    // Kith reads the issuance: every claim, seven disclosures, the nesting.
    let inspected = sd_jwt::inspect(issued).unwrap();
    let mut full = claims();
    full["cnf"] = json!({"jwk": public_jwk(&holder_key)});
    assert_eq!(inspected.claims, full);
    assert_eq!(inspected.disclosable.len(), 7);
    let locality = inspected
        .disclosable
        .iter()
        .find(|c| c.pointer == "/address/locality")
        .unwrap();
    assert_eq!(locality.parent.as_deref(), Some("/address"));
    let bare = VerifyOptions::default();
    let proof = sd_jwt::verify_with_issuer_key(issued, &issuer_key.public_key(), &bare).unwrap();
    assert_eq!(proof.credential, full);

    // Python presents, Kith verifies.
    let presented = oracle(
        "present",
        json!({
            "sd_jwt": issued, "disclose": python_selection(),
            "nonce": NONCE, "aud": AUDIENCE, "holder_jwk": private_jwk(&holder_key)
        }),
    );
    let presentation = presented["presentation"].as_str().unwrap();
    let proof =
        sd_jwt::verify_with_issuer_key(presentation, &issuer_key.public_key(), &verify_options())
            .unwrap();
    assert_eq!(proof.credential, expected(&holder_key));
    assert!(proof.holder_bound);
    assert_eq!(proof.holder_key, Some(holder.public_key()));

    // Kith presents Python's SD-JWT, Python verifies.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let disclose = ["/given_name", "/address/locality", "/nationalities/1"].map(String::from);
    let presentation = sd_jwt::present(issued, &disclose, Some((&holder, &challenge(), now)))
        .await
        .unwrap();
    let verified = oracle(
        "verify",
        json!({"presentation": presentation, "issuer_jwk": public_jwk(&issuer_key), "nonce": NONCE, "aud": AUDIENCE}),
    );
    assert_eq!(verified["claims"], expected(&holder_key));
}

/// The oracle is an oracle: it refuses what it should, so its agreement means something.
#[tokio::test]
async fn python_rejects_a_kith_presentation_for_another_verifier() {
    let (issuer_key, holder_key) = keys();
    let issuer = LocalSigner::new(issuer_key.clone()).unwrap();
    let holder = LocalSigner::new(holder_key).unwrap();
    let options = IssueOptions {
        disclosable: vec!["/given_name".into()],
        holder_key: Some(holder.public_key()),
        ..IssueOptions::default()
    };
    let issued = sd_jwt::issue(&claims(), &issuer, &options).await.unwrap();
    let other = Challenge {
        nonce: NONCE.into(),
        audience: "https://other.example".into(),
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let presentation = sd_jwt::present(
        &issued,
        &["/given_name".into()],
        Some((&holder, &other, now)),
    )
    .await
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/sd_jwt_oracle.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg("verify")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let request = json!({"presentation": presentation, "issuer_jwk": public_jwk(&issuer_key), "nonce": NONCE, "aud": AUDIENCE});
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_ne!(
        output.status.code(),
        Some(3),
        "the PyPI package sd-jwt is missing: run `{PIP}`"
    );
    assert!(
        !output.status.success(),
        "Python accepted a KB-JWT for another audience"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("Invalid audience"));
}
