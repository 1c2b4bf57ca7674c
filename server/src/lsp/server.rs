//! The `LanguageServer` implementation: each handler translates its message into calls on the
//! state, the core or the other modules of this layer, and back.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result as RpcResult;
use tower_lsp_server::lsp_types::*;
use tower_lsp_server::{Client, LanguageServer};

use lanes::session::RepoSession;

use super::state::State;
use super::text::Document;
use super::{code_actions, commands, diagnostics, status, uri, watch};

/// What every handler and background task needs: the client and the state.
#[derive(Clone)]
pub struct Ctx {
    /// Messages to the client.
    pub client: Client,
    /// The server's state.
    pub state: Arc<State>,
}

/// The server.
pub struct Backend {
    ctx: Ctx,
    watcher: std::sync::Mutex<Option<watch::Watcher>>,
    shut_down: Arc<std::sync::atomic::AtomicBool>,
}

impl Backend {
    /// A server talking to `client`.
    pub fn new(client: Client, shut_down: Arc<std::sync::atomic::AtomicBool>) -> Backend {
        Backend {
            ctx: Ctx {
                client,
                state: Arc::new(State::default()),
            },
            watcher: std::sync::Mutex::new(None),
            shut_down,
        }
    }

    /// What a malformed request with an id became (see `transport`): answered `InvalidRequest`.
    pub async fn invalid_request(&self, _params: Value) -> RpcResult<Value> {
        Err(tower_lsp_server::jsonrpc::Error::invalid_request())
    }

    /// `lanes/status` request: the window's lane, or null outside a repository.
    pub async fn status_request(&self) -> RpcResult<Value> {
        Ok(status::compute(&self.ctx).await.unwrap_or(Value::Null))
    }
}

impl Ctx {
    /// Opens a session for every workspace folder in a repository not opened yet.
    pub async fn open_sessions(&self) {
        let state = self.state.clone();
        let opened = tokio::task::spawn_blocking(move || {
            let folders = state.folders.read().map(|f| f.clone()).unwrap_or_default();
            let mut opened = Vec::new();
            for folder in folders {
                if state.session_for(&folder).is_some() {
                    continue;
                }
                match RepoSession::open(&folder, state.settings()) {
                    Ok(session) => {
                        let common = session.repo().common_dir().to_path_buf();
                        state
                            .sessions
                            .entry(common.clone())
                            .or_insert_with(|| Arc::new(std::sync::Mutex::new(session)));
                        opened.push(common);
                    }
                    // A folder outside any repository is fine: the server stays quiet for it.
                    Err(lanes::Error::NotARepository(_)) => {
                        tracing::info!("{} is not in a git repository", folder.display())
                    }
                    Err(e) => tracing::warn!("cannot open {}: {e}", folder.display()),
                }
            }
            opened
        })
        .await
        .unwrap_or_default();
        if !opened.is_empty() {
            tracing::info!("watching {} repositories", opened.len());
        }
    }

    /// Reads every session's uncommitted changes in the background (the sessions open with
    /// committed changes only, so the first answers come fast), then refreshes what is shown.
    pub async fn scan_worktrees(&self) {
        let sessions: Vec<_> = self
            .state
            .sessions
            .iter()
            .map(|e| e.value().clone())
            .collect();
        for session in sessions {
            let result = tokio::task::spawn_blocking(move || {
                session
                    .lock()
                    .map_err(|_| "session lock poisoned".to_string())
                    .and_then(|mut s| s.scan_worktrees().map_err(|e| e.to_string()))
            })
            .await;
            if let Ok(Err(e)) = result {
                tracing::warn!("scanning worktrees: {e}");
            }
        }
        self.republish_all().await;
        status::lanes_changed(self).await;
    }

