//! JWTs inside an SD-JWT: the Issuer-signed JWT (RFC 9901 §4.1) and the KB-JWT
//! (§4.3), parsed with Kith's bounds, their algorithm checked against the allow-list
//! before any key is looked up.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-4.1>

use kith_crypto::multibase::base64url_decode;
use kith_crypto::{Algorithm, CompactJws, MAX_JWS_LEN, PublicKey};
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

/// A parsed, not yet verified, JWT: its header and payload as bounded JSON, and what
/// the signature check needs, borrowing the signing input from the presentation.
#[derive(Debug, Clone)]
pub(crate) struct Jwt<'a> {
    /// `<header>.<payload>` exactly as presented: the JWS signing input.
    signing_input: &'a str,
    /// The decoded signature.
    signature: Vec<u8>,
    /// The header's `alg`, already known to be an [`Algorithm`].
    alg: Algorithm,
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
}

impl<'a> Jwt<'a> {
    /// Parses a compact JWT whose header and payload are JSON objects. `what` names
    /// it in errors ("issuer-signed JWT", "KB-JWT").
    ///
    /// A JWT is accepted exactly when [`CompactJws::parse`] accepts it, its `alg` is an
    /// [`Algorithm`], and its header and payload pass Kith's bounded parser as objects.
    /// The common case, a header of plain string members and no `crit`, `b64` or
    /// `jwk`, is checked here with one decode and one (bounded) parse of the header;
    /// anything else, every error included, takes the reference path
    /// ([`Jwt::parse_reference`]), so errors and edge cases are exactly its own.
    pub(crate) fn parse(jwt: &'a str, what: &'static str) -> Result<Self, Error> {
        match Self::parse_plain(jwt) {
            Some(parsed) => Ok(parsed),
            None => Self::parse_reference(jwt, what),
        }
    }

    /// The fast path. `None` whenever the JWT is not plainly valid: never an
    /// acceptance [`Jwt::parse_reference`] would not give.
    fn parse_plain(jwt: &'a str) -> Option<Self> {
        // What `CompactJws::parse` checks, in its order.
        if jwt.len() > MAX_JWS_LEN {
            return None;
        }
        let mut parts = jwt.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let Value::Object(header) = crate::json::parse(&base64url_decode(h).ok()?).ok()? else {
            return None;
        };
        // The header as `CompactJws::parse` reads it into a `kith_crypto::Header`:
        // `alg` a non-empty string (here, moreover, a known algorithm, as
        // `parse_reference` requires next), `kid`, `typ` and `cty` strings or null,
        // no `crit` (every `crit` is refused, RFC 7515 §4.1.11) and no `b64`
        // (RFC 7797). A `jwk` is left to the reference path. Other members are free.
        // The bounded parser has already refused duplicate names.
        let alg = header
            .get("alg")?
            .as_str()
            .filter(|alg| !alg.is_empty())?
            .parse::<Algorithm>()
            .ok()?;
        for name in ["kid", "typ", "cty"] {
            if !matches!(
                header.get(name),
                None | Some(Value::Null | Value::String(_))
            ) {
                return None;
            }
        }
        if !matches!(header.get("crit"), None | Some(Value::Null))
            || header.contains_key("b64")
            || header.contains_key("jwk")
        {
            return None;
        }
        let payload = base64url_decode(p).ok()?;
        let signature = base64url_decode(s).ok()?;
        let Value::Object(payload) = crate::json::parse(&payload).ok()? else {
            return None;
        };
        Some(Self {
            signing_input: &jwt[..h.len() + 1 + p.len()],
            signature,
            alg,
            header,
            payload,
        })
    }

    /// The reference path: [`CompactJws::parse`], the algorithm, then the bounded
    /// parses of the header and the payload, each error as it comes.
    fn parse_reference(jwt: &'a str, what: &'static str) -> Result<Self, Error> {
        let jws = CompactJws::parse(jwt)?;
        // > The `none` algorithm MUST NOT be accepted.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1>
        // Refused here, before a key is resolved for it.
        let alg = jws.header().alg.parse::<Algorithm>()?;
        let encoded_header = jwt.split('.').next().unwrap_or_default();
        let header_bytes = base64url_decode(encoded_header).map_err(|_| {
            Error::malformed("SD-JWT", format!("the {what} header is not base64url"))
        })?;
        let header = object(crate::json::parse(&header_bytes)?, what, "header")?;
        let payload = object(crate::json::parse(jws.payload())?, what, "payload")?;
        // `CompactJws::parse` accepted three parts, each valid base64url.
        let (signing_input, encoded_signature) = jwt.rsplit_once('.').unwrap_or_default();
        let signature = base64url_decode(encoded_signature)
            .map_err(|e| kith_crypto::Error::MalformedJws(format!("signature: {e}")))?;
        Ok(Self {
            signing_input,
            signature,
            alg,
            header,
            payload,
        })
    }

