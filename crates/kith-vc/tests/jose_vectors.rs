//! JOSE Cookbook (RFC 7520) and RFC 8037 signature vectors from
//! `$KITH_VECTORS/jose/` (shared/vectors/README.md §11), through
//! `kith_crypto::CompactJws` with the JWK each vector gives.
//!
//! Every JSON file under `jose/` is accounted for: verified, skipped with a reason
//! (an algorithm Kith does not implement, and then Kith's refusal code is checked),
//! or out of scope (JWE and JWK files, which hold no signature). A signature example
//! in an algorithm Kith supports cannot be skipped: the test derives each file's
//! algorithms itself and fails if a supported one is not verified.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{
    Algorithm, CompactJws, Header, Jwk, KeyType, LocalSigner, PrivateKey, PublicKey, sign_compact,
};
use serde_json::Value;

/// Signature vectors Kith verifies.
const VERIFIED: &[&str] = &["curve25519/jws.json"];

/// Signature vectors in algorithms Kith does not implement, with why, and the code Kith
/// refuses their compact form with (`None` when there is no compact form).
const SKIPPED: &[(&str, &str, Option<&str>)] = &[
    (
        "jws/4_3.ecdsa_signature.json",
        "ES512 (P-521): Kith implements EdDSA, ES256, ES384 and ES256K only",
        Some("unsupported_algorithm"),
    ),
    (
        "jws/4_4.hmac-sha2_integrity_protection.json",
        "HS256: a symmetric MAC, never accepted for credentials",
        Some("hmac_with_public_key"),
    ),
    (
        "jws/4_5.signature_with_detached_content.json",
        "HS256 with detached content",
        Some("hmac_with_public_key"),
    ),
    (
        "jws/4_6.protecting_specific_header_fields.json",
        "HS256, JWS JSON serialization only (unprotected header)",
        None,
    ),
    (
        "jws/4_7.protecting_content_only.json",
        "HS256 with an unprotected alg, JWS JSON serialization only",
        None,
    ),
    (
        "jws/4_8.multiple_signatures.json",
        "RS256 + ES512 + HS256, general JWS JSON serialization only",
        None,
    ),
    (
        "rfc7797/4.2.hmac-sha2_b64_false.json",
        "HS256 with b64:false (RFC 7797), JSON serialization only",
        None,
    ),
    (
        "rfc7797/hmac-sha2_b64_false.json",
        "HS256 with b64:false (RFC 7797): crit extensions are refused",
        Some("unknown_crit"),
    ),
];

/// Files that hold no signature example.
const OUT_OF_SCOPE: &[(&str, &str)] = &[
    (
        "jwe/",
        "JWE encryption vectors: kith-crypto's JWE, not signatures",
    ),
    ("jwk/", "JWK encodings only, no signature"),
    (
        "curve25519/ecdh-es.json",
        "X25519 ECDH-ES encryption, not a signature",
    ),
];

fn jose_dir() -> PathBuf {
    let root = std::env::var_os("KITH_VECTORS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
        PathBuf::from,
    );
    let dir = root.join("jose");
    assert!(
        dir.join("jws").is_dir() && dir.join("curve25519/jws.json").is_file(),
        "JOSE cookbook vectors not found at {}: set KITH_VECTORS to the shared vectors folder \
         (shared/vectors/README.md §11)",
        dir.display()
    );
    dir
}

