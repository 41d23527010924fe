//! `kith serve`: settings from flags, KITH_* environment and a TOML file; logs; the
//! store; then the HTTP(S) server until SIGTERM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use kith_did::fetch::FetchConfig;
use kith_server::ServerConfig;
use kith_server::duration::parse_duration;
use kith_server::issuer::IssuerDidMethod;
use kith_server::limits::RateLimit;
use serde::Deserialize;

use crate::cli::{IssuerDid, IssuerKeyType, LogFormat, ServeArgs};
use crate::cmd::Outcome;
use crate::cmd::admin::key_type;
use crate::cmd::store;
use crate::cmd::vc::load_trust_list;

/// The TOML config file: the flags' names with '_' for '-'.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    master_key_file: Option<PathBuf>,
    bind: Option<String>,
    public_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    insecure_http: Option<bool>,
    did_method: Option<IssuerDid>,
    key_type: Option<IssuerKeyType>,
    cryptosuite: Option<String>,
    log_format: Option<LogFormat>,
    idempotency_ttl: Option<String>,
    idempotency_lease: Option<String>,
    rate_limit_per_key: Option<u32>,
    rate_limit_per_address: Option<u32>,
    request_timeout: Option<String>,
    status_list_ttl: Option<String>,
    status_list_size: Option<u64>,
    fetch_allow_http: Option<bool>,
    fetch_allow_private: Option<bool>,
    trust_list: Option<PathBuf>,
    trust_list_issuer: Option<String>,
    wallet_dir: Option<PathBuf>,
}

fn read_config(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
}

