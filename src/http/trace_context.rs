//! Reads the caller's trace context (W3C `traceparent`, or Google's `X-Cloud-Trace-Context`)
//! so log lines of the request carry `logging.googleapis.com/trace` and can be grouped.
use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use warp::http::HeaderMap;

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The remote span context of the request, if it sent a valid one.
pub fn extract(headers: &HeaderMap) -> Option<Context> {
    let cx = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    if cx.span().span_context().is_valid() {
        return Some(cx);
    }
    let header = headers.get("x-cloud-trace-context")?.to_str().ok()?;
    parse_cloud_trace_context(header).map(|sc| Context::new().with_remote_span_context(sc))
}

/// `TRACE_ID/SPAN_ID;o=OPTIONS`: 32 hex digits, a decimal span id, o=1 when sampled.
pub fn parse_cloud_trace_context(header: &str) -> Option<SpanContext> {
    let (trace, rest) = header.trim().split_once('/')?;
    let (span, options) = match rest.split_once(';') {
        Some((span, options)) => (span, Some(options)),
        None => (rest, None),
    };
    if trace.len() != 32 {
        return None;
    }
    let trace_id = TraceId::from_hex(trace).ok()?;
    let span_id = SpanId::from_bytes(span.parse::<u64>().ok()?.to_be_bytes());
    let sampled = options.is_some_and(|o| o.trim() == "o=1");
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let sc = SpanContext::new(trace_id, span_id, flags, true, TraceState::default());
    sc.is_valid().then_some(sc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_traceparent() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                .parse()
                .unwrap(),
        );
        let cx = extract(&headers).expect("context");
        let sc = cx.span().span_context().clone();
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(sc.is_sampled());
    }

    #[test]
    fn reads_cloud_trace_context() {
        let sc =
            parse_cloud_trace_context("105445aa7843bc8bf206b12000100000/1;o=1").expect("context");
        assert_eq!(
            sc.trace_id().to_string(),
            "105445aa7843bc8bf206b12000100000"
        );
        assert_eq!(sc.span_id().to_string(), "0000000000000001");
        assert!(sc.is_sampled());
        assert!(parse_cloud_trace_context("nonsense").is_none());
        assert!(parse_cloud_trace_context("00000000000000000000000000000000/1;o=1").is_none());
    }
}
