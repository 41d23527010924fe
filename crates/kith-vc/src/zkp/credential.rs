//! Credentials and presentations: issuing a `kith-zkp-2026` credential, deriving a
//! presentation that discloses some claims and proves predicates on others, and
//! verifying it into a report.

use std::collections::{BTreeMap, BTreeSet};

use ark_bls12_381::Fr;
use kith_crypto::multibase;
use kith_did::{Relationship, Resolver};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::crypto::{self, IssuerPublicKey, IssuerSecretKey, Range, Statement};
use super::encoding::{self, Claim, ClaimKind};
use super::predicate::Predicate;
use super::{CRYPTOSUITE, ZkpError};
use crate::report::{Check, CheckKind, Report};
use crate::status::StatusResult;
use crate::{Challenge, Verifier};

const DATA_INTEGRITY_PROOF: &str = "DataIntegrityProof";
const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// The proof options every `kith-zkp-2026` proof starts with, signed in the header.
fn proof_options(verification_method: &str) -> Map<String, Value> {
    let mut options = Map::new();
    options.insert("type".into(), DATA_INTEGRITY_PROOF.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("proofPurpose".into(), "assertionMethod".into());
    options
}

/// Message 0: a hash of everything always disclosed (the credential without
/// `credentialSubject` and `proof`), the proof options, and every claim's pointer and
/// kind.
fn header(
    frame: &Map<String, Value>,
    claims: &[(String, ClaimKind)],
    verification_method: &str,
) -> Fr {
    let claims: Vec<Value> = claims
        .iter()
        .map(|(pointer, kind)| json!([pointer, kind.name()]))
        .collect();
    let document = json!({
        "credential": Value::Object(frame.clone()),
        "claims": claims,
        "proof": Value::Object(proof_options(verification_method)),
    });
    encoding::hash_to_field(
        b"kith-zkp-2026/header",
        &crate::jcs::canonicalize(&document),
    )
}

/// The credential without `credentialSubject` and `proof`.
fn frame(credential: &Map<String, Value>) -> Map<String, Value> {
    credential
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "credentialSubject" | "proof"))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

fn subject(credential: &Map<String, Value>) -> Result<&Map<String, Value>, ZkpError> {
    credential
        .get("credentialSubject")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ZkpError::InvalidCredential("credentialSubject must be one JSON object".into())
        })
}

fn object(value: &Value) -> Result<&Map<String, Value>, ZkpError> {
    value
        .as_object()
        .ok_or_else(|| ZkpError::InvalidCredential("a credential must be a JSON object".into()))
}

fn issuer_id(credential: &Map<String, Value>) -> Result<String, ZkpError> {
    match credential.get("issuer") {
        Some(Value::String(id)) => Ok(id.clone()),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ZkpError::InvalidCredential("issuer has no id".into())),
        _ => Err(ZkpError::InvalidCredential(
            "the credential has no issuer".into(),
        )),
    }
}

/// `u` + base64url (no padding) of `bytes`.
fn encode_proof_value(bytes: &[u8]) -> String {
    format!("u{}", multibase::base64url_encode(bytes))
}

fn decode_proof_value(text: &str) -> Result<Vec<u8>, ZkpError> {
    let body = text.strip_prefix('u').ok_or_else(|| {
        ZkpError::MalformedProof("proofValue must be multibase base64url ('u')".into())
    })?;
    if body.len() > crypto::MAX_PROOF_LEN * 4 / 3 + 4 {
        return Err(ZkpError::MalformedProof("proofValue is too long".into()));
    }
    multibase::base64url_decode(body)
        .map_err(|e| ZkpError::MalformedProof(format!("proofValue is not base64url: {e}")))
}

/// The messages of a credential: the header, then each claim in pointer order.
fn messages(
    frame: &Map<String, Value>,
    claims: &[Claim],
    verification_method: &str,
) -> Result<Vec<Fr>, ZkpError> {
    let kinds: Vec<(String, ClaimKind)> = claims
        .iter()
        .map(|claim| (claim.pointer.clone(), claim.kind))
        .collect();
    let mut messages = Vec::with_capacity(claims.len() + 1);
    messages.push(header(frame, &kinds, verification_method));
    for claim in claims {
        messages.push(encoding::message(claim.kind, &claim.value)?);
    }
    Ok(messages)
}