fn duration(flag: &str, text: Option<String>, default: Duration) -> anyhow::Result<Duration> {
    match text {
        Some(text) => parse_duration(&text).map_err(|e| anyhow!("--{flag}: {e}")),
        None => Ok(default),
    }
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let file = match &args.config {
        Some(path) => read_config(path)?,
        None => FileConfig::default(),
    };
    let mut storage = args.storage.clone();
    if storage.data_dir.is_none() && storage.database_url.is_none() {
        storage.database_url = file.database_url.clone();
        storage.data_dir = file.data_dir.clone();
    }
    storage.master_key_file = storage.master_key_file.or(file.master_key_file);
    let log_format = args
        .log_format
        .or(file.log_format)
        .unwrap_or(LogFormat::Text);
    init_logging(log_format);

    let tls = match (
        args.tls_cert.or(file.tls_cert),
        args.tls_key.or(file.tls_key),
    ) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => bail!("give both --tls-cert and --tls-key, or neither"),
    };
    let bind = args
        .bind
        .or(file.bind)
        .unwrap_or_else(|| "127.0.0.1:8443".to_owned());
    let address: SocketAddr = bind
        .parse()
        .with_context(|| format!("--bind {bind:?} is not an address like 127.0.0.1:8443"))?;
    let insecure_http = args.insecure_http || file.insecure_http.unwrap_or(false);
    // Refused before the store is touched: a refused start must not create the store
    // and spend its one-time admin key.
    if tls.is_none() && !address.ip().is_loopback() && !insecure_http {
        let e = kith_server::ServeError::PlainHttpNotLoopback(address);
        bail!("{e} ({})", e.code());
    }
    let public_url = match args.public_url.or(file.public_url) {
        Some(url) => url,
        // did:web names a host, never an IP address: a loopback bind is `localhost`.
        None if address.ip().is_loopback() => {
            let scheme = if tls.is_some() { "https" } else { "http" };
            format!("{scheme}://localhost:{}", address.port())
        }
        None => bail!(
            "--public-url is required when binding {address}: the issuer's did:web DID and status list URLs derive from it"
        ),
    };
    let public_url = url::Url::parse(&public_url)
        .with_context(|| format!("--public-url {public_url:?} is not a URL"))?;
    let did_method = match args
        .did_method
        .or(file.did_method)
        .unwrap_or(IssuerDid::Web)
    {
        IssuerDid::Web => IssuerDidMethod::Web,
        IssuerDid::Key => IssuerDidMethod::Key,
        IssuerDid::Webvh => IssuerDidMethod::Webvh,
    };
    let mut config = ServerConfig::new(public_url.clone());
    config.issuer.did_method = did_method;
    config.issuer.key_type = key_type(
        args.key_type
            .or(file.key_type)
            .unwrap_or(IssuerKeyType::Ed25519),
    );
    if let Some(suite) = args.cryptosuite.or(file.cryptosuite) {
        let allowed = kith_server::issuer::cryptosuites_for(config.issuer.key_type);
        if !allowed.contains(&suite.as_str()) {
            bail!(
                "--cryptosuite {suite:?} does not fit the issuer's key type; use one of {}",
                allowed.join(", ")
            );
        }
        config.issuer.cryptosuite = Some(suite);
    }
    config.issuer.status_list_ttl = duration(
        "status-list-ttl",
        args.status_list_ttl.or(file.status_list_ttl),
        config.issuer.status_list_ttl,
    )?;
    let size = args
        .status_list_size
        .or(file.status_list_size)
        .unwrap_or(config.issuer.status_list_capacity);
    if size < kith_vc::status::MIN_ENTRIES {
        bail!(
            "--status-list-size must be at least {} (Bitstring Status List §6.1)",
            kith_vc::status::MIN_ENTRIES
        );
    }
    config.issuer.status_list_capacity = size;
    config.idempotency.ttl = duration(
        "idempotency-ttl",
        args.idempotency_ttl.or(file.idempotency_ttl),
        config.idempotency.ttl,
    )?;
    config.idempotency.lease = duration(
        "idempotency-lease",
        args.idempotency_lease.or(file.idempotency_lease),
        config.idempotency.lease,
    )?;
    config.request_timeout = duration(
        "request-timeout",
        args.request_timeout.or(file.request_timeout),
        config.request_timeout,
    )?;
    if let Some(n) = args.rate_limit_per_key.or(file.rate_limit_per_key) {
        config.rate_limit_per_key = RateLimit {
            per_second: n,
            burst: n.saturating_mul(2),
        };
    }
    if let Some(n) = args.rate_limit_per_address.or(file.rate_limit_per_address) {
        config.rate_limit_per_address = RateLimit {
            per_second: n,
            burst: n.saturating_mul(2),
        };
    }
    config.fetch = FetchConfig {
        allow_http: args.fetch_allow_http || file.fetch_allow_http.unwrap_or(false),
        allow_private_addresses: args.fetch_allow_private
            || file.fetch_allow_private.unwrap_or(false),
        ..FetchConfig::default()
    };
    config.wallet_dir = args.wallet_dir.or(file.wallet_dir);
    let trust_list = args.trust_list.or(file.trust_list);
    let trust_list_issuer = args.trust_list_issuer.or(file.trust_list_issuer);
    if trust_list.is_none() && trust_list_issuer.is_some() {
        bail!("--trust-list-issuer names the signer of a --trust-list; give the trust list too");
    }
    let listen = kith_server::Listen {
        address,
        tls,
        insecure_http,
        drain: Duration::from_secs(30),
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        // Before the store: a refused start must not create it.
        if let Some(path) = &trust_list {
            let methods = kith_did::MethodResolver::with_defaults(config.fetch.clone())
                .context("cannot set up DID resolution for the trust list")?;
            let verifier = kith_vc::Verifier::new(Arc::new(methods));
            let list = load_trust_list(path, trust_list_issuer.as_deref(), &verifier).await?;
            list.apply_to(&mut config.policy);
            notice(&format!(
                "trusting the {} issuers of trust list {}",
                list.issuers.len(),
                path.display()
            ));
        }
        let (store, master) = store::open(&storage).await?;
        let (app, first) = kith_server::App::open(store, master, config)
            .await
            .map_err(|p| anyhow!("{} ({})", p.detail, p.code))?;
        if let Some(token) = &first.admin_api_key {
            // Alone on the first line of stdout, once: scripts take it with `head -1`.
            println!("{}", token.as_str());
            notice("this new store's admin API key is printed above; it is never shown again");
        }
        if first.generated_issuer_key {
            notice(&format!(
                "generated the issuer key for {}",
                app.issuer().did()
            ));
        }
        let did = app.issuer().did().to_string();
        kith_server::serve(app, listen, kith_server::shutdown_signal(), move |bound| {
            tracing::info!(%bound, public_url = %public_url, issuer = %did, "kith serve listening");
            if log_format == LogFormat::Text {
                eprintln!("kith: listening on {bound} as {did} ({public_url})");
            }
        })
        .await
        .map_err(|e| anyhow!("{e} ({})", e.code()))?;
        Ok(Outcome::Ok)
    })
}

/// Set when the log format is JSON: notices then go through the log, so that stderr
/// stays one JSON object per line.
static JSON_LOGS: AtomicBool = AtomicBool::new(false);

/// A notice for the operator: a `kith: ...` line on stderr, or a log event when the
/// log format is JSON.
pub(crate) fn notice(message: &str) {
    if JSON_LOGS.load(Ordering::Relaxed) {
        tracing::info!("{message}");
    } else {
        eprintln!("kith: {message}");
    }
}

fn init_logging(format: LogFormat) {
    JSON_LOGS.store(format == LogFormat::Json, Ordering::Relaxed);
    let filter = tracing_subscriber::EnvFilter::try_from_env("KITH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
