//! Credential Issuer Metadata (OpenID4VCI 1.0 §12.2) and OAuth 2.0 Authorization
//! Server Metadata (RFC 8414 §2, with OpenID4VCI 1.0 §12.3), and the well-known URLs
//! they are served at.
//!
//! One set of types serves both sides: the issuer builds its metadata from
//! [`CredentialConfiguration`]s (constructors per Credential Format Profile,
//! Appendix A), the wallet deserializes what an issuer publishes and ignores the
//! members it does not know (§12.2.4: "The Wallet MUST ignore any unrecognized
//! parameters").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::Error;

/// The well-known suffix of Credential Issuer Metadata (§12.2.2).
pub const WELL_KNOWN_CREDENTIAL_ISSUER: &str = "/.well-known/openid-credential-issuer";
/// The well-known suffix of OAuth 2.0 Authorization Server Metadata (RFC 8414 §3).
pub const WELL_KNOWN_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";

/// The Pre-Authorized Code grant type (§4.1.1, §14.1).
pub const PRE_AUTHORIZED_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The Credential Format Identifier of SD-JWT VC (Appendix A.3).
pub const FORMAT_SD_JWT_VC: &str = "dc+sd-jwt";
/// The Credential Format Identifier of a VC signed as a JWT, not using JSON-LD (Appendix A.1.1).
pub const FORMAT_JWT_VC_JSON: &str = "jwt_vc_json";
/// The Credential Format Identifier of a VC secured with Data Integrity (Appendix A.1.2).
pub const FORMAT_LDP_VC: &str = "ldp_vc";

/// The proof type Kith implements (Appendix F.1).
pub const PROOF_TYPE_JWT: &str = "jwt";

/// The Credential Formats Kith issues and receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialFormat {
    /// `dc+sd-jwt`: SD-JWT VC, holder key in `cnf.jwk`.
    SdJwtVc,
    /// `jwt_vc_json`: a VCDM 2.0 credential secured as `vc+jwt` (VC-JOSE-COSE).
    JwtVcJson,
    /// `ldp_vc`: a VCDM 2.0 credential with a Data Integrity proof.
    LdpVc,
}

impl CredentialFormat {
    /// The Credential Format Identifier.
    pub fn identifier(self) -> &'static str {
        match self {
            Self::SdJwtVc => FORMAT_SD_JWT_VC,
            Self::JwtVcJson => FORMAT_JWT_VC_JSON,
            Self::LdpVc => FORMAT_LDP_VC,
        }
    }

    /// The format named by an identifier, if Kith implements it.
    pub fn from_identifier(identifier: &str) -> Option<Self> {
        [Self::SdJwtVc, Self::JwtVcJson, Self::LdpVc]
            .into_iter()
            .find(|f| f.identifier() == identifier)
    }
}

/// `display` of the Credential Issuer (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssuerDisplay {
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `locale` (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `logo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Logo>,
}

/// A `logo` (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logo {
    /// `uri`.
    pub uri: String,
    /// `alt_text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// `credential_metadata.display` of a Credential Configuration (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CredentialDisplay {
    /// `name` (REQUIRED).
    pub name: String,
    /// `locale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `logo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Logo>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `background_color`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// `text_color`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
}

/// A claims description object for issuer metadata (Appendix B.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimDescription {
    /// `path`: a claims path pointer (Appendix C): strings, non-negative integers, `null`.
    pub path: Vec<Value>,
    /// `mandatory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory: Option<bool>,
    /// `display`: a name per locale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<ClaimDisplay>,
}

/// One `display` entry of a claim (Appendix B.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimDisplay {
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `locale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// `credential_metadata` of a Credential Configuration (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CredentialMetadata {
    /// `display`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<CredentialDisplay>,
    /// `claims`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimDescription>,
}

impl CredentialMetadata {
    fn is_empty(&self) -> bool {
        self.display.is_empty() && self.claims.is_empty()
    }
}

/// `credential_definition` of the W3C VC profiles (Appendix A.1.1.2, A.1.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialDefinition {
    /// `@context` (`ldp_vc` only).
    #[serde(rename = "@context", default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    /// `type`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
}

/// A proof type's metadata in `proof_types_supported` (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofTypeMetadata {
    /// `proof_signing_alg_values_supported`.
    pub proof_signing_alg_values_supported: Vec<String>,
}

/// One entry of `credential_configurations_supported` (§12.2.4 and Appendix A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialConfiguration {
    /// `format`: a Credential Format Identifier.
    pub format: String,
    /// `scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `credential_signing_alg_values_supported`: JOSE `alg` names for the JWT formats,
    /// Data Integrity cryptosuites for `ldp_vc`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_signing_alg_values_supported: Vec<String>,
    /// `cryptographic_binding_methods_supported`: `jwk`, `did:key`, `did:jwk`, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cryptographic_binding_methods_supported: Vec<String>,
    /// `proof_types_supported`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proof_types_supported: BTreeMap<String, ProofTypeMetadata>,
    /// `vct` (`dc+sd-jwt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// `credential_definition` (`jwt_vc_json`, `ldp_vc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_definition: Option<CredentialDefinition>,
    /// `credential_metadata`.
    #[serde(default, skip_serializing_if = "CredentialMetadata::is_empty")]
    pub credential_metadata: CredentialMetadata,
}

