//! `bbs-2023`: selective disclosure with unlinkable proofs, on BBS signatures over
//! BLS12-381 (W3C Data Integrity BBS Cryptosuites v1.0).
//!
//! <https://www.w3.org/TR/vc-di-bbs/>
//!
//! The issuer adds a **base proof** ([`add_base_proof`], §3.3.1–3.3.5): the document is
//! canonicalized with RDFC-1.0, its blank nodes relabelled through an HMAC keyed with a
//! fresh secret and then shuffled to `b0, b1, ...`, and its N-Quads split into the
//! statements the *mandatory pointers* select and the rest. The rest are the BBS
//! messages; the mandatory ones are hashed into the BBS header together with the proof
//! configuration. The base proof goes to the holder only, since it carries the HMAC key.
//!
//! The holder **derives** a proof ([`derive_proof`], §3.3.6–3.3.7) that reveals the
//! mandatory statements and those its *selective pointers* select: a BBS proof of
//! knowledge that discloses only those messages, bound to a presentation header, and
//! a fresh proof every time (its randomness is drawn anew, so two derived proofs of one
//! credential cannot be linked by their bytes).
//!
//! The verifier checks the **derived proof** through the ordinary pipeline
//! ([`crate::di::verify`], §3.3.8–3.3.9): it canonicalizes the revealed document,
//! relabels its blank nodes with the proof's label map, hashes the mandatory
//! statements it names, and verifies the BBS proof over the others.
//!
//! Only the baseline feature option (`0xd9 0x5d 0x02` / `0xd9 0x5d 0x03` headers) is
//! implemented; anonymous holder binding and pseudonyms are refused by name.

mod cbor;
mod select;

use std::collections::{BTreeMap, HashMap, HashSet};

use hmac::{KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Digest as _;
use zeroize::Zeroizing;

use kith_crypto::bbs::{self, G2PublicKey, G2SecretKey};
use kith_crypto::multibase::{self, base64url_encode};
use kith_crypto::{Algorithm, KeyType, PrivateKey, PublicKey};
use kith_ld::skolem;

use self::cbor::Item;
use crate::Error;
use crate::di::proof::Proof;
use crate::di::suite::{self, Cryptosuite, HashAlg, Transform};
use crate::di::{ProofOptions, all_proofs, document_error, with_data_integrity_context};

/// Longest JSON pointer accepted.
pub const MAX_POINTER_LEN: usize = select::MAX_POINTER_LEN;
/// Most pointers in one mandatory or selective list.
pub const MAX_POINTERS: usize = select::MAX_POINTERS;

/// The `bbs-2023` row of the cryptosuite table: RDFC-1.0 and SHA-256 for the proof
/// configuration, BBS (BLS12-381-SHA-256) with BLS12-381 G2 keys.
pub const BBS_2023: Cryptosuite = Cryptosuite {
    id: "bbs-2023",
    transform: Transform::Bbs2023,
    hash: HashAlg::Sha256,
    key: KeyType::Bls12381G2,
    signature: Algorithm::Bbs,
    spec: "https://www.w3.org/TR/vc-di-bbs/#bbs-2023",
};

/// CBOR tag bytes of a baseline base proof value (vc-di-bbs §3.3.5 serializeBaseProofValue).
pub const BASE_PROOF_HEADER: [u8; 3] = [0xd9, 0x5d, 0x02];
/// CBOR tag bytes of a baseline derived proof value (§3.3.7 serializeDerivedProofValue).
pub const DERIVED_PROOF_HEADER: [u8; 3] = [0xd9, 0x5d, 0x03];
/// Length of the HMAC key of a base proof (§3.3.1: "a 256-bit HMAC key").
pub const HMAC_KEY_LEN: usize = 32;
/// Longest `proofValue` accepted, checked before decoding.
pub const MAX_PROOF_VALUE_LEN: usize = 512 * 1024;

/// The feature-option headers this module does not implement (§3.3.5): anonymous
/// holder binding, pseudonyms, and both.
const FEATURE_HEADERS: [(u8, &str); 6] = [
    (0x04, "anonymous holder binding"),
    (0x05, "anonymous holder binding"),
    (0x06, "pseudonym"),
    (0x07, "pseudonym"),
    (0x08, "holder binding with pseudonym"),
    (0x09, "holder binding with pseudonym"),
];

fn malformed(reason: impl Into<String>) -> Error {
    Error::Crypto(kith_crypto::Error::MalformedProof(format!(
        "bbs-2023 proofValue: {}",
        reason.into()
    )))
}

fn ld_error(e: kith_ld::Error) -> Error {
    Error::Model {
        code: e.code(),
        detail: format!("bbs-2023 transformation: {e}"),
    }
}

fn crypto_error(e: kith_crypto::Error) -> Error {
    match e {
        kith_crypto::Error::InvalidSignature => {
            Error::InvalidSignature("the bbs-2023 proof does not verify".into())
        }
        other => Error::Crypto(other),
    }
}

/// The components of a base proof value (§3.3.5 serializeBaseProofValue,
/// §3.3.6 parseBaseProofValue).
#[derive(Clone, PartialEq, Eq)]
pub struct BaseProofValue {
    /// The BBS signature (80 bytes).
    pub bbs_signature: Vec<u8>,
    /// The BBS header: `proofHash ‖ mandatoryHash` (64 bytes).
    pub bbs_header: Vec<u8>,
    /// The issuer's compressed G2 public key (96 bytes).
    pub public_key: Vec<u8>,
    /// The HMAC key of the blank node relabelling (32 bytes). Secret to the holder.
    pub hmac_key: Zeroizing<Vec<u8>>,
    /// The mandatory JSON pointers.
    pub mandatory_pointers: Vec<String>,
}

impl std::fmt::Debug for BaseProofValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BaseProofValue")
            .field("bbs_signature", &base64url_encode(&self.bbs_signature))
            .field("bbs_header", &base64url_encode(&self.bbs_header))
            .field("public_key", &base64url_encode(&self.public_key))
            .field("hmac_key", &"<redacted>")
            .field("mandatory_pointers", &self.mandatory_pointers)
            .finish()
    }
}

