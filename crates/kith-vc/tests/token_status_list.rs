//! IETF Token Status List (draft-ietf-oauth-status-list): the draft's examples, the
//! bit layout, the decoder's limits, Status List Tokens, and SD-JWT VC status checks
//! through the whole pipeline.
//!
//! The Python `sd-jwt` package (the SD-JWT oracle of the other suites) has no status
//! list support, so there is no cross-check with it here; the draft's own example
//! values (checked against Python's `zlib` when they were copied) are the oracle.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::method::key::KeyMethod;
use kith_vc::datetime::FixedClock;
use kith_vc::status::{
    BitstringStatusChecker, BitstringStatusList, INVALID, LocalStatusLists, MAX_TOKEN_LIST_LEN,
    SUSPENDED, StatusChecker, StatusListReference, StatusListTokenClaims,
    StatusListTokenExpectation, StatusResult, TokenStatusList, TokenStatusListChecker, VALID,
    create_status_list_token, status_claim, token_status_list::bit_position,
    verify_status_list_token,
};
use kith_vc::{Verifier, did_key_method_id, sd_jwt};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;

// --- the draft's examples (§4.1) ---

#[test]
fn the_one_bit_example_decodes_to_its_statuses() {
    // draft §4.1, bits 1: status[0..16] = 1 0 0 1 1 1 0 1 1 1 0 0 0 1 0 1,
    // bytes [0xB9, 0xA3], lst "eNrbuRgAAhcBXQ".
    let list = TokenStatusList::decode(1, "eNrbuRgAAhcBXQ").unwrap();
    assert_eq!(list.as_bytes(), &[0xB9, 0xA3]);
    let expected = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    for (idx, status) in expected.iter().enumerate() {
        assert_eq!(list.get(idx as u64), Some(*status), "index {idx}");
    }
    assert_eq!(list.entries(), 16);
    assert_eq!(list.get(16), None);
    let json = TokenStatusList::from_json(&json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})).unwrap();
    assert_eq!(json, list);
}

#[test]
fn the_two_bit_example_decodes_to_its_statuses() {
    // draft §4.1, bits 2: status[0..12] = 1 2 0 3 0 1 0 1 1 2 3 3,
    // bytes [0xC9, 0x44, 0xF9], lst "eNo76fITAAPfAgc".
    let list = TokenStatusList::decode(2, "eNo76fITAAPfAgc").unwrap();
    assert_eq!(list.as_bytes(), &[0xC9, 0x44, 0xF9]);
    let expected = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
    for (idx, status) in expected.iter().enumerate() {
        assert_eq!(list.get(idx as u64), Some(*status), "index {idx}");
    }
}

