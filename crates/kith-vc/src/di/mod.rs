//! W3C Verifiable Credential Data Integrity 1.0: proofs embedded in the JSON they secure.
//!
//! <https://www.w3.org/TR/vc-data-integrity/>
//!
//! A secured document carries a `proof` member: one proof object, or a list of them. A
//! list is a *proof set* (each proof secures the document on its own) or, when some
//! proofs name others in `previousProof`, a *proof chain* (the later proof also
//! secures the proofs it names).
//!
//! - [`add_proof`] runs the spec's Add Proof / Add Proof Set/Chain algorithms: it
//!   picks the [`Cryptosuite`] for the suite id and the signer's key, builds the proof
//!   options, and appends the new proof to any proofs already there.
//! - [`verify`] runs Verify Proof Sets and Chains: every proof must verify, each
//!   against the document with the proofs it chains to, and each key must be
//!   authorized for the expected proof purpose in its controller's DID document and,
//!   by default, be controlled by the credential's `issuer` or the presentation's
//!   `holder`. [`verify_proofs`] returns one [`CheckedProof`] per proof.
//! - [`verify_proof`] is a cryptosuite's Verify Proof alone: one proof, one known key.
//! - [`create_presentation`] builds and signs a VCDM 2.0 verifiable presentation
//!   bound to a verifier's [`Challenge`].
//!
//! A cryptosuite is a row of a table ([`SUITES`]; one file per suite under `suites/`)
//! and its algorithm is the spec's steps as plain functions: [`transform`],
//! [`proof_configuration`], [`hash`], [`proof_serialization`] and
//! [`proof_verification`].
//!
//! ```
//! use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
//! use kith_did::method::key::KeyMethod;
//! use kith_vc::di::{self, DiVerifyOptions, ProofOptions};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519)?)?;
//! let issuer = kith_did::method::key::did_for(&signer.public_key());
//! let credential = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "issuer": issuer.as_str(),
//!     "credentialSubject": {"name": "Alice"}
//! });
//! let method = kith_vc::did_key_method_id(&signer.public_key());
//! let secured = di::add_proof(&credential, "eddsa-jcs-2022", &signer, ProofOptions::new(method)).await?;
//! let verified = di::verify(&secured, &KeyMethod, &DiVerifyOptions::default()).await?;
//! assert_eq!(verified.issuer, issuer.as_str());
//! assert_eq!(verified.credential, credential);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod presentation;
mod proof;
mod proof_config_rdf;
mod suite;
mod suites;

use std::borrow::Cow;
use std::time::Duration;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use kith_crypto::multibase::{self, Base};
use kith_crypto::{PublicKey, Signer};
use kith_did::{Relationship, Resolver};

use crate::datetime::format_date_time;
use crate::{Challenge, Error, VerifiedProof, resolve_authorized_key_at};

pub use presentation::create_presentation;
pub use proof::Proof;
pub use suite::{
    Cryptosuite, DATA_INTEGRITY_PROOF, HashAlg, HashData, SUITES, Transform, hash, is_known,
    proof_configuration, proof_serialization, proof_verification, select, transform,
};
pub use suites::bbs_2023;
pub use suites::{
    BBS_2023, ECDSA_JCS_2019_P256, ECDSA_JCS_2019_P384, ECDSA_RDFC_2019_P256, ECDSA_RDFC_2019_P384,
    EDDSA_JCS_2022, EDDSA_RDFC_2022,
};

/// The Data Integrity context, added by [`add_proof`] for the RDFC suites to a
/// document whose `@context` has neither it nor the VCDM 2.0 context.
pub const DATA_INTEGRITY_V2_CONTEXT: &str = "https://w3id.org/security/data-integrity/v2";

