//! Trust lists: which issuers a verifier trusts for which credential types, read from a
//! file or from a signed `TrustListCredential`, turned into a [`Policy`].
//!
//! # The format
//!
//! ```json
//! {
//!   "issuers": [
//!     {"id": "did:web:university.example", "types": ["UniversityDegreeCredential"],
//!      "name": "Example University"},
//!     {"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "types": ["*"]}
//!   ]
//! }
//! ```
//!
//! - `issuers` (required): a non-empty array of at most [`MAX_ISSUERS`] entries. An
//!   empty list is refused: a policy without issuers would trust everyone.
//! - `id` (required): the issuer's DID.
//! - `types` (required): a non-empty array of at most [`MAX_TYPES`] credential types
//!   (a VCDM `type` value or an SD-JWT VC `vct`) the issuer is trusted for; `"*"`
//!   ([`ANY_TYPE`]) means any type.
//! - `name` (optional): a label for people; not used in decisions.
//!
//! Other members are ignored. The same DID may appear in several entries: the types add
//! up. The document is parsed with [`crate::json::parse`] (1 MiB, depth 64, no duplicate
//! members).
//!
//! # Signed trust lists
//!
//! A trust list can be distributed as a VCDM 2.0 credential of type
//! `["VerifiableCredential", "TrustListCredential"]` whose single `credentialSubject`
//! holds the same `issuers` array, secured in any format the pipeline verifies (Data
//! Integrity, `vc+jwt`). [`TrustList::from_signed`] verifies it with
//! [`Verifier::verify_credential`] (without the verifier's own issuer policy), requires
//! its issuer to be the trust anchor the verifier configured, and requires every check
//! to pass, validity included.
//!
//! # Errors
//!
//! [`Error::code`] is one of:
//! - `invalid_trust_list`: not JSON within the limits, or not of the shape above (the
//!   inner code, e.g. `duplicate_member`, is in the message);
//! - `invalid_trust_anchor`: the configured trust list issuer is not a DID;
//! - `trust_list_unverified`: the signed trust list failed a check (the check's code
//!   and detail are in the message);
//! - `trust_list_issuer_mismatch`: its proof verifies, but for another issuer;
//! - `trust_list_expired`: its validity period (or its proof's) has ended.

use serde::Serialize;
use serde_json::{Value, json};

use crate::policy::Policy;
use crate::{Error, Outcome, Verifier};

/// The `types` entry that trusts an issuer for any credential type.
pub const ANY_TYPE: &str = "*";
/// The credential type of a signed trust list.
pub const TRUST_LIST_CREDENTIAL_TYPE: &str = "TrustListCredential";
/// Most issuer entries in one trust list.
pub const MAX_ISSUERS: usize = 10_000;
/// Most types in one issuer entry.
pub const MAX_TYPES: usize = 256;

/// One trusted issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedIssuer {
    /// The issuer's DID.
    pub id: String,
    /// The credential types it is trusted for; [`ANY_TYPE`] for any.
    pub types: Vec<String>,
    /// A label for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A parsed trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustList {
    /// The trusted issuers, in document order.
    pub issuers: Vec<TrustedIssuer>,
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::model("invalid_trust_list", detail)
}

