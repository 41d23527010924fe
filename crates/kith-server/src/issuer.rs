//! The issuer: its DID and keys (sealed in the store), issuance with status entries,
//! and the signed Bitstring Status List credentials it serves. No HTTP here: handlers
//! parse, call these functions and map their errors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, PublicKey, Signer};
use kith_did::method::webvh::{self, VerifiedLog};
use kith_did::{
    Did, Document, MethodRef, Relationship, Resolution, ResolutionOptions, VerificationMethod,
};
use kith_store::{AuditEvent, IssuanceRecord, MasterKey, Store, StoredKey};
use kith_vc::jose::EnvelopedCredential;
use kith_vc::status::{BitstringStatusList, StatusPurpose, TokenStatusList};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use url::Url;
use utoipa::ToSchema;

use crate::batch::Batcher;
use crate::problem::Problem;

/// Which DID method names the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerDidMethod {
    /// did:web for the public URL; keys rotate by editing the served document.
    Web,
    /// did:key of the first key; it cannot rotate (a new key is a new DID).
    Key,
    /// did:webvh for the public URL: a signed, hash-chained log (`did.jsonl`) served
    /// beside a parallel did:web document; a rotation appends a log entry, so earlier
    /// keys stay resolvable as of their `versionTime`.
    Webvh,
}

/// How the issuer is set up.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// The URL clients reach this service at; the did:web DID and status list URLs
    /// are derived from it.
    pub public_url: Url,
    /// did:web (default) or did:key.
    pub did_method: IssuerDidMethod,
    /// The type of keys generated for signing.
    pub key_type: KeyType,
    /// Entries per status list (Bitstring Status List §6.1: at least 131,072).
    pub status_list_capacity: u64,
    /// How long verifiers may cache a served status list (its `ttl`).
    pub status_list_ttl: Duration,
    /// The Data Integrity cryptosuite used when a request names none (one of
    /// [`cryptosuites_for`] the key type); `None` is the first of those.
    pub cryptosuite: Option<String>,
}

/// The Data Integrity cryptosuites a key type signs with, default first: JCS
/// canonicalization, or RDFC-1.0 over the credential's JSON-LD.
pub fn cryptosuites_for(key_type: KeyType) -> &'static [&'static str] {
    match key_type {
        KeyType::Ed25519 => &["eddsa-jcs-2022", "eddsa-rdfc-2022"],
        KeyType::P256 | KeyType::P384 => &["ecdsa-jcs-2019", "ecdsa-rdfc-2019"],
        _ => &[],
    }
}

/// The purposes every issued credential gets a status entry for.
pub const STATUS_PURPOSES: [StatusPurpose; 2] =
    [StatusPurpose::Revocation, StatusPurpose::Suspension];

/// The purposes a credential secured as `format` gets a status entry for: both for
/// VCDM credentials, revocation only for SD-JWT VCs (one Token Status List reference,
/// draft-ietf-oauth-status-list §6.2).
pub fn status_purposes(format: IssueFormat) -> &'static [StatusPurpose] {
    match format {
        IssueFormat::SdJwt => &STATUS_PURPOSES[..1],
        IssueFormat::DataIntegrity | IssueFormat::VcJwt => &STATUS_PURPOSES,
    }
}

/// A signer that signs nothing: issuing with it runs every check of issuance without
/// using the key.
struct DryRun<'a>(&'a dyn Signer);

#[async_trait::async_trait]
impl Signer for DryRun<'_> {
    fn algorithm(&self) -> kith_crypto::Algorithm {
        self.0.algorithm()
    }

    fn public_key(&self) -> PublicKey {
        self.0.public_key()
    }

    fn key_id(&self) -> Option<&str> {
        self.0.key_id()
    }

    async fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, kith_crypto::Error> {
        Ok(Vec::new())
    }
}

/// The issuer's current keys and the DID document they make.
struct KeySet {
    signer: Arc<LocalSigner>,
    kid: String,
    document: Arc<Document>,
    document_json: Arc<Vec<u8>>,
    /// did:webvh: the verified log and its `did.jsonl` text.
    log: Option<Arc<WebvhLog>>,
    /// did:web: the `kith-zkp-2026` key (BLS12-381 G2) and its verification method.
    zkp: Option<(String, Arc<kith_vc::zkp::IssuerSecretKey>)>,
}

/// The issuer's verified did:webvh log, as stored and served.
struct WebvhLog {
    verified: VerifiedLog,
    jsonl: Vec<u8>,
}

/// The issuing service.
pub struct Issuer {
    store: Store,
    master: Arc<MasterKey>,
    config: IssuerConfig,
    did: Did,
    keys: RwLock<Arc<KeySet>>,
    /// Held while the key set is reloaded: a reload that read the store before a
    /// rotation must not replace the set a later reload made (the periodic one in
    /// `serve` races the one a rotation runs).
    reloading: tokio::sync::Mutex<()>,
    /// Signed status list credentials by list id, with the list version they show.
    lists: Mutex<HashMap<String, (u64, Arc<Value>)>>,
    /// Signed Status List Tokens by list id, with the list version they show and when
    /// they were signed.
    tokens: Mutex<HashMap<String, SignedToken>>,
    /// Records status entries and audit entries of issued credentials in batches.
    batcher: Batcher,
}

/// The request body of `POST /credentials/issue` (VC-API).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IssueRequest {
    /// The unsecured credential (VCDM 2.0; for `dc+sd-jwt`, the SD-JWT VC claims with `vct`).
    #[schema(value_type = Object)]
    pub credential: Value,
    /// How to secure it.
    #[serde(default)]
    pub options: IssueOptions,
}

/// Options of `POST /credentials/issue`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueOptions {
    /// `ldp_vc` / `di` (Data Integrity, the default), `vc+jwt` / `jwt_vc_json`, or
    /// `dc+sd-jwt`.
    pub format: Option<String>,
    /// The Data Integrity cryptosuite: `eddsa-jcs-2022` (Ed25519 keys, the default)
    /// or `ecdsa-jcs-2019` (P-256/P-384 keys).
    pub cryptosuite: Option<String>,
    /// Whether to allocate revocation and suspension entries (default true).
    pub credential_status: Option<bool>,
    /// For `dc+sd-jwt`: JSON pointers of the selectively disclosable claims.
    #[serde(default)]
    pub disclosable: Vec<String>,
}

