//! The wallet side of the Pre-Authorized Code Flow (OpenID4VCI 1.0 §3.5): resolve the
//! offer (§4.1), fetch the Credential Issuer Metadata (§12.2.2) and the Authorization
//! Server Metadata (RFC 8414 §3), redeem the pre-authorized code with the transaction
//! code (§6.1), get a `c_nonce` (§7), prove possession of the holder key (Appendix F.1),
//! request each offered credential (§8.2), and verify what comes back with kith-vc's
//! pipeline: the issuer's signature, and that the credential is bound to the holder key.
//!
//! HTTP goes through the [`HttpClient`] seam; [`ReqwestHttpClient`] is the real one
//! (rustls, webpki roots, no redirects, 10 s timeout, bounded bodies).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kith_crypto::{PublicKey, Signer};
use kith_did::{Did, ResolutionOptions};
use kith_vc::{Outcome, Report, Verifier};
use serde_json::{Value, json};
use url::Url;

use super::Error;
use super::issuer::{CredentialResponse, NonceResponse, TokenResponse};
use super::metadata::{
    AuthorizationServerMetadata, CredentialConfiguration, CredentialFormat, IssuerMetadata,
    PRE_AUTHORIZED_CODE_GRANT, WELL_KNOWN_AUTHORIZATION_SERVER, WELL_KNOWN_CREDENTIAL_ISSUER,
    check_url, well_known_url,
};
use super::offer::{CredentialOffer, MAX_OFFER_LEN, OfferLink, PreAuthorizedCodeGrant};
use super::proof::{HolderBinding, create_proof_jwt};

/// Largest HTTP response body the wallet reads.
pub const MAX_HTTP_RESPONSE_LEN: usize = kith_vc::json::MAX_JSON_LEN;

/// An HTTP response as the wallet needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body, at most [`MAX_HTTP_RESPONSE_LEN`] bytes.
    pub body: Vec<u8>,
}

/// The wallet's HTTP seam: three requests are all OpenID4VCI needs.
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// `GET url` with `Accept: application/json`.
    async fn get_json(&self, url: &Url) -> Result<HttpResponse, Error>;
    /// `POST url` with an `application/x-www-form-urlencoded` body.
    async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<HttpResponse, Error>;
    /// `POST url` with a JSON body and, when given, `Authorization: Bearer <token>`.
    async fn post_json(
        &self,
        url: &Url,
        body: &Value,
        bearer: Option<&str>,
    ) -> Result<HttpResponse, Error>;
}

/// [`HttpClient`] over reqwest.
#[derive(Debug, Clone)]
pub struct ReqwestHttpClient {
    client: reqwest::Client,
}

impl ReqwestHttpClient {
    /// A client trusting the webpki roots, over rustls with ring; no proxies from the
    /// environment, no redirects, a 10 s timeout.
    pub fn new() -> Result<Self, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Http(format!("TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .no_proxy()
            .user_agent(concat!("kith-wallet/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Http(format!("HTTP client: {e}")))?;
        Ok(Self { client })
    }

    /// Wraps a client the caller configured.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<HttpResponse, Error> {
        let mut response = request
            .send()
            .await
            .map_err(|e| Error::Http(e.to_string()))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Error::Http(e.to_string()))?
        {
            if body.len() + chunk.len() > MAX_HTTP_RESPONSE_LEN {
                return Err(Error::Http(format!(
                    "the response is over the {MAX_HTTP_RESPONSE_LEN}-byte limit"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, body })
    }
}

#[async_trait]
impl HttpClient for ReqwestHttpClient {
    async fn get_json(&self, url: &Url) -> Result<HttpResponse, Error> {
        self.send(
            self.client
                .get(url.clone())
                .header(reqwest::header::ACCEPT, "application/json"),
        )
        .await
    }

    async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<HttpResponse, Error> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            self.client
                .post(url.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body),
        )
        .await
    }

    async fn post_json(
        &self,
        url: &Url,
        body: &Value,
        bearer: Option<&str>,
    ) -> Result<HttpResponse, Error> {
        let mut request = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.to_string());
        if let Some(token) = bearer {
            request = request.header(reqwest::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request).await
    }
}

/// The holder: a key and how proofs name it.
#[derive(Clone)]
pub struct Holder {
    /// Signs key proofs; its public key is what credentials are bound to.
    pub signer: Arc<dyn Signer>,
    /// `jwk` or a DID URL (`kid`).
    pub binding: HolderBinding,
}

impl std::fmt::Debug for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Holder")
            .field("binding", &self.binding)
            .finish_non_exhaustive()
    }
}

