//! The Digital Credentials Query Language (DCQL) of OpenID for Verifiable Presentations
//! 1.0, §6 (queries), §6.4 (selecting claims and credentials) and §7 (claims path
//! pointers), with the format-specific `meta` of Appendix B (`vct_values` for
//! `dc+sd-jwt`, B.3.5; `type_values` for `jwt_vc_json` and `ldp_vc`, B.1.1).
//!
//! <https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#name-digital-credentials-query-l>
//!
//! - [`DcqlQuery::parse`] reads a query from untrusted JSON: bounded size and nesting,
//!   every MUST of §6 checked, unknown members ignored (§6: "Implementations MUST
//!   ignore any unknown properties"). Every refusal is [`Error`] with code
//!   `invalid_dcql_query` (or `dcql_too_large`), never a panic.
//! - [`DcqlQuery::to_json`] writes it back; parse → write → parse is the identity.
//! - [`evaluate`] runs a query over the wallet's credentials ([`CredentialInfo`]: format,
//!   type, the full claim set) and says, per Credential Query, which credentials match
//!   and exactly which claims each would disclose, and, across `credential_sets`, which
//!   credentials to send — or, when the query cannot be satisfied, what is missing
//!   ([`Unsatisfied`]); then nothing is to be sent (§6.4.2: "it MUST NOT return any
//!   Credential(s)").
//!
//! Kith extension: a Claims Query may carry `kith_predicate` (`{"op": "<=", "value":
//! "2008-11-28"}`, [`ClaimPredicate`]): the verifier asks for a statement about the
//! claim, not for the claim. Only a credential that can prove it in zero knowledge
//! (`kith-zkp-2026`, docs/zk-predicates.md) matches, and only if the claim satisfies
//! it; the claim's value is never disclosed for it. Any other credential is rejected
//! for that query ([`Rejection::Predicate`]) rather than over-disclosing the value.
//! Wallets that do not know the member ignore it (§6: unknown properties) and would
//! send the claim, so the verifier checks what was proven ([`check_presented`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use kith_vc::zkp::{ClaimKind, Op, Predicate};
use serde_json::{Map, Value};

/// Largest DCQL query accepted, as JSON text.
pub const MAX_QUERY_LEN: usize = 64 * 1024;
/// Deepest JSON nesting accepted in a query.
pub const MAX_QUERY_DEPTH: usize = 16;
/// Most Credential Queries in one query.
pub const MAX_CREDENTIAL_QUERIES: usize = 32;
/// Most Claims Queries in one Credential Query.
pub const MAX_CLAIMS: usize = 64;
/// Most components in one claims path pointer.
pub const MAX_PATH_LEN: usize = 16;
/// Most options in `claim_sets`, and most claim ids in one option.
pub const MAX_CLAIM_SETS: usize = 32;
/// Most Credential Set Queries.
pub const MAX_CREDENTIAL_SETS: usize = 16;
/// Most `options` in one Credential Set Query.
pub const MAX_OPTIONS: usize = 16;
/// Most entries in `values`, `vct_values`, `type_values` or `trusted_authorities`.
pub const MAX_VALUES: usize = 64;
/// Longest identifier (`id` of a Credential or Claims Query).
pub const MAX_ID_LEN: usize = 128;
/// Longest string anywhere else in a query.
pub const MAX_STRING_LEN: usize = 2048;

/// Why a DCQL query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query breaks a rule of OpenID4VP §6 or §7.
    #[error("invalid DCQL query: {0}")]
    Invalid(String),
    /// The query is over one of Kith's size limits.
    #[error("DCQL query too large: {0}")]
    TooLarge(String),
}

impl Error {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_dcql_query",
            Self::TooLarge(_) => "dcql_too_large",
        }
    }

    /// The OAuth 2.0 error code to answer with (OpenID4VP §8.5): `invalid_request`.
    pub fn oauth_error(&self) -> &'static str {
        "invalid_request"
    }
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::Invalid(detail.into())
}

fn too_large(detail: impl Into<String>) -> Error {
    Error::TooLarge(detail.into())
}

/// A Credential Format Identifier (OpenID4VP Appendix B).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `dc+sd-jwt`: IETF SD-JWT VC (B.3).
    SdJwtVc,
    /// `jwt_vc_json`: a W3C VC secured as a JWT, presented in a JWT VP (B.1.3.1);
    /// Kith presents `vc+jwt` credentials in a `vp+jwt`.
    JwtVcJson,
    /// `ldp_vc`: a W3C VC secured with Data Integrity, presented in a Data Integrity
    /// VP (B.1.3.2).
    LdpVc,
    /// Any other identifier (`mso_mdoc`, ...): parsed, never matched by Kith's wallet.
    Other(String),
}

impl Format {
    /// Reads an identifier.
    pub fn from_identifier(identifier: &str) -> Self {
        match identifier {
            "dc+sd-jwt" => Self::SdJwtVc,
            "jwt_vc_json" => Self::JwtVcJson,
            "ldp_vc" => Self::LdpVc,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The identifier.
    pub fn identifier(&self) -> &str {
        match self {
            Self::SdJwtVc => "dc+sd-jwt",
            Self::JwtVcJson => "jwt_vc_json",
            Self::LdpVc => "ldp_vc",
            Self::Other(other) => other,
        }
    }

    /// Whether Kith can present credentials of this format.
    pub fn is_supported(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// Whether the format is one of the W3C VC formats (B.1).
    pub fn is_w3c(&self) -> bool {
        matches!(self, Self::JwtVcJson | Self::LdpVc)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.identifier())
    }
}

/// One component of a claims path pointer (§7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElement {
    /// A string: the member of that name.
    Key(String),
    /// A non-negative integer: the array element at that index.
    Index(u64),
    /// `null`: every element of the array.
    Wildcard,
}

/// A claims path pointer (§7): a non-empty list of [`PathElement`]s.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClaimPath(Vec<PathElement>);

impl ClaimPath {
    /// A path from its components; `None` when empty or over [`MAX_PATH_LEN`].
    pub fn new(elements: Vec<PathElement>) -> Option<Self> {
        (!elements.is_empty() && elements.len() <= MAX_PATH_LEN).then_some(Self(elements))
    }

    /// The components.
    pub fn elements(&self) -> &[PathElement] {
        &self.0
    }

