//! Command-line arguments and the dispatch to one module per command.

/// Prints a line on stdout, made printable: the CLI's `println!` (see `out`).
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::out::say(&format!($($arg)*)) };
}

/// Prints a line on stderr, made printable: the CLI's `eprintln!` (see `out`).
macro_rules! tell {
    ($($arg:tt)*) => { $crate::cli::out::tell(&format!($($arg)*)) };
}

mod check;
mod completion;
mod doctor;
pub use completion::COMPLETE_VAR;
mod list;
mod moves;
pub mod out;
mod pr;
mod remove;
mod setup;
mod start;
mod switch;
mod sync;
mod table;
mod trust;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lanes::{Config, Repo, Result};

/// Lanes: one ticket → one branch → one git worktree.
///
/// Run several coding agents side by side without their edits colliding: each ticket gets its own
/// branch and its own worktree beside the repository.
#[derive(Parser, Debug)]
#[command(name = "lanes", version, propagate_version = true)]
#[command(
    after_help = "Examples:\n  lanes start PROJ-123        # branch feature/PROJ-123 + worktree ../<repo>-PROJ-123\n  lanes list                  # every lane of this repository\n  cd \"$(lanes switch PROJ-123)\"\n  lanes check                 # files changed in more than one lane\n  lanes remove PROJ-123       # safe: refuses to lose work"
)]
pub struct Cli {
    /// Run as if lanes was started in this directory.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug); LANES_LOG=<filter> overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start a lane for a ticket: create its branch from the base and a worktree for it.
    #[command(
        after_help = "Examples:\n  lanes start PROJ-123\n  lanes start '#42' --base origin/develop\n  lanes start PROJ-7 --branch fix/login --path ../login-fix\n  lanes start PROJ-123 --json\n  lanes start PROJ-123 --exec claude   # then run your agent in it\n  lanes start PROJ-123 --no-setup\n\nRunning it again for an existing lane reports that lane; a branch without a worktree gets one."
    )]
    Start(start::StartArgs),

    /// List every lane of the repository, the primary checkout included.
    #[command(
        after_help = "Examples:\n  lanes list\n  lanes list --json | jq '.[] | select(.dirty > 0) | .ticket'\n  lanes list --all          # every configured repository, grouped by ticket"
    )]
    List(ListArgs),

    /// Show the lane of the current directory.
    #[command(
        after_help = "Examples:\n  lanes status\n  lanes -C ../project-PROJ-123 status --json"
    )]
    Status(JsonArg),

    /// List your open tickets from the ticket provider (Jira), with their lanes.
    #[command(
        after_help = "Examples:\n  lanes tickets\n  lanes tickets --json\n\nNeeds provider = \"jira\" in the config, JIRA_URL, and JIRA_EMAIL + JIRA_API_TOKEN (Cloud) or JIRA_PAT (Server/DC);\nor provider = \"github\" and GITHUB_TOKEN / GH_TOKEN / `gh auth login`."
    )]
    Tickets(JsonArg),

    /// Bring your open pull requests into lanes, across this repository and your configured ones.
    #[command(
        after_help = "Examples:\n  lanes sync                       # create or fast-forward a lane per open PR of yours\n  lanes sync --review-requested    # also the PRs waiting for your review\n  lanes sync --prune               # remove lanes of closed/merged PRs (only when clean)\n  lanes sync --json\n\nNeeds a token: GITHUB_TOKEN or GH_TOKEN, or `gh auth login`. GitHub Enterprise: GITHUB_API_URL\nor `api_url` under [github] in the config. A lane with local changes or local commits is never\nupdated or removed; it is reported."
    )]
    Sync(sync::SyncArgs),

    /// Go to a lane: prints its directory, and changes to it with the shell integration.
    #[command(
        after_help = "Examples:\n  lanes switch PROJ-123     # also proj-123, its branch, or its directory name\n  lanes switch              # on a terminal: pick from a list\n  lanes switch -            # back to the previous lane\n  lanes switch ^            # the primary checkout\n  cd \"$(lanes switch PROJ-123)\"   # without the shell integration\n\nShell integration (switch and start change directory): eval \"$(lanes shell init bash)\""
    )]
    Switch(switch::SwitchArgs),

    /// Print the shell completion script (subcommands, flags and this repository's lanes).
    #[command(
        after_help = "Examples (in your shell's startup file):\n  bash:  echo 'source <(lanes completions bash)' >> ~/.bashrc\n  zsh:   echo 'source <(lanes completions zsh)' >> ~/.zshrc\n  fish:  lanes completions fish > ~/.config/fish/completions/lanes.fish\n  PowerShell:  lanes completions powershell | Out-String | Invoke-Expression"
    )]
    Completions(completion::CompletionsArgs),

    /// Shell integration: `lanes shell init SHELL` prints a function that lets `lanes switch`
    /// and `lanes start` change the shell's directory.
    #[command(
        after_help = "Examples (in your shell's startup file):\n  bash:  echo 'eval \"$(lanes shell init bash)\"' >> ~/.bashrc\n  zsh:   echo 'eval \"$(lanes shell init zsh)\"' >> ~/.zshrc\n  fish:  echo 'lanes shell init fish | source' >> ~/.config/fish/config.fish"
    )]
    Shell {
        #[command(subcommand)]
        command: completion::ShellCommand,
    },

    /// Copy the configured files and run the setup commands again in a lane.
    #[command(
        after_help = "Examples:\n  lanes setup               # in the lane\n  lanes setup PROJ-123 --yes\n\nFiles come from `copy` in the config and `.worktreeinclude` at the repository root (gitignore\nsyntax: files, directories, globs); a file the lane has is never overwritten."
    )]
    Setup(setup::SetupArgs),

    /// Open the lane's pull request: push its branch, then create it on GitHub (or update it).
    #[command(
        after_help = "Examples:\n  lanes pr                     # in the lane: push, open \"PROJ-123: <ticket title>\"\n  lanes pr --draft\n  lanes pr --base release/2.1\n  lanes pr --json\n\nThe description links the ticket and lists its acceptance criteria as a checklist. Run again to\nupdate it: only the block lanes wrote is rewritten, never the title or what people added.\nNeeds a token: GITHUB_TOKEN or GH_TOKEN, or `gh auth login`."
    )]
    Pr(pr::PrArgs),

    /// Remove a lane's worktree and, when nothing would be lost, its branch.
    #[command(
        after_help = "Examples:\n  lanes remove PROJ-123\n  lanes remove PROJ-123 --keep-branch\n  lanes remove PROJ-123 --force     # also with uncommitted work and unpushed commits\n  lanes restore PROJ-123            # brings it back\n\nRefuses (exit code 3, nothing changed) when the worktree has uncommitted or untracked files,\ngit-ignored files that exist nowhere else (not copies of the primary checkout's), is locked,\nits directory is missing or cannot be located, or its branch has commits that exist on no\nother branch, remote or tag. Whatever it removes, forced or not, is saved in the trash first."
    )]
    Remove(remove::RemoveArgs),

    /// Bring a removed lane back from the trash: branch, worktree, files, staged changes, record.
    #[command(
        after_help = "Examples:\n  lanes restore PROJ-123          # the newest removal of PROJ-123\n  lanes list --trash              # what can be restored\n  lanes restore --id PROJ-123/1764161234\n\nEvery remove, prune and sync --prune saves what the lane held first (kept 30 days, at most 100 entries)."
    )]
    Restore(remove::RestoreArgs),

    /// Restore the most recently removed lane (`lanes restore` of the newest trash entry).
    #[command(after_help = "Example:\n  lanes remove PROJ-1 --force   # oops\n  lanes undo")]
    Undo(JsonArg),

    /// Forget lanes whose directory was deleted by hand (their branches are kept), or with
    /// --merged remove every lane whose work is merged into its base.
    #[command(
        after_help = "Examples:\n  rm -rf ../project-PROJ-9 && lanes prune\n  lanes prune --merged --dry-run   # which lanes are merged, squash-merged or rebased into their base\n  lanes prune --merged             # remove them (lanes with uncommitted work are kept)"
    )]
    Prune(remove::PruneArgs),

    /// List files changed in more than one lane, and whether the changed lines overlap.
    #[command(
        after_help = "Examples:\n  lanes check\n  lanes check --json\n  lanes check --exit-code && git push   # exit 1 when changed lines overlap"
    )]
    Check(check::CheckArgs),

    /// Move uncommitted changes (files or hunks) from this lane to another one.
    #[command(
        after_help = "Examples:\n  lanes move --to PROJ-7 src/login.rs          # the whole file's change\n  lanes move --to PROJ-7 src/login.rs:40-62    # only the hunks touching these lines\n  lanes move --to PROJ-7                       # every uncommitted change\n\nThe change is written to the target lane first and taken out of this one second, so an\ninterruption leaves it in at least one place. If it does not apply cleanly in the target,\nnothing changes (or pass --3way for conflict markers there)."
    )]
    Move(moves::MoveArgs),

    /// List this lane's uncommitted hunks, or move them to their lanes by an assignment file.
    #[command(
        after_help = "Examples:\n  lanes untangle                   # hunk ids, lines and a preview\n  lanes untangle --json > hunks.json\n  echo '{\"src/a.rs@1a2b3c4d\": \"PROJ-7\"}' | lanes untangle --apply -"
    )]
    Untangle(moves::UntangleArgs),

    /// Review and approve the setup commands of this repository's lanes.toml.
    #[command(
        after_help = "Examples:\n  lanes trust\n  lanes trust --yes\n\nCommands in a repository's lanes.toml run only once you approved that exact list; a change asks again.\nApprovals are kept in ~/.local/state/lanes/approved.json. Your own config's commands need none."
    )]
    Trust(trust::TrustArgs),

    /// Check the environment: git, the repository, the configuration, the ticket provider and
    /// the tokens lanes would use (never shown), `gh`.
    #[command(
        after_help = "Example:\n  lanes doctor     # one line per check: ok, warn or FAIL (exit 1 on a FAIL)"
    )]
    Doctor,

    /// Run the MCP server over stdin/stdout: agents start lanes and check files before editing.
    #[command(
        after_help = "Examples:\n  claude mcp add lanes -- lanes mcp\n  {\"mcpServers\": {\"lanes\": {\"command\": \"lanes\", \"args\": [\"mcp\"]}}}   # Windsurf, Cursor\n\nTools: lanes_start, lanes_list, lanes_status, lanes_check, lanes_ticket, lanes_move, lanes_pr,\nlanes_sync; resources lanes://TICKET/ticket.md. stdout carries only MCP messages."
    )]
    Mcp,

    /// Run the language server over stdin/stdout (what editors start).
    #[command(
        after_help = "Example (any LSP client):\n  command = [\"lanes\", \"lsp\"]\n\nstdout carries only LSP frames; logs go to stderr (LANES_LOG=debug for more)."
    )]
    Lsp(LspArgs),
}

