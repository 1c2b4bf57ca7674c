//! Named fault-injection points for the adversarial test suite. Every destructive path calls
//! [`hit`] between its steps; in normal use nothing is configured and a hit costs one relaxed
//! read. `LANES_FAILPOINTS=name=action[,name=action…]` arms points, where action is `abort` (the
//! process dies on the spot, as it would on a kill or a power cut), `enospc` (the step fails with
//! "No space left on device"), `error` (the step fails with a plain I/O error) or `run` (the
//! shell command in `LANES_FAILPOINT_CMD` runs to completion at that point: a race, made exact).

use std::sync::OnceLock;

/// What an armed point does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Abort,
    NoSpace,
    Error,
    Run,
}

fn armed() -> &'static [(String, Action)] {
    static ARMED: OnceLock<Vec<(String, Action)>> = OnceLock::new();
    ARMED.get_or_init(|| {
        let Ok(spec) = std::env::var("LANES_FAILPOINTS") else {
            return Vec::new();
        };
        spec.split(',')
            .filter_map(|item| {
                let (name, action) = item.trim().split_once('=')?;
                let action = match action.trim() {
                    "abort" => Action::Abort,
                    "enospc" => Action::NoSpace,
                    "error" => Action::Error,
                    "run" => Action::Run,
                    _ => return None,
                };
                Some((name.trim().to_string(), action))
            })
            .collect()
    })
}

/// Passes through unless the point `name` is armed; then aborts the process or returns the
/// configured error.
pub fn hit(name: &str) -> std::io::Result<()> {
    let Some((_, action)) = armed().iter().find(|(n, _)| n == name) else {
        return Ok(());
    };
    match action {
        Action::Abort => {
            eprintln!("lanes: failpoint {name}: aborting");
            std::process::abort();
        }
        // ENOSPC, as the OS reports a full disk.
        Action::NoSpace => Err(std::io::Error::from_raw_os_error(28)),
        Action::Error => Err(std::io::Error::other(format!("failpoint {name}"))),
        Action::Run => {
            let command = std::env::var("LANES_FAILPOINT_CMD").unwrap_or_default();
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .status();
            tracing::debug!("failpoint {name}: ran {command:?}: {status:?}");
            Ok(())
        }
    }
}