fn json_files(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(
                path.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

fn load(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

/// The `alg` of each signature in a vector, from its JSON serialization (protected
/// header, else unprotected header).
fn algorithms(vector: &Value) -> Vec<String> {
    let output = &vector["output"];
    let signatures: Vec<&Value> = match output["json"].get("signatures") {
        Some(Value::Array(signatures)) => signatures.iter().collect(),
        _ => vec![&output["json"]],
    };
    signatures
        .into_iter()
        .map(|s| {
            let protected = s["protected"]
                .as_str()
                .map(|p| serde_json::from_slice::<Value>(&base64url_decode(p).unwrap()).unwrap());
            protected
                .as_ref()
                .and_then(|p| p["alg"].as_str())
                .or_else(|| s["header"]["alg"].as_str())
                .expect("every signature names its alg")
                .to_owned()
        })
        .collect()
}

fn is_kith_algorithm(alg: &str) -> bool {
    Algorithm::ALL.iter().any(|a| a.name() == alg)
}

#[test]
fn every_jose_vector_is_verified_or_skipped_with_a_reason() {
    let dir = jose_dir();
    let mut files = Vec::new();
    json_files(&dir, &dir, &mut files);
    files.sort();
    let mut seen = BTreeSet::new();
    let (mut verified, mut skipped) = (0, 0);
    for name in &files {
        if OUT_OF_SCOPE
            .iter()
            .any(|(prefix, _)| name.starts_with(prefix))
        {
            continue;
        }
        let vector = load(&dir, name);
        let algs = algorithms(&vector);
        let supported = algs.iter().any(|a| is_kith_algorithm(a));
        if let Some((_, reason, refusal)) = SKIPPED.iter().find(|(n, ..)| n == name) {
            assert!(
                !supported,
                "{name} uses {algs:?}, which Kith supports: verify it instead ({reason})"
            );
            if let Some(code) = refusal {
                check_refusal(name, &vector, code);
            }
            eprintln!("skipped {name} ({algs:?}): {reason}");
            skipped += 1;
        } else {
            assert!(
                VERIFIED.contains(&name.as_str()),
                "{name} ({algs:?}) is neither verified nor skipped"
            );
            assert!(supported, "{name} is listed as verified but uses {algs:?}");
            verify_vector(name, &vector);
            eprintln!("verified {name} ({algs:?})");
            verified += 1;
        }
        seen.insert(name.clone());
    }
    for name in VERIFIED
        .iter()
        .copied()
        .chain(SKIPPED.iter().map(|(n, ..)| *n))
    {
        assert!(
            seen.contains(name),
            "{name} is listed but missing from {}",
            dir.display()
        );
    }
    eprintln!("JOSE vectors: {verified} verified, {skipped} skipped");
    assert_eq!((verified, skipped), (VERIFIED.len(), SKIPPED.len()));
}

/// Kith refuses the compact form of an unsupported vector with `code`.
fn check_refusal(name: &str, vector: &Value, code: &str) {
    let compact = vector["output"]["compact"]
        .as_str()
        .expect("a compact form");
    let any_key = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key();
    let err = CompactJws::parse(compact)
        .and_then(|jws| jws.verify(&any_key, &Algorithm::ALL))
        .unwrap_err();
    assert_eq!(err.code(), code, "{name}: {err}");
    // Its key is not one Kith decodes either, when it has an EC or OKP key.
    if let Ok(jwk) = serde_json::from_value::<Jwk>(vector["input"]["key"].clone())
        && matches!(jwk.kty.as_str(), "EC" | "OKP")
    {
        assert_eq!(
            PublicKey::from_jwk(&jwk).unwrap_err().code(),
            "unsupported_key_type",
            "{name}"
        );
    }
}

/// Verifies a vector's compact form and JSON serializations with its public JWK, and
/// rejects it with one bit of the signature flipped.
fn verify_vector(name: &str, vector: &Value) {
    let private: Jwk = serde_json::from_value(vector["input"]["key"].clone()).unwrap();
    let key = PublicKey::from_jwk(&private.to_public()).unwrap();
    let alg: Algorithm = vector["input"]["alg"].as_str().unwrap().parse().unwrap();
    let compact = vector["output"]["compact"].as_str().unwrap();
    let jws = CompactJws::parse(compact).unwrap();
    assert_eq!(jws.verify(&key, &[alg]).unwrap(), alg, "{name}");
    assert_eq!(
        jws.payload(),
        vector["input"]["payload"].as_str().unwrap().as_bytes(),
        "{name}"
    );
    // The JSON serializations carry the same three parts.
    let parts: Vec<&str> = compact.split('.').collect();
    let flat = &vector["output"]["json_flat"];
    assert_eq!(
        [
            flat["protected"].as_str(),
            flat["payload"].as_str(),
            flat["signature"].as_str()
        ],
        parts.iter().map(|p| Some(*p)).collect::<Vec<_>>()[..]
    );
    assert_eq!(
        format!("{}.{}", parts[0], parts[1]),
        vector["signing"]["sig-input"].as_str().unwrap()
    );
    // A flipped bit in the signature does not verify.
    let mut signature = base64url_decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let tampered = format!("{}.{}.{}", parts[0], parts[1], base64url_encode(&signature));
    let err = CompactJws::parse(&tampered)
        .unwrap()
        .verify(&key, &[alg])
        .unwrap_err();
    assert_eq!(err.code(), "invalid_signature", "{name}");
}

/// RFC 8037 Appendix A.4 / cookbook `curve25519/jws.json`: Ed25519 is deterministic,
/// so Kith's signer must reproduce the compact serialization byte for byte.
#[tokio::test]
async fn ed25519_signing_reproduces_the_vector_byte_for_byte() {
    let vector = load(&jose_dir(), "curve25519/jws.json");
    assert_eq!(vector["reproducible"], true);
    let jwk: Jwk = serde_json::from_value(vector["input"]["key"].clone()).unwrap();
    let signer = LocalSigner::new(PrivateKey::from_jwk(&jwk).unwrap()).unwrap();
    let payload = vector["input"]["payload"].as_str().unwrap();
    let compact = sign_compact(Header::default(), payload.as_bytes(), &signer)
        .await
        .unwrap();
    assert_eq!(compact, vector["output"]["compact"].as_str().unwrap());
    assert_eq!(
        compact.rsplit_once('.').unwrap().1,
        vector["signing"]["sig"].as_str().unwrap()
    );
}

/// The cookbook has no ES256 example, so RFC 7515 Appendix A.3 stands in for it:
/// an ES256 JWS and the P-256 key that made it, as printed in the RFC.
#[test]
fn rfc7515_a3_es256_verifies() {
    const JWS: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    let jwk: Jwk = serde_json::from_str(
        r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
    )
    .unwrap();
    // The private key matches the public one (PrivateKey::from_jwk checks it).
    let key = PrivateKey::from_jwk(&jwk).unwrap().public_key();
    let jws = CompactJws::parse(JWS).unwrap();
    assert_eq!(
        jws.verify(&key, &[Algorithm::Es256]).unwrap(),
        Algorithm::Es256
    );
    assert!(jws.payload().starts_with(b"{\"iss\":\"joe\""));
    // Not with ES256 off the allow-list, and not with another key.
    assert_eq!(
        jws.verify(&key, &[Algorithm::EdDsa]).unwrap_err().code(),
        "alg_not_allowed"
    );
    let other = PrivateKey::generate(KeyType::P256).unwrap().public_key();
    assert_eq!(
        jws.verify(&other, &[Algorithm::Es256]).unwrap_err().code(),
        "invalid_signature"
    );
}
