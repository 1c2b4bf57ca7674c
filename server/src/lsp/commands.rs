//! `workspace/executeCommand`: each command takes one JSON object and returns one, calling the same
//! core operations as the CLI. Bad arguments are `InvalidParams` errors with a readable message;
//! core errors carry `data: {kind, exitCode}` (kind: invalid, refused, no-such-lane, failed) so a
//! client can, say, offer "Force" after a refusal.

use lanes::protocol as wire;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error as RpcError, ErrorCode, Result as RpcResult};
use tower_lsp_server::lsp_types::{ExecuteCommandParams, ShowDocumentParams, Uri};

use lanes::ops::{self, remove::RemoveOptions, start::StartRequest};
use lanes::{Config, Repo, TicketKey};

use super::progress;
use super::server::Ctx;
use super::{status, uri};

/// Every command the server executes (advertised in `executeCommandProvider`).
pub const COMMANDS: [&str; 15] = [
    "lanes.start",
    "lanes.check",
    "lanes.laneFiles",
    "lanes.untangle",
    "lanes.pr",
    "lanes.pruneMerged",
    "lanes.tickets",
    "lanes.list",
    "lanes.switch",
    "lanes.remove",
    "lanes.restore",
    "lanes.openInLane",
    "lanes.moveChange",
    "lanes.sync",
    "lanes.status",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartArgs {
    ticket: String,
    repo: Option<PathBuf>,
    base: Option<String>,
    branch: Option<String>,
    #[serde(default)]
    offline: bool,
    /// The user already approved the repository's setup commands.
    #[serde(default)]
    approve_setup: bool,
    /// Do not run the setup commands.
    #[serde(default)]
    no_setup: bool,
}

#[derive(Deserialize)]
struct RepoArgs {
    repo: Option<PathBuf>,
    #[serde(default)]
    all: bool,
}

#[derive(Deserialize)]
struct TicketArgs {
    ticket: String,
    repo: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveArgs {
    ticket: String,
    repo: Option<PathBuf>,
    #[serde(default)]
    force: bool,
    #[serde(default)]
    keep_branch: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyncArgs {
    repo: Option<PathBuf>,
    #[serde(default)]
    review_requested: bool,
    #[serde(default)]
    prune: bool,
}

#[derive(Deserialize)]
struct PrArgs {
    /// The lane (any name `lanes switch` takes); none: the window's lane.
    ticket: Option<String>,
    repo: Option<PathBuf>,
    #[serde(default)]
    draft: bool,
    base: Option<String>,
    #[serde(default)]
    offline: bool,
}

#[derive(Deserialize)]
struct LaneArgs {
    /// The lane (any name `lanes switch` takes); none: the window's lane.
    ticket: Option<String>,
    repo: Option<PathBuf>,
}

#[derive(Deserialize)]
struct UntangleArgs {
    /// The lane whose changes to untangle (any name); none: the window's lane.
    ticket: Option<String>,
    repo: Option<PathBuf>,
    /// Hunk id → ticket: move each hunk to that lane; none: list the hunks.
    assignment: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PruneMergedArgs {
    repo: Option<PathBuf>,
    #[serde(default)]
    dry_run: bool,
}

#[derive(Deserialize)]
struct OpenInLaneArgs {
    uri: String,
    ticket: String,
    #[serde(default)]
    show: bool,
    /// With `show`: the line (0-based) to put the cursor on in the other copy.
    line: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoveChangeArgs {
    uri: String,
    ticket: String,
    range: Option<tower_lsp_server::lsp_types::Range>,
    #[serde(default)]
    three_way: bool,
}

/// Runs one command.
pub async fn execute(ctx: &Ctx, params: ExecuteCommandParams) -> RpcResult<Value> {
    let arg = params
        .arguments
        .into_iter()
        .next()
        .unwrap_or_else(|| json!({}));
    let token = params.work_done_progress_params.work_done_token;
    let result = match params.command.as_str() {
        "lanes.start" => start(ctx, parse(arg, "{\"ticket\": \"PROJ-1\"}")?, token).await,
        "lanes.list" => list(ctx, parse(arg, "{}")?).await,
        "lanes.tickets" => tickets(ctx, parse(arg, "{}")?).await,
        "lanes.switch" => switch(ctx, parse(arg, "{\"ticket\": \"PROJ-1\"}")?).await,
        "lanes.remove" => remove(ctx, parse(arg, "{\"ticket\": \"PROJ-1\"}")?).await,
        "lanes.restore" => restore(ctx, parse(arg, "{\"ticket\": \"PROJ-1\"}")?).await,
        "lanes.openInLane" => {
            open_in_lane(
                ctx,
                parse(arg, "{\"uri\": \"file:///…\", \"ticket\": \"PROJ-1\"}")?,
            )
            .await
        }
        "lanes.moveChange" => {
            move_change(
                ctx,
                parse(
                    arg,
                    "{\"uri\": \"file:///…\", \"ticket\": \"PROJ-7\", \"range\": {…}}",
                )?,
            )
            .await
        }
        "lanes.status" => Ok(status::compute(ctx).await.unwrap_or(Value::Null)),
        "lanes.check" => check(ctx, parse(arg, "{}")?).await,
        "lanes.laneFiles" => lane_files(ctx, parse(arg, "{\"ticket\": \"PROJ-1\"}")?).await,
        "lanes.untangle" => {
            untangle(
                ctx,
                parse(arg, "{\"assignment\": {\"src/a.rs@1a2b3c4d\": \"PROJ-7\"}}")?,
            )
            .await
        }
        "lanes.pr" => pull_request(ctx, parse(arg, "{\"draft\": false}")?, token).await,
        "lanes.pruneMerged" => prune_merged(ctx, parse(arg, "{\"dryRun\": true}")?).await,
        "lanes.sync" => {
            sync(
                ctx,
                parse(arg, "{\"reviewRequested\": false, \"prune\": false}")?,
                token,
            )
            .await
        }
        other => Err(RpcError::invalid_params(format!(
            "unknown command {other:?}; lanes knows {}",
            COMMANDS.join(", ")
        ))),
    }?;
    if matches!(
        params.command.as_str(),
        "lanes.start"
            | "lanes.remove"
            | "lanes.restore"
            | "lanes.moveChange"
            | "lanes.untangle"
            | "lanes.sync"
            | "lanes.pr"
            | "lanes.pruneMerged"
    ) {
        reload_sessions(ctx).await;
    }
    Ok(result)
}

fn parse<T: DeserializeOwned>(arg: Value, example: &str) -> RpcResult<T> {
    if !arg.is_object() {
        return Err(RpcError::invalid_params(format!(
            "the argument must be one JSON object, e.g. {example}"
        )));
    }
    serde_json::from_value(arg)
        .map_err(|e| RpcError::invalid_params(format!("invalid arguments ({e}); e.g. {example}")))
}

/// A core error as a JSON-RPC error: the message alone, and in `data` its kind, exit code and
/// hints (editors show those their own way).
fn core_error(e: lanes::Error) -> RpcError {
    let code = if e.kind() == lanes::error::ErrorKind::Invalid {
        ErrorCode::InvalidParams
    } else {
        ErrorCode::ServerError(-32000 - i64::from(e.exit_code()))
    };
    RpcError {
        code,
        message: e.to_string().into(),
        data: serde_json::to_value(wire::ErrorData::from(&e)).ok(),
    }
}

fn internal(e: impl std::fmt::Display) -> RpcError {
    RpcError {
        code: ErrorCode::InternalError,
        message: e.to_string().into(),
        data: None,
    }
}

/// The repository a command works on: `repo` if given, else the window's.
fn target(ctx: &Ctx, repo: Option<PathBuf>) -> RpcResult<(Repo, Config)> {
    let dir = match repo {
        Some(dir) => dir,
        None => {
            let session = ctx.state.window_session().ok_or_else(|| {
                RpcError::invalid_params(
                    "no git repository in this workspace; pass {\"repo\": \"/path/to/repo\"}",
                )
            })?;
            let session = session.lock().map_err(internal)?;
            session.repo().anchor().to_path_buf()
        }
    };
    let repo = Repo::discover(&dir).map_err(core_error)?;
    let mut config = Config::load(repo.anchor()).map_err(core_error)?;
    config.apply(ctx.state.settings());
    config.validate().map_err(core_error)?;
    Ok((repo, config))
}

async fn blocking<T, F>(work: F) -> RpcResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> RpcResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(internal)?
}

fn to_json<W: wire::Wire>(value: &W) -> RpcResult<Value> {
    serde_json::to_value(value).map_err(internal)
}

async fn start(
    ctx: &Ctx,
    args: StartArgs,
    token: Option<tower_lsp_server::lsp_types::ProgressToken>,
) -> RpcResult<Value> {
    let ticket = TicketKey::parse(&args.ticket).map_err(core_error)?;
    let c = ctx.clone();
    let (repo_dir, title) = (args.repo.clone(), format!("Starting lane {ticket}"));
    let approve_setup = args.approve_setup || ask_approval(ctx, repo_dir.clone()).await;
    let request = StartRequest {
        ticket: Some(ticket),
        base: args.base,
        branch: args.branch,
        path: None,
        fetch: None,
        offline: args.offline,
        pr: None,
        title: None,
        pr_state: None,
        approve_setup,
        no_setup: args.no_setup,
    };
    progress::run(ctx, token, title, move |reporter| {
        let (repo, config) = target(&c, repo_dir)?;
        let started = ops::start::start(&repo, &config, &request, reporter).map_err(core_error)?;
        to_json(&started)
    })
    .await
}

/// Asks the user, in a dialog, whether to run the repository's unapproved setup commands.
async fn ask_approval(ctx: &Ctx, repo_dir: Option<PathBuf>) -> bool {
    use tower_lsp_server::lsp_types::{MessageActionItem, MessageType};
    let Ok((_, config)) = target(ctx, repo_dir) else {
        return false;
    };
    let Some(pending) = lanes::trust::pending(&config) else {
        return false;
    };
    let run = "Run them".to_string();
    let message = format!(
        "{} asks to run these commands in the new lane: {}",
        pending.file.display(),
        pending.commands.join("; ")
    );
    let answer = ctx
        .client
        .show_message_request(
            MessageType::WARNING,
            message,
            Some(vec![
                MessageActionItem {
                    title: run.clone(),
                    properties: Default::default(),
                },
                MessageActionItem {
                    title: "Don't run".into(),
                    properties: Default::default(),
                },
            ]),
        )
        .await;
    matches!(answer, Ok(Some(item)) if item.title == run)
}

async fn sync(
    ctx: &Ctx,
    args: SyncArgs,
    token: Option<tower_lsp_server::lsp_types::ProgressToken>,
) -> RpcResult<Value> {
    let c = ctx.clone();
    let options = lanes::ops::sync::SyncOptions {
        review_requested: args.review_requested,
        prune: args.prune,
        ..Default::default()
    };
    progress::run(
        ctx,
        token,
        "Syncing pull requests".into(),
        move |reporter| {
            let (repo, config) = target(&c, args.repo)?;
            let report = lanes::ops::sync::sync_from(Some(&repo), &config, &options, reporter)
                .map_err(core_error)?;
            to_json(&report)
        },
    )
    .await
}

async fn list(ctx: &Ctx, args: RepoArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        if args.all {
            let user = Config::load_user().map_err(core_error)?;
            let targets = ops::multi::choose(&user, &[], &[], true).map_err(core_error)?;
            let (tickets, problems) = ops::multi::list_many(&user, &targets);
            return to_json(&wire::TicketLaneList { tickets, problems });
        }
        let (repo, config) = target(&c, args.repo)?;
        // The live session answers from what it already knows; before its first scan, read afresh.
        let live = from_session(&c, repo.anchor(), |session| session.lanes());
        let lanes = match live {
            Some(lanes) => lanes,
            None => ops::list(&repo, &config),
        }
        .map_err(core_error)?;
        to_json(&wire::LaneList { lanes })
    })
    .await
}

async fn tickets(ctx: &Ctx, args: RepoArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let tickets = ops::tickets::my_tickets(&repo, &config).map_err(core_error)?;
        to_json(&wire::TicketList { tickets })
    })
    .await
}

