//! Method guard and the recovery of rejections into readable 400/404/405 responses.
use std::convert::Infallible;

use warp::http::Method;
use warp::http::StatusCode;
use warp::http::header::{ALLOW, HeaderValue};
use warp::{Filter, Rejection};

use super::response::{Routed, text};
use crate::metrics::ROUTE_UNMATCHED;

/// A known path requested with a method it does not serve.
#[derive(Debug)]
pub struct WrongMethod {
    route: &'static str,
}

impl warp::reject::Reject for WrongMethod {}

/// Lets GET and HEAD through (hyper leaves the body out of HEAD answers); any other method on
/// this route becomes a 405 tagged with the route.
pub fn get_or_head(route: &'static str) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::method()
        .and_then(move |method: Method| async move {
            if method == Method::GET || method == Method::HEAD {
                Ok(())
            } else {
                Err(warp::reject::custom(WrongMethod { route }))
            }
        })
        .untuple_one()
}

/// Turns what no route accepted into a response. Unmatched paths share one route label so the
/// metric cardinality stays bounded whatever clients send.
pub async fn recover(rejection: Rejection) -> Result<Routed, Infallible> {
    if let Some(WrongMethod { route }) = rejection.find::<WrongMethod>() {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(Routed::new(route, response));
    }
    if rejection.is_not_found() {
        return Ok(Routed::new(
            ROUTE_UNMATCHED,
            text(StatusCode::NOT_FOUND, "not found"),
        ));
    }
    let status = rejection
        .find::<warp::reject::MethodNotAllowed>()
        .map_or(StatusCode::BAD_REQUEST, |_| StatusCode::METHOD_NOT_ALLOWED);
    let reason = status
        .canonical_reason()
        .unwrap_or("bad request")
        .to_ascii_lowercase();
    Ok(Routed::new(ROUTE_UNMATCHED, text(status, reason)))
}
