//! The tools and resources `lanes mcp` offers, each one core operation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResponse, CallToolResult, ContentBlock, CustomRequest, CustomResult, ErrorCode,
    Implementation, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use lanes::ops;
use lanes::protocol as wire;
use lanes::session::RepoSession;

use super::summary;
use lanes::{Config, Repo};

/// What the server tells the agent about using it.
const INSTRUCTIONS: &str = "Lanes keeps each ticket on its own branch in its own git worktree (a lane). Work only inside your lane's directory. Before editing a file, call lanes_check with its path: if it reports a conflict, another lane or the base changes the same lines — ask before editing. Start a lane for a new ticket with lanes_start; read its ticket with lanes_ticket.";

/// The server: the directory it serves (a repository's primary checkout or one of its lanes),
/// and a live view of that repository for `lanes_check` (opened and scanned in the background at
/// start, then kept fresh for the files asked about), so that asking before each edit costs
/// milliseconds rather than a scan of every lane.
#[derive(Clone)]
pub struct LanesMcp {
    dir: Arc<PathBuf>,
    session: Arc<std::sync::Mutex<Option<RepoSession>>>,
    tool_router: ToolRouter<Self>,
}

#[derive(Deserialize, JsonSchema)]
pub struct StartArgs {
    /// Ticket key: a Jira key (PROJ-123), a GitHub issue ('#42') or a short slug.
    pub ticket: String,
    /// Branch from this ref instead of the configured base (e.g. origin/develop).
    pub base: Option<String>,
    /// Do not ask the ticket provider: start from the key alone.
    #[serde(default)]
    pub offline: bool,
}

#[derive(Deserialize, JsonSchema)]
pub struct StatusArgs {
    /// A directory or file inside a lane; default: where the server runs.
    pub path: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct CheckArgs {
    /// The file about to be edited (absolute, or relative to where the server runs).
    pub path: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct TicketArgs {
    /// The ticket key (any case), or the lane's branch.
    pub ticket: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct MoveArgs {
    /// The file whose uncommitted change moves (inside a lane).
    pub path: String,
    /// The lane it goes to: ticket key (any case) or branch.
    pub to: String,
    /// Only the hunks touching these lines, e.g. "40-62" or "12"; default: the whole file's change.
    pub lines: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct PrArgs {
    /// The lane (ticket key or branch); default: the lane the server runs in.
    pub ticket: Option<String>,
    /// Open it as a draft.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Deserialize, JsonSchema)]
pub struct NoArgs {}

/// A tool's answer: a short summary the agent reads first, then the structured report (also as
/// JSON text, for clients that do not read structured output).
pub struct Answer<T> {
    summary: String,
    report: T,
}

impl<T> Answer<T> {
    fn new(report: T, summarise: impl FnOnce(&T) -> String) -> Answer<T> {
        Answer {
            summary: summarise(&report),
            report,
        }
    }
}

impl<T: Serialize + JsonSchema + 'static> IntoCallToolResult for Answer<T> {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        let value = serde_json::to_value(&self.report).map_err(|e| {
            ErrorData::internal_error(format!("the report did not serialize: {e}"), None)
        })?;
        let mut result = CallToolResult::structured(value);
        result.content.insert(0, ContentBlock::text(self.summary));
        Ok(result.into())
    }
}

/// The output schema of a tool answering `T`.
fn schema<T: JsonSchema + 'static>() -> Arc<rmcp::model::JsonObject> {
    rmcp::handler::server::common::schema_for_output::<T>()
}

/// A core error as the tool error the agent reads: the message, then what to do.
fn tool_error(e: lanes::Error) -> String {
    let mut text = e.to_string();
    for hint in e.hints() {
        text.push_str("\nhint: ");
        text.push_str(&hint);
    }
    text
}

impl LanesMcp {
    /// A server for the repository holding `dir`.
    pub fn new(dir: PathBuf) -> LanesMcp {
        LanesMcp {
            dir: Arc::new(dir),
            session: Arc::default(),
            tool_router: Self::tool_router(),
        }
    }

