//! Bounded JSON: every credential, presentation and proof enters Kith through here.
//!
//! [`parse`] refuses, before building anything large, input over 1 MiB, nesting deeper
//! than 64, duplicate member names (RFC 8259 §4 leaves them undefined; I-JSON, RFC 7493
//! §2.3, forbids them) and numbers that JCS cannot represent exactly (RFC 8785 §3.2.2.3:
//! IEEE-754 doubles; integers beyond 2^53 lose precision).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::Error;

/// Largest JSON document accepted.
pub const MAX_JSON_LEN: usize = 1024 * 1024;
/// Deepest nesting of arrays and objects accepted.
pub const MAX_JSON_DEPTH: usize = 64;
/// Largest integer magnitude a double represents exactly (2^53).
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// Parses untrusted JSON with Kith's limits.
pub fn parse(bytes: &[u8]) -> Result<Value, Error> {
    if bytes.len() > MAX_JSON_LEN {
        return Err(Error::TooLarge {
            what: "JSON document",
            size: bytes.len(),
            limit: MAX_JSON_LEN,
        });
    }
    check_integer_literals(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = BoundedValue { depth: 0 }
        .deserialize(&mut deserializer)
        .map_err(classify)?;
    deserializer.end().map_err(classify)?;
    Ok(value)
}

/// Parses untrusted JSON text with Kith's limits.
pub fn parse_str(text: &str) -> Result<Value, Error> {
    parse(text.as_bytes())
}

/// Whether an integer literal comes back unchanged from the double JCS turns it into
/// (RFC 8785 §3.2.2.3): `9007199254740993` does not (it becomes ...992), while
/// `100000000000000000000`, which is how JCS itself writes 1e20, does.
fn integer_survives_jcs(literal: &str) -> bool {
    match literal.parse::<f64>() {
        Ok(f) if f.is_finite() => ryu_js::Buffer::new().format_finite(f) == literal,
        _ => false,
    }
}

/// Refuses integer literals (no fraction, no exponent) whose value a double cannot hold:
/// a parser silently changes them, so the signed text and the canonical text would
/// differ. Literals with a fraction or exponent are doubles by intent and JCS
/// serializes them exactly. Literals within 64 bits are checked by the visitor; this
/// lexical pass catches the longer ones.
fn check_integer_literals(bytes: &[u8]) -> Result<(), Error> {
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = &bytes[start..i];
            let digits = token.iter().filter(|c| c.is_ascii_digit()).count();
            let integral = !token.iter().any(|c| matches!(c, b'.' | b'e' | b'E'));
            if integral && digits > 15 && !integer_survives_jcs(&String::from_utf8_lossy(token)) {
                return Err(Error::UnrepresentableNumber(format!(
                    "integer {} is beyond 2^53 and does not survive as a double (RFC 8785 §3.2.2.3)",
                    String::from_utf8_lossy(token)
                )));
            }
            continue;
        }
        i += 1;
    }
    Ok(())
}

// Our visitor reports its refusals with these prefixes; everything else is syntax.
const DEPTH: &str = "kith:depth:";
const DUPLICATE: &str = "kith:duplicate:";
const NUMBER: &str = "kith:number:";

fn classify(e: serde_json::Error) -> Error {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix(DEPTH) {
        return Error::TooDeep(strip_position(rest));
    }
    if let Some(rest) = text.strip_prefix(DUPLICATE) {
        return Error::DuplicateMember(strip_position(rest));
    }
    if let Some(rest) = text.strip_prefix(NUMBER) {
        return Error::UnrepresentableNumber(strip_position(rest));
    }
    if text.starts_with("number out of range") {
        return Error::UnrepresentableNumber(text);
    }
    if text.starts_with("recursion limit exceeded") {
        return Error::TooDeep(text);
    }
    Error::MalformedJson(text)
}

fn strip_position(text: &str) -> String {
    text.split(" at line ").next().unwrap_or(text).to_owned()
}

struct BoundedValue {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for BoundedValue {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl BoundedValue {
    fn enter<E: de::Error>(&self) -> Result<BoundedValue, E> {
        if self.depth >= MAX_JSON_DEPTH {
            return Err(E::custom(format_args!(
                "{DEPTH}nesting is deeper than {MAX_JSON_DEPTH} levels"
            )));
        }
        Ok(BoundedValue {
            depth: self.depth + 1,
        })
    }
}

impl<'de> Visitor<'de> for BoundedValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        if v.unsigned_abs() > MAX_SAFE_INTEGER && !integer_survives_jcs(&v.to_string()) {
            return Err(E::custom(format_args!(
                "{NUMBER}integer {v} is beyond 2^53 and does not survive as a double (RFC 8785 §3.2.2.3)"
            )));
        }
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        if v > MAX_SAFE_INTEGER && !integer_survives_jcs(&v.to_string()) {
            return Err(E::custom(format_args!(
                "{NUMBER}integer {v} is beyond 2^53 and does not survive as a double (RFC 8785 §3.2.2.3)"
            )));
        }
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format_args!("{NUMBER}{v} is not a finite number")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(BoundedValue { depth: inner.depth })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if members.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "{DUPLICATE}member name {key:?} appears twice"
                )));
            }
            let value = map.next_value_seed(BoundedValue { depth: inner.depth })?;
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_json() {
        let v = parse(br#"{"a":[1,2.5,"x",null,true,{"b":-9007199254740992}]}"#).unwrap();
        assert_eq!(v["a"][5]["b"], -9007199254740992i64);
    }

    #[test]
    fn refuses_each_hazard_with_its_code() {
        assert_eq!(
            parse(br#"{"a":1,"a":2}"#).unwrap_err().code(),
            "duplicate_member"
        );
        assert_eq!(
            parse(br#"{"x":{"a":1,"b":{"a":1,"a":1}}}"#)
                .unwrap_err()
                .code(),
            "duplicate_member"
        );
        assert_eq!(
            parse(b"9007199254740993").unwrap_err().code(),
            "unrepresentable_number"
        );
        assert_eq!(
            parse(b"1e400").unwrap_err().code(),
            "unrepresentable_number"
        );
        assert_eq!(
            parse(b"[123456789012345678901234567890]")
                .unwrap_err()
                .code(),
            "unrepresentable_number"
        );
        assert!(
            parse(b"[1E30, 4.50, \"123456789012345678901234567890\"]").is_ok(),
            "doubles and strings are fine"
        );
        assert_eq!(
            parse(b"-18446744073709551617").unwrap_err().code(),
            "unrepresentable_number"
        );
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(parse(deep.as_bytes()).unwrap_err().code(), "too_deep");
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200));
        assert_eq!(parse(deep_obj.as_bytes()).unwrap_err().code(), "too_deep");
        assert_eq!(parse(b"{\"a\":1} x").unwrap_err().code(), "malformed_json");
        assert_eq!(
            parse(&vec![b' '; MAX_JSON_LEN + 1]).unwrap_err().code(),
            "too_large"
        );
    }
}
