use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;
use hello_server::config::{Cli, Command, Settings};
use hello_server::{Listeners, check, memory, shutdown, startup, telemetry};
use tokio::net::TcpListener;

/// Exit status for invalid configuration (the same as clap's usage errors).
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!(
                "hello-server: {}",
                hello_server::config::describe_parse_error(&err)
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Some(Command::Check { url, timeout_ms }) = cli.command {
        return ExitCode::from(check::run(&url, Duration::from_millis(timeout_ms)));
    }
    let settings = match cli.config.validate() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("hello-server: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Err(err) = telemetry::init(
        settings.config.log_format,
        settings.config.google_cloud_project.as_deref(),
    ) {
        eprintln!("hello-server: {err}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("hello-server: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(settings))
}

async fn serve(settings: Settings) -> ExitCode {
    let config = &settings.config;
    let public = bind("HOST/PORT", SocketAddr::new(config.host, config.port)).await;
    let admin = bind(
        "METRICS_HOST/METRICS_PORT",
        SocketAddr::new(config.metrics_host, config.metrics_port),
    )
    .await;
    let (Some(public), Some(admin)) = (public, admin) else {
        return ExitCode::FAILURE;
    };
    let app = match startup(settings, Listeners { public, admin }) {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    memory::spawn_trimmer(memory::TRIM_INTERVAL);
    let trigger = app.shutdown_trigger();
    tokio::spawn(async move {
        shutdown::signal_received().await;
        trigger.trigger();
    });
    app.wait().await;
    ExitCode::SUCCESS
}

async fn bind(setting: &str, addr: SocketAddr) -> Option<TcpListener> {
    match TcpListener::bind(addr).await {
        Ok(listener) => Some(listener),
        Err(err) => {
            tracing::error!(error = %err, %addr, "cannot listen on {setting}");
            eprintln!("hello-server: cannot listen on {setting} {addr}: {err}");
            None
        }
    }
}