    /// Opens and scans the live session in the background; a `lanes_check` meanwhile waits for
    /// it. Outside a repository there is none, and the tools say so themselves.
    pub fn warm_up(&self) {
        let (dir, session) = (self.dir.clone(), self.session.clone());
        tokio::task::spawn_blocking(move || {
            let Ok(mut slot) = session.lock() else {
                return;
            };
            if slot.is_some() {
                return;
            }
            match open_session(&dir) {
                Ok(opened) => *slot = Some(opened),
                Err(e) => tracing::debug!("no live session for {}: {e}", dir.display()),
            }
        });
    }

    /// Runs `work` on the live session (opening it when the warm-up could not).
    async fn on_session<T, F>(&self, work: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&mut RepoSession, &Path) -> lanes::Result<T> + Send + 'static,
    {
        let (dir, session) = (self.dir.clone(), self.session.clone());
        tokio::task::spawn_blocking(move || {
            let mut slot = session
                .lock()
                .map_err(|_| lanes::Error::Internal("the session lock was poisoned".into()))?;
            if slot.is_none() {
                *slot = Some(open_session(&dir)?);
            }
            match slot.as_mut() {
                Some(live) => work(live, &dir),
                None => Err(lanes::Error::Internal("no session".into())),
            }
        })
        .await
        .map_err(|e| format!("the tool stopped unexpectedly: {e}"))?
        .map_err(tool_error)
    }

    /// Runs `work` on the repository, off the async threads (the core blocks on git and disk).
    async fn on_repo<T, F>(&self, work: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&Repo, &Config, &Path) -> lanes::Result<T> + Send + 'static,
    {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            let repo = Repo::discover(&dir)?;
            let config = Config::load(repo.anchor())?;
            work(&repo, &config, &dir)
        })
        .await
        .map_err(|e| format!("the tool stopped unexpectedly: {e}"))?
        .map_err(tool_error)
    }
}

fn open_session(dir: &Path) -> lanes::Result<RepoSession> {
    let mut session = RepoSession::open(dir, Default::default())?;
    session.scan_worktrees()?;
    Ok(session)
}

/// `path` as the server sees it: absolute, or relative to its directory.
fn resolve(dir: &Path, path: &str) -> PathBuf {
    lanes::lane::normalize(&dir.join(path))
}

