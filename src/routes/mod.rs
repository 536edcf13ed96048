//! Routes of the public and admin ports. The route templates below are the `route` label
//! values of the HTTP metrics.
pub mod greeting;
pub mod health;
pub mod id;
pub mod index;
pub mod metrics;
pub mod negotiate;
pub mod page;
pub mod ready;

use std::convert::Infallible;

use warp::{Filter, Reply};

use crate::http::observe::observed;
use crate::http::reject::recover;
use crate::state::SharedState;

pub const ROUTE_INDEX: &str = "/";
pub const ROUTE_GREETING: &str = "/greeting/{id}";
pub const ROUTE_HEALTHZ: &str = "/healthz";
pub const ROUTE_READYZ: &str = "/readyz";

/// Everything served on the public port; /metrics is deliberately absent.
pub fn public_routes(
    state: SharedState,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let routes = index::route(state.clone())
        .or(greeting::route(state.clone()))
        .unify()
        .or(health::route())
        .unify()
        .or(ready::route(state.clone()))
        .unify()
        .recover(recover)
        .unify();
    observed(routes, state.metrics.clone())
}

fn with_state(
    state: SharedState,
) -> impl Filter<Extract = (SharedState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}