/// Signs `credential` with `key`: adds a `kith-zkp-2026` proof naming
/// `verification_method` (the issuer's key, e.g. its did:key method).
///
/// Every leaf of `credentialSubject` becomes one message; dates, UTC date-times and
/// numbers are encoded so the holder can later prove ranges on them.
pub fn issue(
    credential: &Value,
    key: &IssuerSecretKey,
    verification_method: &str,
) -> Result<Value, ZkpError> {
    let object = object(credential)?;
    if object.contains_key("proof") {
        return Err(ZkpError::InvalidCredential(
            "the credential already has a proof".into(),
        ));
    }
    issuer_id(object)?;
    let claims = encoding::claims(subject(object)?)?;
    let messages = messages(&frame(object), &claims, verification_method)?;
    let signature = crypto::sign(key, &messages)?;
    let mut bytes = vec![crypto::VERSION, crypto::KIND_SIGNATURE];
    bytes.extend_from_slice(&signature);
    let mut proof = proof_options(verification_method);
    proof.insert("proofValue".into(), encode_proof_value(&bytes).into());
    let mut secured = object.clone();
    secured.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(secured))
}

/// An issued credential, read and checked for shape (not yet for its signature).
struct Issued<'a> {
    object: &'a Map<String, Value>,
    verification_method: &'a str,
    signature: Vec<u8>,
    claims: Vec<Claim>,
}

fn read_issued(credential: &Value) -> Result<Issued<'_>, ZkpError> {
    let object = object(credential)?;
    let proof = object
        .get("proof")
        .and_then(Value::as_object)
        .ok_or_else(|| ZkpError::MalformedProof("the credential has no proof object".into()))?;
    let expected = proof_options(
        proof
            .get("verificationMethod")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    for (name, value) in &expected {
        if proof.get(name) != Some(value) || value.as_str() == Some("") {
            return Err(ZkpError::MalformedProof(format!(
                "the proof's {name} must be {value}"
            )));
        }
    }
    let verification_method = proof
        .get("verificationMethod")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let bytes = decode_proof_value(
        proof
            .get("proofValue")
            .and_then(Value::as_str)
            .ok_or_else(|| ZkpError::MalformedProof("the proof has no proofValue".into()))?,
    )?;
    let signature = match bytes.as_slice() {
        [version, ..] if *version != crypto::VERSION => {
            return Err(ZkpError::UnsupportedVersion(*version));
        }
        [_, kind, rest @ ..] if *kind == crypto::KIND_SIGNATURE => rest.to_vec(),
        [_, _, ..] => {
            return Err(ZkpError::MalformedProof(
                "this is a derived proof, not an issuer's signature".into(),
            ));
        }
        _ => return Err(ZkpError::TruncatedProof("proofValue is too short".into())),
    };
    Ok(Issued {
        object,
        verification_method,
        signature,
        claims: encoding::claims(subject(object)?)?,
    })
}

/// Checks an issued credential's signature with the issuer's key (the holder does
/// this before storing it). Returns the issuer's id.
pub fn verify_issued(credential: &Value, key: &IssuerPublicKey) -> Result<String, ZkpError> {
    let issued = read_issued(credential)?;
    let messages = messages(
        &frame(issued.object),
        &issued.claims,
        issued.verification_method,
    )?;
    crypto::verify_signature(key, &messages, &issued.signature)?;
    issuer_id(issued.object)
}

/// What the holder discloses and proves, to whom.
#[derive(Debug, Clone, Default)]
pub struct PresentOptions {
    /// Claims to disclose, as JSON pointers (`/credentialSubject/name`).
    pub reveal: Vec<String>,
    /// Predicates to prove on hidden claims.
    pub predicates: Vec<Predicate>,
    /// The verifier's nonce.
    pub challenge: String,
    /// The verifier's domain.
    pub domain: String,
}

/// The canonical JSON of the verifier's nonce and domain.
fn binding(challenge: &str, domain: &str) -> Vec<u8> {
    crate::jcs::canonicalize(&json!({"challenge": challenge, "domain": domain}))
}