#[tool_router]
impl LanesMcp {
    /// Start (or report) the lane of a ticket: its branch from the fresh base and its own
    /// worktree. Returns the lane's path and branch, and where the ticket's context was written.
    #[tool(output_schema = schema::<wire::Started>(), annotations(
        title = "Start a lane",
        destructive_hint = false,
        open_world_hint = true
    ))]
    async fn lanes_start(
        &self,
        Parameters(args): Parameters<StartArgs>,
    ) -> Result<Answer<wire::Started>, String> {
        self.on_repo(move |repo, config, _| {
            let request = ops::start::StartRequest {
                ticket: Some(lanes::TicketKey::parse(&args.ticket)?),
                base: args.base,
                offline: args.offline,
                ..Default::default()
            };
            ops::start::start(repo, config, &request, &lanes::progress::Quiet)
        })
        .await
        .map(|r| Answer::new(r, summary::started))
    }

    /// Every lane of the repository: ticket, title, branch, path, dirty files, ahead/behind,
    /// pull request, merged, and with whom its merge would conflict.
    #[tool(output_schema = schema::<wire::LaneList>(), annotations(title = "List the lanes", read_only_hint = true))]
    async fn lanes_list(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Answer<wire::LaneList>, String> {
        self.on_repo(|repo, config, _| {
            Ok(wire::LaneList {
                lanes: ops::list(repo, config)?,
            })
        })
        .await
        .map(|r| Answer::new(r, summary::lanes))
    }

    /// The lane of a directory or file (default: where the server runs).
    #[tool(output_schema = schema::<wire::Lane>(), annotations(title = "Which lane is this?", read_only_hint = true))]
    async fn lanes_status(
        &self,
        Parameters(args): Parameters<StatusArgs>,
    ) -> Result<Answer<wire::Lane>, String> {
        self.on_repo(move |repo, config, dir| {
            let path = args
                .path
                .map_or_else(|| dir.to_path_buf(), |p| resolve(dir, &p));
            let dir = if path.is_file() {
                path.parent().map_or(path.clone(), Path::to_path_buf)
            } else {
                path
            };
            ops::status(repo, config, &dir)
        })
        .await
        .map(|r| Answer::new(r, summary::lane))
    }

    /// Call before editing a file: which other lanes (and the moving base) change it, with git's
    /// verdict — conflict (the merge would conflict), overlap (same lines, merges cleanly) or
    /// shared (far apart) — and the lines. `safe: true` when nobody else changes it.
    #[tool(output_schema = schema::<wire::FileCheck>(), annotations(title = "May I edit this file?", read_only_hint = true))]
    async fn lanes_check(
        &self,
        Parameters(args): Parameters<CheckArgs>,
    ) -> Result<Answer<wire::FileCheck>, String> {
        self.on_session(move |session, dir| {
            let file = resolve(dir, &args.path);
            let overlaps = session.check_files(&[file])?;
            Ok(wire::FileCheck {
                path: args.path,
                safe: overlaps.is_empty(),
                conflict: overlaps.iter().any(|o| o.conflict),
                overlaps,
            })
        })
        .await
        .map(|r| Answer::new(r, summary::check))
    }

    /// The ticket's context as its lane holds it: title, link, status, description and
    /// acceptance criteria (Markdown).
    #[tool(output_schema = schema::<wire::TicketContext>(), annotations(title = "Read the ticket", read_only_hint = true))]
    async fn lanes_ticket(
        &self,
        Parameters(args): Parameters<TicketArgs>,
    ) -> Result<Answer<wire::TicketContext>, String> {
        self.on_repo(move |repo, config, _| ops::tickets::context(repo, config, &args.ticket))
            .await
            .map(|r| Answer::new(r, |t| t.markdown.clone()))
    }

    /// Move an uncommitted change (the whole file's, or the hunks touching `lines`) from the
    /// file's lane to another lane. All or nothing: written to the target first, taken out of
    /// the source second; if it does not apply there, nothing changes.
    #[tool(output_schema = schema::<wire::Moved>(), annotations(
        title = "Move a change to another lane",
        destructive_hint = true,
        idempotent_hint = false
    ))]
    async fn lanes_move(
        &self,
        Parameters(args): Parameters<MoveArgs>,
    ) -> Result<Answer<wire::Moved>, String> {
        self.on_repo(move |repo, config, dir| {
            let file = resolve(dir, &args.path);
            let entries = ops::lanes_of(repo, config)?;
            let from = lanes::lane::holding(&entries, &lanes::git::canonical(&file))
                .and_then(|e| e.path())
                .map(Path::to_path_buf)
                .ok_or_else(|| {
                    lanes::Error::Usage(format!(
                        "{} is not in a lane of this repository",
                        args.path
                    ))
                })?;
            let relative = lanes::git::canonical(&file)
                .strip_prefix(&from)
                .map(Path::to_path_buf)
                .map_err(|_| {
                    lanes::Error::Usage(format!("{} is not inside its lane", args.path))
                })?;
            let lines = args.lines.as_deref().map(parse_lines).transpose()?;
            let request = ops::moves::MoveRequest {
                from,
                to: ops::switch::ticket_named(repo, config, &args.to)?,
                selections: vec![ops::moves::Selection {
                    path: relative,
                    lines,
                }],
                hunk_ids: Vec::new(),
                three_way: false,
            };
            ops::moves::move_changes(repo, config, &request)
        })
        .await
        .map(|r| Answer::new(r, summary::moved))
    }

    /// Push the lane's branch and open its pull request on GitHub, titled and described from
    /// the ticket — or update the one already open for the branch.
    #[tool(output_schema = schema::<wire::PullRequestOpened>(), annotations(
        title = "Open the pull request",
        destructive_hint = false,
        open_world_hint = true
    ))]
    async fn lanes_pr(
        &self,
        Parameters(args): Parameters<PrArgs>,
    ) -> Result<Answer<wire::PullRequestOpened>, String> {
        self.on_repo(move |repo, config, dir| {
            let lane = match &args.ticket {
                Some(name) => ops::switch::lane_named(repo, config, name)?
                    .path()
                    .map_or_else(|| dir.to_path_buf(), Path::to_path_buf),
                None => dir.to_path_buf(),
            };
            let request = ops::pr::PrRequest {
                draft: args.draft,
                ..Default::default()
            };
            ops::pr::open_pull_request(repo, config, &lane, &request, &lanes::progress::Quiet)
        })
        .await
        .map(|r| Answer::new(r, summary::pull_request))
    }

    /// Bring the user's open pull requests into lanes (created, or fast-forwarded when they
    /// have no local work), across this repository and the configured ones.
    #[tool(output_schema = schema::<wire::SyncReport>(), annotations(
        title = "Sync pull requests",
        destructive_hint = false,
        open_world_hint = true
    ))]
    async fn lanes_sync(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Answer<wire::SyncReport>, String> {
        self.on_repo(|repo, config, _| {
            ops::sync::sync_from(
                Some(repo),
                config,
                &ops::sync::SyncOptions::default(),
                &lanes::progress::Quiet,
            )
        })
        .await
        .map(|r| Answer::new(r, summary::synced))
    }
}

