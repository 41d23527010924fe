//! DID documents (DID Core 1.0 §5) with Multikey and JsonWebKey verification methods.
//!
//! Properties this model does not name are kept in `extra` maps, so parsing and
//! serializing a document loses nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use kith_crypto::{Jwk, KeyType, PublicKey};

use crate::{Did, DidUrl, Error};

/// Largest DID document accepted, checked before parsing.
pub const MAX_DOCUMENT_LEN: usize = 1024 * 1024;

/// The DID Core v1 context.
pub const DID_CONTEXT_V1: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey context (W3C Controlled Identifiers).
pub const MULTIKEY_CONTEXT_V1: &str = "https://w3id.org/security/multikey/v1";
/// The JsonWebKey2020 context.
pub const JWS_2020_CONTEXT_V1: &str = "https://w3id.org/security/suites/jws-2020/v1";

/// One value or a list of values, as JSON-LD allows for many properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list of values.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

/// A verification relationship (DID Core §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Relationship {
    /// `authentication`: proving control of the DID (presentations).
    Authentication,
    /// `assertionMethod`: issuing claims (credentials).
    AssertionMethod,
    /// `keyAgreement`: encrypting to the subject.
    KeyAgreement,
    /// `capabilityInvocation`: updating the document, invoking capabilities.
    CapabilityInvocation,
    /// `capabilityDelegation`: delegating capabilities.
    CapabilityDelegation,
}

impl Relationship {
    /// The property name in a DID document.
    pub fn name(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::AssertionMethod => "assertionMethod",
            Self::KeyAgreement => "keyAgreement",
            Self::CapabilityInvocation => "capabilityInvocation",
            Self::CapabilityDelegation => "capabilityDelegation",
        }
    }
}

/// A verification method (DID Core §5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMethod {
    /// Its id: a DID URL, or a relative reference such as `#key-1`.
    pub id: String,
    /// Its type: `Multikey`, `JsonWebKey`, `JsonWebKey2020`, ...
    #[serde(rename = "type")]
    pub type_: String,
    /// The DID that controls it.
    pub controller: String,
    /// The Multikey encoding of the public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_multibase: Option<String>,
    /// The JWK encoding of the public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_jwk: Option<Jwk>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl VerificationMethod {
    /// A `Multikey` method for `key`.
    pub fn multikey(id: String, controller: &Did, key: &PublicKey) -> Self {
        Self::multikey_encoded(id, controller, key.to_multikey())
    }

    /// A `Multikey` method whose `publicKeyMultibase` the caller already has, saving a
    /// base58 encoding (did:key's method-specific id is that value).
    pub(crate) fn multikey_encoded(id: String, controller: &Did, multibase: String) -> Self {
        Self {
            id,
            type_: "Multikey".to_owned(),
            controller: controller.to_string(),
            public_key_multibase: Some(multibase),
            public_key_jwk: None,
            extra: Map::new(),
        }
    }

    /// A `JsonWebKey` method for `key`.
    pub fn json_web_key(id: String, controller: &Did, key: &PublicKey) -> Self {
        Self {
            id,
            type_: "JsonWebKey".to_owned(),
            controller: controller.to_string(),
            public_key_multibase: None,
            public_key_jwk: Some(key.to_jwk()),
            extra: Map::new(),
        }
    }

    /// Decodes the public key, whatever encoding the method type uses.
    ///
    /// `publicKeyJwk` must hold no private members (DID Core §5.2.1).
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        if let Some(jwk) = &self.public_key_jwk {
            if jwk.is_private() {
                return Err(Error::InvalidDocument(format!(
                    "verification method {} publishes private key material",
                    self.id
                )));
            }
            return PublicKey::from_jwk(jwk).map_err(key_error);
        }
        if let Some(multibase) = &self.public_key_multibase {
            return PublicKey::from_multikey(multibase).map_err(key_error);
        }
        // Legacy suites carry raw key bytes in base58 (Ed25519VerificationKey2018 and peers).
        if let Some(Value::String(base58)) = self.extra.get("publicKeyBase58") {
            let key_type = match self.type_.as_str() {
                "Ed25519VerificationKey2018" => KeyType::Ed25519,
                "X25519KeyAgreementKey2019" => KeyType::X25519,
                "EcdsaSecp256k1VerificationKey2019" => KeyType::Secp256k1,
                other => {
                    return Err(Error::InvalidPublicKeyType(format!(
                        "publicKeyBase58 with type {other:?}"
                    )));
                }
            };
            let bytes = bs58_decode(base58)?;
            return PublicKey::from_bytes(key_type, &bytes).map_err(key_error);
        }
        Err(Error::InvalidDocument(format!(
            "verification method {} has no publicKeyMultibase or publicKeyJwk",
            self.id
        )))
    }
}

fn bs58_decode(text: &str) -> Result<Vec<u8>, Error> {
    kith_crypto::multibase::decode_base58btc(&format!("z{text}")).map_err(key_error)
}

pub(crate) fn key_error(e: kith_crypto::Error) -> Error {
    match e {
        kith_crypto::Error::UnsupportedKeyType(t) => Error::InvalidPublicKeyType(t),
        other => Error::InvalidPublicKey(other),
    }
}

