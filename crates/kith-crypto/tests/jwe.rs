//! JWE (RFC 7516) with ECDH-ES (RFC 7518 §4.6): the RFC 7518 Appendix C vector, round
//! trips on every recipient curve, and one test per refusal with its error code.

use aes_gcm::aead::{AeadInOut, KeyInit};
use kith_crypto::jwe::{self, ContentEncryption, JweError, KeyManagement};
use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{Jwk, KeyType, PrivateKey, PublicKey};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const ALL_PAIRS: [(KeyManagement, ContentEncryption); 4] = [
    (KeyManagement::EcdhEs, ContentEncryption::A256Gcm),
    (KeyManagement::EcdhEs, ContentEncryption::A128Gcm),
    (KeyManagement::EcdhEsA256Kw, ContentEncryption::A256Gcm),
    (KeyManagement::EcdhEsA256Kw, ContentEncryption::A128Gcm),
];

fn jwk(value: Value) -> Jwk {
    serde_json::from_value(value).unwrap()
}

fn code<T: std::fmt::Debug>(result: Result<T, JweError>) -> &'static str {
    result.unwrap_err().code()
}

fn extra(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// Splits a compact JWE into its five text parts.
fn parts(compact: &str) -> Vec<String> {
    compact.split('.').map(str::to_owned).collect()
}

/// Decodes the header part, lets `edit` change it, and re-encodes it.
fn with_header(compact: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut p = parts(compact);
    let mut header: Map<String, Value> =
        serde_json::from_slice(&base64url_decode(&p[0]).unwrap()).unwrap();
    edit(&mut header);
    p[0] = base64url_encode(&serde_json::to_vec(&header).unwrap());
    p.join(".")
}

/// Flips one bit in the decoded part `index` and re-encodes it.
fn flip(compact: &str, index: usize) -> String {
    let mut p = parts(compact);
    let mut bytes = base64url_decode(&p[index]).unwrap();
    bytes[0] ^= 1;
    p[index] = base64url_encode(&bytes);
    p.join(".")
}

// ---- RFC 7518 Appendix C ---------------------------------------------------------------

fn alice() -> PrivateKey {
    PrivateKey::from_jwk(&jwk(json!({"kty":"EC","crv":"P-256",
        "x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
        "y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
        "d":"0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo"})))
    .unwrap()
}

fn bob() -> PrivateKey {
    PrivateKey::from_jwk(&jwk(json!({"kty":"EC","crv":"P-256",
        "x":"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
        "y":"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
        "d":"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"})))
    .unwrap()
}

/// RFC 7518 Appendix C: Z, the Concat KDF inputs and the derived key, exactly.
#[test]
fn rfc7518_appendix_c_ecdh_es_key_agreement() {
    let z_expected: [u8; 32] = [
        158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110,
        163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
    ];
    // Bob (the recipient) with Alice's ephemeral public key, and Alice with Bob's.
    let z_bob = jwe::key_agreement(&bob(), &alice().public_key()).unwrap();
    let z_alice = jwe::key_agreement(&alice(), &bob().public_key()).unwrap();
    assert_eq!(z_bob.as_slice(), z_expected);
    assert_eq!(z_alice.as_slice(), z_expected);

    // AlgorithmID "A128GCM", PartyUInfo "Alice", PartyVInfo "Bob", 128 bits.
    let derived = jwe::concat_kdf(&z_bob, "A128GCM", b"Alice", b"Bob", 16);
    assert_eq!(
        derived.as_slice(),
        [
            86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26
        ]
    );
    assert_eq!(base64url_encode(&derived), "VqqN6vgjbSBcIijNcacQGg");
}

/// The Appendix C header, end to end: a JWE sealed (here, by hand) under the derived key
/// `VqqN6vgjbSBcIijNcacQGg` with that header as AAD decrypts with Bob's key, so
/// `decrypt` reads epk, apu and apv and feeds the KDF exactly as the RFC does.
#[test]
fn rfc7518_appendix_c_header_decrypts_end_to_end() {
    let header = json!({"alg":"ECDH-ES","enc":"A128GCM","apu":"QWxpY2U","apv":"Qm9i",
        "epk":{"kty":"EC","crv":"P-256",
            "x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
            "y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"}});
    let header_b64 = base64url_encode(&serde_json::to_vec(&header).unwrap());
    let key = base64url_decode("VqqN6vgjbSBcIijNcacQGg").unwrap();
    let iv = [9u8; 12];
    let mut buffer = b"Live long and prosper.".to_vec();
    let cipher = aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap();
    let tag = cipher
        .encrypt_inout_detached(
            &iv.into(),
            header_b64.as_bytes(),
            buffer.as_mut_slice().into(),
        )
        .unwrap();
    let compact = format!(
        "{header_b64}..{}.{}.{}",
        base64url_encode(&iv),
        base64url_encode(&buffer),
        base64url_encode(&tag)
    );
    let out = jwe::decrypt(&compact, &bob(), &ALL_PAIRS).unwrap();
    assert_eq!(out.plaintext.as_slice(), b"Live long and prosper.");
    assert_eq!(out.alg, KeyManagement::EcdhEs);
    assert_eq!(out.enc, ContentEncryption::A128Gcm);
    assert_eq!(out.protected["apu"], "QWxpY2U");
    // Alice cannot: the agreement is with Bob's key.
    assert_eq!(
        code(jwe::decrypt(&compact, &alice(), &ALL_PAIRS)),
        "jwe_decryption_failed"
    );
}

// ---- round trips ---------------------------------------------------------------------

#[test]
fn round_trips_on_every_curve_and_algorithm() {
    for key_type in [KeyType::P256, KeyType::P384, KeyType::X25519] {
        let key = PrivateKey::generate(key_type).unwrap();
        for (alg, enc) in ALL_PAIRS {
            let plaintext = format!("secret for {key_type} {alg} {enc} \u{e9}");
            let extra = extra(json!({
                "kid": "did:example:bob#key-1", "typ": "JWT",
                "apu": base64url_encode(b"wallet"), "apv": base64url_encode(b"nonce-123")
            }));
            let compact =
                jwe::encrypt(&key.public_key(), alg, enc, plaintext.as_bytes(), &extra).unwrap();
            assert_eq!(compact.split('.').count(), 5);
            let out = jwe::decrypt(&compact, &key, &[(alg, enc)]).unwrap();
            assert_eq!(out.plaintext.as_slice(), plaintext.as_bytes());
            assert_eq!((out.alg, out.enc), (alg, enc));
            assert_eq!(out.protected["alg"], alg.name());
            assert_eq!(out.protected["enc"], enc.name());
            assert_eq!(out.protected["kid"], "did:example:bob#key-1");
            assert_eq!(out.protected["epk"]["crv"], key_type.jwk_crv());
            assert!(out.protected["epk"].get("d").is_none());
            // The encrypted key: empty for direct agreement, CEK + 8 for AES-KW.
            let ek = base64url_decode(&parts(&compact)[1]).unwrap();
            match alg {
                KeyManagement::EcdhEs => assert!(ek.is_empty()),
                _ => assert_eq!(ek.len(), enc.key_len() + 8),
            }
            assert_eq!(
                jwe::protected_header(&compact).unwrap()["kid"],
                "did:example:bob#key-1"
            );
        }
    }
}

#[test]
fn empty_and_large_plaintexts_round_trip() {
    let key = PrivateKey::generate(KeyType::X25519).unwrap();
    for plaintext in [Vec::new(), vec![0xa5u8; 300_000]] {
        let compact = jwe::encrypt(
            &key.public_key(),
            KeyManagement::EcdhEsA256Kw,
            ContentEncryption::A256Gcm,
            &plaintext,
            &Map::new(),
        )
        .unwrap();
        let out = jwe::decrypt(&compact, &key, &ALL_PAIRS).unwrap();
        assert_eq!(out.plaintext.as_slice(), plaintext.as_slice());
    }
}

/// An Ed25519 did:key's keyAgreement key is the X25519 form of its Ed25519 key: encrypt
/// to either, decrypt with the Ed25519 private key or its X25519 form.
#[test]
fn ed25519_keys_encrypt_and_decrypt_through_their_x25519_form() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let x = ed.to_x25519().unwrap();
    assert_eq!(ed.public_key().to_x25519().unwrap(), x.public_key());
    for recipient in [ed.public_key(), ed.public_key().to_x25519().unwrap()] {
        let compact = jwe::encrypt(
            &recipient,
            KeyManagement::EcdhEs,
            ContentEncryption::A256Gcm,
            b"to a did:key",
            &Map::new(),
        )
        .unwrap();
        assert_eq!(
            jwe::protected_header(&compact).unwrap()["epk"]["crv"],
            "X25519"
        );
        for key in [&ed, &x] {
            let out = jwe::decrypt(&compact, key, &ALL_PAIRS).unwrap();
            assert_eq!(out.plaintext.as_slice(), b"to a did:key");
        }
    }
}

