//! The did:webvh method-specific identifier and the DID-to-HTTPS transformation.
//!
//! <https://identity.foundation/didwebvh/v1.0/#method-specific-identifier>
//! <https://identity.foundation/didwebvh/v1.0/#the-did-to-https-transformation>

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use url::Url;

use super::WebvhError;
use super::crypto::is_sha256_multihash;
use crate::Did;

/// Characters escaped in a path segment of the log URL: all but RFC 3986 unreserved.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A did:webvh DID taken apart and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebvhDid {
    /// The self-certifying identifier (first segment).
    pub scid: String,
    /// The host, lowercase ASCII (IDNA applied).
    pub host: String,
    /// The port, when the DID names one (`%3A` in the DID).
    pub port: Option<u16>,
    /// The decoded deployment path segments.
    pub path: Vec<String>,
}

fn invalid(reason: impl Into<String>) -> WebvhError {
    WebvhError::InvalidDid(reason.into())
}

/// Percent-decodes `s` exactly once, refusing malformed escapes and non-UTF-8.
fn decode_once(s: &str, what: &str) -> Result<String, WebvhError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok = bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit();
            if !ok {
                return Err(invalid(format!(
                    "{what} {s:?} has a malformed percent-escape"
                )));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| invalid(format!("{what} {s:?} is not UTF-8 once decoded")))
}

/// Parses and validates a did:webvh DID (the DID, without path, query or fragment).
pub fn parse_did(did: &Did) -> Result<WebvhDid, WebvhError> {
    if did.method() != "webvh" {
        return Err(invalid(format!("{did} is not a did:webvh DID")));
    }
    let mut parts = did.method_specific_id().split(':');
    let scid = parts.next().unwrap_or_default();
    if scid.len() != 46 || !is_sha256_multihash(scid) {
        return Err(invalid(format!(
            "SCID {scid:?} is not a base58btc SHA-256 multihash of 46 characters"
        )));
    }
    let domain = parts
        .next()
        .ok_or_else(|| invalid("the DID names no domain"))?;
    let (host, port) = parse_domain(domain)?;
    let path = parts
        .map(|segment| {
            let decoded = decode_once(segment, "path segment")?;
            let bad = decoded.is_empty()
                || decoded == "."
                || decoded == ".."
                || decoded.contains(['/', '\\', '\0'])
                || decoded.starts_with(char::is_whitespace)
                || decoded.ends_with(char::is_whitespace);
            if bad {
                return Err(invalid(format!("path segment {segment:?} is not allowed")));
            }
            Ok(decoded)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WebvhDid {
        scid: scid.to_owned(),
        host,
        port,
        path,
    })
}

fn parse_domain(encoded: &str) -> Result<(String, Option<u16>), WebvhError> {
    // A `%3A` (either case) followed by 1-5 digits at the end is the port; any other
    // percent-encoded colon in the domain is refused.
    let lower = encoded.to_ascii_lowercase();
    let (name, port) = match lower.rfind("%3a") {
        Some(at) => {
            let digits = &encoded[at + 3..];
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(invalid(format!("{encoded:?} has a malformed port")));
            }
            let port: u32 = digits.parse().unwrap_or(0);
            if port == 0 || port > 65535 {
                return Err(invalid(format!("port {digits} is out of range")));
            }
            (&encoded[..at], Some(port as u16))
        }
        None => (encoded, None),
    };
    if name.to_ascii_lowercase().contains("%3a") {
        return Err(invalid("the domain has more than one port separator"));
    }
    let decoded = decode_once(name, "domain")?;
    if decoded.contains(':') || decoded.contains('%') {
        return Err(invalid(format!("domain {decoded:?} is not a domain name")));
    }
    // IDNA processing (UTS #46) and IP-literal detection, as a URL parser would do.
    let host = match url::Host::parse(&decoded) {
        Ok(url::Host::Domain(d)) => d,
        Ok(_) => {
            return Err(invalid(format!(
                "did:webvh must name a domain, not the IP address {decoded}"
            )));
        }
        Err(e) => return Err(invalid(format!("domain {decoded:?}: {e}"))),
    };
    let labels: Vec<&str> = host.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.len() > 253 || labels.len() < 2 || !labels.iter().all(valid_label) {
        return Err(invalid(format!(
            "{host:?} is not a fully qualified domain name"
        )));
    }
    Ok((host, port))
}

impl WebvhDid {
    fn base(&self, scheme: &str) -> String {
        let mut text = format!("{scheme}://{}", self.host);
        if let Some(port) = self.port {
            text.push_str(&format!(":{port}"));
        }
        for segment in &self.path {
            text.push('/');
            text.extend(utf8_percent_encode(segment, PATH_SEGMENT));
        }
        text
    }

