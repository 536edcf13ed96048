//! The Prometheus registry of the server. Every metric name the chart, dashboards and alert
//! rules rely on is defined here, once.
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::build_info;

pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "http_request_duration_seconds";
pub const HTTP_REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";
pub const DB_POOL_CONNECTIONS: &str = "db_pool_connections";
pub const DB_POOL_MAX_CONNECTIONS: &str = "db_pool_max_connections";
pub const DB_POOL_WAIT_SECONDS: &str = "db_pool_wait_seconds";
pub const DB_POOL_CHECKOUT_TIMEOUTS_TOTAL: &str = "db_pool_checkout_timeouts_total";
pub const DB_QUERY_DURATION_SECONDS: &str = "db_query_duration_seconds";
pub const DB_ERRORS_TOTAL: &str = "db_errors_total";
pub const BUILD_INFO: &str = "hello_server_build_info";
pub const READY: &str = "hello_server_ready";

/// Latency buckets; 0.1 s is the latency-SLO threshold and must stay an exact boundary.
pub const HTTP_DURATION_BUCKETS: [f64; 10] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
const DB_DURATION_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Route label of every request that matched no route, whatever its path (bounded cardinality).
pub const ROUTE_UNMATCHED: &str = "unmatched";

/// `query` label values of `db_query_duration_seconds`.
pub const QUERY_GET_GREETING: &str = "get_greeting";
pub const QUERY_READINESS_PING: &str = "readiness_ping";

/// `kind` label values of `db_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    Connect,
    CheckoutTimeout,
    Query,
    StatementTimeout,
    Migration,
}

impl DbErrorKind {
    pub const ALL: [DbErrorKind; 5] = [
        Self::Connect,
        Self::CheckoutTimeout,
        Self::Query,
        Self::StatementTimeout,
        Self::Migration,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::CheckoutTimeout => "checkout_timeout",
            Self::Query => "query",
            Self::StatementTimeout => "statement_timeout",
            Self::Migration => "migration",
        }
    }
}

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests_total: IntCounterVec,
    pub http_request_duration_seconds: HistogramVec,
    pub http_requests_in_flight: IntGauge,
    pub db_pool_connections: IntGaugeVec,
    pub db_pool_max_connections: IntGauge,
    pub db_pool_wait_seconds: Histogram,
    pub db_pool_checkout_timeouts_total: IntCounter,
    pub db_query_duration_seconds: HistogramVec,
    pub db_errors_total: IntCounterVec,
    pub ready: IntGauge,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let http_labels = &["method", "route", "status"];
        let metrics = Self {
            http_requests_total: IntCounterVec::new(
                Opts::new(
                    HTTP_REQUESTS_TOTAL,
                    "HTTP requests answered on the public port",
                ),
                http_labels,
            )?,
            http_request_duration_seconds: HistogramVec::new(
                HistogramOpts::new(
                    HTTP_REQUEST_DURATION_SECONDS,
                    "Time to answer HTTP requests on the public port",
                )
                .buckets(HTTP_DURATION_BUCKETS.to_vec()),
                http_labels,
            )?,
            http_requests_in_flight: IntGauge::new(
                HTTP_REQUESTS_IN_FLIGHT,
                "HTTP requests being answered",
            )?,
            db_pool_connections: IntGaugeVec::new(
                Opts::new(
                    DB_POOL_CONNECTIONS,
                    "Open pooled database connections by state",
                ),
                &["state"],
            )?,
            db_pool_max_connections: IntGauge::new(
                DB_POOL_MAX_CONNECTIONS,
                "Configured pool size",
            )?,
            db_pool_wait_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    DB_POOL_WAIT_SECONDS,
                    "Time spent waiting for a pooled connection",
                )
                .buckets(DB_DURATION_BUCKETS.to_vec()),
            )?,
            db_pool_checkout_timeouts_total: IntCounter::new(
                DB_POOL_CHECKOUT_TIMEOUTS_TOTAL,
                "Checkouts that gave up after DB_CHECKOUT_TIMEOUT_MS",
            )?,
            db_query_duration_seconds: HistogramVec::new(
                HistogramOpts::new(DB_QUERY_DURATION_SECONDS, "Database query time")
                    .buckets(DB_DURATION_BUCKETS.to_vec()),
                &["query"],
            )?,
            db_errors_total: IntCounterVec::new(
                Opts::new(DB_ERRORS_TOTAL, "Database errors by kind"),
                &["kind"],
            )?,
            ready: IntGauge::new(READY, "1 when the last readiness check passed")?,
            registry,
        };
        let build_info = IntGaugeVec::new(
            Opts::new(BUILD_INFO, "Version and git revision of the running binary"),
            &["version", "revision"],
        )?;
        build_info
            .with_label_values(&[build_info::VERSION, build_info::REVISION])
            .set(1);

        let r = &metrics.registry;
        r.register(Box::new(metrics.http_requests_total.clone()))?;
        r.register(Box::new(metrics.http_request_duration_seconds.clone()))?;
        r.register(Box::new(metrics.http_requests_in_flight.clone()))?;
        r.register(Box::new(metrics.db_pool_connections.clone()))?;
        r.register(Box::new(metrics.db_pool_max_connections.clone()))?;
        r.register(Box::new(metrics.db_pool_wait_seconds.clone()))?;
        r.register(Box::new(metrics.db_pool_checkout_timeouts_total.clone()))?;
        r.register(Box::new(metrics.db_query_duration_seconds.clone()))?;
        r.register(Box::new(metrics.db_errors_total.clone()))?;
        r.register(Box::new(metrics.ready.clone()))?;
        r.register(Box::new(build_info))?;
        r.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;

        // Export every label value from the start so dashboards and rate() see zeros, not gaps.
        for kind in DbErrorKind::ALL {
            metrics.db_errors_total.with_label_values(&[kind.label()]);
        }
        for query in [QUERY_GET_GREETING, QUERY_READINESS_PING] {
            metrics
                .db_query_duration_seconds
                .with_label_values(&[query]);
        }
        for state in ["idle", "in_use"] {
            metrics.db_pool_connections.with_label_values(&[state]);
        }
        Ok(metrics)
    }

    pub fn db_error(&self, kind: DbErrorKind) {
        self.db_errors_total
            .with_label_values(&[kind.label()])
            .inc();
    }

    pub fn set_pool_state(&self, idle: u32, in_use: u32) {
        self.db_pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(idle));
        self.db_pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
    }

    /// Prometheus text exposition of every registered metric.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}
