//! W3C Bitstring Status List v1.0: the bitstring and its limits, and status checks
//! through the whole pipeline, with lists served from memory and over real HTTP.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use kith_crypto::{KeyType, LocalSigner, PrivateKey};
use kith_did::MethodResolver;
use kith_did::fetch::{BoundedFetcher, FetchConfig};
use kith_did::method::key::KeyMethod;
use kith_vc::datetime::{Clock, parse_date_time_stamp};
use kith_vc::status::{
    BitstringStatusChecker, BitstringStatusList, LocalStatusLists, MAX_LIST_LEN, MIN_ENTRIES,
    MIN_LIST_LEN, StatusCacheConfig, StatusChecker, StatusListSource, StatusPurpose, StatusResult,
    status_entry, status_list_credential,
};
use kith_vc::{Error, Report, Verifier, di, did_key_method_id, jose, sd_jwt};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

// --- the bitstring ---

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn multibase(bytes: &[u8]) -> String {
    format!("u{}", kith_crypto::multibase::base64url_encode(bytes))
}

fn decode_code(encoded: &str) -> &'static str {
    BitstringStatusList::decode(encoded).unwrap_err().code()
}

#[test]
fn the_spec_example_list_is_16_kb_of_zeros() {
    // spec §2.2, the example BitstringStatusListCredential's encodedList.
    let list = BitstringStatusList::decode(
        "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
    )
    .unwrap();
    assert_eq!(list.entries(), MIN_ENTRIES);
    assert_eq!(list.as_bytes().len(), MIN_LIST_LEN);
    assert_eq!(list.count_set(), 0);
}

#[test]
fn bit_order_matches_an_independent_implementation() {
    // The W3C test suite's status credential fixture
    // (vc-bitstring-status-list-test-suite, fixtures/status-credentials/single-purpose-ok):
    // "indexes set to 1: 201, 94023, 57444". The fixture omits the multibase prefix,
    // which spec §2.2 requires; with it, the list decodes to exactly those bits.
    let fixture = "H4sIACbOo2YC_-3QMREAMAgEsGerLPyrQgFjB-4SCUkWHQAAAAAAAOCwpwAAAADgrFIAAAAAAAAAAAAAAAAA3wxvOeOvqGEAAA";
    assert_eq!(decode_code(fixture), "status_list_malformed");
    let list = BitstringStatusList::decode(&format!("u{fixture}")).unwrap();
    assert_eq!(list.entries(), 200_000);
    let set: Vec<u64> = (0..list.entries())
        .filter(|&i| list.get(i) == Some(true))
        .collect();
    assert_eq!(set, [201, 57_444, 94_023]);
    // Index 201 is bit 1 (from the left) of byte 25.
    assert_eq!(list.as_bytes()[25], 0b0100_0000);
}

#[test]
fn encode_decode_round_trip() {
    let mut list = BitstringStatusList::new(200_000).unwrap();
    for index in [0, 1, 7, 8, 9412, 131_071, 199_999] {
        list.set(index, true).unwrap();
    }
    let encoded = list.encode();
    assert!(
        encoded.starts_with("uH4sI"),
        "multibase u + GZIP magic: {encoded}"
    );
    assert!(!encoded.contains('='), "no padding");
    let decoded = BitstringStatusList::decode(&encoded).unwrap();
    assert_eq!(decoded, list);
    assert_eq!(decoded.count_set(), 7);
    // Stored bits come back as they were.
    let stored = BitstringStatusList::from_bytes(list.as_bytes().to_vec()).unwrap();
    assert_eq!(stored, list);
}

