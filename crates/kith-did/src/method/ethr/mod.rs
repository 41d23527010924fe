//! did:ethr: identifiers anchored in an ERC-1056 registry on an EVM chain.
//!
//! <https://github.com/decentralized-identity/ethr-did-resolver/blob/master/doc/did-method-spec.md>
//!
//! - [`parse_did`]: `did:ethr[:network]:0x<address>` and the public-key form
//!   `did:ethr[:network]:0x<33-byte compressed secp256k1 key>`.
//! - [`EthrMethod`]: the [`Resolver`]. Networks are configured by name ([`EthrNetwork`]:
//!   RPC URL, chain id, registry address); a DID without a network part is on
//!   `mainnet`, a `0x…` network part is a chain id.
//! - [`EthrWriter`]: owner changes, delegates and attributes as signed transactions
//!   (EIP-1559, or EIP-155 legacy on chains without a base fee).
//!
//! # Cost
//!
//! The first round trip is one JSON-RPC batch: the head block, `identityOwner` and
//! `changed` (plus the block of a requested `versionId`, and the block of a cached
//! history, see below). A DID that never changed resolves with that one round trip;
//! a changed one walks its history with one more round trip per block with changes
//! (spec §Enumerating Contract Events).
//!
//! Histories are cached per identity, keyed by the `changed` block *and its hash*: the
//! next resolution asks for that block's header in its first batch, and when the hash
//! still matches, only the blocks changed since are walked (none: one round trip in
//! all). A reorganization that replaced the block changes its hash and the whole
//! history is read again. Wrapped in [`CachingResolver`](crate::CachingResolver),
//! whole resolutions are kept for its TTL as for any method.
//!
//! # Reorganizations
//!
//! - [`EthrNetwork::confirmations`] (default 0): events in the newest `confirmations`
//!   blocks are left out, so the document only reflects changes that deep, and a
//!   reorganization shallower than that never shows. `versionId` beyond the confirmed
//!   head is `notFound`. Validity (`validTo`) is judged against the head's timestamp.
//! - The walk checks every pointer and block hash it reads ([`history`]) and fails with
//!   `ethr_inconsistent_history` when they disagree (a reorganization while reading,
//!   or an endpoint serving another chain). A resolution that meets this is retried
//!   once from the start, since a reorganization at the tip is transient; if the
//!   history is still inconsistent, the error is returned rather than a document.
//! - Cached histories are revalidated by block hash on every resolution (above).
//!
//! Every RPC failure has its own code: `ethr_rpc_timeout`, `ethr_rpc_unavailable`,
//! `ethr_rpc_response_too_large`, `ethr_rpc_invalid_response`, `ethr_rpc_error`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::{Did, DocumentMetadata, Error, Resolution, ResolutionOptions, Resolver};

pub mod abi;
mod did;
pub mod document;
mod error;
pub mod history;
pub mod rpc;
mod tx;

pub use did::{
    Address, EthrDid, NetworkRef, did_for_address, did_for_public_key, keccak256, parse_did,
    parse_method_specific_id,
};
pub use document::{ChainEvent, SECP256K1_RECOVERY_CONTEXT, account_id};
pub use error::EthrError;
pub use history::{BlockInfo, DEFAULT_MAX_EVENTS, History};
pub use rpc::{DEFAULT_MAX_RESPONSE, DEFAULT_RPC_TIMEOUT, RpcClient};
pub use tx::{EthrWriter, Receipt, WriteOptions, address_of};

/// The network a DID without a network part lives on (spec §Method Specific Identifier).
pub const DEFAULT_NETWORK: &str = "mainnet";

/// One EVM network: where to read, which chain, which registry.
#[derive(Debug, Clone)]
pub struct EthrNetwork {
    /// The name used in DIDs (`did:ethr:<name>:0x…`), e.g. `mainnet`, `sepolia`.
    pub name: String,
    /// The JSON-RPC endpoint. It may hold an API key; it is never printed whole.
    pub rpc_url: Url,
    /// The chain id (EIP-155), also `did:ethr:0x<chain id hex>:0x…` and the
    /// `eip155:<chainId>` of `blockchainAccountId`.
    pub chain_id: u64,
    /// The ERC-1056 registry contract.
    pub registry: Address,
    /// Blocks an event must be under before it counts (see the module docs).
    pub confirmations: u64,
    /// Time limit of one JSON-RPC round trip.
    pub timeout: Duration,
    /// Response size cap.
    pub max_response: usize,
    /// Allow plain HTTP to a non-loopback host.
    pub allow_http: bool,
}

