//! The key types Kith supports and their registered names.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An asymmetric key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// Ed25519 (RFC 8032), for EdDSA signatures.
    Ed25519,
    /// X25519 (RFC 7748), for key agreement only.
    X25519,
    /// NIST P-256 (secp256r1), for ES256 and ECDH.
    P256,
    /// NIST P-384 (secp384r1), for ES384 and ECDH.
    P384,
    /// secp256k1, for ES256K (RFC 8812) and ECDH.
    Secp256k1,
    /// BLS12-381 with public keys in G2, for BBS signatures (draft-irtf-cfrg-bbs-signatures,
    /// BLS12-381-SHA-256) and the `bbs-2023` cryptosuite only: no JOSE algorithm.
    Bls12381G2,
}

impl KeyType {
    /// Every key type with a JOSE algorithm or key agreement, in a stable order. BLS12-381
    /// G2 keys sign only BBS messages lists and are in [`KeyType::EVERY`].
    pub const ALL: [KeyType; 5] = [
        KeyType::Ed25519,
        KeyType::X25519,
        KeyType::P256,
        KeyType::P384,
        KeyType::Secp256k1,
    ];

    /// Every supported key type: [`KeyType::ALL`] and BLS12-381 G2.
    pub const EVERY: [KeyType; 6] = [
        KeyType::Ed25519,
        KeyType::X25519,
        KeyType::P256,
        KeyType::P384,
        KeyType::Secp256k1,
        KeyType::Bls12381G2,
    ];

    /// The short name used on the command line (`ed25519`, `p256`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::X25519 => "x25519",
            Self::P256 => "p256",
            Self::P384 => "p384",
            Self::Secp256k1 => "secp256k1",
            Self::Bls12381G2 => "bls12381g2",
        }
    }

    /// The JWK `kty` (RFC 7518 §6.1, RFC 8037 §2).
    pub fn jwk_kty(self) -> &'static str {
        match self {
            Self::Ed25519 | Self::X25519 => "OKP",
            // draft-ietf-cose-bls-key-representations §2.2: "EC" with x and y.
            Self::P256 | Self::P384 | Self::Secp256k1 | Self::Bls12381G2 => "EC",
        }
    }

    /// The JWK `crv` (IANA "JSON Web Key Elliptic Curve" registry).
    pub fn jwk_crv(self) -> &'static str {
        match self {
            Self::Ed25519 => "Ed25519",
            Self::X25519 => "X25519",
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::Secp256k1 => "secp256k1",
            // draft-ietf-cose-bls-key-representations §3.1 (JWK curve name).
            Self::Bls12381G2 => "BLS12381G2",
        }
    }

    /// The key type for a JWK `kty`/`crv` pair.
    pub fn from_jwk(kty: &str, crv: &str) -> Result<Self, Error> {
        let found = Self::EVERY
            .into_iter()
            .find(|t| t.jwk_kty() == kty && t.jwk_crv() == crv);
        found.ok_or_else(|| Error::UnsupportedKeyType(format!("kty {kty:?} with crv {crv:?}")))
    }

    /// Whether the key type can sign (X25519 cannot).
    pub fn can_sign(self) -> bool {
        !matches!(self, Self::X25519)
    }

    /// Whether the key type can be used for key agreement.
    pub fn can_agree(self) -> bool {
        !matches!(self, Self::Ed25519 | Self::Bls12381G2)
    }

    /// The multicodec code of this type's public key (multiformats table, "key" tag).
    pub fn multicodec(self) -> u64 {
        use crate::public_key::codec;
        match self {
            Self::Ed25519 => codec::ED25519_PUB,
            Self::X25519 => codec::X25519_PUB,
            Self::P256 => codec::P256_PUB,
            Self::P384 => codec::P384_PUB,
            Self::Secp256k1 => codec::SECP256K1_PUB,
            Self::Bls12381G2 => codec::BLS12381_G2_PUB,
        }
    }

    /// The key type of a public-key multicodec code.
    pub fn from_multicodec(code: u64) -> Result<Self, Error> {
        let found = Self::EVERY.into_iter().find(|t| t.multicodec() == code);
        found.ok_or_else(|| Error::UnsupportedKeyType(format!("multicodec 0x{code:x}")))
    }

    /// Length of the private scalar or seed in bytes.
    pub fn secret_len(self) -> usize {
        match self {
            Self::P384 => 48,
            _ => 32,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let lower = s.to_ascii_lowercase();
        let found = match lower.as_str() {
            "ed25519" => Self::Ed25519,
            "x25519" => Self::X25519,
            "p256" | "p-256" | "secp256r1" => Self::P256,
            "p384" | "p-384" | "secp384r1" => Self::P384,
            "secp256k1" | "k256" => Self::Secp256k1,
            "bls12381g2" | "bls12-381-g2" | "bls12_381-g2" => Self::Bls12381G2,
            _ => return Err(Error::UnsupportedKeyType(s.to_owned())),
        };
        Ok(found)
    }
}
