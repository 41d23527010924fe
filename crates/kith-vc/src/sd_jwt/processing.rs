//! Processing the disclosures and the digests embedded in the Issuer-signed JWT
//! (RFC 9901 §7.1 steps 3 to 5): the one walk shared by the verifier, the holder and
//! `inspect`.
//!
//! The walk consumes the payload and the disclosures, so each disclosed value is moved
//! into place, never copied. It refuses, with `disclosure_mismatch`, every way a set of
//! disclosures can disagree with the digests: a digest seen twice, a disclosure given
//! twice or never referenced, the wrong disclosure shape for where its digest sits, a
//! disclosed name that already exists. Nesting through disclosures is bounded by
//! [`MAX_JSON_DEPTH`](crate::json::MAX_JSON_DEPTH) like any other JSON.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-7.1>

use std::collections::{HashMap, HashSet};

use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::Error;
use crate::json::MAX_JSON_DEPTH;

use super::disclosure::Disclosure;
use super::pointer::Pointer;
use super::{ELLIPSIS, SD, SD_ALG, SHA_256};

/// Where a disclosure's value sits in the processed claims.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    /// The pointer to the disclosed claim in the processed claims.
    pub(crate) pointer: Pointer,
    /// The disclosure whose value contains this one's digest, if any (RFC 9901 §4.2.6).
    pub(crate) parent: Option<usize>,
}

/// The Processed SD-JWT Payload and, when asked for, where each disclosure went.
#[derive(Debug, Clone)]
pub(crate) struct Processed {
    /// The claims with every disclosure in place and `_sd`, `...` and `_sd_alg` gone.
    pub(crate) claims: Map<String, Value>,
    /// One entry per disclosure, in the order given; empty unless tracking was asked for.
    pub(crate) placements: Vec<Placement>,
}

/// Runs RFC 9901 §7.1 steps 3 to 5 over a payload whose signature has been checked
/// (or, for `inspect`, is not being checked).
///
/// `non_disclosable` lists top-level claims that may not be disclosed nor contain
/// disclosures (SD-JWT VC's registered claims); `track` records [`Placement`]s.
pub(crate) fn process(
    payload: Map<String, Value>,
    disclosures: Vec<Disclosure>,
    non_disclosable: &[&str],
    track: bool,
) -> Result<Processed, Error> {
    let count = disclosures.len();
    let mut by_digest = HashMap::with_capacity(count);
    let mut slots = Vec::with_capacity(count);
    for (index, mut disclosure) in disclosures.into_iter().enumerate() {
        // > A Holder MUST NOT ... send a Disclosure more than once.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-4>
        if by_digest
            .insert(std::mem::take(&mut disclosure.digest), index)
            .is_some()
        {
            return Err(Error::DisclosureMismatch(format!(
                "disclosure #{} is presented more than once",
                index + 1
            )));
        }
        slots.push(Some(disclosure));
    }
    let mut walk = Walk {
        slots,
        by_digest,
        seen: HashSet::new(),
        non_disclosable,
        path: Pointer::root(),
        placements: if track { vec![None; count] } else { Vec::new() },
        track,
    };
    let top = Context {
        depth: 1,
        parent: None,
        top: true,
        critical: false,
    };
    let mut claims = payload;
    walk.object(&mut claims, top)?;
    // > If any Disclosure was not referenced by digest value in the Issuer-signed JWT
    // > (directly or recursively via other Disclosures), the SD-JWT MUST be rejected.
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 5
    if let Some(index) = walk.slots.iter().position(Option::is_some) {
        return Err(Error::DisclosureMismatch(format!(
            "disclosure #{} is not referenced by any digest in the issuer-signed JWT or in another disclosure",
            index + 1
        )));
    }
    Ok(Processed {
        claims,
        placements: walk.placements.into_iter().flatten().collect(),
    })
}

/// Where the walk is.
#[derive(Debug, Clone, Copy)]
struct Context {
    /// Nesting depth of the container being walked (the payload is 1).
    depth: usize,
    /// The disclosure whose value is being walked.
    parent: Option<usize>,
    /// Whether this is the payload itself.
    top: bool,
    /// Whether this is inside a claim that may not contain disclosures.
    critical: bool,
}

struct Walk<'a> {
    /// The disclosures not yet placed.
    slots: Vec<Option<Disclosure>>,
    by_digest: HashMap<String, usize>,
    /// Every embedded digest met so far, decoys included.
    seen: HashSet<String>,
    non_disclosable: &'a [&'a str],
    path: Pointer,
    placements: Vec<Option<Placement>>,
    track: bool,
}

