//! Embedded schema migrations, serialized across replicas: each instance takes a PostgreSQL
//! advisory lock on the session that runs the migrations, so concurrent starts apply them once.
use std::time::Duration;

use tokio_postgres::NoTls;

use crate::metrics::{DbErrorKind, Metrics};

refinery::embed_migrations!("migrations");

/// Arbitrary constant shared by every instance: "hello" in ASCII.
const MIGRATION_LOCK_KEY: i64 = 0x68_65_6c_6c_6f;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("could not connect: {}", crate::error_chain::chain(.0))]
    Connect(tokio_postgres::Error),
    #[error("could not take the migration lock: {}", crate::error_chain::chain(.0))]
    Lock(tokio_postgres::Error),
    #[error("migration failed: {}", crate::error_chain::chain(.0))]
    Migration(#[from] refinery::Error),
}

impl MigrateError {
    pub fn kind(&self) -> DbErrorKind {
        match self {
            Self::Connect(_) => DbErrorKind::Connect,
            Self::Lock(_) | Self::Migration(_) => DbErrorKind::Migration,
        }
    }
}

/// Applies pending migrations once; returns how many were applied.
pub async fn run(pg: &tokio_postgres::Config) -> Result<usize, MigrateError> {
    let (mut client, connection) = pg.connect(NoTls).await.map_err(MigrateError::Connect)?;
    let driver = tokio::spawn(connection);
    // Waiting for another instance's migrations may take longer than the request statement timeout.
    let result = async {
        client
            .batch_execute("SET statement_timeout = 0")
            .await
            .map_err(MigrateError::Lock)?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
            .await
            .map_err(MigrateError::Lock)?;
        let report = migrations::runner().run_async(&mut client).await;
        // Closing the session releases the lock too; unlock explicitly to hand it over at once.
        let _ = client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
            .await;
        Ok(report?.applied_migrations().len())
    }
    .await;
    drop(client);
    let _ = driver.await;
    result
}

/// Retries [`run`] with capped exponential backoff until it succeeds: the database (or the
/// Cloud SQL Auth Proxy sidecar) may come up after the server.
pub async fn run_until_applied(pg: &tokio_postgres::Config, metrics: &Metrics) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match run(pg).await {
            Ok(applied) => {
                tracing::info!(applied, "database migrations are up to date");
                return;
            }
            Err(err) => {
                metrics.db_error(err.kind());
                tracing::warn!(error = %err, retry_in_ms = backoff.as_millis() as u64, "database migrations not applied yet");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Short enough that the server is ready within about a second of the database appearing.
const MAX_BACKOFF: Duration = Duration::from_millis(800);
