//! From an identity's registry events to its DID document (did:ethr spec §Read
//! (Resolve), "Enumerating Contract Events to build the DID Document").

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use kith_crypto::{KeyType, PublicKey};

use super::abi::{EventKind, bytes32_to_str};
use super::did::{Address, EthrDid};
use crate::document::DID_CONTEXT_V1;
use crate::{Did, Document, MethodRef, OneOrMany, Service, VerificationMethod};

/// The context of `EcdsaSecp256k1RecoveryMethod2020` and `blockchainAccountId`
/// (did:ethr spec §JSON-LD Context Definition).
pub const SECP256K1_RECOVERY_CONTEXT: &str =
    "https://w3id.org/security/suites/secp256k1recovery-2020/v2";
const SECURITY_V2_CONTEXT: &str = "https://w3id.org/security/v2";
const ED25519_2020_CONTEXT: &str = "https://w3id.org/security/suites/ed25519-2020/v1";
const X25519_2020_CONTEXT: &str = "https://w3id.org/security/suites/x25519-2020/v1";
const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";

/// One registry event with where and when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEvent {
    /// The block number.
    pub block: u64,
    /// The log's index in its block.
    pub log_index: u64,
    /// The block's timestamp (unix seconds).
    pub timestamp: u64,
    /// What happened.
    pub kind: EventKind,
}

/// A document and whether the DID is deactivated.
#[derive(Debug, Clone)]
pub struct Built {
    /// The DID document.
    pub document: Document,
    /// The owner was set to 0x0 (did:ethr spec §Delete).
    pub deactivated: bool,
}

#[derive(Default)]
struct Relationships {
    authentication: bool,
    assertion: bool,
    key_agreement: bool,
}

/// Insertion-ordered entries keyed by the event that made them, so a later event for
/// the same delegate or attribute replaces or removes the entry (spec §`id`
/// properties of entries: ids are stable across updates).
struct Ordered<T> {
    slots: Vec<Option<T>>,
    index: HashMap<String, usize>,
}