    /// Recomputes and publishes the diagnostics of one open document.
    pub async fn publish(&self, uri: Uri) {
        let Some((text, version)) = self
            .state
            .documents
            .get(&uri)
            .map(|d| (d.text.clone(), d.version))
        else {
            return;
        };
        let Some(path) = uri::to_path(&uri) else {
            return;
        };
        let state = self.state.clone();
        let diags = tokio::task::spawn_blocking(move || {
            let Some(session) = state.session_for(&path) else {
                return Vec::new();
            };
            let Ok(session) = session.lock() else {
                return Vec::new();
            };
            let window = state.window_lane(&session);
            match session.findings(window.as_deref(), &path, Some(text.as_bytes())) {
                Ok(findings) => diagnostics::from_findings(&findings),
                Err(e) => {
                    tracing::warn!("checking {}: {e}", path.display());
                    Vec::new()
                }
            }
        })
        .await
        .unwrap_or_default();
        // A newer version publishes its own result; never show an older one over it.
        let current = self.state.documents.get(&uri).map(|d| d.version);
        if current == Some(version) {
            self.client
                .publish_diagnostics(uri, diags, Some(version))
                .await;
        }
    }

    /// Publishes the conflicts of the window lane's changed files that are not open, so the
    /// Problems panel lists every conflict of the lane without opening anything; clears those
    /// that went away.
    pub async fn publish_unopened_conflicts(&self) {
        let state = self.state.clone();
        let found = tokio::task::spawn_blocking(move || {
            let session = state.window_session()?;
            let session = session.lock().ok()?;
            let window = state.window_lane(&session)?;
            let mut found = Vec::new();
            for relative in session.changed_files(&window) {
                let path = window.join(&relative);
                let Some(uri) = uri::from_path(&path) else {
                    continue;
                };
                if state.documents.contains_key(&uri) {
                    continue;
                }
                let Ok(findings) = session.findings(Some(&window), &path, None) else {
                    continue;
                };
                let conflicts: Vec<_> = diagnostics::from_findings(&findings)
                    .into_iter()
                    .filter(|d| d.code == Some(NumberOrString::String("conflict".into())))
                    .collect();
                if !conflicts.is_empty() {
                    found.push((uri, conflicts));
                }
            }
            Some(found)
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
        let now: std::collections::BTreeSet<String> = found
            .iter()
            .map(|(uri, _)| uri.as_str().to_string())
            .collect();
        let before = match self.state.unopened.lock() {
            Ok(mut published) => std::mem::replace(&mut *published, now.clone()),
            Err(_) => return,
        };
        for (uri, diagnostics) in found {
            self.client
                .publish_diagnostics(uri, diagnostics, None)
                .await;
        }
        for gone in before.difference(&now) {
            let Ok(uri) = gone.parse::<Uri>() else {
                continue;
            };
            if !self.state.documents.contains_key(&uri) {
                self.client.publish_diagnostics(uri, Vec::new(), None).await;
            }
        }
    }

    /// Republishes the diagnostics of every open document.
    pub async fn republish_all(&self) {
        let uris: Vec<Uri> = self
            .state
            .documents
            .iter()
            .map(|e| e.key().clone())
            .collect();
        for uri in uris {
            self.publish(uri).await;
        }
        self.publish_unopened_conflicts().await;
    }

    /// Re-reads the lanes whose worktrees are among `worktrees`, then what is shown.
    pub async fn rescan(&self, worktrees: Vec<PathBuf>) {
        let state = self.state.clone();
        let any = tokio::task::spawn_blocking(move || {
            let mut any = false;
            for entry in state.sessions.iter() {
                if let Ok(mut session) = entry.value().lock() {
                    match session.rescan(&worktrees) {
                        Ok(changed) => any |= changed,
                        Err(e) => tracing::warn!("re-reading lanes: {e}"),
                    }
                }
            }
            any
        })
        .await
        .unwrap_or(false);
        if any {
            self.republish_all().await;
            status::lanes_changed(self).await;
        }
    }

    /// Refreshes the sessions after these paths changed, then what is shown.
    pub async fn paths_changed(&self, paths: Vec<PathBuf>) -> bool {
        let state = self.state.clone();
        let changed = tokio::task::spawn_blocking(move || {
            let mut lanes_changed = false;
            let mut any = false;
            for entry in state.sessions.iter() {
                let Ok(mut session) = entry.value().lock() else {
                    continue;
                };
                match session.paths_changed(&paths) {
                    Ok(r) => {
                        lanes_changed |= r.lanes;
                        any |= !r.is_empty();
                    }
                    Err(e) => tracing::warn!("refreshing lanes: {e}"),
                }
            }
            (any, lanes_changed)
        })
        .await
        .unwrap_or((false, false));
        if changed.0 {
            self.republish_all().await;
            status::lanes_changed(self).await;
        }
        changed.1
    }
}

/// Reads editor settings: the keys of `lanes.toml`, at the top level or under `lanes`. Unknown
/// keys are reported and skipped, so one stale setting does not disable the rest.
fn settings_from(value: Option<Value>) -> (lanes::config::ConfigLayer, Vec<String>) {
    let mut warnings = Vec::new();
    let Some(mut value) = value.filter(|v| !v.is_null()) else {
        return (Default::default(), warnings);
    };
    if let Some(inner) = value.get("lanes").filter(|v| v.is_object()).cloned() {
        value = inner;
    }
    let Value::Object(map) = value else {
        warnings.push("lanes settings must be an object; ignored".into());
        return (Default::default(), warnings);
    };
    const KNOWN: [&str; 6] = ["branch", "path", "base", "fetch", "copy", "setup"]; // repos/groups stay in the user config
    let known: serde_json::Map<String, Value> = map
        .into_iter()
        .filter(|(k, v)| {
            let keep = KNOWN.contains(&k.as_str());
            if !keep && !v.is_object() {
                warnings.push(format!("unknown lanes setting `{k}` ignored"));
            }
            keep && !v.is_null()
        })
        .collect();
    match serde_json::from_value(Value::Object(known)) {
        Ok(layer) => (layer, warnings),
        Err(e) => {
            warnings.push(format!("invalid lanes settings ignored: {e}"));
            (Default::default(), warnings)
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> RpcResult<InitializeResult> {
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .unwrap_or_default()
            .iter()
            .filter_map(|f| uri::to_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        if folders.is_empty() {
            if let Some(root) = params.root_uri.as_ref().and_then(uri::to_path) {
                folders.push(root);
            }
        }
        let folders: Vec<PathBuf> = folders.iter().map(|f| lanes::git::canonical(f)).collect();
        if let Ok(mut f) = self.ctx.state.folders.write() {
            *f = folders;
        }
        let (settings, warnings) = settings_from(params.initialization_options);
        for warning in warnings {
            tracing::warn!("{warning}");
        }
        if let Ok(mut s) = self.ctx.state.settings.write() {
            *s = settings;
        }
        // Sessions open before the response, so every later message finds them (the committed
        // changes only: uncommitted ones are scanned in the background after `initialized`).
        let started = std::time::Instant::now();
        self.ctx.open_sessions().await;
        tracing::debug!("sessions opened in {:?}", started.elapsed());
        let window = params.capabilities.window.as_ref();
        if let Ok(mut support) = self.ctx.state.client.write() {
            support.show_document = window
                .and_then(|w| w.show_document.as_ref())
                .is_some_and(|s| s.support);
            support.progress = window.and_then(|w| w.work_done_progress).unwrap_or(false);
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new("refactor.move"),
                        ]),
                        ..Default::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: commands::COMMANDS.iter().map(|c| c.to_string()).collect(),
                    work_done_progress_options: WorkDoneProgressOptions {
                        work_done_progress: Some(true),
                    },
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "lanes".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // The git directories are watched before the first status, so lanes created or moved
        // after a client saw it are noticed; the worktrees' directories follow in the background,
        // then every worktree is scanned (which also covers edits made before its watch).
        let started = std::time::Instant::now();
        let watcher = match watch::Watcher::start(self.ctx.clone()).await {
            Ok(watcher) => {
                if let Ok(mut w) = self.watcher.lock() {
                    *w = Some(watcher.clone());
                }
                Some(watcher)
            }
            Err(e) => {
                tracing::warn!("file watching is off ({e}); lanes refresh on save only");
                None
            }
        };
        status::publish(&self.ctx).await;
        tracing::debug!("first status sent after {:?}", started.elapsed());
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            if let Some(watcher) = watcher {
                watcher.watch_worktrees().await;
                tracing::debug!("worktrees watched after {:?}", started.elapsed());
            }
            ctx.scan_worktrees().await;
            tracing::debug!("worktrees scanned after {:?}", started.elapsed());
            ctx.keep_teammates_fresh().await;
        });
    }

    async fn shutdown(&self) -> RpcResult<()> {
        self.shut_down
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut w) = self.watcher.lock() {
            w.take();
        }
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.ctx.state.documents.insert(
            doc.uri.clone(),
            Document {
                text: doc.text,
                version: doc.version,
            },
        );
        self.ctx.publish(doc.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        // Applied before the first await, so changes are applied in the order they arrived.
        let applied = match self.ctx.state.documents.get_mut(&uri) {
            Some(mut doc) => doc.apply(params.text_document.version, params.content_changes),
            None => false,
        };
        if applied {
            self.ctx.publish(uri).await;
        } else {
            tracing::debug!("ignored a stale or unknown didChange for {}", uri.as_str());
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        if let Some(path) = uri::to_path(&params.text_document.uri) {
            self.ctx.paths_changed(vec![path]).await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.ctx.state.documents.remove(&uri);
        self.ctx
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let (settings, warnings) = settings_from(Some(params.settings));
        for warning in warnings {
            tracing::warn!("{warning}");
        }
        if let Ok(mut s) = self.ctx.state.settings.write() {
            *s = settings.clone();
        }
        let state = self.ctx.state.clone();
        let errors = tokio::task::spawn_blocking(move || {
            let mut errors = Vec::new();
            for entry in state.sessions.iter() {
                if let Ok(mut session) = entry.value().lock() {
                    if let Err(e) = session.set_overrides(settings.clone()) {
                        errors.push(e.to_string());
                    }
                }
            }
            errors
        })
        .await
        .unwrap_or_default();
        for e in errors {
            self.ctx.client.show_message(MessageType::WARNING, e).await;
        }
        self.ctx.republish_all().await;
        status::publish(&self.ctx).await;
        // The guard may have been turned on or off; the network is asked in the background.
        let ctx = self.ctx.clone();
        tokio::spawn(async move { ctx.refresh_teammates().await });
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        if let Ok(mut folders) = self.ctx.state.folders.write() {
            let removed: Vec<PathBuf> = params
                .event
                .removed
                .iter()
                .filter_map(|f| uri::to_path(&f.uri))
                .map(|p| lanes::git::canonical(&p))
                .collect();
            folders.retain(|f| !removed.contains(f));
            for added in params
                .event
                .added
                .iter()
                .filter_map(|f| uri::to_path(&f.uri))
            {
                folders.push(lanes::git::canonical(&added));
            }
        }
        self.ctx.open_sessions().await;
        if let Ok(mut w) = self.watcher.lock() {
            if let Some(w) = w.as_mut() {
                w.rewatch();
            }
        }
        self.ctx.republish_all().await;
        status::publish(&self.ctx).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params
            .changes
            .iter()
            .filter_map(|c| uri::to_path(&c.uri))
            .collect();
        self.ctx.paths_changed(paths).await;
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> RpcResult<Option<Value>> {
        let result = commands::execute(&self.ctx, params).await?;
        if let Ok(mut w) = self.watcher.lock() {
            if let Some(w) = w.as_mut() {
                w.rewatch();
            }
        }
        Ok(Some(result))
    }

    async fn code_action(&self, params: CodeActionParams) -> RpcResult<Option<CodeActionResponse>> {
        let mut actions = code_actions::for_params(&params);
        actions.extend(code_actions::move_actions(&self.ctx, &params).await);
        Ok(Some(actions))
    }
}
