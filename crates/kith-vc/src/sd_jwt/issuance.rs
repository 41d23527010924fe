//! Issuing an SD-JWT (RFC 9901 §4.1, §4.2): the claims named by JSON pointers are
//! replaced by digests of their disclosures, the rest stays in the clear.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-4.2>

use std::collections::BTreeSet;

use kith_crypto::{Header, PublicKey, Signer};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::Error;

use super::disclosure::{Disclosure, decoy};
use super::pointer::Pointer;
use super::vc::{NON_DISCLOSABLE, TYP_DC_SD_JWT, is_vc_typ};
use super::{ELLIPSIS, SD, SD_ALG, SHA_256};

/// How to issue an SD-JWT. `Default` is an SD-JWT VC (`typ: dc+sd-jwt`) that adds
/// nothing to the claims: no disclosable claims, no decoys, no holder key, no dates.
#[derive(Debug, Clone)]
pub struct IssueOptions {
    /// RFC 6901 pointers to the claims to make selectively disclosable: object members
    /// (`/given_name`, `/address/locality`) or array elements (`/nationalities/0`).
    /// A pointer may sit inside another disclosable claim (`/address` and
    /// `/address/locality`): the inner claim becomes disclosable inside the outer
    /// disclosure (RFC 9901 §4.2.6). `iss`, `nbf`, `exp`, `cnf`, `vct`,
    /// `vct#integrity`, `status` and `_sd_alg` and anything inside them cannot be
    /// disclosable.
    pub disclosable: Vec<String>,
    /// Decoy digests to add to each `_sd` array (RFC 9901 §4.2.5), so the number of
    /// digests does not give away the number of disclosable claims.
    pub decoys: usize,
    /// The holder's key, written as `cnf: {jwk}` (RFC 7800 §3.2) for key binding.
    pub holder_key: Option<PublicKey>,
    /// The `typ` header. `dc+sd-jwt` (the default) and `vc+sd-jwt` require `vct`.
    pub typ: String,
    /// The `kid` header: the DID URL of the issuer's key. Defaults to the signer's key id.
    pub kid: Option<String>,
    /// The `iss` claim. Defaults to the claims' own `iss`, else to the DID of `kid`.
    pub iss: Option<String>,
    /// The `vct` claim (SD-JWT VC type). Defaults to the claims' own `vct`.
    pub vct: Option<String>,
    /// The `iat` claim (issuance time). `None` keeps whatever the claims say.
    pub iat: Option<OffsetDateTime>,
    /// The `nbf` claim.
    pub nbf: Option<OffsetDateTime>,
    /// The `exp` claim.
    pub exp: Option<OffsetDateTime>,
    /// The `status` claim (a JSON object, e.g. `{"status_list": {"idx": 7, "uri": "..."}}`).
    pub status: Option<Value>,
}

impl Default for IssueOptions {
    fn default() -> Self {
        Self {
            disclosable: Vec::new(),
            decoys: 0,
            holder_key: None,
            typ: TYP_DC_SD_JWT.to_owned(),
            kid: None,
            iss: None,
            vct: None,
            iat: None,
            nbf: None,
            exp: None,
            status: None,
        }
    }
}