#[test]
fn each_jwe_uses_a_fresh_ephemeral_key_and_iv() {
    let key = PrivateKey::generate(KeyType::P256).unwrap();
    let a = jwe::encrypt(
        &key.public_key(),
        KeyManagement::EcdhEs,
        ContentEncryption::A256Gcm,
        b"same",
        &Map::new(),
    )
    .unwrap();
    let b = jwe::encrypt(
        &key.public_key(),
        KeyManagement::EcdhEs,
        ContentEncryption::A256Gcm,
        b"same",
        &Map::new(),
    )
    .unwrap();
    let (pa, pb) = (parts(&a), parts(&b));
    assert_ne!(pa[0], pb[0], "epk differs");
    assert_ne!(pa[2], pb[2], "IV differs");
    assert_ne!(pa[3], pb[3], "ciphertext differs");
}

// ---- tampering and wrong keys ----------------------------------------------------------

fn sample(alg: KeyManagement, key_type: KeyType) -> (PrivateKey, String) {
    let key = PrivateKey::generate(key_type).unwrap();
    let compact = jwe::encrypt(
        &key.public_key(),
        alg,
        ContentEncryption::A256Gcm,
        b"attack at dawn",
        &extra(json!({"kid": "k1"})),
    )
    .unwrap();
    (key, compact)
}

