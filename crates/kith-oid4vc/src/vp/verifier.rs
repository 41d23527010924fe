//! The verifier: Authorization Requests (OpenID4VP §5), the Request Object endpoint
//! (§5.10, JAR by reference), and the Response URI (§8.2 `direct_post`, §8.3.1
//! `direct_post.jwt`) with VP Token validation (§8.6).
//!
//! kith-server maps three routes onto this type: `GET <request_uri>` →
//! [`VpVerifier::request_object`] (content type [`MEDIA_TYPE_REQUEST_OBJECT`]),
//! `POST <response_uri>` → [`VpVerifier::handle_response`] (answer 200 with
//! [`ResponseAck::to_json`], or the error's [`http_status`](Error::http_status) with
//! [`to_oauth_json`](Error::to_oauth_json)), and the verifier UI's polling →
//! [`VpVerifier::status`].
//!
//! Validation of a response, in order: size; form syntax; for `direct_post.jwt`, the
//! JWE (its `kid` names the request's `state`) decrypted with the request's ephemeral
//! key; `state` known (`unknown_state`), the request alive (`expired_request`) and not
//! yet answered (`replayed_response`: claimed atomically, so a replay cannot race the
//! original); then the VP Token: a JSON object whose keys are Credential Query ids,
//! one presentation unless `multiple`, the `credential_sets` satisfied; each
//! presentation in the queried format, verified by kith-vc's pipeline against the
//! request's `nonce` and full Client Identifier (B.3.6 KB-JWT `nonce`/`aud`; B.1.3.1
//! `vp+jwt` `nonce`/`aud`; B.1.3.2 proof `challenge`/`domain`), with the request's
//! policy (trusted issuers, required claims), status lists and validity windows; the
//! W3C credential's subject must be the presentation's holder; and the disclosed claims
//! must answer the Credential Query. Any failure fails the whole response (§8.6: "If
//! any Verifiable Presentation in the response does not contain the correct nonce
//! value, the response MUST be rejected").

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kith_crypto::{Header, KeyType, PrivateKey, Signer, sign_compact};
use kith_vc::{Challenge, Format as VcFormat, Report};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use super::store::{
    Claim, Failure, PresentedCredential, RequestRecord, RequestStatus, VerifiedResponse,
    VpStateStore,
};
use super::{
    AuthorizationRequest, ClientId, ClientMetadata, Error, JWE_ALG, LINK_SCHEME, MAX_RESPONSE_LEN,
    ResponseMode, STATIC_AUDIENCE, SUPPORTED_ENC, TYP_REQUEST_OBJECT, jwe, parse_form,
    parse_vp_token, random_token, too_large,
};
use crate::dcql::{self, CredentialQuery, DcqlQuery, Format};

pub use super::MEDIA_TYPE_REQUEST_OBJECT;

/// How a verifier identifies itself and where its endpoints are.
#[derive(Clone)]
pub struct VerifierConfig {
    /// The Client Identifier, with its prefix.
    pub client_id: ClientId,
    /// The key that signs Request Objects (required for `decentralized_identifier:`):
    /// a key of the client's DID.
    pub signer: Option<Arc<dyn Signer>>,
    /// The `kid` of Request Objects: a DID URL of the client's DID. Defaults to the
    /// signer's key id.
    pub kid: Option<String>,
    /// Where Request Objects are served: `<request_uri_base>/<state>` (required for
    /// `decentralized_identifier:`).
    pub request_uri_base: Option<Url>,
    /// The Response URI (for `redirect_uri:`, it must be the Client Identifier's URI).
    pub response_uri: Url,
    /// How long a request stays answerable.
    pub ttl: time::Duration,
    /// `vp_formats_supported` of the client metadata.
    pub vp_formats_supported: Map<String, Value>,
}

