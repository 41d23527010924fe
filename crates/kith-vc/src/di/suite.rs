//! The cryptosuite table and the spec's pipeline, one plain function per step:
//! [Transformation](transform), [Proof Configuration](proof_configuration),
//! [Hashing](hash), [Proof Serialization](proof_serialization) and
//! [Proof Verification](proof_verification).
//!
//! A [`Cryptosuite`] is data, not a type: its `cryptosuite` id, how it transforms the
//! document, which hash it uses and which key (and so which signature algorithm) it
//! takes. `ecdsa-jcs-2019` has one row per curve, because the curve picks the hash
//! (vc-di-ecdsa §3.3.3). Suites are looked up with [`select`], which takes the key's
//! type so a proof can never be verified with a key its suite does not allow.

use serde_json::{Map, Value};
use sha2::Digest as _;

use kith_crypto::{Algorithm, KeyType, PublicKey, Signer};

use super::suites::{
    BBS_2023, ECDSA_JCS_2019_P256, ECDSA_JCS_2019_P384, ECDSA_RDFC_2019_P256, ECDSA_RDFC_2019_P384,
    EDDSA_JCS_2022, EDDSA_RDFC_2022,
};
use crate::{Error, jcs};

/// The proof `type` of every cryptosuite in this table.
pub const DATA_INTEGRITY_PROOF: &str = "DataIntegrityProof";

/// How a cryptosuite turns the unsecured document into bytes (the spec's
/// "Transformation" step).
///
/// The RDF suites (`eddsa-rdfc-2022`, `ecdsa-rdfc-2019`) expand the document with the
/// bundled contexts of kith-ld (safe mode: an undefined term is an error) and
/// canonicalize the dataset with RDFC-1.0; hashing and signing are the JCS suites'.
/// `bbs-2023` and `ecdsa-sd-2023` have base and derived proofs and get modules of
/// their own that keep these step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transform {
    /// The JSON Canonicalization Scheme (RFC 8785) of the JSON document.
    Jcs,
    /// JSON-LD expansion and deserialization to RDF, then RDF Dataset Canonicalization
    /// (RDFC-1.0), serialized as canonical N-Quads.
    Rdfc10,
    /// `bbs-2023`: RDFC-1.0 with HMAC-shuffled blank node labels, split into mandatory
    /// and non-mandatory statements (vc-di-bbs §3.3.3). It needs the base proof's HMAC
    /// key, so [`transform`] refuses it; see [`crate::di::bbs_2023`]. The proof
    /// configuration is canonicalized with RDFC-1.0 as for [`Transform::Rdfc10`].
    Bbs2023,
}

/// The hash a cryptosuite applies to the canonical proof configuration and document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashAlg {
    /// SHA-256 (RFC 6234), 32 bytes.
    Sha256,
    /// SHA-384 (RFC 6234), 48 bytes.
    Sha384,
}

impl HashAlg {
    /// The digest of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
        }
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }
}

/// One row of the cryptosuite table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cryptosuite {
    /// The `cryptosuite` value of the proof.
    pub id: &'static str,
    /// The Transformation step.
    pub transform: Transform,
    /// The Hashing step.
    pub hash: HashAlg,
    /// The only key type this row verifies with.
    pub key: KeyType,
    /// The signature algorithm of Proof Serialization and Proof Verification.
    pub signature: Algorithm,
    /// The section of the specification that defines this suite.
    pub spec: &'static str,
}

/// Every cryptosuite Kith implements.
pub const SUITES: &[Cryptosuite] = &[
    EDDSA_JCS_2022,
    ECDSA_JCS_2019_P256,
    ECDSA_JCS_2019_P384,
    EDDSA_RDFC_2022,
    ECDSA_RDFC_2019_P256,
    ECDSA_RDFC_2019_P384,
    BBS_2023,
];

