//! The ERC-1056 registry's ABI, by hand: the few calls the resolver and the writer
//! make, and the three events (Solidity ABI specification, "Formal Specification of
//! the Encoding" and "Events"). Small enough that a generic ABI library would cost
//! more compile time than it saves.

use super::EthrError;
use super::did::{Address, keccak256};

/// The largest attribute value decoded. Keys (even ML-KEM-768's 1184 bytes) and
/// service endpoints are far below this; bigger values are an amplification attempt
/// (did:ethr spec §Security Considerations, Amplification).
pub const MAX_ATTRIBUTE_VALUE: usize = 64 * 1024;

/// The 4-byte selector of a function signature such as `changed(address)`.
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// `event DIDOwnerChanged(address indexed identity, address owner, uint previousChange)`.
pub const OWNER_CHANGED: &str = "DIDOwnerChanged(address,address,uint256)";
/// `event DIDDelegateChanged(address indexed identity, bytes32 delegateType, address delegate, uint validTo, uint previousChange)`.
pub const DELEGATE_CHANGED: &str = "DIDDelegateChanged(address,bytes32,address,uint256,uint256)";
/// `event DIDAttributeChanged(address indexed identity, bytes32 name, bytes value, uint validTo, uint previousChange)`.
pub const ATTRIBUTE_CHANGED: &str = "DIDAttributeChanged(address,bytes32,bytes,uint256,uint256)";

/// `topics[0]` of the three registry events.
pub fn event_topics() -> [[u8; 32]; 3] {
    [
        keccak256(OWNER_CHANGED.as_bytes()),
        keccak256(DELEGATE_CHANGED.as_bytes()),
        keccak256(ATTRIBUTE_CHANGED.as_bytes()),
    ]
}

/// A `bytes32` from a short string (left-aligned, zero-padded, as Solidity's
/// `bytes32("veriKey")` and the did:ethr attribute names are).
pub fn bytes32_from_str(text: &str) -> Result<[u8; 32], EthrError> {
    if text.len() > 32 {
        return Err(EthrError::InvalidArgument(format!(
            "{text:?} is {} bytes; the registry's bytes32 holds 32",
            text.len()
        )));
    }
    let mut out = [0u8; 32];
    out[..text.len()].copy_from_slice(text.as_bytes());
    Ok(out)
}

/// The string in a `bytes32`: up to the first zero byte, if it is UTF-8.
pub fn bytes32_to_str(word: &[u8; 32]) -> Option<&str> {
    let end = word.iter().position(|&b| b == 0).unwrap_or(32);
    if word[end..].iter().any(|&b| b != 0) {
        return None;
    }
    std::str::from_utf8(&word[..end]).ok()
}

