//! The issuer side: a [`CredentialIssuer`] answers each OpenID4VCI 1.0 endpoint with one
//! function, and kith-server maps routes onto them:
//!
//! | endpoint | function | spec |
//! |---|---|---|
//! | `GET /.well-known/openid-credential-issuer` | [`CredentialIssuer::metadata`] | §12.2 |
//! | `GET /.well-known/oauth-authorization-server` | [`CredentialIssuer::authorization_server_metadata`] | RFC 8414, §12.3 |
//! | (issuer back office) | [`CredentialIssuer::create_offer`] | §4.1 |
//! | `GET <credential_offer_uri>` | [`CredentialIssuer::credential_offer`] | §4.1.3 |
//! | `POST /token` | [`CredentialIssuer::token`] | §6, RFC 6749 §4.1.3 / §5 |
//! | `POST /nonce` | [`CredentialIssuer::nonce`] | §7 |
//! | `POST /credential` | [`CredentialIssuer::credential`] | §8 |
//!
//! Every answer of the token, nonce and credential endpoints carries
//! `Cache-Control: no-store` (§6.2, §7.2, §8.3). Errors map with [`Error::http_status`],
//! [`Error::to_json`] and [`Error::www_authenticate`].
//!
//! Two seams are the caller's: [`IssuingSeam`] signs (the issuer's DID, key and
//! [`Signer`]) and allocates `credentialStatus` entries; [`VciStateStore`] keeps the
//! one-time state. Templates carry the claims decided before the offer (the
//! Pre-Authorized Code Flow, §3.5): the credential request only adds the holder key.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use kith_crypto::Signer;
use kith_crypto::multibase::base64url_encode;
use kith_did::Resolver;
use kith_vc::datetime::{Clock, SystemClock, format_date_time};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use url::Url;

use super::Error;
use super::metadata::{
    AuthorizationServerMetadata, BatchCredentialIssuance, CredentialConfiguration,
    CredentialFormat, IssuerDisplay, IssuerMetadata, PRE_AUTHORIZED_CODE_GRANT, PROOF_TYPE_JWT,
    check_url,
};
use super::offer::{
    CredentialOffer, Grants, InputMode, MAX_TX_CODE_DESCRIPTION_CHARS, MAX_TX_CODE_LEN,
    PreAuthorizedCodeGrant, TxCode, is_pre_authorized_grant, offer_uri_link,
};
use super::proof::{ProofExpectations, ProvenKey, UnverifiedProof};
use super::state::{RecordKind, VciStateStore};

/// Largest token request body (form-encoded) accepted.
pub const MAX_TOKEN_REQUEST_LEN: usize = 8 * 1024;
/// Largest credential request body accepted.
pub const MAX_CREDENTIAL_REQUEST_LEN: usize = 64 * 1024;
/// Longest access token, pre-authorized code, offer id or transaction code accepted.
pub const MAX_SECRET_LEN: usize = 512;
/// Largest claim set of one credential template, serialized.
pub const MAX_TEMPLATE_LEN: usize = 256 * 1024;

/// The issuer's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerEndpoints {
    /// The Credential Endpoint (§8).
    pub credential: Url,
    /// The Nonce Endpoint (§7).
    pub nonce: Url,
    /// The Token Endpoint (§6).
    pub token: Url,
    /// Where offers are served by reference: the offer id is appended as a path segment.
    pub credential_offer: Url,
}

impl IssuerEndpoints {
    /// `/credential`, `/nonce`, `/token` and `/credential-offer/<id>` under the issuer identifier.
    pub fn under(identifier: &Url) -> Result<Self, Error> {
        let base = identifier.as_str().trim_end_matches('/');
        let join = |path: &str| {
            Url::parse(&format!("{base}{path}"))
                .map_err(|e| Error::Configuration(format!("endpoint {path}: {e}")))
        };
        Ok(Self {
            credential: join("/credential")?,
            nonce: join("/nonce")?,
            token: join("/token")?,
            credential_offer: join("/credential-offer")?,
        })
    }
}

/// How an issuer behaves.
#[derive(Debug, Clone)]
pub struct IssuerSettings {
    /// The Credential Issuer Identifier (`https`, or `http` on loopback; §12.2.1).
    pub credential_issuer: Url,
    /// The endpoints ([`IssuerEndpoints::under`] the identifier by default).
    pub endpoints: IssuerEndpoints,
    /// The issuer's `display`.
    pub display: Vec<IssuerDisplay>,
    /// `credential_configurations_supported`.
    pub configurations: BTreeMap<String, CredentialConfiguration>,
    /// How long an offer and its pre-authorized code live (default 10 min).
    pub pre_authorized_code_ttl: Duration,
    /// How long an access token lives (default 5 min).
    pub access_token_ttl: Duration,
    /// How long a `c_nonce` lives (default 5 min).
    pub c_nonce_ttl: Duration,
    /// Transaction code attempts per pre-authorized code, right or wrong; past them the
    /// code is dead (§13.6.3; default 5).
    pub max_tx_code_attempts: u32,
    /// How old a key proof's `iat` may be (default 5 min).
    pub proof_max_age: Duration,
    /// How far in the future a key proof's `iat` may be (default 60 s).
    pub proof_max_clock_skew: Duration,
    /// How long issued credentials are valid (`exp` / `validUntil`); `None`: no end.
    pub credential_validity: Option<Duration>,
    /// Most key proofs in one credential request (1: no batch issuance; §12.2.4).
    pub batch_size: usize,
}

