//! OpenID4VP end to end: a real axum verifier on 127.0.0.1, the wallet through the real
//! reqwest client, credentials issued with kith-vc (SD-JWT VC with `cnf`, `vc+jwt`,
//! Data Integrity `eddsa-jcs-2022`).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kith_crypto::{Header, KeyType, LocalSigner, PrivateKey, Signer, sign_compact};
use kith_did::MethodResolver;
use kith_did::method::key::KeyMethod;
use kith_oid4vc::dcql::{self, DcqlQuery};
use kith_oid4vc::vp::http::{HttpClient, HttpConfig, HttpResponse, ReqwestClient};
use kith_oid4vc::vp::store::{MemoryStateStore, RequestStatus};
use kith_oid4vc::vp::verifier::{RequestOptions, VerifierConfig, VpVerifier};
use kith_oid4vc::vp::wallet::{self, HolderKey, VpWallet, WalletCredential};
use kith_oid4vc::vp::{self, Error, ResponseMode};
use kith_vc::datetime::Clock;
use kith_vc::status::{StatusChecker, StatusResult};
use kith_vc::{Challenge, did_key_method_id};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;
use url::Url;

const PID: &str = "https://credentials.example.com/pid";

// ---------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------

struct TestClock(AtomicI64);

impl TestClock {
    fn now() -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(
            OffsetDateTime::now_utc().unix_timestamp(),
        )))
    }
    fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0.load(Ordering::SeqCst)).unwrap()
    }
}

/// Revokes the SD-JWT status entry with `idx` 7.
struct RevokeSeven;

#[async_trait]
impl StatusChecker for RevokeSeven {
    async fn check(&self, entry: &Value) -> StatusResult {
        match entry.pointer("/status_list/idx").and_then(Value::as_u64) {
            Some(7) => StatusResult::Revoked("status list index 7".into()),
            _ => StatusResult::Valid,
        }
    }
}

fn resolver() -> Arc<MethodResolver> {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    Arc::new(resolver)
}

fn signer(key_type: KeyType) -> Arc<LocalSigner> {
    let key = PrivateKey::generate(key_type).unwrap();
    let kid = did_key_method_id(&key.public_key());
    Arc::new(LocalSigner::new(key).unwrap().with_key_id(kid))
}

fn did_of(signer: &dyn Signer) -> String {
    kith_did::method::key::did_for(&signer.public_key()).to_string()
}

struct Parties {
    issuer: Arc<LocalSigner>,
    holder: Arc<LocalSigner>,
}

impl Parties {
    fn new() -> Self {
        Self {
            issuer: signer(KeyType::Ed25519),
            holder: signer(KeyType::Ed25519),
        }
    }

    fn holder_key(&self) -> HolderKey {
        HolderKey {
            did: did_of(self.holder.as_ref()),
            verification_method: self.holder.key_id().unwrap().to_owned(),
            signer: self.holder.clone(),
        }
    }

    async fn sd_jwt(&self, status_idx: Option<u64>) -> String {
        let claims = json!({
            "vct": PID,
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birthdate": "1984-01-26",
            "nationality": "DE",
            "age_over_18": true,
            "address": {"locality": "Berlin", "postal_code": "10115"}
        });
        let options = kith_vc::sd_jwt::IssueOptions {
            disclosable: [
                "/given_name",
                "/family_name",
                "/birthdate",
                "/nationality",
                "/age_over_18",
                "/address",
                "/address/locality",
                "/address/postal_code",
            ]
            .map(String::from)
            .to_vec(),
            holder_key: Some(self.holder.public_key()),
            status: status_idx.map(|idx| {
                json!({"status_list": {"idx": idx, "uri": "https://issuer.example/status/1"}})
            }),
            iat: Some(OffsetDateTime::now_utc()),
            ..Default::default()
        };
        kith_vc::sd_jwt::issue(&claims, self.issuer.as_ref(), &options)
            .await
            .unwrap()
    }

    async fn vc_jwt(&self) -> String {
        let credential = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "NameCredential"],
            "issuer": did_of(self.issuer.as_ref()),
            "credentialSubject": {"id": did_of(self.holder.as_ref()), "name": "Erika Mustermann"}
        });
        kith_vc::jose::issue_vc_jwt(
            &credential,
            self.issuer.as_ref(),
            self.issuer.key_id().unwrap(),
        )
        .await
        .unwrap()
    }

    async fn di_vc(&self) -> String {
        let credential = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "NationalityCredential"],
            "issuer": did_of(self.issuer.as_ref()),
            "credentialSubject": {"id": did_of(self.holder.as_ref()), "nationality": "DE"}
        });
        let options = kith_vc::di::ProofOptions::new(self.issuer.key_id().unwrap());
        kith_vc::di::add_proof(&credential, "eddsa-jcs-2022", self.issuer.as_ref(), options)
            .await
            .unwrap()
            .to_string()
    }

    async fn wallet_credentials(&self) -> Vec<WalletCredential> {
        vec![
            WalletCredential {
                id: "pid".into(),
                raw: self.sd_jwt(None).await,
                holder: Some(self.holder_key()),
            },
            WalletCredential {
                id: "name".into(),
                raw: self.vc_jwt().await,
                holder: Some(self.holder_key()),
            },
            WalletCredential {
                id: "nationality".into(),
                raw: self.di_vc().await,
                holder: Some(self.holder_key()),
            },
        ]
    }
}

struct AppState {
    verifier: Mutex<Option<VpVerifier>>,
    posts: AtomicUsize,
    tamper: AtomicBool,
}

impl AppState {
    fn verifier(&self) -> VpVerifier {
        self.verifier.lock().unwrap().clone().unwrap()
    }
}

fn error_response(e: &Error) -> Response {
    (
        StatusCode::from_u16(e.http_status()).unwrap(),
        axum::Json(e.to_oauth_json()),
    )
        .into_response()
}

