//! The public HTTP contract against a real PostgreSQL: statuses, content types, escaping,
//! security headers, methods, and hostile ids/paths that must give 4xx, never 5xx.
mod common;

use common::http::raw_request;
use common::{ready_app, sql};

#[tokio::test]
async fn greeting_one_in_every_format() {
    let (app, _) = ready_app(&[]).await;

    let text = app.get("/greeting/1").await;
    assert_eq!(text.status(), 200);
    assert_eq!(text.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(text.text().await.unwrap(), "Hello-World\n");

    let curl = app.get_accept("/greeting/1", "*/*").await;
    assert_eq!(curl.headers()["content-type"], "text/plain; charset=utf-8");

    let json = app.get_accept("/greeting/1", "application/json").await;
    assert_eq!(json.status(), 200);
    assert_eq!(json.headers()["content-type"], "application/json");
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"id": 1, "message": "Hello-World"}));

    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let html = app.get_accept("/greeting/1", browser).await;
    assert_eq!(html.status(), 200);
    assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
    let csp = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src"),
        "no script source may be allowed: {csp}"
    );
    assert_eq!(html.headers()["referrer-policy"], "no-referrer");
    assert_eq!(html.headers()["x-content-type-options"], "nosniff");
    let page = html.text().await.unwrap();
    assert!(page.contains(">Hello-World</h1>"), "{page}");
    assert!(
        !page.contains("<script") && !page.contains("http://") && !page.contains("https://"),
        "self-contained page"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn index_is_the_default_greeting() {
    let (app, url) = ready_app(&[("default-greeting-id", "7")]).await;
    sql(&url)
        .await
        .execute(
            "INSERT INTO greetings (id, message) VALUES (7, 'Seven')",
            &[],
        )
        .await
        .unwrap();
    let index = app.get_accept("/", "text/html").await;
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert!(index.text().await.unwrap().contains(">Seven</h1>"));
    app.shutdown().await;

    let (app, _) = ready_app(&[]).await;
    let default = app.get_accept("/", "text/html").await.text().await.unwrap();
    let one = app
        .get_accept("/greeting/1", "text/html")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(default, one);
    app.shutdown().await;
}

#[tokio::test]
async fn message_is_escaped_in_html() {
    let (app, url) = ready_app(&[]).await;
    sql(&url)
        .await
        .execute(
            "INSERT INTO greetings (id, message) VALUES (2, '<script>alert(1)</script>')",
            &[],
        )
        .await
        .unwrap();
    let page = app
        .get_accept("/greeting/2", "text/html")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    // JSON and text carry the data as is: their content types make browsers not render it.
    let json: serde_json::Value = app
        .get_accept("/greeting/2", "application/json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["message"], "<script>alert(1)</script>");
    app.shutdown().await;
}

#[tokio::test]
async fn probes_and_errors() {
    let (app, _) = ready_app(&[]).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready\n");

    let missing = app.get("/greeting/424242").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.text().await.unwrap(),
        "no greeting with id 424242\n"
    );
    let missing_json = app.get_accept("/greeting/424242", "application/json").await;
    assert_eq!(missing_json.status(), 404);
    assert_eq!(
        missing_json.json::<serde_json::Value>().await.unwrap()["error"],
        "no greeting with id 424242"
    );

    let bad = app.get("/greeting/abc").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(bad.text().await.unwrap(), "id must be a positive integer\n");
    let bad_json = app.get_accept("/greeting/-3", "application/json").await;
    assert_eq!(bad_json.status(), 400);
    assert_eq!(
        bad_json.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"error": "id must be positive"})
    );

    let unknown = app.get("/nothing/here").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["x-content-type-options"], "nosniff");

    assert_eq!(
        app.status("/metrics").await,
        404,
        "metrics must not be served on the public port"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn methods() {
    let (app, _) = ready_app(&[]).await;
    let addr = app.public_addr();
    for path in ["/", "/greeting/1", "/healthz", "/readyz"] {
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let r = raw_request(addr, method, path, &[("Content-Length", "0")]).await;
            assert_eq!(r.status, 405, "{method} {path}");
            assert_eq!(r.header("allow"), Some("GET, HEAD"));
        }
        let head = raw_request(addr, "HEAD", path, &[]).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD has no body");
    }
    let unknown = raw_request(addr, "POST", "/elsewhere", &[("Content-Length", "0")]).await;
    assert_eq!(unknown.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn hostile_ids_and_paths_get_4xx_never_5xx() {
    let (app, _) = ready_app(&[]).await;
    let addr = app.public_addr();
    let long_digits = "9".repeat(5000);
    let long_path = format!("/{}", "a".repeat(6000));
    let encoded_long = "%41".repeat(2000);
    let cases: Vec<(String, u16, &str)> = vec![
        ("/greeting/abc".into(), 400, "id must be a positive integer"),
        ("/greeting/0".into(), 400, "id must be positive"),
        ("/greeting/-1".into(), 400, "id must be positive"),
        ("/greeting/1.5".into(), 400, "id must be a whole number"),
        (
            "/greeting/9223372036854775808".into(),
            400,
            "id is out of range",
        ),
        ("/greeting/".into(), 400, "id is empty"),
        ("/greeting".into(), 400, "id is empty"),
        (
            "/greeting/%00".into(),
            400,
            "id contains control characters",
        ),
        (
            "/greeting/1%0d%0aSet-Cookie:x=1".into(),
            400,
            "id contains control characters",
        ),
        (
            "/greeting/%7f".into(),
            400,
            "id contains control characters",
        ),
        (
            "/greeting/%ff%fe".into(),
            400,
            "id is not valid percent-encoded UTF-8",
        ),
        ("/greeting/%31".into(), 200, "Hello-World"),
        ("/greeting/1/2".into(), 400, "id must be a positive integer"),
        (
            "/greeting/%2e%2e%2f".into(),
            400,
            "id must be a positive integer",
        ),
        ("/greeting/1e3".into(), 400, "id must be a positive integer"),
        ("/greeting/%".into(), 400, "id must be a positive integer"),
        // hyper refuses a request target with raw `<` before routing: 400 without a body.
        ("/greeting/<script>".into(), 400, ""),
        (
            format!("/greeting/{long_digits}"),
            400,
            "id is out of range",
        ),
        (
            format!("/greeting/{encoded_long}"),
            400,
            "id must be a positive integer",
        ),
        ("/greeting/424242".into(), 404, "no greeting with id 424242"),
        (long_path, 404, "not found"),
        ("/../../etc/passwd".into(), 404, "not found"),
        ("/%2e%2e/%2e%2e/etc/passwd".into(), 404, "not found"),
        ("/healthz/extra".into(), 404, "not found"),
        ("/greetings/1".into(), 404, "not found"),
        ("/GREETING/1".into(), 404, "not found"),
        ("/%00".into(), 404, "not found"),
    ];
    for (target, status, body) in cases {
        let r = raw_request(addr, "GET", &target, &[]).await;
        let shown = &target[..target.len().min(60)];
        assert_eq!(r.status, status, "GET {shown}: {}", r.body);
        assert!(r.body.starts_with(body), "GET {shown}: body {:?}", r.body);
        assert!(!r.body.contains("<script>"), "input never echoed");
        if !body.is_empty() {
            assert_eq!(
                r.header("x-content-type-options"),
                Some("nosniff"),
                "GET {shown}"
            );
        }
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (app, _) = ready_app(&[("request-timeout-ms", "300")]).await;
    let mut stream = tokio::net::TcpStream::connect(app.public_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut rest),
    )
    .await;
    assert!(
        closed.is_ok(),
        "the connection must be closed by the header read timeout"
    );
    app.shutdown().await;
}
