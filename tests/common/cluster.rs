//! Throwaway PostgreSQL clusters through scripts/pg-temp.sh (runs them as the `postgres` user
//! when we are root). Each is destroyed on drop, and by a watcher process if the test binary
//! dies first.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn pg_temp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-temp.sh")
}

fn run(args: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(pg_temp())
        .args(args)
        .output()
        .expect("run scripts/pg-temp.sh");
    assert!(
        out.status.success(),
        "pg-temp.sh {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub struct Cluster {
    root: tempfile::TempDir,
    pub url: String,
    pub port: u16,
}

impl Cluster {
    /// initdb + start on a free port.
    pub fn start() -> Self {
        Self::create(None)
    }

    /// A cluster bound to `port` that is initialised but not running (start it later).
    pub fn stopped_on(port: u16) -> Self {
        let cluster = Self::create(Some(port));
        cluster.stop();
        cluster
    }

    fn create(port: Option<u16>) -> Self {
        let root = tempfile::Builder::new()
            .prefix("hello-server-test-pg.")
            .tempdir()
            .expect("temp dir");
        // The cluster belongs to the unprivileged postgres user, which must reach into the dir.
        set_mode(root.path(), 0o755);
        let dir = root.path().join("pg");
        let dir_str = dir.to_str().expect("utf-8 path").to_owned();
        let port_arg = port.map(|p| p.to_string());
        let mut args = vec!["start", dir_str.as_str()];
        if let Some(p) = port_arg.as_deref() {
            args.push(p);
        }
        let url = run(&args);
        let port = url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .expect("port in URL");
        spawn_reaper(&dir);
        Self { root, url, port }
    }

    fn dir(&self) -> String {
        self.root
            .path()
            .join("pg")
            .to_str()
            .expect("utf-8 path")
            .to_owned()
    }

    pub fn start_again(&self) {
        run(&["start", &self.dir(), &self.port.to_string()]);
    }

    pub fn stop(&self) {
        run(&["stop", &self.dir()]);
    }

    pub fn restart(&self) {
        run(&["restart", &self.dir()]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(pg_temp())
            .args(["destroy", &self.dir()])
            .output();
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Destroys the cluster once this test process has gone, whatever way it ended.
fn spawn_reaper(dir: &Path) {
    let script = r#"while kill -0 "$1" 2>/dev/null; do sleep 1; done; bash "$2" destroy "$3" >/dev/null 2>&1; rm -rf "$(dirname "$3")""#;
    let _ = Command::new("bash")
        .args(["-c", script, "reaper"])
        .arg(std::process::id().to_string())
        .arg(pg_temp())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// URL of a role allowed to CREATE DATABASE: TEST_DATABASE_URL, or one cluster per test binary.
pub fn shared_admin_url() -> String {
    static SHARED: OnceLock<String> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
                return url;
            }
            let cluster = Cluster::start();
            let url = cluster.url.clone();
            // Lives as long as the process; the reaper removes it afterwards.
            std::mem::forget(cluster);
            url
        })
        .clone()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}
