//! The server-side bound on request handling.
use std::future::Future;
use std::time::Duration;

use warp::reply::Response;

use super::response::unavailable;

/// Runs the handler, answering 503 if it has not finished within `limit`.
pub async fn bounded(limit: Duration, handler: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(limit, handler).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            unavailable("request timed out")
        }
    }
}
