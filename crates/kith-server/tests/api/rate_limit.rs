//! Per-key rate limits: 429 with `Retry-After`.

use kith_server::ServerConfig;
use kith_server::limits::RateLimit;
use serde_json::json;

use crate::common::{both, credential};

fn one_per_second(config: &mut ServerConfig) {
    config.rate_limit_per_key = RateLimit {
        per_second: 1,
        burst: 2,
    };
}

both!(
    requests_over_the_key_limit_get_429,
    config = one_per_second,
    |s| {
        let vc = s.issue(credential("Olivia"), json!({})).await;
        let body = json!({"verifiableCredential": vc});
        let mut statuses = Vec::new();
        let mut limited = None;
        for _ in 0..6 {
            let response = s.post("/credentials/verify", Some(&s.admin), &body).await;
            statuses.push(response.status);
            if response.status == 429 {
                limited = Some(response);
            }
        }
        let limited = limited.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
        limited.assert_problem(429, "rate_limited");
        let retry_after: u64 = limited
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=2).contains(&retry_after), "{retry_after}");
        assert_eq!(limited.json["retry_after"], json!(retry_after));
        assert!(
            statuses.iter().filter(|&&st| st == 429).count() >= 3,
            "a burst of 2 (one of it spent on issuing) lets few of 7 through: {statuses:?}"
        );
        // Unauthenticated routes are not limited per key.
        s.get("/healthz", None).await.expect(200);
        // The budget refills; another key has its own.
        tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
        let (other, _) = s.create_key("other", &["verify"], None).await;
        s.post("/credentials/verify", Some(&other), &body)
            .await
            .expect(200);
        s.post("/credentials/verify", Some(&other), &body)
            .await
            .expect(200);
    }
);
