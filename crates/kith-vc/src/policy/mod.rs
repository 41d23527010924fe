//! The verifier's trust policy: which issuers it trusts for which credential types,
//! and which claims a credential must carry. [`trust_list`] builds the trusted issuers
//! from a trust list file or a signed `TrustListCredential`.

pub mod trust_list;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// A verifier's policy. The default trusts every issuer and requires no claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Issuers trusted for any credential type. Empty with an empty `trustedIssuersByType`
    /// means no issuer restriction.
    #[serde(default)]
    pub trusted_issuers: BTreeSet<String>,
    /// Issuers trusted for a given credential type (`type` or SD-JWT `vct`).
    #[serde(default)]
    pub trusted_issuers_by_type: BTreeMap<String, BTreeSet<String>>,
    /// JSON pointers (RFC 6901) that must resolve in the verified credential.
    #[serde(default)]
    pub required_claims: Vec<String>,
}

impl Policy {
    /// Whether the policy restricts issuers at all.
    pub fn restricts_issuers(&self) -> bool {
        !self.trusted_issuers.is_empty() || !self.trusted_issuers_by_type.is_empty()
    }

    /// Checks `issuer` and `credential` (the verified, disclosed claims) against the policy.
    pub fn check(&self, issuer: &str, credential: &Value) -> Result<(), Error> {
        if self.restricts_issuers() {
            let types = credential_types(credential);
            let trusted = self.trusted_issuers.contains(issuer)
                || types.iter().any(|t| {
                    self.trusted_issuers_by_type
                        .get(*t)
                        .is_some_and(|set| set.contains(issuer))
                });
            if !trusted {
                return Err(Error::model(
                    "untrusted_issuer",
                    format!("issuer {issuer} is not trusted for {}", types.join(", ")),
                ));
            }
        }
        for pointer in &self.required_claims {
            if credential.pointer(pointer).is_none() {
                return Err(Error::model(
                    "missing_claim",
                    format!("required claim {pointer} is not in the credential"),
                ));
            }
        }
        Ok(())
    }
}

fn credential_types(credential: &Value) -> Vec<&str> {
    let mut types: Vec<&str> = match credential.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(vct) = credential.get("vct").and_then(Value::as_str) {
        types.push(vct);
    }
    types
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trusted_issuers_and_required_claims() {
        let vc = json!({"type": ["VerifiableCredential", "Diploma"], "credentialSubject": {"name": "A"}});
        let mut policy = Policy::default();
        assert!(policy.check("did:example:any", &vc).is_ok());
        policy
            .trusted_issuers_by_type
            .insert("Diploma".into(), ["did:example:uni".to_owned()].into());
        assert!(policy.check("did:example:uni", &vc).is_ok());
        assert_eq!(
            policy.check("did:example:other", &vc).unwrap_err().code(),
            "untrusted_issuer"
        );
        policy
            .required_claims
            .push("/credentialSubject/degree".into());
        assert_eq!(
            policy.check("did:example:uni", &vc).unwrap_err().code(),
            "missing_claim"
        );
    }
}