/// The VCDM 2.0 context, which includes the Data Integrity terms.
const CREDENTIALS_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// `document` with the Data Integrity context appended to its `@context` when the
/// context defines no Data Integrity terms (RDFC suites only).
///
/// > if an `@context` property is not provided in the document or the Data Integrity
/// > terms used in the document are not mapped by existing values in the `@context`
/// > property, implementations SHOULD inject or append an `@context` property with a
/// > value of `https://w3id.org/security/data-integrity/v2` or one or more contexts with
/// > at least the same declarations, such as the Verifiable Credential Data Model v2.0
/// > context
///
/// <https://www.w3.org/TR/vc-data-integrity/#context-injection>
fn with_data_integrity_context(document: &Value) -> Value {
    let context = document.get("@context");
    let defined = as_list(context).iter().any(|entry| {
        matches!(
            entry.as_str(),
            Some(DATA_INTEGRITY_V2_CONTEXT | CREDENTIALS_V2_CONTEXT)
        )
    });
    if defined {
        return document.clone();
    }
    let mut document = document.clone();
    let mut list = as_list(context).to_vec();
    list.push(DATA_INTEGRITY_V2_CONTEXT.into());
    document["@context"] = Value::Array(list);
    document
}

/// Most proofs one document may carry. Each costs a DID resolution and a signature
/// check, so an unbounded set would let a document buy unbounded work.
pub const MAX_PROOFS: usize = 16;

/// The `previousProof` of a new proof: the id of one proof, or of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousProof {
    /// `"previousProof": "urn:uuid:…"`.
    One(String),
    /// `"previousProof": ["urn:uuid:…", …]`.
    Many(Vec<String>),
}

impl PreviousProof {
    /// The ids, in order.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            Self::One(id) => vec![id.as_str()],
            Self::Many(ids) => ids.iter().map(String::as_str).collect(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::One(id) => Value::String(id.clone()),
            Self::Many(ids) => Value::Array(ids.iter().cloned().map(Value::String).collect()),
        }
    }
}

/// The options of a new proof (VC Data Integrity §2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct ProofOptions {
    /// `verificationMethod`: the DID URL of the signer's key.
    pub verification_method: String,
    /// `proofPurpose`: `assertionMethod` for credentials (the default), `authentication`
    /// for presentations.
    pub proof_purpose: Relationship,
    /// `created`; `None` means now. Written in UTC with second precision.
    pub created: Option<OffsetDateTime>,
    /// `expires`, which must be after `created`.
    pub expires: Option<OffsetDateTime>,
    /// `challenge`: the verifier's nonce.
    pub challenge: Option<String>,
    /// `domain`: the verifier's security domain.
    pub domain: Option<String>,
    /// `previousProof`: makes the new proof part of a proof chain.
    pub previous_proof: Option<PreviousProof>,
    /// `nonce`: the signer's own randomness.
    pub nonce: Option<String>,
    /// `id`: a URL naming the proof, so that later proofs can chain to it.
    pub id: Option<String>,
}

impl ProofOptions {
    /// Options for an `assertionMethod` proof made now with `verification_method`.
    pub fn new(verification_method: impl Into<String>) -> Self {
        Self {
            verification_method: verification_method.into(),
            proof_purpose: Relationship::AssertionMethod,
            created: None,
            expires: None,
            challenge: None,
            domain: None,
            previous_proof: None,
            nonce: None,
            id: None,
        }
    }

    /// The proof options as JSON, in the member order of the spec's examples.
    fn to_json(&self, suite: &Cryptosuite) -> Result<Map<String, Value>, Error> {
        let created = self.created.unwrap_or_else(OffsetDateTime::now_utc);
        if let Some(expires) = self.expires
            && expires <= created
        {
            return Err(Error::ApiMisuse(
                "a proof must expire after it is created".into(),
            ));
        }
        let mut json = Map::new();
        let mut put = |name: &str, value: Value| {
            json.insert(name.to_owned(), value);
        };
        put("type", DATA_INTEGRITY_PROOF.into());
        if let Some(id) = &self.id {
            put("id", id.as_str().into());
        }
        put("cryptosuite", suite.id.into());
        put("created", format_date_time(created).into());
        if let Some(expires) = self.expires {
            put("expires", format_date_time(expires).into());
        }
        put(
            "verificationMethod",
            self.verification_method.as_str().into(),
        );
        put("proofPurpose", self.proof_purpose.name().into());
        if let Some(challenge) = &self.challenge {
            put("challenge", challenge.as_str().into());
        }
        if let Some(domain) = &self.domain {
            put("domain", domain.as_str().into());
        }
        if let Some(nonce) = &self.nonce {
            put("nonce", nonce.as_str().into());
        }
        if let Some(previous) = &self.previous_proof {
            put("previousProof", previous.to_json());
        }
        Ok(json)
    }
}