/// Which configured repositories a command spans (`[[repos]]` in the user config).
#[derive(clap::Args, Debug, Default)]
pub struct RepoSelection {
    /// This configured repository (repeatable).
    #[arg(long = "repo", value_name = "NAME")]
    pub repos: Vec<String>,
    /// Every repository of this configured group (repeatable).
    #[arg(long = "group", value_name = "NAME")]
    pub groups: Vec<String>,
    /// Every configured repository.
    #[arg(long)]
    pub all: bool,
}

impl RepoSelection {
    /// True when the command spans configured repositories rather than the current one.
    pub fn any(&self) -> bool {
        self.all || !self.repos.is_empty() || !self.groups.is_empty()
    }

    /// The selected repositories.
    pub fn targets(&self, user: &lanes::Config) -> Result<Vec<lanes::ops::multi::RepoTarget>> {
        lanes::ops::multi::choose(user, &self.repos, &self.groups, self.all)
    }
}

/// Options of `lanes lsp`.
#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Accepted for clients that pass it: stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// `--json` alone.
#[derive(clap::Args, Debug)]
pub struct JsonArg {
    /// Print JSON (a stable, documented shape) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Options of `lanes list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Print JSON (a stable, documented shape) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Every configured repository, grouped by ticket.
    #[arg(long)]
    pub all: bool,
    /// What removed lanes the trash holds (for `lanes restore`).
    #[arg(long, conflicts_with = "all")]
    pub trash: bool,
}

