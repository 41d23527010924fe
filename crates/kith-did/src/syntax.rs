//! DIDs and DID URLs, parsed strictly by the DID Core ABNF.
//!
//! ```text
//! did                = "did:" method-name ":" method-specific-id
//! method-name        = 1*method-char
//! method-char        = %x61-7A / DIGIT
//! method-specific-id = *( *idchar ":" ) 1*idchar
//! idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
//! did-url            = did path-abempty [ "?" query ] [ "#" fragment ]
//! ```
//! <https://www.w3.org/TR/did-core/#did-syntax>, <https://www.w3.org/TR/did-core/#did-url-syntax>

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Longest DID or DID URL accepted, checked before parsing.
pub const MAX_DID_URL_LEN: usize = 8 * 1024;

/// A decentralized identifier, validated.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did {
    text: String,
    /// Byte index of the ':' that ends the method name.
    method_end: usize,
}

impl Did {
    /// Parses a DID.
    pub fn parse(text: &str) -> Result<Self, Error> {
        check_len(text, "DID")?;
        let method_end = parse_did_prefix(text, Error::InvalidDid)?;
        let id = &text[method_end + 1..];
        check_method_specific_id(id, Error::InvalidDid)?;
        Ok(Self {
            text: text.to_owned(),
            method_end,
        })
    }

    /// The DID as a string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The method name (`key` in `did:key:z6Mk...`).
    pub fn method(&self) -> &str {
        &self.text[4..self.method_end]
    }

    /// The method-specific identifier, still percent-encoded.
    pub fn method_specific_id(&self) -> &str {
        &self.text[self.method_end + 1..]
    }

    /// A DID URL naming `#fragment` in this DID's document.
    pub fn with_fragment(&self, fragment: &str) -> Result<DidUrl, Error> {
        DidUrl::parse(&format!("{}#{fragment}", self.text))
    }
}

fn check_len(text: &str, what: &'static str) -> Result<(), Error> {
    if text.len() > MAX_DID_URL_LEN {
        return Err(Error::TooLarge {
            what,
            size: text.len(),
            limit: MAX_DID_URL_LEN,
        });
    }
    Ok(())
}

/// Checks `did:method:` and returns the index of the colon after the method name.
fn parse_did_prefix(text: &str, err: fn(String) -> Error) -> Result<usize, Error> {
    let rest = text
        .strip_prefix("did:")
        .ok_or_else(|| err("must start with \"did:\"".into()))?;
    let method_len = rest
        .find(':')
        .ok_or_else(|| err("missing ':' after the method name".into()))?;
    let method = &rest[..method_len];
    if method.is_empty() {
        return Err(err("the method name is empty".into()));
    }
    if let Some(bad) = method
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(err(format!(
            "method name may hold only a-z and 0-9, found {bad:?}"
        )));
    }
    Ok(4 + method_len)
}

fn check_method_specific_id(id: &str, err: fn(String) -> Error) -> Result<(), Error> {
    if id.is_empty() {
        return Err(err("the method-specific id is empty".into()));
    }
    if id.ends_with(':') {
        return Err(err("the method-specific id must not end with ':'".into()));
    }
    check_chars(id, err, "method-specific id", |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')
    })
}

/// Checks that every byte is allowed or part of a `%XX` escape.
fn check_chars(
    text: &str,
    err: fn(String) -> Error,
    part: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), Error> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
            if hex.is_none() {
                return Err(err(format!(
                    "{part} has a '%' at byte {i} not followed by two hex digits"
                )));
            }
            i += 3;
            continue;
        }
        if !c.is_ascii() || !allowed(c) {
            let shown = text[i..].chars().next().unwrap_or(c);
            return Err(err(format!("{part} may not contain {shown:?} (byte {i})")));
        }
        i += 1;
    }
    Ok(())
}

/// RFC 3986 `pchar` minus `%`, which [`check_chars`] handles.
fn is_pchar(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | ':'
                | '@'
        )
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Did({})", self.text)
    }
}

