//! A fake GitHub REST API on the local fake HTTP server: the search, repository and pull-request
//! endpoints `lanes sync` and the GitHub issues provider use, with GitHub's JSON shapes, `Link`
//! pagination, ETags answered with 304, bearer-token checks, and faults queued by tests.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use super::http::{FakeServer, Reply, Seen};

/// The token the fake accepts.
pub const TOKEN: &str = "ghp_fakeTOKEN0123456789abcdef";

/// A pull request on the fake.
#[derive(Debug, Clone)]
pub struct FakePull {
    /// `owner/name` of the base repository.
    pub repo: String,
    pub number: u64,
    pub title: String,
    pub head_ref: String,
    /// `owner/name` of the head repository (a fork when it differs from `repo`).
    pub head_repo: String,
    pub draft: bool,
    /// open or closed.
    pub state: String,
    pub merged: bool,
    pub author: String,
    pub reviewers: Vec<String>,
    /// The description.
    pub body: String,
    /// The branch it merges into.
    pub base_ref: String,
}

impl FakePull {
    /// An open pull request by "me" from a branch of the same repository.
    pub fn new(repo: &str, number: u64, title: &str, head_ref: &str) -> FakePull {
        FakePull {
            repo: repo.into(),
            number,
            title: title.into(),
            head_ref: head_ref.into(),
            head_repo: repo.into(),
            draft: false,
            state: "open".into(),
            merged: false,
            author: "me".into(),
            reviewers: Vec::new(),
            body: String::new(),
            base_ref: "main".into(),
        }
    }
}

/// An issue on the fake (GitHub issues provider).
#[derive(Debug, Clone)]
pub struct FakeIssue {
    pub repo: String,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub assignee: String,
    pub state: String,
}

#[derive(Default)]
struct State {
    pulls: Vec<FakePull>,
    issues: Vec<FakeIssue>,
    /// Repositories the token can see.
    repos: Vec<String>,
    faults: VecDeque<Reply>,
}

/// The running fake; stops when dropped.
pub struct FakeGitHub {
    pub server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    pub fn start() -> FakeGitHub {
        let state = Arc::new(Mutex::new(State::default()));
        let url: Arc<OnceLock<String>> = Arc::default();
        let (s, u) = (state.clone(), url.clone());
        let server = FakeServer::start(move |req| {
            let base = u.get().cloned().unwrap_or_default();
            answer(&mut s.lock().unwrap(), &base, req)
        });
        let _ = url.set(server.url.clone());
        FakeGitHub { server, state }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Points `cmd` at this GitHub with the accepted token (and no other).
    pub fn env<'a>(&self, cmd: &'a mut std::process::Command) -> &'a mut std::process::Command {
        cmd.env("GITHUB_API_URL", self.url())
            .env("GITHUB_TOKEN", TOKEN)
            .env_remove("GH_TOKEN")
    }

    /// Makes `repo` visible to the token.
    pub fn add_repo(&self, repo: &str) {
        self.state.lock().unwrap().repos.push(repo.into());
    }

    pub fn add_pull(&self, pull: FakePull) {
        self.state.lock().unwrap().pulls.push(pull);
    }

    pub fn add_issue(&self, issue: FakeIssue) {
        self.state.lock().unwrap().issues.push(issue);
    }

    /// Changes a pull request in place.
    pub fn update_pull(&self, number: u64, change: impl FnOnce(&mut FakePull)) {
        let mut state = self.state.lock().unwrap();
        let pull = state.pulls.iter_mut().find(|p| p.number == number).unwrap();
        change(pull);
    }

    /// The next request is answered with `reply` instead.
    pub fn fail_next(&self, reply: Reply) {
        self.state.lock().unwrap().faults.push_back(reply);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.server.requests()
    }

    /// Requests whose path starts with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.target.starts_with(prefix))
            .count()
    }
}