/// The components of a derived proof value (§3.3.7 serializeDerivedProofValue,
/// §3.3.8 parseDerivedProofValue), baseline feature option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedProofValue {
    /// The BBS proof (`272 + 32·U` bytes).
    pub bbs_proof: Vec<u8>,
    /// The compressed label map: `N` of the verifier's `c14nN` → `M` of `bM`.
    pub label_map: BTreeMap<u64, u64>,
    /// Positions of the mandatory statements among the revealed N-Quads.
    pub mandatory_indexes: Vec<u64>,
    /// Positions of the disclosed BBS messages among all non-mandatory statements.
    pub selective_indexes: Vec<u64>,
    /// The presentation header bound into the BBS proof.
    pub presentation_header: Vec<u8>,
}

/// Decodes a multibase base64url `proofValue` with a bbs-2023 header.
fn decode_value(proof_value: &str) -> Result<([u8; 3], Item), Error> {
    if proof_value.len() > MAX_PROOF_VALUE_LEN {
        return Err(Error::TooLarge {
            what: "bbs-2023 proofValue",
            size: proof_value.len(),
            limit: MAX_PROOF_VALUE_LEN,
        });
    }
    // > If the proofValue string does not start with u, indicating that it is a
    // > multibase-base64url-no-pad-encoded value, an error MUST be raised
    // <https://www.w3.org/TR/vc-di-bbs/#parsebaseproofvalue>
    let body = proof_value
        .strip_prefix('u')
        .ok_or_else(|| malformed("must be multibase base64url ('u')"))?;
    let bytes =
        multibase::base64url_decode(body).map_err(|e| malformed(format!("not base64url: {e}")))?;
    let (header, rest) = bytes
        .split_first_chunk::<3>()
        .ok_or_else(|| malformed("shorter than its 3-byte header"))?;
    if header[..2] != BASE_PROOF_HEADER[..2] {
        return Err(malformed(
            "does not start with the bbs-2023 CBOR tag 0xd95d",
        ));
    }
    if let Some((_, feature)) = FEATURE_HEADERS.iter().find(|(b, _)| *b == header[2]) {
        return Err(Error::InvalidProof(format!(
            "bbs-2023 {feature} proofs are not supported (only the baseline)"
        )));
    }
    let item = cbor::decode(rest).map_err(malformed)?;
    Ok((*header, item))
}

fn bytes_of(item: Item, what: &str, len: Option<usize>) -> Result<Vec<u8>, Error> {
    match item {
        Item::Bytes(bytes) if len.is_none_or(|l| bytes.len() == l) => Ok(bytes),
        Item::Bytes(bytes) => Err(malformed(format!(
            "{what} must be {} bytes, got {}",
            len.unwrap_or_default(),
            bytes.len()
        ))),
        _ => Err(malformed(format!("{what} must be a byte string"))),
    }
}

