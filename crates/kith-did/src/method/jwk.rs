//! did:jwk: the DID is the base64url encoding of a public JWK.
//!
//! <https://github.com/quartzjer/did-jwk/blob/main/spec.md>

use async_trait::async_trait;
use serde_json::json;

use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{Jwk, PublicKey};

use crate::document::{DID_CONTEXT_V1, JWS_2020_CONTEXT_V1, key_error};
use crate::{
    Did, Document, DocumentMetadata, Error, MethodRef, Relationship, Resolution, ResolutionOptions,
    Resolver, VerificationMethod,
};

/// Resolves did:jwk DIDs offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct JwkMethod;

/// The did:jwk DID of `key`: its public JWK with only the required members, in
/// lexicographic order (the RFC 7638 form), so one key always gives one DID.
pub fn did_for(key: &PublicKey) -> Did {
    let jwk = key.to_jwk();
    let mut members = serde_json::Map::new();
    members.insert("crv".into(), json!(jwk.crv));
    members.insert("kty".into(), json!(jwk.kty));
    members.insert("x".into(), json!(jwk.x));
    if let Some(y) = jwk.y {
        members.insert("y".into(), json!(y));
    }
    let json = serde_json::Value::Object(members).to_string();
    let text = format!("did:jwk:{}", base64url_encode(json.as_bytes()));
    // base64url characters are all idchars.
    Did::parse(&text).unwrap_or_else(|e| unreachable!("did:jwk of a valid key: {e}"))
}

/// Decodes the JWK of a did:jwk. Private keys are refused: a DID is public.
pub fn decode(did: &Did) -> Result<(Jwk, PublicKey), Error> {
    if did.method() != "jwk" {
        return Err(Error::MethodNotSupported(did.method().to_owned()));
    }
    let bytes = base64url_decode(did.method_specific_id())
        .map_err(|e| Error::InvalidDid(format!("did:jwk value is not base64url: {e}")))?;
    let jwk = Jwk::from_json(&bytes)
        .map_err(|e| Error::InvalidDid(format!("did:jwk value is not a JWK: {e}")))?;
    if jwk.is_private() {
        return Err(Error::InvalidDid(
            "did:jwk value holds private key material".into(),
        ));
    }
    let key = PublicKey::from_jwk(&jwk).map_err(key_error)?;
    Ok((jwk, key))
}

/// Builds the did:jwk document: one `JsonWebKey2020` method `#0`, in the relationships
/// the JWK's `use` and the key type allow.
pub fn document(did: &Did) -> Result<Document, Error> {
    let (jwk, key) = decode(did)?;
    let mut doc = Document::new(did.clone());
    doc.context = Some(json!([DID_CONTEXT_V1, JWS_2020_CONTEXT_V1]));
    let vm_id = format!("{did}#0");
    let mut vm = VerificationMethod::json_web_key(vm_id.clone(), did, &key);
    vm.type_ = "JsonWebKey2020".to_owned();
    vm.public_key_jwk = Some(jwk.clone());
    doc.verification_method.push(vm);
    let use_ = jwk.use_.as_deref();
    if use_ != Some("enc") && key.key_type().can_sign() {
        for rel in [
            Relationship::AssertionMethod,
            Relationship::Authentication,
            Relationship::CapabilityInvocation,
            Relationship::CapabilityDelegation,
        ] {
            doc.relationship_mut(rel)
                .push(MethodRef::Reference(vm_id.clone()));
        }
    }
    if use_ != Some("sig") && key.key_type().can_agree() {
        doc.key_agreement.push(MethodRef::Reference(vm_id));
    }
    Ok(doc)
}

#[async_trait]
impl Resolver for JwkMethod {
    async fn resolve(&self, did: &Did, _options: &ResolutionOptions) -> Result<Resolution, Error> {
        Ok(Resolution {
            document: document(did)?,
            document_metadata: DocumentMetadata::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kith_crypto::{KeyType, PrivateKey};

    /// The P-256 example from the did:jwk specification.
    #[test]
    fn spec_example_resolves() {
        let did = Did::parse("did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9").unwrap();
        let doc = document(&did).unwrap();
        assert_eq!(doc.verification_method[0].id, format!("{did}#0"));
        assert_eq!(
            doc.verification_method[0].public_key().unwrap().key_type(),
            KeyType::P256
        );
        assert_eq!(doc.key_agreement.len(), 1);
        assert_eq!(doc.assertion_method.len(), 1);
        // Re-creating the DID from the key gives the same DID: the spec example is canonical.
        assert_eq!(
            did_for(&doc.verification_method[0].public_key().unwrap()),
            did
        );
    }

    #[test]
    fn use_and_key_type_select_relationships() {
        let x = PrivateKey::generate(KeyType::X25519).unwrap().public_key();
        let doc = document(&did_for(&x)).unwrap();
        assert!(doc.assertion_method.is_empty());
        assert_eq!(doc.key_agreement.len(), 1);
        let mut jwk = PrivateKey::generate(KeyType::P256)
            .unwrap()
            .public_key()
            .to_jwk();
        jwk.use_ = Some("sig".into());
        let did = Did::parse(&format!(
            "did:jwk:{}",
            base64url_encode(jwk.to_json().as_bytes())
        ))
        .unwrap();
        let doc = document(&did).unwrap();
        assert!(doc.key_agreement.is_empty());
        assert_eq!(doc.authentication.len(), 1);
    }

    #[test]
    fn private_and_malformed_values_are_invalid_dids() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let private = base64url_encode(key.to_jwk().to_json().as_bytes());
        let err = document(&Did::parse(&format!("did:jwk:{private}")).unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidDid");
        let err = document(&Did::parse("did:jwk:bm90IGpzb24").unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidDid");
        let rsa = base64url_encode(br#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#);
        let err = document(&Did::parse(&format!("did:jwk:{rsa}")).unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidPublicKeyType");
    }
}
