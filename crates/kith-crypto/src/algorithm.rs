//! JOSE signature algorithms (RFC 7518 §3, RFC 8037 §3.1, RFC 8812 §3.2).

use std::fmt;
use std::str::FromStr;

use crate::{Error, KeyType};

/// A signature algorithm Kith implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// EdDSA over Ed25519 (RFC 8037).
    EdDsa,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// ECDSA secp256k1 with SHA-256 (RFC 8812), low-S only.
    Es256K,
    /// BBS over BLS12-381 with SHA-256 (draft-irtf-cfrg-bbs-signatures), for the
    /// `bbs-2023` cryptosuite. Not a JWS algorithm: it is in no allow-list built from
    /// [`Algorithm::ALL`], never parsed from a JOSE header, and signs message lists
    /// through [`crate::bbs`], not bytes through a [`crate::Signer`].
    Bbs,
}

impl Algorithm {
    /// Every JOSE algorithm, in a stable order ([`Algorithm::Bbs`] is not one).
    pub const ALL: [Algorithm; 4] = [Self::EdDsa, Self::Es256, Self::Es384, Self::Es256K];

    /// The JOSE `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es256K => "ES256K",
            // The name draft-ietf-jose-json-proof-algorithms registers.
            Self::Bbs => "BBS",
        }
    }

    /// The only key type this algorithm may be used with.
    pub fn key_type(self) -> KeyType {
        match self {
            Self::EdDsa => KeyType::Ed25519,
            Self::Es256 => KeyType::P256,
            Self::Es384 => KeyType::P384,
            Self::Es256K => KeyType::Secp256k1,
            Self::Bbs => KeyType::Bls12381G2,
        }
    }

    /// The algorithm a key type signs with, if it signs at all.
    pub fn for_key_type(key_type: KeyType) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key_type() == key_type)
    }

    /// Signature length in bytes (fixed-size `r || s` for ECDSA, RFC 7518 §3.4; `A ‖ e`
    /// for BBS, draft-irtf-cfrg-bbs-signatures §4.2.4.4).
    pub fn signature_len(self) -> usize {
        match self {
            Self::EdDsa | Self::Es256 | Self::Es256K => 64,
            Self::Es384 => 96,
            Self::Bbs => crate::bbs::SIGNATURE_LEN,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    /// Parses a JOSE `alg`, naming the refusal for `none` and HMAC algorithms.
    fn from_str(s: &str) -> Result<Self, Error> {
        if let Some(found) = Self::ALL.into_iter().find(|a| a.name() == s) {
            return Ok(found);
        }
        // "Ed25519" is the fully-specified name for EdDSA over Ed25519 (RFC 9864 §2.2).
        if s == "Ed25519" {
            return Ok(Self::EdDsa);
        }
        if s.eq_ignore_ascii_case("none") {
            return Err(Error::AlgorithmNone);
        }
        if matches!(s, "HS256" | "HS384" | "HS512") {
            return Err(Error::HmacWithPublicKey(s.to_owned()));
        }
        Err(Error::UnsupportedAlgorithm(s.to_owned()))
    }
}
