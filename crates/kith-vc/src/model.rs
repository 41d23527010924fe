//! The Verifiable Credentials Data Model: credentials and presentations, validated
//! against the VCDM 2.0 MUSTs (and read in their VCDM 1.1 form), keeping the full JSON.
//!
//! <https://www.w3.org/TR/vc-data-model-2.0/>

use std::collections::HashSet;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::Error;
use crate::datetime::property_time;

/// The base context of VCDM 2.0.
pub const CREDENTIALS_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The base context of VCDM 1.1.
pub const CREDENTIALS_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";

/// The data model version of a credential or presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// VCDM 2.0 (`validFrom` / `validUntil`).
    V2,
    /// VCDM 1.1 (`issuanceDate` / `expirationDate`).
    V1,
}

/// A validated verifiable credential (without regard to how it is secured).
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    json: Map<String, Value>,
    version: Version,
}

fn as_object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| {
        Error::model(
            "invalid_credential",
            format!("{what} must be a JSON object"),
        )
    })
}

/// A string or an array of strings, as `type` and `@context` allow.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// One object or an array of objects.
fn objects(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn is_url(text: &str) -> bool {
    url::Url::parse(text).is_ok()
}

fn check_url(name: &str, value: &Value) -> Result<(), Error> {
    match value.as_str() {
        Some(text) if is_url(text) => Ok(()),
        _ => Err(Error::model(
            "invalid_id",
            format!("{name} must be a URL, got {value}"),
        )),
    }
}

/// `@context`: an array whose first item is the base context (VCDM 2.0 §4.3).
fn check_context(json: &Map<String, Value>) -> Result<Version, Error> {
    let context = json
        .get("@context")
        .ok_or_else(|| Error::model("invalid_context", "@context is missing"))?;
    let first = match context {
        Value::Array(items) => items.first(),
        // VCDM 1.1 allowed a bare string; 2.0 requires an ordered set.
        single @ Value::String(_) => Some(single),
        _ => None,
    };
    let version = match first.and_then(Value::as_str) {
        Some(CREDENTIALS_V2_CONTEXT) => Version::V2,
        Some(CREDENTIALS_V1_CONTEXT) => Version::V1,
        other => {
            return Err(Error::model(
                "invalid_context",
                format!(
                    "the first @context must be {CREDENTIALS_V2_CONTEXT} (or the VCDM 1.1 context), got {}",
                    other.unwrap_or("nothing")
                ),
            ));
        }
    };
    for item in context.as_array().into_iter().flatten() {
        match item {
            Value::String(url) if is_url(url) => {}
            Value::Object(_) => {}
            other => {
                return Err(Error::model(
                    "invalid_context",
                    format!("@context items must be URLs or objects, got {other}"),
                ));
            }
        }
    }
    Ok(version)
}

fn check_type(json: &Map<String, Value>, required: &str) -> Result<(), Error> {
    let types = json.get("type").map(strings).unwrap_or_default();
    if !types.contains(&required) {
        return Err(Error::model(
            "invalid_type",
            format!("type must include {required:?}"),
        ));
    }
    Ok(())
}

/// Whether `value` is a string or a non-empty list of strings (§4.5).
fn is_type_value(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_string),
        _ => false,
    }
}

