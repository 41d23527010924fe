//! `credentialSchema` validation with JSON Schema 2020-12 (VCDM 2.0 §4.11,
//! VC JSON Schema §2.1 `JsonSchema`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kith_did::fetch::BoundedFetcher;
use serde_json::Value;

use crate::Error;

/// Where schemas come from.
#[async_trait]
pub trait SchemaSource: Send + Sync {
    /// The schema published at `id`.
    async fn schema(&self, id: &str) -> Result<Arc<Value>, Error>;
}

/// Schemas given in advance by the verifier; nothing is fetched.
#[derive(Debug, Clone, Default)]
pub struct LocalSchemas {
    schemas: HashMap<String, Arc<Value>>,
}

impl LocalSchemas {
    /// No schemas.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the schema for `id`.
    pub fn insert(&mut self, id: impl Into<String>, schema: Value) -> &mut Self {
        self.schemas.insert(id.into(), Arc::new(schema));
        self
    }
}

#[async_trait]
impl SchemaSource for LocalSchemas {
    async fn schema(&self, id: &str) -> Result<Arc<Value>, Error> {
        self.schemas.get(id).cloned().ok_or_else(|| {
            Error::model("schema_unavailable", format!("no schema is known for {id}"))
        })
    }
}

/// Schemas fetched on demand through a [`BoundedFetcher`] (HTTPS, time and size
/// limits, no private addresses), parsed with Kith's JSON bounds and kept for reuse.
#[derive(Debug)]
pub struct FetchedSchemas {
    fetcher: BoundedFetcher,
    local: LocalSchemas,
    cache: Mutex<HashMap<String, Arc<Value>>>,
}

impl FetchedSchemas {
    /// Fetches with `fetcher`; schemas in `local` are used without fetching.
    pub fn new(fetcher: BoundedFetcher, local: LocalSchemas) -> Self {
        Self {
            fetcher,
            local,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl SchemaSource for FetchedSchemas {
    async fn schema(&self, id: &str) -> Result<Arc<Value>, Error> {
        if let Ok(schema) = self.local.schema(id).await {
            return Ok(schema);
        }
        if let Some(schema) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Ok(schema.clone());
        }
        let url = url::Url::parse(id).map_err(|e| {
            Error::model(
                "schema_unavailable",
                format!("schema id {id:?} is not a URL: {e}"),
            )
        })?;
        let body = self
            .fetcher
            .get(&url, "application/schema+json, application/json")
            .await
            .map_err(|e| {
                Error::model("schema_unavailable", format!("fetching schema {id}: {e}"))
            })?;
        let schema = Arc::new(crate::json::parse(&body)?);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), schema.clone());
        Ok(schema)
    }
}

/// Validates `credential` against every `credentialSchema` of type `JsonSchema`.
/// Returns `Ok(false)` when the credential names no such schema.
pub async fn validate(credential: &Value, source: &dyn SchemaSource) -> Result<bool, Error> {
    let entries: Vec<&Value> = match credential.get("credentialSchema") {
        None => return Ok(false),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    let mut checked = false;
    for entry in entries {
        if entry.get("type").and_then(Value::as_str) != Some("JsonSchema") {
            continue;
        }
        let id = entry.get("id").and_then(Value::as_str).ok_or_else(|| {
            Error::model(
                "invalid_schema",
                "a JsonSchema credentialSchema needs an id",
            )
        })?;
        let schema = source.schema(id).await?;
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .map_err(|e| {
                Error::model(
                    "invalid_schema",
                    format!("schema {id} does not compile: {e}"),
                )
            })?;
        if let Some(error) = validator.iter_errors(credential).next() {
            return Err(Error::model(
                "schema_mismatch",
                format!(
                    "credential does not match schema {id}: {error} at {}",
                    error.instance_path()
                ),
            ));
        }
        checked = true;
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn validates_against_the_named_schema() {
        let mut schemas = LocalSchemas::new();
        schemas.insert(
            "https://example.com/schemas/email.json",
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {"credentialSubject": {"type": "object",
                    "properties": {"email": {"type": "string", "format": "email"}},
                    "required": ["email"]}},
                "required": ["credentialSubject"]
            }),
        );
        let mut vc = json!({
            "credentialSchema": {"id": "https://example.com/schemas/email.json", "type": "JsonSchema"},
            "credentialSubject": {"email": "alice@example.com"}
        });
        assert!(validate(&vc, &schemas).await.unwrap());
        vc["credentialSubject"] = json!({"name": "Alice"});
        assert_eq!(
            validate(&vc, &schemas).await.unwrap_err().code(),
            "schema_mismatch"
        );
        vc["credentialSchema"]["id"] = json!("https://example.com/unknown.json");
        assert_eq!(
            validate(&vc, &schemas).await.unwrap_err().code(),
            "schema_unavailable"
        );
        assert!(!validate(&json!({}), &schemas).await.unwrap());
    }
}
