//! `kith serve` end to end: the real binary run as a service, on real sockets and
//! real databases (SQLite in a temporary data directory, PostgreSQL in a throwaway
//! schema), stopped with SIGTERM or SIGKILL, administered with `kith admin`.

#[path = "serve/support.rs"]
mod support;

use std::collections::{BTreeSet, HashSet};
use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::{Connection as _, Executor as _};
use support::{
    Api, PgSchema, Proxy, Reply, Server, Storage, api_key_id, api_key_secret, client, credential,
    failed_checks, free_port, is_api_key, kith, random_hex, random_master_key, skip_postgres,
    status_slots, tls_client,
};

const SCOPES: &str = "issue,verify,status";
const STOP: Duration = Duration::from_secs(10);

fn scopes_of(entry: &Value) -> BTreeSet<String> {
    entry["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .map(|s| s.as_str().expect("scope").to_owned())
        .collect()
}

fn strings(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The quick start: first start prints the admin key, a second start does not; an
/// API key from `kith admin api-key create` issues, verifies and revokes; list,
/// revoke and rotate act on a running server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_start_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Storage::data_dir(&dir.path().join("data"));
    let port = free_port();

    let client = client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    let stdout = server.stdout();
    let admin_key = stdout.lines().next().unwrap_or_default().to_owned();
    assert!(
        is_api_key(&admin_key),
        "the first stdout line is not an API key: {stdout:?}"
    );
    assert_eq!(stdout.lines().count(), 1, "stdout holds only the key");
    // The printed key is the admin key.
    Api::new(&client, &server.base(), &admin_key)
        .get("/admin/api-keys")
        .await
        .expect(200);
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));

    let client = support::client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    assert_eq!(server.stdout(), "", "a second start must print no key");

    let key = storage.create_api_key(SCOPES, "ci").await;
    let api = Api::new(&client, &server.base(), &key);
    let vc = api.issue_ok("Alice").await;
    let report = api.verify(&vc).await.expect(200).json();
    assert_eq!(report["verified"], true);
    let updated = api.revoke(&vc).await.expect(200).json();
    assert_eq!(updated["credentialId"], vc["id"]);
    assert_eq!(
        updated["credentialStatus"][0]["statusPurpose"],
        "revocation"
    );
    let report = api.verify(&vc).await.expect(400).json();
    assert_eq!(report["verified"], false);
    assert_eq!(failed_checks(&report), strings(&["status:revoked"]));

    // The list names the keys, never their secrets.
    let listed = storage
        .admin(&["api-key", "list", "--json"])
        .await
        .expect_code(0);
    for secret in [api_key_secret(&key), api_key_secret(&admin_key)] {
        assert!(!listed.stdout.contains(secret), "a secret is listed");
    }
    let list: Value = serde_json::from_str(&listed.stdout).expect("list is JSON");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2, "{list:#?}");
    let ci = list
        .iter()
        .find(|k| k["id"] == api_key_id(&key))
        .expect("the ci key is listed");
    assert_eq!(ci["name"], "ci");
    assert_eq!(scopes_of(ci), strings(&["issue", "status", "verify"]));
    assert_eq!(ci["revoked"], Value::Null);
    let admin = list
        .iter()
        .find(|k| k["id"] == api_key_id(&admin_key))
        .expect("the admin key is listed");
    assert_eq!(scopes_of(admin), strings(&["admin"]));

    // Revocation reaches the running server within the auth cache TTL (5 s).
    let doomed = storage.create_api_key(SCOPES, "doomed").await;
    let doomed_api = api.with_key(&doomed);
    let fresh = api.issue_ok("Dora").await;
    doomed_api.verify(&fresh).await.expect(200);
    let ran = storage
        .admin(&["api-key", "revoke", api_key_id(&doomed)])
        .await
        .expect_code(0);
    assert!(ran.stderr.contains("revoked"), "{ran:#?}");
    let revoked_at = Instant::now();
    loop {
        let reply = doomed_api.verify(&fresh).await;
        if reply.status == 401 {
            assert_eq!(reply.code(), "api_key_revoked");
            break;
        }
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(
            revoked_at.elapsed() < Duration::from_secs(6),
            "the server still accepts a key revoked {:?} ago",
            revoked_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("revoked key refused after {:?}", revoked_at.elapsed());

    // Rotation: a new key; the old one keeps working for the overlap.
    let rotated = storage
        .admin(&["api-key", "rotate", api_key_id(&key), "--overlap", "1h"])
        .await
        .expect_code(0);
    let new_key = rotated.first_line().to_owned();
    assert!(is_api_key(&new_key), "{rotated:#?}");
    assert_ne!(new_key, key);
    api.issue_ok("old key").await;
    api.with_key(&new_key).issue_ok("new key").await;
    let listed = storage
        .admin(&["api-key", "list", "--json"])
        .await
        .expect_code(0);
    let list: Value = serde_json::from_str(&listed.stdout).expect("list is JSON");
    let find = |id: &str| {
        list.as_array()
            .expect("array")
            .iter()
            .find(|k| k["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not listed"))
    };
    assert!(find(api_key_id(&key))["expires"].is_string());
    assert_eq!(find(api_key_id(&new_key))["revoked"], Value::Null);
    assert!(find(api_key_id(&doomed))["revoked"].is_string());
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
}

/// The master key file is created 0600 and refused when others can read it; another
/// master key than the store's is refused by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_key_file_permissions_and_wrong_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let storage = Storage::data_dir(&data);
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let data_text = data.display().to_string();
    let client = client();

    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
    let key_file = data.join("master.key");
    let mode = std::fs::metadata(&key_file)
        .expect("master.key exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "master.key mode {mode:o}");

    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut server = storage.serve(port, &[]);
    assert_eq!(server.exit_within(STOP).await.code(), Some(2));
    let stderr = server.stderr();
    assert!(
        stderr.contains("master.key") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
    let mut server = Server::spawn(
        &["--json", "--data-dir", &data_text, "--bind", &bind],
        &[],
        port,
    );
    assert_eq!(server.exit_within(STOP).await.code(), Some(2));
    let error: Value = serde_json::from_str(&server.stdout()).expect("a JSON error");
    assert_eq!(error["error"]["code"], "key_file_permissions", "{error}");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");

    let other = random_master_key();
    let env = [("KITH_MASTER_KEY", other.as_str())];
    let mut server = Server::spawn(&["--data-dir", &data_text, "--bind", &bind], &env, port);
    assert_eq!(server.exit_within(STOP).await.code(), Some(2));
    let stderr = server.stderr();
    assert!(stderr.contains("master key does not"), "{stderr}");
    let mut server = Server::spawn(
        &["--json", "--data-dir", &data_text, "--bind", &bind],
        &env,
        port,
    );
    assert_eq!(server.exit_within(STOP).await.code(), Some(2));
    let error: Value = serde_json::from_str(&server.stdout()).expect("a JSON error");
    assert_eq!(error["error"]["code"], "wrong_master_key", "{error}");

    // The right key still opens the store.
    let mut server = storage.serve(port, &[]);
    server.ready(&support::client()).await;
    assert_eq!(server.stdout(), "");
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
}

/// The quick start on PostgreSQL with KITH_MASTER_KEY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_issue_verify_revoke() {
    if skip_postgres() {
        return;
    }
    let schema = PgSchema::create().await;
    let storage = Storage::postgres(&schema.url(), &random_master_key());
    let port = free_port();
    let client = client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    let first = server.stdout();
    assert!(
        is_api_key(first.lines().next().unwrap_or_default()),
        "{first:?}"
    );
    let key = storage.create_api_key(SCOPES, "ci").await;
    let api = Api::new(&client, &server.base(), &key);
    let vc = api.issue_ok("Alice").await;
    assert_eq!(api.verify(&vc).await.expect(200).json()["verified"], true);
    api.revoke(&vc).await.expect(200);
    let report = api.verify(&vc).await.expect(400).json();
    assert_eq!(failed_checks(&report), strings(&["status:revoked"]));
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
}

/// An unreachable database at start: a prompt exit naming the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_database_at_start_exits() {
    let port = free_port();
    let master = random_master_key();
    let started = Instant::now();
    let mut server = Server::spawn(
        &[
            "--database-url",
            "postgres://postgres@127.0.0.1:1/test",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ],
        &[("KITH_MASTER_KEY", master.as_str())],
        port,
    );
    let status = server.exit_within(Duration::from_secs(10)).await;
    eprintln!("exited after {:?}", started.elapsed());
    assert_eq!(status.code(), Some(2));
    let stderr = server.stderr();
    assert!(
        stderr.contains("cannot open the database at postgres://postgres@127.0.0.1:1/test"),
        "{stderr}"
    );
    assert!(stderr.contains("unavailable"), "{stderr}");
    assert_eq!(server.stdout(), "");
}

