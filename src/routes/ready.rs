//! `GET /readyz`: 200 only when migrations are done, the server is not draining and a pooled
//! connection answers within READINESS_TIMEOUT_MS; otherwise 503 with a one-line reason.
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::{ROUTE_READYZ, with_state};
use crate::http::reject::get_or_head;
use crate::http::response::{Routed, text, unavailable};
use crate::state::SharedState;

pub fn route(state: SharedState) -> impl Filter<Extract = (Routed,), Error = Rejection> + Clone {
    warp::path("readyz")
        .and(warp::path::end())
        .and(get_or_head(ROUTE_READYZ))
        .and(with_state(state))
        .then(|state: SharedState| async move { Routed::new(ROUTE_READYZ, check(&state).await) })
}

async fn check(state: &SharedState) -> Response {
    let verdict = readiness(state).await;
    state.metrics.ready.set(i64::from(verdict.is_ok()));
    match verdict {
        Ok(()) => text(StatusCode::OK, "ready"),
        Err(reason) => unavailable(reason),
    }
}

async fn readiness(state: &SharedState) -> Result<(), &'static str> {
    if state.lifecycle.is_draining() {
        return Err("not ready: shutting down");
    }
    if !state.lifecycle.is_migrated() {
        return Err("not ready: database migrations not applied yet");
    }
    match tokio::time::timeout(state.readiness_timeout, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check: database unavailable");
            Err("not ready: database unavailable")
        }
        Err(_) => Err("not ready: database did not answer in time"),
    }
}
