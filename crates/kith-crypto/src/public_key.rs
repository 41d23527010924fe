//! Public keys of every supported type, their raw and Multikey encodings, and verification.

use std::fmt;

use crate::multibase::{self, Base};
use crate::{Algorithm, Error, KeyType};

/// Multicodec codes of public keys (multiformats table, "key" tag).
pub(crate) mod codec {
    pub(crate) const ED25519_PUB: u64 = 0xed;
    pub(crate) const X25519_PUB: u64 = 0xec;
    pub(crate) const SECP256K1_PUB: u64 = 0xe7;
    pub(crate) const P256_PUB: u64 = 0x1200;
    pub(crate) const P384_PUB: u64 = 0x1201;
    pub(crate) const ED25519_PRIV: u64 = 0x1300;
    pub(crate) const SECP256K1_PRIV: u64 = 0x1301;
    pub(crate) const X25519_PRIV: u64 = 0x1302;
    pub(crate) const P256_PRIV: u64 = 0x1306;
    pub(crate) const P384_PRIV: u64 = 0x1307;
    /// `bls12_381-g2-pub` (varint `eb 01`).
    pub(crate) const BLS12381_G2_PUB: u64 = 0xeb;
    /// `bls12_381-g2-priv` (varint `8a 26`).
    pub(crate) const BLS12381_G2_PRIV: u64 = 0x130a;
}

/// A public key. Construction validates the encoding: P-256, P-384 and secp256k1 points
/// are on their curve and not the identity; Ed25519 points decompress. Weak keys are
/// refused where they would do harm: small-order Ed25519 keys by strict verification,
/// low-order X25519 keys by [`PrivateKey::x25519_agree`](crate::PrivateKey::x25519_agree).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey {
    /// An Ed25519 verification key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An X25519 key-agreement key.
    X25519(x25519_dalek::PublicKey),
    /// A P-256 key.
    P256(p256::ecdsa::VerifyingKey),
    /// A P-384 key.
    P384(p384::ecdsa::VerifyingKey),
    /// A secp256k1 key.
    Secp256k1(k256::ecdsa::VerifyingKey),
    /// A BLS12-381 G2 key, for BBS (see [`crate::bbs`]).
    Bls12381G2(Box<crate::bbs::G2PublicKey>),
}

impl PublicKey {
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

