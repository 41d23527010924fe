//! A local EVM chain for the did:ethr tests: anvil (npm `@foundry-rs/anvil`) on a free
//! port with Kith's ERC-1056 registry (contracts/EthereumDIDRegistry.sol, compiled by
//! npm `solc` into a temp dir, never committed), plus small local HTTP servers: a
//! counting proxy (round trips), one that hangs and one that answers junk.
//!
//! The tools come from `npm ci --prefix scripts/chain` (scripts/test runs it), or
//! from `KITH_ANVIL` / `KITH_SOLC`. Without them the tests fail with that hint.
#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use kith_crypto::{KeyType, PrivateKey};
use kith_did::method::ethr::{Address, EthrNetwork, EthrWriter, WriteOptions, address_of};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// anvil's chain id.
pub const CHAIN_ID: u64 = 31337;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("contracts/EthereumDIDRegistry.sol").exists())
        .expect("the repository root (with contracts/) above the crate")
        .to_path_buf()
}

fn missing(what: &str) -> ! {
    panic!(
        "{what} not found: the did:ethr tests need the npm chain tools. Run scripts/test \
         (or `npm ci --prefix scripts/chain`), or set KITH_ANVIL / KITH_SOLC"
    )
}

/// The anvil binary: `KITH_ANVIL`, or the platform package under scripts/chain.
pub fn anvil_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KITH_ANVIL").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            p
        } else {
            missing("anvil (KITH_ANVIL)")
        };
    }
    let dir = repo_root().join("scripts/chain/node_modules/@foundry-rs");
    std::fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/anvil"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| missing("anvil"))
}

/// solcjs: `KITH_SOLC`, or scripts/chain/node_modules/solc/solc.js.
pub fn solc_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KITH_SOLC").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            p
        } else {
            missing("solc (KITH_SOLC)")
        };
    }
    let p = repo_root().join("scripts/chain/node_modules/solc/solc.js");
    if p.is_file() {
        p
    } else {
        missing("solc (npm)")
    }
}

/// The registry's creation bytecode, compiled once per test binary.
pub fn registry_bytecode() -> Vec<u8> {
    static CODE: OnceLock<Vec<u8>> = OnceLock::new();
    CODE.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("kith-registry-{}", std::process::id()));
        let root = repo_root();
        let status = Command::new(root.join("scripts/chain/build-registry"))
            .arg(&out)
            .env("KITH_SOLC", solc_path())
            .stdout(Stdio::null())
            .status()
            .expect("run scripts/chain/build-registry");
        assert!(status.success(), "compiling the registry failed");
        let text = std::fs::read_to_string(out.join("EthereumDIDRegistry.bin"))
            .expect("the compiled registry");
        hex::decode(text.trim()).expect("hex bytecode")
    })
    .clone()
}

fn genesis_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .saturating_sub(86_400)
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A JSON-RPC call straight to a node (test-only helper, no limits).
pub async fn raw_rpc(port: u16, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let response = http_post(port, &body).await;
    let value: Value = serde_json::from_str(&response).expect("node answered JSON");
    if let Some(e) = value.get("error") {
        panic!("{method}: {e}");
    }
    value["result"].clone()
}