    /// Parses the JSON form: a non-empty array of strings, non-negative integers and nulls.
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let Value::Array(items) = value else {
            return Err(invalid("a claims path pointer must be an array"));
        };
        if items.is_empty() {
            return Err(invalid("a claims path pointer must not be empty"));
        }
        if items.len() > MAX_PATH_LEN {
            return Err(too_large(format!(
                "a claims path pointer has {} components, over {MAX_PATH_LEN}",
                items.len()
            )));
        }
        let elements = items
            .iter()
            .map(|item| match item {
                Value::String(key) => {
                    check_len(key, "a claims path component")?;
                    Ok(PathElement::Key(key.clone()))
                }
                Value::Null => Ok(PathElement::Wildcard),
                Value::Number(n) => n.as_u64().map(PathElement::Index).ok_or_else(|| {
                    invalid(format!(
                        "claims path component {n} is not a non-negative integer"
                    ))
                }),
                other => Err(invalid(format!(
                    "claims path component {other} is not a string, a non-negative integer or null"
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(elements))
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|e| match e {
                    PathElement::Key(k) => Value::String(k.clone()),
                    PathElement::Index(i) => Value::from(*i),
                    PathElement::Wildcard => Value::Null,
                })
                .collect(),
        )
    }

    /// Processes the pointer against a JSON credential (§7.1.1): the selected
    /// elements, each with the concrete path (no wildcards) that reaches it. `None`
    /// when processing aborts (a component meets a value of the wrong kind) or selects
    /// nothing.
    pub fn select<'a>(&self, root: &'a Value) -> Option<Vec<(ClaimPath, &'a Value)>> {
        let mut selected: Vec<(Vec<PathElement>, &Value)> = vec![(Vec::new(), root)];
        for element in &self.0 {
            let mut next = Vec::new();
            for (path, value) in selected {
                match (element, value) {
                    (PathElement::Key(key), Value::Object(members)) => {
                        if let Some(child) = members.get(key) {
                            next.push((extend(&path, PathElement::Key(key.clone())), child));
                        }
                    }
                    (PathElement::Wildcard, Value::Array(items)) => {
                        for (i, child) in items.iter().enumerate() {
                            next.push((extend(&path, PathElement::Index(i as u64)), child));
                        }
                    }
                    (PathElement::Index(i), Value::Array(items)) => {
                        if let Some(child) = usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                            next.push((extend(&path, PathElement::Index(*i)), child));
                        }
                    }
                    // > If any of the currently selected element(s) is not an object
                    // > [an array], abort processing and return an error.
                    _ => return None,
                }
            }
            selected = next;
        }
        if selected.is_empty() {
            return None;
        }
        Some(
            selected
                .into_iter()
                .map(|(path, value)| (ClaimPath(path), value))
                .collect(),
        )
    }

    /// The RFC 6901 JSON pointer of a concrete path (`None` if it has a wildcard).
    pub fn to_json_pointer(&self) -> Option<String> {
        let mut out = String::new();
        for element in &self.0 {
            out.push('/');
            match element {
                PathElement::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                PathElement::Index(i) => out.push_str(&i.to_string()),
                PathElement::Wildcard => return None,
            }
        }
        Some(out)
    }

    /// Whether `self` names `other` or one of its ancestors (wildcards match any index).
    pub fn is_prefix_of(&self, other: &ClaimPath) -> bool {
        self.0.len() <= other.0.len()
            && self.0.iter().zip(&other.0).all(|(a, b)| match (a, b) {
                (PathElement::Wildcard, PathElement::Index(_) | PathElement::Wildcard) => true,
                (a, b) => a == b,
            })
    }
}

fn extend(path: &[PathElement], element: PathElement) -> Vec<PathElement> {
    let mut out = Vec::with_capacity(path.len() + 1);
    out.extend_from_slice(path);
    out.push(element);
    out
}

impl fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// The format-specific `meta` of a Credential Query.
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    /// `dc+sd-jwt`: the accepted `vct` values (B.3.5).
    SdJwtVc {
        /// `vct_values`.
        vct_values: Vec<String>,
    },
    /// `jwt_vc_json` / `ldp_vc`: alternatives of type sets (B.1.1).
    W3c {
        /// `type_values`.
        type_values: Vec<Vec<String>>,
    },
    /// The `meta` of a format Kith does not know, kept as given.
    Other(Map<String, Value>),
}

/// A Trusted Authorities Query (§6.1.1). Parsed and kept; Kith's wallet does not
/// filter on it (it is a SHOULD, and the verifier checks its issuers itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedAuthority {
    /// `type`: `aki`, `etsi_tl`, `openid_federation`, or another.
    pub kind: String,
    /// `values`.
    pub values: Vec<String>,
}

/// A value a claim may be required to have (§6.3 `values`).
pub type ClaimValue = Value;

/// A Claims Query (§6.3).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimsQuery {
    /// `id`, required when the Credential Query has `claim_sets`.
    pub id: Option<String>,
    /// `path`.
    pub path: ClaimPath,
    /// `values`: strings, integers or booleans, one of which the claim must equal.
    pub values: Option<Vec<ClaimValue>>,
    /// Kith extension (`kith_predicate`): a comparison to prove about the claim in
    /// zero knowledge instead of disclosing it (see the module documentation).
    pub predicate: Option<ClaimPredicate>,
}

/// `kith_predicate`: `claim op value`, proven about the claim at the Claims Query's
/// path without disclosing it. `value` is a `YYYY-MM-DD` date, a canonical UTC
/// date-time or a number, in the claim's own terms (docs/zk-predicates.md §3).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimPredicate {
    /// `op`: `<`, `<=`, `>` or `>=`.
    pub op: Op,
    /// `value`: the bound.
    pub value: Value,
}

impl ClaimPredicate {
    fn from_json(value: &Value, path: &ClaimPath) -> Result<Self, Error> {
        let members = object(value, "kith_predicate")?;
        if let Some(unknown) = members.keys().find(|k| *k != "op" && *k != "value") {
            return Err(invalid(format!(
                "kith_predicate has an unknown member {unknown:?}; it takes op and value"
            )));
        }
        let op = members
            .get("op")
            .and_then(Value::as_str)
            .and_then(Op::from_symbol)
            .ok_or_else(|| invalid("kith_predicate.op must be one of <, <=, >, >="))?;
        let value = match members.get("value") {
            Some(Value::String(text)) => {
                check_len(text, "kith_predicate.value")?;
                Value::String(text.clone())
            }
            Some(number @ Value::Number(_)) => number.clone(),
            _ => {
                return Err(invalid(
                    "kith_predicate.value must be a date, a date-time string or a number",
                ));
            }
        };
        if path.to_json_pointer().is_none() {
            return Err(invalid(format!(
                "a predicate is about one claim; the path {path} has a wildcard"
            )));
        }
        Ok(Self { op, value })
    }

    /// The JSON form, `{"op": …, "value": …}`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("op".into(), self.op.symbol().into());
        out.insert("value".into(), self.value.clone());
        Value::Object(out)
    }

    /// The predicate on the claim at `path` (a path without wildcards).
    pub fn on(&self, path: &ClaimPath) -> Option<Predicate> {
        Some(Predicate::new(
            path.to_json_pointer()?,
            self.op,
            self.value.clone(),
        ))
    }
}

/// Whether two predicates state the same: same claim and operator, and equal bounds
/// (numbers compared by value, so `18` and `18.0` are one bound).
pub fn same_predicate(a: &Predicate, b: &Predicate) -> bool {
    a.claim == b.claim
        && a.op == b.op
        && (a.bound == b.bound
            || matches!((a.bound.as_f64(), b.bound.as_f64()), (Some(x), Some(y)) if x == y))
}

/// A Credential Query (§6.1).
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialQuery {
    /// `id`: names the credential in the `vp_token` and in `credential_sets`.
    pub id: String,
    /// `format`.
    pub format: Format,
    /// `multiple` (default `false`).
    pub multiple: bool,
    /// `meta` (required).
    pub meta: Meta,
    /// `trusted_authorities`.
    pub trusted_authorities: Option<Vec<TrustedAuthority>>,
    /// `require_cryptographic_holder_binding` (default `true`).
    pub require_cryptographic_holder_binding: bool,
    /// `claims`.
    pub claims: Option<Vec<ClaimsQuery>>,
    /// `claim_sets`: alternatives of claim ids, most preferred first.
    pub claim_sets: Option<Vec<Vec<String>>>,
}

