//! Skolemization for selective disclosure: name every blank node of a compact JSON-LD
//! document with an IRI, so that the document and any selection of it (by JSON
//! pointers) deserialize to RDF with the *same* blank node labels, then turn those
//! IRIs back into blank nodes ("deskolemize") and relabel them.
//!
//! These are the primitives the selective-disclosure cryptosuites (`bbs-2023`,
//! `ecdsa-sd-2023`) share:
//!
//! > skolemizeCompactJsonLd [...] replaces all blank node identifiers in a compact
//! > JSON-LD document with custom-scheme URNs [...] toDeskolemizedNQuads [...] converts
//! > a skolemized JSON-LD document [...] to an array of deskolemized N-Quads
//!
//! <https://www.w3.org/TR/vc-di-ecdsa/#selective-disclosure-functions> (§3.4.1–3.4.3),
//! which vc-di-bbs §3.3 uses unchanged.
//!
//! The spec skolemizes the *expanded* document and compacts it back. Kith has no
//! compaction, so [`skolemize`] names node objects directly in the compact form: every
//! JSON object except `@context` values, value objects (`@value`) and `@list`/`@set`
//! wrappers gets an `@id` (or its blank `id`/`@id` replaced). [`deskolemize`] refuses
//! any blank node that did not come from a skolem IRI (a node the walk could not name,
//! e.g. an implicit `@graph` container name, or the nodes of an RDF list made from a
//! `@list`), so a document this walk cannot handle is
//! an error, never a silently different selection. Callers that sign should also check
//! that the deskolemized dataset is the document's own (same canonical N-Quads).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::Error;
use crate::rdf::{Quad, Term};

/// A document whose blank nodes are named `<prefix><label>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Skolemized {
    /// The compact document with an `@id` on every node object.
    pub document: Value,
    /// The IRI prefix of the skolem names, e.g. `urn:kith-skolem:3f…:`.
    pub prefix: String,
}

/// Names every node object of the compact `document` with `prefix` followed by `b0`,
/// `b1`, ... (or, for an explicit blank node `_:x`, by `prefix` followed by `x`).
///
/// `prefix` must be an absolute IRI prefix the document does not use otherwise, for
/// example a `urn:` with a random component.
pub fn skolemize(document: &Value, prefix: &str) -> Skolemized {
    let mut document = document.clone();
    let mut counter = 0usize;
    // Iterative walk (documents are depth-bounded by the JSON parser and by to_rdf, but
    // a stack keeps this function safe on any input).
    let mut stack: Vec<&mut Value> = vec![&mut document];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(object) => {
                if object.contains_key("@value") {
                    continue;
                }
                if object.contains_key("@list") || object.contains_key("@set") {
                    for (name, member) in object.iter_mut() {
                        if name == "@list" || name == "@set" {
                            stack.push(member);
                        }
                    }
                    continue;
                }
                name_node(object, prefix, &mut counter);
                for (name, member) in object.iter_mut() {
                    if name != "@context" {
                        stack.push(member);
                    }
                }
            }
            _ => {}
        }
    }
    Skolemized {
        document,
        prefix: prefix.to_owned(),
    }
}

/// Gives one node object its skolem `@id`.
fn name_node(object: &mut Map<String, Value>, prefix: &str, counter: &mut usize) {
    for key in ["@id", "id"] {
        match object.get_mut(key) {
            Some(Value::String(id)) => {
                if let Some(label) = id.strip_prefix("_:") {
                    *id = format!("{prefix}{label}");
                }
                return;
            }
            Some(_) => return,
            None => {}
        }
    }
    object.insert(
        "@id".to_owned(),
        Value::String(format!("{prefix}b{counter}")),
    );
    *counter += 1;
}

/// Replaces every IRI that starts with `prefix` by the blank node named by the rest.
///
/// A blank node already present is [`Error::InvalidJsonLd`]: it is a node
/// [`skolemize`] could not name, whose label would differ between the document and a
/// selection of it.
pub fn deskolemize(quads: Vec<Quad>, prefix: &str) -> Result<Vec<Quad>, Error> {
    let convert = |term: Term| -> Result<Term, Error> {
        match term {
            Term::Iri(iri) => match iri.strip_prefix(prefix) {
                Some(label) => Ok(Term::Blank(label.to_owned())),
                None => Ok(Term::Iri(iri)),
            },
            Term::Blank(label) => Err(Error::InvalidJsonLd {
                jsonld_code: "unnamed blank node".into(),
                detail: format!(
                    "blank node _:{label} has no name in the compact document (an implicit \
                     graph or a value the selective-disclosure walk cannot address)"
                ),
            }),
            literal @ Term::Literal(_) => Ok(literal),
        }
    };
    quads
        .into_iter()
        .map(|quad| {
            Ok(Quad {
                subject: convert(quad.subject)?,
                predicate: quad.predicate,
                object: convert(quad.object)?,
                graph: quad.graph.map(convert).transpose()?,
            })
        })
        .collect()
}