fn indexes_of(item: Item, what: &str) -> Result<Vec<u64>, Error> {
    let Item::Array(items) = item else {
        return Err(malformed(format!("{what} must be an array")));
    };
    items
        .into_iter()
        .map(|item| match item {
            Item::Unsigned(n) => Ok(n),
            _ => Err(malformed(format!("{what} must hold unsigned integers"))),
        })
        .collect()
}

impl BaseProofValue {
    /// parseBaseProofValue (§3.3.6), strict: the baseline header, a five-element
    /// array, exact lengths, text pointers.
    pub fn parse(proof_value: &str) -> Result<Self, Error> {
        let (header, item) = decode_value(proof_value)?;
        if header != BASE_PROOF_HEADER {
            return Err(malformed(if header == DERIVED_PROOF_HEADER {
                "this is a derived proof, not a base proof"
            } else {
                "unknown bbs-2023 header"
            }));
        }
        let Item::Array(items) = item else {
            return Err(malformed("a base proof value is a CBOR array"));
        };
        let [signature, bbs_header, public_key, hmac_key, pointers] = <[Item; 5]>::try_from(items)
            .map_err(|items| {
                malformed(format!(
                    "a baseline base proof has 5 components, got {}",
                    items.len()
                ))
            })?;
        let Item::Array(pointers) = pointers else {
            return Err(malformed("mandatoryPointers must be an array"));
        };
        let mandatory_pointers = pointers
            .into_iter()
            .map(|p| match p {
                Item::Text(text) => Ok(text),
                _ => Err(malformed("mandatoryPointers must hold text strings")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            bbs_signature: bytes_of(signature, "bbsSignature", Some(bbs::SIGNATURE_LEN))?,
            bbs_header: bytes_of(bbs_header, "bbsHeader", Some(64))?,
            public_key: bytes_of(public_key, "publicKey", Some(bbs::PUBLIC_KEY_LEN))?,
            hmac_key: Zeroizing::new(bytes_of(hmac_key, "hmacKey", Some(HMAC_KEY_LEN))?),
            mandatory_pointers,
        })
    }

    /// serializeBaseProofValue (§3.3.5): `u` + base64url(`0xd95d02` ‖ CBOR array).
    pub fn to_proof_value(&self) -> String {
        let item = Item::Array(vec![
            Item::Bytes(self.bbs_signature.clone()),
            Item::Bytes(self.bbs_header.clone()),
            Item::Bytes(self.public_key.clone()),
            Item::Bytes(self.hmac_key.to_vec()),
            Item::Array(
                self.mandatory_pointers
                    .iter()
                    .map(|p| Item::Text(p.clone()))
                    .collect(),
            ),
        ]);
        let mut bytes = Zeroizing::new(BASE_PROOF_HEADER.to_vec());
        cbor::encode(&item, &mut bytes);
        format!("u{}", base64url_encode(&bytes))
    }
}

impl DerivedProofValue {
    /// parseDerivedProofValue (§3.3.8), strict: the baseline header and exactly five
    /// components of the right CBOR types.
    pub fn parse(proof_value: &str) -> Result<Self, Error> {
        let (header, item) = decode_value(proof_value)?;
        if header != DERIVED_PROOF_HEADER {
            return Err(if header == BASE_PROOF_HEADER {
                // > the base proof is not meant to be presented to a verifier
                Error::InvalidProof(
                    "a bbs-2023 base proof cannot be verified; the holder must derive a proof"
                        .into(),
                )
            } else {
                malformed("unknown bbs-2023 header")
            });
        }
        let Item::Array(items) = item else {
            return Err(malformed("a derived proof value is a CBOR array"));
        };
        let [proof, label_map, mandatory, selective, presentation_header] =
            <[Item; 5]>::try_from(items).map_err(|items| {
                malformed(format!(
                    "a baseline derived proof has 5 components, got {}",
                    items.len()
                ))
            })?;
        let Item::UintMap(label_map) = label_map else {
            return Err(malformed(
                "the label map must be a map of unsigned integers",
            ));
        };
        Ok(Self {
            bbs_proof: bytes_of(proof, "bbsProof", None)?,
            label_map: label_map.into_iter().collect(),
            mandatory_indexes: indexes_of(mandatory, "mandatoryIndexes")?,
            selective_indexes: indexes_of(selective, "selectiveIndexes")?,
            presentation_header: bytes_of(presentation_header, "presentationHeader", None)?,
        })
    }