fn word_u64(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

/// A call with static arguments (32-byte words).
fn call(signature: &str, words: &[[u8; 32]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * words.len());
    out.extend_from_slice(&selector(signature));
    for w in words {
        out.extend_from_slice(w);
    }
    out
}

/// A call whose last argument is `bytes` (head words, then the offset, then the tail).
fn call_with_bytes(
    signature: &str,
    before: &[[u8; 32]],
    bytes: &[u8],
    after: &[[u8; 32]],
) -> Vec<u8> {
    let head_words = before.len() + 1 + after.len();
    let mut out = call(signature, before);
    out.extend_from_slice(&word_u64((head_words * 32) as u64));
    for w in after {
        out.extend_from_slice(w);
    }
    out.extend_from_slice(&word_u64(bytes.len() as u64));
    out.extend_from_slice(bytes);
    let pad = (32 - bytes.len() % 32) % 32;
    out.extend(std::iter::repeat_n(0u8, pad));
    out
}

/// `identityOwner(address)`.
pub fn identity_owner_call(identity: &Address) -> Vec<u8> {
    call("identityOwner(address)", &[identity.to_word()])
}

/// `changed(address)`.
pub fn changed_call(identity: &Address) -> Vec<u8> {
    call("changed(address)", &[identity.to_word()])
}

/// `changeOwner(address identity, address newOwner)`.
pub fn change_owner_call(identity: &Address, new_owner: &Address) -> Vec<u8> {
    call(
        "changeOwner(address,address)",
        &[identity.to_word(), new_owner.to_word()],
    )
}

/// `addDelegate(address identity, bytes32 delegateType, address delegate, uint validity)`.
pub fn add_delegate_call(
    identity: &Address,
    delegate_type: &[u8; 32],
    delegate: &Address,
    validity: u64,
) -> Vec<u8> {
    call(
        "addDelegate(address,bytes32,address,uint256)",
        &[
            identity.to_word(),
            *delegate_type,
            delegate.to_word(),
            word_u64(validity),
        ],
    )
}

/// `revokeDelegate(address identity, bytes32 delegateType, address delegate)`.
pub fn revoke_delegate_call(
    identity: &Address,
    delegate_type: &[u8; 32],
    delegate: &Address,
) -> Vec<u8> {
    call(
        "revokeDelegate(address,bytes32,address)",
        &[identity.to_word(), *delegate_type, delegate.to_word()],
    )
}

/// `setAttribute(address identity, bytes32 name, bytes value, uint validity)`.
pub fn set_attribute_call(
    identity: &Address,
    name: &[u8; 32],
    value: &[u8],
    validity: u64,
) -> Vec<u8> {
    call_with_bytes(
        "setAttribute(address,bytes32,bytes,uint256)",
        &[identity.to_word(), *name],
        value,
        &[word_u64(validity)],
    )
}

/// `revokeAttribute(address identity, bytes32 name, bytes value)`.
pub fn revoke_attribute_call(identity: &Address, name: &[u8; 32], value: &[u8]) -> Vec<u8> {
    call_with_bytes(
        "revokeAttribute(address,bytes32,bytes)",
        &[identity.to_word(), *name],
        value,
        &[],
    )
}

/// What one registry event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `DIDOwnerChanged`: the controller is now `owner` (0x0: deactivated).
    OwnerChanged {
        /// The new owner.
        owner: Address,
    },
    /// `DIDDelegateChanged`: `delegate` is a delegate of `delegate_type` until `valid_to`.
    DelegateChanged {
        /// `veriKey`, `sigAuth`, or another type.
        delegate_type: [u8; 32],
        /// The delegate address.
        delegate: Address,
        /// Unix seconds (saturated to `u64::MAX`).
        valid_to: u64,
    },
    /// `DIDAttributeChanged`: attribute `name` = `value` until `valid_to` (0: revoked).
    AttributeChanged {
        /// `did/pub/…`, `did/svc/…`, or another name.
        name: [u8; 32],
        /// The raw value.
        value: Vec<u8>,
        /// Unix seconds (saturated to `u64::MAX`).
        valid_to: u64,
    },
}

/// A decoded event log of the identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedLog {
    /// The identity (`topics[1]`).
    pub identity: Address,
    /// The event.
    pub kind: EventKind,
    /// The block of the identity's previous change (0: none).
    pub previous_change: u64,
}

fn word(data: &[u8], index: usize) -> Result<&[u8; 32], EthrError> {
    data.get(index * 32..index * 32 + 32)
        .and_then(|w| w.try_into().ok())
        .ok_or_else(|| bad(format!("event data has no word {index}")))
}

fn bad(reason: String) -> EthrError {
    EthrError::RpcInvalidResponse(reason)
}

/// An ABI `address` word: 12 zero bytes, then the address.
pub fn word_address(w: &[u8; 32]) -> Result<Address, EthrError> {
    if w[..12].iter().any(|&b| b != 0) {
        return Err(bad("an address word has non-zero high bytes".into()));
    }
    let mut a = [0u8; 20];
    a.copy_from_slice(&w[12..]);
    Ok(Address(a))
}

/// A `uint256` word that must fit a `u64` (block numbers, offsets, lengths).
pub fn word_to_u64(w: &[u8; 32]) -> Result<u64, EthrError> {
    if w[..24].iter().any(|&b| b != 0) {
        return Err(bad("a uint256 does not fit 64 bits".into()));
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&w[24..]);
    Ok(u64::from_be_bytes(b))
}

/// A `uint256` time, saturated: a `validTo` past 2^64 s is "forever" either way.
fn word_saturating(w: &[u8; 32]) -> u64 {
    word_to_u64(w).unwrap_or(u64::MAX)
}