#[test]
fn a_gzip_bomb_is_refused_before_it_explodes() {
    // 17 MiB of zeros compress to about 17 KB.
    let bomb = gzip(&vec![0; MAX_LIST_LEN + 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    assert_eq!(decode_code(&multibase(&bomb)), "status_list_too_large");
    // Exactly at the cap is fine.
    let largest = BitstringStatusList::decode(&multibase(&gzip(&vec![0; MAX_LIST_LEN]))).unwrap();
    assert_eq!(largest.entries(), MAX_LIST_LEN as u64 * 8);
    // An encodedList longer than any credential the pipeline reads.
    let long = format!("u{}", "A".repeat(kith_vc::status::MAX_ENCODED_LEN));
    assert_eq!(decode_code(&long), "status_list_too_large");
}

#[test]
fn broken_encodings_are_malformed() {
    let good = gzip(&[0; MIN_LIST_LEN]);
    // Truncated anywhere: header, deflate stream, CRC/length trailer.
    for cut in [0, 5, 10, good.len() / 2, good.len() - 4, good.len() - 1] {
        assert_eq!(
            decode_code(&multibase(&good[..cut])),
            "status_list_malformed",
            "cut at {cut}"
        );
    }
    // A wrong CRC.
    let mut bad_crc = good.clone();
    let at = bad_crc.len() - 8;
    bad_crc[at] ^= 1;
    assert_eq!(decode_code(&multibase(&bad_crc)), "status_list_malformed");
    let base64 = kith_crypto::multibase::base64url_encode(&good);
    for encoded in [
        base64.clone(),                           // no multibase prefix
        format!("z{base64}"),                     // another multibase
        format!("u{base64}=="),                   // padding
        format!("u{}", base64.replace('-', "+")), // base64, not base64url
        "u".to_owned(),
        String::new(),
        multibase(b"not gzip at all"),
    ] {
        assert_eq!(
            decode_code(&encoded),
            "status_list_malformed",
            "{encoded:.20}"
        );
    }
}

#[test]
fn a_list_under_16_kb_is_too_short() {
    // spec §3.2 step 9: STATUS_LIST_LENGTH_ERROR.
    assert_eq!(
        decode_code(&multibase(&gzip(&[0; MIN_LIST_LEN - 1]))),
        "status_list_too_short"
    );
    // The W3C test suite's short list (25 bytes), with the multibase prefix.
    assert_eq!(
        decode_code("uH4sIAN7Lo2YC_2NgwAEAjw7P6RkAAAA"),
        "status_list_too_short"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_decoder_never_panics_on_text(text in ".{0,200}") {
        let _ = BitstringStatusList::decode(&text);
        let _ = BitstringStatusList::decode(&format!("u{text}"));
    }

    #[test]
    fn the_decoder_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = BitstringStatusList::decode(&multibase(&bytes));
        // The same bytes behind a valid GZIP header.
        let mut framed = gzip(&[])[..10].to_vec();
        framed.extend_from_slice(&bytes);
        let _ = BitstringStatusList::decode(&multibase(&framed));
    }

    #[test]
    fn set_and_get_agree_with_a_model(ops in proptest::collection::vec((0..MIN_ENTRIES + 64, any::<bool>()), 0..200)) {
        let mut list = BitstringStatusList::default();
        let mut model = HashMap::new();
        for (index, value) in ops {
            let result = list.set(index, value);
            if index < MIN_ENTRIES {
                prop_assert!(result.is_ok());
                model.insert(index, value);
            } else {
                prop_assert_eq!(result.unwrap_err().code(), "status_index_out_of_range");
                prop_assert_eq!(list.get(index), None);
            }
        }
        for (&index, &value) in &model {
            prop_assert_eq!(list.get(index), Some(value));
        }
        prop_assert_eq!(list.count_set(), model.values().filter(|v| **v).count() as u64);
        let decoded = BitstringStatusList::decode(&list.encode()).unwrap();
        prop_assert_eq!(decoded, list);
    }
}

// --- status checks through the pipeline ---

const START: &str = "2026-01-01T00:00:00Z";
const NOW: &str = "2026-06-01T00:00:00Z";
const LIST_URL: &str = "https://issuer.example/status/1";

/// A clock the test moves.
struct TestClock(Mutex<OffsetDateTime>);

impl TestClock {
    fn at(instant: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(parse_date_time_stamp(instant).unwrap())))
    }

    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

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
        let signer = LocalSigner::new(key).unwrap().with_key_id(kid.clone());
        Self { signer, kid, did }
    }

    async fn data_integrity(&self, document: &Value) -> String {
        let mut options = di::ProofOptions::new(self.kid.clone());
        options.created = Some(parse_date_time_stamp(START).unwrap());
        di::add_proof(document, "eddsa-jcs-2022", &self.signer, options)
            .await
            .unwrap()
            .to_string()
    }

    async fn jwt(&self, document: &Value) -> String {
        jose::issue_vc_jwt(document, &self.signer, &self.kid)
            .await
            .unwrap()
    }

    /// The status list credential for `list`, secured with Data Integrity.
    async fn list(
        &self,
        purpose: StatusPurpose,
        list: &BitstringStatusList,
        ttl: Option<u64>,
    ) -> String {
        let unsigned = status_list_credential(
            LIST_URL,
            &self.did,
            purpose,
            list,
            parse_date_time_stamp(START).unwrap(),
            ttl,
        );
        self.data_integrity(&unsigned).await
    }

    fn credential(&self, status: Value) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "EmailCredential"],
            "issuer": self.did,
            "validFrom": START,
            "validUntil": "2027-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:alice", "email": "alice@example.com"},
            "credentialStatus": status
        })
    }

    /// The credential carrying `status`, in vc+jwt, Data Integrity and SD-JWT VC.
    async fn every_format(&self, status: Value) -> Vec<(&'static str, String)> {
        let vc = self.credential(status.clone());
        let mut claims = vc["credentialSubject"].clone();
        claims["vct"] = json!("EmailCredential");
        let options = sd_jwt::IssueOptions {
            status: Some(status),
            ..sd_jwt::IssueOptions::default()
        };
        let sd = sd_jwt::issue(&claims, &self.signer, &options)
            .await
            .unwrap();
        vec![
            ("vc+jwt", self.jwt(&vc).await),
            ("eddsa-jcs-2022", self.data_integrity(&vc).await),
            ("dc+sd-jwt", sd),
        ]
    }
}