    /// serializeDerivedProofValue (§3.3.7): `u` + base64url(`0xd95d03` ‖ CBOR array).
    pub fn to_proof_value(&self) -> String {
        let indexes = |list: &[u64]| Item::Array(list.iter().map(|n| Item::Unsigned(*n)).collect());
        let item = Item::Array(vec![
            Item::Bytes(self.bbs_proof.clone()),
            Item::UintMap(self.label_map.iter().map(|(k, v)| (*k, *v)).collect()),
            indexes(&self.mandatory_indexes),
            indexes(&self.selective_indexes),
            Item::Bytes(self.presentation_header.clone()),
        ]);
        let mut bytes = DERIVED_PROOF_HEADER.to_vec();
        cbor::encode(&item, &mut bytes);
        format!("u{}", base64url_encode(&bytes))
    }
}

/// A fresh IRI prefix for skolem names, which no document can already use.
fn skolem_prefix() -> Result<String, Error> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| kith_crypto::Error::Rng(e.to_string()))?;
    Ok(format!("urn:kith-skolem:{}:", hex_lower(&random)))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// createShuffledIdLabelMapFunction (§3.3.2): each blank node's canonical label is
/// HMACed, the digests (as `u` + base64url) sorted, and each node named `b` + the
/// position of its digest.
fn shuffled_label_map(
    hmac_key: &[u8],
    issued: &BTreeMap<String, String>,
) -> Result<HashMap<String, String>, Error> {
    let digests = issued
        .iter()
        .map(|(input, canonical)| {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(hmac_key)
                .map_err(|_| Error::ApiMisuse("invalid HMAC key".into()))?;
            mac.update(canonical.as_bytes());
            Ok((
                input.as_str(),
                format!("u{}", base64url_encode(&mac.finalize().into_bytes())),
            ))
        })
        .collect::<Result<Vec<(&str, String)>, Error>>()?;
    let mut sorted: Vec<&str> = digests.iter().map(|(_, d)| d.as_str()).collect();
    sorted.sort_unstable();
    Ok(digests
        .iter()
        .map(|(input, digest)| {
            let position = sorted.partition_point(|d| *d < digest.as_str());
            ((*input).to_owned(), format!("b{position}"))
        })
        .collect())
}

/// The result of canonicalizeAndGroup (vc-di-ecdsa §3.4.11, used by §3.3.1/§3.3.6).
struct Grouped {
    /// The canonical N-Quads with the shuffled labels, sorted.
    nquads: Vec<String>,
    /// Skolem (input) label → shuffled label.
    label_map: HashMap<String, String>,
    /// Per group: the indexes into `nquads` of the statements it selects, ascending,
    /// and its deskolemized quads.
    groups: Vec<(Vec<usize>, Vec<kith_ld::Quad>)>,
    /// The canonical N-Quads with RDFC-1.0 labels (to compare with the document's own).
    canonical_nquads: String,
}

fn canonicalize_and_group(
    document: &Value,
    hmac_key: &[u8],
    groups: &[&[String]],
) -> Result<Grouped, Error> {
    let prefix = skolem_prefix()?;
    let skolemized = skolem::skolemize(document, &prefix);
    let quads = skolem::to_deskolemized_rdf(&skolemized.document, &prefix).map_err(ld_error)?;
    let canonical =
        kith_ld::canonicalize(&quads, &kith_ld::CanonOptions::default()).map_err(ld_error)?;
    let label_map = shuffled_label_map(hmac_key, &canonical.issued)?;
    let mut nquads = skolem::relabel(&quads, &label_map).map_err(ld_error)?;
    nquads.dedup();
    let mut out = Vec::with_capacity(groups.len());
    for pointers in groups {
        let selection = select::select(&skolemized.document, pointers)?;
        let selected = skolem::to_deskolemized_rdf(&selection, &prefix).map_err(ld_error)?;
        let lines: HashSet<String> = skolem::relabel(&selected, &label_map)
            .map_err(ld_error)?
            .into_iter()
            .collect();
        let matching = (0..nquads.len())
            .filter(|i| lines.contains(&nquads[*i]))
            .collect();
        out.push((matching, selected));
    }
    Ok(Grouped {
        nquads,
        label_map,
        groups: out,
        canonical_nquads: canonical.nquads,
    })
}