async fn switch(ctx: &Ctx, args: TicketArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let entry = ops::switch::lane_named(&repo, &config, &args.ticket).map_err(core_error)?;
        to_json(&lanes::lane::describe(&repo, &config, &entry))
    })
    .await
}

async fn remove(ctx: &Ctx, args: RemoveArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let ticket = ops::switch::ticket_named(&repo, &config, &args.ticket).map_err(core_error)?;
        let options = RemoveOptions {
            force: args.force,
            keep_branch: args.keep_branch,
        };
        let removed = ops::remove::remove(&repo, &config, &ticket, options).map_err(core_error)?;
        to_json(&removed)
    })
    .await
}

/// `lanes.pr`: pushes the lane's branch and opens (or updates) its pull request.
async fn pull_request(
    ctx: &Ctx,
    args: PrArgs,
    token: Option<tower_lsp_server::lsp_types::ProgressToken>,
) -> RpcResult<Value> {
    let c = ctx.clone();
    let window = window_folder(ctx)?;
    progress::run(
        ctx,
        token,
        "Opening the pull request".into(),
        move |reporter| {
            let (repo, config) = target(&c, args.repo)?;
            let dir = lane_dir(&repo, &config, args.ticket.as_deref(), window)?;
            let request = ops::pr::PrRequest {
                draft: args.draft,
                base: args.base,
                offline: args.offline,
            };
            let opened = ops::pr::open_pull_request(&repo, &config, &dir, &request, reporter)
                .map_err(core_error)?;
            to_json(&opened)
        },
    )
    .await
}

