//! `lanes trust`: review and approve a repository's setup commands; and the question `lanes start`
//! asks on a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

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
    let Some(pending) = lanes::trust::pending(&ctx.config) else {
        println!("Nothing to approve: this repository's lanes.toml runs no commands you have not approved");
        return Ok(ExitCode::SUCCESS);
    };
    show(&pending);
    if args.yes || ask("Approve them?")? {
        lanes::trust::approve(&pending)?;
        println!("Approved; they run in new lanes until lanes.toml changes them");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Not approved");
        Ok(ExitCode::from(3))
    }
}

/// On a terminal, asks whether to run the repository's unapproved setup commands; true when the
/// user said yes (and then records it). Elsewhere (agents, scripts) nothing is asked: `start`
/// refuses and says to use `--yes` or `lanes trust`.
pub fn ask_on_terminal(config: &Config) -> Result<bool> {
    let Some(pending) = lanes::trust::pending(config) else {
        return Ok(false);
    };
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    show(&pending);
    ask("Run them?")
}

fn show(pending: &lanes::trust::Pending) {
    eprintln!(
        "{} runs these commands in every new lane:",
        pending.file.display()
    );
    for command in &pending.commands {
        eprintln!("  {command}");
    }
}

fn ask(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(lanes::Error::io("reading the answer"))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
