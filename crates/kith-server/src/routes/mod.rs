//! HTTP handlers: parse the request, call the issuer or verifier, map the result.
//! The VC-API routes follow the W3C CCG VC API (`/credentials/issue`,
//! `/credentials/verify`, `/presentations/verify`, `/credentials/status`).

pub mod admin;
pub mod exchange;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kith_vc::Challenge;
use kith_vc::status::StatusPurpose;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::app::App;
use crate::auth::Principal;
use crate::body::BoundedJson;
use crate::issuer::{IssueRequest, StatusChange};
use crate::problem::Problem;
use crate::request_id::RequestId;

/// `application/json` responses with a status.
fn json_response(
    status: StatusCode,
    body: &impl Serialize,
    content_type: &'static str,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
        Err(e) => {
            Problem::internal(format!("the response does not serialize: {e}")).into_response()
        }
    }
}

/// The response of `POST /credentials/issue`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueResponse {
    /// The secured credential: a Data Integrity document, or an
    /// `EnvelopedVerifiableCredential` for `vc+jwt` and `dc+sd-jwt`.
    #[schema(value_type = Object)]
    pub verifiable_credential: Value,
}

/// Issues a credential (VC-API "Issue Credential").
#[utoipa::path(
    post, path = "/credentials/issue", tag = "issuer",
    request_body = IssueRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response instead of issuing again (24 h)")),
    responses(
        (status = 201, description = "Issued", body = IssueResponse),
        (status = 400, description = "Invalid credential or options", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the issue scope", body = Problem),
        (status = 409, description = "Same Idempotency-Key still in progress", body = Problem),
        (status = 422, description = "Idempotency-Key reused with another request", body = Problem),
        (status = 429, description = "Rate limited", body = Problem),
        (status = 503, description = "Database unavailable", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn issue_credential(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    BoundedJson(request): BoundedJson<IssueRequest>,
) -> Response {
    // The `credential.issue` audit entry is written with the credential's status entries,
    // in the issuer's batch.
    match app
        .issuer()
        .issue(request, &principal.id, &request_id.0)
        .await
    {
        Ok(issued) => {
            app.metrics().issued(issued.format.name());
            json_response(
                StatusCode::CREATED,
                &IssueResponse {
                    verifiable_credential: issued.verifiable_credential,
                },
                "application/json",
            )
        }
        Err(problem) => {
            app.metrics().failure(&problem.code);
            problem.into_response()
        }
    }
}

/// The request of `POST /credentials/verify`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyCredentialRequest {
    /// A Data Integrity credential, an `EnvelopedVerifiableCredential`, or a compact
    /// `vc+jwt` / SD-JWT string.
    #[schema(value_type = Object)]
    pub verifiable_credential: Value,
    /// Unused; accepted for VC-API compatibility.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
}

/// The request of `POST /presentations/verify`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPresentationRequest {
    /// A Data Integrity presentation, or a compact `vp+jwt` / SD-JWT+KB string.
    #[schema(value_type = Object)]
    pub verifiable_presentation: Value,
    /// The verifier's challenge.
    pub options: PresentationOptions,
}

/// The challenge a presentation must be bound to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PresentationOptions {
    /// The nonce the holder had to sign (`challenge` / KB-JWT `nonce`).
    pub challenge: String,
    /// The audience (`domain` / KB-JWT `aud`); defaults to this service's public URL.
    pub domain: Option<String>,
}

