//! `lanes trust`: review and approve a repository's setup commands; and the question `lanes start`
//! asks on a terminal.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use lanes::git::Repo;
use lanes::trust::Asked;
use lanes::{Config, Result};

use super::Context;

/// Options of `lanes trust`.
#[derive(clap::Args, Debug)]
pub struct TrustArgs {
    /// Approve without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `lanes trust`.
pub fn run(ctx: &Context, args: TrustArgs) -> Result<ExitCode> {
    let Some(pending) = lanes::trust::pending(&ctx.config, &ctx.repo) else {
        say!("Nothing to approve: this repository's lanes.toml runs no commands and makes no lanes elsewhere that you have not approved");
        return Ok(ExitCode::SUCCESS);
    };
    show(&pending);
    if args.yes || ask("Approve them?")? {
        lanes::trust::approve(&pending)?;
        say!("Approved; they are used in new lanes until lanes.toml changes them");
        Ok(ExitCode::SUCCESS)
    } else {
        say!("Not approved");
        Ok(ExitCode::from(3))
    }
}

/// On a terminal, asks whether to use what the repository's file chose and the user has not
/// approved (its setup commands, when `with_commands`; a place for lanes outside the checkout's
/// directory); true when the user said yes (and then records it). Elsewhere (agents, scripts)
/// nothing is asked: `start` refuses and says to use `--yes` or `lanes trust`.
pub fn ask_on_terminal(repo: &Repo, config: &Config, with_commands: bool) -> Result<bool> {
    let Some(pending) = lanes::trust::pending_for(config, repo, None, with_commands) else {
        return Ok(false);
    };
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    show(&pending);
    ask("Approve them?")
}

fn show(pending: &lanes::trust::Pending) {
    for ask in &pending.asks {
        match &ask.what {
            Asked::Commands(commands) => {
                tell!("{} runs these commands in every new lane:", ask.from);
                for command in commands {
                    tell!("  {}", lanes::printable::visible(command));
                }
            }
            Asked::Path { .. } => tell!("{}", ask.line()),
        }
    }
}

fn ask(question: &str) -> Result<bool> {
    super::out::ask(&format!("{question} [y/N] "));
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(lanes::Error::io("reading the answer"))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
