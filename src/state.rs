//! State shared by the handlers.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::db::Db;
use crate::metrics::Metrics;

/// Start-up and shutdown phases that readiness depends on.
#[derive(Debug, Default)]
pub struct Lifecycle {
    migrated: AtomicBool,
    draining: AtomicBool,
}

impl Lifecycle {
    pub fn set_migrated(&self) {
        self.migrated.store(true, Ordering::SeqCst);
    }

    pub fn is_migrated(&self) -> bool {
        self.migrated.load(Ordering::SeqCst)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

pub struct AppState {
    pub db: Db,
    pub metrics: Metrics,
    pub lifecycle: Lifecycle,
    pub default_greeting_id: i64,
    pub request_timeout: Duration,
    pub readiness_timeout: Duration,
}

pub type SharedState = Arc<AppState>;
