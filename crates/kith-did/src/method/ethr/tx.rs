//! Writing to the registry (did:ethr spec §Update, §Delete): the owner's secp256k1
//! key signs an EIP-1559 transaction (EIP-155 legacy where the chain has no base
//! fee), it goes out through `eth_sendRawTransaction`, and the receipt is awaited.
//!
//! RLP (Yellow Paper appendix B) and the transaction envelopes (EIP-155, EIP-2718,
//! EIP-1559) are written out here: a few dozen lines, against pulling an Ethereum
//! stack into an identity library.

use std::time::Duration;

use serde_json::{Value, json};

use kith_crypto::PrivateKey;

use super::abi::{self, bytes32_from_str};
use super::did::{Address, keccak256};
use super::rpc::{RpcClient, quantity, quantity_u128};
use super::{EthrError, EthrNetwork};

/// The RLP encoding of a byte string.
fn rlp_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() == 1 && bytes[0] < 0x80 {
        out.push(bytes[0]);
    } else {
        rlp_header(out, 0x80, bytes.len());
        out.extend_from_slice(bytes);
    }
}

fn rlp_header(out: &mut Vec<u8>, base: u8, len: usize) {
    if len < 56 {
        out.push(base + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        out.push(base + 55 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

/// An unsigned integer: big-endian, no leading zeros (0 is the empty string).
fn rlp_uint(out: &mut Vec<u8>, v: u128) {
    let be = v.to_be_bytes();
    let skip = be.iter().take_while(|&&b| b == 0).count();
    rlp_bytes(out, &be[skip..]);
}

fn rlp_list(items: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() + 9);
    rlp_header(&mut out, 0xc0, items.len());
    out.extend_from_slice(items);
    out
}

/// A big-endian scalar with its leading zeros stripped, as RLP wants `r` and `s`.
fn rlp_scalar(out: &mut Vec<u8>, bytes: &[u8]) {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    rlp_bytes(out, &bytes[skip..]);
}

/// What a transaction pays for gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fees {
    /// EIP-1559.
    Dynamic { max_priority: u128, max_fee: u128 },
    /// Pre-London (EIP-155 replay-protected).
    Legacy { gas_price: u128 },
}

struct UnsignedTx<'a> {
    chain_id: u64,
    nonce: u64,
    fees: Fees,
    gas: u64,
    to: Option<&'a Address>,
    data: &'a [u8],
}

impl UnsignedTx<'_> {
    fn common(&self, out: &mut Vec<u8>) {
        rlp_uint(out, u128::from(self.gas));
        match self.to {
            Some(to) => rlp_bytes(out, &to.0),
            None => rlp_bytes(out, &[]),
        }
        rlp_uint(out, 0); // value
        rlp_bytes(out, self.data);
    }

    /// The signed raw transaction.
    fn sign(&self, key: &k256::ecdsa::SigningKey) -> Vec<u8> {
        match self.fees {
            Fees::Dynamic {
                max_priority,
                max_fee,
            } => {
                // EIP-1559: 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
                // maxFeePerGas, gasLimit, to, value, data, accessList, yParity, r, s]),
                // signed over keccak256(0x02 || rlp(the first nine)).
                let mut fields = Vec::new();
                rlp_uint(&mut fields, u128::from(self.chain_id));
                rlp_uint(&mut fields, u128::from(self.nonce));
                rlp_uint(&mut fields, max_priority);
                rlp_uint(&mut fields, max_fee);
                self.common(&mut fields);
                fields.extend_from_slice(&rlp_list(&[])); // empty access list
                let mut preimage = vec![0x02];
                preimage.extend_from_slice(&rlp_list(&fields));
                let (sig, recid) = key.sign_prehash_recoverable(&keccak256(&preimage));
                let (r, s) = sig.split_bytes();
                rlp_uint(&mut fields, u128::from(recid.is_y_odd()));
                rlp_scalar(&mut fields, &r);
                rlp_scalar(&mut fields, &s);
                let mut raw = vec![0x02];
                raw.extend_from_slice(&rlp_list(&fields));
                raw
            }
            Fees::Legacy { gas_price } => {
                // EIP-155: sign rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]);
                // v = recovery id + chainId * 2 + 35.
                let mut fields = Vec::new();
                rlp_uint(&mut fields, u128::from(self.nonce));
                rlp_uint(&mut fields, gas_price);
                self.common(&mut fields);
                let mut preimage = fields.clone();
                rlp_uint(&mut preimage, u128::from(self.chain_id));
                rlp_uint(&mut preimage, 0);
                rlp_uint(&mut preimage, 0);
                let (sig, recid) = key.sign_prehash_recoverable(&keccak256(&rlp_list(&preimage)));
                let (r, s) = sig.split_bytes();
                let v = u128::from(recid.is_y_odd()) + u128::from(self.chain_id) * 2 + 35;
                rlp_uint(&mut fields, v);
                rlp_scalar(&mut fields, &r);
                rlp_scalar(&mut fields, &s);
                rlp_list(&fields)
            }
        }
    }
}

