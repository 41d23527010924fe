//! did:key against the W3C CCG did-method-key test vectors
//! (`$KITH_VECTORS/did-key/test-vectors/*.json`, w3c-ccg/did-method-key @f5abee8).
//!
//! The vectors' documents use the older suites (Ed25519VerificationKey2018,
//! publicKeyBase58, JsonWebKey2020), while Kith emits Multikey. So they are used for
//! the key encodings: the key in our document must be the key in the vector, the
//! vector's private key must derive it, Ed25519 must derive the vector's X25519
//! keyAgreement key, and the relationships must match.

use std::path::{Path, PathBuf};

use kith_crypto::{Jwk, KeyType, PrivateKey, PublicKey, multibase};
use kith_did::method::key;
use kith_did::{Did, Document, Relationship, VerificationMethod};
use serde_json::{Map, Value};

const RELATIONSHIPS: [Relationship; 5] = [
    Relationship::Authentication,
    Relationship::AssertionMethod,
    Relationship::KeyAgreement,
    Relationship::CapabilityInvocation,
    Relationship::CapabilityDelegation,
];

fn vectors_dir() -> PathBuf {
    let root = match std::env::var_os("KITH_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
    };
    let dir = root.join("did-key").join("test-vectors");
    assert!(
        dir.is_dir(),
        "the did:key test vectors are missing: {} is not a directory. \
         Set KITH_VECTORS to the shared vectors folder (the one holding did-key/).",
        dir.display()
    );
    dir
}

fn load(file: &str) -> Map<String, Value> {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => panic!("{} is not a JSON object", path.display()),
        Err(e) => panic!("{} is not JSON: {e}", path.display()),
    }
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd-length hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_else(|e| panic!("hex {text:?}: {e}"))
        })
        .collect()
}

fn base58(text: &str) -> Vec<u8> {
    multibase::decode_base58btc(&format!("z{text}"))
        .unwrap_or_else(|e| panic!("base58 {text:?}: {e}"))
}

/// A verification method object from a vector, read with our model.
fn vector_vm(value: &Value) -> VerificationMethod {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!("vector verification method does not deserialize: {e}\n{value:#}")
    })
}

/// The public key of a vector's verification method. `P256Key2021` (publicKeyBase58 of
/// a compressed point) is not a type `VerificationMethod::public_key` knows, so its
/// bytes are decoded as a key of `fallback` type.
fn vector_public_key(value: &Value, fallback: KeyType) -> PublicKey {
    let vm = vector_vm(value);
    match vm.public_key() {
        Ok(key) => key,
        Err(e) if vm.type_ == "P256Key2021" => {
            assert_eq!(e.resolution_error(), "invalidPublicKeyType", "{e}");
            let bytes = base58(
                vm.extra["publicKeyBase58"]
                    .as_str()
                    .expect("publicKeyBase58"),
            );
            PublicKey::from_bytes(fallback, &bytes).expect("P256Key2021 bytes")
        }
        Err(e) => panic!("vector key {} does not decode: {e}", vm.id),
    }
}

/// The private key a vector's key pair or entry carries, if any.
fn vector_private_key(entry: &Value, pair: &Value, key_type: KeyType) -> Option<PrivateKey> {
    if let Some(jwk) = pair.get("privateKeyJwk") {
        let jwk: Jwk = serde_json::from_value(jwk.clone()).expect("privateKeyJwk");
        return Some(PrivateKey::from_jwk(&jwk).expect("privateKeyJwk is a valid private key"));
    }
    if let Some(Value::String(b58)) = pair.get("privateKeyBase58") {
        return Some(PrivateKey::from_bytes(key_type, &base58(b58)).expect("privateKeyBase58"));
    }
    if let Some(Value::String(seed)) = entry.get("seed") {
        return Some(PrivateKey::from_bytes(key_type, &hex(seed)).expect("seed"));
    }
    None
}

/// Our did:key document for `did`, with its one primary Multikey method checked.
fn resolve(did: &Did) -> (Document, PublicKey) {
    let doc = key::document(did).unwrap_or_else(|e| panic!("{did} does not resolve: {e}"));
    assert_eq!(doc.id, *did);
    let primary = &doc.verification_method[0];
    assert_eq!(primary.id, format!("{did}#{}", did.method_specific_id()));
    assert_eq!(primary.type_, "Multikey");
    assert_eq!(primary.controller, did.as_str());
    assert_eq!(
        primary.public_key_multibase.as_deref(),
        Some(did.method_specific_id())
    );
    let key = primary.public_key().expect("our Multikey decodes");
    // Encoding the key again gives the DID back.
    assert_eq!(key::did_for(&key), *did);
    // Our document survives a JSON round trip.
    let json = serde_json::to_vec(&doc).unwrap();
    assert_eq!(Document::from_json(&json).unwrap(), doc);
    (doc, key)
}

