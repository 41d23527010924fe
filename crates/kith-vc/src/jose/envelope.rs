//! Enveloped credentials: a secured credential carried as a `data:` URL (RFC 2397) in
//! the `id` of an `EnvelopedVerifiableCredential` (VCDM 2.0 §4.13.1).

use base64::Engine as _;
use serde_json::{Value, json};

use crate::Error;
use crate::model::CREDENTIALS_V2_CONTEXT;

/// A secured credential as a presentation carries it, *not verified*: the media type
/// and the serialization from its `data:` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopedCredential {
    /// The media type, lower-case and without parameters: `application/vc+jwt`,
    /// `application/vc+sd-jwt`, `application/dc+sd-jwt`, or [`MEDIA_TYPE_JWT`] for
    /// the bare JWT strings of a VCDM 1.1 presentation.
    ///
    /// [`MEDIA_TYPE_JWT`]: super::MEDIA_TYPE_JWT
    pub media_type: String,
    /// The secured credential itself (a compact JWS, an SD-JWT, ...), decoded from
    /// the URL.
    pub credential: String,
}

/// The `type` of an enveloped credential entry.
const ENVELOPED_TYPE: &str = "EnvelopedVerifiableCredential";

impl EnvelopedCredential {
    /// Reads a `data:` URL: `data:<media type>[;params][;base64],<data>` (RFC 2397 §3).
    /// The media type is required (the RFC's `text/plain` default secures nothing) and
    /// the data must decode to UTF-8 text; binary envelopes (COSE) are not supported.
    pub fn from_data_url(url: &str) -> Result<Self, Error> {
        let malformed = |reason: String| Error::malformed("data: URL", reason);
        let rest = url
            .get(..5)
            .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
            .map(|_| &url[5..])
            .ok_or_else(|| malformed("it does not start with \"data:\"".into()))?;
        let (meta, data) = rest
            .split_once(',')
            .ok_or_else(|| malformed("it has no ',' before the data".into()))?;
        let mut params = meta.split(';');
        let media_type = params
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let base64 = params.any(|p| p.trim().eq_ignore_ascii_case("base64"));
        if media_type
            .split_once('/')
            .is_none_or(|(t, s)| t.is_empty() || s.is_empty())
        {
            return Err(malformed(format!("{media_type:?} is not a media type")));
        }
        let bytes = percent_decode(data).map_err(malformed)?;
        let bytes = if base64 {
            base64::engine::general_purpose::STANDARD
                .decode(&bytes)
                .map_err(|e| malformed(format!("the data is not base64: {e}")))?
        } else {
            bytes
        };
        let credential = String::from_utf8(bytes).map_err(|_| {
            malformed(format!(
                "the {media_type} data is not text (binary envelopes are not supported)"
            ))
        })?;
        Ok(Self {
            media_type,
            credential,
        })
    }

    /// The `data:` URL. Compact JWS and SD-JWT characters are all URL-safe, so the
    /// data is written as is; anything else is percent-encoded.
    pub fn to_data_url(&self) -> String {
        let mut url = format!("data:{},", self.media_type);
        for byte in self.credential.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                url.push(char::from(byte));
            } else {
                url.push_str(&format!("%{byte:02X}"));
            }
        }
        url
    }

    /// The `EnvelopedVerifiableCredential` object that carries this credential
    /// (VCDM 2.0 §4.13.1).
    pub fn to_entry(&self) -> Value {
        // A list, like every other @context: consumers that require the first item to
        // be the base context (VCDM 2.0 §4.3) read it the same way.
        json!({
            "@context": [CREDENTIALS_V2_CONTEXT],
            "id": self.to_data_url(),
            "type": ENVELOPED_TYPE,
        })
    }

    /// Reads one `verifiableCredential` entry of a presentation, which must be an
    /// `EnvelopedVerifiableCredential`:
    /// > The `@context` property of the object MUST be present [...] The `id` value of
    /// > the object MUST be a `data:` URL [RFC2397] that expresses a secured verifiable
    /// > credential [...] The `type` value of the object MUST be `EnvelopedVerifiableCredential`.
    ///
    /// <https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials>
    pub(crate) fn from_entry(entry: &Value) -> Result<Self, Error> {
        let invalid = |reason: String| Error::model("invalid_presentation", reason);
        let types: Vec<&str> = match entry.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.contains(&ENVELOPED_TYPE) {
            // > Credentials in verifiable presentations MUST be secured. In this case,
            // > these credentials are secured using JWS.
            // <https://www.w3.org/TR/vc-jose-cose/#securing-vps-with-jose>
            return Err(invalid(format!(
                "every verifiableCredential of a JWT presentation must be an {ENVELOPED_TYPE}"
            )));
        }
        if entry.get("@context").is_none() {
            return Err(invalid(format!("an {ENVELOPED_TYPE} needs an @context")));
        }
        let id = entry
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("an {ENVELOPED_TYPE} needs an id")))?;
        Self::from_data_url(id).map_err(|e| invalid(format!("{ENVELOPED_TYPE} id: {e}")))
    }
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); a '%' not followed by two hex digits is an error.
fn percent_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-escape at byte {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_round_trip() {
        let env = EnvelopedCredential {
            media_type: "application/vc+jwt".into(),
            credential: "eyJh.eyJi.c2ln".into(),
        };
        assert_eq!(env.to_data_url(), "data:application/vc+jwt,eyJh.eyJi.c2ln");
        assert_eq!(
            EnvelopedCredential::from_data_url(&env.to_data_url()).unwrap(),
            env
        );
        let odd = EnvelopedCredential {
            media_type: "application/vc+sd-jwt".into(),
            credential: "a b,c~%".into(),
        };
        assert_eq!(
            EnvelopedCredential::from_data_url(&odd.to_data_url()).unwrap(),
            odd
        );
    }

    #[test]
    fn data_urls_are_read_strictly() {
        let read = EnvelopedCredential::from_data_url;
        let ok = read("DATA:Application/VC+JWT;charset=utf-8,x.y.z").unwrap();
        assert_eq!(
            (ok.media_type.as_str(), ok.credential.as_str()),
            ("application/vc+jwt", "x.y.z")
        );
        let b64 = read("data:application/vc+jwt;base64,eC55Lno=").unwrap();
        assert_eq!(b64.credential, "x.y.z");
        for bad in [
            "x.y.z",
            "data:application/vc+jwt",
            "data:,x.y.z",
            "data:jwt,x",
            "data:a/b,%zz",
            "data:a/b;base64,AP8=",
        ] {
            assert_eq!(read(bad).unwrap_err().code(), "malformed", "{bad}");
        }
    }

    #[test]
    fn entries_must_be_enveloped() {
        let entry = json!({"@context": CREDENTIALS_V2_CONTEXT, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,a.b.c"});
        assert_eq!(
            EnvelopedCredential::from_entry(&entry).unwrap().credential,
            "a.b.c"
        );
        for bad in [
            json!({"@context": CREDENTIALS_V2_CONTEXT, "type": ["VerifiableCredential"], "id": "data:application/vc+jwt,a.b.c"}),
            json!({"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,a.b.c"}),
            json!({"@context": CREDENTIALS_V2_CONTEXT, "type": "EnvelopedVerifiableCredential", "id": "https://example.com/vc"}),
            json!("a.b.c"),
        ] {
            assert_eq!(
                EnvelopedCredential::from_entry(&bad).unwrap_err().code(),
                "invalid_presentation",
                "{bad}"
            );
        }
    }
}
