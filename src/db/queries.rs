//! The queries the server runs, with their metrics and error classification.
use std::time::Instant;

use bb8::{PooledConnection, RunError};
use tokio_postgres::error::SqlState;

use super::pool::{PgPool, PreparedManager};
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
        let conn = self.checkout().await?;
        let started = Instant::now();
        let result = async {
            let statement = conn.get_greeting().await?;
            conn.client.query_opt(statement, &[&id]).await
        }
        .await;
        self.observe(QUERY_GET_GREETING, started);
        let row = result.map_err(|e| self.failed(DbError::from_query(e)))?;
        Ok(row.map(|row| row.get(0)))
    }

    /// One round trip on a pooled connection: the readiness check.
    pub async fn ping(&self) -> Result<(), DbError> {
        let conn = self.checkout().await?;
        let started = Instant::now();
        let result = async {
            let statement = conn.readiness_ping().await?;
            conn.client.query_one(statement, &[]).await
        }
        .await;
        self.observe(QUERY_READINESS_PING, started);
        result
            .map(drop)
            .map_err(|e| self.failed(DbError::from_query(e)))
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
