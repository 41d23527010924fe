//! A caching resolver: successful results for a TTL, failures for a shorter negative TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{Did, Error, Resolution, ResolutionOptions, Resolver};

/// How long results are kept and how many.
#[derive(Debug, Clone, Copy)]
pub struct CacheConfig {
    /// Lifetime of a successful resolution.
    pub ttl: Duration,
    /// Lifetime of a `notFound` or other method failure, so a missing DID is not
    /// fetched again on every request.
    pub negative_ttl: Duration,
    /// Entries kept at most; expired ones are dropped first, then the oldest.
    pub max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(30),
            max_entries: 10_000,
        }
    }
}

#[derive(Clone)]
// Entries are few and short-lived; boxing the common case would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Cached {
    Found(Resolution),
    /// The failure, kept as its resolution error name and message.
    Failed(CachedFailure),
}

#[derive(Clone)]
struct CachedFailure {
    not_found: bool,
    message: String,
}

struct Entry {
    value: Cached,
    inserted: Instant,
    expires: Instant,
}

/// Wraps a resolver and caches what it returns. Requests for a specific version or
/// time are passed through, since they are immutable anyway and rarely repeated.
pub struct CachingResolver {
    inner: Arc<dyn Resolver>,
    config: CacheConfig,
    entries: Mutex<HashMap<String, Entry>>,
}

impl CachingResolver {
    /// Caches `inner` with `config`.
    pub fn new(inner: Arc<dyn Resolver>, config: CacheConfig) -> Self {
        Self {
            inner,
            config,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.lock().values().filter(|e| e.expires > now).count()
    }

    /// Whether the cache holds no live entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A poisoned lock only means another task panicked mid-insert; the map is still valid.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, key: String, value: Cached, ttl: Duration) {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() >= self.config.max_entries {
            entries.retain(|_, e| e.expires > now);
        }
        if entries.len() >= self.config.max_entries
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.inserted)
                .map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            key,
            Entry {
                value,
                inserted: now,
                expires: now + ttl,
            },
        );
    }
}

#[async_trait]
impl Resolver for CachingResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, Error> {
        if options.version_id.is_some() || options.version_time.is_some() {
            return self.inner.resolve(did, options).await;
        }
        let key = did.as_str().to_owned();
        let cached = {
            let entries = self.lock();
            entries
                .get(&key)
                .filter(|e| e.expires > Instant::now())
                .map(|e| e.value.clone())
        };
        match cached {
            Some(Cached::Found(resolution)) => return Ok(resolution),
            Some(Cached::Failed(f)) if f.not_found => return Err(Error::NotFound(f.message)),
            Some(Cached::Failed(f)) => {
                return Err(Error::Fetch {
                    url: did.to_string(),
                    reason: format!("(cached failure) {}", f.message),
                });
            }
            None => {}
        }
        let result = self.inner.resolve(did, options).await;
        match &result {
            Ok(resolution) => self.insert(key, Cached::Found(resolution.clone()), self.config.ttl),
            Err(Error::NotFound(message)) => self.insert(
                key,
                Cached::Failed(CachedFailure {
                    not_found: true,
                    message: message.clone(),
                }),
                self.config.negative_ttl,
            ),
            Err(e @ (Error::Fetch { .. } | Error::FetchRefused { .. })) => self.insert(
                key,
                Cached::Failed(CachedFailure {
                    not_found: false,
                    message: e.to_string(),
                }),
                self.config.negative_ttl,
            ),
            // Syntax and key errors are deterministic and cheap to recompute.
            Err(_) => {}
        }
        result
    }
}