/// Verifies a credential (VC-API "Verify Credential"): 200 with the report when
/// verified, 400 with the report when not.
#[utoipa::path(
    post, path = "/credentials/verify", tag = "verifier",
    request_body = VerifyCredentialRequest,
    responses(
        (status = 200, description = "Verified: the report", body = Object),
        (status = 400, description = "Not verified (the report says why) or malformed request", body = Object),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the verify scope", body = Problem),
        (status = 429, description = "Rate limited", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn verify_credential(
    State(app): State<App>,
    BoundedJson(request): BoundedJson<VerifyCredentialRequest>,
) -> Response {
    let input = match crate::verifier::credential_input(&request.verifiable_credential) {
        Ok(input) => input,
        Err(problem) => return problem.into_response(),
    };
    let report = app.verifier().verify_credential(&input).await;
    app.metrics().verified("credential", report.verified);
    if let Some(code) = report.first_failure() {
        app.metrics().failure(code);
    }
    report_response(&report)
}

/// Verifies a presentation and the credentials in it against the challenge.
#[utoipa::path(
    post, path = "/presentations/verify", tag = "verifier",
    request_body = VerifyPresentationRequest,
    responses(
        (status = 200, description = "Verified: the report", body = Object),
        (status = 400, description = "Not verified (the report says why) or malformed request", body = Object),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the verify scope", body = Problem),
        (status = 429, description = "Rate limited", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn verify_presentation(
    State(app): State<App>,
    BoundedJson(request): BoundedJson<VerifyPresentationRequest>,
) -> Response {
    let input = match crate::verifier::presentation_input(&request.verifiable_presentation) {
        Ok(input) => input,
        Err(problem) => return problem.into_response(),
    };
    let challenge = Challenge {
        nonce: request.options.challenge,
        audience: request
            .options
            .domain
            .unwrap_or_else(|| app.config().audience.clone()),
    };
    let report = app.verifier().verify_presentation(&input, &challenge).await;
    app.metrics().verified("presentation", report.verified);
    if let Some(code) = report.first_failure() {
        app.metrics().failure(code);
    }
    report_response(&report)
}

fn report_response(report: &kith_vc::Report) -> Response {
    let status = if report.verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    json_response(status, report, "application/json")
}

/// The request of `POST /credentials/status` (VC-API "Update Status").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatusRequest {
    /// The credential's `id` (as returned when it was issued).
    pub credential_id: String,
    /// The changes, one per status purpose.
    pub credential_status: Vec<StatusUpdate>,
}

/// One status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusUpdate {
    /// `BitstringStatusListEntry` (optional).
    #[serde(rename = "type")]
    pub entry_type: Option<String>,
    /// `revocation` (default) or `suspension`.
    pub status_purpose: Option<String>,
    /// The new value: `true` / `"1"` sets the bit (revoked, suspended), `false` /
    /// `"0"` clears it (lifting a suspension).
    #[schema(value_type = Object)]
    pub status: Value,
}

/// The response of `POST /credentials/status`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatusResponse {
    /// The credential.
    pub credential_id: String,
    /// What was set, and the status list each change is published in.
    #[schema(value_type = Vec<Object>)]
    pub credential_status: Vec<Value>,
}

/// Revokes, suspends or reinstates a credential issued here.
#[utoipa::path(
    post, path = "/credentials/status", tag = "issuer",
    request_body = UpdateStatusRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    responses(
        (status = 200, description = "Updated", body = UpdateStatusResponse),
        (status = 400, description = "Invalid change", body = Problem),
        (status = 401, description = "Missing or bad API key", body = Problem),
        (status = 403, description = "The key lacks the status scope", body = Problem),
        (status = 404, description = "No such credential entry", body = Problem),
        (status = 503, description = "Database unavailable", body = Problem),
    ),
    security(("api_key" = []), ("http_signature" = [])),
)]
pub async fn update_status(
    State(app): State<App>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    BoundedJson(request): BoundedJson<UpdateStatusRequest>,
) -> Response {
    if request.credential_status.is_empty() {
        return Problem::bad_request("invalid_request", "credentialStatus lists no change")
            .into_response();
    }
    let mut changes = Vec::new();
    for update in &request.credential_status {
        if let Some(t) = &update.entry_type
            && !matches!(
                t.as_str(),
                "BitstringStatusListEntry" | "BitstringStatusListCredential"
            )
        {
            return Problem::bad_request(
                "unsupported_status_type",
                format!("status type {t:?} is not BitstringStatusListEntry"),
            )
            .into_response();
        }
        let purpose: StatusPurpose = match update
            .status_purpose
            .as_deref()
            .unwrap_or("revocation")
            .parse()
        {
            Ok(p) if matches!(p, StatusPurpose::Revocation | StatusPurpose::Suspension) => p,
            _ => {
                return Problem::bad_request(
                    "unsupported_status_purpose",
                    "statusPurpose must be revocation or suspension",
                )
                .into_response();
            }
        };
        let value = match &update.status {
            Value::Bool(b) => *b,
            Value::String(s) if s == "1" || s == "true" => true,
            Value::String(s) if s == "0" || s == "false" => false,
            Value::Number(n) if n.as_u64() == Some(1) => true,
            Value::Number(n) if n.as_u64() == Some(0) => false,
            other => {
                return Problem::bad_request(
                    "invalid_status_value",
                    format!("status {other} is not true/false or \"1\"/\"0\""),
                )
                .into_response();
            }
        };
        changes.push(StatusChange {
            credential_id: request.credential_id.clone(),
            purpose,
            value,
        });
    }
    let mut applied = Vec::new();
    for change in &changes {
        match app.issuer().update_status(change).await {
            Ok(list_url) => {
                app.verifier().forget_status_list(&list_url);
                app.audit(
                    &principal.id,
                    "credential.status",
                    &change.credential_id,
                    &request_id.0,
                    &format!("{}={}", change.purpose.as_str(), change.value),
                )
                .await;
                applied.push(json!({
                    "statusPurpose": change.purpose.as_str(),
                    "status": change.value,
                    "statusListCredential": list_url,
                }));
            }
            Err(problem) => {
                app.metrics().failure(&problem.code);
                return problem.into_response();
            }
        }
    }
    json_response(
        StatusCode::OK,
        &UpdateStatusResponse {
            credential_id: request.credential_id,
            credential_status: applied,
        },
        "application/json",
    )
}