/// Every relationship the vector's document lists is listed in ours and vice versa,
/// and every reference in ours names a method in ours.
fn check_relationships(did: &Did, ours: &Document, vector_doc: &Value) {
    for rel in RELATIONSHIPS {
        let in_vector = vector_doc
            .get(rel.name())
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let in_ours = ours.relationship(rel);
        assert_eq!(
            !in_ours.is_empty(),
            in_vector,
            "{did}: {} is {} in the vector but {} in ours",
            rel.name(),
            if in_vector { "present" } else { "absent" },
            if in_ours.is_empty() {
                "absent"
            } else {
                "present"
            },
        );
        assert_eq!(
            ours.methods_for(rel).len(),
            in_ours.len(),
            "{did}: dangling {} reference",
            rel.name()
        );
    }
}

fn expect_unsupported(did: &Did) {
    let err = key::document(did).expect_err("an unsupported key type must not resolve");
    assert_eq!(err.code(), "invalid_public_key_type", "{did}: {err}");
    assert_eq!(
        err.resolution_error(),
        "invalidPublicKeyType",
        "{did}: {err}"
    );
}

fn parse(did: &str) -> Did {
    Did::parse(did).unwrap_or_else(|e| panic!("vector DID {did} does not parse: {e}"))
}

#[test]
fn ed25519_with_derived_x25519() {
    let vectors = load("ed25519-x25519.json");
    let mut checked = 0;
    for (did_text, entry) in &vectors {
        let did = parse(did_text);
        let (doc, ours) = resolve(&did);
        assert_eq!(ours.key_type(), KeyType::Ed25519, "{did}");

        let pair = &entry["verificationKeyPair"];
        assert_eq!(
            vector_public_key(pair, KeyType::Ed25519),
            ours,
            "{did}: verification key"
        );
        let doc_vm = &entry["didDocument"]["verificationMethod"][0];
        assert_eq!(
            vector_public_key(doc_vm, KeyType::Ed25519),
            ours,
            "{did}: document key"
        );
        let private =
            vector_private_key(entry, pair, KeyType::Ed25519).expect("a seed or private key");
        assert_eq!(
            private.public_key(),
            ours,
            "{did}: the seed derives another key"
        );

        // keyAgreement: one X25519 Multikey, the vector's key, with the vector's id.
        let agreement = doc.methods_for(Relationship::KeyAgreement);
        assert_eq!(agreement.len(), 1, "{did}");
        let ka_ours = agreement[0].public_key().expect("X25519 Multikey");
        assert_eq!(ka_ours.key_type(), KeyType::X25519);
        let ka_pair = &entry["keyAgreementKeyPair"];
        assert_eq!(
            vector_public_key(ka_pair, KeyType::X25519),
            ka_ours,
            "{did}: keyAgreement key"
        );
        let ka_fragment = |id: &str| id.rsplit_once('#').map(|(_, f)| f.to_owned());
        assert_eq!(
            ka_fragment(&agreement[0].id),
            ka_fragment(ka_pair["id"].as_str().unwrap()),
            "{did}: keyAgreement id"
        );
        assert_eq!(ours.to_x25519().as_ref(), Some(&ka_ours));
        let x_private = private.to_x25519().expect("Ed25519 converts to X25519");
        assert_eq!(
            x_private.public_key(),
            ka_ours,
            "{did}: the X25519 secret from the seed"
        );
        let ka_private = vector_private_key(&Value::Null, ka_pair, KeyType::X25519)
            .expect("the keyAgreement pair has a private key");
        assert_eq!(
            ka_private.public_key(),
            ka_ours,
            "{did}: the vector's X25519 private key"
        );

        check_relationships(&did, &doc, &entry["didDocument"]);
        checked += 1;
    }
    assert!(checked > 0, "no Ed25519 DIDs checked");
    assert_eq!(checked, vectors.len());
}