impl EthrNetwork {
    /// A network with the default limits and no confirmation depth.
    pub fn new(
        name: &str,
        rpc_url: &str,
        chain_id: u64,
        registry: &str,
    ) -> Result<Self, EthrError> {
        let rpc_url =
            Url::parse(rpc_url).map_err(|e| EthrError::InvalidConfig(format!("RPC URL: {e}")))?;
        let registry = Address::parse(registry)
            .map_err(|e| EthrError::InvalidConfig(format!("registry address: {e}")))?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(EthrError::InvalidConfig(format!(
                "network name {name:?} must be [a-z0-9-]+"
            )));
        }
        Ok(Self {
            name: name.to_owned(),
            rpc_url,
            chain_id,
            registry,
            confirmations: 0,
            timeout: DEFAULT_RPC_TIMEOUT,
            max_response: DEFAULT_MAX_RESPONSE,
            allow_http: false,
        })
    }

    /// A JSON-RPC client for this network.
    pub fn client(&self) -> Result<RpcClient, EthrError> {
        RpcClient::new(
            self.rpc_url.clone(),
            self.timeout,
            self.max_response,
            self.allow_http,
        )
    }
}

struct Network {
    config: EthrNetwork,
    rpc: RpcClient,
}

type HistoryKey = (u64, Address, Address);

/// Cached histories kept at most; past this the cache is emptied (cheap, and
/// histories are re-read in a few round trips).
const MAX_CACHED_HISTORIES: usize = 10_000;

/// The did:ethr resolver.
pub struct EthrMethod {
    networks: Vec<Network>,
    max_events: usize,
    histories: Mutex<HashMap<HistoryKey, Arc<History>>>,
}

impl std::fmt::Debug for EthrMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EthrMethod")
            .field(
                "networks",
                &self
                    .networks
                    .iter()
                    .map(|n| n.config.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What to resolve: the block events must be at or before, the time `validTo` is
/// compared with, and an optional time bound on events (versionTime).
#[derive(Debug, Clone, Copy)]
enum Target {
    Latest,
    Block(u64),
    Time(u64),
}

fn parse_options(options: &ResolutionOptions) -> Result<Target, EthrError> {
    match (&options.version_id, &options.version_time) {
        (Some(_), Some(_)) => Err(EthrError::InvalidOptions(
            "versionId and versionTime are mutually exclusive".into(),
        )),
        (Some(id), None) => id
            .parse::<u64>()
            .ok()
            .filter(|_| id.bytes().all(|b| b.is_ascii_digit()))
            .map(Target::Block)
            .ok_or_else(|| {
                EthrError::InvalidOptions(format!("versionId {id:?} is not a block number"))
            }),
        (None, Some(t)) => {
            // Spec §versionTime: "a Unix timestamp (in seconds) or an ISO 8601 date/time".
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                return t.parse::<u64>().map(Target::Time).map_err(|_| {
                    EthrError::InvalidOptions(format!("versionTime {t:?} is out of range"))
                });
            }
            let time = OffsetDateTime::parse(t, &Rfc3339)
                .map_err(|e| EthrError::InvalidOptions(format!("versionTime {t:?}: {e}")))?;
            u64::try_from(time.unix_timestamp())
                .map(Target::Time)
                .map_err(|_| EthrError::InvalidOptions(format!("versionTime {t:?} is before 1970")))
        }
        (None, None) => Ok(Target::Latest),
    }
}

/// Unix seconds as an XML date-time without fractions (spec §DID Document Metadata).
fn iso_time(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| seconds.to_string())
}

fn eth_call(registry: &Address, data: &[u8]) -> Value {
    json!([{ "to": registry.to_lower_hex(), "data": format!("0x{}", hex::encode(data)) }, "latest"])
}

fn call_word(value: Result<Value, EthrError>, what: &str) -> Result<[u8; 32], EthrError> {
    let bytes = rpc::data(&value?, what)?;
    bytes
        .get(..32)
        .and_then(|w| w.try_into().ok())
        .ok_or_else(|| {
            EthrError::RpcInvalidResponse(format!(
                "{what} returned {} bytes, not a 32-byte word (is the registry address right?)",
                bytes.len()
            ))
        })
}

impl EthrMethod {
    /// A resolver for `networks`.
    pub fn new(networks: Vec<EthrNetwork>) -> Result<Self, EthrError> {
        let networks = networks
            .into_iter()
            .map(|config| {
                Ok(Network {
                    rpc: config.client()?,
                    config,
                })
            })
            .collect::<Result<Vec<_>, EthrError>>()?;
        Ok(Self {
            networks,
            max_events: DEFAULT_MAX_EVENTS,
            histories: Mutex::new(HashMap::new()),
        })
    }

    /// Changes the bound on events walked per identity.
    pub fn with_max_events(mut self, max_events: usize) -> Self {
        self.max_events = max_events;
        self
    }

