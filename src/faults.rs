//! Test-only switches, read once from the environment. The integration tests run the release
//! binary, so these cannot be compiled out; unset (as they always are outside tests), each is a
//! single cached lookup that does nothing.
//!
//! - `__BRIEFING_TEST_PAUSE_AT=STEP`: `build` prints `paused at STEP` to stderr when it reaches
//!   STEP and sleeps until killed, so a test can SIGKILL it at that exact point. Steps, in
//!   order: `locked`, `staging`, `staged`, `moved-aside` (only on the two-rename fallback),
//!   `swapped`, `discarded`.
//! - `__BRIEFING_TEST_FAULT=enospc:N`: the Nth file written into the output (counting from 1)
//!   and every one after it fail with ENOSPC, as on a disk that just filled up.
//! - `__BRIEFING_TEST_FAULT=no-exchange`: the swap takes the two-rename fallback path it uses
//!   where `renameat2(RENAME_EXCHANGE)` is unavailable.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

const PAUSE_VAR: &str = "__BRIEFING_TEST_PAUSE_AT";
const FAULT_VAR: &str = "__BRIEFING_TEST_FAULT";

enum Fault {
    None,
    DiskFullFrom(u64),
    NoExchange,
}

fn fault() -> &'static Fault {
    static FAULT: OnceLock<Fault> = OnceLock::new();
    FAULT.get_or_init(|| {
        let v = std::env::var(FAULT_VAR).unwrap_or_default();
        if v == "no-exchange" {
            return Fault::NoExchange;
        }
        match v.strip_prefix("enospc:").and_then(|n| n.parse().ok()) {
            Some(n) => Fault::DiskFullFrom(n),
            None => Fault::None,
        }
    })
}

/// Stops here, for good, when a test asked to pause at `step`.
pub fn pause_at(step: &str) {
    static PAUSE: OnceLock<Option<String>> = OnceLock::new();
    if PAUSE
        .get_or_init(|| std::env::var(PAUSE_VAR).ok())
        .as_deref()
        == Some(step)
    {
        eprintln!("paused at {step}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

/// Called before each file written into the output: fails like a full disk when a test asked.
pub fn before_write() -> std::io::Result<()> {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    if let Fault::DiskFullFrom(n) = fault()
        && WRITES.fetch_add(1, Ordering::Relaxed) + 1 >= *n
    {
        return Err(std::io::Error::from_raw_os_error(28));
    }
    Ok(())
}

/// Whether a test asked for the swap's two-rename fallback.
pub fn no_exchange() -> bool {
    matches!(fault(), Fault::NoExchange)
}