async fn request_object(State(app): State<Arc<AppState>>, Path(state): Path<String>) -> Response {
    match app.verifier().request_object(&state).await {
        Ok(mut jws) => {
            if app.tamper.load(Ordering::SeqCst) {
                // Change the signature's first character: same shape, wrong signature.
                let at = jws.rfind('.').unwrap() + 1;
                let first = if jws[at..].starts_with('A') { "B" } else { "A" };
                jws.replace_range(at..at + 1, first);
            }
            ([(header::CONTENT_TYPE, vp::MEDIA_TYPE_REQUEST_OBJECT)], jws).into_response()
        }
        Err(e) => error_response(&e),
    }
}

async fn response(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    app.posts.fetch_add(1, Ordering::SeqCst);
    match app.verifier().handle_response(&body).await {
        Ok(ack) => axum::Json(ack.to_json()).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn huge() -> Response {
    (
        [(header::CONTENT_TYPE, vp::MEDIA_TYPE_REQUEST_OBJECT)],
        "a".repeat(vp::MAX_REQUEST_OBJECT_LEN + 10),
    )
        .into_response()
}

struct Server {
    base: Url,
    app: Arc<AppState>,
    verifier: VpVerifier,
    clock: Arc<TestClock>,
    verifier_signer: Arc<LocalSigner>,
}

#[derive(Clone, Copy, PartialEq)]
enum ClientKind {
    Did,
    RedirectUri,
}

async fn start(kind: ClientKind, status: Option<Arc<dyn StatusChecker>>) -> Server {
    let app = Arc::new(AppState {
        verifier: Mutex::new(None),
        posts: AtomicUsize::new(0),
        tamper: AtomicBool::new(false),
    });
    let router = Router::new()
        .route("/request/{state}", get(request_object))
        .route("/response", post(response))
        .route("/huge", get(huge))
        .layer(DefaultBodyLimit::max(8 * 1024 * 1024))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let clock = TestClock::now();
    let mut pipeline = kith_vc::Verifier::new(resolver());
    pipeline.clock = clock.clone();
    pipeline.status = status;
    let verifier_signer = signer(KeyType::Ed25519);
    let response_uri = base.join("/response").unwrap();
    let config = match kind {
        ClientKind::Did => VerifierConfig::did(
            kith_did::Did::parse(&did_of(verifier_signer.as_ref())).unwrap(),
            verifier_signer.clone(),
            base.join("/request").unwrap(),
            response_uri,
        ),
        ClientKind::RedirectUri => VerifierConfig::redirect_uri(response_uri),
    };
    let verifier =
        VpVerifier::new(config, pipeline, Arc::new(MemoryStateStore::default())).unwrap();
    *app.verifier.lock().unwrap() = Some(verifier.clone());
    Server {
        base,
        app,
        verifier,
        clock,
        verifier_signer,
    }
}

/// The real reqwest client, recording every POST it makes.
struct Recording {
    inner: ReqwestClient,
    posts: Mutex<Vec<Vec<(String, String)>>>,
}

#[async_trait]
impl HttpClient for Recording {
    async fn get(&self, url: &Url, accept: &str) -> Result<HttpResponse, Error> {
        self.inner.get(url, accept).await
    }
    async fn post_form(&self, url: &Url, form: &[(String, String)]) -> Result<HttpResponse, Error> {
        self.posts.lock().unwrap().push(form.to_vec());
        self.inner.post_form(url, form).await
    }
}

fn http() -> ReqwestClient {
    ReqwestClient::new(HttpConfig {
        allow_http: true,
        allow_private_addresses: true,
        ..HttpConfig::default()
    })
    .unwrap()
}

fn wallet() -> (VpWallet, Arc<Recording>) {
    let recording = Arc::new(Recording {
        inner: http(),
        posts: Mutex::new(Vec::new()),
    });
    (VpWallet::new(recording.clone(), resolver()), recording)
}

fn query(value: Value) -> DcqlQuery {
    DcqlQuery::from_json(&value).unwrap()
}

fn age_query() -> DcqlQuery {
    query(json!({"credentials": [{
        "id": "age", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "claims": [{"path": ["age_over_18"]}]
    }]}))
}

async fn completed(server: &Server, transaction_id: &str) -> vp::store::VerifiedResponse {
    match server
        .verifier
        .status(transaction_id)
        .await
        .unwrap()
        .unwrap()
    {
        RequestStatus::Completed(verified) => verified,
        other => panic!("expected completed, got {other:?}"),
    }
}

async fn failed_code(server: &Server, transaction_id: &str) -> String {
    match server
        .verifier
        .status(transaction_id)
        .await
        .unwrap()
        .unwrap()
    {
        RequestStatus::Failed(failure) => failure.code,
        other => panic!("expected failed, got {other:?}"),
    }
}

/// POSTs a raw form to the server's Response URI: status and JSON body.
async fn post_raw(server: &Server, form: &[(String, String)]) -> (u16, Value) {
    let response = http()
        .post_form(&server.base.join("/response").unwrap(), form)
        .await
        .unwrap();
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap_or(Value::Null),
    )
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------
// Happy paths
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn age_over_18_discloses_only_age_over_18() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    assert!(
        created
            .link
            .starts_with("openid4vp://?client_id=decentralized_identifier")
    );
    assert_eq!(
        server
            .verifier
            .status(&created.transaction_id)
            .await
            .unwrap(),
        Some(RequestStatus::Pending)
    );

    let (wallet, _) = wallet();
    let link = wallet::parse_link(&created.link).unwrap();
    let request = wallet.resolve_request(&link).await.unwrap();
    assert_eq!(
        request.signed_by.as_deref(),
        server.verifier_signer.key_id()
    );
    let consent = wallet.prepare(&request, &credentials).unwrap();
    assert_eq!(consent.items.len(), 1);
    let item = &consent.items[0];
    assert_eq!(
        (item.query_id.as_str(), item.credential_id.as_str()),
        ("age", "pid")
    );
    assert_eq!(item.disclosed, ["/age_over_18"]);
    let disclosed: Vec<&str> = item
        .shared
        .iter()
        .filter(|c| c.selectively_disclosed)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(disclosed, ["/age_over_18"]);

    let submitted = wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    assert_eq!(submitted.presented, [("age".to_owned(), "pid".to_owned())]);
    let verified = completed(&server, &created.transaction_id).await;
    let received = &verified.credentials["age"][0];
    assert_eq!(received.claims["age_over_18"], true);
    for hidden in [
        "given_name",
        "family_name",
        "birthdate",
        "nationality",
        "address",
    ] {
        assert!(
            received.claims.get(hidden).is_none(),
            "{hidden} left the wallet"
        );
    }
    assert_eq!(received.report["verified"], true);
    // The consent screen showed exactly what the verifier received.
    let shown: BTreeSet<String> = item.shared.iter().map(|c| c.path.clone()).collect();
    let mut got = BTreeSet::new();
    leaves(&received.claims, String::new(), &mut got);
    assert_eq!(shown, got);
}

fn leaves(value: &Value, path: String, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                leaves(v, format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, format!("{path}/{i}"), out);
            }
        }
        _ => {
            out.insert(path);
        }
    }
}