impl IssuerSettings {
    /// Settings with the defaults above, the endpoints under `credential_issuer`, and
    /// no credential configurations yet.
    pub fn new(credential_issuer: Url) -> Result<Self, Error> {
        let endpoints = IssuerEndpoints::under(&credential_issuer)?;
        Ok(Self {
            credential_issuer,
            endpoints,
            display: Vec::new(),
            configurations: BTreeMap::new(),
            pre_authorized_code_ttl: Duration::minutes(10),
            access_token_ttl: Duration::minutes(5),
            c_nonce_ttl: Duration::minutes(5),
            max_tx_code_attempts: 5,
            proof_max_age: Duration::minutes(5),
            proof_max_clock_skew: Duration::seconds(60),
            credential_validity: None,
            batch_size: 1,
        })
    }

    /// Adds a credential configuration.
    pub fn with_configuration(mut self, id: &str, configuration: CredentialConfiguration) -> Self {
        self.configurations.insert(id.to_owned(), configuration);
        self
    }

    /// The identifier as it appears in metadata, offers and proof audiences: the URL
    /// without a trailing slash on an empty path (§12.2.1 compares it as a string).
    pub fn identifier(&self) -> String {
        identifier_string(&self.credential_issuer)
    }
}

fn identifier_string(url: &Url) -> String {
    let text = url.as_str();
    if url.path() == "/" {
        text.trim_end_matches('/').to_owned()
    } else {
        text.to_owned()
    }
}

/// The issuer's signing identity at the time of one issuance.
#[derive(Clone)]
pub struct IssuerKey {
    /// The issuer's DID (`iss` / `issuer` of every credential).
    pub did: String,
    /// The verification method (DID URL) the signature is made with.
    pub kid: String,
    /// The signer of that method.
    pub signer: Arc<dyn Signer>,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("did", &self.did)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// What the status hook is asked to allocate for.
#[derive(Debug, Clone, Copy)]
pub struct StatusRequest<'a> {
    /// The new credential's id (`id` of a VCDM credential, `jti` of an SD-JWT VC).
    pub credential_id: &'a str,
    /// The credential configuration it is issued under.
    pub configuration_id: &'a str,
    /// Its format: a VCDM credential takes `credentialStatus` entries, an SD-JWT VC a
    /// `status` object.
    pub format: CredentialFormat,
}

/// The issuer's `kith-zkp-2026` key (BLS12-381, public key in G2) at the time of one
/// issuance: for configurations whose cryptosuite is `kith-zkp-2026`.
#[derive(Clone)]
pub struct ZkpIssuerKey {
    /// The issuer's DID.
    pub did: String,
    /// The verification method (DID URL) of the key, listed under `assertionMethod`.
    pub kid: String,
    /// The secret key.
    pub key: Arc<kith_vc::zkp::IssuerSecretKey>,
}

impl std::fmt::Debug for ZkpIssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZkpIssuerKey")
            .field("did", &self.did)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The issuing seam: the caller's key and status lists.
///
/// kith-server implements it over its `Issuer`: `issuer_key` returns the active key set
/// (DID, `kid`, `LocalSigner`), and `credential_status` records the issuance (audit,
/// batcher) and returns the Bitstring Status List entries it allocated.
#[async_trait]
pub trait IssuingSeam: Send + Sync {
    /// The key to sign the next credential with (read per issuance, so rotations apply).
    async fn issuer_key(&self) -> Result<IssuerKey, Error>;

    /// Status entries for a credential about to be issued: for VCDM formats the
    /// `credentialStatus` value (an entry or an array of entries), for SD-JWT VC the
    /// `status` object; `None` for none. The default allocates nothing.
    async fn credential_status(&self, request: &StatusRequest<'_>) -> Result<Option<Value>, Error> {
        let _ = request;
        Ok(None)
    }

    /// The key for `kith-zkp-2026` credentials, if the issuer has one. The default
    /// has none, and such configurations cannot be issued.
    async fn zkp_issuer_key(&self) -> Result<Option<ZkpIssuerKey>, Error> {
        Ok(None)
    }
}

/// An [`IssuingSeam`] with one fixed key and no status lists (tests, demos).
#[derive(Debug, Clone)]
pub struct StaticIssuerKey(pub IssuerKey);

#[async_trait]
impl IssuingSeam for StaticIssuerKey {
    async fn issuer_key(&self) -> Result<IssuerKey, Error> {
        Ok(self.0.clone())
    }
}

/// The claims of one credential to be issued under an offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialTemplate {
    /// The credential configuration.
    pub configuration_id: String,
    /// For `dc+sd-jwt`, the SD-JWT VC claims (`given_name`, `address`, ...); for the
    /// VCDM formats, the `credentialSubject` claims (its `id` is the holder's DID).
    pub claims: Map<String, Value>,
    /// For `dc+sd-jwt`: RFC 6901 pointers of the selectively disclosable claims;
    /// `None` makes every top-level claim disclosable except those that decide validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosable: Option<Vec<String>>,
}

impl CredentialTemplate {
    /// A template for `configuration_id` with `claims` (a JSON object).
    pub fn new(configuration_id: &str, claims: Value) -> Self {
        Self {
            configuration_id: configuration_id.to_owned(),
            claims: match claims {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            disclosable: None,
        }
    }
}

/// The transaction code an offer requires (§4.1.1 `tx_code`, §13.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxCodeRequest {
    /// Digits or any characters.
    pub input_mode: InputMode,
    /// Its length (generated codes have it; a given `value` must have it).
    pub length: u32,
    /// Where the End-User finds it (at most 300 characters).
    pub description: Option<String>,
    /// The code; `None` generates a random one (returned in [`CreatedOffer::tx_code`]).
    pub value: Option<String>,
}

