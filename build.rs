//! Embeds the git revision: GIT_REVISION when set (container builds have no .git),
//! else `git rev-parse --short HEAD`, else "unknown".
//!
//! Only GIT_REVISION and .git/HEAD (branch switches) trigger a rerun: watching the branch ref
//! would rebuild the crate after every commit. Release images always pass GIT_REVISION.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GIT_REVISION");
    println!("cargo:rerun-if-changed=.git/HEAD");
    let revision = std::env::var("GIT_REVISION")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .or_else(git_revision)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=GIT_REVISION={}", revision.trim());
}

fn git_revision() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