/// Whether any row has this `cryptosuite` id.
pub fn is_known(id: &str) -> bool {
    SUITES.iter().any(|suite| suite.id == id)
}

/// The row for `id` and a key of type `key`.
///
/// An id no row has is [`Error::UnknownCryptosuite`]; a known id with a key type it
/// does not take (an Ed25519 key on an `ecdsa-jcs-2019` proof) is
/// [`Error::InvalidProof`].
pub fn select(id: &str, key: KeyType) -> Result<&'static Cryptosuite, Error> {
    if !is_known(id) {
        return Err(Error::UnknownCryptosuite(id.to_owned()));
    }
    SUITES
        .iter()
        .find(|suite| suite.id == id && suite.key == key)
        .ok_or_else(|| Error::InvalidProof(format!("cryptosuite {id} does not take {key} keys")))
}

/// A JSON object as borrowed members, in any order: how the pipeline hands documents
/// to its steps without copying them (the document minus `proof`, the proof minus
/// `proofValue`, a `@context` swapped for the proof's).
pub(crate) type Members<'a> = [(&'a str, &'a Value)];

/// The members of `object`.
pub(crate) fn members(object: &Map<String, Value>) -> Vec<(&str, &Value)> {
    object
        .iter()
        .map(|(name, value)| (name.as_str(), value))
        .collect()
}

/// RFC 8785 of the object made of `members`: the same bytes as [`jcs::canonicalize`]
/// of that object, without building it.
fn canonicalize_members(members: &Members<'_>) -> Vec<u8> {
    let mut sorted: Vec<(&str, &Value)> = members.to_vec();
    // > sorted [...] using the code units of the property names as an array of UTF-16
    // > code units <https://www.rfc-editor.org/rfc/rfc8785#section-3.2.3>
    sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
    let mut out = Vec::with_capacity(1024);
    out.push(b'{');
    for (i, (name, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(name, &mut out);
        out.push(b':');
        match value {
            Value::String(text) => write_string(text, &mut out),
            other => out.extend_from_slice(&jcs::canonicalize(other)),
        }
    }
    out.push(b'}');
    out
}

/// A string in its RFC 8785 form: one that needs no escape is written as it is, any
/// other goes through [`jcs::canonicalize`].
fn write_string(text: &str, out: &mut Vec<u8>) {
    // > [...] the following characters MUST be escaped: [...] quotation mark, reverse
    // > solidus, and the control characters U+0000 through U+001F.
    // <https://www.rfc-editor.org/rfc/rfc8785#section-3.2.2.2>
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(&jcs::canonicalize(&Value::String(text.to_owned())));
    }
}

pub(crate) fn member<'a>(members: &Members<'a>, name: &str) -> Option<&'a Value> {
    members
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, value)| *value)
}

/// Transformation: the bytes the suite hashes for `unsecured`, the document without
/// the proof being made or checked.
///
/// > Let `canonicalDocument` be the result of applying the JSON Canonicalization
/// > Scheme \[RFC8785\] to a JSON serialization of the `unsecuredDocument`.
///
/// <https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-jcs-2022>
///
/// > Let `canonicalDocument` be the result of converting `unsecuredDocument` to RDF
/// > statements, applying the RDF Dataset Canonicalization Algorithm \[RDF-CANON\] to
/// > the result, and then serializing the result to a serialized canonical form
/// > \[RDF-CANON\].
///
/// <https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-rdfc-2022>
///
/// Only the RDFC suites can fail: `undefined_term`, `unknown_context`,
/// `invalid_jsonld`, `canonicalization_too_complex` (as [`Error::Model`] codes).
pub fn transform(suite: &Cryptosuite, unsecured: &Value) -> Result<Vec<u8>, Error> {
    match unsecured {
        Value::Object(object) => transform_members(suite, &members(object)),
        other => match suite.transform {
            Transform::Jcs => Ok(jcs::canonicalize(other)),
            Transform::Rdfc10 => rdfc(other),
            Transform::Bbs2023 => Err(bbs_transform_misuse()),
        },
    }
}