#[test]
fn building_the_examples_gives_their_bytes() {
    let mut one = TokenStatusList::new(1, 16).unwrap();
    for (idx, status) in [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
        .into_iter()
        .enumerate()
    {
        one.set(idx as u64, status).unwrap();
    }
    assert_eq!(one.as_bytes(), &[0xB9, 0xA3]);
    let mut two = TokenStatusList::new(2, 12).unwrap();
    for (idx, status) in [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3].into_iter().enumerate() {
        two.set(idx as u64, status).unwrap();
    }
    assert_eq!(two.as_bytes(), &[0xC9, 0x44, 0xF9]);
    // Our compressor need not produce the draft's exact bytes, but what it writes
    // decodes to the same list.
    assert_eq!(TokenStatusList::decode(2, &two.encode()).unwrap(), two);
}

// --- limits ---

fn zlib(bytes: &[u8]) -> String {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    kith_crypto::multibase::base64url_encode(&encoder.finish().unwrap())
}

#[test]
fn a_zlib_bomb_stops_at_the_cap() {
    let bomb = zlib(&vec![0; MAX_TOKEN_LIST_LEN + 1]);
    assert!(bomb.len() < 64 * 1024, "a small input: {}", bomb.len());
    assert_eq!(
        TokenStatusList::decode(1, &bomb).unwrap_err().code(),
        "status_list_too_large"
    );
    assert_eq!(
        TokenStatusList::decode(1, &zlib(&vec![0; MAX_TOKEN_LIST_LEN]))
            .unwrap()
            .entries(),
        MAX_TOKEN_LIST_LEN as u64 * 8
    );
}

#[test]
fn malformed_lists_are_refused() {
    for (bits, lst) in [
        (3, "eNrbuRgAAhcBXQ"),
        (0, "eNrbuRgAAhcBXQ"),
        (1, "not base64url!"),
        // A GZIP header, not ZLIB.
        (1, "H4sIAAAAAAAAA"),
        // A truncated ZLIB stream.
        (1, "eNrbuRgAAhcB"),
    ] {
        assert_eq!(
            TokenStatusList::decode(bits, lst).unwrap_err().code(),
            "status_list_malformed",
            "{bits} {lst}"
        );
    }
    for json in [
        json!({"bits": 1}),
        json!({"lst": "eNrbuRgAAhcBXQ"}),
        json!({"bits": 256, "lst": "eNrbuRgAAhcBXQ"}),
        json!({"bits": "1", "lst": "eNrbuRgAAhcBXQ"}),
        json!([]),
    ] {
        assert_eq!(
            TokenStatusList::from_json(&json).unwrap_err().code(),
            "status_list_malformed",
            "{json}"
        );
    }
}

#[test]
fn status_claims_parse() {
    let claim = status_claim("https://example.com/statuslists/1", 1_000);
    assert_eq!(
        claim,
        json!({"status_list": {"idx": 1000, "uri": "https://example.com/statuslists/1"}})
    );
    let parsed = StatusListReference::parse(&claim).unwrap();
    assert_eq!(parsed.idx, 1_000);
    assert_eq!(parsed.uri, "https://example.com/statuslists/1");
    for (claim, code) in [
        (
            json!({"status_list": {"idx": -1, "uri": "x"}}),
            "invalid_status_entry",
        ),
        (
            json!({"status_list": {"idx": 1.5, "uri": "x"}}),
            "invalid_status_entry",
        ),
        (json!({"status_list": {"idx": 1}}), "invalid_status_entry"),
        (json!({"status_list": "x"}), "invalid_status_entry"),
        (json!("x"), "invalid_status_entry"),
        (json!({"identifier_list": {}}), "status_type_unsupported"),
    ] {
        assert_eq!(
            StatusListReference::parse(&claim).unwrap_err().code(),
            code,
            "{claim}"
        );
    }
}

// --- proptests ---

fn bits() -> impl Strategy<Value = u8> {
    prop_oneof![Just(1u8), Just(2), Just(4), Just(8)]
}

proptest! {
    #[test]
    fn encode_decode_round_trips(bits in bits(), statuses in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut list = TokenStatusList::new(bits, statuses.len() as u64).unwrap();
        let mask = ((1u16 << bits) - 1) as u8;
        for (idx, status) in statuses.iter().enumerate() {
            list.set(idx as u64, status & mask).unwrap();
        }
        let again = TokenStatusList::decode(bits, &list.encode()).unwrap();
        prop_assert_eq!(&again, &list);
        let json = TokenStatusList::from_json(&list.to_json()).unwrap();
        prop_assert_eq!(&json, &list);
        for (idx, status) in statuses.iter().enumerate() {
            prop_assert_eq!(again.get(idx as u64), Some(status & mask));
        }
    }

    #[test]
    fn an_index_maps_to_its_bits(bits in bits(), idx in 0u64..4096, value in 1u8..=255) {
        let mask = ((1u16 << bits) - 1) as u8;
        let value = (value & mask).max(1);
        let mut list = TokenStatusList::new(bits, 4096).unwrap();
        list.set(idx, value).unwrap();
        // draft §4.1: byte idx * bits / 8, LSB first.
        let byte = (idx * u64::from(bits) / 8) as usize;
        let shift = (idx * u64::from(bits) % 8) as u32;
        prop_assert_eq!(bit_position(bits, idx), Some((byte, shift)));
        for (i, b) in list.as_bytes().iter().enumerate() {
            let expected = if i == byte { value << shift } else { 0 };
            prop_assert_eq!(*b, expected, "byte {}", i);
        }
        prop_assert_eq!(list.get(idx), Some(value));
    }

    #[test]
    fn the_bitstring_order_is_mirrored(indexes in prop::collection::btree_set(0u64..131_072, 0..40)) {
        let mut bitstring = BitstringStatusList::default();
        for idx in &indexes {
            bitstring.set(*idx, true).unwrap();
        }
        let token = TokenStatusList::from_bitstring(&bitstring);
        for idx in (0..131_072).step_by(97).chain(indexes.iter().copied()) {
            prop_assert_eq!(token.get(idx), Some(u8::from(bitstring.get(idx).unwrap())));
        }
    }
}

// --- Status List Tokens ---

const URI: &str = "https://issuer.example/status/1";

struct Issuer {
    signer: LocalSigner,
    kid: String,
    did: String,
}

impl Issuer {
    fn new() -> Self {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let kid = did_key_method_id(&key.public_key());
        let did = kid.split('#').next().unwrap().to_owned();
        Self {
            signer: LocalSigner::new(key).unwrap().with_key_id(kid.clone()),
            kid,
            did,
        }
    }

    async fn token(
        &self,
        list: &TokenStatusList,
        uri: &str,
        exp: Option<OffsetDateTime>,
    ) -> String {
        let claims = StatusListTokenClaims {
            uri,
            issuer: Some(&self.did),
            issued_at: now() - time::Duration::minutes(5),
            expires: exp,
            ttl: Some(60),
        };
        create_status_list_token(list, &claims, &self.signer, &self.kid)
            .await
            .unwrap()
    }

    async fn sd_jwt(&self, status: Option<Value>) -> String {
        let options = sd_jwt::IssueOptions {
            iss: Some(self.did.clone()),
            iat: Some(now() - time::Duration::minutes(1)),
            status,
            disclosable: vec!["/given_name".into()],
            ..Default::default()
        };
        sd_jwt::issue(
            &json!({"vct": "https://credentials.example/pid", "given_name": "Erika"}),
            &self.signer,
            &options,
        )
        .await
        .unwrap()
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap()
}

fn expect(uri: &str, issuer: Option<&str>) -> StatusListTokenExpectation<'static> {
    StatusListTokenExpectation {
        uri: Box::leak(uri.to_owned().into_boxed_str()),
        issuer: issuer.map(|i| &*Box::leak(i.to_owned().into_boxed_str())),
        now: now(),
        skew: Duration::from_secs(60),
    }
}

fn payload(jwt: &str, part: usize) -> Value {
    let part = jwt.split('.').nth(part).unwrap();
    serde_json::from_slice(&kith_crypto::multibase::base64url_decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn a_status_list_token_verifies() {
    let issuer = Issuer::new();
    let mut list = TokenStatusList::new(2, 1024).unwrap();
    list.set(7, INVALID).unwrap();
    list.set(8, SUSPENDED).unwrap();
    let token = issuer
        .token(&list, URI, Some(now() + time::Duration::hours(1)))
        .await;
    // draft §5.1: the header and claims.
    let header = payload(&token, 0);
    assert_eq!(header["typ"], "statuslist+jwt");
    assert_eq!(header["kid"], json!(issuer.kid));
    let claims = payload(&token, 1);
    assert_eq!(claims["sub"], URI);
    assert_eq!(claims["iss"], json!(issuer.did));
    assert_eq!(claims["ttl"], 60);
    assert_eq!(claims["status_list"]["bits"], 2);
    assert!(claims["iat"].is_i64() && claims["exp"].is_i64());

    let verified = verify_status_list_token(&token, &KeyMethod, &expect(URI, Some(&issuer.did)))
        .await
        .unwrap();
    assert_eq!(verified.issuer, issuer.did);
    assert_eq!(verified.ttl, Some(60));
    assert_eq!(verified.list, list);
    assert_eq!(verified.list.get(7), Some(INVALID));
    assert_eq!(verified.list.get(8), Some(SUSPENDED));
    assert_eq!(verified.list.get(9), Some(VALID));
    // Without an expected issuer, the DID of the kid signs.
    let any = verify_status_list_token(&token, &KeyMethod, &expect(URI, None))
        .await
        .unwrap();
    assert_eq!(any.issuer, issuer.did);
}

#[tokio::test]
async fn status_list_tokens_are_checked() {
    let issuer = Issuer::new();
    let other = Issuer::new();
    let list = TokenStatusList::new(1, 64).unwrap();
    let good = issuer.token(&list, URI, None).await;
    let code = |token: String, expected: StatusListTokenExpectation<'static>| async move {
        verify_status_list_token(&token, &KeyMethod, &expected)
            .await
            .unwrap_err()
            .code()
    };
    // sub must be the uri the credential referenced (draft §8.3).
    assert_eq!(
        code(
            good.clone(),
            expect("https://issuer.example/status/2", Some(&issuer.did))
        )
        .await,
        "status_list_uri_mismatch"
    );
    // Signed by the referenced token's issuer.
    assert_eq!(
        code(good.clone(), expect(URI, Some(&other.did))).await,
        "status_issuer_mismatch"
    );
    let by_other = other.token(&list, URI, None).await;
    assert_eq!(
        code(by_other, expect(URI, Some(&issuer.did))).await,
        "status_issuer_mismatch"
    );
    // exp respected.
    let expired = issuer
        .token(&list, URI, Some(now() - time::Duration::hours(1)))
        .await;
    assert_eq!(
        code(expired, expect(URI, Some(&issuer.did))).await,
        "status_list_expired"
    );
    // typ checked: a token re-signed with another typ.
    let claims = kith_crypto::multibase::base64url_decode(good.split('.').nth(1).unwrap()).unwrap();
    let header = kith_crypto::Header {
        kid: Some(issuer.kid.clone()),
        typ: Some("JWT".into()),
        ..Default::default()
    };
    let wrong_typ = kith_crypto::sign_compact(header, &claims, &issuer.signer)
        .await
        .unwrap();
    assert_eq!(
        code(wrong_typ, expect(URI, Some(&issuer.did))).await,
        "status_list_malformed"
    );
    // The signature covers the list.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut tampered = payload(&good, 1);
    tampered["status_list"] = TokenStatusList::new(1, 128).unwrap().to_json();
    parts[1] = kith_crypto::multibase::base64url_encode(tampered.to_string().as_bytes());
    assert_eq!(
        code(parts.join("."), expect(URI, Some(&issuer.did))).await,
        "invalid_signature"
    );
    // alg none never reaches a key.
    let none = format!(
        "{}.{}.",
        kith_crypto::multibase::base64url_encode(br#"{"alg":"none","typ":"statuslist+jwt"}"#),
        good.split('.').nth(1).unwrap()
    );
    assert!(
        verify_status_list_token(&none, &KeyMethod, &expect(URI, Some(&issuer.did)))
            .await
            .is_err()
    );
}

// --- the pipeline ---

fn verifier(source: Arc<LocalStatusLists>) -> (Verifier, Arc<BitstringStatusChecker>) {
    let mut verifier = Verifier::new(Arc::new(KeyMethod));
    verifier.clock = Arc::new(FixedClock(now()));
    let checker = Arc::new(BitstringStatusChecker::new(&verifier, source));
    verifier.status = Some(checker.clone());
    (verifier, checker)
}

fn status_check(report: &kith_vc::Report) -> Value {
    let report = serde_json::to_value(report).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "status")
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn sd_jwt_vc_status_is_checked_in_the_pipeline() {
    let issuer = Issuer::new();
    let source = Arc::new(LocalStatusLists::new());
    let mut list = TokenStatusList::new(2, 1024).unwrap();
    list.set(8, SUSPENDED).unwrap();
    list.set(9, 3).unwrap();
    source.insert_token(URI, issuer.token(&list, URI, None).await);
    let (verifier, checker) = verifier(source.clone());

    let valid = issuer.sd_jwt(Some(status_claim(URI, 7))).await;
    let report = verifier.verify_credential(&valid).await;
    assert!(
        report.verified,
        "{}",
        serde_json::to_string(&report).unwrap()
    );
    assert_eq!(status_check(&report)["ok"], true);

    // Revoked: value 1 (INVALID).
    list.set(7, INVALID).unwrap();
    source.insert_token(URI, issuer.token(&list, URI, None).await);
    checker.forget(URI);
    let report = verifier.verify_credential(&valid).await;
    assert!(!report.verified);
    assert_eq!(report.first_failure(), Some("revoked"));

    // Suspended: value 2.
    let suspended = issuer.sd_jwt(Some(status_claim(URI, 8))).await;
    assert_eq!(
        verifier.verify_credential(&suspended).await.first_failure(),
        Some("suspended")
    );
    // Another value: undetermined.
    let other = issuer.sd_jwt(Some(status_claim(URI, 9))).await;
    let report = verifier.verify_credential(&other).await;
    assert!(!report.verified);
    assert_eq!(status_check(&report)["code"], "status_value_unsupported");
    // Past the end.
    let past = issuer.sd_jwt(Some(status_claim(URI, 4096))).await;
    assert_eq!(
        status_check(&verifier.verify_credential(&past).await)["code"],
        "status_index_out_of_range"
    );

    // No status claim: nothing to check.
    let plain = issuer.sd_jwt(None).await;
    assert!(verifier.verify_credential(&plain).await.verified);

    // No status access: indeterminate, as for Bitstring entries.
    let mut blind = verifier.clone();
    blind.status = None;
    let report = blind.verify_credential(&valid).await;
    assert!(!report.verified);
    assert_eq!(status_check(&report)["code"], "status_not_checked");
}

#[tokio::test]
async fn a_list_of_another_issuer_is_not_trusted() {
    let issuer = Issuer::new();
    let other = Issuer::new();
    let source = Arc::new(LocalStatusLists::new());
    let list = TokenStatusList::new(1, 64).unwrap();
    source.insert_token(URI, other.token(&list, URI, None).await);
    let (verifier, _) = verifier(source.clone());
    let vc = issuer.sd_jwt(Some(status_claim(URI, 1))).await;
    let report = verifier.verify_credential(&vc).await;
    assert!(!report.verified);
    assert_eq!(status_check(&report)["code"], "status_issuer_mismatch");

    // Unreachable and unverifiable lists are undetermined too.
    let gone = issuer
        .sd_jwt(Some(status_claim("https://issuer.example/status/gone", 1)))
        .await;
    assert_eq!(
        status_check(&verifier.verify_credential(&gone).await)["code"],
        "status_list_unavailable"
    );
    source.insert_token("https://issuer.example/status/junk", "not a jwt");
    let junk = issuer
        .sd_jwt(Some(status_claim("https://issuer.example/status/junk", 1)))
        .await;
    assert_eq!(
        status_check(&verifier.verify_credential(&junk).await)["code"],
        "status_list_unverified"
    );
}

#[tokio::test]
async fn the_token_checker_caches_for_the_ttl() {
    let issuer = Issuer::new();
    let source = Arc::new(LocalStatusLists::new());
    let mut list = TokenStatusList::new(1, 64).unwrap();
    source.insert_token(URI, issuer.token(&list, URI, None).await);
    let mut verifier = Verifier::new(Arc::new(KeyMethod));
    verifier.clock = Arc::new(FixedClock(now()));
    let checker = TokenStatusListChecker::new(&verifier, source.clone());
    let claim = status_claim(URI, 3);
    assert_eq!(
        checker.check_issued_by(&claim, &issuer.did).await,
        StatusResult::Valid
    );
    assert_eq!(checker.cached(), 1);
    // A changed list is not seen until the cached one is forgotten (or its ttl ends).
    list.set(3, INVALID).unwrap();
    source.insert_token(URI, issuer.token(&list, URI, None).await);
    assert_eq!(
        checker.check_issued_by(&claim, &issuer.did).await,
        StatusResult::Valid
    );
    checker.forget(URI);
    assert!(matches!(
        checker.check_issued_by(&claim, &issuer.did).await,
        StatusResult::Revoked(_)
    ));
    // Without a credential issuer, only trusted list issuers are accepted.
    assert!(matches!(
        checker.check(&claim).await,
        StatusResult::Unknown {
            code: "status_issuer_mismatch",
            ..
        }
    ));
    let _ = issuer.signer.public_key();
}

// --- the fuzz entry point ---

#[test]
fn the_fuzz_entry_point_takes_the_seeds() {
    for seed in [
        &b"eNrbuRgAAhcBXQ"[..],
        b"eNo76fITAAPfAgc",
        br#"{"status_list":{"idx":7,"uri":"https://example.com/statuslists/1"}}"#,
        br#"{"sub":"https://example.com/statuslists/1","iat":1686920170,"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}}"#,
        b"",
        b"\x78\x9c",
    ] {
        kith_vc::status::token_status_list::fuzz(seed);
    }
}

proptest! {
    #[test]
    fn the_fuzz_entry_point_never_panics(data in prop::collection::vec(any::<u8>(), 0..256)) {
        kith_vc::status::token_status_list::fuzz(&data);
    }
}
