//! `hello-server check <url>`: a dependency-free HTTP GET for probes and `helm test`
//! (the distroless image has no curl). Plain http:// only.
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckError {
    #[error("only http://host[:port]/path URLs are supported")]
    UnsupportedUrl,
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("request failed: {0}")]
    Io(String),
    #[error("malformed HTTP response")]
    Malformed,
    #[error("timed out")]
    TimedOut,
}

struct Target<'a> {
    authority: &'a str,
    path: &'a str,
}

fn parse(url: &str) -> Result<Target<'_>, CheckError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or(CheckError::UnsupportedUrl)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') || path.contains(char::is_whitespace) {
        return Err(CheckError::UnsupportedUrl);
    }
    Ok(Target { authority, path })
}

/// Returns the HTTP status of a GET to `url`.
pub fn get_status(url: &str, timeout: Duration) -> Result<u16, CheckError> {
    let target = parse(url)?;
    let deadline = Instant::now() + timeout;
    let with_port = if target
        .authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        target.authority.to_owned()
    } else {
        format!("{}:80", target.authority)
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|_| CheckError::Resolve(target.authority.to_owned()))?
        .next()
        .ok_or_else(|| CheckError::Resolve(target.authority.to_owned()))?;
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => CheckError::TimedOut,
        _ => CheckError::Io(e.to_string()),
    };
    let remaining = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let mut stream = TcpStream::connect_timeout(&addr, remaining()).map_err(io)?;
    stream.set_write_timeout(Some(remaining())).map_err(io)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: hello-server-check\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        target.path, target.authority
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut head = Vec::new();
    let mut buf = [0_u8; 512];
    while !head.contains(&b'\n') {
        stream.set_read_timeout(Some(remaining())).map_err(io)?;
        let n = stream.read(&mut buf).map_err(io)?;
        if n == 0 || head.len() > 8192 {
            return Err(CheckError::Malformed);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.split_whitespace();
    match (
        parts.next(),
        parts.next().and_then(|s| s.parse::<u16>().ok()),
    ) {
        (Some(v), Some(status)) if v.starts_with("HTTP/") => Ok(status),
        _ => Err(CheckError::Malformed),
    }
}

/// Exit code of the subcommand: 0 on 2xx, 1 otherwise (the reason goes to stderr).
pub fn run(url: &str, timeout: Duration) -> u8 {
    match get_status(url, timeout) {
        Ok(status) if (200..300).contains(&status) => {
            println!("{url}: {status}");
            0
        }
        Ok(status) => {
            eprintln!("{url}: {status}");
            1
        }
        Err(err) => {
            eprintln!("{url}: {err}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = parse("http://127.0.0.1:8080/readyz").unwrap();
        assert_eq!((t.authority, t.path), ("127.0.0.1:8080", "/readyz"));
        assert_eq!(parse("http://svc").unwrap().path, "/");
        assert_eq!(parse("https://x/").err(), Some(CheckError::UnsupportedUrl));
        assert_eq!(
            parse("http://u:p@x/").err(),
            Some(CheckError::UnsupportedUrl)
        );
    }
}