/// `name` and `description` of the credential and of its issuer: a string, a language
/// value object (`@value`, `@language`, `@direction` only), or a list of them (§4.6).
fn check_names_and_descriptions(json: &Map<String, Value>) -> Result<(), Error> {
    let holders = std::iter::once(("", Some(json))).chain(std::iter::once((
        "issuer.",
        json.get("issuer").and_then(Value::as_object),
    )));
    for (prefix, holder) in holders {
        let Some(holder) = holder else { continue };
        for property in ["name", "description"] {
            let Some(value) = holder.get(property) else {
                continue;
            };
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for value in values {
                let ok = match value {
                    Value::String(_) => true,
                    Value::Object(object) => {
                        object.get("@value").is_some_and(Value::is_string)
                            && object.keys().all(|k| {
                                matches!(k.as_str(), "@value" | "@language" | "@direction")
                            })
                            && ["@language", "@direction"]
                                .iter()
                                .all(|k| object.get(*k).is_none_or(Value::is_string))
                    }
                    _ => false,
                };
                if !ok {
                    return Err(Error::model(
                        "invalid_language_value",
                        format!(
                            "{prefix}{property} must be a string or a language value object with only @value, @language and @direction"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Properties whose objects each need a `type` (VCDM 2.0 §4.10–4.13, §5.6).
const TYPED_PROPERTIES: [&str; 5] = [
    "credentialStatus",
    "credentialSchema",
    "refreshService",
    "termsOfUse",
    "evidence",
];

impl Credential {
    /// Validates `value` as a credential.
    pub fn from_json(value: Value) -> Result<Self, Error> {
        let Value::Object(json) = value else {
            return Err(Error::model(
                "invalid_credential",
                "a credential must be a JSON object",
            ));
        };
        let version = check_context(&json)?;
        check_type(&json, "VerifiableCredential")?;
        if let Some(id) = json.get("id") {
            check_url("id", id)?;
        }
        // issuer: a URL, or an object with an id that is a URL (§4.7).
        match json.get("issuer") {
            Some(Value::String(_)) => check_url("issuer", &json["issuer"])?,
            Some(Value::Object(issuer)) => {
                check_url("issuer.id", issuer.get("id").unwrap_or(&Value::Null))?
            }
            _ => {
                return Err(Error::model(
                    "invalid_issuer",
                    "issuer must be a URL or an object with an id",
                ));
            }
        }
        // credentialSubject: one or more objects, each saying something (§4.8).
        let subjects = json
            .get("credentialSubject")
            .map(objects)
            .unwrap_or_default();
        if subjects.is_empty() {
            return Err(Error::model(
                "missing_subject",
                "credentialSubject is missing or empty",
            ));
        }
        for subject in subjects {
            let subject = as_object(subject, "credentialSubject").map_err(|_| {
                Error::model("missing_subject", "credentialSubject must hold objects")
            })?;
            if subject.is_empty() {
                return Err(Error::model(
                    "missing_subject",
                    "a credentialSubject object is empty",
                ));
            }
            if let Some(id) = subject.get("id") {
                check_url("credentialSubject.id", id)?;
            }
        }
        match version {
            Version::V2 => {
                for name in ["validFrom", "validUntil"] {
                    if let Some(value) = json.get(name) {
                        let text = value.as_str().ok_or_else(|| {
                            Error::model("invalid_date", format!("{name} must be a string"))
                        })?;
                        property_time(name, text)?;
                    }
                }
            }
            Version::V1 => {
                let issued = json
                    .get("issuanceDate")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Error::model("invalid_date", "a VCDM 1.1 credential needs issuanceDate")
                    })?;
                property_time("issuanceDate", issued)?;
                if let Some(value) = json.get("expirationDate") {
                    property_time("expirationDate", value.as_str().unwrap_or_default())?;
                }
            }
        }
        for name in TYPED_PROPERTIES {
            for item in json.get(name).map(objects).unwrap_or_default() {
                let item = as_object(item, name)?;
                // §4.5: a type value is a string or a list of strings.
                match item.get("type") {
                    None => {
                        return Err(Error::model(
                            "missing_type",
                            format!("every {name} needs a type"),
                        ));
                    }
                    Some(t) if !is_type_value(t) => {
                        return Err(Error::model(
                            "invalid_type",
                            format!("{name}.type must be a string or a list of strings, got {t}"),
                        ));
                    }
                    Some(_) => {}
                }
                if let Some(id) = item.get("id") {
                    check_url(&format!("{name}.id"), id)?;
                } else if name == "credentialSchema" {
                    // §4.11: "id: The value of the id property MUST be a URL".
                    return Err(Error::model(
                        "invalid_credential_schema",
                        "every credentialSchema needs an id (the schema's URL)",
                    ));
                }
            }
        }
        if let Some(related) = json.get("relatedResource") {
            check_related_resources(related)?;
        }
        check_names_and_descriptions(&json)?;
        Ok(Self { json, version })
    }

    /// The data model version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The full JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The full JSON, owned.
    pub fn into_json(self) -> Value {
        Value::Object(self.json)
    }

    /// The issuer's id.
    pub fn issuer(&self) -> &str {
        match &self.json["issuer"] {
            Value::String(s) => s,
            Value::Object(o) => o.get("id").and_then(Value::as_str).unwrap_or_default(),
            _ => "",
        }
    }

    /// The credential's types.
    pub fn types(&self) -> Vec<&str> {
        self.json.get("type").map(strings).unwrap_or_default()
    }

    /// The subjects.
    pub fn subjects(&self) -> Vec<&Value> {
        self.json
            .get("credentialSubject")
            .map(objects)
            .unwrap_or_default()
    }

    /// Start of validity: `validFrom` (2.0) or `issuanceDate` (1.1).
    pub fn valid_from(&self) -> Option<OffsetDateTime> {
        let name = match self.version {
            Version::V2 => "validFrom",
            Version::V1 => "issuanceDate",
        };
        self.time(name)
    }

    /// End of validity: `validUntil` (2.0) or `expirationDate` (1.1).
    pub fn valid_until(&self) -> Option<OffsetDateTime> {
        let name = match self.version {
            Version::V2 => "validUntil",
            Version::V1 => "expirationDate",
        };
        self.time(name)
    }

    fn time(&self, name: &str) -> Option<OffsetDateTime> {
        let text = self.json.get(name)?.as_str()?;
        crate::datetime::parse_date_time_stamp(text).ok()
    }

    /// The `credentialStatus` entries.
    pub fn status_entries(&self) -> Vec<&Value> {
        self.json
            .get("credentialStatus")
            .map(objects)
            .unwrap_or_default()
    }

    /// The `credentialSchema` entries.
    pub fn schemas(&self) -> Vec<&Value> {
        self.json
            .get("credentialSchema")
            .map(objects)
            .unwrap_or_default()
    }
}

/// `relatedResource` (VCDM 2.0 §5.3): objects with a URL `id`, unique ids, and a
/// `digestSRI` or `digestMultibase`.
fn check_related_resources(value: &Value) -> Result<(), Error> {
    let mut ids = HashSet::new();
    for item in objects(value) {
        let item = as_object(item, "relatedResource").map_err(|_| {
            Error::model(
                "invalid_related_resource",
                "relatedResource entries must be objects",
            )
        })?;
        let id = item.get("id").and_then(Value::as_str).ok_or_else(|| {
            Error::model(
                "invalid_related_resource",
                "every relatedResource needs an id",
            )
        })?;
        if !is_url(id) {
            return Err(Error::model(
                "invalid_related_resource",
                format!("relatedResource id {id:?} is not a URL"),
            ));
        }
        if !ids.insert(id.to_owned()) {
            return Err(Error::model(
                "invalid_related_resource",
                format!("relatedResource id {id:?} appears twice"),
            ));
        }
        if !item.contains_key("digestSRI") && !item.contains_key("digestMultibase") {
            return Err(Error::model(
                "invalid_related_resource",
                format!("relatedResource {id:?} needs digestSRI or digestMultibase"),
            ));
        }
    }
    Ok(())
}

/// Checks fetched bytes of a related resource against its declared digest(s)
/// (`digestSRI` per W3C SRI: `sha256-`/`sha384-`/`sha512-` + base64; `digestMultibase`:
/// multibase of a multihash, sha2-256 `0x12` or sha2-384 `0x20`).
pub fn check_related_resource_digest(resource: &Value, bytes: &[u8]) -> Result<(), Error> {
    use base64_sri::decode as sri_decode;
    use sha2::Digest as _;
    let mismatch = |what: &str| {
        Error::model(
            "related_resource_mismatch",
            format!("{what} does not match the fetched resource"),
        )
    };
    if let Some(sri) = resource.get("digestSRI").and_then(Value::as_str) {
        let (alg, b64) = sri.split_once('-').ok_or_else(|| {
            Error::model(
                "invalid_related_resource",
                "digestSRI has no algorithm prefix",
            )
        })?;
        let expected = sri_decode(b64)
            .ok_or_else(|| Error::model("invalid_related_resource", "digestSRI is not base64"))?;
        let actual = match alg {
            "sha256" => sha2::Sha256::digest(bytes).to_vec(),
            "sha384" => sha2::Sha384::digest(bytes).to_vec(),
            "sha512" => sha2::Sha512::digest(bytes).to_vec(),
            other => {
                return Err(Error::model(
                    "invalid_related_resource",
                    format!("digestSRI algorithm {other:?} is not supported"),
                ));
            }
        };
        if actual != expected {
            return Err(mismatch("digestSRI"));
        }
    }
    if let Some(mb) = resource.get("digestMultibase").and_then(Value::as_str) {
        let (_, multihash) = kith_crypto::multibase::decode(mb).map_err(|e| {
            Error::model("invalid_related_resource", format!("digestMultibase: {e}"))
        })?;
        let (code, rest) = kith_crypto::multibase::multicodec_decode(&multihash).map_err(|e| {
            Error::model("invalid_related_resource", format!("digestMultibase: {e}"))
        })?;
        let actual = match code {
            0x12 => sha2::Sha256::digest(bytes).to_vec(),
            0x20 => sha2::Sha384::digest(bytes).to_vec(),
            other => {
                return Err(Error::model(
                    "invalid_related_resource",
                    format!("multihash 0x{other:x} is not supported"),
                ));
            }
        };
        let digest = rest
            .split_first()
            .filter(|(len, d)| usize::from(**len) == d.len())
            .map(|(_, d)| d);
        if digest != Some(actual.as_slice()) {
            return Err(mismatch("digestMultibase"));
        }
    }
    Ok(())
}

mod base64_sri {
    /// Standard base64 with padding, as SRI uses.
    pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(text).ok()
    }
}

/// A validated verifiable presentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Presentation {
    json: Map<String, Value>,
    version: Version,
}

impl Presentation {
    /// Validates `value` as a presentation (VCDM 2.0 §4.13).
    pub fn from_json(value: Value) -> Result<Self, Error> {
        let Value::Object(json) = value else {
            return Err(Error::model(
                "invalid_presentation",
                "a presentation must be a JSON object",
            ));
        };
        let version = check_context(&json)?;
        check_type(&json, "VerifiablePresentation")?;
        if let Some(id) = json.get("id") {
            check_url("id", id)?;
        }
        match json.get("holder") {
            None => {}
            Some(Value::String(_)) => check_url("holder", &json["holder"])?,
            Some(Value::Object(h)) => check_url("holder.id", h.get("id").unwrap_or(&Value::Null))?,
            Some(_) => {
                return Err(Error::model(
                    "invalid_holder",
                    "holder must be a URL or an object with an id",
                ));
            }
        }
        for vc in json
            .get("verifiableCredential")
            .map(objects)
            .unwrap_or_default()
        {
            if !vc.is_object() {
                return Err(Error::model(
                    "invalid_presentation",
                    "verifiableCredential entries must be objects (embedded or EnvelopedVerifiableCredential)",
                ));
            }
        }
        Ok(Self { json, version })
    }

    /// The data model version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The full JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The holder's id, if stated.
    pub fn holder(&self) -> Option<&str> {
        match self.json.get("holder")? {
            Value::String(s) => Some(s),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The credentials inside.
    pub fn credentials(&self) -> Vec<&Value> {
        self.json
            .get("verifiableCredential")
            .map(objects)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "http://university.example/credentials/3732",
            "type": ["VerifiableCredential", "ExampleDegreeCredential"],
            "issuer": "https://university.example/issuers/565049",
            "validFrom": "2010-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
                "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"}
            }
        })
    }

    #[test]
    fn the_spec_example_is_valid() {
        let vc = Credential::from_json(example()).unwrap();
        assert_eq!(vc.version(), Version::V2);
        assert_eq!(vc.issuer(), "https://university.example/issuers/565049");
        assert!(vc.valid_from().is_some());
    }

    type Mutation = Box<dyn Fn(&mut Value)>;

    #[test]
    fn each_must_has_its_code() {
        let cases: Vec<(&str, Mutation)> = vec![
            (
                "invalid_context",
                Box::new(|v| v["@context"] = json!(["https://example.org"])),
            ),
            (
                "invalid_context",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("@context");
                }),
            ),
            (
                "invalid_type",
                Box::new(|v| v["type"] = json!(["ExampleDegreeCredential"])),
            ),
            ("invalid_issuer", Box::new(|v| v["issuer"] = json!(42))),
            (
                "invalid_type",
                Box::new(|v| {
                    v["credentialStatus"] = json!({"id": "https://s.example/1#3", "type": 2})
                }),
            ),
            (
                "invalid_credential_schema",
                Box::new(|v| v["credentialSchema"] = json!({"type": "JsonSchema"})),
            ),
            (
                "invalid_language_value",
                Box::new(|v| {
                    v["name"] =
                        json!({"@value": "Diploma", "@language": "en", "url": "https://x.example"})
                }),
            ),
            (
                "invalid_language_value",
                Box::new(|v| v["issuer"] = json!({"id": "did:example:issuer", "description": 7})),
            ),
            (
                "invalid_id",
                Box::new(|v| v["issuer"] = json!({"name": "no id"})),
            ),
            ("invalid_id", Box::new(|v| v["id"] = json!("not a url"))),
            (
                "missing_subject",
                Box::new(|v| v["credentialSubject"] = json!({})),
            ),
            (
                "missing_subject",
                Box::new(|v| v["credentialSubject"] = json!([])),
            ),
            (
                "invalid_date",
                Box::new(|v| v["validFrom"] = json!("2010-01-01")),
            ),
            (
                "invalid_date",
                Box::new(|v| v["validUntil"] = json!("2010-01-01T00:00:00")),
            ),
            (
                "missing_type",
                Box::new(|v| v["credentialStatus"] = json!({"id": "https://example.com/status/1"})),
            ),
            (
                "missing_type",
                Box::new(|v| v["evidence"] = json!([{"id": "https://example.com/e"}])),
            ),
            (
                "invalid_related_resource",
                Box::new(|v| v["relatedResource"] = json!([{"id": "https://a.example/x"}])),
            ),
            (
                "invalid_related_resource",
                Box::new(|v| {
                    v["relatedResource"] = json!([
                {"id": "https://a.example/x", "digestSRI": "sha256-x"},
                {"id": "https://a.example/x", "digestSRI": "sha256-y"}])
                }),
            ),
        ];
        for (code, mutate) in cases {
            let mut v = example();
            mutate(&mut v);
            let err = Credential::from_json(v.clone()).unwrap_err();
            assert_eq!(err.code(), code, "{v}: {err}");
        }
    }

    #[test]
    fn vcdm_1_1_is_read() {
        let v = json!({
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "issuanceDate": "2020-01-01T00:00:00Z",
            "expirationDate": "2030-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:subject", "name": "Alice"}
        });
        let vc = Credential::from_json(v).unwrap();
        assert_eq!(vc.version(), Version::V1);
        assert!(vc.valid_until().is_some());
    }

    #[test]
    fn related_resource_digests_are_checked() {
        // SHA-256 of "hello": 2cf24dba...; SRI uses standard base64.
        let sri = json!({"id": "https://a.example/x", "digestSRI": "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="});
        assert!(check_related_resource_digest(&sri, b"hello").is_ok());
        assert_eq!(
            check_related_resource_digest(&sri, b"hellO")
                .unwrap_err()
                .code(),
            "related_resource_mismatch"
        );
    }
}