/// A Credential Set Query (§6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSetQuery {
    /// `options`: alternatives of Credential Query ids.
    pub options: Vec<Vec<String>>,
    /// `required` (default `true`).
    pub required: bool,
}

/// A DCQL query (§6).
#[derive(Debug, Clone, PartialEq)]
pub struct DcqlQuery {
    /// `credentials`.
    pub credentials: Vec<CredentialQuery>,
    /// `credential_sets`.
    pub credential_sets: Option<Vec<CredentialSetQuery>>,
}

fn check_len(text: &str, what: &str) -> Result<(), Error> {
    if text.len() > MAX_STRING_LEN {
        return Err(too_large(format!(
            "{what} is {} bytes, over {MAX_STRING_LEN}",
            text.len()
        )));
    }
    Ok(())
}

/// `id` syntax (§6.1, §6.3): non-empty, alphanumeric, `_` or `-`.
fn check_id(id: &str, what: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(invalid(format!(
            "{what} id must have 1 to {MAX_ID_LEN} characters"
        )));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(invalid(format!(
            "{what} id {id:?} may only contain alphanumeric characters, '_' and '-'"
        )));
    }
    Ok(())
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| invalid(format!("{what} must be a JSON object")))
}

/// A non-empty array of at most `max` items.
fn array<'a>(value: &'a Value, what: &str, max: usize) -> Result<&'a [Value], Error> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid(format!("{what} must be an array")))?;
    if items.is_empty() {
        return Err(invalid(format!("{what} must not be empty")));
    }
    if items.len() > max {
        return Err(too_large(format!(
            "{what} has {} entries, over {max}",
            items.len()
        )));
    }
    Ok(items)
}

fn string_array(value: &Value, what: &str, max: usize) -> Result<Vec<String>, Error> {
    array(value, what, max)?
        .iter()
        .map(|item| {
            let s = item
                .as_str()
                .ok_or_else(|| invalid(format!("{what} must hold strings")))?;
            check_len(s, what)?;
            Ok(s.to_owned())
        })
        .collect()
}

fn optional_bool(members: &Map<String, Value>, name: &str, default: bool) -> Result<bool, Error> {
    match members.get(name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(format!("{name} must be a boolean"))),
    }
}

