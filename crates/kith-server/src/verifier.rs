//! The server's verifier: the verification pipeline with a resolver and a status
//! list source that answer this service's own DID and status lists in-process (no
//! HTTP request to itself), and everything else over bounded, SSRF-guarded fetches.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use kith_did::fetch::BoundedFetcher;
use kith_did::{
    CacheConfig, CachingResolver, Did, MethodResolver, Resolution, ResolutionOptions, Resolver,
};
use kith_vc::jose::EnvelopedCredential;
use kith_vc::status::{BitstringStatusChecker, StatusListSource};
use kith_vc::{Challenge, Report, Verifier};
use serde_json::Value;
use url::Url;

use crate::app::{App, ServerConfig, WeakApp};
use crate::problem::Problem;

/// The parts that call back into the app once it exists.
struct Own {
    did: Did,
    status_prefix: String,
    app: OnceLock<WeakApp>,
}

impl Own {
    fn app(&self) -> Option<App> {
        self.app.get().and_then(WeakApp::upgrade)
    }
}

/// Resolves this service's DID from its key set (a did:webvh DID from its log), others
/// with the default methods.
struct ServerResolver {
    own: Arc<Own>,
    others: CachingResolver,
}

#[async_trait]
impl Resolver for ServerResolver {
    async fn resolve(
        &self,
        did: &Did,
        options: &ResolutionOptions,
    ) -> Result<Resolution, kith_did::Error> {
        if did == &self.own.did
            && let Some(app) = self.own.app()
        {
            // A did:webvh DID resolves from the in-memory log, with its history
            // (`versionTime` and the other options of did:webvh v1.0 "Read (Resolve)").
            if let Some(resolution) = app.issuer().resolve_own(options) {
                return resolution;
            }
            return Ok(Resolution {
                document: app.issuer().document().as_ref().clone(),
                document_metadata: Default::default(),
            });
        }
        self.others.resolve(did, options).await
    }

    /// The hot path of every verification: the service's own methods are looked up in
    /// its shared key set, without copying the document.
    async fn lookup_method(
        &self,
        url: &kith_did::DidUrl,
        relationship: kith_did::Relationship,
    ) -> Result<Option<kith_did::MethodLookup>, kith_did::Error> {
        if url.did() == &self.own.did
            && let Some(app) = self.own.app()
        {
            return kith_did::lookup_in_document(&app.issuer().document(), url, relationship);
        }
        self.others.lookup_method(url, relationship).await
    }

    /// A lookup as of a proof's time: the service's own did:webvh DID answers from
    /// its log, in the version in effect then (did:webvh v1.0 "Read (Resolve)",
    /// `versionTime`); the current document when it was already in effect.
    async fn lookup_method_with(
        &self,
        url: &kith_did::DidUrl,
        relationship: kith_did::Relationship,
        options: &ResolutionOptions,
    ) -> Result<Option<kith_did::MethodLookup>, kith_did::Error> {
        if url.did() == &self.own.did
            && let Some(app) = self.own.app()
        {
            let issuer = app.issuer();
            let current = options.version_id.is_none()
                && options.extra.is_empty()
                && issuer.current_in_effect_at(options.version_time.as_deref());
            if !current && let Some(resolution) = issuer.resolve_own(options) {
                return kith_did::lookup_in_document(&resolution?.document, url, relationship);
            }
            return kith_did::lookup_in_document(&issuer.document(), url, relationship);
        }
        self.others
            .lookup_method_with(url, relationship, options)
            .await
    }
}

/// Serves this service's status lists in-process, fetches the rest.
struct ServerStatusLists {
    own: Arc<Own>,
    fetcher: BoundedFetcher,
}

#[async_trait]
impl StatusListSource for ServerStatusLists {
    async fn fetch(&self, url: &Url) -> Result<Vec<u8>, kith_vc::Error> {
        if let Some(list) = url.as_str().strip_prefix(&self.own.status_prefix)
            && let Some(app) = self.own.app()
        {
            return match app.issuer().status_list_credential(list).await {
                Ok(Some(credential)) => serde_json::to_vec(credential.as_ref()).map_err(|e| {
                    kith_vc::Error::ApiMisuse(format!("status list does not serialize: {e}"))
                }),
                Ok(None) | Err(_) => self.fetcher.fetch(url).await,
            };
        }
        self.fetcher.fetch(url).await
    }

    /// This service's Status List Tokens (for SD-JWT VCs' `status.status_list`, at the
    /// same URLs) are signed in-process too.
    async fn fetch_status_list_token(&self, url: &Url) -> Result<Vec<u8>, kith_vc::Error> {
        if let Some(list) = url.as_str().strip_prefix(&self.own.status_prefix)
            && let Some(app) = self.own.app()
        {
            return match app.issuer().status_list_token(list).await {
                Ok(Some(token)) => Ok(token.as_bytes().to_vec()),
                Ok(None) | Err(_) => self.fetcher.fetch_status_list_token(url).await,
            };
        }
        self.fetcher.fetch_status_list_token(url).await
    }
}

