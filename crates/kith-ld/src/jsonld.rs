//! JSON-LD 1.1 Expansion and Deserialize JSON-LD to RDF, through the `json-ld` crate,
//! with a [`ContextLoader`] and safe mode.
//!
//! <https://www.w3.org/TR/json-ld11-api/#expansion-algorithm>,
//! <https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm>

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use json_ld::expansion::{Action, Policy};
use json_ld::rdf_types::generator;
use json_ld::syntax::ErrorCode;
use json_ld::{IriBuf, JsonLdProcessor as _, LoadError, Loader, ProcessingMode, RemoteDocument};
use serde_json::Value;

use crate::rdf::{Literal, Quad, RDF_LANG_STRING, Term};
use crate::{BundledContexts, ContextLoader, Error};

/// Deepest JSON accepted: the expansion algorithm recurses once per level.
pub const MAX_DEPTH: usize = 64;

/// Most quads [`to_rdf`] returns.
pub const MAX_QUADS: usize = 100_000;

/// Most remote contexts one document may load.
const MAX_LOADS: usize = 64;

/// How value objects with a base direction become RDF (JSON-LD 1.1 `rdfDirection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfDirection {
    /// `i18n-datatype`.
    I18nDatatype,
    /// `compound-literal`.
    CompoundLiteral,
}

/// Processing options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The document's base IRI (JSON-LD `base`); `None` for credentials, whose
    /// relative references are then undefined.
    pub base: Option<String>,
    /// A context URL applied before the document's own (`expandContext`).
    pub expand_context: Option<String>,
    /// Safe mode: a term or type that expands to no absolute IRI is an
    /// [`Error::UndefinedTerm`] instead of being dropped. On by default.
    pub safe: bool,
    /// `processingMode: json-ld-1.0`.
    pub json_ld_1_0: bool,
    /// `rdfDirection`.
    pub rdf_direction: Option<RdfDirection>,
    /// `produceGeneralizedRdf`.
    pub produce_generalized_rdf: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            base: None,
            expand_context: None,
            safe: true,
            json_ld_1_0: false,
            rdf_direction: None,
            produce_generalized_rdf: false,
        }
    }
}

/// Expands `document` with the bundled contexts, in safe mode.
pub fn expand(document: &Value) -> Result<Value, Error> {
    expand_with(document, &BundledContexts, &Options::default())
}

/// Expands `document` with `loader` and `options`: the expanded form, always an array.
pub fn expand_with(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Value, Error> {
    guarded(|| expand_unguarded(document, loader, options))
}

/// Deserializes `document` to RDF with the bundled contexts, in safe mode.
pub fn to_rdf(document: &Value) -> Result<Vec<Quad>, Error> {
    to_rdf_with(document, &BundledContexts, &Options::default())
}

/// Deserializes `document` to RDF with `loader` and `options`. Blank node labels are
/// the processor's own (`_:0`, ...); canonicalize to compare datasets.
pub fn to_rdf_with(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Vec<Quad>, Error> {
    guarded(|| to_rdf_unguarded(document, loader, options))
}

/// Runs `f`, turning a panic of the JSON-LD processor into [`Error::Internal`].
fn guarded<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(Error::Internal("the JSON-LD processor panicked".into())))
}