/// The canonical JSON of what is disclosed and proven (the rest of the statement).
fn statement_bytes(
    verification_method: &str,
    claims: &BTreeMap<String, ClaimKind>,
    revealed: &BTreeSet<String>,
    predicates: &[Predicate],
) -> Vec<u8> {
    let claims: Map<String, Value> = claims
        .iter()
        .map(|(pointer, kind)| (pointer.clone(), kind.name().into()))
        .collect();
    crate::jcs::canonicalize(&json!({
        "verificationMethod": verification_method,
        "claims": claims,
        "revealed": revealed.iter().collect::<Vec<_>>(),
        "predicates": predicates.iter().map(Predicate::to_json).collect::<Vec<_>>(),
    }))
}

/// Derives a presentation from an issued credential: discloses `options.reveal`,
/// proves `options.predicates` on hidden claims, bound to the verifier's nonce and
/// domain. The credential's signature is checked against the issuer's `key` before
/// any proof is made (`invalid_signature`).
///
/// Refuses a predicate its claim does not satisfy (`predicate_false`), one on a
/// claim that is not a date, date-time or number (`unsupported_claim`) or that is
/// disclosed (`invalid_predicate`), and pointers that name no claim (`unknown_claim`).
pub fn present(
    credential: &Value,
    key: &IssuerPublicKey,
    options: &PresentOptions,
) -> Result<Value, ZkpError> {
    let issued = read_issued(credential)?;
    let frame = frame(issued.object);
    // The signature is checked against `key` by `crypto::prove`, before any proof.
    let all = messages(&frame, &issued.claims, issued.verification_method)?;
    if options.predicates.len() > crypto::MAX_PREDICATES {
        return Err(ZkpError::InvalidPredicate(format!(
            "at most {} predicates",
            crypto::MAX_PREDICATES
        )));
    }
    let index_of = |pointer: &str| {
        issued
            .claims
            .iter()
            .position(|claim| claim.pointer == pointer)
            .ok_or_else(|| {
                ZkpError::UnknownClaim(format!("{pointer} is not a claim of the credential"))
            })
    };
    let revealed_pointers: BTreeSet<String> = options.reveal.iter().cloned().collect();
    let mut revealed = BTreeMap::from([(0, all[0])]);
    let mut subject = Map::new();
    for pointer in &revealed_pointers {
        let i = index_of(pointer)?;
        revealed.insert(i + 1, all[i + 1]);
        encoding::insert(&mut subject, pointer, issued.claims[i].value.clone())?;
    }
    let mut ranges = Vec::with_capacity(options.predicates.len());
    let mut values = Vec::with_capacity(options.predicates.len());
    for predicate in &options.predicates {
        let i = index_of(&predicate.claim)?;
        let claim = &issued.claims[i];
        if revealed_pointers.contains(&claim.pointer) {
            return Err(ZkpError::InvalidPredicate(format!(
                "{} is disclosed; a predicate is for hidden claims",
                claim.pointer
            )));
        }
        let bound = predicate.bound(claim.kind)?;
        let value = encoding::ordered(claim.kind, &claim.value)
            .ok_or_else(|| ZkpError::UnsupportedClaim(claim.pointer.clone()))?;
        if bound.distance(value).is_none() {
            return Err(ZkpError::PredicateFalse(predicate.to_string()));
        }
        ranges.push(Range {
            index: i + 1,
            bound,
        });
        values.push(value);
    }
    let kinds: BTreeMap<String, ClaimKind> = issued
        .claims
        .iter()
        .map(|claim| (claim.pointer.clone(), claim.kind))
        .collect();
    let binding = binding(&options.challenge, &options.domain);
    let statement_bytes = statement_bytes(
        issued.verification_method,
        &kinds,
        &revealed_pointers,
        &options.predicates,
    );
    let statement = Statement {
        key,
        message_count: all.len(),
        revealed: &revealed,
        ranges: &ranges,
        binding: &binding,
        statement: &statement_bytes,
    };
    let proof_bytes = crypto::prove(&statement, &issued.signature, &all, &values)?;

    let mut proof = proof_options(issued.verification_method);
    proof.insert("challenge".into(), options.challenge.clone().into());
    proof.insert("domain".into(), options.domain.clone().into());
    let claims: Map<String, Value> = kinds
        .iter()
        .map(|(pointer, kind)| (pointer.clone(), kind.name().into()))
        .collect();
    proof.insert("claims".into(), Value::Object(claims));
    proof.insert(
        "predicates".into(),
        Value::Array(options.predicates.iter().map(Predicate::to_json).collect()),
    );
    proof.insert("proofValue".into(), encode_proof_value(&proof_bytes).into());
    let mut derived = frame;
    derived.insert("credentialSubject".into(), Value::Object(subject));
    derived.insert("proof".into(), Value::Object(proof));
    Ok(json!({
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [Value::Object(derived)],
    }))
}

