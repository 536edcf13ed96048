//! One access-log line per request in Cloud Logging's `httpRequest` shape (tracing-stackdriver
//! nests `http_request.*` fields). Severity follows the status; probes log at DEBUG.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Instant;

use tracing::Level;
use warp::Filter;
use warp::http::header::USER_AGENT;
use warp::http::{HeaderMap, Method};
use warp::hyper::body::Body as _;
use warp::path::FullPath;
use warp::reply::Response;

/// Paths longer than this are cut in log lines.
const MAX_LOGGED_PATH: usize = 512;

/// What the access log needs to know about a request, captured before routing.
pub struct RequestInfo {
    pub started: Instant,
    pub method: Method,
    path: FullPath,
    headers: HeaderMap,
    remote: Option<SocketAddr>,
}

pub fn request_info() -> impl Filter<Extract = (RequestInfo,), Error = Infallible> + Clone {
    warp::any()
        .map(Instant::now)
        .and(warp::method())
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and(super::server::client_addr())
        .map(|started, method, path, headers, remote| RequestInfo {
            started,
            method,
            path,
            headers,
            remote,
        })
}

impl RequestInfo {
    /// Logs the answer. `quiet` requests (probes, scrapes) log at DEBUG whatever their status.
    pub fn log(&self, route: &str, response: &Response, quiet: bool) {
        let status = response.status();
        let level = if quiet {
            Level::DEBUG
        } else if status.is_server_error() {
            Level::ERROR
        } else if status.is_client_error() {
            Level::WARN
        } else {
            Level::INFO
        };
        // The query string is left out: it may carry tokens.
        let url = truncate(self.path.as_str(), MAX_LOGGED_PATH);
        let user_agent = self
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let remote_ip = self.remote.map(|a| a.ip().to_string()).unwrap_or_default();
        let size = response.body().size_hint().exact().unwrap_or(0);
        let latency = format!("{:.6}s", self.started.elapsed().as_secs_f64());
        let method = self.method.as_str();
        macro_rules! emit {
            ($level:expr) => {
                tracing::event!(
                    $level,
                    http_request.request_method = method,
                    http_request.request_url = url,
                    http_request.status = status.as_u16(),
                    http_request.response_size = size,
                    http_request.user_agent = user_agent,
                    http_request.remote_ip = remote_ip,
                    http_request.latency = latency,
                    route,
                    "{method} {url} {}",
                    status.as_u16()
                )
            };
        }
        match level {
            Level::ERROR => emit!(Level::ERROR),
            Level::WARN => emit!(Level::WARN),
            Level::INFO => emit!(Level::INFO),
            _ => emit!(Level::DEBUG),
        }
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncates_on_a_char_boundary() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }
}