/// Checks the nesting depth of `value` without recursion.
fn check_depth(value: &Value) -> Result<(), Error> {
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep(MAX_DEPTH));
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|item| (item, depth + 1))),
            Value::Object(members) => stack.extend(members.values().map(|item| (item, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// The [`Loader`] the processor sees: `loader`, counted, remembering what it lacked.
struct Adapter<'a> {
    loader: &'a dyn ContextLoader,
    missing: Mutex<Option<String>>,
    loads: Mutex<usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct LoadRefused(&'static str);

impl Loader for Adapter<'_> {
    async fn load(&self, url: &json_ld::Iri) -> Result<RemoteDocument<IriBuf>, LoadError> {
        {
            let mut loads = self.loads.lock().unwrap_or_else(|e| e.into_inner());
            *loads += 1;
            if *loads > MAX_LOADS {
                return Err(LoadError::new(
                    url.to_owned(),
                    LoadRefused("too many contexts"),
                ));
            }
        }
        match self.loader.load(url.as_str()) {
            Some(document) => Ok(RemoteDocument::new(
                Some(url.to_owned()),
                None,
                (*document.0).clone(),
            )),
            None => {
                let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
                missing.get_or_insert_with(|| url.as_str().to_owned());
                Err(LoadError::new(
                    url.to_owned(),
                    LoadRefused("not a bundled context"),
                ))
            }
        }
    }
}

impl Adapter<'_> {
    fn missing(&self) -> Option<String> {
        self.missing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn processor_options(options: &Options) -> Result<json_ld::Options, Error> {
    let iri = |text: &str, what: &str| {
        IriBuf::new(text.to_owned()).map_err(|_| Error::InvalidJsonLd {
            jsonld_code: "invalid base IRI".into(),
            detail: format!("{what} {text:?} is not an IRI"),
        })
    };
    let mut processor = json_ld::Options {
        base: options
            .base
            .as_deref()
            .map(|b| iri(b, "base"))
            .transpose()?,
        processing_mode: if options.json_ld_1_0 {
            ProcessingMode::JsonLd1_0
        } else {
            ProcessingMode::JsonLd1_1
        },
        rdf_direction: options.rdf_direction.map(|d| match d {
            RdfDirection::I18nDatatype => json_ld::rdf::RdfDirection::I18nDatatype,
            RdfDirection::CompoundLiteral => json_ld::rdf::RdfDirection::CompoundLiteral,
        }),
        produce_generalized_rdf: options.produce_generalized_rdf,
        ..Default::default()
    };
    if options.safe {
        processor.expansion_policy = Policy {
            invalid: Action::Reject,
            vocab: Action::Keep,
            allow_undefined: false,
        };
    }
    if let Some(context) = &options.expand_context {
        processor.expand_context = Some(json_ld::RemoteDocumentReference::iri(iri(
            context,
            "expandContext",
        )?));
    }
    Ok(processor)
}

fn remote(document: &Value, options: &Options) -> Result<RemoteDocument, Error> {
    check_depth(document)?;
    let base = match &options.base {
        Some(base) => Some(IriBuf::new(base.clone()).map_err(|_| Error::InvalidJsonLd {
            jsonld_code: "invalid base IRI".into(),
            detail: format!("base {base:?} is not an IRI"),
        })?),
        None => None,
    };
    Ok(RemoteDocument::new(
        base,
        None,
        json_syntax::Value::from_serde_json(document.clone()),
    ))
}

/// Maps a processor error to ours: what the loader lacked first, then safe mode.
fn map_error(adapter: &Adapter<'_>, code: ErrorCode, detail: String) -> Error {
    if let Some(url) = adapter.missing() {
        return Error::UnknownContext(url);
    }
    match code {
        ErrorCode::KeyExpansionFailed => Error::UndefinedTerm(detail),
        ErrorCode::InvalidTypeValue if detail.contains("`@type`") => Error::UndefinedTerm(format!(
            "{detail}: a type that is no absolute IRI (an undefined term?)"
        )),
        other => Error::InvalidJsonLd {
            jsonld_code: other.as_str().to_owned(),
            detail,
        },
    }
}

pub(crate) fn expand_unguarded(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Value, Error> {
    let remote = remote(document, options)?;
    let adapter = Adapter {
        loader,
        missing: Mutex::new(None),
        loads: Mutex::new(0),
    };
    let processor = processor_options(options)?;
    let expanded = futures_executor::block_on(remote.expand_full(&mut (), &adapter, processor, ()))
        .map_err(|e| map_error(&adapter, e.code(), e.to_string()))?;
    use json_ld::syntax::IntoJsonWithContext as _;
    Ok(Value::Array(
        expanded
            .into_iter()
            .map(|object| object.into_json_with(&()).into_serde_json())
            .collect(),
    ))
}

pub(crate) fn to_rdf_unguarded(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Vec<Quad>, Error> {
    let remote = remote(document, options)?;
    let adapter = Adapter {
        loader,
        missing: Mutex::new(None),
        loads: Mutex::new(0),
    };
    let processor = processor_options(options)?;
    let mut to_rdf = futures_executor::block_on(remote.to_rdf_full(
        (),
        generator::Blank::new(),
        &adapter,
        processor,
        (),
    ))
    .map_err(|e| map_error(&adapter, e.code(), e.to_string()))?;
    let mut quads = Vec::new();
    for json_ld::rdf_types::Quad(subject, predicate, object, graph) in to_rdf.cloned_quads() {
        if quads.len() == MAX_QUADS {
            return Err(Error::TooLarge {
                what: "RDF dataset",
                limit: MAX_QUADS,
            });
        }
        quads.push(Quad {
            subject: id(subject),
            predicate: id(predicate),
            object: match object {
                json_ld::rdf_types::Term::Id(object) => id(object),
                json_ld::rdf_types::Term::Literal(literal) => literal_term(literal),
            },
            graph: graph.map(id),
        });
    }
    Ok(quads)
}

fn id(id: json_ld::rdf_types::Id) -> Term {
    match id {
        json_ld::rdf_types::Id::Iri(iri) => Term::Iri(iri.into_string()),
        json_ld::rdf_types::Id::Blank(blank) => {
            Term::Blank(blank.as_str().trim_start_matches("_:").to_owned())
        }
    }
}

fn literal_term(literal: json_ld::rdf_types::Literal) -> Term {
    use json_ld::rdf_types::LiteralType;
    let (datatype, language) = match literal.type_ {
        LiteralType::Any(datatype) => (datatype.into_string(), None),
        LiteralType::LangString(tag) => (RDF_LANG_STRING.to_owned(), Some(tag.to_string())),
    };
    Term::Literal(Literal {
        value: literal.value,
        datatype,
        language,
    })
}