impl Holder {
    /// A holder naming its key with the `jwk` header.
    pub fn jwk(signer: Arc<dyn Signer>) -> Self {
        Self {
            signer,
            binding: HolderBinding::Jwk,
        }
    }

    /// A holder naming its key with its did:key (`kid`).
    pub fn did_key(signer: Arc<dyn Signer>) -> Self {
        let binding = HolderBinding::did_key(&signer.public_key());
        Self { signer, binding }
    }

    /// A holder naming its key with its did:jwk (`kid`).
    pub fn did_jwk(signer: Arc<dyn Signer>) -> Self {
        let binding = HolderBinding::did_jwk(&signer.public_key());
        Self { signer, binding }
    }
}

/// A credential received and verified.
#[derive(Debug, Clone)]
pub struct ReceivedCredential {
    /// The credential configuration it was issued under.
    pub configuration_id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// The credential as received: the SD-JWT or JWT, or the JSON of an `ldp_vc`.
    pub credential: String,
    /// The verification report (every check passed or was indeterminate, e.g. status
    /// with no status list access).
    pub report: Report,
    /// The Credential Issuer Identifier it came from.
    pub credential_issuer: String,
    /// The configuration's first display name, for the wallet's list.
    pub display_name: Option<String>,
}

/// The wallet's OpenID4VCI client.
#[derive(Clone)]
pub struct WalletClient {
    http: Arc<dyn HttpClient>,
    verifier: Verifier,
}

impl WalletClient {
    /// A client over `http` that verifies credentials with `verifier` (its resolver
    /// resolves issuer DIDs; its status checker, if any, the status lists).
    pub fn new(http: Arc<dyn HttpClient>, verifier: Verifier) -> Self {
        Self { http, verifier }
    }

    /// The whole Pre-Authorized Code Flow for every credential the offer behind `link`
    /// names: [`WalletClient::resolve_offer`], then [`WalletClient::accept`].
    ///
    /// An offer by reference is served once, so a wallet that must first show the offer
    /// or ask for its transaction code calls the two steps itself.
    pub async fn accept_offer(
        &self,
        link: &str,
        holder: &Holder,
        tx_code: Option<&str>,
    ) -> Result<Vec<ReceivedCredential>, Error> {
        let offer = self.resolve_offer(link).await?;
        self.accept(&offer, holder, tx_code).await
    }