/// Decodes one registry log from its topics and data. Logs of other events are
/// `Ok(None)`; logs that claim to be registry events and do not decode are errors.
pub fn decode_log(topics: &[[u8; 32]], data: &[u8]) -> Result<Option<DecodedLog>, EthrError> {
    let [owner_t, delegate_t, attribute_t] = event_topics();
    let Some(topic0) = topics.first() else {
        return Ok(None);
    };
    if *topic0 != owner_t && *topic0 != delegate_t && *topic0 != attribute_t {
        return Ok(None);
    }
    if topics.len() != 2 {
        return Err(bad(format!(
            "a registry event has {} topics, not 2",
            topics.len()
        )));
    }
    let identity = word_address(&topics[1])?;
    let (kind, previous_change) = if *topic0 == owner_t {
        if data.len() != 64 {
            return Err(bad("DIDOwnerChanged data is not 2 words".into()));
        }
        (
            EventKind::OwnerChanged {
                owner: word_address(word(data, 0)?)?,
            },
            word_to_u64(word(data, 1)?)?,
        )
    } else if *topic0 == delegate_t {
        if data.len() != 128 {
            return Err(bad("DIDDelegateChanged data is not 4 words".into()));
        }
        (
            EventKind::DelegateChanged {
                delegate_type: *word(data, 0)?,
                delegate: word_address(word(data, 1)?)?,
                valid_to: word_saturating(word(data, 2)?),
            },
            word_to_u64(word(data, 3)?)?,
        )
    } else {
        // name, offset of value, validTo, previousChange, then the value's length and bytes.
        let name = *word(data, 0)?;
        let offset = word_to_u64(word(data, 1)?)?;
        if offset != 128 {
            return Err(bad(format!(
                "DIDAttributeChanged value offset is {offset}, not 128"
            )));
        }
        let valid_to = word_saturating(word(data, 2)?);
        let previous_change = word_to_u64(word(data, 3)?)?;
        let len = word_to_u64(word(data, 4)?)?;
        if len > MAX_ATTRIBUTE_VALUE as u64 {
            return Err(bad(format!(
                "attribute value of {len} bytes is over the {MAX_ATTRIBUTE_VALUE}-byte limit"
            )));
        }
        let len = len as usize;
        let padded = len.div_ceil(32) * 32;
        if data.len() != 160 + padded {
            return Err(bad(
                "DIDAttributeChanged data length does not match its value".into(),
            ));
        }
        (
            EventKind::AttributeChanged {
                name,
                value: data[160..160 + len].to_vec(),
                valid_to,
            },
            previous_change,
        )
    };
    Ok(Some(DecodedLog {
        identity,
        kind,
        previous_change,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_the_registry_abi() {
        // Known ERC-1056 selectors.
        assert_eq!(hex::encode(selector("identityOwner(address)")), "8733d4e8");
        assert_eq!(hex::encode(selector("changed(address)")), "f96d0f9f");
        assert_eq!(
            hex::encode(selector("changeOwner(address,address)")),
            "f00d4b5d"
        );
    }

    #[test]
    fn attribute_call_round_trips_through_the_log_decoder() {
        let identity = Address([7; 20]);
        let name = bytes32_from_str("did/svc/HubService").unwrap();
        let value = b"https://hubs.example".to_vec();
        let call = set_attribute_call(&identity, &name, &value, 100);
        // The event data has the same layout as the call's arguments after the
        // identity, with previousChange appended: rebuild it from the call.
        let args = &call[4 + 32..];
        let mut data = Vec::new();
        data.extend_from_slice(&args[..32]); // name
        data.extend_from_slice(&word_u64(128)); // offset
        data.extend_from_slice(&args[64..96]); // validTo
        data.extend_from_slice(&word_u64(5)); // previousChange
        data.extend_from_slice(&args[96..]); // length + value
        let topics = [event_topics()[2], identity.to_word()];
        let log = decode_log(&topics, &data).unwrap().unwrap();
        assert_eq!(log.identity, identity);
        assert_eq!(log.previous_change, 5);
        assert_eq!(
            log.kind,
            EventKind::AttributeChanged {
                name,
                value,
                valid_to: 100
            }
        );
        assert_eq!(bytes32_to_str(&name), Some("did/svc/HubService"));
        assert!(bytes32_from_str(&"x".repeat(33)).is_err());
    }
}