/// A source over [`LocalStatusLists`] that counts fetches and can be slowed down.
#[derive(Default)]
struct Counting {
    lists: LocalStatusLists,
    fetches: AtomicUsize,
    delay: Option<Duration>,
}

#[async_trait]
impl StatusListSource for Counting {
    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, Error> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        self.lists.fetch(url).await
    }
}

impl Counting {
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn base_verifier(clock: Arc<TestClock>) -> Verifier {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    let mut verifier = Verifier::new(Arc::new(resolver));
    verifier.clock = clock;
    verifier
}

/// A verifier whose status lists come from `source`.
fn verifier_with(
    clock: Arc<TestClock>,
    source: Arc<dyn StatusListSource>,
    config: StatusCacheConfig,
) -> (Verifier, Arc<BitstringStatusChecker>) {
    let mut verifier = base_verifier(clock);
    let checker = Arc::new(BitstringStatusChecker::with_config(
        &verifier, source, config,
    ));
    verifier.status = Some(checker.clone());
    (verifier, checker)
}

fn status_check(report: &Report) -> (bool, Option<&'static str>) {
    let check = report
        .checks
        .iter()
        .find(|c| serde_json::to_value(c.check).unwrap() == "status")
        .unwrap_or_else(|| panic!("no status check in {:?}", report.checks));
    (check.ok(), check.code())
}

fn revoked_at(index: u64) -> BitstringStatusList {
    let mut list = BitstringStatusList::default();
    list.set(index, true).unwrap();
    list
}

#[tokio::test]
async fn a_credential_passes_until_its_bit_is_set_in_every_format() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting::default());
    let mut list = BitstringStatusList::default();
    source.lists.insert(
        LIST_URL,
        issuer.list(StatusPurpose::Revocation, &list, None).await,
    );
    let (verifier, checker) = verifier_with(clock.clone(), source.clone(), Default::default());
    let entry = status_entry(LIST_URL, StatusPurpose::Revocation, 9412);
    let credentials = issuer.every_format(entry).await;
    for (format, secured) in &credentials {
        let report = verifier.verify_credential(secured).await;
        assert!(report.verified, "{format}: {:?}", report.checks);
        assert_eq!(report.first_failure(), None);
    }
    assert_eq!(source.fetches(), 1, "one fetch, then the cache");

    list.set(9412, true).unwrap();
    source.lists.insert(
        LIST_URL,
        issuer.list(StatusPurpose::Revocation, &list, None).await,
    );
    checker.forget(LIST_URL);
    for (format, secured) in &credentials {
        let report = verifier.verify_credential(secured).await;
        assert!(!report.verified, "{format}");
        assert_eq!(report.first_failure(), Some("revoked"), "{format}");
        let detail = serde_json::to_value(&report).unwrap()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "status")
            .unwrap()["detail"]
            .clone();
        assert_eq!(
            detail,
            format!("statusListIndex 9412 in {LIST_URL} is set"),
            "{format}"
        );
    }
    // The neighbours are untouched.
    for index in [9411, 9413] {
        let entry = status_entry(LIST_URL, StatusPurpose::Revocation, index);
        assert_eq!(
            checker.check_issued_by(&entry, &issuer.did).await,
            StatusResult::Valid
        );
    }
}

