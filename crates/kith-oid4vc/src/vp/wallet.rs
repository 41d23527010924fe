//! The wallet: read an `openid4vp://` link (OpenID4VP §13.1), fetch the Request Object
//! by reference (§5.10, RFC 9101) and check it (`typ` `oauth-authz-req+jwt`, the
//! `client_id` of the link, the signature by a key of the verifier's DID for
//! `decentralized_identifier:`, §5.9.3), evaluate the DCQL query over the wallet's
//! credentials (§6.4), show what would leave ([`Consent`]), and on consent build the
//! presentations (Appendix B) and post them (§8.2 `direct_post`, §8.3.1
//! `direct_post.jwt`).
//!
//! Nothing is sent before [`VpWallet::submit`] (or [`VpWallet::decline`]): a request
//! that fails its checks, or a query the wallet cannot satisfy
//! ([`Error::CannotSatisfy`]), ends with an error and no request to the verifier's
//! Response URI.
//!
//! The caller (the CLI, the server's wallet pages) passes its stored credentials as
//! [`WalletCredential`]s: the credential as received and, for holder binding, the
//! holder key that signs presentations (for SD-JWT, the key of its `cnf`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kith_crypto::{CompactJws, Jwk, KeyType, PublicKey, Signer};
use kith_did::{Relationship, Resolver};
use kith_vc::datetime::{Clock, SystemClock};
use kith_vc::sd_jwt::{Inspected, Pointer};
use kith_vc::{Challenge, Format as VcFormat};
use serde_json::{Map, Value};
use url::Url;

use super::http::HttpClient;
use super::{
    AuthorizationRequest, ClientId, DEFAULT_ENC, Error, JWE_ALG, LINK_SCHEME, MAX_LINK_LEN,
    MAX_REQUEST_OBJECT_LEN, MEDIA_TYPE_REQUEST_OBJECT, ResponseMode, SUPPORTED_ENC,
    TYP_REQUEST_OBJECT, jwe, too_large,
};
use crate::dcql::{self, ClaimPath, CredentialInfo, CredentialMatch, Format, PredicateSupport};

/// An `openid4vp://` link, parsed (§5, §13.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationLink {
    /// `client_id`.
    pub client_id: String,
    /// `request_uri`: the Request Object is fetched from here.
    pub request_uri: Option<Url>,
    /// `request_uri_method` (`get` or `post`; Kith's wallet always GETs, as §5.1
    /// allows a wallet that does not support `post`).
    pub request_uri_method: Option<String>,
    /// `request`: a Request Object by value.
    pub request: Option<String>,
    /// Every other parameter, for a request passed by value without a Request Object.
    pub params: BTreeMap<String, String>,
}

impl AuthorizationLink {
    /// The link as text (`openid4vp://?…`).
    pub fn to_link(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        pairs.append_pair("client_id", &self.client_id);
        if let Some(uri) = &self.request_uri {
            pairs.append_pair("request_uri", uri.as_str());
        }
        if let Some(method) = &self.request_uri_method {
            pairs.append_pair("request_uri_method", method);
        }
        if let Some(request) = &self.request {
            pairs.append_pair("request", request);
        }
        for (name, value) in &self.params {
            pairs.append_pair(name, value);
        }
        format!("{LINK_SCHEME}://?{}", pairs.finish())
    }
}

/// Parses an `openid4vp://` link: `client_id` and `request_uri` (by reference),
/// `request` (by value), or the request parameters themselves.
pub fn parse_link(text: &str) -> Result<AuthorizationLink, Error> {
    if text.len() > MAX_LINK_LEN {
        return Err(too_large("the link", text.len(), MAX_LINK_LEN));
    }
    let url = Url::parse(text.trim()).map_err(|e| Error::InvalidLink(e.to_string()))?;
    if url.scheme() != LINK_SCHEME {
        return Err(Error::InvalidLink(format!(
            "the scheme is {:?}, not {LINK_SCHEME}",
            url.scheme()
        )));
    }
    let mut params = BTreeMap::new();
    for (name, value) in url.query_pairs() {
        if params
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(Error::InvalidLink(format!(
                "{name:?} appears more than once"
            )));
        }
    }
    let client_id = params
        .remove("client_id")
        .ok_or_else(|| Error::InvalidLink("client_id is missing".into()))?;
    let request_uri = match params.remove("request_uri") {
        None => None,
        Some(uri) => {
            let uri =
                Url::parse(&uri).map_err(|e| Error::InvalidLink(format!("request_uri: {e}")))?;
            if !matches!(uri.scheme(), "https" | "http") {
                return Err(Error::InvalidLink(
                    "request_uri must be an http(s) URL".into(),
                ));
            }
            Some(uri)
        }
    };
    let request_uri_method = params.remove("request_uri_method");
    if let Some(method) = &request_uri_method {
        if request_uri.is_none() {
            return Err(Error::InvalidLink(
                "request_uri_method without request_uri".into(),
            ));
        }
        if method != "get" && method != "post" {
            return Err(Error::InvalidLink(format!(
                "request_uri_method {method:?} is neither get nor post"
            )));
        }
    }
    let request = params.remove("request");
    if request.is_some() && request_uri.is_some() {
        return Err(Error::InvalidLink(
            "request and request_uri are mutually exclusive".into(),
        ));
    }
    Ok(AuthorizationLink {
        client_id,
        request_uri,
        request_uri_method,
        request,
        params,
    })
}