#[test]
fn x25519() {
    let vectors = load("x25519.json");
    let documents = vectors["didDocument"].as_object().expect("didDocument map");
    let mut checked = 0;
    for (did_text, vector_doc) in documents {
        let did = parse(did_text);
        let (doc, ours) = resolve(&did);
        assert_eq!(ours.key_type(), KeyType::X25519, "{did}");
        assert_eq!(
            doc.verification_method.len(),
            1,
            "{did}: X25519 has no derived keys"
        );
        let vm = &vector_doc["verificationMethod"][0];
        assert_eq!(vector_public_key(vm, KeyType::X25519), ours, "{did}");
        check_relationships(&did, &doc, vector_doc);
        for rel in [Relationship::Authentication, Relationship::AssertionMethod] {
            assert!(
                doc.relationship(rel).is_empty(),
                "{did}: X25519 cannot sign"
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "no X25519 DIDs checked");
    assert_eq!(checked, documents.len());
}

#[test]
fn secp256k1() {
    let vectors = load("secp256k1.json");
    let mut checked = 0;
    let mut with_private = 0;
    for (did_text, entry) in &vectors {
        let did = parse(did_text);
        let (doc, ours) = resolve(&did);
        assert_eq!(ours.key_type(), KeyType::Secp256k1, "{did}");
        let pair = &entry["verificationKeyPair"];
        assert_eq!(
            vector_public_key(pair, KeyType::Secp256k1),
            ours,
            "{did}: verification key"
        );
        let doc_vm = &entry["didDocument"]["verificationMethod"][0];
        assert_eq!(
            vector_public_key(doc_vm, KeyType::Secp256k1),
            ours,
            "{did}: document key"
        );
        if let Some(private) = vector_private_key(entry, pair, KeyType::Secp256k1) {
            assert_eq!(
                private.public_key(),
                ours,
                "{did}: the private key derives another key"
            );
            with_private += 1;
        }
        // The seed and privateKeyBase58, when both are given, are the same scalar.
        if let (Some(Value::String(seed)), Some(Value::String(b58))) =
            (entry.get("seed"), pair.get("privateKeyBase58"))
        {
            assert_eq!(hex(seed), base58(b58), "{did}");
        }
        check_relationships(&did, &doc, &entry["didDocument"]);
        checked += 1;
    }
    assert!(checked > 0, "no secp256k1 DIDs checked");
    assert_eq!(checked, vectors.len());
    assert_eq!(
        with_private,
        vectors.len(),
        "every secp256k1 vector carries a private key"
    );
}

#[test]
fn nist_curves() {
    let vectors = load("nist-curves.json");
    let (mut checked, mut unsupported) = (0, 0);
    for (did_text, entry) in &vectors {
        let did = parse(did_text);
        let vm = &entry["verificationMethod"];
        let crv = vm["publicKeyJwk"]["crv"].as_str();
        if crv == Some("P-521") {
            assert!(did.method_specific_id().starts_with("z2J9"), "{did}");
            expect_unsupported(&did);
            unsupported += 1;
            continue;
        }
        let (doc, ours) = resolve(&did);
        let expected_type = match (crv, did.method_specific_id().get(..4)) {
            (Some("P-256"), _) | (None, Some("zDna")) => KeyType::P256,
            (Some("P-384"), _) => KeyType::P384,
            other => panic!("{did}: unexpected vector {other:?}"),
        };
        assert_eq!(ours.key_type(), expected_type, "{did}");
        assert_eq!(
            vector_public_key(vm, expected_type),
            ours,
            "{did}: verification key"
        );
        let doc_vm = &entry["didDocument"]["verificationMethod"][0];
        assert_eq!(
            vector_public_key(doc_vm, expected_type),
            ours,
            "{did}: document key"
        );
        let private = vector_private_key(entry, vm, expected_type).expect("a private key");
        assert_eq!(
            private.public_key(),
            ours,
            "{did}: the private key derives another key"
        );
        check_relationships(&did, &doc, &entry["didDocument"]);
        checked += 1;
    }
    assert!(checked > 0, "no P-256/P-384 DIDs checked");
    assert!(unsupported > 0, "no P-521 DIDs checked");
    assert_eq!(checked + unsupported, vectors.len());
}

/// BLS12-381 G2 keys (`bls12_381-g2-pub`, used by bbs-2023) resolve to the vector's key;
/// G1 and G1+G2 keys are not a type Kith supports.
#[test]
fn bls12381_g2_resolves_and_other_bls_keys_are_unsupported() {
    let vectors = load("bls12381.json");
    let (mut g2, mut other) = (0, 0);
    for (did_text, entry) in &vectors {
        let did = parse(did_text);
        let pair = &entry["verificationKeyPair"];
        if pair["type"] == "Bls12381G2Key2020" {
            let (doc, key) = resolve(&did);
            assert_eq!(key.key_type(), KeyType::Bls12381G2, "{did}");
            let expected = base58(pair["publicKeyBase58"].as_str().expect("publicKeyBase58"));
            assert_eq!(
                key.to_bytes(),
                expected,
                "{did}: the vector's G2 public key"
            );
            check_relationships(&did, &doc, &entry["didDocument"]);
            g2 += 1;
        } else {
            expect_unsupported(&did);
            other += 1;
        }
    }
    assert!(
        g2 > 0 && other > 0,
        "G2 {g2}, other {other} BLS12-381 DIDs checked"
    );
}

#[test]
fn rsa_is_an_unsupported_key_type() {
    let vectors = load("rsa.json");
    let mut checked = 0;
    for (did_text, entry) in &vectors {
        assert_eq!(entry["publicKeyJwk"]["kty"], "RSA");
        expect_unsupported(&parse(did_text));
        checked += 1;
    }
    assert!(checked > 0, "no RSA DIDs checked");
}

/// The files this test reads are all there, so a vector folder with a file missing fails.
#[test]
fn every_vector_file_is_present() {
    let dir = vectors_dir();
    for file in [
        "ed25519-x25519.json",
        "x25519.json",
        "secp256k1.json",
        "nist-curves.json",
        "bls12381.json",
        "rsa.json",
    ] {
        assert!(
            dir.join(file).is_file(),
            "{} is missing",
            dir.join(file).display()
        );
    }
}
