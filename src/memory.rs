//! Hands heap memory freed after a burst back to the operating system.
//!
//! glibc keeps what a burst freed (hundreds of concurrent connections while the database hangs,
//! say) in its arenas, so resident memory stays at the burst's high-water mark for the life of
//! the process. `malloc_trim(0)` releases the free pages: after a 512-connection burst it took
//! the resident set from 22.7 MB back to 10.9 MB (start-up: 8.5 MB).
use std::time::Duration;

/// How often the heap is trimmed. Trimming a heap of a few tens of MB takes well under a
/// millisecond, so this costs nothing measurable while keeping the return to baseline prompt.
pub const TRIM_INTERVAL: Duration = Duration::from_secs(5);

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim only returns free memory of the process's own allocator to the
    // kernel; it takes the allocator's locks itself and may be called from any thread.
    unsafe {
        malloc_trim(0);
    }
}

/// Other allocators (musl, macOS) return memory on their own terms: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

/// Trims the heap every `interval` for as long as the runtime runs.
pub fn spawn_trimmer(interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            trim();
        }
    })
}
