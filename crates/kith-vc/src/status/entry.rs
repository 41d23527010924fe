//! `BitstringStatusListEntry` (spec §2.1): the `credentialStatus` object a credential
//! carries, its purposes, and the parser the checker runs on every check.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::Error;

/// The `type` of a status entry (spec §2.1).
pub const ENTRY_TYPE: &str = "BitstringStatusListEntry";

/// What a status list says about a credential (spec §2.1 `statusPurpose`). Kith
/// checks the two purposes that decide validity; `refresh` and `message` (and any
/// other value) parse to `status_purpose_unsupported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    /// `revocation`: cancels the credential; not reversible.
    Revocation,
    /// `suspension`: temporarily prevents acceptance; reversible.
    Suspension,
}

impl StatusPurpose {
    /// The `statusPurpose` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }
}

impl fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusPurpose {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "revocation" => Ok(Self::Revocation),
            "suspension" => Ok(Self::Suspension),
            "refresh" | "message" => Err(Error::model(
                "status_purpose_unsupported",
                format!("statusPurpose {s:?} is defined by the spec but not supported by Kith"),
            )),
            other => Err(Error::model(
                "status_purpose_unsupported",
                format!("statusPurpose {other:?} is unknown"),
            )),
        }
    }
}

/// A parsed `BitstringStatusListEntry`, borrowing from the JSON it came from (so the
/// checker's hot path does not allocate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusEntry<'a> {
    /// `statusPurpose`.
    pub purpose: StatusPurpose,
    /// `statusListIndex`. Values over `u64::MAX` saturate: no list is that long, so
    /// they are out of range all the same.
    pub index: u64,
    /// `statusListIndex` as written (for messages).
    pub index_text: &'a str,
    /// `statusListCredential`, as written. It is parsed as a URL only before a fetch:
    /// the checker's cache is keyed by this exact string.
    pub list_url: &'a str,
}

impl<'a> StatusEntry<'a> {
    /// Validates `entry` (spec §2.1): `type` `BitstringStatusListEntry` (else
    /// `status_type_unsupported`), a supported `statusPurpose` (else
    /// `status_purpose_unsupported`), `statusListIndex` a base-10 string of digits,
    /// `statusListCredential` a string, `statusSize` absent or 1 (a larger one is
    /// `status_size_unsupported`), `id` not the list's URL. Other malformed values are
    /// `invalid_status_entry` (the spec's MALFORMED_VALUE_ERROR, §3).
    pub fn parse(entry: &'a Value) -> Result<Self, Error> {
        let Value::Object(object) = entry else {
            return Err(invalid("a credentialStatus entry must be an object"));
        };
        match object.get("type") {
            Some(Value::String(t)) if t == ENTRY_TYPE => {}
            Some(Value::Array(types)) if types.iter().any(|t| t == ENTRY_TYPE) => {}
            Some(Value::String(_) | Value::Array(_)) => {
                return Err(Error::model(
                    "status_type_unsupported",
                    format!(
                        "credentialStatus type {} is not {ENTRY_TYPE}",
                        object["type"]
                    ),
                ));
            }
            // An SD-JWT VC `status` claim may reference an IETF Token Status List instead.
            None if object.contains_key("status_list") => {
                return Err(Error::model(
                    "status_type_unsupported",
                    "the status claim references an IETF Token Status List (status_list), \
                     not a Bitstring Status List",
                ));
            }
            _ => return Err(invalid("a credentialStatus entry needs a type")),
        }
        let purpose = match object.get("statusPurpose") {
            Some(Value::String(p)) => p.parse::<StatusPurpose>()?,
            _ => return Err(invalid("statusPurpose must be a string")),
        };
        let Some(Value::String(index_text)) = object.get("statusListIndex") else {
            return Err(invalid(
                "statusListIndex must be a string of base-10 digits",
            ));
        };
        let index = parse_index(index_text).ok_or_else(|| {
            invalid(format!(
                "statusListIndex {index_text:?} is not a string of base-10 digits"
            ))
        })?;
        let Some(Value::String(list_url)) = object.get("statusListCredential") else {
            return Err(invalid("statusListCredential must be a URL"));
        };
        if list_url.is_empty() {
            return Err(invalid("statusListCredential must be a URL"));
        }
        match object.get("statusSize") {
            None => {}
            Some(size) if size.as_u64() == Some(1) => {}
            Some(size) if size.as_u64().is_some_and(|s| s > 1) => {
                return Err(Error::model(
                    "status_size_unsupported",
                    format!("statusSize {size} is not supported; Kith reads 1-bit entries"),
                ));
            }
            Some(size) => {
                return Err(invalid(format!(
                    "statusSize must be an integer greater than zero, not {size}"
                )));
            }
        }
        // spec §2.1 `id`: "It MUST NOT be the URL for the status list."
        if object.get("id").and_then(Value::as_str) == Some(list_url.as_str()) {
            return Err(invalid(
                "the entry's id must not be the URL of the status list",
            ));
        }
        Ok(Self {
            purpose,
            index,
            index_text,
            list_url,
        })
    }

    /// `statusListCredential` as a URL (`invalid_status_entry` when it is not one).
    pub fn url(&self) -> Result<url::Url, Error> {
        url::Url::parse(self.list_url).map_err(|e| {
            invalid(format!(
                "statusListCredential {:?} is not a URL: {e}",
                self.list_url
            ))
        })
    }
}

