//! The event walk (did:ethr spec §Enumerating Contract Events): from the block in
//! `changed(identity)` back through each event's `previousChange`, one JSON-RPC round
//! trip per block (`eth_getLogs` for that block and `eth_getBlockByNumber` for its
//! hash and timestamp, in one batch).
//!
//! The walk checks what a reorganization or a lying endpoint would break:
//! - the block a pointer names has at least one event of the identity;
//! - within a block, the first event (by log index) points to an earlier block and
//!   every later one to the block itself (the registry updates `changed` after each
//!   event, so a second change in the same block points at its own block);
//! - pointers go strictly back in time, so the walk ends;
//! - every log carries the block hash the block itself reports, and none is `removed`.
//!
//! Any violation is [`EthrError::InconsistentHistory`].

use serde_json::{Value, json};

use super::EthrError;
use super::abi::{DecodedLog, decode_log, event_topics};
use super::did::Address;
use super::document::ChainEvent;
use super::rpc::{self, RpcClient, quantity, to_quantity};

/// Default bound on the events walked for one identity.
pub const DEFAULT_MAX_EVENTS: usize = 1000;

/// A block header's few fields the resolver uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: [u8; 32],
    /// Its timestamp (unix seconds).
    pub timestamp: u64,
}

/// Parses an `eth_getBlockByNumber` result; `null` (no such block) is `Ok(None)`.
pub fn parse_block(value: &Value) -> Result<Option<BlockInfo>, EthrError> {
    if value.is_null() {
        return Ok(None);
    }
    Ok(Some(BlockInfo {
        number: quantity(&value["number"], "block number")?,
        hash: rpc::data32(&value["hash"], "block hash")?,
        timestamp: quantity(&value["timestamp"], "block timestamp")?,
    }))
}

/// The identity's history: every registry event, oldest first, and the block it
/// was read up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// The identity's latest change block (`changed(identity)`); 0 for none.
    pub changed: u64,
    /// That block's hash (all zero when `changed` is 0).
    pub changed_hash: [u8; 32],
    /// The events, oldest first.
    pub events: Vec<ChainEvent>,
}

/// The `eth_getLogs` filter for one block: the registry's three events with the
/// identity as the indexed `topics[1]`.
pub fn logs_filter(registry: &Address, identity: &Address, block: u64) -> Value {
    let topics: Vec<String> = event_topics()
        .iter()
        .map(|t| format!("0x{}", hex::encode(t)))
        .collect();
    json!({
        "fromBlock": to_quantity(block),
        "toBlock": to_quantity(block),
        "address": registry.to_lower_hex(),
        "topics": [topics, format!("0x{}", hex::encode(identity.to_word()))],
    })
}

/// Decodes and checks the logs of one block: `(log index, event, previousChange)` in
/// log order.
pub fn parse_block_logs(
    logs: &Value,
    block: &BlockInfo,
    registry: &Address,
    identity: &Address,
) -> Result<Vec<(u64, DecodedLog)>, EthrError> {
    let inconsistent = |reason: String| EthrError::InconsistentHistory {
        block: block.number,
        reason,
    };
    let items = logs.as_array().ok_or_else(|| {
        EthrError::RpcInvalidResponse("eth_getLogs did not return an array".into())
    })?;
    let mut out = Vec::with_capacity(items.len());
    for log in items {
        if log.get("removed").and_then(Value::as_bool) == Some(true) {
            return Err(inconsistent(
                "the node marks a log as removed (reorganized)".into(),
            ));
        }
        let address = log["address"]
            .as_str()
            .ok_or_else(|| EthrError::RpcInvalidResponse("a log has no address".into()))
            .and_then(Address::parse)
            .map_err(|_| EthrError::RpcInvalidResponse("a log's address is malformed".into()))?;
        if address != *registry {
            return Err(EthrError::RpcInvalidResponse(format!(
                "a log from {address}, not the registry"
            )));
        }
        let number = quantity(&log["blockNumber"], "log blockNumber")?;
        if number != block.number {
            return Err(inconsistent(format!(
                "a log of block {number} in the answer for this block"
            )));
        }
        let hash = rpc::data32(&log["blockHash"], "log blockHash")?;
        if hash != block.hash {
            return Err(inconsistent(
                "the logs and the block disagree on the block hash (reorganized while reading)"
                    .into(),
            ));
        }
        let index = quantity(&log["logIndex"], "logIndex")?;
        let topics = log["topics"]
            .as_array()
            .ok_or_else(|| EthrError::RpcInvalidResponse("a log has no topics".into()))?
            .iter()
            .map(|t| rpc::data32(t, "topic"))
            .collect::<Result<Vec<_>, _>>()?;
        let data = rpc::data(&log["data"], "log data")?;
        let Some(decoded) = decode_log(&topics, &data)? else {
            continue;
        };
        if decoded.identity != *identity {
            return Err(EthrError::RpcInvalidResponse(format!(
                "a log of {} in the answer for {identity}",
                decoded.identity
            )));
        }
        out.push((index, decoded));
    }
    out.sort_by_key(|(index, _)| *index);
    if out.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(EthrError::RpcInvalidResponse(
            "two logs share a log index".into(),
        ));
    }
    Ok(out)
}

