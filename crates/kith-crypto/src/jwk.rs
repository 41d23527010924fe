//! JSON Web Keys (RFC 7517) for EC (RFC 7518 §6.2) and OKP (RFC 8037 §2) keys,
//! and the JWK thumbprint (RFC 7638).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::multibase::{base64url_decode, base64url_encode};
use crate::{Error, KeyType, PrivateKey, PublicKey};

/// Largest JWK accepted, checked before parsing.
pub const MAX_JWK_LEN: usize = 64 * 1024;

/// A JWK's private member `d`: wiped on drop, never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretParam(Zeroizing<String>);

impl SecretParam {
    /// The base64url text of the secret.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// A JSON Web Key. Unknown members are kept in `extra` so a round trip loses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `OKP` or `EC` for the keys Kith uses.
    pub kty: String,
    /// Curve name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// Public x coordinate (EC) or public key (OKP), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Public y coordinate (EC only), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Private key, base64url. Present only in private JWKs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<SecretParam>,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use: `sig` or `enc`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Permitted operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
    /// Members this struct does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Jwk {
    /// Parses a JWK from JSON, refusing oversized input before parsing.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_JWK_LEN {
            return Err(Error::TooLarge {
                what: "JWK",
                size: bytes.len(),
                limit: MAX_JWK_LEN,
            });
        }
        serde_json::from_slice(bytes).map_err(|e| Error::InvalidJwk(e.to_string()))
    }

    /// Serializes the JWK as compact JSON.
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings and a JSON map cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether this JWK carries private key material.
    pub fn is_private(&self) -> bool {
        self.d.is_some()
            || ["p", "q", "dp", "dq", "qi", "k"]
                .iter()
                .any(|m| self.extra.contains_key(*m))
    }

    /// The same JWK without its private member.
    pub fn to_public(&self) -> Jwk {
        let mut public = self.clone();
        public.d = None;
        public
    }

    /// The key type named by `kty` and `crv`.
    pub fn key_type(&self) -> Result<KeyType, Error> {
        match self.kty.as_str() {
            "OKP" | "EC" => {
                let crv = self
                    .crv
                    .as_deref()
                    .ok_or_else(|| Error::InvalidJwk(format!("kty {} requires crv", self.kty)))?;
                KeyType::from_jwk(&self.kty, crv)
            }
            "oct" => Err(Error::UnsupportedKeyType(
                "symmetric (kty oct) keys are not accepted".into(),
            )),
            other => Err(Error::UnsupportedKeyType(format!("kty {other:?}"))),
        }
    }

    /// The JWK thumbprint: base64url(SHA-256) of the required members in
    /// lexicographic order (RFC 7638 §3.2).
    pub fn thumbprint(&self) -> Result<String, Error> {
        let key = PublicKey::from_jwk(self)?;
        let canonical = key.to_jwk();
        let x = canonical.x.unwrap_or_default();
        let crv = canonical.crv.unwrap_or_default();
        let json = match canonical.y {
            Some(y) => format!(
                r#"{{"crv":"{crv}","kty":"{}","x":"{x}","y":"{y}"}}"#,
                canonical.kty
            ),
            None => format!(r#"{{"crv":"{crv}","kty":"{}","x":"{x}"}}"#, canonical.kty),
        };
        Ok(base64url_encode(&Sha256::digest(json.as_bytes())))
    }
}

