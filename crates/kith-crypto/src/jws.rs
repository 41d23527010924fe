//! JWS compact serialization (RFC 7515 §7.1) with an explicit algorithm allow-list.
//!
//! Verification refuses, each with its own error code: `alg: none`, HMAC algorithms
//! with a public key, an `alg` that does not fit the key type, an `alg` outside the
//! caller's allow-list, and any `crit` extension (Kith implements none).

use serde::{Deserialize, Serialize};

use crate::multibase::{base64url_decode, base64url_encode};
use crate::{Algorithm, Error, Jwk, PublicKey, Signer};

/// Largest compact JWS accepted, checked before decoding.
pub const MAX_JWS_LEN: usize = 1024 * 1024;

/// Header parameters registered by RFC 7515 §4.1 and RFC 7797; `crit` may not list them.
const REGISTERED: [&str; 12] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "b64",
];

/// The JOSE header. Members not named here are kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The signature algorithm, as written (validated at verification).
    #[serde(default)]
    pub alg: String,
    /// Key id; a DID URL in Kith's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Media type of the whole JWS (e.g. `vc+jwt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Media type of the payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cty: Option<String>,
    /// Embedded public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Jwk>,
    /// Extensions the recipient must understand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<Vec<String>>,
    /// Other members.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A parsed, not yet verified, compact JWS.
#[derive(Debug, Clone)]
pub struct CompactJws {
    header: Header,
    payload: Vec<u8>,
    signature: Vec<u8>,
    signing_input: String,
}

impl CompactJws {
    /// Parses `header.payload.signature`. Checks structure and `crit`; does not verify.
    pub fn parse(jws: &str) -> Result<Self, Error> {
        if jws.len() > MAX_JWS_LEN {
            return Err(Error::TooLarge {
                what: "JWS",
                size: jws.len(),
                limit: MAX_JWS_LEN,
            });
        }
        let mut parts = jws.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::MalformedJws(
                "expected three base64url parts separated by '.'".into(),
            ));
        };
        let malformed = |part: &str, e: &dyn std::fmt::Display| {
            Error::MalformedJws(format!("{part} is not valid base64url: {e}"))
        };
        let header_bytes = base64url_decode(h).map_err(|e| malformed("header", &e))?;
        let header: Header = serde_json::from_slice(&header_bytes)
            .map_err(|e| Error::MalformedJws(format!("header is not a JSON object: {e}")))?;
        if header.alg.is_empty() {
            return Err(Error::MalformedJws("header has no \"alg\"".into()));
        }
        check_crit(&header)?;
        if header.extra.contains_key("b64") {
            // RFC 7797 §6: b64 must be understood through crit, which we refuse above.
            return Err(Error::UnknownCritical("b64".into()));
        }
        let payload = base64url_decode(p).map_err(|e| malformed("payload", &e))?;
        let signature = base64url_decode(s).map_err(|e| malformed("signature", &e))?;
        Ok(Self {
            header,
            payload,
            signature,
            signing_input: format!("{h}.{p}"),
        })
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The decoded payload. Not authenticated until [`CompactJws::verify`] succeeds.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Verifies the signature with `key`, accepting only algorithms in `allowed`.
    /// Returns the algorithm that verified.
    pub fn verify(&self, key: &PublicKey, allowed: &[Algorithm]) -> Result<Algorithm, Error> {
        let alg: Algorithm = self.header.alg.parse()?;
        if alg.key_type() != key.key_type() {
            return Err(Error::AlgorithmKeyMismatch {
                alg: alg.name(),
                key_type: key.key_type().name(),
            });
        }
        if !allowed.contains(&alg) {
            return Err(Error::AlgorithmNotAllowed(alg.name()));
        }
        key.verify(alg, self.signing_input.as_bytes(), &self.signature)?;
        Ok(alg)
    }
}

/// RFC 7515 §4.1.11: `crit` is a non-empty list of extension names present in the
/// header, never registered names; a recipient that does not understand one must reject.
fn check_crit(header: &Header) -> Result<(), Error> {
    let Some(crit) = &header.crit else {
        return Ok(());
    };
    if crit.is_empty() {
        return Err(Error::MalformedJws("\"crit\" must not be empty".into()));
    }
    for name in crit {
        if REGISTERED.contains(&name.as_str()) && name != "b64" {
            return Err(Error::MalformedJws(format!(
                "\"crit\" lists the registered parameter {name:?}"
            )));
        }
        if !header.extra.contains_key(name) {
            return Err(Error::MalformedJws(format!(
                "\"crit\" lists {name:?}, which the header does not carry"
            )));
        }
    }
    Err(Error::UnknownCritical(crit[0].clone()))
}

/// Signs `payload` as a compact JWS. `header.alg` is set from the signer, and `kid` from
/// the signer when the header has none.
pub async fn sign_compact(
    mut header: Header,
    payload: &[u8],
    signer: &dyn Signer,
) -> Result<String, Error> {
    header.alg = signer.algorithm().name().to_owned();
    if header.kid.is_none() {
        header.kid = signer.key_id().map(str::to_owned);
    }
    // A header of strings and JSON values always serializes.
    let header_json = serde_json::to_vec(&header).unwrap_or_default();
    let signing_input = format!(
        "{}.{}",
        base64url_encode(&header_json),
        base64url_encode(payload)
    );
    let signature = signer.sign(signing_input.as_bytes()).await?;
    Ok(format!("{signing_input}.{}", base64url_encode(&signature)))
}
