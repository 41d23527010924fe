//! `kith did ethr`: did:ethr registry writes (owner, delegates, attributes) signed by
//! a secp256k1 key, and the did:ethr networks `kith did resolve` uses. The logic is
//! kith-did's `method::ethr`; this file reads files and flags and prints.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use kith_crypto::PublicKey;
use kith_did::MethodResolver;
use kith_did::method::ethr::{
    self, Address, EthrError, EthrMethod, EthrNetwork, EthrWriter, WriteOptions,
};
use serde::Deserialize;
use serde_json::json;

use crate::cli::{EthrAttributeArgs, EthrCommand, EthrResolveArgs, EthrWriteArgs};
use crate::cmd::Outcome;
use crate::cmd::key::{read_private_key, read_public_key};
use crate::output;

/// A networks file: `[[network]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworksFile {
    #[serde(default)]
    network: Vec<NetworkEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkEntry {
    name: String,
    rpc_url: String,
    chain_id: u64,
    registry: String,
    #[serde(default)]
    confirmations: u64,
    #[serde(default)]
    allow_http: bool,
    timeout_secs: Option<u64>,
}

fn ethr_error(e: EthrError) -> anyhow::Error {
    kith_did::Error::from(e).into()
}

fn read_networks(path: &Path) -> anyhow::Result<Vec<EthrNetwork>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the networks file {}", path.display()))?;
    let file: NetworksFile = toml::from_str(&text)
        .with_context(|| format!("{} is not a did:ethr networks file", path.display()))?;
    file.network
        .into_iter()
        .map(|entry| {
            let mut n =
                EthrNetwork::new(&entry.name, &entry.rpc_url, entry.chain_id, &entry.registry)
                    .map_err(ethr_error)?;
            n.confirmations = entry.confirmations;
            n.allow_http = entry.allow_http;
            if let Some(secs) = entry.timeout_secs {
                n.timeout = Duration::from_secs(secs);
            }
            Ok(n)
        })
        .collect()
}

/// Adds `network` to `networks`, replacing one of the same name.
fn upsert(networks: &mut Vec<EthrNetwork>, network: EthrNetwork) {
    networks.retain(|n| n.name != network.name);
    networks.push(network);
}

/// Registers did:ethr on `resolver` when any network is configured.
pub(crate) fn register(
    resolver: &mut MethodResolver,
    args: &EthrResolveArgs,
) -> anyhow::Result<()> {
    let mut networks = match &args.ethr_networks {
        Some(path) => read_networks(path)?,
        None => Vec::new(),
    };
    if let (Some(url), Some(chain_id), Some(registry)) =
        (&args.ethr_rpc_url, args.ethr_chain_id, &args.ethr_registry)
    {
        let mut n =
            EthrNetwork::new(&args.ethr_network, url, chain_id, registry).map_err(ethr_error)?;
        n.confirmations = args.ethr_confirmations;
        upsert(&mut networks, n);
    }
    if !networks.is_empty() {
        resolver.register(
            "ethr",
            Arc::new(EthrMethod::new(networks).map_err(ethr_error)?),
        );
    }
    Ok(())
}

fn write_network(args: &EthrWriteArgs) -> anyhow::Result<EthrNetwork> {
    if let (Some(url), Some(chain_id), Some(registry)) =
        (&args.rpc_url, args.chain_id, &args.registry)
    {
        return EthrNetwork::new(&args.network, url, chain_id, registry).map_err(ethr_error);
    }
    let Some(path) = &args.networks else {
        anyhow::bail!(
            "name the network with --rpc-url, --chain-id and --registry, or --networks FILE"
        );
    };
    read_networks(path)?
        .into_iter()
        .find(|n| n.name == args.network)
        .with_context(|| format!("network {:?} is not in {}", args.network, path.display()))
}

/// An address, or the identity of a did:ethr DID.
fn parse_identity(text: &str) -> anyhow::Result<Address> {
    if text.starts_with("did:") {
        let did = kith_did::Did::parse(text)?;
        return Ok(ethr::parse_did(&did).map_err(ethr_error)?.identity);
    }
    ethr::Address::parse(text).map_err(ethr_error)
}

fn attribute_value(args: &EthrAttributeArgs) -> anyhow::Result<Vec<u8>> {
    if let Some(h) = &args.value_hex {
        let digits = h.strip_prefix("0x").unwrap_or(h);
        return hex_decode(digits).with_context(|| format!("--value-hex {h:?} is not hex"));
    }
    if let Some(text) = &args.value {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(path) = &args.value_key {
        return Ok(read_public_key(path)?.to_bytes());
    }
    anyhow::bail!("give the attribute value with --value, --value-hex or --value-key")
}

fn hex_decode(digits: &str) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(digits.len().is_multiple_of(2), "odd number of hex digits");
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .context("not a hex digit")
        })
        .collect()
}

