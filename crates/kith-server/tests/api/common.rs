//! A real `kith serve` on loopback per test, on a fresh store of each backend: SQLite
//! in a temp dir, PostgreSQL in a fresh schema that is dropped afterwards (also when
//! the test panics). Clients talk to it over HTTP with reqwest, as
//! `http://localhost:<port>` (did:web needs a host name, not an IP).

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::panic::resume_unwind;
use std::time::Duration;

use kith_server::limits::RateLimit;
use kith_server::{App, Listen, ServerConfig};
use kith_store::{Backend, MasterKey, Store};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

/// The media type of RFC 9457 problems.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// What a test body gets: the running server's address, its admin token and store.
#[derive(Clone)]
pub(crate) struct Ctx {
    /// `http://localhost:<port>`, the server's public URL (no trailing slash).
    pub(crate) base: String,
    /// The bound port.
    pub(crate) port: u16,
    /// The admin API key created on first start.
    pub(crate) admin: String,
    /// The store the server uses.
    pub(crate) store: Store,
    /// A client that resolves `localhost` to the bound loopback address.
    pub(crate) client: reqwest::Client,
    /// The running app, for what has no HTTP route (the issuer's key reload).
    pub(crate) app: App,
}

/// A response read to the end.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub(crate) json: Value,
}

impl Resp {
    pub(crate) fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with `status` and stable `code`.
    #[track_caller]
    pub(crate) fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.json["code"].as_str()),
            (status, Some(code)),
            "expected a {status} {code} problem, got: {}",
            self.text
        );
        assert_eq!(self.content_type(), PROBLEM_JSON, "{}", self.text);
        assert_eq!(self.json["status"], json!(status), "{}", self.text);
        assert_eq!(
            self.json["type"],
            json!(format!("urn:kith:problem:{code}")),
            "{}",
            self.text
        );
        assert!(
            self.json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "a problem names what was wrong: {}",
            self.text
        );
    }

    /// Asserts a status and returns the JSON body.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected response: {}", self.text);
        &self.json
    }

    /// The code of the failed report check `check` (`status`, `holder_binding`, ...).
    pub(crate) fn failed_check(&self, check: &str) -> Option<&str> {
        self.json["checks"]
            .as_array()?
            .iter()
            .find(|c| c["check"] == check && c["ok"] == false)
            .and_then(|c| c["code"].as_str())
    }
}

impl Ctx {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's did:web DID.
    pub(crate) fn did(&self) -> String {
        format!("did:web:localhost%3A{}", self.port)
    }

    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("the body reads");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub(crate) async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// `POST path` with raw bytes and a content type.
    pub(crate) async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut request = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// `GET path` with an optional bearer token.
    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// Issues `credential` with `options` as admin; asserts 201 and returns the
    /// secured credential.
    pub(crate) async fn issue(&self, credential: Value, options: Value) -> Value {
        let response = self
            .post(
                "/credentials/issue",
                Some(&self.admin),
                &json!({"credential": credential, "options": options}),
            )
            .await;
        assert_eq!(response.content_type(), "application/json");
        response.expect(201)["verifiableCredential"].clone()
    }

    /// Verifies `vc` as admin.
    pub(crate) async fn verify(&self, vc: &Value) -> Resp {
        self.post(
            "/credentials/verify",
            Some(&self.admin),
            &json!({"verifiableCredential": vc}),
        )
        .await
    }

    /// Sets a status bit as admin.
    pub(crate) async fn set_status(&self, credential_id: &str, purpose: &str, value: bool) -> Resp {
        self.post(
            "/credentials/status",
            Some(&self.admin),
            &json!({
                "credentialId": credential_id,
                "credentialStatus": [{
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose,
                    "status": value,
                }],
            }),
        )
        .await
    }

    /// Creates an API key as admin: `(token, id)`.
    pub(crate) async fn create_key(
        &self,
        name: &str,
        scopes: &[&str],
        expires_in: Option<&str>,
    ) -> (String, String) {
        let response = self
            .post(
                "/admin/api-keys",
                Some(&self.admin),
                &json!({"name": name, "scopes": scopes, "expiresIn": expires_in}),
            )
            .await;
        let body = response.expect(201);
        let token = body["apiKey"].as_str().expect("apiKey").to_owned();
        let id = body["key"]["id"].as_str().expect("key.id").to_owned();
        assert!(token.contains(&id), "the key id is the token's public part");
        (token, id)
    }

    /// The sum of allocated entries over every status list.
    pub(crate) async fn allocated_entries(&self) -> u64 {
        self.store
            .status()
            .lists(None)
            .await
            .expect("status lists")
            .iter()
            .map(|l| l.allocated)
            .sum()
    }
}

/// A VCDM 2.0 credential without issuer: the server fills it in.
pub(crate) fn credential(name: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject", "name": name},
    })
}

/// The secret part of a `kith_<id>_<secret>` token.
pub(crate) fn secret_of(token: &str) -> &str {
    token.rsplit('_').next().expect("a token has parts")
}

/// Random lower-case hex of `bytes` bytes.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("random");
    hex::encode(buf)
}

/// The test's server configuration: generous limits unless the test changes them.
pub(crate) type Configure = fn(&mut ServerConfig);

pub(crate) fn default_config(_: &mut ServerConfig) {}

/// Limits that no test reaches unless it asks for it.
fn generous(config: &mut ServerConfig) {
    let generous = RateLimit {
        per_second: 100_000,
        burst: 100_000,
    };
    config.rate_limit_per_address = generous;
    config.rate_limit_per_key = generous;
}