impl TrustList {
    /// Parses a trust list file (untrusted bytes).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let value = crate::json::parse(bytes)
            .map_err(|e| invalid(format!("not acceptable JSON ({}): {e}", e.code())))?;
        if value.get("issuers").is_none() && looks_signed(&value) {
            return Err(invalid(
                "this is a signed trust list: load it with the trust list issuer's DID",
            ));
        }
        Self::from_value(&value)
    }

    /// Reads the `{"issuers": [...]}` object (a file's document, or a
    /// `TrustListCredential`'s subject).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid("a trust list is a JSON object"))?;
        let entries = match object.get("issuers") {
            Some(Value::Array(entries)) => entries,
            Some(_) => return Err(invalid("issuers must be an array")),
            None => return Err(invalid("a trust list needs an issuers array")),
        };
        if entries.is_empty() {
            return Err(invalid(
                "issuers is empty: a trust list must name at least one issuer",
            ));
        }
        if entries.len() > MAX_ISSUERS {
            return Err(invalid(format!(
                "{} issuers, over the limit of {MAX_ISSUERS}",
                entries.len()
            )));
        }
        let issuers = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| parse_entry(entry).map_err(|e| invalid(format!("issuers[{i}]: {e}"))))
            .collect::<Result<_, _>>()?;
        Ok(Self { issuers })
    }

    /// Verifies a signed trust list (`input` in any credential format) with `verifier`
    /// and reads it. `anchor` is the DID the verifier trusts to publish trust lists.
    ///
    /// The verifier's issuer policy is not applied to the trust list itself; its
    /// resolver, clock, skew, status and schema settings are.
    pub async fn from_signed(
        input: &str,
        anchor: &str,
        verifier: &Verifier,
    ) -> Result<Self, Error> {
        kith_did::Did::parse(anchor).map_err(|e| {
            Error::model(
                "invalid_trust_anchor",
                format!("the trust list issuer {anchor:?} is not a DID: {e}"),
            )
        })?;
        let mut verifier = verifier.clone();
        verifier.policy = Policy::default();
        let report = verifier.verify_credential(input).await;
        // Someone else's list is refused as such, whatever else is wrong with it.
        if let Some(issuer) = &report.issuer
            && issuer != anchor
        {
            return Err(Error::model(
                "trust_list_issuer_mismatch",
                format!("the trust list is signed by {issuer}, not by the trust anchor {anchor}"),
            ));
        }
        let failure = report.checks.iter().find_map(|check| match &check.outcome {
            Outcome::Pass => None,
            Outcome::Fail { code, detail } | Outcome::Indeterminate { code, detail } => {
                Some((*code, detail.as_str()))
            }
        });
        if let Some((code, detail)) = failure {
            return Err(if code == "expired" {
                Error::model(
                    "trust_list_expired",
                    format!("the trust list expired: {detail}"),
                )
            } else {
                Error::model(
                    "trust_list_unverified",
                    format!("the trust list did not verify ({code}): {detail}"),
                )
            });
        }
        if !report.verified || report.issuer.is_none() {
            return Err(Error::model(
                "trust_list_unverified",
                "the trust list did not verify",
            ));
        }
        let credential = report.credential.unwrap_or_default();
        let is_trust_list = match credential.get("type") {
            Some(Value::Array(types)) => types
                .iter()
                .any(|t| t.as_str() == Some(TRUST_LIST_CREDENTIAL_TYPE)),
            Some(Value::String(t)) => t == TRUST_LIST_CREDENTIAL_TYPE,
            _ => false,
        };
        if !is_trust_list {
            return Err(invalid(format!(
                "the credential is not a {TRUST_LIST_CREDENTIAL_TYPE}"
            )));
        }
        match credential.get("credentialSubject") {
            Some(subject @ Value::Object(_)) => Self::from_value(subject),
            _ => Err(invalid(
                "a TrustListCredential has one credentialSubject object holding issuers",
            )),
        }
    }

    /// Adds the list's issuers to `policy`: [`ANY_TYPE`] entries to `trusted_issuers`,
    /// the others to `trusted_issuers_by_type`.
    pub fn apply_to(&self, policy: &mut Policy) {
        for issuer in &self.issuers {
            if issuer.types.iter().any(|t| t == ANY_TYPE) {
                policy.trusted_issuers.insert(issuer.id.clone());
                continue;
            }
            for t in &issuer.types {
                policy
                    .trusted_issuers_by_type
                    .entry(t.clone())
                    .or_default()
                    .insert(issuer.id.clone());
            }
        }
    }

    /// A policy that trusts exactly the list's issuers and requires no claims.
    pub fn to_policy(&self) -> Policy {
        let mut policy = Policy::default();
        self.apply_to(&mut policy);
        policy
    }

    /// The list as its JSON document (what [`parse`](Self::parse) reads, and what a
    /// `TrustListCredential`'s subject holds).
    pub fn to_json(&self) -> Value {
        json!({ "issuers": self.issuers })
    }
}

