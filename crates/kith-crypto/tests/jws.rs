//! Compact JWS behaviour: round trips for every signing key type, the attack cases the
//! verifier must refuse (each with its own error code), and the RFC 7515 A.3 example.

use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{
    Algorithm, CompactJws, Header, Jwk, KeyType, LocalSigner, MAX_JWS_LEN, PrivateKey, PublicKey,
    Signer, sign_compact,
};

const SIGNING_TYPES: [KeyType; 4] = [
    KeyType::Ed25519,
    KeyType::P256,
    KeyType::P384,
    KeyType::Secp256k1,
];

fn signer(key_type: KeyType) -> LocalSigner {
    LocalSigner::new(PrivateKey::generate(key_type).unwrap()).unwrap()
}

async fn token(signer: &LocalSigner, payload: &[u8]) -> String {
    sign_compact(Header::default(), payload, signer)
        .await
        .unwrap()
}

/// A JWS with the given raw header JSON, payload and signature bytes, signed by nobody.
fn raw(header_json: &str, payload: &[u8], signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        base64url_encode(header_json.as_bytes()),
        base64url_encode(payload),
        base64url_encode(signature)
    )
}

/// A JWS with the given raw header JSON, correctly signed by `key`.
fn signed_with_header(key: &PrivateKey, header_json: &str, payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        base64url_encode(header_json.as_bytes()),
        base64url_encode(payload)
    );
    let sig = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", base64url_encode(&sig))
}

fn parse_err(jws: &str) -> &'static str {
    CompactJws::parse(jws).unwrap_err().code()
}

fn verify_err(jws: &str, key: &PublicKey, allowed: &[Algorithm]) -> &'static str {
    CompactJws::parse(jws)
        .unwrap()
        .verify(key, allowed)
        .unwrap_err()
        .code()
}

/// Replaces the signature part of a compact JWS.
fn with_signature(jws: &str, signature: &[u8]) -> String {
    let (input, _) = jws.rsplit_once('.').unwrap();
    format!("{input}.{}", base64url_encode(signature))
}

fn signature_of(jws: &str) -> Vec<u8> {
    base64url_decode(jws.rsplit_once('.').unwrap().1).unwrap()
}

#[tokio::test]
async fn round_trip_for_every_signing_key_type() {
    for key_type in SIGNING_TYPES {
        let signer = signer(key_type).with_key_id("did:example:123#key-1");
        let header = Header {
            typ: Some("vc+jwt".into()),
            ..Header::default()
        };
        let payload = br#"{"sub":"did:example:456","n":1}"#;
        let jws = sign_compact(header, payload, &signer).await.unwrap();
        let parsed = CompactJws::parse(&jws).unwrap();
        let expected = Algorithm::for_key_type(key_type).unwrap();
        assert_eq!(parsed.header().alg, expected.name());
        assert_eq!(
            parsed.header().kid.as_deref(),
            Some("did:example:123#key-1")
        );
        assert_eq!(parsed.header().typ.as_deref(), Some("vc+jwt"));
        assert_eq!(parsed.payload(), payload);
        assert_eq!(signature_of(&jws).len(), expected.signature_len());
        assert_eq!(
            parsed
                .verify(&signer.public_key(), &Algorithm::ALL)
                .unwrap(),
            expected
        );
        assert_eq!(
            parsed.verify(&signer.public_key(), &[expected]).unwrap(),
            expected
        );

        // Another key of the same type does not verify it.
        let other = PrivateKey::generate(key_type).unwrap().public_key();
        assert_eq!(
            verify_err(&jws, &other, &Algorithm::ALL),
            "invalid_signature",
            "{key_type}"
        );
    }
}

#[tokio::test]
async fn sign_compact_overrides_the_callers_alg() {
    let signer = signer(KeyType::Ed25519);
    let header = Header {
        alg: "none".into(),
        ..Header::default()
    };
    let jws = sign_compact(header, b"x", &signer).await.unwrap();
    let parsed = CompactJws::parse(&jws).unwrap();
    assert_eq!(parsed.header().alg, "EdDSA");
    assert_eq!(parsed.header().kid, None);
    assert_eq!(
        parsed
            .verify(&signer.public_key(), &[Algorithm::EdDsa])
            .unwrap(),
        Algorithm::EdDsa
    );
}

#[test]
fn x25519_keys_cannot_sign() {
    let key = PrivateKey::generate(KeyType::X25519).unwrap();
    assert_eq!(
        LocalSigner::new(key.clone()).unwrap_err().code(),
        "unsupported_algorithm"
    );
    assert_eq!(key.sign(b"x").unwrap_err().code(), "unsupported_algorithm");
}

