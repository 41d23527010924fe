//! OpenID4VCI and OpenID4VP for `kith serve`: the service's credential issuer (its
//! credential configurations, offers, token, nonce and credential endpoints) and its
//! OpenID4VP verifier (signed request objects by reference, `direct_post` and
//! `direct_post.jwt` responses), wired to the service's own key set, status lists and
//! verification pipeline. The protocol logic lives in kith-oid4vc; this module only
//! supplies the seams and the catalog.
//!
//! Exchange state (offers, codes, tokens, nonces, requests) lives in memory with a
//! lifetime of minutes: a restart abandons exchanges in flight, never an issued
//! credential (those are recorded in the store with their status entries).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use kith_crypto::{Algorithm, KeyType, Signer};
use kith_oid4vc::vci::{
    self, CredentialConfiguration, CredentialFormat, CredentialIssuer, IssuerKey, IssuerSettings,
    IssuingSeam, StatusRequest, ZkpIssuerKey,
};
use kith_oid4vc::vp::store::MemoryStateStore as VpMemoryStore;
use kith_oid4vc::vp::verifier::{VerifierConfig, VpVerifier};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use url::Url;

use crate::app::{App, ServerConfig, WeakApp};
use crate::issuer::IssueFormat;
use crate::problem::Problem;

/// One credential configuration the issuer console offers, with example claims.
#[derive(Debug, Clone)]
pub struct Template {
    /// The credential configuration id.
    pub configuration_id: String,
    /// A human name.
    pub name: String,
    /// The configuration.
    pub configuration: CredentialConfiguration,
    /// Claims to start from.
    pub example_claims: Value,
}

/// The SD-JWT VC type of the PID-style credential in the default catalog (the EU
/// Digital Identity Wallet's PID type).
pub const PID_VCT: &str = "urn:eudi:pid:1";

/// The W3C type of the identity credential issued with `kith-zkp-2026`.
pub const IDENTITY_TYPE: &str = "IdentityCredential";

/// The default catalog: a PID-style SD-JWT VC (every claim selectively disclosable),
/// a university diploma as `jwt_vc_json` and as `ldp_vc` (Data Integrity), and, for
/// an issuer with a `kith-zkp-2026` key (`zkp`), an identity credential whose holder
/// proves statements such as "born on or before" without disclosing the date.
pub fn default_templates(key_type: KeyType, zkp: bool) -> Vec<Template> {
    let alg = match key_type {
        KeyType::P256 => Algorithm::Es256,
        KeyType::P384 => Algorithm::Es384,
        KeyType::Secp256k1 => Algorithm::Es256K,
        _ => Algorithm::EdDsa,
    };
    let jcs_suite = match key_type {
        KeyType::P256 | KeyType::P384 => "ecdsa-jcs-2019",
        _ => "eddsa-jcs-2022",
    };
    let pid = CredentialConfiguration::sd_jwt_vc(PID_VCT, alg)
        .with_display("Personal identification", Some("en"))
        .with_claim(&["given_name"], "Given name", Some("en"))
        .with_claim(&["family_name"], "Family name", Some("en"))
        .with_claim(&["birthdate"], "Date of birth", Some("en"))
        .with_claim(&["age_over_18"], "Over 18", Some("en"))
        .with_claim(&["nationality"], "Nationality", Some("en"));
    let degree_types = ["VerifiableCredential", "UniversityDegreeCredential"];
    let degree_claims = json!({
        "name": "Alice Example",
        "degree": {"type": "MasterDegree", "name": "Master of Science in Computer Science"},
        "graduationDate": "2025-06-30",
    });
    let degree_jwt = CredentialConfiguration::jwt_vc_json(&degree_types, alg)
        .with_display("University degree", Some("en"));
    let degree_ldp = CredentialConfiguration::ldp_vc(
        &[kith_vc::model::CREDENTIALS_V2_CONTEXT],
        &degree_types,
        jcs_suite,
    )
    .with_display("University degree (Data Integrity)", Some("en"));
    let identity_zkp = CredentialConfiguration::ldp_vc_zkp(
        &[kith_vc::model::CREDENTIALS_V2_CONTEXT],
        &["VerifiableCredential", IDENTITY_TYPE],
    )
    .with_display("Identity (zero-knowledge proofs)", Some("en"))
    .with_claim(
        &["credentialSubject", "givenName"],
        "Given name",
        Some("en"),
    )
    .with_claim(
        &["credentialSubject", "familyName"],
        "Family name",
        Some("en"),
    )
    .with_claim(
        &["credentialSubject", "birthDate"],
        "Date of birth",
        Some("en"),
    )
    .with_claim(
        &["credentialSubject", "nationality"],
        "Nationality",
        Some("en"),
    );
    let mut templates = vec![
        Template {
            configuration_id: "pid".into(),
            name: "Personal identification (SD-JWT VC)".into(),
            configuration: pid,
            example_claims: json!({
                "given_name": "Alice",
                "family_name": "Example",
                "birthdate": "1990-04-12",
                "age_over_18": true,
                "nationality": "NL",
            }),
        },
        Template {
            configuration_id: "university_degree".into(),
            name: "University degree (vc+jwt)".into(),
            configuration: degree_jwt,
            example_claims: degree_claims.clone(),
        },
        Template {
            configuration_id: "university_degree_ldp".into(),
            name: "University degree (Data Integrity)".into(),
            configuration: degree_ldp,
            example_claims: degree_claims,
        },
    ];
    if zkp {
        templates.push(Template {
            configuration_id: "identity_zkp".into(),
            name: "Identity (kith-zkp-2026: prove age without the birth date)".into(),
            configuration: identity_zkp,
            example_claims: json!({
                "givenName": "Alice",
                "familyName": "Example",
                "birthDate": "1990-04-12",
                "nationality": "NL",
            }),
        });
    }
    templates
}

