//! Lanes for Zed: runs `lanes lsp` (found on the PATH of the project's shell) for the languages
//! `extension.toml` lists.

use zed_extension_api::{self as zed, LanguageServerId, Result, Worktree};

struct Lanes;

impl zed::Extension for Lanes {
    fn new() -> Self {
        Lanes
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<zed::Command> {
        let command = worktree.which("lanes").ok_or_else(|| {
            "the `lanes` binary is not on PATH: install it with `cargo install --path server` in the lanes repository".to_string()
        })?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".into()],
            env: worktree.shell_env(),
        })
    }
}

zed::register_extension!(Lanes);