impl TxCodeRequest {
    /// A random numeric code of `length` digits.
    pub fn numeric(length: u32) -> Self {
        Self {
            input_mode: InputMode::Numeric,
            length,
            description: None,
            value: None,
        }
    }
}

/// An offer to create (§4.1).
#[derive(Debug, Clone, PartialEq)]
pub struct OfferRequest {
    /// The credentials offered, one per configuration.
    pub credentials: Vec<CredentialTemplate>,
    /// A transaction code to require at the Token Endpoint.
    pub tx_code: Option<TxCodeRequest>,
    /// Serve the offer by reference (`credential_offer_uri`, fetched once) rather than
    /// in the link itself.
    pub by_reference: bool,
}

/// A created offer.
#[derive(Debug, Clone)]
pub struct CreatedOffer {
    /// The offer object.
    pub offer: CredentialOffer,
    /// The link to show as a QR code or deep link.
    pub link: String,
    /// The `credential_offer_uri`, for an offer by reference.
    pub offer_uri: Option<Url>,
    /// The transaction code, to send the End-User over another channel.
    pub tx_code: Option<String>,
    /// When the pre-authorized code expires.
    pub expires_at: OffsetDateTime,
}

/// The Token Response (RFC 6749 §5.1; §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// `access_token`.
    pub access_token: String,
    /// `token_type`: `Bearer`.
    pub token_type: String,
    /// `expires_in` seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

/// The Nonce Response (§7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    /// `c_nonce`.
    pub c_nonce: String,
}

/// One issued credential in a Credential Response (§8.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredential {
    /// `credential`: a string (SD-JWT VC, JWT) or an object (`ldp_vc`).
    pub credential: Value,
}

/// The Credential Response (§8.3), immediate issuance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialResponse {
    /// `credentials`: one per key proof.
    pub credentials: Vec<IssuedCredential>,
    /// `notification_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<String>,
}

/// What a pre-authorized code or access token grants.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Grant {
    templates: Vec<CredentialTemplate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tx_code_sha256: Option<String>,
}

/// An OpenID4VCI 1.0 Credential Issuer that is also its own authorization server for
/// the Pre-Authorized Code grant.
pub struct CredentialIssuer {
    settings: IssuerSettings,
    identifier: String,
    metadata: IssuerMetadata,
    authorization_server_metadata: AuthorizationServerMetadata,
    seam: Arc<dyn IssuingSeam>,
    store: Arc<dyn VciStateStore>,
    resolver: Arc<dyn Resolver>,
    clock: Arc<dyn Clock>,
}

impl CredentialIssuer {
    /// An issuer with these settings. `resolver` resolves the DIDs wallets name their
    /// keys with (did:key and did:jwk at least).
    pub fn new(
        settings: IssuerSettings,
        seam: Arc<dyn IssuingSeam>,
        store: Arc<dyn VciStateStore>,
        resolver: Arc<dyn Resolver>,
    ) -> Result<Self, Error> {
        check_url(
            settings.credential_issuer.as_str(),
            "credential_issuer",
            true,
        )
        .map_err(Error::Configuration)?;
        for (what, url) in [
            ("credential endpoint", &settings.endpoints.credential),
            ("nonce endpoint", &settings.endpoints.nonce),
            ("token endpoint", &settings.endpoints.token),
            (
                "credential offer endpoint",
                &settings.endpoints.credential_offer,
            ),
        ] {
            check_url(url.as_str(), what, false).map_err(Error::Configuration)?;
        }
        if settings.configurations.is_empty() {
            return Err(Error::Configuration(
                "an issuer needs at least one credential configuration".into(),
            ));
        }
        for (id, configuration) in &settings.configurations {
            configuration.check_issuable(id)?;
        }
        if settings.batch_size == 0 || settings.max_tx_code_attempts == 0 {
            return Err(Error::Configuration(
                "batch_size and max_tx_code_attempts must be at least 1".into(),
            ));
        }
        let identifier = settings.identifier();
        let metadata = IssuerMetadata {
            credential_issuer: identifier.clone(),
            authorization_servers: Vec::new(),
            credential_endpoint: settings.endpoints.credential.to_string(),
            nonce_endpoint: Some(settings.endpoints.nonce.to_string()),
            batch_credential_issuance: (settings.batch_size > 1).then_some(
                BatchCredentialIssuance {
                    batch_size: settings.batch_size,
                },
            ),
            display: settings.display.clone(),
            credential_configurations_supported: settings.configurations.clone(),
        };
        let authorization_server_metadata = AuthorizationServerMetadata {
            issuer: identifier.clone(),
            token_endpoint: settings.endpoints.token.to_string(),
            grant_types_supported: vec![PRE_AUTHORIZED_CODE_GRANT.to_owned()],
            token_endpoint_auth_methods_supported: vec!["none".to_owned()],
            pre_authorized_grant_anonymous_access_supported: true,
        };
        Ok(Self {
            settings,
            identifier,
            metadata,
            authorization_server_metadata,
            seam,
            store,
            resolver,
            clock: Arc::new(SystemClock),
        })
    }

    /// Uses `clock` for every expiry and proof time (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The settings.
    pub fn settings(&self) -> &IssuerSettings {
        &self.settings
    }

    /// The Credential Issuer Identifier as published.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Credential Issuer Metadata (§12.2), served as `application/json`.
    pub fn metadata(&self) -> &IssuerMetadata {
        &self.metadata
    }

    /// Authorization Server Metadata (RFC 8414 §2, §12.3), served as `application/json`.
    pub fn authorization_server_metadata(&self) -> &AuthorizationServerMetadata {
        &self.authorization_server_metadata
    }

