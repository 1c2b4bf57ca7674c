//! Runs the `git` command-line tool for the operations where git's own behaviour matters to the
//! user's files or credentials: `worktree add/remove/prune` (hooks, filters such as LFS, submodules,
//! sparse checkout, the worktree bookkeeping exactly as git writes it) and `fetch` (credential
//! helpers, SSH config, `url.<base>.insteadOf`). libgit2 reimplements none of those faithfully.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Oldest git that has everything lanes runs (`git worktree remove` arrived in 2.17).
pub const MIN_GIT: (u32, u32) = (2, 17);

/// Runs `git -C dir args…` and returns its standard output; a non-zero exit becomes
/// [`Error::GitCommand`] carrying git's own message.
pub fn run<I, S>(dir: &Path, args: I) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with_env(dir, args, &[])
}

/// [`run`] with extra environment variables (e.g. `GIT_INDEX_FILE` for a scratch index).
pub fn run_with_env<I, S>(dir: &Path, args: I, env: &[(&str, &OsStr)]) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let (mut command, shown) = git_command(&[], dir, args, env)?;
    let output = command.output().map_err(could_not_run)?;
    outcome(output.status, &output.stdout, &output.stderr, shown)
}

/// Runs a local git command as a reader of a worktree, never a writer of its index: git's
/// optional locks are off (`--no-optional-locks`, so a `status` does not refresh and rewrite the
/// index under an agent's own git command), `input` is fed to its standard input, and its standard
/// output is returned as bytes (paths that are not UTF-8 stay intact).
pub fn run_reader<I, S>(
    dir: &Path,
    args: I,
    env: &[(&str, &OsStr)],
    input: Option<&[u8]>,
) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    use std::io::Write;
    let (mut command, shown) = git_command(&["--no-optional-locks"], dir, args, env)?;
    if input.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(could_not_run)?;
    // Fed from a thread: git may write its output before it has read all of its input.
    let feeder = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || stdin.write_all(&bytes)))
        }
        _ => None,
    };
    let output = child
        .wait_with_output()
        .map_err(|e| Error::GitUnavailable(format!("waiting for git: {e}")))?;
    if let Some(feeder) = feeder {
        // A git that exits early closes the pipe; its exit status says why.
        let _ = feeder.join();
    }
    if output.status.success() {
        Ok(output.stdout)
    } else {
        outcome(output.status, &output.stdout, &output.stderr, shown).map(|_| Vec::new())
    }
}

/// `git [global…] -C dir args…` with `env`, ready to run: git's usability checked, the command
/// logged, prompts off (never wait on a password prompt nobody can see — editor, agent; fail and
/// say so instead) and standard input closed. Also returns the arguments as one line for messages.
fn git_command<I, S>(
    global: &[&str],
    dir: &Path,
    args: I,
    env: &[(&str, &OsStr)],
) -> Result<(Command, String)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    ensure_usable()?;
    let (args, shown) = collect_args(args);
    tracing::debug!(dir = %dir.display(), "git {shown}");
    let mut command = Command::new("git");
    command
        .args(global)
        .arg("-C")
        .arg(dir)
        .args(&args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null());
    Ok((command, shown))
}

/// The error for a git that could not be started.
fn could_not_run(e: std::io::Error) -> Error {
    Error::GitUnavailable(format!("could not run git: {e}"))
}

/// The arguments as strings for git, and as one line for messages.
fn collect_args<I, S>(args: I) -> (Vec<std::ffi::OsString>, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    (args, shown)
}

/// stdout when git succeeded; else [`Error::GitCommand`] with what git said.
fn outcome(
    status: std::process::ExitStatus,
    stdout: &[u8],
    stderr: &[u8],
    shown: String,
) -> Result<String> {
    if status.success() {
        Ok(String::from_utf8_lossy(stdout).into_owned())
    } else {
        Err(Error::GitCommand {
            args: shown,
            code: status.code(),
            stderr: String::from_utf8_lossy(stderr).trim().to_string(),
        })
    }
}

