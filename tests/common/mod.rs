//! Test harness: throwaway PostgreSQL clusters (scripts/pg-temp.sh, or TEST_DATABASE_URL), one
//! fresh database per test, the app in-process on port 0, and small HTTP helpers.
#![allow(dead_code)]

pub mod cluster;
pub mod http;
pub mod process;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use hello_server::config::Cli;
use hello_server::{App, Listeners, startup};
use tokio::net::TcpListener;

/// A database of its own for one test, on the shared cluster (or TEST_DATABASE_URL's server).
pub async fn fresh_database() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin = cluster::shared_admin_url();
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    with_database(&admin, &name)
}

/// The same URL with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (server, _) = base.rsplit_once('/').expect("URL has a database path");
    format!("{server}/{name}{query}")
}

pub async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

/// Holds an exclusive lock on `greetings` (until ROLLBACK) so greeting queries block.
pub async fn lock_greetings(url: &str) -> tokio_postgres::Client {
    let locker = sql(url).await;
    locker
        .batch_execute("BEGIN; LOCK TABLE greetings IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock greetings");
    locker
}

/// Flags for an in-process app: loopback, port 0, short timeouts, no drain.
pub fn test_args(database_url: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let mut args: Vec<String> = [
        "hello-server",
        "--host=127.0.0.1",
        "--port=0",
        "--metrics-host=127.0.0.1",
        "--metrics-port=0",
        "--db-checkout-timeout-ms=1000",
        "--db-connect-timeout-ms=1000",
        "--shutdown-drain-seconds=0",
        "--shutdown-timeout-seconds=5",
        "--log-format=text",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--database-url={database_url}"));
    args.extend(
        extra
            .iter()
            .map(|(flag, value)| format!("--{flag}={value}")),
    );
    args
}

pub struct TestApp {
    app: Option<App>,
    pub base: String,
    pub admin: String,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn state(&self) -> &hello_server::state::SharedState {
        &self.app.as_ref().expect("running").state
    }

    pub fn public_addr(&self) -> std::net::SocketAddr {
        self.app.as_ref().expect("running").public_addr
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_accept(&self, path: &str, accept: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("accept", accept)
            .send()
            .await
            .expect("request")
    }

    pub async fn status(&self, path: &str) -> u16 {
        self.get(path).await.status().as_u16()
    }

    pub async fn metrics(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.admin))
            .send()
            .await
            .expect("scrape");
        assert_eq!(response.status(), 200);
        response.text().await.expect("metrics body")
    }

    pub async fn wait_ready(&self, within: Duration) {
        let ok = eventually(within, || async { self.status("/readyz").await == 200 }).await;
        assert!(ok, "not ready within {within:?}");
    }

    pub async fn shutdown(mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
    }
}

pub async fn spawn_app(database_url: &str, extra: &[(&str, &str)]) -> TestApp {
    let cli = Cli::try_parse_from(test_args(database_url, extra)).expect("valid test flags");
    let settings = cli.config.validate().expect("valid test settings");
    let listeners = Listeners {
        public: TcpListener::bind("127.0.0.1:0").await.expect("bind public"),
        admin: TcpListener::bind("127.0.0.1:0").await.expect("bind admin"),
    };
    let app = startup(settings, listeners).expect("startup");
    let base = format!("http://{}", app.public_addr);
    let admin = format!("http://{}", app.admin_addr);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    TestApp {
        app: Some(app),
        base,
        admin,
        client,
    }
}

/// A migrated app on a fresh database, ready to serve.
pub async fn ready_app(extra: &[(&str, &str)]) -> (TestApp, String) {
    let url = fresh_database().await;
    let app = spawn_app(&url, extra).await;
    app.wait_ready(Duration::from_secs(10)).await;
    (app, url)
}

/// Polls `check` every 50 ms until it is true or `within` has passed.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