/// The deskolemized RDF of a skolemized document (or of a selection of one):
/// [`crate::to_rdf`] with the bundled contexts, then [`deskolemize`].
pub fn to_deskolemized_rdf(document: &Value, prefix: &str) -> Result<Vec<Quad>, Error> {
    deskolemize(crate::to_rdf(document)?, prefix)
}

/// The N-Quads lines of `quads` with every blank node label replaced through `labels`,
/// sorted in code point order (each line ends in `\n`).
///
/// > Replace the blank node identifiers [...] using labelMap [...] Sort the resulting
/// > N-Quads
///
/// <https://www.w3.org/TR/vc-di-ecdsa/#labelreplacementcanonicalizenquads> (§3.4.2)
///
/// A label `labels` does not map is [`Error::InvalidJsonLd`].
pub fn relabel(quads: &[Quad], labels: &HashMap<String, String>) -> Result<Vec<String>, Error> {
    let convert = |term: &Term| -> Result<Term, Error> {
        match term {
            Term::Blank(label) => labels
                .get(label)
                .map(|new| Term::Blank(new.clone()))
                .ok_or_else(|| Error::InvalidJsonLd {
                    jsonld_code: "unmapped blank node".into(),
                    detail: format!("blank node _:{label} has no entry in the label map"),
                }),
            other => Ok(other.clone()),
        }
    };
    let mut lines = quads
        .iter()
        .map(|quad| {
            Ok(Quad {
                subject: convert(&quad.subject)?,
                predicate: quad.predicate.clone(),
                object: convert(&quad.object)?,
                graph: quad.graph.as_ref().map(convert).transpose()?,
            }
            .to_nquad())
        })
        .collect::<Result<Vec<String>, Error>>()?;
    lines.sort_unstable();
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PREFIX: &str = "urn:kith-skolem:test:";

    fn credential() -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://example.org/#"}],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {
                "name": "Alice",
                "literal": {"@value": "x", "@language": "en"},
                "friend": {"id": "_:f", "name": "Bob"},
                "items": [{"a": 1}, {"a": 2}]
            }
        })
    }

    fn with_list() -> Value {
        let mut doc = credential();
        doc["credentialSubject"]["list"] = json!({"@list": [{"a": 1}, 2]});
        doc
    }

    #[test]
    fn nodes_are_named_and_values_are_not() {
        let skolemized = skolemize(&with_list(), PREFIX);
        let doc = &skolemized.document;
        assert!(doc["@id"].as_str().unwrap().starts_with(PREFIX));
        let subject = &doc["credentialSubject"];
        assert!(subject["@id"].as_str().unwrap().starts_with(PREFIX));
        assert!(subject["list"].get("@id").is_none());
        assert!(subject["list"]["@list"][0]["@id"].is_string());
        assert!(subject["literal"].get("@id").is_none());
        assert_eq!(subject["friend"]["id"], format!("{PREFIX}f"));
        assert!(doc["@context"][1].get("@id").is_none());
    }

    #[test]
    fn deskolemized_dataset_is_the_documents_own() {
        let original = crate::canonical_nquads(&credential()).unwrap();
        let skolemized = skolemize(&credential(), PREFIX);
        let quads = to_deskolemized_rdf(&skolemized.document, PREFIX).unwrap();
        let canonical = crate::canonicalize(&quads, &crate::CanonOptions::default()).unwrap();
        assert_eq!(canonical.nquads, original);
        // Every blank node was named by the walk.
        assert!(
            quads
                .iter()
                .all(|q| q.subject.as_blank().is_none_or(|l| !l.is_empty()))
        );
    }

    #[test]
    fn unnamed_blank_nodes_are_refused() {
        let quads = crate::to_rdf(&credential()).unwrap();
        assert_eq!(
            deskolemize(quads, PREFIX).unwrap_err().code(),
            "invalid_jsonld"
        );
        // RDF lists are blank nodes made by toRdf, which no pointer can name.
        let skolemized = skolemize(&with_list(), PREFIX);
        assert_eq!(
            to_deskolemized_rdf(&skolemized.document, PREFIX)
                .unwrap_err()
                .code(),
            "invalid_jsonld"
        );
    }

    #[test]
    fn relabel_sorts_and_refuses_unknown_labels() {
        let skolemized = skolemize(&credential(), PREFIX);
        let quads = to_deskolemized_rdf(&skolemized.document, PREFIX).unwrap();
        let mut labels: HashMap<String, String> = HashMap::new();
        for quad in &quads {
            for term in [&quad.subject, &quad.object] {
                if let Some(label) = term.as_blank() {
                    let next = format!("n{}", labels.len());
                    labels.entry(label.to_owned()).or_insert(next);
                }
            }
        }
        let lines = relabel(&quads, &labels).unwrap();
        assert!(lines.windows(2).all(|w| w[0] <= w[1]));
        assert!(lines.iter().all(|l| l.ends_with(" .\n")));
        labels.clear();
        assert_eq!(
            relabel(&quads, &labels).unwrap_err().code(),
            "invalid_jsonld"
        );
    }
}
