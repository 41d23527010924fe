//! Cross-implementation: Kith's `vc+jwt` / `vp+jwt` against jwcrypto (PyPI), an
//! independent JOSE implementation on `cryptography`/OpenSSL.
//!
//! Kith issues credentials (EdDSA, ES256, ES384, ES256K) and a presentation by did:jwk
//! signers; `tests/interop/jose_interop.py` verifies them with jwcrypto and the public
//! JWK, and signs credentials of its own with did:jwk issuers (kid `<did>#0`), which
//! Kith verifies through `JwkMethod`. The script also hands back an HS256 token keyed
//! with a public key and a high-S ES256K signature, which Kith must refuse.
//!
//! Needs `python3` with jwcrypto: `pip install jwcrypto==1.6.1`.

use std::path::Path;
use std::process::Command;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::method::jwk::{JwkMethod, did_for};
use kith_vc::{Challenge, jose};
use serde_json::{Value, json};

const PIP: &str = "pip install jwcrypto==1.6.1";

fn python() -> &'static str {
    let ok = Command::new("python3")
        .args(["-c", "import jwcrypto.jws"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the JOSE interop test needs python3 with jwcrypto: run `{PIP}`"
    );
    "python3"
}

fn credential(issuer: &str, name: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": format!("urn:example:kith:{name}"),
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "name": "Alice \u{e9}\u{4e16}", "ageOver18": true}
    })
}

/// A did:jwk signer: (signer, kid `<did>#0`, did).
fn did_jwk_signer(key_type: KeyType) -> (LocalSigner, String, String) {
    let signer = LocalSigner::new(PrivateKey::generate(key_type).unwrap()).unwrap();
    let did = did_for(&signer.public_key()).to_string();
    (signer, format!("{did}#0"), did)
}

#[tokio::test]
async fn kith_and_jwcrypto_verify_each_other() {
    let python = python();
    let mut kith = Vec::new();
    for key_type in [
        KeyType::Ed25519,
        KeyType::P256,
        KeyType::P384,
        KeyType::Secp256k1,
    ] {
        let (signer, kid, did) = did_jwk_signer(key_type);
        let vc = credential(&did, key_type.name());
        let jws = jose::issue_vc_jwt(&vc, &signer, &kid).await.unwrap();
        kith.push(json!({
            "name": format!("kith-vc-{}", signer.algorithm()),
            "jws": jws, "jwk": signer.public_key().to_jwk(), "alg": signer.algorithm().name(),
            "typ": "vc+jwt", "payload": vc,
        }));
    }
    let (holder, holder_kid, holder_did) = did_jwk_signer(KeyType::Ed25519);
    let challenge = Challenge {
        nonce: "c0ffee-42".into(),
        audience: "https://verifier.example".into(),
    };
    let inner = kith[0]["jws"].as_str().unwrap().to_owned();
    let vp = jose::create_vp_jwt(
        vec![inner.clone()],
        &holder_did,
        &holder,
        &holder_kid,
        &challenge,
    )
    .await
    .unwrap();
    let vp_payload = jose::decode_unverified(&vp).unwrap()["payload"].clone();
    kith.push(json!({
        "name": "kith-vp-EdDSA", "jws": vp, "jwk": holder.public_key().to_jwk(), "alg": "EdDSA",
        "typ": "vp+jwt", "payload": vp_payload, "nonce": challenge.nonce, "aud": challenge.audience,
    }));

    let dir = std::env::temp_dir().join(format!("kith-jose-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output) = (dir.join("kith.json"), dir.join("python.json"));
    std::fs::write(&input, serde_json::to_vec(&json!({"kith": kith})).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/jose_interop.py");
    let run = Command::new(python)
        .arg(&script)
        .arg(&input)
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{} failed:\n{}{}",
        script.display(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let result: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).ok();

    // jwcrypto verified every Kith token.
    let names: Vec<&str> = kith.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(result["verified"], json!(names));
    eprintln!("jwcrypto verified: {names:?}");

    // Kith verifies (or refuses, as expected) every jwcrypto token.
    let tokens = result["python"].as_array().unwrap();
    assert_eq!(tokens.len(), 7);
    for token in tokens {
        let name = token["name"].as_str().unwrap();
        let jws = token["jws"].as_str().unwrap();
        match (
            token["expect"].as_str().unwrap(),
            jose::verify_vc_jwt(jws, &JwkMethod).await,
        ) {
            ("ok", Ok(verified)) => {
                assert_eq!(verified.credential, token["payload"], "{name}");
                assert_eq!(
                    verified.method_id,
                    format!("{}#0", token["payload"]["issuer"].as_str().unwrap())
                );
                eprintln!("kith verified {name}");
            }
            (code, Err(e)) if code == e.code() => eprintln!("kith refused {name}: {e}"),
            (expected, got) => panic!(
                "{name}: expected {expected}, got {:?}",
                got.map(|v| v.credential)
            ),
        }
    }
    // And Kith reads back its own presentation and the credential inside.
    let vp = jose::verify_vp_jwt(kith[4]["jws"].as_str().unwrap(), &JwkMethod, &challenge)
        .await
        .unwrap();
    assert_eq!(vp.credentials[0].credential, inner);
}