#[tokio::test]
async fn a_suspension_list_suspends_and_can_lift_it() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting::default());
    source.lists.insert(
        LIST_URL,
        issuer
            .list(StatusPurpose::Suspension, &revoked_at(5), Some(60_000))
            .await,
    );
    let (verifier, _) = verifier_with(clock.clone(), source.clone(), Default::default());
    let entry = status_entry(LIST_URL, StatusPurpose::Suspension, 5);
    let vc = issuer.data_integrity(&issuer.credential(entry)).await;
    let report = verifier.verify_credential(&vc).await;
    assert_eq!(report.first_failure(), Some("suspended"));
    // Lifted: seen once the list's ttl (60 s) has passed.
    source.lists.insert(
        LIST_URL,
        issuer
            .list(
                StatusPurpose::Suspension,
                &BitstringStatusList::default(),
                Some(60_000),
            )
            .await,
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        verifier.verify_credential(&vc).await.first_failure(),
        Some("suspended")
    );
    assert_eq!(source.fetches(), 1);
    clock.advance(Duration::from_secs(31));
    let report = verifier.verify_credential(&vc).await;
    assert!(report.verified, "{:?}", report.checks);
    assert_eq!(
        source.fetches(),
        2,
        "the ttl expired and the list was fetched again"
    );
}

#[tokio::test]
async fn without_a_ttl_the_default_applies_and_ttl_is_bounded() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting::default());
    source.lists.insert(
        LIST_URL,
        issuer
            .list(
                StatusPurpose::Revocation,
                &BitstringStatusList::default(),
                None,
            )
            .await,
    );
    let config = StatusCacheConfig {
        default_ttl: Duration::from_secs(120),
        ..StatusCacheConfig::default()
    };
    let (_, checker) = verifier_with(clock.clone(), source.clone(), config);
    let entry = status_entry(LIST_URL, StatusPurpose::Revocation, 1);
    for _ in 0..3 {
        assert_eq!(
            checker.check_issued_by(&entry, &issuer.did).await,
            StatusResult::Valid
        );
    }
    assert_eq!(source.fetches(), 1);
    clock.advance(Duration::from_secs(119));
    checker.check_issued_by(&entry, &issuer.did).await;
    assert_eq!(source.fetches(), 1);
    clock.advance(Duration::from_secs(2));
    checker.check_issued_by(&entry, &issuer.did).await;
    assert_eq!(source.fetches(), 2);

    // A ttl of 0 is raised to min_ttl (1 s); a ttl of a year is cut to max_ttl (1 h).
    for (ttl, kept, refetched) in [(0, 0, 2), (365 * 24 * 3_600_000, 3_599, 3_601)] {
        source.lists.insert(
            LIST_URL,
            issuer
                .list(
                    StatusPurpose::Revocation,
                    &BitstringStatusList::default(),
                    Some(ttl),
                )
                .await,
        );
        checker.forget(LIST_URL);
        checker.check_issued_by(&entry, &issuer.did).await;
        let before = source.fetches();
        clock.advance(Duration::from_secs(kept));
        checker.check_issued_by(&entry, &issuer.did).await;
        assert_eq!(source.fetches(), before, "ttl {ttl}: still cached");
        clock.advance(Duration::from_secs(refetched - kept));
        checker.check_issued_by(&entry, &issuer.did).await;
        assert_eq!(source.fetches(), before + 1, "ttl {ttl}: fetched again");
    }
}

