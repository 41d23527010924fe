//! JSON-LD 1.1 Expansion and Deserialize JSON-LD to RDF, through the `json-ld` crate,
//! with a [`ContextLoader`] and safe mode.
//!
//! <https://www.w3.org/TR/json-ld11-api/#expansion-algorithm>,
//! <https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm>

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};

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
///
/// The active context made from the document's top-level `@context` is processed once
/// per process and reused (see [`ContextCache`]).
pub fn expand(document: &Value) -> Result<Value, Error> {
    guarded(|| expand_in(document, Contexts::Bundled, &Options::default()))
}

/// Expands `document` with `loader` and `options`: the expanded form, always an array.
///
/// Nothing is cached: `loader` may serve anything, so a context it served once says
/// nothing about what it serves next.
pub fn expand_with(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Value, Error> {
    guarded(|| expand_unguarded(document, loader, options))
}

/// Deserializes `document` to RDF with the bundled contexts, in safe mode.
///
/// The active context made from the document's top-level `@context` is processed once
/// per process and reused (see [`ContextCache`]).
pub fn to_rdf(document: &Value) -> Result<Vec<Quad>, Error> {
    guarded(|| to_rdf_in(document, Contexts::Bundled, &Options::default()))
}

/// Deserializes `document` to RDF with `loader` and `options`. Blank node labels are
/// the processor's own (`_:0`, ...); canonicalize to compare datasets.
///
/// Nothing is cached, as for [`expand_with`].
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

/// Checks `value` before the processor sees it, without recursion: its nesting depth
/// and the percent-encoding of every key and string ([`check_percent_encoding`]).
/// `in_context`: `value` is a context (or sits inside one).
pub(crate) fn check_input(value: &Value, in_context: bool) -> Result<(), Error> {
    let mut stack = vec![(value, 1usize, in_context)];
    while let Some((value, depth, in_context)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep(MAX_DEPTH));
        }
        match value {
            Value::String(text) => check_percent_encoding(text, in_context)?,
            Value::Array(items) => {
                stack.extend(items.iter().map(|item| (item, depth + 1, in_context)))
            }
            Value::Object(members) => {
                for (name, item) in members {
                    check_percent_encoding(name, in_context)?;
                    stack.push((item, depth + 1, in_context || name == "@context"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses `text` if decoding its `%XX` escapes gives octets that are not UTF-8, or if
/// it is a context string ending in an incomplete escape (`%` or `%X`).
///
/// IRIs carry text as percent-encoded UTF-8 (RFC 3987 §3.1), and the IRI types under
/// the processor decode escapes to compare and hash IRIs, failing on anything else.
/// Any IRI the processor makes is a document string, or a context string (a prefix,
/// `@vocab`, `@base`) with one appended: checking every string, and refusing context
/// strings that could complete an escape with the next string's first characters,
/// keeps every escape of every such IRI decodable.
fn check_percent_encoding(text: &str, in_context: bool) -> Result<(), Error> {
    if !text.contains('%') {
        return Ok(());
    }
    let refuse = |reason| Error::InvalidPercentEncoding {
        text: text.chars().take(64).collect(),
        reason,
    };
    let bytes = text.as_bytes();
    let hex = |i: usize| bytes.get(i).and_then(|b| (*b as char).to_digit(16));
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    if std::str::from_utf8(&decoded).is_err() {
        return Err(refuse(
            "percent-encoded octets that are not UTF-8 (RFC 3987 §3.1)",
        ));
    }
    let len = bytes.len();
    let dangling =
        bytes[len - 1] == b'%' || (len >= 2 && bytes[len - 2] == b'%' && hex(len - 1).is_some());
    if in_context && dangling {
        return Err(refuse(
            "a context string ending in an incomplete percent escape",
        ));
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

impl<'a> Adapter<'a> {
    fn new(loader: &'a dyn ContextLoader) -> Self {
        Self {
            loader,
            missing: Mutex::new(None),
            loads: Mutex::new(0),
        }
    }

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

/// Where a run gets its remote contexts.
#[derive(Clone, Copy)]
pub(crate) enum Contexts<'a> {
    /// A caller's loader, which may serve anything: nothing is cached.
    Loader(&'a dyn ContextLoader),
    /// [`BundledContexts`], with the cache of the active contexts they make.
    Bundled,
}

impl<'a> Contexts<'a> {
    fn loader(self) -> &'a dyn ContextLoader {
        match self {
            Self::Loader(loader) => loader,
            Self::Bundled => &BundledContexts,
        }
    }

    fn cache(self) -> Option<&'static ContextCache> {
        match self {
            Self::Loader(_) => None,
            Self::Bundled => Some(bundled_cache()),
        }
    }
}

pub(crate) fn expand_unguarded(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Value, Error> {
    expand_in(document, Contexts::Loader(loader), options)
}

/// [`expand_unguarded`] with `contexts`.
pub(crate) fn expand_in(
    document: &Value,
    contexts: Contexts<'_>,
    options: &Options,
) -> Result<Value, Error> {
    check_input(document, false)?;
    let adapter = Adapter::new(contexts.loader());
    let processor = processor_options(options)?;
    let expanded = expand_document(document, contexts, options, &adapter, processor)?
        .map_err(|e| map_error(&adapter, e.code(), e.to_string()))?;
    use json_ld::syntax::IntoJsonWithContext as _;
    Ok(Value::Array(
        expanded
            .into_iter()
            .map(|object| object.into_json_with(&()).into_serde_json())
            .collect(),
    ))
}

/// Runs the expansion algorithm on `document`: from the cached active context of its
/// `@context` when `contexts` has a cache that applies, else from the document itself.
/// The outer error is a bad base IRI; the inner result is the processor's.
fn expand_document(
    document: &Value,
    contexts: Contexts<'_>,
    options: &Options,
    adapter: &Adapter<'_>,
    processor: json_ld::Options,
) -> Result<Result<json_ld::ExpandedDocument, json_ld::ExpandError>, Error> {
    if let Some(result) = contexts
        .cache()
        .and_then(|cache| cache.expand(document, adapter, &processor))
    {
        return Ok(result);
    }
    let remote = remote(document, options)?;
    Ok(futures_executor::block_on(remote.expand_full(
        &mut (),
        adapter,
        processor,
        (),
    )))
}

pub(crate) fn to_rdf_unguarded(
    document: &Value,
    loader: &dyn ContextLoader,
    options: &Options,
) -> Result<Vec<Quad>, Error> {
    to_rdf_in(document, Contexts::Loader(loader), options)
}

/// [`to_rdf_unguarded`] with `contexts`.
pub(crate) fn to_rdf_in(
    document: &Value,
    contexts: Contexts<'_>,
    options: &Options,
) -> Result<Vec<Quad>, Error> {
    check_input(document, false)?;
    let adapter = Adapter::new(contexts.loader());
    let processor = processor_options(options)?;
    let rdf_direction = processor.rdf_direction;
    let produce_generalized_rdf = processor.produce_generalized_rdf;
    // What JsonLdProcessor::to_rdf_full does: expand unordered, then relabel the blank
    // nodes with the generator and serialize (json-ld's ToRdf::new and quads).
    let processor = processor.unordered();
    let expanded = expand_document(document, contexts, options, &adapter, processor)?;
    let mut expanded = expanded.map_err(|e| {
        let code = e.code();
        map_error(&adapter, code, json_ld::ToRdfError::Expand(e).to_string())
    })?;
    let mut generator = generator::Blank::new();
    expanded.relabel_and_canonicalize_with(&mut (), &mut generator);
    use json_ld::RdfQuads as _;
    let mut quads = Vec::new();
    for json_ld::rdf_types::Quad(subject, predicate, object, graph) in expanded
        .rdf_quads_full(
            &mut (),
            &mut generator,
            rdf_direction,
            produce_generalized_rdf,
        )
        .cloned()
    {
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

/// Most active contexts [`ContextCache`] holds; a new one past this empties it.
const MAX_CACHED_CONTEXTS: usize = 32;

/// Longest `@context` (as JSON text) [`ContextCache`] keeps an active context for.
const MAX_CACHED_CONTEXT_LEN: usize = 16 * 1024;

/// The cache of [`Contexts::Bundled`]: only it may have one (see [`ContextCache`]).
fn bundled_cache() -> &'static ContextCache {
    static CACHE: OnceLock<ContextCache> = OnceLock::new();
    CACHE.get_or_init(ContextCache::default)
}

/// Active contexts made from a top-level `@context`, by its exact JSON text and the
/// processing mode.
///
/// Context processing (loading the remote contexts and defining every term of the
/// credentials v2 context) was most of the cost of [`to_rdf`], and every credential of
/// one kind repeats the same `@context`. The active context depends only on that
/// value, the processing mode, the base IRI (always none here) and what the loader
/// serves, so only [`Contexts::Bundled`], whose documents are compiled in, has a
/// cache: a key can never be answered with another context's result.
#[derive(Default)]
pub(crate) struct ContextCache {
    entries: Mutex<HashMap<(ProcessingMode, String), CachedContext>>,
}

impl ContextCache {
    /// Expands `document` with the cached active context of its `@context` (processing
    /// and caching it first if needed), as the expansion algorithm would with the
    /// `@context` entry in place: `None` when this shortcut does not apply (no
    /// top-level object with an `@context`, a base IRI or `expandContext`, a context
    /// too long to keep, or a context that does not process, whose error the ordinary
    /// path then reports).
    fn expand(
        &self,
        document: &Value,
        adapter: &Adapter<'_>,
        processor: &json_ld::Options,
    ) -> Option<Result<json_ld::ExpandedDocument, json_ld::ExpandError>> {
        let Value::Object(members) = document else {
            return None;
        };
        let context = members.get("@context")?;
        if processor.base.is_some() || processor.expand_context.is_some() {
            return None;
        }
        let entry = self.active_context(context, adapter, processor.processing_mode)?;
        // Only a node object: the processor checks value, list and set objects by their
        // entries, `@context` among them, so those take the ordinary path.
        let node_entry = |name: &str| match name {
            "@context" | "@id" | "@type" => true,
            _ if name.starts_with('@') => false,
            _ => !matches!(
                entry.active.get_normal(name).and_then(|d| d.value.as_ref()),
                Some(json_ld::Term::Keyword(keyword))
                    if !matches!(keyword, json_ld::syntax::Keyword::Id | json_ld::syntax::Keyword::Type)
            ),
        };
        if !members.keys().all(|name| node_entry(name)) {
            return None;
        }
        // Expansion step 9 sets the active context to the result of processing the
        // element's @context; the initial context has no @propagate or previous
        // context (checked when caching), so starting from the result without the
        // entry is the same run.
        let rest: serde_json::Map<String, Value> = members
            .iter()
            .filter(|(name, _)| name.as_str() != "@context")
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let rest = Value::Object(rest);
        let active = entry
            .lookups
            .pruned(&entry.active, &rest)
            .unwrap_or_else(|| (*entry.active).clone());
        let rest = json_syntax::Value::from_serde_json(rest);
        use json_ld::Expand as _;
        Some(
            futures_executor::block_on(rest.expand_full(
                &mut (),
                active,
                None,
                adapter,
                processor.expansion_options(),
                (),
            ))
            .map_err(json_ld::ExpandError::Expansion),
        )
    }

    /// The active context `context` makes from the initial one, from the cache or
    /// processed (and cached) now. `adapter` is charged the remote contexts that
    /// processing loads (or loaded), so the load bound counts as without the cache.
    fn active_context(
        &self,
        context: &Value,
        adapter: &Adapter<'_>,
        mode: ProcessingMode,
    ) -> Option<CachedContext> {
        let text = serde_json::to_string(context).ok()?;
        if text.len() > MAX_CACHED_CONTEXT_LEN {
            return None;
        }
        let key = (mode, text);
        let cached = self.lock().get(&key).cloned();
        let entry = match cached {
            Some(entry) => entry,
            None => {
                let entry = Self::process(context, adapter.loader, mode)?;
                let mut entries = self.lock();
                if entries.len() >= MAX_CACHED_CONTEXTS {
                    entries.clear();
                }
                entries.insert(key, entry.clone());
                entry
            }
        };
        *adapter.loads.lock().unwrap_or_else(|e| e.into_inner()) += entry.loads;
        Some(entry)
    }

    /// Processes `context` from the initial context with a fresh count of loads:
    /// `None` if that fails or leaves a previous context.
    fn process(
        context: &Value,
        loader: &dyn ContextLoader,
        mode: ProcessingMode,
    ) -> Option<CachedContext> {
        let adapter = Adapter::new(loader);
        use json_ld::Process as _;
        use json_ld::syntax::TryFromJson as _;
        let local = json_ld::syntax::context::Context::try_from_json(
            json_syntax::Value::from_serde_json(context.clone()),
        )
        .ok()?;
        let options = json_ld::context_processing::Options {
            processing_mode: mode,
            ..Default::default()
        };
        let processed = futures_executor::block_on(local.process_full(
            &mut (),
            &json_ld::Context::new(None),
            &adapter,
            None,
            options,
            (),
        ))
        .ok()?
        .into_processed();
        if processed.previous_context().is_some() {
            return None;
        }
        let loads = *adapter.loads.lock().unwrap_or_else(|e| e.into_inner());
        Some(CachedContext {
            lookups: Arc::new(Lookups::of(&processed, context, loader)),
            active: Arc::new(processed),
            loads,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(ProcessingMode, String), CachedContext>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An entry of [`ContextCache`].
#[derive(Clone)]
struct CachedContext {
    active: Arc<json_ld::Context>,
    /// How many remote contexts processing loaded.
    loads: usize,
    /// What each term's definition makes the processor look up, for [`Lookups::pruned`].
    lookups: Arc<Lookups>,
}

/// For each term of an active context, the strings its definition can make the
/// processor look up as terms: every key and string of its scoped context (and their
/// compact-IRI prefixes), its `@index` and its `@nest`. `None` for a term whose scoped
/// context names a remote context, `@import`s one or is `null` (whose processing looks
/// at the whole active context or at documents not walked here).
///
/// The expansion and context processing algorithms read the active context's term
/// definitions only by looking a string up (a key, a type, a value coerced to
/// `@vocab`, a compact IRI's prefix, a term a scoped context redefines), except that
/// a `null` context asks whether any term is protected. Copying the whole credentials
/// v2 context (every term with its scoped contexts) was the largest cost left in
/// [`to_rdf`], and the processor copies it again for each type-scoped context, so a
/// document is expanded with only the terms it can reach.
struct Lookups {
    terms: HashMap<String, Option<Vec<String>>>,
}

impl Lookups {
    /// The lookups of the terms of `active`, processed from `context` with `loader`.
    ///
    /// The strings come from the context documents themselves: for each term, those of
    /// every definition of it in `context` and the remote contexts it names (a superset
    /// of what the definition `active` kept). A term of `active` with a scoped context,
    /// `@index` or `@nest` whose definition was not found there gets `None`.
    fn of(active: &json_ld::Context, context: &Value, loader: &dyn ContextLoader) -> Self {
        use json_ld::context::BindingRef;
        let mut sources = HashMap::new();
        let mut loads = 0;
        let walked = source_definitions(context, loader, &mut loads, &mut sources);
        let mut terms = HashMap::new();
        for binding in active.definitions().iter() {
            let BindingRef::Normal(key, definition) = binding else {
                continue;
            };
            let needs_source = definition.context.is_some()
                || definition.index.is_some()
                || definition.nest.is_some();
            let lookups = match sources.get(key.as_str()) {
                _ if !walked => None,
                Some(Some(strings)) => Some(with_prefixes(strings.clone())),
                Some(None) => None,
                None if needs_source => None,
                None => Some(Vec::new()),
            };
            terms.insert(key.as_str().to_owned(), lookups);
        }
        Self { terms }
    }

    /// `active` with only the terms `document` can reach (the `@type` definition, base,
    /// vocabulary, language and direction kept): `None`, to use all of `active`, when
    /// `document` holds an `@context` (which may be `null` or name anything) or
    /// reaches a term whose scoped context cannot be walked.
    fn pruned(&self, active: &json_ld::Context, document: &Value) -> Option<json_ld::Context> {
        let mut pending = Vec::new();
        if !document_strings(document, &mut pending) {
            return None;
        }
        let mut pending = with_prefixes(pending);
        let mut kept = std::collections::HashSet::new();
        while let Some(token) = pending.pop() {
            if kept.contains(&token) {
                continue;
            }
            match self.terms.get(&token) {
                None => {}
                Some(None) => return None,
                Some(Some(lookups)) => {
                    pending.extend(lookups.iter().cloned());
                    kept.insert(token);
                }
            }
        }
        let mut pruned = json_ld::Context::new(None);
        pruned.set_base_iri(active.base_iri().cloned());
        pruned.set_vocabulary(active.vocabulary().cloned());
        pruned.set_default_language(active.default_language().map(|tag| tag.to_owned()));
        pruned.set_default_base_direction(active.default_base_direction());
        pruned.set_type(active.get_type().cloned());
        for token in kept {
            let definition = active.get_normal(token.as_str()).cloned();
            pruned.set_normal(token.into(), definition);
        }
        Some(pruned)
    }
}

/// Adds to `sources`, for each term `context` defines (through the remote contexts it
/// names too), the keys and strings of its definitions; `None` for a term with a
/// definition [`definition_strings`] cannot walk. `false` if `context` itself cannot be
/// walked (`@import`, a context that does not load, too many loads).
fn source_definitions(
    context: &Value,
    loader: &dyn ContextLoader,
    loads: &mut usize,
    sources: &mut HashMap<String, Option<Vec<String>>>,
) -> bool {
    match context {
        Value::Null => true,
        Value::String(url) => {
            *loads += 1;
            if *loads > MAX_LOADS {
                return false;
            }
            let Some(document) = loader.load(url) else {
                return false;
            };
            let document = (*document.0).clone().into_serde_json();
            match document.get("@context") {
                Some(inner) => source_definitions(inner, loader, loads, sources),
                None => false,
            }
        }
        Value::Array(items) => items
            .iter()
            .all(|item| source_definitions(item, loader, loads, sources)),
        Value::Object(members) => {
            if members.contains_key("@import") {
                return false;
            }
            for (term, definition) in members {
                let mut strings = Vec::new();
                let walkable = definition_strings(definition, &mut strings);
                let entry = sources.entry(term.clone()).or_insert(Some(Vec::new()));
                match (entry.as_mut(), walkable) {
                    (Some(known), true) => known.extend(strings),
                    _ => *entry = None,
                }
            }
            true
        }
        _ => false,
    }
}

/// `strings` and, for each with a `:`, the part before it (a compact IRI's prefix).
fn with_prefixes(mut strings: Vec<String>) -> Vec<String> {
    let prefixes: Vec<String> = strings
        .iter()
        .filter_map(|s| Some(s.split_once(':')?.0.to_owned()))
        .collect();
    strings.extend(prefixes);
    strings
}

/// Collects the keys and strings of a document without `@context` entries: `false` if
/// it has one.
fn document_strings(value: &Value, out: &mut Vec<String>) -> bool {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) => out.push(text.clone()),
            Value::Array(items) => stack.extend(items),
            Value::Object(members) => {
                for (name, item) in members {
                    if name == "@context" {
                        return false;
                    }
                    out.push(name.clone());
                    stack.push(item);
                }
            }
            _ => {}
        }
    }
    true
}

/// Collects the keys and strings of a local context (a term's scoped context): `false`
/// if it, or a context nested in its term definitions, is `null`, a remote reference or
/// has `@import`.
fn context_strings(context: &Value, out: &mut Vec<String>) -> bool {
    match context {
        Value::Array(items) => items.iter().all(|item| context_strings(item, out)),
        Value::Object(members) => members.iter().all(|(name, value)| {
            out.push(name.clone());
            name != "@import" && definition_strings(value, out)
        }),
        _ => false,
    }
}

/// Collects the keys and strings of a term definition, walking a nested `@context` with
/// [`context_strings`].
fn definition_strings(value: &Value, out: &mut Vec<String>) -> bool {
    match value {
        Value::String(text) => {
            out.push(text.clone());
            true
        }
        Value::Array(items) => items.iter().all(|item| definition_strings(item, out)),
        Value::Object(members) => members.iter().all(|(name, value)| {
            out.push(name.clone());
            if name == "@context" {
                context_strings(value, out)
            } else {
                definition_strings(value, out)
            }
        }),
        _ => true,
    }
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    const V2: &str = "https://www.w3.org/ns/credentials/v2";
    const V1: &str = "https://www.w3.org/2018/credentials/v1";

    /// Documents that take every path: type-scoped and nested contexts, a context that
    /// does not propagate, no context, a top-level array, and documents that fail in
    /// context processing or in expansion.
    fn documents() -> Vec<Value> {
        vec![
            json!({
                "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
                "type": ["VerifiableCredential", "ExampleIdentityCredential"],
                "issuer": "did:example:issuer",
                "validFrom": "2024-01-01T00:00:00Z",
                "credentialSubject": {"givenName": "Alice", "ageOver18": true, "height": 170,
                    "address": {"locality": "Oxford"}}
            }),
            json!({
                "@context": [V2],
                "type": "DataIntegrityProof",
                "cryptosuite": "bbs-2023",
                "created": "2024-01-01T00:00:00Z",
                "verificationMethod": "did:key:z#z",
                "proofPurpose": "assertionMethod"
            }),
            json!({
                "@context": [V1, {"@vocab": "https://example.org/#"}],
                "id": "urn:uuid:1",
                "type": ["VerifiableCredential"],
                "issuer": {"id": "did:example:i", "name": "Issuer"},
                "issuanceDate": "2024-01-01T00:00:00Z",
                "credentialSubject": {
                    "@context": {"nested": "https://example.org/nested#"},
                    "nested": "x",
                    "list": {"@list": [1, 2]}
                }
            }),
            json!({
                "@context": {"@propagate": false, "@vocab": "https://example.org/#"},
                "name": "top",
                "child": {"name": "not propagated"}
            }),
            json!({"@context": "https://www.w3.org/ns/did/v1", "id": "did:example:1",
                "verificationMethod": [{"id": "did:example:1#k", "type": "Multikey",
                    "controller": "did:example:1"}]}),
            json!({"@id": "urn:x", "https://example.org/p": "no context"}),
            json!([{"@context": [V2], "type": "VerifiableCredential"}]),
            json!({"@context": [V1], "type": ["VerifiableCredential"], "undefinedTerm": 1}),
            json!({"@context": [V1], "type": ["NotDefined"]}),
            json!({"@context": ["https://example.com/unknown"], "name": "x"}),
            json!({"@context": [V2, {"@version": 2}], "name": "x"}),
            json!({"@context": [V2], "@id": 5}),
        ]
    }

    /// The cached active context gives what processing the @context in place gives,
    /// the first time and from the cache, results and errors alike.
    #[test]
    fn cached_contexts_change_nothing() {
        let options = Options::default();
        let plain = Contexts::Loader(&BundledContexts);
        for document in documents() {
            let expected_rdf = to_rdf_in(&document, plain, &options);
            let expected_expanded = expand_in(&document, plain, &options);
            for round in 0..2 {
                assert_eq!(
                    to_rdf_in(&document, Contexts::Bundled, &options),
                    expected_rdf,
                    "toRdf, round {round}: {document}"
                );
                assert_eq!(
                    expand_in(&document, Contexts::Bundled, &options),
                    expected_expanded,
                    "expand, round {round}: {document}"
                );
            }
        }
    }

    /// Strings whose escapes decode to no UTF-8 never reach the processor (whose IRI
    /// types panic on them: a fuzz finding, `credentialSubj%ect`); UTF-8 escapes and a
    /// literal `50%` outside any context still process.
    #[test]
    fn percent_escapes_that_are_not_utf8_are_refused() {
        let credential = |subject_key: &str, extra: Value| {
            let mut document = json!({
                "@context": [V2, {"@vocab": "https://example.org/vocab#"}],
                "type": ["VerifiableCredential"],
                "issuer": "did:example:issuer",
            });
            document[subject_key] = json!({"name": "Alice"});
            if let (Value::Object(document), Value::Object(extra)) = (&mut document, extra) {
                document.extend(extra);
            }
            document
        };
        let refused = [
            credential("credentialSubj%ect", json!({})),
            credential(
                "credentialSubject",
                json!({"@id": "https://example.org/%ff"}),
            ),
            credential("credentialSubject", json!({"ex": "%c3"})),
            json!({"@context": {"ex": "https://example.org/%f", "name": "ex:f"}, "name": "x"}),
            json!({"@context": {"@vocab": "https://example.org/%"}, "ff": "x"}),
        ];
        for document in &refused {
            for result in [
                to_rdf(document).map(|_| ()),
                expand(document).map(|_| ()),
                to_rdf_with(document, &BundledContexts, &Options::default()).map(|_| ()),
            ] {
                let error = result.expect_err(&document.to_string());
                assert_eq!(
                    error.code(),
                    "invalid_percent_encoding",
                    "{document}: {error}"
                );
            }
        }
        let accepted = credential(
            "credentialSubject",
            json!({"@id": "https://example.org/caf%C3%A9", "discount": "50%", "note": "100%"}),
        );
        let quads = to_rdf(&accepted).expect("UTF-8 escapes and literal percent signs");
        assert!(
            quads
                .iter()
                .any(|q| q.subject == Term::Iri("https://example.org/caf%C3%A9".into()))
        );
        let context = r#"{"@context": {"ex": "https://example.org/%f"}}"#;
        assert_eq!(
            crate::ContextDocument::parse(context).unwrap_err().code(),
            "invalid_percent_encoding"
        );
    }

    /// A credential is expanded with only the terms it reaches; a document with an
    /// embedded context is expanded with all of them.
    #[test]
    fn documents_reach_only_some_terms() {
        let cache = ContextCache::default();
        let adapter = Adapter::new(&BundledContexts);
        let context = json!([V2, "https://www.w3.org/ns/credentials/examples/v2"]);
        let entry = cache
            .active_context(&context, &adapter, ProcessingMode::JsonLd1_1)
            .unwrap();
        let credential = json!({
            "type": ["VerifiableCredential", "ExampleIdentityCredential"],
            "issuer": "did:example:issuer",
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"givenName": "Alice"}
        });
        let pruned = entry.lookups.pruned(&entry.active, &credential).unwrap();
        assert!(
            pruned.len() < entry.active.len() / 2,
            "{} of {}",
            pruned.len(),
            entry.active.len()
        );
        for term in ["type", "VerifiableCredential", "name", "description"] {
            assert!(pruned.contains_term(term), "{term}");
        }
        for term in [
            "VerifiablePresentation",
            "DataIntegrityProof",
            "BitstringStatusList",
        ] {
            assert!(!pruned.contains_term(term), "{term}");
        }
        let embedded = json!({"credentialSubject": {"@context": {"x": "https://example.org/x"}}});
        assert!(entry.lookups.pruned(&entry.active, &embedded).is_none());
    }

    fn vc_key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "id",
            "type",
            "@id",
            "@type",
            "@value",
            "@language",
            "@list",
            "@set",
            "@graph",
            "@included",
            "@reverse",
            "@nest",
            "@index",
            "@json",
            "credentialSubject",
            "issuer",
            "holder",
            "validFrom",
            "validUntil",
            "issuanceDate",
            "credentialStatus",
            "statusPurpose",
            "statusListIndex",
            "statusListCredential",
            "encodedList",
            "verifiableCredential",
            "proof",
            "cryptosuite",
            "proofPurpose",
            "proofValue",
            "verificationMethod",
            "created",
            "challenge",
            "domain",
            "previousProof",
            "name",
            "description",
            "digestMultibase",
            "termsOfUse",
            "evidence",
            "credentialSchema",
            "ex:p",
            "cred:issuer",
            "sec:proof",
            "schema:name",
            "givenName",
            "_sd",
            "cnf",
            "controller",
            "publicKeyMultibase",
            "service",
            "serviceEndpoint",
        ])
        .prop_map(str::to_owned)
    }

    fn vc_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::sample::select(vec![
                "VerifiableCredential",
                "VerifiablePresentation",
                "DataIntegrityProof",
                "BitstringStatusListEntry",
                "BitstringStatusListCredential",
                "BitstringStatusList",
                "EnvelopedVerifiableCredential",
                "JsonSchema",
                "JsonSchemaCredential",
                "ExampleIdentityCredential",
                "Multikey",
                "assertionMethod",
                "authentication",
                "did:example:a",
                "cred:x",
                "sec:y",
                "xsd:dateTime",
                "_:b0",
                "@id",
                "@vocab",
                "@json",
                "en",
                "https://example.org/x",
                "2024-01-01T00:00:00Z",
                "",
            ])
            .prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    fn vc_document() -> impl Strategy<Value = Value> {
        let body = vc_leaf().prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map(vc_key(), inner, 0..5)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        });
        let contexts = prop::sample::select(vec![
            json!([V2]),
            json!([V2, "https://www.w3.org/ns/credentials/examples/v2"]),
            json!([V1]),
            json!([V1, "https://www.w3.org/2018/credentials/examples/v1"]),
            json!([V2, "https://w3id.org/security/data-integrity/v2"]),
            json!([
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1"
            ]),
            json!([V2, {"ex": "https://example.org/#", "@vocab": "https://example.org/v#"}]),
        ]);
        (contexts, prop::collection::btree_map(vc_key(), body, 0..6)).prop_map(
            |(context, members)| {
                let mut document: serde_json::Map<String, Value> = members.into_iter().collect();
                document.insert("@context".into(), context);
                Value::Object(document)
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 384, failure_persistence: None, ..Default::default() })]

        /// Credential-shaped documents over the bundled contexts (the terms, types and
        /// keywords credentials use, nested at random) expand and deserialize to the
        /// same results and errors with the pruned cached context as without the cache.
        #[test]
        fn pruned_contexts_change_nothing(document in vc_document()) {
            let options = Options::default();
            let plain = Contexts::Loader(&BundledContexts);
            proptest::prop_assert_eq!(
                to_rdf_in(&document, Contexts::Bundled, &options),
                to_rdf_in(&document, plain, &options),
                "toRdf {}", document
            );
            proptest::prop_assert_eq!(
                expand_in(&document, Contexts::Bundled, &options),
                expand_in(&document, plain, &options),
                "expand {}", document
            );
        }
    }

    /// The remote contexts of the cached top-level `@context` count toward the load
    /// bound as they do without the cache.
    #[test]
    fn cached_loads_still_count() {
        let options = Options::default();
        let context = json!([V2, "https://www.w3.org/ns/credentials/examples/v2"]);
        for nested in [MAX_LOADS - 3, MAX_LOADS - 2, MAX_LOADS - 1] {
            let nodes: Vec<Value> = (0..nested)
                .map(|i| json!({"@context": V2, "id": format!("urn:n:{i}"), "name": "n"}))
                .collect();
            let document = json!({"@context": context.clone(), "id": "urn:root", "hasPart": nodes});
            let plain = to_rdf_in(&document, Contexts::Loader(&BundledContexts), &options);
            assert_eq!(nested < MAX_LOADS - 1, plain.is_ok(), "{nested}: {plain:?}");
            for round in 0..2 {
                assert_eq!(
                    to_rdf_in(&document, Contexts::Bundled, &options),
                    plain,
                    "{nested} nested contexts, round {round}"
                );
            }
        }
    }

    /// Equal contexts written differently are different keys; the cache never holds
    /// more than its bound.
    #[test]
    fn the_cache_is_keyed_by_exact_text_and_bounded() {
        let cache = ContextCache::default();
        let adapter = Adapter::new(&BundledContexts);
        let processor = processor_options(&Options::default()).unwrap();
        for i in 0..(2 * MAX_CACHED_CONTEXTS) {
            let document = json!({
                "@context": [V2, {"@vocab": format!("https://example.org/{i}#")}],
                "name": "x"
            });
            let expanded = cache
                .expand(&document, &adapter, &processor)
                .unwrap()
                .unwrap();
            assert!(format!("{expanded:?}").contains("https://schema.org/name"));
            assert!(cache.lock().len() <= MAX_CACHED_CONTEXTS);
        }
        let one = json!({"@context": {"@vocab": "https://example.org/a#", "n": "https://example.org/n"}, "n": 1});
        let two = json!({"@context": {"n": "https://example.org/n", "@vocab": "https://example.org/a#"}, "n": 1});
        let before = cache.lock().len();
        cache.expand(&one, &adapter, &processor).unwrap().unwrap();
        cache.expand(&two, &adapter, &processor).unwrap().unwrap();
        let after = cache.lock().len();
        assert!(after == before + 2 || after == 2, "{before} -> {after}");
    }
}