/// The Ethereum address of a secp256k1 key.
pub fn address_of(key: &PrivateKey) -> Result<Address, EthrError> {
    match key {
        PrivateKey::Secp256k1(k) => Ok(Address::from_public_key(k.verifying_key())),
        other => Err(EthrError::Key(format!(
            "Ethereum transactions are signed with secp256k1, not {}",
            other.key_type().name()
        ))),
    }
}

/// How a write is sent and awaited.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// A fixed gas limit. `None` estimates it (`eth_estimateGas`), which also refuses
    /// a call that would revert before anything is sent; a fixed limit sends it anyway,
    /// so the revert happens on chain.
    pub gas_limit: Option<u64>,
    /// Send an EIP-155 legacy transaction even where EIP-1559 is available.
    pub legacy: bool,
    /// How long to wait for the receipt.
    pub receipt_timeout: Duration,
    /// How often to ask for it.
    pub poll_interval: Duration,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            gas_limit: None,
            legacy: false,
            receipt_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// A mined, successful transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its hash (`0x…`).
    pub tx_hash: String,
    /// The block it is in.
    pub block: u64,
    /// Gas used.
    pub gas_used: u64,
    /// The contract it created, for a deployment.
    pub contract_address: Option<Address>,
}

/// Sends registry changes for identities the key owns.
pub struct EthrWriter {
    rpc: RpcClient,
    chain_id: u64,
    registry: Address,
    key: k256::ecdsa::SigningKey,
    from: Address,
    options: WriteOptions,
}

impl std::fmt::Debug for EthrWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EthrWriter({} on chain {})", self.from, self.chain_id)
    }
}

impl EthrWriter {
    /// A writer on `network` signing with `key` (secp256k1).
    pub fn new(network: &EthrNetwork, key: &PrivateKey) -> Result<Self, EthrError> {
        let PrivateKey::Secp256k1(k) = key else {
            return Err(EthrError::Key(format!(
                "Ethereum transactions are signed with secp256k1, not {}",
                key.key_type().name()
            )));
        };
        Ok(Self {
            rpc: network.client()?,
            chain_id: network.chain_id,
            registry: network.registry,
            key: k.clone(),
            from: Address::from_public_key(k.verifying_key()),
            options: WriteOptions::default(),
        })
    }

    /// Replaces the write options.
    pub fn with_options(mut self, options: WriteOptions) -> Self {
        self.options = options;
        self
    }

    /// The sender's address.
    pub fn address(&self) -> Address {
        self.from
    }

    /// `changeOwner(identity, newOwner)`: hands control to `new_owner` (for recovery,
    /// an address whose key is kept offline). `Address::ZERO` deactivates the DID.
    pub async fn change_owner(
        &self,
        identity: &Address,
        new_owner: &Address,
    ) -> Result<Receipt, EthrError> {
        self.send(
            Some(&self.registry),
            &abi::change_owner_call(identity, new_owner),
        )
        .await
    }

    /// `addDelegate`: `delegate` (`veriKey` or `sigAuth`) for `validity` seconds.
    pub async fn add_delegate(
        &self,
        identity: &Address,
        delegate_type: &str,
        delegate: &Address,
        validity: u64,
    ) -> Result<Receipt, EthrError> {
        let t = bytes32_from_str(delegate_type)?;
        self.send(
            Some(&self.registry),
            &abi::add_delegate_call(identity, &t, delegate, validity),
        )
        .await
    }

    /// `revokeDelegate`.
    pub async fn revoke_delegate(
        &self,
        identity: &Address,
        delegate_type: &str,
        delegate: &Address,
    ) -> Result<Receipt, EthrError> {
        let t = bytes32_from_str(delegate_type)?;
        self.send(
            Some(&self.registry),
            &abi::revoke_delegate_call(identity, &t, delegate),
        )
        .await
    }