impl VerifierConfig {
    /// A `decentralized_identifier:` verifier whose Request Objects are signed by
    /// `signer` (whose key id must be a DID URL of `did`), 5-minute requests.
    pub fn did(
        did: kith_did::Did,
        signer: Arc<dyn Signer>,
        request_uri_base: Url,
        response_uri: Url,
    ) -> Self {
        Self {
            client_id: ClientId::Did(did),
            signer: Some(signer),
            kid: None,
            request_uri_base: Some(request_uri_base),
            response_uri,
            ttl: time::Duration::minutes(5),
            vp_formats_supported: ClientMetadata::kith_formats(),
        }
    }

    /// A `redirect_uri:` verifier: unsigned requests by value, 5-minute requests.
    pub fn redirect_uri(response_uri: Url) -> Self {
        Self {
            client_id: ClientId::RedirectUri(response_uri.clone()),
            signer: None,
            kid: None,
            request_uri_base: None,
            response_uri,
            ttl: time::Duration::minutes(5),
            vp_formats_supported: ClientMetadata::kith_formats(),
        }
    }
}

/// What one request asks for.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// The DCQL query.
    pub dcql_query: DcqlQuery,
    /// `direct_post` (default) or `direct_post.jwt`.
    pub response_mode: ResponseMode,
    /// Trusted issuers and required claims for this request's credentials.
    pub policy: kith_vc::policy::Policy,
    /// `encrypted_response_enc_values_supported`, for `direct_post.jwt`.
    pub enc_values: Vec<String>,
}