/// [`transform`] of a document given as its members.
pub(crate) fn transform_members(
    suite: &Cryptosuite,
    unsecured: &Members<'_>,
) -> Result<Vec<u8>, Error> {
    match suite.transform {
        Transform::Jcs => Ok(canonicalize_members(unsecured)),
        Transform::Rdfc10 => rdfc(&object_of(unsecured)),
        Transform::Bbs2023 => Err(bbs_transform_misuse()),
    }
}

fn bbs_transform_misuse() -> Error {
    Error::ApiMisuse(
        "bbs-2023 has base and derived proofs: use kith_vc::di::bbs_2023 to make them".into(),
    )
}

/// The JSON object made of `members`.
fn object_of(members: &Members<'_>) -> Value {
    Value::Object(
        members
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).clone()))
            .collect(),
    )
}

/// The canonical N-Quads of a JSON-LD document (kith-ld), its errors as
/// [`Error::Model`] with kith-ld's codes.
fn rdfc(document: &Value) -> Result<Vec<u8>, Error> {
    kith_ld::canonical_nquads(document)
        .map(String::into_bytes)
        .map_err(|e| Error::Model {
            code: e.code(),
            detail: format!("RDF canonicalization: {e}"),
        })
}

/// Proof Configuration: checks the proof options and returns their canonical bytes.
///
/// `options` is the proof without `proofValue` (and, when the document has one, with
/// the document's `@context`).
pub fn proof_configuration(
    suite: &Cryptosuite,
    options: &Map<String, Value>,
) -> Result<Vec<u8>, Error> {
    proof_configuration_members(suite, &members(options))
}

/// [`proof_configuration`] of proof options given as their members.
pub(crate) fn proof_configuration_members(
    suite: &Cryptosuite,
    options: &Members<'_>,
) -> Result<Vec<u8>, Error> {
    // > If `proofConfig.type` is not set to `DataIntegrityProof` or
    // > `proofConfig.cryptosuite` is not set to `eddsa-jcs-2022`, an error MUST be
    // > raised that SHOULD convey an error type of PROOF_GENERATION_ERROR.
    // <https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-jcs-2022>
    if member(options, "type").and_then(Value::as_str) != Some(DATA_INTEGRITY_PROOF) {
        return Err(Error::InvalidProof(format!(
            "proof type must be {DATA_INTEGRITY_PROOF}"
        )));
    }
    if member(options, "cryptosuite").and_then(Value::as_str) != Some(suite.id) {
        return Err(Error::InvalidProof(format!(
            "proof cryptosuite must be {}",
            suite.id
        )));
    }
    // > If `proofConfig.created` is set to a value that is not a valid [XMLSCHEMA11-2]
    // > datetime, an error MUST be raised [...]
    if let Some(created) = member(options, "created") {
        let text = created
            .as_str()
            .ok_or_else(|| Error::InvalidProof("proof created must be a string".into()))?;
        crate::datetime::parse_date_time_stamp(text)
            .map_err(|reason| Error::InvalidProof(format!("proof created: {reason}")))?;
    }
    match suite.transform {
        // > Let `canonicalProofConfig` be the result of applying the JSON Canonicalization
        // > Scheme [RFC8785] to the `proofConfig`.
        Transform::Jcs => Ok(canonicalize_members(options)),
        // > Let `canonicalProofConfig` be the result of applying the RDF Dataset
        // > Canonicalization Algorithm [RDF-CANON] to the `proofConfig`.
        // <https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022>
        // vc-di-bbs §3.3.4: "canonicalProofConfig [...] RDF Dataset Canonicalization".
        Transform::Rdfc10 | Transform::Bbs2023 => match super::proof_config_rdf::quads(options) {
            Some(quads) => canonical(&quads),
            None => rdfc(&object_of(options)),
        },
    }
}