impl<T> Ordered<T> {
    fn new() -> Self {
        Self {
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn put(&mut self, key: String, value: T) {
        match self.index.get(&key) {
            Some(&i) => self.slots[i] = Some(value),
            None => {
                self.index.insert(key, self.slots.len());
                self.slots.push(Some(value));
            }
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(i) = self.index.remove(key) {
            self.slots[i] = None;
        }
    }

    fn into_values(self) -> impl Iterator<Item = T> {
        self.slots.into_iter().flatten()
    }
}

/// The `blockchainAccountId` of an address (CAIP-10, `eip155:<chainId>:<address>`).
pub fn account_id(chain_id: u64, address: &Address) -> String {
    format!("eip155:{chain_id}:{}", address.to_checksum())
}

fn recovery_method(id: String, did: &Did, chain_id: u64, address: &Address) -> VerificationMethod {
    let mut extra = Map::new();
    extra.insert(
        "blockchainAccountId".into(),
        Value::String(account_id(chain_id, address)),
    );
    VerificationMethod {
        id,
        type_: "EcdsaSecp256k1RecoveryMethod2020".into(),
        controller: did.to_string(),
        public_key_multibase: None,
        public_key_jwk: None,
        extra,
    }
}

/// A `did/pub/<algorithm>/<purpose>[/<encoding>]` attribute as a verification method
/// (spec §Public Keys, "Known Key Types"). `None` when the value is not a key of the
/// named algorithm, which leaves the document without it rather than failing the
/// whole resolution over one bad attribute.
fn attribute_key(
    id: String,
    did: &Did,
    algorithm: &str,
    encoding: Option<&str>,
    value: &[u8],
    contexts: &mut Vec<Value>,
) -> Option<VerificationMethod> {
    let mut vm = VerificationMethod {
        id,
        type_: String::new(),
        controller: did.to_string(),
        public_key_multibase: None,
        public_key_jwk: None,
        extra: Map::new(),
    };
    match algorithm {
        // Canonical encodings per the table; the encoding hint is a MAY and is not
        // followed for these, so every key Kith publishes is one Kith can decode.
        "Secp256k1" => {
            let key = PublicKey::from_bytes(KeyType::Secp256k1, value).ok()?;
            vm.type_ = "EcdsaSecp256k1VerificationKey2019".into();
            vm.public_key_jwk = Some(key.to_jwk());
            add_context(contexts, json!(SECURITY_V2_CONTEXT));
            add_context(contexts, publickey_jwk_context());
        }
        "Ed25519" => {
            let key = PublicKey::from_bytes(KeyType::Ed25519, value).ok()?;
            vm.type_ = "Ed25519VerificationKey2020".into();
            vm.public_key_multibase = Some(key.to_multikey());
            add_context(contexts, json!(ED25519_2020_CONTEXT));
        }
        "X25519" => {
            let key = PublicKey::from_bytes(KeyType::X25519, value).ok()?;
            vm.type_ = "X25519KeyAgreementKey2020".into();
            vm.public_key_multibase = Some(key.to_multikey());
            add_context(contexts, json!(X25519_2020_CONTEXT));
        }
        "Multikey" => {
            // The value already carries its multicodec header; only base58btc it.
            if value.is_empty() {
                return None;
            }
            vm.type_ = "Multikey".into();
            vm.public_key_multibase = Some(format!("z{}", bs58::encode(value).into_string()));
            add_context(contexts, json!(MULTIKEY_CONTEXT));
        }
        // "When the resolver encounters an unknown key algorithm, it MUST present it
        // verbatim as the verification method type with publicKeyHex as the default
        // key encoding, or with a publicKey encoding that follows the encoding hint."
        other => {
            if other.is_empty() {
                return None;
            }
            vm.type_ = other.to_owned();
            let (property, encoded) = match encoding {
                Some("base64") => ("publicKeyBase64", base64_standard(value)),
                Some("base58") => ("publicKeyBase58", bs58::encode(value).into_string()),
                _ => ("publicKeyHex", hex::encode(value)),
            };
            vm.extra.insert(property.into(), Value::String(encoded));
            add_context(
                contexts,
                json!({ property: format!("https://w3id.org/security#{property}") }),
            );
        }
    }
    Some(vm)
}

fn base64_standard(bytes: &[u8]) -> String {
    // RFC 4648 §4 with padding; a few lines instead of another dependency.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn publickey_jwk_context() -> Value {
    json!({ "publicKeyJwk": { "@id": "https://w3id.org/security#publicKeyJwk", "@type": "@json" } })
}

fn add_context(contexts: &mut Vec<Value>, context: Value) {
    if !contexts.contains(&context) {
        contexts.push(context);
    }
}

/// A service endpoint value: JSON when the attribute holds a JSON object or array
/// (as the reference resolver reads structured endpoints), else the string.
fn service_endpoint(value: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(value).ok()?;
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => Some(v),
        _ => Some(Value::String(text.to_owned())),
    }
}

/// Builds the document of `parsed` (the DID `did`) from `events` (oldest first, only
/// those in effect for the version resolved), with `controller` the owner when the
/// events name none, and `now` the time `validTo` is compared with.
///
/// `validTo` must be strictly after `now`. The spec's text says "greater or equal",
/// but a revocation records `validTo` = the revoking block's timestamp, so "equal"
/// would keep a revoked delegate alive when resolving at that block; strict matches
/// the registry's own `validDelegate` (`validity > block.timestamp`).
pub fn build(
    did: &Did,
    parsed: &EthrDid,
    chain_id: u64,
    default_controller: Address,
    events: &[ChainEvent],
    now: u64,
) -> Built {
    let mut controller = default_controller;
    let mut delegate_count = 0u64;
    let mut service_count = 0u64;
    let mut methods: Ordered<(VerificationMethod, Relationships)> = Ordered::new();
    let mut services: Ordered<Service> = Ordered::new();
    let mut contexts = vec![json!(DID_CONTEXT_V1), json!(SECP256K1_RECOVERY_CONTEXT)];
    for event in events {
        match &event.kind {
            EventKind::OwnerChanged { owner } => {
                controller = *owner;
                if owner.is_zero() {
                    // Spec §Delete: "all preexisting keys and services MUST be
                    // considered revoked", and nothing after it counts.
                    let mut document = Document::new(did.clone());
                    document.context = Some(json!(DID_CONTEXT_V1));
                    return Built {
                        document,
                        deactivated: true,
                    };
                }
            }
            EventKind::DelegateChanged {
                delegate_type,
                delegate,
                valid_to,
            } => {
                delegate_count += 1;
                let type_name = bytes32_to_str(delegate_type).unwrap_or("");
                let key = format!(
                    "delegate-{}-{}",
                    hex::encode(delegate_type),
                    delegate.to_lower_hex()
                );
                let rels = match type_name {
                    "veriKey" => Relationships {
                        assertion: true,
                        ..Default::default()
                    },
                    // sigAuth keys authenticate, and (as in the reference resolver)
                    // authoritative keys can also make assertions.
                    "sigAuth" => Relationships {
                        authentication: true,
                        assertion: true,
                        ..Default::default()
                    },
                    _ => continue,
                };
                if *valid_to > now {
                    let id = format!("{did}#delegate-{delegate_count}");
                    methods.put(key, (recovery_method(id, did, chain_id, delegate), rels));
                } else {
                    methods.remove(&key);
                }
            }
            EventKind::AttributeChanged {
                name,
                value,
                valid_to,
            } => {
                let Some(name_text) = bytes32_to_str(name) else {
                    continue;
                };
                let key = format!("attribute-{}-{}", hex::encode(name), hex::encode(value));
                let parts: Vec<&str> = name_text.split('/').collect();
                match parts.as_slice() {
                    ["did", "pub", algorithm, purpose, rest @ ..] if rest.len() <= 1 => {
                        delegate_count += 1;
                        let rels = match *purpose {
                            "veriKey" => Relationships {
                                assertion: true,
                                ..Default::default()
                            },
                            "sigAuth" => Relationships {
                                authentication: true,
                                assertion: true,
                                ..Default::default()
                            },
                            "enc" => Relationships {
                                key_agreement: true,
                                ..Default::default()
                            },
                            _ => continue,
                        };
                        if *valid_to > now {
                            let id = format!("{did}#delegate-{delegate_count}");
                            if let Some(vm) = attribute_key(
                                id,
                                did,
                                algorithm,
                                rest.first().copied(),
                                value,
                                &mut contexts,
                            ) {
                                methods.put(key, (vm, rels));
                            }
                        } else {
                            methods.remove(&key);
                        }
                    }
                    ["did", "svc", service_type] if !service_type.is_empty() => {
                        service_count += 1;
                        if *valid_to > now {
                            if let Some(endpoint) = service_endpoint(value) {
                                services.put(
                                    key,
                                    Service {
                                        id: format!("{did}#service-{service_count}"),
                                        type_: OneOrMany::One((*service_type).to_owned()),
                                        service_endpoint: endpoint,
                                        extra: Map::new(),
                                    },
                                );
                            }
                        } else {
                            services.remove(&key);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    let mut document = Document::new(did.clone());
    // Spec §Controller Address: `#controller` is in verificationMethod and referenced
    // from authentication and assertionMethod.
    let controller_id = format!("{did}#controller");
    document.verification_method.push(recovery_method(
        controller_id.clone(),
        did,
        chain_id,
        &controller,
    ));
    document
        .authentication
        .push(MethodRef::Reference(controller_id.clone()));
    document
        .assertion_method
        .push(MethodRef::Reference(controller_id));
    // Spec §Relationship to ERC1056: a public-key DID lists its key as
    // `#controllerKey` while the key's address is still the controller.
    if let Some(key) = &parsed.public_key
        && controller == parsed.identity
    {
        let id = format!("{did}#controllerKey");
        document.verification_method.push(VerificationMethod {
            id: id.clone(),
            type_: "EcdsaSecp256k1VerificationKey2019".into(),
            controller: did.to_string(),
            public_key_multibase: None,
            public_key_jwk: Some(PublicKey::Secp256k1(*key).to_jwk()),
            extra: Map::new(),
        });
        document
            .authentication
            .push(MethodRef::Reference(id.clone()));
        document.assertion_method.push(MethodRef::Reference(id));
        add_context(&mut contexts, json!(SECURITY_V2_CONTEXT));
        add_context(&mut contexts, publickey_jwk_context());
    }
    let mut authentication = Vec::new();
    let mut assertion = Vec::new();
    let mut key_agreement = Vec::new();
    for (vm, rels) in methods.into_values() {
        if rels.authentication {
            authentication.push(MethodRef::Reference(vm.id.clone()));
        }
        if rels.assertion {
            assertion.push(MethodRef::Reference(vm.id.clone()));
        }
        if rels.key_agreement {
            key_agreement.push(MethodRef::Reference(vm.id.clone()));
        }
        document.verification_method.push(vm);
    }
    document.authentication.extend(authentication);
    document.assertion_method.extend(assertion);
    document.key_agreement.extend(key_agreement);
    document.service.extend(services.into_values());
    document.context = Some(Value::Array(contexts));
    Built {
        document,
        deactivated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 §10.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_standard(input.as_bytes()), expected);
        }
    }
}
