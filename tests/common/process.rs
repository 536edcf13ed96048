//! The built binary as a subprocess (signals, exit codes and stdout logs need a real process).
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cluster::free_port;

pub const BIN: &str = env!("CARGO_BIN_EXE_hello-server");

/// A command with a clean environment, so the developer's own settings cannot leak in.
pub fn command() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

pub struct Server {
    child: Child,
    pub port: u16,
    pub metrics_port: u16,
    stdout: Lines,
    stderr: Lines,
    readers: Vec<JoinHandle<()>>,
}

type Lines = Arc<Mutex<Vec<String>>>;

/// Reads a pipe line by line on a thread; the thread ends at EOF (process exit).
fn collect(stream: impl std::io::Read + Send + 'static) -> (Lines, JoinHandle<()>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (lines, reader)
}

impl Server {
    /// Starts the binary on free loopback ports with these extra environment variables.
    pub fn spawn(env: &[(&str, &str)]) -> Self {
        let (port, metrics_port) = (free_port(), free_port());
        let mut cmd = command();
        cmd.env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("METRICS_HOST", "127.0.0.1")
            .env("METRICS_PORT", metrics_port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn hello-server");
        let (stdout, out_reader) = collect(child.stdout.take().expect("stdout"));
        let (stderr, err_reader) = collect(child.stderr.take().expect("stderr"));
        let readers = vec![out_reader, err_reader];
        Self {
            child,
            port,
            metrics_port,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Polls /readyz until 200, panicking with the server's output after 15 s.
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let ready = super::eventually(Duration::from_secs(15), || async {
            matches!(client.get(self.url("/readyz")).send().await, Ok(r) if r.status() == 200)
        })
        .await;
        assert!(
            ready,
            "server never became ready: {:?} {:?}",
            self.stdout(),
            self.stderr()
        );
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the exit, killing the process if it takes longer than `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Every line written before the exit is collected once the readers hit EOF.
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
