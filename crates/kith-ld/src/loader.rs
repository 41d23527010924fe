//! Where remote contexts come from: a [`ContextLoader`], never the network.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::Error;

/// A parsed context document, cheap to clone.
#[derive(Debug, Clone)]
pub struct ContextDocument(pub(crate) Arc<json_syntax::Value>);

impl ContextDocument {
    /// Parses a context document from its JSON text, refusing one too deep or with a
    /// string the processor must not see (see [`Error::InvalidPercentEncoding`]).
    pub fn parse(text: &str) -> Result<Self, Error> {
        use json_syntax::Parse as _;
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            crate::jsonld::check_input(&value, true)?;
        }
        let (value, _) = json_syntax::Value::parse_str(text).map_err(|e| Error::InvalidJsonLd {
            jsonld_code: "loading document failed".into(),
            detail: e.to_string(),
        })?;
        Ok(Self(Arc::new(value)))
    }

    /// A context document from a JSON value, refused as by [`ContextDocument::parse`].
    pub fn from_json(value: serde_json::Value) -> Result<Self, Error> {
        crate::jsonld::check_input(&value, true)?;
        Ok(Self(Arc::new(json_syntax::Value::from_serde_json(value))))
    }
}

/// A source of remote context documents, by URL.
pub trait ContextLoader: Sync {
    /// The document at `url`, or `None` when this loader does not serve it (which
    /// makes the processing fail with [`Error::UnknownContext`]).
    fn load(&self, url: &str) -> Option<ContextDocument>;
}

/// Every context [`BundledContexts`] serves: its URL and its text, from the
/// `ssi-contexts` crate.
///
/// The Bitstring Status List terms are part of the credentials v2 context, and the
/// Multikey terms of the data-integrity v2 and credentials v2 contexts; the Multikey
/// and DID contexts are served for DID documents.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "https://www.w3.org/ns/credentials/v2",
        ssi_contexts::CREDENTIALS_V2,
    ),
    (
        "https://www.w3.org/2018/credentials/v1",
        ssi_contexts::CREDENTIALS_V1,
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        ssi_contexts::CREDENTIALS_EXAMPLES_V2,
    ),
    (
        "https://www.w3.org/2018/credentials/examples/v1",
        ssi_contexts::CREDENTIALS_EXAMPLES_V1,
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        ssi_contexts::W3ID_DATA_INTEGRITY_V2,
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        ssi_contexts::W3ID_DATA_INTEGRITY_V1,
    ),
    (
        "https://w3id.org/security/multikey/v1",
        ssi_contexts::W3ID_MULTIKEY_V1,
    ),
    ("https://www.w3.org/ns/did/v1", ssi_contexts::DID_V1),
];

/// The bundled contexts of [`BUNDLED`], each parsed once per process.
#[derive(Debug, Clone, Copy, Default)]
pub struct BundledContexts;

fn parsed() -> &'static HashMap<&'static str, ContextDocument> {
    static PARSED: OnceLock<HashMap<&'static str, ContextDocument>> = OnceLock::new();
    PARSED.get_or_init(|| {
        BUNDLED
            .iter()
            .filter_map(|(url, text)| Some((*url, ContextDocument::parse(text).ok()?)))
            .collect()
    })
}

impl ContextLoader for BundledContexts {
    fn load(&self, url: &str) -> Option<ContextDocument> {
        parsed().get(url).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_parses() {
        for (url, _) in BUNDLED {
            assert!(BundledContexts.load(url).is_some(), "{url}");
        }
        assert!(
            BundledContexts
                .load("https://example.com/context")
                .is_none()
        );
    }
}
