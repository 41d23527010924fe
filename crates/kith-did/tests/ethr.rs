//! did:ethr against a real local chain (anvil) with Kith's ERC-1056 registry:
//! resolution cost in round trips, owner changes, delegates, attributes, expiry,
//! deactivation, versions, recovery, key rotation, RPC failures, reorganizations.
//!
//! Needs `npm ci --prefix scripts/chain` (scripts/test does it); fails otherwise.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kith_crypto::{KeyType, PrivateKey};
use kith_did::method::ethr::{
    Address, EthrMethod, EthrNetwork, WriteOptions, abi, address_of, did_for_address,
    did_for_public_key,
};
use kith_did::{
    CacheConfig, CachingResolver, Did, DidUrl, MethodResolver, Relationship, Resolution,
    ResolutionOptions, Resolver,
};
use serde_json::{Value, json};
use support::chain::{CHAIN_ID, Chain, CountingProxy, Reply, fake_rpc};

fn did(address: &Address) -> Did {
    did_for_address(Some("dev"), address).unwrap()
}

async fn resolve(method: &EthrMethod, did: &Did) -> Resolution {
    method
        .resolve(did, &ResolutionOptions::default())
        .await
        .unwrap_or_else(|e| panic!("resolving {did}: {e}"))
}

fn vm_ids(resolution: &Resolution) -> Vec<String> {
    resolution
        .document
        .verification_method
        .iter()
        .map(|vm| vm.id.rsplit('#').next().unwrap().to_owned())
        .collect()
}

fn refs(refs: &[kith_did::MethodRef]) -> Vec<String> {
    refs.iter()
        .map(|r| r.id().rsplit('#').next().unwrap().to_owned())
        .collect()
}