fn document_error(reason: &str) -> Error {
    Error::malformed("Data Integrity document", reason)
}

/// The proofs of a secured document, as the list `allProofs`.
fn all_proofs(secured: &Map<String, Value>) -> Vec<&Value> {
    match secured.get("proof") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    }
}

/// A copy of `secured` without its `proof` member, the other members in their order.
fn without_proof(secured: &Map<String, Value>) -> Map<String, Value> {
    secured
        .iter()
        .filter(|(name, _)| name.as_str() != "proof")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The proofs of `all_proofs` that `previous_proof` names, in its order.
fn matching_proofs(all_proofs: &[&Value], previous_proof: &[&str]) -> Result<Vec<Value>, Error> {
    previous_proof
        .iter()
        .map(|wanted| {
            all_proofs
                .iter()
                .find(|proof| proof.get("id").and_then(Value::as_str) == Some(*wanted))
                .map(|proof| (*proof).clone())
                .ok_or_else(|| {
                    Error::InvalidProof(format!(
                        "previousProof {wanted:?} names no proof of the document"
                    ))
                })
        })
        .collect()
}

/// The document a proof with this `previousProof` signs, from the secured document it
/// is added to (Add Proof Set/Chain, steps 1 to 5).
///
/// > Let the inputDocument be a copy of the securedDocument with the proof attribute
/// > removed. [...] Set inputDocument.proof to matchingProofs.
///
/// <https://www.w3.org/TR/vc-data-integrity/#add-proof-set-chain>
///
/// With no `previousProof` the document has no `proof` member at all (a proof of a
/// set secures the unsecured document, as the spec's proof-set test vectors and their
/// generator show); otherwise `proof` is the list of the named proofs, even for one.
pub fn input_document(secured_document: &Value, previous_proof: &[&str]) -> Result<Value, Error> {
    let secured = secured_document
        .as_object()
        .ok_or_else(|| document_error("a secured document must be a JSON object"))?;
    let mut input = without_proof(secured);
    if !previous_proof.is_empty() {
        // > If any element of previousProof list has an id attribute that does not match
        // > the id attribute of any element of allProofs, an error MUST be raised
        let matching = matching_proofs(&all_proofs(secured), previous_proof)?;
        input.insert("proof".to_owned(), Value::Array(matching));
    }
    Ok(Value::Object(input))
}

/// Adds a proof made by `signer` with the cryptosuite `suite` to `document`.
///
/// A document with no proof gets one proof object (Add Proof). A document that has
/// proofs gets a list: the old proofs, then the new one (Add Proof Set/Chain); with
/// `options.previous_proof`, the proofs it names are signed along with the document.
///
/// Errors: [`Error::UnknownCryptosuite`] for a suite Kith does not implement,
/// [`Error::InvalidProof`] when the signer's key does not fit the suite or
/// `previousProof` names a proof the document does not have, [`Error::Crypto`] when
/// the signer fails.
pub async fn add_proof(
    document: &Value,
    suite: &str,
    signer: &dyn Signer,
    options: ProofOptions,
) -> Result<Value, Error> {
    let secured = document
        .as_object()
        .ok_or_else(|| document_error("a document to secure must be a JSON object"))?;
    let suite = select(suite, signer.public_key().key_type())?;
    if suite.transform == Transform::Bbs2023 {
        return Err(Error::ApiMisuse(
            "bbs-2023 base proofs are added with di::bbs_2023::add_base_proof".into(),
        ));
    }
    let injected;
    let (document, secured) = if suite.transform == Transform::Rdfc10 {
        injected = with_data_integrity_context(document);
        let secured = injected
            .as_object()
            .ok_or_else(|| document_error("a document to secure must be a JSON object"))?;
        (&injected, secured)
    } else {
        (document, secured)
    };
    if secured
        .get("proof")
        .is_some_and(|p| !p.is_object() && !p.is_array())
    {
        return Err(document_error(
            "proof must be an object or a list of objects",
        ));
    }
    let previous = options
        .previous_proof
        .as_ref()
        .map(PreviousProof::ids)
        .unwrap_or_default();
    let input = input_document(document, &previous)?;
    let proof = create_proof(suite, &input, signer, &options).await?;
    // > If no exceptions are raised, append the generated proof value to the allProofs
    // > [...] Set output.proof to the value of allProofs.
    // <https://www.w3.org/TR/vc-data-integrity/#add-proof-set-chain>
    let mut proofs: Vec<Value> = all_proofs(secured).into_iter().cloned().collect();
    let mut output = without_proof(secured);
    let proof = if proofs.is_empty() {
        // > Set securedDataDocument.proof to the value of proof.
        // <https://www.w3.org/TR/vc-data-integrity/#add-proof>
        Value::Object(proof)
    } else {
        proofs.push(Value::Object(proof));
        Value::Array(proofs)
    };
    output.insert("proof".to_owned(), proof);
    Ok(Value::Object(output))
}

/// A cryptosuite's Create Proof over `unsecured` (vc-di-eddsa §3.3.1, vc-di-ecdsa §3.3.1).
async fn create_proof(
    suite: &Cryptosuite,
    unsecured: &Value,
    signer: &dyn Signer,
    options: &ProofOptions,
) -> Result<Map<String, Value>, Error> {
    // > Let proof be a clone of the proof options, options.
    let mut proof = options.to_json(suite)?;
    let proof_config = match (suite.transform, unsecured.get("@context")) {
        // > If unsecuredDocument.@context is present, set proof.@context to
        // > unsecuredDocument.@context.
        // <https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-jcs-2022>
        (Transform::Jcs, Some(context)) => {
            proof.insert("@context".to_owned(), context.clone());
            proof_configuration(suite, &proof)?
        }
        // > Set proofConfig.@context to unsecuredDocument.@context.
        // <https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022>
        // The proof itself carries no @context.
        (Transform::Rdfc10 | Transform::Bbs2023, Some(context)) => {
            let mut config = proof.clone();
            config.insert("@context".to_owned(), context.clone());
            proof_configuration(suite, &config)?
        }
        (_, None) => proof_configuration(suite, &proof)?,
    };
    let transformed_data = transform(suite, unsecured)?;
    let hash_data = hash(suite, &proof_config, &transformed_data);
    let proof_bytes = proof_serialization(suite, &hash_data, signer).await?;
    // > Let proof.proofValue be a base58-btc-encoded Multibase value of the proofBytes.
    proof.insert(
        "proofValue".to_owned(),
        multibase::encode(Base::Base58Btc, &proof_bytes).into(),
    );
    Ok(proof)
}

/// Whose key a proof must be made with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ControllerBinding {
    /// The credential's `issuer`, or the presentation's `holder` when it states one
    /// (<https://www.w3.org/TR/vc-data-integrity/#relationship-to-verifiable-credentials>).
    /// A document that names neither is bound to no one.
    #[default]
    Document,
    /// This DID.
    Exactly(String),
    /// Anyone: only the verification relationship in the key's own DID document is
    /// checked. For documents that are not credentials, and for third-party test
    /// vectors whose `issuer` is not the key's DID.
    Any,
}

