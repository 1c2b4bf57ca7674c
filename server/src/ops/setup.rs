//! What makes a fresh checkout a working lane: files copied from the primary checkout (`copy`
//! and `.worktreeinclude`: the `.env`s and local configs git ignores), the setup commands, and
//! the command that launches the agent (`lanes start --exec`). `lanes setup` runs the first two
//! again in an existing lane.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::{read, Repo};
use crate::lane::env::{environment, render, render_for_shell};
use crate::lane::{containing, lanes_of};
use crate::progress::Progress;
use crate::store::LaneRecord;

pub use crate::protocol::SetUp;

/// The file at the repository root listing, in gitignore syntax, files to copy into new lanes
/// (the convention several agent tools share).
pub const WORKTREE_INCLUDE: &str = ".worktreeinclude";

/// `lanes setup`: copies the files and runs the setup commands again in the lane at `dir`
/// (existing files are never overwritten). A repository's setup commands need approval, as at
/// start.
pub fn setup(
    repo: &Repo,
    config: &Config,
    dir: &Path,
    approve: bool,
    progress: &dyn Progress,
) -> Result<SetUp> {
    let entries = lanes_of(repo, config)?;
    let entry = containing(&entries, dir)?;
    let record = entry.record.clone().ok_or_else(|| {
        Error::Usage(format!(
            "{} was not made by lanes: it has no record to set up from",
            entry.path().unwrap_or(dir).display()
        ))
    })?;
    if let Some(pending) = crate::trust::pending_for(config, repo, None, true) {
        if !approve {
            return Err(crate::trust::refusal(&pending));
        }
        crate::trust::approve(&pending)?;
    }
    let mut warnings = Vec::new();
    let copied = copy_files(repo, config, &record, &mut warnings);
    run_setup(config, &record, progress)?;
    Ok(SetUp {
        ticket: record.ticket.clone(),
        path: record.path.clone(),
        copied,
        commands: config.setup.clone(),
        warnings,
    })
}

/// Runs `command` (its placeholders filled in) in the lane at `dir`, in the foreground — stdin,
/// stdout and stderr are the caller's — with the lane's environment; returns how it ended.
pub fn exec(repo: &Repo, config: &Config, dir: &Path, command: &str) -> Result<ExitStatus> {
    let entries = lanes_of(repo, config)?;
    let record = containing(&entries, dir)?.record.clone().ok_or_else(|| {
        Error::Usage("this worktree was not made by lanes: nothing to run the command for".into())
    })?;
    Command::new("sh")
        .arg("-c")
        .arg(render_for_shell(command, &record))
        .current_dir(&record.path)
        .envs(environment(&record))
        .status()
        .map_err(Error::io(format!(
            "running `{}`",
            crate::printable::visible(command)
        )))
}