#[tokio::test]
async fn tampered_payload_header_or_signature_is_invalid() {
    for key_type in SIGNING_TYPES {
        let signer = signer(key_type);
        let public = signer.public_key();
        let jws = token(&signer, br#"{"amount":10}"#).await;
        let parts: Vec<&str> = jws.split('.').collect();

        let payload = format!(
            "{}.{}.{}",
            parts[0],
            base64url_encode(br#"{"amount":99}"#),
            parts[2]
        );
        assert_eq!(
            verify_err(&payload, &public, &Algorithm::ALL),
            "invalid_signature",
            "{key_type}"
        );

        let header_json = format!(r#"{{"alg":"{}","kid":"evil"}}"#, signer.algorithm());
        let header = format!(
            "{}.{}.{}",
            base64url_encode(header_json.as_bytes()),
            parts[1],
            parts[2]
        );
        assert_eq!(
            verify_err(&header, &public, &Algorithm::ALL),
            "invalid_signature",
            "{key_type}"
        );

        let mut sig = signature_of(&jws);
        sig[5] ^= 0x01;
        let flipped = with_signature(&jws, &sig);
        assert_eq!(
            verify_err(&flipped, &public, &Algorithm::ALL),
            "invalid_signature",
            "{key_type}"
        );
    }
}

#[test]
fn alg_none_is_refused() {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key();
    for alg in ["none", "None", "NONE"] {
        let jws = format!(
            "{}.{}.",
            base64url_encode(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()),
            base64url_encode(b"{}")
        );
        // It parses (structure is fine) but never verifies, whatever the allow-list.
        assert_eq!(verify_err(&jws, &key, &Algorithm::ALL), "alg_none", "{alg}");
    }
}

#[test]
fn hmac_alg_with_a_public_key_is_refused() {
    for key_type in SIGNING_TYPES {
        let key = PrivateKey::generate(key_type).unwrap().public_key();
        for alg in ["HS256", "HS384", "HS512"] {
            // The classic confusion: an HMAC keyed with the public key's bytes.
            let jws = raw(&format!(r#"{{"alg":"{alg}"}}"#), b"{}", &[0x42; 32]);
            assert_eq!(
                verify_err(&jws, &key, &Algorithm::ALL),
                "hmac_with_public_key",
                "{alg}"
            );
        }
    }
}

#[test]
fn unsupported_algs_are_named() {
    let key = PrivateKey::generate(KeyType::P256).unwrap().public_key();
    for alg in ["RS256", "PS256", "ES512", "es256", "EdDSA "] {
        let jws = raw(&format!(r#"{{"alg":"{alg}"}}"#), b"{}", &[0; 64]);
        assert_eq!(
            verify_err(&jws, &key, &Algorithm::ALL),
            "unsupported_algorithm",
            "{alg:?}"
        );
    }
}

#[test]
fn alg_that_does_not_fit_the_key_is_refused() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let p256 = PrivateKey::generate(KeyType::P256).unwrap();
    let k256 = PrivateKey::generate(KeyType::Secp256k1).unwrap();
    let x25519 = PrivateKey::generate(KeyType::X25519).unwrap();

    // ES256 header, signed by the P-256 key, presented with an Ed25519 key.
    let es256 = signed_with_header(&p256, r#"{"alg":"ES256"}"#, b"{}");
    assert_eq!(
        verify_err(&es256, &ed.public_key(), &Algorithm::ALL),
        "alg_key_mismatch"
    );
    // ES256 against a secp256k1 key: same signature size, different curve.
    assert_eq!(
        verify_err(&es256, &k256.public_key(), &Algorithm::ALL),
        "alg_key_mismatch"
    );
    // ES256K against a P-256 key.
    let es256k = signed_with_header(&k256, r#"{"alg":"ES256K"}"#, b"{}");
    assert_eq!(
        verify_err(&es256k, &p256.public_key(), &Algorithm::ALL),
        "alg_key_mismatch"
    );
    // EdDSA header with a P-256 key, and anything with an X25519 key.
    let eddsa = signed_with_header(&ed, r#"{"alg":"EdDSA"}"#, b"{}");
    assert_eq!(
        verify_err(&eddsa, &p256.public_key(), &Algorithm::ALL),
        "alg_key_mismatch"
    );
    assert_eq!(
        verify_err(&eddsa, &x25519.public_key(), &Algorithm::ALL),
        "alg_key_mismatch"
    );

    // The mismatch is reported before the allow-list is consulted.
    assert_eq!(
        verify_err(&es256, &ed.public_key(), &[]),
        "alg_key_mismatch"
    );
    // PublicKey::verify applies the same rule.
    let err = ed
        .public_key()
        .verify(Algorithm::Es256, b"m", &[0; 64])
        .unwrap_err();
    assert_eq!(err.code(), "alg_key_mismatch");
}

#[test]
fn alg_outside_the_allow_list_is_refused() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let jws = signed_with_header(&ed, r#"{"alg":"EdDSA"}"#, b"{}");
    let public = ed.public_key();
    assert_eq!(
        verify_err(&jws, &public, &[Algorithm::Es256, Algorithm::Es256K]),
        "alg_not_allowed"
    );
    assert_eq!(verify_err(&jws, &public, &[]), "alg_not_allowed");
    let parsed = CompactJws::parse(&jws).unwrap();
    assert_eq!(
        parsed.verify(&public, &[Algorithm::EdDsa]).unwrap(),
        Algorithm::EdDsa
    );
}

#[test]
fn fully_specified_ed25519_alg_verifies_as_eddsa() {
    // RFC 9864 §2.2: "Ed25519" names EdDSA over Ed25519.
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let jws = signed_with_header(&ed, r#"{"alg":"Ed25519"}"#, b"{}");
    let parsed = CompactJws::parse(&jws).unwrap();
    assert_eq!(
        parsed
            .verify(&ed.public_key(), &[Algorithm::EdDsa])
            .unwrap(),
        Algorithm::EdDsa
    );
    assert_eq!(
        verify_err(&jws, &ed.public_key(), &[Algorithm::Es256]),
        "alg_not_allowed"
    );
}

#[test]
fn crit_extensions_are_refused() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    // A well-formed crit naming a present extension we do not understand.
    let exp = signed_with_header(
        &ed,
        r#"{"alg":"EdDSA","crit":["exp"],"exp":1363284000}"#,
        b"{}",
    );
    assert_eq!(parse_err(&exp), "unknown_crit");
    // RFC 7797 b64, even when listed in crit as required.
    let b64 = signed_with_header(&ed, r#"{"alg":"EdDSA","b64":false,"crit":["b64"]}"#, b"{}");
    assert_eq!(parse_err(&b64), "unknown_crit");
    // b64 without crit is also refused rather than silently ignored.
    let bare_b64 = signed_with_header(&ed, r#"{"alg":"EdDSA","b64":true}"#, b"{}");
    assert_eq!(parse_err(&bare_b64), "unknown_crit");
}

#[test]
fn malformed_crit_is_malformed_jws() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    for header in [
        r#"{"alg":"EdDSA","crit":["exp"]}"#, // names a missing member
        r#"{"alg":"EdDSA","crit":["kid"],"kid":"k"}"#, // names a registered member
        r#"{"alg":"EdDSA","crit":["alg"]}"#, // registered, and present
        r#"{"alg":"EdDSA","crit":[]}"#,      // empty
        r#"{"alg":"EdDSA","crit":"exp","exp":1}"#, // not an array
        r#"{"alg":"EdDSA","crit":[1],"exp":1}"#, // not strings
        r#"{"alg":"EdDSA","crit":["exp","iat"],"exp":1}"#, // second name missing
        r#"{"alg":"EdDSA","crit":["b64"]}"#, // b64 listed but absent
    ] {
        let jws = signed_with_header(&ed, header, b"{}");
        assert_eq!(parse_err(&jws), "malformed_jws", "{header}");
    }
}

#[test]
fn structural_errors_are_malformed_jws() {
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let good = signed_with_header(&ed, r#"{"alg":"EdDSA"}"#, b"{}");
    assert!(CompactJws::parse(&good).is_ok());
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);

    let cases = [
        ("four parts", format!("{good}.{s}")),
        ("two parts", format!("{h}.{p}")),
        ("one part", h.to_owned()),
        ("empty", String::new()),
        ("only dots", "..".to_owned()),
        (
            "JSON serialization",
            format!(r#"{{"protected":"{h}","payload":"{p}","signature":"{s}"}}"#),
        ),
        (
            "standard base64 in header",
            format!("{}+/.{p}.{s}", &h[..h.len() - 2]),
        ),
        ("space in payload", format!("{h}.{p} .{s}")),
        ("bad base64 in signature", format!("{h}.{p}.{s}*")),
        (
            "non-canonical trailing bits",
            format!("{h}.{p}.{}B", &s[..s.len() - 1]),
        ),
        (
            "padded payload",
            format!("{h}.{}.{s}", padded(&base64url_encode(b"ab"))),
        ),
        ("padded signature", format!("{h}.{p}.{}", padded(s))),
        (
            "padded header",
            format!(
                "{}.{p}.{s}",
                padded(&base64url_encode(br#"{"alg":"EdDSA"} "#))
            ),
        ),
        ("header is an array", raw("[]", b"{}", &[0; 64])),
        ("header is a string", raw(r#""EdDSA""#, b"{}", &[0; 64])),
        ("header is null", raw("null", b"{}", &[0; 64])),
        ("header is a number", raw("1", b"{}", &[0; 64])),
        ("header is not JSON", raw("alg=EdDSA", b"{}", &[0; 64])),
        (
            "header has trailing data",
            raw(r#"{"alg":"EdDSA"}{}"#, b"{}", &[0; 64]),
        ),
        ("header missing alg", raw(r#"{"kid":"k"}"#, b"{}", &[0; 64])),
        (
            "header with empty alg",
            raw(r#"{"alg":""}"#, b"{}", &[0; 64]),
        ),
        (
            "header with numeric alg",
            raw(r#"{"alg":256}"#, b"{}", &[0; 64]),
        ),
        (
            "header with null alg",
            raw(r#"{"alg":null}"#, b"{}", &[0; 64]),
        ),
        (
            "header with duplicate alg",
            raw(r#"{"alg":"none","alg":"EdDSA"}"#, b"{}", &[0; 64]),
        ),
        (
            "header with a bad embedded jwk",
            raw(r#"{"alg":"EdDSA","jwk":"k"}"#, b"{}", &[0; 64]),
        ),
    ];
    for (what, jws) in cases {
        assert_eq!(
            CompactJws::parse(&jws).map(|_| ()).map_err(|e| e.code()),
            Err("malformed_jws"),
            "{what}: {jws}"
        );
    }
}

/// Standard `=` padding on a base64url string whose length is not a multiple of four.
fn padded(unpadded: &str) -> String {
    assert_ne!(
        unpadded.len() % 4,
        0,
        "needs padding to make the case meaningful"
    );
    let pad = (4 - unpadded.len() % 4) % 4;
    format!("{unpadded}{}", "=".repeat(pad))
}

#[test]
fn oversized_jws_is_refused_before_parsing() {
    let big = "a".repeat(MAX_JWS_LEN + 1);
    let err = CompactJws::parse(&big).unwrap_err();
    assert_eq!(err.code(), "too_large");
    // At the limit the size check passes and the structural check speaks.
    assert_eq!(parse_err(&"a".repeat(MAX_JWS_LEN)), "malformed_jws");
    // A well-formed but oversized token is still refused on size.
    let header = base64url_encode(br#"{"alg":"EdDSA"}"#);
    let payload = base64url_encode(&vec![b'x'; MAX_JWS_LEN]);
    assert_eq!(parse_err(&format!("{header}.{payload}.")), "too_large");
}

/// secp256k1 group order n, big-endian.
const SECP256K1_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// n - s over 32-byte big-endian integers (requires s < n).
fn negate_mod_n(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut diff = i16::from(SECP256K1_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(diff < 0);
        if diff < 0 {
            diff += 256;
        }
        out[i] = u8::try_from(diff).unwrap();
    }
    assert_eq!(borrow, 0, "s must be below n");
    out
}

#[tokio::test]
async fn es256k_high_s_is_refused() {
    let signer = signer(KeyType::Secp256k1);
    let public = signer.public_key();
    for n in 0..8u8 {
        let jws = token(&signer, &[n; 40]).await;
        let sig = signature_of(&jws);
        let (r, s) = sig.split_at(32);
        // The signer emits low-S (s <= n/2), so the first byte of s is at most 0x7f.
        assert!(s[0] <= 0x7f, "signer must produce low-S");
        let high_s = negate_mod_n(s);
        assert!(high_s[0] >= 0x7f);
        let mut malleated = r.to_vec();
        malleated.extend_from_slice(&high_s);
        // The malleated signature is mathematically valid ECDSA (k256 accepts it once
        // normalized), but the policy refuses the high-S form.
        let normalized = k256::ecdsa::Signature::from_slice(&malleated)
            .unwrap()
            .normalize_s();
        assert_eq!(normalized.to_bytes().as_slice(), &sig[..]);
        let bad = with_signature(&jws, &malleated);
        assert_eq!(
            verify_err(&bad, &public, &Algorithm::ALL),
            "non_canonical_signature"
        );
        assert_eq!(
            public
                .verify(
                    Algorithm::Es256K,
                    jws.rsplit_once('.').unwrap().0.as_bytes(),
                    &malleated
                )
                .unwrap_err()
                .code(),
            "non_canonical_signature"
        );
    }
}

#[tokio::test]
async fn wrong_signature_length_is_malformed_signature() {
    for key_type in SIGNING_TYPES {
        let signer = signer(key_type);
        let public = signer.public_key();
        let jws = token(&signer, b"{}").await;
        let sig = signature_of(&jws);
        let mut longer = sig.clone();
        longer.push(0);
        for bad in [&sig[..sig.len() - 1], &longer[..], &[][..], &sig[..32]] {
            let jws = with_signature(&jws, bad);
            assert_eq!(
                verify_err(&jws, &public, &Algorithm::ALL),
                "malformed_signature",
                "{key_type}, {} bytes",
                bad.len()
            );
        }
    }
}

#[tokio::test]
async fn der_encoded_es256_signature_is_malformed() {
    // The classic interop bug: an ECDSA signature in ASN.1 DER instead of r || s.
    let key = PrivateKey::generate(KeyType::P256).unwrap();
    let signer = LocalSigner::new(key).unwrap();
    let jws = token(&signer, b"{}").await;
    let sig = p256::ecdsa::Signature::from_slice(&signature_of(&jws)).unwrap();
    let der = sig.to_der();
    let bad = with_signature(&jws, der.as_bytes());
    assert_eq!(
        verify_err(&bad, &signer.public_key(), &Algorithm::ALL),
        "malformed_signature"
    );
}

#[tokio::test]
async fn zero_and_out_of_range_ecdsa_scalars_are_refused() {
    let signer = signer(KeyType::P256);
    let public = signer.public_key();
    let jws = token(&signer, b"{}").await;
    for sig in [[0u8; 64], [0xff; 64]] {
        let bad = with_signature(&jws, &sig);
        // r or s zero, or not below the group order: not an encoding of a signature.
        assert_eq!(
            verify_err(&bad, &public, &Algorithm::ALL),
            "malformed_signature"
        );
    }
}

/// RFC 7515 Appendix A.3: the ES256 example (JWK from A.3.1, JWS from A.3.1 Figure).
#[test]
fn rfc7515_a3_es256_example() {
    let jwk = Jwk::from_json(
        br#"{"kty":"EC","crv":"P-256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
    )
    .unwrap();
    let private = PrivateKey::from_jwk(&jwk).unwrap();
    let public = PublicKey::from_jwk(&jwk.to_public()).unwrap();
    assert_eq!(private.public_key(), public);

    let jws = "eyJhbGciOiJFUzI1NiJ9\
        .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
        .DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    let parsed = CompactJws::parse(jws).unwrap();
    assert_eq!(parsed.header().alg, "ES256");
    assert_eq!(
        parsed.payload(),
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );
    assert_eq!(
        parsed.verify(&public, &[Algorithm::Es256]).unwrap(),
        Algorithm::Es256
    );
    assert_eq!(
        verify_err(jws, &public, &[Algorithm::EdDsa]),
        "alg_not_allowed"
    );

    // One bit of the signature flipped.
    let mut sig = signature_of(jws);
    sig[63] ^= 1;
    assert_eq!(
        verify_err(&with_signature(jws, &sig), &public, &[Algorithm::Es256]),
        "invalid_signature"
    );
}

/// With the identity point as public key and signature `R = identity, S = 0`, the
/// cofactorless equation `[S]B = R + [k]A` holds for every message. Strict verification
/// (RFC 8032 §5.1.7 plus small-order rejection) must refuse this universal forgery.
#[test]
fn small_order_ed25519_key_forges_nothing() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut forged = identity.to_vec();
    forged.extend_from_slice(&[0u8; 32]);
    let jws = raw(r#"{"alg":"EdDSA"}"#, br#"{"admin":true}"#, &forged);
    match PublicKey::from_bytes(KeyType::Ed25519, &identity) {
        // Refusing the weak key at decode time would also be correct.
        Err(e) => assert_eq!(e.code(), "invalid_public_key"),
        Ok(weak) => {
            assert_eq!(
                verify_err(&jws, &weak, &Algorithm::ALL),
                "invalid_signature"
            );
            let err = weak
                .verify(Algorithm::EdDsa, b"anything", &forged)
                .unwrap_err();
            assert_eq!(err.code(), "invalid_signature");
        }
    }
}