    /// The configured networks.
    pub fn networks(&self) -> impl Iterator<Item = &EthrNetwork> {
        self.networks.iter().map(|n| &n.config)
    }

    /// Forgets cached histories.
    pub fn clear_cache(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<HistoryKey, Arc<History>>> {
        // A poisoned lock only means another task panicked mid-insert; the map is valid.
        self.histories.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn network(&self, network: &NetworkRef) -> Result<&Network, EthrError> {
        let found = match network {
            NetworkRef::Default => self
                .networks
                .iter()
                .find(|n| n.config.name == DEFAULT_NETWORK),
            NetworkRef::Name(name) => self.networks.iter().find(|n| n.config.name == *name),
            NetworkRef::ChainId(id) => self.networks.iter().find(|n| n.config.chain_id == *id),
        };
        found.ok_or_else(|| {
            EthrError::UnknownNetwork(match network {
                NetworkRef::Default => DEFAULT_NETWORK.to_owned(),
                NetworkRef::Name(n) => n.clone(),
                NetworkRef::ChainId(id) => format!("0x{id:x}"),
            })
        })
    }

    /// Resolves `did` (did:ethr spec §Read (Resolve)), retrying once when the history
    /// is inconsistent (see the module docs on reorganizations).
    pub async fn resolve_ethr(
        &self,
        did: &Did,
        options: &ResolutionOptions,
    ) -> Result<Resolution, EthrError> {
        match self.resolve_once(did, options).await {
            Err(EthrError::InconsistentHistory { .. }) => {
                let parsed = parse_did(did)?;
                let network = self.network(&parsed.network)?;
                self.lock().remove(&(
                    network.config.chain_id,
                    network.config.registry,
                    parsed.identity,
                ));
                self.resolve_once(did, options).await
            }
            other => other,
        }
    }

    async fn resolve_once(
        &self,
        did: &Did,
        options: &ResolutionOptions,
    ) -> Result<Resolution, EthrError> {
        let parsed = parse_did(did)?;
        let target = parse_options(options)?;
        let network = self.network(&parsed.network)?;
        let config = &network.config;
        let key = (config.chain_id, config.registry, parsed.identity);
        let cached = self.lock().get(&key).cloned().filter(|h| h.changed != 0);

        // Round trip 1: head, identityOwner, changed (+ the cached history's block,
        // + the versionId block).
        let mut calls: Vec<(&str, Value)> = vec![
            ("eth_getBlockByNumber", json!(["latest", false])),
            (
                "eth_call",
                eth_call(
                    &config.registry,
                    &abi::identity_owner_call(&parsed.identity),
                ),
            ),
            (
                "eth_call",
                eth_call(&config.registry, &abi::changed_call(&parsed.identity)),
            ),
        ];
        if let Some(h) = &cached {
            calls.push((
                "eth_getBlockByNumber",
                json!([rpc::to_quantity(h.changed), false]),
            ));
        }
        if let Target::Block(b) = target {
            calls.push(("eth_getBlockByNumber", json!([rpc::to_quantity(b), false])));
        }
        let mut answers = network.rpc.batch(&calls).await?.into_iter();
        let mut next = || {
            answers
                .next()
                .unwrap_or_else(|| Err(EthrError::RpcInvalidResponse("batch size".into())))
        };
        let head = history::parse_block(&next()?)?
            .ok_or_else(|| EthrError::RpcInvalidResponse("no latest block".into()))?;
        let owner = abi::word_address(&call_word(next(), "identityOwner")?)?;
        let changed = abi::word_to_u64(&call_word(next(), "changed")?)?;
        let cached_valid = match &cached {
            Some(h) => history::parse_block(&next()?)?.is_some_and(|b| b.hash == h.changed_hash),
            None => false,
        };
        let version_block = match target {
            Target::Block(_) => Some(history::parse_block(&next()?)?),
            _ => None,
        };
        let confirmed_head = head.number.saturating_sub(config.confirmations);

        // The history, from the cache where its last block is still canonical.
        let history = if changed == 0 {
            Arc::new(History::default())
        } else {
            match cached.filter(|_| cached_valid) {
                Some(h) if h.changed == changed => h,
                Some(h) if h.changed < changed => {
                    let (mut events, info) = history::walk(
                        &network.rpc,
                        &config.registry,
                        &parsed.identity,
                        changed,
                        h.changed,
                        self.max_events.saturating_sub(h.events.len()),
                    )
                    .await?;
                    let mut all = h.events.clone();
                    all.append(&mut events);
                    self.store(key, changed, info, all)
                }
                _ => {
                    let (events, info) = history::walk(
                        &network.rpc,
                        &config.registry,
                        &parsed.identity,
                        changed,
                        0,
                        self.max_events,
                    )
                    .await?;
                    self.store(key, changed, info, events)
                }
            }
        };

        // Which events count, and the time validity is judged at.
        let (limit_block, limit_time, now) = match target {
            Target::Latest => (confirmed_head, u64::MAX, head.timestamp),
            Target::Block(b) => {
                let block = version_block
                    .flatten()
                    .filter(|_| b <= confirmed_head)
                    .ok_or_else(|| {
                        EthrError::VersionNotFound(format!(
                            "block {b} is beyond the confirmed head {confirmed_head}"
                        ))
                    })?;
                (b, u64::MAX, block.timestamp)
            }
            Target::Time(t) => (confirmed_head, t, t),
        };
        let visible = history
            .events
            .iter()
            .take_while(|e| e.block <= confirmed_head)
            .count();
        let applied = history.events[..visible]
            .iter()
            .take_while(|e| e.block <= limit_block && e.timestamp <= limit_time)
            .count();
        let (events, later) = history.events[..visible].split_at(applied);
        // A DID that never changed is controlled by whatever identityOwner says (the
        // identity itself on an ERC-1056 registry); after changes, the events are
        // authoritative (spec §Controller Address: "or extrapolated from the latest
        // DIDOwnerChanged event").
        let default_controller = if changed == 0 && !owner.is_zero() {
            owner
        } else {
            parsed.identity
        };
        let built = document::build(
            did,
            &parsed,
            config.chain_id,
            default_controller,
            events,
            now,
        );
        let mut metadata = DocumentMetadata::default();
        if let Some(last) = events.last() {
            metadata.version_id = Some(last.block.to_string());
            metadata.updated = Some(iso_time(last.timestamp));
        }
        if let Some(next) = later.first() {
            metadata.next_version_id = Some(next.block.to_string());
            metadata
                .extra
                .insert("nextUpdate".into(), Value::String(iso_time(next.timestamp)));
        }
        if built.deactivated {
            metadata.deactivated = Some(true);
        }
        Ok(Resolution {
            document: built.document,
            document_metadata: metadata,
        })
    }

    fn store(
        &self,
        key: HistoryKey,
        changed: u64,
        info: Option<BlockInfo>,
        events: Vec<ChainEvent>,
    ) -> Arc<History> {
        let history = Arc::new(History {
            changed,
            changed_hash: info.map(|i| i.hash).unwrap_or_default(),
            events,
        });
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED_HISTORIES {
            cache.clear();
        }
        cache.insert(key, history.clone());
        history
    }
}

#[async_trait]
impl Resolver for EthrMethod {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, Error> {
        Ok(self.resolve_ethr(did, options).await?)
    }
}

/// Fuzzing entry points: the DID parser and the RPC log decoder.
#[doc(hidden)]
pub mod fuzz {
    use super::*;

    /// Parses `data` as a did:ethr DID; what parses must re-serialize to itself.
    pub fn did(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Ok(did) = Did::parse(text) else {
            return;
        };
        if let Ok(parsed) = parse_did(&did) {
            let again = parse_method_specific_id(did.method_specific_id()).expect("re-parse");
            assert_eq!(again, parsed);
        }
    }

    /// Decodes `data` as an `eth_getLogs` answer for block 1 and walks its pointers,
    /// then builds a document from what decoded.
    pub fn logs(data: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(data) else {
            return;
        };
        let block = BlockInfo {
            number: 1,
            hash: [0; 32],
            timestamp: 0,
        };
        let registry = Address::ZERO;
        let identity = Address::ZERO;
        if let Ok(logs) = history::parse_block_logs(&value, &block, &registry, &identity) {
            let _ = history::next_block(1, &logs);
            let events: Vec<ChainEvent> = logs
                .into_iter()
                .map(|(i, l)| ChainEvent {
                    block: 1,
                    log_index: i,
                    timestamp: 0,
                    kind: l.kind,
                })
                .collect();
            let did = did_for_address(None, &identity).expect("a valid DID");
            let parsed = parse_did(&did).expect("a did:ethr DID");
            let built = document::build(&did, &parsed, 1, identity, &events, 0);
            let json = serde_json::to_vec(&built.document).expect("serialize");
            crate::Document::from_json(&json).expect("the built document is valid");
        }
    }

    /// Decodes raw topics+data (the first 32·n bytes are topics, n = data[0] % 4).
    pub fn raw_log(data: &[u8]) {
        let Some((&n, rest)) = data.split_first() else {
            return;
        };
        let n = usize::from(n % 4);
        if rest.len() < 32 * n {
            return;
        }
        let (topic_bytes, body) = rest.split_at(32 * n);
        let topics: Vec<[u8; 32]> = topic_bytes
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect();
        let _ = abi::decode_log(&topics, body);
    }
}
