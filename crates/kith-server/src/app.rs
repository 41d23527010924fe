//! The application: shared state, and the router that puts every route behind the
//! middleware it needs (request id → metrics → per-address limit → timeout → body cap,
//! then per route group: authentication and scope → idempotency).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use kith_did::fetch::FetchConfig;
use kith_store::{AuditEvent, MasterKey, Pepper, Scope, Store};
use time::OffsetDateTime;
use url::Url;

use crate::auth::AuthCache;
use crate::body::MAX_BODY;
use crate::idempotency::IdempotencyConfig;
use crate::issuer::{Issuer, IssuerConfig};
use crate::limits::{Limits, RateLimit};
use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::routes;
use crate::verifier::ServerVerifier;

/// Everything `kith serve` can be configured with (besides where it listens).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The issuer's identity and status list settings.
    pub issuer: IssuerConfig,
    /// Idempotency key retention and lease.
    pub idempotency: IdempotencyConfig,
    /// Limit per client address.
    pub rate_limit_per_address: RateLimit,
    /// Limit per API key.
    pub rate_limit_per_key: RateLimit,
    /// Longest time one request may take.
    pub request_timeout: Duration,
    /// How verifiers fetch DID documents, status lists and schemas.
    pub fetch: FetchConfig,
    /// How long an authenticated API key is trusted without asking the database.
    pub auth_cache_ttl: Duration,
    /// Default verifier audience (`domain`) for presentations: the public URL.
    pub audience: String,
    /// The verifier's trust policy (trusted issuers per credential type, required
    /// claims) for `/credentials/verify` and `/presentations/verify`. The default
    /// trusts every issuer whose proof verifies.
    pub policy: kith_vc::policy::Policy,
    /// The holder wallet the `/wallet` pages show; `None`: no wallet pages.
    pub wallet_dir: Option<std::path::PathBuf>,
}

impl ServerConfig {
    /// Defaults for a service reachable at `public_url`.
    pub fn new(public_url: Url) -> Self {
        let audience = public_url.as_str().trim_end_matches('/').to_owned();
        Self {
            issuer: IssuerConfig {
                public_url,
                did_method: crate::issuer::IssuerDidMethod::Web,
                key_type: kith_crypto::KeyType::Ed25519,
                status_list_capacity: 131_072,
                status_list_ttl: Duration::from_secs(300),
                cryptosuite: None,
            },
            idempotency: IdempotencyConfig::default(),
            rate_limit_per_address: RateLimit {
                per_second: 2_000,
                burst: 4_000,
            },
            rate_limit_per_key: RateLimit {
                per_second: 2_000,
                burst: 4_000,
            },
            request_timeout: Duration::from_secs(30),
            fetch: FetchConfig::default(),
            auth_cache_ttl: Duration::from_secs(5),
            audience,
            policy: kith_vc::policy::Policy::default(),
            wallet_dir: None,
        }
    }
}

struct Inner {
    store: Store,
    pepper: Pepper,
    issuer: Issuer,
    verifier: ServerVerifier,
    exchange: crate::exchange::Exchange,
    consoles: crate::web::console::ConsoleSessions,
    wallet_host: Option<Arc<crate::web::wallet::WalletHost>>,
    metrics: Metrics,
    limits: Limits,
    auth_cache: AuthCache,
    replay_guard: crate::signature::ReplayGuard,
    config: ServerConfig,
}

/// The shared state of one server process (cheap to clone).
#[derive(Clone)]
pub struct App(Arc<Inner>);

/// A non-owning handle on the [`App`], for parts of it that call back into it.
#[derive(Clone)]
pub struct WeakApp(std::sync::Weak<Inner>);

impl WeakApp {
    /// The app, unless it was dropped.
    pub fn upgrade(&self) -> Option<App> {
        self.0.upgrade().map(App)
    }
}

/// What opening the application created on first start.
#[derive(Debug, Default)]
pub struct FirstStart {
    /// A new issuer key was generated.
    pub generated_issuer_key: bool,
    /// The admin API key created because the store had none: shown once.
    pub admin_api_key: Option<zeroize::Zeroizing<String>>,
}

