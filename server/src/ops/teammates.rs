//! Teammates' pull requests as remote lanes (opt-in: `lanes check --prs`): every open pull
//! request of the repository that is not a lane here has its head fetched into
//! `refs/lanes/teammates/N` (no worktree, no checkout), and is judged against the lanes like any
//! other lane — "PR #123 (alice) will conflict with these lines" before anyone pushes.

use std::time::Duration;

use crate::config::Config;
use crate::error::Result;
use crate::forge::github::GitHub;
use crate::forge::models::Pull;
use crate::git::{cli, Repo};
use crate::lane::lanes_of;
use crate::ops::pulls::lane_of_pr;
use crate::overlap::LaneSource;

/// Pages of 100 open pull requests read at most.
const MAX_PAGES: usize = 10;

/// The open pull requests of the repository that are not lanes here, as remote lanes, their
/// heads fetched. Uses the same GitHub client, token and ETag cache as `lanes sync`.
pub fn remote_lanes(repo: &Repo, config: &Config) -> Result<Vec<LaneSource>> {
    let (github, remote, id) =
        GitHub::for_repo(repo, config, "whose pull requests to check against")?;
    let full = id.full_name();
    let pages: Vec<Vec<Pull>> = github.get_pages(
        &format!("/repos/{full}/pulls?state=open&sort=created&direction=desc&per_page=100"),
        &format!("listing the open pull requests of {full}"),
        MAX_PAGES,
    )?;
    github.save_cache();
    let entries = lanes_of(repo, config)?;
    let theirs: Vec<Pull> = pages
        .into_iter()
        .flatten()
        .filter(|pull| lane_of_pr(&entries, pull.number).is_none())
        .filter(|pull| {
            // A branch of this repository already checked out as a lane is that lane.
            !(pull.from_same_repo(&full)
                && entries
                    .iter()
                    .any(|e| e.branch() == Some(pull.head.branch.as_str())))
        })
        .collect();
    if theirs.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec![
        "fetch".to_string(),
        "--quiet".into(),
        "--no-tags".into(),
        remote,
    ];
    args.extend(
        theirs
            .iter()
            .map(|p| format!("+refs/pull/{0}/head:refs/lanes/teammates/{0}", p.number)),
    );
    cli::run_network(repo.anchor(), &args, Duration::from_secs(config.timeout))?;
    let base_ref = entries
        .iter()
        .find(|e| e.is_primary())
        .and_then(|e| e.base(config, repo));
    let base = base_ref
        .as_deref()
        .and_then(|b| repo.resolve_commit(b).ok());
    Ok(theirs
        .iter()
        .map(|pull| LaneSource {
            path: repo
                .common_dir()
                .join("lanes")
                .join("teammates")
                .join(pull.number.to_string()),
            ticket: Some(match &pull.user {
                Some(user) => format!("PR #{} ({})", pull.number, user.login),
                None => format!("PR #{}", pull.number),
            }),
            branch: Some(pull.head.branch.clone()),
            head: repo
                .resolve_commit(&format!("refs/lanes/teammates/{}", pull.number))
                .ok(),
            base,
            base_ref: base_ref.clone(),
            present: false,
            primary: false,
            remote: true,
        })
        .collect())
}
