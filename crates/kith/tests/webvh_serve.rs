//! `kith serve --did-method webvh` end to end, with the real binary over HTTPS
//! (`--tls-cert`/`--tls-key`, a self-signed certificate): the issuer's did:webvh log
//! is served at `/.well-known/did.jsonl` (did:webvh v1.0 "The DID to HTTPS
//! Transformation", the port as `%3A`), resolved by a separate kith-did did:webvh
//! resolver over HTTPS, rotated through the admin API, and kept across a restart.

#[path = "serve/support.rs"]
#[allow(dead_code)]
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use kith_did::fetch::FetchConfig;
use kith_did::method::webvh::{self, VerifyOptions, WebvhMethod};
use kith_did::{Did, Resolution, ResolutionOptions, Resolver as _};
use serde_json::Value;
use support::{Api, Storage, free_port, is_api_key};

/// The DID's host. It must be a fully qualified domain name (did:webvh refuses IP
/// addresses and single-label names such as `localhost`); the test clients reach it
/// at 127.0.0.1. When the system resolver maps the name to loopback, kith-did's
/// resolver fetches by itself; without touching the machine's /etc/hosts, as root:
/// `unshare -m sh -c 'mount --bind my-hosts /etc/hosts && cargo test -p kith --test
/// webvh_serve'` with `127.0.0.1 issuer.kith.test` in `my-hosts`
/// (`KITH_TEST_WEBVH_HOST` picks another name).
fn host() -> String {
    std::env::var("KITH_TEST_WEBVH_HOST").unwrap_or_else(|_| "issuer.kith.test".to_owned())
}

const STOP: Duration = Duration::from_secs(10);

/// An HTTPS client that trusts only `cert_pem` and reaches `host` and `localhost` at
/// 127.0.0.1:`port`.
fn https_client(cert_pem: &str, host: &str, port: u16) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("certificate");
    let loopback = SocketAddr::from(([127, 0, 0, 1], port));
    reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([cert])
        .resolve(host, loopback)
        .resolve("localhost", loopback)
        .timeout(Duration::from_secs(40))
        .build()
        .expect("HTTPS client")
}

/// Resolves `did` as a separate party would: the DID-to-HTTPS transformation, an
/// HTTPS fetch of `did.jsonl` that trusts the test CA, and verification of every
/// entry. With a host name the system resolves to loopback, kith-did's own resolver
/// ([`WebvhMethod`] with `extra_roots` and private addresses allowed) does all of it;
/// otherwise the log is fetched at the transformed URL by a client that maps the
/// name to 127.0.0.1, and verified and resolved by kith-did from those bytes.
async fn resolve_over_https(
    did: &Did,
    cert_der: &[u8],
    client: &reqwest::Client,
    options: &ResolutionOptions,
) -> (Resolution, Vec<u8>) {
    let location = webvh::parse_did(did).expect("a did:webvh DID");
    let url = location.log_url("https").expect("log URL");
    let response = client.get(url.clone()).send().await.expect("GET did.jsonl");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "text/jsonl");
    let log = response.bytes().await.expect("log body").to_vec();
    let resolves_locally = tokio::net::lookup_host((location.host.as_str(), 443))
        .await
        .is_ok_and(|mut addrs| addrs.all(|a| a.ip().is_loopback()));
    let resolution = if resolves_locally {
        let resolver = WebvhMethod::with_config(FetchConfig {
            extra_roots: vec![cert_der.to_vec()],
            allow_private_addresses: true,
            ..FetchConfig::default()
        })
        .expect("resolver");
        resolver
            .resolve(did, options)
            .await
            .unwrap_or_else(|e| panic!("{did} does not resolve over HTTPS: {e}"))
    } else {
        eprintln!(
            "{} does not resolve to loopback here: did.jsonl fetched from {url} with a pinned address",
            location.host
        );
        webvh::resolve_log(did, &log, None, options, &VerifyOptions::default())
            .unwrap_or_else(|e| panic!("the served log of {did} does not resolve: {e}"))
    };
    (resolution, log)
}

