//! Helpers for the `kith serve` end-to-end tests: spawned servers that are always
//! killed, free ports, an HTTP client, a cuttable TCP proxy and throwaway PostgreSQL
//! schemas.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sqlx::{Connection as _, Executor as _};
use tokio::task::JoinHandle;

/// The binary under test.
pub(crate) fn kith_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kith")
}

/// A `kith` command that inherits no `KITH_*` setting from the test's environment.
pub(crate) fn kith() -> Command {
    let mut cmd = Command::new(kith_bin());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KITH_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// What a finished `kith` command printed.
#[derive(Debug)]
pub(crate) struct Ran {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    /// The first line of stdout.
    pub(crate) fn first_line(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }

    /// Panics with everything printed unless the command exited with `code`.
    pub(crate) fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, Some(code), "unexpected exit: {self:#?}");
        self
    }
}

/// Runs `kith ARGS` with `envs` to completion (off the async runtime's workers).
pub(crate) async fn run(args: &[&str], envs: &[(&str, &str)]) -> Ran {
    let mut cmd = kith();
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let shown = format!("kith {}", args.join(" "));
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A port that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// 32 random bytes as unpadded base64url: a `KITH_MASTER_KEY`.
pub(crate) fn random_master_key() -> String {
    base64url(&random_bytes::<32>())
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    use std::io::Read as _;
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes
}

pub(crate) fn random_hex() -> String {
    random_bytes::<8>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `text` is an API key: `^kith_[0-9a-f]{32}_[0-9a-f]{64}$`.
pub(crate) fn is_api_key(text: &str) -> bool {
    text.strip_prefix("kith_")
        .and_then(|rest| rest.split_once('_'))
        .is_some_and(|(id, secret)| is_lower_hex(id, 32) && is_lower_hex(secret, 64))
}

/// The id part of an API key.
pub(crate) fn api_key_id(key: &str) -> &str {
    &key[5..37]
}

/// The secret part of an API key.
pub(crate) fn api_key_secret(key: &str) -> &str {
    &key[38..]
}

/// A spawned `kith serve`, killed when dropped. Its stdout and stderr go to files.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    tls: bool,
    logs: tempfile::TempDir,
    status: Option<ExitStatus>,
}

impl Server {
    /// Spawns `kith serve ARGS` with `envs`; `port` is where it should listen.
    pub(crate) fn spawn(args: &[&str], envs: &[(&str, &str)], port: u16) -> Self {
        let logs = tempfile::tempdir().expect("log dir");
        let stdout = std::fs::File::create(logs.path().join("stdout")).expect("stdout file");
        let stderr = std::fs::File::create(logs.path().join("stderr")).expect("stderr file");
        let mut cmd = kith();
        cmd.arg("serve")
            .args(args)
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn kith serve");
        let tls = args.contains(&"--tls-cert");
        Self {
            child,
            port,
            tls,
            logs,
            status: None,
        }
    }

    /// The base URL requests go to.
    pub(crate) fn base(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.port)
        } else {
            format!("http://127.0.0.1:{}", self.port)
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn stdout(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stdout")).unwrap_or_default()
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stderr")).unwrap_or_default()
    }

    /// The exit status, if it has exited.
    pub(crate) fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("try_wait");
        }
        self.status
    }

    /// Polls `/healthz` until it answers 200; panics (with stderr) if the process
    /// exits first or `timeout` passes.
    pub(crate) async fn ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("{}/healthz", self.base());
        loop {
            if let Some(status) = self.try_status() {
                panic!(
                    "kith serve exited ({status}) before it was ready\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            let answer = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(response) = answer
                && response.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "kith serve did not answer {url} within 30 s\nstderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the process to exit; panics after `timeout`.
    pub(crate) async fn exit_within(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_status() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "kith serve still runs after {timeout:?}\nstderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, and reap.
    pub(crate) fn kill9(&mut self) {
        if self.try_status().is_none() {
            self.child.kill().expect("SIGKILL");
            self.status = Some(self.child.wait().expect("wait"));
        }
    }

    /// SIGTERM, then the exit status (panics if it takes longer than `timeout`).
    pub(crate) async fn sigterm(&mut self, timeout: Duration) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        self.exit_within(timeout).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A plain HTTP client (no proxies from the environment).
pub(crate) fn client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(40))
        .build()
        .expect("HTTP client")
}

/// An HTTPS client that trusts only `cert_pem` and reaches `localhost` at 127.0.0.1.
pub(crate) fn tls_client(cert_pem: &str, port: u16) -> reqwest::Client {
    install_crypto_provider();
    let cert = reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("certificate");
    reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([cert])
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .timeout(Duration::from_secs(40))
        .build()
        .expect("HTTPS client")
}

/// An HTTP response, read to the end.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Result<Self, reqwest::Error> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Self {
            status,
            headers,
            body,
        })
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem code (`code` member of a problem+json body).
    pub(crate) fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Panics with the body unless the status is `status`.
    pub(crate) fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected response: {}", self.text());
        self
    }
}

