//! Tickets from Jira: context in the lane, "my open tickets", and every error path — against a
//! local fake Jira answering with Jira's documented JSON shapes, configured as a user would.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::http::{FakeServer, Reply, Seen};
use crate::support::{stderr, stdout, TestRepo};

const TOKEN: &str = "s3cr3t-token-value";

fn issue_v3() -> Value {
    json!({
        "id": "10001",
        "key": "PROJ-1",
        "self": "https://example.atlassian.net/rest/api/3/issue/10001",
        "fields": {
            "summary": "Fix login timeout!",
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "description": {"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "Users are logged out after "}, {"type": "text", "text": "5 minutes", "marks": [{"type": "strong"}]}]},
                {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Acceptance criteria"}]},
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "sessions last 8 hours"}]}]}
                ]}
            ]}
        }
    })
}

/// A repository configured for Jira at `server`, Cloud credentials in the environment.
fn jira_repo(server: &FakeServer, extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        &repo.base(),
        "xdg/lanes/config.toml",
        &format!(
            "provider = \"jira\"\n{extra}[jira]\nurl = \"{}\"\n",
            server.url
        ),
    );
    repo
}

fn lanes(repo: &TestRepo, args: &[&str], cloud: bool) -> std::process::Output {
    let mut cmd = repo.lanes_cmd();
    if cloud {
        cmd.env("JIRA_EMAIL", "me@example.com")
            .env("JIRA_API_TOKEN", TOKEN);
    } else {
        cmd.env("JIRA_PAT", TOKEN);
    }
    cmd.env_remove("JIRA_URL").args(args).output().unwrap()
}

fn assert_no_token(out: &std::process::Output) {
    assert!(
        !stdout(out).contains(TOKEN) && !stderr(out).contains(TOKEN),
        "the token leaked"
    );
}

#[test]
fn start_fetches_the_ticket_names_the_branch_after_it_and_writes_its_context_into_the_lane() {
    let server = FakeServer::start(|_| Reply::json(200, issue_v3()));
    let repo = jira_repo(&server, "");
    repo.write(
        &repo.dir,
        "lanes.toml",
        "branch = \"feature/{ticket}-{slug}\"\n",
    );
    let out = lanes(&repo, &["start", "PROJ-1", "--json"], true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_token(&out);
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["lane"]["branch"], "feature/PROJ-1-fix-login-timeout");
    assert_eq!(result["lane"]["title"], "Fix login timeout!");
    assert_eq!(result["ticket"]["status"], "In Progress");
    let context = std::fs::read_to_string(result["context"].as_str().unwrap()).unwrap();
    assert!(
        context.starts_with("# PROJ-1: Fix login timeout!\n"),
        "{context}"
    );
    assert!(
        context.contains("## Acceptance criteria\n\n- sessions last 8 hours"),
        "{context}"
    );
    assert!(
        context.contains("Users are logged out after **5 minutes**"),
        "{context}"
    );
    // The context is never committed by accident: git does not even see it.
    assert_eq!(
        repo.git_in(&repo.lane_dir("PROJ-1"), &["status", "--porcelain"]),
        ""
    );
    let request = &server.requests()[0];
    assert_eq!(
        request.target,
        "/rest/api/3/issue/PROJ-1?fields=summary,status,description"
    );
    assert!(request
        .header("authorization")
        .unwrap()
        .starts_with("Basic "));
    let list = repo.lanes_json(&["list"]);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["title"] == "Fix login timeout!"));
}