/// The canonical proof configuration's SHA-256 (§3.3.4 / §3.3.9 step "proofHash"):
/// the proof options without `proofValue`, with the document's `@context`, RDFC-1.0.
fn proof_hash(options: &[(&str, &Value)], context: Option<&Value>) -> Result<Vec<u8>, Error> {
    let mut config: Vec<(&str, &Value)> = options
        .iter()
        .filter(|(name, _)| *name != "proofValue" && *name != "@context")
        .copied()
        .collect();
    if let Some(context) = context {
        config.push(("@context", context));
    }
    let canonical = suite::proof_configuration_members(&BBS_2023, &config)?;
    Ok(sha2::Sha256::digest(&canonical).to_vec())
}

fn concat_hash(lines: impl Iterator<Item = impl AsRef<str>>) -> Vec<u8> {
    let mut hasher = sha2::Sha256::new();
    for line in lines {
        hasher.update(line.as_ref().as_bytes());
    }
    hasher.finalize().to_vec()
}

fn bls_secret(key: &PrivateKey) -> Result<&G2SecretKey, Error> {
    match key {
        PrivateKey::Bls12381G2(sk) => Ok(sk),
        other => Err(Error::InvalidProof(format!(
            "bbs-2023 takes bls12381g2 keys, not {}",
            other.key_type()
        ))),
    }
}

/// Adds a bbs-2023 base proof made with `key` (a BLS12-381 G2 key) to `document`.
///
/// `mandatory_pointers` (JSON pointers, RFC 6901) name what every derived proof must
/// reveal. A fresh random HMAC key relabels the blank nodes. The result is for the
/// holder only: verifiers accept derived proofs ([`derive_proof`]).
///
/// Errors: `invalid_proof` for a key of another type or a document that already has
/// a proof; `invalid_pointer` for a pointer that names nothing; the JSON-LD codes of
/// kith-ld (`undefined_term`, `unknown_context`, ...) for a document that does not
/// canonicalize.
pub fn add_base_proof(
    document: &Value,
    key: &PrivateKey,
    options: ProofOptions,
    mandatory_pointers: &[String],
) -> Result<Value, Error> {
    let mut hmac_key = Zeroizing::new([0u8; HMAC_KEY_LEN]);
    getrandom::fill(&mut hmac_key[..]).map_err(|e| kith_crypto::Error::Rng(e.to_string()))?;
    add_base_proof_with_hmac_key(document, key, options, mandatory_pointers, &hmac_key[..])
}

/// [`add_base_proof`] with a given HMAC key, for the specification's test vectors.
/// A reused HMAC key links credentials: use [`add_base_proof`].
#[doc(hidden)]
pub fn add_base_proof_with_hmac_key(
    document: &Value,
    key: &PrivateKey,
    options: ProofOptions,
    mandatory_pointers: &[String],
    hmac_key: &[u8],
) -> Result<Value, Error> {
    let sk = bls_secret(key)?;
    if hmac_key.len() != HMAC_KEY_LEN {
        return Err(Error::ApiMisuse(format!(
            "the HMAC key must be {HMAC_KEY_LEN} bytes"
        )));
    }
    let document = with_data_integrity_context(document);
    let unsecured = document
        .as_object()
        .ok_or_else(|| document_error("a document to secure must be a JSON object"))?;
    if unsecured.contains_key("proof") {
        return Err(Error::InvalidProof(
            "a bbs-2023 base proof is added to an unsecured document".into(),
        ));
    }
    // §3.3.4 Base Proof Configuration.
    let mut proof = options.to_json(&BBS_2023)?;
    let proof_members = suite::members(&proof);
    let proof_hash = proof_hash(&proof_members, unsecured.get("@context"))?;

    // §3.3.3 Base Proof Transformation.
    let grouped = canonicalize_and_group(&document, hmac_key, &[mandatory_pointers])?;
    // The compact-form skolemization must not have changed the dataset.
    let own = kith_ld::canonical_nquads(&document).map_err(ld_error)?;
    if own != grouped.canonical_nquads {
        return Err(Error::model(
            "unsupported_document",
            "bbs-2023: this document's blank nodes cannot be addressed by JSON pointers \
             (graph containers, JSON literals or maps of nodes)",
        ));
    }
    let (mandatory_indexes, _) = &grouped.groups[0];
    let mandatory: HashSet<usize> = mandatory_indexes.iter().copied().collect();
    let non_mandatory: Vec<&[u8]> = (0..grouped.nquads.len())
        .filter(|i| !mandatory.contains(i))
        .map(|i| grouped.nquads[i].as_bytes())
        .collect();

    // §3.3.4 Base Proof Hashing: mandatoryHash over the joined mandatory N-Quads.
    let mandatory_hash = concat_hash(mandatory_indexes.iter().map(|i| &grouped.nquads[*i]));
    // §3.3.5 Base Proof Serialization: bbsHeader = proofHash ‖ mandatoryHash.
    let mut bbs_header = proof_hash;
    bbs_header.extend_from_slice(&mandatory_hash);
    let bbs_signature = bbs::sign(sk, &bbs_header, &non_mandatory).map_err(crypto_error)?;
    let value = BaseProofValue {
        bbs_signature,
        bbs_header,
        public_key: sk.public_key().to_bytes().to_vec(),
        hmac_key: Zeroizing::new(hmac_key.to_vec()),
        mandatory_pointers: mandatory_pointers.to_vec(),
    };
    proof.insert("proofValue".to_owned(), value.to_proof_value().into());
    let mut secured = unsecured.clone();
    secured.insert("proof".to_owned(), Value::Object(proof));
    Ok(Value::Object(secured))
}

