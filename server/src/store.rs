//! Lane metadata, one small JSON record per lane in `$GIT_COMMON_DIR/lanes/<ticket>.json`, shared by
//! every process working on the repository (editor windows, agents' CLI calls). Records are written
//! atomically (temporary file + rename) and creation is serialised per ticket by a file lock, so
//! concurrent `lanes start` calls cannot corrupt or duplicate a lane.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::ticket::TicketKey;

/// Format version of a record, stored in it, so later versions can read older records.
pub const RECORD_VERSION: u32 = 1;

/// What lanes remembers about a lane beyond what git records.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LaneRecord {
    /// Record format version.
    pub version: u32,
    /// Ticket key.
    pub ticket: String,
    /// Branch the lane was created on.
    pub branch: String,
    /// Worktree directory.
    pub path: PathBuf,
    /// Base ref the branch was made from and is compared with.
    pub base: String,
    /// Ticket title, when known.
    #[serde(default)]
    pub title: Option<String>,
    /// Ticket URL, when known.
    #[serde(default)]
    pub url: Option<String>,
    /// Pull request number, for lanes of pull requests.
    #[serde(default)]
    pub pr: Option<u64>,
    /// The pull request's state as last synced: open, draft, closed or merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_state: Option<String>,
    /// Creation time, seconds since the Unix epoch.
    pub created: u64,
    /// The commit the branch pointed at when the lane was made: a lane whose tip is still there
    /// has no work of its own (not "merged", just empty). Absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The lane's port (`{port}`, `LANES_PORT`), chosen at its start; absent in older records
    /// (then derived from the ticket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Whether lanes created the branch for this lane (`true`) or found it already there
    /// (`false`, e.g. `--branch develop`): only a branch lanes created is deleted with its lane.
    /// Absent in records of older versions; then the branch's reflog decides, conservatively
    /// (see [`crate::lane::LaneEntry::deletable_branch`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_created: Option<bool>,
}

/// The records of one repository.
pub struct Store {
    dir: PathBuf,
}

/// Held while a lane is created or removed; released on drop (or when the process dies). The
/// lock file is deleted on release, so none are left behind.
pub struct LaneLock {
    file: File,
    path: PathBuf,
}

impl Drop for LaneLock {
    fn drop(&mut self) {
        // Deleted while still held: a waiter that then gets the lock on the deleted file sees
        // that the path no longer leads to it and takes a fresh one (see `Store::lock`).
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

impl Store {
    /// The store of `repo` (the directory is created on first write).
    pub fn new(repo: &Repo) -> Store {
        Store {
            dir: repo.common_dir().join("lanes"),
        }
    }

    fn record_path(&self, ticket: &TicketKey) -> PathBuf {
        self.dir.join(format!("{ticket}.json"))
    }

    fn ensure_dir(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(Error::io(format!("creating {}", self.dir.display())))
    }

    /// Takes the per-ticket lock, waiting for another process that holds it.
    pub fn lock(&self, ticket: &TicketKey) -> Result<LaneLock> {
        self.ensure_dir()?;
        use std::os::unix::fs::MetadataExt;
        // One lock for every spelling of a key: `proj-1` and `PROJ-1` are one ticket.
        let path = self
            .dir
            .join(format!("{}.lock", ticket.as_str().to_lowercase()));
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(Error::io(format!("opening lock {}", path.display())))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    // Another lanes process works on this lane (a start running long setup
                    // commands, a removal): say why nothing happens, then wait for it.
                    tracing::warn!(
                        "waiting for lane {ticket}: another lanes process is working on it"
                    );
                    file.lock()
                        .map_err(Error::io(format!("locking {}", path.display())))?;
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(format!("locking {}", path.display()))(e))
                }
            }
            let held = file.metadata().map(|m| (m.dev(), m.ino()));
            let current = std::fs::metadata(&path).map(|m| (m.dev(), m.ino()));
            match (held, current) {
                (Ok(a), Ok(b)) if a == b => return Ok(LaneLock { file, path }),
                // The holder before us deleted this file on release: lock the current one.
                _ => continue,
            }
        }
    }

    /// The record of a ticket, if there is a readable one.
    pub fn get(&self, ticket: &TicketKey) -> Option<LaneRecord> {
        read_record(&self.record_path(ticket))
    }

    /// Every readable record; unreadable ones are skipped with a warning (they never block work).
    pub fn all(&self) -> Vec<LaneRecord> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut records: Vec<LaneRecord> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| read_record(&p))
            .collect();
        records.sort_by(|a, b| a.ticket.cmp(&b.ticket));
        records
    }

    /// Writes a record atomically: readers see the old record or the new one, never a torn file.
    pub fn save(&self, record: &LaneRecord) -> Result<()> {
        self.ensure_dir()?;
        let ticket = TicketKey::parse(&record.ticket)?;
        let target = self.record_path(&ticket);
        let json = serde_json::to_vec_pretty(record)
            .map_err(|e| Error::Internal(format!("serialising lane record: {e}")))?;
        crate::atomic::write(&target, &json)
            .map_err(Error::io(format!("writing {}", target.display())))
    }

    /// Deletes a ticket's record (absent is fine).
    pub fn delete(&self, ticket: &TicketKey) -> Result<()> {
        let path = self.record_path(ticket);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("deleting {}", path.display()))(e)),
        }
    }
}

fn read_record(path: &Path) -> Option<LaneRecord> {
    let text = crate::git::read::read_regular(path, crate::git::read::MANAGED_CAP)
        .ok()
        .flatten()?;
    match serde_json::from_slice::<LaneRecord>(&text) {
        // A record is only trusted whole: a relative or empty path would be read against
        // whatever the current directory is.
        Ok(record)
            if record.path.is_absolute()
                && TicketKey::parse(&record.ticket).is_ok()
                && crate::lane::validate_branch(&record.branch).is_ok() =>
        {
            Some(record)
        }
        Ok(_) => {
            tracing::warn!(
                "ignoring lane record {} with an invalid ticket, branch or path",
                path.display()
            );
            None
        }
        Err(e) => {
            tracing::warn!("ignoring unreadable lane record {}: {e}", path.display());
            None
        }
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
