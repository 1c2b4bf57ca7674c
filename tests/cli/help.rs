//! Every command documents itself with an example.

use crate::support::TestRepo;

#[test]
fn every_command_has_help_with_an_example() {
    let repo = TestRepo::new();
    for command in [
        "start",
        "list",
        "status",
        "switch",
        "remove",
        "prune",
        "check",
        "move",
        "untangle",
        "sync",
        "restore",
        "undo",
        "trust",
        "pr",
        "setup",
        "completions",
        "shell",
        "doctor",
        "lsp",
        "tickets",
    ] {
        let out = repo.lanes_ok(&[command, "--help"]);
        assert!(
            out.contains("Example"),
            "`lanes {command} --help` has no example:\n{out}"
        );
    }
    let top = repo.lanes_ok(&["--help"]);
    assert!(top.contains("lanes start PROJ-123"), "{top}");
}

#[test]
fn doctor_reports_git_and_the_repository() {
    let repo = TestRepo::new();
    let out = repo.lanes_ok(&["doctor"]);
    assert!(out.contains("ok    git 2."), "{out}");
    assert!(
        out.contains(&format!("ok    repository {}", repo.dir.display())),
        "{out}"
    );
}

#[test]
fn doctor_says_where_the_github_token_comes_from_and_never_shows_it() {
    let repo = TestRepo::new();
    let out = repo
        .lanes_cmd()
        .arg("doctor")
        .env("GITHUB_TOKEN", "ghp_doctorSECRET123")
        .output()
        .unwrap();
    let text = crate::support::stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ok    GitHub token from GITHUB_TOKEN"),
        "{text}"
    );
    assert!(!text.contains("ghp_doctorSECRET123"));
}

#[test]
fn doctor_fails_a_jira_provider_without_credentials_and_says_which_variables() {
    let repo = TestRepo::new();
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        "provider = \"jira\"\n[jira]\nurl = \"https://example.atlassian.net\"\n",
    );
    let out = repo
        .lanes_cmd()
        .arg("doctor")
        .env_remove("JIRA_PAT")
        .env_remove("JIRA_EMAIL")
        .env_remove("JIRA_API_TOKEN")
        .output()
        .unwrap();
    let text = crate::support::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ok    ticket provider: jira"), "{text}");
    assert!(
        text.contains("ok    Jira at https://example.atlassian.net"),
        "{text}"
    );
    assert!(text.contains("FAIL  no Jira credentials"), "{text}");
    assert!(text.contains("JIRA_PAT"), "{text}");
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let repo = TestRepo::new();
    assert_eq!(repo.lanes(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(repo.lanes(&["list", "--nope"]).status.code(), Some(2));
}
