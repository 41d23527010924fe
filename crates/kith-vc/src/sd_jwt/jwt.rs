//! JWTs inside an SD-JWT: the Issuer-signed JWT (RFC 9901 §4.1) and the KB-JWT
//! (§4.3), parsed with Kith's bounds, their algorithm checked against the allow-list
//! before any key is looked up.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-4.1>

use kith_crypto::multibase::base64url_decode;
use kith_crypto::{Algorithm, CompactJws, PublicKey};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::Error;

/// The JWS algorithms accepted for the Issuer-signed JWT and the KB-JWT
/// (RFC 9901 §7.1 step 2.1 and §7.3 step 5.2: never `none`, never HMAC).
pub(crate) const ALLOWED_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::EdDsa,
    Algorithm::Es256,
    Algorithm::Es384,
    Algorithm::Es256K,
];

/// A parsed, not yet verified, JWT: the JWS plus its header and payload as bounded JSON.
#[derive(Debug, Clone)]
pub(crate) struct Jwt {
    pub(crate) jws: CompactJws,
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
}

impl Jwt {
    /// Parses a compact JWT whose header and payload are JSON objects. `what` names
    /// it in errors ("issuer-signed JWT", "KB-JWT").
    pub(crate) fn parse(jwt: &str, what: &'static str) -> Result<Self, Error> {
        let jws = CompactJws::parse(jwt)?;
        // > The `none` algorithm MUST NOT be accepted.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1>
        // Refused here, before a key is resolved for it.
        jws.header().alg.parse::<Algorithm>()?;
        let encoded_header = jwt.split('.').next().unwrap_or_default();
        let header_bytes = base64url_decode(encoded_header).map_err(|_| {
            Error::malformed("SD-JWT", format!("the {what} header is not base64url"))
        })?;
        let header = object(crate::json::parse(&header_bytes)?, what, "header")?;
        let payload = object(crate::json::parse(jws.payload())?, what, "payload")?;
        Ok(Self {
            jws,
            header,
            payload,
        })
    }

    /// The header's `typ`, if it is a string.
    pub(crate) fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// Verifies the signature with `key`, allowing only [`ALLOWED_ALGORITHMS`].
    pub(crate) fn verify(&self, key: &PublicKey) -> Result<Algorithm, kith_crypto::Error> {
        self.jws.verify(key, &ALLOWED_ALGORITHMS)
    }
}

fn object(value: Value, what: &'static str, part: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(members) => Ok(members),
        _ => Err(Error::malformed(
            "SD-JWT",
            format!("the {what} {part} is not a JSON object"),
        )),
    }
}

/// Whether the media type in a `typ` header is `expected`: compared without case and
/// with the optional `application/` prefix removed (RFC 7515 §4.1.9).
pub(crate) fn typ_is(typ: &str, expected: &str) -> bool {
    let typ = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    };
    typ.eq_ignore_ascii_case(expected)
}

/// Reads the NumericDate claim `name` (RFC 7519 §2: seconds since the epoch, possibly
/// fractional), if present.
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<OffsetDateTime>, Error> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let seconds = match value.as_i64() {
        Some(seconds) => Some(seconds),
        // Truncation is the point: NumericDate may carry fractions of a second.
        None => value
            .as_f64()
            .filter(|f| f.is_finite())
            .map(|f| f.floor() as i64),
    };
    seconds
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .map(Some)
        .ok_or_else(|| {
            Error::malformed(
                "SD-JWT",
                format!("{name} is not a NumericDate (seconds since 1970)"),
            )
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn typ_compares_media_types() {
        assert!(typ_is("dc+sd-jwt", "dc+sd-jwt"));
        assert!(typ_is("application/DC+SD-JWT", "dc+sd-jwt"));
        assert!(!typ_is("application/json", "dc+sd-jwt"));
        assert!(!typ_is("dc+sd-jwt+x", "dc+sd-jwt"));
        assert!(!typ_is("", "dc+sd-jwt"));
    }

    #[test]
    fn numeric_dates() {
        let claims = json!({"a": 1683000000, "b": 1683000000.9, "c": "1683000000", "d": 1e300})
            .as_object()
            .cloned()
            .unwrap();
        let a = numeric_date(&claims, "a").unwrap().unwrap();
        assert_eq!(a.unix_timestamp(), 1683000000);
        assert_eq!(numeric_date(&claims, "b").unwrap(), Some(a));
        assert_eq!(numeric_date(&claims, "c").unwrap_err().code(), "malformed");
        assert_eq!(numeric_date(&claims, "d").unwrap_err().code(), "malformed");
        assert_eq!(numeric_date(&claims, "e").unwrap(), None);
    }
}
