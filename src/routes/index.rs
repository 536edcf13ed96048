//! `GET /`: the greeting DEFAULT_GREETING_ID, exactly as `/greeting/{id}` would answer.
use warp::{Filter, Rejection};

use super::negotiate::negotiate;
use super::{ROUTE_INDEX, greeting, with_state};
use crate::http::reject::get_or_head;
use crate::http::response::Routed;
use crate::state::SharedState;

pub fn route(state: SharedState) -> impl Filter<Extract = (Routed,), Error = Rejection> + Clone {
    warp::path::end()
        .and(get_or_head(ROUTE_INDEX))
        .and(warp::header::optional::<String>("accept"))
        .and(with_state(state))
        .then(|accept: Option<String>, state: SharedState| async move {
            let format = negotiate(accept.as_deref());
            Routed::new(
                ROUTE_INDEX,
                greeting::respond(&state, state.default_greeting_id, format).await,
            )
        })
}
