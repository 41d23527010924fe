//! OpenID4VCI and OpenID4VP endpoints. Protocol endpoints answer OAuth-style errors
//! (`{"error", "error_description"}`, RFC 6749 §5.2, OpenID4VCI §8.3.1, OpenID4VP
//! §8.5); the console endpoints that create offers and requests are behind API keys
//! and answer problem+json like the rest of the API.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kith_oid4vc::vci::{self, CredentialTemplate, OfferRequest, TxCodeRequest};
use kith_oid4vc::vp::verifier::RequestOptions;
use kith_oid4vc::vp::{self, ResponseMode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::app::App;
use crate::auth::Principal;
use crate::body::BoundedJson;
use crate::problem::Problem;
use crate::request_id::RequestId;

/// A JSON response that must not be cached (tokens, nonces, credentials: RFC 6749
/// §5.1, OpenID4VCI §7.2).
fn no_store_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    no_store_json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn vci_error(app: &App, e: &vci::Error) -> Response {
    app.metrics().failure(e.code());
    let mut response = oauth_error(e.http_status(), e.code(), &e.to_string());
    if let Some(challenge) = e.www_authenticate()
        && let Ok(value) = HeaderValue::from_str(&challenge)
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn vp_error(app: &App, e: &vp::Error) -> Response {
    app.metrics().failure(e.code());
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    no_store_json(status, &e.to_oauth_json())
}

/// A kith-oid4vc error as a problem of the API routes (offers, requests, results).
fn exchange_problem(status: u16, code: &str, detail: String) -> Problem {
    Problem::new(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        code,
        detail,
    )
}

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `GET /.well-known/openid-credential-issuer` (OpenID4VCI §12.2).
#[utoipa::path(
    get, path = "/.well-known/openid-credential-issuer", tag = "openid4vci",
    responses((status = 200, description = "Credential Issuer Metadata (OpenID4VCI §12.2)", body = Object)),
)]
pub async fn issuer_metadata(State(app): State<App>) -> Response {
    no_cache_json(&to_json(app.exchange().issuer().metadata()))
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
#[utoipa::path(
    get, path = "/.well-known/oauth-authorization-server", tag = "openid4vci",
    responses((status = 200, description = "Authorization Server Metadata (RFC 8414) for the pre-authorized code grant", body = Object)),
)]
pub async fn authorization_server_metadata(State(app): State<App>) -> Response {
    no_cache_json(&to_json(
        app.exchange().issuer().authorization_server_metadata(),
    ))
}

fn no_cache_json(body: &Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `GET /credential-offer/{id}`: an offer by reference (OpenID4VCI §4.1.3), served once.
#[utoipa::path(
    get, path = "/credential-offer/{id}", tag = "openid4vci",
    params(("id" = String, Path, description = "The offer id from credential_offer_uri")),
    responses(
        (status = 200, description = "The Credential Offer (OpenID4VCI §4.1.3); served once", body = Object),
        (status = 404, description = "Unknown, already fetched or expired (`unknown_credential_offer`)", body = Object),
    ),
)]
pub async fn credential_offer(State(app): State<App>, Path(id): Path<String>) -> Response {
    match app.exchange().issuer().credential_offer(&id).await {
        Ok(offer) => no_store_json(StatusCode::OK, &to_json(&offer)),
        Err(e) => vci_error(&app, &e),
    }
}

/// `POST /token` (OpenID4VCI §6; pre-authorized code grant).
#[utoipa::path(
    post, path = "/token", tag = "openid4vci",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code, pre-authorized_code, tx_code"),
    responses(
        (status = 200, description = "Access token (RFC 6749 §5.1)", body = Object),
        (status = 400, description = "OAuth error: invalid_grant, invalid_request, unsupported_grant_type", body = Object),
    ),
)]
pub async fn token(State(app): State<App>, body: Bytes) -> Response {
    match app.exchange().issuer().token(&body).await {
        Ok(token) => no_store_json(StatusCode::OK, &to_json(&token)),
        Err(e) => vci_error(&app, &e),
    }
}

/// `POST /nonce` (OpenID4VCI §7).
#[utoipa::path(
    post, path = "/nonce", tag = "openid4vci",
    responses((status = 200, description = "A fresh one-time c_nonce (OpenID4VCI §7)", body = Object)),
)]
pub async fn nonce(State(app): State<App>) -> Response {
    match app.exchange().issuer().nonce().await {
        Ok(nonce) => no_store_json(StatusCode::OK, &to_json(&nonce)),
        Err(e) => vci_error(&app, &e),
    }
}