/// [`present`], with the issuer's key resolved from the credential's
/// `verificationMethod` (which must be authorized for `assertionMethod` by the issuer).
pub async fn present_resolving(
    credential: &Value,
    resolver: &dyn Resolver,
    options: &PresentOptions,
) -> Result<Value, crate::Error> {
    let issued = read_issued(credential)?;
    let issuer = issuer_id(issued.object)?;
    let key = resolve_key(resolver, issued.verification_method, &issuer).await?;
    Ok(present(credential, &key, options)?)
}

async fn resolve_key(
    resolver: &dyn Resolver,
    verification_method: &str,
    issuer: &str,
) -> Result<IssuerPublicKey, crate::Error> {
    let authorized = crate::resolve_authorized_key(
        resolver,
        verification_method,
        Some(issuer),
        Relationship::AssertionMethod,
    )
    .await?;
    if authorized.method.controller != issuer {
        return Err(crate::Error::KeyControllerMismatch {
            key: authorized.method_id.to_string(),
            expected: issuer.to_owned(),
        });
    }
    if authorized.key.key_type() != kith_crypto::KeyType::Bls12381G2 {
        return Err(ZkpError::InvalidKey(format!(
            "kith-zkp-2026 needs a bls12381g2 key, {verification_method} is {}",
            authorized.key.key_type()
        ))
        .into());
    }
    Ok(IssuerPublicKey::from_bytes(&authorized.key.to_bytes())?)
}

/// Whether `input` is a `kith-zkp-2026` presentation (or derived credential).
pub fn is_zkp_presentation(input: &str) -> bool {
    let Ok(value) = crate::json::parse_str(input.trim()) else {
        return false;
    };
    derived_credential(&value).is_ok_and(|credential| {
        credential
            .get("proof")
            .and_then(|p| p.get("cryptosuite"))
            .and_then(Value::as_str)
            == Some(CRYPTOSUITE)
    })
}

/// Whether `input` is an issued `kith-zkp-2026` credential.
pub fn is_zkp_credential(input: &str) -> bool {
    crate::json::parse_str(input.trim()).is_ok_and(|value| {
        value.get("verifiableCredential").is_none()
            && value
                .get("proof")
                .and_then(|p| p.get("cryptosuite"))
                .and_then(Value::as_str)
                == Some(CRYPTOSUITE)
            && value
                .get("proof")
                .and_then(|p| p.get("predicates"))
                .is_none()
    })
}

/// The one derived credential of a presentation, or the document itself.
fn derived_credential(value: &Value) -> Result<&Map<String, Value>, ZkpError> {
    let credential = match value.get("verifiableCredential") {
        None => value,
        Some(Value::Array(items)) if items.len() == 1 => &items[0],
        Some(Value::Object(_)) => &value["verifiableCredential"],
        Some(_) => {
            return Err(ZkpError::MalformedProof(
                "a kith-zkp-2026 presentation carries exactly one credential".into(),
            ));
        }
    };
    object(credential)
}

/// A predicate the verifier checked, as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvenPredicate {
    /// The claim's pointer.
    pub claim: String,
    /// `<`, `<=`, `>`, `>=`.
    pub op: &'static str,
    /// The bound.
    pub value: Value,
    /// `Predicate` as one line, e.g. `/credentialSubject/birthDate <= 2008-11-28`.
    pub statement: String,
}

