//! The admin port's /metrics after real traffic: every contract name with its labels, the SLO
//! bucket boundary, and bounded route cardinality whatever paths clients send.
mod common;

use std::collections::BTreeSet;

use common::http::raw_request;
use common::ready_app;
use hello_server::metrics::HTTP_DURATION_BUCKETS;

/// Series lines (name{labels} value) of one metric family, without comments.
fn series<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .collect()
}

fn label<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + line[start..].find('"')?;
    Some(&line[start..end])
}

#[tokio::test]
async fn every_contract_metric_is_exported_after_traffic() {
    let (app, _) = ready_app(&[]).await;
    for path in [
        "/",
        "/greeting/1",
        "/greeting/abc",
        "/greeting/99",
        "/healthz",
        "/readyz",
        "/nope",
    ] {
        app.get(path).await;
    }
    raw_request(
        app.public_addr(),
        "POST",
        "/greeting/1",
        &[("Content-Length", "0")],
    )
    .await;
    let text = app.metrics().await;

    let expected = [
        r#"http_requests_total{method="GET",route="/greeting/{id}",status="200"} 1"#,
        r#"http_requests_total{method="GET",route="/greeting/{id}",status="400"} 1"#,
        r#"http_requests_total{method="GET",route="/greeting/{id}",status="404"} 1"#,
        r#"http_requests_total{method="GET",route="/",status="200"} 1"#,
        r#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
        r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"http_requests_total{method="POST",route="/greeting/{id}",status="405"} 1"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/greeting/{id}",status="200",le="0.1"} 1"#,
        r#"http_request_duration_seconds_count{method="GET",route="/greeting/{id}",status="200"} 1"#,
        "http_requests_in_flight 0",
        r#"db_pool_max_connections 10"#,
        r#"db_pool_checkout_timeouts_total 0"#,
        r#"hello_server_ready 1"#,
    ];
    for line in expected {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
    // The readiness check ran at least once to make the app ready, so its count is not fixed.
    assert!(
        series(&text, "http_requests_total")
            .iter()
            .any(|l| l.contains(r#"route="/readyz",status="200""#))
    );

    for state in ["idle", "in_use"] {
        assert_eq!(
            series(&text, "db_pool_connections")
                .iter()
                .filter(|l| label(l, "state") == Some(state))
                .count(),
            1
        );
    }
    for query in ["get_greeting", "readiness_ping"] {
        let count = series(&text, "db_query_duration_seconds_count")
            .into_iter()
            .find(|l| label(l, "query") == Some(query))
            .unwrap_or_else(|| panic!("no db_query_duration_seconds for {query}"));
        assert!(!count.ends_with(" 0"), "{count}");
    }
    let wait_count = series(&text, "db_pool_wait_seconds_count");
    assert!(
        wait_count.len() == 1 && !wait_count[0].ends_with(" 0"),
        "{wait_count:?}"
    );
    let kinds: BTreeSet<_> = series(&text, "db_errors_total")
        .iter()
        .filter_map(|l| label(l, "kind"))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "checkout_timeout",
            "connect",
            "migration",
            "query",
            "statement_timeout"
        ])
    );

    let build = series(&text, "hello_server_build_info");
    assert_eq!(build.len(), 1, "{build:?}");
    assert_eq!(label(build[0], "version"), Some(env!("CARGO_PKG_VERSION")));
    assert!(label(build[0], "revision").is_some_and(|r| !r.is_empty()));
    assert!(build[0].ends_with(" 1"));

    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_start_time_seconds",
        "process_virtual_memory_bytes",
    ] {
        assert_eq!(series(&text, name).len(), 1, "{name} missing");
    }

    let les: Vec<f64> = series(&text, "http_request_duration_seconds_bucket")
        .iter()
        .filter(|l| l.contains(r#"route="/greeting/{id}",status="200""#))
        .filter_map(|l| label(l, "le"))
        .filter(|le| *le != "+Inf")
        .map(|le| le.parse().unwrap())
        .collect();
    assert_eq!(les, HTTP_DURATION_BUCKETS.to_vec());
    assert_eq!(
        HTTP_DURATION_BUCKETS,
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]
    );

    let admin_health = app
        .client
        .get(format!("{}/healthz", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(admin_health.status(), 200);
    app.shutdown().await;
}

#[tokio::test]
async fn random_unknown_paths_only_add_the_unmatched_route() {
    let (app, _) = ready_app(&[]).await;
    app.get("/greeting/1").await;
    let before = series(&app.metrics().await, "http_requests_total").len();

    // Deterministic pseudo-random paths (xorshift), including percent-encoded bytes.
    let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%"
        .chars()
        .collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..1000 {
        let len = 1 + (next() % 40) as usize;
        let mut path = format!("/x{i}/");
        for _ in 0..len {
            match alphabet[(next() % alphabet.len() as u64) as usize] {
                '%' => path.push_str(&format!("%{:02X}", next() % 256)),
                c => path.push(c),
            }
        }
        let r = raw_request(app.public_addr(), "GET", &path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
    }

    let text = app.metrics().await;
    let lines = series(&text, "http_requests_total");
    let routes: BTreeSet<_> = lines.iter().filter_map(|l| label(l, "route")).collect();
    assert!(
        routes
            .iter()
            .all(|r| ["/", "/greeting/{id}", "/healthz", "/readyz", "unmatched"].contains(r)),
        "{routes:?}"
    );
    assert!(
        lines.contains(&r#"http_requests_total{method="GET",route="unmatched",status="404"} 1000"#),
        "{lines:?}"
    );
    assert_eq!(
        lines.len(),
        before + 1,
        "1000 unknown paths add exactly one series: {lines:?}"
    );
    assert!(!text.contains("/x1/"), "no request path leaks into labels");
    app.shutdown().await;
}