/// A verification relationship entry: a reference to a method, or an embedded method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // a public enum: boxing would change the API
pub enum MethodRef {
    /// A DID URL or relative reference to a method in `verificationMethod`.
    Reference(String),
    /// A method defined in place.
    Embedded(VerificationMethod),
}

impl MethodRef {
    /// The referenced or embedded method's id as written.
    pub fn id(&self) -> &str {
        match self {
            Self::Reference(id) => id,
            Self::Embedded(vm) => &vm.id,
        }
    }
}

/// A service (DID Core §5.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// Its id (a URI; often `#name`).
    pub id: String,
    /// Its type or types.
    #[serde(rename = "type")]
    pub type_: OneOrMany<String>,
    /// A URL, a map or a list of them.
    pub service_endpoint: Value,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A DID document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// The JSON-LD context (present in the `application/did+ld+json` representation).
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// The DID subject.
    pub id: Did,
    /// Other identifiers of the subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_known_as: Vec<String>,
    /// DIDs whose methods may also act for this DID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<OneOrMany<Did>>,
    /// The verification methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verification_method: Vec<VerificationMethod>,
    /// Methods authorized for authentication.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<MethodRef>,
    /// Methods authorized for issuing claims.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertion_method: Vec<MethodRef>,
    /// Methods authorized for key agreement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_agreement: Vec<MethodRef>,
    /// Methods authorized for capability invocation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capability_invocation: Vec<MethodRef>,
    /// Methods authorized for capability delegation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capability_delegation: Vec<MethodRef>,
    /// Services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service: Vec<Service>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Document {
    /// An empty document for `id`.
    pub fn new(id: Did) -> Self {
        Self {
            context: None,
            id,
            also_known_as: Vec::new(),
            controller: None,
            verification_method: Vec::new(),
            authentication: Vec::new(),
            assertion_method: Vec::new(),
            key_agreement: Vec::new(),
            capability_invocation: Vec::new(),
            capability_delegation: Vec::new(),
            service: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Parses and validates a document from JSON, refusing oversized input first.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_DOCUMENT_LEN {
            return Err(Error::TooLarge {
                what: "DID document",
                size: bytes.len(),
                limit: MAX_DOCUMENT_LEN,
            });
        }
        let doc: Document =
            serde_json::from_slice(bytes).map_err(|e| Error::InvalidDocument(e.to_string()))?;
        doc.validate()?;
        Ok(doc)
    }

    /// Serializes the document as JSON.
    pub fn to_json(&self) -> Value {
        // A document of strings, maps and JSON values always serializes.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Checks what serde cannot: method ids are DID URLs (absolute or relative),
    /// controllers are DIDs, and no two methods share an id (DID Core §5.2).
    pub fn validate(&self) -> Result<(), Error> {
        let mut seen = std::collections::HashSet::new();
        let embedded = self
            .relationships()
            .flat_map(|(_, refs)| refs.iter())
            .filter_map(|r| match r {
                MethodRef::Embedded(vm) => Some(vm),
                MethodRef::Reference(_) => None,
            });
        for vm in self.verification_method.iter().chain(embedded) {
            let id = self.absolute_url(&vm.id)?;
            if !seen.insert(id.as_str().to_owned()) {
                return Err(Error::InvalidDocument(format!(
                    "two verification methods have the id {id}"
                )));
            }
            Did::parse(&vm.controller)
                .map_err(|e| Error::InvalidDocument(format!("controller of {}: {e}", vm.id)))?;
        }
        for (rel, refs) in self.relationships() {
            for r in refs {
                self.absolute_url(r.id())
                    .map_err(|e| Error::InvalidDocument(format!("{}: {e}", rel.name())))?;
            }
        }
        Ok(())
    }

    fn relationships(&self) -> impl Iterator<Item = (Relationship, &Vec<MethodRef>)> {
        [
            (Relationship::Authentication, &self.authentication),
            (Relationship::AssertionMethod, &self.assertion_method),
            (Relationship::KeyAgreement, &self.key_agreement),
            (
                Relationship::CapabilityInvocation,
                &self.capability_invocation,
            ),
            (
                Relationship::CapabilityDelegation,
                &self.capability_delegation,
            ),
        ]
        .into_iter()
    }

    /// The entries of one verification relationship.
    pub fn relationship(&self, rel: Relationship) -> &[MethodRef] {
        match rel {
            Relationship::Authentication => &self.authentication,
            Relationship::AssertionMethod => &self.assertion_method,
            Relationship::KeyAgreement => &self.key_agreement,
            Relationship::CapabilityInvocation => &self.capability_invocation,
            Relationship::CapabilityDelegation => &self.capability_delegation,
        }
    }

    /// Mutable access to one verification relationship.
    pub fn relationship_mut(&mut self, rel: Relationship) -> &mut Vec<MethodRef> {
        match rel {
            Relationship::Authentication => &mut self.authentication,
            Relationship::AssertionMethod => &mut self.assertion_method,
            Relationship::KeyAgreement => &mut self.key_agreement,
            Relationship::CapabilityInvocation => &mut self.capability_invocation,
            Relationship::CapabilityDelegation => &mut self.capability_delegation,
        }
    }

    /// Resolves an id as written in this document (`#key-1` or a full DID URL).
    pub fn absolute_url(&self, id: &str) -> Result<DidUrl, Error> {
        DidUrl::resolve_relative(&self.id, id)
    }

    fn same_id(&self, written: &str, wanted: &DidUrl) -> bool {
        self.absolute_url(written).is_ok_and(|u| u == *wanted)
    }

    /// Finds a verification method by id, in `verificationMethod` or embedded in a relationship.
    pub fn find_method(&self, id: &DidUrl) -> Option<&VerificationMethod> {
        let embedded = self
            .relationships()
            .flat_map(|(_, refs)| refs.iter())
            .filter_map(|r| match r {
                MethodRef::Embedded(vm) => Some(vm),
                MethodRef::Reference(_) => None,
            });
        self.verification_method
            .iter()
            .chain(embedded)
            .find(|vm| self.same_id(&vm.id, id))
    }

    /// Finds a service by id.
    pub fn find_service(&self, id: &DidUrl) -> Option<&Service> {
        self.service.iter().find(|s| self.same_id(&s.id, id))
    }

    /// Whether the method `id` is listed under `rel` (by reference or embedded).
    pub fn authorizes(&self, id: &DidUrl, rel: Relationship) -> bool {
        self.relationship(rel)
            .iter()
            .any(|r| self.same_id(r.id(), id))
    }

    /// The methods listed under `rel`, dereferenced. References that name no method are skipped.
    pub fn methods_for(&self, rel: Relationship) -> Vec<&VerificationMethod> {
        self.relationship(rel)
            .iter()
            .filter_map(|r| match r {
                MethodRef::Embedded(vm) => Some(vm),
                MethodRef::Reference(id) => {
                    let url = self.absolute_url(id).ok()?;
                    self.find_method(&url)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r##"{
      "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
      "id": "did:example:123",
      "verificationMethod": [{
        "id": "#key-1", "type": "Multikey", "controller": "did:example:123",
        "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "x-unknown": {"kept": true}
      }],
      "authentication": ["#key-1"],
      "assertionMethod": [{
        "id": "did:example:123#key-2", "type": "JsonWebKey", "controller": "did:example:123",
        "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
      }],
      "service": [{"id": "#agent", "type": "DIDCommMessaging", "serviceEndpoint": "https://agent.example"}],
      "customTopLevel": [1, 2, 3]
    }"##;

    #[test]
    fn round_trip_keeps_unknown_properties() {
        let doc = Document::from_json(EXAMPLE.as_bytes()).unwrap();
        let original: Value = serde_json::from_str(EXAMPLE).unwrap();
        assert_eq!(doc.to_json(), original);
        assert_eq!(doc.extra["customTopLevel"], serde_json::json!([1, 2, 3]));
    }

    #[test]
    fn relative_and_embedded_methods_resolve() {
        let doc = Document::from_json(EXAMPLE.as_bytes()).unwrap();
        let key1 = DidUrl::parse("did:example:123#key-1").unwrap();
        let key2 = DidUrl::parse("did:example:123#key-2").unwrap();
        assert!(doc.authorizes(&key1, Relationship::Authentication));
        assert!(!doc.authorizes(&key1, Relationship::AssertionMethod));
        assert!(doc.authorizes(&key2, Relationship::AssertionMethod));
        assert_eq!(
            doc.find_method(&key2)
                .unwrap()
                .public_key()
                .unwrap()
                .key_type(),
            KeyType::Ed25519
        );
        assert_eq!(doc.methods_for(Relationship::Authentication).len(), 1);
        let agent = DidUrl::parse("did:example:123#agent").unwrap();
        assert!(doc.find_service(&agent).is_some());
    }

    #[test]
    fn duplicate_ids_and_private_keys_are_refused() {
        let dup = EXAMPLE.replace("#key-2", "#key-1");
        assert_eq!(
            Document::from_json(dup.as_bytes()).unwrap_err().code(),
            "invalid_did_document"
        );
        let private = EXAMPLE.replace(
            r#""x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo""#,
            r#""x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A""#,
        );
        let doc = Document::from_json(private.as_bytes()).unwrap();
        let key2 = DidUrl::parse("did:example:123#key-2").unwrap();
        assert_eq!(
            doc.find_method(&key2)
                .unwrap()
                .public_key()
                .unwrap_err()
                .code(),
            "invalid_did_document"
        );
    }

    #[test]
    fn bad_ids_and_oversized_documents_are_refused() {
        let bad = EXAMPLE.replace("\"id\": \"did:example:123\",", "\"id\": \"not-a-did\",");
        assert_eq!(
            Document::from_json(bad.as_bytes()).unwrap_err().code(),
            "invalid_did_document"
        );
        let huge = vec![b' '; MAX_DOCUMENT_LEN + 1];
        assert_eq!(Document::from_json(&huge).unwrap_err().code(), "too_large");
    }
}