/// Issues an SD-JWT: `<issuer-signed JWT>~<disclosure>~...~`.
///
/// `claims` is the credential's claim set (for SD-JWT VC: `vct`, `iss`, `sub`, and the
/// subject's claims, not a VCDM JSON-LD document). The options' `iss`, `vct`, `iat`,
/// `nbf`, `exp`, `status` and `holder_key` are added to it; one that disagrees with a
/// claim already there is an error. Every problem with the arguments is `api_misuse`.
pub async fn issue(
    claims: &Value,
    signer: &dyn Signer,
    options: &IssueOptions,
) -> Result<String, Error> {
    let Value::Object(claims) = claims else {
        return Err(misuse("the claims must be a JSON object"));
    };
    // > The payload MUST NOT contain the claims `_sd` or `...` except for the purpose of
    // > conveying digests
    // <https://www.rfc-editor.org/rfc/rfc9901#section-4.1>
    if let Some(pointer) = find_reserved(claims, &mut Pointer::root()) {
        return Err(misuse(&format!(
            "the claims contain a reserved member at {pointer}"
        )));
    }
    let mut claims = claims.clone();
    let kid = options.kid.as_deref().or(signer.key_id());
    add_registered_claims(&mut claims, options, kid)?;
    if is_vc_typ(&options.typ) && !matches!(claims.get("vct"), Some(Value::String(_))) {
        return Err(misuse(
            "an SD-JWT VC needs a vct claim (set IssueOptions::vct)",
        ));
    }
    let document = Value::Object(claims);
    let disclosable = disclosable_pointers(&options.disclosable, &document)?;
    let Value::Object(claims) = document else {
        unreachable!("built from a map above")
    };

    let mut disclosures = Vec::new();
    let mut concealer = Concealer {
        disclosable: &disclosable,
        decoys: options.decoys,
        disclosures: &mut disclosures,
        path: Pointer::root(),
    };
    let mut payload = concealer.object(claims)?;
    // > If the `_sd_alg` claim is not present at the top level, a default value of
    // > `sha-256` MUST be used.
    // <https://www.rfc-editor.org/rfc/rfc9901#section-4.1.1> (written out all the same)
    payload.insert(SD_ALG.to_owned(), Value::String(SHA_256.to_owned()));

    let header = Header {
        typ: Some(options.typ.clone()),
        kid: kid.map(str::to_owned),
        ..Header::default()
    };
    // A map of JSON values always serializes.
    let payload = serde_json::to_vec(&payload).unwrap_or_default();
    let jwt = kith_crypto::sign_compact(header, &payload, signer).await?;
    let mut out = String::with_capacity(
        jwt.len() + 1 + disclosures.iter().map(|d| d.len() + 1).sum::<usize>(),
    );
    out.push_str(&jwt);
    out.push('~');
    for disclosure in &disclosures {
        out.push_str(disclosure);
        out.push('~');
    }
    Ok(out)
}

fn misuse(detail: &str) -> Error {
    Error::ApiMisuse(format!("SD-JWT issuance: {detail}"))
}

/// The first `_sd` or `...` member anywhere, or `_sd_alg` at the top.
fn find_reserved(members: &Map<String, Value>, path: &mut Pointer) -> Option<Pointer> {
    for (name, value) in members {
        if name == SD || name == ELLIPSIS || (path.is_root() && name == SD_ALG) {
            return Some(path.child(name.as_str()));
        }
        path.push(name.as_str());
        let found = find_reserved_in(value, path);
        path.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

fn find_reserved_in(value: &Value, path: &mut Pointer) -> Option<Pointer> {
    match value {
        Value::Object(members) => find_reserved(members, path),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(i.to_string());
            let found = find_reserved_in(item, path);
            path.pop();
            found
        }),
        _ => None,
    }
}

/// Writes the options' registered claims into `claims`.
fn add_registered_claims(
    claims: &mut Map<String, Value>,
    options: &IssueOptions,
    kid: Option<&str>,
) -> Result<(), Error> {
    // `iss` defaults to the DID that `kid` is a key of.
    let iss = options.iss.clone().or_else(|| {
        let did_of_kid = kid
            .and_then(|kid| kith_did::DidUrl::parse(kid).ok())
            .map(|url| url.did().to_string());
        did_of_kid.filter(|_| !claims.contains_key("iss"))
    });
    let date = |t: Option<OffsetDateTime>| t.map(|t| Value::from(t.unix_timestamp()));
    let entries = [
        ("iss", iss.map(Value::String)),
        ("iat", date(options.iat)),
        ("nbf", date(options.nbf)),
        ("exp", date(options.exp)),
        ("vct", options.vct.clone().map(Value::String)),
        ("status", options.status.clone()),
        ("cnf", options.holder_key.as_ref().map(cnf)),
    ];
    for (name, value) in entries {
        let Some(value) = value else { continue };
        if name == "status" && !value.is_object() {
            return Err(misuse("status must be a JSON object"));
        }
        match claims.get(name) {
            Some(existing) if *existing != value => {
                return Err(misuse(&format!(
                    "the claims have a {name} that differs from the one in the options"
                )));
            }
            _ => {
                claims.insert(name.to_owned(), value);
            }
        }
    }
    Ok(())
}

