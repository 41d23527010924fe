//! Helpers shared by the `di*` integration tests.
#![allow(dead_code, reason = "each test file uses a part of this module")]

use std::collections::HashMap;
use std::path::PathBuf;

use async_trait::async_trait;
use kith_crypto::{KeyType, LocalSigner, PrivateKey, PublicKey, Signer};
use kith_did::{
    Did, Document, DocumentMetadata, MethodRef, Relationship, Resolution, ResolutionOptions,
    Resolver, VerificationMethod,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// `$KITH_VECTORS`, or `<workspace>/../shared/vectors`. Panics when it does not exist:
/// a vector test that finds no vectors must fail, not pass.
pub(crate) fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("KITH_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
    };
    assert!(
        dir.join("di-eddsa").is_dir() && dir.join("di-ecdsa").is_dir(),
        "test vectors not found at {} (set KITH_VECTORS)",
        dir.display()
    );
    dir
}

/// A vector file's text, with the trailing newline of the `.txt` files trimmed.
pub(crate) fn text(path: &str) -> String {
    let full = vectors_dir().join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    text.trim_end_matches(['\n', '\r']).to_owned()
}

/// A vector JSON file, parsed with Kith's bounded parser (member order kept).
pub(crate) fn json(path: &str) -> Value {
    kith_vc::json::parse_str(&text(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixed instant after every vector's `created`.
pub(crate) fn now() -> OffsetDateTime {
    time::macros::datetime!(2025-06-01 12:00 UTC)
}

/// Runs a future to completion on a current-thread runtime.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

/// A did:key identity: its signer, DID and verification method id.
pub(crate) struct KeyIdentity {
    pub(crate) signer: LocalSigner,
    pub(crate) did: String,
    pub(crate) method: String,
}

impl KeyIdentity {
    pub(crate) fn generate(key_type: KeyType) -> Self {
        Self::from_key(PrivateKey::generate(key_type).unwrap())
    }

    pub(crate) fn from_seed(key_type: KeyType, seed: u8) -> Self {
        Self::from_key(
            PrivateKey::from_bytes(key_type, &vec![seed; key_type.secret_len()]).unwrap(),
        )
    }

    pub(crate) fn from_key(key: PrivateKey) -> Self {
        let signer = LocalSigner::new(key).unwrap();
        let did = kith_did::method::key::did_for(&signer.public_key()).to_string();
        let method = kith_vc::did_key_method_id(&signer.public_key());
        Self {
            signer,
            did,
            method,
        }
    }

    pub(crate) fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }
}

/// A credential issued by `issuer` about `subject`.
pub(crate) fn credential(issuer: &str, subject: Value) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": issuer,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": subject
    })
}

/// A resolver that serves fixed DID documents.
#[derive(Default)]
pub(crate) struct StaticResolver {
    documents: HashMap<String, Document>,
}

impl StaticResolver {
    /// Adds `did` with one Multikey method per key, listed under `relationships`.
    pub(crate) fn with(
        mut self,
        did: &str,
        keys: &[(&str, PublicKey)],
        relationships: &[Relationship],
    ) -> Self {
        let did = Did::parse(did).unwrap();
        let mut document = Document::new(did.clone());
        for (fragment, key) in keys {
            let id = format!("{did}#{fragment}");
            document
                .verification_method
                .push(VerificationMethod::multikey(id.clone(), &did, key));
            for rel in relationships {
                document
                    .relationship_mut(*rel)
                    .push(MethodRef::Reference(id.clone()));
            }
        }
        self.documents.insert(did.to_string(), document);
        self
    }

    /// Adds a document as it is.
    pub(crate) fn with_document(mut self, document: Document) -> Self {
        self.documents.insert(document.id.to_string(), document);
        self
    }
}

#[async_trait]
impl Resolver for StaticResolver {
    async fn resolve(
        &self,
        did: &Did,
        _options: &ResolutionOptions,
    ) -> Result<Resolution, kith_did::Error> {
        let document = self
            .documents
            .get(did.as_str())
            .cloned()
            .ok_or_else(|| kith_did::Error::NotFound(did.to_string()))?;
        Ok(Resolution {
            document,
            document_metadata: DocumentMetadata::default(),
        })
    }
}

/// Signs with `signer` via the [`Signer`] trait object, as the library does.
pub(crate) fn sign(signer: &dyn Signer, message: &[u8]) -> Vec<u8> {
    block_on(signer.sign(message)).unwrap()
}
