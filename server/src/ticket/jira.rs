//! Jira: Cloud (REST v3, e-mail + API token) and Server/Data Center (REST v2, personal access
//! token). Credentials come from the environment only and are never logged or shown.

use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::StatusCode;
use serde_json::Value;

use super::adf;
use super::{Ticket, TicketSummary};
use crate::error::{Error, Result};

/// JQL for "my open issues".
pub const MY_OPEN_ISSUES: &str =
    "assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC";
/// Pages fetched at most for "my open issues".
const MAX_PAGES: usize = 20;

enum Auth {
    /// Jira Cloud: e-mail + API token, basic auth, REST v3.
    Cloud { email: String, token: String },
    /// Server / Data Center: personal access token, bearer, REST v2.
    Server { token: String },
}

/// A Jira site.
pub struct Jira {
    base: String,
    auth: Auth,
    client: Client,
    timeout: Duration,
}

const CREDENTIALS_HINT: &str =
    "set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT (Jira Server/Data Center)";

impl Jira {
    /// The site at `JIRA_URL` (else `url` from the configuration) with credentials from the
    /// environment.
    pub fn from_env(url: Option<&str>, timeout: Duration) -> Result<Jira> {
        let base = std::env::var("JIRA_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(|| url.map(str::to_string))
            .ok_or_else(|| {
                Error::Provider("the Jira provider needs the site's address".into())
                    .with_hint("set JIRA_URL or `url` under [jira] in the config")
            })?;
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let auth = match (var("JIRA_PAT"), var("JIRA_EMAIL"), var("JIRA_API_TOKEN")) {
            (Some(token), _, _) => Auth::Server { token },
            (None, Some(email), Some(token)) => Auth::Cloud { email, token },
            _ => {
                return Err(
                    Error::Provider("no Jira credentials in the environment".into())
                        .with_hint(CREDENTIALS_HINT),
                )
            }
        };
        let client = Client::builder()
            .timeout(timeout)
            .user_agent(concat!("lanes/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Provider(format!("cannot set up HTTP: {e}")))?;
        Ok(Jira {
            base: base.trim_end_matches('/').to_string(),
            auth,
            client,
            timeout,
        })
    }

    fn api(&self) -> &'static str {
        match self.auth {
            Auth::Cloud { .. } => "3",
            Auth::Server { .. } => "2",
        }
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.authorised(self.client.get(format!("{}{path}", self.base)))
    }

    fn authorised(&self, request: RequestBuilder) -> RequestBuilder {
        let request = request.header("Accept", "application/json");
        match &self.auth {
            Auth::Cloud { email, token } => request.basic_auth(email, Some(token)),
            Auth::Server { token } => request.bearer_auth(token),
        }
    }

    fn send(&self, request: RequestBuilder, what: &str) -> Result<Value> {
        let response = request.send().map_err(|e| {
            if e.is_timeout() {
                Error::Provider(format!(
                    "Jira did not answer within {}s while {what}",
                    self.timeout.as_secs()
                ))
                .with_hint("raise `timeout` in the config, or pass --offline")
            } else {
                // reqwest's message names the URL, never the credentials.
                Error::Provider(format!(
                    "cannot reach Jira at {} while {what}: {}",
                    self.base,
                    without_url(&e)
                ))
            }
        })?;
        check(response, what)
    }

    /// One issue, with its description as Markdown.
    pub fn issue(&self, key: &str) -> Result<Ticket> {
        let path = format!(
            "/rest/api/{}/issue/{}?fields=summary,status,description",
            self.api(),
            crate::web::query_component(key)
        );
        let body = self
            .send(self.get(&path), &format!("fetching {key}"))
            .map_err(|e| match e {
                Error::ProviderStatus { status: 404, .. } => Error::Provider(format!(
                    "Jira has no issue {key} (404)"
                ))
                .with_hint("check the key, or pass --offline to start the lane from the key alone"),
                other => other,
            })?;
        let fields = &body["fields"];
        let description = match &fields["description"] {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            adf_doc => adf::to_markdown(adf_doc),
        };
        Ok(Ticket {
            key: body["key"].as_str().unwrap_or(key).to_string(),
            title: fields["summary"].as_str().unwrap_or_default().to_string(),
            status: fields["status"]["name"].as_str().map(str::to_string),
            url: Some(format!(
                "{}/browse/{}",
                self.base,
                crate::web::query_component(key)
            )),
            acceptance: adf::acceptance_criteria(&description),
            description,
        })
    }

    /// Moves issue `key` to the status `to` (or through the transition of that name), unless it
    /// is there already. Returns the status it moved to; an error names the transitions there are.
    pub fn transition(&self, key: &str, to: &str) -> Result<Option<String>> {
        let path = format!(
            "/rest/api/{}/issue/{}/transitions",
            self.api(),
            crate::web::query_component(key)
        );
        let what = format!("moving {key} to {to}");
        let body = self.send(self.get(&path), &what)?;
        let transitions = body["transitions"].as_array().cloned().unwrap_or_default();
        let name_of = |t: &Value| t["to"]["name"].as_str().unwrap_or_default().to_string();
        let chosen = transitions.iter().find(|t| {
            name_of(t).eq_ignore_ascii_case(to)
                || t["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(to))
        });
        let Some(chosen) = chosen else {
            let there: Vec<String> = transitions.iter().map(name_of).collect();
            return Err(Error::Provider(format!(
                "Jira offers no transition of {key} to {to:?} (it can go to: {})",
                if there.is_empty() {
                    "nothing".to_string()
                } else {
                    there.join(", ")
                }
            ))
            .with_hint("set [jira] transition to one of those, or remove it"));
        };
        let id = chosen["id"].as_str().unwrap_or_default();
        let request = self
            .authorised(self.client.post(format!("{}{path}", self.base)))
            .json(&serde_json::json!({ "transition": { "id": id } }));
        let response = request.send().map_err(|e| {
            Error::Provider(format!(
                "cannot reach Jira at {} while {what}: {}",
                self.base,
                without_url(&e)
            ))
        })?;
        if response.status().is_success() {
            return Ok(Some(name_of(chosen)));
        }
        check(response, &what).map(|_| Some(name_of(chosen)))
    }

    /// The user's open issues, every page.
    pub fn mine(&self) -> Result<Vec<TicketSummary>> {
        let mut out = Vec::new();
        let jql = crate::web::query_component(MY_OPEN_ISSUES);
        match self.auth {
            Auth::Cloud { .. } => {
                let mut token: Option<String> = None;
                for _ in 0..MAX_PAGES {
                    let mut path = format!(
                        "/rest/api/3/search/jql?jql={jql}&fields=summary,status&maxResults=100"
                    );
                    if let Some(t) = &token {
                        path.push_str(&format!(
                            "&nextPageToken={}",
                            crate::web::query_component(t)
                        ));
                    }
                    let page = self.send(self.get(&path), "listing your issues")?;
                    out.extend(summaries(&page, &self.base));
                    token = page["nextPageToken"].as_str().map(str::to_string);
                    if token.is_none() || page["isLast"].as_bool() == Some(true) {
                        break;
                    }
                }
            }
            Auth::Server { .. } => {
                let mut start = 0;
                for _ in 0..MAX_PAGES {
                    let path = format!("/rest/api/2/search?jql={jql}&fields=summary,status&startAt={start}&maxResults=100");
                    let page = self.send(self.get(&path), "listing your issues")?;
                    let got = summaries(&page, &self.base);
                    let total = page["total"].as_u64().unwrap_or(0) as usize;
                    start += got.len();
                    let done = got.is_empty() || start >= total;
                    out.extend(got);
                    if done {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}

fn summaries(page: &Value, base: &str) -> Vec<TicketSummary> {
    page["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|issue| {
            let key = issue["key"].as_str()?.to_string();
            Some(TicketSummary {
                url: Some(format!("{base}/browse/{key}")),
                title: issue["fields"]["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                status: issue["fields"]["status"]["name"]
                    .as_str()
                    .map(str::to_string),
                key,
                lane: None,
            })
        })
        .collect()
}

/// Turns an HTTP status into a clear error; a 2xx body into JSON.
fn check(response: Response, what: &str) -> Result<Value> {
    let status = response.status();
    if status.is_success() {
        return response.json().map_err(|e| {
            Error::Provider(format!(
                "Jira sent something that is not JSON while {what}: {e}"
            ))
        });
    }
    let retry = response
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let reset = response
        .headers()
        .get("X-RateLimit-Reset")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let message = match status {
        StatusCode::UNAUTHORIZED => {
            return Err(Error::Provider(format!(
                "Jira rejected the credentials (401) while {what}"
            ))
            .with_hint(CREDENTIALS_HINT))
        }
        StatusCode::FORBIDDEN => {
            return Err(
                Error::Provider(format!("Jira refused access (403) while {what}")).with_hint(
                    format!(
            "the account behind the token may not see this project; check {CREDENTIALS_HINT}"
        ),
                ),
            )
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let when = match (retry, reset) {
                (Some(seconds), _) => format!("retry in {seconds}s"),
                (None, Some(at)) => format!("the limit resets at {at}"),
                (None, None) => "retry later".into(),
            };
            format!("Jira's rate limit was reached (429) while {what}: {when}")
        }
        s => {
            return Err(Error::ProviderStatus {
                status: s.as_u16(),
                message: format!("Jira answered {} while {what}", s.as_u16()),
            })
        }
    };
    Err(Error::Provider(message))
}

/// reqwest's error text without the URL part, which is already said.
fn without_url(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut last = error.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}
