//! Multibase (draft-multiformats-multibase) and the unsigned-varint multicodec header.
//!
//! Only the encodings the VC and DID specs use are accepted: base58btc (`z`) and
//! base64url without padding (`u`). Anything else is refused with a named prefix.

use base64::Engine as _;

use crate::Error;

/// Longest multibase string accepted, checked before decoding.
pub const MAX_MULTIBASE_LEN: usize = 16 * 1024;

/// A multibase encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base {
    /// `z`: base58 with the Bitcoin alphabet.
    Base58Btc,
    /// `u`: RFC 4648 §5 base64url, no padding.
    Base64Url,
}

impl Base {
    fn prefix(self) -> char {
        match self {
            Self::Base58Btc => 'z',
            Self::Base64Url => 'u',
        }
    }
}

/// Encodes `bytes` with the multibase prefix of `base`.
pub fn encode(base: Base, bytes: &[u8]) -> String {
    let body = match base {
        Base::Base58Btc => bs58::encode(bytes).into_string(),
        Base::Base64Url => base64url_encode(bytes),
    };
    let mut out = String::with_capacity(body.len() + 1);
    out.push(base.prefix());
    out.push_str(&body);
    out
}

/// Decodes a multibase string, returning the base it used.
pub fn decode(s: &str) -> Result<(Base, Vec<u8>), Error> {
    if s.len() > MAX_MULTIBASE_LEN {
        return Err(Error::TooLarge {
            what: "multibase string",
            size: s.len(),
            limit: MAX_MULTIBASE_LEN,
        });
    }
    let mut chars = s.chars();
    let prefix = chars
        .next()
        .ok_or_else(|| Error::InvalidMultibase("empty string".into()))?;
    let body = chars.as_str();
    match prefix {
        'z' => Ok((Base::Base58Btc, decode_base58btc_body(body)?)),
        'u' => Ok((
            Base::Base64Url,
            base64url_decode(body)
                .map_err(|e| Error::InvalidMultibase(format!("base64url body: {e}")))?,
        )),
        other => Err(Error::UnsupportedMultibase(
            other,
            "'z' (base58btc) or 'u' (base64url)",
        )),
    }
}

/// Decodes a multibase string that must be base58btc (`z`), as Multikey requires.
pub fn decode_base58btc(s: &str) -> Result<Vec<u8>, Error> {
    match decode(s)? {
        (Base::Base58Btc, bytes) => Ok(bytes),
        (other, _) => Err(Error::UnsupportedMultibase(
            other.prefix(),
            "'z' (base58btc)",
        )),
    }
}

fn decode_base58btc_body(body: &str) -> Result<Vec<u8>, Error> {
    if body.is_empty() {
        return Err(Error::InvalidMultibase("no data after the prefix".into()));
    }
    bs58::decode(body)
        .into_vec()
        .map_err(|e| Error::InvalidMultibase(format!("base58btc body: {e}")))
}

/// Base64url without padding (RFC 7515 §2), the JOSE encoding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url decoding: no padding, no whitespace, canonical trailing bits.
pub fn base64url_decode(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s)
}

/// Largest multicodec code accepted: codes are at most 9 varint bytes (63 bits).
const MAX_VARINT_BYTES: usize = 9;

/// Prepends the unsigned-varint encoding of `code` to `bytes`.
pub fn multicodec_encode(code: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 3);
    let mut rest = code;
    loop {
        let byte = (rest & 0x7f) as u8;
        rest >>= 7;
        if rest == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(bytes);
    out
}

/// Splits a multicodec varint header from its payload.
///
/// Follows the unsigned-varint spec: at most 9 bytes, minimal encoding only.
pub fn multicodec_decode(bytes: &[u8]) -> Result<(u64, &[u8]), Error> {
    let mut code: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(MAX_VARINT_BYTES) {
        code |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            // A final zero byte after the first is a non-minimal encoding.
            if byte == 0 && i > 0 {
                return Err(Error::InvalidMulticodec("varint is not minimally encoded"));
            }
            return Ok((code, &bytes[i + 1..]));
        }
    }
    if bytes.len() < MAX_VARINT_BYTES {
        Err(Error::InvalidMulticodec("varint is truncated"))
    } else {
        Err(Error::InvalidMulticodec("varint is longer than 9 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_matches_multicodec_table() {
        // ed25519-pub 0xed encodes as [0xed, 0x01]; p256-pub 0x1200 as [0x80, 0x24].
        assert_eq!(multicodec_encode(0xed, &[]), vec![0xed, 0x01]);
        assert_eq!(multicodec_encode(0x1200, &[]), vec![0x80, 0x24]);
        assert_eq!(
            multicodec_decode(&[0x80, 0x24, 7]).unwrap(),
            (0x1200, &[7u8][..])
        );
    }

    #[test]
    fn non_minimal_and_truncated_varints_are_refused() {
        assert_eq!(
            multicodec_decode(&[0xed, 0x80, 0x00]).unwrap_err().code(),
            "invalid_multicodec"
        );
        assert_eq!(
            multicodec_decode(&[0xed]).unwrap_err().code(),
            "invalid_multicodec"
        );
        assert_eq!(
            multicodec_decode(&[0xff; 12]).unwrap_err().code(),
            "invalid_multicodec"
        );
    }

    #[test]
    fn unknown_prefix_is_named() {
        let err = decode("mAAAA").unwrap_err();
        assert_eq!(err.code(), "unsupported_multibase");
        assert!(err.to_string().contains("'m'"));
        assert_eq!(decode("z").unwrap_err().code(), "invalid_multibase");
        assert_eq!(decode("z0OIl").unwrap_err().code(), "invalid_multibase");
    }

    #[test]
    fn base64url_is_strict() {
        assert!(base64url_decode("AA==").is_err());
        assert!(
            base64url_decode("AB").is_err(),
            "non-canonical trailing bits"
        );
        assert_eq!(base64url_decode("AA").unwrap(), vec![0]);
    }
}