#[tokio::test]
async fn name_and_nationality_in_three_formats() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let dcql = query(json!({"credentials": [
        {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
         "claims": [{"path": ["given_name"]}, {"path": ["family_name"]},
                    {"path": ["nationality"], "values": ["DE", "FR"]}]},
        {"id": "name", "format": "jwt_vc_json",
         "meta": {"type_values": [["https://www.w3.org/2018/credentials#VerifiableCredential", "NameCredential"]]},
         "claims": [{"path": ["credentialSubject", "name"]}]},
        {"id": "nationality", "format": "ldp_vc",
         "meta": {"type_values": [["NationalityCredential"]]},
         "claims": [{"path": ["credentialSubject", "nationality"]}]}
    ]}));
    let created = server
        .verifier
        .create_request(RequestOptions::new(dcql))
        .await
        .unwrap();
    let (wallet, _) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    let pid = consent.items.iter().find(|i| i.query_id == "pid").unwrap();
    let mut disclosed = pid.disclosed.clone();
    disclosed.sort();
    assert_eq!(disclosed, ["/family_name", "/given_name", "/nationality"]);
    // A W3C VC without selective disclosure shares everything, and says so.
    let name = consent.items.iter().find(|i| i.query_id == "name").unwrap();
    assert!(
        name.shared
            .iter()
            .any(|c| c.path == "/credentialSubject/name")
    );
    assert!(name.shared.iter().all(|c| !c.selectively_disclosed));

    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    let verified = completed(&server, &created.transaction_id).await;
    let pid = &verified.credentials["pid"][0].claims;
    assert_eq!(
        (pid["given_name"].as_str(), pid["nationality"].as_str()),
        (Some("Erika"), Some("DE"))
    );
    assert!(pid.get("birthdate").is_none() && pid.get("age_over_18").is_none());
    let name = &verified.credentials["name"][0];
    assert_eq!(name.claims["credentialSubject"]["name"], "Erika Mustermann");
    assert_eq!(
        name.holder.as_deref(),
        Some(did_of(parties.holder.as_ref()).as_str())
    );
    let nationality = &verified.credentials["nationality"][0];
    assert_eq!(nationality.claims["credentialSubject"]["nationality"], "DE");
    assert_eq!(nationality.report["format"], "eddsa-jcs-2022");
}

#[tokio::test]
async fn unsigned_redirect_uri_request_by_value() {
    let server = start(ClientKind::RedirectUri, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    assert!(created.request_uri.is_none());
    let (wallet, _) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    assert!(request.signed_by.is_none());
    let consent = wallet.prepare(&request, &credentials).unwrap();
    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    let verified = completed(&server, &created.transaction_id).await;
    assert_eq!(verified.credentials["age"][0].claims["age_over_18"], true);
}

#[tokio::test]
async fn declining_fails_the_request_with_access_denied() {
    let server = start(ClientKind::Did, None).await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let (wallet, _) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    wallet.decline(&request).await.unwrap();
    assert_eq!(
        failed_code(&server, &created.transaction_id).await,
        "access_denied"
    );
}

// ---------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_replayed_response_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let (wallet, recording) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    completed(&server, &created.transaction_id).await;

    let form = recording.posts.lock().unwrap()[0].clone();
    let (status, body) = post_raw(&server, &form).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("replayed_response"))
    );
    // The request stays completed; the Request Object is no longer served.
    completed(&server, &created.transaction_id).await;
    let again = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap_err();
    assert_eq!(again.code(), "http_error", "{again}");
}

#[tokio::test]
async fn an_expired_request_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let (wallet, _) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    server.clock.advance(10 * 60);
    let err = wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::VerifierRejected { status: 400, description, .. } if description.contains("expired")),
        "{err}"
    );
    assert_eq!(
        server
            .verifier
            .status(&created.transaction_id)
            .await
            .unwrap(),
        Some(RequestStatus::Expired)
    );
}

#[tokio::test]
async fn an_unknown_state_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let (status, body) = post_raw(&server, &pairs(&[("vp_token", "{}"), ("state", "nope")])).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("unknown_state"))
    );
    assert_eq!(body["error"], "invalid_request");
    let (status, body) = post_raw(&server, &pairs(&[("vp_token", "{}")])).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[tokio::test]
async fn a_kb_jwt_for_another_audience_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let challenge = Challenge {
        nonce: created.nonce.clone(),
        audience: "decentralized_identifier:did:key:z6MkSomeoneElse".into(),
    };
    let presentation = kith_vc::sd_jwt::present(
        &parties.sd_jwt(None).await,
        &["/age_over_18".into()],
        Some((
            parties.holder.as_ref() as &dyn Signer,
            &challenge,
            OffsetDateTime::now_utc().unix_timestamp(),
        )),
    )
    .await
    .unwrap();
    let token = json!({"age": [presentation]}).to_string();
    let (status, body) = post_raw(
        &server,
        &pairs(&[("vp_token", &token), ("state", &created.state)]),
    )
    .await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("audience_mismatch"))
    );
    assert_eq!(
        failed_code(&server, &created.transaction_id).await,
        "audience_mismatch"
    );
}

#[tokio::test]
async fn a_response_meant_for_another_request_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let first = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let second = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let (wallet, recording) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&first.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    // The same presentations, posted with the second request's state.
    let mut form = recording.posts.lock().unwrap()[0].clone();
    for (name, value) in &mut form {
        if name == "state" {
            *value = second.state.clone();
        }
    }
    let (status, body) = post_raw(&server, &form).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("nonce_mismatch"))
    );
    assert_eq!(
        failed_code(&server, &second.transaction_id).await,
        "nonce_mismatch"
    );
    completed(&server, &first.transaction_id).await;
}

