//! Log output of the real binary: Cloud Logging JSON fields, access log shape and severities,
//! trace correlation from `traceparent` / `X-Cloud-Trace-Context`, and no secret in any line.
mod common;

use std::time::Duration;

use common::cluster::shared_admin_url;
use common::process::Server;
use common::{eventually, fresh_database, with_database};
use serde_json::Value;

const PROJECT: &str = "demo-project";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn stop(mut server: Server) -> (Vec<String>, Vec<String>) {
    server.signal("TERM");
    assert_eq!(
        server
            .wait_exit(Duration::from_secs(10))
            .and_then(|s| s.code()),
        Some(0)
    );
    (server.stdout(), server.stderr())
}

fn access_line<'a>(lines: &'a [Value], url: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["httpRequest"]["requestUrl"] == url)
        .unwrap_or_else(|| panic!("no access log line for {url}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_with_request_fields_and_trace_correlation() {
    let url = fresh_database().await;
    let server = Server::spawn(&[
        ("DATABASE_URL", url.as_str()),
        ("GOOGLE_CLOUD_PROJECT", PROJECT),
        ("SHUTDOWN_DRAIN_SECONDS", "0"),
        ("RUST_LOG", "info"),
    ]);
    let client = reqwest::Client::new();
    server.wait_ready().await;
    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    client
        .get(server.url("/greeting/1"))
        .header("traceparent", traceparent)
        .header("user-agent", "log-test/1")
        .send()
        .await
        .unwrap();
    let cloud = "105445aa7843bc8bf206b12000100000/1;o=1";
    client
        .get(server.url("/greeting/1?cloud"))
        .header("x-cloud-trace-context", cloud)
        .send()
        .await
        .unwrap();
    client.get(server.url("/missing")).send().await.unwrap();
    client.get(server.url("/healthz")).send().await.unwrap();
    let (stdout, _) = stop(server);

    let lines: Vec<Value> = stdout
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 4);
    for line in &lines {
        for field in ["severity", "message", "time"] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
    }
    let ours = lines.iter().filter(|l| {
        l["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("hello_server"))
    });
    for line in ours {
        assert!(
            line["logging.googleapis.com/sourceLocation"]["file"].is_string(),
            "{line}"
        );
    }

    let traced = access_line(&lines, "/greeting/1");
    assert_eq!(traced["severity"], "INFO");
    let request = &traced["httpRequest"];
    assert_eq!(request["requestMethod"], "GET");
    assert_eq!(request["status"], 200);
    assert_eq!(request["responseSize"], 12);
    assert_eq!(request["userAgent"], "log-test/1");
    assert_eq!(request["remoteIp"], "127.0.0.1");
    let latency = request["latency"].as_str().unwrap();
    assert!(
        latency.ends_with('s') && latency.trim_end_matches('s').parse::<f64>().is_ok(),
        "{latency}"
    );
    assert_eq!(
        traced["logging.googleapis.com/trace"],
        format!("projects/{PROJECT}/traces/{TRACE_ID}")
    );
    assert!(
        traced["logging.googleapis.com/spanId"]
            .as_str()
            .is_some_and(|s| s.len() == 16)
    );
    assert_eq!(traced["logging.googleapis.com/trace_sampled"], true);

    // The query string is left out of requestUrl (it may carry tokens).
    assert!(lines.iter().all(|l| !l.to_string().contains("?cloud")));
    let cloud_line = lines
        .iter()
        .find(|l| {
            l["logging.googleapis.com/trace"]
                == format!("projects/{PROJECT}/traces/105445aa7843bc8bf206b12000100000")
        })
        .expect("X-Cloud-Trace-Context correlated");
    assert_eq!(cloud_line["httpRequest"]["status"], 200);

    assert_eq!(access_line(&lines, "/missing")["severity"], "WARNING");
    assert!(
        lines
            .iter()
            .all(|l| l["httpRequest"]["requestUrl"] != "/healthz"),
        "probes log at DEBUG, hidden at info"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_database_password_never_appears_in_output() {
    let secret = "Wr0ng-Pa55word-7f3a";
    let admin = shared_admin_url();
    let (_, host_and_db) = admin.split_once('@').expect("URL with credentials");
    let with_secret = with_database(&format!("postgres://hello:{secret}@{host_and_db}"), "hello");
    let password_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(password_file.path(), format!("{secret}\n")).unwrap();
    let (host, port) = {
        let authority = host_and_db.split('/').next().unwrap();
        let (h, p) = authority.rsplit_once(':').unwrap();
        (h.to_owned(), p.to_owned())
    };
    let file = password_file.path().to_str().unwrap();
    let variants: Vec<Vec<(&str, &str)>> = vec![
        vec![("DATABASE_URL", with_secret.as_str())],
        vec![
            ("DB_HOST", &host),
            ("DB_PORT", &port),
            ("DB_PASSWORD", secret),
        ],
        vec![
            ("DB_HOST", &host),
            ("DB_PORT", &port),
            ("DB_PASSWORD_FILE", file),
            ("LOG_FORMAT", "text"),
        ],
    ];
    for mut env in variants {
        env.extend([
            ("SHUTDOWN_DRAIN_SECONDS", "0"),
            ("DB_CHECKOUT_TIMEOUT_MS", "300"),
            ("RUST_LOG", "debug"),
        ]);
        let server = Server::spawn(&env);
        let client = reqwest::Client::new();
        let saw_503 = eventually(Duration::from_secs(10), || async {
            matches!(client.get(server.url("/greeting/1")).send().await, Ok(r) if r.status() == 503)
        })
        .await;
        assert!(saw_503);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (stdout, stderr) = stop(server);
        let output = format!("{}\n{}", stdout.join("\n"), stderr.join("\n"));
        assert!(
            output.contains("password authentication failed"),
            "the failure is logged: {output}"
        );
        assert!(!output.contains(secret), "password leaked with {env:?}");
    }
}