/// `POST /credential` (OpenID4VCI §8).
#[utoipa::path(
    post, path = "/credential", tag = "openid4vci",
    request_body(content = Object, description = "credential_configuration_id and proofs.jwt (openid4vci-proof+jwt)"),
    responses(
        (status = 200, description = "The credentials, bound to the proven key (OpenID4VCI §8.3)", body = Object),
        (status = 400, description = "OAuth error: invalid_proof, invalid_nonce, invalid_credential_request, unknown_credential_configuration", body = Object),
        (status = 401, description = "invalid_token, with WWW-Authenticate", body = Object),
    ),
    security(("access_token" = [])),
)]
pub async fn credential(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match app
        .exchange()
        .issuer()
        .credential(authorization, &body)
        .await
    {
        Ok(response) => {
            app.metrics().issued("oid4vci");
            no_store_json(StatusCode::OK, &to_json(&response))
        }
        Err(e) => vci_error(&app, &e),
    }
}

/// The body of `POST /oid4vci/offers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOfferBody {
    /// The credentials to offer.
    pub credentials: Vec<CredentialTemplate>,
    /// Require a numeric transaction code of this many digits (4 to 8).
    #[serde(default)]
    pub tx_code_length: Option<u32>,
    /// Serve the offer by reference (`credential_offer_uri`), default true.
    #[serde(default)]
    pub by_reference: Option<bool>,
}

/// A created offer as the API returns it.
#[derive(Debug, Serialize)]
pub struct CreatedOfferBody {
    /// The `openid-credential-offer://` link (for a QR code).
    pub link: String,
    /// The `credential_offer_uri`, when by reference.
    pub offer_uri: Option<String>,
    /// The transaction code, to give the holder over another channel.
    pub tx_code: Option<String>,
    /// When the pre-authorized code expires (RFC 3339).
    pub expires_at: String,
}

/// Creates an offer (`POST /oid4vci/offers`, scope `issue`): the library call behind it.
pub async fn create_offer_for(
    app: &App,
    body: CreateOfferBody,
) -> Result<CreatedOfferBody, Problem> {
    let tx_code = match body.tx_code_length {
        None => None,
        Some(length @ 4..=8) => Some(TxCodeRequest::numeric(length)),
        Some(other) => {
            return Err(Problem::bad_request(
                "invalid_request",
                format!("tx_code_length {other} is not between 4 and 8"),
            ));
        }
    };
    let created = app
        .exchange()
        .issuer()
        .create_offer(OfferRequest {
            credentials: body.credentials,
            tx_code,
            by_reference: body.by_reference.unwrap_or(true),
        })
        .await
        .map_err(|e| exchange_problem(e.http_status(), e.code(), e.to_string()))?;
    Ok(CreatedOfferBody {
        link: created.link,
        offer_uri: created.offer_uri.map(|u| u.to_string()),
        tx_code: created.tx_code,
        expires_at: created.expires_at.format(&Rfc3339).unwrap_or_default(),
    })
}