fn answer(state: &mut State, base: &str, req: &Seen) -> Reply {
    if let Some(fault) = state.faults.pop_front() {
        return fault;
    }
    if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return Reply::json(
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        );
    }
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    if req.method == "POST" || req.method == "PATCH" {
        return write(state, base, path, req);
    }
    let params = parse_query(query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let per_page: usize = param("per_page").and_then(|p| p.parse().ok()).unwrap_or(30);
    let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let body_and_total: (Vec<Value>, bool) = match parts.as_slice() {
        ["search", "issues"] => {
            let q = param("q").unwrap_or_default().to_string();
            let terms: Vec<&str> = q.split_whitespace().collect();
            let repos: Vec<String> = terms
                .iter()
                .filter_map(|t| t.strip_prefix("repo:"))
                .map(|r| r.to_ascii_lowercase())
                .collect();
            if let Some(unknown) = repos.iter().find(|r| !state.repos.contains(r)) {
                let _ = unknown;
                return Reply::json(
                    422,
                    json!({
                        "message": "Validation Failed",
                        "errors": [{"message": "The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.", "resource": "Search", "field": "q", "code": "invalid"}],
                        "documentation_url": "https://docs.github.com/v3/search/"
                    }),
                );
            }
            let wants_pr = terms.contains(&"is:pr");
            let open_only = terms.contains(&"is:open");
            let author = terms.iter().find_map(|t| t.strip_prefix("author:"));
            let reviewer = terms
                .iter()
                .find_map(|t| t.strip_prefix("review-requested:"));
            let assignee = terms.iter().find_map(|t| t.strip_prefix("assignee:"));
            let me = |who: &str| {
                if who == "@me" {
                    "me".to_string()
                } else {
                    who.to_string()
                }
            };
            let mut items: Vec<(u64, Value)> = Vec::new();
            if wants_pr {
                for p in &state.pulls {
                    let in_repo = repos.is_empty() || repos.contains(&p.repo);
                    let by = author.is_none_or(|a| p.author == me(a));
                    let asked = reviewer.is_none_or(|r| p.reviewers.contains(&me(r)));
                    if in_repo && by && asked && (!open_only || p.state == "open") {
                        items.push((p.number, search_item(base, p)));
                    }
                }
            } else {
                for i in &state.issues {
                    let in_repo = repos.is_empty() || repos.contains(&i.repo);
                    let to = assignee.is_none_or(|a| i.assignee == me(a));
                    if in_repo && to && (!open_only || i.state == "open") {
                        items.push((i.number, issue_json(base, i)));
                    }
                }
            }
            items.sort_by_key(|item| std::cmp::Reverse(item.0));
            let total = items.len();
            let (slice, more) =
                paginate(items.into_iter().map(|(_, v)| v).collect(), page, per_page);
            let body = json!({"total_count": total, "incomplete_results": false, "items": slice});
            return finish(req, base, path, &params, page, more, body);
        }
        ["repos", owner, name] => {
            let full = format!("{owner}/{name}").to_ascii_lowercase();
            if !state.repos.contains(&full) {
                return not_found();
            }
            return finish(
                req,
                base,
                path,
                &params,
                1,
                false,
                json!({"full_name": full, "private": true}),
            );
        }
        ["repos", owner, name, "pulls"] => {
            let full = format!("{owner}/{name}").to_ascii_lowercase();
            if !state.repos.contains(&full) {
                return not_found();
            }
            // `head=owner:branch`: the pull requests from that branch.
            let head = param("head").map(|h| h.split_once(':').map_or(h, |(_, b)| b));
            let mut pulls: Vec<&FakePull> = state
                .pulls
                .iter()
                .filter(|p| p.repo == full && (param("state") != Some("open") || p.state == "open"))
                .filter(|p| head.is_none_or(|h| p.head_ref == h))
                .collect();
            pulls.sort_by_key(|p| std::cmp::Reverse(p.number));
            (
                pulls.into_iter().map(|p| pull_json(base, p)).collect(),
                false,
            )
        }
        ["repos", owner, name, "pulls", number] => {
            let full = format!("{owner}/{name}").to_ascii_lowercase();
            let found = state
                .pulls
                .iter()
                .find(|p| p.repo == full && number.parse() == Ok(p.number));
            return match found {
                Some(p) => finish(req, base, path, &params, 1, false, pull_json(base, p)),
                None => not_found(),
            };
        }
        ["repos", owner, name, "issues", number] => {
            let full = format!("{owner}/{name}").to_ascii_lowercase();
            let found = state
                .issues
                .iter()
                .find(|i| i.repo == full && number.parse() == Ok(i.number));
            return match found {
                Some(i) => finish(req, base, path, &params, 1, false, issue_json(base, i)),
                None => not_found(),
            };
        }
        _ => return not_found(),
    };
    let (all, _) = body_and_total;
    let (slice, more) = paginate(all, page, per_page);
    finish(req, base, path, &params, page, more, Value::Array(slice))
}