/// Serves status list `list`: by default the signed Bitstring Status List credential
/// (Bitstring Status List §3.1, `application/vc`); to a request whose `Accept` lists
/// `application/statuslist+jwt`, the IETF Status List Token over the same bits
/// (draft-ietf-oauth-status-list §8.1, §8.2). The SD-JWT VCs issued here reference
/// this URL as their `status.status_list.uri`. Both answers carry `Vary: Accept`.
#[utoipa::path(
    get, path = "/status/{list}", tag = "issuer",
    params(
        ("list" = String, Path, description = "The status list id"),
        ("Accept" = Option<String>, Header, description = "application/statuslist+jwt for the IETF Status List Token; anything else for the Bitstring Status List credential"),
    ),
    responses(
        (status = 200, description = "The signed BitstringStatusListCredential (application/vc), or the Status List Token (application/statuslist+jwt)", body = Object),
        (status = 404, description = "No such list", body = Problem),
    ),
)]
pub async fn status_list(
    State(app): State<App>,
    Path(list): Path<String>,
    headers: HeaderMap,
) -> Response {
    let max_age = app.config().issuer.status_list_ttl.as_secs();
    let mut response = if wants_status_list_token(&headers) {
        match app.issuer().status_list_token(&list).await {
            Ok(Some(token)) => {
                let mut response = (StatusCode::OK, token.as_ref().clone()).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(kith_vc::status::MEDIA_TYPE_STATUS_LIST_JWT),
                );
                response
            }
            Ok(None) => return unknown_list(&list),
            Err(problem) => return problem.into_response(),
        }
    } else {
        match app.issuer().status_list_credential(&list).await {
            Ok(Some(credential)) => {
                json_response(StatusCode::OK, credential.as_ref(), "application/vc")
            }
            Ok(None) => return unknown_list(&list),
            Err(problem) => return problem.into_response(),
        }
    };
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

fn unknown_list(list: &str) -> Response {
    Problem::not_found("unknown_status_list", format!("no status list {list:?}")).into_response()
}

/// Whether `Accept` lists `application/statuslist+jwt` with a non-zero `q`
/// (RFC 9110 §12.5.1; draft-ietf-oauth-status-list §8.1).
fn wants_status_list_token(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case(kith_vc::status::MEDIA_TYPE_STATUS_LIST_JWT) && !refused
        })
}

/// Serves the issuer's did:web document.
#[utoipa::path(
    get, path = "/.well-known/did.json", tag = "issuer",
    responses((status = 200, description = "The issuer's DID document (at /<path>/did.json when the public URL has a path)", body = Object)),
)]
pub async fn did_document(State(app): State<App>) -> Response {
    let body = app.issuer().document_json();
    let mut response = (StatusCode::OK, body.as_ref().clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/did+json"),
    );
    response
}

/// Serves the issuer's did:webvh log, `did.jsonl` (did:webvh v1.0 "The DID to HTTPS
/// Transformation": at `/.well-known/did.jsonl`, or `/<path>/did.jsonl`).
#[utoipa::path(
    get, path = "/.well-known/did.jsonl", tag = "issuer",
    responses(
        (status = 200, description = "The issuer's did:webvh log, one JSON entry per line (at /<path>/did.jsonl when the public URL has a path)", body = String, content_type = "text/jsonl"),
        (status = 404, description = "The issuer's DID is not a did:webvh DID", body = Problem),
    ),
)]
pub async fn did_log(State(app): State<App>) -> Response {
    let Some(body) = app.issuer().did_log() else {
        return Problem::not_found("not_found", "the issuer's DID has no did:webvh log")
            .into_response();
    };
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/jsonl"));
    response
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Object)))]
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}), "application/json")
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Object),
        (status = 503, description = "The database is unreachable", body = Problem),
    ))]
pub async fn readyz(State(app): State<App>) -> Response {
    match app.store().ping().await {
        Ok(()) => json_response(
            StatusCode::OK,
            &json!({"status": "ready"}),
            "application/json",
        ),
        Err(e) => Problem::from_store(&e).into_response(),
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(app): State<App>) -> Response {
    let mut response = (StatusCode::OK, app.metrics().render()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI document", body = Object)))]
pub async fn openapi() -> Response {
    json_response(
        StatusCode::OK,
        &crate::openapi::document(),
        "application/json",
    )
}

/// Any other path.
pub async fn not_found() -> Response {
    Problem::not_found("not_found", "no such route").into_response()
}

/// A known path with a method it does not accept (axum adds `Allow`).
pub async fn method_not_allowed() -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept this method (see the Allow header)",
    )
    .into_response()
}