fn postgres_base_url() -> String {
    std::env::var("KITH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn skip_postgres() -> bool {
    std::env::var("KITH_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

/// A free loopback port (bound then released: another process could take it before
/// the server binds it, so [`start`] retries).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running server.
struct Running {
    ctx: Ctx,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), kith_server::ServeError>>,
}

/// Opens the app on `store` and serves it on a free port.
async fn start(store: Store, configure: Configure) -> Running {
    kith_server::serve::install_crypto_provider();
    let master = MasterKey::generate();
    let master_text = master.to_base64url();
    let mut admin: Option<String> = None;
    let mut last_error = String::new();
    for _ in 0..5 {
        let port = free_port();
        let public = Url::parse(&format!("http://localhost:{port}")).expect("URL");
        let mut config = ServerConfig::new(public);
        generous(&mut config);
        configure(&mut config);
        let master = MasterKey::from_base64url(&master_text).expect("master key");
        let (app, first): (App, _) = App::open(store.clone(), master, config)
            .await
            .unwrap_or_else(|p| panic!("App::open: {p:?}"));
        if let Some(token) = first.admin_api_key {
            admin = Some(token.to_string());
        }
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listen = Listen {
            address,
            tls: None,
            insecure_http: false,
            drain: Duration::from_secs(2),
        };
        let (shutdown, stop) = oneshot::channel::<()>();
        let (listening_tx, listening) = oneshot::channel::<SocketAddr>();
        let serving = app.clone();
        let task = tokio::spawn(kith_server::serve(
            serving,
            listen,
            async move {
                let _ = stop.await;
            },
            move |bound| {
                let _ = listening_tx.send(bound);
            },
        ));
        match listening.await {
            Ok(bound) => {
                assert_eq!(bound.port(), port);
                let client = reqwest::Client::builder()
                    .no_proxy()
                    .resolve("localhost", bound)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("HTTP client");
                let ctx = Ctx {
                    base: format!("http://localhost:{port}"),
                    port,
                    admin: admin.clone().expect("the first start creates an admin key"),
                    store: store.clone(),
                    client,
                    app,
                };
                return Running {
                    ctx,
                    shutdown,
                    task,
                };
            }
            Err(_) => {
                // The server stopped before listening: most likely the port was taken.
                last_error = match task.await {
                    Ok(Err(e)) => e.to_string(),
                    other => format!("{other:?}"),
                };
            }
        }
    }
    panic!("the server did not start: {last_error}");
}

/// Runs `body` against a server on a fresh store of `backend`, cleaning up afterwards.
pub(crate) async fn with_server<F, Fut>(backend: Backend, configure: Configure, body: F)
where
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    async fn run<F, Fut>(store: Store, configure: Configure, body: F) -> std::thread::Result<()>
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let running = start(store.clone(), configure).await;
        let result = tokio::spawn(body(running.ctx.clone())).await;
        drop(running.ctx);
        let _ = running.shutdown.send(());
        match tokio::time::timeout(Duration::from_secs(10), running.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => panic!("the server failed: {e}"),
            Ok(Err(e)) => panic!("the server task failed: {e}"),
            Err(_) => panic!("the server did not shut down within 10 s"),
        }
        store.close().await;
        result.map_err(|e| e.into_panic())
    }

    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = Store::open_data_dir(dir.path())
                .await
                .expect("open SQLite store");
            let result = run(store, configure, body).await;
            drop(dir);
            if let Err(panic) = result {
                resume_unwind(panic);
            }
        }
        Backend::Postgres => {
            if skip_postgres() {
                eprintln!("KITH_SKIP_POSTGRES=1: PostgreSQL test skipped");
                return;
            }
            let base = postgres_base_url();
            let schema = format!("kith_srv_{}", random_hex(8));
            let mut admin = sqlx::PgConnection::connect(&base).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL at {base} is unreachable ({e}); start it or set KITH_SKIP_POSTGRES=1"
                )
            });
            admin
                .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .await
                .expect("create schema");
            let url = format!("{base}?options[search_path]={schema}");
            let result = match Store::open(&url).await {
                Ok(store) => {
                    // A panic inside (server start included) must still drop the schema.
                    tokio::spawn(run(store, configure, body))
                        .await
                        .map_err(|e| e.into_panic())
                        .and_then(|r| r)
                }
                Err(e) => Err(Box::new(format!("open PostgreSQL store: {e}"))
                    as Box<dyn std::any::Any + Send>),
            };
            admin
                .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await
                .expect("drop schema");
            admin.close().await.ok();
            if let Err(panic) = result {
                resume_unwind(panic);
            }
        }
    }
}

/// Declares `sqlite` and `postgres` tests running the same body against a real server.
/// `config = f` adjusts the [`ServerConfig`] (a `fn(&mut ServerConfig)`).
macro_rules! both {
    ($name:ident, |$ctx:ident| $body:block) => {
        $crate::common::both!($name, config = $crate::common::default_config, |$ctx| $body);
    };
    ($name:ident, config = $config:expr, |$ctx:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::with_server(
                    kith_store::Backend::Sqlite,
                    $config,
                    |$ctx| async move $body,
                )
                .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::with_server(
                    kith_store::Backend::Postgres,
                    $config,
                    |$ctx| async move $body,
                )
                .await;
            }
        }
    };
}
pub(crate) use both;