/// Copies into the lane the files `copy` and `.worktreeinclude` name (gitignore syntax: files,
/// directories, globs) from the primary checkout, with the lane's placeholders filled in (see
/// [`fill_placeholders`]). A file the lane already has is never overwritten, nothing is written
/// through a symlink or outside the lane, and a name that matches nothing is a warning. Returns
/// the paths copied.
pub(crate) fn copy_files(
    repo: &Repo,
    config: &Config,
    record: &LaneRecord,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let lane_dir = record.path.as_path();
    let primary = repo.anchor();
    let mut patterns: Vec<String> = config.copy.clone();
    // A regular file of the checkout only: a repository could link it to `/dev/zero`.
    let include =
        match read::read_regular_string(&primary.join(WORKTREE_INCLUDE), read::MANAGED_CAP) {
            Ok(text) => text,
            Err(e) => {
                warnings.push(format!("did not read {WORKTREE_INCLUDE}: {e}"));
                None
            }
        };
    if let Some(text) = include {
        patterns.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    if patterns.is_empty() || repo.is_bare() {
        return Vec::new();
    }
    let mut builder = GitignoreBuilder::new(primary);
    for pattern in &patterns {
        if let Err(e) = builder.add_line(None, pattern) {
            warnings.push(format!("copy: {pattern:?} is not a valid pattern: {e}"));
        }
    }
    let matcher = match builder.build() {
        Ok(m) => m,
        Err(e) => {
            warnings.push(format!("copy: {e}"));
            return Vec::new();
        }
    };
    let found = matching_files(primary, &walk_roots(&patterns), &matcher);
    for pattern in patterns.iter().filter(|p| !p.starts_with('!')) {
        let literal = !pattern.contains(['*', '?', '[']);
        if literal && !primary.join(pattern.trim_start_matches('/')).exists() {
            warnings.push(format!(
                "copy: {pattern} does not exist in the primary checkout"
            ));
        }
    }
    let mut copied = Vec::new();
    for rel in found {
        let file = crate::git::slash_path(&rel);
        // Never through a symlink the checkout brought, never outside the lane.
        let to = match crate::git::write::checked_path(lane_dir, &file) {
            Ok(to) => to,
            Err(e) => {
                warnings.push(format!("did not copy {file}: {e}"));
                continue;
            }
        };
        if std::fs::symlink_metadata(&to).is_ok() {
            continue;
        }
        let result = to
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| copy_entry(&primary.join(&rel), &to, record));
        match result {
            Ok(_) => copied.push(file),
            Err(e) => warnings.push(format!("could not copy {file}: {e}")),
        }
    }
    copied
}

/// Copies one entry of the primary checkout to `to` (which does not exist) without reading
/// through anything: a symlink is copied as a symlink (its target is never read — it may lead to
/// `~/.ssh`), a regular file byte for byte with its permissions (then its placeholders filled),
/// and anything else (a FIFO, a socket, a device) is refused.
fn copy_entry(from: &Path, to: &Path, record: &LaneRecord) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        return std::os::unix::fs::symlink(std::fs::read_link(from)?, to);
    }
    // Opened without following a link and judged by the opened file: a swap in between is
    // caught, a FIFO does not block.
    let Some(mut source) = read::open_regular(from)? else {
        return Err(std::io::ErrorKind::NotFound.into());
    };
    let mode = source.metadata()?.permissions();
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    let copied = std::io::copy(&mut source, &mut target)
        .and_then(|_| target.set_permissions(mode))
        .and_then(|()| fill_placeholders(to, record));
    if copied.is_err() {
        let _ = std::fs::remove_file(to);
    }
    copied
}

/// A copied text file that names the lane's placeholders (`{port}`, `{ticket}`, `{branch}`,
/// `{path}`: a `.env` with `PORT={port}`) gets them filled in; any other file stays byte for byte.
fn fill_placeholders(file: &Path, record: &LaneRecord) -> std::io::Result<()> {
    // Larger than any configuration file: not a template, left byte for byte.
    let Ok(Some(bytes)) = read::read_regular(file, read::MANAGED_CAP) else {
        return Ok(());
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(());
    };
    let rendered = render(text, record);
    if rendered != text {
        std::fs::write(file, rendered)?;
    }
    Ok(())
}

/// The directories (relative to the primary checkout) that can hold what `patterns` name: each
/// pattern's part before its first glob — so `.env` and `secrets/*.key` read two small places,
/// not the whole checkout (its `node_modules` included). A pattern that may match anywhere
/// (`*.env`, `**/x`, no slash) reads the whole checkout.
fn walk_roots(patterns: &[String]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for pattern in patterns.iter().filter(|p| !p.starts_with('!')) {
        let anchored = pattern.trim_start_matches('/');
        let glob_at = anchored.find(['*', '?', '[']).unwrap_or(anchored.len());
        let literal = &anchored[..glob_at];
        // gitignore: a pattern without a slash (but a trailing one) matches at any depth.
        let any_depth = !pattern.trim_end_matches('/').contains('/');
        let root = match literal.rfind('/') {
            _ if any_depth && glob_at < anchored.len() => PathBuf::new(),
            _ if glob_at == anchored.len() => PathBuf::from(anchored.trim_end_matches('/')),
            Some(slash) => PathBuf::from(&literal[..slash]),
            None => PathBuf::new(),
        };
        roots.push(root);
    }
    roots.sort();
    roots.dedup();
    // A root inside another is read with it.
    let mut kept: Vec<PathBuf> = Vec::new();
    for root in roots {
        if !kept.iter().any(|k| root.starts_with(k)) {
            kept.push(root);
        }
    }
    kept
}