    /// The Pre-Authorized Code Flow for a resolved offer: metadata, token, then for each
    /// offered configuration a nonce, a key proof, the credential and its verification.
    ///
    /// `tx_code` is what the End-User typed when the offer asks for one
    /// ([`Error::TxCodeRequired`] otherwise, before anything is sent).
    pub async fn accept(
        &self,
        offer: &CredentialOffer,
        holder: &Holder,
        tx_code: Option<&str>,
    ) -> Result<Vec<ReceivedCredential>, Error> {
        let grant = offer.pre_authorized_grant().ok_or_else(|| {
            Error::Incompatible("the offer has no pre-authorized code grant".into())
        })?;
        if grant.tx_code.is_some() && tx_code.is_none() {
            return Err(Error::TxCodeRequired);
        }
        let metadata = self.issuer_metadata(&offer.credential_issuer).await?;
        let configurations = offer
            .credential_configuration_ids
            .iter()
            .map(|id| {
                metadata
                    .credential_configurations_supported
                    .get(id)
                    .map(|c| (id, c))
                    .ok_or_else(|| {
                        Error::InvalidMetadata(format!(
                            "the offered configuration {id:?} is not in the metadata"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (id, configuration) in &configurations {
            check_compatible(id, configuration, holder)?;
        }
        let authorization_server = self.authorization_server_metadata(&metadata, grant).await?;
        let token_endpoint = check_url(
            &authorization_server.token_endpoint,
            "token_endpoint",
            false,
        )
        .map_err(Error::InvalidMetadata)?;
        let token = self
            .redeem_pre_authorized_code(&token_endpoint, &grant.pre_authorized_code, tx_code)
            .await?;
        let mut received = Vec::with_capacity(configurations.len());
        for (id, configuration) in configurations {
            received.push(
                self.obtain_credential(&metadata, &token.access_token, id, configuration, holder)
                    .await?,
            );
        }
        Ok(received)
    }

    /// Resolves an offer link: by value, or by fetching its `credential_offer_uri`.
    pub async fn resolve_offer(&self, link: &str) -> Result<CredentialOffer, Error> {
        match OfferLink::parse(link)? {
            OfferLink::ByValue(offer) => Ok(offer),
            OfferLink::ByReference(uri) => {
                let response = self.http.get_json(&uri).await?;
                let body = success_body(response)?;
                if body.len() > MAX_OFFER_LEN {
                    return Err(Error::InvalidOffer("the fetched offer is too large".into()));
                }
                CredentialOffer::parse(&body)
            }
        }
    }

    /// Fetches and checks Credential Issuer Metadata (§12.2.2): `credential_issuer` must
    /// be exactly the identifier it was fetched for, and the endpoints `https`.
    pub async fn issuer_metadata(&self, credential_issuer: &str) -> Result<IssuerMetadata, Error> {
        let identifier =
            check_url(credential_issuer, "credential_issuer", true).map_err(Error::InvalidOffer)?;
        let url = well_known_url(&identifier, WELL_KNOWN_CREDENTIAL_ISSUER)?;
        let body = success_body(self.http.get_json(&url).await?)?;
        let metadata: IssuerMetadata = parse_json(&body, "credential issuer metadata")?;
        if metadata.credential_issuer != credential_issuer {
            return Err(Error::InvalidMetadata(format!(
                "the metadata is for {:?}, not {credential_issuer:?}",
                metadata.credential_issuer
            )));
        }
        check_url(&metadata.credential_endpoint, "credential_endpoint", false)
            .map_err(Error::InvalidMetadata)?;
        if let Some(nonce) = &metadata.nonce_endpoint {
            check_url(nonce, "nonce_endpoint", false).map_err(Error::InvalidMetadata)?;
        }
        Ok(metadata)
    }

    /// Fetches the Authorization Server Metadata (RFC 8414 §3) of the server that takes
    /// `grant`: the issuer itself when `authorization_servers` is absent, else the one
    /// the grant names (which must be listed), else the first.
    pub async fn authorization_server_metadata(
        &self,
        metadata: &IssuerMetadata,
        grant: &PreAuthorizedCodeGrant,
    ) -> Result<AuthorizationServerMetadata, Error> {
        let issuer = match (
            &grant.authorization_server,
            metadata.authorization_servers.first(),
        ) {
            (Some(named), _) if metadata.authorization_servers.contains(named) => named.clone(),
            (Some(named), _) => {
                return Err(Error::InvalidOffer(format!(
                    "the offer names authorization server {named:?}, which the issuer metadata does not list"
                )));
            }
            (None, Some(first)) => first.clone(),
            (None, None) => metadata.credential_issuer.clone(),
        };
        let identifier =
            check_url(&issuer, "authorization server", true).map_err(Error::InvalidMetadata)?;
        let url = well_known_url(&identifier, WELL_KNOWN_AUTHORIZATION_SERVER)?;
        let body = success_body(self.http.get_json(&url).await?)?;
        let server: AuthorizationServerMetadata =
            parse_json(&body, "authorization server metadata")?;
        // RFC 8414 §3.3: the issuer value must be identical to the one the URL was made from.
        if server.issuer != issuer {
            return Err(Error::InvalidMetadata(format!(
                "the authorization server metadata is for {:?}, not {issuer:?}",
                server.issuer
            )));
        }
        if !server.grant_types_supported.is_empty()
            && !server
                .grant_types_supported
                .iter()
                .any(|g| g == PRE_AUTHORIZED_CODE_GRANT)
        {
            return Err(Error::Incompatible(
                "the authorization server does not support the pre-authorized code grant".into(),
            ));
        }
        Ok(server)
    }

    /// The Token Request of the Pre-Authorized Code Flow (§6.1), without client
    /// authentication.
    pub async fn redeem_pre_authorized_code(
        &self,
        token_endpoint: &Url,
        pre_authorized_code: &str,
        tx_code: Option<&str>,
    ) -> Result<TokenResponse, Error> {
        let mut form = vec![
            ("grant_type", PRE_AUTHORIZED_CODE_GRANT),
            ("pre-authorized_code", pre_authorized_code),
        ];
        if let Some(tx_code) = tx_code {
            form.push(("tx_code", tx_code));
        }
        let body = success_body(self.http.post_form(token_endpoint, &form).await?)?;
        let token: TokenResponse = parse_json(&body, "token response")?;
        if !token.token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::Incompatible(format!(
                "token_type {:?}; this wallet sends Bearer tokens only",
                token.token_type
            )));
        }
        Ok(token)
    }

    /// A fresh `c_nonce` from the Nonce Endpoint (§7.1).
    pub async fn fetch_nonce(&self, nonce_endpoint: &Url) -> Result<String, Error> {
        let body = success_body(self.http.post_form(nonce_endpoint, &[]).await?)?;
        let nonce: NonceResponse = parse_json(&body, "nonce response")?;
        Ok(nonce.c_nonce)
    }

    /// The Credential Request (§8.2) with `jwt` key proofs.
    pub async fn request_credential(
        &self,
        credential_endpoint: &Url,
        access_token: &str,
        configuration_id: &str,
        proofs: &[String],
    ) -> Result<CredentialResponse, Error> {
        let mut request = json!({"credential_configuration_id": configuration_id});
        if !proofs.is_empty() {
            request["proofs"] = json!({"jwt": proofs});
        }
        let response = self
            .http
            .post_json(credential_endpoint, &request, Some(access_token))
            .await?;
        if response.status == 202 {
            return Err(Error::Incompatible(
                "the issuer deferred issuance; this wallet does not poll the deferred endpoint"
                    .into(),
            ));
        }
        let body = success_body(response)?;
        parse_json(&body, "credential response")
    }

    /// Gets a nonce, proves possession of the holder key, requests one credential of
    /// `configuration_id` and verifies it.
    pub async fn obtain_credential(
        &self,
        metadata: &IssuerMetadata,
        access_token: &str,
        configuration_id: &str,
        configuration: &CredentialConfiguration,
        holder: &Holder,
    ) -> Result<ReceivedCredential, Error> {
        let credential_endpoint =
            check_url(&metadata.credential_endpoint, "credential_endpoint", false)
                .map_err(Error::InvalidMetadata)?;
        let mut proofs = Vec::new();
        if configuration.requires_key_binding() {
            let nonce = match &metadata.nonce_endpoint {
                Some(endpoint) => {
                    let endpoint = check_url(endpoint, "nonce_endpoint", false)
                        .map_err(Error::InvalidMetadata)?;
                    Some(self.fetch_nonce(&endpoint).await?)
                }
                None => None,
            };
            proofs.push(
                create_proof_jwt(
                    holder.signer.as_ref(),
                    &holder.binding,
                    &metadata.credential_issuer,
                    nonce.as_deref(),
                    self.verifier.clock.now(),
                )
                .await?,
            );
        }
        let response = self
            .request_credential(
                &credential_endpoint,
                access_token,
                configuration_id,
                &proofs,
            )
            .await?;
        let first = response.credentials.into_iter().next().ok_or_else(|| {
            Error::InvalidMetadata("the credential response holds no credential".into())
        })?;
        self.verify_received(
            &metadata.credential_issuer,
            configuration_id,
            configuration,
            &first.credential,
            configuration.requires_key_binding().then_some(holder),
        )
        .await
    }

    /// Verifies a received credential: its encoding for the format, the verification
    /// pipeline (a failed check rejects it; an indeterminate one is kept in the report),
    /// its type, and its binding to the holder key (`cnf.jwk` for SD-JWT VC, a
    /// `credentialSubject.id` DID controlling the key for the VCDM formats).
    pub async fn verify_received(
        &self,
        credential_issuer: &str,
        configuration_id: &str,
        configuration: &CredentialConfiguration,
        credential: &Value,
        holder: Option<&Holder>,
    ) -> Result<ReceivedCredential, Error> {
        let format = configuration.credential_format().ok_or_else(|| {
            Error::Incompatible(format!(
                "format {:?} is not one this wallet receives",
                configuration.format
            ))
        })?;
        let text = match (format, credential) {
            (CredentialFormat::SdJwtVc | CredentialFormat::JwtVcJson, Value::String(text)) => {
                text.clone()
            }
            (CredentialFormat::LdpVc, Value::Object(_)) => credential.to_string(),
            _ => {
                return Err(Error::CredentialRejected {
                    code: "malformed",
                    detail: format!(
                        "a {} credential arrived as the wrong JSON type",
                        format.identifier()
                    ),
                });
            }
        };
        let report = if kith_vc::zkp::is_zkp_credential(&text) {
            kith_vc::zkp::verify_credential(&self.verifier, &text).await
        } else {
            self.verifier.verify_credential(&text).await
        };
        if let Some((code, detail)) = report.checks.iter().find_map(|check| match &check.outcome {
            Outcome::Fail { code, detail } => Some((*code, detail.clone())),
            _ => None,
        }) {
            return Err(Error::CredentialRejected { code, detail });
        }
        let claims = report.credential.clone().unwrap_or_default();
        check_type(format, configuration, &claims)?;
        if let Some(holder) = holder {
            let expected = holder.signer.public_key();
            match format {
                CredentialFormat::SdJwtVc => {
                    let bound = claims
                        .get("cnf")
                        .and_then(|cnf| cnf.get("jwk"))
                        .and_then(|jwk| {
                            serde_json::from_value::<kith_crypto::Jwk>(jwk.clone()).ok()
                        })
                        .and_then(|jwk| PublicKey::from_jwk(&jwk).ok());
                    if bound.as_ref() != Some(&expected) {
                        return Err(Error::HolderBinding(
                            "the SD-JWT VC's cnf.jwk is not the holder key".into(),
                        ));
                    }
                }
                CredentialFormat::JwtVcJson | CredentialFormat::LdpVc => {
                    let subject = match claims.get("credentialSubject") {
                        Some(Value::Array(items)) => items.first(),
                        other => other,
                    };
                    let id = subject
                        .and_then(|s| s.get("id"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            Error::HolderBinding(
                                "credentialSubject has no id naming the holder".into(),
                            )
                        })?;
                    if !self.did_controls_key(id, &expected).await {
                        return Err(Error::HolderBinding(format!(
                            "credentialSubject.id {id:?} is not a DID of the holder key"
                        )));
                    }
                }
            }
        }
        Ok(ReceivedCredential {
            configuration_id: configuration_id.to_owned(),
            format,
            credential: text,
            report,
            credential_issuer: credential_issuer.to_owned(),
            display_name: configuration
                .credential_metadata
                .display
                .first()
                .map(|d| d.name.clone()),
        })
    }

    /// Whether the DID `id` lists `key` among its verification methods.
    async fn did_controls_key(&self, id: &str, key: &PublicKey) -> bool {
        let Ok(did) = Did::parse(id) else {
            return false;
        };
        let Ok(resolution) = self
            .verifier
            .resolver
            .resolve(&did, &ResolutionOptions::default())
            .await
        else {
            return false;
        };
        resolution
            .document
            .verification_method
            .iter()
            .any(|method| method.public_key().is_ok_and(|k| &k == key))
    }
}

/// Checks the wallet can serve `configuration`: a format it receives, and, when key
/// binding is required, its binding method and proof algorithm accepted.
fn check_compatible(
    id: &str,
    configuration: &CredentialConfiguration,
    holder: &Holder,
) -> Result<(), Error> {
    if configuration.credential_format().is_none() {
        return Err(Error::Incompatible(format!(
            "{id:?} has format {:?}, which this wallet does not receive",
            configuration.format
        )));
    }
    if !configuration.requires_key_binding() {
        return Ok(());
    }
    let method = holder.binding.binding_method();
    if !configuration
        .cryptographic_binding_methods_supported
        .contains(&method)
    {
        return Err(Error::Incompatible(format!(
            "{id:?} does not accept binding method {method}"
        )));
    }
    let alg = holder.signer.algorithm().name();
    let accepted = configuration
        .jwt_proof_algorithms()
        .ok_or_else(|| Error::Incompatible(format!("{id:?} takes no jwt key proofs")))?;
    if !accepted.iter().any(|a| a == alg) {
        return Err(Error::Incompatible(format!(
            "{id:?} does not accept key proofs signed with {alg}"
        )));
    }
    Ok(())
}

/// The credential is of the configuration's type (`vct`, or every `type`).
fn check_type(
    format: CredentialFormat,
    configuration: &CredentialConfiguration,
    claims: &Value,
) -> Result<(), Error> {
    let ok = match format {
        CredentialFormat::SdJwtVc => {
            claims.get("vct").and_then(Value::as_str) == configuration.vct.as_deref()
        }
        CredentialFormat::JwtVcJson | CredentialFormat::LdpVc => {
            let types: Vec<&str> = match claims.get("type") {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                Some(Value::String(one)) => vec![one.as_str()],
                _ => Vec::new(),
            };
            configuration
                .types()
                .iter()
                .all(|t| types.contains(&t.as_str()))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::CredentialRejected {
            code: "unexpected_type",
            detail: "the credential is not of the offered configuration's type".into(),
        })
    }
}

/// The body of a 2xx response, or the issuer's error (RFC 6749 §5.2, RFC 6750 §3,
/// OpenID4VCI 1.0 §8.3.1).
fn success_body(response: HttpResponse) -> Result<Vec<u8>, Error> {
    if (200..300).contains(&response.status) {
        return Ok(response.body);
    }
    let parsed = kith_vc::json::parse(&response.body).ok();
    let member = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(|s| s.chars().take(300).collect::<String>())
    };
    let error = member("error").unwrap_or_else(|| match response.status {
        401 => "invalid_token".to_owned(),
        status => format!("http_{status}"),
    });
    Err(Error::Remote {
        status: response.status,
        error,
        description: member("error_description"),
    })
}

fn parse_json<T: for<'de> serde::Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, Error> {
    let value =
        kith_vc::json::parse(body).map_err(|e| Error::InvalidMetadata(format!("{what}: {e}")))?;
    serde_json::from_value(value).map_err(|e| Error::InvalidMetadata(format!("{what}: {e}")))
}

/// Stores a received credential in the holder's wallet; returns its record id. The
/// metadata keeps where it came from (never the claim values, which are in the record).
pub fn store_in_wallet(
    wallet: &mut kith_wallet::Wallet,
    received: &ReceivedCredential,
) -> Result<String, Error> {
    let metadata = json!({
        "source": "openid4vci",
        "credential_issuer": received.credential_issuer,
        "configuration_id": received.configuration_id,
        "issuer": received.report.issuer,
        "display_name": received.display_name,
    });
    Ok(wallet.add_credential(received.format.identifier(), &received.credential, metadata)?)
}