/// The securing format chosen in the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueFormat {
    /// A Data Integrity proof (VC Data Integrity 1.0).
    DataIntegrity,
    /// `vc+jwt` (VC-JOSE-COSE), returned as an enveloped credential.
    VcJwt,
    /// `dc+sd-jwt` (SD-JWT VC), returned as an enveloped credential.
    SdJwt,
}

impl IssueFormat {
    /// Parses the `options.format` names clients use.
    pub fn parse(name: Option<&str>) -> Result<Self, Problem> {
        match name.unwrap_or("ldp_vc") {
            "ldp_vc" | "di" | "data-integrity" | "DataIntegrityProof" => Ok(Self::DataIntegrity),
            "vc+jwt" | "jwt_vc_json" | "jwt" => Ok(Self::VcJwt),
            "dc+sd-jwt" | "vc+sd-jwt" | "sd-jwt" => Ok(Self::SdJwt),
            other => Err(Problem::bad_request(
                "unsupported_format",
                format!(
                    "options.format {other:?} is not one of ldp_vc, vc+jwt, jwt_vc_json, dc+sd-jwt"
                ),
            )),
        }
    }

    /// The name used in metrics and audit entries.
    pub fn name(self) -> &'static str {
        match self {
            Self::DataIntegrity => "ldp_vc",
            Self::VcJwt => "vc+jwt",
            Self::SdJwt => "dc+sd-jwt",
        }
    }
}

/// An issued credential and what the audit log and metrics need to know of it.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The secured credential as VC-API returns it.
    pub verifiable_credential: Value,
    /// The credential's id (assigned when absent).
    pub credential_id: String,
    /// The format it was secured in.
    pub format: IssueFormat,
}

/// A status change of one credential (`POST /credentials/status`).
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// The credential's id.
    pub credential_id: String,
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// True sets the bit (revoked / suspended); false clears it (suspension only).
    pub value: bool,
}

impl Issuer {
    /// Loads the issuer's keys from the store, generating and sealing the first key on
    /// first start. Returns the issuer and whether a key was generated.
    pub async fn open(
        store: Store,
        master: Arc<MasterKey>,
        config: IssuerConfig,
    ) -> Result<(Self, bool), Problem> {
        let now = OffsetDateTime::now_utc();
        let (did, created) = match config.did_method {
            IssuerDidMethod::Web => {
                let did = web_did(&config.public_url)?;
                let created = if store.keys().active(did.as_str()).await?.is_none() {
                    let key = generate(config.key_type)?;
                    let id = format!("{did}#key-1");
                    store
                        .keys()
                        .insert(&master, &id, did.as_str(), &key, true, now)
                        .await?;
                    true
                } else {
                    false
                };
                let zkp_controller = zkp_controller(&did);
                if store.keys().active(&zkp_controller).await?.is_none() {
                    let key = generate(KeyType::Bls12381G2)?;
                    let id = format!("{did}#zkp-1");
                    store
                        .keys()
                        .insert(&master, &id, &zkp_controller, &key, true, now)
                        .await?;
                }
                (did, created)
            }
            IssuerDidMethod::Webvh => {
                webvh_open(&store, &master, &config.public_url, config.key_type, now).await?
            }
            IssuerDidMethod::Key => {
                // The did:key controller is recorded under a fixed name, since the DID
                // itself is only known once the key exists.
                match store.keys().active(DID_KEY_CONTROLLER).await? {
                    Some(stored) => (key_did(&stored.public_key), false),
                    None => {
                        let key = generate(config.key_type)?;
                        let id = kith_vc::did_key_method_id(&key.public_key());
                        store
                            .keys()
                            .insert(&master, &id, DID_KEY_CONTROLLER, &key, true, now)
                            .await?;
                        (key_did(&key.public_key()), true)
                    }
                }
            }
        };
        let controller = controller_name(config.did_method, &did);
        let keys = load_key_set(&store, &master, &did, &controller, config.did_method).await?;
        let batcher = Batcher::start(store.clone(), config.status_list_capacity);
        let issuer = Self {
            batcher,
            store,
            master,
            config,
            did,
            keys: RwLock::new(Arc::new(keys)),
            reloading: tokio::sync::Mutex::new(()),
            lists: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
        };
        Ok((issuer, created))
    }

    /// The issuer's DID.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The issuer's DID document (did:web serves it; for did:webvh, the current
    /// version of the log, with its implicit services).
    pub fn document(&self) -> Arc<Document> {
        Arc::clone(&self.key_set().document)
    }

    /// The serialized DID document, as served at [`did_document_path`]
    /// (for did:webvh, the parallel did:web document).
    ///
    /// [`did_document_path`]: Self::did_document_path
    pub fn document_json(&self) -> Arc<Vec<u8>> {
        Arc::clone(&self.key_set().document_json)
    }

    /// The path the did:web document is served at: `/.well-known/did.json` for a bare
    /// host, `/<path>/did.json` otherwise (did:web §3.2 "Read").
    ///
    /// A did:webvh issuer publishes its parallel did:web document there too (did:webvh
    /// v1.0 "Publishing a Parallel did:web DID").
    pub fn did_document_path(&self) -> Option<String> {
        match self.config.did_method {
            IssuerDidMethod::Web | IssuerDidMethod::Webvh => Some(self.well_known_file("did.json")),
            IssuerDidMethod::Key => None,
        }
    }

    /// The path `did.jsonl` is served at (did:webvh only): `/.well-known/did.jsonl` for
    /// a DID without a path, `/<path>/did.jsonl` otherwise (did:webvh v1.0 "The DID to
    /// HTTPS Transformation").
    pub fn did_log_path(&self) -> Option<String> {
        (self.config.did_method == IssuerDidMethod::Webvh)
            .then(|| self.well_known_file("did.jsonl"))
    }

    fn well_known_file(&self, file: &str) -> String {
        let path = self.config.public_url.path().trim_matches('/');
        if path.is_empty() {
            format!("/.well-known/{file}")
        } else {
            format!("/{path}/{file}")
        }
    }

    /// The did:webvh log (`did.jsonl`) as served; `None` for other methods.
    pub fn did_log(&self) -> Option<Vec<u8>> {
        self.key_set().log.as_ref().map(|log| log.jsonl.clone())
    }