/// The database goes away under a running server (a proxy in between is cut): 503
/// `database_unavailable` with Retry-After, /readyz 503; it comes back: issuance
/// resumes within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_answers_503_then_recovers() {
    if skip_postgres() {
        return;
    }
    let schema = PgSchema::create().await;
    let mut proxy = Proxy::start(PgSchema::server_address()).await;
    let storage = Storage::postgres(&schema.url_via(proxy.port), &random_master_key());
    let port = free_port();
    let client = client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    let key = storage.create_api_key(SCOPES, "ci").await;
    let api = Api::new(&client, &server.base(), &key);
    api.issue_ok("before").await;
    api.get("/readyz").await.expect(200);

    proxy.cut().await;
    let expect_unavailable = |reply: &Reply, what: &str| {
        assert_eq!(reply.status, 503, "{what}: {}", reply.text());
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert_eq!(reply.code(), "database_unavailable", "{what}");
        let retry_after: u64 = reply
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{what}: no Retry-After"));
        assert!(retry_after >= 1, "{what}");
    };
    // First with the key still in the auth cache, then after the cache expired.
    for round in ["cached key", "uncached key"] {
        let started = Instant::now();
        let reply = api.issue(credential("during")).await;
        let took = started.elapsed();
        eprintln!(
            "issue during the outage ({round}): {} after {took:?}",
            reply.status
        );
        expect_unavailable(&reply, round);
        // One acquire timeout (5 s), not two, and never the 30 s request timeout.
        assert!(took < Duration::from_secs(8), "{round}: took {took:?}");
        if round == "cached key" {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
    let started = Instant::now();
    let reply = api.get("/readyz").await;
    eprintln!("/readyz during the outage after {:?}", started.elapsed());
    expect_unavailable(&reply, "/readyz");
    api.get("/healthz").await.expect(200);

    proxy.resume().await;
    let resumed = Instant::now();
    loop {
        let reply = api.issue(credential("after")).await;
        if reply.status == 201 {
            break;
        }
        expect_unavailable(&reply, "after the restore");
        assert!(
            resumed.elapsed() < Duration::from_secs(10),
            "issuance did not resume within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("issuance resumed {:?} after the restore", resumed.elapsed());
    api.get("/readyz").await.expect(200);
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
}

/// SIGKILL in the middle of a burst of idempotent issuance; after a restart every
/// request is retried until it succeeds.
async fn kill9_during_idempotent_burst(storage: Storage) {
    // A short lease: keys held by requests the kill interrupted free up in 3 s.
    const LEASE: &[&str] = &["--idempotency-lease", "3s"];
    const N: usize = 200;
    const CONCURRENCY: usize = 16;
    let test_started = Instant::now();
    let port = free_port();
    let client = client();
    let mut server = storage.serve(port, LEASE);
    server.ready(&client).await;
    let key = storage.create_api_key(SCOPES, "burst").await;
    let api = Api::new(&client, &server.base(), &key);
    let run = random_hex();
    let requests: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        (0..N)
            .map(|i| {
                let body = json!({"credential": credential(&format!("holder {i}")), "options": {}});
                (
                    format!("burst-{run}-{i:03}"),
                    serde_json::to_vec(&body).expect("JSON"),
                )
            })
            .collect(),
    );

    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let completed = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (api, limit, completed, requests) = (
                api.clone(),
                Arc::clone(&limit),
                Arc::clone(&completed),
                Arc::clone(&requests),
            );
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await.expect("semaphore");
                let (key, body) = &requests[i];
                let reply = api
                    .try_post("/credentials/issue", body.clone(), Some(key))
                    .await
                    .ok();
                if reply.as_ref().is_some_and(|r| r.status == 201) {
                    completed.fetch_add(1, Ordering::SeqCst);
                }
                reply
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while completed.load(Ordering::SeqCst) < N / 2 {
        assert!(Instant::now() < deadline, "the burst is too slow");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill9();
    let killed = Instant::now();
    let mut before: Vec<Option<Reply>> = Vec::new();
    for task in tasks {
        before.push(task.await.expect("request task"));
    }
    for reply in before.iter().flatten() {
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let answered = before.iter().flatten().count();
    eprintln!("{answered} of {N} requests answered before SIGKILL");
    assert!((N / 2..N).contains(&answered), "{answered} answered");

    let client = support::client();
    let mut server = storage.serve(port, LEASE);
    server.ready(&client).await;
    assert_eq!(server.stdout(), "", "a restart prints no admin key");
    let restarted = killed.elapsed();
    let api = Api::new(&client, &server.base(), &key);
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (api, limit, requests) = (api.clone(), Arc::clone(&limit), Arc::clone(&requests));
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await.expect("semaphore");
                let (key, body) = &requests[i];
                let mut conflicts = 0u32;
                loop {
                    let reply = api
                        .try_post("/credentials/issue", body.clone(), Some(key))
                        .await
                        .unwrap_or_else(|e| panic!("{key}: {e}"));
                    match reply.status {
                        201 => return (reply, conflicts),
                        409 if reply.code() == "idempotency_key_in_progress" => {
                            conflicts += 1;
                            assert!(
                                killed.elapsed() < Duration::from_secs(60),
                                "{key} is still in progress 60 s after the kill"
                            );
                            let wait = reply
                                .header("retry-after")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1);
                            tokio::time::sleep(Duration::from_secs(wait)).await;
                        }
                        _ => panic!("{key}: {} {}", reply.status, reply.text()),
                    }
                }
            })
        })
        .collect();
    let mut after: Vec<(Reply, u32)> = Vec::new();
    for task in tasks {
        after.push(task.await.expect("retry task"));
    }
    let recovered = killed.elapsed();

    let mut replayed = 0;
    for (i, (first, (retry, _))) in before.iter().zip(&after).enumerate() {
        if let Some(first) = first {
            assert_eq!(
                retry.body, first.body,
                "request {i}: the replay differs from the first response"
            );
            assert_eq!(
                retry.header("idempotent-replayed"),
                Some("true"),
                "request {i}"
            );
            replayed += 1;
        }
    }
    let held = after.iter().filter(|(_, conflicts)| *conflicts > 0).count();
    let mut ids = HashSet::new();
    let mut slots = HashSet::new();
    for (retry, _) in &after {
        let vc = retry.json()["verifiableCredential"].clone();
        ids.insert(vc["id"].as_str().expect("credential id").to_owned());
        for slot in status_slots(&vc) {
            assert!(
                slots.insert(slot.clone()),
                "status entry {slot:?} given twice"
            );
        }
    }
    assert_eq!(ids.len(), N, "distinct credential ids");
    assert_eq!(slots.len(), 2 * N);
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
    eprintln!(
        "restarted {restarted:?} after SIGKILL; {replayed} replays, {held} keys held by a \
         lease; all {N} keys issued {recovered:?} after SIGKILL; test took {:?}",
        test_started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_idempotent_burst_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    kill9_during_idempotent_burst(Storage::data_dir(&dir.path().join("data"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_idempotent_burst_postgres() {
    if skip_postgres() {
        return;
    }
    let schema = PgSchema::create().await;
    kill9_during_idempotent_burst(Storage::postgres(&schema.url(), &random_master_key())).await;
}

/// HTTPS with --tls-cert/--tls-key: the public URL becomes https://localhost:PORT and
/// did.json is served over TLS. Plain HTTP on a public address is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_plain_http_refusal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert_pem = certified.cert.pem();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    let storage = Storage::data_dir(&dir.path().join("data"));
    let port = free_port();
    let client = tls_client(&cert_pem, port);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let mut server = storage.serve(port, &["--tls-cert", &cert, "--tls-key", &key]);
    server.ready(&client).await;
    let public_url = format!("https://localhost:{port}");
    assert!(
        server.stderr().contains(&format!("({public_url}/)")),
        "{}",
        server.stderr()
    );
    let did = format!("did:web:localhost%3A{port}");
    let response = client
        .get(format!("{public_url}/.well-known/did.json"))
        .send()
        .await
        .expect("GET did.json over HTTPS");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/did+json");
    let document: Value = response.json().await.expect("did.json is JSON");
    assert_eq!(document["id"], did);

    let api = Api::new(
        &client,
        &server.base(),
        &storage.create_api_key(SCOPES, "tls").await,
    );
    let vc = api.issue_ok("Alice").await;
    assert_eq!(vc["issuer"], did);
    for (list, _) in status_slots(&vc) {
        assert!(list.starts_with(&format!("{public_url}/status/")), "{list}");
    }
    assert_eq!(api.verify(&vc).await.expect(200).json()["verified"], true);
    // Plain HTTP on the TLS port gets no answer.
    let plain = support::client()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err() || plain.is_ok_and(|r| r.status() != 200));
    let stopping = Instant::now();
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
    eprintln!("TLS server stopped {:?} after SIGTERM", stopping.elapsed());

    // Plain HTTP on a public address, with and without a public URL: refused before
    // the store is created (no admin key is spent on a refused start).
    let fresh = dir.path().join("fresh");
    let port = free_port();
    let fresh_text = fresh.display().to_string();
    let bind = format!("0.0.0.0:{port}");
    for extra in [&[][..], &["--public-url", "https://issuer.example"][..]] {
        let mut args = vec!["--data-dir", &fresh_text, "--bind", &bind];
        args.extend(extra);
        let mut server = Server::spawn(&args, &[], port);
        assert_eq!(server.exit_within(STOP).await.code(), Some(2));
        let stderr = server.stderr();
        assert!(
            stderr.contains("not a loopback address") && stderr.contains("--insecure-http"),
            "{stderr}"
        );
        assert_eq!(server.stdout(), "", "{args:?}: an admin key was printed");
        assert!(!fresh.exists(), "{args:?}: the store was created");
    }
}

/// SIGTERM: in-flight requests finish, then the process exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Storage::data_dir(&dir.path().join("data"));
    let port = free_port();
    let client = client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    let api = Api::new(
        &client,
        &server.base(),
        &storage.create_api_key(SCOPES, "t").await,
    );
    // A kept-alive idle connection must not hold the shutdown up.
    api.issue_ok("warm").await;
    let in_flight: Vec<_> = (0..8)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                api.try_post(
                    "/credentials/issue",
                    serde_json::to_vec(&json!({"credential": credential(&format!("n{i}"))}))
                        .expect("JSON"),
                    None,
                )
                .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let started = Instant::now();
    let status = server.sigterm(Duration::from_secs(5)).await;
    eprintln!("exited {:?} after SIGTERM", started.elapsed());
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
    assert!(server.stderr().contains("draining"), "{}", server.stderr());
    for task in in_flight {
        // Refused or cut connections are fine; an answer must be a success.
        if let Ok(reply) = task.await.expect("task") {
            assert_eq!(reply.status, 201, "{}", reply.text());
        }
    }
}

/// A TOML config file sets bind, data_dir and JSON logs; KITH_* variables override
/// it; an unknown key is refused by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_and_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = free_port();
    let config = dir.path().join("kith.toml");
    std::fs::write(
        &config,
        format!(
            "bind = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\nlog_format = \"json\"\n",
            data.display()
        ),
    )
    .expect("write config");
    let config = config.display().to_string();

    let client = client();
    let mut server = Server::spawn(&["--config", &config], &[], port);
    server.ready(&client).await;
    assert!(is_api_key(
        server.stdout().lines().next().unwrap_or_default()
    ));
    assert!(data.join("kith.db").exists(), "the store is in data_dir");
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
    let stderr = server.stderr();
    let mut messages = Vec::new();
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a stderr line is not JSON ({e}): {line:?}"));
        assert!(object.is_object(), "{line}");
        messages.push(
            object["fields"]["message"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        );
    }
    assert!(
        messages.iter().any(|m| m == "kith serve listening"),
        "{stderr}"
    );

    // KITH_BIND wins over the file; the file still names the data dir.
    let other = free_port();
    let bind = format!("127.0.0.1:{other}");
    let mut server = Server::spawn(&["--config", &config], &[("KITH_BIND", &bind)], other);
    server.ready(&support::client()).await;
    assert_eq!(server.stdout(), "", "same store: no new admin key");
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "bind = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\nlisten_port = 8443\n",
            data.display()
        ),
    )
    .expect("write config");
    let mut server = Server::spawn(&["--config", &bad.display().to_string()], &[], port);
    assert_eq!(server.exit_within(STOP).await.code(), Some(2));
    let stderr = server.stderr();
    assert!(stderr.contains("listen_port"), "{stderr}");
}

