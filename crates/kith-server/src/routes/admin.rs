//! The admin API (scope `admin`): API keys, issuer key rotation, audit verification.

use std::collections::BTreeSet;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kith_store::{ApiKey, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::json_response;
use crate::app::App;
use crate::auth::Principal;
use crate::body::BoundedJson;
use crate::duration::parse_duration;
use crate::problem::Problem;
use crate::request_id::RequestId;

/// The request of `POST /admin/api-keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKeyRequest {
    /// A name to recognise the key by.
    pub name: String,
    /// Any of `issue`, `verify`, `status`, `admin`.
    pub scopes: Vec<String>,
    /// Lifetime, e.g. `90d`; none for a key that does not expire.
    pub expires_in: Option<String>,
}

/// A new API key: the secret is in this response only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewApiKeyResponse {
    /// The key to send as `Authorization: Bearer <apiKey>`. Shown once.
    pub api_key: String,
    /// The key's description.
    pub key: ApiKeyInfo,
}

/// An API key's description (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    /// The key id (the public part of the token).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Expiry, if any.
    pub expires: Option<String>,
    /// Revocation time, if revoked.
    pub revoked: Option<String>,
    /// Last use (recorded at most once a minute).
    pub last_used: Option<String>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    kith_vc::datetime::format_date_time(t)
}

impl From<&ApiKey> for ApiKeyInfo {
    fn from(key: &ApiKey) -> Self {
        Self {
            id: key.id.clone(),
            name: key.name.clone(),
            scopes: key.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created: rfc3339(key.created),
            expires: key.expires.map(rfc3339),
            revoked: key.revoked.map(rfc3339),
            last_used: key.last_used.map(rfc3339),
        }
    }
}

/// Parses scope names.
pub fn parse_scopes(names: &[String]) -> Result<BTreeSet<Scope>, Problem> {
    if names.is_empty() {
        return Err(Problem::bad_request(
            "invalid_scope",
            "give at least one scope",
        ));
    }
    names
        .iter()
        .map(|n| {
            n.parse::<Scope>().map_err(|_| {
                Problem::bad_request(
                    "invalid_scope",
                    format!("scope {n:?} is not one of issue, verify, status, admin"),
                )
            })
        })
        .collect()
}