fn decode_member(name: &str, value: Option<&str>, len: usize) -> Result<Vec<u8>, Error> {
    let value = value.ok_or_else(|| Error::InvalidJwk(format!("missing member {name:?}")))?;
    let bytes = base64url_decode(value)
        .map_err(|e| Error::InvalidJwk(format!("member {name:?} is not base64url: {e}")))?;
    if bytes.len() != len {
        return Err(Error::InvalidJwk(format!(
            "member {name:?} must decode to {len} bytes, got {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn coordinate_len(key_type: KeyType) -> usize {
    match key_type {
        KeyType::P384 => 48,
        // An Fp2 coordinate (draft-ietf-cose-bls-key-representations §2.1).
        KeyType::Bls12381G2 => 96,
        _ => 32,
    }
}

impl PublicKey {
    /// Decodes the public part of a JWK, validating lengths and the curve point.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, Error> {
        let key_type = jwk.key_type()?;
        let len = coordinate_len(key_type);
        let x = decode_member("x", jwk.x.as_deref(), len)?;
        match key_type.jwk_kty() {
            "OKP" => {
                if jwk.y.is_some() {
                    return Err(Error::InvalidJwk("OKP keys have no \"y\" member".into()));
                }
                PublicKey::from_bytes(key_type, &x)
            }
            _ => {
                let y = decode_member("y", jwk.y.as_deref(), len)?;
                let mut sec1 = Vec::with_capacity(1 + 2 * len);
                sec1.push(0x04);
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                PublicKey::from_bytes(key_type, &sec1)
            }
        }
    }

    /// The public JWK, with members in RFC 7638 order.
    pub fn to_jwk(&self) -> Jwk {
        let key_type = self.key_type();
        let (x, y) = match self.ec_coordinates() {
            Some((x, y)) => (base64url_encode(&x), Some(base64url_encode(&y))),
            None => (base64url_encode(&self.to_bytes()), None),
        };
        Jwk {
            kty: key_type.jwk_kty().to_owned(),
            crv: Some(key_type.jwk_crv().to_owned()),
            x: Some(x),
            y,
            d: None,
            kid: None,
            alg: None,
            use_: None,
            key_ops: None,
            extra: serde_json::Map::new(),
        }
    }
}

impl PrivateKey {
    /// Decodes a private JWK and checks that its public members match its `d`.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, Error> {
        let key_type = jwk.key_type()?;
        let d = jwk
            .d
            .as_ref()
            .ok_or_else(|| Error::InvalidJwk("not a private key: missing member \"d\"".into()))?;
        let secret = Zeroizing::new(decode_member("d", Some(d.expose()), key_type.secret_len())?);
        let key = PrivateKey::from_bytes(key_type, &secret)?;
        let declared = PublicKey::from_jwk(jwk)?;
        if declared != key.public_key() {
            return Err(Error::InvalidJwk(
                "the public members do not match the private key \"d\"".into(),
            ));
        }
        Ok(key)
    }

    /// The private JWK: the public JWK plus `d`.
    pub fn to_jwk(&self) -> Jwk {
        let mut jwk = self.public_key().to_jwk();
        jwk.d = Some(SecretParam(Zeroizing::new(base64url_encode(
            &self.to_bytes(),
        ))));
        jwk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 Appendix A.1/A.2: the Ed25519 example key.
    #[test]
    fn rfc8037_ed25519_example() {
        let jwk = Jwk::from_json(
            br#"{"kty":"OKP","crv":"Ed25519",
            "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        let key = PrivateKey::from_jwk(&jwk).unwrap();
        assert_eq!(key.to_jwk(), jwk);
        // RFC 8037 Appendix A.3 thumbprint.
        assert_eq!(
            jwk.thumbprint().unwrap(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        // RFC 8037 Appendix A.4: signature over "Example of Ed25519 signing".
        let input = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let sig = key.sign(input).unwrap();
        assert_eq!(
            base64url_encode(&sig),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
    }

    #[test]
    fn mismatched_public_part_is_refused() {
        let a = PrivateKey::generate(KeyType::P256).unwrap();
        let b = PrivateKey::generate(KeyType::P256).unwrap();
        let mut jwk = a.to_jwk();
        jwk.x = b.public_key().to_jwk().x;
        jwk.y = b.public_key().to_jwk().y;
        assert_eq!(
            PrivateKey::from_jwk(&jwk).unwrap_err().code(),
            "invalid_jwk"
        );
    }

    #[test]
    fn off_curve_point_is_refused() {
        let mut jwk = PrivateKey::generate(KeyType::P256)
            .unwrap()
            .public_key()
            .to_jwk();
        jwk.y = Some(base64url_encode(&[1u8; 32]));
        assert_eq!(
            PublicKey::from_jwk(&jwk).unwrap_err().code(),
            "invalid_public_key"
        );
    }

    #[test]
    fn debug_never_prints_d() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let jwk = key.to_jwk();
        let d = jwk.d.as_ref().unwrap().expose().to_owned();
        assert!(!format!("{jwk:?}").contains(&d));
        assert!(!format!("{key:?}").contains(&d));
    }

    #[test]
    fn symmetric_and_rsa_keys_are_named() {
        let oct = Jwk::from_json(br#"{"kty":"oct","k":"AAAA"}"#).unwrap();
        assert_eq!(
            PublicKey::from_jwk(&oct).unwrap_err().code(),
            "unsupported_key_type"
        );
        assert!(oct.is_private());
        let rsa = Jwk::from_json(br#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#).unwrap();
        assert_eq!(
            PublicKey::from_jwk(&rsa).unwrap_err().code(),
            "unsupported_key_type"
        );
    }
}
