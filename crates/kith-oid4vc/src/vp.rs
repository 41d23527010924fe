//! OpenID for Verifiable Presentations 1.0 (final): the verifier's and the wallet's
//! protocol logic, without an HTTP framework.
//!
//! <https://openid.net/specs/openid-4-verifiable-presentations-1_0.html>
//!
//! - [`verifier`]: [`VpVerifier`](verifier::VpVerifier) creates Authorization Requests
//!   (§5) with a DCQL query (§6), a fresh `nonce` and `state`, Response Mode
//!   `direct_post` or `direct_post.jwt` (§8.2, §8.3.1) and a Client Identifier with a
//!   prefix (§5.9): `decentralized_identifier:` requests are signed Request Objects
//!   (JAR, `typ: oauth-authz-req+jwt`) passed by reference (`request_uri`);
//!   `redirect_uri:` requests are unsigned and passed by value. It serves the Request
//!   Object, handles the Authorization Response at the Response URI, verifies the VP
//!   Token (§8.1, §8.6) with kith-vc's pipeline and the request's policy, and keeps
//!   per-request state in a [`VpStateStore`](store::VpStateStore).
//! - [`wallet`]: parses `openid4vp://` links, fetches and verifies the Request Object
//!   against the verifier's DID, evaluates the DCQL query over the wallet's credentials,
//!   shows a consent view of exactly the claims that would leave, and on consent builds
//!   and posts the presentations (Appendix B: SD-JWT VC with KB-JWT `aud`/`nonce`/
//!   `sd_hash`; `vp+jwt` with `aud`/`nonce`; Data Integrity VPs with
//!   `domain`/`challenge`).
//! - [`http`]: the wallet's HTTP client seam and its reqwest implementation.
//!
//! Every failure is an [`Error`] with a stable [`code`](Error::code), the OAuth 2.0
//! error to answer with ([`oauth_error`](Error::oauth_error), §8.5) and an HTTP status
//! hint ([`http_status`](Error::http_status)).

pub mod http;
mod jwe;
pub mod store;
pub mod verifier;
pub mod wallet;

use std::collections::BTreeMap;

use kith_crypto::Jwk;
use kith_crypto::multibase::base64url_encode;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use crate::dcql::{self, DcqlQuery};

/// The Response Type of OpenID4VP (§5.6).
pub const RESPONSE_TYPE_VP_TOKEN: &str = "vp_token";
/// The `typ` of a Request Object (§5, RFC 9101 §10.8).
pub const TYP_REQUEST_OBJECT: &str = "oauth-authz-req+jwt";
/// The media type of a Request Object served at a `request_uri` (§5.10.1).
pub const MEDIA_TYPE_REQUEST_OBJECT: &str = "application/oauth-authz-req+jwt";
/// The `aud` of a Request Object under static discovery (§5.8).
pub const STATIC_AUDIENCE: &str = "https://self-issued.me/v2";
/// The URL scheme of the wallet invocation link (§13.1.2).
pub const LINK_SCHEME: &str = "openid4vp";
/// The Client Identifier Prefix for a verifier identified by a DID (§5.9.3).
pub const PREFIX_DID: &str = "decentralized_identifier";
/// The Client Identifier Prefix of an unsigned request (§5.9.3).
pub const PREFIX_REDIRECT_URI: &str = "redirect_uri";
/// The JWE `alg` for encrypted responses (§8.3).
pub const JWE_ALG: &str = "ECDH-ES";
/// The default `enc` when the verifier names none (§8.3).
pub const DEFAULT_ENC: &str = "A128GCM";

