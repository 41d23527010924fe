//! Health, readiness, metrics and the OpenAPI document.

use serde_json::json;

use crate::common::{both, credential};

both!(health_metrics_and_openapi, |s| {
    let health = s.get("/healthz", None).await;
    assert_eq!(health.expect(200)["status"], "ok");
    let ready = s.get("/readyz", None).await;
    assert_eq!(ready.expect(200)["status"], "ready");
    assert!(
        ready
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty()),
        "every response carries a request id"
    );
    // A well-formed client request id is echoed.
    let echoed = s
        .send(
            s.client
                .get(s.url("/healthz"))
                .header("x-request-id", "trace-42.a_b"),
        )
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-42.a_b"));

    let vc = s.issue(credential("Peggy"), json!({})).await;
    s.verify(&vc).await.expect(200);
    s.post("/credentials/issue", None, &json!({}))
        .await
        .assert_problem(401, "missing_credentials");

    let metrics = s.get("/metrics", None).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.content_type().starts_with("text/plain"),
        "{}",
        metrics.content_type()
    );
    for line in [
        "# TYPE kith_http_requests_total counter",
        "kith_http_requests_total{method=\"POST\",route=\"/credentials/issue\",status=\"201\"} 1",
        "kith_http_requests_total{method=\"POST\",route=\"/credentials/verify\",status=\"200\"} 1",
        "kith_http_requests_total{method=\"POST\",route=\"/credentials/issue\",status=\"401\"} 1",
        "# TYPE kith_credentials_issued_total counter",
        "kith_credentials_issued_total{format=\"ldp_vc\"} 1",
    ] {
        assert!(
            metrics.text.contains(line),
            "{line} missing from:\n{}",
            metrics.text
        );
    }

    let openapi = s.get("/openapi.json", None).await;
    let document = openapi.expect(200);
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    let paths = document["paths"].as_object().expect("paths");
    for (method, path) in kith_server::openapi::ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} missing from /openapi.json"
        );
    }
});