/// `POST /oid4vci/offers`.
#[utoipa::path(
    post, path = "/oid4vci/offers", tag = "openid4vci",
    request_body(content = Object, description = "credentials: [{configuration_id, claims, disclosable?}], tx_code_length?, by_reference?"),
    responses(
        (status = 201, description = "The offer: link (openid-credential-offer://), offer_uri, tx_code, expires_at", body = Object),
        (status = 400, description = "Unknown configuration or bad claims", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn create_offer(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    BoundedJson(body): BoundedJson<CreateOfferBody>,
) -> Response {
    match create_offer_for(&app, body).await {
        Ok(created) => {
            app.audit(&principal.id, "oid4vci.offer", "offer", &request_id.0, "ok")
                .await;
            (StatusCode::CREATED, axum::Json(to_json(&created))).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}

/// The body of `POST /oid4vp/requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequestBody {
    /// The DCQL query.
    pub dcql_query: Value,
    /// `direct_post` or `direct_post.jwt` (default).
    #[serde(default)]
    pub response_mode: Option<String>,
    /// Trusted issuers and required claims (kith-vc policy).
    #[serde(default)]
    pub policy: Option<kith_vc::policy::Policy>,
}

/// A created request as the API returns it.
#[derive(Debug, Serialize)]
pub struct CreatedRequestBody {
    /// Poll `GET /oid4vp/requests/{transaction_id}` with it; keep it secret.
    pub transaction_id: String,
    /// The `openid4vp://` link (for a QR code).
    pub link: String,
    /// When the request stops being answerable (RFC 3339).
    pub expires_at: String,
}

/// Creates a presentation request: the library call behind `POST /oid4vp/requests`.
pub async fn create_request_for(
    app: &App,
    body: CreateRequestBody,
) -> Result<CreatedRequestBody, Problem> {
    let query = kith_oid4vc::dcql::DcqlQuery::from_json(&body.dcql_query)
        .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
    let mut options = RequestOptions::new(query);
    options.response_mode = match body.response_mode.as_deref() {
        None | Some("direct_post.jwt") => ResponseMode::DirectPostJwt,
        Some("direct_post") => ResponseMode::DirectPost,
        Some(other) => {
            return Err(Problem::bad_request(
                "invalid_request",
                format!("response_mode {other:?} is not direct_post or direct_post.jwt"),
            ));
        }
    };
    if let Some(policy) = body.policy {
        options.policy = policy;
    }
    let created = app
        .exchange()
        .verifier()
        .create_request(options)
        .await
        .map_err(|e| exchange_problem(e.http_status(), e.code(), e.to_string()))?;
    Ok(CreatedRequestBody {
        transaction_id: created.transaction_id,
        link: created.link,
        expires_at: created.expires_at.format(&Rfc3339).unwrap_or_default(),
    })
}

/// `POST /oid4vp/requests` (scope `verify`).
#[utoipa::path(
    post, path = "/oid4vp/requests", tag = "openid4vp",
    request_body(content = Object, description = "dcql_query, response_mode (direct_post.jwt by default), policy {trustedIssuers, requiredClaims}"),
    responses(
        (status = 201, description = "transaction_id (to poll), link (openid4vp://), expires_at", body = Object),
        (status = 400, description = "invalid_dcql_query, invalid_request", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn create_request(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    BoundedJson(body): BoundedJson<CreateRequestBody>,
) -> Response {
    match create_request_for(&app, body).await {
        Ok(created) => {
            app.audit(
                &principal.id,
                "oid4vp.request",
                "request",
                &request_id.0,
                "ok",
            )
            .await;
            (StatusCode::CREATED, axum::Json(to_json(&created))).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}

/// Where a request stands, for `GET /oid4vp/requests/{transaction_id}`.
pub async fn request_status_for(app: &App, transaction_id: &str) -> Result<Value, Problem> {
    match app.exchange().verifier().status(transaction_id).await {
        Ok(Some(status)) => Ok(to_json(&status)),
        Ok(None) => Err(Problem::not_found(
            "unknown_request",
            "no presentation request has this transaction id",
        )),
        Err(e) => Err(exchange_problem(e.http_status(), e.code(), e.to_string())),
    }
}

/// `GET /oid4vp/requests/{transaction_id}` (scope `verify`).
#[utoipa::path(
    get, path = "/oid4vp/requests/{transaction_id}", tag = "openid4vp",
    params(("transaction_id" = String, Path, description = "From POST /oid4vp/requests")),
    responses(
        (status = 200, description = "pending, processing, completed (disclosed claims and reports per query), failed (code) or expired", body = Object),
        (status = 404, description = "unknown_request", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn request_status(
    State(app): State<App>,
    Path(transaction_id): Path<String>,
) -> Response {
    match request_status_for(&app, &transaction_id).await {
        Ok(status) => no_store_json(StatusCode::OK, &status),
        Err(problem) => problem.into_response(),
    }
}

/// `GET /oid4vp/request/{state}`: the signed Request Object (OpenID4VP §5.10, RFC 9101).
#[utoipa::path(
    get, path = "/oid4vp/request/{state}", tag = "openid4vp",
    params(("state" = String, Path, description = "The request's state")),
    responses(
        (status = 200, description = "The signed Request Object (oauth-authz-req+jwt)", body = String, content_type = "application/oauth-authz-req+jwt"),
        (status = 400, description = "Unknown or expired request", body = Object),
    ),
)]
pub async fn request_object(State(app): State<App>, Path(state): Path<String>) -> Response {
    match app.exchange().verifier().request_object(&state).await {
        Ok(jwt) => {
            let mut response = (StatusCode::OK, jwt).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(vp::MEDIA_TYPE_REQUEST_OBJECT),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => vp_error(&app, &e),
    }
}

/// `POST /oid4vp/response`: the wallet's Authorization Response (OpenID4VP §8.2).
#[utoipa::path(
    post, path = "/oid4vp/response", tag = "openid4vp",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "vp_token and state (direct_post), or response: a JWE (direct_post.jwt)"),
    responses(
        (status = 200, description = "Accepted (OpenID4VP §8.2)", body = Object),
        (status = 400, description = "OAuth error with kith_code: unknown_state, nonce_mismatch, replayed_response, revoked, ...", body = Object),
    ),
)]
pub async fn response(State(app): State<App>, body: Bytes) -> Response {
    match app.exchange().verifier().handle_response(&body).await {
        Ok(ack) => {
            app.metrics().verified("oid4vp", true);
            no_store_json(StatusCode::OK, &ack.to_json())
        }
        Err(e) => vp_error(&app, &e),
    }
}