/// The `presentationHeader` of a bbs-2023 derived proof that answers a request: the
/// JCS (RFC 8785) of `{"challenge": nonce, "domain": client id}`.
///
/// A derived proof carries no holder signature (a holder key would link
/// presentations), so this Kith profile binds it to one request the way B.1.3.2 binds
/// a Data Integrity presentation's `challenge` and `domain`; BBS signs the header
/// (IETF BBS §3.6.3), and the verifier compares it with its own.
pub fn bbs_presentation_header(challenge: &kith_vc::Challenge) -> Vec<u8> {
    kith_vc::jcs::canonicalize(&serde_json::json!({
        "challenge": challenge.nonce,
        "domain": challenge.audience,
    }))
}
/// The content encryption algorithms Kith implements, most preferred first.
pub const SUPPORTED_ENC: [&str; 2] = ["A256GCM", "A128GCM"];

/// Largest Request Object (or by-value request) accepted.
pub const MAX_REQUEST_OBJECT_LEN: usize = 256 * 1024;
/// Largest `openid4vp://` link accepted.
pub const MAX_LINK_LEN: usize = 64 * 1024;
/// Largest Authorization Response body accepted at the Response URI.
pub const MAX_RESPONSE_LEN: usize = 2 * 1024 * 1024;
/// Most presentations in one VP Token.
pub const MAX_PRESENTATIONS: usize = 32;
/// Longest `state`, `nonce` or `client_id` accepted.
pub const MAX_PARAM_LEN: usize = 2048;

/// What went wrong in an OpenID4VP exchange.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An `openid4vp://` link that cannot be read.
    #[error("invalid link: {0}")]
    InvalidLink(String),
    /// A Client Identifier whose prefix Kith does not support (§5.9.1).
    #[error("unsupported client identifier: {0}")]
    UnsupportedClientIdPrefix(String),
    /// A request that breaks a rule of §5.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A Request Object that is malformed, mistyped or does not match the link.
    #[error("invalid request object: {0}")]
    InvalidRequestObject(String),
    /// A Request Object whose signature does not verify with the client's key.
    #[error("the request object's signature does not verify: {0}")]
    RequestSignature(String),
    /// The Client Identifier names a verifier whose key cannot be found.
    #[error("unknown client: {0}")]
    UnknownClient(String),
    /// The DCQL query is invalid.
    #[error(transparent)]
    Dcql(#[from] dcql::Error),
    /// None of the requested formats is one Kith presents.
    #[error("VP formats not supported: {0}")]
    VpFormatsNotSupported(String),
    /// The request carries `transaction_data`, which Kith does not support (§5.1).
    #[error("transaction_data is not supported")]
    UnsupportedTransactionData,
    /// The wallet cannot satisfy the DCQL query; nothing was sent.
    #[error("{0}")]
    CannotSatisfy(dcql::Unsatisfied),
    /// No request has this `state`.
    #[error("unknown state: no authorization request has this state")]
    UnknownState,
    /// The request's lifetime is over.
    #[error("the authorization request has expired")]
    ExpiredRequest,
    /// The request was already answered: a replayed or second response.
    #[error("the authorization request was already answered (replayed response)")]
    ReplayedResponse,
    /// The VP Token is malformed or does not answer the DCQL query.
    #[error("invalid vp_token: {0}")]
    InvalidVpToken(String),
    /// A presentation failed verification; `code` is the pipeline's.
    #[error("presentation for {query_id:?} rejected ({code}): {detail}")]
    PresentationRejected {
        /// The Credential Query id.
        query_id: String,
        /// The code of the first failed check (`nonce_mismatch`, `revoked`, ...).
        code: &'static str,
        /// What failed.
        detail: String,
    },
    /// The encrypted response could not be decrypted or read, or the response is not
    /// encrypted when the request asked for `direct_post.jwt`.
    #[error("response encryption: {0}")]
    Encryption(String),
    /// Input over a size limit.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An HTTP exchange failed (transport, status, content type).
    #[error("HTTP: {0}")]
    Http(String),
    /// The verifier's Response URI refused the response.
    #[error("the verifier refused the response (HTTP {status}): {error}: {description}")]
    VerifierRejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code it returned.
        error: String,
        /// Its description.
        description: String,
    },
    /// The state store failed.
    #[error("state store: {0}")]
    Store(String),
    /// A credential or presentation operation of kith-vc failed.
    #[error(transparent)]
    Vc(#[from] kith_vc::Error),
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] kith_crypto::Error),
    /// The caller asked for something impossible.
    #[error("API misuse: {0}")]
    ApiMisuse(String),
}

