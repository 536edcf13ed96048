//! The JSON access-log line, serialized straight to stdout in the same Cloud Logging shape that
//! tracing-stackdriver gives every other line.
//!
//! Why not through `tracing`: the access line is written once per request, and going through
//! tracing-stackdriver's generic path (a `serde_json::Value` map per event, camel-casing each
//! field name, re-parsing the request span's fields from JSON) made it the largest user-space cost
//! of a greeting. A fixed struct serialized into a reused buffer carries the same fields for about
//! a third of that (see docs/capacity.md). Filtering is unchanged: the caller asks `tracing`
//! whether the level is enabled for this module, so `RUST_LOG` still decides.
use std::cell::RefCell;
use std::io::Write;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::Level;

/// A line longer than this (a huge `User-Agent`) does not keep its buffer for the next one.
const KEPT_BUFFER_BYTES: usize = 16 * 1024;

/// Cloud Logging's `httpRequest` object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest<'a> {
    pub request_method: &'a str,
    pub request_url: &'a str,
    pub status: u16,
    pub response_size: u64,
    pub user_agent: &'a str,
    pub remote_ip: &'a str,
    pub latency: &'a str,
}

/// The request's place in a Cloud Trace trace, as Cloud Logging expects it.
pub struct TraceFields {
    /// `projects/<project>/traces/<trace-id>`
    pub trace: String,
    pub span_id: String,
    pub sampled: bool,
}

/// Where the line was logged, as tracing-stackdriver writes it (line number as a string).
#[derive(Serialize)]
pub struct SourceLocation {
    pub file: &'static str,
    pub line: &'static str,
}

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    target: &'static str,
    #[serde(rename = "logging.googleapis.com/sourceLocation")]
    source_location: &'a SourceLocation,
    severity: &'static str,
    message: &'a str,
    route: &'a str,
    #[serde(rename = "httpRequest")]
    http_request: &'a HttpRequest<'a>,
    #[serde(
        rename = "logging.googleapis.com/trace",
        skip_serializing_if = "Option::is_none"
    )]
    trace: Option<&'a str>,
    #[serde(
        rename = "logging.googleapis.com/spanId",
        skip_serializing_if = "Option::is_none"
    )]
    span_id: Option<&'a str>,
    #[serde(
        rename = "logging.googleapis.com/trace_sampled",
        skip_serializing_if = "Option::is_none"
    )]
    trace_sampled: Option<bool>,
}

/// Cloud Logging's name for a tracing level (the mapping tracing-stackdriver uses).
fn severity(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        _ => "DEBUG",
    }
}

pub struct Entry<'a> {
    pub level: Level,
    pub target: &'static str,
    pub source_location: &'a SourceLocation,
    pub message: &'a str,
    pub route: &'a str,
    pub http_request: HttpRequest<'a>,
    pub trace: Option<TraceFields>,
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(1024));
}

/// Serializes one line into `out`, newline included.
pub fn render(entry: &Entry<'_>, now: OffsetDateTime, out: &mut Vec<u8>) {
    let line = Line {
        // RFC 3339 formatting of a valid UTC time cannot fail; an empty time would still parse.
        time: now.format(&Rfc3339).unwrap_or_default(),
        target: entry.target,
        source_location: entry.source_location,
        severity: severity(entry.level),
        message: entry.message,
        route: entry.route,
        http_request: &entry.http_request,
        trace: entry.trace.as_ref().map(|t| t.trace.as_str()),
        span_id: entry.trace.as_ref().map(|t| t.span_id.as_str()),
        trace_sampled: entry.trace.as_ref().and_then(|t| t.sampled.then_some(true)),
    };
    // Only strings and integers: serializing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &line);
    out.push(b'\n');
}

/// Writes the line to stdout with one `write_all` under stdout's lock, so it never interleaves
/// with lines from `tracing`. A failed write is dropped, as `tracing` drops it.
pub fn write(entry: &Entry<'_>) {
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        render(entry, OffsetDateTime::now_utc(), buffer);
        let _ = std::io::stdout().lock().write_all(buffer);
        if buffer.capacity() > KEPT_BUFFER_BYTES {
            *buffer = Vec::with_capacity(1024);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(trace: Option<TraceFields>) -> Vec<u8> {
        let location = SourceLocation {
            file: "src/http/access_log.rs",
            line: "7",
        };
        let entry = Entry {
            level: Level::WARN,
            target: "hello_server::http::access_log",
            source_location: &location,
            message: "GET /x\"y 404",
            route: "unmatched",
            http_request: HttpRequest {
                request_method: "GET",
                request_url: "/x\"y",
                status: 404,
                response_size: 10,
                user_agent: "ua\\1",
                remote_ip: "127.0.0.1",
                latency: "0.000100s",
            },
            trace,
        };
        let mut out = Vec::new();
        render(&entry, OffsetDateTime::UNIX_EPOCH, &mut out);
        out
    }

    #[test]
    fn one_escaped_json_object_per_line_in_cloud_logging_shape() {
        let out = entry(None);
        assert_eq!(out.last(), Some(&b'\n'));
        assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 1);
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["time"], "1970-01-01T00:00:00Z");
        assert_eq!(line["severity"], "WARNING");
        assert_eq!(line["message"], "GET /x\"y 404");
        assert_eq!(line["route"], "unmatched");
        assert_eq!(
            line["logging.googleapis.com/sourceLocation"]["line"], "7",
            "line number as a string, as Cloud Logging expects"
        );
        let request = &line["httpRequest"];
        assert_eq!(request["requestUrl"], "/x\"y");
        assert_eq!(request["userAgent"], "ua\\1");
        assert_eq!(request["status"], 404);
        assert_eq!(request["responseSize"], 10);
        assert!(line.get("logging.googleapis.com/trace").is_none());
        assert!(line.get("logging.googleapis.com/trace_sampled").is_none());
    }

    #[test]
    fn trace_fields_when_known() {
        let sampled = |sampled| {
            let out = entry(Some(TraceFields {
                trace: "projects/p/traces/abc".to_owned(),
                span_id: "00f067aa0ba902b7".to_owned(),
                sampled,
            }));
            serde_json::from_slice::<serde_json::Value>(&out).unwrap()
        };
        let line = sampled(true);
        assert_eq!(
            line["logging.googleapis.com/trace"],
            "projects/p/traces/abc"
        );
        assert_eq!(line["logging.googleapis.com/spanId"], "00f067aa0ba902b7");
        assert_eq!(line["logging.googleapis.com/trace_sampled"], true);
        assert!(
            sampled(false)
                .get("logging.googleapis.com/trace_sampled")
                .is_none()
        );
    }

    #[test]
    fn severities_match_tracing_stackdriver() {
        assert_eq!(severity(Level::ERROR), "ERROR");
        assert_eq!(severity(Level::WARN), "WARNING");
        assert_eq!(severity(Level::INFO), "INFO");
        assert_eq!(severity(Level::DEBUG), "DEBUG");
        assert_eq!(severity(Level::TRACE), "DEBUG");
    }
}
