//! Command-line flags and environment variables (each flag has the env var of the same name),
//! validated into [`Settings`] before anything binds.
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand, ValueEnum};

use crate::build_info;

#[derive(Debug, Parser)]
#[command(
    name = "hello-server",
    version = build_info::LONG_VERSION,
    args_override_self = true,
    about = "Greeting web service backed by PostgreSQL, with Prometheus metrics on a separate admin port"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// GET a URL and exit 0 on a 2xx answer, 1 otherwise (for probes and `helm test`).
    Check {
        /// http:// URL to fetch
        url: String,
        /// Give up after this many milliseconds
        #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..))]
        timeout_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One Cloud Logging structured JSON object per line
    Json,
    /// Human-readable lines for local use
    Text,
}

/// Every setting of the server. Field names match the flags and env vars.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address of the public HTTP listener
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port of the public HTTP listener
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address of the admin listener (/metrics, /healthz)
    #[arg(long, env = "METRICS_HOST", default_value = "0.0.0.0")]
    pub metrics_host: IpAddr,
    /// Port of the admin listener
    #[arg(long, env = "METRICS_PORT", default_value_t = 9090)]
    pub metrics_port: u16,
    /// postgres:// connection URL; when set it overrides the DB_* connection settings
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Database host (the Cloud SQL Auth Proxy sidecar listens on 127.0.0.1)
    #[arg(long, env = "DB_HOST", default_value = "127.0.0.1")]
    pub db_host: String,
    /// Database port
    #[arg(long, env = "DB_PORT", default_value_t = 5432)]
    pub db_port: u16,
    /// Database name
    #[arg(long, env = "DB_NAME", default_value = "hello")]
    pub db_name: String,
    /// Database user (IAM: the service-account email without `.gserviceaccount.com`)
    #[arg(long, env = "DB_USER", default_value = "hello")]
    pub db_user: String,
    /// Database password; leave empty for IAM authentication through the Cloud SQL Auth Proxy
    #[arg(long, env = "DB_PASSWORD", hide_env_values = true)]
    pub db_password: Option<String>,
    /// File holding the database password (a mounted secret); trailing newline trimmed
    #[arg(long, env = "DB_PASSWORD_FILE", conflicts_with = "db_password")]
    pub db_password_file: Option<PathBuf>,
    /// Maximum number of pooled database connections
    #[arg(long, env = "DB_POOL_MAX_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_pool_max_size: u32,
    /// Idle connections the pool keeps open
    #[arg(long, env = "DB_POOL_MIN_IDLE", default_value_t = 1)]
    pub db_pool_min_idle: u32,
    /// Timeout for opening one database connection
    #[arg(long, env = "DB_CONNECT_TIMEOUT_MS", default_value_t = 3000, value_parser = positive_u64())]
    pub db_connect_timeout_ms: u64,
    /// How long a request waits for a pooled connection before answering 503
    #[arg(long, env = "DB_CHECKOUT_TIMEOUT_MS", default_value_t = 1000, value_parser = positive_u64())]
    pub db_checkout_timeout_ms: u64,
    /// Server-side statement_timeout of every pooled connection
    #[arg(long, env = "DB_STATEMENT_TIMEOUT_MS", default_value_t = 2000, value_parser = positive_u64())]
    pub db_statement_timeout_ms: u64,
    /// Close connections idle for longer than this
    #[arg(long, env = "DB_IDLE_TIMEOUT_SECONDS", default_value_t = 300, value_parser = positive_u64())]
    pub db_idle_timeout_seconds: u64,
    /// Replace connections older than this
    #[arg(long, env = "DB_MAX_LIFETIME_SECONDS", default_value_t = 1800, value_parser = positive_u64())]
    pub db_max_lifetime_seconds: u64,
    /// Apply the embedded migrations at start (serialized across replicas by an advisory lock)
    #[arg(long, env = "MIGRATE_ON_START", default_value_t = true, action = ArgAction::Set)]
    pub migrate_on_start: bool,
    /// Greeting shown at /
    #[arg(long, env = "DEFAULT_GREETING_ID", default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..))]
    pub default_greeting_id: i64,
    /// Server-side bound on reading a request's headers and on handling it (then 503)
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 5000, value_parser = positive_u64())]
    pub request_timeout_ms: u64,
    /// How long /readyz waits for the database ping
    #[arg(long, env = "READINESS_TIMEOUT_MS", default_value_t = 500, value_parser = positive_u64())]
    pub readiness_timeout_ms: u64,
    /// After SIGTERM keep serving (with /readyz 503) this long so load balancers stop sending
    #[arg(long, env = "SHUTDOWN_DRAIN_SECONDS", default_value_t = 5)]
    pub shutdown_drain_seconds: u64,
    /// Then wait at most this long for in-flight requests
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 20, value_parser = positive_u64())]
    pub shutdown_timeout_seconds: u64,
    /// Log format
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,
    /// Google Cloud project; enables logging.googleapis.com/trace on log lines
    #[arg(long, env = "GOOGLE_CLOUD_PROJECT")]
    pub google_cloud_project: Option<String>,
}