    fn file_url(&self, scheme: &str, file: &str) -> Result<Url, WebvhError> {
        let mut text = self.base(scheme);
        if self.path.is_empty() {
            text.push_str("/.well-known");
        }
        text.push('/');
        text.push_str(file);
        Url::parse(&text).map_err(|e| invalid(format!("cannot form a URL: {e}")))
    }

    /// The URL of `did.jsonl` (`https://host/.well-known/did.jsonl` without a path).
    pub fn log_url(&self, scheme: &str) -> Result<Url, WebvhError> {
        self.file_url(scheme, "did.jsonl")
    }

    /// The URL of `did-witness.json`, beside `did.jsonl`.
    pub fn witness_url(&self, scheme: &str) -> Result<Url, WebvhError> {
        self.file_url(scheme, "did-witness.json")
    }

    /// The endpoint of the implicit `#files` service: the log's directory without
    /// `.well-known`, ending in `/` (v1.0 "DID URL Path Resolution").
    pub fn files_endpoint(&self) -> String {
        let mut text = self.base("https");
        text.push('/');
        text
    }

    /// The DID string for `scid` at this location, port as `%3A`.
    pub fn did_string(&self, scid: &str) -> String {
        let mut text = format!("did:webvh:{scid}:{}", self.host);
        if let Some(port) = self.port {
            text.push_str(&format!("%3A{port}"));
        }
        for segment in &self.path {
            text.push(':');
            text.extend(utf8_percent_encode(segment, PATH_SEGMENT));
        }
        text
    }
}

/// A placeholder SCID that passes the syntax check, for validating a location before
/// the real SCID is known.
pub(crate) const SYNTAX_SCID: &str = "QmPFhMuZH9gjY2JZgyyrgRuFTywQ4mDhoKGVoGE8uy7hFD";

/// Validates a domain (optional `:port`) and `a/b` path for a new DID.
pub(crate) fn location(domain: &str, path: Option<&str>) -> Result<WebvhDid, WebvhError> {
    let domain = domain.replacen(':', "%3A", 1);
    let mut text = format!("did:webvh:{SYNTAX_SCID}:{domain}");
    for segment in path.unwrap_or("").split('/').filter(|s| !s.is_empty()) {
        text.push(':');
        text.extend(utf8_percent_encode(segment, PATH_SEGMENT));
    }
    let did = Did::parse(&text).map_err(|e| invalid(e.to_string()))?;
    parse_did(&did)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCID: &str = SYNTAX_SCID;

    fn url_of(msid: &str) -> Result<String, WebvhError> {
        let did = Did::parse(&format!("did:webvh:{SCID}:{msid}")).unwrap();
        Ok(parse_did(&did)?.log_url("https")?.to_string())
    }

    #[test]
    fn spec_transformation_examples() {
        for (msid, url) in [
            ("example.com", "https://example.com/.well-known/did.jsonl"),
            (
                "issuer.example.com",
                "https://issuer.example.com/.well-known/did.jsonl",
            ),
            (
                "example.com:dids:issuer",
                "https://example.com/dids/issuer/did.jsonl",
            ),
            (
                "example.com%3A3000:dids:issuer",
                "https://example.com:3000/dids/issuer/did.jsonl",
            ),
            (
                "example.com%3a3000",
                "https://example.com:3000/.well-known/did.jsonl",
            ),
        ] {
            assert_eq!(url_of(msid).unwrap(), url, "{msid}");
        }
    }

    #[test]
    fn hostile_identifiers_are_invalid_did() {
        for msid in [
            "127.0.0.1",
            "127%2E0%2E0%2E1",
            "127%2e0%2e0%2e1",
            "169%2E254%2E169%2E254",
            "127.0.0.1%3a8080",
            "example.com:..:..:admin",
            "example.com:%2E%2E:admin",
            "example.com:%2e%2e:admin",
            "example.com:a%2Fb",
            "example.com:a%5Cb",
            "example.com:%20a",
            "localhost",
            "example.com%3A0",
            "example.com%3A70000",
            "exa%3Ample.com%3A80",
            "0x7f.1",
        ] {
            let err = url_of(msid).unwrap_err();
            assert_eq!(err.code(), "webvh_invalid_did", "{msid}");
            assert_eq!(err.resolution_error(), "invalidDid", "{msid}");
        }
        let bad_scid =
            Did::parse("did:webvh:Qm0000000000000000000000000000000000000000000000:example.com")
                .unwrap();
        assert!(parse_did(&bad_scid).is_err());
    }

    #[test]
    fn location_round_trips() {
        let loc = location("Example.com:8443", Some("users/alice")).unwrap();
        assert_eq!(
            loc.did_string(SCID),
            format!("did:webvh:{SCID}:example.com%3A8443:users:alice")
        );
        assert_eq!(
            loc.files_endpoint(),
            "https://example.com:8443/users/alice/"
        );
    }
}