impl DcqlQuery {
    /// Parses a query from JSON text, bounded before anything is decoded.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_QUERY_LEN {
            return Err(too_large(format!(
                "the query is {} bytes, over {MAX_QUERY_LEN}",
                text.len()
            )));
        }
        let value =
            kith_vc::json::parse_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
        Self::from_json(&value)
    }

    /// Parses a query already read as JSON (for example from a request object).
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        if depth(value) > MAX_QUERY_DEPTH {
            return Err(too_large(format!(
                "the query is nested deeper than {MAX_QUERY_DEPTH}"
            )));
        }
        let members = object(value, "a DCQL query")?;
        let credentials = members
            .get("credentials")
            .ok_or_else(|| invalid("credentials is required"))?;
        let credentials = array(credentials, "credentials", MAX_CREDENTIAL_QUERIES)?
            .iter()
            .map(CredentialQuery::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids = BTreeSet::new();
        for query in &credentials {
            // > Within the Authorization Request, the same id MUST NOT be present more than once.
            if !ids.insert(query.id.as_str()) {
                return Err(invalid(format!(
                    "credential query id {:?} is used twice",
                    query.id
                )));
            }
        }
        let credential_sets = match members.get("credential_sets") {
            None => None,
            Some(sets) => Some(
                array(sets, "credential_sets", MAX_CREDENTIAL_SETS)?
                    .iter()
                    .map(|set| CredentialSetQuery::from_json(set, &ids))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Self {
            credentials,
            credential_sets,
        })
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "credentials".into(),
            Value::Array(
                self.credentials
                    .iter()
                    .map(CredentialQuery::to_json)
                    .collect(),
            ),
        );
        if let Some(sets) = &self.credential_sets {
            out.insert(
                "credential_sets".into(),
                Value::Array(
                    sets.iter()
                        .map(|set| {
                            let mut m = Map::new();
                            m.insert(
                                "options".into(),
                                Value::Array(
                                    set.options.iter().map(|o| Value::from(o.clone())).collect(),
                                ),
                            );
                            m.insert("required".into(), Value::Bool(set.required));
                            Value::Object(m)
                        })
                        .collect(),
                ),
            );
        }
        Value::Object(out)
    }

    /// The Credential Query with this id.
    pub fn credential(&self, id: &str) -> Option<&CredentialQuery> {
        self.credentials.iter().find(|c| c.id == id)
    }

    /// Whether a set of Credential Query ids answered satisfies the query's
    /// `credential_sets` (§6.4.2): without sets every query must be answered; with
    /// sets, every required set needs one option whose ids are all answered.
    pub fn satisfied_by(&self, answered: &BTreeSet<&str>) -> Result<(), String> {
        match &self.credential_sets {
            None => {
                let missing: Vec<&str> = self
                    .credentials
                    .iter()
                    .map(|c| c.id.as_str())
                    .filter(|id| !answered.contains(id))
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!("no presentation for {}", missing.join(", ")))
                }
            }
            Some(sets) => {
                for (i, set) in sets.iter().enumerate() {
                    let ok = set
                        .options
                        .iter()
                        .any(|o| o.iter().all(|id| answered.contains(id.as_str())));
                    if set.required && !ok {
                        return Err(format!(
                            "credential set {i} is required and none of its options is answered"
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

impl CredentialSetQuery {
    fn from_json(value: &Value, ids: &BTreeSet<&str>) -> Result<Self, Error> {
        let members = object(value, "a credential set query")?;
        let options = members
            .get("options")
            .ok_or_else(|| invalid("a credential set query needs options"))?;
        let options = array(options, "options", MAX_OPTIONS)?
            .iter()
            .map(|option| {
                let option =
                    string_array(option, "a credential set option", MAX_CREDENTIAL_QUERIES)?;
                for id in &option {
                    if !ids.contains(id.as_str()) {
                        return Err(invalid(format!(
                            "credential set option names {id:?}, which is not a credential query id"
                        )));
                    }
                }
                Ok(option)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            options,
            required: optional_bool(members, "required", true)?,
        })
    }
}

impl CredentialQuery {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let members = object(value, "a credential query")?;
        let id = members
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("a credential query needs a string id"))?;
        check_id(id, "credential query")?;
        let format = members
            .get("format")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("credential query {id:?} needs a string format")))?;
        check_len(format, "format")?;
        if format.is_empty() {
            return Err(invalid(format!(
                "credential query {id:?} has an empty format"
            )));
        }
        let format = Format::from_identifier(format);
        // 1.0 final: `meta` is REQUIRED.
        let meta = members
            .get("meta")
            .ok_or_else(|| invalid(format!("credential query {id:?} needs meta")))?;
        let meta = Meta::from_json(object(meta, "meta")?, &format, id)?;
        let trusted_authorities = match members.get("trusted_authorities") {
            None => None,
            Some(list) => Some(
                array(list, "trusted_authorities", MAX_VALUES)?
                    .iter()
                    .map(|entry| {
                        let entry = object(entry, "a trusted authorities query")?;
                        let kind = entry.get("type").and_then(Value::as_str).ok_or_else(|| {
                            invalid("a trusted authorities query needs a string type")
                        })?;
                        check_len(kind, "type")?;
                        let values = entry
                            .get("values")
                            .ok_or_else(|| invalid("a trusted authorities query needs values"))?;
                        Ok(TrustedAuthority {
                            kind: kind.to_owned(),
                            values: string_array(values, "trusted authority values", MAX_VALUES)?,
                        })
                    })
                    .collect::<Result<Vec<_>, Error>>()?,
            ),
        };
        let claims = match members.get("claims") {
            None => None,
            Some(list) => Some(
                array(list, "claims", MAX_CLAIMS)?
                    .iter()
                    .map(ClaimsQuery::from_json)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let mut claim_ids = BTreeSet::new();
        for claim in claims.iter().flatten() {
            if let Some(claim_id) = &claim.id
                && !claim_ids.insert(claim_id.as_str())
            {
                return Err(invalid(format!(
                    "claim id {claim_id:?} is used twice in credential query {id:?}"
                )));
            }
        }
        let claim_sets = match members.get("claim_sets") {
            None => None,
            Some(sets) => {
                // > `claim_sets` MUST NOT be present if `claims` is absent.
                let Some(claims) = &claims else {
                    return Err(invalid(format!(
                        "credential query {id:?} has claim_sets but no claims"
                    )));
                };
                // > [claim `id`] REQUIRED if `claim_sets` is present in the Credential Query
                if claims.iter().any(|c| c.id.is_none()) {
                    return Err(invalid(format!(
                        "credential query {id:?} has claim_sets, so every claim needs an id"
                    )));
                }
                let sets = array(sets, "claim_sets", MAX_CLAIM_SETS)?
                    .iter()
                    .map(|set| {
                        let set = string_array(set, "a claim set", MAX_CLAIMS)?;
                        for claim_id in &set {
                            if !claim_ids.contains(claim_id.as_str()) {
                                return Err(invalid(format!(
                                    "claim set names {claim_id:?}, which is not a claim id of credential query {id:?}"
                                )));
                            }
                        }
                        Ok(set)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Some(sets)
            }
        };
        Ok(Self {
            id: id.to_owned(),
            format,
            multiple: optional_bool(members, "multiple", false)?,
            meta,
            trusted_authorities,
            require_cryptographic_holder_binding: optional_bool(
                members,
                "require_cryptographic_holder_binding",
                true,
            )?,
            claims,
            claim_sets,
        })
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), self.id.clone().into());
        out.insert("format".into(), self.format.identifier().into());
        if self.multiple {
            out.insert("multiple".into(), Value::Bool(true));
        }
        let meta = match &self.meta {
            Meta::SdJwtVc { vct_values } => {
                let mut m = Map::new();
                m.insert("vct_values".into(), Value::from(vct_values.clone()));
                m
            }
            Meta::W3c { type_values } => {
                let mut m = Map::new();
                m.insert(
                    "type_values".into(),
                    Value::Array(type_values.iter().map(|t| Value::from(t.clone())).collect()),
                );
                m
            }
            Meta::Other(m) => m.clone(),
        };
        out.insert("meta".into(), Value::Object(meta));
        if let Some(authorities) = &self.trusted_authorities {
            out.insert(
                "trusted_authorities".into(),
                Value::Array(
                    authorities
                        .iter()
                        .map(|a| {
                            let mut m = Map::new();
                            m.insert("type".into(), a.kind.clone().into());
                            m.insert("values".into(), Value::from(a.values.clone()));
                            Value::Object(m)
                        })
                        .collect(),
                ),
            );
        }
        if !self.require_cryptographic_holder_binding {
            out.insert(
                "require_cryptographic_holder_binding".into(),
                Value::Bool(false),
            );
        }
        if let Some(claims) = &self.claims {
            out.insert(
                "claims".into(),
                Value::Array(claims.iter().map(ClaimsQuery::to_json).collect()),
            );
        }
        if let Some(sets) = &self.claim_sets {
            out.insert(
                "claim_sets".into(),
                Value::Array(sets.iter().map(|s| Value::from(s.clone())).collect()),
            );
        }
        Value::Object(out)
    }
}

impl Meta {
    fn from_json(members: &Map<String, Value>, format: &Format, id: &str) -> Result<Self, Error> {
        match format {
            Format::SdJwtVc => {
                let values = members.get("vct_values").ok_or_else(|| {
                    invalid(format!(
                        "credential query {id:?} (dc+sd-jwt) needs meta.vct_values"
                    ))
                })?;
                Ok(Self::SdJwtVc {
                    vct_values: string_array(values, "vct_values", MAX_VALUES)?,
                })
            }
            Format::JwtVcJson | Format::LdpVc => {
                let values = members.get("type_values").ok_or_else(|| {
                    invalid(format!(
                        "credential query {id:?} ({format}) needs meta.type_values"
                    ))
                })?;
                let type_values = array(values, "type_values", MAX_VALUES)?
                    .iter()
                    .map(|set| string_array(set, "a type_values entry", MAX_VALUES))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Self::W3c { type_values })
            }
            Format::Other(_) => Ok(Self::Other(members.clone())),
        }
    }
}

impl ClaimsQuery {
    fn from_json(value: &Value) -> Result<Self, Error> {
        let members = object(value, "a claims query")?;
        let id = match members.get("id") {
            None => None,
            Some(Value::String(id)) => {
                check_id(id, "claims query")?;
                Some(id.clone())
            }
            Some(_) => return Err(invalid("a claims query id must be a string")),
        };
        let path = members
            .get("path")
            .ok_or_else(|| invalid("a claims query needs a path"))?;
        let path = ClaimPath::from_json(path)?;
        let values = match members.get("values") {
            None => None,
            Some(values) => Some(
                array(values, "values", MAX_VALUES)?
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => {
                            check_len(s, "a claim value")?;
                            Ok(v.clone())
                        }
                        Value::Bool(_) => Ok(v.clone()),
                        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v.clone()),
                        other => Err(invalid(format!(
                            "claim value {other} is not a string, an integer or a boolean"
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let predicate = match members.get("kith_predicate") {
            None => None,
            Some(_) if values.is_some() => {
                return Err(invalid(
                    "a claims query asks for values or for a kith_predicate, not both",
                ));
            }
            Some(predicate) => Some(ClaimPredicate::from_json(predicate, &path)?),
        };
        Ok(Self {
            id,
            path,
            values,
            predicate,
        })
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(id) = &self.id {
            out.insert("id".into(), id.clone().into());
        }
        out.insert("path".into(), self.path.to_json());
        if let Some(values) = &self.values {
            out.insert("values".into(), Value::Array(values.clone()));
        }
        if let Some(predicate) = &self.predicate {
            out.insert("kith_predicate".into(), predicate.to_json());
        }
        Value::Object(out)
    }
}

// ---------------------------------------------------------------------------------
// Matching (§6.4)
// ---------------------------------------------------------------------------------

/// What the wallet knows of one of its credentials, for matching.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialInfo {
    /// The wallet's id for the credential.
    pub id: String,
    /// Its format.
    pub format: Format,
    /// Its types: the `vct` of an SD-JWT VC, the `type` values of a W3C VC.
    pub types: Vec<String>,
    /// The full claim set: for SD-JWT, with every disclosure in place (what the
    /// holder could disclose); for a W3C VC, the credential without its proof.
    pub claims: Value,
    /// Whether the wallet can prove cryptographic holder binding for it (an SD-JWT
    /// with `cnf` and its key; a W3C VC and a holder key to sign the presentation).
    pub holder_binding: bool,
    /// What it can say about `kith_predicate` claims.
    pub predicates: PredicateSupport,
}

/// How a credential answers Claims Queries with a `kith_predicate`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PredicateSupport {
    /// It cannot prove predicates: such a query does not match it.
    #[default]
    None,
    /// The wallet can prove predicates about its claims in zero knowledge
    /// (`kith-zkp-2026`): a predicate matches when the claim satisfies it.
    Provable,
    /// The verifier's side: these predicates were proven.
    Proven(Vec<Predicate>),
}

/// One claim a credential would disclose for a Claims Query.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedClaim {
    /// The Claims Query's `id`, if it has one.
    pub query_id: Option<String>,
    /// The requested path (may hold wildcards).
    pub requested: ClaimPath,
    /// The concrete claims it selected (after value matching), with their values;
    /// empty for a predicate, whose claim is not disclosed.
    pub selected: Vec<(ClaimPath, Value)>,
    /// The predicate to prove instead of disclosing the claim (`kith_predicate`).
    pub predicate: Option<Predicate>,
}

/// A credential that satisfies a Credential Query.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialMatch {
    /// The Credential Query's id.
    pub query_id: String,
    /// The wallet's credential id.
    pub credential_id: String,
    /// The index of the `claim_sets` option used, if the query has `claim_sets`.
    pub claim_set: Option<usize>,
    /// The claims requested and what they select.
    pub claims: Vec<SelectedClaim>,
}

impl CredentialMatch {
    /// Every concrete claim path to disclose (deduplicated, in order).
    pub fn disclose(&self) -> Vec<ClaimPath> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for claim in &self.claims {
            for (path, _) in &claim.selected {
                if seen.insert(path.clone()) {
                    out.push(path.clone());
                }
            }
        }
        out
    }

    /// Every predicate to prove (`kith_predicate` claims), in query order.
    pub fn prove(&self) -> Vec<Predicate> {
        self.claims
            .iter()
            .filter_map(|claim| claim.predicate.clone())
            .collect()
    }
}

/// Why one credential does not satisfy one Credential Query.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Another format.
    Format {
        /// The credential's format.
        found: String,
    },
    /// Its `vct` / `type` is not among the accepted ones.
    Type {
        /// The credential's types.
        found: Vec<String>,
    },
    /// The query requires cryptographic holder binding and the wallet cannot prove it.
    HolderBinding,
    /// A claim is missing (or none of its values match).
    MissingClaims {
        /// The requested paths that selected nothing.
        paths: Vec<String>,
    },
    /// A `kith_predicate` cannot be proven: the credential cannot prove predicates
    /// (only `kith-zkp-2026` ones can), or the claim does not satisfy it.
    Predicate {
        /// The predicates, as `pointer op value`.
        predicates: Vec<String>,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format { found } => write!(f, "it is {found}"),
            Self::Type { found } => write!(f, "its type is {}", found.join(", ")),
            Self::HolderBinding => f.write_str("it cannot prove holder binding"),
            Self::MissingClaims { paths } => write!(f, "it lacks {}", paths.join(", ")),
            Self::Predicate { predicates } => write!(
                f,
                "it cannot prove {} in zero knowledge",
                predicates.join(", ")
            ),
        }
    }
}

