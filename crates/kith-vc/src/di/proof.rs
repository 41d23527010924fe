//! A Data Integrity proof as it appears in a document, read without copying.
//!
//! <https://www.w3.org/TR/vc-data-integrity/#proofs>

use serde_json::{Map, Value};
use time::OffsetDateTime;

use kith_did::Relationship;

use crate::Error;
use crate::datetime::parse_date_time_stamp;

use super::suite::DATA_INTEGRITY_PROOF;

const FORMAT: &str = "Data Integrity proof";

/// The proof purposes Data Integrity names, each a verification relationship.
///
/// <https://www.w3.org/TR/vc-data-integrity/#proof-purposes>
pub(crate) const PURPOSES: [Relationship; 5] = [
    Relationship::Authentication,
    Relationship::AssertionMethod,
    Relationship::KeyAgreement,
    Relationship::CapabilityDelegation,
    Relationship::CapabilityInvocation,
];

/// One proof of a secured document, borrowed from its JSON.
///
/// Every member is kept in [`Proof::json`]: members this type does not name are still
/// part of the proof configuration, and so still signed.
#[derive(Debug, Clone)]
pub struct Proof<'a> {
    /// The whole proof object.
    pub json: &'a Map<String, Value>,
    /// `id`: a URL naming the proof, for `previousProof` references.
    pub id: Option<&'a str>,
    /// `cryptosuite`.
    pub cryptosuite: &'a str,
    /// `verificationMethod`: the DID URL of the key.
    pub verification_method: &'a str,
    /// `proofPurpose`, as a verification relationship.
    pub proof_purpose: Relationship,
    /// `created`.
    pub created: Option<OffsetDateTime>,
    /// `expires`.
    pub expires: Option<OffsetDateTime>,
    /// `challenge`.
    pub challenge: Option<&'a str>,
    /// `domain`: one string or a set of strings (empty when absent).
    pub domain: Vec<&'a str>,
    /// `previousProof`: the ids this proof chains to (empty when absent).
    pub previous_proof: Vec<&'a str>,
    /// `proofValue`: the multibase signature.
    pub proof_value: &'a str,
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::malformed(FORMAT, reason)
}

fn optional_str<'a>(json: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match json.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(format!("{name} must be a string"))),
    }
}

fn required_str<'a>(json: &'a Map<String, Value>, name: &str) -> Result<&'a str, Error> {
    // > If one or more of proof.type, proof.verificationMethod, and proof.proofPurpose
    // > does not exist, an error MUST be raised and SHOULD convey an error type of
    // > PROOF_VERIFICATION_ERROR.
    // <https://www.w3.org/TR/vc-data-integrity/#verify-proof>
    optional_str(json, name)?.ok_or_else(|| Error::InvalidProof(format!("the proof has no {name}")))
}

/// A string or a list of strings (`domain`, `previousProof`).
fn strings<'a>(json: &'a Map<String, Value>, name: &str) -> Result<Vec<&'a str>, Error> {
    match json.get(name) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.as_str()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| malformed(format!("{name} must hold strings")))
            })
            .collect(),
        Some(_) => Err(malformed(format!(
            "{name} must be a string or a list of strings"
        ))),
    }
}

fn time(json: &Map<String, Value>, name: &str) -> Result<Option<OffsetDateTime>, Error> {
    // > If present, it MUST be an [XMLSCHEMA11-2] `dateTimeStamp` string
    // <https://www.w3.org/TR/vc-data-integrity/#proofs>
    optional_str(json, name)?
        .map(|text| {
            parse_date_time_stamp(text)
                .map_err(|reason| Error::InvalidProof(format!("{name}: {reason}")))
        })
        .transpose()
}

/// The relationship named by a `proofPurpose` value.
pub(crate) fn purpose(name: &str) -> Option<Relationship> {
    PURPOSES.into_iter().find(|rel| rel.name() == name)
}

