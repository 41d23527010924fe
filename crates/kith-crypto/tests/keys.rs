//! Key encodings: property tests for the JWK and Multikey round trips of every key type,
//! Ed25519 → X25519 conversion, panic-freedom of the decoders on arbitrary input, and
//! known-answer vectors.

use kith_crypto::multibase::{self, Base};
use kith_crypto::{Algorithm, CompactJws, Jwk, KeyType, MAX_JWK_LEN, PrivateKey, PublicKey};
use proptest::prelude::*;

/// The Multikey prefixes the did:key and Multikey specs list for each key type.
fn multikey_prefix(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Ed25519 => "z6Mk",
        KeyType::X25519 => "z6LS",
        KeyType::P256 => "zDn",
        KeyType::P384 => "z82",
        KeyType::Secp256k1 => "zQ3s",
        other => panic!("no prefix known for {other}"),
    }
}

fn decode_hex<const N: usize>(s: &str) -> [u8; N] {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// Builds the key for `seed`, or asserts the documented refusal for an invalid scalar.
fn key_or_refusal(key_type: KeyType, seed: &[u8]) -> Option<PrivateKey> {
    match PrivateKey::from_bytes(key_type, &seed[..key_type.secret_len()]) {
        Ok(key) => Some(key),
        Err(e) => {
            // Only ECDSA scalars can be invalid (zero or not below the order).
            assert!(matches!(
                key_type,
                KeyType::P256 | KeyType::P384 | KeyType::Secp256k1
            ));
            assert_eq!(e.code(), "invalid_private_key");
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn private_jwk_round_trips(seed in prop::collection::vec(any::<u8>(), 48)) {
        for key_type in KeyType::ALL {
            let Some(key) = key_or_refusal(key_type, &seed) else { continue };
            prop_assert_eq!(key.key_type(), key_type);
            prop_assert_eq!(&key.to_bytes()[..], &seed[..key_type.secret_len()]);

            let jwk = key.to_jwk();
            prop_assert_eq!(jwk.kty.as_str(), key_type.jwk_kty());
            prop_assert_eq!(jwk.crv.as_deref(), Some(key_type.jwk_crv()));
            prop_assert!(jwk.is_private());
            let json = jwk.to_json();
            let parsed = Jwk::from_json(json.as_bytes()).unwrap();
            prop_assert_eq!(&parsed, &jwk);
            let back = PrivateKey::from_jwk(&parsed).unwrap();
            prop_assert_eq!(back.to_bytes(), key.to_bytes());
            prop_assert_eq!(back.public_key(), key.public_key());

            // The public half carries no d and decodes to the same public key.
            let public = jwk.to_public();
            prop_assert!(!public.is_private());
            prop_assert!(!public.to_json().contains("\"d\""));
            prop_assert_eq!(PublicKey::from_jwk(&public).unwrap(), key.public_key());
            prop_assert_eq!(key.public_key().to_jwk(), public.clone());
            prop_assert_eq!(PrivateKey::from_jwk(&public).unwrap_err().code(), "invalid_jwk");
            prop_assert_eq!(public.thumbprint().unwrap(), jwk.thumbprint().unwrap());
        }
    }

    #[test]
    fn multikeys_round_trip(seed in prop::collection::vec(any::<u8>(), 48)) {
        for key_type in KeyType::ALL {
            let Some(key) = key_or_refusal(key_type, &seed) else { continue };
            let public = key.public_key();
            let multikey = public.to_multikey();
            prop_assert!(multikey.starts_with(multikey_prefix(key_type)), "{multikey}");
            prop_assert_eq!(PublicKey::from_multikey(&multikey).unwrap(), public.clone());
            prop_assert_eq!(PublicKey::from_bytes(key_type, &public.to_bytes()).unwrap(), public.clone());

            let secret = key.to_multikey();
            let back = PrivateKey::from_multikey(&secret).unwrap();
            prop_assert_eq!(back.key_type(), key_type);
            prop_assert_eq!(back.to_bytes(), key.to_bytes());
            prop_assert_eq!(back.public_key(), public);

            // A secret Multikey is not a public one and vice versa.
            prop_assert_eq!(PublicKey::from_multikey(&secret).unwrap_err().code(), "unsupported_key_type");
            prop_assert_eq!(PrivateKey::from_multikey(&multikey).unwrap_err().code(), "unsupported_key_type");
        }
    }

    #[test]
    fn weierstrass_keys_accept_both_sec1_forms(seed in prop::collection::vec(any::<u8>(), 48)) {
        for key_type in [KeyType::P256, KeyType::P384, KeyType::Secp256k1] {
            let Some(key) = key_or_refusal(key_type, &seed) else { continue };
            let public = key.public_key();
            let jwk = public.to_jwk();
            let x = multibase::base64url_decode(jwk.x.as_deref().unwrap()).unwrap();
            let y = multibase::base64url_decode(jwk.y.as_deref().unwrap()).unwrap();
            let uncompressed = [&[4u8][..], &x, &y].concat();
            prop_assert_eq!(PublicKey::from_bytes(key_type, &uncompressed).unwrap(), public.clone());
            // Multikey carries the compressed point: 0x02/0x03 || x.
            let compressed = public.to_bytes();
            prop_assert_eq!(compressed.len(), 1 + x.len());
            prop_assert_eq!(compressed[0], 2 + (y[y.len() - 1] & 1));
            prop_assert_eq!(&compressed[1..], &x[..]);
        }
    }

    #[test]
    fn signatures_verify_and_bind_the_message(
        seed in prop::collection::vec(any::<u8>(), 48),
        message in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        for key_type in [KeyType::Ed25519, KeyType::P256, KeyType::P384, KeyType::Secp256k1] {
            let Some(key) = key_or_refusal(key_type, &seed) else { continue };
            let alg = key.algorithm().unwrap();
            let sig = key.sign(&message).unwrap();
            prop_assert_eq!(sig.len(), alg.signature_len());
            prop_assert!(key.public_key().verify(alg, &message, &sig).is_ok());
            let mut other = message.clone();
            other.push(0);
            prop_assert_eq!(
                key.public_key().verify(alg, &other, &sig).unwrap_err().code(),
                "invalid_signature"
            );
        }
    }

    #[test]
    fn ed25519_to_x25519_is_consistent(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
        let ed_a = PrivateKey::from_bytes(KeyType::Ed25519, &a).unwrap();
        let ed_b = PrivateKey::from_bytes(KeyType::Ed25519, &b).unwrap();
        let x_a = ed_a.to_x25519().unwrap();
        let x_b = ed_b.to_x25519().unwrap();
        prop_assert_eq!(x_a.key_type(), KeyType::X25519);
        // The X25519 public key of the converted private key is the converted public key.
        let converted_a = ed_a.public_key().to_x25519().unwrap();
        let converted_b = ed_b.public_key().to_x25519().unwrap();
        prop_assert_eq!(x_a.public_key(), converted_a.clone());
        prop_assert_eq!(x_b.public_key(), converted_b.clone());
        // And both sides of an agreement between converted keys meet.
        let ab = x_a.x25519_agree(&converted_b).unwrap();
        let ba = x_b.x25519_agree(&converted_a).unwrap();
        prop_assert_eq!(&ab[..], &ba[..]);
    }

    #[test]
    fn varint_round_trips(code in 0u64..(1 << 63), payload in prop::collection::vec(any::<u8>(), 0..8)) {
        let encoded = multibase::multicodec_encode(code, &payload);
        let (decoded, rest) = multibase::multicodec_decode(&encoded).unwrap();
        prop_assert_eq!(decoded, code);
        prop_assert_eq!(rest, &payload[..]);
    }

    #[test]
    fn raw_public_key_bytes_decode_or_are_refused(
        bytes in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        for key_type in KeyType::ALL {
            match PublicKey::from_bytes(key_type, &bytes) {
                Ok(key) => {
                    prop_assert_eq!(key.key_type(), key_type);
                    prop_assert_eq!(PublicKey::from_multikey(&key.to_multikey()).unwrap(), key);
                }
                Err(e) => prop_assert_eq!(e.code(), "invalid_public_key"),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoders_never_panic_on_arbitrary_strings(s in any::<String>()) {
        let _ = PublicKey::from_multikey(&s);
        let _ = PrivateKey::from_multikey(&s);
        let _ = multibase::decode(&s);
        let _ = Jwk::from_json(s.as_bytes());
        let _ = CompactJws::parse(&s);
    }

    #[test]
    fn multibase_decoding_is_canonical(
        s in prop_oneof![
            "z[1-9A-HJ-NP-Za-km-z]{0,80}",
            "u[A-Za-z0-9_-]{0,80}",
            "[a-zA-Z0-9]{0,4}",
        ],
    ) {
        if let Ok((base, bytes)) = multibase::decode(&s) {
            prop_assert_eq!(multibase::encode(base, &bytes), s);
        }
    }

    #[test]
    fn multikey_like_strings_decode_stably(body in prop::collection::vec(any::<u8>(), 0..60), code in prop::sample::select(vec![0xedu64, 0xec, 0xe7, 0x1200, 0x1201, 0x1300, 0x1301, 0x1302, 0x1306, 0x1307, 0x55])) {
        let s = multibase::encode(Base::Base58Btc, &multibase::multicodec_encode(code, &body));
        if let Ok(key) = PublicKey::from_multikey(&s) {
            prop_assert_eq!(PublicKey::from_multikey(&key.to_multikey()).unwrap(), key);
        }
        if let Ok(key) = PrivateKey::from_multikey(&s) {
            prop_assert_eq!(PrivateKey::from_multikey(&key.to_multikey()).unwrap().to_bytes(), key.to_bytes());
        }
    }

    #[test]
    fn jwk_like_json_decodes_stably(
        kty in prop::sample::select(vec!["OKP", "EC", "oct", "RSA", ""]),
        crv in prop::sample::select(vec!["Ed25519", "X25519", "P-256", "P-384", "secp256k1", "P-521", "Ed448"]),
        x in "[A-Za-z0-9_-]{0,70}",
        y in proptest::option::of("[A-Za-z0-9_-]{0,70}"),
        d in proptest::option::of("[A-Za-z0-9_-]{0,70}"),
    ) {
        let mut json = format!(r#"{{"kty":"{kty}","crv":"{crv}","x":"{x}""#);
        if let Some(y) = &y {
            json.push_str(&format!(r#","y":"{y}""#));
        }
        if let Some(d) = &d {
            json.push_str(&format!(r#","d":"{d}""#));
        }
        json.push('}');
        let jwk = Jwk::from_json(json.as_bytes()).unwrap();
        if let Ok(key) = PublicKey::from_jwk(&jwk) {
            prop_assert_eq!(PublicKey::from_jwk(&key.to_jwk()).unwrap(), key);
        }
        let _ = PrivateKey::from_jwk(&jwk);
        let _ = jwk.thumbprint();
    }

    #[test]
    fn jws_like_strings_never_panic(
        h in "[A-Za-z0-9_-]{0,60}",
        p in "[A-Za-z0-9_-]{0,60}",
        s in "[A-Za-z0-9_-]{0,130}",
        header in prop::sample::select(vec![
            r#"{"alg":"EdDSA"}"#, r#"{"alg":"ES256K","crit":["x"],"x":1}"#, r#"{"alg":"none"}"#,
            r#"{"alg":"HS256"}"#, r#"{"alg":"ES384","jwk":{"kty":"EC"}}"#, "{}", "[]",
        ]),
    ) {
        let ed = PrivateKey::from_bytes(KeyType::Ed25519, &[7; 32]).unwrap().public_key();
        for jws in [format!("{h}.{p}.{s}"), format!("{}.{p}.{s}", multibase::base64url_encode(header.as_bytes()))] {
            if let Ok(parsed) = CompactJws::parse(&jws) {
                let _ = parsed.verify(&ed, &Algorithm::ALL);
            }
        }
    }
}

/// did:key spec test vector: the Ed25519 key and its derived X25519 keyAgreement key.
#[test]
fn did_key_ed25519_to_x25519_vector() {
    let ed = PublicKey::from_multikey("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").unwrap();
    assert_eq!(ed.key_type(), KeyType::Ed25519);
    let x = ed.to_x25519().unwrap();
    assert_eq!(x.key_type(), KeyType::X25519);
    assert_eq!(
        x.to_multikey(),
        "z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"
    );
    assert_eq!(x.to_x25519(), None, "only Ed25519 keys convert");
}

/// RFC 7748 §6.1: the X25519 Diffie-Hellman example.
#[test]
fn rfc7748_x25519_example() {
    let alice = PrivateKey::from_bytes(
        KeyType::X25519,
        &decode_hex::<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
    )
    .unwrap();
    let bob = PrivateKey::from_bytes(
        KeyType::X25519,
        &decode_hex::<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
    )
    .unwrap();
    let alice_public =
        decode_hex::<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let bob_public =
        decode_hex::<32>("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    assert_eq!(alice.public_key().to_bytes(), alice_public);
    assert_eq!(bob.public_key().to_bytes(), bob_public);
    let shared =
        decode_hex::<32>("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert_eq!(*alice.x25519_agree(&bob.public_key()).unwrap(), shared);
    assert_eq!(*bob.x25519_agree(&alice.public_key()).unwrap(), shared);
}

#[test]
fn x25519_agreement_refusals() {
    let x = PrivateKey::generate(KeyType::X25519).unwrap();
    // The all-zero point (and any low-order point) gives the all-zero secret.
    let zero = PublicKey::from_bytes(KeyType::X25519, &[0; 32]).unwrap();
    assert_eq!(
        x.x25519_agree(&zero).unwrap_err().code(),
        "non_contributory"
    );
    let one = PublicKey::from_bytes(KeyType::X25519, &{
        let mut b = [0; 32];
        b[0] = 1;
        b
    })
    .unwrap();
    assert_eq!(x.x25519_agree(&one).unwrap_err().code(), "non_contributory");
    // Agreement needs X25519 on both sides.
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    assert_eq!(
        x.x25519_agree(&ed.public_key()).unwrap_err().code(),
        "alg_key_mismatch"
    );
    assert_eq!(
        ed.x25519_agree(&x.public_key()).unwrap_err().code(),
        "alg_key_mismatch"
    );
    assert!(
        PrivateKey::generate(KeyType::P256)
            .unwrap()
            .to_x25519()
            .is_none()
    );
}

#[test]
fn invalid_scalars_are_refused() {
    let p256_n =
        decode_hex::<32>("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let k256_n =
        decode_hex::<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    for (key_type, bytes) in [
        (KeyType::P256, vec![0u8; 32]),
        (KeyType::P256, p256_n.to_vec()),
        (KeyType::P256, vec![0xff; 32]),
        (KeyType::P384, vec![0u8; 48]),
        (KeyType::P384, vec![0xff; 48]),
        (KeyType::Secp256k1, vec![0u8; 32]),
        (KeyType::Secp256k1, k256_n.to_vec()),
        (KeyType::Ed25519, vec![1u8; 31]),
        (KeyType::X25519, vec![1u8; 33]),
        (KeyType::P384, vec![1u8; 32]),
    ] {
        let err = PrivateKey::from_bytes(key_type, &bytes).unwrap_err();
        assert_eq!(
            err.code(),
            "invalid_private_key",
            "{key_type} {}",
            hex::encode(&bytes)
        );
    }
    // n - 1 is the largest valid scalar.
    let mut below = k256_n;
    below[31] -= 1;
    assert!(PrivateKey::from_bytes(KeyType::Secp256k1, &below).is_ok());
}

#[test]
fn generated_keys_work_for_every_type() {
    for key_type in KeyType::ALL {
        let a = PrivateKey::generate(key_type).unwrap();
        let b = PrivateKey::generate(key_type).unwrap();
        assert_eq!(a.key_type(), key_type);
        assert_eq!(a.to_bytes().len(), key_type.secret_len());
        assert_ne!(a.to_bytes(), b.to_bytes(), "{key_type}: two draws collided");
        assert_eq!(a.algorithm().is_some(), key_type.can_sign());
    }
}

#[test]
fn multikey_refusals_are_named() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key();
    let bytes = ed.to_bytes();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "invalid_multibase"),
        ("z".into(), "invalid_multibase"),
        ("z0OIl".into(), "invalid_multibase"),
        (
            multibase::encode(Base::Base64Url, &multibase::multicodec_encode(0xed, &bytes)),
            "unsupported_multibase",
        ),
        (
            format!(
                "f{}",
                hex::encode(multibase::multicodec_encode(0xed, &bytes))
            ),
            "unsupported_multibase",
        ),
        // Truncated and non-minimal varints.
        (
            multibase::encode(Base::Base58Btc, &[0xed]),
            "invalid_multicodec",
        ),
        (
            multibase::encode(Base::Base58Btc, &[0xed, 0x81, 0x00]),
            "invalid_multicodec",
        ),
        // Unknown codec, and a codec that is not a public key.
        (
            multibase::encode(Base::Base58Btc, &multibase::multicodec_encode(0x55, &bytes)),
            "unsupported_key_type",
        ),
        (
            multibase::encode(
                Base::Base58Btc,
                &multibase::multicodec_encode(0x1300, &bytes),
            ),
            "unsupported_key_type",
        ),
        // Right codec, wrong length.
        (
            multibase::encode(
                Base::Base58Btc,
                &multibase::multicodec_encode(0xed, &bytes[..31]),
            ),
            "invalid_public_key",
        ),
        (
            multibase::encode(
                Base::Base58Btc,
                &multibase::multicodec_encode(0x1200, &bytes),
            ),
            "invalid_public_key",
        ),
        // A P-256 codec whose point is the SEC1 identity encoding.
        (
            multibase::encode(Base::Base58Btc, &multibase::multicodec_encode(0x1200, &[0])),
            "invalid_public_key",
        ),
        // Oversized input is refused before decoding.
        (
            format!("z{}", "1".repeat(multibase::MAX_MULTIBASE_LEN)),
            "too_large",
        ),
    ];
    for (s, code) in cases {
        let shown: String = s.chars().take(60).collect();
        assert_eq!(
            PublicKey::from_multikey(&s).unwrap_err().code(),
            code,
            "{shown}"
        );
    }
    let truncated = multibase::encode(Base::Base58Btc, &[0x80]);
    assert_eq!(
        PrivateKey::from_multikey(&truncated).unwrap_err().code(),
        "invalid_multicodec"
    );
    assert_eq!(
        PrivateKey::from_multikey("zz").unwrap_err().code(),
        "unsupported_key_type"
    );
}

#[test]
fn jwk_refusals_are_named() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let x = ed.public_key().to_jwk().x.unwrap();
    let p256 = PrivateKey::generate(KeyType::P256)
        .unwrap()
        .public_key()
        .to_jwk();
    let (px, py) = (p256.x.unwrap(), p256.y.unwrap());
    let cases: Vec<(String, &str)> = vec![
        (r#"{"kty":"OKP","crv":"Ed25519"}"#.into(), "invalid_jwk"),
        (format!(r#"{{"kty":"OKP","x":"{x}"}}"#), "invalid_jwk"),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","y":"{x}"}}"#),
            "invalid_jwk",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}="}}"#),
            "invalid_jwk",
        ),
        (
            format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
                &x[..x.len() - 2]
            ),
            "invalid_jwk",
        ),
        (
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{px}"}}"#),
            "invalid_jwk",
        ),
        (
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{px}","y":"{px}"}}"#),
            "invalid_public_key",
        ),
        (
            format!(r#"{{"kty":"EC","crv":"P-384","x":"{px}","y":"{py}"}}"#),
            "invalid_jwk",
        ),
        (
            format!(r#"{{"kty":"EC","crv":"Ed25519","x":"{x}"}}"#),
            "unsupported_key_type",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed448","x":"{x}"}}"#),
            "unsupported_key_type",
        ),
        (
            format!(r#"{{"kty":"EC","crv":"P-521","x":"{px}","y":"{py}"}}"#),
            "unsupported_key_type",
        ),
        (
            r#"{"kty":"oct","k":"c2VjcmV0"}"#.into(),
            "unsupported_key_type",
        ),
    ];
    for (json, code) in cases {
        let jwk = Jwk::from_json(json.as_bytes()).unwrap();
        assert_eq!(
            PublicKey::from_jwk(&jwk).unwrap_err().code(),
            code,
            "{json}"
        );
    }

    // Parse-level refusals.
    assert_eq!(
        Jwk::from_json(b"not json").unwrap_err().code(),
        "invalid_jwk"
    );
    assert_eq!(Jwk::from_json(b"[]").unwrap_err().code(), "invalid_jwk");
    assert_eq!(
        Jwk::from_json(br#"{"crv":"Ed25519"}"#).unwrap_err().code(),
        "invalid_jwk"
    );
    let big = format!(r#"{{"kty":"OKP","pad":"{}"}}"#, "a".repeat(MAX_JWK_LEN));
    assert_eq!(
        Jwk::from_json(big.as_bytes()).unwrap_err().code(),
        "too_large"
    );

    // Private JWKs: d of the wrong length, and d that does not match x.
    let mut short_d = ed.to_jwk();
    short_d.d = Jwk::from_json(br#"{"kty":"OKP","d":"AAAA"}"#).unwrap().d;
    assert_eq!(
        PrivateKey::from_jwk(&short_d).unwrap_err().code(),
        "invalid_jwk"
    );
    let mut other_x = ed.to_jwk();
    other_x.x = PrivateKey::generate(KeyType::Ed25519)
        .unwrap()
        .public_key()
        .to_jwk()
        .x;
    assert_eq!(
        PrivateKey::from_jwk(&other_x).unwrap_err().code(),
        "invalid_jwk"
    );
}

#[test]
fn jwk_keeps_unknown_members() {
    let json = br#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k1","use":"sig","ext":true}"#;
    let jwk = Jwk::from_json(json).unwrap();
    assert_eq!(jwk.kid.as_deref(), Some("k1"));
    assert_eq!(jwk.use_.as_deref(), Some("sig"));
    assert_eq!(jwk.extra.get("ext"), Some(&serde_json::Value::Bool(true)));
    assert_eq!(Jwk::from_json(jwk.to_json().as_bytes()).unwrap(), jwk);
    // RFC 7638 thumbprint ignores the optional members (RFC 8037 A.3 value).
    assert_eq!(
        jwk.thumbprint().unwrap(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}
