//! `lanes pr`.

use std::process::ExitCode;

use lanes::ops::pr::{open_pull_request, PrRequest};
use lanes::Result;

use super::{print_json, Context};

#[derive(clap::Args, Debug)]
pub struct PrArgs {
    /// Open it as a draft.
    #[arg(long)]
    pub draft: bool,
    /// Merge into this branch instead of the lane's base (e.g. release/2.1).
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,
    /// Do not ask the ticket provider: title and link from the lane's record.
    #[arg(long)]
    pub offline: bool,
    /// Print the result as JSON: {ticket, number, url, created, draft, branch, base}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: PrArgs) -> Result<ExitCode> {
    let request = PrRequest {
        draft: args.draft,
        base: args.base,
        offline: args.offline,
    };
    let opened = open_pull_request(&ctx.repo, &ctx.config, &ctx.cwd, &request, &super::Stderr)?;
    if args.json {
        print_json(&opened)?;
        return Ok(ExitCode::SUCCESS);
    }
    let verb = if opened.created { "Opened" } else { "Updated" };
    let draft = if opened.draft { " (draft)" } else { "" };
    say!(
        "{verb} pull request #{}{draft}: {} → {}",
        opened.number,
        opened.branch,
        opened.base
    );
    say!("  {}", opened.url);
    Ok(ExitCode::SUCCESS)
}