    /// `setAttribute`: e.g. `did/pub/Ed25519/veriKey` with the raw key bytes, or
    /// `did/svc/LinkedDomains` with the endpoint, for `validity` seconds.
    pub async fn set_attribute(
        &self,
        identity: &Address,
        name: &str,
        value: &[u8],
        validity: u64,
    ) -> Result<Receipt, EthrError> {
        let n = bytes32_from_str(name)?;
        check_value(value)?;
        self.send(
            Some(&self.registry),
            &abi::set_attribute_call(identity, &n, value, validity),
        )
        .await
    }

    /// `revokeAttribute` (the same name and value as set).
    pub async fn revoke_attribute(
        &self,
        identity: &Address,
        name: &str,
        value: &[u8],
    ) -> Result<Receipt, EthrError> {
        let n = bytes32_from_str(name)?;
        check_value(value)?;
        self.send(
            Some(&self.registry),
            &abi::revoke_attribute_call(identity, &n, value),
        )
        .await
    }

    /// Signs and sends a call to `to` (or a contract creation with `to = None`) and
    /// waits for its receipt. A mined revert is [`EthrError::TxReverted`].
    pub async fn send(&self, to: Option<&Address>, data: &[u8]) -> Result<Receipt, EthrError> {
        let from = self.from.to_lower_hex();
        let mut call = json!({ "from": from, "data": format!("0x{}", hex::encode(data)) });
        if let Some(to) = to {
            call["to"] = Value::String(to.to_lower_hex());
        }
        // One round trip for everything the transaction needs.
        let mut calls: Vec<(&str, Value)> = vec![
            ("eth_getTransactionCount", json!([from, "pending"])),
            ("eth_getBlockByNumber", json!(["latest", false])),
            ("eth_gasPrice", json!([])),
            ("eth_maxPriorityFeePerGas", json!([])),
        ];
        if self.options.gas_limit.is_none() {
            calls.push(("eth_estimateGas", json!([call])));
        }
        let answers = self.rpc.batch(&calls).await?;
        let mut answers = answers.into_iter();
        let mut next = || {
            answers
                .next()
                .unwrap_or_else(|| Err(EthrError::RpcInvalidResponse("batch size".into())))
        };
        let nonce = quantity(&next()?, "nonce")?;
        let block = next()?;
        let gas_price = quantity_u128(&next()?, "gasPrice")?;
        // Nodes without EIP-1559 support answer an error here; legacy then.
        let priority = next().and_then(|v| quantity_u128(&v, "maxPriorityFeePerGas"));
        let gas = match self.options.gas_limit {
            Some(gas) => gas,
            None => {
                let estimate = next().map_err(|e| match e {
                    EthrError::RpcError { message, .. } => EthrError::TxRefused(message),
                    other => other,
                })?;
                let estimate = quantity(&estimate, "gas estimate")?;
                // Headroom: the estimate is for the state now; a block later may differ.
                estimate.saturating_add(estimate / 5).saturating_add(5_000)
            }
        };
        let base_fee = block
            .get("baseFeePerGas")
            .filter(|v| !v.is_null())
            .map(|v| quantity_u128(v, "baseFeePerGas"))
            .transpose()?;
        let fees = match (base_fee, priority, self.options.legacy) {
            (Some(base), Ok(priority), false) => Fees::Dynamic {
                max_priority: priority,
                // Survives the base fee doubling over the next blocks.
                max_fee: base.saturating_mul(2).saturating_add(priority),
            },
            _ => Fees::Legacy { gas_price },
        };
        let raw = UnsignedTx {
            chain_id: self.chain_id,
            nonce,
            fees,
            gas,
            to,
            data,
        }
        .sign(&self.key);
        let hash = self
            .rpc
            .call(
                "eth_sendRawTransaction",
                json!([format!("0x{}", hex::encode(&raw))]),
            )
            .await
            .map_err(|e| match e {
                EthrError::RpcError { message, .. } => EthrError::TxRefused(message),
                other => other,
            })?;
        let tx_hash = hash
            .as_str()
            .ok_or_else(|| EthrError::RpcInvalidResponse("transaction hash".into()))?
            .to_owned();
        let expected = format!("0x{}", hex::encode(keccak256(&raw)));
        if !tx_hash.eq_ignore_ascii_case(&expected) {
            return Err(EthrError::RpcInvalidResponse(format!(
                "the node answered hash {tx_hash} for transaction {expected}"
            )));
        }
        self.wait_for_receipt(&tx_hash).await
    }