    /// Whether the current document was already in effect at `version_time` (an RFC
    /// 3339 time): always for DIDs without history or without a time; for did:webvh,
    /// when the last entry's `versionTime` is at or before it.
    pub fn current_in_effect_at(&self, version_time: Option<&str>) -> bool {
        let keys = self.key_set();
        let (Some(log), Some(time)) = (keys.log.as_ref(), version_time) else {
            return true;
        };
        OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
            .is_ok_and(|time| log.verified.head().time <= time)
    }

    /// Resolves the issuer's own did:webvh DID from its in-memory log, honouring the
    /// `versionId` / `versionTime` / `versionNumber` options (did:webvh v1.0 "Read
    /// (Resolve)"); `None` for other methods, whose documents have no history here.
    pub fn resolve_own(
        &self,
        options: &ResolutionOptions,
    ) -> Option<Result<Resolution, kith_did::Error>> {
        let keys = self.key_set();
        let log = keys.log.as_ref()?;
        Some(webvh::resolve_verified(&self.did, &log.verified, options))
    }

    /// The DID, the key id (a DID URL) and the signer of the active key: what
    /// OpenID4VCI credentials and OpenID4VP request objects are signed with.
    pub fn signing_identity(&self) -> (String, String, Arc<LocalSigner>) {
        let keys = self.key_set();
        (
            self.did.to_string(),
            keys.kid.clone(),
            Arc::clone(&keys.signer),
        )
    }

    /// The DID, the key id and the secret key that sign `kith-zkp-2026` credentials
    /// (did:web issuers only; `None` for did:key and did:webvh).
    pub fn zkp_identity(&self) -> Option<(String, String, Arc<kith_vc::zkp::IssuerSecretKey>)> {
        let keys = self.key_set();
        let (kid, key) = keys.zkp.as_ref()?;
        Some((self.did.to_string(), kid.clone(), Arc::clone(key)))
    }