enum Op {
    SetOwner(Address),
    AddDelegate(String, Address, u64),
    RevokeDelegate(String, Address),
    SetAttribute(String, Vec<u8>, u64),
    RevokeAttribute(String, Vec<u8>),
}

pub(crate) fn run(cmd: EthrCommand, json: bool) -> anyhow::Result<Outcome> {
    let (write, op) = match cmd {
        EthrCommand::Did(args) => {
            let key = read_public_key(&args.key)?;
            let PublicKey::Secp256k1(k) = &key else {
                anyhow::bail!(
                    "did:ethr keys are secp256k1, {} holds {}",
                    args.key.display(),
                    key.key_type().name()
                );
            };
            let address = Address::from_public_key(k);
            let did = if args.public_key_form {
                ethr::did_for_public_key(args.network.as_deref(), &key)
            } else {
                ethr::did_for_address(args.network.as_deref(), &address)
            }
            .map_err(ethr_error)?;
            if json {
                output::print_json(&json!({"did": did, "address": address.to_checksum()}))?;
            } else {
                output::print_line(did.as_str())?;
            }
            return Ok(Outcome::Ok);
        }
        EthrCommand::SetOwner(args) => {
            let owner = parse_identity(&args.new_owner)?;
            (args.write, Op::SetOwner(owner))
        }
        EthrCommand::AddDelegate(args) => {
            let delegate = parse_identity(&args.delegate)?;
            (
                args.write,
                Op::AddDelegate(args.delegate_type, delegate, args.validity),
            )
        }
        EthrCommand::RevokeDelegate(args) => {
            let delegate = parse_identity(&args.delegate)?;
            (args.write, Op::RevokeDelegate(args.delegate_type, delegate))
        }
        EthrCommand::SetAttribute(args) => {
            let value = attribute_value(&args)?;
            let validity = args.validity;
            (args.write, Op::SetAttribute(args.name, value, validity))
        }
        EthrCommand::RevokeAttribute(args) => {
            let value = attribute_value(&args)?;
            (args.write, Op::RevokeAttribute(args.name, value))
        }
    };
    let network = write_network(&write)?;
    let key = read_private_key(&write.key)?;
    let writer = EthrWriter::new(&network, &key)
        .map_err(ethr_error)?
        .with_options(WriteOptions {
            gas_limit: write.gas_limit,
            legacy: write.legacy,
            receipt_timeout: Duration::from_secs(write.wait),
            ..WriteOptions::default()
        });
    let identity = match &write.identity {
        Some(text) => parse_identity(text)?,
        None => writer.address(),
    };
    let result = super::did::runtime()?.block_on(async {
        match &op {
            Op::SetOwner(owner) => writer.change_owner(&identity, owner).await,
            Op::AddDelegate(t, d, v) => writer.add_delegate(&identity, t, d, *v).await,
            Op::RevokeDelegate(t, d) => writer.revoke_delegate(&identity, t, d).await,
            Op::SetAttribute(n, value, v) => writer.set_attribute(&identity, n, value, *v).await,
            Op::RevokeAttribute(n, value) => writer.revoke_attribute(&identity, n, value).await,
        }
    });
    let network_part = (network.name != ethr::DEFAULT_NETWORK).then_some(network.name.as_str());
    let did = ethr::did_for_address(network_part, &identity).map_err(ethr_error)?;
    match result {
        Ok(receipt) => {
            if json {
                output::print_json(&json!({
                    "did": did,
                    "txHash": receipt.tx_hash,
                    "block": receipt.block,
                    "gasUsed": receipt.gas_used,
                }))?;
            } else {
                output::print_line(&format!("{} in block {}", receipt.tx_hash, receipt.block))?;
            }
            Ok(Outcome::Ok)
        }
        // The chain said no (not the owner, deactivated, reverted): a failed outcome,
        // not a usage error.
        Err(e @ (EthrError::TxReverted { .. } | EthrError::TxRefused(_))) => {
            if json {
                output::print_json(&json!({
                    "did": did,
                    "error": {"code": e.code(), "message": e.to_string()},
                }))?;
            } else {
                eprintln!("kith: {e}");
            }
            Ok(Outcome::Failed)
        }
        Err(e) => Err(ethr_error(e)),
    }
}