/// `lanes.check`: every file two sides change, with git's verdicts (as `lanes check --json`).
async fn check(ctx: &Ctx, args: RepoArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let files = ops::check::check_with(&repo, &config, config.guard_pull_requests)
            .map_err(core_error)?;
        to_json(&wire::CheckReport { files })
    })
    .await
}

/// The worktree directory of the lane `name` names (any name `lanes switch` takes), else of the
/// lane holding the window's folder.
fn lane_dir(
    repo: &Repo,
    config: &Config,
    name: Option<&str>,
    window: Option<PathBuf>,
) -> RpcResult<PathBuf> {
    let entry = match (name, window) {
        (Some(name), _) => ops::switch::lane_named(repo, config, name).map_err(core_error)?,
        (None, Some(window)) => {
            let entries = lanes::lane::lanes_of(repo, config).map_err(core_error)?;
            lanes::lane::holding(&entries, &lanes::git::canonical(&window))
                .cloned()
                .ok_or_else(|| RpcError::invalid_params("no lane: pass {\"ticket\": \"PROJ-1\"}"))?
        }
        (None, None) => {
            return Err(RpcError::invalid_params(
                "no lane: pass {\"ticket\": \"PROJ-1\"}",
            ))
        }
    };
    entry
        .path()
        .map(Path::to_path_buf)
        .ok_or_else(|| RpcError::invalid_params("the lane has no worktree directory"))
}

