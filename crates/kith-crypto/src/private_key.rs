//! Private keys: generation from the OS CSPRNG, signing, X25519 agreement.
//!
//! Every variant zeroizes its secret on drop (the dalek and RustCrypto key types do so
//! themselves), and `Debug` prints only the key type and the public key.

use std::fmt;

use p256::ecdsa::signature::Signer as _;
use zeroize::Zeroizing;

use crate::multibase::{self, Base};
use crate::public_key::codec;
use crate::{Algorithm, Error, KeyType, PublicKey};

/// A private key of any supported type.
#[non_exhaustive]
pub enum PrivateKey {
    /// An Ed25519 signing key (its 32-byte seed).
    Ed25519(ed25519_dalek::SigningKey),
    /// An X25519 static secret.
    X25519(x25519_dalek::StaticSecret),
    /// A P-256 signing key.
    P256(p256::ecdsa::SigningKey),
    /// A P-384 signing key.
    P384(p384::ecdsa::SigningKey),
    /// A secp256k1 signing key.
    Secp256k1(k256::ecdsa::SigningKey),
    /// A BLS12-381 G2 (BBS) secret key; it signs through [`crate::bbs::sign`].
    Bls12381G2(Box<crate::bbs::G2SecretKey>),
}

impl PrivateKey {
    /// Generates a key from the operating system's CSPRNG.
    pub fn generate(key_type: KeyType) -> Result<Self, Error> {
        if key_type == KeyType::Bls12381G2 {
            // draft-irtf-cfrg-bbs-signatures §3.4.1 KeyGen over 32 bytes of OS randomness.
            return crate::bbs::G2SecretKey::generate().map(|k| Self::Bls12381G2(Box::new(k)));
        }
        // A random 256/384-bit string is an invalid scalar with probability < 2^-32
        // (zero or >= the group order); drawing again is the standard rejection sampling.
        for _ in 0..64 {
            let mut seed = Zeroizing::new(vec![0u8; key_type.secret_len()]);
            getrandom::fill(&mut seed).map_err(|e| Error::Rng(e.to_string()))?;
            match Self::from_bytes(key_type, &seed) {
                Ok(key) => return Ok(key),
                Err(Error::InvalidPrivateKey { .. }) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(Error::Rng("no valid scalar after 64 draws".into()))
    }

    /// Builds a key from its secret bytes: the Ed25519 seed, the X25519 scalar, or the
    /// big-endian ECDSA or BBS scalar.
    pub fn from_bytes(key_type: KeyType, secret: &[u8]) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidPrivateKey {
            key_type: key_type.name(),
            reason,
        };
        if secret.len() != key_type.secret_len() {
            return Err(invalid(format!(
                "private key must be {} bytes, got {}",
                key_type.secret_len(),
                secret.len()
            )));
        }
        let key = match key_type {
            KeyType::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(secret);
                Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            KeyType::X25519 => {
                let mut scalar = Zeroizing::new([0u8; 32]);
                scalar.copy_from_slice(secret);
                Self::X25519(x25519_dalek::StaticSecret::from(*scalar))
            }
            KeyType::P256 => Self::P256(
                p256::ecdsa::SigningKey::from_slice(secret)
                    .map_err(|_| invalid("scalar is zero or not below the group order".into()))?,
            ),
            KeyType::P384 => Self::P384(
                p384::ecdsa::SigningKey::from_slice(secret)
                    .map_err(|_| invalid("scalar is zero or not below the group order".into()))?,
            ),
            KeyType::Secp256k1 => Self::Secp256k1(
                k256::ecdsa::SigningKey::from_slice(secret)
                    .map_err(|_| invalid("scalar is zero or not below the group order".into()))?,
            ),
            KeyType::Bls12381G2 => {
                Self::Bls12381G2(Box::new(crate::bbs::G2SecretKey::from_bytes(secret)?))
            }
        };
        Ok(key)
    }

    /// The secret bytes, in a buffer that is wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Self::Ed25519(k) => k.to_bytes().to_vec(),
            Self::X25519(k) => k.to_bytes().to_vec(),
            Self::P256(k) => k.to_bytes().to_vec(),
            Self::P384(k) => k.to_bytes().to_vec(),
            Self::Secp256k1(k) => k.to_bytes().to_vec(),
            Self::Bls12381G2(k) => k.to_bytes().to_vec(),
        })
    }

    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::Ed25519(_) => KeyType::Ed25519,
            Self::X25519(_) => KeyType::X25519,
            Self::P256(_) => KeyType::P256,
            Self::P384(_) => KeyType::P384,
            Self::Secp256k1(_) => KeyType::Secp256k1,
            Self::Bls12381G2(_) => KeyType::Bls12381G2,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            Self::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            Self::X25519(k) => PublicKey::X25519(x25519_dalek::PublicKey::from(k)),
            Self::P256(k) => PublicKey::P256(*k.verifying_key()),
            Self::P384(k) => PublicKey::P384(*k.verifying_key()),
            Self::Secp256k1(k) => PublicKey::Secp256k1(*k.verifying_key()),
            Self::Bls12381G2(k) => PublicKey::Bls12381G2(Box::new(k.public_key().clone())),
        }
    }

    /// The JOSE algorithm this key signs with, or `None` for X25519 and BLS12-381 G2.
    pub fn algorithm(&self) -> Option<Algorithm> {
        Algorithm::for_key_type(self.key_type())
    }

    /// Signs `message` with the key's algorithm. ECDSA nonces are deterministic
    /// (RFC 6979) and secp256k1 signatures are low-S.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let sig = match self {
            Self::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Self::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            Self::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            Self::Secp256k1(k) => {
                let sig: k256::ecdsa::Signature = k.sign(message);
                sig.normalize_s().to_bytes().to_vec()
            }
            Self::X25519(_) => {
                return Err(Error::UnsupportedAlgorithm(
                    "X25519 keys cannot sign".to_owned(),
                ));
            }
            Self::Bls12381G2(_) => {
                return Err(Error::UnsupportedAlgorithm(
                    "BBS keys sign message lists (kith_crypto::bbs::sign)".to_owned(),
                ));
            }
        };
        Ok(sig)
    }

    /// X25519 key agreement (RFC 7748 §6.1). Refuses a low-order peer key, which would
    /// give the all-zero shared secret.
    pub fn x25519_agree(&self, peer: &PublicKey) -> Result<Zeroizing<[u8; 32]>, Error> {
        let (Self::X25519(secret), PublicKey::X25519(public)) = (self, peer) else {
            return Err(Error::AlgorithmKeyMismatch {
                alg: "ECDH-X25519",
                key_type: peer.key_type().name(),
            });
        };
        let shared = secret.diffie_hellman(public);
        if !shared.was_contributory() {
            return Err(Error::NonContributory);
        }
        Ok(Zeroizing::new(shared.to_bytes()))
    }

    /// Converts an Ed25519 key to the X25519 key with the same secret (RFC 8032 §5.1.5
    /// clamped scalar), as did:key derives its keyAgreement key.
    pub fn to_x25519(&self) -> Option<PrivateKey> {
        match self {
            Self::Ed25519(k) => Some(Self::X25519(x25519_dalek::StaticSecret::from(
                *Zeroizing::new(k.to_scalar_bytes()),
            ))),
            _ => None,
        }
    }

    fn multicodec(&self) -> u64 {
        match self {
            Self::Ed25519(_) => codec::ED25519_PRIV,
            Self::X25519(_) => codec::X25519_PRIV,
            Self::P256(_) => codec::P256_PRIV,
            Self::P384(_) => codec::P384_PRIV,
            Self::Secp256k1(_) => codec::SECP256K1_PRIV,
            Self::Bls12381G2(_) => codec::BLS12381_G2_PRIV,
        }
    }

    /// The Multikey `secretKeyMultibase` value (W3C Controlled Identifiers §2.2.2).
    pub fn to_multikey(&self) -> Zeroizing<String> {
        let bytes = Zeroizing::new(multibase::multicodec_encode(
            self.multicodec(),
            &self.to_bytes(),
        ));
        Zeroizing::new(multibase::encode(Base::Base58Btc, &bytes))
    }

    /// Decodes a Multikey `secretKeyMultibase` value.
    pub fn from_multikey(s: &str) -> Result<Self, Error> {
        let bytes = Zeroizing::new(multibase::decode_base58btc(s)?);
        let (code, secret) = multibase::multicodec_decode(&bytes)?;
        let key_type = match code {
            codec::ED25519_PRIV => KeyType::Ed25519,
            codec::X25519_PRIV => KeyType::X25519,
            codec::P256_PRIV => KeyType::P256,
            codec::P384_PRIV => KeyType::P384,
            codec::SECP256K1_PRIV => KeyType::Secp256k1,
            codec::BLS12381_G2_PRIV => KeyType::Bls12381G2,
            other => {
                return Err(Error::UnsupportedKeyType(format!(
                    "private-key multicodec 0x{other:x}"
                )));
            }
        };
        Self::from_bytes(key_type, secret)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PrivateKey({}, public {}, secret redacted)",
            self.key_type(),
            self.public_key().to_multikey()
        )
    }
}

impl Clone for PrivateKey {
    fn clone(&self) -> Self {
        match self {
            Self::Ed25519(k) => Self::Ed25519(k.clone()),
            Self::X25519(k) => Self::X25519(k.clone()),
            Self::P256(k) => Self::P256(k.clone()),
            Self::P384(k) => Self::P384(k.clone()),
            Self::Secp256k1(k) => Self::Secp256k1(k.clone()),
            Self::Bls12381G2(k) => Self::Bls12381G2(k.clone()),
        }
    }
}
