//! `GET /healthz`: liveness. Answers while the process serves; never touches the database.
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use super::ROUTE_HEALTHZ;
use crate::http::reject::get_or_head;
use crate::http::response::{Routed, text};

pub fn route() -> impl Filter<Extract = (Routed,), Error = Rejection> + Clone {
    warp::path("healthz")
        .and(warp::path::end())
        .and(get_or_head(ROUTE_HEALTHZ))
        .map(|| Routed::new(ROUTE_HEALTHZ, text(StatusCode::OK, "ok")))
}