/// Files under `roots` of `primary` (relative paths, sorted) that `matcher` matches, themselves
/// or through a directory of theirs; `.git` is never entered, symlinks are not followed.
fn matching_files(primary: &Path, roots: &[PathBuf], matcher: &Gitignore) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in roots {
        let start = primary.join(root);
        // Never walk through a symlink of the checkout (`keys -> ~/.ssh`): a root behind one is
        // skipped, a root that is one is a candidate itself (copied as a link, never read).
        match symlinked(primary, root) {
            Symlinked::No => {}
            Symlinked::Behind | Symlinked::Missing => continue,
            Symlinked::Itself => {
                if matcher.matched_path_or_any_parents(root, false).is_ignore() {
                    out.push(root.clone());
                }
                continue;
            }
        }
        let walk = ignore::WalkBuilder::new(&start)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        out.extend(
            walk.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_some_and(|t| t.is_file() || t.is_symlink()))
                .filter_map(|e| e.path().strip_prefix(primary).ok().map(Path::to_path_buf))
                .filter(|rel| matcher.matched_path_or_any_parents(rel, false).is_ignore()),
        );
    }
    out.sort();
    out.dedup();
    out
}

enum Symlinked {
    No,
    Itself,
    Behind,
    Missing,
}

/// Whether `root` (relative to `primary`) is a symlink, lies behind one, or is plain.
fn symlinked(primary: &Path, root: &Path) -> Symlinked {
    let mut at = primary.to_path_buf();
    let parts: Vec<_> = root.components().collect();
    for (i, part) in parts.iter().enumerate() {
        at.push(part.as_os_str());
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return if i + 1 == parts.len() {
                    Symlinked::Itself
                } else {
                    Symlinked::Behind
                };
            }
            Ok(_) => {}
            Err(_) => return Symlinked::Missing,
        }
    }
    Symlinked::No
}

/// Runs the configured setup commands in the lane, with its environment and placeholders. Their
/// output goes to stderr: stdout belongs to the caller (JSON for agents, LSP frames for editors).
pub(crate) fn run_setup(
    config: &Config,
    record: &LaneRecord,
    progress: &dyn Progress,
) -> Result<()> {
    for command in &config.setup {
        progress.step(&format!("running `{}`", crate::printable::visible(command)));
        let failed = |detail: String| Error::SetupFailed {
            ticket: record.ticket.clone(),
            path: record.path.clone(),
            command: command.clone(),
            detail,
        };
        let stdout = stderr_for_child().map_err(|e| failed(e.to_string()))?;
        let status = Command::new("sh")
            .arg("-c")
            .arg(render_for_shell(command, record))
            .current_dir(&record.path)
            .envs(environment(record))
            .stdin(Stdio::null())
            .stdout(stdout)
            .status()
            .map_err(|e| failed(e.to_string()))?;
        if !status.success() {
            return Err(failed(status.to_string()));
        }
    }
    Ok(())
}

/// Our stderr as a child's stdout.
fn stderr_for_child() -> std::io::Result<Stdio> {
    use std::os::fd::AsFd;
    Ok(Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(patterns: &[&str]) -> Vec<String> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        walk_roots(&patterns)
            .iter()
            .map(|r| r.display().to_string())
            .collect()
    }

    #[test]
    fn literal_names_and_anchored_globs_read_only_their_directories() {
        assert_eq!(
            roots(&[".env", "config/local/", "secrets/*.key", "!secrets/old.key"]),
            [".env", "config/local", "secrets"]
        );
    }

    #[test]
    fn a_glob_that_may_match_at_any_depth_reads_the_whole_checkout() {
        assert_eq!(roots(&["*.env", "secrets/*.key"]), [""]);
        assert_eq!(roots(&["**/local.json"]), [""]);
    }
}