    /// Creates an offer with a fresh pre-authorized code (§4.1, §3.5).
    ///
    /// The templates are checked against the configurations now, so a request cannot
    /// fail later for the issuer's own mistake. The transaction code, if any, is kept
    /// only as a SHA-256 digest and returned once in [`CreatedOffer::tx_code`].
    pub async fn create_offer(&self, request: OfferRequest) -> Result<CreatedOffer, Error> {
        let now = self.clock.now();
        if request.credentials.is_empty() {
            return Err(Error::Configuration(
                "an offer needs at least one credential".into(),
            ));
        }
        let mut ids = Vec::new();
        for template in &request.credentials {
            let id = &template.configuration_id;
            if !self.settings.configurations.contains_key(id) {
                return Err(Error::UnknownCredentialConfiguration(id.clone()));
            }
            if ids.contains(id) {
                return Err(Error::Configuration(format!(
                    "configuration {id:?} appears twice in one offer"
                )));
            }
            let size = serde_json::to_vec(&template.claims).map_or(0, |v| v.len());
            if size > MAX_TEMPLATE_LEN {
                return Err(Error::too_large(
                    "credential template",
                    size,
                    MAX_TEMPLATE_LEN,
                ));
            }
            ids.push(id.clone());
        }
        let (tx_code, tx_code_offer) = match &request.tx_code {
            None => (None, None),
            Some(spec) => {
                let code = match &spec.value {
                    Some(value) => value.clone(),
                    None => random_tx_code(spec.input_mode, spec.length)?,
                };
                check_tx_code_spec(spec, &code)?;
                let offer = TxCode {
                    input_mode: Some(spec.input_mode),
                    length: Some(spec.length),
                    description: spec.description.clone(),
                };
                (Some(code), Some(offer))
            }
        };
        let code = random_secret()?;
        let expires_at = now + self.settings.pre_authorized_code_ttl;
        let grant = Grant {
            templates: request.credentials.clone(),
            tx_code_sha256: tx_code.as_deref().map(secret_key),
        };
        self.store
            .put(
                RecordKind::PreAuthorizedCode,
                &secret_key(&code),
                to_value(&grant)?,
                expires_at,
                now,
            )
            .await?;
        let offer = CredentialOffer {
            credential_issuer: self.identifier.clone(),
            credential_configuration_ids: ids,
            grants: Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: code,
                    tx_code: tx_code_offer,
                    authorization_server: None,
                }),
                authorization_code: None,
            },
        };
        let (link, offer_uri) = if request.by_reference {
            let id = random_secret()?;
            let mut uri = self.settings.endpoints.credential_offer.clone();
            uri.path_segments_mut()
                .map_err(|()| Error::Configuration("the offer endpoint cannot take a path".into()))?
                .pop_if_empty()
                .push(&id);
            self.store
                .put(
                    RecordKind::Offer,
                    &secret_key(&id),
                    to_value(&offer)?,
                    expires_at,
                    now,
                )
                .await?;
            (offer_uri_link(&uri), Some(uri))
        } else {
            (offer.to_link(), None)
        };
        Ok(CreatedOffer {
            offer,
            link,
            offer_uri,
            tx_code,
            expires_at,
        })
    }

    /// The offer behind a `credential_offer_uri` (§4.1.3), given the last path segment.
    /// Served once: a second fetch is `unknown_credential_offer` (404).
    pub async fn credential_offer(&self, offer_id: &str) -> Result<CredentialOffer, Error> {
        if offer_id.len() > MAX_SECRET_LEN {
            return Err(Error::too_large("offer id", offer_id.len(), MAX_SECRET_LEN));
        }
        let value = self
            .store
            .take(RecordKind::Offer, &secret_key(offer_id), self.clock.now())
            .await?
            .ok_or_else(|| Error::UnknownCredentialOffer(abbreviate(offer_id)))?;
        serde_json::from_value(value)
            .map_err(|e| Error::Unavailable(format!("a stored offer: {e}")))
    }

    /// The Token Endpoint (§6) for the Pre-Authorized Code grant: `body` is the
    /// `application/x-www-form-urlencoded` request body.
    ///
    /// Every transaction code attempt, right or wrong, counts; once
    /// `max_tx_code_attempts` are spent the code is dead (§13.6.3). The code is
    /// redeemed with an atomic take, so of concurrent redemptions exactly one gets a
    /// token.
    pub async fn token(&self, body: &[u8]) -> Result<TokenResponse, Error> {
        if body.len() > MAX_TOKEN_REQUEST_LEN {
            return Err(Error::too_large(
                "token request",
                body.len(),
                MAX_TOKEN_REQUEST_LEN,
            ));
        }
        let form = parse_form(body)?;
        let grant_type = form
            .get("grant_type")
            .ok_or_else(|| Error::InvalidRequest("grant_type is missing".into()))?;
        if !is_pre_authorized_grant(grant_type) {
            return Err(Error::UnsupportedGrantType(abbreviate(grant_type)));
        }
        let code = form
            .get("pre-authorized_code")
            .ok_or_else(|| Error::InvalidRequest("pre-authorized_code is missing".into()))?;
        if code.len() > MAX_SECRET_LEN {
            return Err(Error::InvalidGrant("unknown pre-authorized code".into()));
        }
        let now = self.clock.now();
        let key = secret_key(code);
        let unknown =
            || Error::InvalidGrant("the pre-authorized code is unknown, used or expired".into());
        let stored: Grant = from_value(
            self.store
                .get(RecordKind::PreAuthorizedCode, &key, now)
                .await?
                .ok_or_else(unknown)?,
        )?;
        match (&stored.tx_code_sha256, form.get("tx_code")) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(Error::InvalidRequest("this offer takes no tx_code".into()));
            }
            (Some(_), None) => {
                return Err(Error::InvalidRequest(
                    "this offer requires a tx_code".into(),
                ));
            }
            (Some(expected), Some(given)) => {
                let attempts = self
                    .store
                    .increment_attempts(RecordKind::PreAuthorizedCode, &key, now)
                    .await?
                    .ok_or_else(unknown)?;
                let max = self.settings.max_tx_code_attempts;
                if attempts > max {
                    self.store
                        .take(RecordKind::PreAuthorizedCode, &key, now)
                        .await?;
                    return Err(Error::InvalidGrant(
                        "too many tx_code attempts; the pre-authorized code is no longer valid"
                            .into(),
                    ));
                }
                let right: bool = secret_key(given)
                    .as_bytes()
                    .ct_eq(expected.as_bytes())
                    .into();
                if !right {
                    if attempts >= max {
                        self.store
                            .take(RecordKind::PreAuthorizedCode, &key, now)
                            .await?;
                    }
                    return Err(Error::InvalidGrant(format!(
                        "wrong tx_code ({} of {max} attempts left)",
                        max.saturating_sub(attempts)
                    )));
                }
            }
        }
        // The one-time step: whoever takes the code gets the token.
        let grant: Grant = from_value(
            self.store
                .take(RecordKind::PreAuthorizedCode, &key, now)
                .await?
                .ok_or_else(unknown)?,
        )?;
        let token = random_secret()?;
        let token_key = secret_key(&token);
        let expires_at = now + self.settings.access_token_ttl;
        for template in &grant.templates {
            self.store
                .put(
                    RecordKind::IssuanceSlot,
                    &slot_key(&token_key, &template.configuration_id),
                    Value::Null,
                    expires_at,
                    now,
                )
                .await?;
        }
        let access = Grant {
            templates: grant.templates,
            tx_code_sha256: None,
        };
        self.store
            .put(
                RecordKind::AccessToken,
                &token_key,
                to_value(&access)?,
                expires_at,
                now,
            )
            .await?;
        Ok(TokenResponse {
            access_token: token,
            token_type: "Bearer".to_owned(),
            expires_in: u64::try_from(self.settings.access_token_ttl.whole_seconds()).ok(),
        })
    }

    /// The Nonce Endpoint (§7): a fresh, unpredictable, one-time `c_nonce`.
    pub async fn nonce(&self) -> Result<NonceResponse, Error> {
        let now = self.clock.now();
        let nonce = random_secret()?;
        self.store
            .put(
                RecordKind::CNonce,
                &secret_key(&nonce),
                Value::Null,
                now + self.settings.c_nonce_ttl,
                now,
            )
            .await?;
        Ok(NonceResponse { c_nonce: nonce })
    }

    /// The Credential Endpoint (§8): `authorization` is the `Authorization` header,
    /// `body` the JSON Credential Request.
    ///
    /// Checks, in order: the access token (`invalid_token`), the request
    /// (`invalid_credential_request`, `unknown_credential_configuration`,
    /// `insufficient_scope` when the token does not cover the configuration), each key
    /// proof (`invalid_proof`), the proofs' nonce, consumed once (`invalid_nonce`), and
    /// that this configuration was not issued under this token yet
    /// (`credential_request_denied`). Then one credential per proof, bound to its key.
    pub async fn credential(
        &self,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<CredentialResponse, Error> {
        let token = bearer_token(authorization)?;
        let now = self.clock.now();
        let token_key = secret_key(token);
        let grant: Grant = from_value(
            self.store
                .get(RecordKind::AccessToken, &token_key, now)
                .await?
                .ok_or_else(|| {
                    Error::InvalidToken("the access token is unknown or expired".into())
                })?,
        )?;
        if body.len() > MAX_CREDENTIAL_REQUEST_LEN {
            return Err(Error::too_large(
                "credential request",
                body.len(),
                MAX_CREDENTIAL_REQUEST_LEN,
            ));
        }
        let request = CredentialRequest::parse(body)?;
        let configuration = self
            .settings
            .configurations
            .get(&request.configuration_id)
            .ok_or_else(|| {
                Error::UnknownCredentialConfiguration(abbreviate(&request.configuration_id))
            })?;
        let template = grant
            .templates
            .iter()
            .find(|t| t.configuration_id == request.configuration_id)
            .ok_or_else(|| {
                Error::InsufficientScope(format!(
                    "the access token does not cover {:?}",
                    request.configuration_id
                ))
            })?;
        let format = configuration.check_issuable(&request.configuration_id)?;
        let holders = self
            .verify_proofs(configuration, &request.proofs, now)
            .await?;
        if self
            .store
            .take(
                RecordKind::IssuanceSlot,
                &slot_key(&token_key, &request.configuration_id),
                now,
            )
            .await?
            .is_none()
        {
            return Err(Error::CredentialRequestDenied(format!(
                "{:?} was already issued under this access token",
                request.configuration_id
            )));
        }
        let key = self.seam.issuer_key().await?;
        let mut credentials = Vec::with_capacity(holders.len().max(1));
        if holders.is_empty() {
            credentials.push(
                self.issue_one(
                    &request.configuration_id,
                    configuration,
                    format,
                    template,
                    None,
                    &key,
                    now,
                )
                .await?,
            );
        }
        for holder in &holders {
            credentials.push(
                self.issue_one(
                    &request.configuration_id,
                    configuration,
                    format,
                    template,
                    Some(holder),
                    &key,
                    now,
                )
                .await?,
            );
        }
        Ok(CredentialResponse {
            credentials: credentials
                .into_iter()
                .map(|credential| IssuedCredential { credential })
                .collect(),
            notification_id: None,
        })
    }

    /// Verifies every key proof and consumes their nonce; returns the proven keys.
    async fn verify_proofs(
        &self,
        configuration: &CredentialConfiguration,
        proofs: &[String],
        now: OffsetDateTime,
    ) -> Result<Vec<ProvenKey>, Error> {
        let Some(algorithm_names) = configuration.jwt_proof_algorithms() else {
            // No key binding for this configuration (§12.2.4): proofs are not needed.
            return Ok(Vec::new());
        };
        if proofs.is_empty() {
            return Err(Error::InvalidProof("proofs is missing".into()));
        }
        if proofs.len() > self.settings.batch_size {
            return Err(Error::InvalidProof(format!(
                "{} key proofs; this issuer takes at most {} per request",
                proofs.len(),
                self.settings.batch_size
            )));
        }
        let algorithms: Vec<kith_crypto::Algorithm> = algorithm_names
            .iter()
            .filter_map(|name| name.parse().ok())
            .collect();
        let expected = ProofExpectations {
            audience: &self.identifier,
            binding_methods: &configuration.cryptographic_binding_methods_supported,
            now,
            max_age: self.settings.proof_max_age,
            max_clock_skew: self.settings.proof_max_clock_skew,
        };
        let mut proven: Vec<ProvenKey> = Vec::with_capacity(proofs.len());
        let mut nonces: Vec<String> = Vec::new();
        for jwt in proofs {
            let proof = UnverifiedProof::parse(jwt, &algorithms)?;
            let key = proof.verify(self.resolver.as_ref(), &expected).await?;
            let nonce = proof.nonce().ok_or_else(|| {
                Error::InvalidProof(
                    "the key proof has no nonce; get one from the nonce endpoint".into(),
                )
            })?;
            if proven.iter().any(|p| p.key == key.key) {
                return Err(Error::InvalidProof(
                    "two key proofs for the same key".into(),
                ));
            }
            if !nonces.iter().any(|n| n == nonce) {
                nonces.push(nonce.to_owned());
            }
            proven.push(key);
        }
        // Appendix F.4: the nonce matches a server-provided c_nonce. Each is taken once,
        // so a replayed proof fails here even when it races its first use.
        for nonce in &nonces {
            if nonce.len() > MAX_SECRET_LEN
                || self
                    .store
                    .take(RecordKind::CNonce, &secret_key(nonce), now)
                    .await?
                    .is_none()
            {
                return Err(Error::InvalidNonce(
                    "the c_nonce is unknown, used or expired; get a fresh one".into(),
                ));
            }
        }
        Ok(proven)
    }

    /// Issues one credential of `configuration` from `template`, bound to `holder`.
    #[allow(clippy::too_many_arguments)]
    async fn issue_one(
        &self,
        configuration_id: &str,
        configuration: &CredentialConfiguration,
        format: CredentialFormat,
        template: &CredentialTemplate,
        holder: Option<&ProvenKey>,
        key: &IssuerKey,
        now: OffsetDateTime,
    ) -> Result<Value, Error> {
        let failed = |e: kith_vc::Error| Error::Issuance(format!("{configuration_id}: {e}"));
        let expires = self
            .settings
            .credential_validity
            .map(|validity| now + validity);
        if configuration.is_zkp() {
            return self
                .issue_zkp(configuration_id, configuration, template, now, expires)
                .await;
        }
        let credential_id = format!("urn:uuid:{}", random_uuid()?);
        let status = self
            .seam
            .credential_status(&StatusRequest {
                credential_id: &credential_id,
                configuration_id,
                format,
            })
            .await?;
        match format {
            CredentialFormat::SdJwtVc => {
                let mut claims = template.claims.clone();
                claims
                    .entry("jti")
                    .or_insert_with(|| Value::from(credential_id.as_str()));
                let disclosable = template.disclosable.clone().unwrap_or_else(|| {
                    claims
                        .keys()
                        .filter(|name| {
                            !kith_vc::sd_jwt::NON_DISCLOSABLE.contains(&name.as_str())
                                && !["iat", "jti", "sub"].contains(&name.as_str())
                        })
                        .map(|name| format!("/{}", name.replace('~', "~0").replace('/', "~1")))
                        .collect()
                });
                let options = kith_vc::sd_jwt::IssueOptions {
                    disclosable,
                    holder_key: holder.map(|h| h.key.clone()),
                    kid: Some(key.kid.clone()),
                    iss: Some(key.did.clone()),
                    vct: configuration.vct.clone(),
                    iat: Some(now),
                    exp: expires,
                    status,
                    ..kith_vc::sd_jwt::IssueOptions::default()
                };
                kith_vc::sd_jwt::issue(&Value::Object(claims), key.signer.as_ref(), &options)
                    .await
                    .map(Value::String)
                    .map_err(failed)
            }
            CredentialFormat::JwtVcJson | CredentialFormat::LdpVc => {
                let mut subject = template.claims.clone();
                if let Some(holder) = holder {
                    subject.insert("id".into(), Value::from(holder.holder_did()));
                }
                let mut credential = json!({
                    "@context": configuration.vcdm_context(),
                    "id": credential_id,
                    "type": configuration.types(),
                    "issuer": key.did,
                    "validFrom": format_date_time(now),
                });
                if let Some(expires) = expires {
                    credential["validUntil"] = Value::from(format_date_time(expires));
                }
                credential["credentialSubject"] = Value::Object(subject);
                if let Some(status) = status {
                    credential["credentialStatus"] = status;
                }
                if format == CredentialFormat::JwtVcJson {
                    kith_vc::jose::issue_vc_jwt(&credential, key.signer.as_ref(), &key.kid)
                        .await
                        .map(Value::String)
                        .map_err(failed)
                } else {
                    let suite = configuration
                        .credential_signing_alg_values_supported
                        .first()
                        .map(String::as_str)
                        .unwrap_or("eddsa-jcs-2022");
                    let mut options = kith_vc::di::ProofOptions::new(key.kid.clone());
                    options.created = Some(now);
                    kith_vc::di::add_proof(&credential, suite, key.signer.as_ref(), options)
                        .await
                        .map_err(failed)
                }
            }
        }
    }
}