/// What the live session of the repository holding `path` answers to `ask`; None when there is
/// no session or it cannot answer yet (then the caller reads afresh).
fn from_session<T>(
    ctx: &Ctx,
    path: &Path,
    ask: impl FnOnce(&lanes::session::RepoSession) -> Option<T>,
) -> Option<T> {
    let session = ctx.state.session_for(path)?;
    let session = session.lock().ok()?;
    ask(&session)
}

/// The first workspace folder: the window's lane, when no lane is named.
fn window_folder(ctx: &Ctx) -> RpcResult<Option<PathBuf>> {
    Ok(ctx.state.folders.read().map_err(internal)?.first().cloned())
}

/// `lanes.laneFiles`: every file a lane changes, with who else changes it and git's verdict.
async fn lane_files(ctx: &Ctx, args: LaneArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    let window = window_folder(ctx)?;
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let lane = lane_dir(&repo, &config, args.ticket.as_deref(), window)?;
        // The live session answers in milliseconds; before its first scan, read afresh.
        let live = from_session(&c, &lane, |session| session.lane_files(&lane));
        let files = match live {
            Some(files) => lanes::protocol::LaneFiles {
                lane,
                files: files.map_err(core_error)?,
            },
            None => ops::check::lane_files(&repo, &config, &lane, config.guard_pull_requests)
                .map_err(core_error)?,
        };
        to_json(&files)
    })
    .await
}

/// `lanes.untangle`: a lane's uncommitted hunks, or, with an assignment, each moved to its lane.
async fn untangle(ctx: &Ctx, args: UntangleArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    let window = window_folder(ctx)?;
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let lane = lane_dir(&repo, &config, args.ticket.as_deref(), window)?;
        match args.assignment {
            Some(assignment) => {
                let moved = ops::moves::untangle_apply(&repo, &config, &lane, &assignment)
                    .map_err(core_error)?;
                to_json(&wire::Untangled { moved })
            }
            None => {
                let entries = ops::moves::untangle_list(&lane)
                    .map_err(core_error)?
                    .iter()
                    .map(wire::UntangleEntry::from)
                    .collect();
                to_json(&wire::UntangleList { lane, entries })
            }
        }
    })
    .await
}

/// `lanes.pruneMerged`: removes (or with dryRun lists) the merged lanes.
async fn prune_merged(ctx: &Ctx, args: PruneMergedArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        let (repo, config) = target(&c, args.repo)?;
        let report = ops::prune::prune_merged(&repo, &config, args.dry_run).map_err(core_error)?;
        to_json(&report)
    })
    .await
}

#[derive(Deserialize)]
struct RestoreArgs {
    /// The ticket whose newest removed lane comes back; none: the newest of all (undo).
    ticket: Option<String>,
    /// A trash entry by id.
    id: Option<String>,
    repo: Option<PathBuf>,
}