/// What [`verify`] expects of the proofs.
#[derive(Debug, Clone)]
pub struct DiVerifyOptions {
    /// The proof purpose every proof must have: `AssertionMethod` for credentials,
    /// `Authentication` for presentations.
    pub expected_purpose: Relationship,
    /// The verifier's challenge: when set, every proof's `challenge` must be its nonce
    /// and its `domain` its audience.
    pub challenge: Option<Challenge>,
    /// Whose keys the proofs must be made with.
    pub controller: ControllerBinding,
    /// The time of interest for `created` and `expires`; `None` is the system clock
    /// when [`verify`] runs.
    pub now: Option<OffsetDateTime>,
    /// Tolerated clock difference: a proof created up to `skew` in the future, or
    /// expired up to `skew` ago, still passes.
    pub skew: Duration,
}

/// The default tolerated clock difference: one minute.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

impl Default for DiVerifyOptions {
    /// Options for a credential: `assertionMethod`, bound to the issuer, system clock.
    fn default() -> Self {
        Self {
            expected_purpose: Relationship::AssertionMethod,
            challenge: None,
            controller: ControllerBinding::Document,
            now: None,
            skew: DEFAULT_SKEW,
        }
    }
}

impl DiVerifyOptions {
    /// Options for a presentation answering `challenge`: `authentication`, bound to the
    /// holder, the challenge's nonce and audience required.
    pub fn presentation(challenge: Challenge) -> Self {
        Self {
            expected_purpose: Relationship::Authentication,
            challenge: Some(challenge),
            ..Self::default()
        }
    }
}