/// The VC API of one server, called with one API key.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) key: String,
}

impl Api {
    pub(crate) fn new(client: &reqwest::Client, base: &str, key: &str) -> Self {
        Self {
            client: client.clone(),
            base: base.to_owned(),
            key: key.to_owned(),
        }
    }

    pub(crate) fn with_key(&self, key: &str) -> Self {
        Self::new(&self.client, &self.base, key)
    }

    /// POSTs raw JSON bytes; transport errors are returned.
    pub(crate) async fn try_post(
        &self,
        path: &str,
        body: Vec<u8>,
        idempotency_key: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        Reply::read(request.send().await?).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.try_post(path, serde_json::to_vec(body).expect("JSON"), None)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Reply::read(response)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Issues `credential` (Data Integrity, default options).
    pub(crate) async fn issue(&self, credential: Value) -> Reply {
        self.post(
            "/credentials/issue",
            &json!({"credential": credential, "options": {}}),
        )
        .await
    }

    /// Issues and returns the verifiable credential (expects 201).
    pub(crate) async fn issue_ok(&self, name: &str) -> Value {
        let reply = self.issue(credential(name)).await.expect(201);
        reply.json()["verifiableCredential"].clone()
    }

    pub(crate) async fn verify(&self, vc: &Value) -> Reply {
        self.post(
            "/credentials/verify",
            &json!({"verifiableCredential": vc, "options": {}}),
        )
        .await
    }

    pub(crate) async fn revoke(&self, vc: &Value) -> Reply {
        let id = vc["id"].as_str().expect("credential id");
        self.post(
            "/credentials/status",
            &json!({
                "credentialId": id,
                "credentialStatus": [{
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "status": true,
                }],
            }),
        )
        .await
    }
}

/// An unsecured VCDM 2.0 credential about a holder named `name`.
pub(crate) fn credential(name: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:holder", "name": name},
    })
}

/// The (statusListCredential, statusListIndex) pairs of a credential.
pub(crate) fn status_slots(vc: &Value) -> Vec<(String, String)> {
    vc["credentialStatus"]
        .as_array()
        .expect("credentialStatus array")
        .iter()
        .map(|entry| {
            (
                entry["statusListCredential"]
                    .as_str()
                    .expect("statusListCredential")
                    .to_owned(),
                entry["statusListIndex"]
                    .as_str()
                    .expect("statusListIndex")
                    .to_owned(),
            )
        })
        .collect()
}