    /// The header's `typ`, if it is a string.
    pub(crate) fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// Verifies the signature with `key`, allowing only [`ALLOWED_ALGORITHMS`]: the
    /// checks of [`CompactJws::verify`], in its order.
    pub(crate) fn verify(&self, key: &PublicKey) -> Result<Algorithm, kith_crypto::Error> {
        let alg = self.alg;
        if alg.key_type() != key.key_type() {
            return Err(kith_crypto::Error::AlgorithmKeyMismatch {
                alg: alg.name(),
                key_type: key.key_type().name(),
            });
        }
        if !ALLOWED_ALGORITHMS.contains(&alg) {
            return Err(kith_crypto::Error::AlgorithmNotAllowed(alg.name()));
        }
        key.verify(alg, self.signing_input.as_bytes(), &self.signature)?;
        Ok(alg)
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

    /// The fast path accepts only what the reference path accepts, with the same result.
    #[test]
    fn plain_path_agrees_with_the_reference_path() {
        use kith_crypto::multibase::base64url_encode;
        let encode = |text: &str| base64url_encode(text.as_bytes());
        let signature = base64url_encode(&[7u8; 64]);
        let headers = [
            r#"{"alg":"EdDSA","typ":"dc+sd-jwt","kid":"did:key:z6Mk#z6Mk"}"#,
            r#"{"alg":"ES256","typ":null,"kid":null,"cty":"x","x-extra":[1,{"a":2}]}"#,
            r#"{"alg":"EdDSA","crit":null}"#,
            r#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#,
            r#"{"alg":"EdDSA","crit":[]}"#,
            r#"{"alg":"EdDSA","b64":false}"#,
            r#"{"alg":"EdDSA","jwk":null}"#,
            r#"{"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}"#,
            r#"{"alg":"EdDSA","jwk":5}"#,
            r#"{"alg":"EdDSA","kid":5}"#,
            r#"{"alg":"EdDSA","typ":["dc+sd-jwt"]}"#,
            r#"{"alg":"EdDSA","alg":"EdDSA"}"#,
            r#"{"alg":"EdDSA","x":1,"x":2}"#,
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":""}"#,
            r#"{"alg":null}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":"EdDSA"} x"#,
            r#"["alg","EdDSA"]"#,
            r#"{"alg":"EdDSA","n":123456789012345678901234}"#,
        ];
        let payloads = [
            r#"{"iss":"x","_sd":["a"]}"#,
            r#"[1]"#,
            r#"{"a":1,"a":2}"#,
            "{",
        ];
        let mut jwts = Vec::new();
        for header in headers {
            for payload in payloads {
                jwts.push(format!(
                    "{}.{}.{signature}",
                    encode(header),
                    encode(payload)
                ));
            }
        }
        let good = format!("{}.{}", encode(headers[0]), encode(payloads[0]));
        jwts.extend([
            good.clone(),
            format!("{good}.{signature}.x"),
            format!("{good}.not*base64"),
            format!("{}.not*base64.{signature}", encode(headers[0])),
            format!("not*base64.{}.{signature}", encode(payloads[0])),
        ]);
        let mut plain = 0;
        for jwt in &jwts {
            let reference = Jwt::parse_reference(jwt, "JWT");
            match Jwt::parse_plain(jwt) {
                Some(fast) => {
                    plain += 1;
                    let reference = reference.expect("the fast path accepted it");
                    assert_eq!(fast.signing_input, reference.signing_input, "{jwt}");
                    assert_eq!(fast.signature, reference.signature, "{jwt}");
                    assert_eq!(fast.alg, reference.alg, "{jwt}");
                    assert_eq!(fast.header, reference.header, "{jwt}");
                    assert_eq!(fast.payload, reference.payload, "{jwt}");
                }
                None => {
                    let parsed = Jwt::parse(jwt, "JWT");
                    match (parsed, reference) {
                        (Ok(_), Ok(_)) => {}
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{jwt}"),
                        (a, b) => panic!("{jwt}: {a:?} / {b:?}"),
                    }
                }
            }
        }
        assert_eq!(plain, 3, "the three plain headers with the object payload");
    }

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