    fn key_set(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Re-reads the keys from the store (another node or `kith admin key rotate` may
    /// have rotated them). Reloads run one at a time, so the last to finish read the
    /// store last.
    pub async fn refresh(&self) -> Result<(), Problem> {
        let _reloading = self.reloading.lock().await;
        let controller = controller_name(self.config.did_method, &self.did);
        let keys = load_key_set(
            &self.store,
            &self.master,
            &self.did,
            &controller,
            self.config.did_method,
        )
        .await?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(())
    }

    /// Issues `request` on behalf of `actor` (request `request_id`): completes the
    /// credential (issuer, id, validity start), validates it, records its status entries
    /// and its `credential.issue` audit entry (in the next batch, see [`crate::batch`]),
    /// and secures it in the requested format. A credential that is rejected gets no
    /// status entries. An SD-JWT VC gets one revocation entry as a `status.status_list`
    /// claim (see [`allocate_status`](Self::allocate_status)).
    pub async fn issue(
        &self,
        request: IssueRequest,
        actor: &str,
        request_id: &str,
    ) -> Result<Issued, Problem> {
        let format = IssueFormat::parse(request.options.format.as_deref())?;
        let Value::Object(mut credential) = request.credential else {
            return Err(Problem::bad_request(
                "invalid_credential",
                "credential must be a JSON object",
            ));
        };
        let keys = self.key_set();
        let now = OffsetDateTime::now_utc();
        let with_status = request.options.credential_status.unwrap_or(true);
        match format {
            IssueFormat::SdJwt => {
                let credential_id = take_or_assign_id(&mut credential, "jti")?;
                let mut options = kith_vc::sd_jwt::IssueOptions {
                    disclosable: request.options.disclosable.clone(),
                    iss: Some(self.did.to_string()),
                    kid: Some(keys.kid.clone()),
                    iat: Some(now),
                    ..Default::default()
                };
                // One revocation entry, as a Token Status List reference
                // (draft-ietf-oauth-status-list §6.2), unless the claims bring their own.
                let allocate = with_status && !credential.contains_key("status");
                let claims = Value::Object(credential);
                // Issuing validates the claims and the disclosure pointers, so with a
                // status entry to allocate a dry run (unsigned, with a placeholder claim)
                // comes first: only an SD-JWT VC that will exist gets an entry; without
                // one, it is audited once it is signed.
                if allocate {
                    options.status = Some(kith_vc::status::status_claim(
                        &self.status_list_url("dry-run"),
                        0,
                    ));
                    kith_vc::sd_jwt::issue(&claims, &DryRun(keys.signer.as_ref()), &options)
                        .await
                        .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
                    options.status = Some(
                        self.allocate_status(&credential_id, format, actor, request_id)
                            .await?,
                    );
                }
                let sd_jwt = kith_vc::sd_jwt::issue(&claims, keys.signer.as_ref(), &options)
                    .await
                    .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
                if !allocate {
                    let record = issuance_record(&credential_id, Vec::new(), actor, request_id)?;
                    self.batcher.record(record).await?;
                }
                let envelope = EnvelopedCredential {
                    media_type: "application/dc+sd-jwt".to_owned(),
                    credential: sd_jwt,
                };
                Ok(Issued {
                    verifiable_credential: envelope.to_entry(),
                    credential_id,
                    format,
                })
            }
            IssueFormat::DataIntegrity | IssueFormat::VcJwt => {
                self.complete(&mut credential, now)?;
                let credential_id = take_or_assign_id(&mut credential, "id")?;
                // Validate before allocating anything: a rejected credential must not
                // consume status list entries.
                kith_vc::model::Credential::from_json(Value::Object(credential.clone()))
                    .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
                check_inline_contexts(&credential)?;
                // Likewise for an unavailable cryptosuite.
                let suite = match format {
                    IssueFormat::DataIntegrity => {
                        Some(self.cryptosuite(request.options.cryptosuite.as_deref())?)
                    }
                    _ => None,
                };
                if with_status && !credential.contains_key("credentialStatus") {
                    let entries = self
                        .allocate_status(&credential_id, format, actor, request_id)
                        .await?;
                    credential.insert("credentialStatus".into(), entries);
                } else {
                    let record = issuance_record(&credential_id, Vec::new(), actor, request_id)?;
                    self.batcher.record(record).await?;
                }
                let credential = Value::Object(credential);
                let secured = match format {
                    IssueFormat::VcJwt => {
                        let jwt = kith_vc::jose::issue_vc_jwt(
                            &credential,
                            keys.signer.as_ref(),
                            &keys.kid,
                        )
                        .await
                        .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
                        EnvelopedCredential {
                            media_type: "application/vc+jwt".to_owned(),
                            credential: jwt,
                        }
                        .to_entry()
                    }
                    _ => {
                        let suite = suite.ok_or_else(|| {
                            Problem::internal("no cryptosuite for a Data Integrity proof")
                        })?;
                        let mut options = kith_vc::di::ProofOptions::new(keys.kid.clone());
                        options.created = Some(now);
                        kith_vc::di::add_proof(&credential, suite, keys.signer.as_ref(), options)
                            .await
                            .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?
                    }
                };
                Ok(Issued {
                    verifiable_credential: secured,
                    credential_id,
                    format,
                })
            }
        }
    }

    /// Allocates the status entries of credential `credential_id` secured as `format`
    /// and records its `credential.issue` audit entry by `actor` (request
    /// `request_id`), in the next batch, as [`issue`](Self::issue) does. Returns what
    /// goes into the credential:
    ///
    /// - Data Integrity and `vc+jwt`: the `credentialStatus` array, one
    ///   `BitstringStatusListEntry` per purpose of [`STATUS_PURPOSES`];
    /// - `dc+sd-jwt`: the `status` claim `{"status_list": {"idx", "uri"}}`
    ///   (draft-ietf-oauth-status-list §6.2) for one revocation entry, in the same
    ///   lists: `uri` is the list's URL, which serves the Status List Token to
    ///   `Accept: application/statuslist+jwt`.
    ///
    /// Calling it again for the same credential id returns the same entries (the store
    /// keeps one entry per credential and purpose), but records another audit entry.
    /// Revoke with [`update_status`](Self::update_status) by the same credential id.
    pub async fn allocate_status(
        &self,
        credential_id: &str,
        format: IssueFormat,
        actor: &str,
        request_id: &str,
    ) -> Result<Value, Problem> {
        let purposes = status_purposes(format);
        let record = issuance_record(
            credential_id,
            purposes.iter().map(|p| p.as_str().to_owned()).collect(),
            actor,
            request_id,
        )?;
        let recorded = self.batcher.record(record).await?;
        if recorded.allocations.len() != purposes.len() {
            return Err(Problem::internal("a status entry was not allocated"));
        }
        Ok(match format {
            IssueFormat::SdJwt => {
                let allocation = &recorded.allocations[0];
                kith_vc::status::status_claim(
                    &self.status_list_url(&allocation.list_id),
                    allocation.index,
                )
            }
            IssueFormat::DataIntegrity | IssueFormat::VcJwt => Value::Array(
                purposes
                    .iter()
                    .zip(&recorded.allocations)
                    .map(|(purpose, allocation)| {
                        kith_vc::status::status_entry(
                            &self.status_list_url(&allocation.list_id),
                            *purpose,
                            allocation.index,
                        )
                    })
                    .collect(),
            ),
        })
    }

    /// The cryptosuite for Data Integrity proofs with the issuer's key type.
    fn cryptosuite(&self, requested: Option<&str>) -> Result<&'static str, Problem> {
        let allowed = cryptosuites_for(self.config.key_type);
        let default = self
            .config
            .cryptosuite
            .as_deref()
            .and_then(|name| allowed.iter().copied().find(|s| *s == name))
            .or_else(|| allowed.first().copied())
            .ok_or_else(|| {
                Problem::internal("the issuer's key type has no Data Integrity cryptosuite")
            })?;
        match requested {
            None => Ok(default),
            Some(name) => allowed.iter().copied().find(|s| *s == name).ok_or_else(|| {
                Problem::bad_request(
                    "unsupported_cryptosuite",
                    format!(
                        "this issuer's key signs with {}; options.cryptosuite {name:?} is not available",
                        allowed.join(" or ")
                    ),
                )
            }),
        }
    }

    /// Sets `issuer` (refusing another issuer) and the validity start when absent.
    fn complete(
        &self,
        credential: &mut Map<String, Value>,
        now: OffsetDateTime,
    ) -> Result<(), Problem> {
        let ours = self.did.as_str();
        match credential.get("issuer") {
            None => {
                credential.insert("issuer".into(), Value::String(ours.to_owned()));
            }
            Some(Value::String(id)) if id == ours => {}
            Some(Value::Object(obj)) if obj.get("id").and_then(Value::as_str) == Some(ours) => {}
            Some(other) => {
                let named = other
                    .as_str()
                    .or_else(|| other.get("id").and_then(Value::as_str))
                    .unwrap_or("(no id)");
                return Err(Problem::bad_request(
                    "issuer_mismatch",
                    format!("credential.issuer {named:?} is not this issuer ({ours})"),
                ));
            }
        }
        let v2 = credential
            .get("@context")
            .and_then(|c| c.get(0))
            .and_then(Value::as_str)
            == Some(kith_vc::model::CREDENTIALS_V2_CONTEXT);
        let field = if v2 { "validFrom" } else { "issuanceDate" };
        if !credential.contains_key(field) && (v2 || !credential.contains_key("validFrom")) {
            credential.insert(
                field.into(),
                Value::String(kith_vc::datetime::format_date_time(now)),
            );
        }
        Ok(())
    }

    /// The public URL of status list `list_id`.
    pub fn status_list_url(&self, list_id: &str) -> String {
        let base = self.config.public_url.as_str().trim_end_matches('/');
        format!("{base}/status/{list_id}")
    }

    /// Sets or clears a credential's status bit.
    pub async fn update_status(&self, change: &StatusChange) -> Result<String, Problem> {
        if change.purpose == StatusPurpose::Revocation && !change.value {
            return Err(Problem::bad_request(
                "revocation_is_permanent",
                "a revoked credential cannot be reinstated (Bitstring Status List §2.1: revocation is not reversible)",
            ));
        }
        let allocation = self
            .store
            .status()
            .set(
                &change.credential_id,
                change.purpose.as_str(),
                change.value,
                OffsetDateTime::now_utc(),
            )
            .await
            .map_err(|e| {
                if e.code() == "not_found" {
                    Problem::not_found(
                        "unknown_credential",
                        format!(
                            "no {} status entry for credential {:?}",
                            change.purpose.as_str(),
                            change.credential_id
                        ),
                    )
                } else {
                    Problem::from_store(&e)
                }
            })?;
        Ok(self.status_list_url(&allocation.list_id))
    }

    /// The signed status list credential of `list_id` (`None` if there is no such
    /// list). Re-signed only when the list's version changed.
    pub async fn status_list_credential(
        &self,
        list_id: &str,
    ) -> Result<Option<Arc<Value>>, Problem> {
        let Some(version) = self.store.status().list_version(list_id).await? else {
            return Ok(None);
        };
        if let Some((cached_version, credential)) = self
            .lists
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(list_id)
            && *cached_version == version
        {
            return Ok(Some(Arc::clone(credential)));
        }
        let Some((version, purpose, bits)) = self.list_bits(list_id).await? else {
            return Ok(None);
        };
        let url = self.status_list_url(list_id);
        let now = OffsetDateTime::now_utc();
        let unsigned = kith_vc::status::status_list_credential(
            &url,
            self.did.as_str(),
            purpose,
            &bits,
            now,
            Some(self.config.status_list_ttl.as_millis() as u64),
        );
        let keys = self.key_set();
        let suite = self.cryptosuite(None)?;
        let mut options = kith_vc::di::ProofOptions::new(keys.kid.clone());
        options.created = Some(now);
        let signed = kith_vc::di::add_proof(&unsigned, suite, keys.signer.as_ref(), options)
            .await
            .map_err(|e| Problem::internal(format!("signing status list {list_id}: {e}")))?;
        let signed = Arc::new(signed);
        self.lists
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(list_id.to_owned(), (version, Arc::clone(&signed)));
        Ok(Some(signed))
    }

    /// The stored bits of `list_id`: its version, purpose and bits (Bitstring order).
    async fn list_bits(
        &self,
        list_id: &str,
    ) -> Result<Option<(u64, StatusPurpose, BitstringStatusList)>, Problem> {
        let Some(state) = self.store.status().list_state(list_id).await? else {
            return Ok(None);
        };
        let purpose: StatusPurpose = state.purpose.parse().map_err(|_| {
            Problem::internal(format!("status list {list_id} has an unknown purpose"))
        })?;
        let mut bits = BitstringStatusList::new(state.capacity)
            .map_err(|e| Problem::internal(format!("status list {list_id}: {e}")))?;
        for index in &state.set_indexes {
            bits.set(*index, true)
                .map_err(|e| Problem::internal(format!("status list {list_id}: {e}")))?;
        }
        Ok(Some((state.version, purpose, bits)))
    }

    /// The signed IETF Status List Token of `list_id` (`None` if there is no such
    /// list): a `statuslist+jwt` (draft-ietf-oauth-status-list §5.1) over the same
    /// stored bits as the Bitstring Status List credential, each byte mirrored into the
    /// draft's LSB-first order (§4.1). A revocation list has 1 bit per entry (0x01
    /// INVALID); a suspension list has 2 bits per entry, a set entry being 0x02
    /// SUSPENDED (§7.1). `sub` is the list's URL, `ttl` the configured list TTL in
    /// seconds, `exp` a day after `iat`. Re-signed when the list's version changed or
    /// half its validity has passed.
    pub async fn status_list_token(&self, list_id: &str) -> Result<Option<Arc<String>>, Problem> {
        let Some(version) = self.store.status().list_version(list_id).await? else {
            return Ok(None);
        };
        let now = OffsetDateTime::now_utc();
        if let Some((cached_version, signed_at, token)) = self
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(list_id)
            && *cached_version == version
            && now < *signed_at + TOKEN_VALIDITY / 2
        {
            return Ok(Some(Arc::clone(token)));
        }
        let Some((version, purpose, bits)) = self.list_bits(list_id).await? else {
            return Ok(None);
        };
        let list = match purpose {
            StatusPurpose::Revocation => TokenStatusList::from_bitstring(&bits),
            StatusPurpose::Suspension => {
                let mut list = TokenStatusList::new(2, bits.entries())
                    .map_err(|e| Problem::internal(format!("status list {list_id}: {e}")))?;
                for index in (0..bits.entries()).filter(|i| bits.get(*i) == Some(true)) {
                    list.set(index, kith_vc::status::SUSPENDED)
                        .map_err(|e| Problem::internal(format!("status list {list_id}: {e}")))?;
                }
                list
            }
        };
        let url = self.status_list_url(list_id);
        let keys = self.key_set();
        let claims = kith_vc::status::StatusListTokenClaims {
            uri: &url,
            issuer: Some(self.did.as_str()),
            issued_at: now,
            expires: Some(now + TOKEN_VALIDITY),
            ttl: Some(self.config.status_list_ttl.as_secs().max(1)),
        };
        let token = kith_vc::status::create_status_list_token(
            &list,
            &claims,
            keys.signer.as_ref(),
            &keys.kid,
        )
        .await
        .map_err(|e| Problem::internal(format!("signing status list token {list_id}: {e}")))?;
        let token = Arc::new(token);
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(list_id.to_owned(), (version, now, Arc::clone(&token)));
        Ok(Some(token))
    }
}

/// A signed Status List Token: the list version it shows, when it was signed, the JWT.
type SignedToken = (u64, OffsetDateTime, Arc<String>);

/// How long a Status List Token is valid (its `exp` after `iat`).
const TOKEN_VALIDITY: time::Duration = time::Duration::days(1);

/// The controller name did:key keys are stored under.
const DID_KEY_CONTROLLER: &str = "did:key";

fn controller_name(method: IssuerDidMethod, did: &Did) -> String {
    match method {
        IssuerDidMethod::Web | IssuerDidMethod::Webvh => did.to_string(),
        IssuerDidMethod::Key => DID_KEY_CONTROLLER.to_owned(),
    }
}

/// Lists `key` in `document` as a Multikey, referenced from each of `relationships`.
fn add_method(document: &mut Document, did: &Did, key: &StoredKey, relationships: &[Relationship]) {
    document
        .verification_method
        .push(VerificationMethod::multikey(
            key.id.clone(),
            did,
            &key.public_key,
        ));
    for rel in relationships {
        document
            .relationship_mut(*rel)
            .push(MethodRef::Reference(key.id.clone()));
    }
}

/// The store's controller name for a did:web issuer's `kith-zkp-2026` keys: apart
/// from its signing keys, so rotating those never touches it.
fn zkp_controller(did: &Did) -> String {
    format!("{did}#kith-zkp-2026")
}

fn generate(key_type: KeyType) -> Result<PrivateKey, Problem> {
    PrivateKey::generate(key_type)
        .map_err(|e| Problem::internal(format!("cannot generate a {key_type:?} key: {e}")))
}

fn key_did(key: &PublicKey) -> Did {
    kith_did::method::key::did_for(key)
}

/// The did:web DID for a public URL: host (and port) plus path segments.
pub fn web_did(public_url: &Url) -> Result<Did, Problem> {
    let host = public_url
        .host_str()
        .ok_or_else(|| Problem::bad_request("invalid_public_url", "the public URL has no host"))?;
    let domain = match public_url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let path = public_url.path().trim_matches('/');
    kith_did::method::web::did_for(&domain, (!path.is_empty()).then_some(path)).map_err(|e| {
        Problem::bad_request(
            "invalid_public_url",
            format!("no did:web DID can be formed from {public_url}: {e}"),
        )
    })
}

/// The issuer DID of the service at `public_url`: its did:webvh DID when the store
/// holds a did:webvh log for that location, its did:web DID otherwise.
pub async fn issuer_did(store: &Store, public_url: &Url) -> Result<Did, Problem> {
    let web = web_did(public_url)?;
    match read_webvh_log(store, web.method_specific_id()).await? {
        Some(log) => Ok(log.verified.versions[0].did.clone()),
        None => Ok(web),
    }
}

/// Rotates the issuer's signing key: a new key becomes active and is added to the
/// DID document; the previous keys stay in it (credentials they signed keep
/// verifying) until retired. For a did:webvh issuer (a log is stored for
/// `public_url`) the new document is appended to the log first.
pub async fn rotate_key(
    store: &Store,
    master: &MasterKey,
    public_url: &Url,
    key_type: KeyType,
) -> Result<StoredKey, Problem> {
    let did = web_did(public_url)?;
    if let Some(log) = read_webvh_log(store, did.method_specific_id()).await? {
        return rotate_webvh(store, master, log, key_type).await;
    }
    rotate_web(store, master, &did, key_type).await
}

/// Rotates a did:web issuer's signing key.
async fn rotate_web(
    store: &Store,
    master: &MasterKey,
    did: &Did,
    key_type: KeyType,
) -> Result<StoredKey, Problem> {
    let existing = store.keys().list(did.as_str()).await?;
    if existing.is_empty() {
        return Err(Problem::bad_request(
            "no_issuer_key",
            format!("{did} has no keys yet; start `kith serve` once first"),
        ));
    }
    let key = generate(key_type)?;
    let id = format!("{did}#key-{}", existing.len() + 1);
    Ok(store
        .keys()
        .insert(
            master,
            &id,
            did.as_str(),
            &key,
            true,
            OffsetDateTime::now_utc(),
        )
        .await?)
}

async fn load_key_set(
    store: &Store,
    master: &MasterKey,
    did: &Did,
    controller: &str,
    method: IssuerDidMethod,
) -> Result<KeySet, Problem> {
    let stored = store.keys().list(controller).await?;
    let active = stored
        .iter()
        .rev()
        .find(|k| k.active && k.retired.is_none())
        .ok_or_else(|| Problem::internal(format!("{did} has no active signing key")))?;
    let private = store.keys().private_key(master, &active.id).await?;
    let signer = LocalSigner::new(private)
        .map_err(|e| Problem::internal(format!("the active key cannot sign: {e}")))?
        .with_key_id(active.id.clone());
    if method == IssuerDidMethod::Webvh {
        let log = read_webvh_log(store, webvh_location(did)?)
            .await?
            .ok_or_else(|| webvh_log_problem(format!("the did:webvh log of {did} is missing")))?;
        let resolution = webvh::resolve_verified(did, &log.verified, &ResolutionOptions::default())
            .map_err(|e| webvh_log_problem(format!("{did} does not resolve: {e}")))?;
        let document_json = serde_json::to_vec(&parallel_did_web(&resolution.document, did)?)
            .map_err(|e| Problem::internal(format!("the DID document does not serialize: {e}")))?;
        return Ok(KeySet {
            signer: Arc::new(signer),
            kid: active.id.clone(),
            document: Arc::new(resolution.document),
            document_json: Arc::new(document_json),
            log: Some(Arc::new(log)),
            zkp: None,
        });
    }
    let mut document = Document::new(did.clone());
    document.context = Some(json!([
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1"
    ]));
    for key in stored.iter().filter(|k| k.retired.is_none()) {
        add_method(
            &mut document,
            did,
            key,
            &[Relationship::AssertionMethod, Relationship::Authentication],
        );
    }
    // The kith-zkp-2026 key issues credentials only: assertionMethod, never
    // authentication (docs/zk-predicates.md §1).
    let mut zkp = None;
    if method == IssuerDidMethod::Web {
        let zkp_keys = store.keys().list(&zkp_controller(did)).await?;
        for key in zkp_keys.iter().filter(|k| k.retired.is_none()) {
            add_method(&mut document, did, key, &[Relationship::AssertionMethod]);
        }
        if let Some(active) = zkp_keys
            .iter()
            .rev()
            .find(|k| k.active && k.retired.is_none())
        {
            let private = store.keys().private_key(master, &active.id).await?;
            let secret = kith_vc::zkp::IssuerSecretKey::from_bytes(&private.to_bytes())
                .map_err(|e| Problem::internal(format!("the kith-zkp-2026 key: {e}")))?;
            zkp = Some((active.id.clone(), Arc::new(secret)));
        }
    }
    let document_json = serde_json::to_vec(&document.to_json())
        .map_err(|e| Problem::internal(format!("the DID document does not serialize: {e}")))?;
    Ok(KeySet {
        signer: Arc::new(signer),
        kid: active.id.clone(),
        document: Arc::new(document),
        document_json: Arc::new(document_json),
        log: None,
        zkp,
    })
}

/// What the batch records for one issued credential: its status purposes and its
/// `credential.issue` audit entry. Checked here, so that one bad request cannot fail
/// the batch it would join.
fn issuance_record(
    credential_id: &str,
    purposes: Vec<String>,
    actor: &str,
    request_id: &str,
) -> Result<IssuanceRecord, Problem> {
    let max = kith_store::audit::MAX_FIELD_LEN;
    if credential_id.len() > max {
        return Err(Problem::bad_request(
            "invalid_credential",
            format!("the credential id is longer than {max} bytes"),
        ));
    }
    let record = IssuanceRecord {
        credential_id: credential_id.to_owned(),
        purposes,
        audit: AuditEvent {
            actor: actor.to_owned(),
            action: "credential.issue".to_owned(),
            target: credential_id.to_owned(),
            request_id: request_id.to_owned(),
            outcome: "ok".to_owned(),
        },
    };
    record
        .check()
        .map_err(|e| Problem::bad_request("invalid_request", e.to_string()))?;
    Ok(record)
}

/// Reads the credential's id (member `field`), or assigns a fresh `urn:uuid:`.
fn take_or_assign_id(credential: &mut Map<String, Value>, field: &str) -> Result<String, Problem> {
    match credential.get(field) {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(_) => Err(Problem::bad_request(
            "invalid_credential",
            format!("credential.{field} must be a non-empty string"),
        )),
        None => {
            let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
            credential.insert(field.into(), Value::String(id.clone()));
            Ok(id)
        }
    }
}

impl Issuer {
    /// Rotates the signing key (did:web and did:webvh) and reloads the key set.
    pub async fn rotate(&self) -> Result<String, Problem> {
        let stored = match self.config.did_method {
            IssuerDidMethod::Key => {
                return Err(Problem::bad_request(
                    "cannot_rotate_did_key",
                    "a did:key issuer cannot rotate its key (a new key is a new DID); use did:web or did:webvh",
                ));
            }
            IssuerDidMethod::Web => {
                rotate_web(&self.store, &self.master, &self.did, self.config.key_type).await?
            }
            IssuerDidMethod::Webvh => {
                let log = read_webvh_log(&self.store, webvh_location(&self.did)?)
                    .await?
                    .ok_or_else(|| {
                        webvh_log_problem(format!("the did:webvh log of {} is missing", self.did))
                    })?;
                rotate_webvh(&self.store, &self.master, log, self.config.key_type).await?
            }
        };
        self.refresh().await?;
        Ok(stored.id)
    }
}

/// A credential that defines terms in an inline `@context` is expanded (JSON-LD, bundled
/// contexts only) before it is signed, so a term mapped to an invalid IRI or a
/// redefinition of a protected term (VCDM 2.0 §4.3, §5.2) is refused rather than
/// issued. Credentials that only name contexts Kith does not bundle are not expanded:
/// their JCS proofs do not depend on JSON-LD.
fn check_inline_contexts(credential: &Map<String, Value>) -> Result<(), Problem> {
    let inline = match credential.get("@context") {
        Some(Value::Array(items)) => items.iter().any(Value::is_object),
        Some(Value::Object(_)) => true,
        _ => false,
    };
    if !inline {
        return Ok(());
    }
    match kith_ld::expand(&Value::Object(credential.clone())) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == "unknown_context" => Ok(()),
        Err(e) => Err(Problem::bad_request(
            e.code(),
            format!("the credential's inline @context is not valid JSON-LD: {e}"),
        )),
    }
}