/// "40-62" or "12" as an inclusive line range.
fn parse_lines(text: &str) -> lanes::Result<(u32, u32)> {
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let parse = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                lanes::Error::Usage(format!(
                    "invalid line range {text:?}; use \"10-20\" or \"12\""
                ))
            })
    };
    let (a, b) = (parse(a)?, parse(b)?);
    Ok((a.min(b), a.max(b)))
}

/// `lanes://TICKET/ticket.md` → TICKET.
fn ticket_of_uri(uri: &str) -> Option<&str> {
    uri.strip_prefix("lanes://")?.strip_suffix("/ticket.md")
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for LanesMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("lanes", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    /// The stand-in for a request line too long to take (see `lines`): answered "Invalid
    /// request" under the request's id, so the client is not left waiting; any other unknown
    /// method is not found.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        if request.method != super::lines::TOO_LONG_METHOD {
            return Err(ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                request.method,
                None,
            ));
        }
        let bytes = request
            .params
            .as_ref()
            .and_then(|p| p.get("bytes"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_default();
        Err(ErrorData::invalid_request(
            format!(
                "the request line is {bytes} bytes, over the limit of {} MiB: it was not read",
                super::lines::MAX_LINE / (1024 * 1024)
            ),
            None,
        ))
    }

    /// Each lane's ticket context, as `lanes://TICKET/ticket.md`.
    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let lanes = self
            .on_repo(|repo, config, _| ops::list(repo, config))
            .await
            .map_err(|e| ErrorData::internal_error(e, None))?;
        let resources = lanes
            .iter()
            .filter_map(|lane| {
                let ticket = lane.ticket.as_ref()?;
                let file = lane.path.join(".lanes").join("ticket.md");
                // Only a regular file git does not track is a lane's context (a committed link
                // or file is the repository's, not listed).
                let regular = std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file())
                    && matches!(ops::tickets::context_is_committed(&lane.path), Ok(false));
                regular.then(|| {
                    Resource::new(
                        format!("lanes://{ticket}/ticket.md"),
                        format!("{ticket} ticket"),
                    )
                    .with_title(lane.title.clone().unwrap_or_else(|| ticket.clone()))
                    .with_description(format!("The ticket of lane {ticket}, as its lane holds it"))
                    .with_mime_type("text/markdown")
                })
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.clone();
        let Some(ticket) = ticket_of_uri(&uri).map(str::to_string) else {
            return Err(ErrorData::resource_not_found(
                format!("{uri} is not a lanes resource (lanes://TICKET/ticket.md)"),
                None,
            ));
        };
        let context = self
            .on_repo(move |repo, config, _| ops::tickets::context(repo, config, &ticket))
            .await
            .map_err(|e| ErrorData::resource_not_found(e, None))?;
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(context.markdown, uri).with_mime_type("text/markdown")
        ])
        .into())
    }
}