/// Creates an API key.
#[utoipa::path(
    post, path = "/admin/api-keys", tag = "admin",
    request_body = CreateApiKeyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "Created; the key is shown once", body = NewApiKeyResponse),
        (status = 400, description = "Invalid name, scope or lifetime", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn create_api_key(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    BoundedJson(request): BoundedJson<CreateApiKeyRequest>,
) -> Response {
    let scopes = match parse_scopes(&request.scopes) {
        Ok(s) => s,
        Err(p) => return p.into_response(),
    };
    let now = OffsetDateTime::now_utc();
    let expires = match request
        .expires_in
        .as_deref()
        .map(parse_duration)
        .transpose()
    {
        Ok(d) => d.map(|d| now + d),
        Err(e) => return Problem::bad_request("invalid_duration", e).into_response(),
    };
    match app
        .store()
        .api_keys(app.pepper())
        .create(&request.name, &scopes, expires, now)
        .await
    {
        Ok(created) => {
            app.audit(
                &principal.id,
                "api_key.create",
                &created.key.id,
                &request_id.0,
                "ok",
            )
            .await;
            json_response(
                StatusCode::CREATED,
                &NewApiKeyResponse {
                    api_key: created.token.to_string(),
                    key: ApiKeyInfo::from(&created.key),
                },
                "application/json",
            )
        }
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// Lists API keys (descriptions only).
#[utoipa::path(
    get, path = "/admin/api-keys", tag = "admin",
    responses(
        (status = 200, description = "The keys", body = Vec<ApiKeyInfo>),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn list_api_keys(State(app): State<App>) -> Response {
    match app.store().api_keys(app.pepper()).list().await {
        Ok(keys) => {
            let keys: Vec<ApiKeyInfo> = keys.iter().map(ApiKeyInfo::from).collect();
            json_response(StatusCode::OK, &keys, "application/json")
        }
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// Revokes an API key at once.
#[utoipa::path(
    post, path = "/admin/api-keys/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "The key id")),
    responses(
        (status = 200, description = "Revoked", body = Object),
        (status = 404, description = "No such key", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn revoke_api_key(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> Response {
    match app
        .store()
        .api_keys(app.pepper())
        .revoke(&id, OffsetDateTime::now_utc())
        .await
    {
        Ok(()) => {
            app.auth_cache().clear();
            app.audit(&principal.id, "api_key.revoke", &id, &request_id.0, "ok")
                .await;
            json_response(
                StatusCode::OK,
                &json!({"id": id, "revoked": true}),
                "application/json",
            )
        }
        Err(e) if e.code() == "not_found" => {
            Problem::not_found("unknown_api_key", format!("no API key {id:?}")).into_response()
        }
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// The request of `POST /admin/api-keys/{id}/rotate`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RotateApiKeyRequest {
    /// How long the old key keeps working, e.g. `1h` (default `24h`).
    pub overlap: Option<String>,
}

/// Replaces an API key: a new key with the same name and scopes; the old one keeps
/// working for the overlap window.
#[utoipa::path(
    post, path = "/admin/api-keys/{id}/rotate", tag = "admin",
    params(("id" = String, Path, description = "The key id")),
    request_body = RotateApiKeyRequest,
    responses(
        (status = 201, description = "The new key, shown once", body = NewApiKeyResponse),
        (status = 404, description = "No such key", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn rotate_api_key(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    BoundedJson(request): BoundedJson<RotateApiKeyRequest>,
) -> Response {
    let overlap = match parse_duration(request.overlap.as_deref().unwrap_or("24h")) {
        Ok(d) => d,
        Err(e) => return Problem::bad_request("invalid_duration", e).into_response(),
    };
    match app
        .store()
        .api_keys(app.pepper())
        .rotate(&id, overlap, OffsetDateTime::now_utc())
        .await
    {
        Ok(created) => {
            app.auth_cache().clear();
            app.audit(
                &principal.id,
                "api_key.rotate",
                &id,
                &request_id.0,
                &created.key.id,
            )
            .await;
            json_response(
                StatusCode::CREATED,
                &NewApiKeyResponse {
                    api_key: created.token.to_string(),
                    key: ApiKeyInfo::from(&created.key),
                },
                "application/json",
            )
        }
        Err(e) if e.code() == "not_found" => {
            Problem::not_found("unknown_api_key", format!("no API key {id:?}")).into_response()
        }
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// Rotates the issuer's signing key: the new key signs from now on; the old keys
/// stay in the DID document until retired.
#[utoipa::path(
    post, path = "/admin/keys/rotate", tag = "admin",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 201, description = "The new verification method", body = Object),
        (status = 400, description = "The issuer's DID method cannot rotate", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn rotate_issuer_key(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
) -> Response {
    let result = app.issuer().rotate().await;
    match result {
        Ok(method) => {
            app.audit(
                &principal.id,
                "issuer_key.rotate",
                &method,
                &request_id.0,
                "ok",
            )
            .await;
            json_response(
                StatusCode::CREATED,
                &json!({"verificationMethod": method}),
                "application/json",
            )
        }
        Err(problem) => problem.into_response(),
    }
}

/// Verifies the audit log's hash chain.
#[utoipa::path(
    get, path = "/admin/audit/verify", tag = "admin",
    responses(
        (status = 200, description = "The chain is intact: entry count and head hash", body = Object),
        (status = 409, description = "An entry was edited, inserted or deleted", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn verify_audit(State(app): State<App>) -> Response {
    match app.store().audit().verify().await {
        Ok(Ok(summary)) => json_response(
            StatusCode::OK,
            &json!({"intact": true, "entries": summary.entries, "head": summary.head}),
            "application/json",
        ),
        Ok(Err(violation)) => Problem::new(
            StatusCode::CONFLICT,
            violation.code(),
            violation.to_string(),
        )
        .into_response(),
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// The trusted issuer registry: what `PUT /admin/trusted-issuers` stores.
const TRUST_REGISTRY_META: &str = "verifier.trusted_issuers";

/// Loads the stored trusted issuer registry and applies it to the verifier (at start,
/// and periodically so every node follows a change made on another).
pub async fn load_trust_registry(app: &App) -> Result<(), Problem> {
    let _update = app.verifier().registry_update().await;
    let Some(text) = app.store().meta_get(TRUST_REGISTRY_META).await? else {
        return Ok(());
    };
    let registry: kith_vc::policy::Policy = serde_json::from_str(&text)
        .map_err(|e| Problem::internal(format!("the stored trusted issuer registry: {e}")))?;
    app.verifier().set_registry(&registry);
    Ok(())
}

/// The trusted issuer registry, as stored.
#[utoipa::path(
    get, path = "/admin/trusted-issuers", tag = "admin",
    responses(
        (status = 200, description = "trustedIssuers, trustedIssuersByType, requiredClaims (empty when none is set)", body = Object),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn get_trusted_issuers(State(app): State<App>) -> Response {
    match app.store().meta_get(TRUST_REGISTRY_META).await {
        Ok(text) => {
            let registry: kith_vc::policy::Policy = text
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            json_response(StatusCode::OK, &registry, "application/json")
        }
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// Replaces the trusted issuer registry: issuers trusted for any type
/// (`trustedIssuers`) and per credential type or `vct` (`trustedIssuersByType`), and
/// claims every credential must carry (`requiredClaims`). `/credentials/verify` and
/// `/presentations/verify` apply it together with `--trust-list`, on every node
/// within seconds.
#[utoipa::path(
    put, path = "/admin/trusted-issuers", tag = "admin",
    request_body(content = Object, description = "{\"trustedIssuers\": [DID], \"trustedIssuersByType\": {TYPE: [DID]}, \"requiredClaims\": [JSON pointer]}"),
    responses(
        (status = 200, description = "Stored and applied", body = Object),
        (status = 400, description = "Not a registry, or an issuer that is not a DID (`invalid_trust_registry`)", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the admin scope", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn put_trusted_issuers(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    BoundedJson(body): BoundedJson<serde_json::Value>,
) -> Response {
    let registry: kith_vc::policy::Policy = match serde_json::from_value(body) {
        Ok(registry) => registry,
        Err(e) => {
            return Problem::bad_request(
                "invalid_trust_registry",
                format!("the body is not a trusted issuer registry: {e}"),
            )
            .into_response();
        }
    };
    let issuers = registry
        .trusted_issuers
        .iter()
        .chain(registry.trusted_issuers_by_type.values().flatten());
    for issuer in issuers {
        if let Err(e) = kith_did::Did::parse(issuer) {
            return Problem::bad_request(
                "invalid_trust_registry",
                format!("trusted issuer {issuer:?} is not a DID: {e}"),
            )
            .into_response();
        }
    }
    let text = match serde_json::to_string(&registry) {
        Ok(text) => text,
        Err(e) => return Problem::internal(e.to_string()).into_response(),
    };
    let update = app.verifier().registry_update().await;
    if let Err(e) = app.store().meta_put(TRUST_REGISTRY_META, &text).await {
        return Problem::from_store(&e).into_response();
    }
    app.verifier().set_registry(&registry);
    drop(update);
    app.audit(
        &principal.id,
        "verifier.trusted_issuers.set",
        "trusted-issuers",
        &request_id.0,
        "ok",
    )
    .await;
    json_response(StatusCode::OK, &registry, "application/json")
}
