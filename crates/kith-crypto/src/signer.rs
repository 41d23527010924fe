//! The signing seam: callers hold `Arc<dyn Signer>` and never see where the key lives.

use async_trait::async_trait;

use crate::{Algorithm, Error, PrivateKey, PublicKey};

/// Something that signs with one key: in memory today, a KMS or HSM tomorrow.
///
/// Implementations must be safe to share between tasks. `sign` is async so a
/// remote signer can do I/O; errors from the signer's transport are
/// [`Error::SignerUnavailable`].
#[async_trait]
pub trait Signer: Send + Sync {
    /// The JOSE algorithm of the signatures this signer makes.
    fn algorithm(&self) -> Algorithm;
    /// The public key that verifies this signer's signatures.
    fn public_key(&self) -> PublicKey;
    /// The key id to put in a JWS `kid` header (a DID URL for Kith's issuers).
    fn key_id(&self) -> Option<&str>;
    /// Signs `message`, returning the raw signature (`r || s` for ECDSA).
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
}

/// A [`Signer`] over a private key held in process memory.
#[derive(Debug, Clone)]
pub struct LocalSigner {
    key: PrivateKey,
    algorithm: Algorithm,
    key_id: Option<String>,
}

impl LocalSigner {
    /// Wraps a signing key. Fails for X25519 keys, which cannot sign.
    pub fn new(key: PrivateKey) -> Result<Self, Error> {
        let algorithm = key.algorithm().ok_or_else(|| {
            Error::UnsupportedAlgorithm(format!("{} keys cannot sign", key.key_type()))
        })?;
        Ok(Self {
            key,
            algorithm,
            key_id: None,
        })
    }

    /// Sets the key id reported by [`Signer::key_id`].
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }
}

#[async_trait]
impl Signer for LocalSigner {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.key.sign(message)
    }
}
