//! SIGTERM on the real binary under continuous requests: /readyz turns 503 at once, every
//! accepted request is answered, an in-flight request outlives "stop accepting", exit 0 in time.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::process::Server;
use common::{eventually, fresh_database, lock_greetings};
use tokio::sync::Mutex;

const DRAIN_SECONDS: u64 = 2;
const TIMEOUT_SECONDS: u64 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_then_exits_zero_without_failing_accepted_requests() {
    let url = fresh_database().await;
    let mut server = Server::spawn(&[
        ("DATABASE_URL", url.as_str()),
        ("SHUTDOWN_DRAIN_SECONDS", &DRAIN_SECONDS.to_string()),
        ("SHUTDOWN_TIMEOUT_SECONDS", &TIMEOUT_SECONDS.to_string()),
        ("DB_STATEMENT_TIMEOUT_MS", "20000"),
        ("REQUEST_TIMEOUT_MS", "20000"),
        ("LOG_FORMAT", "text"),
    ]);
    // A fresh connection per request: a request either is accepted (and must succeed) or is
    // refused at connect time once the listener has closed.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    server.wait_ready().await;

    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    // Greeting requests will wait on the table lock below (in flight across "stop accepting");
    // the probe workers keep requests flowing meanwhile.
    for path in ["/greeting/1", "/healthz", "/healthz"] {
        let (client, stop, log, url) =
            (client.clone(), stop.clone(), log.clone(), server.url(path));
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let sent = Instant::now();
                let outcome = match client.get(&url).send().await {
                    Ok(r) => Ok(r.status().as_u16()),
                    Err(e) => Err((e.is_connect(), e.to_string())),
                };
                log.lock().await.push((sent, outcome));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A request stuck behind a table lock is in flight when the server stops accepting.
    let locker = lock_greetings(&url).await;

    let sigterm = Instant::now();
    server.signal("TERM");
    let not_ready = eventually(Duration::from_millis(1000), || async {
        matches!(client.get(server.url("/readyz")).send().await, Ok(r) if r.status() == 503)
    })
    .await;
    assert!(not_ready, "/readyz must answer 503 at once after SIGTERM");

    let drain_end = sigterm + Duration::from_secs(DRAIN_SECONDS);
    tokio::time::sleep_until((drain_end - Duration::from_millis(700)).into()).await;
    let in_flight = {
        let (client, url) = (client.clone(), server.url("/greeting/1"));
        tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) })
    };
    // Load balancers have stopped sending by the end of the drain: so do the workers. (A
    // connection still in the kernel's accept queue when the listener closes is reset: that is
    // what the drain period is for.)
    tokio::time::sleep_until((drain_end - Duration::from_millis(200)).into()).await;
    stop.store(true, Ordering::SeqCst);

    // Past the drain the listener is closed, while the greeting requests still wait for the lock.
    tokio::time::sleep_until((drain_end + Duration::from_millis(800)).into()).await;
    let refused = client.get(server.url("/healthz")).send().await;
    assert!(
        refused.is_err_and(|e| e.is_connect()),
        "no new connections after the drain"
    );
    locker.batch_execute("ROLLBACK").await.unwrap();
    let answered = in_flight
        .await
        .unwrap()
        .expect("in-flight request answered");
    assert_eq!(answered, 200);

    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait_exit(Duration::from_secs(DRAIN_SECONDS + TIMEOUT_SECONDS + 3));
        (status, server)
    })
    .await
    .unwrap();
    let (status, server) = status;
    let exited_after = sigterm.elapsed();
    for worker in workers {
        worker.await.unwrap();
    }
    let status =
        status.unwrap_or_else(|| panic!("no exit within drain + timeout: {:?}", server.stdout()));
    assert_eq!(status.code(), Some(0), "{:?}", server.stdout());
    assert!(exited_after < Duration::from_secs(DRAIN_SECONDS + TIMEOUT_SECONDS));

    let log = log.lock().await;
    let mut served_during_drain = 0;
    for (sent, outcome) in log.iter() {
        match outcome {
            Ok(status) => assert_eq!(*status, 200, "an accepted request failed"),
            Err((_, message)) => panic!("an accepted request failed: {message}"),
        }
        if *sent > sigterm && *sent < drain_end {
            served_during_drain += 1;
        }
    }
    assert!(served_during_drain > 0, "kept serving while draining");
    let stdout = server.stdout().join("\n");
    assert!(stdout.contains("shutdown complete"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_like_sigterm() {
    let url = fresh_database().await;
    let mut server = Server::spawn(&[
        ("DATABASE_URL", url.as_str()),
        ("SHUTDOWN_DRAIN_SECONDS", "0"),
        ("LOG_FORMAT", "text"),
    ]);
    server.wait_ready().await;
    server.signal("INT");
    let status = tokio::task::spawn_blocking(move || server.wait_exit(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(status.and_then(|s| s.code()), Some(0));
}
