//! did:web against a real HTTPS server on 127.0.0.1: a self-signed certificate for
//! `localhost` (rcgen), TLS by tokio-rustls, and a minimal hand-written HTTP/1.1
//! responder. Each test starts its own server and counts the connections it accepts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kith_crypto::{KeyType, PrivateKey, PublicKey};
use kith_did::method::web::{self, WebConfig, WebMethod};
use kith_did::{
    Dereferenced, Did, DidUrl, Document, Error, ResolutionOptions, Resolver, dereference,
    resolve_to_result,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// What the server does with one request.
enum Reply {
    /// A response with `content-length`.
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// A 200 response without `content-length`: the body runs to the end of the connection.
    Unframed(Vec<u8>),
    /// Read the request, then never answer.
    Hang,
}

impl Reply {
    fn json(body: impl Into<Vec<u8>>) -> Self {
        Self::Respond {
            status: 200,
            headers: vec![("content-type", "application/did+json".into())],
            body: body.into(),
        }
    }

    fn document(doc: &Document) -> Self {
        Self::json(serde_json::to_vec(doc).unwrap())
    }

    fn status(status: u16) -> Self {
        Self::Respond {
            status,
            headers: vec![("content-type", "text/plain".into())],
            body: b"no".to_vec(),
        }
    }

    fn redirect(location: String) -> Self {
        Self::Respond {
            status: 302,
            headers: vec![("location", location)],
            body: Vec::new(),
        }
    }
}

type Route = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// A running test server.
struct Server {
    port: u16,
    /// TCP connections accepted, counted before any TLS or HTTP.
    connections: Arc<AtomicUsize>,
    /// Paths of the HTTP requests read.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// `did:web:localhost%3A<port>` plus `:`-joined path segments.
    fn did(&self, path: &str) -> Did {
        let mut text = format!("did:web:localhost%3A{}", self.port);
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            text.push(':');
            text.push_str(segment);
        }
        Did::parse(&text).unwrap()
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://localhost:{}{path}", self.port)
    }
}

/// A self-signed certificate for `localhost` and the TLS server configuration using it.
struct Tls {
    cert_der: Vec<u8>,
    acceptor: TlsAcceptor,
}

fn tls() -> Tls {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_der = certified.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![rustls::pki_types::CertificateDer::from(cert_der.clone())],
        key,
    )
    .unwrap();
    Tls {
        cert_der,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    }
}

/// Starts a server on 127.0.0.1: HTTPS with `acceptor`, plain HTTP without. `route`
/// gets the port (to build absolute redirects and DIDs) and the request path.
async fn start(
    acceptor: Option<TlsAcceptor>,
    route: impl Fn(u16, &str) -> Reply + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let route: Route = Arc::new(move |path| route(port, path));
    let (conn_count, request_log) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            conn_count.fetch_add(1, Ordering::SeqCst);
            let (route, log, acceptor) = (route.clone(), request_log.clone(), acceptor.clone());
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(tcp).await {
                            serve(tls, &*route, &log).await;
                        }
                    }
                    None => serve(tcp, &*route, &log).await,
                }
            });
        }
    });
    Server {
        port,
        connections,
        requests,
    }
}

async fn start_https(
    tls: &Tls,
    route: impl Fn(u16, &str) -> Reply + Send + Sync + 'static,
) -> Server {
    start(Some(tls.acceptor.clone()), route).await
}

