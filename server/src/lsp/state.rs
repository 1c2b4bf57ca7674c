//! What the server keeps between messages: the workspace folders, one live session per
//! repository, the open documents. All of it is a cache that can be rebuilt from git.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use dashmap::DashMap;
use lanes::config::ConfigLayer;
use lanes::session::RepoSession;
use tower_lsp_server::lsp_types::Uri;

use super::text::Document;

/// A repository's session, shared between handlers (libgit2 handles are used by one thread at a
/// time, hence the mutex; every use is short).
pub type SharedSession = Arc<Mutex<RepoSession>>;

/// Server state.
#[derive(Default)]
pub struct State {
    /// Workspace folders, in the client's order.
    pub folders: RwLock<Vec<PathBuf>>,
    /// Sessions by the repository's common git directory.
    pub sessions: DashMap<PathBuf, SharedSession>,
    /// Open documents.
    pub documents: DashMap<Uri, Document>,
    /// Settings from the editor (initializationOptions, didChangeConfiguration).
    pub settings: RwLock<ConfigLayer>,
    /// The last `lanes/status` sent, to send only changes.
    pub last_status: Mutex<Option<serde_json::Value>>,
    /// The window ticket's lanes in the other configured repositories, with the ticket and the
    /// repositories' lane fingerprint they were found for: opening every configured repository
    /// on each status refresh would cost more than the refresh itself.
    pub others: Mutex<Option<OthersCache>>,
    /// Client capabilities that change what the server does.
    pub client: RwLock<ClientSupport>,
    /// Files not open whose conflicts were published (the window lane's changed files), to
    /// clear them when the conflict goes away.
    pub unopened: Mutex<std::collections::BTreeSet<String>>,
    /// Grows whenever any lane changed (`revision` of `lanes/status`).
    pub revision: std::sync::atomic::AtomicU64,
}

/// What `lanes/status` last found of the window ticket's lanes in other repositories.
pub struct OthersCache {
    /// The ticket.
    pub ticket: String,
    /// `ops::multi::lanes_fingerprint` when they were found.
    pub fingerprint: Vec<(PathBuf, Option<std::time::SystemTime>)>,
    /// The lanes, as sent.
    pub lanes: Vec<lanes::protocol::LaneElsewhere>,
}

/// The client capabilities the server cares about.
#[derive(Default, Clone, Copy)]
pub struct ClientSupport {
    /// `window/showDocument`.
    pub show_document: bool,
    /// `window/workDoneProgress`.
    pub progress: bool,
}

impl State {
    /// The session of the repository containing `path`, if one is open.
    pub fn session_for(&self, path: &Path) -> Option<SharedSession> {
        self.sessions.iter().find_map(|entry| {
            let session = entry.value().lock().ok()?;
            let inside =
                session.lane_of(path).is_some() || path.starts_with(session.repo().common_dir());
            inside.then(|| entry.value().clone())
        })
    }

    /// The worktree the window works in for this session: the lane holding the first workspace
    /// folder that belongs to it.
    pub fn window_lane(&self, session: &RepoSession) -> Option<PathBuf> {
        let folders = self.folders.read().ok()?;
        folders.iter().find_map(|f| {
            session
                .lane_of(f)
                .and_then(|e| e.path())
                .map(Path::to_path_buf)
        })
    }

    /// The session of the first workspace folder that is in a repository.
    pub fn window_session(&self) -> Option<SharedSession> {
        let folders = self.folders.read().ok()?.clone();
        folders.iter().find_map(|f| self.session_for(f))
    }

    /// Current editor settings.
    pub fn settings(&self) -> ConfigLayer {
        self.settings.read().map(|s| s.clone()).unwrap_or_default()
    }
}