/// The canonical N-Quads of `quads`, as [`rdfc`] finishes.
fn canonical(quads: &[kith_ld::Quad]) -> Result<Vec<u8>, Error> {
    kith_ld::canonicalize(quads, &kith_ld::CanonOptions::default())
        .map(|canonical| canonical.nquads.into_bytes())
        .map_err(|e| Error::Model {
            code: e.code(),
            detail: format!("RDF canonicalization: {e}"),
        })
}

/// The output of [`hash`]: the proof configuration's hash followed by the document's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashData {
    bytes: Vec<u8>,
    split: usize,
}

impl HashData {
    /// `proofConfigHash`, the first half.
    pub fn proof_config_hash(&self) -> &[u8] {
        &self.bytes[..self.split]
    }

    /// `transformedDocumentHash`, the second half.
    pub fn document_hash(&self) -> &[u8] {
        &self.bytes[self.split..]
    }

    /// `hashData`, the bytes that are signed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Hashing: `hash(canonical proof configuration) ‖ hash(transformed document)`.
pub fn hash(
    suite: &Cryptosuite,
    canonical_proof_config: &[u8],
    transformed_document: &[u8],
) -> HashData {
    let proof_config_hash = suite.hash.digest(canonical_proof_config);
    let transformed_document_hash = suite.hash.digest(transformed_document);
    // > Let `hashData` be the result of joining `proofConfigHash` (the first hash)
    // > with `transformedDocumentHash` (the second hash).
    // <https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-jcs-2022>
    let split = proof_config_hash.len();
    let mut bytes = proof_config_hash;
    bytes.extend_from_slice(&transformed_document_hash);
    HashData { bytes, split }
}

/// Proof Serialization: the signature over `hash_data`, made by `signer`.
///
/// For ECDSA the signature is the fixed-size `r ‖ s` form:
///
/// > When generating ECDSA signatures, the signature value MUST be expressed according
/// > to section 7 of \[RFC4754\] (sometimes referred to as the IEEE P1363 format)
///
/// <https://www.w3.org/TR/vc-di-ecdsa/#algorithms>
pub async fn proof_serialization(
    suite: &Cryptosuite,
    hash_data: &HashData,
    signer: &dyn Signer,
) -> Result<Vec<u8>, Error> {
    if signer.algorithm() != suite.signature {
        return Err(Error::InvalidProof(format!(
            "cryptosuite {} signs with {}, the signer with {}",
            suite.id,
            suite.signature,
            signer.algorithm()
        )));
    }
    let proof_bytes = signer.sign(hash_data.as_bytes()).await?;
    // > `proofBytes` will be exactly 64 bytes in size for a P-256 key, and 96 bytes in
    // > size for a P-384 key.
    // <https://www.w3.org/TR/vc-di-ecdsa/#proof-serialization-ecdsa-jcs-2019>
    if proof_bytes.len() != suite.signature.signature_len() {
        return Err(Error::InvalidProof(format!(
            "the signer returned {} bytes, {} signatures are {}",
            proof_bytes.len(),
            suite.signature,
            suite.signature.signature_len()
        )));
    }
    Ok(proof_bytes)
}

/// Proof Verification: checks `proof_bytes` over `hash_data` with `key`.
pub fn proof_verification(
    suite: &Cryptosuite,
    hash_data: &HashData,
    proof_bytes: &[u8],
    key: &PublicKey,
) -> Result<(), Error> {
    if key.key_type() != suite.key {
        return Err(Error::InvalidProof(format!(
            "cryptosuite {} does not take {} keys",
            suite.id,
            key.key_type()
        )));
    }
    key.verify(suite.signature, hash_data.as_bytes(), proof_bytes)
        .map_err(|e| match e {
            kith_crypto::Error::InvalidSignature => {
                Error::InvalidSignature(format!("the {} proofValue does not verify", suite.id))
            }
            kith_crypto::Error::MalformedSignature { reason, .. } => Error::InvalidSignature(
                format!("the {} proofValue is malformed: {reason}", suite.id),
            ),
            other => Error::Crypto(other),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy as _;

    #[test]
    fn every_row_is_consistent() {
        for suite in SUITES {
            assert_eq!(suite.signature.key_type(), suite.key, "{}", suite.id);
            assert!(
                suite.spec.starts_with("https://www.w3.org/TR/vc-di-"),
                "{}",
                suite.id
            );
            assert_eq!(select(suite.id, suite.key).unwrap(), suite);
        }
    }

    #[test]
    fn selection_refuses_unknown_ids_and_foreign_keys() {
        assert_eq!(
            select("ecdsa-sd-2023", KeyType::Ed25519)
                .unwrap_err()
                .code(),
            "unknown_cryptosuite"
        );
        assert_eq!(
            select("bbs-2023", KeyType::Ed25519).unwrap_err().code(),
            "invalid_proof"
        );
        assert_eq!(
            select("ecdsa-jcs-2019", KeyType::Ed25519)
                .unwrap_err()
                .code(),
            "invalid_proof"
        );
        assert_eq!(
            select("eddsa-jcs-2022", KeyType::P256).unwrap_err().code(),
            "invalid_proof"
        );
        assert_eq!(
            select("ecdsa-jcs-2019", KeyType::Secp256k1)
                .unwrap_err()
                .code(),
            "invalid_proof"
        );
        assert_eq!(
            select("ecdsa-jcs-2019", KeyType::P384).unwrap().hash,
            HashAlg::Sha384
        );
    }

    #[test]
    fn canonical_members_are_the_canonical_object() {
        let object = serde_json::json!({
            "\u{fb33}": 1, "\u{10000}": [2, {"b": null, "a": "\u{7}\n"}],
            "a\"b": 1e30, "": -0.0, "z": {"y": true}
        });
        let object = object.as_object().unwrap();
        assert_eq!(
            canonicalize_members(&members(object)),
            jcs::canonicalize(&Value::Object(object.clone()))
        );
        let mut reversed = members(object);
        reversed.reverse();
        assert_eq!(
            canonicalize_members(&reversed),
            jcs::canonicalize(&Value::Object(object.clone()))
        );
        assert_eq!(canonicalize_members(&[]), b"{}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { failure_persistence: None, ..Default::default() })]

        #[test]
        fn canonical_members_match_jcs_for_any_object(
            object in proptest::collection::btree_map(
                "[ -~\u{0}-\u{1f}\u{7f}é\u{FB33}\u{10000}]{0,6}",
                proptest::prop_oneof![
                    "[ -~\u{0}-\u{1f}\"\\\\é\u{2028}\u{1F600}]{0,12}".prop_map(Value::String),
                    proptest::num::f64::NORMAL.prop_map(Value::from),
                    proptest::prelude::any::<i32>().prop_map(Value::from),
                    proptest::prelude::Just(Value::Null),
                    proptest::collection::vec("[a-z\"]{0,3}", 0..3)
                        .prop_map(|v| Value::Array(v.into_iter().map(Value::String).collect())),
                ],
                0..8,
            )
        ) {
            let object: Map<String, Value> = object.into_iter().collect();
            proptest::prop_assert_eq!(
                canonicalize_members(&members(&object)),
                jcs::canonicalize(&Value::Object(object.clone()))
            );
        }
    }

    #[test]
    fn hash_data_is_config_hash_then_document_hash() {
        let data = hash(&ECDSA_JCS_2019_P384, b"config", b"document");
        assert_eq!(data.proof_config_hash(), HashAlg::Sha384.digest(b"config"));
        assert_eq!(data.document_hash(), HashAlg::Sha384.digest(b"document"));
        assert_eq!(data.as_bytes().len(), 96);
    }
}
