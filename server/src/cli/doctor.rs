//! `lanes doctor`: one line per check — ok, warn or FAIL — and what to do about each problem.
//! Tokens are looked for, never shown.

use std::path::PathBuf;
use std::process::ExitCode;

use lanes::forge::github;

use super::Context;

/// Counts the failures as it prints.
struct Report {
    failed: bool,
}

impl Report {
    fn ok(&self, what: impl AsRef<str>) {
        say!("ok    {}", what.as_ref());
    }
    fn warn(&self, what: impl AsRef<str>) {
        say!("warn  {}", what.as_ref());
    }
    fn fail(&mut self, what: impl AsRef<str>) {
        self.failed = true;
        say!("FAIL  {}", what.as_ref());
    }
}

pub fn run(dir: Option<PathBuf>) -> ExitCode {
    let mut report = Report { failed: false };
    git(&mut report);
    match lanes::config::user_config_path() {
        Some(p) if p.exists() => report.ok(format!("user config {}", p.display())),
        Some(p) => report.ok(format!(
            "no user config (would be read from {})",
            p.display()
        )),
        None => report.ok("no user config ($HOME is not set)"),
    }
    let config = match Context::open(dir) {
        Ok(ctx) => {
            report.ok(format!("repository {}", ctx.repo.anchor().display()));
            match ctx.repo.default_base() {
                Some(base) => report.ok(format!(
                    "default base {}",
                    ctx.config.base.as_deref().unwrap_or(&base)
                )),
                None => report.warn("no default base found; pass --base to lanes start"),
            }
            Some(ctx.config)
        }
        Err(e) => {
            report.fail(e.to_string());
            for hint in e.hints() {
                say!("  hint: {hint}");
            }
            lanes::Config::load_user().ok()
        }
    };
    if let Some(config) = config {
        provider(&mut report, &config);
    }
    if report.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn git(report: &mut Report) {
    let min = lanes::git::cli::MIN_GIT;
    match lanes::git::cli::version() {
        Some(v) if v >= min => report.ok(format!("git {}.{}", v.0, v.1)),
        Some(v) => report.fail(format!(
            "git {}.{} is too old (need {}.{})",
            v.0, v.1, min.0, min.1
        )),
        None => report.fail("git not found on PATH"),
    }
}

/// The ticket provider, its settings and credentials, and GitHub's token (sync and pr need it
/// whatever the provider).
fn provider(report: &mut Report, config: &lanes::Config) {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let provider = config.provider.as_deref().unwrap_or("none");
    report.ok(format!("ticket provider: {provider}"));
    if provider == "jira" {
        match std::env::var("JIRA_URL")
            .ok()
            .or_else(|| config.jira_url.clone())
        {
            Some(url) => report.ok(format!("Jira at {url}")),
            None => report.fail(
                "provider is jira but no Jira site: set JIRA_URL or [jira] url in your user config",
            ),
        }
        if set("JIRA_PAT") {
            report.ok("Jira credentials: JIRA_PAT (set)");
        } else if set("JIRA_EMAIL") && set("JIRA_API_TOKEN") {
            report.ok("Jira credentials: JIRA_EMAIL and JIRA_API_TOKEN (set)");
        } else {
            report.fail("no Jira credentials: set JIRA_EMAIL and JIRA_API_TOKEN (Cloud) or JIRA_PAT (Server/Data Center)");
        }
    }
    let api = github::api_root(config);
    match github::token_source(&api) {
        Some(source) => report.ok(format!("GitHub token from {source} (for {api})")),
        None if provider == "github" => report.fail(format!(
            "provider is github but no GitHub token for {api}: {}",
            github::TOKEN_HINT
        )),
        None => report.warn(format!(
            "no GitHub token for {api} (lanes sync and lanes pr need one): {}",
            github::TOKEN_HINT
        )),
    }
    let gh = std::process::Command::new("gh")
        .arg("--version")
        .stderr(std::process::Stdio::null())
        .output();
    match gh {
        Ok(out) if out.status.success() => {
            let first = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("gh")
                .to_string();
            report.ok(first);
        }
        _ => report.warn("gh not found (optional: `gh auth login` gives lanes a token)"),
    }
}
