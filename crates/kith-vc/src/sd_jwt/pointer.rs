//! JSON Pointers (RFC 6901): how an issuer names the claims it makes disclosable and
//! how a holder names the claims it discloses.
//!
//! <https://www.rfc-editor.org/rfc/rfc6901>

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::Error;

/// A parsed JSON Pointer: the sequence of its reference tokens, unescaped.
///
/// `""` is the whole document, `/address/street_address` a nested member,
/// `/nationalities/1` the second element of an array. In member names `~1` stands
/// for `/` and `~0` for `~` (RFC 6901 §3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer {
    tokens: Vec<String>,
}

impl Pointer {
    /// The pointer to the whole document (`""`).
    pub fn root() -> Self {
        Self::default()
    }

    /// Parses the string form of a pointer.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.is_empty() {
            return Ok(Self::root());
        }
        // > A JSON Pointer is a Unicode string ... containing a sequence of zero or more
        // > reference tokens, each prefixed by a '/' (%x2F) character.
        // <https://www.rfc-editor.org/rfc/rfc6901#section-3>
        let Some(rest) = text.strip_prefix('/') else {
            return Err(malformed(text, "it must be empty or start with '/'"));
        };
        let tokens = rest
            .split('/')
            .map(|token| {
                unescape(token).ok_or_else(|| malformed(text, "'~' must be followed by '0' or '1'"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { tokens })
    }

    /// The reference tokens, unescaped.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Whether this is the pointer to the whole document.
    pub fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Whether `prefix` names this value or one of its ancestors.
    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        self.tokens.starts_with(&prefix.tokens)
    }

    /// The pointer to the child named `token` (a member name or an array index).
    pub fn child(&self, token: impl Into<String>) -> Pointer {
        let mut tokens = Vec::with_capacity(self.tokens.len() + 1);
        tokens.extend_from_slice(&self.tokens);
        tokens.push(token.into());
        Pointer { tokens }
    }

    pub(crate) fn push(&mut self, token: impl Into<String>) {
        self.tokens.push(token.into());
    }

    pub(crate) fn pop(&mut self) {
        self.tokens.pop();
    }

    /// The value this pointer names in `document`, if there is one.
    pub fn get<'a>(&self, document: &'a Value) -> Option<&'a Value> {
        let mut current = document;
        for token in &self.tokens {
            current = match current {
                Value::Object(members) => members.get(token)?,
                Value::Array(items) => items.get(array_index(token)?)?,
                _ => return None,
            };
        }
        Some(current)
    }
}

/// RFC 6901 §4: an array index is `0` or digits without a leading zero; `-` (the
/// element after the last) names nothing that exists.
pub(crate) fn array_index(token: &str) -> Option<usize> {
    let canonical = token == "0" || (!token.starts_with('0') && !token.is_empty());
    if !canonical || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

fn unescape(token: &str) -> Option<String> {
    if !token.contains('~') {
        return Some(token.to_owned());
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        // > first transforming any occurrence of the sequence '~1' to '/', and then
        // > transforming any occurrence of the sequence '~0' to '~'
        // <https://www.rfc-editor.org/rfc/rfc6901#section-4>
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => return None,
        }
    }
    Some(out)
}

fn malformed(text: &str, reason: &str) -> Error {
    Error::malformed("JSON pointer", format!("{text:?}: {reason} (RFC 6901 §3)"))
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            f.write_str("/")?;
            f.write_str(&token.replace('~', "~0").replace('/', "~1"))?;
        }
        Ok(())
    }
}

impl FromStr for Pointer {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The examples of RFC 6901 §5.
    #[test]
    fn rfc6901_examples() {
        let doc = json!({
            "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3,
            "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8
        });
        let cases = [
            ("", doc.clone()),
            ("/foo", json!(["bar", "baz"])),
            ("/foo/0", json!("bar")),
            ("/", json!(0)),
            ("/a~1b", json!(1)),
            ("/c%d", json!(2)),
            ("/e^f", json!(3)),
            ("/g|h", json!(4)),
            ("/i\\j", json!(5)),
            ("/k\"l", json!(6)),
            ("/ ", json!(7)),
            ("/m~0n", json!(8)),
        ];
        for (text, expected) in cases {
            let pointer = Pointer::parse(text).unwrap();
            assert_eq!(pointer.get(&doc), Some(&expected), "{text}");
            assert_eq!(pointer.to_string(), text, "round trip");
        }
    }

    #[test]
    fn refuses_bad_syntax_and_names_missing_values() {
        for bad in ["foo", "/a~", "/a~2"] {
            assert_eq!(
                Pointer::parse(bad).unwrap_err().code(),
                "malformed",
                "{bad}"
            );
        }
        let doc = json!({"a": [1, 2]});
        for missing in ["/b", "/a/2", "/a/-", "/a/01", "/a/+1", "/a/0/x"] {
            assert_eq!(
                Pointer::parse(missing).unwrap().get(&doc),
                None,
                "{missing}"
            );
        }
    }

    #[test]
    fn prefixes() {
        let a = Pointer::parse("/address").unwrap();
        let b = Pointer::parse("/address/locality").unwrap();
        assert!(b.starts_with(&a) && a.starts_with(&a) && !a.starts_with(&b));
        assert!(a.starts_with(&Pointer::root()));
        assert_eq!(a.child("locality"), b);
    }
}