// ---- did:webvh issuer DIDs -------------------------------------------------------
//
// The log lives in the store's meta table, one entry per name
// `webvh.log.<location>.<n>` (`<location>` is the DID without method and SCID, e.g.
// `issuer.example.com%3A8443`): an insert-if-absent per entry makes concurrent
// appends by several nodes race-safe, as the primary key decides. The signing keys
// are stored under the DID like did:web keys; the update key (did:webvh v1.0
// "updateKeys", Ed25519 for `eddsa-jcs-2022`) under `webvh-update:<DID>`.

/// The meta-table name of log entry `number` (1-based) at `location`.
fn webvh_meta_key(location: &str, number: usize) -> String {
    format!("webvh.log.{location}.{number}")
}

/// The controller name the update key of `did` is stored under.
fn webvh_update_controller(did: &Did) -> String {
    format!("webvh-update:{did}")
}

/// The location part of a did:webvh DID (after the SCID): the did:web
/// method-specific identifier of the same URL (did:webvh v1.0 "Method-Specific
/// Identifier").
fn webvh_location(did: &Did) -> Result<&str, Problem> {
    did.method_specific_id()
        .split_once(':')
        .map(|(_, location)| location)
        .ok_or_else(|| webvh_log_problem(format!("{did} names no location")))
}