/// The verifier's verdict on a `kith-zkp-2026` presentation: the pipeline's report,
/// and when it verified, the disclosed claims and the proven predicates (nothing
/// else about hidden claims).
#[derive(Debug, Clone, Serialize)]
pub struct ZkpReport {
    /// The checks, issuer and the disclosed credential (`credential`).
    #[serde(flatten)]
    pub report: Report,
    /// Disclosed claims by pointer (empty unless verified).
    pub disclosed: BTreeMap<String, Value>,
    /// Proven predicates (empty unless verified).
    pub predicates: Vec<ProvenPredicate>,
}

/// What a derived credential states, read before any cryptography.
struct Derived {
    issuer: String,
    verification_method: String,
    challenge: String,
    domain: String,
    kinds: BTreeMap<String, ClaimKind>,
    disclosed: BTreeMap<String, Value>,
    predicates: Vec<Predicate>,
    proof_bytes: Vec<u8>,
    /// The credential without its proof: what the verifier may rely on.
    credential: Value,
    frame: Map<String, Value>,
}

fn read_derived(value: &Value) -> Result<Derived, ZkpError> {
    let credential = derived_credential(value)?;
    let proof = credential
        .get("proof")
        .and_then(Value::as_object)
        .ok_or_else(|| ZkpError::MalformedProof("the credential has no proof object".into()))?;
    let text = |name: &str| -> Result<String, ZkpError> {
        proof
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ZkpError::MalformedProof(format!("the proof has no {name} string")))
    };
    let verification_method = text("verificationMethod")?;
    for (name, value) in proof_options(&verification_method) {
        if proof.get(&name) != Some(&value) {
            return Err(ZkpError::MalformedProof(format!(
                "the proof's {name} must be {value}"
            )));
        }
    }
    let allowed = [
        "type",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "challenge",
        "domain",
        "claims",
        "predicates",
        "proofValue",
    ];
    if let Some(other) = proof.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ZkpError::MalformedProof(format!(
            "the proof has an unknown member {other:?}"
        )));
    }
    let mut kinds = BTreeMap::new();
    for (pointer, kind) in proof
        .get("claims")
        .and_then(Value::as_object)
        .ok_or_else(|| ZkpError::MalformedProof("the proof has no claims object".into()))?
    {
        let kind = kind
            .as_str()
            .and_then(ClaimKind::from_name)
            .ok_or_else(|| {
                ZkpError::MalformedProof(format!("claim {pointer}: unknown kind {kind}"))
            })?;
        match encoding::tokens(pointer) {
            Some(tokens) if tokens.len() >= 2 && tokens[0] == "credentialSubject" => {}
            _ => {
                return Err(ZkpError::MalformedProof(format!(
                    "{pointer:?} is not a credentialSubject pointer"
                )));
            }
        }
        kinds.insert(pointer.clone(), kind);
    }
    if kinds.len() > encoding::MAX_CLAIMS {
        return Err(ZkpError::MessageCountMismatch(format!(
            "{} claims, at most {}",
            kinds.len(),
            encoding::MAX_CLAIMS
        )));
    }
    let predicates = proof
        .get("predicates")
        .and_then(Value::as_array)
        .ok_or_else(|| ZkpError::MalformedProof("the proof has no predicates list".into()))?
        .iter()
        .map(Predicate::from_json)
        .collect::<Result<Vec<_>, _>>()?;
    if predicates.len() > crypto::MAX_PREDICATES {
        return Err(ZkpError::InvalidPredicate(format!(
            "{} predicates, at most {}",
            predicates.len(),
            crypto::MAX_PREDICATES
        )));
    }
    let subject = subject(credential)?;
    let disclosed: BTreeMap<String, Value> = encoding::claims(subject)?
        .into_iter()
        .map(|claim| (claim.pointer, claim.value))
        .collect();
    let mut unsecured = credential.clone();
    unsecured.remove("proof");
    Ok(Derived {
        issuer: issuer_id(credential)?,
        challenge: text("challenge")?,
        domain: text("domain")?,
        proof_bytes: decode_proof_value(&text("proofValue")?)?,
        verification_method,
        kinds,
        disclosed,
        predicates,
        credential: Value::Object(unsecured),
        frame: frame(credential),
    })
}

