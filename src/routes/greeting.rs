//! `GET /greeting/{id}`: the greeting as HTML, JSON or text.
use serde::Serialize;
use warp::http::StatusCode;
use warp::path::Tail;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::id::{IdError, parse_greeting_id};
use super::negotiate::{Format, negotiate};
use super::{ROUTE_GREETING, page, with_state};
use crate::http::reject::get_or_head;
use crate::http::response::{Routed, html, json, text, unavailable};
use crate::http::timeout::bounded;
use crate::state::SharedState;

pub fn route(state: SharedState) -> impl Filter<Extract = (Routed,), Error = Rejection> + Clone {
    warp::path("greeting")
        .and(warp::path::tail())
        .and(get_or_head(ROUTE_GREETING))
        .and(warp::header::optional::<String>("accept"))
        .and(with_state(state))
        .then(
            |tail: Tail, accept: Option<String>, state: SharedState| async move {
                let format = negotiate(accept.as_deref());
                let response = match parse_greeting_id(tail.as_str()) {
                    Ok(id) => respond(&state, id, format).await,
                    Err(err) => bad_id(format, &err),
                };
                Routed::new(ROUTE_GREETING, response)
            },
        )
}

#[derive(Serialize)]
struct Greeting<'a> {
    id: i64,
    message: &'a str,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

/// Looks the greeting up and renders it; shared with `/`.
pub async fn respond(state: &SharedState, id: i64, format: Format) -> Response {
    bounded(state.request_timeout, async {
        match state.db.get_greeting(id).await {
            Ok(Some(message)) => match format {
                Format::Html => html(StatusCode::OK, page::render(&message)),
                Format::Json => json(
                    StatusCode::OK,
                    &Greeting {
                        id,
                        message: &message,
                    },
                ),
                Format::Text => text(StatusCode::OK, message),
            },
            Ok(None) => error(
                format,
                StatusCode::NOT_FOUND,
                &format!("no greeting with id {id}"),
            ),
            Err(err) => {
                // The cause goes to the log only; clients learn nothing about the database.
                tracing::error!(error = %err, kind = err.kind().label(), "greeting lookup failed");
                unavailable("service temporarily unavailable, retry shortly")
            }
        }
    })
    .await
}

fn bad_id(format: Format, err: &IdError) -> Response {
    error(format, StatusCode::BAD_REQUEST, &err.to_string())
}

/// JSON for JSON clients, text otherwise.
fn error(format: Format, status: StatusCode, message: &str) -> Response {
    match format {
        Format::Json => json(status, &ErrorBody { error: message }),
        Format::Html | Format::Text => text(status, message),
    }
}