fn webvh_log_problem(detail: String) -> Problem {
    Problem::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "webvh_log_invalid",
        detail,
    )
}

/// Reads and verifies the stored log at `location` (every entry, as a resolver
/// would: did:webvh v1.0 "Read (Resolve)"); `None` when none is stored.
async fn read_webvh_log(store: &Store, location: &str) -> Result<Option<WebvhLog>, Problem> {
    let mut text = String::new();
    for number in 1..=webvh::MAX_LOG_ENTRIES {
        match store.meta_get(&webvh_meta_key(location, number)).await? {
            Some(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            None => break,
        }
    }
    if text.is_empty() {
        return Ok(None);
    }
    let verified = webvh::parse_log(text.as_bytes())
        .and_then(|entries| webvh::verify_entries(entries, &webvh::VerifyOptions::default()))
        .map_err(|e| webvh_log_problem(format!("the stored did:webvh log does not verify: {e}")))?;
    Ok(Some(WebvhLog {
        verified,
        jsonl: text.into_bytes(),
    }))
}

/// The DID document of a did:webvh issuer: each signing key as a Multikey for
/// assertion and authentication, like the did:web document.
fn webvh_document(did: &str, methods: &[(String, PublicKey)]) -> Value {
    let ids: Vec<&str> = methods.iter().map(|(id, _)| id.as_str()).collect();
    let vms: Vec<Value> = methods
        .iter()
        .map(|(id, key)| {
            json!({
                "id": id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.to_multikey(),
            })
        })
        .collect();
    json!({
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1"
        ],
        "id": did,
        "verificationMethod": vms,
        "authentication": ids,
        "assertionMethod": ids,
    })
}