/// The names of a report's failed checks with their codes.
pub(crate) fn failed_checks(report: &Value) -> BTreeSet<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| {
            format!(
                "{}:{}",
                c["check"].as_str().unwrap_or(""),
                c["code"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Storage flags and environment for one store.
#[derive(Clone)]
pub(crate) struct Storage {
    pub(crate) flags: Vec<String>,
    pub(crate) envs: Vec<(String, String)>,
}

impl Storage {
    pub(crate) fn data_dir(dir: &Path) -> Self {
        Self {
            flags: vec!["--data-dir".into(), dir.display().to_string()],
            envs: Vec::new(),
        }
    }

    pub(crate) fn postgres(url: &str, master_key: &str) -> Self {
        Self {
            flags: vec!["--database-url".into(), url.to_owned()],
            envs: vec![("KITH_MASTER_KEY".into(), master_key.to_owned())],
        }
    }

    pub(crate) fn envs(&self) -> Vec<(&str, &str)> {
        self.envs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// `kith serve` on this store at 127.0.0.1:`port`, plus `extra` flags.
    pub(crate) fn serve(&self, port: u16, extra: &[&str]) -> Server {
        let bind = format!("127.0.0.1:{port}");
        let mut args: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        args.extend(["--bind", bind.as_str()]);
        args.extend(extra);
        Server::spawn(&args, &self.envs(), port)
    }

    /// `kith admin ARGS <storage flags>`.
    pub(crate) async fn admin(&self, args: &[&str]) -> Ran {
        let mut all: Vec<&str> = vec!["admin"];
        all.extend(args);
        all.extend(self.flags.iter().map(String::as_str));
        run(&all, &self.envs()).await
    }

    /// Creates an API key with `scopes` and returns it.
    pub(crate) async fn create_api_key(&self, scopes: &str, name: &str) -> String {
        let ran = self
            .admin(&["api-key", "create", "--scope", scopes, "--name", name])
            .await
            .expect_code(0);
        let key = ran.first_line().to_owned();
        assert!(is_api_key(&key), "not an API key: {ran:#?}");
        key
    }
}

/// The PostgreSQL server the tests use.
pub(crate) fn postgres_base_url() -> String {
    std::env::var("KITH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh PostgreSQL schema, dropped (with everything in it) when this is dropped.
pub(crate) struct PgSchema {
    pub(crate) name: String,
}

impl PgSchema {
    pub(crate) async fn create() -> Self {
        let name = format!("kith_serve_{}", random_hex());
        let base = postgres_base_url();
        let mut conn = sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is unreachable: {e}"));
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .await
            .expect("create schema");
        conn.close().await.ok();
        Self { name }
    }

    /// The URL of this schema on the test server.
    pub(crate) fn url(&self) -> String {
        format!("{}?options[search_path]={}", postgres_base_url(), self.name)
    }

    /// The URL of this schema reached through 127.0.0.1:`port`.
    pub(crate) fn url_via(&self, port: u16) -> String {
        let mut url = url::Url::parse(&postgres_base_url()).expect("PostgreSQL URL");
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(port)).expect("port");
        format!("{url}?options[search_path]={}", self.name)
    }

    /// The server's address (host:port of the base URL).
    pub(crate) fn server_address() -> SocketAddr {
        let url = url::Url::parse(&postgres_base_url()).expect("PostgreSQL URL");
        let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
        let port = url.port().unwrap_or(5432);
        std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
            .expect("resolve PostgreSQL host")
            .next()
            .expect("an address")
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A thread of its own: Drop may run inside (or outside) the test's runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let mut conn = sqlx::PgConnection::connect(&postgres_base_url()).await?;
                // Never wait forever on a lock a still-running server holds.
                conn.execute("SET lock_timeout = '10s'").await?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop schema {}", self.name);
        }
    }
}

/// A TCP proxy on 127.0.0.1 in front of PostgreSQL that can be cut (listener closed
/// and every open connection dropped) and resumed on the same port.
pub(crate) struct Proxy {
    pub(crate) port: u16,
    target: SocketAddr,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    pub(crate) async fn start(target: SocketAddr) -> Self {
        let mut proxy = Self {
            port: free_port(),
            target,
            accept: None,
            connections: Arc::new(Mutex::new(Vec::new())),
        };
        proxy.resume().await;
        proxy
    }

    /// Listens (again) and forwards every connection.
    pub(crate) async fn resume(&mut self) {
        assert!(self.accept.is_none(), "the proxy already runs");
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("proxy: rebinding {}: {e}", self.port);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("proxy cannot listen on {} again: {e}", self.port),
            }
        };
        let target = self.target;
        let connections = Arc::clone(&self.connections);
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let forward = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                let mut open = connections.lock().expect("lock");
                open.retain(|c| !c.is_finished());
                open.push(forward);
            }
        }));
    }

    /// Stops listening and drops every forwarded connection.
    pub(crate) async fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
        let open: Vec<_> = std::mem::take(&mut *self.connections.lock().expect("lock"));
        for connection in &open {
            connection.abort();
        }
        for connection in open {
            let _ = connection.await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for connection in self.connections.lock().expect("lock").drain(..) {
            connection.abort();
        }
    }
}

/// Whether PostgreSQL tests are switched off (`KITH_SKIP_POSTGRES=1`).
pub(crate) fn skip_postgres() -> bool {
    let skip = std::env::var("KITH_SKIP_POSTGRES").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("KITH_SKIP_POSTGRES=1: PostgreSQL test skipped");
    }
    skip
}
