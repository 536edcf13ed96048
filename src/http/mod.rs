//! HTTP plumbing shared by the routes: responses, rejections, headers, timeouts, observation.
pub mod access_line;
pub mod access_log;
pub mod headers;
pub mod observe;
pub mod reject;
pub mod response;
pub mod server;
pub mod timeout;
pub mod trace_context;