/// Loads the did:webvh DID of `public_url`, creating it on first start: a signing key,
/// an Ed25519 update key, and the first log entry (did:webvh v1.0 "Create
/// (Register)"). The keys are stored before the entry, so a crash in between leaves
/// only unused keys; when another node stored its first entry first, its DID is used.
async fn webvh_open(
    store: &Store,
    master: &MasterKey,
    public_url: &Url,
    key_type: KeyType,
    now: OffsetDateTime,
) -> Result<(Did, bool), Problem> {
    let web = web_did(public_url)?;
    let location = web.method_specific_id().to_owned();
    if let Some(log) = read_webvh_log(store, &location).await? {
        return Ok((log.verified.versions[0].did.clone(), false));
    }
    let host = public_url
        .host_str()
        .ok_or_else(|| Problem::bad_request("invalid_public_url", "the public URL has no host"))?;
    let domain = match public_url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let path = public_url.path().trim_matches('/');
    let signing = generate(key_type)?;
    let update = generate(KeyType::Ed25519)?;
    // The DID with the `{SCID}` placeholder, as the SCID generation needs it (v1.0
    // "Generate SCID"); a port is `%3A<port>` as in did:web.
    let template = format!("did:webvh:{{SCID}}:{location}");
    let document = webvh_document(
        &template,
        &[(format!("{template}#key-1"), signing.public_key())],
    );
    let request = webvh::CreateRequest {
        domain,
        path: (!path.is_empty()).then(|| path.to_owned()),
        update_keys: vec![update.public_key()],
        document: Some(document),
        version_time: Some(now),
        ..Default::default()
    };
    let created = webvh::create(&request, &update).map_err(|e| {
        Problem::bad_request(
            "invalid_public_url",
            format!("no did:webvh DID can be formed from {public_url} (a fully qualified domain name is needed): {e}"),
        )
    })?;
    let did = created.did;
    store
        .keys()
        .insert(
            master,
            &format!("{did}#key-1"),
            did.as_str(),
            &signing,
            true,
            now,
        )
        .await?;
    store
        .keys()
        .insert(
            master,
            &format!("{did}#update-1"),
            &webvh_update_controller(&did),
            &update,
            true,
            now,
        )
        .await?;
    if store
        .meta_set_if_absent(&webvh_meta_key(&location, 1), &created.entry.to_line())
        .await?
    {
        return Ok((did, true));
    }
    let log = read_webvh_log(store, &location)
        .await?
        .ok_or_else(|| webvh_log_problem("the did:webvh log vanished".into()))?;
    Ok((log.verified.versions[0].did.clone(), false))
}

