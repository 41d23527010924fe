//! did:key (W3C CCG did:key Method v0.9): the DID is the Multikey encoding of one public key.
//!
//! <https://w3c-ccg.github.io/did-key-spec/>

use async_trait::async_trait;
use serde_json::json;

use kith_crypto::{KeyType, PublicKey, multibase};

use crate::document::{DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1, key_error};
use crate::{
    Did, DidUrl, Document, DocumentMetadata, Error, MethodLookup, MethodRef, Relationship,
    Resolution, ResolutionOptions, Resolver, VerificationMethod, lookup_in_document,
};

/// Resolves did:key DIDs offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyMethod;

/// The did:key DID of `key`.
pub fn did_for(key: &PublicKey) -> Did {
    let text = format!("did:key:{}", key.to_multikey());
    // A Multikey string is base58btc, all idchars.
    Did::parse(&text).unwrap_or_else(|e| unreachable!("did:key of a valid key: {e}"))
}

/// Expected raw key length for each key type, as the did:key spec fixes them.
fn expected_len(key_type: KeyType) -> usize {
    match key_type {
        KeyType::Ed25519 | KeyType::X25519 => 32,
        KeyType::P256 | KeyType::Secp256k1 => 33,
        KeyType::P384 => 49,
        // bls12_381-g2-pub: a compressed G2 point (vc-di-bbs §2.1.1 Multikey).
        KeyType::Bls12381G2 => 96,
        _ => 0,
    }
}

/// Decodes the public key of a did:key, with the spec's error for each failure.
pub fn decode(did: &Did) -> Result<PublicKey, Error> {
    if did.method() != "key" {
        return Err(Error::MethodNotSupported(did.method().to_owned()));
    }
    // > If the multibaseValue does not begin with the letter z, an invalidDid error MUST be raised.
    // <https://w3c-ccg.github.io/did-key-spec/#decode-public-key-algorithm>
    let encoded = did.method_specific_id();
    if !encoded.starts_with('z') {
        return Err(Error::InvalidDid(format!(
            "did:key value {encoded:?} must be base58btc multibase, starting with 'z'"
        )));
    }
    let bytes = multibase::decode_base58btc(encoded)
        .map_err(|e| Error::InvalidDid(format!("did:key value is not base58btc: {e}")))?;
    let (code, raw) = multibase::multicodec_decode(&bytes)
        .map_err(|e| Error::InvalidDid(format!("did:key value: {e}")))?;
    let key_type = KeyType::from_multicodec(code).map_err(|_| {
        Error::InvalidPublicKeyType(format!(
            "multicodec 0x{code:x} is not a key type Kith supports"
        ))
    })?;
    let expected = expected_len(key_type);
    if raw.len() != expected {
        return Err(Error::InvalidPublicKeyLength(format!(
            "a did:key {key_type} key is {expected} bytes, got {}",
            raw.len()
        )));
    }
    PublicKey::from_bytes(key_type, raw).map_err(key_error)
}