#[tokio::test]
async fn a_request_object_with_a_bad_signature_is_refused_and_nothing_is_sent() {
    let server = start(ClientKind::Did, None).await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    server.app.tamper.store(true, Ordering::SeqCst);
    let (wallet, recording) = wallet();
    let err = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request_signature", "{err}");
    assert_eq!(err.oauth_error(), "invalid_request_object");
    assert!(recording.posts.lock().unwrap().is_empty());
    assert_eq!(server.app.posts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_request_object_from_an_unknown_client_is_refused() {
    // did:web is not resolvable by this wallet: the client's key cannot be found.
    let key = signer(KeyType::Ed25519);
    let client_id = "decentralized_identifier:did:web:verifier.invalid";
    let claims = json!({
        "client_id": client_id, "response_type": "vp_token", "response_mode": "direct_post",
        "response_uri": "https://verifier.invalid/response", "nonce": "n-0S6_WzA2Mj",
        "state": "s1", "dcql_query": age_query().to_json()
    });
    let header = Header {
        typ: Some(vp::TYP_REQUEST_OBJECT.into()),
        kid: Some("did:web:verifier.invalid#key-1".into()),
        ..Header::default()
    };
    let jws = sign_compact(header, claims.to_string().as_bytes(), key.as_ref())
        .await
        .unwrap();
    let link = wallet::AuthorizationLink {
        client_id: client_id.into(),
        request_uri: None,
        request_uri_method: None,
        request: Some(jws.clone()),
        params: Default::default(),
    };
    let (wallet, _) = wallet();
    let err = wallet.resolve_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "unknown_client", "{err}");
    assert_eq!(err.oauth_error(), "invalid_client");

    // A did:key client whose key did not sign: a signature error.
    let other = signer(KeyType::Ed25519);
    let did = did_of(other.as_ref());
    let mut claims = claims;
    claims["client_id"] = json!(format!("decentralized_identifier:{did}"));
    let header = Header {
        typ: Some(vp::TYP_REQUEST_OBJECT.into()),
        kid: other.key_id().map(str::to_owned),
        ..Header::default()
    };
    let jws = sign_compact(header, claims.to_string().as_bytes(), key.as_ref())
        .await
        .unwrap();
    let link = wallet::AuthorizationLink {
        client_id: format!("decentralized_identifier:{did}"),
        request: Some(jws),
        ..link
    };
    assert_eq!(
        wallet.resolve_request(&link).await.unwrap_err().code(),
        "invalid_request_signature"
    );
}

#[tokio::test]
async fn oversize_payloads_are_refused() {
    let server = start(ClientKind::Did, None).await;
    let big = "a".repeat(vp::MAX_RESPONSE_LEN);
    let (status, body) = post_raw(&server, &pairs(&[("vp_token", &big), ("state", "s")])).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (413, Some("too_large"))
    );

    let (wallet, _) = wallet();
    let link = wallet::AuthorizationLink {
        client_id: "decentralized_identifier:did:key:z6Mk".into(),
        request_uri: Some(server.base.join("/huge").unwrap()),
        request_uri_method: None,
        request: None,
        params: Default::default(),
    };
    assert_eq!(
        wallet.resolve_request(&link).await.unwrap_err().code(),
        "too_large"
    );

    let long_query = format!(
        r#"{{"credentials":[{{"id":"a","format":"dc+sd-jwt","meta":{{"vct_values":["{}"]}}}}]}}"#,
        "x".repeat(dcql::MAX_QUERY_LEN)
    );
    assert_eq!(
        DcqlQuery::parse(&long_query).unwrap_err().code(),
        "dcql_too_large"
    );
    let many_claims: Vec<Value> = (0..=dcql::MAX_CLAIMS)
        .map(|i| json!({"path": [format!("c{i}")]}))
        .collect();
    let err = DcqlQuery::from_json(&json!({"credentials": [
        {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}, "claims": many_claims}
    ]}))
    .unwrap_err();
    assert_eq!(err.code(), "dcql_too_large");
    assert_eq!(
        wallet::parse_link(&format!(
            "openid4vp://?client_id={}",
            "a".repeat(vp::MAX_LINK_LEN)
        ))
        .unwrap_err()
        .code(),
        "too_large"
    );
}

#[tokio::test]
async fn a_query_the_wallet_cannot_satisfy_sends_nothing() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let dcql = query(json!({"credentials": [{
        "id": "mdl", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["https://credentials.example.com/driving_licence"]},
        "claims": [{"path": ["driving_privileges"]}]
    }]}));
    let created = server
        .verifier
        .create_request(RequestOptions::new(dcql))
        .await
        .unwrap();
    let (wallet, recording) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let err = wallet.prepare(&request, &credentials).unwrap_err();
    assert_eq!(err.code(), "cannot_satisfy");
    assert_eq!(err.oauth_error(), "access_denied");
    let Error::CannotSatisfy(unsatisfied) = &err else {
        unreachable!()
    };
    assert_eq!(unsatisfied.missing[0].0, "mdl");
    assert!(err.to_string().contains("driving_licence"), "{err}");

    // A claim the credential lacks is named too.
    let dcql = query(json!({"credentials": [{
        "id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "claims": [{"path": ["passport_number"]}]
    }]}));
    let created2 = server
        .verifier
        .create_request(RequestOptions::new(dcql))
        .await
        .unwrap();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created2.link).unwrap())
        .await
        .unwrap();
    let err = wallet.prepare(&request, &credentials).unwrap_err();
    assert!(err.to_string().contains("passport_number"), "{err}");

    assert!(recording.posts.lock().unwrap().is_empty());
    assert_eq!(
        server.app.posts.load(Ordering::SeqCst),
        0,
        "the server saw a POST"
    );
    assert_eq!(
        server
            .verifier
            .status(&created.transaction_id)
            .await
            .unwrap(),
        Some(RequestStatus::Pending)
    );
}