impl Walk<'_> {
    /// Processes `value` in place: only the containers that carry digests change.
    fn value(&mut self, value: &mut Value, context: Context) -> Result<(), Error> {
        let inner = || {
            let depth = context.depth + 1;
            if depth > MAX_JSON_DEPTH {
                return Err(Error::TooDeep(format!(
                    "the processed SD-JWT payload nests deeper than {MAX_JSON_DEPTH} levels"
                )));
            }
            Ok(Context {
                depth,
                top: false,
                ..context
            })
        };
        match value {
            Value::Object(members) => self.object(members, inner()?),
            Value::Array(items) => {
                let context = inner()?;
                *items = self.array(std::mem::take(items), context)?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Processes an object in place. The members keep their order; `_sd` and `_sd_alg`
    /// are removed and the disclosed claims follow, in the order of their digests.
    fn object(&mut self, members: &mut Map<String, Value>, context: Context) -> Result<(), Error> {
        let mut digests = None;
        let mut sd_alg = false;
        for (name, value) in members.iter_mut() {
            if name == SD {
                digests = Some(std::mem::take(value));
                continue;
            }
            if name == SD_ALG {
                // > When used, this claim MUST appear at the top level of the SD-JWT
                // > payload. It MUST NOT be used in any object nested within the payload.
                // <https://www.rfc-editor.org/rfc/rfc9901#section-4.1.1>
                if !context.top || context.parent.is_some() {
                    return Err(Error::malformed(
                        "SD-JWT",
                        "_sd_alg appears below the top level",
                    ));
                }
                check_sd_alg(value)?;
                sd_alg = true;
                continue;
            }
            if name == ELLIPSIS {
                // > The payload MUST NOT contain the claims `_sd` or `...` except for the
                // > purpose of conveying digests
                // <https://www.rfc-editor.org/rfc/rfc9901#section-4.1>
                return Err(Error::malformed(
                    "SD-JWT",
                    "a claim named \"...\" outside an array element {\"...\": digest}",
                ));
            }
            let critical =
                context.critical || (context.top && self.non_disclosable.contains(&name.as_str()));
            self.enter(name);
            self.value(
                value,
                Context {
                    critical,
                    ..context
                },
            )?;
            self.leave();
        }
        if digests.is_some() || sd_alg {
            // `retain` keeps the order of the other members.
            members.retain(|name, _| name != SD && name != SD_ALG);
        }
        let Some(digests) = digests else {
            return Ok(());
        };
        // > The `_sd` key MUST refer to an array of strings
        // <https://www.rfc-editor.org/rfc/rfc9901#section-4.2.4.1>
        let Value::Array(digests) = digests else {
            return Err(not_digests());
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(not_digests());
            };
            let Some((index, disclosure)) = self.take(digest)? else {
                continue; // A decoy, or a claim the holder did not disclose.
            };
            // > If the contents of the respective Disclosure is not a JSON array of three
            // > elements (salt, claim name, claim value), the SD-JWT MUST be rejected.
            // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 3.3.2.1
            let Some(name) = disclosure.name else {
                return Err(Error::DisclosureMismatch(format!(
                    "disclosure #{} is an array element [salt, value] but its digest is in an _sd array",
                    index + 1
                )));
            };
            if name == SD_ALG {
                return Err(Error::DisclosureMismatch(format!(
                    "disclosure #{} discloses _sd_alg, which only the issuer-signed payload may carry",
                    index + 1
                )));
            }
            // > If the claim name already exists at the level of the `_sd` key, the SD-JWT
            // > MUST be rejected.
            // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 3.3.2.3
            // (`_sd` and `_sd_alg` are gone from `members` by now, as from the output.)
            let slot = match members.entry(name) {
                Entry::Vacant(slot) => slot,
                Entry::Occupied(existing) => {
                    return Err(Error::DisclosureMismatch(format!(
                        "disclosure #{} discloses {:?}, which already exists at that level",
                        index + 1,
                        existing.key()
                    )));
                }
            };
            let name = slot.key();
            let critical =
                context.critical || (context.top && self.non_disclosable.contains(&name.as_str()));
            if critical {
                return Err(forbidden(index, name, self.non_disclosable));
            }
            self.enter(name);
            self.place(index, context.parent);
            let mut value = disclosure.value;
            self.value(
                &mut value,
                Context {
                    parent: Some(index),
                    ..context
                },
            )?;
            self.leave();
            slot.insert(value);
        }
        Ok(())
    }

    fn array(&mut self, items: Vec<Value>, context: Context) -> Result<Vec<Value>, Error> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // The element's index in the processed array, for pointers and errors.
            let position = out.len();
            match item {
                Value::Object(mut members) if members.contains_key(ELLIPSIS) => {
                    // > For each digest, an object of the form {"...": "<digest>"} is added to
                    // > the array. ... There MUST NOT be any other keys in the object.
                    // <https://www.rfc-editor.org/rfc/rfc9901#section-4.2.4.2>
                    let (1, Some(Value::String(digest))) =
                        (members.len(), members.remove(ELLIPSIS))
                    else {
                        return Err(Error::malformed(
                            "SD-JWT",
                            "an array element with \"...\" must be exactly {\"...\": \"<digest>\"}",
                        ));
                    };
                    // > Remove all array elements for which the digest was not found
                    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 3.4
                    let Some((index, disclosure)) = self.take(digest)? else {
                        continue;
                    };
                    // > If the contents of the respective Disclosure is not a JSON array of
                    // > two elements (salt, value), the SD-JWT MUST be rejected.
                    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 3.3.3.1
                    if let Some(name) = &disclosure.name {
                        return Err(Error::DisclosureMismatch(format!(
                            "disclosure #{} names a claim ({name:?}) but its digest is an array element",
                            index + 1
                        )));
                    }
                    if context.critical {
                        return Err(forbidden(
                            index,
                            &position.to_string(),
                            self.non_disclosable,
                        ));
                    }
                    self.enter_index(position);
                    self.place(index, context.parent);
                    let mut value = disclosure.value;
                    self.value(
                        &mut value,
                        Context {
                            parent: Some(index),
                            ..context
                        },
                    )?;
                    self.leave();
                    out.push(value);
                }
                mut item => {
                    self.enter_index(position);
                    self.value(&mut item, context)?;
                    self.leave();
                    out.push(item);
                }
            }
        }
        Ok(out)
    }

    /// Looks up an embedded digest, taking its disclosure if one was presented.
    fn take(&mut self, digest: String) -> Result<Option<(usize, Disclosure)>, Error> {
        // > If any digest value is encountered more than once in the Issuer-signed JWT
        // > payload (directly or recursively via other Disclosures), the SD-JWT MUST be
        // > rejected.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 4
        //
        // A presented disclosure's digest is met again exactly when its slot is already
        // empty: slots are emptied only here. Every other digest is remembered in
        // `seen`. The two sets are disjoint, so together they hold every digest met.
        let repeated = match self.by_digest.get(&digest) {
            Some(&index) => match self.slots[index].take() {
                Some(disclosure) => return Ok(Some((index, disclosure))),
                None => digest,
            },
            None => match self.seen.replace(digest) {
                None => return Ok(None),
                Some(digest) => digest,
            },
        };
        Err(Error::DisclosureMismatch(format!(
            "the digest {repeated} appears more than once"
        )))
    }

    fn enter(&mut self, token: &str) {
        if self.track {
            self.path.push(token);
        }
    }

    fn enter_index(&mut self, index: usize) {
        if self.track {
            self.path.push(index.to_string());
        }
    }

    fn leave(&mut self) {
        if self.track {
            self.path.pop();
        }
    }

    fn place(&mut self, index: usize, parent: Option<usize>) {
        if self.track {
            self.placements[index] = Some(Placement {
                pointer: self.path.clone(),
                parent,
            });
        }
    }
}