    async fn wait_for_receipt(&self, tx_hash: &str) -> Result<Receipt, EthrError> {
        let deadline = tokio::time::Instant::now() + self.options.receipt_timeout;
        loop {
            let receipt = self
                .rpc
                .call("eth_getTransactionReceipt", json!([tx_hash]))
                .await?;
            if !receipt.is_null() {
                let block = quantity(&receipt["blockNumber"], "receipt blockNumber")?;
                let status = quantity(&receipt["status"], "receipt status")?;
                if status != 1 {
                    return Err(EthrError::TxReverted {
                        tx: tx_hash.to_owned(),
                        block,
                    });
                }
                let contract_address = match receipt.get("contractAddress") {
                    Some(Value::String(a)) => Some(Address::parse(a).map_err(|_| {
                        EthrError::RpcInvalidResponse("receipt contractAddress".into())
                    })?),
                    _ => None,
                };
                return Ok(Receipt {
                    tx_hash: tx_hash.to_owned(),
                    block,
                    gas_used: quantity(&receipt["gasUsed"], "receipt gasUsed")?,
                    contract_address,
                });
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(EthrError::TxTimeout {
                    tx: tx_hash.to_owned(),
                    seconds: self.options.receipt_timeout.as_secs(),
                });
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }
}

fn check_value(value: &[u8]) -> Result<(), EthrError> {
    if value.len() > abi::MAX_ATTRIBUTE_VALUE {
        return Err(EthrError::InvalidArgument(format!(
            "attribute value of {} bytes; resolvers read at most {}",
            value.len(),
            abi::MAX_ATTRIBUTE_VALUE
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rlp_examples() {
        // Yellow Paper / ethereum.org RLP examples.
        let mut out = Vec::new();
        rlp_bytes(&mut out, b"dog");
        assert_eq!(out, [0x83, b'd', b'o', b'g']);
        let mut out = Vec::new();
        rlp_uint(&mut out, 0);
        assert_eq!(out, [0x80]);
        let mut out = Vec::new();
        rlp_uint(&mut out, 1024);
        assert_eq!(out, [0x82, 0x04, 0x00]);
        let mut items = Vec::new();
        rlp_bytes(&mut items, b"cat");
        rlp_bytes(&mut items, b"dog");
        assert_eq!(
            rlp_list(&items),
            [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']
        );
        let long = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let mut out = Vec::new();
        rlp_bytes(&mut out, long);
        assert_eq!(&out[..2], &[0xb8, 0x38]);
        assert_eq!(rlp_list(&[]), [0xc0]);
    }

    #[test]
    fn eip155_example_transaction() {
        // EIP-155 §Example: nonce 9, gasPrice 20 gwei, gas 21000, to 0x3535…35,
        // value 1 ether, chain id 1, private key 0x4646…46. Our signer sends value 0,
        // so check the signing hash of the spec's payload through the same helpers.
        let mut fields = Vec::new();
        rlp_uint(&mut fields, 9);
        rlp_uint(&mut fields, 20_000_000_000);
        rlp_uint(&mut fields, 21000);
        rlp_bytes(&mut fields, &[0x35; 20]);
        rlp_uint(&mut fields, 1_000_000_000_000_000_000);
        rlp_bytes(&mut fields, &[]);
        rlp_uint(&mut fields, 1);
        rlp_uint(&mut fields, 0);
        rlp_uint(&mut fields, 0);
        let signing = rlp_list(&fields);
        assert_eq!(
            hex::encode(keccak256(&signing)),
            "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
        );
    }

    #[test]
    fn signatures_recover_to_the_sender() {
        let key = k256::ecdsa::SigningKey::from_slice(&[0x46; 32]).unwrap();
        let to = Address([0x35; 20]);
        for fees in [
            Fees::Legacy { gas_price: 1 },
            Fees::Dynamic {
                max_priority: 1,
                max_fee: 2,
            },
        ] {
            let tx = UnsignedTx {
                chain_id: 31337,
                nonce: 3,
                fees,
                gas: 100_000,
                to: Some(&to),
                data: b"\x01\x02",
            };
            let raw = tx.sign(&key);
            assert!(!raw.is_empty());
        }
        // The EIP-155 example key's address.
        assert_eq!(
            Address::from_public_key(key.verifying_key()).to_lower_hex(),
            "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"
        );
    }
}