/// A JSON object.
type Object = Map<String, Value>;

/// The one bbs-2023 proof of a secured document and the document without it.
fn split_secured(secured: &Value) -> Result<(Object, &Object), Error> {
    let object = secured
        .as_object()
        .ok_or_else(|| document_error("a secured document must be a JSON object"))?;
    let proofs = all_proofs(object);
    let [proof] = proofs.as_slice() else {
        return Err(Error::InvalidProof(format!(
            "a bbs-2023 base document has exactly one proof, this one has {}",
            proofs.len()
        )));
    };
    let proof = proof
        .as_object()
        .ok_or_else(|| document_error("proof must be an object"))?;
    if proof.get("cryptosuite").and_then(Value::as_str) != Some(BBS_2023.id) {
        return Err(Error::InvalidProof(
            "the proof is not a bbs-2023 proof".into(),
        ));
    }
    let document = object
        .iter()
        .filter(|(name, _)| name.as_str() != "proof")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Ok((document, proof))
}

/// Derives a proof from a document with a bbs-2023 base proof, revealing the
/// mandatory statements and those `selective_pointers` select, bound to
/// `presentation_header` (§3.3.6 createDisclosureData, §3.3.7 serializeDerivedProofValue,
/// and the Add Derived Proof algorithm of §3.4).
///
/// The result is the revealed document with the derived proof; every call draws new
/// proof randomness.
pub fn derive_proof(
    secured: &Value,
    selective_pointers: &[String],
    presentation_header: &[u8],
) -> Result<Value, Error> {
    let (document, base_proof) = split_secured(secured)?;
    let proof_value = base_proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::InvalidProof("the proof has no proofValue".into()))?;
    let base = BaseProofValue::parse(proof_value)?;
    let public_key = G2PublicKey::from_bytes(&base.public_key).map_err(crypto_error)?;
    let document = Value::Object(document);

    // > Let combinedPointers be the concatenation of mandatoryPointers and
    // > selectivePointers.
    let combined: Vec<String> = base
        .mandatory_pointers
        .iter()
        .chain(selective_pointers)
        .cloned()
        .collect();
    let grouped = canonicalize_and_group(
        &document,
        &base.hmac_key,
        &[&base.mandatory_pointers, selective_pointers, &combined],
    )?;
    let [
        (mandatory_match, _),
        (selective_match, _),
        (combined_match, combined_quads),
    ] = &grouped.groups[..]
    else {
        return Err(Error::ApiMisuse("three groups were requested".into()));
    };
    let mandatory: HashSet<usize> = mandatory_match.iter().copied().collect();
    let non_mandatory_indexes: Vec<usize> = (0..grouped.nquads.len())
        .filter(|i| !mandatory.contains(i))
        .collect();
    // > mandatoryIndexes [...] relative to their positions in the combined statement list
    let adjusted_mandatory = mandatory_match
        .iter()
        .map(|i| combined_match.binary_search(i).map(|p| p as u64))
        .collect::<Result<Vec<u64>, _>>()
        .map_err(|_| Error::ApiMisuse("a mandatory statement is not revealed".into()))?;
    // > selectiveIndexes [...] relative to their positions in the non-mandatory
    // > statement list (the BBS message indexes)
    let adjusted_selective: Vec<usize> = selective_match
        .iter()
        .filter_map(|i| non_mandatory_indexes.binary_search(i).ok())
        .collect();
    let messages: Vec<&[u8]> = non_mandatory_indexes
        .iter()
        .map(|i| grouped.nquads[*i].as_bytes())
        .collect();
    let bbs_proof = bbs::proof_gen(
        &public_key,
        &base.bbs_signature,
        &base.bbs_header,
        presentation_header,
        &messages,
        &adjusted_selective,
    )
    .map_err(crypto_error)?;

    // > Initialize revealDocument to the result of the "selectJsonLd" algorithm [...]
    // > passing document, and combinedPointers as pointers.
    let reveal = select::select(&document, &combined)?;
    // > Run the RDF Dataset Canonicalization Algorithm on the joined combinedGroup's
    // > deskolemizedNQuads [...] canonicalIdMap [...] verifierLabelMap
    let canonical = kith_ld::canonicalize(combined_quads, &kith_ld::CanonOptions::default())
        .map_err(ld_error)?;
    let mut label_map = BTreeMap::new();
    for (input, verifier_label) in &canonical.issued {
        let shuffled = grouped.label_map.get(input).ok_or_else(|| {
            Error::ApiMisuse(format!("blank node {input} of the selection has no label"))
        })?;
        label_map.insert(
            label_number(verifier_label, "c14n")?,
            label_number(shuffled, "b")?,
        );
    }
    let derived = DerivedProofValue {
        bbs_proof,
        label_map,
        mandatory_indexes: adjusted_mandatory,
        selective_indexes: adjusted_selective.iter().map(|i| *i as u64).collect(),
        presentation_header: presentation_header.to_vec(),
    };
    // > Set newProof to a copy of proof [...] Replace proofValue [...] Set the value
    // > of the "proof" property in revealDocument to newProof.
    let mut new_proof = base_proof.clone();
    new_proof.insert("proofValue".to_owned(), derived.to_proof_value().into());
    let Value::Object(mut reveal) = reveal else {
        return Err(document_error("a document must be a JSON object"));
    };
    reveal.insert("proof".to_owned(), Value::Object(new_proof));
    Ok(Value::Object(reveal))
}

