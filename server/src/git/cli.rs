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
    ensure_usable()?;
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    tracing::debug!(dir = %dir.display(), "git {shown}");
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(&args)
        // Never wait on a password prompt nobody can see (editor, agent); fail and say so instead.
        .env("GIT_TERMINAL_PROMPT", "0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::GitUnavailable(format!("could not run git: {e}")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Error::GitCommand {
            args: shown,
            code: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
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
        .map_err(|e| Error::GitUnavailable(format!("could not run git: {e}")))?;
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
            .map_err(|e| {
                format!("the git command-line tool was not found ({e})\n  hint: install git {}.{} or newer and make sure it is on PATH", MIN_GIT.0, MIN_GIT.1)
            })?;
        let text = String::from_utf8_lossy(&out.stdout);
        parse_version(&text).ok_or_else(|| format!("could not read the git version from {text:?}"))
    });
    match found {
        Ok(v) if *v >= MIN_GIT => Ok(()),
        Ok((major, minor)) => Err(Error::GitUnavailable(format!(
            "git {major}.{minor} is too old; lanes needs git {}.{} or newer",
            MIN_GIT.0, MIN_GIT.1
        ))),
        Err(msg) => Err(Error::GitUnavailable(msg.clone())),
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