#[test]
fn tampered_ciphertext_tag_iv_or_header_fail_authentication() {
    for alg in KeyManagement::ALL {
        let (key, compact) = sample(alg, KeyType::P256);
        for index in [2, 3, 4] {
            assert_eq!(
                code(jwe::decrypt(&flip(&compact, index), &key, &ALL_PAIRS)),
                "jwe_decryption_failed",
                "{alg} part {index}"
            );
        }
        // The protected header is the AAD: changing any member fails the tag.
        let edited = with_header(&compact, |h| {
            h.insert("kid".into(), "k2".into());
        });
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "jwe_decryption_failed"
        );
        // Truncated ciphertext: still fails the tag, never panics.
        let mut p = parts(&compact);
        p[3] = base64url_encode(&base64url_decode(&p[3]).unwrap()[..5]);
        assert_eq!(
            code(jwe::decrypt(&p.join("."), &key, &ALL_PAIRS)),
            "jwe_decryption_failed"
        );
    }
}

#[test]
fn tampered_wrapped_key_or_kdf_input_fails_the_unwrap() {
    let (key, compact) = sample(KeyManagement::EcdhEsA256Kw, KeyType::X25519);
    assert_eq!(
        code(jwe::decrypt(&flip(&compact, 1), &key, &ALL_PAIRS)),
        "jwe_key_unwrap_failed"
    );
    // apv enters the KDF, so the KEK changes and the unwrap fails before the tag.
    let edited = with_header(&compact, |h| {
        h.insert("apv".into(), base64url_encode(b"other").into());
    });
    assert_eq!(
        code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
        "jwe_key_unwrap_failed"
    );
}

#[test]
fn the_wrong_recipient_cannot_decrypt() {
    for key_type in [KeyType::P256, KeyType::P384, KeyType::X25519] {
        let other = PrivateKey::generate(key_type).unwrap();
        let (_, direct) = sample(KeyManagement::EcdhEs, key_type);
        assert_eq!(
            code(jwe::decrypt(&direct, &other, &ALL_PAIRS)),
            "jwe_decryption_failed"
        );
        let (_, wrapped) = sample(KeyManagement::EcdhEsA256Kw, key_type);
        assert_eq!(
            code(jwe::decrypt(&wrapped, &other, &ALL_PAIRS)),
            "jwe_key_unwrap_failed"
        );
    }
}

#[test]
fn the_allow_list_is_enforced() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let result = jwe::decrypt(
        &compact,
        &key,
        &[(KeyManagement::EcdhEsA256Kw, ContentEncryption::A256Gcm)],
    );
    assert_eq!(code(result), "jwe_alg_not_allowed");
    assert_eq!(
        code(jwe::decrypt(&compact, &key, &[])),
        "jwe_alg_not_allowed"
    );
}