/// The number of a label `<prefix>N` (compressLabelMap, §3.3.7).
fn label_number(label: &str, prefix: &str) -> Result<u64, Error> {
    label
        .strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Error::ApiMisuse(format!("label {label:?} is not {prefix}N")))
}

/// Verifies a derived proof over `input` (the revealed document without `proof`):
/// §3.3.9 createVerifyData and the Verify Derived Proof algorithm of §3.4.
pub(crate) fn verify_derived(
    input: &[(&str, &Value)],
    proof: &Proof<'_>,
    key: &PublicKey,
) -> Result<(), Error> {
    let PublicKey::Bls12381G2(public_key) = key else {
        return Err(Error::InvalidProof(format!(
            "bbs-2023 does not take {} keys",
            key.key_type()
        )));
    };
    let derived = DerivedProofValue::parse(proof.proof_value)?;
    let options: Vec<(&str, &Value)> = proof
        .json
        .iter()
        .map(|(name, value)| (name.as_str(), value))
        .collect();
    let proof_hash = proof_hash(&options, suite::member(input, "@context"))?;

    // > Initialize labelMapFactoryFunction to the result of calling the
    // > "createLabelMapFunction" algorithm [...] nquads = labelReplacementCanonicalizeJsonLd
    let document: Value = Value::Object(
        input
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).clone()))
            .collect(),
    );
    let quads = kith_ld::to_rdf(&document).map_err(ld_error)?;
    let canonical =
        kith_ld::canonicalize(&quads, &kith_ld::CanonOptions::default()).map_err(ld_error)?;
    let labels: HashMap<String, String> = canonical
        .issued
        .values()
        .map(|c14n| {
            let n = label_number(c14n, "c14n")
                .map_err(|_| Error::InvalidProof(format!("unexpected canonical label {c14n}")))?;
            let shuffled = derived.label_map.get(&n).ok_or_else(|| {
                Error::InvalidProof(format!(
                    "the derived proof's label map has no entry for _:{c14n}"
                ))
            })?;
            Ok((c14n.clone(), format!("b{shuffled}")))
        })
        .collect::<Result<_, Error>>()?;
    let nquads = skolem::relabel(&canonical.quads, &labels).map_err(ld_error)?;

    // > Initialize mandatory [...] nquads at mandatoryIndexes; nonMandatory [...] the rest
    let mut is_mandatory = vec![false; nquads.len()];
    let mut previous: Option<u64> = None;
    for &index in &derived.mandatory_indexes {
        if previous.is_some_and(|p| p >= index) {
            return Err(malformed("mandatoryIndexes must be strictly increasing"));
        }
        previous = Some(index);
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| is_mandatory.get_mut(i))
            .ok_or_else(|| {
                Error::InvalidProof(format!(
                    "mandatory index {index} is past the {} revealed statements",
                    nquads.len()
                ))
            })?;
        *slot = true;
    }
    let mandatory_hash = concat_hash(
        nquads
            .iter()
            .zip(&is_mandatory)
            .filter(|(_, m)| **m)
            .map(|(line, _)| line),
    );
    let disclosed: Vec<&[u8]> = nquads
        .iter()
        .zip(&is_mandatory)
        .filter(|(_, m)| !**m)
        .map(|(line, _)| line.as_bytes())
        .collect();
    let selective = derived
        .selective_indexes
        .iter()
        .map(|i| usize::try_from(*i).map_err(|_| malformed("selective index too large")))
        .collect::<Result<Vec<usize>, Error>>()?;
    let mut bbs_header = proof_hash;
    bbs_header.extend_from_slice(&mandatory_hash);
    bbs::proof_verify(
        public_key,
        &derived.bbs_proof,
        &bbs_header,
        &derived.presentation_header,
        &disclosed,
        &selective,
    )
    .map_err(crypto_error)
}

