//! The RDF dataset of a proof configuration, read off the credentials v2 context's
//! `DataIntegrityProof` definitions instead of running the JSON-LD processor.
//!
//! Every `*-rdfc-*` and `bbs-2023` proof canonicalizes its proof configuration
//! (vc-di-eddsa §3.3.5, vc-di-ecdsa §3.3.5, vc-di-bbs §3.3.4), and for the shape those
//! configurations have (a `DataIntegrityProof` with string members and the
//! credentials v2 context) the JSON-LD processor spent most of a verification
//! processing that type-scoped context. [`quads`] writes the same dataset directly and
//! answers `None` for anything else, which then takes the processor; the tests check
//! both give the same canonical N-Quads, for every member and value kind.

use kith_ld::{Literal, Quad, Term};
use serde_json::Value;

use super::suite::{DATA_INTEGRITY_PROOF, Members};
use crate::model::CREDENTIALS_V2_CONTEXT as CREDENTIALS_V2;

const EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const SEC: &str = "https://w3id.org/security#";
const XSD_DATE_TIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";

/// How a member's value becomes the object of its quad, per its term definition in
/// the `DataIntegrityProof` scoped context of credentials v2.
enum Object {
    /// No `@type`: a simple literal.
    String,
    /// `@type` a datatype IRI: a typed literal.
    Typed(&'static str),
    /// `@type: @id`: an IRI, here only an absolute one.
    Id,
    /// `proofPurpose`, `@type: @vocab` with its own scoped context: one of its terms.
    ProofPurpose,
}

/// The members the shape allows: name, predicate IRI, object.
const MEMBERS: &[(&str, &str, Object)] = &[
    (
        "challenge",
        "https://w3id.org/security#challenge",
        Object::String,
    ),
    ("domain", "https://w3id.org/security#domain", Object::String),
    ("nonce", "https://w3id.org/security#nonce", Object::String),
    (
        "created",
        "http://purl.org/dc/terms/created",
        Object::Typed(XSD_DATE_TIME),
    ),
    (
        "expires",
        "https://w3id.org/security#expiration",
        Object::Typed(XSD_DATE_TIME),
    ),
    (
        "cryptosuite",
        "https://w3id.org/security#cryptosuite",
        Object::Typed("https://w3id.org/security#cryptosuiteString"),
    ),
    (
        "verificationMethod",
        "https://w3id.org/security#verificationMethod",
        Object::Id,
    ),
    (
        "previousProof",
        "https://w3id.org/security#previousProof",
        Object::Id,
    ),
    (
        "proofPurpose",
        "https://w3id.org/security#proofPurpose",
        Object::ProofPurpose,
    ),
];

/// The terms of `proofPurpose`'s scoped context and the IRIs they map to.
const PROOF_PURPOSES: &[(&str, &str)] = &[
    ("assertionMethod", "assertionMethod"),
    ("authentication", "authenticationMethod"),
    ("capabilityDelegation", "capabilityDelegationMethod"),
    ("capabilityInvocation", "capabilityInvocationMethod"),
    ("keyAgreement", "keyAgreementMethod"),
];

/// IRI schemes that name no term of the allowed contexts, so that a value with one is
/// an absolute IRI and never a compact IRI (JSON-LD 1.1 IRI Expansion, step 6).
const SCHEMES: &[&str] = &["did", "https", "http", "urn"];

/// The quads of `config` (a blank node subject), or `None` when `config` is outside
/// the shape: an `@context` other than credentials v2 (alone or with the examples v2
/// context, which only adds `@vocab`), an `id`, a member not in [`MEMBERS`], a value
/// that is not a string, a string with `%` (whose escapes the processor checks), an
/// `@id` value that is not an absolute IRI of [`SCHEMES`], or an unknown proof purpose.
pub(crate) fn quads(config: &Members<'_>) -> Option<Vec<Quad>> {
    let subject = Term::Blank("b0".to_owned());
    let mut quads = Vec::with_capacity(config.len());
    let mut has_context = false;
    let mut has_type = false;
    for (name, value) in config {
        match *name {
            "@context" => {
                has_context = true;
                if !known_context(value) {
                    return None;
                }
                continue;
            }
            "type" => {
                has_type = true;
                if value.as_str() != Some(DATA_INTEGRITY_PROOF) {
                    return None;
                }
                quads.push(quad(
                    &subject,
                    RDF_TYPE,
                    iri(&format!("{SEC}DataIntegrityProof")),
                ));
                continue;
            }
            _ => {}
        }
        let (_, predicate, object) = MEMBERS.iter().find(|(member, _, _)| member == name)?;
        let text = value.as_str().filter(|text| !text.contains('%'))?;
        let object = match object {
            Object::String => literal(text, kith_ld::rdf::XSD_STRING),
            Object::Typed(datatype) => literal(text, datatype),
            Object::Id => {
                let scheme = text.split_once(':')?.0;
                if !SCHEMES.contains(&scheme) || !kith_ld::is_absolute_iri(text) {
                    return None;
                }
                iri(text)
            }
            Object::ProofPurpose => {
                let (_, fragment) = PROOF_PURPOSES.iter().find(|(term, _)| *term == text)?;
                iri(&format!("{SEC}{fragment}"))
            }
        };
        quads.push(quad(&subject, predicate, object));
    }
    (has_context && has_type).then_some(quads)
}

/// `@context` is exactly credentials v2, or credentials v2 then examples v2.
fn known_context(value: &Value) -> bool {
    match value {
        Value::String(url) => url == CREDENTIALS_V2,
        Value::Array(urls) => match urls.as_slice() {
            [Value::String(first)] => first == CREDENTIALS_V2,
            [Value::String(first), Value::String(second)] => {
                first == CREDENTIALS_V2 && second == EXAMPLES_V2
            }
            _ => false,
        },
        _ => false,
    }
}

fn quad(subject: &Term, predicate: &str, object: Term) -> Quad {
    Quad {
        subject: subject.clone(),
        predicate: iri(predicate),
        object,
        graph: None,
    }
}

fn iri(text: &str) -> Term {
    Term::Iri(text.to_owned())
}

fn literal(value: &str, datatype: &str) -> Term {
    Term::Literal(Literal {
        value: value.to_owned(),
        datatype: datatype.to_owned(),
        language: None,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::di::suite::members;

    /// What the JSON-LD processor makes of `config`: canonical N-Quads or an error code.
    fn processor(config: &Map<String, Value>) -> Result<String, &'static str> {
        kith_ld::canonical_nquads(&Value::Object(config.clone())).map_err(|e| e.code())
    }

    /// What [`quads`] makes of `config`, when it takes it.
    fn direct(config: &Map<String, Value>) -> Option<String> {
        let quads = quads(&members(config))?;
        let canonical = kith_ld::canonicalize(&quads, &kith_ld::CanonOptions::default());
        Some(canonical.expect("one blank node canonicalizes").nquads)
    }

    fn typical() -> Map<String, Value> {
        let Value::Object(config) = json!({
            "@context": [CREDENTIALS_V2, EXAMPLES_V2],
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2024-01-01T00:00:00Z",
            "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            "proofPurpose": "assertionMethod"
        }) else {
            unreachable!()
        };
        config
    }

    /// The proof configurations Kith makes take the direct path, with every member it
    /// knows, and give what the processor gives.
    #[test]
    fn typical_configurations_are_direct_and_equal() {
        let mut config = typical();
        assert_eq!(
            direct(&config).as_deref(),
            processor(&config).ok().as_deref()
        );
        for (name, value) in [
            ("challenge", json!("a nonce \"quoted\"\nline")),
            ("domain", json!("https://verifier.example")),
            ("nonce", json!("n-1")),
            ("expires", json!("2025-01-01T00:00:00Z")),
            (
                "previousProof",
                json!("urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544"),
            ),
            ("@context", json!(CREDENTIALS_V2)),
            ("proofPurpose", json!("authentication")),
        ] {
            config.insert(name.to_owned(), value);
            let expected = processor(&config).expect("the processor takes it");
            assert_eq!(direct(&config), Some(expected), "{name}");
        }
    }

    /// Outside the shape, [`quads`] declines and the processor decides.
    #[test]
    fn other_shapes_take_the_processor() {
        let cases = [
            (
                "@context",
                json!(["https://www.w3.org/2018/credentials/v1"]),
            ),
            (
                "@context",
                json!([CREDENTIALS_V2, {"@vocab": "https://example.org/#"}]),
            ),
            ("id", json!("urn:uuid:1")),
            ("proofValue", json!("z1")),
            ("domain", json!(["a", "b"])),
            ("verificationMethod", json!("did:key:%ff")),
            ("verificationMethod", json!("key-1")),
            ("verificationMethod", json!("ex:key-1")),
            ("verificationMethod", json!("did:key:has space")),
            ("proofPurpose", json!("somethingElse")),
            ("type", json!(["DataIntegrityProof"])),
            ("created", json!(null)),
        ];
        for (name, value) in cases {
            let mut config = typical();
            config.insert(name.to_owned(), value.clone());
            assert_eq!(direct(&config), None, "{name}: {value}");
        }
        let mut config = typical();
        config.remove("@context");
        assert_eq!(direct(&config), None);
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9:/#?@._~ %\"\\\\-]{0,24}",
            Just("did:key:z6Mk#z6Mk".to_owned()),
            Just("https://example.org/a?b=c#d".to_owned()),
            Just("urn:uuid:1".to_owned()),
            Just("did:example:ü".to_owned()),
            Just("http://[::1".to_owned()),
            Just("_:b1".to_owned()),
            Just("@id".to_owned()),
            Just("assertionMethod".to_owned()),
            Just("keyAgreement".to_owned()),
            Just(String::new()),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            8 => text().prop_map(Value::String),
            1 => Just(json!(null)),
            1 => Just(json!(7)),
            1 => Just(json!(["x"])),
        ]
    }

    proptest! {
        /// Whenever [`quads`] takes a configuration, the processor gives the same
        /// canonical N-Quads (and no error).
        #[test]
        fn direct_equals_processor(
            changes in proptest::collection::vec(
                (prop::sample::select(vec![
                    "challenge", "domain", "nonce", "created", "expires", "cryptosuite",
                    "verificationMethod", "previousProof", "proofPurpose", "type",
                ]), value()),
                0..6,
            ),
            context in prop::sample::select(vec![0usize, 1, 2]),
        ) {
            let mut config = typical();
            config.insert("@context".into(), [
                json!([CREDENTIALS_V2, EXAMPLES_V2]),
                json!(CREDENTIALS_V2),
                json!([CREDENTIALS_V2]),
            ][context].clone());
            for (name, value) in changes {
                config.insert(name.to_owned(), value);
            }
            if let Some(direct) = direct(&config) {
                prop_assert_eq!(Ok(direct), processor(&config), "{:?}", config);
            }
        }
    }
}