#[tokio::test]
async fn a_credential_from_an_untrusted_issuer_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let mut options = RequestOptions::new(age_query());
    options
        .policy
        .trusted_issuers
        .insert("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into());
    let created = server.verifier.create_request(options).await.unwrap();
    let (wallet, _) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    let err = wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::VerifierRejected { status: 400, .. }),
        "{err}"
    );
    assert_eq!(
        failed_code(&server, &created.transaction_id).await,
        "untrusted_issuer"
    );

    // The same credential passes when its issuer is trusted.
    let mut options = RequestOptions::new(age_query());
    options
        .policy
        .trusted_issuers
        .insert(did_of(parties.issuer.as_ref()));
    options.policy.required_claims.push("/age_over_18".into());
    let created = server.verifier.create_request(options).await.unwrap();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    completed(&server, &created.transaction_id).await;
}

#[tokio::test]
async fn a_revoked_credential_is_refused() {
    let server = start(ClientKind::Did, Some(Arc::new(RevokeSeven))).await;
    let parties = Parties::new();
    let credentials = vec![WalletCredential {
        id: "pid".into(),
        raw: parties.sd_jwt(Some(7)).await,
        holder: Some(parties.holder_key()),
    }];
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    let (wallet, _) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap_err();
    assert_eq!(
        failed_code(&server, &created.transaction_id).await,
        "revoked"
    );
}

#[tokio::test]
async fn a_vp_token_that_does_not_answer_the_query_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let created = server
        .verifier
        .create_request(RequestOptions::new(age_query()))
        .await
        .unwrap();
    for token in [r#"{"other": ["x"]}"#, r#"{"age": []}"#, r#"[1]"#, r#"{}"#] {
        let created = server
            .verifier
            .create_request(RequestOptions::new(age_query()))
            .await
            .unwrap();
        let (status, body) = post_raw(
            &server,
            &pairs(&[("vp_token", token), ("state", &created.state)]),
        )
        .await;
        assert_eq!(
            (status, body["kith_code"].as_str()),
            (400, Some("invalid_vp_token")),
            "{token}"
        );
    }
    // A presentation without holder binding when binding is required.
    let parties = Parties::new();
    let bare = parties.sd_jwt(None).await;
    let token = json!({"age": [bare]}).to_string();
    let (status, body) = post_raw(
        &server,
        &pairs(&[("vp_token", &token), ("state", &created.state)]),
    )
    .await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("holder_binding"))
    );
}

#[tokio::test]
async fn direct_post_jwt_round_trip() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let mut options = RequestOptions::new(age_query());
    options.response_mode = ResponseMode::DirectPostJwt;
    let created = server.verifier.create_request(options).await.unwrap();
    let (wallet, recording) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let metadata = request.request.client_metadata.as_ref().unwrap();
    assert_eq!(metadata.jwks.len(), 1);
    assert_eq!(metadata.jwks[0].crv.as_deref(), Some("P-256"));
    let consent = wallet.prepare(&request, &credentials).unwrap();

    // Not encrypted, or encrypted to another key: refused, and the request stays
    // answerable (nothing in such a response can be attributed to the wallet).
    let (status, body) = post_raw(
        &server,
        &pairs(&[("vp_token", r#"{"age":["x"]}"#), ("state", &created.state)]),
    )
    .await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("invalid_response_encryption"))
    );
    let stranger = PrivateKey::generate(KeyType::P256).unwrap().public_key();
    let mut extra = serde_json::Map::new();
    extra.insert("kid".into(), created.state.clone().into());
    let forged = kith_crypto::jwe::encrypt(
        &stranger,
        kith_crypto::jwe::KeyManagement::EcdhEs,
        kith_crypto::jwe::ContentEncryption::A128Gcm,
        br#"{"vp_token":{}}"#,
        &extra,
    )
    .unwrap();
    let (status, body) = post_raw(&server, &pairs(&[("response", &forged)])).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("invalid_response_encryption"))
    );
    assert_eq!(
        server
            .verifier
            .status(&created.transaction_id)
            .await
            .unwrap(),
        Some(RequestStatus::Pending)
    );

    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    let posts = recording.posts.lock().unwrap().clone();
    assert_eq!(posts[0].len(), 1);
    assert_eq!(posts[0][0].0, "response");
    let header = kith_crypto::jwe::protected_header(&posts[0][0].1).unwrap();
    assert_eq!(header["alg"], "ECDH-ES");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["kid"], created.state.as_str());
    let verified = completed(&server, &created.transaction_id).await;
    assert_eq!(verified.credentials["age"][0].claims["age_over_18"], true);
    // The same JWE again: a replay.
    let (status, body) = post_raw(&server, &posts[0]).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("replayed_response"))
    );

    // A verifier that only takes A128GCM gets A128GCM.
    let mut options = RequestOptions::new(age_query());
    options.response_mode = ResponseMode::DirectPostJwt;
    options.enc_values = vec!["A128GCM".into()];
    let created = server.verifier.create_request(options).await.unwrap();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, &credentials).unwrap();
    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    let last = recording.posts.lock().unwrap().last().unwrap()[0].1.clone();
    assert_eq!(
        kith_crypto::jwe::protected_header(&last).unwrap()["enc"],
        "A128GCM"
    );
    completed(&server, &created.transaction_id).await;
}

// ---------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,12}"
}

fn path_element() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z_]{1,8}".prop_map(Value::from),
        (0u64..5).prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn claims_query(with_id: bool) -> impl Strategy<Value = Value> {
    (
        id(),
        prop::collection::vec(path_element(), 1..5),
        prop::option::of(prop::collection::vec(
            prop_oneof![
                "[a-z]{0,6}".prop_map(Value::from),
                any::<i32>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from)
            ],
            1..4,
        )),
    )
        .prop_map(move |(id, path, values)| {
            let mut q = json!({"path": path});
            if with_id {
                q["id"] = json!(id);
            }
            if let Some(values) = values {
                q["values"] = json!(values);
            }
            q
        })
}

