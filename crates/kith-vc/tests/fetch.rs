//! Schemas and related resources fetched over a real local HTTP server, through the
//! bounded fetcher (plain HTTP and loopback are allowed explicitly, as in development).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::MethodResolver;
use kith_did::fetch::{BoundedFetcher, FetchConfig};
use kith_did::method::key::KeyMethod;
use kith_vc::schema::{FetchedSchemas, LocalSchemas};
use kith_vc::{Report, Verifier, did_key_method_id, jose};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves `routes` (path → body) over HTTP/1.1 on 127.0.0.1; other paths get 404.
async fn serve(routes: HashMap<&'static str, Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = match routes.get(path.as_str()) {
                    Some(body) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    (base, hits)
}

fn dev_fetcher() -> BoundedFetcher {
    BoundedFetcher::new(FetchConfig {
        allow_http: true,
        allow_private_addresses: true,
        ..FetchConfig::default()
    })
    .unwrap()
}

fn verifier() -> Verifier {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    Verifier::new(Arc::new(resolver))
}

async fn issue(extra: Value) -> String {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let kid = did_key_method_id(&key.public_key());
    let did = kid.split('#').next().unwrap().to_owned();
    let signer = LocalSigner::new(key).unwrap().with_key_id(kid.clone());
    let mut vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"email": "alice@example.com"}
    });
    for (k, v) in extra.as_object().unwrap() {
        vc[k] = v.clone();
    }
    jose::issue_vc_jwt(&vc, &signer, signer.key_id().unwrap())
        .await
        .unwrap()
}

fn code_of(report: &Report, check: &str) -> Option<&'static str> {
    let check = report
        .checks
        .iter()
        .find(|c| serde_json::to_value(c.check).unwrap() == check)
        .unwrap_or_else(|| panic!("no {check} check in {:?}", report.checks));
    check.code()
}

#[tokio::test]
async fn schemas_are_fetched_with_limits_and_enforced() {
    let schema =
        json!({"type": "object", "properties": {"credentialSubject": {"required": ["email"]}}});
    let strict =
        json!({"type": "object", "properties": {"credentialSubject": {"required": ["phone"]}}});
    let (base, hits) = serve(HashMap::from([
        ("/email.json", schema.to_string().into_bytes()),
        ("/phone.json", strict.to_string().into_bytes()),
        ("/broken.json", b"{\"a\":1,\"a\":2}".to_vec()),
    ]))
    .await;
    let mut verifier = verifier();
    verifier.schemas = Arc::new(FetchedSchemas::new(dev_fetcher(), LocalSchemas::new()));
    for (path, expected) in [
        ("/email.json", None),
        ("/phone.json", Some("schema_mismatch")),
        ("/missing.json", Some("schema_unavailable")),
        ("/broken.json", Some("duplicate_member")),
    ] {
        let jws = issue(
            json!({"credentialSchema": {"id": format!("{base}{path}"), "type": "JsonSchema"}}),
        )
        .await;
        let report = verifier.verify_credential(&jws).await;
        assert_eq!(code_of(&report, "schema"), expected, "{path}");
    }
    // Fetched once, then served from the cache.
    let before = hits.load(Ordering::SeqCst);
    let jws = issue(
        json!({"credentialSchema": {"id": format!("{base}/email.json"), "type": "JsonSchema"}}),
    )
    .await;
    assert!(verifier.verify_credential(&jws).await.verified);
    assert_eq!(hits.load(Ordering::SeqCst), before);

    // The secure default refuses plain HTTP to loopback without sending anything.
    let mut strict_verifier = self::verifier();
    strict_verifier.schemas = Arc::new(FetchedSchemas::new(
        BoundedFetcher::new_default().unwrap(),
        LocalSchemas::new(),
    ));
    let before = hits.load(Ordering::SeqCst);
    let jws = issue(
        json!({"credentialSchema": {"id": format!("{base}/phone.json"), "type": "JsonSchema"}}),
    )
    .await;
    let report = strict_verifier.verify_credential(&jws).await;
    assert_eq!(code_of(&report, "schema"), Some("schema_unavailable"));
    assert_eq!(hits.load(Ordering::SeqCst), before, "nothing was sent");
}

#[tokio::test]
async fn related_resource_digests_are_checked_when_fetched() {
    let resource = b"{\"terms\": \"v1\"}".to_vec();
    // sha2-256 of the resource, as SRI (standard base64) and as a multibase multihash.
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(&resource);
    let sri = {
        use base64::Engine as _;
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    let mut multihash = vec![0x12, 0x20];
    multihash.extend_from_slice(&digest);
    let multibase =
        kith_crypto::multibase::encode(kith_crypto::multibase::Base::Base58Btc, &multihash);
    let (base, _) = serve(HashMap::from([("/terms.json", resource.clone())])).await;
    let mut verifier = verifier();
    verifier.related_resources = Some(dev_fetcher());
    let cases = [
        (
            json!({"id": format!("{base}/terms.json"), "digestSRI": sri}),
            None,
        ),
        (
            json!({"id": format!("{base}/terms.json"), "digestMultibase": multibase}),
            None,
        ),
        (
            json!({"id": format!("{base}/terms.json"), "digestSRI": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}),
            Some("related_resource_mismatch"),
        ),
        (
            json!({"id": format!("{base}/gone.json"), "digestSRI": sri}),
            Some("related_resource_unavailable"),
        ),
    ];
    for (related, expected) in cases {
        let jws = issue(json!({"relatedResource": [related.clone()]})).await;
        let report = verifier.verify_credential(&jws).await;
        assert_eq!(code_of(&report, "related_resources"), expected, "{related}");
        assert_eq!(report.verified, expected.is_none());
    }
    // Without a fetcher nothing is fetched and no check is claimed.
    let jws =
        issue(json!({"relatedResource": [{"id": format!("{base}/terms.json"), "digestSRI": sri}]}))
            .await;
    let report = self::verifier().verify_credential(&jws).await;
    assert!(report.verified);
    assert!(
        report
            .checks
            .iter()
            .all(|c| serde_json::to_value(c.check).unwrap() != "related_resources")
    );
}