/// One proof that verified.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedProof {
    /// The proof's `id`.
    pub id: Option<String>,
    /// The row of the table that verified it.
    pub cryptosuite: &'static Cryptosuite,
    /// The absolute DID URL of the verification method.
    pub method_id: String,
    /// The method's `controller` in its DID document.
    pub controller: String,
    /// The proof purpose, authorized in the controller's DID document.
    pub proof_purpose: Relationship,
    /// `created`.
    pub created: Option<OffsetDateTime>,
    /// `expires`.
    pub expires: Option<OffsetDateTime>,
    /// The ids of the proofs this one chains to.
    pub previous_proof: Vec<String>,
}

/// What a document's proofs bind to, found before any proof is checked.
struct Subject {
    /// The controller every key must have, if any.
    controller: Option<String>,
    /// Whether the document is a presentation bound to its holder.
    holder_bound: bool,
}

fn id_of(value: &Value, name: &str) -> Result<Option<String>, Error> {
    match value {
        Value::String(id) => Ok(Some(id.clone())),
        Value::Object(object) => match object.get("id") {
            Some(Value::String(id)) => Ok(Some(id.clone())),
            None => Ok(None),
            Some(_) => Err(document_error(&format!("{name}.id must be a string"))),
        },
        _ => Err(document_error(&format!(
            "{name} must be a URL or an object with an id"
        ))),
    }
}

fn subject(secured: &Map<String, Value>, binding: &ControllerBinding) -> Result<Subject, Error> {
    let is_presentation = match secured.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(types)) => types.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    };
    let stated = |name: &str| {
        secured
            .get(name)
            .map(|v| id_of(v, name))
            .transpose()
            .map(Option::flatten)
    };
    Ok(match binding {
        ControllerBinding::Any => Subject {
            controller: None,
            holder_bound: false,
        },
        ControllerBinding::Exactly(did) => Subject {
            controller: Some(did.clone()),
            holder_bound: false,
        },
        ControllerBinding::Document if is_presentation => {
            let holder = stated("holder")?;
            Subject {
                holder_bound: holder.is_some(),
                controller: holder,
            }
        }
        ControllerBinding::Document => Subject {
            controller: stated("issuer")?,
            holder_bound: false,
        },
    })
}

/// The proof checks that need no key: purpose, domain, challenge, validity period.
fn check_proof_options(
    proof: &Proof<'_>,
    opts: &DiVerifyOptions,
    now: OffsetDateTime,
) -> Result<(), Error> {
    // > If expectedProofPurpose was given, and it does not match proof.proofPurpose, an
    // > error MUST be raised and SHOULD convey an error type of PROOF_VERIFICATION_ERROR.
    // <https://www.w3.org/TR/vc-data-integrity/#verify-proof>
    if proof.proof_purpose != opts.expected_purpose {
        return Err(Error::InvalidProof(format!(
            "proofPurpose is {}, expected {}",
            proof.proof_purpose.name(),
            opts.expected_purpose.name()
        )));
    }
    if let Some(challenge) = &opts.challenge {
        // > If domain was given, and it does not contain the same strings as
        // > proof.domain (treating a single string as a set containing just that
        // > string), an error MUST be raised and SHOULD convey an error type of
        // > INVALID_DOMAIN_ERROR.
        let mut domains = proof.domain.clone();
        domains.sort_unstable();
        domains.dedup();
        if domains != [challenge.audience.as_str()] {
            return Err(Error::AudienceMismatch(format!(
                "proof domain is {:?}, expected {:?}",
                proof.domain, challenge.audience
            )));
        }
        // > If challenge was given, and it does not match proof.challenge, an error MUST
        // > be raised and SHOULD convey an error type of INVALID_CHALLENGE_ERROR.
        if proof.challenge != Some(challenge.nonce.as_str()) {
            return Err(Error::NonceMismatch(format!(
                "proof challenge is {:?}, expected {:?}",
                proof.challenge, challenge.nonce
            )));
        }
    }
    // > When verifying a proof, it is important to ensure that the time of interest
    // > (which might be the current time or any other time) is within the validity
    // > period for the proof (that is, between created and expires).
    // <https://www.w3.org/TR/vc-data-integrity/#relationship-to-verifiable-credentials>
    let skew = time::Duration::try_from(opts.skew).unwrap_or(time::Duration::MAX);
    if let Some(created) = proof.created
        && created > now.saturating_add(skew)
    {
        return Err(Error::NotYetValid(format!(
            "the proof was created at {}, after now ({})",
            format_date_time(created),
            format_date_time(now)
        )));
    }
    if let Some(expires) = proof.expires
        && expires < now.saturating_sub(skew)
    {
        return Err(Error::Expired(format!(
            "the proof expired at {} (now {})",
            format_date_time(expires),
            format_date_time(now)
        )));
    }
    Ok(())
}

