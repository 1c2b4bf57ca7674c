//! Errors on the wire: the `data` of a language-server error, and per-repository outcomes of
//! commands that run in several repositories.

use schemars::JsonSchema;
use serde::Serialize;

use super::Wire;
use crate::error::Error;
pub use crate::error::ErrorKind;

/// The `data` of a language-server error answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorData {
    /// What kind of error.
    pub kind: ErrorKind,
    /// The exit code the CLI would give.
    pub exit_code: i32,
    /// What the user can do, one suggestion each.
    pub hints: Vec<String>,
}
impl Wire for ErrorData {}

impl From<&Error> for ErrorData {
    fn from(e: &Error) -> ErrorData {
        ErrorData {
            kind: e.kind(),
            exit_code: e.exit_code(),
            hints: e.hints(),
        }
    }
}

/// An outcome in one repository: `ok` or `error`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "Outcome_for_{T}")]
pub struct Outcome<T> {
    /// The repository's name.
    pub repo: String,
    /// The result, on success.
    pub ok: Option<T>,
    /// The error message, on failure.
    pub error: Option<String>,
    /// What kind of error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
    /// The exit code that error means alone (3 refused, 4 no such lane, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// What the user can do about the error, one suggestion each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}
impl<T: Serialize + JsonSchema> Wire for Outcome<T> {}

/// A repository that could not be read (`lanes list --all`); the others were listed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RepoProblem {
    /// The repository's configured name.
    pub repo: String,
    /// What went wrong.
    pub error: String,
    /// What kind of error.
    pub kind: ErrorKind,
    /// What the user can do, one suggestion each.
    pub hints: Vec<String>,
}

impl RepoProblem {
    /// The problem `error` in the repository named `repo`.
    pub fn new(repo: &str, error: &Error) -> RepoProblem {
        RepoProblem {
            repo: repo.to_string(),
            error: error.to_string(),
            kind: error.kind(),
            hints: error.hints(),
        }
    }
}