/// `kith admin audit verify`: intact after real operations; an edited or a deleted
/// row makes it exit 1 and name the entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_detects_edits_and_deletions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let storage = Storage::data_dir(&data);
    let port = free_port();
    let client = client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    let api = Api::new(
        &client,
        &server.base(),
        &storage.create_api_key(SCOPES, "a").await,
    );
    for name in ["one", "two", "three"] {
        api.issue_ok(name).await;
    }
    let vc = api.issue_ok("four").await;
    api.revoke(&vc).await.expect(200);
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));

    let verify = || storage.admin(&["audit", "verify"]);
    let ran = verify().await.expect_code(0);
    assert!(ran.stdout.starts_with("audit log intact: "), "{ran:#?}");
    let entries: u64 = ran.stdout["audit log intact: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("entry count");
    assert!(entries >= 6, "{ran:#?}");

    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(data.join("kith.db"));
    let mut db = sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("open kith.db");
    let action: String = sqlx::query_scalar("SELECT action FROM audit_log WHERE seq = 3")
        .fetch_one(&mut db)
        .await
        .expect("entry 3");
    db.execute("UPDATE audit_log SET action = 'credential.forged' WHERE seq = 3")
        .await
        .expect("edit");
    let ran = verify().await.expect_code(1);
    assert!(
        ran.stdout.contains("audit entry 3 was changed")
            && ran.stdout.contains("audit_entry_edited"),
        "{ran:#?}"
    );
    let ran = storage
        .admin(&["--json", "audit", "verify"])
        .await
        .expect_code(1);
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["intact"], false);
    assert_eq!(report["code"], "audit_entry_edited");

    sqlx::query("UPDATE audit_log SET action = $1 WHERE seq = 3")
        .bind(&action)
        .execute(&mut db)
        .await
        .expect("restore");
    verify().await.expect_code(0);

    db.execute("DELETE FROM audit_log WHERE seq = 3")
        .await
        .expect("delete");
    let ran = verify().await.expect_code(1);
    assert!(
        ran.stdout.contains("audit entries after 2 are missing")
            && ran.stdout.contains("audit_entry_deleted"),
        "{ran:#?}"
    );
    db.close().await.ok();
}

