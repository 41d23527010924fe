//! Cross-implementation: Kith's JWE against jwcrypto (PyPI), an independent JOSE
//! implementation on `cryptography`/OpenSSL, in both directions.
//!
//! Kith encrypts to P-256, P-384 and X25519 keys (and to an Ed25519 key through its
//! X25519 form) with every supported `alg`/`enc` pair and apu/apv; jwcrypto decrypts
//! them. jwcrypto generates keys of its own and encrypts to them; Kith decrypts.
//!
//! Needs `python3` with jwcrypto: `pip install jwcrypto==1.6.1` (scripts/test installs it).

use std::io::Write as _;
use std::process::{Command, Stdio};

use kith_crypto::jwe::{self, ContentEncryption, KeyManagement};
use kith_crypto::multibase::base64url_encode;
use kith_crypto::{Jwk, KeyType, PrivateKey};
use serde_json::{Map, Value, json};

const PIP: &str = "pip install jwcrypto==1.6.1";

const ALL_PAIRS: [(KeyManagement, ContentEncryption); 4] = [
    (KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
    (KeyManagement::EcdhEs, ContentEncryption::A128Gcm),
    (KeyManagement::EcdhEsA256Kw, ContentEncryption::A256Gcm),
    (KeyManagement::EcdhEsA256Kw, ContentEncryption::A128Gcm),
];

/// Reads `{"decrypt": [{jwk, jwe}]}` on stdin; decrypts each with jwcrypto, then
/// generates keys and encrypts to them; prints `{"decrypted": [...], "encrypted": [...]}`.
const SCRIPT: &str = r#"
import json, sys
from jwcrypto import jwk, jwe
from jwcrypto.common import base64url_encode

ALGS = ["ECDH-ES", "ECDH-ES+A256KW", "A256GCM", "A128GCM"]
req = json.load(sys.stdin)
decrypted = []
for item in req["decrypt"]:
    key = jwk.JWK(**item["jwk"])
    token = jwe.JWE(algs=ALGS)
    token.deserialize(item["jwe"], key=key)
    decrypted.append({"plaintext": token.payload.decode("utf-8"),
                      "header": json.loads(token.objects["protected"])})
encrypted = []
for kty, crv in [("EC", "P-256"), ("EC", "P-384"), ("OKP", "X25519")]:
    for alg in ["ECDH-ES", "ECDH-ES+A256KW"]:
        for enc in ["A256GCM", "A128GCM"]:
            key = jwk.JWK.generate(kty=kty, crv=crv)
            text = "from jwcrypto %s %s %s \u00e9" % (crv, alg, enc)
            header = {"alg": alg, "enc": enc, "kid": "jwcrypto-" + crv,
                      "apu": base64url_encode(b"jwcrypto"), "apv": base64url_encode(b"kith")}
            token = jwe.JWE(text.encode("utf-8"), protected=json.dumps(header), algs=ALGS)
            token.add_recipient(key)
            encrypted.append({"jwk": json.loads(key.export(private_key=True)),
                              "jwe": token.serialize(compact=True), "plaintext": text,
                              "alg": alg, "enc": enc})
json.dump({"decrypted": decrypted, "encrypted": encrypted}, sys.stdout)
"#;

fn run_python(input: &Value) -> Value {
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}); the JWE interop test needs `{PIP}`"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "jwcrypto failed (is it installed? `{PIP}`):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn kith_and_jwcrypto_decrypt_each_other() {
    // Kith → jwcrypto.
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    let recipients = [
        PrivateKey::generate(KeyType::P256).unwrap(),
        PrivateKey::generate(KeyType::P384).unwrap(),
        PrivateKey::generate(KeyType::X25519).unwrap(),
        // An Ed25519 did:key: Kith encrypts to the Ed25519 public key (its X25519 form);
        // jwcrypto holds only the X25519 private key.
        PrivateKey::generate(KeyType::Ed25519).unwrap(),
    ];
    for key in &recipients {
        for (alg, enc) in ALL_PAIRS {
            let text = format!("from kith {} {alg} {enc} \u{e9}", key.key_type());
            let mut extra = Map::new();
            extra.insert("kid".into(), "kith-key".into());
            extra.insert("apu".into(), base64url_encode(b"kith").into());
            extra.insert("apv".into(), base64url_encode(b"jwcrypto").into());
            let compact =
                jwe::encrypt(&key.public_key(), alg, enc, text.as_bytes(), &extra).unwrap();
            let private = key.to_x25519().unwrap_or_else(|| key.clone());
            requests.push(json!({"jwk": private.to_jwk(), "jwe": compact}));
            expected.push(text);
        }
    }
    let answer = run_python(&json!({ "decrypt": requests }));
    let decrypted = answer["decrypted"].as_array().unwrap();
    assert_eq!(decrypted.len(), expected.len());
    for (got, want) in decrypted.iter().zip(&expected) {
        assert_eq!(got["plaintext"], want.as_str());
        assert_eq!(got["header"]["kid"], "kith-key");
    }

    // jwcrypto → Kith.
    let encrypted = answer["encrypted"].as_array().unwrap();
    assert_eq!(encrypted.len(), 12);
    for item in encrypted {
        let jwk: Jwk = serde_json::from_value(item["jwk"].clone()).unwrap();
        let key = PrivateKey::from_jwk(&jwk).unwrap();
        let compact = item["jwe"].as_str().unwrap();
        let out = jwe::decrypt(compact, &key, &ALL_PAIRS)
            .unwrap_or_else(|e| panic!("{}: {e}", item["plaintext"]));
        assert_eq!(
            out.plaintext.as_slice(),
            item["plaintext"].as_str().unwrap().as_bytes()
        );
        assert_eq!(out.alg.name(), item["alg"].as_str().unwrap());
        assert_eq!(out.enc.name(), item["enc"].as_str().unwrap());
        assert!(
            out.protected["kid"]
                .as_str()
                .unwrap()
                .starts_with("jwcrypto-")
        );
        // And another key of the same type cannot.
        let other = PrivateKey::generate(key.key_type()).unwrap();
        assert!(jwe::decrypt(compact, &other, &ALL_PAIRS).is_err());
    }
}