/// A request the wallet has checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedRequest {
    /// The request.
    pub request: AuthorizationRequest,
    /// The DID URL of the key that signed the Request Object (`None` if unsigned).
    pub signed_by: Option<String>,
}

/// The holder key that signs presentations of a credential.
#[derive(Clone)]
pub struct HolderKey {
    /// The holder's DID (the `holder` of W3C presentations).
    pub did: String,
    /// The DID URL of the key, authorized for `authentication`.
    pub verification_method: String,
    /// The key. For SD-JWT it must be the `cnf` key.
    pub signer: Arc<dyn Signer>,
}

impl std::fmt::Debug for HolderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderKey")
            .field("did", &self.did)
            .field("verification_method", &self.verification_method)
            .finish_non_exhaustive()
    }
}

/// A credential the wallet holds, as the caller passes it in.
#[derive(Debug, Clone)]
pub struct WalletCredential {
    /// The wallet's id (kith-wallet's record id).
    pub id: String,
    /// The credential as received: an SD-JWT, a `vc+jwt`, or a Data Integrity JSON VC.
    pub raw: String,
    /// The holder key for presentations, if the wallet has one for it.
    pub holder: Option<HolderKey>,
}

/// A credential decoded for matching and presenting.
enum Decoded {
    SdJwt(Box<Inspected>),
    JwtVc,
    Ldp,
    /// A `kith-zkp-2026` credential: presented as a derived proof that discloses the
    /// requested claims and proves the requested predicates (docs/zk-predicates.md).
    Zkp,
    /// A credential with a `bbs-2023` base proof: presented as a derived proof that
    /// reveals the issuer's mandatory claims and the requested ones, with fresh proof
    /// bytes each time, bound to the request by [`crate::vp::bbs_presentation_header`].
    Bbs(Box<Value>),
}

struct Analyzed {
    info: CredentialInfo,
    decoded: Decoded,
}

fn types_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

impl WalletCredential {
    fn analyze(&self) -> Result<Analyzed, Error> {
        let format = kith_vc::detect(&self.raw)?;
        let mut predicates = PredicateSupport::None;
        let (format, types, claims, holder_binding, decoded) = match format {
            VcFormat::SdJwt => {
                let inspected = kith_vc::sd_jwt::inspect(self.raw.trim())?;
                let claims = inspected.claims.clone();
                let cnf = claims
                    .get("cnf")
                    .and_then(|c| c.get("jwk"))
                    .and_then(|jwk| serde_json::from_value::<Jwk>(jwk.clone()).ok())
                    .and_then(|jwk| PublicKey::from_jwk(&jwk).ok());
                let binding = match (&cnf, &self.holder) {
                    (Some(cnf), Some(holder)) => holder.signer.public_key() == *cnf,
                    _ => false,
                };
                let types = types_of(claims.get("vct"));
                (
                    Format::SdJwtVc,
                    types,
                    claims,
                    binding,
                    Decoded::SdJwt(Box::new(inspected)),
                )
            }
            VcFormat::VcJwt => {
                let decoded = kith_vc::jose::decode_unverified(self.raw.trim())?;
                let payload = decoded.get("payload").cloned().unwrap_or(Value::Null);
                // VCDM 1.1 JWT-VC keeps the credential in `vc`.
                let claims = match payload.get("vc") {
                    Some(vc) if vc.is_object() => vc.clone(),
                    _ => payload,
                };
                let types = types_of(claims.get("type"));
                (
                    Format::JwtVcJson,
                    types,
                    claims,
                    self.holder.is_some(),
                    Decoded::JwtVc,
                )
            }
            VcFormat::DataIntegrity(suite) => {
                let secured = kith_vc::json::parse_str(self.raw.trim())?;
                let mut claims = secured.clone();
                if let Value::Object(members) = &mut claims {
                    members.remove("proof");
                }
                let types = types_of(claims.get("type"));
                if suite == kith_vc::di::BBS_2023.id {
                    // Only a base proof can be presented: the holder derives from it
                    // (vc-di-bbs §3.4). A derived proof kept in a wallet would be replayed.
                    let base = secured
                        .get("proof")
                        .and_then(|proof| proof.get("proofValue"))
                        .and_then(Value::as_str)
                        .and_then(|value| kith_vc::di::bbs_2023::inspect(value).ok())
                        .is_some_and(|inspected| inspected.is_ok());
                    if !base {
                        return Err(Error::ApiMisuse(format!(
                            "wallet credential {} has a bbs-2023 proof that is not a base proof",
                            self.id
                        )));
                    }
                    // No holder signature: a holder DID would link presentations. The
                    // derived proof is bound to the request by its presentation header.
                    (
                        Format::LdpVc,
                        types,
                        claims,
                        false,
                        Decoded::Bbs(Box::new(secured)),
                    )
                } else if suite == kith_vc::zkp::CRYPTOSUITE {
                    // No holder signature: a holder DID would link presentations
                    // (docs/zk-predicates.md §7); the proof is bound to nonce and domain.
                    predicates = PredicateSupport::Provable;
                    (Format::LdpVc, types, claims, false, Decoded::Zkp)
                } else {
                    (
                        Format::LdpVc,
                        types,
                        claims,
                        self.holder.is_some(),
                        Decoded::Ldp,
                    )
                }
            }
            VcFormat::VpJwt => {
                return Err(Error::ApiMisuse(format!(
                    "wallet credential {} is a presentation, not a credential",
                    self.id
                )));
            }
            _ => {
                return Err(Error::ApiMisuse(format!(
                    "wallet credential {} is in a format Kith cannot present",
                    self.id
                )));
            }
        };
        Ok(Analyzed {
            info: CredentialInfo {
                id: self.id.clone(),
                format,
                types,
                claims,
                holder_binding,
                predicates,
            },
            decoded,
        })
    }
}