impl App {
    /// Opens the application on `store`: checks the master key, loads (or on first
    /// start creates) the issuer key and the first admin API key.
    pub async fn open(
        store: Store,
        master: MasterKey,
        config: ServerConfig,
    ) -> Result<(Self, FirstStart), Problem> {
        store.check_master_key(&master).await.map_err(|e| {
            if e.code() == "wrong_master_key" {
                Problem::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "wrong_master_key",
                    "the master key does not open this store's sealed keys",
                )
            } else {
                Problem::from_store(&e)
            }
        })?;
        let pepper = master.pepper();
        let mut first = FirstStart::default();
        if store.api_keys(&pepper).count().await? == 0 {
            let scopes: BTreeSet<Scope> = [Scope::Admin].into_iter().collect();
            let created = store
                .api_keys(&pepper)
                .create(
                    "admin (first start)",
                    &scopes,
                    None,
                    OffsetDateTime::now_utc(),
                )
                .await?;
            first.admin_api_key = Some(created.token);
        }
        let master = Arc::new(master);
        let (issuer, generated) =
            Issuer::open(store.clone(), Arc::clone(&master), config.issuer.clone()).await?;
        first.generated_issuer_key = generated;
        let verifier = ServerVerifier::new(&config, issuer.did().clone())?;
        let (did, kid, signer) = issuer.signing_identity();
        let exchange = crate::exchange::Exchange::new(
            &config,
            (did, kid, signer as Arc<dyn kith_crypto::Signer>),
            issuer.zkp_identity().is_some(),
            verifier.pipeline(),
        )?;
        let wallet_host = match &config.wallet_dir {
            None => None,
            Some(dir) => Some(Arc::new(crate::web::wallet::WalletHost::new(
                dir.clone(),
                holder_agent(&config, verifier.pipeline())?,
            ))),
        };
        let app = App(Arc::new(Inner {
            pepper,
            issuer,
            verifier,
            exchange,
            consoles: Default::default(),
            wallet_host,
            metrics: Metrics::default(),
            limits: Limits::new(config.rate_limit_per_address, config.rate_limit_per_key),
            auth_cache: AuthCache::new(config.auth_cache_ttl),
            replay_guard: crate::signature::ReplayGuard::default(),
            store,
            config,
        }));
        app.0.verifier.attach(&app);
        app.0.exchange.attach(&app);
        routes::admin::load_trust_registry(&app).await?;
        Ok((app, first))
    }

    /// A non-owning handle.
    pub fn downgrade(&self) -> WeakApp {
        WeakApp(Arc::downgrade(&self.0))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The API key pepper.
    pub fn pepper(&self) -> &Pepper {
        &self.0.pepper
    }

    /// The issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.0.issuer
    }

    /// The verifier.
    pub fn verifier(&self) -> &ServerVerifier {
        &self.0.verifier
    }

    /// The OpenID4VCI issuer and OpenID4VP verifier.
    pub fn exchange(&self) -> &crate::exchange::Exchange {
        &self.0.exchange
    }

    /// The consoles' sessions.
    pub fn consoles(&self) -> &crate::web::console::ConsoleSessions {
        &self.0.consoles
    }

    /// The hosted holder wallet, if any.
    pub fn wallet_host(&self) -> Option<Arc<crate::web::wallet::WalletHost>> {
        self.0.wallet_host.clone()
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The rate limiters.
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// The authenticated-key cache.
    pub fn auth_cache(&self) -> &AuthCache {
        &self.0.auth_cache
    }

    /// Signed-request signatures already used.
    pub fn replay_guard(&self) -> &crate::signature::ReplayGuard {
        &self.0.replay_guard
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// Idempotency settings.
    pub fn idempotency_config(&self) -> IdempotencyConfig {
        self.0.config.idempotency
    }

    /// Appends an audit entry. Never holds secrets or claim values: actor, action,
    /// target (an id or a route), request id and an outcome code. A failed append is
    /// logged; the state change it records has already happened.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        request_id: &str,
        outcome: &str,
    ) {
        let event = AuditEvent {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            request_id: request_id.to_owned(),
            outcome: outcome.to_owned(),
        };
        if let Err(e) = self
            .0
            .store
            .audit()
            .append(&event, OffsetDateTime::now_utc())
            .await
        {
            tracing::error!(code = e.code(), action, "could not append to the audit log");
        }
    }

    /// The router with every route and its middleware.
    pub fn router(&self) -> Router {
        let scoped = |scope: Scope, router: Router<App>| -> Router<App> {
            router
                .route_layer(from_fn_with_state(
                    self.clone(),
                    crate::idempotency::idempotent,
                ))
                .route_layer(from_fn_with_state(
                    (self.clone(), scope),
                    crate::auth::require,
                ))
        };
        let issue = scoped(
            Scope::Issue,
            Router::new()
                .route("/credentials/issue", post(routes::issue_credential))
                .route("/oid4vci/offers", post(routes::exchange::create_offer)),
        );
        let verify = scoped(
            Scope::Verify,
            Router::new()
                .route("/credentials/verify", post(routes::verify_credential))
                .route("/presentations/verify", post(routes::verify_presentation))
                .route("/oid4vp/requests", post(routes::exchange::create_request))
                .route(
                    "/oid4vp/requests/{transaction_id}",
                    get(routes::exchange::request_status),
                ),
        );
        let status = scoped(
            Scope::Status,
            Router::new().route("/credentials/status", post(routes::update_status)),
        );
        let admin = scoped(
            Scope::Admin,
            Router::new()
                .route(
                    "/admin/api-keys",
                    post(routes::admin::create_api_key).get(routes::admin::list_api_keys),
                )
                .route(
                    "/admin/api-keys/{id}/revoke",
                    post(routes::admin::revoke_api_key),
                )
                .route(
                    "/admin/api-keys/{id}/rotate",
                    post(routes::admin::rotate_api_key),
                )
                .route("/admin/keys/rotate", post(routes::admin::rotate_issuer_key))
                .route("/admin/audit/verify", get(routes::admin::verify_audit))
                .route(
                    "/admin/trusted-issuers",
                    get(routes::admin::get_trusted_issuers).put(routes::admin::put_trusted_issuers),
                ),
        );
        let mut public = Router::new()
            .route("/status/{list}", get(routes::status_list))
            .route("/healthz", get(routes::healthz))
            .route("/readyz", get(routes::readyz))
            .route("/metrics", get(routes::metrics))
            .route("/openapi.json", get(routes::openapi))
            .route(
                "/.well-known/openid-credential-issuer",
                get(routes::exchange::issuer_metadata),
            )
            .route(
                "/.well-known/oauth-authorization-server",
                get(routes::exchange::authorization_server_metadata),
            )
            .route(
                "/credential-offer/{id}",
                get(routes::exchange::credential_offer),
            )
            .route("/token", post(routes::exchange::token))
            .route("/nonce", post(routes::exchange::nonce))
            .route("/credential", post(routes::exchange::credential))
            .route(
                "/oid4vp/request/{state}",
                get(routes::exchange::request_object),
            )
            .route("/oid4vp/response", post(routes::exchange::response))
            .merge(crate::web::router());
        if let Some(path) = self.issuer().did_document_path() {
            public = public.route(&path, get(routes::did_document));
        }
        if let Some(path) = self.issuer().did_log_path() {
            public = public.route(&path, get(routes::did_log));
        }
        Router::new()
            .merge(issue)
            .merge(verify)
            .merge(status)
            .merge(admin)
            .merge(public)
            .fallback(routes::not_found)
            .method_not_allowed_fallback(routes::method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .layer(from_fn_with_state(self.clone(), time_limit))
            .layer(from_fn_with_state(self.clone(), crate::limits::per_address))
            .layer(from_fn_with_state(self.clone(), crate::metrics::record))
            .layer(from_fn(crate::request_id::assign))
            .with_state(self.clone())
    }
}

/// Middleware: a request that takes longer than the configured limit is abandoned with
/// a 503 problem (its work is dropped at the next await point).
async fn time_limit(
    axum::extract::State(app): axum::extract::State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let limit = app.0.config.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            app.metrics().failure("request_timeout");
            Problem::unavailable(
                "request_timeout",
                format!("the request took longer than {} s", limit.as_secs_f64()),
            )
            .into_response()
        }
    }
}