impl<'a> Proof<'a> {
    /// Reads one proof object.
    ///
    /// A proof that is not an object, or a member of the wrong JSON type, is
    /// [`Error::Malformed`]; a missing required member or an unreadable time is
    /// [`Error::InvalidProof`]; a proof `type` other than `DataIntegrityProof` is
    /// [`Error::UnknownCryptosuite`].
    pub fn parse(value: &'a Value) -> Result<Self, Error> {
        let json = value
            .as_object()
            .ok_or_else(|| malformed("a proof must be a JSON object"))?;
        let type_ = required_str(json, "type")?;
        if type_ != DATA_INTEGRITY_PROOF {
            return Err(Error::UnknownCryptosuite(format!("proof type {type_}")));
        }
        let cryptosuite = optional_str(json, "cryptosuite")?.ok_or_else(|| {
            // > If the proof type is DataIntegrityProof, cryptosuite MUST be specified
            // <https://www.w3.org/TR/vc-data-integrity/#proofs>
            Error::InvalidProof("a DataIntegrityProof has no cryptosuite".into())
        })?;
        let verification_method = required_str(json, "verificationMethod")?;
        let purpose_name = required_str(json, "proofPurpose")?;
        let proof_purpose = purpose(purpose_name)
            .ok_or_else(|| Error::InvalidProof(format!("unknown proofPurpose {purpose_name:?}")))?;
        let proof_value = optional_str(json, "proofValue")?
            .ok_or_else(|| Error::InvalidProof("the proof has no proofValue".into()))?;
        Ok(Self {
            json,
            id: optional_str(json, "id")?,
            cryptosuite,
            verification_method,
            proof_purpose,
            created: time(json, "created")?,
            expires: time(json, "expires")?,
            challenge: optional_str(json, "challenge")?,
            domain: strings(json, "domain")?,
            previous_proof: strings(json, "previousProof")?,
            proof_value,
        })
    }

    /// The proof options: the proof without `proofValue`.
    ///
    /// > Let proofOptions be the result of a copy of securedDocument.proof with
    /// > proofValue removed.
    ///
    /// <https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-jcs-2022>
    pub fn options(&self) -> Map<String, Value> {
        self.json
            .iter()
            .filter(|(name, _)| name.as_str() != "proofValue")
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2023-02-24T23:36:38Z",
            "verificationMethod": "did:key:z6Mk#z6Mk",
            "proofPurpose": "assertionMethod",
            "proofValue": "z2Hn"
        })
    }

    #[test]
    fn reads_every_member() {
        let mut value = base();
        value["domain"] = json!(["a.example", "b.example"]);
        value["previousProof"] = json!("urn:uuid:1");
        value["challenge"] = json!("c");
        let proof = Proof::parse(&value).unwrap();
        assert_eq!(proof.domain, ["a.example", "b.example"]);
        assert_eq!(proof.previous_proof, ["urn:uuid:1"]);
        assert_eq!(proof.proof_purpose, Relationship::AssertionMethod);
        assert!(!proof.options().contains_key("proofValue"));
        assert_eq!(proof.options().len(), value.as_object().unwrap().len() - 1);
    }

    type Mutation = fn(&mut Value);

    #[test]
    fn each_defect_has_its_code() {
        let cases: [(&str, Mutation); 9] = [
            ("malformed", |v| *v = json!("proof")),
            ("invalid_proof", |v| {
                v.as_object_mut().unwrap().remove("proofPurpose");
            }),
            ("invalid_proof", |v| {
                v.as_object_mut().unwrap().remove("proofValue");
            }),
            ("invalid_proof", |v| {
                v.as_object_mut().unwrap().remove("cryptosuite");
            }),
            ("unknown_cryptosuite", |v| {
                v["type"] = json!("Ed25519Signature2020")
            }),
            ("invalid_proof", |v| v["proofPurpose"] = json!("signing")),
            ("invalid_proof", |v| v["created"] = json!("2023-02-24")),
            ("malformed", |v| v["domain"] = json!(7)),
            ("malformed", |v| {
                v["verificationMethod"] = json!({"id": "did:key:z"})
            }),
        ];
        for (code, mutate) in cases {
            let mut value = base();
            mutate(&mut value);
            assert_eq!(Proof::parse(&value).unwrap_err().code(), code, "{value}");
        }
    }
}