impl Error {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidLink(_) => "invalid_link",
            Self::UnsupportedClientIdPrefix(_) => "unsupported_client_id_prefix",
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidRequestObject(_) => "invalid_request_object",
            Self::RequestSignature(_) => "invalid_request_signature",
            Self::UnknownClient(_) => "unknown_client",
            Self::Dcql(e) => e.code(),
            Self::VpFormatsNotSupported(_) => "vp_formats_not_supported",
            Self::UnsupportedTransactionData => "invalid_transaction_data",
            Self::CannotSatisfy(_) => "cannot_satisfy",
            Self::UnknownState => "unknown_state",
            Self::ExpiredRequest => "expired_request",
            Self::ReplayedResponse => "replayed_response",
            Self::InvalidVpToken(_) => "invalid_vp_token",
            Self::PresentationRejected { code, .. } => code,
            Self::Encryption(_) => "invalid_response_encryption",
            Self::TooLarge { .. } => "too_large",
            Self::Http(_) => "http_error",
            Self::VerifierRejected { .. } => "verifier_rejected",
            Self::Store(_) => "store_error",
            Self::Vc(e) => e.code(),
            Self::Crypto(e) => e.code(),
            Self::ApiMisuse(_) => "api_misuse",
        }
    }

    /// The OAuth 2.0 / OpenID4VP error code for an error response (§8.5).
    pub fn oauth_error(&self) -> &'static str {
        match self {
            Self::InvalidRequestObject(_) | Self::RequestSignature(_) => "invalid_request_object",
            Self::UnknownClient(_) => "invalid_client",
            Self::VpFormatsNotSupported(_) => "vp_formats_not_supported",
            Self::UnsupportedTransactionData => "invalid_transaction_data",
            Self::CannotSatisfy(_) => "access_denied",
            Self::Store(_) | Self::Http(_) | Self::ApiMisuse(_) => "server_error",
            Self::Crypto(_) => "server_error",
            _ => "invalid_request",
        }
    }

    /// The HTTP status a server should answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::UnknownState => 400,
            Self::Store(_) => 503,
            Self::Http(_) => 502,
            Self::ApiMisuse(_) | Self::Crypto(_) => 500,
            _ => 400,
        }
    }

    /// The JSON body of an OAuth error response: `{"error", "error_description"}`.
    pub fn to_oauth_json(&self) -> Value {
        serde_json::json!({
            "error": self.oauth_error(),
            "error_description": self.to_string(),
            "kith_code": self.code(),
        })
    }
}

pub(crate) fn too_large(what: &'static str, size: usize, limit: usize) -> Error {
    Error::TooLarge { what, size, limit }
}

/// A fresh random value: `bytes` bytes from the OS CSPRNG, base64url (URL-safe, as
/// §5.2 requires of `nonce` and `state`).
pub(crate) fn random_token(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Crypto(kith_crypto::Error::Rng(e.to_string())))?;
    Ok(base64url_encode(&buf))
}