/// Runs a git command that talks to a remote (`fetch`), bounded: HTTP transfers slower than 1 KB/s
/// for `timeout` seconds are abandoned by git itself, and whatever the transport (SSH, a helper, a
/// server that accepts the connection and never answers), git and everything it started are
/// killed once it has shown no progress for `timeout` seconds. Never waits forever.
pub fn run_network<I, S>(dir: &Path, args: I, timeout: std::time::Duration) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    ensure_usable()?;
    let (args, shown) = collect_args(args);
    tracing::debug!(dir = %dir.display(), "git {shown} (bounded by {timeout:?})");
    let secs = timeout.as_secs().max(1).to_string();
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "http.lowSpeedLimit=1000", "-c"])
        .arg(format!("http.lowSpeedTime={secs}"))
        .args(&args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_SSH_COMMAND", ssh_command(dir, &secs))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a kill reaches the transport it started too.
        .process_group(0)
        .spawn()
        .map_err(could_not_run)?;
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut stderr_pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Some(pipe) = stderr_pipe.as_mut() {
            match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&chunk[..n]);
                    let _ = tx.send(());
                }
            }
        }
        all
    });
    let mut stdout_pipe = child.stdout.take();
    let out_reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        if let Some(pipe) = stdout_pipe.as_mut() {
            let _ = pipe.read_to_end(&mut all);
        }
        all
    });
    let mut timed_out = false;
    loop {
        match rx.recv_timeout(timeout) {
            Ok(()) => continue,
            // stderr closed: git is finishing.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
                timed_out = true;
                let group = i32::try_from(child.id()).unwrap_or(0);
                if group > 0 {
                    // SAFETY: kill(2) on the process group we created; no memory is involved.
                    unsafe {
                        libc::kill(-group, libc::SIGKILL);
                    }
                }
                break;
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::GitUnavailable(format!("waiting for git: {e}")))?;
    let stderr = if timed_out {
        Vec::new()
    } else {
        reader.join().unwrap_or_default()
    };
    let stdout = if timed_out {
        Vec::new()
    } else {
        out_reader.join().unwrap_or_default()
    };
    if timed_out {
        return Err(Error::GitCommand {
            args: shown,
            code: None,
            stderr: format!(
                "no answer from the remote for {secs} s; stopped (raise `timeout` in the config for slow remotes)"
            ),
        });
    }
    outcome(status, &stdout, &stderr, shown)
}

/// The SSH command git uses, with a connect timeout and keep-alives added so that a dead server
/// is noticed; the user's own `GIT_SSH_COMMAND` or `core.sshCommand` (as the repository at `dir`
/// sees it) is kept as the base.
fn ssh_command(dir: &Path, secs: &str) -> String {
    let base = std::env::var("GIT_SSH_COMMAND")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            Command::new("git")
                .arg("-C")
                .arg(dir)
                .args(["config", "core.sshCommand"])
                .stdin(Stdio::null())
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|c| !c.is_empty())
        })
        .unwrap_or_else(|| "ssh".to_string());
    format!(
        "{base} -o ConnectTimeout={secs} -o ServerAliveInterval={secs} -o ServerAliveCountMax=1"
    )
}

/// Runs `git -C dir args…` and returns (exit code, stdout) whatever the exit code, for commands
/// whose exit code is an answer (`git merge-file` counts conflicts in it).
pub fn run_with_status<I, S>(dir: &Path, args: I) -> Result<(i32, Vec<u8>)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    ensure_usable()?;
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(could_not_run)?;
    Ok((output.status.code().unwrap_or(-1), output.stdout))
}

/// Checks once per process that `git` is on PATH and recent enough.
pub fn ensure_usable() -> Result<()> {
    static CHECK: OnceLock<Result<(u32, u32), String>> = OnceLock::new();
    let found = CHECK.get_or_init(|| {
        let out = Command::new("git")
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("the git command-line tool was not found ({e})"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        parse_version(&text).ok_or_else(|| format!("could not read the git version from {text:?}"))
    });
    match found {
        Ok(v) if *v >= MIN_GIT => Ok(()),
        Ok((major, minor)) => Err(Error::GitUnavailable(format!(
            "git {major}.{minor} is too old; lanes needs git {}.{} or newer",
            MIN_GIT.0, MIN_GIT.1
        ))),
        Err(msg) => Err(Error::GitUnavailable(msg.clone()).with_hint(format!(
            "install git {}.{} or newer and make sure it is on PATH",
            MIN_GIT.0, MIN_GIT.1
        ))),
    }
}

/// The git version as (major, minor), if git runs.
pub fn version() -> Option<(u32, u32)> {
    let out = Command::new("git").arg("--version").output().ok()?;
    parse_version(&String::from_utf8_lossy(&out.stdout))
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let numbers = text.split_whitespace().nth(2)?;
    let mut parts = numbers.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_of_release_and_vendor_builds() {
        assert_eq!(parse_version("git version 2.47.3\n"), Some((2, 47)));
        assert_eq!(
            parse_version("git version 2.39.5 (Apple Git-154)"),
            Some((2, 39))
        );
        assert_eq!(parse_version("nonsense"), None);
    }
}