fn credential_query() -> impl Strategy<Value = Value> {
    (
        id(),
        prop_oneof![
            Just("dc+sd-jwt"),
            Just("jwt_vc_json"),
            Just("ldp_vc"),
            Just("mso_mdoc")
        ],
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(claims_query(true), 0..4),
        any::<bool>(),
    )
        .prop_map(|(id, format, multiple, binding, claims, with_sets)| {
            let meta = match format {
                "dc+sd-jwt" => json!({"vct_values": ["urn:a", "urn:b"]}),
                "mso_mdoc" => json!({"doctype_value": "org.iso.18013.5.1.mDL"}),
                _ => json!({"type_values": [["VerifiableCredential", "X"]]}),
            };
            let mut q = json!({"id": id, "format": format, "meta": meta,
                "multiple": multiple, "require_cryptographic_holder_binding": binding});
            // Claim ids must be unique within the query.
            let mut seen = BTreeSet::new();
            let claims: Vec<Value> = claims
                .into_iter()
                .filter(|c| seen.insert(c["id"].as_str().unwrap().to_owned()))
                .collect();
            if !claims.is_empty() {
                if with_sets {
                    let ids: Vec<Value> = claims.iter().map(|c| c["id"].clone()).collect();
                    q["claim_sets"] = json!([ids, [ids[0].clone()]]);
                }
                q["claims"] = Value::Array(claims);
            }
            q
        })
}

fn dcql_query() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(credential_query(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(queries, sets)| {
            let mut seen = BTreeSet::new();
            let queries: Vec<Value> = queries
                .into_iter()
                .filter(|q| seen.insert(q["id"].as_str().unwrap().to_owned()))
                .collect();
            let mut q = json!({"credentials": queries});
            if sets {
                let ids: Vec<Value> = queries.iter().map(|c| c["id"].clone()).collect();
                q["credential_sets"] = json!([{"options": [ids], "required": true}]);
            }
            q
        })
}