fn assertion_methods(resolution: &Resolution) -> Vec<String> {
    resolution
        .document
        .relationship(kith_did::Relationship::AssertionMethod)
        .iter()
        .map(|r| match r {
            kith_did::MethodRef::Reference(id) => id.clone(),
            kith_did::MethodRef::Embedded(m) => m.id.clone(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webvh_issuer_over_https() {
    let host = host();
    let dir = tempfile::tempdir().expect("tempdir");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), host.clone()])
        .expect("certificate");
    let cert_pem = certified.cert.pem();
    let cert_der = certified.cert.der().to_vec();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let storage = Storage::data_dir(&dir.path().join("data"));
    let port = free_port();
    let client = https_client(&cert_pem, &host, port);
    let public_url = format!("https://{host}:{port}");
    let flags = [
        "--tls-cert",
        cert.as_str(),
        "--tls-key",
        key.as_str(),
        "--public-url",
        public_url.as_str(),
        "--did-method",
        "webvh",
    ];
    let mut server = storage.serve(port, &flags);
    server.ready(&client).await;
    let admin = server
        .stdout()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(is_api_key(&admin), "no admin key: {}", server.stdout());
    let api = Api::new(&client, &public_url, &admin);

    // The DID is in the first entry of the served log.
    let log = api.get("/.well-known/did.jsonl").await.expect(200).text();
    let first: Value = serde_json::from_str(log.lines().next().expect("an entry")).expect("JSON");
    let did = Did::parse(first["state"]["id"].as_str().expect("state.id")).expect("DID");
    assert!(
        did.as_str().ends_with(&format!(":{host}%3A{port}")),
        "the port is %3A-encoded: {did}"
    );
    let (resolved, _) =
        resolve_over_https(&did, &cert_der, &client, &ResolutionOptions::default()).await;
    let key1 = format!("{did}#key-1");
    let key2 = format!("{did}#key-2");
    assert_eq!(assertion_methods(&resolved), std::slice::from_ref(&key1));
    let version1 = resolved.document_metadata.version_id.clone();

    let before = api.issue_ok("Alice").await;
    assert_eq!(before["issuer"], did.as_str());
    assert_eq!(before["proof"]["verificationMethod"], key1.as_str());
    assert_eq!(
        api.verify(&before).await.expect(200).json()["verified"],
        true
    );

    // Rotation: a second entry, signed by the update key; the first version keeps
    // only the first key.
    let rotated = api
        .post("/admin/keys/rotate", &serde_json::json!({}))
        .await
        .expect(201);
    assert_eq!(rotated.json()["verificationMethod"], key2.as_str());
    let (resolved, log) =
        resolve_over_https(&did, &cert_der, &client, &ResolutionOptions::default()).await;
    assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 2);
    assert_eq!(assertion_methods(&resolved), [key1.clone(), key2.clone()]);
    let (old, _) = resolve_over_https(
        &did,
        &cert_der,
        &client,
        &ResolutionOptions {
            version_id: version1,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(assertion_methods(&old), std::slice::from_ref(&key1));
    let after = api.issue_ok("Bob").await;
    assert_eq!(after["proof"]["verificationMethod"], key2.as_str());
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));

    // A restart reloads the log: same DID, same history, both credentials verify.
    let mut server = storage.serve(port, &flags);
    server.ready(&client).await;
    assert_eq!(server.stdout(), "", "a second start creates nothing");
    let (resolved, log_again) =
        resolve_over_https(&did, &cert_der, &client, &ResolutionOptions::default()).await;
    assert_eq!(log_again, log);
    assert_eq!(resolved.document.id, did);
    for vc in [&before, &after] {
        let report = api.verify(vc).await.expect(200).json();
        assert_eq!(report["verified"], true, "{report}");
    }
    let next = api.issue_ok("Carol").await;
    assert_eq!(next["proof"]["verificationMethod"], key2.as_str());
    // The parallel did:web document is served beside the log.
    let web = api.get("/.well-known/did.json").await.expect(200).json();
    assert_eq!(web["id"], format!("did:web:{host}%3A{port}"));
    assert_eq!(web["alsoKnownAs"][0], did.as_str());
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
}