/// `value` as a list, a single string counting as a list of one.
fn as_list(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        Some(one) => std::slice::from_ref(one),
        None => &[],
    }
}

/// A cryptosuite's Verify Proof for one proof of `input`, with `key`
/// (vc-di-eddsa §3.3.2, vc-di-ecdsa §3.3.2).
///
/// `input` is the document the proof signs: the secured document without `proof`, or
/// with the proofs this one chains to as its `proof` (see [`input_document`]).
pub fn verify_proof(input: &Value, proof: &Value, key: &PublicKey) -> Result<(), Error> {
    let input = input
        .as_object()
        .ok_or_else(|| document_error("a secured document must be a JSON object"))?;
    check_proof(&suite::members(input), &Proof::parse(proof)?, key).map(|_| ())
}

/// [`verify_proof`] of a parsed proof over a document given as its members, returning
/// the suite that verified it. Nothing is copied but the members list.
fn check_proof<'a>(
    input: &[(&'a str, &'a Value)],
    proof: &Proof<'a>,
    key: &PublicKey,
) -> Result<&'static Cryptosuite, Error> {
    let suite = select(proof.cryptosuite, key.key_type())?;
    if suite.transform == Transform::Bbs2023 {
        // vc-di-bbs §3.4 Verify Derived Proof: its own transformation and BBS ProofVerify.
        bbs_2023::verify_derived(input, proof, key)?;
        return Ok(suite);
    }
    // > Let proofOptions be the result of a copy of securedDocument.proof with
    // > proofValue removed.
    // > Let proofBytes be the Multibase decoded base58-btc value in
    // > securedDocument.proof.proofValue.
    // <https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-jcs-2022>
    let mut proof_options: Vec<(&str, &Value)> = proof
        .json
        .iter()
        .filter(|(name, _)| name.as_str() != "proofValue")
        .map(|(name, value)| (name.as_str(), value))
        .collect();
    let proof_bytes = multibase::decode_base58btc(proof.proof_value)
        .map_err(|e| Error::InvalidSignature(format!("proofValue: {e}")))?;
    let mut unsecured = Cow::Borrowed(input);
    if suite.transform == Transform::Rdfc10 {
        // > Set proofConfig.@context to unsecuredDocument.@context.
        // <https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022>
        proof_options.retain(|(name, _)| *name != "@context");
        if let Some(context) = suite::member(input, "@context") {
            proof_options.push(("@context", context));
        }
    } else if let Some(proof_context) = proof.json.get("@context") {
        // > If proofOptions.@context exists: Check that the securedDocument.@context
        // > starts with all values contained in the proofOptions.@context in the same
        // > order. Otherwise, set verified to false and skip to the last step.
        let document_context = suite::member(input, "@context");
        if !as_list(document_context).starts_with(as_list(Some(proof_context))) {
            return Err(Error::InvalidProof(
                "the document's @context does not start with the proof's @context".into(),
            ));
        }
        // > Set unsecuredDocument.@context equal to proofOptions.@context.
        if document_context != Some(proof_context) {
            let mut narrowed: Vec<(&str, &Value)> = input
                .iter()
                .filter(|(name, _)| *name != "@context")
                .copied()
                .collect();
            narrowed.push(("@context", proof_context));
            unsecured = Cow::Owned(narrowed);
        }
    }
    let transformed_data = suite::transform_members(suite, &unsecured)?;
    let proof_config = suite::proof_configuration_members(suite, &proof_options)?;
    let hash_data = hash(suite, &proof_config, &transformed_data);
    proof_verification(suite, &hash_data, &proof_bytes, key)?;
    Ok(suite)
}