fn positive_u64() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..)
}

/// A configuration problem: names the setting (env var) and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {setting}: {problem}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        Self {
            setting,
            problem: problem.into(),
        }
    }
}

/// Validated settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub database: DatabaseSettings,
}

#[derive(Clone)]
pub struct DatabaseSettings {
    /// Connection parameters including the password: never log this value.
    pub pg: tokio_postgres::Config,
    pub pool_max_size: u32,
    pub pool_min_idle: u32,
    pub checkout_timeout: Duration,
    pub statement_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_lifetime: Duration,
}

impl std::fmt::Debug for DatabaseSettings {
    // Written by hand so the password can never reach a log line through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("user", &self.pg.get_user())
            .field("dbname", &self.pg.get_dbname())
            .field("hosts", &self.pg.get_hosts())
            .field("ports", &self.pg.get_ports())
            .field("pool_max_size", &self.pool_max_size)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn validate(self) -> Result<Settings, ConfigError> {
        if self.db_pool_min_idle > self.db_pool_max_size {
            return Err(ConfigError::new(
                "DB_POOL_MIN_IDLE",
                format!(
                    "{} exceeds DB_POOL_MAX_SIZE {}",
                    self.db_pool_min_idle, self.db_pool_max_size
                ),
            ));
        }
        if self
            .google_cloud_project
            .as_deref()
            .is_some_and(|p| p.trim().is_empty())
        {
            return Err(ConfigError::new(
                "GOOGLE_CLOUD_PROJECT",
                "must not be empty when set",
            ));
        }
        let mut pg = self.connection_config()?;
        let statement_timeout = Duration::from_millis(self.db_statement_timeout_ms);
        pg.connect_timeout(Duration::from_millis(self.db_connect_timeout_ms))
            .application_name("hello-server")
            .options(format!(
                "-c statement_timeout={}",
                self.db_statement_timeout_ms
            ));
        let database = DatabaseSettings {
            pg,
            pool_max_size: self.db_pool_max_size,
            pool_min_idle: self.db_pool_min_idle,
            checkout_timeout: Duration::from_millis(self.db_checkout_timeout_ms),
            statement_timeout,
            idle_timeout: Duration::from_secs(self.db_idle_timeout_seconds),
            max_lifetime: Duration::from_secs(self.db_max_lifetime_seconds),
        };
        Ok(Settings {
            config: self,
            database,
        })
    }

    fn connection_config(&self) -> Result<tokio_postgres::Config, ConfigError> {
        let password = self.password()?;
        if let Some(url) = &self.database_url {
            // The parser's message never echoes the URL, so a password in it stays out of the output.
            let mut pg: tokio_postgres::Config = url.parse().map_err(|e| {
                ConfigError::new(
                    "DATABASE_URL",
                    format!("not a valid connection string ({e})"),
                )
            })?;
            if pg.get_hosts().is_empty() {
                return Err(ConfigError::new("DATABASE_URL", "has no host"));
            }
            if pg.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "sslmode=require is not supported: the Cloud SQL Auth Proxy encrypts the connection",
                ));
            }
            if let Some(password) = password {
                pg.password(password);
            }
            return Ok(pg);
        }
        if self.db_host.trim().is_empty() {
            return Err(ConfigError::new("DB_HOST", "must not be empty"));
        }
        if self.db_name.trim().is_empty() {
            return Err(ConfigError::new("DB_NAME", "must not be empty"));
        }
        if self.db_user.trim().is_empty() {
            return Err(ConfigError::new("DB_USER", "must not be empty"));
        }
        let mut pg = tokio_postgres::Config::new();
        pg.host(&self.db_host)
            .port(self.db_port)
            .dbname(&self.db_name)
            .user(&self.db_user);
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            pg.password(password);
        }
        Ok(pg)
    }

    /// DB_PASSWORD, or the contents of DB_PASSWORD_FILE without its trailing newline.
    fn password(&self) -> Result<Option<String>, ConfigError> {
        if let Some(path) = &self.db_password_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::new(
                    "DB_PASSWORD_FILE",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            return Ok(Some(text.trim_end_matches(['\n', '\r']).to_owned()));
        }
        Ok(self.db_password.clone())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn readiness_timeout(&self) -> Duration {
        Duration::from_millis(self.readiness_timeout_ms)
    }

    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_secs(self.shutdown_drain_seconds)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }
}

/// Turns a clap parse error into one line that names the setting by its env var and flag.
pub fn describe_parse_error(err: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let rendered = err.to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ");
    let env = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg
            .split_whitespace()
            .next()
            .filter(|flag| flag.starts_with("--"))
            .map(|flag| {
                flag.trim_start_matches("--")
                    .replace('-', "_")
                    .to_uppercase()
            }),
        _ => None,
    };
    let expected = match err.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(values)) if !values.is_empty() => {
            format!(" (expected one of: {})", values.join(", "))
        }
        _ => String::new(),
    };
    match env {
        Some(env) => format!("invalid configuration: {env}: {first}{expected}"),
        None => format!("invalid configuration: {first}{expected}"),
    }
}
