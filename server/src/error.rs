//! The one error type of the core. Every variant says what happened and, where there is one, what the
//! user can do about it; the CLI prints it as is and maps it to an exit code.

use std::path::PathBuf;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a lanes operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A ticket key that cannot safely become a branch name or a directory name.
    #[error("invalid ticket key {key:?}: {reason}")]
    InvalidTicket {
        /// The key as given (shortened when huge).
        key: String,
        /// Why it was refused.
        reason: String,
    },

    /// A branch name that git would refuse.
    #[error("invalid branch name {0:?}: git refuses it as a ref name (see `git check-ref-format --help`)")]
    InvalidBranch(String),

    /// The directory is not inside a git repository.
    #[error("{} is not inside a git repository", .0.display())]
    NotARepository(PathBuf),

    /// A configuration file or setting is wrong.
    #[error("{0}")]
    Config(String),

    /// A command's arguments or request do not make sense together.
    #[error("{0}")]
    Usage(String),

    /// Something lanes itself got wrong (a value that would not serialise, a worker thread that
    /// died); nothing the user did.
    #[error("internal error: {0}")]
    Internal(String),

    /// No lane matches the ticket.
    #[error("no lane for ticket {0}")]
    NoSuchLane(String),

    /// The operation would lose work or is otherwise unsafe; nothing was changed.
    #[error("refusing to {action}: {reason}")]
    Refused {
        /// What was refused, e.g. "remove lane PROJ-1".
        action: String,
        /// Why, in the user's terms.
        reason: String,
        /// What the user can do.
        hint: String,
    },

    /// The repository's state is in the way (a branch or directory already taken, a change that
    /// does not apply, a half-made lane); nothing was changed.
    #[error("{0}")]
    Conflict(String),

    /// A libgit2 call failed.
    #[error("{context}: {source}")]
    Git {
        /// What lanes was doing.
        context: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },

    /// The git command-line tool failed.
    #[error("`git {args}` failed{}: {stderr}", code.map(|c| format!(" (exit {c})")).unwrap_or_default())]
    GitCommand {
        /// The arguments, as typed.
        args: String,
        /// Exit code, if the process exited.
        code: Option<i32>,
        /// What git said.
        stderr: String,
    },

    /// The git CLI is missing or too old.
    #[error("{0}")]
    GitUnavailable(String),

    /// A file-system operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What lanes was doing, with the path.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// The ticket provider (Jira) failed; nothing was created.
    #[error("{0}")]
    Provider(String),

    /// A lane was created but one of its setup commands failed.
    #[error("lane {ticket} was created at {}, but setup command `{command}` failed: {detail}", path.display())]
    SetupFailed {
        /// The lane's ticket.
        ticket: String,
        /// The lane's directory.
        path: PathBuf,
        /// The command that failed.
        command: String,
        /// Exit status or spawn error.
        detail: String,
    },

    /// A ticket provider or forge answered with an HTTP status that is an answer in itself (404).
    #[error("{message}")]
    ProviderStatus {
        /// The HTTP status.
        status: u16,
        /// What happened, in the user's terms.
        message: String,
    },

    /// An error in one repository of a multi-repository command.
    #[error("{repo}: {error}")]
    InRepo {
        /// The repository's configured name.
        repo: String,
        /// What went wrong there.
        error: Box<Error>,
    },

    /// An error of a multi-repository command, with what was done about the others.
    #[error("{error}{}", notes.iter().map(|n| format!("\n  {n}")).collect::<String>())]
    WithNotes {
        /// What went wrong.
        error: Box<Error>,
        /// What was done meanwhile (lanes rolled back, kept).
        notes: Vec<String>,
    },

    /// Any of the above, with what the user can do about it.
    #[error("{error}")]
    Hinted {
        /// The error.
        error: Box<Error>,
        /// What to do, one suggestion each (the CLI prints them as `hint:` lines, the language
        /// server sends them as `data.hints`).
        hints: Vec<String>,
    },
}

/// What kind of error it is, as editors and agents branch on it; it decides the CLI's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Bad input: a ticket key, branch name, argument or setting (exit code 2).
    Invalid,
    /// Refused to protect work; nothing was changed (exit code 3).
    Refused,
    /// No lane for the ticket (exit code 4).
    NoSuchLane,
    /// The repository's state is in the way (a branch or directory already taken, a change
    /// that does not apply); nothing was changed (exit code 1).
    Conflict,
    /// Anything else: git, the file system, the network, a provider (exit code 1).
    Failed,
}

impl ErrorKind {
    /// Process exit code: 2 invalid input, 3 refused, 4 no such lane, 1 otherwise.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Invalid => 2,
            ErrorKind::Refused => 3,
            ErrorKind::NoSuchLane => 4,
            ErrorKind::Conflict | ErrorKind::Failed => 1,
        }
    }
}

impl Error {
    /// Process exit code for this error (see [`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.kind().exit_code()
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Hinted { error, .. }
            | Error::InRepo { error, .. }
            | Error::WithNotes { error, .. } => error.kind(),
            Error::InvalidTicket { .. }
            | Error::InvalidBranch(_)
            | Error::Config(_)
            | Error::Usage(_) => ErrorKind::Invalid,
            Error::Refused { .. } => ErrorKind::Refused,
            Error::NoSuchLane(_) => ErrorKind::NoSuchLane,
            Error::Conflict(_) => ErrorKind::Conflict,
            _ => ErrorKind::Failed,
        }
    }

    /// Adds what the user can do about it.
    pub fn with_hint(self, hint: impl Into<String>) -> Error {
        match self {
            Error::Hinted { error, mut hints } => {
                hints.push(hint.into());
                Error::Hinted { error, hints }
            }
            other => Error::Hinted {
                error: Box::new(other),
                hints: vec![hint.into()],
            },
        }
    }

    /// What the user can do about it, one suggestion each.
    pub fn hints(&self) -> Vec<String> {
        match self {
            Error::Hinted { error, hints } => {
                let mut all = error.hints();
                all.extend(hints.iter().cloned());
                all
            }
            Error::InRepo { error, .. } | Error::WithNotes { error, .. } => error.hints(),
            Error::Refused { hint, .. } => vec![hint.clone()],
            Error::NoSuchLane(_) => vec!["`lanes list` shows the lanes of this repository".into()],
            Error::NotARepository(_) => {
                vec!["run lanes from a repository or one of its worktrees".into()]
            }
            _ => Vec::new(),
        }
    }

    /// Wraps a libgit2 error with what lanes was doing.
    pub fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> Error {
        let context = context.into();
        move |source| Error::Git { context, source }
    }

    /// Wraps an I/O error with what lanes was doing.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}