/// The result of Verify Proof Sets and Chains, before it is summarized.
struct Verification {
    proofs: Vec<CheckedProof>,
    subject: Subject,
    /// The shortest proof `@context`, when it is shorter than the document's: the
    /// contexts after it are signed by no proof.
    signed_context: Option<Value>,
}

async fn verify_all(
    document: &Value,
    resolver: &dyn Resolver,
    opts: &DiVerifyOptions,
) -> Result<Verification, Error> {
    // > If either securedDocument is not a map or securedDocument.proof is not a map,
    // > an error MUST be raised and SHOULD convey an error type of PARSING_ERROR.
    // <https://www.w3.org/TR/vc-data-integrity/#verify-proof> (a list is a proof set,
    // <https://www.w3.org/TR/vc-data-integrity/#verify-proof-sets-and-chains>)
    let secured = document
        .as_object()
        .ok_or_else(|| document_error("a secured document must be a JSON object"))?;
    let all = all_proofs(secured);
    if all.is_empty() {
        return Err(Error::InvalidProof("the document has no proof".into()));
    }
    if all.len() > MAX_PROOFS {
        return Err(Error::InvalidProof(format!(
            "the document has {} proofs, more than the {MAX_PROOFS} accepted",
            all.len()
        )));
    }
    let proofs = all
        .iter()
        .map(|value| Proof::parse(value))
        .collect::<Result<Vec<_>, _>>()?;
    // > Implementers MAY implement reasonable defaults and safeguards in addition to the
    // > algorithms below [...]
    // <https://www.w3.org/TR/vc-data-integrity/#algorithms>
    // Two proofs with one id would make previousProof ambiguous.
    for (i, proof) in proofs.iter().enumerate() {
        if let Some(id) = proof.id
            && proofs[..i].iter().any(|earlier| earlier.id == Some(id))
        {
            return Err(Error::InvalidProof(format!(
                "two proofs have the id {id:?}"
            )));
        }
    }
    let subject = subject(secured, &opts.controller)?;
    let now = opts.now.unwrap_or_else(OffsetDateTime::now_utc);
    // The secured document without `proof`, borrowed.
    let unsecured: Vec<(&str, &Value)> = secured
        .iter()
        .filter(|(name, _)| name.as_str() != "proof")
        .map(|(name, value)| (name.as_str(), value))
        .collect();
    let mut checked = Vec::with_capacity(proofs.len());
    let mut signed_context: Option<&Value> = None;
    for proof in &proofs {
        // > If proof contains a previousProof attribute [...] add the element from
        // > allProofs with an id attribute value matching [...] to matchingProofs. If a
        // > proof with id value equal to the value of previousProof does not exist in
        // > allProofs, an error MUST be raised [...]
        // > Let inputDocument be a copy of securedDocument with the proof value removed
        // > and then set inputDocument.proof to matchingProofs.
        // <https://www.w3.org/TR/vc-data-integrity/#verify-proof-sets-and-chains>
        let matching: Value;
        let chained: Vec<(&str, &Value)>;
        let input: &[(&str, &Value)] = if proof.previous_proof.is_empty() {
            &unsecured
        } else {
            if proof
                .id
                .is_some_and(|id| proof.previous_proof.contains(&id))
            {
                return Err(Error::InvalidProof(
                    "a proof names itself as its previousProof".into(),
                ));
            }
            matching = Value::Array(matching_proofs(&all, &proof.previous_proof)?);
            chained = unsecured
                .iter()
                .copied()
                .chain([("proof", &matching)])
                .collect();
            &chained
        };
        check_proof_options(proof, opts, now)?;
        let authorized = resolve_authorized_key_at(
            resolver,
            proof.verification_method,
            subject.controller.as_deref(),
            proof.proof_purpose,
            proof.created,
        )
        .await?;
        // > One way to check for such an association is to ensure that the value of the
        // > controller property of a proof's verification method matches the URL value
        // > used to identify the issuer or holder, respectively
        // <https://www.w3.org/TR/vc-data-integrity/#relationship-to-verifiable-credentials>
        if let Some(expected) = &subject.controller
            && authorized.method.controller != *expected
        {
            return Err(Error::KeyControllerMismatch {
                key: authorized.method_id.to_string(),
                expected: expected.clone(),
            });
        }
        let suite = check_proof(input, proof, &authorized.key)?;
        if let Some(context) = proof.json.get("@context")
            && as_list(Some(context)).len()
                < as_list(signed_context.or(secured.get("@context"))).len()
        {
            signed_context = Some(context);
        }
        checked.push(CheckedProof {
            id: proof.id.map(str::to_owned),
            cryptosuite: suite,
            method_id: authorized.method_id.to_string(),
            controller: authorized.method.controller.clone(),
            proof_purpose: proof.proof_purpose,
            created: proof.created,
            expires: proof.expires,
            previous_proof: proof
                .previous_proof
                .iter()
                .map(|id| (*id).to_owned())
                .collect(),
        });
    }
    Ok(Verification {
        proofs: checked,
        subject,
        signed_context: signed_context.cloned(),
    })
}

