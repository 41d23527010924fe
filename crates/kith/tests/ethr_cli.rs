//! `kith did ethr …` writes and `kith did resolve did:ethr:…` against a local chain
//! (anvil with Kith's ERC-1056 registry), run as a user would.
//!
//! Needs `npm ci --prefix scripts/chain` (scripts/test does it); fails otherwise.

#[path = "../../kith-did/tests/support/chain.rs"]
mod chain;

use std::path::Path;

use assert_cmd::Command;
use chain::{CHAIN_ID, Chain};
use kith_did::method::ethr::Address;
use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("kith")
        .expect("the kith binary is built")
        .current_dir(dir)
        .env_remove("KITH_ETHR_NETWORKS")
        .env_remove("KITH_ETHR_RPC_URL")
        .args(args)
        .output()
        .unwrap()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test]
async fn write_and_resolve_through_the_cli() {
    let chain = Chain::start().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for k in ["owner.jwk", "recovery.jwk"] {
        let out = run(d, &["key", "generate", "--alg", "secp256k1", "--out", k]);
        assert!(out.status.success(), "{out:?}");
    }
    let out = run(
        d,
        &[
            "--json",
            "did",
            "ethr",
            "did",
            "--key",
            "owner.jwk",
            "--network",
            "dev",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let me = json(&out);
    let did = me["did"].as_str().unwrap().to_owned();
    let owner = Address::parse(me["address"].as_str().unwrap()).unwrap();
    assert_eq!(did, format!("did:ethr:dev:{}", owner.to_lower_hex()));
    chain.fund(&owner).await;
    let recovery = json(&run(
        d,
        &["--json", "did", "ethr", "did", "--key", "recovery.jwk"],
    ))["address"]
        .as_str()
        .unwrap()
        .to_owned();

    let url = chain.url();
    let registry = chain.registry.to_lower_hex();
    let chain_id = CHAIN_ID.to_string();
    let net = [
        "--key",
        "owner.jwk",
        "--network",
        "dev",
        "--rpc-url",
        url.as_str(),
        "--chain-id",
        chain_id.as_str(),
        "--registry",
        registry.as_str(),
    ];
    let write = |op: &[&str]| {
        let mut args = vec!["--json", "did", "ethr"];
        args.extend_from_slice(op);
        args.extend_from_slice(&net);
        run(d, &args)
    };
    let out = write(&[
        "add-delegate",
        "--type",
        "sigAuth",
        "--delegate",
        "0x1111111111111111111111111111111111111111",
    ]);
    assert!(out.status.success(), "{out:?}");
    let receipt = json(&out);
    assert_eq!(receipt["did"], did.as_str());
    assert!(receipt["txHash"].as_str().unwrap().starts_with("0x"));
    let out = write(&[
        "set-attribute",
        "--name",
        "did/svc/HubService",
        "--value",
        "https://hubs.example",
    ]);
    assert!(out.status.success(), "{out:?}");

    // Resolve with network flags.
    let resolve_flags = [
        "--ethr-network",
        "dev",
        "--ethr-rpc-url",
        url.as_str(),
        "--ethr-chain-id",
        chain_id.as_str(),
        "--ethr-registry",
        registry.as_str(),
    ];
    let mut args = vec!["did", "resolve", did.as_str()];
    args.extend_from_slice(&resolve_flags);
    let out = run(d, &args);
    assert!(out.status.success(), "{out:?}");
    let result = json(&out);
    let doc = &result["didDocument"];
    assert_eq!(doc["id"], did.as_str());
    assert_eq!(doc["verificationMethod"].as_array().unwrap().len(), 2);
    assert_eq!(doc["service"][0]["serviceEndpoint"], "https://hubs.example");
    assert!(result["didDocumentMetadata"]["versionId"].is_string());

    // …and with a networks file.
    std::fs::write(
        d.join("networks.toml"),
        format!(
            "[[network]]\nname = \"dev\"\nrpc_url = \"{url}\"\nchain_id = {CHAIN_ID}\nregistry = \"{registry}\"\n"
        ),
    )
    .unwrap();
    let out = run(
        d,
        &[
            "did",
            "resolve",
            did.as_str(),
            "--ethr-networks",
            "networks.toml",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(json(&out)["didDocument"], *doc);

    // Hand control to the recovery key; the owner key's next write fails (exit 1).
    let out = write(&["set-owner", "--new-owner", recovery.as_str()]);
    assert!(out.status.success(), "{out:?}");
    let out = write(&[
        "revoke-delegate",
        "--type",
        "sigAuth",
        "--delegate",
        "0x1111111111111111111111111111111111111111",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(json(&out)["error"]["code"], "ethr_tx_refused");
    let out = run(
        d,
        &[
            "did",
            "resolve",
            did.as_str(),
            "--ethr-networks",
            "networks.toml",
        ],
    );
    let controller = &json(&out)["didDocument"]["verificationMethod"][0];
    assert_eq!(
        controller["blockchainAccountId"],
        format!("eip155:{CHAIN_ID}:{recovery}")
    );

    // Failures: an unknown network resolves to an error result (exit 1); no network
    // configured at all is methodNotSupported; a bad registry is a usage error (exit 2).
    let other = did.replace(":dev:", ":sepolia:");
    let out = run(
        d,
        &[
            "did",
            "resolve",
            other.as_str(),
            "--ethr-networks",
            "networks.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&out)["didResolutionMetadata"]["error"],
        "unknownNetwork"
    );
    let out = run(d, &["did", "resolve", did.as_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&out)["didResolutionMetadata"]["error"],
        "methodNotSupported"
    );
    let out = run(
        d,
        &[
            "--json",
            "did",
            "ethr",
            "set-owner",
            "--new-owner",
            recovery.as_str(),
            "--key",
            "owner.jwk",
            "--rpc-url",
            url.as_str(),
            "--chain-id",
            chain_id.as_str(),
            "--registry",
            "0x1234",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(json(&out)["error"]["code"], "ethr_invalid_config");
}
