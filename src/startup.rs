//! Builds the application from validated settings and already-bound listeners, and runs its
//! lifecycle: serve → (shutdown requested) drain with /readyz 503 → stop accepting → finish
//! in-flight requests within the shutdown timeout → close the pool.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::http::server::serve;
use crate::metrics::Metrics;
use crate::routes;
use crate::state::{AppState, Lifecycle, SharedState};

pub struct Listeners {
    pub public: TcpListener,
    pub admin: TcpListener,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot read the listener address: {0}")]
    Address(#[from] std::io::Error),
    #[error("cannot register metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// A running server. Drop-safe: the servers keep running until [`App::shutdown`] is called.
pub struct App {
    pub public_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    pub state: SharedState,
    shutdown: watch::Sender<bool>,
    lifecycle: JoinHandle<()>,
}

#[derive(Clone)]
pub struct ShutdownTrigger(watch::Sender<bool>);

impl ShutdownTrigger {
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }
}

impl App {
    pub fn shutdown_trigger(&self) -> ShutdownTrigger {
        ShutdownTrigger(self.shutdown.clone())
    }

    /// Starts the graceful shutdown and waits for it.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        self.wait().await;
    }

    /// Waits until a shutdown (requested through a trigger) has completed.
    pub async fn wait(self) {
        let _ = self.lifecycle.await;
    }
}

/// Must run inside a tokio runtime. Never waits for the database.
pub fn startup(settings: Settings, listeners: Listeners) -> Result<App, StartupError> {
    let public_addr = listeners.public.local_addr()?;
    let admin_addr = listeners.admin.local_addr()?;
    let config = &settings.config;
    let metrics = Metrics::new()?;
    let pool = db::pool::build(&settings.database, &metrics);
    let state: SharedState = Arc::new(AppState {
        db: Db::new(pool, settings.database.pool_max_size, metrics.clone()),
        metrics,
        lifecycle: Lifecycle::default(),
        default_greeting_id: config.default_greeting_id,
        request_timeout: config.request_timeout(),
        readiness_timeout: config.readiness_timeout(),
    });

    let migrations = if config.migrate_on_start {
        let state = state.clone();
        let pg = settings.database.pg.clone();
        tokio::spawn(async move {
            db::migrate::run_until_applied(&pg, &state.metrics).await;
            state.lifecycle.set_migrated();
        })
    } else {
        state.lifecycle.set_migrated();
        tokio::spawn(async {})
    };

    let (stop_accepting, stop_rx) = watch::channel(false);
    // Reading a request's head is bounded by the same limit as handling it.
    let header_timeout = config.request_timeout();
    let public = serve(
        warp::service(routes::public_routes(state.clone())),
        listeners.public,
        changed(stop_rx.clone()),
        header_timeout,
    );
    let admin = serve(
        warp::service(routes::metrics::admin_routes(state.clone())),
        listeners.admin,
        changed(stop_rx),
        header_timeout,
    );
    let servers = tokio::spawn(async move {
        tokio::join!(public, admin);
    });
    tracing::info!(%public_addr, %admin_addr, "listening");

    let (shutdown, shutdown_rx) = watch::channel(false);
    let phases = Phases {
        drain: config.shutdown_drain(),
        timeout: config.shutdown_timeout(),
    };
    let lifecycle = tokio::spawn(run_lifecycle(
        state.clone(),
        phases,
        shutdown_rx,
        stop_accepting,
        servers,
        migrations,
    ));
    Ok(App {
        public_addr,
        admin_addr,
        state,
        shutdown,
        lifecycle,
    })
}

struct Phases {
    drain: Duration,
    timeout: Duration,
}

async fn changed(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

async fn run_lifecycle(
    state: SharedState,
    phases: Phases,
    shutdown: watch::Receiver<bool>,
    stop_accepting: watch::Sender<bool>,
    mut servers: JoinHandle<()>,
    migrations: JoinHandle<()>,
) {
    changed(shutdown).await;
    state.lifecycle.start_draining();
    state.metrics.ready.set(0);
    tracing::info!(
        drain_seconds = phases.drain.as_secs(),
        "draining: /readyz answers 503, still serving"
    );
    tokio::time::sleep(phases.drain).await;

    tracing::info!(
        timeout_seconds = phases.timeout.as_secs(),
        "no longer accepting connections; finishing in-flight requests"
    );
    let _ = stop_accepting.send(true);
    if tokio::time::timeout(phases.timeout, &mut servers)
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight requests did not finish within the shutdown timeout; closing them"
        );
        servers.abort();
    }
    migrations.abort();
    // The servers held the remaining references to the pool: dropping them closes it.
    drop(state);
    tracing::info!("shutdown complete");
}