/// A ticket key alone.
#[derive(clap::Args, Debug)]
pub struct TicketArg {
    /// Ticket key, e.g. PROJ-123 or '#42'.
    pub ticket: String,
}

/// Progress of long work, one line per step on stderr.
pub struct Stderr;

impl lanes::progress::Progress for Stderr {
    fn step(&self, message: &str) {
        tell!("{message}…");
    }
}

/// With the shell integration (`lanes shell init`), tells the shell function to change to `dir`
/// after this command: it named a file in `LANES_CD_FILE`. Without it, nothing.
pub fn change_directory(dir: &std::path::Path) {
    let Some(file) = std::env::var_os("LANES_CD_FILE") else {
        return;
    };
    if let Err(e) = std::fs::write(&file, dir.as_os_str().as_encoded_bytes()) {
        tell!("warning: could not tell the shell to change directory: {e}");
    }
}

/// The repository and merged configuration a command works on.
pub struct Context {
    pub repo: Repo,
    pub config: Config,
    pub cwd: PathBuf,
}

impl Context {
    fn open(dir: Option<PathBuf>) -> Result<Context> {
        let cwd = match dir {
            Some(d) => d,
            None => std::env::current_dir()
                .map_err(lanes::Error::io("reading the current directory"))?,
        };
        let repo = Repo::discover(&cwd)?;
        let config = Config::load(repo.anchor())?;
        Ok(Context { repo, config, cwd })
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Doctor => return Ok(doctor::run(cli.dir)),
        Command::Start(args) if args.repos.any() => return start::run_many(args),
        Command::List(args) if args.all => return list::list_many(args.json),
        Command::Remove(args) if args.repos.any() => return remove::remove_many(args),
        Command::Check(args) if args.all => return check::run_many(args),
        Command::Sync(args) => return sync::run(cli.dir, args),
        Command::Completions(args) => return completion::completions(&args),
        Command::Shell { command } => return completion::shell(&command),
        _ => {}
    }
    let ctx = Context::open(cli.dir)?;
    match cli.command {
        Command::Start(args) => start::run(&ctx, args),
        Command::List(args) if args.trash => remove::list_trash(&ctx, args.json),
        Command::List(args) => list::list(&ctx, args.json),
        Command::Restore(args) => remove::restore(&ctx, args),
        Command::Trust(args) => trust::run(&ctx, args),
        Command::Undo(args) => remove::restore(
            &ctx,
            remove::RestoreArgs {
                ticket: None,
                id: None,
                json: args.json,
            },
        ),
        Command::Status(args) => list::status(&ctx, args.json),
        Command::Tickets(args) => list::tickets(&ctx, args.json),
        Command::Switch(args) => switch::run(&ctx, args),
        Command::Pr(args) => pr::run(&ctx, args),
        Command::Setup(args) => setup::run(&ctx, args),
        Command::Remove(args) => remove::remove(&ctx, args),
        Command::Prune(args) => remove::prune(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::Move(args) => moves::run_move(&ctx, args),
        Command::Untangle(args) => moves::run_untangle(&ctx, args),
        Command::Doctor
        | Command::Mcp
        | Command::Lsp(_)
        | Command::Sync(_)
        | Command::Completions(_)
        | Command::Shell { .. } => Ok(ExitCode::SUCCESS),
    }
}

/// One repository's error in a multi-repository report: `REPO  PREFIX message`, then its hints.
pub fn print_repo_error(repo: &str, prefix: &str, error: &lanes::Error) {
    say!("{repo:<12} {prefix}{error}");
    for hint in error.hints() {
        say!("  hint: {hint}");
    }
}

/// Prints per-repository outcomes as JSON: `[{repo, ok | error, kind, exit_code, hints}]`.
pub fn print_outcomes<T>(outcomes: &[lanes::ops::multi::Outcome<T>]) -> Result<()>
where
    T: Clone + serde::Serialize + schemars::JsonSchema,
{
    print_json(
        &outcomes
            .iter()
            .map(|o| o.report(Clone::clone))
            .collect::<Vec<_>>(),
    )
}

/// Prints a wire shape as JSON to stdout.
pub fn print_json<W: lanes::protocol::Wire>(value: &W) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| lanes::Error::Internal(format!("serialising output: {e}")))?;
    out::json(&text);
    Ok(())
}