/// Builds the did:key document with Multikey verification methods.
///
/// Ed25519 keys get a derived X25519 keyAgreement method (the spec's
/// `enableEncryptionKeyDerivation`); X25519 keys are keyAgreement only; the ECDSA
/// curves serve both signing and key agreement.
pub fn document(did: &Did) -> Result<Document, Error> {
    let key = decode(did)?;
    // The spec sets publicKeyMultibase to the DID's multibaseValue as written. It is
    // also our own encoding of the key: base58btc has one spelling per byte string, and
    // `decode` accepts only minimal varints, the fixed key lengths and canonical points.
    // Reusing it saves a base58 encoding (~1.5 µs, a tenth of the resolution).
    let multibase = did.method_specific_id();
    debug_assert_eq!(
        key.to_multikey(),
        multibase,
        "did:key value is not canonical"
    );
    let mut doc = Document::new(did.clone());
    doc.context = Some(json!([DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1]));
    let vm_id = format!("{did}#{multibase}");
    doc.verification_method
        .push(VerificationMethod::multikey_encoded(
            vm_id.clone(),
            did,
            multibase.to_owned(),
        ));
    if key.key_type().can_sign() {
        for rel in [
            Relationship::Authentication,
            Relationship::AssertionMethod,
            Relationship::CapabilityInvocation,
            Relationship::CapabilityDelegation,
        ] {
            doc.relationship_mut(rel)
                .push(MethodRef::Reference(vm_id.clone()));
        }
    }
    if let Some(x25519) = key.to_x25519() {
        // Encoded once, for both the id and publicKeyMultibase.
        let x25519_multibase = x25519.to_multikey();
        let ka_id = format!("{did}#{x25519_multibase}");
        doc.verification_method
            .push(VerificationMethod::multikey_encoded(
                ka_id.clone(),
                did,
                x25519_multibase,
            ));
        doc.key_agreement.push(MethodRef::Reference(ka_id));
    } else if key.key_type().can_agree() {
        doc.key_agreement.push(MethodRef::Reference(vm_id));
    }
    Ok(doc)
}

#[async_trait]
impl Resolver for KeyMethod {
    async fn resolve(&self, did: &Did, _options: &ResolutionOptions) -> Result<Resolution, Error> {
        Ok(Resolution {
            document: document(did)?,
            document_metadata: DocumentMetadata::default(),
        })
    }

