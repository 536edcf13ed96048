//! One access-log line per request in Cloud Logging's `httpRequest` shape. Severity follows the
//! status; probes log at DEBUG. With JSON logs the line is serialized by `access_line` (the hot
//! path); otherwise it is a `tracing` event, whose `http_request.*` fields tracing-stackdriver
//! would nest the same way.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Instant;

use opentelemetry::trace::TraceContextExt;
use tracing::Level;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use warp::Filter;
use warp::http::header::USER_AGENT;
use warp::http::{HeaderMap, Method};
use warp::hyper::body::Body as _;
use warp::path::FullPath;
use warp::reply::Response;

use super::access_line::{self, Entry, HttpRequest, SourceLocation, TraceFields};
use super::trace_context;
use crate::telemetry::{self, AccessLogSink};

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
        // Probe lines are off at the default RUST_LOG: skip building them.
        if !level_enabled(level) {
            return;
        }
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
        if let AccessLogSink::CloudLoggingJson { trace_project } = telemetry::access_log_sink() {
            let source_location = SourceLocation {
                file: file!(),
                line: concat!(line!()),
            };
            let message = format!("{method} {url} {}", status.as_u16());
            access_line::write(&Entry {
                level,
                target: module_path!(),
                source_location: &source_location,
                message: &message,
                route,
                http_request: HttpRequest {
                    request_method: method,
                    request_url: url,
                    status: status.as_u16(),
                    response_size: size,
                    user_agent,
                    remote_ip: &remote_ip,
                    latency: &latency,
                },
                trace: trace_project.as_deref().and_then(|p| self.trace_fields(p)),
            });
            return;
        }
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

impl RequestInfo {
    /// The fields tracing-stackdriver derives from the request span: its trace id (the caller's
    /// when it sent one) and span id, sampled only when the caller said so.
    fn trace_fields(&self, project: &str) -> Option<TraceFields> {
        let cx = tracing::Span::current().context();
        let span = cx.span();
        let ours = span.span_context();
        if !ours.is_valid() {
            return None;
        }
        let sampled = trace_context::extract(&self.headers)
            .is_some_and(|caller| caller.span().span_context().is_sampled());
        Some(TraceFields {
            trace: format!("projects/{project}/traces/{}", ours.trace_id()),
            span_id: ours.span_id().to_string(),
            sampled,
        })
    }
}

/// Whether `RUST_LOG` keeps this module's lines at `level` (one static callsite per level).
fn level_enabled(level: Level) -> bool {
    match level {
        Level::ERROR => tracing::enabled!(Level::ERROR),
        Level::WARN => tracing::enabled!(Level::WARN),
        Level::INFO => tracing::enabled!(Level::INFO),
        _ => tracing::enabled!(Level::DEBUG),
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