/// The holder agent of the hosted wallet: it fetches over the same rules as the
/// verifier (HTTPS and public addresses, unless the fetch settings allow otherwise).
fn holder_agent(
    config: &ServerConfig,
    pipeline: kith_vc::Verifier,
) -> Result<kith_oid4vc::holder::HolderAgent, Problem> {
    let issuance = kith_oid4vc::vci::ReqwestHttpClient::new()
        .map_err(|e| Problem::internal(format!("the wallet's HTTP client: {e}")))?;
    // A service on a plain-HTTP loopback URL is a local development setup: its wallet
    // may then talk to verifiers on loopback over HTTP, as its own pages do.
    let public = &config.issuer.public_url;
    let local = public.scheme() == "http"
        && matches!(public.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let presentation =
        kith_oid4vc::vp::http::ReqwestClient::new(kith_oid4vc::vp::http::HttpConfig {
            allow_http: config.fetch.allow_http || local,
            allow_private_addresses: config.fetch.allow_private_addresses || local,
            ..Default::default()
        })
        .map_err(|e| Problem::internal(format!("the wallet's HTTP client: {e}")))?;
    Ok(kith_oid4vc::holder::HolderAgent::new(
        Arc::new(issuance),
        Arc::new(presentation),
        pipeline,
    ))
}
