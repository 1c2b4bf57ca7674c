//! Shell completions (`lanes completions SHELL`) and the shell integration (`lanes shell init
//! SHELL`) that lets `lanes switch` and `lanes start` change the shell's directory.
//!
//! Completions are clap_complete's dynamic ones: the shell asks the `lanes` binary itself at each
//! TAB (with `LANES_COMPLETE` set), so lane keys come from the repository you are in and the
//! script never goes stale after an upgrade.

use std::io::Write;
use std::process::ExitCode;

use clap_complete::env::{EnvCompleter, Shells};
use clap_complete::CompletionCandidate;
use lanes::{Error, Result};

/// The variable that makes `lanes` answer a completion request instead of running a command.
pub const COMPLETE_VAR: &str = "LANES_COMPLETE";

/// The shells both commands support.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    pub shell: Shell,
}

#[derive(clap::Subcommand, Debug)]
pub enum ShellCommand {
    /// Print the shell function that lets `lanes switch` / `lanes start` change directory.
    Init {
        /// The shell to integrate with (bash, zsh, fish).
        shell: Shell,
    },
}

/// `lanes completions SHELL`: the registration script of that shell.
pub fn completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let shells = Shells::builtins();
    let completer: &dyn EnvCompleter = shells
        .completer(args.shell.name())
        .ok_or_else(|| Error::Usage(format!("no completions for {}", args.shell.name())))?;
    let mut out = std::io::stdout().lock();
    completer
        .write_registration(COMPLETE_VAR, "lanes", "lanes", "lanes", &mut out)
        .and_then(|()| out.flush())
        .map_err(Error::io("writing the completion script"))?;
    Ok(ExitCode::SUCCESS)
}

/// `lanes shell init SHELL`: a `lanes` function wrapping the binary. The binary writes the
/// directory to go to into the file named by `LANES_CD_FILE`; the function changes to it. Output
/// and exit codes pass through untouched.
pub fn shell(command: &ShellCommand) -> Result<ExitCode> {
    let ShellCommand::Init { shell } = command;
    let script = match shell {
        Shell::Bash | Shell::Zsh => POSIX_FUNCTION,
        Shell::Fish => FISH_FUNCTION,
        Shell::Powershell => {
            return Err(Error::Usage(
                "the shell integration exists for bash, zsh and fish; in PowerShell use `Set-Location (lanes switch KEY)`".into(),
            ))
        }
    };
    super::out::script(script);
    Ok(ExitCode::SUCCESS)
}

const POSIX_FUNCTION: &str = r#"# lanes shell integration: `lanes switch` and `lanes start` change directory.
lanes() {
    local __lanes_cd __lanes_status
    __lanes_cd="$(mktemp "${TMPDIR:-/tmp}/lanes-cd.XXXXXX")" || { command lanes "$@"; return; }
    LANES_CD_FILE="$__lanes_cd" command lanes "$@"
    __lanes_status=$?
    if [ -s "$__lanes_cd" ]; then
        cd -- "$(cat "$__lanes_cd")" || __lanes_status=$?
    fi
    rm -f -- "$__lanes_cd"
    return $__lanes_status
}
"#;

const FISH_FUNCTION: &str = r#"# lanes shell integration: `lanes switch` and `lanes start` change directory.
function lanes --wraps lanes --description 'lanes, changing directory on switch and start'
    set -l __lanes_cd (mktemp (set -q TMPDIR; and echo $TMPDIR; or echo /tmp)/lanes-cd.XXXXXX)
    or begin
        command lanes $argv
        return
    end
    LANES_CD_FILE=$__lanes_cd command lanes $argv
    set -l __lanes_status $status
    if test -s $__lanes_cd
        cd (cat $__lanes_cd); or set __lanes_status $status
    end
    rm -f -- $__lanes_cd
    return $__lanes_status
end
"#;

/// Lane names for completion: the lanes of the repository of the current directory, with their
/// titles; nothing outside a repository.
pub fn lane_names() -> Vec<CompletionCandidate> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let Ok(repo) = lanes::Repo::discover(&cwd) else {
        return Vec::new();
    };
    let Ok(config) = lanes::Config::load(repo.anchor()) else {
        return Vec::new();
    };
    let Ok(entries) = lanes::ops::lanes_of(&repo, &config) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| {
            let ticket = e.ticket.as_ref()?;
            let title = e.record.as_ref().and_then(|r| r.title.clone());
            Some(CompletionCandidate::new(ticket.to_string()).help(title.map(Into::into)))
        })
        .collect()
}
