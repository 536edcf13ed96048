//! The queries the server runs, with their metrics and error classification.
use std::time::Instant;

use bb8::{PooledConnection, RunError};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::pool::{PgPool, PreparedClient, PreparedManager};
use crate::metrics::{DbErrorKind, Metrics, QUERY_GET_GREETING, QUERY_READINESS_PING};

/// Why the database could not answer. Shown only in logs; clients get a generic 503.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no pooled connection became available within the checkout timeout")]
    CheckoutTimeout,
    #[error("could not connect: {}", crate::error_chain::chain(.0))]
    Connect(tokio_postgres::Error),
    #[error("statement timed out: {}", crate::error_chain::chain(.0))]
    StatementTimeout(tokio_postgres::Error),
    #[error("query failed: {}", crate::error_chain::chain(.0))]
    Query(tokio_postgres::Error),
}

impl DbError {
    fn from_query(err: tokio_postgres::Error) -> Self {
        if err.code() == Some(&SqlState::QUERY_CANCELED) {
            Self::StatementTimeout(err)
        } else {
            Self::Query(err)
        }
    }

    pub fn kind(&self) -> DbErrorKind {
        match self {
            Self::CheckoutTimeout => DbErrorKind::CheckoutTimeout,
            Self::Connect(_) => DbErrorKind::Connect,
            Self::StatementTimeout(_) => DbErrorKind::StatementTimeout,
            Self::Query(_) => DbErrorKind::Query,
        }
    }
}

/// The pool plus the metrics every checkout and query records.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    metrics: Metrics,
}

impl Db {
    pub fn new(pool: PgPool, max_size: u32, metrics: Metrics) -> Self {
        metrics.db_pool_max_connections.set(i64::from(max_size));
        Self { pool, metrics }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The greeting with this id, or None when there is none.
    pub async fn get_greeting(&self, id: i64) -> Result<Option<String>, DbError> {
        let row = self.read_retrying_once(Read::Greeting(id)).await?;
        Ok(row.map(|row| row.get(0)))
    }

    /// One round trip on a pooled connection: the readiness check.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read_retrying_once(Read::Ping).await.map(drop)
    }

    /// Runs an idempotent read, and runs it once more on another connection when the first one
    /// turns out to have been closed under it (PostgreSQL restarted or ended the session after
    /// the checkout's `is_closed` check passed). Without this, every pooled connection that broke
    /// this way would cost one client a 503. Only a closed connection is retried: a statement
    /// timeout or any other database error would fail the same way again. The retry goes through
    /// the same checkout timeout and statement timeout, inside the caller's own deadline. The
    /// broken connection is discarded by the pool (`has_broken` on return, or `is_valid` at its
    /// next checkout) and its error counted as `query` and logged, even when the retry succeeds.
    async fn read_retrying_once(&self, read: Read) -> Result<Option<Row>, DbError> {
        let mut retried = false;
        loop {
            let conn = self.checkout().await?;
            let started = Instant::now();
            let result = read.run(&conn).await;
            self.observe(read.label(), started);
            match result {
                Ok(row) => return Ok(row),
                Err(err) if !retried && connection_closed(&err, &conn) => {
                    let err = self.failed(DbError::from_query(err));
                    tracing::warn!(
                        error = %err,
                        query = read.label(),
                        "pooled connection was closed; retrying once on another connection"
                    );
                    retried = true;
                }
                Err(err) => return Err(self.failed(DbError::from_query(err))),
            }
        }
    }

    /// Copies the pool's connection counts into the gauges (called at scrape time).
    pub fn export_pool_state(&self) {
        let state = self.pool.state();
        let idle = state.idle_connections;
        self.metrics
            .set_pool_state(idle, state.connections.saturating_sub(idle));
    }

    async fn checkout(&self) -> Result<PooledConnection<'_, PreparedManager>, DbError> {
        let started = Instant::now();
        let result = self.pool.get().await;
        self.metrics
            .db_pool_wait_seconds
            .observe(started.elapsed().as_secs_f64());
        result.map_err(|e| match e {
            RunError::TimedOut => {
                self.metrics.db_pool_checkout_timeouts_total.inc();
                self.failed(DbError::CheckoutTimeout)
            }
            RunError::User(e) => self.failed(DbError::Connect(e)),
        })
    }

    fn observe(&self, query: &str, started: Instant) {
        self.metrics
            .db_query_duration_seconds
            .with_label_values(&[query])
            .observe(started.elapsed().as_secs_f64());
    }

    fn failed(&self, err: DbError) -> DbError {
        self.metrics.db_error(err.kind());
        err
    }
}

/// The reads the server runs, each on its connection's prepared statement.
#[derive(Clone, Copy)]
enum Read {
    Greeting(i64),
    Ping,
}

impl Read {
    fn label(self) -> &'static str {
        match self {
            Self::Greeting(_) => QUERY_GET_GREETING,
            Self::Ping => QUERY_READINESS_PING,
        }
    }

    async fn run(self, conn: &PreparedClient) -> Result<Option<Row>, tokio_postgres::Error> {
        match self {
            Self::Greeting(id) => {
                let statement = conn.get_greeting().await?;
                conn.client.query_opt(statement, &[&id]).await
            }
            Self::Ping => {
                let statement = conn.readiness_ping().await?;
                conn.client.query_one(statement, &[]).await.map(Some)
            }
        }
    }
}

/// Whether a failed read says the connection itself is gone (so another one may succeed): the
/// driver reports it closed, the server ended the session (restart, termination) or the socket
/// failed. Statement timeouts and other SQL errors leave the connection usable and are not
/// retried.
fn connection_closed(err: &tokio_postgres::Error, conn: &PreparedClient) -> bool {
    if err.is_closed() || conn.client.is_closed() {
        return true;
    }
    if let Some(code) = err.code() {
        return [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(code);
    }
    std::error::Error::source(err).is_some_and(|source| source.is::<std::io::Error>())
}