#[tokio::test]
async fn a_list_from_another_issuer_is_refused_unless_trusted() {
    let issuer = Issuer::new();
    let other = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting::default());
    source.lists.insert(
        LIST_URL,
        other
            .list(
                StatusPurpose::Revocation,
                &BitstringStatusList::default(),
                None,
            )
            .await,
    );
    let entry = status_entry(LIST_URL, StatusPurpose::Revocation, 3);
    let vc = issuer.jwt(&issuer.credential(entry.clone())).await;
    let (verifier, checker) = verifier_with(clock.clone(), source.clone(), Default::default());
    let report = verifier.verify_credential(&vc).await;
    assert!(!report.verified);
    assert_eq!(
        status_check(&report),
        (false, Some("status_issuer_mismatch"))
    );
    // Without a credential issuer, only trusted list issuers are accepted.
    assert!(matches!(
        checker.check(&entry).await,
        StatusResult::Unknown {
            code: "status_issuer_mismatch",
            ..
        }
    ));

    let config = StatusCacheConfig {
        trusted_list_issuers: [other.did.clone()].into(),
        ..StatusCacheConfig::default()
    };
    let (verifier, checker) = verifier_with(clock, source, config);
    let report = verifier.verify_credential(&vc).await;
    assert!(report.verified, "{:?}", report.checks);
    assert_eq!(checker.check(&entry).await, StatusResult::Valid);
}

#[tokio::test]
async fn a_tampered_list_is_unverified() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting::default());
    let signed = issuer
        .list(StatusPurpose::Revocation, &revoked_at(3), None)
        .await;
    // Clear the revoked bit after signing.
    let mut tampered: Value = serde_json::from_str(&signed).unwrap();
    tampered["credentialSubject"]["encodedList"] = json!(BitstringStatusList::default().encode());
    source.lists.insert(LIST_URL, tampered.to_string());
    let (verifier, checker) = verifier_with(clock.clone(), source.clone(), Default::default());
    let entry = status_entry(LIST_URL, StatusPurpose::Revocation, 3);
    let vc = issuer
        .data_integrity(&issuer.credential(entry.clone()))
        .await;
    let report = verifier.verify_credential(&vc).await;
    assert!(!report.verified);
    assert_eq!(
        status_check(&report),
        (false, Some("status_list_unverified"))
    );
    let json = serde_json::to_value(&report).unwrap();
    let status = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "status")
        .unwrap();
    assert_eq!(status["indeterminate"], true);
    assert!(
        status["detail"]
            .as_str()
            .unwrap()
            .contains("invalid_signature"),
        "{status}"
    );
    // The failure is remembered for failure_ttl (30 s), then the list is fetched again.
    source.lists.insert(LIST_URL, signed);
    checker.check_issued_by(&entry, &issuer.did).await;
    assert_eq!(source.fetches(), 1);
    clock.advance(Duration::from_secs(31));
    assert_eq!(
        verifier.verify_credential(&vc).await.first_failure(),
        Some("revoked")
    );
    assert_eq!(source.fetches(), 2);
}