/// `POST /repos/{o}/{r}/pulls` creates a pull request (422 when one is open for the branch, as
/// GitHub answers); `PATCH /repos/{o}/{r}/pulls/{n}` changes its title, body, base or state.
fn write(state: &mut State, base: &str, path: &str, req: &Seen) -> Reply {
    let Ok(input) = serde_json::from_str::<Value>(&req.body) else {
        return Reply::json(400, json!({"message": "Problems parsing JSON"}));
    };
    let text = |key: &str| input[key].as_str().map(str::to_string);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), parts.as_slice()) {
        ("POST", ["repos", owner, name, "pulls"]) => {
            let full = format!("{owner}/{name}").to_ascii_lowercase();
            if !state.repos.contains(&full) {
                return not_found();
            }
            let (Some(title), Some(head), Some(base_ref)) =
                (text("title"), text("head"), text("base"))
            else {
                return Reply::json(422, json!({"message": "Validation Failed"}));
            };
            let branch = head
                .split_once(':')
                .map_or(head.as_str(), |(_, b)| b)
                .to_string();
            if state
                .pulls
                .iter()
                .any(|p| p.repo == full && p.head_ref == branch && p.state == "open")
            {
                return Reply::json(
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {owner}:{branch}.")}]}),
                );
            }
            let number = state.pulls.iter().map(|p| p.number).max().unwrap_or(0) + 1;
            let pull = FakePull {
                draft: input["draft"].as_bool().unwrap_or(false),
                body: text("body").unwrap_or_default(),
                base_ref,
                ..FakePull::new(&full, number, &title, &branch)
            };
            let reply = Reply::json(201, pull_json(base, &pull));
            state.pulls.push(pull);
            reply
        }
        ("PATCH", ["repos", owner, name, "pulls", number]) => {
            let full = format!("{owner}/{name}").to_ascii_lowercase();
            let Some(pull) = state
                .pulls
                .iter_mut()
                .find(|p| p.repo == full && number.parse() == Ok(p.number))
            else {
                return not_found();
            };
            if let Some(title) = text("title") {
                pull.title = title;
            }
            if let Some(body) = text("body") {
                pull.body = body;
            }
            if let Some(base_ref) = text("base") {
                pull.base_ref = base_ref;
            }
            Reply::json(200, pull_json(base, pull))
        }
        _ => not_found(),
    }
}

/// The pull request `number` as the fake holds it now.
pub fn pull_of(gh: &FakeGitHub, number: u64) -> Option<FakePull> {
    gh.state
        .lock()
        .unwrap()
        .pulls
        .iter()
        .find(|p| p.number == number)
        .cloned()
}

fn paginate(all: Vec<Value>, page: usize, per_page: usize) -> (Vec<Value>, bool) {
    let per_page = per_page.clamp(1, 100);
    let start = (page.max(1) - 1) * per_page;
    let more = all.len() > start + per_page;
    (all.into_iter().skip(start).take(per_page).collect(), more)
}

/// 200 with an ETag and a `Link` to the next page — or 304 when the client already has it.
fn finish(
    req: &Seen,
    base: &str,
    path: &str,
    params: &[(String, String)],
    page: usize,
    more: bool,
    body: Value,
) -> Reply {
    let text = body.to_string();
    let etag = format!("W/\"{:016x}\"", fnv(text.as_bytes()));
    if req.header("if-none-match") == Some(etag.as_str()) {
        return Reply {
            status: 304,
            headers: vec![("ETag".into(), etag)],
            body: String::new(),
            delay: std::time::Duration::ZERO,
        };
    }
    let mut reply = Reply::json(200, body).header("ETag", &etag);
    if more {
        let mut query: Vec<String> = params
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        query.push(format!("page={}", page + 1));
        reply = reply.header(
            "Link",
            &format!("<{base}{path}?{}>; rel=\"next\"", query.join("&")),
        );
    }
    reply
}

fn not_found() -> Reply {
    Reply::json(
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

fn search_item(base: &str, p: &FakePull) -> Value {
    json!({
        "url": format!("{base}/repos/{}/issues/{}", p.repo, p.number),
        "repository_url": format!("{base}/repos/{}", p.repo),
        "html_url": format!("https://github.com/{}/pull/{}", p.repo, p.number),
        "number": p.number,
        "title": p.title,
        "state": p.state,
        "draft": p.draft,
        "user": {"login": p.author, "type": "User"},
        "labels": [],
        "comments": 0,
        "pull_request": {
            "url": format!("{base}/repos/{}/pulls/{}", p.repo, p.number),
            "html_url": format!("https://github.com/{}/pull/{}", p.repo, p.number),
            "merged_at": null
        },
        "score": 1.0
    })
}

fn pull_json(base: &str, p: &FakePull) -> Value {
    json!({
        "url": format!("{base}/repos/{}/pulls/{}", p.repo, p.number),
        "html_url": format!("https://github.com/{}/pull/{}", p.repo, p.number),
        "number": p.number,
        "state": p.state,
        "title": p.title,
        "draft": p.draft,
        "user": {"login": p.author},
        "merged": p.merged,
        "merged_at": if p.merged { json!("2026-11-20T10:00:00Z") } else { Value::Null },
        "body": p.body,
        "head": {"ref": p.head_ref, "sha": "0000000000000000000000000000000000000000", "repo": {"full_name": p.head_repo}},
        "base": {"ref": p.base_ref, "repo": {"full_name": p.repo}}
    })
}

fn issue_json(base: &str, i: &FakeIssue) -> Value {
    json!({
        "url": format!("{base}/repos/{}/issues/{}", i.repo, i.number),
        "repository_url": format!("{base}/repos/{}", i.repo),
        "html_url": format!("https://github.com/{}/issues/{}", i.repo, i.number),
        "number": i.number,
        "title": i.title,
        "body": i.body,
        "state": i.state,
        "user": {"login": "someone"},
        "assignee": {"login": i.assignee},
        "labels": []
    })
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}
