//! `lanes setup`.

use std::process::ExitCode;

use lanes::Result;

use super::{print_json, Context, Stderr};

#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// The lane (any name `lanes switch` takes); default: the lane of the current directory.
    #[arg(add = clap_complete::ArgValueCandidates::new(super::completion::lane_names))]
    pub lane: Option<String>,
    /// Approve this repository's setup commands (from its lanes.toml) without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the result as JSON: {ticket, path, copied, commands, warnings}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: SetupArgs) -> Result<ExitCode> {
    let dir = match &args.lane {
        Some(name) => lanes::ops::switch::lane_named(&ctx.repo, &ctx.config, name)?
            .path()
            .map_or_else(|| ctx.cwd.clone(), std::path::Path::to_path_buf),
        None => ctx.cwd.clone(),
    };
    let approved = args.yes || super::trust::ask_on_terminal(&ctx.repo, &ctx.config, true)?;
    let done = lanes::ops::setup::setup(&ctx.repo, &ctx.config, &dir, approved, &Stderr)?;
    for warning in &done.warnings {
        tell!("warning: {warning}");
    }
    if args.json {
        print_json(&done)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("Set up lane {} ({})", done.ticket, done.path.display());
    if !done.copied.is_empty() {
        say!("  copied  {}", done.copied.join(", "));
    }
    for command in &done.commands {
        say!("  ran     {command}");
    }
    Ok(ExitCode::SUCCESS)
}
