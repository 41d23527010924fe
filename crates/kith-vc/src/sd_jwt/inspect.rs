//! Decoding an SD-JWT on the holder's side without verifying its signature: the
//! claims with every disclosure in place, and what each disclosure reveals.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-7.2>

use serde_json::{Map, Value};

use crate::Error;

use super::disclosure::Disclosure;
use super::jwt::Jwt;
use super::pointer::Pointer;
use super::processing::{Placement, process};
use super::serialization::Compact;
use super::vc::{NON_DISCLOSABLE, is_vc_typ};

/// An SD-JWT decoded without verification (see [`inspect`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Inspected {
    /// The JOSE header of the Issuer-signed JWT (`alg`, `typ`, `kid`, ...).
    pub header: Map<String, Value>,
    /// The Issuer-signed JWT payload as signed: digests, `_sd_alg`, clear claims.
    pub payload: Map<String, Value>,
    /// The claims with every disclosure of the SD-JWT in place: what a verifier would
    /// see if the holder disclosed everything.
    pub claims: Value,
    /// The selectively disclosable claims, in the order of their disclosures.
    pub disclosable: Vec<DisclosableClaim>,
}

/// One selectively disclosable claim.
#[derive(Debug, Clone, PartialEq)]
pub struct DisclosableClaim {
    /// Where the claim sits in [`Inspected::claims`], as an RFC 6901 JSON pointer; the
    /// pointer to give [`present`](super::present) to disclose it.
    pub pointer: String,
    /// The claim name, for an object member; `None` for an array element.
    pub name: Option<String>,
    /// The claim value, with any disclosable claims inside it in place.
    pub value: Value,
    /// The pointer of the disclosable claim this one sits in, if any: disclosing this
    /// claim discloses that one too (RFC 9901 §4.2.6).
    pub parent: Option<String>,
    /// The disclosure itself, base64url.
    pub disclosure: String,
}

/// Decodes an SD-JWT without verifying it, listing what can be disclosed.
///
/// The disclosures are checked against the digests exactly as a verifier checks them
/// (RFC 9901 §7.1 steps 3 to 5), but the issuer's signature is not: use
/// [`verify_with_issuer_key`](super::verify_with_issuer_key) or
/// [`verify`](super::verify) for that. An SD-JWT+KB is refused: a holder receives
/// SD-JWTs (RFC 9901 §7.2).
pub fn inspect(sd_jwt: &str) -> Result<Inspected, Error> {
    let opened = open(sd_jwt, true)?;
    let claims = Value::Object(opened.claims);
    let pointers: Vec<String> = opened
        .placements
        .iter()
        .map(|p| p.pointer.to_string())
        .collect();
    let disclosable = opened
        .placements
        .iter()
        .zip(opened.names)
        .zip(opened.compact.disclosures)
        .map(|((placement, name), disclosure)| DisclosableClaim {
            pointer: placement.pointer.to_string(),
            name,
            value: placement
                .pointer
                .get(&claims)
                .cloned()
                .unwrap_or(Value::Null),
            parent: placement.parent.map(|parent| pointers[parent].clone()),
            disclosure: disclosure.to_owned(),
        })
        .collect();
    Ok(Inspected {
        header: opened.header,
        payload: opened.payload,
        claims,
        disclosable,
    })
}

/// An SD-JWT as the holder holds it, processed with every disclosure.
pub(crate) struct Opened<'a> {
    pub(crate) compact: Compact<'a>,
    /// The JOSE header of the Issuer-signed JWT.
    pub(crate) header: Map<String, Value>,
    /// The signed payload, when asked for.
    pub(crate) payload: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    /// Per disclosure, in order.
    pub(crate) placements: Vec<Placement>,
    /// Per disclosure, in order: its claim name, if it is an object member.
    pub(crate) names: Vec<Option<String>>,
}

/// Splits, decodes and processes an SD-JWT for the holder, tracking where each
/// disclosure lands. `keep_payload` keeps a copy of the signed payload.
pub(crate) fn open(sd_jwt: &str, keep_payload: bool) -> Result<Opened<'_>, Error> {
    let compact = Compact::split(sd_jwt)?;
    // > The Issuer provides the Holder with an SD-JWT, not an SD-JWT+KB. If the Holder
    // > receives an SD-JWT+KB, it MUST be rejected.
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.2>
    if compact.kb_jwt.is_some() {
        return Err(Error::malformed(
            "SD-JWT",
            "this is an SD-JWT+KB (it ends with a KB-JWT); a holder works with the SD-JWT as issued",
        ));
    }
    let jwt = Jwt::parse(compact.jwt, "issuer-signed JWT")?;
    let non_disclosable: &[&str] = if jwt.typ().is_some_and(is_vc_typ) {
        &NON_DISCLOSABLE
    } else {
        &[]
    };
    let disclosures = compact
        .disclosures
        .iter()
        .enumerate()
        .map(|(position, encoded)| Disclosure::parse(encoded, position))
        .collect::<Result<Vec<_>, _>>()?;
    let names = disclosures.iter().map(|d| d.name.clone()).collect();
    let payload = if keep_payload {
        jwt.payload.clone()
    } else {
        Map::new()
    };
    let processed = process(jwt.payload, disclosures, non_disclosable, true)?;
    Ok(Opened {
        compact,
        header: jwt.header,
        payload,
        claims: processed.claims,
        placements: processed.placements,
        names,
    })
}

/// Whether a requested pointer needs the disclosure placed at `placed`: the
/// disclosure is the requested claim, one of its ancestors (without which it could
/// not be reached), or inside it (the request is for the whole value).
pub(crate) fn needed(requested: &Pointer, placed: &Pointer) -> bool {
    requested.starts_with(placed) || placed.starts_with(requested)
}