/// `{"jwk": <public JWK>}` (RFC 7800 §3.2).
fn cnf(key: &PublicKey) -> Value {
    let mut cnf = Map::new();
    // A JWK of strings always serializes.
    cnf.insert(
        "jwk".to_owned(),
        serde_json::to_value(key.to_jwk()).unwrap_or_default(),
    );
    Value::Object(cnf)
}

/// Parses and checks the disclosable pointers against the final claim set.
fn disclosable_pointers(texts: &[String], document: &Value) -> Result<BTreeSet<Pointer>, Error> {
    let mut pointers = BTreeSet::new();
    for text in texts {
        let pointer = Pointer::parse(text)?;
        let Some(first) = pointer.tokens().first() else {
            return Err(misuse(
                "the whole claim set cannot be disclosable (pointer \"\")",
            ));
        };
        // > An Issuer MUST NOT allow any content to be selectively disclosable that is
        // > critical for evaluating the SD-JWT's authenticity or validity.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-9.7>
        if NON_DISCLOSABLE.contains(&first.as_str()) {
            return Err(misuse(&format!(
                "{text:?} cannot be disclosable: {first} and its sub-claims decide validity and must stay in the clear"
            )));
        }
        if pointer.get(document).is_none() {
            return Err(misuse(&format!("{text:?} names no claim")));
        }
        pointers.insert(pointer);
    }
    Ok(pointers)
}

/// Replaces the disclosable claims with digests, bottom-up, so an inner disclosure's
/// digest ends up inside its outer disclosure (RFC 9901 §4.2.6).
struct Concealer<'a> {
    disclosable: &'a BTreeSet<Pointer>,
    decoys: usize,
    /// The encoded disclosures, in the order they were made.
    disclosures: &'a mut Vec<String>,
    path: Pointer,
}

impl Concealer<'_> {
    fn value(&mut self, value: Value) -> Result<Value, Error> {
        Ok(match value {
            Value::Object(members) => Value::Object(self.object(members)?),
            Value::Array(items) => Value::Array(self.array(items)?),
            scalar => scalar,
        })
    }

    fn object(&mut self, members: Map<String, Value>) -> Result<Map<String, Value>, Error> {
        let mut out = Map::with_capacity(members.len());
        let mut digests = Vec::new();
        for (name, value) in members {
            self.path.push(name.as_str());
            let value = self.value(value)?;
            if self.disclosable.contains(&self.path) {
                // RFC 9901 §4.2.1: [salt, claim name, claim value].
                digests.push(self.disclose(Some(&name), value)?);
            } else {
                out.insert(name, value);
            }
            self.path.pop();
        }
        if !digests.is_empty() {
            for _ in 0..self.decoys {
                digests.push(decoy()?);
            }
            // > The Issuer MUST hide the original order of the claims in the array. To
            // > ensure this, it is RECOMMENDED to shuffle the array of hashes, e.g., by
            // > sorting it alphanumerically
            // <https://www.rfc-editor.org/rfc/rfc9901#section-4.2.4.1>
            digests.sort_unstable();
            out.insert(SD.to_owned(), Value::from(digests));
        }
        Ok(out)
    }

    fn array(&mut self, items: Vec<Value>) -> Result<Vec<Value>, Error> {
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            self.path.push(index.to_string());
            let item = self.value(item)?;
            if self.disclosable.contains(&self.path) {
                // RFC 9901 §4.2.2 and §4.2.4.2: [salt, value], and {"...": digest} in place.
                let digest = self.disclose(None, item)?;
                let mut placeholder = Map::new();
                placeholder.insert(ELLIPSIS.to_owned(), Value::String(digest));
                out.push(Value::Object(placeholder));
            } else {
                out.push(item);
            }
            self.path.pop();
        }
        Ok(out)
    }

    fn disclose(&mut self, name: Option<&str>, value: Value) -> Result<String, Error> {
        let (encoded, disclosure) = Disclosure::create(name, value)?;
        self.disclosures.push(encoded);
        Ok(disclosure.digest)
    }
}