async fn http_post(port: u16, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

/// A running anvil with the registry deployed.
pub struct Chain {
    child: Child,
    /// anvil's port.
    pub port: u16,
    /// The registry's address.
    pub registry: Address,
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chain {
    /// Starts anvil and deploys the registry.
    pub async fn start() -> Chain {
        let bytecode = registry_bytecode();
        let anvil = anvil_path();
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new(&anvil)
                .args([
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    "--chain-id",
                    &CHAIN_ID.to_string(),
                    "--accounts",
                    "1",
                    // A day in the past: tests move the chain clock forward (expiry,
                    // rotation) and proofs dated on it must not be in the verifier's
                    // future.
                    "--timestamp",
                    &genesis_time().to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", anvil.display()));
            let mut chain = Chain {
                child,
                port,
                registry: Address::ZERO,
            };
            let mut up = false;
            for _ in 0..300 {
                if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                    up = true;
                    break;
                }
                if let Ok(Some(status)) = chain.child.try_wait() {
                    last_error = format!("anvil exited with {status}");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if !up {
                continue;
            }
            let deployer = chain.funded_key().await;
            let receipt = chain
                .writer(&deployer)
                .send(None, &bytecode)
                .await
                .expect("deploying the registry");
            chain.registry = receipt.contract_address.expect("a contract address");
            return chain;
        }
        panic!("anvil did not start: {last_error}");
    }

    /// The RPC URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The network config for this chain under `name`, through `port` (anvil's, or a proxy's).
    pub fn network_via(&self, name: &str, port: u16) -> EthrNetwork {
        let mut n = EthrNetwork::new(
            name,
            &format!("http://127.0.0.1:{port}"),
            CHAIN_ID,
            &self.registry.to_lower_hex(),
        )
        .unwrap();
        n.timeout = Duration::from_secs(10);
        n
    }

    /// The network config, direct to anvil.
    pub fn network(&self, name: &str) -> EthrNetwork {
        self.network_via(name, self.port)
    }

    /// A writer for `key` on this chain (fast receipt polling).
    pub fn writer(&self, key: &PrivateKey) -> EthrWriter {
        EthrWriter::new(&self.network("dev"), key)
            .unwrap()
            .with_options(WriteOptions {
                poll_interval: Duration::from_millis(20),
                receipt_timeout: Duration::from_secs(30),
                ..WriteOptions::default()
            })
    }

    /// A fresh secp256k1 key with 100 ether.
    pub async fn funded_key(&self) -> PrivateKey {
        let key = PrivateKey::generate(KeyType::Secp256k1).unwrap();
        self.fund(&address_of(&key).unwrap()).await;
        key
    }

    /// Gives `address` 100 ether.
    pub async fn fund(&self, address: &Address) {
        self.rpc(
            "anvil_setBalance",
            json!([address.to_lower_hex(), "0x56bc75e2d63100000"]),
        )
        .await;
    }

    /// A raw JSON-RPC call to anvil.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        raw_rpc(self.port, method, params).await
    }

    /// The head block number.
    pub async fn block_number(&self) -> u64 {
        let v = self.rpc("eth_blockNumber", json!([])).await;
        u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }

    /// The timestamp of block `n`.
    pub async fn block_time(&self, n: u64) -> u64 {
        let v = self
            .rpc("eth_getBlockByNumber", json!([format!("0x{n:x}"), false]))
            .await;
        u64::from_str_radix(
            v["timestamp"].as_str().unwrap().trim_start_matches("0x"),
            16,
        )
        .unwrap()
    }

    /// Mines `n` empty blocks.
    pub async fn mine(&self, n: u64) {
        self.rpc("anvil_mine", json!([format!("0x{n:x}")])).await;
    }

    /// Moves the clock `seconds` forward and mines a block at the new time.
    pub async fn advance_time(&self, seconds: u64) {
        self.rpc("evm_increaseTime", json!([seconds])).await;
        self.rpc("evm_mine", json!([])).await;
    }
}

/// A local HTTP proxy in front of `upstream` that counts requests (HTTP round trips)
/// and keeps their bodies.
pub struct CountingProxy {
    /// The proxy's port.
    pub port: u16,
    count: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl CountingProxy {
    /// Starts the proxy.
    pub async fn start(upstream: u16) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (c, b) = (count.clone(), bodies.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (c, b) = (c.clone(), b.clone());
                tokio::spawn(async move {
                    serve(stream, move |body| {
                        let (c, b) = (c.clone(), b.clone());
                        async move {
                            c.fetch_add(1, Ordering::SeqCst);
                            b.lock()
                                .unwrap()
                                .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                            Reply::Body(http_post(upstream, &body).await)
                        }
                    })
                    .await;
                });
            }
        });
        CountingProxy {
            port,
            count,
            bodies,
        }
    }

    /// Requests so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Forgets the requests so far.
    pub fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
        self.bodies.lock().unwrap().clear();
    }

    /// The request bodies so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// How a fake server answers one request.
pub enum Reply {
    /// A 200 with this body.
    Body(String),
    /// Never answer.
    Hang,
}

/// Serves HTTP/1.1 requests on one connection (keep-alive) with `answer`.
pub async fn serve<F, Fut>(mut stream: TcpStream, answer: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let mut buffer = Vec::new();
    loop {
        // Read one request: the head, then Content-Length bytes.
        let head_end = loop {
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buffer[head_end..head_end + len]).into_owned();
        buffer.drain(..head_end + len);
        match answer(body).await {
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Reply::Body(text) => {
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                    text.len()
                );
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A fake JSON-RPC server: `answer(method, params)` gives each call's result (or
/// `Err(reply)` to answer the whole HTTP request with that reply instead).
pub async fn fake_rpc<F>(answer: F) -> u16
where
    F: Fn(&str, &Value) -> Result<Value, Reply> + Send + Sync + 'static,
{
    let answer = Arc::new(answer);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                serve(stream, move |body| {
                    let answer = answer.clone();
                    async move {
                        let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                        let one = |call: &Value| -> Result<Value, Reply> {
                            let result =
                                answer(call["method"].as_str().unwrap_or(""), &call["params"])?;
                            Ok(json!({"jsonrpc": "2.0", "id": call["id"], "result": result}))
                        };
                        let reply = match &request {
                            Value::Array(calls) => calls
                                .iter()
                                .map(one)
                                .collect::<Result<Vec<_>, _>>()
                                .map(Value::Array),
                            call => one(call),
                        };
                        match reply {
                            Ok(v) => Reply::Body(v.to_string()),
                            Err(r) => r,
                        }
                    }
                })
                .await;
            });
        }
    });
    port
}