#[tokio::test]
async fn list_and_entry_mismatches_have_their_codes() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(LocalStatusLists::new());
    source.insert(
        LIST_URL,
        issuer
            .list(
                StatusPurpose::Revocation,
                &BitstringStatusList::default(),
                None,
            )
            .await,
    );
    let expired_url = "https://issuer.example/status/expired";
    let mut expired = status_list_credential(
        expired_url,
        &issuer.did,
        StatusPurpose::Revocation,
        &BitstringStatusList::default(),
        parse_date_time_stamp(START).unwrap(),
        None,
    );
    expired["validUntil"] = json!("2026-03-01T00:00:00Z");
    source.insert(expired_url, issuer.data_integrity(&expired).await);
    let not_a_list_url = "https://issuer.example/status/not-a-list";
    let mut not_a_list = issuer.credential(json!(null));
    not_a_list
        .as_object_mut()
        .unwrap()
        .remove("credentialStatus");
    source.insert(not_a_list_url, issuer.data_integrity(&not_a_list).await);
    let (_, checker) = verifier_with(clock, source, Default::default());
    let entry = |purpose: &str, index: &str, url: &str| {
        json!({
            "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": index, "statusListCredential": url
        })
    };
    let cases = [
        (
            entry("suspension", "1", LIST_URL),
            "status_purpose_mismatch",
        ),
        (
            entry("revocation", "131072", LIST_URL),
            "status_index_out_of_range",
        ),
        (
            entry("revocation", "99999999999999999999999", LIST_URL),
            "status_index_out_of_range",
        ),
        (entry("revocation", "-1", LIST_URL), "invalid_status_entry"),
        (
            entry("revocation", "1", "not a url"),
            "invalid_status_entry",
        ),
        (
            entry("message", "1", LIST_URL),
            "status_purpose_unsupported",
        ),
        (entry("revocation", "1", expired_url), "status_list_expired"),
        (
            entry("revocation", "1", not_a_list_url),
            "status_list_malformed",
        ),
        (
            entry("revocation", "1", "https://issuer.example/none"),
            "status_list_unavailable",
        ),
        // An SD-JWT VC status claim goes to the Token Status List checker, which
        // finds a Bitstring Status List credential, not a Status List Token, there.
        (
            json!({"status_list": {"idx": 1, "uri": LIST_URL}}),
            "status_list_unverified",
        ),
        (
            json!({"statusPurpose": "revocation"}),
            "invalid_status_entry",
        ),
        (
            json!({"type": "StatusList2021Entry"}),
            "status_type_unsupported",
        ),
    ];
    for (entry, code) in cases {
        match checker.check_issued_by(&entry, &issuer.did).await {
            StatusResult::Unknown { code: got, detail } => {
                assert_eq!(got, code, "{entry}: {detail}");
            }
            other => panic!("{entry}: {other:?}"),
        }
    }
    assert_eq!(
        checker
            .check_issued_by(&entry("revocation", "131071", LIST_URL), &issuer.did)
            .await,
        StatusResult::Valid
    );
}

#[tokio::test]
async fn a_list_secured_as_vc_jwt_works_too() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(LocalStatusLists::new());
    let unsigned = status_list_credential(
        LIST_URL,
        &issuer.did,
        StatusPurpose::Revocation,
        &revoked_at(77),
        parse_date_time_stamp(START).unwrap(),
        Some(300_000),
    );
    source.insert(LIST_URL, issuer.jwt(&unsigned).await);
    let (_, checker) = verifier_with(clock, source, Default::default());
    let revoked = status_entry(LIST_URL, StatusPurpose::Revocation, 77);
    let valid = status_entry(LIST_URL, StatusPurpose::Revocation, 76);
    assert!(matches!(
        checker.check_issued_by(&revoked, &issuer.did).await,
        StatusResult::Revoked(_)
    ));
    assert_eq!(
        checker.check_issued_by(&valid, &issuer.did).await,
        StatusResult::Valid
    );
}

#[tokio::test]
async fn concurrent_misses_fetch_once() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting {
        delay: Some(Duration::from_millis(100)),
        ..Counting::default()
    });
    source.lists.insert(
        LIST_URL,
        issuer
            .list(StatusPurpose::Revocation, &revoked_at(2), None)
            .await,
    );
    let (_, checker) = verifier_with(clock, source.clone(), Default::default());
    let mut tasks = Vec::new();
    for index in 0..8 {
        let checker = checker.clone();
        let did = issuer.did.clone();
        tasks.push(tokio::spawn(async move {
            let entry = status_entry(LIST_URL, StatusPurpose::Revocation, index);
            checker.check_issued_by(&entry, &did).await
        }));
    }
    for (index, task) in tasks.into_iter().enumerate() {
        let result = task.await.unwrap();
        assert_eq!(
            matches!(result, StatusResult::Revoked(_)),
            index == 2,
            "{result:?}"
        );
    }
    assert_eq!(source.fetches(), 1);
}