/// The JOSE algorithms Kith accepts in key proofs by default.
fn default_proof_algorithms() -> Vec<String> {
    kith_crypto::Algorithm::ALL
        .iter()
        .map(|a| a.name().to_owned())
        .collect()
}

impl CredentialConfiguration {
    fn bound(format: CredentialFormat, signing_algs: Vec<String>) -> Self {
        let mut proof_types = BTreeMap::new();
        proof_types.insert(
            PROOF_TYPE_JWT.to_owned(),
            ProofTypeMetadata {
                proof_signing_alg_values_supported: default_proof_algorithms(),
            },
        );
        Self {
            format: format.identifier().to_owned(),
            scope: None,
            credential_signing_alg_values_supported: signing_algs,
            cryptographic_binding_methods_supported: vec![
                "jwk".to_owned(),
                "did:key".to_owned(),
                "did:jwk".to_owned(),
            ],
            proof_types_supported: proof_types,
            vct: None,
            credential_definition: None,
            credential_metadata: CredentialMetadata::default(),
        }
    }

    /// An SD-JWT VC configuration of type `vct`, bound to a holder key proven by a
    /// `jwt` proof (Appendix A.3.2). `signing_alg` is the issuer key's JOSE algorithm.
    pub fn sd_jwt_vc(vct: impl Into<String>, signing_alg: kith_crypto::Algorithm) -> Self {
        let mut config = Self::bound(
            CredentialFormat::SdJwtVc,
            vec![signing_alg.name().to_owned()],
        );
        config.vct = Some(vct.into());
        config
    }

    /// A `jwt_vc_json` configuration with these `type`s (Appendix A.1.1.2).
    pub fn jwt_vc_json(types: &[&str], signing_alg: kith_crypto::Algorithm) -> Self {
        let mut config = Self::bound(
            CredentialFormat::JwtVcJson,
            vec![signing_alg.name().to_owned()],
        );
        config.credential_definition = Some(CredentialDefinition {
            context: Vec::new(),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
        });
        config
    }

    /// An `ldp_vc` configuration with this `@context` and these `type`s, secured with
    /// the Data Integrity `cryptosuite` (e.g. `eddsa-jcs-2022`; Appendix A.1.2.2).
    pub fn ldp_vc(context: &[&str], types: &[&str], cryptosuite: &str) -> Self {
        let mut config = Self::bound(CredentialFormat::LdpVc, vec![cryptosuite.to_owned()]);
        config.credential_definition = Some(CredentialDefinition {
            context: context.iter().map(|c| (*c).to_owned()).collect(),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
        });
        config
    }

    /// An `ldp_vc` configuration secured with `kith-zkp-2026` (docs/zk-predicates.md):
    /// its holders disclose chosen claims and prove predicates in zero knowledge. No
    /// key binding (no binding methods, no proof types): a holder key inside the
    /// credential would be shown to every verifier and link the presentations.
    pub fn ldp_vc_zkp(context: &[&str], types: &[&str]) -> Self {
        let mut config = Self::ldp_vc(context, types, kith_vc::zkp::CRYPTOSUITE);
        config.cryptographic_binding_methods_supported.clear();
        config.proof_types_supported.clear();
        config
    }

    /// The `@context` of a VCDM 2.0 credential of this configuration: the credentials
    /// v2 context first (VCDM §4.3), then the configuration's others.
    pub(crate) fn vcdm_context(&self) -> Vec<Value> {
        let mut context = vec![Value::from(kith_vc::model::CREDENTIALS_V2_CONTEXT)];
        if let Some(definition) = &self.credential_definition {
            for extra in &definition.context {
                if extra != kith_vc::model::CREDENTIALS_V2_CONTEXT {
                    context.push(Value::from(extra.as_str()));
                }
            }
        }
        context
    }