    /// The signing method `did#<multibase>` is answered from the key alone: the
    /// document is a pure function of the DID (did:key §3.1.1), so this gives what
    /// [`document`] would, without deriving the X25519 key a signature check never needs.
    async fn lookup_method(
        &self,
        url: &DidUrl,
        relationship: Relationship,
    ) -> Result<Option<MethodLookup>, Error> {
        let did = url.did();
        let multibase = did.method_specific_id();
        let is_signing_method =
            url.fragment() == Some(multibase) && url.path().is_empty() && url.query().is_none();
        if !is_signing_method {
            return lookup_in_document(&document(did)?, url, relationship);
        }
        let key = decode(did)?;
        let authorized = match relationship {
            // Only X25519 and the ECDH curves list their own key; Ed25519 lists the derived one.
            Relationship::KeyAgreement => key.key_type().can_agree(),
            _ => key.key_type().can_sign(),
        };
        Ok(Some(MethodLookup {
            method: VerificationMethod::multikey_encoded(
                url.to_string(),
                did,
                multibase.to_owned(),
            ),
            key: Some(key),
            authorized,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_derives_its_key_agreement_key() {
        let did = Did::parse("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").unwrap();
        let doc = document(&did).unwrap();
        assert_eq!(
            doc.key_agreement[0].id(),
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"
        );
        assert_eq!(doc.assertion_method.len(), 1);
    }

    /// The shortcut answers exactly what the full document answers.
    #[tokio::test]
    async fn lookup_matches_the_document() {
        for key_type in KeyType::ALL {
            let key = kith_crypto::PrivateKey::generate(key_type)
                .unwrap()
                .public_key();
            let did = did_for(&key);
            let doc = document(&did).unwrap();
            let mut urls: Vec<DidUrl> = doc
                .verification_method
                .iter()
                .map(|vm| DidUrl::parse(&vm.id).unwrap())
                .collect();
            urls.push(did.with_fragment("missing").unwrap());
            for url in urls {
                for rel in [
                    Relationship::Authentication,
                    Relationship::AssertionMethod,
                    Relationship::KeyAgreement,
                    Relationship::CapabilityInvocation,
                    Relationship::CapabilityDelegation,
                ] {
                    let fast = KeyMethod.lookup_method(&url, rel).await.unwrap();
                    let full = lookup_in_document(&doc, &url, rel).unwrap();
                    let (Some(fast), Some(full)) = (fast, full) else {
                        assert_eq!(url.fragment(), Some("missing"));
                        continue;
                    };
                    assert_eq!(fast.method, full.method, "{key_type} {url} {rel:?}");
                    assert_eq!(fast.authorized, full.authorized, "{key_type} {url} {rel:?}");
                    if let Some(key) = fast.key {
                        assert_eq!(key, full.method.public_key().unwrap());
                    }
                }
            }
        }
    }

    #[test]
    fn each_failure_has_the_spec_error() {
        // bls12_381-g1-pub (0xea): valid multicodec, not a type Kith supports (G2 is).
        let g1 = format!(
            "did:key:{}",
            multibase::encode(
                multibase::Base::Base58Btc,
                &multibase::multicodec_encode(0xea, &[0xa0; 48]),
            )
        );
        let cases = [
            ("did:key:notakey", "invalidDid"),
            ("did:key:z0OIl", "invalidDid"),
            (g1.as_str(), "invalidPublicKeyType"),
        ];
        for (did, expected) in cases {
            let err = document(&Did::parse(did).unwrap()).unwrap_err();
            assert_eq!(err.resolution_error(), expected, "{did}: {err}");
        }
        // An Ed25519 header with 31 key bytes.
        let short = multibase::encode(
            multibase::Base::Base58Btc,
            &multibase::multicodec_encode(0xed, &[1u8; 31]),
        );
        let err = document(&Did::parse(&format!("did:key:{short}")).unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidPublicKeyLength");
        // A 33-byte P-256 "point" whose x is not on the curve.
        let mut off_curve = vec![0x02];
        off_curve.extend_from_slice(&[0xff; 32]);
        let bad = multibase::encode(
            multibase::Base::Base58Btc,
            &multibase::multicodec_encode(0x1200, &off_curve),
        );
        let err = document(&Did::parse(&format!("did:key:{bad}")).unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidPublicKey");
        // An uncompressed P-256 point: valid key, but not the did:key encoding.
        let key = kith_crypto::PrivateKey::generate(KeyType::P256)
            .unwrap()
            .public_key();
        let PublicKey::P256(vk) = &key else {
            unreachable!()
        };
        let long = multibase::encode(
            multibase::Base::Base58Btc,
            &multibase::multicodec_encode(0x1200, vk.to_sec1_point(false).as_bytes()),
        );
        let err = document(&Did::parse(&format!("did:key:{long}")).unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidPublicKeyLength");
    }

    /// BLS12-381 G2 keys (bbs-2023): the vc-di-bbs test vector's did:key resolves to
    /// an assertion key with no key agreement; a point outside the subgroup is refused.
    #[test]
    fn bls12381_g2_keys() {
        let did = Did::parse(
            "did:key:zUC7DerdEmfZ8f4pFajXgGwJoMkV1ofMTmEG5UoNvnWiPiLuGKNeqgRpLH2TV4Xe5mJ2cXV76gRN7LFQwapF1VFu6x2yrr5ci1mXqC1WNUrnHnLgvfZfMH7h6xP6qsf9EKRQrPQ",
        )
        .unwrap();
        let doc = document(&did).unwrap();
        assert_eq!(decode(&did).unwrap().key_type(), KeyType::Bls12381G2);
        assert_eq!(doc.assertion_method.len(), 1);
        assert!(doc.key_agreement.is_empty());
        // The first compressed x = 0, 1, ... that is a curve point outside the subgroup.
        let outside = (0u8..=255)
            .map(|x| {
                let mut bytes = [0u8; 96];
                bytes[0] = 0x80;
                bytes[95] = x;
                bytes
            })
            .find(|bytes| {
                PublicKey::from_bytes(KeyType::Bls12381G2, bytes)
                    .is_err_and(|e| e.code() == "point_not_in_subgroup")
            })
            .unwrap();
        let bad = multibase::encode(
            multibase::Base::Base58Btc,
            &multibase::multicodec_encode(0xeb, &outside),
        );
        let err = document(&Did::parse(&format!("did:key:{bad}")).unwrap()).unwrap_err();
        assert_eq!(err.resolution_error(), "invalidPublicKey");
    }
}
