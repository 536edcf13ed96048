//! Logging: Cloud Logging structured JSON (tracing-stackdriver) or human-readable text,
//! filtered by RUST_LOG. With GOOGLE_CLOUD_PROJECT set, JSON lines of a request that carried a
//! trace context get `logging.googleapis.com/trace` and `spanId` through OpenTelemetry.
use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::TracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{ConfigError, LogFormat};

const DEFAULT_FILTER: &str = "info";
/// warp's own per-request lines would duplicate the access log.
const QUIET_WARP_TRACE: &str = "warp::filters::trace=off";

/// The tracer hands out span ids only while its provider is alive: keep it for the process.
static TRACER_PROVIDER: OnceLock<TracerProvider> = OnceLock::new();

/// How access-log lines are written. Set once by [`init`].
#[derive(Debug)]
pub enum AccessLogSink {
    /// As `tracing` events: the text format, and any process that never called [`init`]
    /// (tests that run the app in-process with their own subscriber).
    Tracing,
    /// As Cloud Logging JSON written straight to stdout (`http::access_line`), with trace
    /// fields when a project is known.
    CloudLoggingJson { trace_project: Option<String> },
}

static ACCESS_LOG_SINK: OnceLock<AccessLogSink> = OnceLock::new();

pub fn access_log_sink() -> &'static AccessLogSink {
    ACCESS_LOG_SINK.get().unwrap_or(&AccessLogSink::Tracing)
}

pub fn env_filter() -> Result<EnvFilter, ConfigError> {
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT_FILTER.to_owned());
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| ConfigError {
            setting: "RUST_LOG",
            problem: e.to_string(),
        })?;
    Ok(filter.add_directive(QUIET_WARP_TRACE.parse().expect("static directive")))
}

pub fn init(format: LogFormat, google_cloud_project: Option<&str>) -> Result<(), ConfigError> {
    let filter = env_filter()?;
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Text => {
            // Colours only on a terminal, not in files or pipes.
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
            let text = tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(ansi);
            registry.with(text).try_init()
        }
        LogFormat::Json => match google_cloud_project {
            Some(project_id) => {
                let provider = TRACER_PROVIDER.get_or_init(|| TracerProvider::builder().build());
                let otel =
                    tracing_opentelemetry::layer().with_tracer(provider.tracer("hello-server"));
                let config = tracing_stackdriver::CloudTraceConfiguration {
                    project_id: project_id.to_owned(),
                };
                registry
                    .with(otel)
                    .with(tracing_stackdriver::layer().with_cloud_trace(config))
                    .try_init()
            }
            None => registry.with(tracing_stackdriver::layer()).try_init(),
        },
    };
    result.map_err(|e| ConfigError {
        setting: "LOG_FORMAT",
        problem: format!("cannot install the logger: {e}"),
    })?;
    if format == LogFormat::Json {
        let _ = ACCESS_LOG_SINK.set(AccessLogSink::CloudLoggingJson {
            trace_project: google_cloud_project.map(str::to_owned),
        });
    }
    Ok(())
}