impl CredentialIssuer {
    /// Issues a `kith-zkp-2026` credential (docs/zk-predicates.md): every claim of
    /// `credentialSubject` one BBS message. Its public part is the same for every
    /// holder, because every presentation shows it: no `id`, no status entry (an index
    /// is a handle on the holder), validity in whole days, no holder DID.
    async fn issue_zkp(
        &self,
        configuration_id: &str,
        configuration: &CredentialConfiguration,
        template: &CredentialTemplate,
        now: OffsetDateTime,
        expires: Option<OffsetDateTime>,
    ) -> Result<Value, Error> {
        let key = self.seam.zkp_issuer_key().await?.ok_or_else(|| {
            Error::Issuance(format!(
                "{configuration_id}: this issuer has no kith-zkp-2026 (bls12381g2) key"
            ))
        })?;
        let day = |t: OffsetDateTime| format_date_time(t.replace_time(time::Time::MIDNIGHT));
        let mut credential = json!({
            "@context": configuration.vcdm_context(),
            "type": configuration.types(),
            "issuer": key.did,
            "validFrom": day(now),
            "credentialSubject": Value::Object(template.claims.clone()),
        });
        if let Some(expires) = expires {
            credential["validUntil"] = Value::from(day(expires + time::Duration::DAY));
        }
        kith_vc::zkp::issue(&credential, &key.key, &key.kid)
            .map_err(|e| Error::Issuance(format!("{configuration_id}: {e}")))
    }
}