fn account(resolution: &Resolution, fragment: &str) -> String {
    let vm = resolution
        .document
        .verification_method
        .iter()
        .find(|vm| vm.id.ends_with(&format!("#{fragment}")))
        .unwrap_or_else(|| panic!("no #{fragment}"));
    vm.extra["blockchainAccountId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn fresh_did_resolves_in_one_round_trip_and_through_the_cache() {
    let chain = Chain::start().await;
    let proxy = CountingProxy::start(chain.port).await;
    let method = Arc::new(EthrMethod::new(vec![chain.network_via("dev", proxy.port)]).unwrap());
    let key = PrivateKey::generate(KeyType::Secp256k1).unwrap();
    let address = address_of(&key).unwrap();

    let resolution = resolve(&method, &did(&address)).await;
    assert_eq!(proxy.count(), 1, "an unchanged DID costs one round trip");
    // The one request was a JSON-RPC batch with identityOwner and changed in it.
    let body = &proxy.bodies()[0];
    let calls = body.as_array().expect("a batch");
    let data: Vec<&str> = calls
        .iter()
        .filter(|c| c["method"] == "eth_call")
        .map(|c| c["params"][0]["data"].as_str().unwrap())
        .collect();
    assert!(
        data.iter().any(|d| d.starts_with("0x8733d4e8")),
        "identityOwner"
    );
    assert!(data.iter().any(|d| d.starts_with("0xf96d0f9f")), "changed");

    assert_eq!(vm_ids(&resolution), ["controller"]);
    assert_eq!(
        account(&resolution, "controller"),
        format!("eip155:{CHAIN_ID}:{}", address.to_checksum())
    );
    assert_eq!(refs(&resolution.document.authentication), ["controller"]);
    assert_eq!(refs(&resolution.document.assertion_method), ["controller"]);
    assert_eq!(resolution.document_metadata.version_id, None);
    assert_eq!(resolution.document_metadata.deactivated, None);
    let json = resolution.document.to_json();
    assert_eq!(
        json["@context"],
        json!([
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/secp256k1recovery-2020/v2"
        ])
    );

    // The chain-id network form names the same chain.
    let by_chain_id = Did::parse(&format!("did:ethr:0x7a69:{}", address.to_lower_hex())).unwrap();
    let again = resolve(&method, &by_chain_id).await;
    assert_eq!(
        account(&again, "controller"),
        account(&resolution, "controller")
    );

    // The public-key form lists the key as #controllerKey while it controls the DID.
    let pk_did = did_for_public_key(Some("dev"), &key.public_key()).unwrap();
    let pk = resolve(&method, &pk_did).await;
    assert_eq!(vm_ids(&pk), ["controller", "controllerKey"]);
    assert_eq!(
        refs(&pk.document.authentication),
        ["controller", "controllerKey"]
    );
    let controller_key = pk.document.verification_method[1].public_key().unwrap();
    assert_eq!(controller_key, key.public_key());

    // Through the generic dispatcher and the CachingResolver: the second is free.
    let dispatch = MethodResolver::new()
        .with_ethr(vec![chain.network_via("dev", proxy.port)])
        .unwrap();
    let cache = CachingResolver::new(Arc::new(dispatch), CacheConfig::default());
    proxy.reset();
    let first = cache
        .resolve(&did(&address), &ResolutionOptions::default())
        .await
        .unwrap();
    let second = cache
        .resolve(&did(&address), &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(
        proxy.count(),
        1,
        "the second resolution came from the cache"
    );

    // An unknown network is its own error.
    let unknown = Did::parse(&format!("did:ethr:sepolia:{}", address.to_lower_hex())).unwrap();
    let err = method
        .resolve(&unknown, &ResolutionOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ethr_unknown_network");
    assert_eq!(err.resolution_error(), "unknownNetwork");
}

#[tokio::test]
async fn delegates_attributes_services_and_round_trips() {
    let chain = Chain::start().await;
    let proxy = CountingProxy::start(chain.port).await;
    let method = EthrMethod::new(vec![chain.network_via("dev", proxy.port)]).unwrap();
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let writer = chain.writer(&owner);
    let veri = Address([0x11; 20]);
    let sig_auth = Address([0x22; 20]);
    let secp = PrivateKey::generate(KeyType::Secp256k1)
        .unwrap()
        .public_key();
    let ed = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key();
    let x = PrivateKey::generate(KeyType::X25519).unwrap().public_key();

    writer
        .add_delegate(&identity, "veriKey", &veri, 3600)
        .await
        .unwrap();
    writer
        .add_delegate(&identity, "sigAuth", &sig_auth, 3600)
        .await
        .unwrap();
    writer
        .set_attribute(
            &identity,
            "did/pub/Secp256k1/veriKey/hex",
            &secp.to_bytes(),
            3600,
        )
        .await
        .unwrap();
    writer
        .set_attribute(&identity, "did/pub/Ed25519/sigAuth", &ed.to_bytes(), 3600)
        .await
        .unwrap();
    writer
        .set_attribute(&identity, "did/pub/X25519/enc/base64", &x.to_bytes(), 3600)
        .await
        .unwrap();
    writer
        .set_attribute(
            &identity,
            "did/svc/HubService",
            b"https://hubs.example/ethr",
            3600,
        )
        .await
        .unwrap();
    let last = writer
        .set_attribute(
            &identity,
            "did/svc/DIDCommMessaging",
            br#"{"uri":"https://agent.example","accept":["didcomm/v2"]}"#,
            3600,
        )
        .await
        .unwrap();

    proxy.reset();
    let r = resolve(&method, &did(&identity)).await;
    // One batch, then one round trip per block with changes (7 transactions, 7 blocks).
    assert_eq!(proxy.count(), 1 + 7, "changes + 1 round trips");
    assert_eq!(
        vm_ids(&r),
        [
            "controller",
            "delegate-1",
            "delegate-2",
            "delegate-3",
            "delegate-4",
            "delegate-5"
        ]
    );
    assert_eq!(
        account(&r, "delegate-1"),
        format!("eip155:{CHAIN_ID}:{}", veri.to_checksum())
    );
    assert_eq!(
        refs(&r.document.authentication),
        ["controller", "delegate-2", "delegate-4"]
    );
    assert_eq!(
        refs(&r.document.assertion_method),
        [
            "controller",
            "delegate-1",
            "delegate-2",
            "delegate-3",
            "delegate-4"
        ]
    );
    assert_eq!(refs(&r.document.key_agreement), ["delegate-5"]);
    let method_of = |f: &str| {
        r.document
            .verification_method
            .iter()
            .find(|vm| vm.id.ends_with(&format!("#{f}")))
            .unwrap()
    };
    assert_eq!(
        method_of("delegate-3").type_,
        "EcdsaSecp256k1VerificationKey2019"
    );
    assert_eq!(method_of("delegate-3").public_key().unwrap(), secp);
    assert_eq!(method_of("delegate-4").type_, "Ed25519VerificationKey2020");
    assert_eq!(method_of("delegate-4").public_key().unwrap(), ed);
    assert_eq!(method_of("delegate-5").type_, "X25519KeyAgreementKey2020");
    assert_eq!(method_of("delegate-5").public_key().unwrap(), x);
    let services: Vec<(String, Value)> = r
        .document
        .service
        .iter()
        .map(|s| {
            (
                s.id.rsplit('#').next().unwrap().to_owned(),
                s.service_endpoint.clone(),
            )
        })
        .collect();
    assert_eq!(
        services,
        [
            ("service-1".to_owned(), json!("https://hubs.example/ethr")),
            (
                "service-2".to_owned(),
                json!({"uri": "https://agent.example", "accept": ["didcomm/v2"]})
            )
        ]
    );
    assert_eq!(r.document_metadata.version_id, Some(last.block.to_string()));
    assert!(r.document_metadata.updated.is_some());
    // The document is a valid DID document (ids, controllers).
    r.document.validate().unwrap();

    // Again: the cached history is still on the chain (same block hash): one round trip.
    proxy.reset();
    let again = resolve(&method, &did(&identity)).await;
    assert_eq!(proxy.count(), 1, "cached history revalidated by block hash");
    assert_eq!(again, r);

    // Revocations keep the other ids stable; one new change costs one more round trip.
    writer
        .revoke_delegate(&identity, "veriKey", &veri)
        .await
        .unwrap();
    proxy.reset();
    let r = resolve(&method, &did(&identity)).await;
    assert_eq!(proxy.count(), 2, "only the new block is walked");
    assert_eq!(
        vm_ids(&r),
        [
            "controller",
            "delegate-2",
            "delegate-3",
            "delegate-4",
            "delegate-5"
        ]
    );
    writer
        .revoke_attribute(
            &identity,
            "did/svc/HubService",
            b"https://hubs.example/ethr",
        )
        .await
        .unwrap();
    // A re-added delegate counts as a new event: delegate-7 (6 was the revocation).
    writer
        .add_delegate(&identity, "veriKey", &veri, 3600)
        .await
        .unwrap();
    let r = resolve(&method, &did(&identity)).await;
    assert_eq!(r.document.service.len(), 1);
    assert!(r.document.service[0].id.ends_with("#service-2"));
    assert_eq!(
        vm_ids(&r),
        [
            "controller",
            "delegate-2",
            "delegate-3",
            "delegate-4",
            "delegate-5",
            "delegate-7"
        ]
    );
    // Fresh resolver (no cached history) agrees with the incrementally cached one.
    let fresh = EthrMethod::new(vec![chain.network("dev")]).unwrap();
    assert_eq!(resolve(&fresh, &did(&identity)).await, r);
    // Names over 32 bytes cannot be written.
    let err = writer
        .set_attribute(&identity, &format!("did/svc/{}", "x".repeat(30)), b"u", 1)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ethr_invalid_argument");
}

#[tokio::test]
async fn expiry_is_judged_by_block_time() {
    let chain = Chain::start().await;
    let method = EthrMethod::new(vec![chain.network("dev")]).unwrap();
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let writer = chain.writer(&owner);
    let added = writer
        .add_delegate(&identity, "sigAuth", &Address([0x33; 20]), 100)
        .await
        .unwrap();
    writer
        .set_attribute(&identity, "did/svc/Short", b"https://short.example", 100)
        .await
        .unwrap();
    let r = resolve(&method, &did(&identity)).await;
    assert_eq!(vm_ids(&r), ["controller", "delegate-1"]);
    assert_eq!(r.document.service.len(), 1);

    chain.advance_time(200).await;
    let r = resolve(&method, &did(&identity)).await;
    assert_eq!(vm_ids(&r), ["controller"], "the delegate expired");
    assert!(r.document.service.is_empty(), "the service expired");

    // As of the block it was added, it was valid.
    let old = method
        .resolve(
            &did(&identity),
            &ResolutionOptions {
                version_id: Some(added.block.to_string()),
                ..ResolutionOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(vm_ids(&old), ["controller", "delegate-1"]);
}

#[tokio::test]
async fn versions_by_block_and_time() {
    let chain = Chain::start().await;
    let method = EthrMethod::new(vec![chain.network("dev")]).unwrap();
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let writer = chain.writer(&owner);
    let first = writer
        .set_attribute(&identity, "did/svc/A", b"https://a.example", 86400)
        .await
        .unwrap();
    chain.advance_time(100).await;
    let second = writer
        .set_attribute(&identity, "did/svc/B", b"https://b.example", 86400)
        .await
        .unwrap();
    chain.advance_time(100).await;
    let third = writer
        .set_attribute(&identity, "did/svc/C", b"https://c.example", 86400)
        .await
        .unwrap();
    let t2 = chain.block_time(second.block).await;
    let t3 = chain.block_time(third.block).await;

    let at = |version_id: Option<String>, version_time: Option<String>| {
        let method = &method;
        let did = did(&identity);
        async move {
            method
                .resolve(
                    &did,
                    &ResolutionOptions {
                        version_id,
                        version_time,
                        ..ResolutionOptions::default()
                    },
                )
                .await
        }
    };
    let v1 = at(Some(first.block.to_string()), None).await.unwrap();
    assert_eq!(v1.document.service.len(), 1);
    assert_eq!(
        v1.document_metadata.version_id,
        Some(first.block.to_string())
    );
    assert_eq!(
        v1.document_metadata.next_version_id,
        Some(second.block.to_string())
    );
    assert!(v1.document_metadata.extra.contains_key("nextUpdate"));

    // A block between changes resolves to the change before it.
    let between = at(Some((second.block + 1).to_string()), None)
        .await
        .unwrap();
    assert_eq!(between.document.service.len(), 2);
    assert_eq!(
        between.document_metadata.version_id,
        Some(second.block.to_string())
    );
    assert_eq!(
        between.document_metadata.next_version_id,
        Some(third.block.to_string())
    );

    // versionTime, as a unix time and as a date-time.
    let by_unix = at(None, Some(t2.to_string())).await.unwrap();
    assert_eq!(by_unix.document.service.len(), 2);
    let rfc = time::OffsetDateTime::from_unix_timestamp((t3 - 1) as i64)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let by_date = at(None, Some(rfc)).await.unwrap();
    assert_eq!(
        by_date.document_metadata.version_id,
        Some(second.block.to_string())
    );
    let before = at(None, Some("1".into())).await.unwrap();
    assert!(before.document.service.is_empty());
    assert_eq!(before.document_metadata.version_id, None);
    assert_eq!(
        before.document_metadata.next_version_id,
        Some(first.block.to_string())
    );

    let latest = resolve(&method, &did(&identity)).await;
    assert_eq!(latest.document.service.len(), 3);
    assert_eq!(latest.document_metadata.next_version_id, None);

    // Errors.
    let both = at(Some("1".into()), Some("1".into())).await.unwrap_err();
    assert_eq!(both.code(), "ethr_invalid_options");
    assert_eq!(both.resolution_error(), "invalidOptions");
    let future = at(Some((third.block + 1000).to_string()), None)
        .await
        .unwrap_err();
    assert_eq!(future.code(), "ethr_version_not_found");
    let junk = at(Some("0x10".into()), None).await.unwrap_err();
    assert_eq!(junk.code(), "ethr_invalid_options");
}

#[tokio::test]
async fn recovery_key_takes_over_and_the_old_key_loses_control() {
    let chain = Chain::start().await;
    let method = EthrMethod::new(vec![chain.network("dev")]).unwrap();
    let online = chain.funded_key().await;
    let identity = address_of(&online).unwrap();
    // The recovery key is generated and kept offline: only its address is used.
    let recovery = PrivateKey::generate(KeyType::Secp256k1).unwrap();
    let recovery_address = address_of(&recovery).unwrap();

    chain
        .writer(&online)
        .change_owner(&identity, &recovery_address)
        .await
        .unwrap();
    let r = resolve(&method, &did(&identity)).await;
    assert_eq!(
        account(&r, "controller"),
        format!("eip155:{CHAIN_ID}:{}", recovery_address.to_checksum())
    );
    assert_eq!(r.document_metadata.deactivated, None);

    // The old key cannot change the DID any more: refused at estimation, and when
    // sent anyway (fixed gas), reverted on chain.
    let refused = chain
        .writer(&online)
        .add_delegate(&identity, "veriKey", &Address([0x44; 20]), 3600)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "ethr_tx_refused", "{refused}");
    assert!(refused.to_string().contains("bad_actor"), "{refused}");
    let on_chain = chain
        .writer(&online)
        .with_options(WriteOptions {
            gas_limit: Some(200_000),
            poll_interval: Duration::from_millis(20),
            ..WriteOptions::default()
        })
        .change_owner(&identity, &address_of(&online).unwrap())
        .await
        .unwrap_err();
    assert_eq!(on_chain.code(), "ethr_tx_reverted", "{on_chain}");
    let r2 = resolve(&method, &did(&identity)).await;
    assert_eq!(
        account(&r2, "controller"),
        account(&r, "controller"),
        "nothing changed"
    );

    // The recovery key, brought online (funded), controls the DID.
    chain.fund(&recovery_address).await;
    chain
        .writer(&recovery)
        .add_delegate(&identity, "sigAuth", &Address([0x55; 20]), 3600)
        .await
        .unwrap();
    let r3 = resolve(&method, &did(&identity)).await;
    assert_eq!(vm_ids(&r3), ["controller", "delegate-1"]);
}

#[tokio::test]
async fn deactivation_is_final() {
    let chain = Chain::start().await;
    let method = EthrMethod::new(vec![chain.network("dev")]).unwrap();
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let writer = chain.writer(&owner);
    let added = writer
        .add_delegate(&identity, "sigAuth", &Address([0x66; 20]), 3600)
        .await
        .unwrap();
    let gone = writer
        .change_owner(&identity, &Address::ZERO)
        .await
        .unwrap();
    let r = resolve(&method, &did(&identity)).await;
    assert_eq!(r.document_metadata.deactivated, Some(true));
    assert!(r.document.verification_method.is_empty());
    assert!(r.document.authentication.is_empty());
    assert_eq!(r.document_metadata.version_id, Some(gone.block.to_string()));
    // Before deactivation, the delegate was there.
    let before = method
        .resolve(
            &did(&identity),
            &ResolutionOptions {
                version_id: Some(added.block.to_string()),
                ..ResolutionOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(vm_ids(&before), ["controller", "delegate-1"]);
    // Nobody can change it again, not even the identity's own key.
    let err = writer
        .add_delegate(&identity, "veriKey", &Address([0x77; 20]), 3600)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ethr_tx_refused");
    assert!(err.to_string().contains("deactivated"), "{err}");
}

#[tokio::test]
async fn rotated_key_still_verifies_as_of_its_time() {
    let chain = Chain::start().await;
    let method = EthrMethod::new(vec![chain.network("dev")]).unwrap();
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let writer = chain.writer(&owner);
    let old = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key();
    let new = PrivateKey::generate(KeyType::Ed25519).unwrap().public_key();
    let added = writer
        .set_attribute(&identity, "did/pub/Ed25519/veriKey", &old.to_bytes(), 86400)
        .await
        .unwrap();
    chain.advance_time(60).await;
    let signed_at = chain.block_time(added.block).await + 30;
    chain.advance_time(60).await;
    writer
        .revoke_attribute(&identity, "did/pub/Ed25519/veriKey", &old.to_bytes())
        .await
        .unwrap();
    writer
        .set_attribute(&identity, "did/pub/Ed25519/veriKey", &new.to_bytes(), 86400)
        .await
        .unwrap();
    let now = resolve(&method, &did(&identity)).await;
    assert_eq!(vm_ids(&now), ["controller", "delegate-3"]);

    let old_id = DidUrl::parse(&format!("{}#delegate-1", did(&identity))).unwrap();
    let at_signing = ResolutionOptions {
        version_time: Some(
            time::OffsetDateTime::from_unix_timestamp(signed_at as i64)
                .unwrap()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
        ),
        ..ResolutionOptions::default()
    };
    let lookup = method
        .lookup_method_with(&old_id, Relationship::AssertionMethod, &at_signing)
        .await
        .unwrap()
        .expect("the old key as of its time");
    assert!(lookup.authorized);
    assert_eq!(lookup.method.public_key().unwrap(), old);
    // Today it is gone.
    let today = method
        .lookup_method(&old_id, Relationship::AssertionMethod)
        .await
        .unwrap();
    assert!(today.is_none());
}

#[tokio::test]
async fn rpc_timeouts_and_junk_have_their_own_codes() {
    let identity = Address([0x12; 20]);
    let registry = "0x00000000000000000000000000000000000000aa";
    let method_at = |port: u16, timeout: Duration, max: usize| {
        let mut n =
            EthrNetwork::new("dev", &format!("http://127.0.0.1:{port}"), 1, registry).unwrap();
        n.timeout = timeout;
        n.max_response = max;
        EthrMethod::new(vec![n]).unwrap()
    };
    let code = |r: Result<Resolution, kith_did::Error>| r.unwrap_err().code();
    let opts = ResolutionOptions::default();

    let hang = fake_rpc(|_, _| Err(Reply::Hang)).await;
    let started = std::time::Instant::now();
    let m = method_at(hang, Duration::from_millis(500), 1 << 20);
    assert_eq!(
        code(m.resolve(&did(&identity), &opts).await),
        "ethr_rpc_timeout"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let junk = fake_rpc(|_, _| Err(Reply::Body("<html>not json</html>".into()))).await;
    let m = method_at(junk, Duration::from_secs(2), 1 << 20);
    assert_eq!(
        code(m.resolve(&did(&identity), &opts).await),
        "ethr_rpc_invalid_response"
    );

    // Well-formed JSON-RPC with nonsense results.
    let nonsense = fake_rpc(|method, _| match method {
        "eth_getBlockByNumber" => Ok(json!({"number": "0x10", "hash": "0x12", "timestamp": "0x1"})),
        _ => Ok(json!("0xzz")),
    })
    .await;
    let m = method_at(nonsense, Duration::from_secs(2), 1 << 20);
    assert_eq!(
        code(m.resolve(&did(&identity), &opts).await),
        "ethr_rpc_invalid_response"
    );

    let huge = fake_rpc(|_, _| Ok(json!("0x".to_owned() + &"00".repeat(1 << 20)))).await;
    let m = method_at(huge, Duration::from_secs(5), 64 * 1024);
    assert_eq!(
        code(m.resolve(&did(&identity), &opts).await),
        "ethr_rpc_response_too_large"
    );

    // A node error object.
    let erroring = fake_rpc(|_, _| {
        Err(Reply::Body(
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not supported"}}"#
                .into(),
        ))
    })
    .await;
    let m = method_at(erroring, Duration::from_secs(2), 1 << 20);
    assert_eq!(
        code(m.resolve(&did(&identity), &opts).await),
        "ethr_rpc_error"
    );

    // Nobody listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let m = method_at(closed, Duration::from_secs(2), 1 << 20);
    assert_eq!(
        code(m.resolve(&did(&identity), &opts).await),
        "ethr_rpc_unavailable"
    );
}

fn word(v: u64) -> String {
    format!("{v:064x}")
}

/// A fake chain whose `changed` points at block 5 and whose logs are given.
async fn fake_history(logs: Value, block5_hash: &'static str) -> u16 {
    fake_rpc(move |method, params| match method {
        "eth_getBlockByNumber" => {
            let n = if params[0] == "latest" {
                "0xa"
            } else {
                params[0].as_str().unwrap()
            };
            let hash = if n == "0x5" {
                block5_hash.to_owned()
            } else {
                format!("0x{}", "ab".repeat(32))
            };
            Ok(json!({"number": n, "hash": hash, "timestamp": "0x64"}))
        }
        "eth_call" => {
            let data = params[0]["data"].as_str().unwrap();
            if data.starts_with("0xf96d0f9f") {
                Ok(json!(format!("0x{}", word(5))))
            } else {
                Ok(json!(format!("0x{}{}", "00".repeat(12), "12".repeat(20))))
            }
        }
        "eth_getLogs" => Ok(logs.clone()),
        _ => Ok(Value::Null),
    })
    .await
}

fn owner_log(previous: u64, block_hash: &str, index: u64) -> Value {
    let topic0 = format!("0x{}", hex::encode(abi::event_topics()[0]));
    json!({
        "address": "0x00000000000000000000000000000000000000aa",
        "blockNumber": "0x5",
        "blockHash": block_hash,
        "logIndex": format!("0x{index:x}"),
        "topics": [topic0, format!("0x{}{}", "00".repeat(12), "12".repeat(20))],
        "data": format!("0x{}{}{}", "00".repeat(12), "34".repeat(20), word(previous)),
        "removed": false,
    })
}

#[tokio::test]
async fn inconsistent_histories_are_refused() {
    let identity = Address([0x12; 20]);
    let h5 = "0x5555555555555555555555555555555555555555555555555555555555555555";
    let resolve_at = |port: u16| async move {
        let n = EthrNetwork::new(
            "dev",
            &format!("http://127.0.0.1:{port}"),
            1,
            "0x00000000000000000000000000000000000000aa",
        )
        .unwrap();
        EthrMethod::new(vec![n])
            .unwrap()
            .resolve(&did(&identity), &ResolutionOptions::default())
            .await
    };

    // The consistent case resolves: one owner change at block 5.
    let ok = resolve_at(fake_history(json!([owner_log(0, h5, 0)]), h5).await)
        .await
        .unwrap();
    assert_eq!(
        account(&ok, "controller"),
        format!("eip155:1:{}", Address([0x34; 20]).to_checksum())
    );

    for (name, logs) in [
        ("changed names a block with no event", json!([])),
        (
            "logs from another fork",
            json!([owner_log(0, &format!("0x{}", "66".repeat(32)), 0)]),
        ),
        ("pointer forward in time", json!([owner_log(7, h5, 0)])),
        ("pointer to itself first", json!([owner_log(5, h5, 0)])),
        (
            "second event not pointing at its block",
            json!([owner_log(2, h5, 0), owner_log(2, h5, 1)]),
        ),
    ] {
        let err = resolve_at(fake_history(logs, h5).await).await.unwrap_err();
        assert_eq!(err.code(), "ethr_inconsistent_history", "{name}: {err}");
        assert_eq!(err.resolution_error(), "internalError");
    }
    // A log the node marks removed (reorganized away).
    let mut removed = owner_log(0, h5, 0);
    removed["removed"] = json!(true);
    let err = resolve_at(fake_history(json!([removed]), h5).await)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ethr_inconsistent_history");
}

#[tokio::test]
async fn confirmations_hide_unconfirmed_changes_and_reorgs_are_followed() {
    let chain = Chain::start().await;
    let owner = chain.funded_key().await;
    let identity = address_of(&owner).unwrap();
    let writer = chain.writer(&owner);

    // Two confirmations: a change shows only once two blocks are on top of it.
    let mut confirmed = chain.network("dev");
    confirmed.confirmations = 2;
    let careful = EthrMethod::new(vec![confirmed]).unwrap();
    let added = writer
        .add_delegate(&identity, "veriKey", &Address([0x88; 20]), 3600)
        .await
        .unwrap();
    let r = resolve(&careful, &did(&identity)).await;
    assert_eq!(vm_ids(&r), ["controller"], "not confirmed yet");
    assert_eq!(r.document_metadata.version_id, None);
    let err = careful
        .resolve(
            &did(&identity),
            &ResolutionOptions {
                version_id: Some(added.block.to_string()),
                ..ResolutionOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ethr_version_not_found");
    chain.mine(2).await;
    let r = resolve(&careful, &did(&identity)).await;
    assert_eq!(vm_ids(&r), ["controller", "delegate-1"]);

    // A reorganization: the chain is rolled back and another change takes the same
    // block height. The resolver's cached history is keyed by block hash, so it
    // follows the new chain at once.
    let proxy = CountingProxy::start(chain.port).await;
    let eager = EthrMethod::new(vec![chain.network_via("dev", proxy.port)]).unwrap();
    let snapshot = chain.rpc("evm_snapshot", json!([])).await;
    let a = writer
        .set_attribute(&identity, "did/svc/Fork", b"https://a.example", 3600)
        .await
        .unwrap();
    let before = resolve(&eager, &did(&identity)).await;
    assert_eq!(
        before.document.service[0].service_endpoint,
        json!("https://a.example")
    );
    assert!(
        chain
            .rpc("evm_revert", json!([snapshot]))
            .await
            .as_bool()
            .unwrap()
    );
    chain.advance_time(5).await; // a different timestamp, so a different block
    let b = writer
        .set_attribute(&identity, "did/svc/Fork", b"https://b.example", 3600)
        .await
        .unwrap();
    assert_eq!(
        a.block + 1,
        b.block,
        "the replacement change is one block later"
    );
    let after = resolve(&eager, &did(&identity)).await;
    assert_eq!(after.document.service.len(), 1);
    assert_eq!(
        after.document.service[0].service_endpoint,
        json!("https://b.example")
    );
    assert_eq!(
        after.document_metadata.version_id,
        Some(b.block.to_string())
    );

    // Same height, different block: revert, then mine the replacement at a.block.
    let snapshot = chain.rpc("evm_snapshot", json!([])).await;
    let c = writer
        .set_attribute(&identity, "did/svc/Fork2", b"https://c.example", 3600)
        .await
        .unwrap();
    let with_c = resolve(&eager, &did(&identity)).await;
    assert_eq!(with_c.document.service.len(), 2);
    chain.rpc("evm_revert", json!([snapshot])).await;
    chain.rpc("evm_increaseTime", json!([7])).await;
    let d = writer
        .set_attribute(&identity, "did/svc/Fork2", b"https://d.example", 3600)
        .await
        .unwrap();
    assert_eq!(c.block, d.block, "same height, another block");
    proxy.reset();
    let with_d = resolve(&eager, &did(&identity)).await;
    assert_eq!(
        with_d.document.service[1].service_endpoint,
        json!("https://d.example"),
        "the cached history of the replaced block was not used"
    );
    assert!(proxy.count() > 1, "the history was read again");
}
