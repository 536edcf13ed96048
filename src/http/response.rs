//! Responses tagged with the route template that produced them (the `route` metric label).
use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;
use warp::http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use warp::reply::Response as WarpResponse;

/// Seconds a client should wait before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "1";

pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
pub const TEXT_HTML: &str = "text/html; charset=utf-8";
pub const APPLICATION_JSON: &str = "application/json";

pub struct Routed {
    pub route: &'static str,
    pub response: WarpResponse,
}

impl Routed {
    pub fn new(route: &'static str, response: WarpResponse) -> Self {
        Self { route, response }
    }
}

pub fn with_body(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Vec<u8>>,
) -> WarpResponse {
    let mut response = body.into().into_response();
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn text(status: StatusCode, body: impl Into<String>) -> WarpResponse {
    let mut body = body.into();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    with_body(status, TEXT_PLAIN, body)
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> WarpResponse {
    match serde_json::to_vec(value) {
        Ok(body) => with_body(status, APPLICATION_JSON, body),
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

pub fn html(status: StatusCode, page: String) -> WarpResponse {
    with_body(status, TEXT_HTML, page)
}

/// 503 with Retry-After and a one-line reason that never contains database error text.
pub fn unavailable(reason: &str) -> WarpResponse {
    let mut response = text(StatusCode::SERVICE_UNAVAILABLE, reason);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    response
}
