//! The repositories a user works on: the `[[repos]]` of the user config (one clone each, or every
//! clone inside a `parent` folder) and the selection `--repo`, `--group` and `--all` make of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{home_dir, Config};
use crate::error::{Error, Result};
use crate::git::{canonical, normalize};

/// A repository of the user config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoTarget {
    /// Its short name.
    pub name: String,
    /// Its directory.
    pub path: PathBuf,
}

/// `~/…` against the home directory.
pub fn expand(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The repositories of the user config, `parent` folders expanded.
pub fn configured(config: &Config) -> Result<Vec<RepoTarget>> {
    let mut out: Vec<RepoTarget> = Vec::new();
    for spec in &config.repos {
        if let Some(path) = &spec.path {
            let path = canonical(&normalize(&expand(path)));
            let name = spec.name.clone().unwrap_or_else(|| dir_name(&path));
            out.push(RepoTarget { name, path });
        } else if let Some(parent) = &spec.parent {
            let parent = canonical(&normalize(&expand(parent)));
            let entries = std::fs::read_dir(&parent).map_err(Error::io(format!(
                "reading repos folder {}",
                parent.display()
            )))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                // Primary checkouts only: lanes beside them have a `.git` file, not a directory.
                .filter(|p| p.join(".git").is_dir())
                .collect();
            found.sort();
            out.extend(found.into_iter().map(|path| RepoTarget {
                name: dir_name(&path),
                path: canonical(&path),
            }));
        }
    }
    let mut seen = BTreeMap::new();
    for repo in &out {
        if let Some(other) = seen.insert(repo.name.clone(), repo.path.clone()) {
            return Err(Error::Config(format!(
                "config: two repositories are named {:?} ({} and {}); give one a `name`",
                repo.name,
                other.display(),
                repo.path.display()
            )));
        }
    }
    Ok(out)
}

fn dir_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".git").to_string())
        .unwrap_or_else(|| path.display().to_string())
}

/// The repositories selected by `--repo`, `--group` and `--all`.
pub fn choose(
    config: &Config,
    names: &[String],
    groups: &[String],
    all: bool,
) -> Result<Vec<RepoTarget>> {
    let known = configured(config)?;
    if known.is_empty() {
        return Err(Error::Config("no repositories are configured".into()).with_hint("list them in your user config, e.g.\n    [[repos]]\n    name = \"api\"\n    path = \"~/src/api\""));
    }
    if all {
        return Ok(known);
    }
    let mut wanted: Vec<String> = names.to_vec();
    for group in groups {
        let members = config.groups.get(group).ok_or_else(|| {
            Error::Usage(format!(
                "unknown group {group:?}; configured groups: {}",
                config.groups.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        wanted.extend(members.iter().cloned());
    }
    let mut out: Vec<RepoTarget> = Vec::new();
    for name in wanted {
        let repo = known.iter().find(|r| r.name == name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown repository {name:?}; configured: {}",
                known
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if !out.contains(repo) {
            out.push(repo.clone());
        }
    }
    Ok(out)
}
