//! JSON pointers (RFC 6901) and selectJsonLd: the part of a compact JSON-LD document
//! that a list of pointers names, with the `id` and `type` of every node on the way so
//! the selection deserializes to the same nodes.
//!
//! <https://www.w3.org/TR/vc-di-ecdsa/#selectjsonld> (§3.4.12; vc-di-bbs §3.3 uses it)

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::Error;

/// Longest JSON pointer accepted, and most pointers in one list.
pub(crate) const MAX_POINTER_LEN: usize = 1024;
/// Most pointers in one mandatory or selective list.
pub(crate) const MAX_POINTERS: usize = 1024;

fn pointer_error(pointer: &str, reason: &str) -> Error {
    Error::model(
        "invalid_pointer",
        format!("JSON pointer {pointer:?}: {reason}"),
    )
}

/// The reference tokens of a JSON pointer (RFC 6901 §3–4): `~1` is `/`, `~0` is `~`,
/// any other `~` escape is an error. The empty pointer (the whole document) is refused:
/// a selection must name members.
pub(crate) fn parse_pointer(pointer: &str) -> Result<Vec<String>, Error> {
    if pointer.len() > MAX_POINTER_LEN {
        return Err(pointer_error(pointer, "too long"));
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(pointer_error(pointer, "must start with '/'"));
    };
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err(pointer_error(pointer, "'~' must be followed by 0 or 1")),
                    }
                } else {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .collect()
}

/// An array index token: digits without a leading zero (RFC 6901 §4).
fn array_index(token: &str) -> Option<usize> {
    let canonical = token == "0" || (!token.starts_with('0') && !token.is_empty());
    if canonical && token.bytes().all(|b| b.is_ascii_digit()) {
        token.parse().ok()
    } else {
        None
    }
}

/// A selection under construction: objects keep their members in insertion order,
/// arrays only the indexes selected, in order.
enum Selected {
    Object(Members),
    Array(BTreeMap<usize, Selected>),
    Leaf(Value),
}

/// Object members in insertion order; inserting an existing name replaces its value in
/// place (as a JavaScript object spread does).
#[derive(Default)]
struct Members(Vec<(String, Selected)>);

impl Members {
    fn insert(&mut self, name: String, value: Selected) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, slot)) => *slot = value,
            None => self.0.push((name, value)),
        }
    }

    fn entry_or_insert(&mut self, name: &str, fresh: impl FnOnce() -> Selected) -> &mut Selected {
        let position = match self.0.iter().position(|(n, _)| n == name) {
            Some(position) => position,
            None => {
                self.0.push((name.to_owned(), fresh()));
                self.0.len() - 1
            }
        };
        &mut self.0[position].1
    }
}

impl Selected {
    /// > createInitialSelection: [...] if object.id is set and is not a blank node
    /// > identifier, set selection.id [...] if object.type is set, set selection.type
    fn initial(object: &Map<String, Value>) -> Self {
        let mut selection = Members::default();
        for key in ["id", "@id"] {
            if let Some(Value::String(id)) = object.get(key)
                && !id.starts_with("_:")
            {
                selection.insert(key.to_owned(), Selected::Leaf(Value::String(id.clone())));
            }
        }
        for key in ["type", "@type"] {
            if let Some(types) = object.get(key) {
                selection.insert(key.to_owned(), Selected::Leaf(types.clone()));
            }
        }
        Self::Object(selection)
    }

    /// A full copy of `value`, as a selection that later pointers can descend into.
    fn whole(value: &Value) -> Self {
        match value {
            Value::Object(object) => Self::Object(Members(
                object
                    .iter()
                    .map(|(k, v)| (k.clone(), Self::whole(v)))
                    .collect(),
            )),
            Value::Array(items) => Self::Array(items.iter().map(Self::whole).enumerate().collect()),
            other => Self::Leaf(other.clone()),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Object(object) => Value::Object(
                object
                    .0
                    .into_iter()
                    .map(|(k, v)| (k, v.into_value()))
                    .collect(),
            ),
            // > compact any sparse arrays
            Self::Array(items) => Value::Array(items.into_values().map(Self::into_value).collect()),
            Self::Leaf(value) => value,
        }
    }
}