/// Checks the `previousChange` pointers of one block's events and returns the block
/// the walk goes to next (0: the history starts here).
pub fn next_block(block: u64, events: &[(u64, DecodedLog)]) -> Result<u64, EthrError> {
    let inconsistent = |reason: String| EthrError::InconsistentHistory { block, reason };
    let Some((_, first)) = events.first() else {
        return Err(inconsistent(
            "a changed/previousChange pointer names this block, which has no event of the identity"
                .into(),
        ));
    };
    if first.previous_change >= block {
        return Err(inconsistent(format!(
            "the block's first event points to block {}, not an earlier one",
            first.previous_change
        )));
    }
    if let Some((_, e)) = events[1..].iter().find(|(_, e)| e.previous_change != block) {
        return Err(inconsistent(format!(
            "a later event in the block points to block {}, not to this block",
            e.previous_change
        )));
    }
    Ok(first.previous_change)
}

/// Walks from `from` (the identity's `changed` block) back to the start, or to
/// `stop` (a block whose history is already known and whose hash the caller checked),
/// returning the events walked (oldest first) and the info of block `from`.
pub async fn walk(
    rpc: &RpcClient,
    registry: &Address,
    identity: &Address,
    from: u64,
    stop: u64,
    max_events: usize,
) -> Result<(Vec<ChainEvent>, Option<BlockInfo>), EthrError> {
    let mut events: Vec<ChainEvent> = Vec::new();
    let mut block = from;
    let mut first_info = None;
    while block != 0 && block != stop {
        if block < stop {
            return Err(EthrError::InconsistentHistory {
                block,
                reason: format!("the walk skipped block {stop}, which the cached history ends at"),
            });
        }
        let answers = rpc
            .batch(&[
                (
                    "eth_getLogs",
                    json!([logs_filter(registry, identity, block)]),
                ),
                ("eth_getBlockByNumber", json!([to_quantity(block), false])),
            ])
            .await?;
        let [logs, header] = <[_; 2]>::try_from(answers)
            .map_err(|_| EthrError::RpcInvalidResponse("batch size".into()))?;
        let info = parse_block(&header?)?.ok_or_else(|| EthrError::InconsistentHistory {
            block,
            reason: "the block does not exist (the chain was reorganized to a shorter one)".into(),
        })?;
        if info.number != block {
            return Err(EthrError::RpcInvalidResponse(format!(
                "asked for block {block}, got block {}",
                info.number
            )));
        }
        let decoded = parse_block_logs(&logs?, &info, registry, identity)?;
        let next = next_block(block, &decoded)?;
        if events.len() + decoded.len() > max_events {
            return Err(EthrError::HistoryTooLong { limit: max_events });
        }
        // Newest first while walking; reversed at the end.
        for (log_index, log) in decoded.into_iter().rev() {
            events.push(ChainEvent {
                block,
                log_index,
                timestamp: info.timestamp,
                kind: log.kind,
            });
        }
        first_info.get_or_insert(info);
        block = next;
    }
    events.reverse();
    Ok((events, first_info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::ethr::abi::EventKind;

    fn log(previous_change: u64) -> DecodedLog {
        DecodedLog {
            identity: Address([1; 20]),
            kind: EventKind::OwnerChanged {
                owner: Address([2; 20]),
            },
            previous_change,
        }
    }

    #[test]
    fn pointer_rules() {
        assert_eq!(next_block(10, &[(0, log(4))]).unwrap(), 4);
        assert_eq!(next_block(10, &[(0, log(0)), (1, log(10))]).unwrap(), 0);
        for bad in [
            vec![],
            vec![(0, log(10))],
            vec![(0, log(11))],
            vec![(0, log(4)), (1, log(4))],
        ] {
            assert_eq!(
                next_block(10, &bad).unwrap_err().code(),
                "ethr_inconsistent_history"
            );
        }
    }
}