/// The verifier used by `/credentials/verify` and `/presentations/verify`.
pub struct ServerVerifier {
    own: Arc<Own>,
    /// The pipeline with the policy in effect; replaced whole when the trusted issuer
    /// registry changes, so a verification sees one policy from start to end.
    verifier: std::sync::RwLock<Arc<Verifier>>,
    /// The policy from the configuration (`--trust-list`), merged with the registry.
    configured: kith_vc::policy::Policy,
    status: Arc<BitstringStatusChecker>,
    /// Held from reading or writing the stored registry until it is applied, so that a
    /// periodic reload that read it before a change cannot apply it after.
    registry_updates: tokio::sync::Mutex<()>,
}

/// The policy in effect: the configured one, with the registry's issuers added. Either
/// side that names issuers restricts verification to the issuers of both.
pub fn merge_policy(
    configured: &kith_vc::policy::Policy,
    registry: &kith_vc::policy::Policy,
) -> kith_vc::policy::Policy {
    let mut merged = configured.clone();
    merged
        .trusted_issuers
        .extend(registry.trusted_issuers.iter().cloned());
    for (kind, issuers) in &registry.trusted_issuers_by_type {
        merged
            .trusted_issuers_by_type
            .entry(kind.clone())
            .or_default()
            .extend(issuers.iter().cloned());
    }
    for claim in &registry.required_claims {
        if !merged.required_claims.contains(claim) {
            merged.required_claims.push(claim.clone());
        }
    }
    merged
}

impl ServerVerifier {
    /// A copy of the verification pipeline (shared resolver, status lists and caches),
    /// for the OpenID4VP verifier.
    pub fn pipeline(&self) -> Verifier {
        self.current().as_ref().clone()
    }