/// Reads one request head and writes the reply. Input that does not start like an
/// HTTP request (a TLS ClientHello on the plain server) is dropped unanswered.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    route: &(dyn Fn(&str) -> Reply + Send + Sync),
    log: &Mutex<Vec<String>>,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if (head.len() >= 4 && !head.starts_with(b"GET ")) || head.len() > 16 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
    log.lock().unwrap().push(path.clone());
    let (status, headers, body, framed) = match route(&path) {
        Reply::Respond {
            status,
            headers,
            body,
        } => (status, headers, body, true),
        Reply::Unframed(body) => (
            200,
            vec![("content-type", "application/json".into())],
            body,
            false,
        ),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            return;
        }
    };
    let mut response = format!("HTTP/1.1 {status} X\r\n");
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    if framed {
        response.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    response.push_str("connection: close\r\n\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// A resolver that trusts the test certificate and may reach 127.0.0.1.
fn resolver(tls: &Tls) -> WebMethod {
    resolver_with(tls, |_| {})
}

fn resolver_with(tls: &Tls, edit: impl FnOnce(&mut WebConfig)) -> WebMethod {
    let mut config = WebConfig {
        allow_private_addresses: true,
        extra_roots: vec![tls.cert_der.clone()],
        ..Default::default()
    };
    edit(&mut config);
    WebMethod::with_config(config).unwrap()
}

fn key() -> PublicKey {
    PrivateKey::generate(KeyType::Ed25519).unwrap().public_key()
}

async fn resolve_err(method: &WebMethod, did: &Did) -> Error {
    match method.resolve(did, &ResolutionOptions::default()).await {
        Ok(r) => panic!("{did} resolved to {:?}, expected an error", r.document.id),
        Err(e) => e,
    }
}

fn assert_fetch_failed(err: &Error, mentions: &str) {
    assert_eq!(err.code(), "fetch_failed", "{err}");
    assert_eq!(err.resolution_error(), "internalError", "{err}");
    assert!(
        err.to_string().contains(mentions),
        "error should mention {mentions:?}: {err}"
    );
}

/// A server that answers every `*/did.json` with the document of the DID it names.
async fn hosting(tls: &Tls, key: PublicKey) -> Server {
    start_https(tls, move |port, path| {
        let Some(dir) = path.strip_suffix("/did.json") else {
            return Reply::status(404);
        };
        let mut did = format!("did:web:localhost%3A{port}");
        if dir != "/.well-known" {
            did.push_str(&dir.replace('/', ":"));
        }
        Reply::document(&web::document_for_key(&Did::parse(&did).unwrap(), &key))
    })
    .await
}

#[tokio::test]
async fn resolves_the_well_known_and_path_documents() {
    let tls = tls();
    let key = key();
    let server = hosting(&tls, key.clone()).await;
    let method = resolver(&tls);

    let root = server.did("");
    let resolution = method
        .resolve(&root, &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(resolution.document, web::document_for_key(&root, &key));

    let alice = server.did("users/alice");
    assert_eq!(
        alice.as_str(),
        format!("did:web:localhost%3A{}:users:alice", server.port)
    );
    let resolution = method
        .resolve(&alice, &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(resolution.document.id, alice);
    assert_eq!(resolution.document, web::document_for_key(&alice, &key));

    assert_eq!(
        server.requests(),
        ["/.well-known/did.json", "/users/alice/did.json"],
        "the resolver fetched exactly the did:web URLs"
    );

    // Dereferencing #key-1 fetches the document and selects the method.
    let url = DidUrl::parse(&format!("{alice}#key-1")).unwrap();
    let Dereferenced::VerificationMethod(vm) = dereference(&method, &url).await.unwrap() else {
        panic!("#key-1 is a verification method");
    };
    assert_eq!(vm.id, format!("{alice}#key-1"));
    assert_eq!(vm.controller, alice.as_str());
    assert_eq!(vm.public_key().unwrap(), key);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn missing_and_gone_documents_are_not_found() {
    let tls = tls();
    let server = start_https(&tls, |_, path| match path {
        "/gone/did.json" => Reply::status(410),
        _ => Reply::status(404),
    })
    .await;
    let method = resolver(&tls);
    for path in ["", "nobody", "gone"] {
        let err = resolve_err(&method, &server.did(path)).await;
        assert_eq!(err.code(), "not_found", "{err}");
        assert_eq!(err.resolution_error(), "notFound", "{err}");
    }
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn server_errors_and_malformed_bodies_fail() {
    let tls = tls();
    let server = start_https(&tls, |_, path| match path {
        "/error/did.json" => Reply::status(500),
        _ => Reply::json(&b"{\"id\": not json"[..]),
    })
    .await;
    let method = resolver(&tls);
    let err = resolve_err(&method, &server.did("error")).await;
    assert_fetch_failed(&err, "500");
    let err = resolve_err(&method, &server.did("garbage")).await;
    assert_eq!(err.code(), "invalid_did_document", "{err}");
    assert_eq!(err.resolution_error(), "invalidDidDocument", "{err}");
}

#[tokio::test]
async fn a_document_of_another_did_is_refused() {
    let tls = tls();
    let key = key();
    let server = start_https(&tls, move |port, _| {
        let bob = Did::parse(&format!("did:web:localhost%3A{port}:users:bob")).unwrap();
        Reply::document(&web::document_for_key(&bob, &key))
    })
    .await;
    let err = resolve_err(&resolver(&tls), &server.did("users/alice")).await;
    assert_eq!(err.code(), "invalid_did_document", "{err}");
    assert_eq!(err.resolution_error(), "invalidDidDocument", "{err}");
    assert!(err.to_string().contains(":users:bob"), "{err}");
    assert_eq!(server.requests(), ["/users/alice/did.json"]);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let tls = tls();
    let key = key();
    let server = start_https(&tls, move |port, path| {
        let did = Did::parse(&format!(
            "did:web:localhost%3A{port}:{}",
            &path[1..path.len() - 9]
        ))
        .unwrap();
        let mut doc = web::document_for_key(&did, &key);
        if path.starts_with("/huge") {
            // Over the default 1 MiB limit, and still a valid document.
            doc.extra
                .insert("padding".into(), "x".repeat(1024 * 1024).into());
        }
        let body = serde_json::to_vec(&doc).unwrap();
        if path.contains("unframed") {
            Reply::Unframed(body)
        } else {
            Reply::json(body)
        }
    })
    .await;

    // A small limit: the same document resolves under a large one.
    let small = resolver_with(&tls, |c| c.max_body = 200);
    let roomy = resolver(&tls);
    for path in ["framed", "unframed"] {
        let did = server.did(path);
        roomy
            .resolve(&did, &ResolutionOptions::default())
            .await
            .unwrap();
        let err = resolve_err(&small, &did).await;
        assert_fetch_failed(&err, "over the 200-byte limit");
    }

    // The default limit, with a body that declares its length and one that does not.
    for path in ["huge", "hugeunframed"] {
        let err = resolve_err(&roomy, &server.did(path)).await;
        assert_fetch_failed(&err, &format!("over the {}-byte limit", 1024 * 1024));
    }
}

#[tokio::test]
async fn redirects_are_followed_at_most_three_times() {
    let tls = tls();
    let key = key();
    let server = start_https(&tls, move |port, path| {
        // /hops/<n>/<final>/did.json redirects n times, then serves the document of
        // did:web:localhost%3A<port>:hops:<final-n>:<final>.
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let ["hops", n, last, "did.json"] = parts[..] else {
            return Reply::status(404);
        };
        let n: usize = n.parse().unwrap();
        if n > 0 {
            return Reply::redirect(format!(
                "https://localhost:{port}/hops/{}/{last}/did.json",
                n - 1
            ));
        }
        let start = last.parse::<usize>().unwrap();
        let did = Did::parse(&format!("did:web:localhost%3A{port}:hops:{start}:{start}")).unwrap();
        Reply::document(&web::document_for_key(&did, &key))
    })
    .await;
    let method = resolver(&tls);

    let three = server.did("hops/3/3");
    let resolution = method
        .resolve(&three, &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(resolution.document.id, three);
    assert_eq!(
        server.requests().len(),
        4,
        "the first request and three redirects"
    );

    let four = server.did("hops/4/4");
    let err = resolve_err(&method, &four).await;
    assert_fetch_failed(&err, "more than 3 redirects");
    assert_eq!(
        server.requests().len(),
        8,
        "the fourth redirect target is never requested: {:?}",
        server.requests()
    );
}

#[tokio::test]
async fn a_redirect_to_plain_http_is_refused() {
    let tls = tls();
    let plain = start(None, |_, _| Reply::status(404)).await;
    let plain_target = plain.url("http", "/x/did.json");
    let server = start_https(&tls, move |_, _| Reply::redirect(plain_target.clone())).await;

    let err = resolve_err(&resolver(&tls), &server.did("x")).await;
    assert_fetch_failed(&err, "redirect refused");
    assert!(err.to_string().contains("\"http\" is not allowed"), "{err}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(plain.connections(), 0, "the http:// target was contacted");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let tls = tls();
    let server = start_https(&tls, |_, _| Reply::Hang).await;
    let method = resolver_with(&tls, |c| c.timeout = Duration::from_millis(300));
    let started = Instant::now();
    let err = resolve_err(&method, &server.did("")).await;
    let elapsed = started.elapsed();
    assert_eq!(err.code(), "fetch_failed", "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(
        elapsed >= Duration::from_millis(250),
        "gave up after {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(server.requests().len(), 1, "the request reached the server");
}

#[tokio::test]
async fn default_config_refuses_local_addresses_before_connecting() {
    let tls = tls();
    let server = hosting(&tls, key()).await;
    // Trusts the certificate, but keeps allow_private_addresses false.
    let method = WebMethod::with_config(WebConfig {
        extra_roots: vec![tls.cert_der.clone()],
        ..Default::default()
    })
    .unwrap();
    let err = resolve_err(&method, &server.did("")).await;
    // localhost resolves only to loopback addresses, which the DNS guard removes.
    assert_fetch_failed(&err, "no public address");
    let err = resolve_err(&WebMethod::new().unwrap(), &server.did("users/alice")).await;
    assert_fetch_failed(&err, "no public address");
    // An IP literal is not a did:web domain at all.
    let literal = Did::parse(&format!("did:web:127.0.0.1%3A{}", server.port)).unwrap();
    let err = resolve_err(&method, &literal).await;
    assert_eq!(err.code(), "invalid_did", "{err}");
    assert_eq!(err.resolution_error(), "invalidDid", "{err}");

    assert_eq!(server.connections(), 0, "the server was contacted");
    // The server itself works: the test resolver reaches it.
    resolver(&tls)
        .resolve(&server.did(""), &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_fails() {
    let tls = tls();
    let server = hosting(&tls, key()).await;
    let method = WebMethod::with_config(WebConfig {
        allow_private_addresses: true,
        ..Default::default()
    })
    .unwrap();
    let err = resolve_err(&method, &server.did("")).await;
    assert_eq!(err.code(), "fetch_failed", "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(server.connections(), 1, "the TLS handshake was attempted");
    assert!(
        server.requests().is_empty(),
        "no HTTP request over an untrusted connection"
    );

    // A certificate for another host name, even from a trusted root, fails too.
    let other = rcgen::generate_simple_self_signed(vec!["example.test".to_owned()]).unwrap();
    let method = resolver_with(&tls, |c| c.extra_roots = vec![other.cert.der().to_vec()]);
    let err = resolve_err(&method, &server.did("")).await;
    assert_eq!(err.code(), "fetch_failed", "{err}");
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn plain_http_is_used_only_when_allowed() {
    let key = key();
    let plain = start(None, move |port, _| {
        let did = Did::parse(&format!("did:web:localhost%3A{port}")).unwrap();
        Reply::document(&web::document_for_key(&did, &key))
    })
    .await;
    let did = plain.did("");

    // allow_http false: the resolver speaks TLS to the port and never sends an HTTP request.
    let https_only = WebMethod::with_config(WebConfig {
        allow_private_addresses: true,
        ..Default::default()
    })
    .unwrap();
    let err = resolve_err(&https_only, &did).await;
    assert_eq!(err.code(), "fetch_failed", "{err}");
    assert!(
        plain.requests().is_empty(),
        "a plaintext request was sent: {:?}",
        plain.requests()
    );

    // allow_http true: the same server answers, so the refusal above was the policy.
    let http = WebMethod::with_config(WebConfig {
        allow_http: true,
        allow_private_addresses: true,
        ..Default::default()
    })
    .unwrap();
    let resolution = http
        .resolve(&did, &ResolutionOptions::default())
        .await
        .unwrap();
    assert_eq!(resolution.document.id, did);
    assert_eq!(plain.requests(), ["/.well-known/did.json"]);
}

#[tokio::test]
async fn resolution_results_carry_the_error() {
    let tls = tls();
    let key = key();
    let server = start_https(&tls, move |port, path| match path {
        "/.well-known/did.json" => {
            let did = Did::parse(&format!("did:web:localhost%3A{port}")).unwrap();
            Reply::document(&web::document_for_key(&did, &key))
        }
        "/broken/did.json" => Reply::status(503),
        _ => Reply::status(404),
    })
    .await;
    let method = resolver(&tls);
    let options = ResolutionOptions::default();

    let ok = resolve_to_result(&method, server.did("").as_str(), &options).await;
    assert!(ok.is_ok());
    let json = serde_json::to_value(&ok).unwrap();
    assert_eq!(json["didDocument"]["id"], server.did("").as_str());
    assert_eq!(
        json["didResolutionMetadata"]["contentType"],
        "application/did+ld+json"
    );

    for (path, expected) in [("missing", "notFound"), ("broken", "internalError")] {
        let result = resolve_to_result(&method, server.did(path).as_str(), &options).await;
        assert!(!result.is_ok());
        assert_eq!(
            result.did_resolution_metadata.error.as_deref(),
            Some(expected)
        );
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["didResolutionMetadata"]["error"], expected);
        assert!(
            json["didResolutionMetadata"]["errorMessage"]
                .as_str()
                .is_some()
        );
        assert_eq!(json["didDocument"], serde_json::Value::Null);
        assert!(json["didResolutionMetadata"].get("contentType").is_none());
    }
}

/// The document URL keeps every DID path segment a single URL path segment, and
/// names a domain, never an IP address in any of the forms URL parsing accepts.
#[test]
fn document_urls_cannot_be_steered() {
    for (did, url) in [
        (
            "did:web:example.com:a%3Fb",
            "https://example.com/a%3Fb/did.json",
        ),
        (
            "did:web:example.com:a%23b:c",
            "https://example.com/a%23b/c/did.json",
        ),
        (
            "did:web:example.com:%2E%2E%5Cx",
            "https://example.com/..%5Cx/did.json",
        ),
        (
            "did:web:example.com:%25%34%31",
            "https://example.com/%2541/did.json",
        ),
        (
            "did:web:example.com:caf%C3%A9",
            "https://example.com/caf%C3%A9/did.json",
        ),
        (
            "did:web:example.com%3A8443:users:alice",
            "https://example.com:8443/users/alice/did.json",
        ),
    ] {
        let parsed = Did::parse(did).unwrap();
        assert_eq!(
            web::document_url(&parsed, "https").unwrap().as_str(),
            url,
            "{did}"
        );
    }
    for did in [
        "did:web:0",
        "did:web:127.1",
        "did:web:0x7f.1",
        "did:web:2130706433",
        "did:web:0177.0.0.1%3A443",
        "did:web:example.com:%FF",
        "did:web:example.com:%2E%2E",
        "did:web:example.com:a%2Fb",
    ] {
        let err = web::document_url(&Did::parse(did).unwrap(), "https").unwrap_err();
        assert_eq!(err.code(), "invalid_did", "{did}: {err}");
        assert_eq!(err.resolution_error(), "invalidDid", "{did}: {err}");
    }
    for domain in ["0", "127.1", "0x7f.1"] {
        assert_eq!(
            web::did_for(domain, None).unwrap_err().code(),
            "invalid_did",
            "{domain}"
        );
    }
}