/// A Credential Request (§8.2), as far as Kith reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRequest {
    /// `credential_configuration_id`.
    pub configuration_id: String,
    /// The `jwt` key proofs (`proofs.jwt`, or the pre-1.0 `proof` object).
    pub proofs: Vec<String>,
}

impl CredentialRequest {
    /// Parses a request body with the bounded JSON parser.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        if body.len() > MAX_CREDENTIAL_REQUEST_LEN {
            return Err(Error::too_large(
                "credential request",
                body.len(),
                MAX_CREDENTIAL_REQUEST_LEN,
            ));
        }
        let bad = |why: &str| Error::InvalidCredentialRequest(why.to_owned());
        let Value::Object(request) = kith_vc::json::parse(body)
            .map_err(|e| Error::InvalidCredentialRequest(format!("not JSON: {e}")))?
        else {
            return Err(bad("the request is not a JSON object"));
        };
        if request.contains_key("credential_identifier") {
            return Err(bad(
                "this issuer returns no credential_identifiers; request by credential_configuration_id",
            ));
        }
        if request.contains_key("credential_response_encryption") {
            return Err(bad("this issuer does not encrypt credential responses"));
        }
        let configuration_id = match request.get("credential_configuration_id") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(_) => {
                return Err(bad(
                    "credential_configuration_id must be a non-empty string",
                ));
            }
            None => return Err(bad("credential_configuration_id is missing")),
        };
        let proofs = match (request.get("proofs"), request.get("proof")) {
            (Some(_), Some(_)) => return Err(bad("proofs and proof must not both be present")),
            (None, None) => Vec::new(),
            (Some(Value::Object(proofs)), None) => {
                if proofs.len() != 1 {
                    return Err(Error::InvalidProof(
                        "proofs must hold exactly one proof type".into(),
                    ));
                }
                match proofs.get(PROOF_TYPE_JWT) {
                    Some(Value::Array(items)) if !items.is_empty() => items
                        .iter()
                        .map(|item| {
                            item.as_str().map(str::to_owned).ok_or_else(|| {
                                Error::InvalidProof("a jwt proof must be a string".into())
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => {
                        return Err(Error::InvalidProof(
                            "proofs.jwt must be a non-empty array of JWTs".into(),
                        ));
                    }
                    None => {
                        return Err(Error::InvalidProof(
                            "only the jwt proof type is supported".into(),
                        ));
                    }
                }
            }
            (None, Some(Value::Object(proof))) => {
                // Drafts before 1.0: {"proof_type": "jwt", "jwt": "..."}.
                match (proof.get("proof_type"), proof.get("jwt")) {
                    (Some(Value::String(t)), Some(Value::String(jwt))) if t == PROOF_TYPE_JWT => {
                        vec![jwt.clone()]
                    }
                    _ => {
                        return Err(Error::InvalidProof(
                            "proof must be {\"proof_type\": \"jwt\", \"jwt\": ...}".into(),
                        ));
                    }
                }
            }
            _ => return Err(Error::InvalidProof("proofs must be a JSON object".into())),
        };
        Ok(Self {
            configuration_id,
            proofs,
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1).
fn bearer_token(authorization: Option<&str>) -> Result<&str, Error> {
    let header = authorization
        .ok_or_else(|| Error::InvalidToken("no access token (Authorization: Bearer)".into()))?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| Error::InvalidToken("the Authorization header is not Bearer".into()))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer")
        || token.is_empty()
        || token.len() > MAX_SECRET_LEN
        // RFC 6750 §2.1 b64token.
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b))
    {
        return Err(Error::InvalidToken(
            "the Authorization header is not a Bearer token".into(),
        ));
    }
    Ok(token)
}

/// Form parameters, each at most once (RFC 6749 §3.2: "Request and response
/// parameters MUST NOT be included more than once").
fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, Error> {
    let mut form = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if form.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(Error::InvalidRequest(format!(
                "{} appears twice",
                abbreviate(&name)
            )));
        }
    }
    Ok(form)
}

