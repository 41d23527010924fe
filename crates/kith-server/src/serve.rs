//! Listening: HTTPS with rustls (`--tls-cert`/`--tls-key`), or plain HTTP on a
//! loopback address (anything else needs `--insecure-http`); background upkeep; and
//! graceful shutdown that drains in-flight requests.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use time::OffsetDateTime;

use crate::app::App;

/// Where and how to listen.
#[derive(Debug, Clone)]
pub struct Listen {
    /// The socket address.
    pub address: SocketAddr,
    /// PEM certificate chain and private key for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_http: bool,
    /// How long shutdown waits for in-flight requests.
    pub drain: Duration,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Plain HTTP on a public address.
    #[error(
        "refusing plain HTTP on {0}, which is not a loopback address: give --tls-cert and --tls-key, or --insecure-http behind a TLS-terminating proxy"
    )]
    PlainHttpNotLoopback(SocketAddr),
    /// The certificate or key could not be loaded.
    #[error("the TLS certificate or key could not be loaded: {0}")]
    Tls(String),
    /// Binding or serving failed.
    #[error("cannot listen on {address}: {reason}")]
    Io {
        /// The address.
        address: SocketAddr,
        /// What failed.
        reason: String,
    },
}

impl ServeError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PlainHttpNotLoopback(_) => "plain_http_not_loopback",
            Self::Tls(_) => "tls_config",
            Self::Io { .. } => "listen_failed",
        }
    }
}

/// Installs ring as the process's rustls provider (one backend for everything).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Serves `app` until `shutdown` completes, then drains in-flight requests.
/// `on_listening` is called with the bound address (the port may have been 0).
pub async fn serve(
    app: App,
    listen: Listen,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr) + Send,
) -> Result<(), ServeError> {
    install_crypto_provider();
    let io = |e: std::io::Error| ServeError::Io {
        address: listen.address,
        reason: e.to_string(),
    };
    let upkeep = tokio::spawn(upkeep(app.clone()));
    let router = app.router();
    let make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let result = match &listen.tls {
        Some((cert, key)) => {
            let config = RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| ServeError::Tls(e.to_string()))?;
            let listener = std::net::TcpListener::bind(listen.address).map_err(io)?;
            listener.set_nonblocking(true).map_err(io)?;
            let bound = listener.local_addr().map_err(io)?;
            let handle = axum_server::Handle::new();
            let drain = listen.drain;
            let shutdown_handle = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                shutdown_handle.graceful_shutdown(Some(drain));
            });
            on_listening(bound);
            axum_server::from_tcp_rustls(listener, config)
                .map_err(io)?
                .handle(handle)
                .serve(make_service)
                .await
                .map_err(io)
        }
        None => {
            if !listen.address.ip().is_loopback() && !listen.insecure_http {
                return Err(ServeError::PlainHttpNotLoopback(listen.address));
            }
            let listener = tokio::net::TcpListener::bind(listen.address)
                .await
                .map_err(io)?;
            on_listening(listener.local_addr().map_err(io)?);
            axum::serve(listener, make_service)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(io)
        }
    };
    upkeep.abort();
    result
}

/// Periodic work: pick up keys rotated elsewhere, bound the rate limiters' memory,
/// purge expired idempotency records.
async fn upkeep(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        ticks += 1;
        if let Err(problem) = app.issuer().refresh().await {
            tracing::warn!(code = %problem.code, "could not reload the issuer keys");
        }
        if let Err(problem) = crate::routes::admin::load_trust_registry(&app).await {
            tracing::warn!(code = %problem.code, "could not reload the trusted issuer registry");
        }
        app.limits().forget_idle();
        if ticks % 60 == 1 {
            match app
                .store()
                .idempotency()
                .purge_expired(OffsetDateTime::now_utc())
                .await
            {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired idempotency records purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(code = e.code(), "could not purge idempotency records"),
            }
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
