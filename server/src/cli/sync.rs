//! `lanes sync`: the user's open pull requests into lanes.

use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use lanes::ops::pulls::PrAction;
use lanes::ops::sync::{sync_from, SyncOptions, SyncReport, DEFAULT_JOBS};
use lanes::progress::Progress;
use lanes::Result;

use super::{print_json, table};

/// Options of `lanes sync`.
#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Also the pull requests whose review is requested from you.
    #[arg(long)]
    pub review_requested: bool,
    /// Remove the lanes of closed or merged pull requests — only those with no uncommitted
    /// changes and no commits that exist nowhere else; the others are reported.
    #[arg(long)]
    pub prune: bool,
    /// Repositories fetched at the same time.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_JOBS)]
    pub jobs: usize,
    /// Print the result as JSON: {repos: [{repo, path, forge, remote, pulls, closed, error}], api}.
    #[arg(long)]
    pub json: bool,
}

/// A spinner on stderr that becomes a bar once the number of pull requests is known (drawn only
/// on a terminal).
struct Spinner(ProgressBar);

impl Progress for Spinner {
    fn step(&self, message: &str) {
        // The progress bar draws on the terminal itself: what it shows is made printable here.
        self.0
            .set_message(lanes::printable::printable(message).into_owned());
    }

    fn advance(&self, done: usize, total: usize) {
        if self.0.length() != Some(total as u64) {
            self.0.set_length(total as u64);
            self.0.set_style(
                ProgressStyle::with_template("{elapsed} [{bar:30}] {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
        self.0.set_position(done as u64);
    }
}

pub fn run(dir: Option<std::path::PathBuf>, args: SyncArgs) -> Result<ExitCode> {
    let cwd = match dir {
        Some(d) => d,
        None => {
            std::env::current_dir().map_err(lanes::Error::io("reading the current directory"))?
        }
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let options = SyncOptions {
        review_requested: args.review_requested,
        prune: args.prune,
        jobs: args.jobs.max(1),
    };
    // Outside a repository, only the configured repositories are synced.
    let repo = lanes::Repo::discover(&cwd).ok();
    let config = match &repo {
        Some(repo) => lanes::Config::load(repo.anchor())?,
        None => lanes::Config::load_user()?,
    };
    let report = sync_from(repo.as_ref(), &config, &options, &Spinner(bar.clone()));
    bar.finish_and_clear();
    let report = report?;
    if args.json {
        print_json(&report)?;
    } else {
        print_text(&report);
    }
    Ok(if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(report: &SyncReport) {
    for repo in &report.repos {
        let forge = repo
            .forge
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        say!("{}{forge}", repo.repo);
        if let Some(error) = &repo.error {
            tell!("  error: {error}");
            for hint in &repo.hints {
                tell!("  hint: {hint}");
            }
        }
        let mut rows: Vec<Vec<String>> = repo
            .pulls
            .iter()
            .map(|p| {
                let action = match p.action {
                    PrAction::Created => "created",
                    PrAction::Updated => "updated",
                    PrAction::UpToDate => "up to date",
                    PrAction::Skipped => "skipped",
                };
                let note = match (&p.reason, p.draft) {
                    (Some(r), _) => r.clone(),
                    (None, true) => "draft".into(),
                    (None, false) => String::new(),
                };
                vec![
                    format!("PR {}", p.number),
                    action.into(),
                    p.ticket.clone(),
                    p.path
                        .as_ref()
                        .map_or("-".into(), |d| d.display().to_string()),
                    note,
                ]
            })
            .collect();
        rows.extend(repo.closed.iter().map(|c| {
            vec![
                format!("PR {}", c.number),
                if c.removed {
                    "removed"
                } else {
                    c.state.as_str()
                }
                .to_string(),
                c.ticket.clone(),
                c.path
                    .as_ref()
                    .map_or("-".into(), |d| d.display().to_string()),
                c.reason.clone().unwrap_or_else(|| {
                    if c.removed {
                        c.state.clone()
                    } else {
                        "lanes sync --prune removes it".into()
                    }
                }),
            ]
        }));
        if rows.is_empty() && repo.error.is_none() {
            say!("  no open pull requests");
        } else if !rows.is_empty() {
            let table = table::render(&["PR", "ACTION", "TICKET", "LANE", "NOTE"], &rows);
            for line in table.as_str().lines() {
                say!("  {line}");
            }
        }
    }
    tell!(
        "{} GitHub request(s), {} answered from the cache (not modified)",
        report.api.requests,
        report.api.not_modified
    );
}
