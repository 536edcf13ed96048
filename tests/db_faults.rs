//! Failure modes against a real PostgreSQL: down at start, restarted under load, pool exhausted,
//! statement and request timeouts. Every failure is a bounded 503 with Retry-After, never a hang,
//! a 500 or database error text.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::cluster::Cluster;
use common::{lock_greetings, ready_app, spawn_app};
use tokio::sync::Mutex;

/// GETs `path`, asserts a generic 503 with Retry-After, and returns how long it took.
async fn timed_generic_503(app: &common::TestApp, path: &str) -> Duration {
    let started = Instant::now();
    let response = app.get(path).await;
    let elapsed = started.elapsed();
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("1")
    );
    let status = response.status().as_u16();
    assert_generic_503(status, &response.text().await.unwrap());
    elapsed
}

fn assert_generic_503(status: u16, body: &str) {
    assert_eq!(status, 503, "{body}");
    for leak in [
        "postgres",
        "ERROR",
        "canceling",
        "connection",
        "timeout expired",
        "hello:",
    ] {
        assert!(
            !body.contains(leak),
            "database detail {leak:?} leaked: {body}"
        );
    }
}

async fn metric_value(app: &common::TestApp, series: &str) -> f64 {
    let text = app.metrics().await;
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[tokio::test]
async fn database_down_at_start_then_ready_within_two_seconds_of_appearing() {
    let cluster = Cluster::start();
    cluster.stop();
    let app = spawn_app(&cluster.url, &[("db-checkout-timeout-ms", "500")]).await;

    assert_eq!(
        app.status("/healthz").await,
        200,
        "liveness does not depend on the database"
    );
    assert_eq!(app.status("/readyz").await, 503);
    let elapsed = timed_generic_503(&app, "/greeting/1").await;
    assert!(
        elapsed < Duration::from_millis(500 + 1500),
        "503 within the checkout timeout, took {elapsed:?}"
    );
    let ready = app.get("/readyz").await.text().await.unwrap();
    assert!(
        ready.starts_with("not ready:") && ready.lines().count() == 1,
        "{ready}"
    );

    cluster.start_again();
    let back = Instant::now();
    app.wait_ready(Duration::from_secs(2)).await;
    assert!(back.elapsed() < Duration::from_secs(2));
    assert_eq!(app.status("/greeting/1").await, 200);
    assert!(metric_value(&app, r#"db_errors_total{kind="connect"}"#).await >= 1.0);
    app.shutdown().await;
}

#[tokio::test]
async fn database_restart_under_load_gives_only_503s_and_recovers() {
    let cluster = Cluster::start();
    let app = Arc::new(spawn_app(&cluster.url, &[("db-checkout-timeout-ms", "500")]).await);
    app.wait_ready(Duration::from_secs(10)).await;

    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(
        Vec::<(Instant, Duration, Result<u16, String>)>::new(),
    ));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (app, stop, log) = (app.clone(), stop.clone(), log.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let sent = Instant::now();
                let result = app
                    .client
                    .get(format!("{}/greeting/1", app.base))
                    .send()
                    .await;
                let outcome = result
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string());
                log.lock().await.push((sent, sent.elapsed(), outcome));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.start_again();
    let back = Instant::now();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.await.expect("no panic in the load workers");
    }

    let log = log.lock().await;
    let mut outage_503s = 0;
    for (sent, took, outcome) in log.iter() {
        let status = outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("request failed outright: {e}"));
        assert!(
            *status == 200 || *status == 503,
            "unexpected status {status}"
        );
        assert!(*took < Duration::from_secs(3), "a request took {took:?}");
        if *status == 503 {
            outage_503s += 1;
        }
        if *sent > back + Duration::from_secs(2) {
            assert_eq!(
                *status, 200,
                "not recovered 2 s after the database returned"
            );
        }
    }
    assert!(outage_503s > 0, "the outage was not observed");
    assert!(
        log.iter()
            .filter(|(sent, _, _)| *sent > back + Duration::from_secs(2))
            .count()
            > 5
    );
    Arc::try_unwrap(app)
        .ok()
        .expect("sole owner")
        .shutdown()
        .await;
}

#[tokio::test]
async fn first_requests_after_a_database_restart_succeed_on_fresh_connections() {
    let cluster = Cluster::start();
    let app = spawn_app(
        &cluster.url,
        &[("db-pool-max-size", "4"), ("db-pool-min-idle", "4")],
    )
    .await;
    app.wait_ready(Duration::from_secs(10)).await;
    assert!(
        common::eventually(Duration::from_secs(5), || async {
            app.state().db.pool().state().idle_connections == 4
        })
        .await,
        "the pool holds its idle connections before the restart"
    );

    // Every pooled connection now belongs to a server process that is gone.
    cluster.restart();
    for path in ["/greeting/1", "/greeting/1", "/readyz", "/greeting/1"] {
        assert_eq!(
            app.status(path).await,
            200,
            "{path} failed on a connection from before the restart"
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn exhausted_pool_answers_503_after_the_checkout_timeout() {
    let (app, _) = ready_app(&[
        ("db-pool-max-size", "2"),
        ("db-pool-min-idle", "0"),
        ("db-checkout-timeout-ms", "400"),
    ])
    .await;
    let pool = app.state().db.pool().clone();
    let held = (
        pool.get().await.expect("first"),
        pool.get().await.expect("second"),
    );

    let elapsed = timed_generic_503(&app, "/greeting/1").await;
    assert!(
        elapsed >= Duration::from_millis(350),
        "waited for the checkout timeout: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(400 + 1600),
        "no hang: {elapsed:?}"
    );
    assert_eq!(app.status("/readyz").await, 503);
    assert!(metric_value(&app, "db_pool_checkout_timeouts_total").await >= 1.0);
    assert!(metric_value(&app, r#"db_errors_total{kind="checkout_timeout"}"#).await >= 1.0);
    assert_eq!(
        metric_value(&app, r#"db_pool_connections{state="in_use"}"#).await,
        2.0
    );

    drop(held);
    assert_eq!(app.status("/greeting/1").await, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn statement_timeout_answers_503() {
    let (app, url) = ready_app(&[("db-statement-timeout-ms", "300")]).await;
    let locker = lock_greetings(&url).await;

    let elapsed = timed_generic_503(&app, "/greeting/1").await;
    assert!(
        elapsed < Duration::from_millis(300 + 1700),
        "bounded by the statement timeout: {elapsed:?}"
    );
    assert!(metric_value(&app, r#"db_errors_total{kind="statement_timeout"}"#).await >= 1.0);

    locker.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(app.status("/greeting/1").await, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn request_timeout_bounds_a_slow_request() {
    let (app, url) = ready_app(&[
        ("db-statement-timeout-ms", "10000"),
        ("request-timeout-ms", "300"),
    ])
    .await;
    let locker = lock_greetings(&url).await;

    let started = Instant::now();
    let response = app.get("/greeting/1").await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().await.unwrap(), "request timed out\n");
    assert!(
        elapsed < Duration::from_millis(300 + 1700),
        "bounded by the request timeout: {elapsed:?}"
    );

    locker.batch_execute("ROLLBACK").await.unwrap();
    assert!(
        common::eventually(Duration::from_secs(5), || async {
            app.status("/greeting/1").await == 200
        })
        .await
    );
    app.shutdown().await;
}