/// selectJsonLd: the selection `pointers` make of `document` (a JSON object), with the
/// document's `@context`. A pointer that names nothing is `invalid_pointer`.
pub(crate) fn select(document: &Value, pointers: &[String]) -> Result<Value, Error> {
    let Value::Object(root) = document else {
        return Err(Error::malformed(
            "bbs-2023 document",
            "a document must be a JSON object",
        ));
    };
    if pointers.len() > MAX_POINTERS {
        return Err(Error::model(
            "invalid_pointer",
            format!("{} JSON pointers, more than {MAX_POINTERS}", pointers.len()),
        ));
    }
    let mut selection = Members::default();
    if let Some(context) = root.get("@context") {
        selection.insert("@context".to_owned(), Selected::Leaf(context.clone()));
    }
    if let Selected::Object(initial) = Selected::initial(root) {
        selection.0.extend(initial.0);
    }
    let mut selection = Selected::Object(selection);
    for pointer in pointers {
        select_path(document, &parse_pointer(pointer)?, pointer, &mut selection)?;
    }
    Ok(selection.into_value())
}

fn select_path(
    document: &Value,
    tokens: &[String],
    pointer: &str,
    selection: &mut Selected,
) -> Result<(), Error> {
    let missing = || pointer_error(pointer, "names nothing in the document");
    let mut value = document;
    let mut cursor = selection;
    for token in tokens {
        // > If value is undefined [...] an error MUST be raised
        value = match value {
            Value::Object(object) => object.get(token).ok_or_else(missing)?,
            Value::Array(items) => array_index(token)
                .and_then(|i| items.get(i))
                .ok_or_else(missing)?,
            _ => return Err(missing()),
        };
        let fresh = || match value {
            Value::Array(_) => Selected::Array(BTreeMap::new()),
            Value::Object(object) => Selected::initial(object),
            other => Selected::Leaf(other.clone()),
        };
        cursor = match cursor {
            Selected::Object(object) => object.entry_or_insert(token, fresh),
            Selected::Array(items) => {
                let index = array_index(token).ok_or_else(missing)?;
                items.entry(index).or_insert_with(fresh)
            }
            Selected::Leaf(_) => return Err(missing()),
        };
    }
    // > If value is a literal, set selectedValue to value. If value is an array, set
    // > selectedValue to a copy of value. Otherwise, set selectedValue to a merge of
    // > selectedValue and a deep copy of value.
    match (value, &mut *cursor) {
        (Value::Object(object), Selected::Object(selected)) => {
            for (name, member) in object {
                selected.insert(name.clone(), Selected::whole(member));
            }
        }
        (other, _) => *cursor = Selected::whole(other),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_follow_rfc6901() {
        assert_eq!(parse_pointer("/a~1b/c~0d/0").unwrap(), ["a/b", "c~d", "0"]);
        assert_eq!(parse_pointer("/").unwrap(), [""]);
        for bad in ["", "a", "/a~2", "/a~"] {
            assert_eq!(
                parse_pointer(bad).unwrap_err().code(),
                "invalid_pointer",
                "{bad}"
            );
        }
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("10"), Some(10));
        assert_eq!(array_index("01"), None);
        assert_eq!(array_index("-"), None);
        assert_eq!(array_index(""), None);
    }

    #[test]
    fn selection_keeps_path_ids_and_types_and_compacts_arrays() {
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:1",
            "type": ["VerifiableCredential"],
            "issuer": "did:example:i",
            "credentialSubject": {
                "id": "did:example:s",
                "type": "Person",
                "items": [{"a": 1}, {"b": 2, "c": 3}],
                "name": "Alice"
            }
        });
        let pointers = vec![
            "/credentialSubject/items/1/c".to_owned(),
            "/issuer".to_owned(),
        ];
        assert_eq!(
            select(&doc, &pointers).unwrap(),
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": "urn:uuid:1",
                "type": ["VerifiableCredential"],
                "credentialSubject": {
                    "id": "did:example:s",
                    "type": "Person",
                    "items": [{"c": 3}]
                },
                "issuer": "did:example:i"
            })
        );
        let missing = vec!["/credentialSubject/items/2".to_owned()];
        assert_eq!(
            select(&doc, &missing).unwrap_err().code(),
            "invalid_pointer"
        );
    }
}