    /// Decodes raw key bytes: 32 bytes for the Edwards/Montgomery keys, SEC1 points
    /// (compressed or uncompressed) for the Weierstrass curves; for BLS12-381 G2, the
    /// 96-byte compressed point or `0x04 ‖` the 192-byte uncompressed one (the form JWK
    /// coordinates arrive in), checked for the curve, the subgroup and the identity.
    pub fn from_bytes(key_type: KeyType, bytes: &[u8]) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidKey {
            key_type: key_type.name(),
            reason: reason.to_owned(),
        };
        match key_type {
            KeyType::Ed25519 => {
                let arr: &[u8; 32] = bytes
                    .try_into()
                    .map_err(|_| invalid(&format!("expected 32 bytes, got {}", bytes.len())))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(arr)
                    .map_err(|_| invalid("not a valid Edwards point"))?;
                Ok(Self::Ed25519(key))
            }
            KeyType::X25519 => {
                let arr: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| invalid(&format!("expected 32 bytes, got {}", bytes.len())))?;
                Ok(Self::X25519(x25519_dalek::PublicKey::from(arr)))
            }
            KeyType::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                .map(Self::P256)
                .map_err(|_| invalid("not a valid SEC1 point on P-256")),
            KeyType::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                .map(Self::P384)
                .map_err(|_| invalid("not a valid SEC1 point on P-384")),
            KeyType::Secp256k1 => k256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                .map(Self::Secp256k1)
                .map_err(|_| invalid("not a valid SEC1 point on secp256k1")),
            KeyType::Bls12381G2 => {
                let point = match bytes {
                    [0x04, rest @ ..] if rest.len() == 192 => rest,
                    other => other,
                };
                crate::bbs::G2PublicKey::from_bytes(point).map(|k| Self::Bls12381G2(Box::new(k)))
            }
        }
    }

    /// Raw bytes as Multikey carries them: 32 bytes, or a compressed SEC1 point.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.to_bytes().to_vec(),
            Self::X25519(k) => k.to_bytes().to_vec(),
            Self::P256(k) => k.to_sec1_point(true).as_bytes().to_vec(),
            Self::P384(k) => k.to_sec1_point(true).as_bytes().to_vec(),
            Self::Secp256k1(k) => k.to_sec1_point(true).as_bytes().to_vec(),
            Self::Bls12381G2(k) => k.to_bytes().to_vec(),
        }
    }

    /// The affine coordinates `(x, y)` of a Weierstrass key, for JWK; `None` for OKP keys.
    pub(crate) fn ec_coordinates(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        // The uncompressed SEC1 form is 0x04 || x || y with x and y of equal length.
        let uncompressed = match self {
            Self::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::P384(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::Secp256k1(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::Bls12381G2(k) => return Some(k.coordinates()),
            Self::Ed25519(_) | Self::X25519(_) => return None,
        };
        let coordinates = uncompressed.get(1..)?;
        let (x, y) = coordinates.split_at(coordinates.len() / 2);
        Some((x.to_vec(), y.to_vec()))
    }

    /// The Multikey `publicKeyMultibase` value: base58btc of multicodec header and key bytes
    /// (W3C Controlled Identifiers §2.2.2).
    pub fn to_multikey(&self) -> String {
        let bytes = multibase::multicodec_encode(self.key_type().multicodec(), &self.to_bytes());
        multibase::encode(Base::Base58Btc, &bytes)
    }

    /// Decodes a Multikey `publicKeyMultibase` value.
    pub fn from_multikey(s: &str) -> Result<Self, Error> {
        let bytes = multibase::decode_base58btc(s)?;
        let (code, key) = multibase::multicodec_decode(&bytes)?;
        let key_type = KeyType::from_multicodec(code)?;
        Self::from_bytes(key_type, key)
    }

    /// Converts an Ed25519 key to its X25519 form (RFC 7748 §4.1 birational map),
    /// as did:key derives its keyAgreement key.
    pub fn to_x25519(&self) -> Option<PublicKey> {
        match self {
            Self::Ed25519(k) => Some(Self::X25519(x25519_dalek::PublicKey::from(
                k.to_montgomery().to_bytes(),
            ))),
            _ => None,
        }
    }

    /// Verifies `signature` over `message` with `alg`, which must fit the key type.
    ///
    /// Ed25519 uses strict verification (no small-order keys, canonical `S`, RFC 8032 §5.1.7);
    /// ES256K refuses high-S signatures; ECDSA signatures are fixed-size `r || s`.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        use p256::ecdsa::signature::Verifier as _;
        if alg.key_type() != self.key_type() {
            return Err(Error::AlgorithmKeyMismatch {
                alg: alg.name(),
                key_type: self.key_type().name(),
            });
        }
        let wrong_len = Error::MalformedSignature {
            alg: alg.name(),
            reason: "wrong length",
        };
        match self {
            Self::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| wrong_len)?;
                key.verify_strict(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
            Self::P256(key) => {
                let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| wrong_len)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
            Self::P384(key) => {
                let sig = p384::ecdsa::Signature::from_slice(signature).map_err(|_| wrong_len)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
            Self::Secp256k1(key) => {
                let sig = k256::ecdsa::Signature::from_slice(signature).map_err(|_| wrong_len)?;
                // RFC 8812 §3.2 lets verifiers accept either form; we refuse the malleable one.
                if sig.normalize_s() != sig {
                    return Err(Error::HighS);
                }
                key.verify(message, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }
            Self::X25519(_) => Err(Error::AlgorithmKeyMismatch {
                alg: alg.name(),
                key_type: KeyType::X25519.name(),
            }),
            // BBS signs a list of messages under a header: `crate::bbs::verify`.
            Self::Bls12381G2(_) => Err(Error::UnsupportedAlgorithm(
                "BBS signatures are verified over message lists (kith_crypto::bbs)".to_owned(),
            )),
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({}, {})", self.key_type(), self.to_multikey())
    }
}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key_type().hash(state);
        self.to_bytes().hash(state);
    }
}