proptest! {
    #[test]
    fn generated_dcql_queries_round_trip(value in dcql_query()) {
        let parsed = DcqlQuery::from_json(&value).unwrap();
        let again = DcqlQuery::parse(&parsed.to_json().to_string()).unwrap();
        prop_assert_eq!(&again, &parsed);
        // Matching over nothing never panics and satisfies nothing.
        prop_assert!(dcql::evaluate(&parsed, &[]).selection.is_err());
    }

    #[test]
    fn arbitrary_text_never_panics_the_dcql_parser(text in ".{0,400}") {
        if let Ok(query) = DcqlQuery::parse(&text) {
            prop_assert_eq!(DcqlQuery::from_json(&query.to_json()).unwrap(), query);
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_dcql_parser(value in arbitrary_json()) {
        let _ = DcqlQuery::from_json(&json!({"credentials": [value.clone()]}));
        let _ = DcqlQuery::from_json(&value);
    }

    #[test]
    fn links_round_trip(
        client in "[a-z_]{1,10}:[ -~]{1,30}",
        path in "[a-z0-9]{1,12}",
        extra in prop::collection::btree_map("[a-z]{1,6}", "[ -~]{0,20}", 0..4),
    ) {
        let mut params = extra;
        for reserved in ["client_id", "request_uri", "request_uri_method", "request"] {
            params.remove(reserved);
        }
        let link = wallet::AuthorizationLink {
            client_id: client,
            request_uri: Some(Url::parse(&format!("https://verifier.example/r/{path}")).unwrap()),
            request_uri_method: Some("get".into()),
            request: None,
            params,
        };
        prop_assert_eq!(wallet::parse_link(&link.to_link()).unwrap(), link);
    }

    #[test]
    fn fuzz_entry_points_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        dcql::__fuzz(&data);
        vp::__fuzz(&data);
    }

    #[test]
    fn fuzz_entry_points_accept_generated_requests(value in dcql_query(), nonce in "[A-Za-z0-9_~.-]{1,20}") {
        let claims = json!({
            "client_id": "redirect_uri:https://v.example/response", "response_type": "vp_token",
            "response_mode": "direct_post", "response_uri": "https://v.example/response",
            "nonce": nonce, "state": "s", "dcql_query": value, "exp": 1900000000
        });
        vp::__fuzz(claims.to_string().as_bytes());
        dcql::__fuzz(value.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_links_never_panic(text in "(openid4vp://\\?)?[ -~]{0,200}") {
        if let Ok(link) = wallet::parse_link(&text) {
            prop_assert_eq!(wallet::parse_link(&link.to_link()).unwrap(), link);
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z_+-]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("format".to_owned()),
                    Just("meta".to_owned()),
                    Just("claims".to_owned()),
                    Just("path".to_owned()),
                    Just("claim_sets".to_owned()),
                    Just("credentials".to_owned()),
                    Just("vct_values".to_owned()),
                    "[a-z]{1,4}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---------------------------------------------------------------------------------
// Zero-knowledge predicates (kith-zkp-2026 over ldp_vc, DCQL `kith_predicate`)
// ---------------------------------------------------------------------------------

const ADULT_CUTOFF: &str = "2008-11-28";

/// A kith-zkp-2026 identity credential from a did:key BLS12-381 G2 issuer.
fn zkp_credential(birth_date: &str) -> WalletCredential {
    let key = kith_vc::zkp::IssuerSecretKey::generate().unwrap();
    let public =
        kith_crypto::PublicKey::from_bytes(KeyType::Bls12381G2, &key.public_key().to_bytes())
            .unwrap();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": kith_did::method::key::did_for(&public).to_string(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "givenName": "Erika",
            "familyName": "Mustermann",
            "birthDate": birth_date,
            "nationality": "DE"
        }
    });
    let issued = kith_vc::zkp::issue(&credential, &key, &did_key_method_id(&public)).unwrap();
    WalletCredential {
        id: "identity".into(),
        raw: issued.to_string(),
        holder: None,
    }
}

fn over_18_query(holder_binding: bool) -> DcqlQuery {
    query(json!({"credentials": [{
        "id": "identity", "format": "ldp_vc",
        "meta": {"type_values": [["VerifiableCredential", "IdentityCredential"]]},
        "require_cryptographic_holder_binding": holder_binding,
        "claims": [
            {"path": ["credentialSubject", "birthDate"],
             "kith_predicate": {"op": "<=", "value": ADULT_CUTOFF}},
            {"path": ["credentialSubject", "nationality"]}
        ]
    }]}))
}

async fn consent_for(
    server: &Server,
    dcql: DcqlQuery,
    credentials: &[WalletCredential],
) -> (
    VpWallet,
    Arc<Recording>,
    String,
    wallet::VerifiedRequest,
    Result<wallet::Consent, Error>,
) {
    let created = server
        .verifier
        .create_request(RequestOptions::new(dcql))
        .await
        .unwrap();
    let (wallet, recording) = wallet();
    let request = wallet
        .resolve_request(&wallet::parse_link(&created.link).unwrap())
        .await
        .unwrap();
    let consent = wallet.prepare(&request, credentials);
    (wallet, recording, created.transaction_id, request, consent)
}

/// Answers a request for `query(false)` through the wallet, then posts the same answer
/// to a second request for it: the verifier's status and body for the replay.
async fn answer_then_replay(
    server: &Server,
    query: fn(bool) -> DcqlQuery,
    credentials: &[WalletCredential],
) -> (u16, Value) {
    let (wallet, recording, first, request, consent) =
        consent_for(server, query(false), credentials).await;
    wallet
        .submit(&request, &consent.unwrap(), credentials)
        .await
        .unwrap();
    completed(server, &first).await;
    let mut form = recording.posts.lock().unwrap()[0].clone();
    let second = server
        .verifier
        .create_request(RequestOptions::new(query(false)))
        .await
        .unwrap();
    for (name, value) in &mut form {
        if name == "state" {
            *value = second.state.clone();
        }
    }
    post_raw(server, &form).await
}

#[tokio::test]
async fn over_18_is_proven_in_zero_knowledge_and_the_birth_date_never_leaves() {
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let mut credentials = parties.wallet_credentials().await;
    credentials.push(zkp_credential("1984-01-26"));
    let (wallet, recording, transaction, request, consent) =
        consent_for(&server, over_18_query(false), &credentials).await;
    let consent = consent.unwrap();
    let item = &consent.items[0];
    assert_eq!(item.credential_id, "identity");
    assert_eq!(
        item.proven,
        [format!("/credentialSubject/birthDate <= {ADULT_CUTOFF}")]
    );
    assert_eq!(item.disclosed, ["/credentialSubject/nationality"]);
    assert!(!item.holder_bound);
    let shown: Vec<&str> = item.shared.iter().map(|c| c.path.as_str()).collect();
    assert!(
        shown.contains(&"/credentialSubject/nationality"),
        "{shown:?}"
    );
    for hidden in ["birthDate", "givenName", "familyName"] {
        assert!(
            !shown.iter().any(|p| p.ends_with(hidden)),
            "the consent lists {hidden} as shared: {shown:?}"
        );
    }

    wallet
        .submit(&request, &consent, &credentials)
        .await
        .unwrap();
    let verified = completed(&server, &transaction).await;
    let received = &verified.credentials["identity"][0];
    assert_eq!(received.format, "kith-zkp-2026");
    assert_eq!(
        received.predicates,
        [format!("/credentialSubject/birthDate <= {ADULT_CUTOFF}")]
    );
    assert_eq!(
        received.claims["credentialSubject"],
        json!({"nationality": "DE"})
    );
    assert_eq!(received.report["verified"], true);
    // Nothing posted carries the birth date, its year, or the undisclosed names.
    let posted = format!("{:?}", recording.posts.lock().unwrap());
    for value in ["1984", "Erika", "Mustermann"] {
        assert!(!posted.contains(value), "the response carries {value}");
    }
}

#[tokio::test]
async fn a_holder_under_18_cannot_answer_and_nothing_is_sent() {
    let server = start(ClientKind::Did, None).await;
    let credentials = vec![zkp_credential("2010-01-01")];
    let (_, recording, transaction, _, consent) =
        consent_for(&server, over_18_query(false), &credentials).await;
    let err = consent.unwrap_err();
    assert_eq!(err.code(), "cannot_satisfy");
    assert!(err.to_string().contains("cannot prove"), "{err}");
    assert!(recording.posts.lock().unwrap().is_empty());
    assert_eq!(
        server.verifier.status(&transaction).await.unwrap(),
        Some(RequestStatus::Pending)
    );
}

#[tokio::test]
async fn a_credential_without_zero_knowledge_proofs_is_not_used_for_a_predicate() {
    // The SD-JWT PID holds a birth date; answering with it would disclose the date.
    let server = start(ClientKind::Did, None).await;
    let parties = Parties::new();
    let credentials = parties.wallet_credentials().await;
    let dcql = query(json!({"credentials": [{
        "id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
        "claims": [{"path": ["birthdate"], "kith_predicate": {"op": "<=", "value": ADULT_CUTOFF}}]
    }]}));
    let (_, recording, _, _, consent) = consent_for(&server, dcql, &credentials).await;
    assert_eq!(consent.unwrap_err().code(), "cannot_satisfy");
    assert!(recording.posts.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_zero_knowledge_presentation_requires_the_query_to_waive_holder_binding() {
    let server = start(ClientKind::Did, None).await;
    let credentials = vec![zkp_credential("1984-01-26")];
    let (_, _, _, _, consent) = consent_for(&server, over_18_query(true), &credentials).await;
    let err = consent.unwrap_err();
    assert_eq!(err.code(), "cannot_satisfy");
    assert!(err.to_string().contains("holder binding"), "{err}");
}

#[tokio::test]
async fn a_zero_knowledge_proof_for_another_request_or_statement_is_refused() {
    let server = start(ClientKind::Did, None).await;
    let credentials = vec![zkp_credential("1984-01-26")];
    // Replayed to a second request: bound to the first one's nonce.
    let (status, body) = answer_then_replay(&server, over_18_query, &credentials).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("nonce_mismatch"))
    );

    // A request for a stricter statement (born before 2000) is not answered by a
    // fresh, correctly bound proof of the weaker one.
    let stricter = query(json!({"credentials": [{
        "id": "identity", "format": "ldp_vc",
        "meta": {"type_values": [["VerifiableCredential", "IdentityCredential"]]},
        "require_cryptographic_holder_binding": false,
        "claims": [{"path": ["credentialSubject", "birthDate"],
                    "kith_predicate": {"op": "<", "value": "2000-01-01"}}]
    }]}));
    let third = server
        .verifier
        .create_request(RequestOptions::new(stricter))
        .await
        .unwrap();
    let (holder, _) = wallet();
    let request = holder
        .resolve_request(&wallet::parse_link(&third.link).unwrap())
        .await
        .unwrap();
    let weaker = kith_vc::zkp::present_resolving(
        &serde_json::from_str(&credentials[0].raw).unwrap(),
        resolver().as_ref(),
        &kith_vc::zkp::PresentOptions {
            reveal: vec![],
            predicates: kith_vc::zkp::Predicate::parse(&format!(
                "/credentialSubject/birthDate <= {ADULT_CUTOFF}"
            ))
            .unwrap(),
            challenge: request.request.nonce.clone(),
            domain: request.request.client_id.as_string(),
        },
    )
    .await
    .unwrap();
    let form = vec![
        (
            "vp_token".to_owned(),
            json!({"identity": [weaker]}).to_string(),
        ),
        ("state".to_owned(), third.state.clone()),
    ];
    let (status, body) = post_raw(&server, &form).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("statement_mismatch")),
        "{body}"
    );
    assert_eq!(
        failed_code(&server, &third.transaction_id).await,
        "statement_mismatch"
    );
}