/// The parsed proof values, for tools and tests: the base proof's components (the
/// HMAC key included) or the derived proof's.
pub fn inspect(proof_value: &str) -> Result<Result<BaseProofValue, DerivedProofValue>, Error> {
    match BaseProofValue::parse(proof_value) {
        Ok(base) => Ok(Ok(base)),
        Err(_) => DerivedProofValue::parse(proof_value).map(Err),
    }
}

/// Entry points for the fuzz target: the proof value decoders never panic, and what
/// decodes re-encodes to the same string.
#[doc(hidden)]
pub mod __fuzz {
    /// Both decoders over `data` as a proof value, and over `u` + base64url(`data`).
    pub fn proof_values(data: &[u8]) {
        let mut candidates = vec![format!("u{}", super::base64url_encode(data))];
        if let Ok(text) = std::str::from_utf8(data) {
            candidates.push(text.to_owned());
        }
        for value in candidates {
            if let Ok(base) = super::BaseProofValue::parse(&value) {
                assert_eq!(base.to_proof_value(), value, "base proof value round trip");
            }
            if let Ok(derived) = super::DerivedProofValue::parse(&value) {
                assert_eq!(
                    super::DerivedProofValue::parse(&derived.to_proof_value()).unwrap(),
                    derived,
                    "derived proof value round trip"
                );
                let _ = kith_crypto::bbs::check_proof(&derived.bbs_proof);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffled_labels_follow_sorted_digests() {
        let issued: BTreeMap<String, String> = (0..5)
            .map(|i| (format!("x{i}"), format!("c14n{i}")))
            .collect();
        let map = shuffled_label_map(&[7; 32], &issued).unwrap();
        let mut labels: Vec<&String> = map.values().collect();
        labels.sort();
        assert_eq!(labels, ["b0", "b1", "b2", "b3", "b4"]);
    }

    #[test]
    fn proof_values_round_trip() {
        let base = BaseProofValue {
            bbs_signature: vec![1; 80],
            bbs_header: vec![2; 64],
            public_key: vec![3; 96],
            hmac_key: Zeroizing::new(vec![4; 32]),
            mandatory_pointers: vec!["/issuer".into()],
        };
        let text = base.to_proof_value();
        assert!(text.starts_with("u2V0C"));
        assert_eq!(BaseProofValue::parse(&text).unwrap(), base);
        assert_eq!(
            DerivedProofValue::parse(&text).unwrap_err().code(),
            "invalid_proof"
        );
        let derived = DerivedProofValue {
            bbs_proof: vec![5; 304],
            label_map: [(0, 2), (1, 0)].into_iter().collect(),
            mandatory_indexes: vec![0, 1],
            selective_indexes: vec![3],
            presentation_header: vec![0x11],
        };
        let text = derived.to_proof_value();
        assert!(text.starts_with("u2V0D"));
        assert_eq!(DerivedProofValue::parse(&text).unwrap(), derived);
        assert_eq!(
            BaseProofValue::parse(&text).unwrap_err().code(),
            "malformed_proof"
        );
    }
}
