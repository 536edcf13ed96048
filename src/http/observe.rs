//! Around every public request: a tracing span joined to the caller's trace, the HTTP metrics,
//! security headers and one access-log line in Cloud Logging's `httpRequest` shape.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Instant;

use prometheus::IntGauge;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use warp::http::header::USER_AGENT;
use warp::http::{HeaderMap, Method};
use warp::hyper::body::Body as _;
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::response::Routed;
use super::{headers, trace_context};
use crate::metrics::Metrics;
use crate::routes::{ROUTE_HEALTHZ, ROUTE_READYZ};

/// Paths longer than this are cut in log lines.
const MAX_LOGGED_PATH: usize = 512;

/// Keeps `http_requests_in_flight` right even when a request is abandoned half-way.
struct InFlight(IntGauge);

impl InFlight {
    fn enter(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

struct Started {
    at: Instant,
    _in_flight: InFlight,
}

/// Wraps the routes (which always answer, see `recover`) with metrics, headers and logging.
pub fn observed<F>(
    routes: F,
    metrics: Metrics,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone
where
    F: Filter<Extract = (Routed,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let gauge = metrics.http_requests_in_flight.clone();
    warp::any()
        .map(move || Started {
            at: Instant::now(),
            _in_flight: InFlight::enter(&gauge),
        })
        .and(warp::method())
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and(warp::addr::remote())
        .and(routes)
        .map(move |started, method, path, headers, remote, routed| {
            finish(&metrics, started, &method, &path, &headers, remote, routed)
        })
        .with(warp::trace(request_span))
}

fn request_span(info: warp::trace::Info<'_>) -> Span {
    // ERROR level so the span (and the trace ids it carries) exists whatever RUST_LOG keeps.
    let span = tracing::error_span!("request", method = %info.method());
    if let Some(cx) = trace_context::extract(info.request_headers()) {
        span.set_parent(cx);
    }
    span
}

fn finish(
    metrics: &Metrics,
    started: Started,
    method: &Method,
    path: &FullPath,
    request_headers: &HeaderMap,
    remote: Option<SocketAddr>,
    routed: Routed,
) -> Response {
    let Routed {
        route,
        mut response,
    } = routed;
    headers::apply(response.headers_mut());
    let elapsed = started.at.elapsed();
    let status = response.status();
    let labels = [method.as_str(), route, status.as_str()];
    metrics.http_requests_total.with_label_values(&labels).inc();
    metrics
        .http_request_duration_seconds
        .with_label_values(&labels)
        .observe(elapsed.as_secs_f64());

    let url = truncate(path.as_str(), MAX_LOGGED_PATH);
    let user_agent = request_headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let remote_ip = remote.map(|a| a.ip().to_string()).unwrap_or_default();
    let size = response.body().size_hint().exact().unwrap_or(0);
    let latency = format!("{:.6}s", elapsed.as_secs_f64());
    let probe = route == ROUTE_HEALTHZ || route == ROUTE_READYZ;
    macro_rules! access_log {
        ($level:expr) => {
            tracing::event!(
                $level,
                http_request.request_method = method.as_str(),
                http_request.request_url = url,
                http_request.status = status.as_u16(),
                http_request.response_size = size,
                http_request.user_agent = user_agent,
                http_request.remote_ip = remote_ip,
                http_request.latency = latency,
                route,
                "{} {} {}",
                method,
                url,
                status.as_u16()
            )
        };
    }
    if probe {
        access_log!(tracing::Level::DEBUG);
    } else if status.is_server_error() {
        access_log!(tracing::Level::ERROR);
    } else if status.is_client_error() {
        access_log!(tracing::Level::WARN);
    } else {
        access_log!(tracing::Level::INFO);
    }
    drop(started);
    response
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