/// spec §2.1 `statusListIndex`: "an arbitrary size integer greater than or equal to 0,
/// expressed as a string in base 10". `None` unless all ASCII digits; saturates.
fn parse_index(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut index: u64 = 0;
    for b in text.bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        index = index.saturating_mul(10).saturating_add(u64::from(digit));
    }
    Some(index)
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::model("invalid_status_entry", detail)
}

/// The `credentialStatus` entry for entry `index` of the list published at `list_url`
/// (spec §2.1): `id` `<list_url>#<index>`, `statusListIndex` as a base-10 string.
pub fn status_entry(list_url: &str, purpose: StatusPurpose, index: u64) -> Value {
    json!({
        "id": format!("{list_url}#{index}"),
        "type": ENTRY_TYPE,
        "statusPurpose": purpose.as_str(),
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

/// The `type` of a status list credential (spec §2.2).
pub const LIST_CREDENTIAL_TYPE: &str = "BitstringStatusListCredential";
/// The `type` of a status list credential's subject (spec §2.2).
pub const LIST_TYPE: &str = "BitstringStatusList";

/// The unsigned status list credential for `list`, to be published at `list_url`
/// (spec §2.2, §3.1 steps 2–4): a VCDM 2.0 credential with `id` `list_url`, type
/// `BitstringStatusListCredential`, and a `BitstringStatusList` subject `<list_url>#list`
/// carrying `statusPurpose`, `encodedList` and, when given, `ttl` in milliseconds.
/// The caller adds `validUntil` if it wants one, then secures it (spec §3.1 step 5).
pub fn status_list_credential(
    list_url: &str,
    issuer: &str,
    purpose: StatusPurpose,
    list: &super::BitstringStatusList,
    valid_from: time::OffsetDateTime,
    ttl_ms: Option<u64>,
) -> Value {
    let mut subject = json!({
        "id": format!("{list_url}#list"),
        "type": LIST_TYPE,
        "statusPurpose": purpose.as_str(),
        "encodedList": list.encode(),
    });
    if let Some(ttl) = ttl_ms {
        subject["ttl"] = json!(ttl);
    }
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": crate::datetime::format_date_time(valid_from),
        "credentialSubject": subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: &str) -> Value {
        json!({
            "id": "https://example.com/status/3#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": index,
            "statusListCredential": "https://example.com/status/3"
        })
    }

    #[test]
    fn the_spec_example_entry_parses() {
        let value = entry("94567");
        let parsed = StatusEntry::parse(&value).unwrap();
        assert_eq!(parsed.purpose, StatusPurpose::Revocation);
        assert_eq!(parsed.index, 94567);
        assert_eq!(parsed.list_url, "https://example.com/status/3");
        assert_eq!(
            parsed.url().unwrap().as_str(),
            "https://example.com/status/3"
        );
    }

    #[test]
    fn indexes_are_base_10_digit_strings() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("007"), Some(7));
        assert_eq!(parse_index("99999999999999999999999"), Some(u64::MAX));
        for bad in ["", "-1", "+1", " 1", "1 ", "0x10", "1e3", "1.0", "١"] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
            assert_eq!(
                StatusEntry::parse(&entry(bad)).unwrap_err().code(),
                "invalid_status_entry",
                "{bad:?}"
            );
        }
        let mut number = entry("1");
        number["statusListIndex"] = json!(1);
        assert_eq!(
            StatusEntry::parse(&number).unwrap_err().code(),
            "invalid_status_entry"
        );
    }

    #[test]
    fn each_rule_has_its_code() {
        let cases: [(&str, Value, &str); 8] = [
            (
                "type",
                json!("StatusList2021Entry"),
                "status_type_unsupported",
            ),
            ("type", json!(null), "invalid_status_entry"),
            (
                "statusPurpose",
                json!("message"),
                "status_purpose_unsupported",
            ),
            (
                "statusPurpose",
                json!("refresh"),
                "status_purpose_unsupported",
            ),
            ("statusSize", json!(2), "status_size_unsupported"),
            ("statusSize", json!(0), "invalid_status_entry"),
            ("statusListCredential", json!(7), "invalid_status_entry"),
            (
                "id",
                json!("https://example.com/status/3"),
                "invalid_status_entry",
            ),
        ];
        for (member, value, code) in cases {
            let mut e = entry("1");
            e[member] = value;
            assert_eq!(StatusEntry::parse(&e).unwrap_err().code(), code, "{member}");
        }
        let mut e = entry("1");
        e["statusSize"] = json!(1);
        e["type"] = json!(["BitstringStatusListEntry"]);
        assert!(StatusEntry::parse(&e).is_ok());
        assert_eq!(
            StatusEntry::parse(&json!([])).unwrap_err().code(),
            "invalid_status_entry"
        );
    }

    #[test]
    fn the_builder_output_parses_back() {
        let value = status_entry(
            "https://issuer.example/status/1",
            StatusPurpose::Suspension,
            42,
        );
        assert_eq!(value["id"], "https://issuer.example/status/1#42");
        let parsed = StatusEntry::parse(&value).unwrap();
        assert_eq!(
            (parsed.purpose, parsed.index),
            (StatusPurpose::Suspension, 42)
        );
    }
}