#[test]
fn unknown_algorithms_are_named() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    for alg in [
        "RSA-OAEP",
        "dir",
        "none",
        "ECDH-ES+A128KW",
        "A256KW",
        "ecdh-es",
    ] {
        let edited = with_header(&compact, |h| {
            h.insert("alg".into(), alg.into());
        });
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "unsupported_jwe_alg",
            "{alg}"
        );
    }
    for enc in ["A128CBC-HS256", "A192GCM", "XC20P"] {
        let edited = with_header(&compact, |h| {
            h.insert("enc".into(), enc.into());
        });
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "unsupported_jwe_enc",
            "{enc}"
        );
    }
    let no_alg = with_header(&compact, |h| {
        h.remove("alg");
    });
    assert_eq!(
        code(jwe::decrypt(&no_alg, &key, &ALL_PAIRS)),
        "malformed_jwe"
    );
    let numeric_enc = with_header(&compact, |h| {
        h.insert("enc".into(), json!(1));
    });
    assert_eq!(
        code(jwe::decrypt(&numeric_enc, &key, &ALL_PAIRS)),
        "malformed_jwe"
    );
}

#[test]
fn zip_and_crit_are_refused() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let zipped = with_header(&compact, |h| {
        h.insert("zip".into(), "DEF".into());
    });
    assert_eq!(
        code(jwe::decrypt(&zipped, &key, &ALL_PAIRS)),
        "jwe_zip_refused"
    );
    assert_eq!(code(jwe::protected_header(&zipped)), "jwe_zip_refused");
    let crit = with_header(&compact, |h| {
        h.insert("crit".into(), json!(["exp"]));
        h.insert("exp".into(), json!(1));
    });
    assert_eq!(
        code(jwe::decrypt(&crit, &key, &ALL_PAIRS)),
        "jwe_crit_refused"
    );
    let crit_garbage = with_header(&compact, |h| {
        h.insert("crit".into(), json!(7));
    });
    assert_eq!(
        code(jwe::decrypt(&crit_garbage, &key, &ALL_PAIRS)),
        "jwe_crit_refused"
    );
}

/// The invalid-curve attack: an epk off the recipient's curve (here a point whose y was
/// changed, so it lies on another curve y² = x³ - 3x + b') must be refused before the
/// recipient's scalar touches it.
#[test]
fn an_off_curve_epk_is_refused() {
    for key_type in [KeyType::P256, KeyType::P384] {
        let (key, compact) = sample(KeyManagement::EcdhEsA256Kw, key_type);
        let edited = with_header(&compact, |h| {
            let y = h["epk"]["y"].as_str().unwrap().to_owned();
            let mut bytes = base64url_decode(&y).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            h["epk"]["y"] = base64url_encode(&bytes).into();
        });
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "invalid_epk",
            "{key_type}"
        );
        // The point at infinity has no affine encoding; all-zero coordinates are off-curve.
        let zero = with_header(&compact, |h| {
            let len = if key_type == KeyType::P256 { 32 } else { 48 };
            h["epk"]["x"] = base64url_encode(&vec![0u8; len]).into();
            h["epk"]["y"] = base64url_encode(&vec![0u8; len]).into();
        });
        assert_eq!(code(jwe::decrypt(&zero, &key, &ALL_PAIRS)), "invalid_epk");
    }
}

#[test]
fn an_epk_on_another_curve_is_refused() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let p384 = PrivateKey::generate(KeyType::P384).unwrap().public_key();
    let x25519 = PrivateKey::generate(KeyType::X25519).unwrap().public_key();
    for epk in [p384, x25519] {
        let edited = with_header(&compact, |h| {
            h.insert("epk".into(), serde_json::to_value(epk.to_jwk()).unwrap());
        });
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "epk_curve_mismatch"
        );
    }
    // A P-256 key cannot decrypt a JWE made for an X25519 recipient either.
    let (_, x_compact) = sample(KeyManagement::EcdhEs, KeyType::X25519);
    assert_eq!(
        code(jwe::decrypt(&x_compact, &key, &ALL_PAIRS)),
        "epk_curve_mismatch"
    );
}

