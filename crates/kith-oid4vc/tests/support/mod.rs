//! A real OpenID4VCI issuer on loopback: axum routes calling `CredentialIssuer`, the
//! wallet side through reqwest. Shared by `tests/vci.rs` and `benches/vci.rs`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kith_crypto::{Algorithm, KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::MethodResolver;
use kith_oid4vc::vci::{
    CredentialConfiguration, CredentialIssuer, Error, IssuerKey, IssuerSettings, MemoryStateStore,
    ReqwestHttpClient, StaticIssuerKey, WalletClient,
};
use kith_vc::datetime::Clock;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use url::Url;

/// The SD-JWT VC type of the test PID.
pub(crate) const PID_VCT: &str = "https://credentials.example.com/pid";
/// The VCDM examples context, bundled with kith-ld.
pub(crate) const EXAMPLES_CONTEXT: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// A clock the tests move forward.
#[derive(Default)]
pub(crate) struct TestClock {
    offset: Mutex<Duration>,
}

impl TestClock {
    /// Moves the clock forward.
    pub(crate) fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.offset.lock().unwrap()
    }
}

/// did:key and did:jwk, offline.
pub(crate) fn resolver() -> Arc<MethodResolver> {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(kith_did::method::key::KeyMethod));
    resolver.register("jwk", Arc::new(kith_did::method::jwk::JwkMethod));
    Arc::new(resolver)
}

/// A running issuer.
pub(crate) struct Server {
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
    /// The issuer the routes call.
    pub(crate) issuer: Arc<CredentialIssuer>,
    /// The issuer's clock.
    pub(crate) clock: Arc<TestClock>,
    /// The issuer's DID.
    pub(crate) issuer_did: String,
    /// A wallet client on the same clock.
    pub(crate) wallet: WalletClient,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The three configurations: `pid` (dc+sd-jwt), `degree_jwt` (jwt_vc_json) and
/// `degree_ldp` (ldp_vc, eddsa-jcs-2022).
pub(crate) fn configurations(settings: IssuerSettings) -> IssuerSettings {
    let degree_types = ["VerifiableCredential", "ExampleDegreeCredential"];
    settings
        .with_configuration(
            "pid",
            CredentialConfiguration::sd_jwt_vc(PID_VCT, Algorithm::EdDsa)
                .with_display("Personal ID", Some("en"))
                .with_claim(&["given_name"], "Given name", Some("en"))
                .with_claim(&["family_name"], "Family name", Some("en")),
        )
        .with_configuration(
            "degree_jwt",
            CredentialConfiguration::jwt_vc_json(&degree_types, Algorithm::EdDsa)
                .with_display("Degree (JWT)", Some("en"))
                .with_claim(&["credentialSubject", "degree"], "Degree", Some("en")),
        )
        .with_configuration(
            "degree_ldp",
            CredentialConfiguration::ldp_vc(
                &[kith_vc::model::CREDENTIALS_V2_CONTEXT, EXAMPLES_CONTEXT],
                &degree_types,
                "eddsa-jcs-2022",
            )
            .with_display("Degree (Data Integrity)", Some("en")),
        )
}

/// Starts an issuer on 127.0.0.1:0; `adjust` may change the settings.
pub(crate) async fn start(adjust: impl FnOnce(IssuerSettings) -> IssuerSettings) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = configurations(IssuerSettings::new(Url::parse(&base).unwrap()).unwrap());
    let settings = adjust(settings);
    let issuer_key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let kid = kith_vc::did_key_method_id(&issuer_key.public_key());
    let issuer_did = kid.split('#').next().unwrap().to_owned();
    let signer: Arc<dyn Signer> = Arc::new(
        LocalSigner::new(issuer_key)
            .unwrap()
            .with_key_id(kid.clone()),
    );
    let seam = StaticIssuerKey(IssuerKey {
        did: issuer_did.clone(),
        kid,
        signer,
    });
    let clock = Arc::new(TestClock::default());
    let issuer = Arc::new(
        CredentialIssuer::new(
            settings,
            Arc::new(seam),
            Arc::new(MemoryStateStore::new()),
            resolver(),
        )
        .unwrap()
        .with_clock(clock.clone()),
    );
    let task = tokio::spawn({
        let router = router(Arc::clone(&issuer));
        async move {
            axum::serve(listener, router).await.unwrap();
        }
    });
    let mut verifier = kith_vc::Verifier::new(resolver());
    verifier.clock = clock.clone();
    let wallet = WalletClient::new(Arc::new(ReqwestHttpClient::new().unwrap()), verifier);
    Server {
        base,
        issuer,
        clock,
        issuer_did,
        wallet,
        task,
    }
}

/// The routes kith-server would mount.
pub(crate) fn router(issuer: Arc<CredentialIssuer>) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(|State(issuer): State<Arc<CredentialIssuer>>| async move {
                reply(Ok(issuer.metadata().clone()))
            }),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(|State(issuer): State<Arc<CredentialIssuer>>| async move {
                reply(Ok(issuer.authorization_server_metadata().clone()))
            }),
        )
        .route(
            "/credential-offer/{id}",
            get(
                |State(issuer): State<Arc<CredentialIssuer>>, Path(id): Path<String>| async move {
                    reply(issuer.credential_offer(&id).await)
                },
            ),
        )
        .route(
            "/token",
            post(|State(issuer): State<Arc<CredentialIssuer>>, body: Bytes| async move {
                reply(issuer.token(&body).await)
            }),
        )
        .route(
            "/nonce",
            post(|State(issuer): State<Arc<CredentialIssuer>>| async move {
                reply(issuer.nonce().await)
            }),
        )
        .route(
            "/credential",
            post(
                |State(issuer): State<Arc<CredentialIssuer>>, headers: HeaderMap, body: Bytes| async move {
                    let authorization = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok());
                    reply(issuer.credential(authorization, &body).await)
                },
            ),
        )
        .with_state(issuer)
}

/// JSON with `Cache-Control: no-store`, or the error's status, body and challenge.
fn reply<T: Serialize>(result: Result<T, Error>) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match result {
        Ok(value) => (StatusCode::OK, no_store, axum::Json(value)).into_response(),
        Err(error) => {
            let status =
                StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            let mut response = (status, no_store, axum::Json(error.to_json())).into_response();
            if let Some(challenge) = error.www_authenticate()
                && let Ok(value) = HeaderValue::from_str(&challenge)
            {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    }
}
