//! Who is calling: API keys (`Authorization: Bearer kith_...`), checked against their
//! HMAC in the store, and the scope each route needs. Failures are RFC 9457 problems
//! (401 for a missing or bad key, 403 for a key without the scope) and audit entries.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kith_store::{ApiKey, AuthFailure, Scope};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::app::App;
use crate::problem::Problem;
use crate::request_id::RequestId;

/// The authenticated caller, put in the request's extensions by [`require`].
#[derive(Debug, Clone)]
pub struct Principal {
    /// `apikey:<id>` or `did:<...>` (a signed request's key controller).
    pub id: String,
    /// What the caller may do.
    pub scopes: BTreeSet<Scope>,
}

impl Principal {
    /// Whether the caller may use routes needing `scope` (admin may do everything).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// Recently authenticated keys, so the hot path does not query the database for
/// every request. Entries live `ttl`; a revocation on this node clears the cache at
/// once, on other nodes within `ttl`.
pub struct AuthCache {
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], (Instant, ApiKey)>>,
    touched: Mutex<HashMap<String, Instant>>,
}

/// How often `last_used` is written for one key (a write per request would make
/// every read a write).
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

impl AuthCache {
    /// A cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, token_hash: &[u8; 32], now: OffsetDateTime) -> Option<ApiKey> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (at, key) = entries.get(token_hash)?;
        let fresh = at.elapsed() < self.ttl && key.expires.is_none_or(|e| e > now);
        fresh.then(|| key.clone())
    }

    fn put(&self, token_hash: [u8; 32], key: ApiKey) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(token_hash, (Instant::now(), key));
    }

    /// Forgets every cached key (after a revocation or rotation on this node).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn should_touch(&self, id: &str) -> bool {
        let mut touched = self.touched.lock().unwrap_or_else(|p| p.into_inner());
        match touched.get(id) {
            Some(at) if at.elapsed() < TOUCH_INTERVAL => false,
            _ => {
                touched.insert(id.to_owned(), Instant::now());
                true
            }
        }
    }
}

/// Middleware: authenticates the caller and requires `scope`.
pub async fn require(
    State((app, scope)): State<(App, Scope)>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let path = request.uri().path().to_owned();
    let principal = match authenticate(&app, &mut request).await {
        Ok(principal) => principal,
        Err((problem, actor)) => {
            app.metrics().failure(&problem.code);
            // An unreachable database is not a failed authentication, and the audit
            // entry could not be written either: trying only doubles the wait for the 503.
            if problem.code != "database_unavailable" {
                app.audit(&actor, "auth.failure", &path, &request_id, &problem.code)
                    .await;
            }
            return problem.into_response();
        }
    };
    if !principal.allows(scope) {
        let problem = Problem::forbidden(
            "insufficient_scope",
            format!(
                "this route needs the {:?} scope, which the key does not have",
                scope.as_str()
            ),
        );
        app.metrics().failure(&problem.code);
        app.audit(
            &principal.id,
            "auth.forbidden",
            &path,
            &request_id,
            &problem.code,
        )
        .await;
        return problem.into_response();
    }
    if let Err(problem) = app.limits().check_principal(&principal.id) {
        app.metrics().failure(&problem.code);
        return problem.into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// Finds the principal of `request`, or the problem to answer and the actor to audit.
async fn authenticate(app: &App, request: &mut Request) -> Result<Principal, (Problem, String)> {
    if crate::signature::is_signed(request.headers()) {
        return crate::signature::authenticate(app, request)
            .await
            .map_err(|p| (p, "anonymous".to_owned()));
    }
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err((
            Problem::unauthorized(
                "missing_credentials",
                "this route needs an API key: send Authorization: Bearer <key>",
            ),
            "anonymous".to_owned(),
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| {
            (
                Problem::unauthorized(
                    "invalid_api_key",
                    "the Authorization header must be \"Bearer <key>\"",
                ),
                "anonymous".to_owned(),
            )
        })?;
    authenticate_token(app, token).await
}

/// Authenticates an API key (from a header, or typed into the console's login form).
pub async fn authenticate_token(app: &App, token: &str) -> Result<Principal, (Problem, String)> {
    let now = OffsetDateTime::now_utc();
    let token_hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let key = match app.auth_cache().get(&token_hash, now) {
        Some(key) => key,
        None => {
            let outcome = app
                .store()
                .api_keys(app.pepper())
                .authenticate(token, now)
                .await
                .map_err(|e| (Problem::from_store(&e), "anonymous".to_owned()))?;
            match outcome {
                Ok(key) => {
                    app.auth_cache().put(token_hash, key.clone());
                    key
                }
                Err(failure) => {
                    let detail = match failure {
                        AuthFailure::Malformed => {
                            "the API key is not in the kith_<id>_<secret> form"
                        }
                        AuthFailure::Unknown => "the API key is not known",
                        AuthFailure::Expired => "the API key has expired",
                        AuthFailure::Revoked => "the API key was revoked",
                    };
                    return Err((
                        Problem::unauthorized(failure.code(), detail),
                        "anonymous".to_owned(),
                    ));
                }
            }
        }
    };
    if app.auth_cache().should_touch(&key.id) {
        // Best effort: a failed last-used write must not fail the request.
        if let Err(e) = app.store().api_keys(app.pepper()).touch(&key.id, now).await {
            tracing::warn!(code = e.code(), "could not record an API key's last use");
        }
    }
    Ok(Principal {
        id: format!("apikey:{}", key.id),
        scopes: key.scopes.clone(),
    })
}