/// Rotates a did:webvh issuer's signing key: appends an entry whose document adds the
/// new key (did:webvh v1.0 "Update (Rotate)"), signed by the update key, then stores
/// the key as active. Earlier entries keep the earlier documents, so a resolution at
/// an earlier `versionTime` still finds the keys of then. The entry is recorded
/// before the key, so a crash in between never leaves an active key outside the log.
async fn rotate_webvh(
    store: &Store,
    master: &MasterKey,
    log: WebvhLog,
    key_type: KeyType,
) -> Result<StoredKey, Problem> {
    let did = log.verified.versions[0].did.clone();
    let location = webvh_location(&did)?.to_owned();
    let update_key = store
        .keys()
        .active(&webvh_update_controller(&did))
        .await?
        .ok_or_else(|| webvh_log_problem(format!("{did} has no update key")))?;
    let update = store.keys().private_key(master, &update_key.id).await?;
    let key = generate(key_type)?;
    let number = log.verified.versions.len() + 1;
    let id = format!("{did}#key-{number}");
    let mut methods: Vec<(String, PublicKey)> = store
        .keys()
        .list(did.as_str())
        .await?
        .into_iter()
        .filter(|k| k.retired.is_none())
        .map(|k| (k.id, k.public_key))
        .collect();
    methods.push((id.clone(), key.public_key()));
    let request = webvh::UpdateRequest {
        document: Some(webvh_document(did.as_str(), &methods)),
        ..Default::default()
    };
    let entry = webvh::update(&log.verified, &request, &update)
        .map_err(|e| webvh_log_problem(format!("the did:webvh update entry of {did}: {e}")))?;
    if !store
        .meta_set_if_absent(&webvh_meta_key(&location, number), &entry.to_line())
        .await?
    {
        return Err(Problem::new(
            axum::http::StatusCode::CONFLICT,
            "concurrent_rotation",
            format!("another update of {did} was recorded at the same time; retry"),
        ));
    }
    // Entries are at least a second apart and their `versionTime` has whole seconds
    // (v1.0 "versionTime"), so the entry may name a time just ahead of now. The new key
    // only signs once its version is in effect: a proof made with it then resolves,
    // as of its own time, to a version that holds it.
    let in_effect = OffsetDateTime::parse(
        &entry.version_time,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|e| webvh_log_problem(format!("the new entry's versionTime: {e}")))?;
    let ahead = in_effect - OffsetDateTime::now_utc();
    if ahead.is_positive() {
        tokio::time::sleep(ahead.unsigned_abs()).await;
    }
    Ok(store
        .keys()
        .insert(
            master,
            &id,
            did.as_str(),
            &key,
            true,
            OffsetDateTime::now_utc(),
        )
        .await?)
}

/// The parallel did:web document of a did:webvh DID (did:webvh v1.0 "Publishing a
/// Parallel did:web DID"): the current document with every `did:webvh:<SCID>:` made
/// `did:web:`, the implicit services given absolute ids, and the did:webvh DID in
/// `alsoKnownAs`.
fn parallel_did_web(document: &Document, did: &Did) -> Result<Value, Problem> {
    let location = webvh_location(did)?;
    let web = format!("did:web:{location}");
    let text = document
        .to_json()
        .to_string()
        .replace(&format!("{did}"), &web);
    let mut value: Value = serde_json::from_str(&text)
        .map_err(|e| Problem::internal(format!("the did:web document does not parse: {e}")))?;
    if let Some(Value::Array(services)) = value.get_mut("service") {
        for service in services {
            if let Some(id) = service.get("id").and_then(Value::as_str)
                && id.starts_with('#')
            {
                service["id"] = Value::String(format!("{web}{id}"));
            }
        }
    }
    if let Value::Object(map) = &mut value {
        let mut aka: Vec<Value> = match map.remove("alsoKnownAs") {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter(|v| v.as_str() != Some(web.as_str()))
                .collect(),
            _ => Vec::new(),
        };
        if !aka.iter().any(|v| v.as_str() == Some(did.as_str())) {
            aka.push(Value::String(did.to_string()));
        }
        map.insert("alsoKnownAs".into(), Value::Array(aka));
    }
    Ok(value)
}
