//! Error messages with their causes: tokio-postgres' `Display` says only "db error" and keeps the
//! server's message (e.g. "password authentication failed") in its source.
use std::error::Error;

pub fn chain(err: &(dyn Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