/// Whether `value` uses only the ASCII URL-safe characters §5.2 allows in `nonce` and
/// `state`: letters, digits, `-`, `.`, `_`, `~`.
pub(crate) fn is_url_safe(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_PARAM_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A Client Identifier with its prefix (§5.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientId {
    /// `decentralized_identifier:<did>`: requests are signed by a key of the DID.
    Did(kith_did::Did),
    /// `redirect_uri:<uri>`: requests are unsigned; the URI is the Response URI.
    RedirectUri(Url),
}

impl ClientId {
    /// Parses a Client Identifier. Prefixes other than the two above (and
    /// pre-registered clients, which have none) are `unsupported_client_id_prefix`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_PARAM_LEN {
            return Err(too_large("client_id", text.len(), MAX_PARAM_LEN));
        }
        // > The Client Identifier Prefix is defined as the string before the (first) `:`
        let Some((prefix, original)) = text.split_once(':') else {
            return Err(Error::UnsupportedClientIdPrefix(format!(
                "{text:?} has no prefix: pre-registered clients are not supported"
            )));
        };
        match prefix {
            PREFIX_DID => kith_did::Did::parse(original)
                .map(Self::Did)
                .map_err(|e| Error::InvalidRequest(format!("client_id {text:?}: {e}"))),
            PREFIX_REDIRECT_URI => Url::parse(original)
                .map(Self::RedirectUri)
                .map_err(|e| Error::InvalidRequest(format!("client_id {text:?}: {e}"))),
            other => Err(Error::UnsupportedClientIdPrefix(format!(
                "the client identifier prefix {other:?} is not supported"
            ))),
        }
    }

    /// The full Client Identifier, prefix included: the audience of presentations
    /// (§14.10, "Always Use the Full Client Identifier").
    pub fn as_string(&self) -> String {
        match self {
            Self::Did(did) => format!("{PREFIX_DID}:{did}"),
            Self::RedirectUri(uri) => format!("{PREFIX_REDIRECT_URI}:{uri}"),
        }
    }

    /// The DID, for a `decentralized_identifier:` client.
    pub fn did(&self) -> Option<&kith_did::Did> {
        match self {
            Self::Did(did) => Some(did),
            Self::RedirectUri(_) => None,
        }
    }
}

/// The Response Modes Kith supports (§8.2, §8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// `direct_post`: a form POST of `vp_token` and `state`.
    DirectPost,
    /// `direct_post.jwt`: a form POST of `response`, a JWE to the verifier's key.
    DirectPostJwt,
}

impl ResponseMode {
    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DirectPost => "direct_post",
            Self::DirectPostJwt => "direct_post.jwt",
        }
    }

    /// Reads the parameter value.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text {
            "direct_post" => Ok(Self::DirectPost),
            "direct_post.jwt" => Ok(Self::DirectPostJwt),
            other => Err(Error::InvalidRequest(format!(
                "response_mode {other:?} is not supported (direct_post, direct_post.jwt)"
            ))),
        }
    }
}

/// The verifier metadata of a request (`client_metadata`, §5.1, §11).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientMetadata {
    /// `vp_formats_supported`.
    pub vp_formats_supported: Map<String, Value>,
    /// `jwks.keys`: for `direct_post.jwt`, the verifier's ephemeral encryption key.
    pub jwks: Vec<Jwk>,
    /// `encrypted_response_enc_values_supported`.
    pub encrypted_response_enc_values_supported: Option<Vec<String>>,
}