#[tokio::test]
async fn the_cache_is_bounded() {
    let issuer = Issuer::new();
    let clock = TestClock::at(NOW);
    let source = Arc::new(Counting::default());
    let urls: Vec<String> = (0..4)
        .map(|i| format!("https://issuer.example/status/{i}"))
        .collect();
    for url in &urls {
        let unsigned = status_list_credential(
            url,
            &issuer.did,
            StatusPurpose::Revocation,
            &BitstringStatusList::default(),
            parse_date_time_stamp(START).unwrap(),
            None,
        );
        source
            .lists
            .insert(url.clone(), issuer.data_integrity(&unsigned).await);
    }
    let config = StatusCacheConfig {
        max_entries: 2,
        ..StatusCacheConfig::default()
    };
    let (_, checker) = verifier_with(clock, source.clone(), config);
    for url in &urls {
        let entry = status_entry(url, StatusPurpose::Revocation, 1);
        assert_eq!(
            checker.check_issued_by(&entry, &issuer.did).await,
            StatusResult::Valid
        );
        assert!(checker.cached() <= 2);
    }
    assert_eq!(source.fetches(), 4);
    // Lists bigger than the byte budget are used but not kept.
    let config = StatusCacheConfig {
        max_bytes: MIN_LIST_LEN - 1,
        ..StatusCacheConfig::default()
    };
    let (_, checker) = verifier_with(TestClock::at(NOW), source.clone(), config);
    let entry = status_entry(&urls[0], StatusPurpose::Revocation, 1);
    assert_eq!(
        checker.check_issued_by(&entry, &issuer.did).await,
        StatusResult::Valid
    );
    assert_eq!(checker.cached(), 0);
}

// --- over real HTTP ---

type Routes = Arc<RwLock<HashMap<String, Vec<u8>>>>;

/// Serves `routes` (path → body) over HTTP/1.1 on 127.0.0.1; other paths get 404.
async fn serve(routes: Routes) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let found = routes.read().unwrap().get(&path).cloned();
                let (status, body) = match found {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/vc\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    (base, hits)
}

#[tokio::test]
async fn lists_are_fetched_over_http_with_the_bounded_fetcher() {
    let issuer = Issuer::new();
    let routes: Routes = Arc::default();
    let (base, hits) = serve(routes.clone()).await;
    let url = format!("{base}/status/1");
    let publish = |list: BitstringStatusList| {
        let issuer = &issuer;
        let url = url.clone();
        let routes = routes.clone();
        async move {
            let unsigned = status_list_credential(
                &url,
                &issuer.did,
                StatusPurpose::Revocation,
                &list,
                parse_date_time_stamp(START).unwrap(),
                Some(60_000),
            );
            let signed = issuer.data_integrity(&unsigned).await;
            routes
                .write()
                .unwrap()
                .insert("/status/1".into(), signed.into_bytes());
        }
    };
    publish(BitstringStatusList::default()).await;
    let fetcher = BoundedFetcher::new(FetchConfig {
        allow_http: true,
        allow_private_addresses: true,
        ..FetchConfig::default()
    })
    .unwrap();
    let clock = TestClock::at(NOW);
    let (verifier, _) = verifier_with(clock.clone(), Arc::new(fetcher), Default::default());
    let entry = status_entry(&url, StatusPurpose::Revocation, 9412);
    let vc = issuer.data_integrity(&issuer.credential(entry)).await;
    let report = verifier.verify_credential(&vc).await;
    assert!(report.verified, "{:?}", report.checks);
    assert!(verifier.verify_credential(&vc).await.verified);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the second check used the cache"
    );

    publish(revoked_at(9412)).await;
    clock.advance(Duration::from_secs(61));
    assert_eq!(
        verifier.verify_credential(&vc).await.first_failure(),
        Some("revoked")
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    // Gone from the server: unavailable, once the cached list has expired.
    routes.write().unwrap().clear();
    clock.advance(Duration::from_secs(61));
    let report = verifier.verify_credential(&vc).await;
    assert_eq!(
        status_check(&report),
        (false, Some("status_list_unavailable"))
    );

    // The secure default refuses plain HTTP to loopback and sends nothing.
    let before = hits.load(Ordering::SeqCst);
    let (strict, _) = verifier_with(
        TestClock::at(NOW),
        Arc::new(BoundedFetcher::new_default().unwrap()),
        Default::default(),
    );
    let report = strict.verify_credential(&vc).await;
    assert_eq!(
        status_check(&report),
        (false, Some("status_list_unavailable"))
    );
    assert_eq!(hits.load(Ordering::SeqCst), before);
}