impl FromStr for Did {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl Serialize for Did {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Did {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A DID URL: a DID with optional path, query and fragment, validated.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DidUrl {
    did: Did,
    text: String,
    path: Range<usize>,
    query: Option<Range<usize>>,
    fragment: Option<Range<usize>>,
}

impl DidUrl {
    /// Parses a DID URL.
    pub fn parse(text: &str) -> Result<Self, Error> {
        check_len(text, "DID URL")?;
        let method_end = parse_did_prefix(text, Error::InvalidDidUrl)?;
        let did_end = text[method_end + 1..]
            .find(['/', '?', '#'])
            .map_or(text.len(), |i| method_end + 1 + i);
        check_method_specific_id(&text[method_end + 1..did_end], Error::InvalidDidUrl)?;

        let fragment_start = text[did_end..].find('#').map(|i| did_end + i);
        let before_fragment = fragment_start.unwrap_or(text.len());
        let query_start = text[did_end..before_fragment]
            .find('?')
            .map(|i| did_end + i);
        let path = did_end..query_start.unwrap_or(before_fragment);
        let query = query_start.map(|q| q + 1..before_fragment);
        let fragment = fragment_start.map(|f| f + 1..text.len());

        check_chars(&text[path.clone()], Error::InvalidDidUrl, "path", |c| {
            is_pchar(c) || c == '/'
        })?;
        for (part, range) in [("query", &query), ("fragment", &fragment)] {
            if let Some(range) = range {
                check_chars(&text[range.clone()], Error::InvalidDidUrl, part, |c| {
                    is_pchar(c) || c == '/' || c == '?'
                })?;
            }
        }
        Ok(Self {
            did: Did {
                text: text[..did_end].to_owned(),
                method_end,
            },
            text: text.to_owned(),
            path,
            query,
            fragment,
        })
    }

    /// Resolves a relative DID URL (`#key-1`, `?service=x`, `/path`) against `base`,
    /// or parses an absolute one (DID Core §3.2.2).
    pub fn resolve_relative(base: &Did, reference: &str) -> Result<Self, Error> {
        if reference.starts_with("did:") {
            Self::parse(reference)
        } else if reference.starts_with(['#', '?', '/']) {
            Self::parse(&format!("{base}{reference}"))
        } else {
            Err(Error::InvalidDidUrl(format!(
                "{reference:?} is neither a DID URL nor a relative reference starting with '#', '?' or '/'"
            )))
        }
    }

    /// The DID part.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The whole DID URL.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path (`""` when absent), still percent-encoded.
    pub fn path(&self) -> &str {
        &self.text[self.path.clone()]
    }

    /// The query without `?`, if any.
    pub fn query(&self) -> Option<&str> {
        self.query.clone().map(|r| &self.text[r])
    }

    /// The fragment without `#`, if any.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.clone().map(|r| &self.text[r])
    }

    /// A query parameter's value, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }
}

impl fmt::Display for DidUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for DidUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DidUrl({})", self.text)
    }
}

impl FromStr for DidUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl Serialize for DidUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DidUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_did_core_examples() {
        let did = Did::parse("did:example:123456789abcdefghi").unwrap();
        assert_eq!(did.method(), "example");
        assert_eq!(did.method_specific_id(), "123456789abcdefghi");
        let url =
            DidUrl::parse("did:example:123/path/to?versionId=1&service=agent#keys-1").unwrap();
        assert_eq!(url.did().as_str(), "did:example:123");
        assert_eq!(url.path(), "/path/to");
        assert_eq!(url.query(), Some("versionId=1&service=agent"));
        assert_eq!(url.fragment(), Some("keys-1"));
        assert_eq!(url.query_param("service").as_deref(), Some("agent"));
        let web = Did::parse("did:web:example.com%3A8443:user:alice").unwrap();
        assert_eq!(web.method_specific_id(), "example.com%3A8443:user:alice");
        assert!(
            Did::parse("did:example::abc").is_ok(),
            "empty inner segments are allowed"
        );
    }

    #[test]
    fn refuses_what_the_abnf_refuses() {
        for bad in [
            "",
            "did:",
            "did::abc",
            "did:Example:abc",
            "did:ex-ample:abc",
            "did:example:",
            "did:example:abc:",
            "did:example:a b",
            "did:example:a%zz",
            "did:example:a%4",
            "did:example:a/b",
            "did:example:ä",
            "DID:example:abc",
            "did:example",
        ] {
            let err = Did::parse(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_did", "{bad:?} gave {err}");
        }
        for bad in [
            "did:example:abc#a#b",
            "did:example:abc/ä",
            "did:example:abc?q=%",
        ] {
            assert_eq!(
                DidUrl::parse(bad).unwrap_err().code(),
                "invalid_did_url",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let long = format!("did:example:{}", "a".repeat(MAX_DID_URL_LEN));
        assert_eq!(Did::parse(&long).unwrap_err().code(), "too_large");
        assert_eq!(DidUrl::parse(&long).unwrap_err().code(), "too_large");
    }

    #[test]
    fn relative_references_resolve_against_the_did() {
        let base = Did::parse("did:example:123").unwrap();
        let url = DidUrl::resolve_relative(&base, "#key-1").unwrap();
        assert_eq!(url.as_str(), "did:example:123#key-1");
        assert!(DidUrl::resolve_relative(&base, "key-1").is_err());
    }
}