/// The outcome of one Credential Query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The Credential Query's id.
    pub query_id: String,
    /// The credentials that match, in wallet order.
    pub matches: Vec<CredentialMatch>,
    /// The credentials that do not, and why.
    pub rejections: Vec<(String, Rejection)>,
}

/// What a query needs that the wallet does not have: nothing is to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsatisfied {
    /// Per Credential Query that nothing matches (and that the answer would need):
    /// its id and a sentence saying what is missing.
    pub missing: Vec<(String, String)>,
}

impl fmt::Display for Unsatisfied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the wallet cannot satisfy the request: ")?;
        for (i, (id, why)) in self.missing.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{id}: {why}")?;
        }
        Ok(())
    }
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Per Credential Query, in query order.
    pub queries: Vec<QueryResult>,
    /// What to send: per Credential Query id to answer, the chosen matches (the first
    /// match; all matches, up to what the caller keeps, when `multiple` is true) — or
    /// what is missing.
    pub selection: Result<BTreeMap<String, Vec<CredentialMatch>>, Unsatisfied>,
}

/// Evaluates `query` over the wallet's `credentials` (§6.4).
pub fn evaluate(query: &DcqlQuery, credentials: &[CredentialInfo]) -> Evaluation {
    let queries: Vec<QueryResult> = query
        .credentials
        .iter()
        .map(|cq| {
            let mut matches = Vec::new();
            let mut rejections = Vec::new();
            for credential in credentials {
                match match_credential(cq, credential) {
                    Ok(m) => matches.push(m),
                    Err(r) => rejections.push((credential.id.clone(), r)),
                }
            }
            QueryResult {
                query_id: cq.id.clone(),
                matches,
                rejections,
            }
        })
        .collect();
    let selection = select(query, &queries);
    Evaluation { queries, selection }
}

fn chosen(query: &DcqlQuery, result: &QueryResult) -> Vec<CredentialMatch> {
    let multiple = query
        .credential(&result.query_id)
        .is_some_and(|q| q.multiple);
    if multiple {
        result.matches.clone()
    } else {
        result.matches.iter().take(1).cloned().collect()
    }
}