    fn current(&self) -> Arc<Verifier> {
        Arc::clone(&self.verifier.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Held while the stored registry is read or written and then applied: one update
    /// of the registry in effect at a time, in the order they read or wrote the store.
    pub async fn registry_update(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.registry_updates.lock().await
    }

    /// Applies the trusted issuer registry: the configured policy plus `registry`.
    pub fn set_registry(&self, registry: &kith_vc::policy::Policy) {
        let mut next = self.current().as_ref().clone();
        next.policy = merge_policy(&self.configured, registry);
        *self.verifier.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }

    /// A verifier for the service configured by `config`, whose own DID is `did`.
    pub fn new(config: &ServerConfig, did: Did) -> Result<Self, Problem> {
        let base = config.issuer.public_url.as_str().trim_end_matches('/');
        let own = Arc::new(Own {
            did,
            status_prefix: format!("{base}/status/"),
            app: OnceLock::new(),
        });
        let methods = MethodResolver::with_defaults(config.fetch.clone())
            .map_err(|e| Problem::internal(format!("the DID resolvers cannot be set up: {e}")))?;
        let resolver = ServerResolver {
            own: Arc::clone(&own),
            others: CachingResolver::new(Arc::new(methods), CacheConfig::default()),
        };
        let fetcher = BoundedFetcher::new(config.fetch.clone())
            .map_err(|e| Problem::internal(format!("the HTTP client cannot be set up: {e}")))?;
        let mut verifier = Verifier::new(Arc::new(resolver));
        let source = ServerStatusLists {
            own: Arc::clone(&own),
            fetcher,
        };
        let status = Arc::new(BitstringStatusChecker::new(&verifier, Arc::new(source)));
        verifier.status = Some(status.clone());
        // After the status checker took its copy: status list credentials are not
        // subject to the issuer policy.
        verifier.policy = config.policy.clone();
        Ok(Self {
            own,
            verifier: std::sync::RwLock::new(Arc::new(verifier)),
            configured: config.policy.clone(),
            status,
            registry_updates: tokio::sync::Mutex::new(()),
        })
    }

    /// Connects the verifier to the app (its own DID and lists).
    pub fn attach(&self, app: &App) {
        let _ = self.own.app.set(app.downgrade());
    }

    /// Verifies a credential.
    pub async fn verify_credential(&self, input: &str) -> Report {
        self.current().verify_credential(input).await
    }

    /// Verifies a presentation against `challenge`.
    pub async fn verify_presentation(&self, input: &str, challenge: &Challenge) -> Report {
        self.current().verify_presentation(input, challenge).await
    }

    /// Finds a verification method and whether `relationship` authorizes it.
    pub async fn lookup_method(
        &self,
        url: &kith_did::DidUrl,
        relationship: kith_did::Relationship,
    ) -> Result<Option<kith_did::MethodLookup>, kith_did::Error> {
        let resolver = Arc::clone(&self.current().resolver);
        resolver.lookup_method(url, relationship).await
    }

    /// Drops a cached status list (after this service changed it): the Bitstring
    /// Status List credential and the Status List Token at that URL.
    pub fn forget_status_list(&self, url: &str) {
        self.status.forget(url);
    }
}

/// The pipeline's input for a VC-API `verifiableCredential`: a compact string as is,
/// an `EnvelopedVerifiableCredential` unwrapped from its `data:` URL, any other
/// object as JSON.
pub fn credential_input(value: &Value) -> Result<String, Problem> {
    match value {
        Value::String(compact) => compact_only(compact),
        Value::Object(object) => {
            let enveloped = match object.get("type") {
                Some(Value::String(t)) => t == "EnvelopedVerifiableCredential",
                Some(Value::Array(types)) => types
                    .iter()
                    .any(|t| t.as_str() == Some("EnvelopedVerifiableCredential")),
                _ => false,
            };
            if enveloped {
                // > The @context property of the object MUST be present and include a
                // > context, such as the base context for this specification, that defines
                // > at least the id, type, and EnvelopedVerifiableCredential terms
                // <https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials>
                let base = kith_vc::model::CREDENTIALS_V2_CONTEXT;
                let first_context = match object.get("@context") {
                    Some(Value::String(context)) => Some(context.as_str()),
                    Some(Value::Array(contexts)) => contexts.first().and_then(Value::as_str),
                    _ => None,
                };
                if first_context != Some(base) {
                    return Err(Problem::bad_request(
                        "invalid_context",
                        format!(
                            "an EnvelopedVerifiableCredential's @context must start with {base}"
                        ),
                    ));
                }
                let url = object.get("id").and_then(Value::as_str).ok_or_else(|| {
                    Problem::bad_request(
                        "malformed",
                        "an EnvelopedVerifiableCredential needs a data: URL id",
                    )
                })?;
                let envelope = EnvelopedCredential::from_data_url(url)
                    .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
                return Ok(envelope.credential);
            }
            serde_json::to_string(value)
                .map_err(|e| Problem::bad_request("malformed", format!("{e}")))
        }
        _ => Err(Problem::bad_request(
            "malformed",
            "verifiableCredential must be an object or a string",
        )),
    }
}

/// The pipeline's input for a VC-API `verifiablePresentation`.
pub fn presentation_input(value: &Value) -> Result<String, Problem> {
    match value {
        Value::String(compact) => compact_only(compact),
        Value::Object(_) => serde_json::to_string(value)
            .map_err(|e| Problem::bad_request("malformed", format!("{e}"))),
        _ => Err(Problem::bad_request(
            "malformed",
            "verifiablePresentation must be an object or a string",
        )),
    }
}

/// A string is a compact serialization (JWT, SD-JWT). JSON text in a string is refused:
/// a secured document must be a map (VC Data Integrity §4.3, "If either securedDocument
/// is not a map [...] an error MUST be raised").
fn compact_only(text: &str) -> Result<String, Problem> {
    if text.trim_start().starts_with(['{', '[']) {
        return Err(Problem::bad_request(
            "malformed",
            "a JSON credential or presentation must be sent as a JSON object, not as a string",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_text_in_a_string_is_not_a_credential() {
        let problem = credential_input(&json!("{\"@context\": []}")).unwrap_err();
        assert_eq!(problem.code, "malformed");
        assert!(presentation_input(&json!(" [1]")).is_err());
        assert_eq!(
            credential_input(&json!("eyJhbGciOi.x.y")).unwrap(),
            "eyJhbGciOi.x.y"
        );
    }

    #[test]
    fn enveloped_credentials_need_the_base_context() {
        let id = "data:application/vc+jwt,eyJh.eyJi.c2ln";
        let base = kith_vc::model::CREDENTIALS_V2_CONTEXT;
        for context in [json!(base), json!([base])] {
            let entry =
                json!({"@context": context, "type": "EnvelopedVerifiableCredential", "id": id});
            assert_eq!(credential_input(&entry).unwrap(), "eyJh.eyJi.c2ln");
        }
        for context in [
            None,
            Some(json!([])),
            Some(json!("https://www.w3.org/ns/credentials/examples/v2")),
            Some(json!([
                "https://www.w3.org/ns/credentials/examples/v2",
                base
            ])),
        ] {
            let mut entry = json!({"type": "EnvelopedVerifiableCredential", "id": id});
            if let Some(context) = context {
                entry["@context"] = context;
            }
            let problem = credential_input(&entry).unwrap_err();
            assert_eq!(problem.code, "invalid_context", "{entry}");
        }
    }
}