#[test]
fn server_and_data_center_use_a_personal_access_token_and_rest_v2() {
    let server = FakeServer::start(|_| {
        Reply::json(
            200,
            json!({"key": "PROJ-1", "fields": {"summary": "Plain", "status": {"name": "Open"}, "description": "h2. Wiki text"}}),
        )
    });
    let repo = jira_repo(&server, "");
    let out = lanes(&repo, &["start", "PROJ-1", "--json"], false);
    assert!(out.status.success(), "{}", stderr(&out));
    let request = &server.requests()[0];
    assert!(
        request.target.starts_with("/rest/api/2/issue/PROJ-1"),
        "{}",
        request.target
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn tickets_lists_my_open_issues_across_pages_with_their_lanes() {
    let server = FakeServer::start(|seen: &Seen| {
        if seen.target.contains("nextPageToken=page2") {
            Reply::json(
                200,
                json!({"issues": [{"key": "PROJ-3", "fields": {"summary": "Third", "status": {"name": "To Do"}}}], "isLast": true}),
            )
        } else {
            Reply::json(
                200,
                json!({"issues": [
                {"key": "PROJ-1", "fields": {"summary": "First", "status": {"name": "In Progress"}}},
                {"key": "PROJ-2", "fields": {"summary": "Second", "status": {"name": "To Do"}}}
            ], "nextPageToken": "page2", "isLast": false}),
            )
        }
    });
    let repo = jira_repo(&server, "");
    repo.lanes_ok(&["start", "PROJ-2", "--offline"]);
    let out = lanes(&repo, &["tickets", "--json"], true);
    assert!(out.status.success(), "{}", stderr(&out));
    let tickets: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["PROJ-1", "PROJ-2", "PROJ-3"]);
    assert_eq!(
        tickets[1]["lane"],
        repo.lane_dir("PROJ-2").to_str().unwrap()
    );
    assert_eq!(tickets[0]["lane"], Value::Null);
    let first = &server.requests()[0].target;
    assert!(
        first.starts_with("/rest/api/3/search/jql?jql=assignee%20%3D%20currentUser%28%29"),
        "{first}"
    );
}

/// Starting against a failing Jira: a clear error, exit 1, nothing created, no token shown.
fn assert_start_fails(
    reply: impl Fn() -> Reply + Send + Sync + 'static,
    extra: &str,
    expected: &str,
) {
    let server = FakeServer::start(move |_| reply());
    let repo = jira_repo(&server, extra);
    let before = repo.snapshot();
    let out = lanes(&repo, &["start", "PROJ-1"], true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(expected),
        "expected {expected:?} in {}",
        stderr(&out)
    );
    assert_no_token(&out);
    assert_eq!(repo.snapshot(), before);
}

#[test]
fn a_401_says_which_variables_to_set() {
    assert_start_fails(
        || Reply::json(401, json!({"errorMessages": ["unauthorized"]})),
        "",
        "JIRA_API_TOKEN",
    );
}

#[test]
fn a_403_says_access_was_refused() {
    assert_start_fails(|| Reply::json(403, json!({})), "", "refused access (403)");
}

#[test]
fn a_404_names_the_unknown_key_and_offers_offline() {
    assert_start_fails(
        || {
            Reply::json(
                404,
                json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."]}),
            )
        },
        "",
        "Jira has no issue PROJ-1 (404)",
    );
}

#[test]
fn a_rate_limit_says_when_to_retry() {
    assert_start_fails(
        || Reply::json(429, json!({})).header("Retry-After", "30"),
        "",
        "retry in 30s",
    );
}

#[test]
fn a_server_error_is_reported() {
    assert_start_fails(|| Reply::json(503, json!({})), "", "Jira answered 503");
}

#[test]
fn a_slow_jira_times_out_within_the_configured_bound() {
    assert_start_fails(
        || Reply::json(200, issue_v3()).delayed(Duration::from_secs(3)),
        "timeout = 1\n",
        "did not answer within 1s",
    );
}

#[test]
fn missing_credentials_say_what_to_set() {
    let server = FakeServer::start(|_| Reply::json(200, issue_v3()));
    let repo = jira_repo(&server, "");
    let out = repo
        .lanes_cmd()
        .env_remove("JIRA_EMAIL")
        .env_remove("JIRA_API_TOKEN")
        .env_remove("JIRA_PAT")
        .args(["start", "PROJ-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no Jira credentials"),
        "{}",
        stderr(&out)
    );
    assert!(server.requests().is_empty());
}

#[test]
fn offline_starts_from_the_key_alone_when_jira_is_down() {
    let server = FakeServer::start(|_| Reply::json(503, json!({})));
    let repo = jira_repo(&server, "");
    let out = lanes(&repo, &["start", "PROJ-1", "--offline"], true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(repo.lane_dir("PROJ-1").is_dir());
    assert!(server.requests().is_empty());
}

/// A Jira whose PROJ-1 is "To Do" and can go to "In Progress" (transition 21).
fn jira_with_transitions() -> FakeServer {
    FakeServer::start(|req: &Seen| {
        if req.target.ends_with("/transitions") {
            if req.method == "POST" {
                return Reply::json(204, Value::Null);
            }
            return Reply::json(
                200,
                json!({"transitions": [
                    {"id": "11", "name": "Back to do", "to": {"name": "To Do"}},
                    {"id": "21", "name": "Start progress", "to": {"name": "In Progress"}}
                ]}),
            );
        }
        let mut issue = issue_v3();
        issue["fields"]["status"]["name"] = json!("To Do");
        Reply::json(200, issue)
    })
}

#[test]
fn with_a_configured_transition_start_moves_the_issue_to_that_status() {
    let server = jira_with_transitions();
    let repo = jira_repo(&server, "");
    let config = repo.base().join("xdg/lanes/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}transition = \"in progress\"\n")).unwrap();
    let out = lanes(&repo, &["start", "PROJ-1", "--json"], true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_token(&out);
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["warnings"], json!([]), "{result}");
    let posted: Vec<Seen> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].target, "/rest/api/3/issue/PROJ-1/transitions");
    let body: Value = serde_json::from_str(&posted[0].body).unwrap();
    assert_eq!(body, json!({"transition": {"id": "21"}}));
}

#[test]
fn without_a_configured_transition_start_moves_nothing() {
    let server = jira_with_transitions();
    let repo = jira_repo(&server, "");
    let out = lanes(&repo, &["start", "PROJ-1"], true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(server
        .requests()
        .iter()
        .all(|r| !r.target.contains("transitions")));
}

#[test]
fn a_transition_jira_does_not_offer_is_a_warning_naming_the_ones_it_does() {
    let server = jira_with_transitions();
    let repo = jira_repo(&server, "");
    let config = repo.base().join("xdg/lanes/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}transition = \"Done\"\n")).unwrap();
    let out = lanes(&repo, &["start", "PROJ-1", "--json"], true);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = result["warnings"].to_string();
    assert!(warnings.contains("To Do, In Progress"), "{warnings}");
    assert!(repo.lane_dir("PROJ-1").exists());
    assert!(server.requests().iter().all(|r| r.method != "POST"));
}