#[test]
fn a_missing_private_or_unknown_epk_is_refused() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    type Edit = Box<dyn Fn(&mut Map<String, Value>)>;
    let cases: Vec<Edit> = vec![
        Box::new(|h| {
            h.remove("epk");
        }),
        Box::new(|h| {
            h.insert("epk".into(), "not an object".into());
        }),
        Box::new(|h| {
            h["epk"]["d"] = "AAAA".into();
        }),
        Box::new(|h| {
            h["epk"]["crv"] = "P-521".into();
        }),
        Box::new(|h| {
            h["epk"]["kty"] = "RSA".into();
        }),
        Box::new(|h| {
            h["epk"].as_object_mut().unwrap().remove("y");
        }),
    ];
    for (i, edit) in cases.iter().enumerate() {
        let edited = with_header(&compact, |h| edit(h));
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "invalid_epk",
            "case {i}"
        );
    }
}

/// RFC 7748 §6.1: a low-order X25519 epk gives the all-zero secret; refused.
#[test]
fn a_low_order_x25519_epk_is_non_contributory() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::X25519);
    let mut one = [0u8; 32];
    one[0] = 1;
    for point in [[0u8; 32], one] {
        let edited = with_header(&compact, |h| {
            h["epk"]["x"] = base64url_encode(&point).into();
        });
        assert_eq!(
            code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
            "non_contributory"
        );
    }
}

#[test]
fn encrypted_key_lengths_are_checked() {
    let (key, direct) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let mut p = parts(&direct);
    p[1] = base64url_encode(&[0u8; 40]);
    assert_eq!(
        code(jwe::decrypt(&p.join("."), &key, &ALL_PAIRS)),
        "invalid_encrypted_key"
    );
    let (key, wrapped) = sample(KeyManagement::EcdhEsA256Kw, KeyType::P256);
    for len in [0, 24, 39, 41] {
        let mut p = parts(&wrapped);
        p[1] = base64url_encode(&vec![0u8; len]);
        assert_eq!(
            code(jwe::decrypt(&p.join("."), &key, &ALL_PAIRS)),
            "invalid_encrypted_key",
            "{len}"
        );
    }
}

#[test]
fn structure_and_size_are_checked_before_decoding() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let cases = [
        String::new(),
        "a.b.c".to_owned(),
        format!("{compact}.x"),
        compact.replacen('.', "", 1),
        format!("!{compact}"),
        format!("{compact}="),
        format!("{}.{}", base64url_encode(b"[1,2]"), "...."),
        format!("{}....", base64url_encode(b"not json")),
    ];
    for bad in &cases {
        let result = jwe::decrypt(bad, &key, &ALL_PAIRS);
        assert!(
            matches!(
                result.as_ref().map_err(JweError::code),
                Err("malformed_jwe" | "invalid_epk")
            ),
            "{bad:?}: {result:?}"
        );
    }
    // IV and tag lengths.
    for (index, len) in [(2, 11), (2, 16), (4, 15), (4, 0)] {
        let mut p = parts(&compact);
        p[index] = base64url_encode(&vec![0u8; len]);
        assert_eq!(
            code(jwe::decrypt(&p.join("."), &key, &ALL_PAIRS)),
            "malformed_jwe"
        );
    }
    // Size cap, checked before anything else.
    let huge = "a".repeat(jwe::MAX_JWE_LEN + 1);
    assert_eq!(code(jwe::decrypt(&huge, &key, &ALL_PAIRS)), "jwe_too_large");
    assert_eq!(
        code(jwe::decrypt_with_limit(&compact, &key, &ALL_PAIRS, 100)),
        "jwe_too_large"
    );
    let big_header = format!("{}....", "a".repeat(jwe::MAX_HEADER_LEN + 4));
    assert_eq!(
        code(jwe::decrypt(&big_header, &key, &ALL_PAIRS)),
        "jwe_too_large"
    );
}

#[test]
fn caller_header_members_are_checked() {
    let key = PrivateKey::generate(KeyType::P256).unwrap().public_key();
    for name in ["alg", "enc", "epk", "zip", "crit"] {
        let result = jwe::encrypt(
            &key,
            KeyManagement::EcdhEs,
            ContentEncryption::A256Gcm,
            b"x",
            &extra(json!({ name: "x" })),
        );
        assert_eq!(code(result), "invalid_jwe_header", "{name}");
    }
    for bad in [json!({"apu": "not base64!"}), json!({"apv": 5})] {
        let result = jwe::encrypt(
            &key,
            KeyManagement::EcdhEs,
            ContentEncryption::A256Gcm,
            b"x",
            &extra(bad),
        );
        assert_eq!(code(result), "invalid_jwe_header");
    }
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let edited = with_header(&compact, |h| {
        h.insert("kid".into(), json!(["a"]));
    });
    assert_eq!(
        code(jwe::decrypt(&edited, &key, &ALL_PAIRS)),
        "invalid_jwe_header"
    );
}