/// The statement of a derived credential, as the verifier rebuilds it.
struct Rebuilt {
    message_count: usize,
    revealed: BTreeMap<usize, Fr>,
    ranges: Vec<Range>,
    binding: Vec<u8>,
    statement: Vec<u8>,
}

fn rebuild(derived: &Derived) -> Result<Rebuilt, ZkpError> {
    let ordered: Vec<(String, ClaimKind)> = {
        let mut v: Vec<(String, ClaimKind)> =
            derived.kinds.iter().map(|(p, k)| (p.clone(), *k)).collect();
        v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        v
    };
    let index_of = |pointer: &str| {
        ordered
            .iter()
            .position(|(p, _)| p == pointer)
            .ok_or_else(|| {
                ZkpError::UnknownClaim(format!("{pointer} is not among the proof's claims"))
            })
    };
    let mut revealed = BTreeMap::from([(
        0,
        header(&derived.frame, &ordered, &derived.verification_method),
    )]);
    for (pointer, value) in &derived.disclosed {
        let i = index_of(pointer)?;
        revealed.insert(i + 1, encoding::message(ordered[i].1, value)?);
    }
    let mut ranges = Vec::with_capacity(derived.predicates.len());
    for predicate in &derived.predicates {
        let i = index_of(&predicate.claim)?;
        ranges.push(Range {
            index: i + 1,
            bound: predicate.bound(ordered[i].1)?,
        });
    }
    let revealed_pointers: BTreeSet<String> = derived.disclosed.keys().cloned().collect();
    Ok(Rebuilt {
        message_count: ordered.len() + 1,
        revealed,
        ranges,
        binding: binding(&derived.challenge, &derived.domain),
        statement: statement_bytes(
            &derived.verification_method,
            &derived.kinds,
            &revealed_pointers,
            &derived.predicates,
        ),
    })
}

/// The holder binding checks: the presentation answers this verifier's nonce and domain.
fn check_binding(derived: &Derived, challenge: &Challenge) -> Result<(), ZkpError> {
    if derived.challenge != challenge.nonce {
        return Err(ZkpError::NonceMismatch(format!(
            "the presentation answers nonce {:?}, expected {:?}",
            derived.challenge, challenge.nonce
        )));
    }
    if derived.domain != challenge.audience {
        return Err(ZkpError::DomainMismatch(format!(
            "the presentation is for domain {:?}, expected {:?}",
            derived.domain, challenge.audience
        )));
    }
    Ok(())
}