fn method_ids(document: &Value) -> Vec<String> {
    document["verificationMethod"]
        .as_array()
        .expect("verificationMethod")
        .iter()
        .map(|m| m["id"].as_str().expect("method id").to_owned())
        .collect()
}

/// `kith admin key rotate` while the server runs: the served did.json and new
/// credentials pick the new key up; older credentials keep verifying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_key_rotation_while_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Storage::data_dir(&dir.path().join("data"));
    let port = free_port();
    let client = client();
    let mut server = storage.serve(port, &[]);
    server.ready(&client).await;
    let api = Api::new(
        &client,
        &server.base(),
        &storage.create_api_key(SCOPES, "r").await,
    );
    let did = format!("did:web:localhost%3A{port}");
    let old = api.issue_ok("before").await;
    assert_eq!(old["proof"]["verificationMethod"], format!("{did}#key-1"));

    let ran = storage
        .admin(&[
            "key",
            "rotate",
            "--public-url",
            &format!("http://localhost:{port}"),
        ])
        .await
        .expect_code(0);
    assert_eq!(ran.first_line(), format!("{did}#key-2"));
    let rotated = Instant::now();
    loop {
        let document = api.get("/.well-known/did.json").await.expect(200).json();
        let ids = method_ids(&document);
        if ids.contains(&format!("{did}#key-2")) {
            assert!(ids.contains(&format!("{did}#key-1")), "{document}");
            break;
        }
        assert!(
            rotated.elapsed() < Duration::from_secs(12),
            "did.json does not list key-2 12 s after the rotation"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "did.json lists key-2 {:?} after the rotation",
        rotated.elapsed()
    );
    let new = api.issue_ok("after").await;
    assert_eq!(new["proof"]["verificationMethod"], format!("{did}#key-2"));
    assert_eq!(api.verify(&old).await.expect(200).json()["verified"], true);
    assert_eq!(api.verify(&new).await.expect(200).json()["verified"], true);

    // Retiring: the active key cannot be; the old one can, and then what it signed
    // stops verifying (its method is gone from the DID document).
    let url = format!("http://localhost:{port}");
    storage
        .admin(&["key", "retire", &format!("{did}#key-2")])
        .await
        .expect_code(2);
    storage
        .admin(&["key", "retire", &format!("{did}#key-1")])
        .await
        .expect_code(0);
    let listed = storage
        .admin(&["--json", "key", "list", "--public-url", &url])
        .await
        .expect_code(0);
    let keys: serde_json::Value = serde_json::from_str(&listed.stdout).expect("key list JSON");
    assert_eq!(keys[0]["id"], format!("{did}#key-1"));
    assert!(keys[0]["retired"].is_string(), "{keys}");
    assert_eq!(keys[1]["active"], true, "{keys}");
    let retired = Instant::now();
    loop {
        let reply = api.verify(&old).await;
        if reply.status == 400 {
            let report = reply.json();
            assert_eq!(report["verified"], false);
            break;
        }
        assert!(
            retired.elapsed() < Duration::from_secs(12),
            "a credential of the retired key still verifies 12 s later"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(api.verify(&new).await.expect(200).json()["verified"], true);
    assert_eq!(server.sigterm(STOP).await.code(), Some(0));
}

#[test]
fn serve_and_api_key_help() {
    let help = |args: &[&str]| {
        let output = kith().args(args).output().expect("run kith");
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let serve = help(&["serve", "--help"]);
    for needle in [
        "KITH_MASTER_KEY",
        "--data-dir",
        "--database-url",
        "--tls-cert",
    ] {
        assert!(
            serve.contains(needle),
            "serve --help lacks {needle}:\n{serve}"
        );
    }
    let create = help(&["admin", "api-key", "create", "--help"]);
    for needle in ["--scope", "--expires", "--name"] {
        assert!(
            create.contains(needle),
            "api-key create --help lacks {needle}:\n{create}"
        );
    }
}
