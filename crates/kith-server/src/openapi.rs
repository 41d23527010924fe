//! The OpenAPI 3.1 description of every route, generated from the handlers'
//! annotations and served at `/openapi.json`.

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

/// Every route the router serves, as (method, OpenAPI path). The did:web document
/// route is listed at its bare-host path.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/credentials/issue"),
    ("post", "/credentials/verify"),
    ("post", "/presentations/verify"),
    ("post", "/credentials/status"),
    ("get", "/status/{list}"),
    ("get", "/.well-known/did.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/admin/api-keys"),
    ("get", "/admin/api-keys"),
    ("post", "/admin/api-keys/{id}/revoke"),
    ("post", "/admin/api-keys/{id}/rotate"),
    ("post", "/admin/keys/rotate"),
    ("get", "/admin/audit/verify"),
    ("get", "/.well-known/did.jsonl"),
    ("get", "/admin/trusted-issuers"),
    ("put", "/admin/trusted-issuers"),
    ("get", "/.well-known/openid-credential-issuer"),
    ("get", "/.well-known/oauth-authorization-server"),
    ("get", "/credential-offer/{id}"),
    ("post", "/token"),
    ("post", "/nonce"),
    ("post", "/credential"),
    ("post", "/oid4vci/offers"),
    ("post", "/oid4vp/requests"),
    ("get", "/oid4vp/requests/{transaction_id}"),
    ("get", "/oid4vp/request/{state}"),
    ("post", "/oid4vp/response"),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kith",
        description = "Issuer, verifier and status list services (W3C CCG VC API, Bitstring Status List 1.0, OpenID4VCI 1.0, OpenID4VP 1.0). \
Errors are RFC 9457 problem details with a stable `code`.",
        license(name = "Apache-2.0"),
    ),
    paths(
        routes::issue_credential,
        routes::verify_credential,
        routes::verify_presentation,
        routes::update_status,
        routes::status_list,
        routes::did_document,
        routes::healthz,
        routes::readyz,
        routes::metrics,
        routes::openapi,
        routes::admin::create_api_key,
        routes::admin::list_api_keys,
        routes::admin::revoke_api_key,
        routes::admin::rotate_api_key,
        routes::admin::rotate_issuer_key,
        routes::admin::verify_audit,
        routes::did_log,
        routes::admin::get_trusted_issuers,
        routes::admin::put_trusted_issuers,
        routes::exchange::issuer_metadata,
        routes::exchange::authorization_server_metadata,
        routes::exchange::credential_offer,
        routes::exchange::token,
        routes::exchange::nonce,
        routes::exchange::credential,
        routes::exchange::create_offer,
        routes::exchange::create_request,
        routes::exchange::request_status,
        routes::exchange::request_object,
        routes::exchange::response,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&Security),
    tags(
        (name = "issuer", description = "Issue credentials, manage their status, publish the issuer's DID and status lists"),
        (name = "verifier", description = "Verify credentials and presentations"),
        (name = "admin", description = "API keys, issuer keys, audit log"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
        (name = "openid4vci", description = "OpenID for Verifiable Credential Issuance 1.0: metadata, offers, token, nonce, credential"),
        (name = "openid4vp", description = "OpenID for Verifiable Presentations 1.0 with DCQL: requests, request objects, responses, results"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kith_<id>_<secret>")
                    .description(Some("An API key created with `kith admin api-key create`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An OpenID4VCI access token from POST /token (pre-authorized code grant)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "http_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Signature",
                "An RFC 9421 HTTP message signature (with Signature-Input and Content-Digest) \
by a key of a DID registered with `kith admin api-key create --did`",
            ))),
        );
    }
}

/// The OpenAPI document (built once).
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described() {
        let paths = document()["paths"].as_object().expect("paths");
        for (method, path) in ROUTES {
            assert!(
                paths.get(*path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} missing from openapi.json"
            );
        }
        let described: usize = paths
            .values()
            .map(|p| p.as_object().map_or(0, |m| m.len()))
            .sum();
        assert_eq!(
            described,
            ROUTES.len(),
            "openapi.json describes a route the router lacks"
        );
    }
}