    /// Whether credentials of this configuration are `kith-zkp-2026` ones.
    pub fn is_zkp(&self) -> bool {
        self.credential_format() == Some(CredentialFormat::LdpVc)
            && self
                .credential_signing_alg_values_supported
                .first()
                .is_some_and(|suite| suite == kith_vc::zkp::CRYPTOSUITE)
    }

    /// Adds a `credential_metadata.display` entry.
    pub fn with_display(mut self, name: &str, locale: Option<&str>) -> Self {
        self.credential_metadata.display.push(CredentialDisplay {
            name: name.to_owned(),
            locale: locale.map(str::to_owned),
            ..CredentialDisplay::default()
        });
        self
    }

    /// Adds a claims description: the claim at `path` (object member names) shown as
    /// `display_name` in `locale`.
    pub fn with_claim(mut self, path: &[&str], display_name: &str, locale: Option<&str>) -> Self {
        self.credential_metadata.claims.push(ClaimDescription {
            path: path.iter().map(|p| Value::from(*p)).collect(),
            mandatory: None,
            display: vec![ClaimDisplay {
                name: Some(display_name.to_owned()),
                locale: locale.map(str::to_owned),
            }],
        });
        self
    }

    /// Restricts the accepted key proof algorithms.
    pub fn with_proof_algorithms(mut self, algorithms: &[kith_crypto::Algorithm]) -> Self {
        self.proof_types_supported.insert(
            PROOF_TYPE_JWT.to_owned(),
            ProofTypeMetadata {
                proof_signing_alg_values_supported: algorithms
                    .iter()
                    .map(|a| a.name().to_owned())
                    .collect(),
            },
        );
        self
    }

    /// Restricts the accepted binding methods (`jwk`, `did:key`, `did:jwk`).
    pub fn with_binding_methods(mut self, methods: &[&str]) -> Self {
        self.cryptographic_binding_methods_supported =
            methods.iter().map(|m| (*m).to_owned()).collect();
        self
    }

    /// The format, if Kith implements it.
    pub fn credential_format(&self) -> Option<CredentialFormat> {
        CredentialFormat::from_identifier(&self.format)
    }

    /// The `type`s of a W3C VC configuration (empty for SD-JWT VC).
    pub fn types(&self) -> &[String] {
        self.credential_definition
            .as_ref()
            .map_or(&[], |d| d.types.as_slice())
    }

    /// The `jwt` proof algorithms accepted, if the configuration asks for key proofs.
    pub fn jwt_proof_algorithms(&self) -> Option<&[String]> {
        self.proof_types_supported
            .get(PROOF_TYPE_JWT)
            .map(|p| p.proof_signing_alg_values_supported.as_slice())
    }

    /// Whether cryptographic key binding is required (§12.2.4: binding methods present).
    pub fn requires_key_binding(&self) -> bool {
        !self.cryptographic_binding_methods_supported.is_empty()
    }

    /// Checks what an issuer needs to issue this configuration (the issuer side).
    pub(crate) fn check_issuable(&self, id: &str) -> Result<CredentialFormat, Error> {
        let bad =
            |why: &str| Error::Configuration(format!("credential configuration {id:?}: {why}"));
        let format = self
            .credential_format()
            .ok_or_else(|| bad(&format!("format {:?} is not one Kith issues", self.format)))?;
        match format {
            CredentialFormat::SdJwtVc if self.vct.is_none() => {
                return Err(bad("dc+sd-jwt needs vct"));
            }
            CredentialFormat::JwtVcJson | CredentialFormat::LdpVc if self.types().is_empty() => {
                return Err(bad("credential_definition.type is required"));
            }
            CredentialFormat::LdpVc => {
                let suite = self
                    .credential_signing_alg_values_supported
                    .first()
                    .ok_or_else(|| bad("ldp_vc names its cryptosuite in credential_signing_alg_values_supported"))?;
                if suite == kith_vc::zkp::CRYPTOSUITE {
                    if self.requires_key_binding() || self.jwt_proof_algorithms().is_some() {
                        return Err(bad(
                            "kith-zkp-2026 credentials carry no holder key: no binding methods or proof types",
                        ));
                    }
                } else if !kith_vc::di::is_known(suite) {
                    return Err(bad(&format!("unknown cryptosuite {suite:?}")));
                }
                let context = self.credential_definition.as_ref().map(|d| &d.context);
                if context.is_none_or(|c| c.is_empty()) {
                    return Err(bad("ldp_vc needs credential_definition.@context"));
                }
            }
            _ => {}
        }
        if self.requires_key_binding() {
            let algorithms = self
                .jwt_proof_algorithms()
                .ok_or_else(|| bad("key binding needs proof_types_supported.jwt"))?;
            for name in algorithms {
                name.parse::<kith_crypto::Algorithm>()
                    .map_err(|e| bad(&format!("proof algorithm {name:?}: {e}")))?;
            }
        }
        Ok(format)
    }
}

