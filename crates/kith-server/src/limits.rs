//! Rate limits per API key and per client address (GCRA token buckets, `governor`),
//! answered with 429 and `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::app::App;
use crate::problem::Problem;

/// Requests per second and burst for one key or address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: u32,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
}

impl RateLimit {
    fn quota(self) -> Quota {
        let per_second = NonZeroU32::new(self.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::per_second(per_second).allow_burst(burst)
    }
}

/// The limiters of one server process.
pub struct Limits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_principal: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Limits {
    /// Limiters with these quotas.
    pub fn new(per_address: RateLimit, per_principal: RateLimit) -> Self {
        Self {
            per_address: RateLimiter::keyed(per_address.quota()),
            per_principal: RateLimiter::keyed(per_principal.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request from `address`.
    pub fn check_address(&self, address: IpAddr) -> Result<(), Problem> {
        self.per_address.check_key(&address).map_err(|not_until| {
            too_many("client address", not_until.wait_time_from(self.clock.now()))
        })
    }

    /// Counts one request by `principal`.
    pub fn check_principal(&self, principal: &str) -> Result<(), Problem> {
        if let Err(not_until) = self.per_principal.check_key(&principal.to_owned()) {
            return Err(too_many(
                "API key",
                not_until.wait_time_from(self.clock.now()),
            ));
        }
        Ok(())
    }

    /// Drops the state of keys and addresses not seen lately (bounded memory).
    pub fn forget_idle(&self) {
        self.per_address.retain_recent();
        self.per_principal.retain_recent();
    }
}

fn too_many(whom: &str, wait: Duration) -> Problem {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Problem::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests from this {whom}; retry in {seconds} s"),
    )
    .with_retry_after(seconds.max(1))
}

/// Middleware: the per-address limit, before anything else is done for the request.
pub async fn per_address(State(app): State<App>, request: Request, next: Next) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(address) = address
        && let Err(problem) = app.limits().check_address(address)
    {
        app.metrics().failure(&problem.code);
        return problem.into_response();
    }
    next.run(request).await
}
