//! Disclosures (RFC 9901 §4.2): `base64url(JSON [salt, name, value])` for an object
//! member, `base64url(JSON [salt, value])` for an array element, and their digests.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-4.2>

use kith_crypto::multibase::{base64url_decode, base64url_encode};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Error;

use super::{ELLIPSIS, SD};

/// Bytes of salt: 128 bits, as RFC 9901 §9.3 recommends.
const SALT_LEN: usize = 16;

/// One disclosure, decoded. Its base64url text, which the digest covers, stays with
/// the caller: the presentation it was parsed from, or what [`Disclosure::create`]
/// returns beside it.
#[derive(Debug, Clone)]
pub(crate) struct Disclosure {
    /// base64url(SHA-256(the base64url text exactly as issued)).
    pub(crate) digest: String,
    /// The claim name, for an object member; `None` for an array element.
    pub(crate) name: Option<String>,
    /// The claim value, before its own digests are processed.
    pub(crate) value: Value,
}

impl Disclosure {
    /// A new disclosure with a fresh salt from the OS CSPRNG, and its base64url text.
    pub(crate) fn create(name: Option<&str>, value: Value) -> Result<(String, Self), Error> {
        let salt = Value::String(salt()?);
        let array = match name {
            Some(name) => Value::Array(vec![salt, Value::String(name.to_owned()), value]),
            None => Value::Array(vec![salt, value]),
        };
        // A `Value` always serializes.
        let encoded = base64url_encode(&serde_json::to_vec(&array).unwrap_or_default());
        let Value::Array(mut items) = array else {
            unreachable!("built as an array above")
        };
        let value = items.pop().unwrap_or(Value::Null);
        let disclosure = Self {
            digest: digest(&encoded),
            name: name.map(str::to_owned),
            value,
        };
        Ok((encoded, disclosure))
    }

    /// Decodes the disclosure at `position` (0-based, for error messages) of an SD-JWT.
    ///
    /// Error messages name the position and never the salt or the value.
    pub(crate) fn parse(encoded: &str, position: usize) -> Result<Self, Error> {
        let mismatch = |reason: &str| {
            Error::DisclosureMismatch(format!("disclosure #{}: {reason}", position + 1))
        };
        let bytes =
            base64url_decode(encoded).map_err(|_| mismatch("not base64url without padding"))?;
        let Value::Array(mut items) = crate::json::parse(&bytes)? else {
            return Err(mismatch("not a JSON array"));
        };
        // > A JSON array of three elements (salt, claim name, claim value) ...
        // > If the claim name is `_sd` or `...`, the SD-JWT MUST be rejected.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1>
        let (name, value) = match items.len() {
            3 => {
                let value = items.pop().unwrap_or(Value::Null);
                let Some(Value::String(name)) = items.pop() else {
                    return Err(mismatch("the claim name is not a string"));
                };
                if name == SD || name == ELLIPSIS {
                    return Err(mismatch(&format!("the claim name {name:?} is reserved")));
                }
                (Some(name), value)
            }
            2 => (None, items.pop().unwrap_or(Value::Null)),
            n => {
                return Err(mismatch(&format!(
                    "a JSON array of {n} elements; expected [salt, name, value] or [salt, value]"
                )));
            }
        };
        if !matches!(items.first(), Some(Value::String(_))) {
            return Err(mismatch("the salt is not a string"));
        }
        Ok(Self {
            digest: digest(encoded),
            name,
            value,
        })
    }
}

/// base64url(SHA-256) of the ASCII of `text` (RFC 9901 §4.2.3; also `sd_hash`, §4.3.1).
pub(crate) fn digest(text: &str) -> String {
    base64url_encode(&Sha256::digest(text.as_bytes()))
}

/// 128 random bits from the OS CSPRNG, base64url-encoded (RFC 9901 §9.3).
pub(crate) fn salt() -> Result<String, Error> {
    let mut bytes = [0u8; SALT_LEN];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Crypto(kith_crypto::Error::Rng(e.to_string())))?;
    Ok(base64url_encode(&bytes))
}

/// A decoy digest: the digest of a fresh random salt, indistinguishable from the
/// digest of a disclosure (RFC 9901 §4.2.5).
pub(crate) fn decoy() -> Result<String, Error> {
    Ok(digest(&salt()?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// RFC 9901 §4.2.1 and §4.2.3: the `family_name` disclosure and its digest.
    #[test]
    fn rfc9901_family_name_example() {
        let encoded = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
        let disclosure = Disclosure::parse(encoded, 0).unwrap();
        assert_eq!(disclosure.name.as_deref(), Some("family_name"));
        assert_eq!(disclosure.value, json!("Möbius"));
        assert_eq!(
            disclosure.digest,
            "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
        );
        // §4.2.1: other encodings of the same array are valid, with their own digests.
        for variant in [
            "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
            "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd",
            "WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ",
        ] {
            let other = Disclosure::parse(variant, 0).unwrap();
            assert_eq!(other.value, json!("Möbius"));
            assert_ne!(other.digest, disclosure.digest);
        }
    }

    /// RFC 9901 §4.2.2: the array element disclosure for "FR".
    #[test]
    fn rfc9901_array_element_example() {
        let disclosure =
            Disclosure::parse("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0", 0).unwrap();
        assert_eq!(disclosure.name, None);
        assert_eq!(disclosure.value, json!("FR"));
        assert_eq!(
            disclosure.digest,
            "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"
        );
    }

    #[test]
    fn created_disclosures_parse_back() {
        let (encoded, created) =
            Disclosure::create(Some("given_name"), json!({"a": [1, "ü"]})).unwrap();
        let parsed = Disclosure::parse(&encoded, 0).unwrap();
        assert_eq!(parsed.digest, created.digest);
        assert_eq!(parsed.name.as_deref(), Some("given_name"));
        assert_eq!(parsed.value, created.value);
        let (element, _) = Disclosure::create(None, json!(null)).unwrap();
        assert_eq!(Disclosure::parse(&element, 0).unwrap().name, None);
        // 128-bit salts: 22 base64url characters, never repeated.
        assert_eq!(salt().unwrap().len(), 22);
        assert_ne!(salt().unwrap(), salt().unwrap());
    }

    #[test]
    fn malformed_disclosures_are_mismatches() {
        let encode = |json: &str| base64url_encode(json.as_bytes());
        for bad in [
            "not base64!".to_owned(),
            encode(r#"{"salt":"x"}"#),
            encode(r#"["salt"]"#),
            encode(r#"["salt","a","b","c"]"#),
            encode(r#"[1,"name","value"]"#),
            encode(r#"["salt",2,"value"]"#),
            encode(r#"["salt","_sd","value"]"#),
            encode(r#"["salt","...","value"]"#),
        ] {
            let err = Disclosure::parse(&bad, 2).unwrap_err();
            assert_eq!(err.code(), "disclosure_mismatch", "{bad}: {err}");
            assert!(err.to_string().contains("disclosure #3"), "{err}");
        }
        assert_eq!(
            Disclosure::parse(&encode("[1,"), 0).unwrap_err().code(),
            "malformed_json"
        );
    }
}