/// `batch_credential_issuance` (§12.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCredentialIssuance {
    /// `batch_size`: the most key proofs one request may carry (2 or more).
    pub batch_size: usize,
}

/// Credential Issuer Metadata (§12.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerMetadata {
    /// `credential_issuer`: the Credential Issuer Identifier.
    pub credential_issuer: String,
    /// `authorization_servers`; absent when the issuer is its own authorization server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    /// `credential_endpoint`.
    pub credential_endpoint: String,
    /// `nonce_endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_endpoint: Option<String>,
    /// `batch_credential_issuance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_credential_issuance: Option<BatchCredentialIssuance>,
    /// `display`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<IssuerDisplay>,
    /// `credential_configurations_supported`.
    pub credential_configurations_supported: BTreeMap<String, CredentialConfiguration>,
}

/// OAuth 2.0 Authorization Server Metadata (RFC 8414 §2; OpenID4VCI 1.0 §12.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    /// `issuer`.
    pub issuer: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `grant_types_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    /// `token_endpoint_auth_methods_supported` (`none`: public clients).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `pre-authorized_grant_anonymous_access_supported` (§12.3): token requests with a
    /// pre-authorized code and no `client_id` are accepted.
    #[serde(
        rename = "pre-authorized_grant_anonymous_access_supported",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub pre_authorized_grant_anonymous_access_supported: bool,
}

/// The URL of a well-known document for `identifier`: the suffix inserted between the
/// host and the path (§12.2.2; RFC 8414 §3.1), e.g. `https://issuer.example.com/tenant`
/// → `https://issuer.example.com/.well-known/openid-credential-issuer/tenant`.
pub fn well_known_url(identifier: &Url, suffix: &str) -> Result<Url, Error> {
    let path = identifier.path().trim_end_matches('/');
    let mut url = identifier.clone();
    url.set_path(&format!("{suffix}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Checks an identifier or endpoint URL: `https`, or `http` on a loopback host (tests
/// and a local `kith demo`); no fragment, and for an identifier no query (§12.2.1).
pub(crate) fn check_url(text: &str, what: &str, identifier: bool) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{what} {text:?} is not a URL: {e}"))?;
    let loopback = matches!(url.host(), Some(url::Host::Domain("localhost")))
        || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        other => {
            return Err(format!(
                "{what} {text:?} uses {other}: only https (or http on a loopback host) is allowed"
            ));
        }
    }
    if url.host().is_none() {
        return Err(format!("{what} {text:?} has no host"));
    }
    if url.fragment().is_some() || (identifier && url.query().is_some()) {
        return Err(format!("{what} {text:?} must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{what} {text:?} must not carry credentials"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_is_inserted_before_the_path() {
        let tenant = Url::parse("https://issuer.example.com/tenant").unwrap();
        assert_eq!(
            well_known_url(&tenant, WELL_KNOWN_CREDENTIAL_ISSUER)
                .unwrap()
                .as_str(),
            "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
        );
        let bare = Url::parse("https://tenant.issuer.example.com").unwrap();
        assert_eq!(
            well_known_url(&bare, WELL_KNOWN_CREDENTIAL_ISSUER)
                .unwrap()
                .as_str(),
            "https://tenant.issuer.example.com/.well-known/openid-credential-issuer"
        );
    }

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://a.example", "x", true).is_ok());
        assert!(check_url("http://127.0.0.1:8080", "x", true).is_ok());
        assert!(check_url("http://localhost:1", "x", true).is_ok());
        assert!(check_url("http://a.example", "x", true).is_err());
        assert!(check_url("https://a.example?q=1", "x", true).is_err());
        assert!(check_url("https://a.example?q=1", "x", false).is_ok());
        assert!(check_url("https://u:p@a.example", "x", false).is_err());
        assert!(check_url("ftp://a.example", "x", false).is_err());
    }

    #[test]
    fn a_configuration_round_trips_through_json() {
        let config = CredentialConfiguration::sd_jwt_vc(
            "https://example.com/pid",
            kith_crypto::Algorithm::EdDsa,
        )
        .with_display("PID", Some("en"))
        .with_claim(&["given_name"], "Given name", Some("en"));
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["format"], "dc+sd-jwt");
        assert_eq!(
            json["credential_metadata"]["claims"][0]["path"][0],
            "given_name"
        );
        let back: CredentialConfiguration = serde_json::from_value(json).unwrap();
        assert_eq!(back, config);
    }
}
