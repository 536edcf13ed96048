//! hello-server: a greeting web service on warp and PostgreSQL, with Prometheus metrics on a
//! separate admin port and Cloud Logging structured logs.
pub mod build_info;
pub mod check;
pub mod config;
pub mod db;
pub mod error_chain;
pub mod http;
pub mod memory;
pub mod metrics;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use routes::id::{IdError, parse_greeting_id};
pub use routes::negotiate::{Format, negotiate};
pub use startup::{App, Listeners, startup};