fn missing_reason(query: &DcqlQuery, result: &QueryResult) -> String {
    let Some(cq) = query.credential(&result.query_id) else {
        return "unknown query".into();
    };
    let wanted = match &cq.meta {
        Meta::SdJwtVc { vct_values } => format!(
            "a {} credential of type {}",
            cq.format,
            vct_values.join(" or ")
        ),
        Meta::W3c { type_values } => format!(
            "a {} credential of type {}",
            cq.format,
            type_values
                .iter()
                .map(|t| t.join("+"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Meta::Other(_) => format!("a {} credential", cq.format),
    };
    if !cq.format.is_supported() {
        return format!(
            "{wanted}: Kith's wallet does not support the format {}",
            cq.format
        );
    }
    if result.rejections.is_empty() {
        return format!("{wanted}: the wallet holds no credentials");
    }
    let reasons: Vec<String> = result
        .rejections
        .iter()
        .filter(|(_, r)| !matches!(r, Rejection::Format { .. }))
        .map(|(id, r)| format!("credential {id}: {r}"))
        .collect();
    if reasons.is_empty() {
        format!("{wanted}: the wallet holds none")
    } else {
        format!("{wanted}: {}", reasons.join("; "))
    }
}

fn select(
    query: &DcqlQuery,
    results: &[QueryResult],
) -> Result<BTreeMap<String, Vec<CredentialMatch>>, Unsatisfied> {
    let by_id: BTreeMap<&str, &QueryResult> =
        results.iter().map(|r| (r.query_id.as_str(), r)).collect();
    let answerable = |id: &str| by_id.get(id).is_some_and(|r| !r.matches.is_empty());
    let mut answer_ids: Vec<&str> = Vec::new();
    let mut missing: Vec<(String, String)> = Vec::new();
    let note_missing = |id: &str, missing: &mut Vec<(String, String)>| {
        if let Some(r) = by_id.get(id)
            && !missing.iter().any(|(m, _)| m == id)
        {
            missing.push((id.to_owned(), missing_reason(query, r)));
        }
    };
    match &query.credential_sets {
        // > If `credential_sets` is not provided, the Verifier requests presentations for
        // > all Credentials in `credentials` to be returned.
        None => {
            for r in results {
                if r.matches.is_empty() {
                    note_missing(&r.query_id, &mut missing);
                } else {
                    answer_ids.push(&r.query_id);
                }
            }
        }
        Some(sets) => {
            for set in sets {
                match set
                    .options
                    .iter()
                    .find(|o| o.iter().all(|id| answerable(id)))
                {
                    Some(option) => answer_ids.extend(option.iter().map(String::as_str)),
                    None if set.required => {
                        // Name what the first option lacks (the verifier's preference).
                        if let Some(first) = set.options.first() {
                            for id in first.iter().filter(|id| !answerable(id)) {
                                note_missing(id, &mut missing);
                            }
                        }
                    }
                    None => {}
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(Unsatisfied { missing });
    }
    let mut out = BTreeMap::new();
    for id in answer_ids {
        if let Some(r) = by_id.get(id) {
            out.entry(id.to_owned()).or_insert_with(|| chosen(query, r));
        }
    }
    if out.is_empty() {
        return Err(Unsatisfied {
            missing: vec![(
                "credential_sets".into(),
                "no credential set option can be answered".into(),
            )],
        });
    }
    Ok(out)
}

/// The type IRIs a type name expands to under the VCDM contexts, for the core types
/// whose expansion Kith knows without JSON-LD processing (B.1.1: "Implementations MAY
/// use alternative mechanisms to obtain the fully expanded types").
fn expanded_type_names(name: &str) -> [Option<String>; 2] {
    const CORE: [&str; 4] = [
        "VerifiableCredential",
        "VerifiablePresentation",
        "EnvelopedVerifiableCredential",
        "EnvelopedVerifiablePresentation",
    ];
    let expanded = CORE
        .contains(&name)
        .then(|| format!("https://www.w3.org/2018/credentials#{name}"));
    [Some(name.to_owned()), expanded]
}

fn type_matches(meta: &Meta, types: &[String]) -> bool {
    match meta {
        Meta::SdJwtVc { vct_values } => types.iter().any(|t| vct_values.contains(t)),
        Meta::W3c { type_values } => {
            let have: BTreeSet<String> = types
                .iter()
                .flat_map(|t| expanded_type_names(t))
                .flatten()
                .collect();
            type_values
                .iter()
                .any(|set| set.iter().all(|t| have.contains(t)))
        }
        Meta::Other(_) => false,
    }
}

/// Matches one claim: the selected elements whose values are allowed, or for a
/// `kith_predicate`, the predicate when the credential can prove it.
fn match_claim(claim: &ClaimsQuery, credential: &CredentialInfo) -> Option<SelectedClaim> {
    if let Some(wanted) = &claim.predicate {
        let predicate = wanted.on(&claim.path)?;
        let provable = match &credential.predicates {
            PredicateSupport::None => false,
            PredicateSupport::Provable => match claim.path.select(&credential.claims)?.as_slice() {
                [(_, value)] => predicate
                    .holds(ClaimKind::of(value), value)
                    .unwrap_or(false),
                _ => false,
            },
            PredicateSupport::Proven(proven) => {
                proven.iter().any(|p| same_predicate(p, &predicate))
            }
        };
        return provable.then(|| SelectedClaim {
            query_id: claim.id.clone(),
            requested: claim.path.clone(),
            selected: Vec::new(),
            predicate: Some(predicate),
        });
    }
    let selected = claim.path.select(&credential.claims)?;
    let selected: Vec<(ClaimPath, Value)> = selected
        .into_iter()
        .filter(|(_, value)| {
            claim
                .values
                .as_ref()
                .is_none_or(|allowed| allowed.iter().any(|a| a == *value))
        })
        .map(|(path, value)| (path, value.clone()))
        .collect();
    if selected.is_empty() {
        return None;
    }
    Some(SelectedClaim {
        query_id: claim.id.clone(),
        requested: claim.path.clone(),
        selected,
        predicate: None,
    })
}

/// The rejection for claims that selected nothing: a predicate that cannot be
/// proven is named as such, the rest as missing.
fn unmatched(claims: &[&ClaimsQuery]) -> Rejection {
    let predicates: Vec<String> = claims
        .iter()
        .filter_map(|c| Some(c.predicate.as_ref()?.on(&c.path)?.to_string()))
        .collect();
    if predicates.is_empty() {
        Rejection::MissingClaims {
            paths: claims.iter().map(|c| c.path.to_string()).collect(),
        }
    } else {
        Rejection::Predicate { predicates }
    }
}

/// Matches one credential against one Credential Query (§6.4.1).
pub fn match_credential(
    query: &CredentialQuery,
    credential: &CredentialInfo,
) -> Result<CredentialMatch, Rejection> {
    if query.format != credential.format || !query.format.is_supported() {
        return Err(Rejection::Format {
            found: credential.format.identifier().to_owned(),
        });
    }
    if !type_matches(&query.meta, &credential.types) {
        return Err(Rejection::Type {
            found: credential.types.clone(),
        });
    }
    if query.require_cryptographic_holder_binding && !credential.holder_binding {
        return Err(Rejection::HolderBinding);
    }
    let Some(claims) = &query.claims else {
        // > If `claims` is absent, the Verifier is requesting no claims that are
        // > selectively disclosable
        return Ok(CredentialMatch {
            query_id: query.id.clone(),
            credential_id: credential.id.clone(),
            claim_set: None,
            claims: Vec::new(),
        });
    };
    let results: Vec<Option<SelectedClaim>> =
        claims.iter().map(|c| match_claim(c, credential)).collect();
    match &query.claim_sets {
        None => {
            let missing: Vec<&ClaimsQuery> = claims
                .iter()
                .zip(&results)
                .filter(|(_, r)| r.is_none())
                .map(|(c, _)| c)
                .collect();
            if !missing.is_empty() {
                return Err(unmatched(&missing));
            }
            Ok(CredentialMatch {
                query_id: query.id.clone(),
                credential_id: credential.id.clone(),
                claim_set: None,
                claims: results.into_iter().flatten().collect(),
            })
        }
        Some(sets) => {
            let by_id: BTreeMap<&str, (&ClaimsQuery, &Option<SelectedClaim>)> = claims
                .iter()
                .zip(&results)
                .filter_map(|(c, r)| Some((c.id.as_deref()?, (c, r))))
                .collect();
            // > the Wallet SHOULD return the first option that it can satisfy
            for (index, set) in sets.iter().enumerate() {
                let picked: Option<Vec<SelectedClaim>> = set
                    .iter()
                    .map(|id| by_id.get(id.as_str()).and_then(|(_, r)| (*r).clone()))
                    .collect();
                if let Some(picked) = picked {
                    return Ok(CredentialMatch {
                        query_id: query.id.clone(),
                        credential_id: credential.id.clone(),
                        claim_set: Some(index),
                        claims: picked,
                    });
                }
            }
            let first_missing: Vec<&ClaimsQuery> = sets
                .first()
                .into_iter()
                .flatten()
                .filter_map(|id| by_id.get(id.as_str()))
                .filter(|(_, r)| r.is_none())
                .map(|(c, _)| *c)
                .collect();
            Err(unmatched(&first_missing))
        }
    }
}

/// Whether verified claims satisfy a Credential Query's claims (the verifier's side of
/// §8.6 "Validate that the returned Credential(s) meet all criteria defined in the
/// query"): the type and, for `claims`, all of them (or one `claim_sets` option),
/// each `kith_predicate` among the `proven` predicates.
pub fn check_presented(
    query: &CredentialQuery,
    types: &[String],
    claims: &Value,
    proven: &[Predicate],
) -> Result<(), String> {
    if !type_matches(&query.meta, types) {
        return Err(format!(
            "the credential's type ({}) is not one the query {} accepts",
            types.join(", "),
            query.id
        ));
    }
    let info = CredentialInfo {
        id: String::new(),
        format: query.format.clone(),
        types: types.to_vec(),
        claims: claims.clone(),
        holder_binding: true,
        predicates: PredicateSupport::Proven(proven.to_vec()),
    };
    match match_credential(query, &info) {
        Ok(_) => Ok(()),
        Err(r) => Err(format!("for credential query {}: {r}", query.id)),
    }
}

/// Entry points for the fuzz target: bounded, never panic, round trips hold.
#[doc(hidden)]
pub fn __fuzz(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = DcqlQuery::parse(text) {
        let again = DcqlQuery::from_json(&query.to_json()).expect("a written query parses");
        assert_eq!(again, query, "parse → write → parse changed the query");
        let _ = evaluate(&query, &[]);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sd_credential(id: &str, claims: Value) -> CredentialInfo {
        CredentialInfo {
            id: id.into(),
            format: Format::SdJwtVc,
            types: vec![claims["vct"].as_str().unwrap_or_default().to_owned()],
            claims,
            holder_binding: true,
            predicates: PredicateSupport::None,
        }
    }

    fn zkp_credential(id: &str, birth_date: &str) -> CredentialInfo {
        CredentialInfo {
            id: id.into(),
            format: Format::LdpVc,
            types: vec!["VerifiableCredential".into(), "IdentityCredential".into()],
            claims: json!({
                "type": ["VerifiableCredential", "IdentityCredential"],
                "credentialSubject": {"name": "Alice", "birthDate": birth_date, "score": 7}
            }),
            holder_binding: false,
            predicates: PredicateSupport::Provable,
        }
    }

    fn predicate_query(op: &str, value: Value) -> DcqlQuery {
        DcqlQuery::from_json(&json!({"credentials": [{
            "id": "age",
            "format": "ldp_vc",
            "meta": {"type_values": [["IdentityCredential"]]},
            "require_cryptographic_holder_binding": false,
            "claims": [
                {"path": ["credentialSubject", "birthDate"],
                 "kith_predicate": {"op": op, "value": value}},
                {"path": ["credentialSubject", "name"]}
            ]
        }]}))
        .unwrap()
    }

    #[test]
    fn a_predicate_is_proven_not_disclosed() {
        let query = predicate_query("<=", json!("2008-11-28"));
        let adult = zkp_credential("adult", "1990-04-12");
        let minor = zkp_credential("minor", "2010-01-01");
        let evaluation = evaluate(&query, &[minor.clone(), adult.clone()]);
        let selection = evaluation.selection.unwrap();
        let chosen = &selection["age"][0];
        assert_eq!(chosen.credential_id, "adult");
        // The birth date is proven, never disclosed; the name is disclosed.
        let disclosed: Vec<String> = chosen
            .disclose()
            .iter()
            .map(|p| p.to_json_pointer().unwrap())
            .collect();
        assert_eq!(disclosed, ["/credentialSubject/name"]);
        let proven: Vec<String> = chosen.prove().iter().map(ToString::to_string).collect();
        assert_eq!(proven, ["/credentialSubject/birthDate <= 2008-11-28"]);
        // The minor's credential cannot prove it, and says so.
        let rejection = &evaluation.queries[0].rejections[0];
        assert_eq!(rejection.0, "minor");
        assert!(
            matches!(rejection.1, Rejection::Predicate { .. }),
            "{rejection:?}"
        );
        // Born on the cutoff day satisfies `<=`; not `<`.
        let edge = zkp_credential("edge", "2008-11-28");
        assert!(match_credential(&query.credentials[0], &edge).is_ok());
        let strict = predicate_query("<", json!("2008-11-28"));
        assert!(match_credential(&strict.credentials[0], &edge).is_err());
        // Numbers compare as numbers.
        let score = DcqlQuery::from_json(&json!({"credentials": [{
            "id": "s", "format": "ldp_vc",
            "meta": {"type_values": [["IdentityCredential"]]},
            "require_cryptographic_holder_binding": false,
            "claims": [{"path": ["credentialSubject", "score"], "kith_predicate": {"op": ">=", "value": 7}}]
        }]}))
        .unwrap();
        assert!(match_credential(&score.credentials[0], &adult).is_ok());
    }

    #[test]
    fn a_credential_that_cannot_prove_a_predicate_is_not_used() {
        // Disclosing the birth date would answer more than was asked.
        let query = predicate_query("<=", json!("2008-11-28"));
        let mut plain = zkp_credential("plain", "1990-04-12");
        plain.predicates = PredicateSupport::None;
        let evaluation = evaluate(&query, &[plain]);
        let missing = evaluation.selection.unwrap_err();
        assert!(missing.to_string().contains("cannot prove"), "{missing}");
    }

    #[test]
    fn the_verifier_checks_each_predicate_was_proven() {
        let query = predicate_query("<=", json!("2008-11-28"));
        let cq = &query.credentials[0];
        let types = [
            "VerifiableCredential".to_owned(),
            "IdentityCredential".to_owned(),
        ];
        let disclosed = json!({"credentialSubject": {"name": "Alice"}});
        let proven = Predicate::parse("/credentialSubject/birthDate <= 2008-11-28").unwrap();
        assert!(check_presented(cq, &types, &disclosed, &proven).is_ok());
        // Another bound, another claim, another operator, or nothing proven: refused.
        for other in [
            "/credentialSubject/birthDate <= 2010-11-28",
            "/credentialSubject/other <= 2008-11-28",
            "/credentialSubject/birthDate < 2008-11-28",
        ] {
            let proven = Predicate::parse(other).unwrap();
            let refused = check_presented(cq, &types, &disclosed, &proven).unwrap_err();
            assert!(refused.contains("cannot prove"), "{other}: {refused}");
        }
        // A disclosed birth date does not stand in for the proof.
        let over = json!({"credentialSubject": {"name": "Alice", "birthDate": "1990-04-12"}});
        assert!(check_presented(cq, &types, &over, &[]).is_err());
    }

    #[test]
    fn predicate_queries_are_validated_and_round_trip() {
        let query = predicate_query(">=", json!(18));
        assert_eq!(DcqlQuery::from_json(&query.to_json()).unwrap(), query);
        let bad = |claim: Value| {
            DcqlQuery::from_json(&json!({"credentials": [{
                "id": "a", "format": "ldp_vc", "meta": {"type_values": [["X"]]},
                "claims": [claim]
            }]}))
            .unwrap_err()
            .code()
        };
        for claim in [
            json!({"path": ["a"], "kith_predicate": {"op": "==", "value": 1}}),
            json!({"path": ["a"], "kith_predicate": {"op": "<", "value": true}}),
            json!({"path": ["a"], "kith_predicate": {"op": "<", "value": 1, "x": 2}}),
            json!({"path": ["a"], "kith_predicate": "a < 1"}),
            json!({"path": ["a", null], "kith_predicate": {"op": "<", "value": 1}}),
            json!({"path": ["a"], "values": [1], "kith_predicate": {"op": "<", "value": 1}}),
        ] {
            assert_eq!(bad(claim), "invalid_dcql_query");
        }
    }

    #[test]
    fn claims_path_pointer_examples() {
        // §7.3
        let credential = json!({
            "name": "Arthur Dent",
            "address": {"street_address": "42 Market Street", "locality": "Milliways"},
            "degrees": [{"type": "BSc"}, {"type": "MSc"}],
            "nationalities": ["British", "Betelgeusian"]
        });
        let path = |v: Value| ClaimPath::from_json(&v).unwrap();
        let sel = path(json!(["degrees", null, "type"]))
            .select(&credential)
            .unwrap();
        assert_eq!(sel.len(), 2);
        assert_eq!(sel[1].0.to_json_pointer().unwrap(), "/degrees/1/type");
        assert_eq!(
            path(json!(["nationalities", 1]))
                .select(&credential)
                .unwrap()[0]
                .1,
            "Betelgeusian"
        );
        assert!(path(json!(["name", "x"])).select(&credential).is_none());
        assert!(path(json!(["missing"])).select(&credential).is_none());
        for bad in [
            json!([]),
            json!(["a", -1]),
            json!(["a", 1.5]),
            json!([true]),
            json!("a"),
        ] {
            assert_eq!(
                ClaimPath::from_json(&bad).unwrap_err().code(),
                "invalid_dcql_query"
            );
        }
    }

    #[test]
    fn validation() {
        let ok = r#"{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:pid"]},
            "claims":[{"id":"a","path":["age_over_18"]},{"id":"b","path":["birthdate"]}],"claim_sets":[["a"],["b"]]}]}"#;
        DcqlQuery::parse(ok).unwrap();
        let bad = [
            r#"{}"#,
            r#"{"credentials":[]}"#,
            r#"{"credentials":[{"id":"a b","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt"}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{}}]}"#,
            r#"{"credentials":[{"id":"a","format":"ldp_vc","meta":{"type_values":[[]]}}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}},{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claim_sets":[["x"]]}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":["x"]}],"claim_sets":[["x"]]}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],"credential_sets":[{"options":[["b"]]}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":["x"],"values":[1.5]}]}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"multiple":"yes"}]}"#,
            r#"{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}], "credentials":[]}"#,
        ];
        for text in bad {
            assert_eq!(
                DcqlQuery::parse(text).unwrap_err().code(),
                "invalid_dcql_query",
                "{text}"
            );
        }
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let text = format!(r#"{{"credentials":{deep}}}"#);
        assert_eq!(
            DcqlQuery::parse(&text).unwrap_err().code(),
            "dcql_too_large"
        );
        let huge = format!(
            r#"{{"credentials":[],"x":"{}"}}"#,
            "a".repeat(MAX_QUERY_LEN)
        );
        assert_eq!(
            DcqlQuery::parse(&huge).unwrap_err().code(),
            "dcql_too_large"
        );
    }

    #[test]
    fn claim_sets_prefer_the_first_option_the_wallet_can_satisfy() {
        let query = DcqlQuery::parse(
            r#"{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:pid"]},
            "claims":[{"id":"a","path":["age_over_18"]},{"id":"b","path":["birthdate"]}],"claim_sets":[["a"],["b"]]}]}"#,
        )
        .unwrap();
        let with_both = sd_credential(
            "c1",
            json!({"vct":"urn:pid","age_over_18":true,"birthdate":"2000-01-01"}),
        );
        let eval = evaluate(&query, &[with_both]);
        let chosen = &eval.selection.unwrap()["pid"][0];
        assert_eq!(chosen.claim_set, Some(0));
        assert_eq!(
            chosen.disclose()[0].to_json_pointer().unwrap(),
            "/age_over_18"
        );
        let only_birthdate = sd_credential("c2", json!({"vct":"urn:pid","birthdate":"2000-01-01"}));
        let eval = evaluate(&query, &[only_birthdate]);
        assert_eq!(eval.selection.unwrap()["pid"][0].claim_set, Some(1));
        let neither = sd_credential("c3", json!({"vct":"urn:pid"}));
        let unsatisfied = evaluate(&query, &[neither]).selection.unwrap_err();
        assert!(
            unsatisfied.to_string().contains("age_over_18"),
            "{unsatisfied}"
        );
    }

    #[test]
    fn credential_sets_and_values() {
        let query = DcqlQuery::parse(
            r#"{"credentials":[
                {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:pid"]},"claims":[{"path":["nationality"],"values":["DE","FR"]}]},
                {"id":"other","format":"dc+sd-jwt","meta":{"vct_values":["urn:other"]}},
                {"id":"extra","format":"dc+sd-jwt","meta":{"vct_values":["urn:extra"]}}],
              "credential_sets":[{"options":[["other"],["pid"]]},{"options":[["extra"]],"required":false}]}"#,
        )
        .unwrap();
        let de = sd_credential("c1", json!({"vct":"urn:pid","nationality":"DE"}));
        let it = sd_credential("c2", json!({"vct":"urn:pid","nationality":"IT"}));
        let selection = evaluate(&query, std::slice::from_ref(&de))
            .selection
            .unwrap();
        assert_eq!(selection.keys().collect::<Vec<_>>(), ["pid"]);
        let unsatisfied = evaluate(&query, &[it]).selection.unwrap_err();
        assert_eq!(unsatisfied.missing[0].0, "other");
    }

    #[test]
    fn w3c_type_values_accept_core_expansions() {
        let meta = Meta::W3c {
            type_values: vec![vec![
                "https://www.w3.org/2018/credentials#VerifiableCredential".into(),
                "Diploma".into(),
            ]],
        };
        assert!(type_matches(
            &meta,
            &["VerifiableCredential".into(), "Diploma".into()]
        ));
        assert!(!type_matches(&meta, &["VerifiableCredential".into()]));
    }
}
