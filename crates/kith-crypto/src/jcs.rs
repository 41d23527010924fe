//! JSON Canonicalization Scheme (RFC 8785): what eddsa-jcs-2022 / ecdsa-jcs-2019 sign and
//! did:webvh hashes. It lives here, at the bottom of the stack, so kith-did and kith-vc
//! share one canonicalizer.
//!
//! Members sorted by their UTF-16 code units (§3.2.3), strings escaped minimally
//! (§3.2.2.2), numbers in the ECMAScript `Number.prototype.toString` form (§3.2.2.3).

use serde_json::Value;

/// The canonical UTF-8 bytes of `value`.
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out);
    out
}

/// The canonical text of `value`.
pub fn canonicalize_to_string(value: &Value) -> String {
    // Every byte written is valid UTF-8: ASCII punctuation plus copies of Rust strings.
    String::from_utf8(canonicalize(value)).unwrap_or_default()
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            // > sorted ... using the code units of the property names as an array of
            // > UTF-16 code units <https://www.rfc-editor.org/rfc/rfc8785#section-3.2.3>
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, (key, value)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(value, out);
            }
            out.push(b'}');
        }
    }
}

fn write_number(n: &serde_json::Number, out: &mut Vec<u8>) {
    if let Some(i) = n.as_i64() {
        // Integers of at most 2^53 print the same in ECMAScript; bigger ones were
        // refused by the bounded parser, and are written through f64 otherwise.
        if i.unsigned_abs() <= 1 << 53 {
            out.extend_from_slice(i.to_string().as_bytes());
            return;
        }
    } else if let Some(u) = n.as_u64()
        && u <= 1 << 53
    {
        out.extend_from_slice(u.to_string().as_bytes());
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f == 0.0 {
        // -0 serializes as 0 (RFC 8785 §3.2.2.3).
        out.push(b'0');
        return;
    }
    let mut buffer = ryu_js::Buffer::new();
    out.extend_from_slice(buffer.format_finite(f).as_bytes());
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    // Copy runs that need no escaping in one go; only '"', '\\' and controls are escaped
    // (RFC 8785 §3.2.2.2). Every byte that needs escaping is ASCII, so the run
    // boundaries are character boundaries.
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => &[],
            _ => continue,
        };
        out.extend_from_slice(&bytes[run_start..i]);
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        run_start = i + 1;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8785_numbers() {
        for (input, expected) in [
            ("333333333.33333329", "333333333.3333333"),
            ("1E30", "1e+30"),
            ("4.50", "4.5"),
            ("2e-3", "0.002"),
            ("0.000000000000000000000000001", "1e-27"),
            ("-0", "0"),
            // Underflows to the double 0.0 (found by the vc_json fuzz target).
            ("2.5e-900", "0"),
            ("9007199254740992", "9007199254740992"),
            ("1.5e21", "1.5e+21"),
            ("123.456e-10", "1.23456e-8"),
        ] {
            let v: Value = serde_json::from_str(input).unwrap();
            assert_eq!(canonicalize_to_string(&v), expected, "{input}");
        }
    }

    #[test]
    fn escapes_only_what_rfc8785_escapes() {
        let v = Value::String("a\"b\\c\u{8}\u{c}\n\r\t\u{1}\u{1f}é€😂</".into());
        assert_eq!(
            canonicalize_to_string(&v),
            "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001fé€😂</\""
        );
    }

    #[test]
    fn sorts_by_utf16_code_units() {
        // U+10000 (surrogates D800 DC00) sorts before U+FB33 in UTF-16, after it in UTF-8.
        let v: Value = serde_json::from_str("{\"\u{fb33}\":1,\"\u{10000}\":2}").unwrap();
        assert_eq!(
            canonicalize_to_string(&v),
            "{\"\u{10000}\":2,\"\u{fb33}\":1}"
        );
    }
}