/// A signed credential rather than a plain list: a JSON proof, or a compact JWT string.
fn looks_signed(value: &Value) -> bool {
    match value {
        Value::Object(object) => object.contains_key("proof"),
        Value::String(s) => s.split('.').count() >= 3,
        _ => false,
    }
}

fn parse_entry(entry: &Value) -> Result<TrustedIssuer, String> {
    let object = entry.as_object().ok_or("an issuer entry is an object")?;
    let id = match object.get("id") {
        Some(Value::String(id)) => id,
        Some(_) => return Err("id must be a string".into()),
        None => return Err("an issuer entry needs an id (its DID)".into()),
    };
    kith_did::Did::parse(id).map_err(|e| format!("id {id:?} is not a DID: {e}"))?;
    let types = match object.get("types") {
        Some(Value::Array(types)) => types,
        Some(_) => return Err("types must be an array of credential types".into()),
        None => return Err(format!("{id}: an issuer entry needs types (\"*\" for any)")),
    };
    if types.is_empty() {
        return Err(format!("{id}: types is empty (\"*\" for any)"));
    }
    if types.len() > MAX_TYPES {
        return Err(format!(
            "{id}: {} types, over the limit of {MAX_TYPES}",
            types.len()
        ));
    }
    let types = types
        .iter()
        .map(|t| match t.as_str() {
            Some(t) if !t.is_empty() => Ok(t.to_owned()),
            _ => Err(format!("{id}: every type is a non-empty string")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let name = match object.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(format!("{id}: name must be a string")),
    };
    Ok(TrustedIssuer {
        id: id.clone(),
        types,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_type_and_typed_entries_become_the_policy() {
        let list = TrustList::parse(
            br#"{"issuers": [
                {"id": "did:web:uni.example", "types": ["Diploma"], "name": "Uni"},
                {"id": "did:web:uni.example", "types": ["Transcript"]},
                {"id": "did:example:any", "types": ["*", "Ignored"]}
            ]}"#,
        )
        .unwrap();
        let policy = list.to_policy();
        assert!(policy.trusted_issuers.contains("did:example:any"));
        assert_eq!(policy.trusted_issuers.len(), 1);
        assert_eq!(policy.trusted_issuers_by_type.len(), 2);
        assert!(policy.trusted_issuers_by_type["Transcript"].contains("did:web:uni.example"));
        assert_eq!(TrustList::from_value(&list.to_json()).unwrap(), list);
    }

    #[test]
    fn wrong_shapes_are_invalid_trust_lists() {
        for bad in [
            "",
            "[]",
            r#"{"issuers": []}"#,
            r#"{"issuers": {}}"#,
            r#"{"issuer": [{"id": "did:example:a", "types": ["*"]}]}"#,
            r#"{"issuers": [{"id": "not a did", "types": ["*"]}]}"#,
            r#"{"issuers": [{"id": "did:example:a"}]}"#,
            r#"{"issuers": [{"id": "did:example:a", "types": []}]}"#,
            r#"{"issuers": [{"id": "did:example:a", "types": [""]}]}"#,
            r#"{"issuers": [{"id": "did:example:a", "types": "*"}]}"#,
            r#"{"issuers": [{"id": "did:example:a", "types": ["*"], "name": 1}]}"#,
            r#"{"issuers": [{"id": "did:example:a", "id": "did:example:b", "types": ["*"]}]}"#,
            r#"{"proof": {}, "credentialSubject": {}}"#,
        ] {
            let e = TrustList::parse(bad.as_bytes()).unwrap_err();
            assert_eq!(e.code(), "invalid_trust_list", "{bad}: {e}");
        }
    }
}
