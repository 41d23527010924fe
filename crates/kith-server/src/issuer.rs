//! The issuer: its DID and keys (sealed in the store), issuance with status entries,
//! and the signed Bitstring Status List credentials it serves. No HTTP here: handlers
//! parse, call these functions and map their errors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kith_crypto::{KeyType, LocalSigner, PrivateKey, PublicKey};
use kith_did::{Did, Document, MethodRef, Relationship, VerificationMethod};
use kith_store::{AuditEvent, IssuanceRecord, MasterKey, Store, StoredKey};
use kith_vc::jose::EnvelopedCredential;
use kith_vc::status::{BitstringStatusList, StatusPurpose};
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

/// The issuer's current keys and the DID document they make.
struct KeySet {
    signer: Arc<LocalSigner>,
    kid: String,
    document: Arc<Document>,
    document_json: Arc<Vec<u8>>,
}

/// The issuing service.
pub struct Issuer {
    store: Store,
    master: Arc<MasterKey>,
    config: IssuerConfig,
    did: Did,
    keys: RwLock<Arc<KeySet>>,
    /// Signed status list credentials by list id, with the list version they show.
    lists: Mutex<HashMap<String, (u64, Arc<Value>)>>,
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
                (did, created)
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
        let keys = load_key_set(&store, &master, &did, &controller).await?;
        let batcher = Batcher::start(store.clone(), config.status_list_capacity);
        let issuer = Self {
            batcher,
            store,
            master,
            config,
            did,
            keys: RwLock::new(Arc::new(keys)),
            lists: Mutex::new(HashMap::new()),
        };
        Ok((issuer, created))
    }

    /// The issuer's DID.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The issuer's DID document (did:web serves it).
    pub fn document(&self) -> Arc<Document> {
        Arc::clone(&self.key_set().document)
    }

    /// The serialized DID document, as served.
    pub fn document_json(&self) -> Arc<Vec<u8>> {
        Arc::clone(&self.key_set().document_json)
    }

    /// The path the did:web document is served at: `/.well-known/did.json` for a bare
    /// host, `/<path>/did.json` otherwise (did:web §3.2 "Read").
    pub fn did_document_path(&self) -> Option<String> {
        if self.config.did_method != IssuerDidMethod::Web {
            return None;
        }
        let path = self.config.public_url.path().trim_matches('/');
        Some(if path.is_empty() {
            "/.well-known/did.json".to_owned()
        } else {
            format!("/{path}/did.json")
        })
    }

    fn key_set(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Re-reads the keys from the store (another node or `kith admin key rotate` may
    /// have rotated them).
    pub async fn refresh(&self) -> Result<(), Problem> {
        let controller = controller_name(self.config.did_method, &self.did);
        let keys = load_key_set(&self.store, &self.master, &self.did, &controller).await?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(())
    }

    /// Issues `request` on behalf of `actor` (request `request_id`): completes the
    /// credential (issuer, id, validity start), validates it, records its status entries
    /// and its `credential.issue` audit entry (in the next batch, see [`crate::batch`]),
    /// and secures it in the requested format. A credential that is rejected gets no
    /// status entries; an SD-JWT VC (no status entries) is audited once it is signed.
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
                let record = issuance_record(&credential_id, Vec::new(), actor, request_id)?;
                let options = kith_vc::sd_jwt::IssueOptions {
                    disclosable: request.options.disclosable.clone(),
                    iss: Some(self.did.to_string()),
                    kid: Some(keys.kid.clone()),
                    iat: Some(now),
                    ..Default::default()
                };
                let claims = Value::Object(credential);
                // Issuing validates the claims and the disclosure pointers, so it comes
                // first: only an SD-JWT VC that exists is audited.
                let sd_jwt = kith_vc::sd_jwt::issue(&claims, keys.signer.as_ref(), &options)
                    .await
                    .map_err(|e| Problem::bad_request(e.code(), e.to_string()))?;
                self.batcher.record(record).await?;
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
                let allocate = with_status && !credential.contains_key("credentialStatus");
                let purposes = if allocate {
                    STATUS_PURPOSES
                        .iter()
                        .map(|p| p.as_str().to_owned())
                        .collect()
                } else {
                    Vec::new()
                };
                let record = issuance_record(&credential_id, purposes, actor, request_id)?;
                let recorded = self.batcher.record(record).await?;
                if allocate {
                    let mut entries = Vec::new();
                    for (purpose, allocation) in STATUS_PURPOSES.iter().zip(&recorded.allocations) {
                        let url = self.status_list_url(&allocation.list_id);
                        entries.push(kith_vc::status::status_entry(
                            &url,
                            *purpose,
                            allocation.index,
                        ));
                    }
                    if entries.len() != STATUS_PURPOSES.len() {
                        return Err(Problem::internal("a status entry was not allocated"));
                    }
                    credential.insert("credentialStatus".into(), Value::Array(entries));
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
            .insert(list_id.to_owned(), (state.version, Arc::clone(&signed)));
        Ok(Some(signed))
    }
}

/// The controller name did:key keys are stored under.
const DID_KEY_CONTROLLER: &str = "did:key";

fn controller_name(method: IssuerDidMethod, did: &Did) -> String {
    match method {
        IssuerDidMethod::Web => did.to_string(),
        IssuerDidMethod::Key => DID_KEY_CONTROLLER.to_owned(),
    }
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

/// Rotates the issuer's signing key: a new key becomes active and is added to the
/// DID document; the previous keys stay in it (credentials they signed keep
/// verifying) until retired.
pub async fn rotate_key(
    store: &Store,
    master: &MasterKey,
    public_url: &Url,
    key_type: KeyType,
) -> Result<StoredKey, Problem> {
    let did = web_did(public_url)?;
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
    let mut document = Document::new(did.clone());
    document.context = Some(json!([
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1"
    ]));
    for key in stored.iter().filter(|k| k.retired.is_none()) {
        document
            .verification_method
            .push(VerificationMethod::multikey(
                key.id.clone(),
                did,
                &key.public_key,
            ));
        for rel in [Relationship::AssertionMethod, Relationship::Authentication] {
            document
                .relationship_mut(rel)
                .push(MethodRef::Reference(key.id.clone()));
        }
    }
    let document_json = serde_json::to_vec(&document.to_json())
        .map_err(|e| Problem::internal(format!("the DID document does not serialize: {e}")))?;
    Ok(KeySet {
        signer: Arc::new(signer),
        kid: active.id.clone(),
        document: Arc::new(document),
        document_json: Arc::new(document_json),
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
    /// Rotates the signing key (did:web only) and reloads the key set.
    pub async fn rotate(&self) -> Result<String, Problem> {
        if self.config.did_method != IssuerDidMethod::Web {
            return Err(Problem::bad_request(
                "cannot_rotate_did_key",
                "a did:key issuer cannot rotate its key (a new key is a new DID); use did:web",
            ));
        }
        let stored = rotate_key(
            &self.store,
            &self.master,
            &self.config.public_url,
            self.config.key_type,
        )
        .await?;
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
