//! Prometheus metrics in the text exposition format: requests and their latency per
//! route, credentials issued per format, verifications per outcome, failures per code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::App;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bound, count) in BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    issued: BTreeMap<String, u64>,
    verified: BTreeMap<(String, bool), u64>,
    failures: BTreeMap<String, u64>,
}

/// The process's metrics.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        f(&mut self.counters.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Records one request to `route` (the matched route pattern, never the raw path,
    /// so ids do not become labels).
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.with(|c| {
            *c.requests
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
            c.latency
                .entry(route.to_owned())
                .or_default()
                .observe(elapsed.as_secs_f64());
        });
    }

    /// Records an issued credential.
    pub fn issued(&self, format: &str) {
        self.with(|c| *c.issued.entry(format.to_owned()).or_default() += 1);
    }

    /// Records a verification of `kind` (`credential`, `presentation`).
    pub fn verified(&self, kind: &str, ok: bool) {
        self.with(|c| *c.verified.entry((kind.to_owned(), ok)).or_default() += 1);
    }

    /// Records a failure by its stable code.
    pub fn failure(&self, code: &str) {
        self.with(|c| *c.failures.entry(code.to_owned()).or_default() += 1);
    }

    /// The metrics in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.with(|c| {
            out.push_str("# HELP kith_http_requests_total HTTP requests by method, route and status.\n");
            out.push_str("# TYPE kith_http_requests_total counter\n");
            for ((method, route, status), n) in &c.requests {
                let _ = writeln!(
                    out,
                    "kith_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
            out.push_str("# HELP kith_http_request_duration_seconds Request latency by route.\n");
            out.push_str("# TYPE kith_http_request_duration_seconds histogram\n");
            for (route, h) in &c.latency {
                let route = escape(route);
                for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                    let _ = writeln!(
                        out,
                        "kith_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "kith_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(out, "kith_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
                let _ = writeln!(out, "kith_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
            }
            out.push_str("# HELP kith_credentials_issued_total Credentials issued by format.\n");
            out.push_str("# TYPE kith_credentials_issued_total counter\n");
            for (format, n) in &c.issued {
                let _ = writeln!(out, "kith_credentials_issued_total{{format=\"{}\"}} {n}", escape(format));
            }
            out.push_str("# HELP kith_verifications_total Verifications by kind and result.\n");
            out.push_str("# TYPE kith_verifications_total counter\n");
            for ((kind, ok), n) in &c.verified {
                let _ = writeln!(out, "kith_verifications_total{{kind=\"{kind}\",verified=\"{ok}\"}} {n}");
            }
            out.push_str("# HELP kith_failures_total Failures by stable error code.\n");
            out.push_str("# TYPE kith_failures_total counter\n");
            for (code, n) in &c.failures {
                let _ = writeln!(out, "kith_failures_total{{code=\"{}\"}} {n}", escape(code));
            }
        });
        out
    }
}

/// Label values escape `\`, `"` and newlines (exposition format).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts every request and its latency under its route pattern.
pub async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let request_id = request
        .extensions()
        .get::<crate::request_id::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    app.metrics().request(&method, &route, status, elapsed);
    // The access log: route patterns and ids only, never bodies, tokens or claims.
    // Successes at debug (KITH_LOG=debug) so a busy server does not log every request.
    let micros = elapsed.as_micros() as u64;
    if status >= 500 {
        tracing::warn!(%method, %route, status, micros, %request_id, "request failed");
    } else if status >= 400 {
        tracing::info!(%method, %route, status, micros, %request_id, "request refused");
    } else {
        tracing::debug!(%method, %route, status, micros, %request_id, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.request("POST", "/credentials/verify", 200, Duration::from_millis(3));
        m.issued("ldp_vc");
        m.verified("credential", false);
        m.failure("revoked");
        let text = m.render();
        assert!(text.contains(
            "kith_http_requests_total{method=\"POST\",route=\"/credentials/verify\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "kith_http_request_duration_seconds_bucket{route=\"/credentials/verify\",le=\"0.0025\"} 0"
        ));
        assert!(text.contains(
            "kith_http_request_duration_seconds_bucket{route=\"/credentials/verify\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("kith_credentials_issued_total{format=\"ldp_vc\"} 1"));
        assert!(
            text.contains("kith_verifications_total{kind=\"credential\",verified=\"false\"} 1")
        );
        assert!(text.contains("kith_failures_total{code=\"revoked\"} 1"));
    }
}