#[test]
fn secp256k1_is_not_a_recipient() {
    let k = PrivateKey::generate(KeyType::Secp256k1).unwrap();
    let result = jwe::encrypt(
        &k.public_key(),
        KeyManagement::EcdhEs,
        ContentEncryption::A256Gcm,
        b"x",
        &Map::new(),
    );
    assert_eq!(code(result), "unsupported_recipient_key");
    let (_, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    assert_eq!(
        code(jwe::decrypt(&compact, &k, &ALL_PAIRS)),
        "unsupported_recipient_key"
    );
}

#[test]
fn names_parse_and_print() {
    for alg in KeyManagement::ALL {
        assert_eq!(alg.name().parse::<KeyManagement>().unwrap(), alg);
        assert_eq!(alg.to_string(), alg.name());
    }
    for enc in ContentEncryption::ALL {
        assert_eq!(enc.name().parse::<ContentEncryption>().unwrap(), enc);
    }
    let p = PublicKey::from_jwk(&bob().public_key().to_jwk()).unwrap();
    assert_eq!(p, bob().public_key());
}

#[test]
fn decrypted_debug_hides_the_plaintext() {
    let (key, compact) = sample(KeyManagement::EcdhEs, KeyType::P256);
    let out = jwe::decrypt(&compact, &key, &ALL_PAIRS).unwrap();
    assert!(!format!("{out:?}").contains("attack at dawn"));
}

// ---- properties ------------------------------------------------------------------------

fn fixed_key() -> PrivateKey {
    PrivateKey::from_bytes(KeyType::P256, &[3u8; 32]).unwrap()
}

fn fixed_jwe() -> String {
    jwe::encrypt(
        &fixed_key().public_key(),
        KeyManagement::EcdhEsA256Kw,
        ContentEncryption::A256Gcm,
        b"property",
        &extra(json!({"kid": "k"})),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary text never panics the parser or the decrypter.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = jwe::protected_header(&text);
        let _ = jwe::decrypt(&text, &fixed_key(), &ALL_PAIRS);
    }

    /// Five arbitrary base64url parts never panic and never decrypt.
    #[test]
    fn arbitrary_parts_never_decrypt(
        parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 5)
    ) {
        let compact = parts.iter().map(|p| base64url_encode(p)).collect::<Vec<_>>().join(".");
        prop_assert!(jwe::decrypt(&compact, &fixed_key(), &ALL_PAIRS).is_err());
    }

    /// Any single-character edit of a valid JWE is refused (strict base64url, the AAD,
    /// the KW integrity check and the tag leave no malleable bit).
    #[test]
    fn any_edit_of_a_valid_jwe_is_refused(at in any::<prop::sample::Index>(), c in "[A-Za-z0-9_.=-]") {
        let compact = fixed_jwe();
        let i = at.index(compact.len());
        let mut edited = compact.clone();
        edited.replace_range(i..=i, &c);
        prop_assume!(edited != compact);
        prop_assert!(jwe::decrypt(&edited, &fixed_key(), &ALL_PAIRS).is_err());
    }

    /// Any plaintext and header extras round-trip.
    #[test]
    fn plaintexts_round_trip(plaintext in proptest::collection::vec(any::<u8>(), 0..2000),
                             kid in "[ -~]{0,40}", pair in 0usize..4) {
        let key = fixed_key();
        let (alg, enc) = ALL_PAIRS[pair];
        let compact = jwe::encrypt(&key.public_key(), alg, enc, &plaintext,
            &extra(json!({"kid": kid}))).unwrap();
        let out = jwe::decrypt(&compact, &key, &[(alg, enc)]).unwrap();
        prop_assert_eq!(out.plaintext.as_slice(), plaintext.as_slice());
        prop_assert_eq!(&out.protected["kid"], &Value::from(kid));
    }
}

/// The fuzz target's entry never panics on a few shapes of input.
#[test]
fn fuzz_entry_smoke() {
    jwe::__fuzz_compact(b"");
    jwe::__fuzz_compact(fixed_jwe().as_bytes());
    jwe::__fuzz_compact(b"a.b.c.d.e");
    jwe::__fuzz_compact(&[0xff, 0xfe]);
}