fn check_tx_code_spec(spec: &TxCodeRequest, code: &str) -> Result<(), Error> {
    let length = spec.length as usize;
    if length == 0 || length > MAX_TX_CODE_LEN || code.chars().count() != length {
        return Err(Error::Configuration(format!(
            "a tx_code has 1 to {MAX_TX_CODE_LEN} characters, and exactly its length"
        )));
    }
    if spec.input_mode == InputMode::Numeric && !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Configuration(
            "a numeric tx_code has only digits".into(),
        ));
    }
    if spec
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_TX_CODE_DESCRIPTION_CHARS)
    {
        return Err(Error::Configuration(format!(
            "a tx_code description has at most {MAX_TX_CODE_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(())
}

/// A random code of `length` characters: digits, or unambiguous letters and digits.
fn random_tx_code(mode: InputMode, length: u32) -> Result<String, Error> {
    const DIGITS: &[u8] = b"0123456789";
    const TEXT: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let alphabet = match mode {
        InputMode::Numeric => DIGITS,
        InputMode::Text => TEXT,
    };
    let length = (length as usize).min(MAX_TX_CODE_LEN);
    let mut out = String::with_capacity(length);
    // Rejection sampling keeps every character uniform.
    let limit = 256 - 256 % alphabet.len();
    while out.len() < length {
        let mut bytes = [0u8; 32];
        random_fill(&mut bytes)?;
        for b in bytes {
            if (b as usize) < limit && out.len() < length {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    Ok(out)
}

fn random_fill(bytes: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(bytes)
        .map_err(|e| Error::Issuance(format!("the OS random number generator failed: {e}")))
}

/// 256 random bits, base64url: codes, tokens, nonces and offer ids.
fn random_secret() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    random_fill(&mut bytes)?;
    Ok(base64url_encode(&bytes))
}

/// A random (version 4) UUID.
fn random_uuid() -> Result<String, Error> {
    let mut b = [0u8; 16];
    random_fill(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// The store key of a secret: its SHA-256, base64url.
pub(crate) fn secret_key(secret: &str) -> String {
    base64url_encode(&Sha256::digest(secret.as_bytes()))
}

fn slot_key(token_key: &str, configuration_id: &str) -> String {
    format!("{token_key}/{}", secret_key(configuration_id))
}

/// At most 64 characters of untrusted text, for error messages.
fn abbreviate(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Issuance(format!("state record: {e}")))
}

fn from_value<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value)
        .map_err(|e| Error::Unavailable(format!("a stored record does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_parse_strictly() {
        assert_eq!(
            bearer_token(Some("Bearer abc-_.~+/=")).unwrap(),
            "abc-_.~+/="
        );
        assert_eq!(bearer_token(Some("bearer abc")).unwrap(), "abc");
        for bad in [
            None,
            Some("Basic abc"),
            Some("Bearer"),
            Some("Bearer a b"),
            Some("Bearer é"),
        ] {
            assert_eq!(
                bearer_token(bad).unwrap_err().code(),
                "invalid_token",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn forms_refuse_repeated_parameters() {
        assert!(parse_form(b"a=1&b=2").is_ok());
        assert_eq!(
            parse_form(b"a=1&a=2").unwrap_err().code(),
            "invalid_request"
        );
    }

    #[test]
    fn tx_codes_have_their_length_and_alphabet() {
        let code = random_tx_code(InputMode::Numeric, 6).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let text = random_tx_code(InputMode::Text, 10).unwrap();
        assert_eq!(text.len(), 10);
        assert!(check_tx_code_spec(&TxCodeRequest::numeric(6), &code).is_ok());
        assert!(check_tx_code_spec(&TxCodeRequest::numeric(6), "12345a").is_err());
    }

    #[test]
    fn uuids_are_version_4() {
        let id = random_uuid().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn credential_requests_parse() {
        let request = CredentialRequest::parse(
            br#"{"credential_configuration_id": "pid", "proofs": {"jwt": ["a.b.c"]}}"#,
        )
        .unwrap();
        assert_eq!(request.proofs, vec!["a.b.c".to_owned()]);
        let legacy = CredentialRequest::parse(
            br#"{"credential_configuration_id": "pid", "proof": {"proof_type": "jwt", "jwt": "a.b.c"}}"#,
        )
        .unwrap();
        assert_eq!(legacy.proofs, request.proofs);
        for (body, code) in [
            (&br#"[]"#[..], "invalid_credential_request"),
            (br#"{}"#, "invalid_credential_request"),
            (
                br#"{"credential_identifier": "x"}"#,
                "invalid_credential_request",
            ),
            (
                br#"{"credential_configuration_id": "p", "proofs": {"di_vp": [{}]}}"#,
                "invalid_proof",
            ),
            (
                br#"{"credential_configuration_id": "p", "proofs": {"jwt": []}}"#,
                "invalid_proof",
            ),
            (
                br#"{"credential_configuration_id": "p", "proofs": {"jwt": [1]}}"#,
                "invalid_proof",
            ),
            (
                br#"{"credential_configuration_id": "p", "credential_configuration_id": "q"}"#,
                "invalid_credential_request",
            ),
        ] {
            assert_eq!(
                CredentialRequest::parse(body).unwrap_err().code(),
                code,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