impl ClientMetadata {
    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "vp_formats_supported".into(),
            Value::Object(self.vp_formats_supported.clone()),
        );
        if !self.jwks.is_empty() {
            let keys: Vec<Value> = self
                .jwks
                .iter()
                .map(|k| serde_json::to_value(k.to_public()).unwrap_or(Value::Null))
                .collect();
            out.insert("jwks".into(), serde_json::json!({ "keys": keys }));
        }
        if let Some(enc) = &self.encrypted_response_enc_values_supported {
            out.insert(
                "encrypted_response_enc_values_supported".into(),
                Value::from(enc.clone()),
            );
        }
        Value::Object(out)
    }

    /// Reads the JSON form; unknown members are ignored (§11.1).
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let bad = |reason: &str| Error::InvalidRequest(format!("client_metadata: {reason}"));
        let members = value.as_object().ok_or_else(|| bad("not an object"))?;
        let vp_formats_supported = match members.get("vp_formats_supported") {
            Some(Value::Object(formats)) => formats.clone(),
            Some(_) => return Err(bad("vp_formats_supported is not an object")),
            None => Map::new(),
        };
        let jwks = match members.get("jwks") {
            None => Vec::new(),
            Some(jwks) => {
                let keys = jwks
                    .get("keys")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("jwks has no keys array"))?;
                if keys.len() > 16 {
                    return Err(bad("jwks has more than 16 keys"));
                }
                keys.iter()
                    .map(|k| {
                        let jwk: Jwk = serde_json::from_value(k.clone())
                            .map_err(|e| bad(&format!("a jwks key is not a JWK: {e}")))?;
                        if jwk.is_private() {
                            return Err(bad("a jwks key carries private key material"));
                        }
                        Ok(jwk)
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        let encrypted_response_enc_values_supported =
            match members.get("encrypted_response_enc_values_supported") {
                None => None,
                Some(Value::Array(items)) if !items.is_empty() => Some(
                    items
                        .iter()
                        .map(|i| {
                            i.as_str().map(str::to_owned).ok_or_else(|| {
                                bad("encrypted_response_enc_values_supported holds a non-string")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                Some(_) => {
                    return Err(bad(
                        "encrypted_response_enc_values_supported must be a non-empty array",
                    ));
                }
            };
        Ok(Self {
            vp_formats_supported,
            jwks,
            encrypted_response_enc_values_supported,
        })
    }

    /// The formats Kith presents and the algorithms it uses, for `vp_formats_supported`.
    pub fn kith_formats() -> Map<String, Value> {
        let algs = serde_json::json!(["EdDSA", "ES256", "ES384", "ES256K"]);
        let mut formats = Map::new();
        formats.insert(
            "dc+sd-jwt".into(),
            serde_json::json!({"sd-jwt_alg_values": algs, "kb-jwt_alg_values": algs}),
        );
        formats.insert(
            "jwt_vc_json".into(),
            serde_json::json!({"alg_values": algs}),
        );
        formats.insert(
            "ldp_vc".into(),
            serde_json::json!({
                "proof_type_values": ["DataIntegrityProof"],
                "cryptosuite_values": ["eddsa-jcs-2022", "eddsa-rdfc-2022", "ecdsa-jcs-2019", "ecdsa-rdfc-2019"]
            }),
        );
        formats
    }
}

/// An Authorization Request for a VP Token (§5), as Kith's verifier writes it and its
/// wallet reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRequest {
    /// `client_id`, with its prefix.
    pub client_id: ClientId,
    /// `response_mode`.
    pub response_mode: ResponseMode,
    /// `response_uri`.
    pub response_uri: Url,
    /// `nonce`.
    pub nonce: String,
    /// `state`.
    pub state: Option<String>,
    /// `dcql_query`.
    pub dcql_query: DcqlQuery,
    /// `client_metadata`.
    pub client_metadata: Option<ClientMetadata>,
    /// `exp` of the Request Object, if any.
    pub expires_at: Option<OffsetDateTime>,
}

impl AuthorizationRequest {
    /// The request as Request Object claims (or by-value parameters, each JSON value).
    pub fn to_claims(&self) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("client_id".into(), self.client_id.as_string().into());
        claims.insert("response_type".into(), RESPONSE_TYPE_VP_TOKEN.into());
        claims.insert("response_mode".into(), self.response_mode.as_str().into());
        claims.insert("response_uri".into(), self.response_uri.as_str().into());
        claims.insert("nonce".into(), self.nonce.clone().into());
        if let Some(state) = &self.state {
            claims.insert("state".into(), state.clone().into());
        }
        claims.insert("dcql_query".into(), self.dcql_query.to_json());
        if let Some(metadata) = &self.client_metadata {
            claims.insert("client_metadata".into(), metadata.to_json());
        }
        if let Some(exp) = self.expires_at {
            claims.insert("exp".into(), exp.unix_timestamp().into());
        }
        claims
    }

    /// Reads and checks a request from its parameters (Request Object claims, or
    /// by-value parameters with JSON values already decoded).
    pub fn from_claims(claims: &Map<String, Value>) -> Result<Self, Error> {
        let string = |name: &str| -> Result<Option<&str>, Error> {
            match claims.get(name) {
                None => Ok(None),
                Some(Value::String(s)) if s.len() <= MAX_PARAM_LEN * 4 => Ok(Some(s)),
                Some(Value::String(s)) => {
                    Err(too_large("a request parameter", s.len(), MAX_PARAM_LEN * 4))
                }
                Some(_) => Err(Error::InvalidRequest(format!("{name} must be a string"))),
            }
        };
        let required = |name: &str| -> Result<&str, Error> {
            string(name)?.ok_or_else(|| Error::InvalidRequest(format!("{name} is required")))
        };
        let client_id = ClientId::parse(required("client_id")?)?;
        match string("response_type")? {
            Some(RESPONSE_TYPE_VP_TOKEN) => {}
            other => {
                return Err(Error::InvalidRequest(format!(
                    "response_type must be vp_token, not {other:?}"
                )));
            }
        }
        let response_mode = ResponseMode::parse(required("response_mode")?)?;
        // > When the `response_uri` parameter is present, the `redirect_uri` Authorization
        // > Request parameter MUST NOT be present. (§8.2)
        if claims.contains_key("redirect_uri") {
            return Err(Error::InvalidRequest(
                "redirect_uri must not be present with response_mode direct_post".into(),
            ));
        }
        let response_uri = Url::parse(required("response_uri")?)
            .map_err(|e| Error::InvalidRequest(format!("response_uri: {e}")))?;
        if let ClientId::RedirectUri(uri) = &client_id
            && *uri != response_uri
        {
            // §5.9.3: the original Client Identifier is the Response URI.
            return Err(Error::InvalidRequest(
                "with the redirect_uri prefix the client identifier must be the response_uri"
                    .into(),
            ));
        }
        let nonce = required("nonce")?;
        if !is_url_safe(nonce) {
            return Err(Error::InvalidRequest(
                "nonce must be URL-safe ASCII (§5.2)".into(),
            ));
        }
        let state = string("state")?;
        if let Some(state) = state
            && !is_url_safe(state)
        {
            return Err(Error::InvalidRequest(
                "state must be URL-safe ASCII (§5.2)".into(),
            ));
        }
        if claims.contains_key("transaction_data") {
            return Err(Error::UnsupportedTransactionData);
        }
        if claims.contains_key("scope") {
            return Err(Error::InvalidRequest(
                "scope-aliased DCQL queries are not supported; send dcql_query".into(),
            ));
        }
        let dcql_query = match claims.get("dcql_query") {
            Some(Value::String(text)) => DcqlQuery::parse(text)?,
            Some(value) => DcqlQuery::from_json(value)?,
            None => return Err(Error::InvalidRequest("dcql_query is required".into())),
        };
        let client_metadata = match claims.get("client_metadata") {
            None => None,
            Some(Value::String(text)) => Some(ClientMetadata::from_json(
                &kith_vc::json::parse_str(text)
                    .map_err(|e| Error::InvalidRequest(format!("client_metadata: {e}")))?,
            )?),
            Some(value) => Some(ClientMetadata::from_json(value)?),
        };
        if response_mode == ResponseMode::DirectPostJwt
            && client_metadata.as_ref().is_none_or(|m| m.jwks.is_empty())
        {
            return Err(Error::InvalidRequest(
                "direct_post.jwt needs client_metadata.jwks with an encryption key".into(),
            ));
        }
        let expires_at = match claims.get("exp") {
            None => None,
            // A NumericDate; a by-value request carries it as a string of digits.
            Some(exp) => Some(
                exp.as_i64()
                    .or_else(|| exp.as_str().and_then(|s| s.parse().ok()))
                    .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                    .ok_or_else(|| {
                        Error::InvalidRequestObject("exp is not a NumericDate".into())
                    })?,
            ),
        };
        Ok(Self {
            client_id,
            response_mode,
            response_uri,
            nonce: nonce.to_owned(),
            state: state.map(str::to_owned),
            dcql_query,
            client_metadata,
            expires_at,
        })
    }
}

/// A VP Token (§8.1): per Credential Query id, its presentations (strings or objects).
pub type VpToken = BTreeMap<String, Vec<Value>>;

/// Reads a VP Token: a JSON object of non-empty arrays, bounded.
pub(crate) fn parse_vp_token(value: &Value) -> Result<VpToken, Error> {
    let Value::Object(members) = value else {
        return Err(Error::InvalidVpToken(
            "the vp_token is not a JSON object".into(),
        ));
    };
    let mut token = VpToken::new();
    let mut total = 0usize;
    for (id, presentations) in members {
        let Value::Array(items) = presentations else {
            return Err(Error::InvalidVpToken(format!(
                "the entry for {id:?} is not an array of presentations"
            )));
        };
        if items.is_empty() {
            return Err(Error::InvalidVpToken(format!(
                "the entry for {id:?} is empty"
            )));
        }
        total += items.len();
        if total > MAX_PRESENTATIONS {
            return Err(Error::InvalidVpToken(format!(
                "more than {MAX_PRESENTATIONS} presentations"
            )));
        }
        for item in items {
            if !item.is_string() && !item.is_object() {
                return Err(Error::InvalidVpToken(format!(
                    "a presentation for {id:?} is neither a string nor an object"
                )));
            }
        }
        token.insert(id.clone(), items.clone());
    }
    Ok(token)
}

/// Reads an `application/x-www-form-urlencoded` body, refusing repeated parameters.
pub(crate) fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if out.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(Error::InvalidRequest(format!(
                "the parameter {name:?} appears more than once"
            )));
        }
    }
    Ok(out)
}

/// Entry points for the fuzz target: never panic on input.
#[doc(hidden)]
pub fn __fuzz(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(link) = wallet::parse_link(text) {
        let again = wallet::parse_link(&link.to_link()).expect("a written link parses");
        assert_eq!(again, link, "parse → write → parse changed the link");
    }
    if let Ok(Value::Object(claims)) = kith_vc::json::parse_str(text)
        && let Ok(request) = AuthorizationRequest::from_claims(&claims)
    {
        let again =
            AuthorizationRequest::from_claims(&request.to_claims()).expect("written claims parse");
        assert_eq!(again, request);
    }
    let _ = parse_form(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_id_prefixes() {
        let did = ClientId::parse("decentralized_identifier:did:example:123").unwrap();
        assert_eq!(did.as_string(), "decentralized_identifier:did:example:123");
        let uri = ClientId::parse("redirect_uri:https://v.example/cb").unwrap();
        assert!(matches!(uri, ClientId::RedirectUri(_)));
        for (text, code) in [
            ("x509_san_dns:v.example", "unsupported_client_id_prefix"),
            ("pre-registered", "unsupported_client_id_prefix"),
            ("decentralized_identifier:not-a-did", "invalid_request"),
        ] {
            assert_eq!(ClientId::parse(text).unwrap_err().code(), code, "{text}");
        }
    }

    #[test]
    fn error_mapping() {
        assert_eq!(
            Error::RequestSignature(String::new()).oauth_error(),
            "invalid_request_object"
        );
        assert_eq!(
            Error::UnknownClient(String::new()).oauth_error(),
            "invalid_client"
        );
        assert_eq!(too_large("x", 2, 1).http_status(), 413);
        assert_eq!(Error::ReplayedResponse.oauth_error(), "invalid_request");
    }
}