/// One claim that would leave the wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedClaim {
    /// Where it sits in the credential the verifier will see (RFC 6901 pointer).
    pub path: String,
    /// Its value.
    pub value: Value,
    /// Whether it is revealed by a selective disclosure (as opposed to always visible).
    pub selectively_disclosed: bool,
}

/// One credential that would be presented.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentItem {
    /// The Credential Query it answers.
    pub query_id: String,
    /// The wallet's credential id.
    pub credential_id: String,
    /// The format (`dc+sd-jwt`, `jwt_vc_json`, `ldp_vc`).
    pub format: String,
    /// Every claim the verifier would receive, leaf by leaf.
    pub shared: Vec<SharedClaim>,
    /// The RFC 6901 pointers of the selectively disclosable claims released
    /// (SD-JWT and kith-zkp-2026).
    pub disclosed: Vec<String>,
    /// Statements proven in zero knowledge without disclosing their claims
    /// (`/credentialSubject/birthDate <= 2008-11-28`; kith-zkp-2026 only).
    pub proven: Vec<String>,
    /// Whether the presentation is signed by the holder key (holder binding).
    pub holder_bound: bool,
}

/// What the wallet would send, for the consent screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    /// The verifier's full Client Identifier.
    pub client_id: String,
    /// The verifier as a person should see it: its DID, or its Response URI's host.
    pub verifier: String,
    /// Where the response goes.
    pub response_uri: String,
    /// The credentials that would be presented and what each shares.
    pub items: Vec<ConsentItem>,
    nonce: String,
    plan: Vec<Planned>,
}

#[derive(Debug, Clone, PartialEq)]
struct Planned {
    query_id: String,
    credential_id: String,
    pointers: Vec<String>,
    predicates: Vec<kith_vc::zkp::Predicate>,
    holder_bound: bool,
}

/// What happened after [`VpWallet::submit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// `redirect_uri` from the Response URI, for the wallet to open.
    pub redirect_uri: Option<String>,
    /// The Credential Query ids and wallet credential ids presented.
    pub presented: Vec<(String, String)>,
}

/// The wallet side of OpenID4VP.
#[derive(Clone)]
pub struct VpWallet {
    http: Arc<dyn HttpClient>,
    resolver: Arc<dyn Resolver>,
    clock: Arc<dyn Clock>,
}

