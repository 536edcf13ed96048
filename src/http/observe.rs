//! Around every public request: a tracing span joined to the caller's trace, the HTTP metrics,
//! security headers and the access-log line.
use std::convert::Infallible;

use prometheus::IntGauge;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::access_log::{RequestInfo, request_info};
use super::response::Routed;
use super::{headers, trace_context};
use crate::metrics::Metrics;
use crate::routes::{ROUTE_HEALTHZ, ROUTE_READYZ};

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
        .map(move || InFlight::enter(&gauge))
        .and(request_info())
        .and(routes)
        .map(
            move |in_flight: InFlight, request: RequestInfo, routed: Routed| {
                let response = finish(&metrics, &request, routed);
                drop(in_flight);
                response
            },
        )
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

fn finish(metrics: &Metrics, request: &RequestInfo, routed: Routed) -> Response {
    let Routed {
        route,
        mut response,
    } = routed;
    headers::apply(response.headers_mut());
    let status = response.status();
    let labels = [request.method.as_str(), route, status.as_str()];
    metrics.http_requests_total.with_label_values(&labels).inc();
    metrics
        .http_request_duration_seconds
        .with_label_values(&labels)
        .observe(request.started.elapsed().as_secs_f64());
    request.log(
        route,
        &response,
        route == ROUTE_HEALTHZ || route == ROUTE_READYZ,
    );
    response
}