async fn restore(ctx: &Ctx, args: RestoreArgs) -> RpcResult<Value> {
    let c = ctx.clone();
    blocking(move || {
        let ticket = args
            .ticket
            .as_deref()
            .map(TicketKey::parse)
            .transpose()
            .map_err(core_error)?;
        let (repo, config) = target(&c, args.repo)?;
        let restored = ops::restore::restore(&repo, &config, ticket.as_ref(), args.id.as_deref())
            .map_err(core_error)?;
        to_json(&restored)
    })
    .await
}

/// The path of a `file:` URI argument.
fn file_arg(text: &str) -> RpcResult<PathBuf> {
    let file_uri: Uri = text
        .parse()
        .map_err(|_| RpcError::invalid_params(format!("{text:?} is not a URI")))?;
    uri::to_path(&file_uri).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "{text:?} is not a file: URI; lanes only knows files on disk"
        ))
    })
}

async fn open_in_lane(ctx: &Ctx, args: OpenInLaneArgs) -> RpcResult<Value> {
    let path = file_arg(&args.uri)?;
    let ticket = TicketKey::parse(&args.ticket).map_err(core_error)?;
    let c = ctx.clone();
    let target_path = blocking(move || {
        let session = c.state.session_for(&path).ok_or_else(|| {
            RpcError::invalid_params(format!(
                "{} is not in a repository of this workspace",
                path.display()
            ))
        })?;
        let session = session.lock().map_err(internal)?;
        let own = session
            .lane_of(&path)
            .and_then(|e| e.path())
            .map(Path::to_path_buf)
            .ok_or_else(|| {
                RpcError::invalid_params(format!("{} is not in a lane", path.display()))
            })?;
        let relative = path.strip_prefix(&own).map_err(internal)?.to_path_buf();
        let lane = session
            .entries()
            .iter()
            .find(|e| e.ticket.as_ref() == Some(&ticket))
            .and_then(|e| e.path())
            .ok_or_else(|| core_error(lanes::Error::NoSuchLane(ticket.to_string())))?;
        Ok(lane.join(relative))
    })
    .await?;
    let target_uri = uri::from_path(&target_path).ok_or_else(|| internal("cannot make a URI"))?;
    let exists = target_path.exists();
    let supports = ctx
        .state
        .client
        .read()
        .map(|c| c.show_document)
        .unwrap_or(false);
    if args.show && supports && exists {
        let shown = ctx
            .client
            .show_document(ShowDocumentParams {
                uri: target_uri.clone(),
                external: None,
                take_focus: Some(true),
                selection: args.line.map(|line| {
                    let at = tower_lsp_server::lsp_types::Position::new(line, 0);
                    tower_lsp_server::lsp_types::Range::new(at, at)
                }),
            })
            .await;
        if let Err(e) = shown {
            tracing::warn!("the client would not show {}: {e}", target_uri.as_str());
        }
    }
    to_json(&wire::OpenedInLane {
        uri: target_uri.as_str().to_string(),
        path: target_path,
        exists,
    })
}

async fn move_change(ctx: &Ctx, args: MoveChangeArgs) -> RpcResult<Value> {
    let path = file_arg(&args.uri)?;
    let ticket = TicketKey::parse(&args.ticket).map_err(core_error)?;
    let c = ctx.clone();
    blocking(move || {
        let (repo, config) = target(&c, path.parent().map(Path::to_path_buf))?;
        let lane = ops::status(&repo, &config, &path).map_err(core_error)?;
        let relative = path
            .strip_prefix(&lane.path)
            .map_err(internal)?
            .to_path_buf();
        let lines = args
            .range
            .map(|r| (r.start.line + 1, r.end.line.max(r.start.line) + 1));
        let request = ops::moves::MoveRequest {
            from: lane.path.clone(),
            to: ticket,
            selections: vec![ops::moves::Selection {
                path: relative,
                lines,
            }],
            hunk_ids: Vec::new(),
            three_way: args.three_way,
        };
        let moved = ops::moves::move_changes(&repo, &config, &request).map_err(core_error)?;
        to_json(&moved)
    })
    .await
}

/// After a command changed lanes: re-read them now rather than wait for the file watcher.
async fn reload_sessions(ctx: &Ctx) {
    let state = ctx.state.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for entry in state.sessions.iter() {
            if let Ok(mut session) = entry.value().lock() {
                if let Err(e) = session.reload() {
                    tracing::warn!("reloading lanes: {e}");
                }
            }
        }
    })
    .await;
    ctx.republish_all().await;
    status::lanes_changed(ctx).await;
}