/// The issuing seam over the service's issuer: its active key (read per issuance, so a
/// rotation applies at once) and its status lists.
struct ServiceSeam {
    app: Arc<OnceLock<WeakApp>>,
}

impl ServiceSeam {
    fn app(&self) -> Result<App, vci::Error> {
        self.app
            .get()
            .and_then(WeakApp::upgrade)
            .ok_or_else(|| vci::Error::Unavailable("the service is shutting down".into()))
    }
}

#[async_trait]
impl IssuingSeam for ServiceSeam {
    async fn issuer_key(&self) -> Result<IssuerKey, vci::Error> {
        let (did, kid, signer) = self.app()?.issuer().signing_identity();
        Ok(IssuerKey {
            did,
            kid,
            signer: signer as Arc<dyn Signer>,
        })
    }

    async fn credential_status(
        &self,
        request: &StatusRequest<'_>,
    ) -> Result<Option<Value>, vci::Error> {
        let app = self.app()?;
        let format = match request.format {
            CredentialFormat::SdJwtVc => IssueFormat::SdJwt,
            CredentialFormat::JwtVcJson => IssueFormat::VcJwt,
            CredentialFormat::LdpVc => IssueFormat::DataIntegrity,
        };
        app.issuer()
            .allocate_status(request.credential_id, format, "oid4vci", "-")
            .await
            .map(Some)
            .map_err(|p| vci::Error::Unavailable(p.detail))
    }

    async fn zkp_issuer_key(&self) -> Result<Option<ZkpIssuerKey>, vci::Error> {
        Ok(self
            .app()?
            .issuer()
            .zkp_identity()
            .map(|(did, kid, key)| ZkpIssuerKey { did, kid, key }))
    }
}

/// The service's OpenID4VCI issuer and OpenID4VP verifier.
pub struct Exchange {
    issuer: CredentialIssuer,
    verifier: VpVerifier,
    templates: Vec<Template>,
    app: Arc<OnceLock<WeakApp>>,
}

impl Exchange {
    /// Sets both up for the service configured by `config`, whose active key is
    /// `(did, kid, signer)` and whose verification pipeline is `pipeline`.
    pub fn new(
        config: &ServerConfig,
        identity: (String, String, Arc<dyn Signer>),
        zkp: bool,
        pipeline: kith_vc::Verifier,
    ) -> Result<Self, Problem> {
        let (did, kid, signer) = identity;
        let public = &config.issuer.public_url;
        let templates = default_templates(config.issuer.key_type, zkp);
        let mut settings = IssuerSettings::new(public.clone()).map_err(setup)?;
        for template in &templates {
            settings = settings
                .with_configuration(&template.configuration_id, template.configuration.clone());
        }
        let app = Arc::new(OnceLock::new());
        let seam = Arc::new(ServiceSeam {
            app: Arc::clone(&app),
        });
        let issuer = CredentialIssuer::new(
            settings,
            seam,
            Arc::new(vci::MemoryStateStore::default()),
            Arc::clone(&pipeline.resolver),
        )
        .map_err(setup)?;

        let base = public.as_str().trim_end_matches('/');
        let url = |path: &str| {
            Url::parse(&format!("{base}{path}"))
                .map_err(|e| Problem::internal(format!("endpoint {path}: {e}")))
        };
        let did = kith_did::Did::parse(&did)
            .map_err(|e| Problem::internal(format!("the service DID does not parse: {e}")))?;
        let mut verifier_config = VerifierConfig::did(
            did,
            signer,
            url("/oid4vp/request")?,
            url("/oid4vp/response")?,
        );
        verifier_config.kid = Some(kid);
        let verifier = VpVerifier::new(
            verifier_config,
            pipeline,
            Arc::new(VpMemoryStore::new(100_000)),
        )
        .map_err(|e| Problem::internal(format!("the OpenID4VP verifier cannot be set up: {e}")))?;
        Ok(Self {
            issuer,
            verifier,
            templates,
            app,
        })
    }