/// Verifies every proof of `document` (Verify Proof Sets and Chains) and returns one
/// [`CheckedProof`] per proof, in document order. Any proof that fails fails the whole.
pub async fn verify_proofs(
    document: &Value,
    resolver: &dyn Resolver,
    opts: &DiVerifyOptions,
) -> Result<Vec<CheckedProof>, Error> {
    Ok(verify_all(document, resolver, opts).await?.proofs)
}

/// Verifies every proof of a secured credential or presentation.
///
/// Each proof must: name a cryptosuite of [`SUITES`] (else `unknown_cryptosuite`);
/// have the expected proof purpose (else `invalid_proof`) and the verifier's
/// challenge and domain (`nonce_mismatch`, `audience_mismatch`); have been created no
/// later than now plus the skew (`not_yet_valid`) and not have expired (`expired`);
/// have its `previousProof`s in the set (`invalid_proof`); use a key that resolves
/// (`unknown_issuer`, `unknown_key`), is authorized for the purpose
/// (`key_not_authorized`) and is controlled by the issuer or holder
/// (`key_controller_mismatch`) and fits the suite (`invalid_proof`); and verify
/// (`invalid_signature`).
///
/// The [`VerifiedProof`] describes the first proof, except `expires` (the earliest of
/// all). Its `credential` is the document without `proof`; if a proof signed only a
/// prefix of the document's `@context` (vc-di-eddsa §3.3.2 allows contexts appended
/// later), it carries only the contexts every proof signed. Embedded credentials of
/// a presentation are not verified here.
pub async fn verify(
    document: &Value,
    resolver: &dyn Resolver,
    opts: &DiVerifyOptions,
) -> Result<VerifiedProof, Error> {
    let Verification {
        proofs,
        subject,
        signed_context,
    } = verify_all(document, resolver, opts).await?;
    // > Return a verification result with items: verified, verifiedDocument [...]
    // > if verified is true, unsecuredDocument
    // <https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-jcs-2022>
    let mut unsecured = input_document(document, &[])?;
    if let Some(context) = signed_context {
        unsecured["@context"] = context;
    }
    let first = proofs
        .first()
        .ok_or_else(|| Error::InvalidProof("the document has no proof".into()))?;
    let holder_bound =
        subject.holder_bound && opts.expected_purpose == Relationship::Authentication;
    Ok(VerifiedProof {
        issuer: subject
            .controller
            .unwrap_or_else(|| first.controller.clone()),
        method_id: first.method_id.clone(),
        signed_at: first.created,
        not_before: None,
        expires: proofs.iter().filter_map(|p| p.expires).min(),
        holder_key: None,
        holder_bound,
        credential: unsecured,
    })
}