/// > If the `_sd_alg` claim is not present at the top level, a default value of
/// > `sha-256` MUST be used. ... implementations MUST support the `sha-256` hash algorithm.
///
/// <https://www.rfc-editor.org/rfc/rfc9901#section-4.1.1>
///
/// Kith supports only `sha-256`; anything else is refused (§7.1 step 2.5).
fn check_sd_alg(value: &Value) -> Result<(), Error> {
    match value {
        Value::String(alg) if alg == SHA_256 => Ok(()),
        Value::String(alg) => Err(Error::Crypto(kith_crypto::Error::UnsupportedAlgorithm(
            format!("_sd_alg {alg:?} (only {SHA_256} is supported)"),
        ))),
        _ => Err(Error::malformed("SD-JWT", "_sd_alg is not a string")),
    }
}

fn not_digests() -> Error {
    Error::malformed("SD-JWT", "an _sd member is not an array of digest strings")
}

fn forbidden(index: usize, name: &str, non_disclosable: &[&str]) -> Error {
    // > The following registered JWT claims, including any of their sub-claims, ...
    // > MUST NOT be included in Disclosures
    // <https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/> "Registered JWT Claims"
    Error::DisclosureMismatch(format!(
        "disclosure #{} discloses {name:?} in a claim that must not be selectively disclosable ({})",
        index + 1,
        non_disclosable.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn payload(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn run(value: Value, disclosures: &[&Disclosure]) -> Result<Processed, Error> {
        process(
            payload(value),
            disclosures.iter().map(|d| (*d).clone()).collect(),
            &[],
            true,
        )
    }

    #[test]
    fn recursive_disclosures_land_where_their_digests_are() {
        let de = Disclosure::create(None, json!("DE")).unwrap().1;
        let fr = Disclosure::create(None, json!("FR")).unwrap().1;
        let nationalities = Disclosure::create(
            Some("nationalities"),
            json!([{"...": de.digest}, {"...": fr.digest}, "UK"]),
        )
        .unwrap()
        .1;
        let issuer =
            json!({"_sd": [nationalities.digest], "_sd_alg": "sha-256", "family_name": "Möbius"});
        let out = run(issuer.clone(), &[&nationalities, &fr]).unwrap();
        assert_eq!(
            Value::Object(out.claims),
            json!({"family_name": "Möbius", "nationalities": ["FR", "UK"]})
        );
        let pointers: Vec<String> = out
            .placements
            .iter()
            .map(|p| p.pointer.to_string())
            .collect();
        assert_eq!(pointers, ["/nationalities", "/nationalities/0"]);
        assert_eq!(
            (out.placements[0].parent, out.placements[1].parent),
            (None, Some(0))
        );
        // RFC 9901 §4.2.6: "FR" alone does not connect to the payload.
        assert_eq!(
            run(issuer, &[&fr]).unwrap_err().code(),
            "disclosure_mismatch"
        );
    }

    #[test]
    fn shape_and_reference_rules() {
        let member = Disclosure::create(Some("a"), json!(1)).unwrap().1;
        let element = Disclosure::create(None, json!(1)).unwrap().1;
        let cases = [
            // An array-element disclosure referenced from _sd, and the reverse.
            (json!({"_sd": [element.digest]}), vec![&element]),
            (json!({"x": [{"...": member.digest}]}), vec![&member]),
            // The disclosed name exists already.
            (json!({"a": 0, "_sd": [member.digest]}), vec![&member]),
            // A digest twice, even with no disclosure for it.
            (json!({"_sd": ["d", "d"]}), vec![]),
            (json!({"_sd": ["d"], "x": {"_sd": ["d"]}}), vec![]),
            // A disclosure twice.
            (json!({"_sd": [member.digest]}), vec![&member, &member]),
        ];
        for (issuer, disclosures) in cases {
            let err = run(issuer.clone(), &disclosures).unwrap_err();
            assert_eq!(err.code(), "disclosure_mismatch", "{issuer}: {err}");
        }
        for bad in [
            json!({"_sd": "d"}),
            json!({"_sd": [1]}),
            json!({"x": [{"...": "d", "y": 1}]}),
            json!({"...": "d"}),
            json!({"x": {"_sd_alg": "sha-256"}}),
        ] {
            assert_eq!(
                run(bad.clone(), &[]).unwrap_err().code(),
                "malformed",
                "{bad}"
            );
        }
        let err = run(json!({"_sd_alg": "sha-512"}), &[]).unwrap_err();
        assert_eq!(err.code(), "unsupported_algorithm");
    }

    #[test]
    fn undisclosed_digests_vanish_and_empty_objects_stay() {
        let out = run(json!({"a": {"_sd": ["x"]}, "b": [{"...": "y"}, 1]}), &[]).unwrap();
        assert_eq!(Value::Object(out.claims), json!({"a": {}, "b": [1]}));
    }

    #[test]
    fn non_disclosable_claims_and_their_sub_claims() {
        let iss = Disclosure::create(Some("iss"), json!("https://issuer"))
            .unwrap()
            .1;
        let jwk = Disclosure::create(Some("jwk"), json!({})).unwrap().1;
        let forbid = ["iss", "cnf"];
        let err = process(
            payload(json!({"_sd": [iss.digest]})),
            vec![iss.clone()],
            &forbid,
            false,
        )
        .unwrap_err();
        assert_eq!(err.code(), "disclosure_mismatch");
        let err = process(
            payload(json!({"cnf": {"_sd": [jwk.digest]}})),
            vec![jwk.clone()],
            &forbid,
            false,
        )
        .unwrap_err();
        assert_eq!(err.code(), "disclosure_mismatch");
        // Elsewhere the same names are ordinary claims.
        assert!(
            process(
                payload(json!({"x": {"_sd": [iss.digest]}})),
                vec![iss],
                &forbid,
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn nesting_through_disclosures_is_bounded() {
        let mut disclosures = Vec::new();
        let mut value = json!(1);
        // 65 nested objects: the payload plus 64 disclosed ones.
        for _ in 0..=MAX_JSON_DEPTH {
            let d = Disclosure::create(Some("n"), value).unwrap().1;
            value = json!({"_sd": [d.digest]});
            disclosures.push(d);
        }
        let err = process(payload(value), disclosures, &[], false).unwrap_err();
        assert_eq!(err.code(), "too_deep");
    }
}