    /// Connects the issuing seam to the app once it exists.
    pub fn attach(&self, app: &App) {
        let _ = self.app.set(app.downgrade());
    }

    /// The credential issuer.
    pub fn issuer(&self) -> &CredentialIssuer {
        &self.issuer
    }

    /// The OpenID4VP verifier.
    pub fn verifier(&self) -> &VpVerifier {
        &self.verifier
    }

    /// The issuer console's catalog.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// The template with `configuration_id`.
    pub fn template(&self, configuration_id: &str) -> Option<&Template> {
        self.templates
            .iter()
            .find(|t| t.configuration_id == configuration_id)
    }
}

fn setup(e: vci::Error) -> Problem {
    Problem::internal(format!("the OpenID4VCI issuer cannot be set up: {e}"))
}

/// The latest birth date of someone who is 18 on `today` (a 29 February birthday
/// turns 18 on 1 March in common years, so its cutoff is 28 February).
pub fn adult_cutoff(today: Date) -> Date {
    let year = today.year() - 18;
    Date::from_calendar_date(year, today.month(), today.day())
        .or_else(|_| Date::from_calendar_date(year, today.month(), today.day() - 1))
        .unwrap_or(today)
}

/// The DCQL query "born on or before the adult cutoff", proven in zero knowledge
/// over an identity credential (`kith_predicate`, kith-zkp-2026): the verifier learns
/// that the holder is an adult and nothing else, not even the birth date.
pub fn age_over_18_zkp(today: Date) -> Value {
    let cutoff = adult_cutoff(today);
    let cutoff = format!(
        "{:04}-{:02}-{:02}",
        cutoff.year(),
        u8::from(cutoff.month()),
        cutoff.day()
    );
    json!({"credentials": [{
        "id": "identity",
        "format": "ldp_vc",
        "meta": {"type_values": [["VerifiableCredential", IDENTITY_TYPE]]},
        // The proof is bound to the request's nonce and client id, not to a holder key
        // (a holder key would link presentations; docs/zk-predicates.md §7).
        "require_cryptographic_holder_binding": false,
        "claims": [{
            "path": ["credentialSubject", "birthDate"],
            "kith_predicate": {"op": "<=", "value": cutoff}
        }]
    }]})
}

/// Ready-made DCQL queries for the verifier console, by name.
pub fn preset_queries() -> BTreeMap<&'static str, (&'static str, Value)> {
    let mut presets = BTreeMap::new();
    presets.insert(
        "age_over_18",
        (
            "Age over 18 (only that)",
            json!({"credentials": [{
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [PID_VCT]},
                "claims": [{"path": ["age_over_18"], "values": [true]}]
            }]}),
        ),
    );
    presets.insert(
        "age_over_18_zkp",
        (
            "Age over 18 (zero-knowledge: no birth date)",
            age_over_18_zkp(OffsetDateTime::now_utc().date()),
        ),
    );
    presets.insert(
        "name_nationality",
        (
            "Name and nationality (KYC)",
            json!({"credentials": [{
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [PID_VCT]},
                "claims": [
                    {"path": ["given_name"]},
                    {"path": ["family_name"]},
                    {"path": ["nationality"]}
                ]
            }]}),
        ),
    );
    presets.insert(
        "degree",
        (
            "University degree",
            json!({"credentials": [{
                "id": "degree",
                "format": "jwt_vc_json",
                "meta": {"type_values": [["VerifiableCredential", "UniversityDegreeCredential"]]},
                "claims": [{"path": ["credentialSubject", "degree", "name"]}]
            }]}),
        ),
    );
    presets
}