/// Every predicate the verifier requires must be one the presentation proves.
fn check_required(derived: &Derived, required: &[Predicate]) -> Result<(), ZkpError> {
    for wanted in required {
        if !derived.predicates.iter().any(|p| same_predicate(p, wanted)) {
            return Err(ZkpError::StatementMismatch(format!(
                "the verifier asked for {wanted}; the presentation proves {}",
                if derived.predicates.is_empty() {
                    "no predicate".to_owned()
                } else {
                    derived
                        .predicates
                        .iter()
                        .map(Predicate::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
    }
    Ok(())
}

/// Equal predicates: same claim, operator and bound (numbers compared as numbers).
fn same_predicate(a: &Predicate, b: &Predicate) -> bool {
    a.claim == b.claim
        && a.op == b.op
        && (a.bound == b.bound
            || matches!((a.bound.as_f64(), b.bound.as_f64()), (Some(x), Some(y)) if x == y))
}

fn record(report: &mut Report, kind: CheckKind, result: Result<(), ZkpError>) -> bool {
    match result {
        Ok(()) => {
            report.push(Check::pass(kind));
            true
        }
        Err(e) => {
            report.push(Check::fail_with(kind, e.code(), e.to_string()));
            false
        }
    }
}

/// Verifies a `kith-zkp-2026` presentation against the verifier's `challenge`,
/// requiring each of `required` to be proven.
///
/// Checks, in order: parse, holder binding (nonce and domain), the statement (the
/// required predicates), the proof (issuer key through `verifier.resolver`, then the
/// zero-knowledge proof), validity (`validFrom`/`validUntil`), status, the issuer
/// policy. The report's `credential` is what was disclosed; `disclosed` and
/// `predicates` are filled only when everything verified.
pub async fn verify_presentation(
    verifier: &Verifier,
    input: &str,
    challenge: &Challenge,
    required: &[Predicate],
) -> ZkpReport {
    let mut report = Report::new(CRYPTOSUITE);
    let done = |report: Report| ZkpReport {
        report: report.finish(),
        disclosed: BTreeMap::new(),
        predicates: Vec::new(),
    };
    if input.len() > crate::MAX_INPUT_LEN {
        report.push(Check::fail_with(
            CheckKind::Parse,
            "too_large",
            "input over 1 MiB",
        ));
        return done(report);
    }
    let value = match crate::json::parse_str(input.trim()) {
        Ok(value) => value,
        Err(e) => {
            report.push(Check::fail(CheckKind::Parse, &e));
            return done(report);
        }
    };
    let derived = match read_derived(&value) {
        Ok(derived) => derived,
        Err(e) => {
            report.push(Check::fail_with(CheckKind::Parse, e.code(), e.to_string()));
            return done(report);
        }
    };
    report.push(Check::pass(CheckKind::Parse));
    if !record(
        &mut report,
        CheckKind::HolderBinding,
        check_binding(&derived, challenge),
    ) {
        return done(report);
    }
    if !record(
        &mut report,
        CheckKind::Policy,
        check_required(&derived, required),
    ) {
        return done(report);
    }
    let key = match resolve_key(
        verifier.resolver.as_ref(),
        &derived.verification_method,
        &derived.issuer,
    )
    .await
    {
        Ok(key) => key,
        Err(e) => {
            report.push(Check::fail(CheckKind::Proof, &e));
            return done(report);
        }
    };
    let proof = rebuild(&derived).and_then(|rebuilt| {
        crypto::verify(
            &Statement {
                key: &key,
                message_count: rebuilt.message_count,
                revealed: &rebuilt.revealed,
                ranges: &rebuilt.ranges,
                binding: &rebuilt.binding,
                statement: &rebuilt.statement,
            },
            &derived.proof_bytes,
        )
    });
    let proof_ok = match proof {
        Ok(()) => {
            report.push(Check::pass(CheckKind::Proof));
            true
        }
        Err(e) => {
            let kind = match e {
                ZkpError::NonceMismatch(_) => CheckKind::HolderBinding,
                _ => CheckKind::Proof,
            };
            report.push(Check::fail_with(kind, e.code(), e.to_string()));
            false
        }
    };
    if !proof_ok {
        return done(report);
    }
    report.issuer = Some(derived.issuer.clone());
    check_rest(verifier, &mut report, &derived.credential, &derived.issuer).await;
    report.credential = Some(derived.credential.clone());
    let report = report.finish();
    let verified = report.verified;
    ZkpReport {
        report,
        disclosed: if verified {
            derived.disclosed
        } else {
            BTreeMap::new()
        },
        predicates: if verified {
            derived
                .predicates
                .iter()
                .map(|p| ProvenPredicate {
                    claim: p.claim.clone(),
                    op: p.op.symbol(),
                    value: p.bound.clone(),
                    statement: p.to_string(),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// Validity window, status and issuer policy: the checks after the proof.
async fn check_rest(verifier: &Verifier, report: &mut Report, credential: &Value, issuer: &str) {
    let now = verifier.clock.now();
    let skew = time::Duration::try_from(verifier.skew).unwrap_or(time::Duration::ZERO);
    let when = |name: &str| -> Result<Option<OffsetDateTime>, crate::Error> {
        credential
            .get(name)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| {
                        crate::Error::model("invalid_date", format!("{name} must be a string"))
                    })
                    .and_then(|text| {
                        crate::datetime::parse_date_time_stamp(text).map_err(|e| {
                            crate::Error::model("invalid_date", format!("{name}: {e}"))
                        })
                    })
            })
            .transpose()
    };
    let validity = (|| {
        if let Some(from) = when("validFrom")?
            && now + skew < from
        {
            return Err(crate::Error::NotYetValid(format!(
                "valid from {}",
                crate::datetime::format_date_time(from)
            )));
        }
        if let Some(until) = when("validUntil")?
            && now - skew >= until
        {
            return Err(crate::Error::Expired(format!(
                "valid until {}",
                crate::datetime::format_date_time(until)
            )));
        }
        Ok(())
    })();
    report.record(CheckKind::Validity, validity);
    let entries: Vec<&Value> = match credential.get("credentialStatus") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    let status = match (&verifier.status, entries.is_empty()) {
        (_, true) => Check::pass(CheckKind::Status),
        (None, false) => Check::indeterminate(
            CheckKind::Status,
            "status_not_checked",
            "the credential has a status entry and this verifier has no status list access",
        ),
        (Some(checker), false) => {
            let mut check = Check::pass(CheckKind::Status);
            for entry in entries {
                check = match checker.check_issued_by(entry, issuer).await {
                    StatusResult::Valid => continue,
                    StatusResult::Revoked(d) => Check::fail_with(CheckKind::Status, "revoked", d),
                    StatusResult::Suspended(d) => {
                        Check::fail_with(CheckKind::Status, "suspended", d)
                    }
                    StatusResult::Unknown { code, detail } => {
                        Check::indeterminate(CheckKind::Status, code, detail)
                    }
                };
                break;
            }
            check
        }
    };
    report.push(status);
    report.record(CheckKind::Policy, verifier.policy.check(issuer, credential));
}

/// Verifies an issued `kith-zkp-2026` credential (the issuer's signature over every
/// claim) with the pipeline's other checks.
pub async fn verify_credential(verifier: &Verifier, input: &str) -> Report {
    let mut report = Report::new(CRYPTOSUITE);
    let value = match crate::json::parse_str(input.trim()) {
        Ok(value) => value,
        Err(e) => {
            report.push(Check::fail(CheckKind::Parse, &e));
            return report.finish();
        }
    };
    let checked = async {
        let issued = read_issued(&value)?;
        let issuer = issuer_id(issued.object)?;
        let key = resolve_key(
            verifier.resolver.as_ref(),
            issued.verification_method,
            &issuer,
        )
        .await?;
        verify_issued(&value, &key)?;
        Ok::<_, crate::Error>(issuer)
    }
    .await;
    let Some(issuer) = report.record(CheckKind::Proof, checked) else {
        return report.finish();
    };
    let mut unsecured = value.clone();
    if let Some(object) = unsecured.as_object_mut() {
        object.remove("proof");
    }
    report.issuer = Some(issuer.clone());
    check_rest(verifier, &mut report, &unsecured, &issuer).await;
    report.credential = Some(unsecured);
    report.finish()
}

/// Rewrites the proof tags of a presentation to match what it now states (tests only:
/// a relabelled proof must fail the cryptography, not just the tags).
#[doc(hidden)]
pub fn retag_presentation(presentation: &mut Value) -> Result<(), ZkpError> {
    let derived = read_derived(presentation)?;
    let rebuilt = rebuild(&derived)?;
    let key = IssuerSecretKey::generate()?;
    let statement = Statement {
        key: key.public_key(),
        message_count: rebuilt.message_count,
        revealed: &rebuilt.revealed,
        ranges: &rebuilt.ranges,
        binding: &rebuilt.binding,
        statement: &rebuilt.statement,
    };
    let mut bytes = derived.proof_bytes;
    crypto::retag(&statement, &mut bytes);
    let target = match presentation.get_mut("verifiableCredential") {
        Some(Value::Array(items)) => items.get_mut(0),
        Some(one) => Some(one),
        None => Some(presentation),
    };
    if let Some(proof) = target.and_then(|c| c.get_mut("proof")) {
        proof["proofValue"] = encode_proof_value(&bytes).into();
    }
    Ok(())
}

/// Decodes `data` as a derived proof for statements of several shapes: never panics.
#[doc(hidden)]
pub(crate) fn fuzz_decode(data: &[u8]) {
    for hidden in 0..3 {
        for ranges in 0..3 {
            let _ = crypto::decode(data, hidden, ranges);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_proof_value(text);
        if let Ok(value) = crate::json::parse_str(text)
            && let Ok(derived) = read_derived(&value)
        {
            let _ = rebuild(&derived);
        }
    }
}