impl RequestOptions {
    /// A `direct_post` request for `dcql_query` with no issuer restriction.
    pub fn new(dcql_query: DcqlQuery) -> Self {
        Self {
            dcql_query,
            response_mode: ResponseMode::DirectPost,
            policy: kith_vc::policy::Policy::default(),
            enc_values: SUPPORTED_ENC.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// A request, created and stored.
#[derive(Debug, Clone)]
pub struct CreatedRequest {
    /// The frontend's handle for polling ([`VpVerifier::status`]); keep it secret.
    pub transaction_id: String,
    /// The request's `state`.
    pub state: String,
    /// The request's `nonce`.
    pub nonce: String,
    /// The `openid4vp://` link for a QR code or a same-device redirect.
    pub link: String,
    /// The `request_uri`, when the request is passed by reference.
    pub request_uri: Option<Url>,
    /// When the request stops being answerable.
    pub expires_at: OffsetDateTime,
}

/// What the Response URI answers the wallet on success (§8.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseAck {
    /// `redirect_uri` for the wallet to send the user to, if any.
    pub redirect_uri: Option<String>,
}

impl ResponseAck {
    /// The JSON body (`200`, `application/json`).
    pub fn to_json(&self) -> Value {
        match &self.redirect_uri {
            Some(uri) => serde_json::json!({ "redirect_uri": uri }),
            None => serde_json::json!({}),
        }
    }
}

/// A verifier of OpenID4VP responses.
#[derive(Clone)]
pub struct VpVerifier {
    config: VerifierConfig,
    pipeline: kith_vc::Verifier,
    store: Arc<dyn VpStateStore>,
}

impl VpVerifier {
    /// A verifier with `config`, verifying presentations with `pipeline` (its resolver,
    /// clock, status lists; its policy is replaced by each request's) and keeping
    /// requests in `store`.
    pub fn new(
        config: VerifierConfig,
        pipeline: kith_vc::Verifier,
        store: Arc<dyn VpStateStore>,
    ) -> Result<Self, Error> {
        match &config.client_id {
            ClientId::Did(did) => {
                let signer = config.signer.as_ref().ok_or_else(|| {
                    Error::ApiMisuse("a decentralized_identifier verifier needs a signer".into())
                })?;
                let kid = config
                    .kid
                    .as_deref()
                    .or(signer.key_id())
                    .ok_or_else(|| Error::ApiMisuse("the signer has no key id (kid)".into()))?;
                let url = kith_did::DidUrl::parse(kid)
                    .map_err(|e| Error::ApiMisuse(format!("kid {kid:?}: {e}")))?;
                if url.did() != did || url.fragment().is_none() {
                    return Err(Error::ApiMisuse(format!(
                        "kid {kid:?} is not a verification method of {did}"
                    )));
                }
                if config.request_uri_base.is_none() {
                    return Err(Error::ApiMisuse(
                        "a decentralized_identifier verifier needs a request_uri_base".into(),
                    ));
                }
            }
            ClientId::RedirectUri(uri) => {
                if *uri != config.response_uri {
                    return Err(Error::ApiMisuse(
                        "a redirect_uri client identifier must be the response_uri".into(),
                    ));
                }
            }
        }
        Ok(Self {
            config,
            pipeline,
            store,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    fn now(&self) -> OffsetDateTime {
        self.pipeline.clock.now()
    }

    /// Creates and stores an Authorization Request: fresh `nonce`, `state` and
    /// `transaction_id` (256 bits each), for `direct_post.jwt` a fresh P-256 key, and
    /// the link: by reference to a signed Request Object (`decentralized_identifier:`),
    /// or by value (`redirect_uri:`).
    pub async fn create_request(&self, options: RequestOptions) -> Result<CreatedRequest, Error> {
        let unsupported: Vec<&str> = options
            .dcql_query
            .credentials
            .iter()
            .filter(|c| !c.format.is_supported())
            .map(|c| c.format.identifier())
            .collect();
        if !unsupported.is_empty() {
            return Err(Error::VpFormatsNotSupported(unsupported.join(", ")));
        }
        let state = random_token(32)?;
        let transaction_id = random_token(32)?;
        let nonce = random_token(32)?;
        let now = self.now();
        let expires_at = now + self.config.ttl;

        let (encryption_key, jwks) = match options.response_mode {
            ResponseMode::DirectPost => (None, Vec::new()),
            ResponseMode::DirectPostJwt => {
                let key = PrivateKey::generate(KeyType::P256)?;
                let mut public = key.public_key().to_jwk();
                // The key is this request's alone: its `kid` is the request's `state`,
                // which is how the Response URI finds the request of a JWE.
                public.kid = Some(state.clone());
                public.alg = Some(JWE_ALG.into());
                public.use_ = Some("enc".into());
                let mut private = key.to_jwk();
                private.kid = Some(state.clone());
                (Some(private), vec![public])
            }
        };
        let enc_values = (options.response_mode == ResponseMode::DirectPostJwt)
            .then(|| options.enc_values.clone());
        let request = AuthorizationRequest {
            client_id: self.config.client_id.clone(),
            response_mode: options.response_mode,
            response_uri: self.config.response_uri.clone(),
            nonce: nonce.clone(),
            state: Some(state.clone()),
            dcql_query: options.dcql_query.clone(),
            client_metadata: Some(ClientMetadata {
                vp_formats_supported: self.config.vp_formats_supported.clone(),
                jwks,
                encrypted_response_enc_values_supported: enc_values,
            }),
            expires_at: Some(expires_at),
        };
        let client_id = self.config.client_id.as_string();
        let mut link = Url::parse(&format!("{LINK_SCHEME}://"))
            .map_err(|e| Error::ApiMisuse(format!("link: {e}")))?;
        let (request_object, request_uri) = match &self.config.client_id {
            ClientId::Did(_) => {
                let mut claims = request.to_claims();
                claims.insert("aud".into(), STATIC_AUDIENCE.into());
                claims.insert("iat".into(), now.unix_timestamp().into());
                let signer = self
                    .config
                    .signer
                    .as_ref()
                    .ok_or_else(|| Error::ApiMisuse("no signer".into()))?;
                let header = Header {
                    typ: Some(TYP_REQUEST_OBJECT.into()),
                    kid: self
                        .config
                        .kid
                        .clone()
                        .or(signer.key_id().map(str::to_owned)),
                    ..Header::default()
                };
                let payload = serde_json::to_vec(&Value::Object(claims))
                    .map_err(|e| Error::ApiMisuse(format!("request object: {e}")))?;
                let jws = sign_compact(header, &payload, signer.as_ref()).await?;
                let base = self
                    .config
                    .request_uri_base
                    .as_ref()
                    .ok_or_else(|| Error::ApiMisuse("no request_uri_base".into()))?;
                let request_uri =
                    Url::parse(&format!("{}/{state}", base.as_str().trim_end_matches('/')))
                        .map_err(|e| Error::ApiMisuse(format!("request_uri: {e}")))?;
                link.query_pairs_mut()
                    .append_pair("client_id", &client_id)
                    .append_pair("request_uri", request_uri.as_str());
                (Some(jws), Some(request_uri))
            }
            ClientId::RedirectUri(_) => {
                {
                    let mut pairs = link.query_pairs_mut();
                    for (name, value) in request.to_claims() {
                        let text = match value {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        pairs.append_pair(&name, &text);
                    }
                }
                (None, None)
            }
        };
        self.store
            .insert(RequestRecord {
                state: state.clone(),
                transaction_id: transaction_id.clone(),
                nonce: nonce.clone(),
                client_id,
                response_mode: options.response_mode.as_str().into(),
                dcql_query: options.dcql_query.to_json(),
                policy: options.policy,
                request_object,
                encryption_key,
                created_at: now.unix_timestamp(),
                expires_at: expires_at.unix_timestamp(),
                status: RequestStatus::Pending,
            })
            .await?;
        Ok(CreatedRequest {
            transaction_id,
            state,
            nonce,
            link: link.to_string(),
            request_uri,
            expires_at,
        })
    }

    /// The signed Request Object for `GET <request_uri>` (the last path segment is
    /// the `state`): `unknown_state`, `expired_request`, or `replayed_response` once
    /// the request has been answered.
    pub async fn request_object(&self, state: &str) -> Result<String, Error> {
        let record = self.store.get(state).await?.ok_or(Error::UnknownState)?;
        if record.expires_at <= self.now().unix_timestamp() {
            return Err(Error::ExpiredRequest);
        }
        if record.status != RequestStatus::Pending {
            return Err(Error::ReplayedResponse);
        }
        record.request_object.ok_or_else(|| {
            Error::InvalidRequest("this request is passed by value, not by reference".into())
        })
    }

    /// Where the request of `transaction_id` stands (for the verifier UI to poll).
    pub async fn status(&self, transaction_id: &str) -> Result<Option<RequestStatus>, Error> {
        let Some(record) = self.store.get_by_transaction(transaction_id).await? else {
            return Ok(None);
        };
        if record.status == RequestStatus::Pending
            && record.expires_at <= self.now().unix_timestamp()
        {
            return Ok(Some(RequestStatus::Expired));
        }
        Ok(Some(record.status))
    }

    /// Handles an Authorization Response posted to the Response URI: the raw
    /// `application/x-www-form-urlencoded` body. See the module documentation for
    /// the checks. A wallet's error response (`error=access_denied`, ...) is accepted
    /// (the request fails with that code) and answered like a success.
    pub async fn handle_response(&self, body: &[u8]) -> Result<ResponseAck, Error> {
        if body.len() > MAX_RESPONSE_LEN {
            return Err(too_large(
                "the authorization response",
                body.len(),
                MAX_RESPONSE_LEN,
            ));
        }
        let form = parse_form(body)?;
        let (state, params, encrypted) = match form.get("response") {
            Some(jwe_text) => {
                let state = jwe::header_kid(jwe_text)?.ok_or_else(|| {
                    Error::Encryption("the JWE header has no kid naming the request".into())
                })?;
                let record = self.store.get(&state).await?.ok_or(Error::UnknownState)?;
                let Some(key) = &record.encryption_key else {
                    return Err(if record.status == RequestStatus::Pending {
                        Error::Encryption(
                            "this request did not ask for an encrypted response".into(),
                        )
                    } else {
                        Error::ReplayedResponse
                    });
                };
                let key = PrivateKey::from_jwk(key)?;
                let plaintext = jwe::decrypt(jwe_text, &key)?;
                let Value::Object(payload) = kith_vc::json::parse(&plaintext)
                    .map_err(|e| Error::Encryption(format!("the JWE payload is not JSON: {e}")))?
                else {
                    return Err(Error::Encryption(
                        "the JWE payload is not a JSON object".into(),
                    ));
                };
                if let Some(inner) = payload.get("state")
                    && inner.as_str() != Some(state.as_str())
                {
                    return Err(Error::Encryption(
                        "the state inside the JWE is not the request's".into(),
                    ));
                }
                (state, payload, true)
            }
            None => {
                let state = form
                    .get("state")
                    .ok_or_else(|| Error::InvalidRequest("state is required".into()))?
                    .clone();
                let mut params = Map::new();
                for (name, value) in &form {
                    let value = if name == "vp_token" {
                        kith_vc::json::parse_str(value).map_err(|e| {
                            Error::InvalidVpToken(format!("vp_token is not JSON: {e}"))
                        })?
                    } else {
                        Value::String(value.clone())
                    };
                    params.insert(name.clone(), value);
                }
                (state, params, false)
            }
        };
        if !encrypted && !params.contains_key("error") {
            let record = self.store.get(&state).await?.ok_or(Error::UnknownState)?;
            if record.response_mode == ResponseMode::DirectPostJwt.as_str()
                && record.status == RequestStatus::Pending
            {
                return Err(Error::Encryption(
                    "this request asked for direct_post.jwt: the response must be encrypted".into(),
                ));
            }
        }
        let now = self.now().unix_timestamp();
        let record = match self.store.claim(&state, now).await? {
            Claim::Claimed(record) => record,
            Claim::Unknown => return Err(Error::UnknownState),
            Claim::Expired => return Err(Error::ExpiredRequest),
            Claim::AlreadyUsed => return Err(Error::ReplayedResponse),
        };
        if let Some(error) = params.get("error") {
            let error = error.as_str().unwrap_or("invalid_request").to_owned();
            let description = params
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            self.store
                .finish(
                    &state,
                    RequestStatus::Failed(Failure {
                        code: error,
                        detail: format!("the wallet answered with an error: {description}"),
                        reports: BTreeMap::new(),
                    }),
                )
                .await?;
            return Ok(ResponseAck::default());
        }
        match self.verify_vp_token(&record, &params).await {
            Ok(verified) => {
                self.store
                    .finish(&state, RequestStatus::Completed(verified))
                    .await?;
                Ok(ResponseAck::default())
            }
            Err((error, reports)) => {
                self.store
                    .finish(
                        &state,
                        RequestStatus::Failed(Failure {
                            code: error.code().into(),
                            detail: error.to_string(),
                            reports,
                        }),
                    )
                    .await?;
                Err(error)
            }
        }
    }

    async fn verify_vp_token(
        &self,
        record: &RequestRecord,
        params: &Map<String, Value>,
    ) -> Result<VerifiedResponse, (Error, BTreeMap<String, Vec<Value>>)> {
        let mut reports: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let fail = |e: Error| (e, BTreeMap::new());
        let query = DcqlQuery::from_json(&record.dcql_query).map_err(|e| fail(e.into()))?;
        let token = match params.get("vp_token") {
            Some(Value::String(text)) => kith_vc::json::parse_str(text)
                .map_err(|e| fail(Error::InvalidVpToken(format!("vp_token is not JSON: {e}"))))?,
            Some(value) => value.clone(),
            None => return Err(fail(Error::InvalidVpToken("vp_token is missing".into()))),
        };
        let token = parse_vp_token(&token).map_err(fail)?;
        for (id, presentations) in &token {
            let query = query.credential(id).ok_or_else(|| {
                fail(Error::InvalidVpToken(format!(
                    "{id:?} is not a credential query id of the request"
                )))
            })?;
            // > When `multiple` is omitted, or set to `false`, the array MUST contain
            // > only one Presentation.
            if !query.multiple && presentations.len() != 1 {
                return Err(fail(Error::InvalidVpToken(format!(
                    "{id:?} allows one presentation, the vp_token has {}",
                    presentations.len()
                ))));
            }
        }
        let answered: BTreeSet<&str> = token.keys().map(String::as_str).collect();
        query
            .satisfied_by(&answered)
            .map_err(|e| fail(Error::InvalidVpToken(e)))?;

        let mut pipeline = self.pipeline.clone();
        pipeline.policy = record.policy.clone();
        let challenge = Challenge {
            nonce: record.nonce.clone(),
            audience: record.client_id.clone(),
        };
        let mut credentials = BTreeMap::new();
        let mut first_error = None;
        for (id, presentations) in &token {
            let Some(cq) = query.credential(id) else {
                continue;
            };
            for presentation in presentations {
                let (report, result) = verify_one(&pipeline, cq, &challenge, presentation).await;
                if let Some(report) = report {
                    reports.entry(id.clone()).or_default().push(report);
                }
                match result {
                    Ok(credential) => credentials
                        .entry(id.clone())
                        .or_insert_with(Vec::new)
                        .push(credential),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        match first_error {
            Some(e) => Err((e, reports)),
            None => Ok(VerifiedResponse { credentials }),
        }
    }
}

/// The first check that did not pass, in the report or the reports inside it.
fn first_failure(report: &Report) -> Option<(&'static str, String)> {
    for check in &report.checks {
        match &check.outcome {
            kith_vc::Outcome::Pass => {}
            kith_vc::Outcome::Fail { code, detail }
            | kith_vc::Outcome::Indeterminate { code, detail } => {
                return Some((code, detail.clone()));
            }
        }
    }
    report.credentials.iter().find_map(first_failure)
}

fn rejected(query: &CredentialQuery, code: &'static str, detail: impl Into<String>) -> Error {
    Error::PresentationRejected {
        query_id: query.id.clone(),
        code,
        detail: detail.into(),
    }
}

fn types_of(format: &Format, claims: &Value) -> Vec<String> {
    match format {
        Format::SdJwtVc => claims
            .get("vct")
            .and_then(Value::as_str)
            .map(|v| vec![v.to_owned()])
            .unwrap_or_default(),
        _ => match claims.get("type") {
            Some(Value::String(t)) => vec![t.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        },
    }
}

/// The `credentialSubject.id`s of a W3C credential.
fn subject_ids(claims: &Value) -> Vec<&str> {
    match claims.get("credentialSubject") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|s| s.get("id").and_then(Value::as_str))
            .collect(),
        Some(subject) => subject
            .get("id")
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
        None => Vec::new(),
    }
}

/// Verifies one presentation for one Credential Query: its report (as JSON, when the
/// pipeline ran) and the verified credential or the rejection.
async fn verify_one(
    pipeline: &kith_vc::Verifier,
    query: &CredentialQuery,
    challenge: &Challenge,
    presentation: &Value,
) -> (Option<Value>, Result<PresentedCredential, Error>) {
    let text = match presentation {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() > kith_vc::MAX_INPUT_LEN {
        return (
            None,
            Err(too_large(
                "a presentation",
                text.len(),
                kith_vc::MAX_INPUT_LEN,
            )),
        );
    }
    if query.format == Format::LdpVc
        && presentation.is_object()
        && kith_vc::zkp::is_zkp_presentation(&text)
    {
        return verify_zkp(pipeline, query, challenge, &text).await;
    }
    let detected = match kith_vc::detect(&text) {
        Ok(format) => format,
        Err(e) => return (None, Err(rejected(query, e.code(), e.to_string()))),
    };
    let format_ok = match (&query.format, &detected) {
        (Format::SdJwtVc, VcFormat::SdJwt) => presentation.is_string(),
        (Format::JwtVcJson, VcFormat::VpJwt | VcFormat::VcJwt) => presentation.is_string(),
        (Format::LdpVc, VcFormat::DataIntegrity(_)) => presentation.is_object(),
        _ => false,
    };
    if !format_ok {
        return (
            None,
            Err(rejected(
                query,
                "format_mismatch",
                format!(
                    "the query asks for {}, the presentation is {}",
                    query.format,
                    detected.name()
                ),
            )),
        );
    }
    let is_presentation = match &detected {
        VcFormat::SdJwt => !text.trim_end().ends_with('~'),
        VcFormat::VpJwt => true,
        VcFormat::DataIntegrity(_) => presentation.get("type").is_some_and(|t| match t {
            Value::String(s) => s == "VerifiablePresentation",
            Value::Array(items) => items.iter().any(|i| i == "VerifiablePresentation"),
            _ => false,
        }),
        _ => false,
    };
    if let VcFormat::DataIntegrity(suite) = &detected
        && suite == kith_vc::di::BBS_2023.id
        && !is_presentation
        && let Err((code, detail)) = check_bbs_binding(presentation, challenge)
    {
        return (None, Err(rejected(query, code, detail)));
    }
    // > Validate that all Presentations contain a cryptographic proof of Holder
    // > Binding [...], unless specifically requested otherwise. (§8.6)
    if query.require_cryptographic_holder_binding && !is_presentation {
        return (
            None,
            Err(rejected(
                query,
                "holder_binding",
                "the query requires cryptographic holder binding and the presentation has no holder proof",
            )),
        );
    }
    let report = if is_presentation {
        pipeline.verify_presentation(&text, challenge).await
    } else {
        pipeline.verify_credential(&text).await
    };
    let report_json = serde_json::to_value(&report).unwrap_or(Value::Null);
    if !report.verified {
        let (code, detail) = first_failure(&report).unwrap_or((
            "invalid_presentation",
            "the presentation did not verify".into(),
        ));
        return (Some(report_json), Err(rejected(query, code, detail)));
    }
    // The credential's own report: the presentation's for an SD-JWT or a bare
    // credential, else the one credential inside the VP.
    let inner = match (&detected, is_presentation) {
        (VcFormat::SdJwt, _) | (_, false) => &report,
        _ => match report.credentials.as_slice() {
            [one] => one,
            other => {
                return (
                    Some(report_json),
                    Err(rejected(
                        query,
                        "invalid_presentation",
                        format!(
                            "a presentation answers one credential query with one credential; it holds {}",
                            other.len()
                        ),
                    )),
                );
            }
        },
    };
    let claims = inner.credential.clone().unwrap_or(Value::Null);
    if query.format.is_w3c() && is_presentation && query.require_cryptographic_holder_binding {
        let holder = report.holder.as_deref().unwrap_or_default();
        let subjects = subject_ids(&claims);
        if subjects.is_empty() || subjects.iter().any(|s| *s != holder) {
            return (
                Some(report_json),
                Err(rejected(
                    query,
                    "holder_binding",
                    format!(
                        "the credential's subject ({}) is not the presentation's holder ({holder})",
                        subjects.join(", ")
                    ),
                )),
            );
        }
    }
    if let Err(detail) =
        dcql::check_presented(query, &types_of(&query.format, &claims), &claims, &[])
    {
        return (
            Some(report_json),
            Err(rejected(query, "claims_not_satisfied", detail)),
        );
    }
    let credential = PresentedCredential {
        format: report.format.clone(),
        issuer: inner.issuer.clone(),
        holder: report.holder.clone(),
        claims,
        predicates: Vec::new(),
        report: report_json.clone(),
    };
    (Some(report_json), Ok(credential))
}

/// A bare bbs-2023 credential answers a request only with a derived proof whose
/// presentation header is this request's ([`crate::vp::bbs_presentation_header`]): a
/// base proof is the holder's, and a derived proof made for another request is a
/// replay.
fn check_bbs_binding(
    credential: &Value,
    challenge: &Challenge,
) -> Result<(), (&'static str, String)> {
    let value = match credential.get("proof") {
        Some(Value::Object(proof)) => proof.get("proofValue").and_then(Value::as_str),
        _ => None,
    }
    .ok_or((
        "invalid_presentation",
        "a bbs-2023 answer has one proof with a proofValue".to_owned(),
    ))?;
    let derived = match kith_vc::di::bbs_2023::inspect(value) {
        Ok(Err(derived)) => derived,
        Ok(Ok(_)) => {
            return Err((
                "invalid_presentation",
                "a bbs-2023 base proof is the holder's to derive from, not a presentation".into(),
            ));
        }
        Err(e) => return Err((e.code(), e.to_string())),
    };
    if derived.presentation_header != crate::vp::bbs_presentation_header(challenge) {
        return Err((
            "nonce_mismatch",
            "the bbs-2023 proof's presentation header is not this request's nonce and client id"
                .into(),
        ));
    }
    Ok(())
}

/// Verifies a `kith-zkp-2026` presentation (an `ldp_vc` answer whose proof discloses
/// some claims and proves the query's `kith_predicate`s, docs/zk-predicates.md): the
/// proof is bound to the request's nonce (`challenge`) and Client Identifier
/// (`domain`), and carries no holder signature, so the query must not require
/// cryptographic holder binding.
async fn verify_zkp(
    pipeline: &kith_vc::Verifier,
    query: &CredentialQuery,
    challenge: &Challenge,
    text: &str,
) -> (Option<Value>, Result<PresentedCredential, Error>) {
    use kith_vc::zkp::{Op, Predicate};
    if query.require_cryptographic_holder_binding {
        return (
            None,
            Err(rejected(
                query,
                "holder_binding",
                "a kith-zkp-2026 presentation has no holder signature; the query requires \
                 cryptographic holder binding",
            )),
        );
    }
    // Without claim_sets every predicate of the query is required; with them, which
    // option was answered is checked below.
    let required: Vec<Predicate> = match (&query.claims, &query.claim_sets) {
        (Some(claims), None) => claims
            .iter()
            .filter_map(|c| c.predicate.as_ref()?.on(&c.path))
            .collect(),
        _ => Vec::new(),
    };
    let verified = kith_vc::zkp::verify_presentation(pipeline, text, challenge, &required).await;
    let report_json = serde_json::to_value(&verified).unwrap_or(Value::Null);
    let report = &verified.report;
    if !report.verified {
        let (code, detail) = first_failure(report).unwrap_or((
            "invalid_presentation",
            "the presentation did not verify".into(),
        ));
        return (Some(report_json), Err(rejected(query, code, detail)));
    }
    let claims = report.credential.clone().unwrap_or(Value::Null);
    let proven: Vec<Predicate> = verified
        .predicates
        .iter()
        .filter_map(|p| {
            Some(Predicate::new(
                p.claim.clone(),
                Op::from_symbol(p.op)?,
                p.value.clone(),
            ))
        })
        .collect();
    if let Err(detail) =
        dcql::check_presented(query, &types_of(&query.format, &claims), &claims, &proven)
    {
        return (
            Some(report_json),
            Err(rejected(query, "claims_not_satisfied", detail)),
        );
    }
    let credential = PresentedCredential {
        format: report.format.clone(),
        issuer: report.issuer.clone(),
        holder: None,
        claims,
        predicates: verified
            .predicates
            .iter()
            .map(|p| p.statement.clone())
            .collect(),
        report: report_json.clone(),
    };
    (Some(report_json), Ok(credential))
}
