//! The binary's command line: configuration errors, --version, --help and `check`.
mod common;

use std::time::Duration;

use common::process::command;
use common::spawn_app;

fn run(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = command()
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("run hello-server");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Environment, arguments, and the setting the error must name.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);

#[test]
fn invalid_configuration_exits_2_with_one_line_naming_the_setting() {
    let unreadable = "/nonexistent/hello-server/password";
    let cases: &[Case] = &[
        (&[("PORT", "abc")], &[], "PORT"),
        (&[], &["--port", "70000"], "PORT"),
        (&[("HOST", "not-an-ip")], &[], "HOST"),
        (&[("METRICS_PORT", "-1")], &[], "METRICS_PORT"),
        (&[("DB_POOL_MAX_SIZE", "0")], &[], "DB_POOL_MAX_SIZE"),
        (&[("DB_POOL_MIN_IDLE", "11")], &[], "DB_POOL_MIN_IDLE"),
        (
            &[("DB_CHECKOUT_TIMEOUT_MS", "0")],
            &[],
            "DB_CHECKOUT_TIMEOUT_MS",
        ),
        (
            &[("DB_STATEMENT_TIMEOUT_MS", "soon")],
            &[],
            "DB_STATEMENT_TIMEOUT_MS",
        ),
        (&[("LOG_FORMAT", "xml")], &[], "LOG_FORMAT"),
        (&[("MIGRATE_ON_START", "maybe")], &[], "MIGRATE_ON_START"),
        (&[("DEFAULT_GREETING_ID", "0")], &[], "DEFAULT_GREETING_ID"),
        (&[("DB_PASSWORD_FILE", unreadable)], &[], "DB_PASSWORD_FILE"),
        (
            &[("DATABASE_URL", "postgres://hello:s3cret@[::1")],
            &[],
            "DATABASE_URL",
        ),
        (&[("RUST_LOG", "hello_server=loudest")], &[], "RUST_LOG"),
        (
            &[("DATABASE_URL", "postgres://h/d?sslmode=require")],
            &[],
            "DATABASE_URL",
        ),
        (
            &[("GOOGLE_CLOUD_PROJECT", " ")],
            &[],
            "GOOGLE_CLOUD_PROJECT",
        ),
    ];
    for (env, args, setting) in cases {
        let (code, stdout, stderr) = run(env, args);
        assert_eq!(code, 2, "{env:?} {args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "one line for {env:?} {args:?}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("{setting}:")),
            "{setting} named in: {stderr}"
        );
        assert!(stdout.is_empty(), "nothing started for {env:?}: {stdout}");
        assert!(
            !stderr.contains("s3cret"),
            "no password in errors: {stderr}"
        );
    }
}

#[test]
fn port_in_use_is_reported() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, _, stderr) = run(
        &[
            ("HOST", "127.0.0.1"),
            ("PORT", &port),
            ("METRICS_PORT", "0"),
            ("LOG_FORMAT", "text"),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("HOST/PORT"), "{stderr}");
}

#[test]
fn version_and_help() {
    let (code, stdout, _) = run(&[], &["--version"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(&format!(
            "hello-server {} (revision ",
            env!("CARGO_PKG_VERSION")
        )),
        "{stdout}"
    );

    let (code, help, _) = run(&[], &["--help"]);
    assert_eq!(code, 0);
    for env in [
        "HOST",
        "PORT",
        "METRICS_HOST",
        "METRICS_PORT",
        "DATABASE_URL",
        "DB_HOST",
        "DB_PORT",
        "DB_NAME",
        "DB_USER",
        "DB_PASSWORD",
        "DB_PASSWORD_FILE",
        "DB_POOL_MAX_SIZE",
        "DB_POOL_MIN_IDLE",
        "DB_CONNECT_TIMEOUT_MS",
        "DB_CHECKOUT_TIMEOUT_MS",
        "DB_STATEMENT_TIMEOUT_MS",
        "DB_IDLE_TIMEOUT_SECONDS",
        "DB_MAX_LIFETIME_SECONDS",
        "MIGRATE_ON_START",
        "DEFAULT_GREETING_ID",
        "REQUEST_TIMEOUT_MS",
        "READINESS_TIMEOUT_MS",
        "SHUTDOWN_DRAIN_SECONDS",
        "SHUTDOWN_TIMEOUT_SECONDS",
        "LOG_FORMAT",
        "GOOGLE_CLOUD_PROJECT",
    ] {
        assert!(
            help.contains(&format!("[env: {env}")),
            "--help documents {env}"
        );
    }
    // Secret values are never echoed by --help.
    let (_, help, _) = run(
        &[
            ("DB_PASSWORD", "s3cret"),
            ("DATABASE_URL", "postgres://u:s3cret@h/d"),
        ],
        &["--help"],
    );
    assert!(!help.contains("s3cret"));
}

#[tokio::test]
async fn check_subcommand_exit_codes() {
    let url = common::fresh_database().await;
    let app = spawn_app(&url, &[]).await;
    app.wait_ready(Duration::from_secs(10)).await;
    let check = |target: String| async move {
        tokio::task::spawn_blocking(move || run(&[], &["check", &target, "--timeout-ms", "2000"]).0)
            .await
            .unwrap()
    };
    assert_eq!(check(format!("{}/healthz", app.base)).await, 0);
    assert_eq!(check(format!("{}/greeting/1", app.base)).await, 0);
    assert_eq!(check(format!("{}/nope", app.base)).await, 1);
    assert_eq!(check(format!("{}/metrics", app.admin)).await, 0);
    let closed = common::cluster::free_port();
    assert_eq!(check(format!("http://127.0.0.1:{closed}/healthz")).await, 1);
    assert_eq!(check("https://example.invalid/".to_owned()).await, 1);
    app.shutdown().await;
}