// ---------------------------------------------------------------------------------
// Unlinkable selective disclosure (bbs-2023 over ldp_vc)
// ---------------------------------------------------------------------------------

/// A bbs-2023 identity credential from a did:key BLS12-381 G2 issuer, whose only
/// mandatory pointer is `/issuer`.
fn bbs_credential() -> WalletCredential {
    let key = PrivateKey::generate(KeyType::Bls12381G2).unwrap();
    let public = key.public_key();
    let credential = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": kith_did::method::key::did_for(&public).to_string(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"givenName": "Erika", "familyName": "Mustermann", "nationality": "DE"}
    });
    let secured = kith_vc::di::bbs_2023::add_base_proof(
        &credential,
        &key,
        kith_vc::di::ProofOptions::new(did_key_method_id(&public)),
        &["/issuer".to_owned()],
    )
    .unwrap();
    WalletCredential {
        id: "identity".into(),
        raw: secured.to_string(),
        holder: None,
    }
}

fn nationality_query(holder_binding: bool) -> DcqlQuery {
    query(json!({"credentials": [{
        "id": "identity", "format": "ldp_vc",
        "meta": {"type_values": [["VerifiableCredential", "IdentityCredential"]]},
        "require_cryptographic_holder_binding": holder_binding,
        "claims": [{"path": ["credentialSubject", "nationality"]}]
    }]}))
}

/// The proofValue of the one credential a recorded post answered with.
fn posted_proof_value(form: &[(String, String)]) -> String {
    let token = &form.iter().find(|(name, _)| name == "vp_token").unwrap().1;
    let token: Value = serde_json::from_str(token).unwrap();
    token["identity"][0]["proof"]["proofValue"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The wallet derives a bbs-2023 proof revealing the issuer's mandatory claims and the
/// requested one; the consent view lists exactly those; the verifier learns nothing
/// else; and two presentations of one credential share no proof bytes.
#[tokio::test]
async fn bbs_2023_reveals_only_the_requested_claims_with_fresh_proof_bytes() {
    let server = start(ClientKind::Did, None).await;
    let credentials = vec![bbs_credential()];
    let mut proof_values = Vec::new();
    for _ in 0..2 {
        let (wallet, recording, transaction, request, consent) =
            consent_for(&server, nationality_query(false), &credentials).await;
        let consent = consent.unwrap();
        let item = &consent.items[0];
        assert_eq!(item.disclosed, ["/credentialSubject/nationality"]);
        assert!(!item.holder_bound);
        let shown: Vec<&str> = item.shared.iter().map(|c| c.path.as_str()).collect();
        for expected in ["/issuer", "/credentialSubject/nationality"] {
            assert!(shown.contains(&expected), "{expected} not in {shown:?}");
        }
        for hidden in ["givenName", "familyName", "validFrom"] {
            assert!(
                !shown.iter().any(|p| p.ends_with(hidden)),
                "{hidden}: {shown:?}"
            );
        }
        wallet
            .submit(&request, &consent, &credentials)
            .await
            .unwrap();
        let verified = completed(&server, &transaction).await;
        let received = &verified.credentials["identity"][0];
        assert_eq!(received.format, "bbs-2023");
        assert_eq!(
            received.claims["credentialSubject"],
            json!({"nationality": "DE"})
        );
        assert!(received.claims.get("validFrom").is_none());
        assert_eq!(received.report["verified"], true);
        let posted = recording.posts.lock().unwrap()[0].clone();
        let text = format!("{posted:?}");
        for value in ["Erika", "Mustermann", "2026-01-01"] {
            assert!(!text.contains(value), "the response carries {value}");
        }
        proof_values.push(posted_proof_value(&posted));
    }
    assert_ne!(proof_values[0], proof_values[1]);
}

/// A derived proof replayed to another request fails on its presentation header, a
/// base proof is not an answer, and a query requiring holder binding is not answered
/// with a bbs-2023 credential.
#[tokio::test]
async fn bbs_2023_replays_base_proofs_and_holder_binding_are_refused() {
    let server = start(ClientKind::Did, None).await;
    let credentials = vec![bbs_credential()];
    let (status, body) = answer_then_replay(&server, nationality_query, &credentials).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("nonce_mismatch")),
        "{body}"
    );

    let third = server
        .verifier
        .create_request(RequestOptions::new(nationality_query(false)))
        .await
        .unwrap();
    let base: Value = serde_json::from_str(&credentials[0].raw).unwrap();
    let form = vec![
        (
            "vp_token".to_owned(),
            json!({"identity": [base]}).to_string(),
        ),
        ("state".to_owned(), third.state.clone()),
    ];
    let (status, body) = post_raw(&server, &form).await;
    assert_eq!(
        (status, body["kith_code"].as_str()),
        (400, Some("invalid_presentation")),
        "{body}"
    );

    let (_, recording, _, _, consent) =
        consent_for(&server, nationality_query(true), &credentials).await;
    assert_eq!(consent.unwrap_err().code(), "cannot_satisfy");
    assert!(recording.posts.lock().unwrap().is_empty());
}
