//! Admin port: `GET /metrics` (Prometheus text format) and `GET /healthz`.
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::http::access_log::{RequestInfo, request_info};
use crate::http::headers;
use crate::http::response::{text, with_body};
use crate::state::SharedState;

const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn admin_routes(
    state: SharedState,
) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone {
    let metrics = warp::path("metrics")
        .and(warp::path::end())
        .and(warp::get())
        .map(move || {
            state.db.export_pool_state();
            match state.metrics.render() {
                Ok(body) => with_body(StatusCode::OK, PROMETHEUS_TEXT, body),
                Err(err) => {
                    tracing::error!(error = %err, "could not encode metrics");
                    text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "could not encode metrics",
                    )
                }
            }
        });
    let healthz = warp::path("healthz")
        .and(warp::path::end())
        .and(warp::get())
        .map(|| text(StatusCode::OK, "ok"));
    let routes = metrics
        .or(healthz)
        .unify()
        .recover(|_: Rejection| async {
            Ok::<_, std::convert::Infallible>(text(StatusCode::NOT_FOUND, "not found"))
        })
        .unify();
    request_info()
        .and(routes)
        .map(|request: RequestInfo, mut response: Response| {
            headers::apply(response.headers_mut());
            // Scrapes and probes every few seconds: DEBUG keeps them out of the default log.
            request.log("admin", &response, true);
            response
        })
}