impl VpWallet {
    /// A wallet that fetches and posts through `http` and resolves verifier DIDs
    /// with `resolver`.
    pub fn new(http: Arc<dyn HttpClient>, resolver: Arc<dyn Resolver>) -> Self {
        Self {
            http,
            resolver,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same wallet with another clock (KB-JWT `iat`, Request Object `exp`).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Gets and checks the request a link names: fetches the Request Object
    /// (`request_uri`), or reads it (`request`), or reads the parameters (unsigned,
    /// `redirect_uri:` only).
    pub async fn resolve_request(
        &self,
        link: &AuthorizationLink,
    ) -> Result<VerifiedRequest, Error> {
        if let Some(uri) = &link.request_uri {
            let response = self.http.get(uri, MEDIA_TYPE_REQUEST_OBJECT).await?;
            // > If the Verifier responds with any HTTP error response, the Wallet MUST
            // > terminate the process. (§5.10.2)
            if response.status != 200 {
                return Err(Error::Http(format!(
                    "the request_uri answered HTTP {}: {}",
                    response.status,
                    String::from_utf8_lossy(&response.body[..response.body.len().min(300)])
                )));
            }
            let media_type = response
                .content_type
                .as_deref()
                .and_then(|t| t.split(';').next())
                .map(str::trim);
            if media_type.is_none_or(|t| !t.eq_ignore_ascii_case(MEDIA_TYPE_REQUEST_OBJECT)) {
                return Err(Error::InvalidRequestObject(format!(
                    "the request_uri answered with content type {:?}, not {MEDIA_TYPE_REQUEST_OBJECT}",
                    response.content_type
                )));
            }
            let text = String::from_utf8(response.body)
                .map_err(|_| Error::InvalidRequestObject("not UTF-8".into()))?;
            return self
                .verify_request_object(text.trim(), &link.client_id)
                .await;
        }
        if let Some(request) = &link.request {
            return self.verify_request_object(request, &link.client_id).await;
        }
        let client_id = ClientId::parse(&link.client_id)?;
        if !matches!(client_id, ClientId::RedirectUri(_)) {
            return Err(Error::InvalidRequest(
                "a decentralized_identifier request must be a signed Request Object".into(),
            ));
        }
        let mut claims = Map::new();
        claims.insert("client_id".into(), link.client_id.clone().into());
        for (name, value) in &link.params {
            claims.insert(name.clone(), Value::String(value.clone()));
        }
        let request = AuthorizationRequest::from_claims(&claims)?;
        Ok(VerifiedRequest {
            request,
            signed_by: None,
        })
    }

    /// Checks a Request Object (§5, §5.9.3, §5.10.1) and reads the request in it.
    pub async fn verify_request_object(
        &self,
        jws: &str,
        link_client_id: &str,
    ) -> Result<VerifiedRequest, Error> {
        if jws.len() > MAX_REQUEST_OBJECT_LEN {
            return Err(too_large(
                "the request object",
                jws.len(),
                MAX_REQUEST_OBJECT_LEN,
            ));
        }
        let parsed =
            CompactJws::parse(jws).map_err(|e| Error::InvalidRequestObject(e.to_string()))?;
        // > Wallets MUST NOT process Request Objects where the `typ` Header Parameter is
        // > not present or does not have the value `oauth-authz-req+jwt`. (§5)
        let typ = parsed.header().typ.as_deref().unwrap_or_default();
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        if !typ.eq_ignore_ascii_case(TYP_REQUEST_OBJECT) {
            return Err(Error::InvalidRequestObject(format!(
                "typ is {typ:?}, not {TYP_REQUEST_OBJECT}"
            )));
        }
        let Value::Object(claims) = kith_vc::json::parse(parsed.payload())
            .map_err(|e| Error::InvalidRequestObject(format!("payload: {e}")))?
        else {
            return Err(Error::InvalidRequestObject(
                "the payload is not a JSON object".into(),
            ));
        };
        // > The Client Identifier value in the `client_id` Authorization Request parameter
        // > and the Request Object `client_id` claim value MUST be identical, including
        // > the Client Identifier Prefix. (§5.10.1)
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if client_id != link_client_id {
            return Err(Error::InvalidRequestObject(format!(
                "the request object's client_id {client_id:?} is not the link's {link_client_id:?}"
            )));
        }
        let signed_by = match ClientId::parse(client_id)? {
            ClientId::Did(did) => {
                let kid = parsed.header().kid.as_deref().ok_or_else(|| {
                    Error::RequestSignature("the request object has no kid".into())
                })?;
                let key = self.client_key(&did, kid).await?;
                parsed
                    .verify(&key, &kith_vc::jose::ALLOWED_ALGORITHMS)
                    .map_err(|e| Error::RequestSignature(e.to_string()))?;
                Some(kid.to_owned())
            }
            ClientId::RedirectUri(_) => {
                return Err(Error::InvalidRequestObject(
                    "redirect_uri requests cannot be signed (§5.9.3); pass them by value".into(),
                ));
            }
        };
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
            && exp <= self.clock.now().unix_timestamp()
        {
            return Err(Error::InvalidRequestObject(
                "the request object has expired".into(),
            ));
        }
        let request = AuthorizationRequest::from_claims(&claims)?;
        Ok(VerifiedRequest { request, signed_by })
    }

    /// The verifier's key named by `kid`: a verification method of its DID
    /// (`authentication`, or else `assertionMethod`).
    async fn client_key(&self, did: &kith_did::Did, kid: &str) -> Result<PublicKey, Error> {
        let url = kith_did::DidUrl::parse(kid)
            .map_err(|e| Error::RequestSignature(format!("kid {kid:?} is not a DID URL: {e}")))?;
        if url.did() != did {
            return Err(Error::RequestSignature(format!(
                "kid {kid:?} is not a key of the client {did}"
            )));
        }
        let mut result = kith_vc::resolve_authorized_key(
            self.resolver.as_ref(),
            kid,
            Some(did.as_str()),
            Relationship::Authentication,
        )
        .await;
        if matches!(&result, Err(kith_vc::Error::KeyNotAuthorized { .. })) {
            result = kith_vc::resolve_authorized_key(
                self.resolver.as_ref(),
                kid,
                Some(did.as_str()),
                Relationship::AssertionMethod,
            )
            .await;
        }
        match result {
            Ok(key) => Ok(key.key),
            Err(e @ kith_vc::Error::UnknownIssuer { .. }) => Err(Error::UnknownClient(format!(
                "the verifier's DID {did} does not resolve: {e}"
            ))),
            Err(e) => Err(Error::RequestSignature(e.to_string())),
        }
    }

    /// Evaluates the request's DCQL query over `credentials` and describes what would
    /// be shared. `cannot_satisfy` (with what is missing) when the query cannot be
    /// answered; nothing is sent either way.
    pub fn prepare(
        &self,
        request: &VerifiedRequest,
        credentials: &[WalletCredential],
    ) -> Result<Consent, Error> {
        let query = &request.request.dcql_query;
        if query.credentials.iter().all(|c| !c.format.is_supported()) {
            return Err(Error::VpFormatsNotSupported(
                query
                    .credentials
                    .iter()
                    .map(|c| c.format.identifier().to_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        // A credential the wallet cannot decode is treated as absent.
        let analyzed: Vec<Analyzed> = credentials
            .iter()
            .filter_map(|c| c.analyze().ok())
            .collect();
        let infos: Vec<CredentialInfo> = analyzed.iter().map(|a| a.info.clone()).collect();
        let evaluation = dcql::evaluate(query, &infos);
        let selection = evaluation.selection.map_err(Error::CannotSatisfy)?;
        let mut items = Vec::new();
        let mut plan = Vec::new();
        for (query_id, matches) in &selection {
            let Some(cq) = query.credential(query_id) else {
                continue;
            };
            for m in matches {
                let Some(credential) = analyzed.iter().find(|a| a.info.id == m.credential_id)
                else {
                    continue;
                };
                let holder_bound =
                    cq.require_cryptographic_holder_binding || credential.info.holder_binding;
                let (item, pointers) =
                    consent_item(cq.format.identifier(), credential, m, holder_bound)?;
                plan.push(Planned {
                    query_id: query_id.clone(),
                    credential_id: m.credential_id.clone(),
                    pointers,
                    predicates: m.prove(),
                    holder_bound,
                });
                items.push(item);
            }
        }
        let verifier = match &request.request.client_id {
            ClientId::Did(did) => did.to_string(),
            ClientId::RedirectUri(uri) => uri.host_str().unwrap_or_default().to_owned(),
        };
        Ok(Consent {
            client_id: request.request.client_id.as_string(),
            verifier,
            response_uri: request.request.response_uri.to_string(),
            items,
            nonce: request.request.nonce.clone(),
            plan,
        })
    }

    /// Builds the presentations the user consented to and posts them to the Response
    /// URI. Each is bound to the request's `nonce` and the verifier's full Client
    /// Identifier: SD-JWT KB-JWT `nonce`/`aud` (B.3.6), `vp+jwt` `nonce`/`aud`
    /// (B.1.3.1), Data Integrity proof `challenge`/`domain` (B.1.3.2).
    pub async fn submit(
        &self,
        request: &VerifiedRequest,
        consent: &Consent,
        credentials: &[WalletCredential],
    ) -> Result<Submitted, Error> {
        let request = &request.request;
        if consent.nonce != request.nonce || consent.client_id != request.client_id.as_string() {
            return Err(Error::ApiMisuse(
                "the consent was prepared for another request".into(),
            ));
        }
        let challenge = Challenge {
            nonce: request.nonce.clone(),
            audience: request.client_id.as_string(),
        };
        let now = self.clock.now().unix_timestamp();
        let mut vp_token: Map<String, Value> = Map::new();
        let mut presented = Vec::new();
        for planned in &consent.plan {
            let credential = credentials
                .iter()
                .find(|c| c.id == planned.credential_id)
                .ok_or_else(|| {
                    Error::ApiMisuse(format!("credential {} is not given", planned.credential_id))
                })?;
            let presentation =
                present(credential, planned, &challenge, now, self.resolver.as_ref()).await?;
            let entry = vp_token
                .entry(planned.query_id.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(presentation);
            }
            presented.push((planned.query_id.clone(), planned.credential_id.clone()));
        }
        let form = match request.response_mode {
            ResponseMode::DirectPost => {
                let mut form = vec![("vp_token".to_owned(), Value::Object(vp_token).to_string())];
                if let Some(state) = &request.state {
                    form.push(("state".to_owned(), state.clone()));
                }
                form
            }
            ResponseMode::DirectPostJwt => {
                let mut payload = Map::new();
                payload.insert("vp_token".into(), Value::Object(vp_token));
                if let Some(state) = &request.state {
                    payload.insert("state".into(), state.clone().into());
                }
                let (key, enc) = encryption_key(request)?;
                let jwe = jwe::encrypt(Value::Object(payload).to_string().as_bytes(), key, &enc)?;
                vec![("response".to_owned(), jwe)]
            }
        };
        let reply = self.post(&request.response_uri, &form).await?;
        let redirect_uri = reply
            .get("redirect_uri")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Submitted {
            redirect_uri,
            presented,
        })
    }

    /// Tells the verifier the user declined (`error=access_denied`, §8.5).
    pub async fn decline(&self, request: &VerifiedRequest) -> Result<(), Error> {
        let request = &request.request;
        let mut form = vec![
            ("error".to_owned(), "access_denied".to_owned()),
            (
                "error_description".to_owned(),
                "the End-User did not consent".to_owned(),
            ),
        ];
        if let Some(state) = &request.state {
            form.push(("state".to_owned(), state.clone()));
        }
        self.post(&request.response_uri, &form).await.map(|_| ())
    }

    async fn post(&self, uri: &Url, form: &[(String, String)]) -> Result<Value, Error> {
        let response = self.http.post_form(uri, form).await?;
        let body = kith_vc::json::parse(&response.body).unwrap_or(Value::Null);
        if response.status != 200 {
            let text = |name: &str| {
                body.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            return Err(Error::VerifierRejected {
                status: response.status,
                error: text("error"),
                description: text("error_description"),
            });
        }
        Ok(body)
    }
}

/// The verifier's encryption key and `enc` for `direct_post.jwt` (§8.3): a JWK for
/// encryption (`use` absent or `enc`) with `alg` `ECDH-ES` on P-256, and the first
/// of the verifier's `enc` values Kith implements (default `A128GCM`).
fn encryption_key(request: &AuthorizationRequest) -> Result<(&Jwk, String), Error> {
    let metadata = request
        .client_metadata
        .as_ref()
        .ok_or_else(|| Error::Encryption("no client_metadata".into()))?;
    let key = metadata
        .jwks
        .iter()
        .find(|k| {
            k.use_.as_deref().is_none_or(|u| u == "enc")
                && k.alg.as_deref() == Some(JWE_ALG)
                && k.key_type().ok() == Some(KeyType::P256)
        })
        .ok_or_else(|| {
            Error::Encryption("client_metadata.jwks has no P-256 ECDH-ES encryption key".into())
        })?;
    let enc = match &metadata.encrypted_response_enc_values_supported {
        None => DEFAULT_ENC.to_owned(),
        Some(values) => values
            .iter()
            .find(|v| SUPPORTED_ENC.contains(&v.as_str()))
            .cloned()
            .ok_or_else(|| {
                Error::Encryption(format!(
                    "none of the verifier's enc values ({}) is supported",
                    values.join(", ")
                ))
            })?,
    };
    Ok((key, enc))
}

/// The claims the verifier will see, leaf by leaf: `value` without the claims at
/// `removed` (pointers into `value` as it is), with paths as they will be (array
/// elements after a removed one move down), each flagged when it sits at or under a
/// disclosure in `kept`.
fn shared_leaves(
    value: &Value,
    full: &Pointer,
    view: &Pointer,
    removed: &BTreeSet<Pointer>,
    kept: &[Pointer],
    out: &mut Vec<SharedClaim>,
) {
    let mut emitted = false;
    match value {
        Value::Object(members) => {
            for (name, child) in members {
                let full_child = full.child(name.as_str());
                if removed.contains(&full_child) {
                    continue;
                }
                shared_leaves(
                    child,
                    &full_child,
                    &view.child(name.as_str()),
                    removed,
                    kept,
                    out,
                );
                emitted = true;
            }
        }
        Value::Array(items) => {
            let mut index = 0usize;
            for (i, child) in items.iter().enumerate() {
                let full_child = full.child(i.to_string());
                if removed.contains(&full_child) {
                    continue;
                }
                shared_leaves(
                    child,
                    &full_child,
                    &view.child(index.to_string()),
                    removed,
                    kept,
                    out,
                );
                index += 1;
                emitted = true;
            }
        }
        _ => {}
    }
    if !emitted {
        let leaf = match value {
            Value::Object(_) => Value::Object(Map::new()),
            Value::Array(_) => Value::Array(Vec::new()),
            other => other.clone(),
        };
        out.push(SharedClaim {
            path: view.to_string(),
            value: leaf,
            selectively_disclosed: kept.iter().any(|k| full.starts_with(k)),
        });
    }
}

fn pointer_of(path: &ClaimPath) -> Result<Pointer, Error> {
    let text = path
        .to_json_pointer()
        .ok_or_else(|| Error::ApiMisuse("a selected claim path has a wildcard".into()))?;
    Ok(Pointer::parse(&text)?)
}

/// The consent item of one match, and the pointers to disclose.
fn consent_item(
    format: &str,
    credential: &Analyzed,
    m: &CredentialMatch,
    holder_bound: bool,
) -> Result<(ConsentItem, Vec<String>), Error> {
    let requested: Vec<Pointer> = m
        .disclose()
        .iter()
        .map(pointer_of)
        .collect::<Result<_, _>>()?;
    let pointers: Vec<String> = requested.iter().map(ToString::to_string).collect();
    let (shared, disclosed) = match &credential.decoded {
        Decoded::SdJwt(inspected) => {
            // Exactly the disclosures `sd_jwt::present` will keep: those of the
            // requested claims, their ancestors and what is inside them.
            let mut kept = Vec::new();
            let mut removed = BTreeSet::new();
            for claim in &inspected.disclosable {
                let placed = Pointer::parse(&claim.pointer)?;
                if requested
                    .iter()
                    .any(|r| r.starts_with(&placed) || placed.starts_with(r))
                {
                    kept.push(placed);
                } else {
                    removed.insert(placed);
                }
            }
            let mut shared = Vec::new();
            let root = Pointer::root();
            shared_leaves(
                &inspected.claims,
                &root,
                &root,
                &removed,
                &kept,
                &mut shared,
            );
            (shared, kept.iter().map(ToString::to_string).collect())
        }
        Decoded::Zkp => {
            // What `zkp::present` sends: everything but `credentialSubject`, and of
            // that only the requested claims (their names and kinds travel in the
            // proof, their values do not).
            let mut view = credential.info.claims.clone();
            let mut subject = Map::new();
            for (pointer, value) in zkp_reveal(&credential.info.claims, &pointers)? {
                kith_vc::zkp::encoding::insert(&mut subject, &pointer, value)
                    .map_err(|e| Error::ApiMisuse(e.to_string()))?;
            }
            if let Value::Object(members) = &mut view {
                members.insert("credentialSubject".into(), Value::Object(subject));
            }
            (every_leaf(&view, &requested), pointers.clone())
        }
        Decoded::Bbs(secured) => {
            // Exactly what `present` sends: a derivation revealing the same pointers
            // (the proof bytes differ, the revealed document does not).
            let mut revealed = kith_vc::di::bbs_2023::derive_proof(secured, &pointers, &[])?;
            if let Value::Object(members) = &mut revealed {
                members.remove("proof");
            }
            (every_leaf(&revealed, &requested), pointers.clone())
        }
        Decoded::JwtVc | Decoded::Ldp => {
            // No selective disclosure: the whole credential leaves.
            (every_leaf(&credential.info.claims, &[]), Vec::new())
        }
    };
    Ok((
        ConsentItem {
            query_id: m.query_id.clone(),
            credential_id: m.credential_id.clone(),
            format: format.to_owned(),
            shared,
            disclosed,
            proven: m.prove().iter().map(ToString::to_string).collect(),
            holder_bound,
        },
        pointers,
    ))
}

/// Every leaf of `view`, all of which leave the wallet; those at or under `selected`
/// are marked selectively disclosed.
fn every_leaf(view: &Value, selected: &[Pointer]) -> Vec<SharedClaim> {
    let mut shared = Vec::new();
    let root = Pointer::root();
    shared_leaves(view, &root, &root, &BTreeSet::new(), selected, &mut shared);
    shared
}

/// The `credentialSubject` claims (leaf pointers and values) of a kith-zkp-2026
/// `credential` that disclosing `requested` reveals: each requested claim and every
/// claim under a requested object. Requested members outside `credentialSubject`
/// (issuer, types, validity) are always disclosed and need no entry.
fn zkp_reveal(credential: &Value, requested: &[String]) -> Result<Vec<(String, Value)>, Error> {
    let subject = credential
        .get("credentialSubject")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::ApiMisuse("the credential has no credentialSubject object".into()))?;
    let claims =
        kith_vc::zkp::encoding::claims(subject).map_err(|e| Error::ApiMisuse(e.to_string()))?;
    Ok(claims
        .into_iter()
        .filter(|claim| {
            requested.iter().any(|r| {
                claim.pointer == *r
                    || claim
                        .pointer
                        .strip_prefix(r.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        })
        .map(|claim| (claim.pointer, claim.value))
        .collect())
}

/// The Data Integrity cryptosuite for a holder key.
fn suite_for(key_type: KeyType) -> Result<&'static str, Error> {
    match key_type {
        KeyType::Ed25519 => Ok("eddsa-jcs-2022"),
        KeyType::P256 | KeyType::P384 => Ok("ecdsa-jcs-2019"),
        other => Err(Error::ApiMisuse(format!(
            "no Data Integrity cryptosuite for a {other} holder key"
        ))),
    }
}

/// Builds one presentation.
async fn present(
    credential: &WalletCredential,
    planned: &Planned,
    challenge: &Challenge,
    now: i64,
    resolver: &dyn Resolver,
) -> Result<Value, Error> {
    let raw = credential.raw.trim();
    if !planned.predicates.is_empty() || kith_vc::zkp::is_zkp_credential(raw) {
        // B.1.3.2: the Data Integrity proof's `challenge` is the nonce, its `domain`
        // the Client Identifier.
        let document = kith_vc::json::parse_str(raw)?;
        let options = kith_vc::zkp::PresentOptions {
            reveal: zkp_reveal(&document, &planned.pointers)?
                .into_iter()
                .map(|(pointer, _)| pointer)
                .collect(),
            predicates: planned.predicates.clone(),
            challenge: challenge.nonce.clone(),
            domain: challenge.audience.clone(),
        };
        return Ok(kith_vc::zkp::present_resolving(&document, resolver, &options).await?);
    }
    if let Ok(VcFormat::DataIntegrity(suite)) = kith_vc::detect(raw)
        && suite == kith_vc::di::BBS_2023.id
    {
        let secured = kith_vc::json::parse_str(raw)?;
        let header = crate::vp::bbs_presentation_header(challenge);
        return Ok(kith_vc::di::bbs_2023::derive_proof(
            &secured,
            &planned.pointers,
            &header,
        )?);
    }
    let holder = match (&credential.holder, planned.holder_bound) {
        (Some(holder), true) => Some(holder),
        (None, true) => {
            return Err(Error::ApiMisuse(format!(
                "credential {} needs a holder key for holder binding",
                credential.id
            )));
        }
        (_, false) => None,
    };
    match kith_vc::detect(raw)? {
        VcFormat::SdJwt => {
            let binding = holder.map(|h| (h.signer.as_ref(), challenge, now));
            let presentation = kith_vc::sd_jwt::present(raw, &planned.pointers, binding).await?;
            Ok(Value::String(presentation))
        }
        VcFormat::VcJwt => match holder {
            Some(h) => Ok(Value::String(
                kith_vc::jose::create_vp_jwt(
                    vec![raw.to_owned()],
                    &h.did,
                    h.signer.as_ref(),
                    &h.verification_method,
                    challenge,
                )
                .await?,
            )),
            None => Ok(Value::String(raw.to_owned())),
        },
        VcFormat::DataIntegrity(_) => {
            let document = kith_vc::json::parse_str(raw)?;
            match holder {
                Some(h) => Ok(kith_vc::di::create_presentation(
                    vec![document],
                    &h.did,
                    h.signer.as_ref(),
                    &h.verification_method,
                    challenge,
                    suite_for(h.signer.public_key().key_type())?,
                )
                .await?),
                None => Ok(document),
            }
        }
        _ => Err(Error::ApiMisuse(format!(
            "credential {} cannot be presented",
            credential.id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        let link = parse_link(
            "openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3Az6Mk&request_uri=https%3A%2F%2Fv.example%2Fr%2F1",
        )
        .unwrap();
        assert_eq!(link.client_id, "decentralized_identifier:did:key:z6Mk");
        assert_eq!(
            link.request_uri.as_ref().unwrap().as_str(),
            "https://v.example/r/1"
        );
        assert_eq!(parse_link(&link.to_link()).unwrap(), link);
        for (bad, code) in [
            ("https://v.example/?client_id=x", "invalid_link"),
            ("openid4vp://?request_uri=https%3A%2F%2Fv", "invalid_link"),
            ("openid4vp://?client_id=a&client_id=b", "invalid_link"),
            (
                "openid4vp://?client_id=a&request_uri=ftp%3A%2F%2Fx",
                "invalid_link",
            ),
            (
                "openid4vp://?client_id=a&request_uri=https%3A%2F%2Fx&request_uri_method=put",
                "invalid_link",
            ),
            (
                "openid4vp://?client_id=a&request=x&request_uri=https%3A%2F%2Fx",
                "invalid_link",
            ),
        ] {
            assert_eq!(parse_link(bad).unwrap_err().code(), code, "{bad}");
        }
        let long = format!("openid4vp://?client_id={}", "a".repeat(MAX_LINK_LEN));
        assert_eq!(parse_link(&long).unwrap_err().code(), "too_large");
    }

    #[test]
    fn shared_leaves_follow_removals() {
        let value = serde_json::json!({"a": 1, "b": {"c": [1, 2, 3]}, "d": {}, "e": {"f": 1}});
        let removed: BTreeSet<Pointer> = ["/b/c/1", "/a", "/e/f"]
            .iter()
            .map(|p| Pointer::parse(p).unwrap())
            .collect();
        let kept = [Pointer::parse("/b/c/2").unwrap()];
        let mut out = Vec::new();
        let root = Pointer::root();
        shared_leaves(&value, &root, &root, &removed, &kept, &mut out);
        let got: Vec<(String, Value, bool)> = out
            .into_iter()
            .map(|c| (c.path, c.value, c.selectively_disclosed))
            .collect();
        assert_eq!(
            got,
            [
                ("/b/c/0".to_owned(), serde_json::json!(1), false),
                ("/b/c/1".to_owned(), serde_json::json!(3), true),
                ("/d".to_owned(), serde_json::json!({}), false),
                ("/e".to_owned(), serde_json::json!({}), false),
            ]
        );
    }
}
