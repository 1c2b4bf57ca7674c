//! GitHub's REST API through octocrab, as the core uses it: blocking calls (the core is
//! synchronous), conditional requests through the ETag cache, `Link` pagination, bounded retries
//! of 5xx answers and timeouts, waits on short `Retry-After`s, and errors that say what to do.
//! The token comes from `GITHUB_TOKEN`, `GH_TOKEN` or `gh auth token`; it is handed to octocrab
//! as a secret and never logged, shown or written anywhere.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::models::{Issue, SearchPage};

use super::cache::EtagCache;
use super::remote::{forge_host, forge_remote, RepoId};
use crate::config::Config;
use crate::error::{Error, Result};

/// The public GitHub API.
pub const DEFAULT_API: &str = "https://api.github.com";
/// What to do about a missing or rejected token.
pub const TOKEN_HINT: &str = "set GITHUB_TOKEN or GH_TOKEN, or sign in with `gh auth login`";
/// Attempts per request when GitHub fails on its side (5xx) or does not answer in time.
const ATTEMPTS: u32 = 3;
/// The longest `Retry-After` waited out before reporting the limit instead.
const MAX_WAIT: Duration = Duration::from_secs(20);

/// The writes lanes makes.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    /// Create.
    Post,
    /// Change.
    Patch,
}

/// A failed request: the HTTP status when GitHub answered, and a message for the user.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status, None when GitHub could not be reached or did not answer in time.
    pub status: Option<u16>,
    /// What went wrong.
    pub message: String,
    /// What to do about it, when there is something.
    pub hint: Option<String>,
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Error {
        let error = Error::Provider(e.message);
        match e.hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

/// One answer: its body and the address of the next page, when there is one.
#[derive(Debug)]
pub struct Page<T = Value> {
    /// The body.
    pub body: T,
    /// `rel="next"` of the `Link` header, as a path under the API root.
    pub next: Option<String>,
}

pub use crate::protocol::ApiStats;

/// A GitHub API client.
pub struct GitHub {
    api: String,
    octocrab: Octocrab,
    runtime: tokio::runtime::Runtime,
    cache: Arc<EtagCache>,
    timeout: Duration,
    requests: AtomicU64,
}

impl GitHub {
    /// The API at `GITHUB_API_URL`, else `github.api_url` from the config, else api.github.com,
    /// with the user's token and the persistent ETag cache.
    pub fn from_env(config: &Config) -> Result<GitHub> {
        let api = api_root(config);
        let token = token(&api)
            .ok_or_else(|| Error::Provider("no GitHub token found".into()).with_hint(TOKEN_HINT))?;
        let cache = Arc::new(EtagCache::open(&api));
        GitHub::new(
            &api,
            token,
            cache,
            Duration::from_secs(config.timeout.max(1)),
        )
    }

    /// The client, and the remote of `repo` on its GitHub (see [`forge_remote`]) — or an error
    /// saying that no remote is there, and so nothing `purpose` needs (e.g. "to open a pull
    /// request in").
    pub fn for_repo(
        repo: &crate::git::Repo,
        config: &Config,
        purpose: &str,
    ) -> Result<(GitHub, String, RepoId)> {
        let github = GitHub::from_env(config)?;
        let host = forge_host(github.api_root(), config.github_host.as_deref());
        let (remote, id) = forge_remote(repo, &host).ok_or_else(|| {
            Error::Conflict(format!(
                "no remote of {} is on {host}, so there is no repository {purpose}",
                repo.anchor().display()
            ))
            .with_hint(
                "add the GitHub remote (`git remote add origin …`), or set [github] host in the config",
            )
        })?;
        Ok((github, remote, id))
    }

    /// A client for `api` with `token` and `cache`.
    pub fn new(
        api: &str,
        token: String,
        cache: Arc<EtagCache>,
        timeout: Duration,
    ) -> Result<GitHub> {
        let setup = |e: &dyn std::fmt::Display| {
            Error::Provider(format!("cannot set up the GitHub client for {api}: {e}"))
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| setup(&e))?;
        // octocrab spawns its request buffer on the current runtime.
        let _entered = runtime.enter();
        let octocrab = Octocrab::builder()
            .base_uri(api)
            .map_err(|e| setup(&e))?
            .personal_token(token)
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .cache(CacheHandle(cache.clone()))
            .build()
            .map_err(|e| setup(&e))?;
        drop(_entered);
        Ok(GitHub {
            api: api.to_string(),
            octocrab,
            runtime,
            cache,
            timeout,
            requests: AtomicU64::new(0),
        })
    }

    /// The API root.
    pub fn api_root(&self) -> &str {
        &self.api
    }

    /// Requests made so far.
    pub fn stats(&self) -> ApiStats {
        ApiStats {
            requests: self.requests.load(Ordering::Relaxed),
            not_modified: self.cache.served(),
        }
    }

    /// Saves the ETag cache for the next run.
    pub fn save_cache(&self) {
        self.cache.save();
    }

    /// GETs `path` (path and query under the API root); `what` says what for, in errors.
    pub fn get(&self, path: &str, what: &str) -> std::result::Result<Page, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let answer = self.runtime.block_on(async {
                tokio::time::timeout(self.timeout, async {
                    let response = self.octocrab._get_with_headers(path, None).await?;
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let body = self.octocrab.body_to_string(response).await?;
                    Ok::<_, octocrab::Error>((status, headers, body))
                })
                .await
            });
            let again = attempt < ATTEMPTS;
            let (status, headers, body) = match answer {
                Err(_) if again => {
                    backoff(attempt);
                    continue;
                }
                Err(_) => {
                    return Err(self.no_answer(
                        &format!("{what} ({ATTEMPTS} attempts)"),
                        "raise `timeout` in the config",
                    ))
                }
                Ok(Err(_)) if again => {
                    backoff(attempt);
                    continue;
                }
                Ok(Err(e)) => return Err(self.unreachable(&e, what)),
                Ok(Ok(answer)) => answer,
            };
            if (200..300).contains(&status) {
                let body = serde_json::from_str(&body).map_err(|e| ApiError {
                    status: Some(status),
                    message: format!("GitHub sent something that is not JSON while {what}: {e}"),
                    hint: None,
                })?;
                return Ok(Page {
                    body,
                    next: next_link(&headers, &self.api),
                });
            }
            if status >= 500 && again {
                backoff(attempt);
                continue;
            }
            if matches!(status, 403 | 429) && again {
                if let Some(wait) = header(&headers, "retry-after").and_then(|s| s.parse().ok()) {
                    let wait = Duration::from_secs(wait);
                    if wait <= MAX_WAIT {
                        tracing::info!("GitHub asked to wait {}s while {what}", wait.as_secs());
                        std::thread::sleep(wait);
                        continue;
                    }
                }
            }
            return Err(status_error(status, &headers, &body, what));
        }
    }

    /// POSTs or PATCHes `body` to `path` and reads the answer as `T`. Sent once: a write is
    /// never retried, since a repeated POST could create twice.
    pub fn send<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        what: &str,
    ) -> std::result::Result<T, ApiError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let answer = self.runtime.block_on(async {
            tokio::time::timeout(self.timeout, async {
                let response = match method {
                    Method::Post => self.octocrab._post(path, Some(body)).await?,
                    Method::Patch => self.octocrab._patch(path, Some(body)).await?,
                };
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = self.octocrab.body_to_string(response).await?;
                Ok::<_, octocrab::Error>((status, headers, body))
            })
            .await
        });
        let (status, headers, text) = match answer {
            Err(_) => {
                return Err(self.no_answer(
                    what,
                    "it may still have done it: look on GitHub before trying again, or raise `timeout` in the config",
                ))
            }
            Ok(Err(e)) => return Err(self.unreachable(&e, what)),
            Ok(Ok(answer)) => answer,
        };
        if !(200..300).contains(&status) {
            return Err(status_error(status, &headers, &text, what));
        }
        serde_json::from_str(&text).map_err(|e| ApiError {
            status: Some(status),
            message: format!("GitHub's answer has an unexpected shape while {what}: {e}"),
            hint: None,
        })
    }

    /// GitHub did not answer in time while `what`.
    fn no_answer(&self, what: &str, hint: &str) -> ApiError {
        ApiError {
            status: None,
            message: format!(
                "GitHub did not answer within {}s while {what}",
                self.timeout.as_secs()
            ),
            hint: Some(hint.to_string()),
        }
    }

    /// GitHub could not be reached while `what`.
    fn unreachable(&self, e: &octocrab::Error, what: &str) -> ApiError {
        ApiError {
            status: None,
            message: format!(
                "cannot reach GitHub at {} while {what}: {}",
                self.api,
                innermost(e)
            ),
            hint: None,
        }
    }

    /// GETs `path` and reads the answer as `T`.
    pub fn get_as<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> std::result::Result<Page<T>, ApiError> {
        let page = self.get(path, what)?;
        let body = serde_json::from_value(page.body).map_err(|e| ApiError {
            status: Some(200),
            message: format!("GitHub's answer has an unexpected shape while {what}: {e}"),
            hint: None,
        })?;
        Ok(Page {
            body,
            next: page.next,
        })
    }

    /// GETs `path` and every following page, up to `max_pages`, each read as `T`.
    pub fn get_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        max_pages: usize,
    ) -> std::result::Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(path) = next.take() {
            let page = self.get_as::<T>(&path, what)?;
            out.push(page.body);
            if out.len() < max_pages {
                next = page.next;
            } else if page.next.is_some() {
                tracing::warn!("stopped after {max_pages} pages while {what}");
            }
        }
        Ok(out)
    }

    /// Every issue or pull request `/search/issues` finds for `query`, newest `sort` first, up
    /// to `max_pages` pages of 100.
    pub fn search_issues(
        &self,
        query: &str,
        sort: &str,
        what: &str,
        max_pages: usize,
    ) -> std::result::Result<Vec<Issue>, ApiError> {
        let path = format!(
            "/search/issues?q={}&sort={sort}&order=desc&per_page=100",
            crate::web::query_component(query)
        );
        let pages: Vec<SearchPage> = self.get_pages(&path, what, max_pages)?;
        Ok(pages.into_iter().flat_map(|p| p.items).collect())
    }
}

/// Hands the shared cache to octocrab, which wants to own its storage.
struct CacheHandle(Arc<EtagCache>);

impl octocrab::service::middleware::cache::CacheStorage for CacheHandle {
    fn try_hit(&self, uri: &http::Uri) -> Option<octocrab::service::middleware::cache::CacheKey> {
        self.0.try_hit(uri)
    }
    fn load(
        &self,
        uri: &http::Uri,
    ) -> Option<octocrab::service::middleware::cache::CachedResponse> {
        self.0.load(uri)
    }
    fn writer(
        &self,
        uri: &http::Uri,
        key: octocrab::service::middleware::cache::CacheKey,
        headers: HeaderMap,
    ) -> Box<dyn octocrab::service::middleware::cache::CacheWriter> {
        self.0.writer(uri, key, headers)
    }
}

/// The token: `GITHUB_TOKEN`, `GH_TOKEN`, else what `gh auth token` prints for the API's host.
fn token(api: &str) -> Option<String> {
    token_with_source(api).map(|(token, _)| token)
}

/// The API root lanes would talk to with `config` (as [`GitHub::from_env`] chooses it).
pub fn api_root(config: &Config) -> String {
    std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| config.github_api_url.clone())
        .unwrap_or_else(|| DEFAULT_API.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// Where the token for `api` would come from — `GITHUB_TOKEN`, `GH_TOKEN` or `gh auth token` —
/// without the token itself (for `lanes doctor`).
pub fn token_source(api: &str) -> Option<&'static str> {
    token_with_source(api).map(|(_, source)| source)
}

fn token_with_source(api: &str) -> Option<(String, &'static str)> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(token) = var("GITHUB_TOKEN") {
        return Some((token, "GITHUB_TOKEN"));
    }
    if let Some(token) = var("GH_TOKEN") {
        return Some((token, "GH_TOKEN"));
    }
    gh_token(api).map(|token| (token, "`gh auth token`"))
}

fn gh_token(api: &str) -> Option<String> {
    let mut gh = std::process::Command::new("gh");
    gh.args(["auth", "token"]);
    let host = host_of(api);
    if host != "api.github.com" {
        gh.args(["--hostname", host]);
    }
    let out = gh.stderr(std::process::Stdio::null()).output().ok()?;
    let token = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !token.is_empty()).then_some(token)
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or(rest)
}

fn backoff(attempt: u32) {
    std::thread::sleep(Duration::from_millis(200 << attempt.min(4)));
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `rel="next"` of a `Link` header, as a path under `api` (links elsewhere are not followed:
/// the token must not travel to another host).
fn next_link(headers: &HeaderMap, api: &str) -> Option<String> {
    let link = header(headers, "link")?;
    let target = link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })?;
    if target.starts_with('/') {
        return Some(target);
    }
    let origin_end = api
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| api[start..].find('/').map(|j| start + j))
        .unwrap_or(api.len());
    let origin = &api[..origin_end];
    match target.strip_prefix(origin) {
        Some(path) if path.starts_with('/') => Some(path.to_string()),
        _ => {
            tracing::warn!("not following a page link outside {api}");
            None
        }
    }
}

/// The error for a non-2xx answer.
fn status_error(status: u16, headers: &HeaderMap, body: &str, what: &str) -> ApiError {
    let answer = serde_json::from_str::<Value>(body).unwrap_or_default();
    // A 422's reason is in `errors`: "A pull request already exists for …".
    let details = answer["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["message"].as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let said: String = [answer["message"].as_str().unwrap_or_default(), &details]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(": ")
        .chars()
        .take(200)
        .collect();
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {said}")
    };
    let remaining = header(headers, "x-ratelimit-remaining");
    let reset = header(headers, "x-ratelimit-reset").and_then(|s| s.parse::<u64>().ok());
    let retry_after = header(headers, "retry-after");
    let (message, hint) = match status {
        401 => (
            format!("GitHub rejected the token (401) while {what}"),
            Some(TOKEN_HINT.to_string()),
        ),
        403 | 429 if remaining == Some("0") => (
            format!(
                "GitHub's API rate limit is used up ({status}) while {what}; it resets at {}",
                reset.map(clock).unwrap_or_else(|| "an unknown time".into())
            ),
            Some("wait until then; authenticated requests get 5,000 an hour".to_string()),
        ),
        403 | 429 if retry_after.is_some() || status == 429 => (
            format!(
                "GitHub's secondary rate limit was hit ({status}) while {what}; retry in {}s",
                retry_after.unwrap_or("60")
            ),
            Some("sync fewer repositories at once, or wait".to_string()),
        ),
        403 => (
            format!("GitHub refused access (403) while {what}{said}"),
            Some("the token needs the `repo` scope (classic) or read access to pull requests and issues (fine-grained), and SSO authorization for organisation repositories".to_string()),
        ),
        404 => (
            format!("GitHub has no such resource, or the token cannot see it (404), while {what}"),
            None,
        ),
        _ => (format!("GitHub answered {status} while {what}{said}"), None),
    };
    ApiError {
        status: Some(status),
        message,
        hint,
    }
}

/// An epoch time as `HH:MM:SS UTC (in N min)`.
fn clock(epoch: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let day = epoch % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC (in {} min)",
        day / 3600,
        day % 3600 / 60,
        day % 60,
        epoch.saturating_sub(now).div_ceil(60)
    )
}

/// The innermost cause of an error (octocrab's outer text repeats the request).
fn innermost(error: &dyn std::error::Error) -> String {
    let mut last = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("link", value.parse().unwrap());
        h
    }

    #[test]
    fn the_next_page_is_followed_only_under_the_api_root() {
        let api = "https://ghe.example.com/api/v3";
        let h = link("<https://ghe.example.com/api/v3/search/issues?q=x&page=2>; rel=\"next\", <https://ghe.example.com/api/v3/search/issues?q=x&page=5>; rel=\"last\"");
        assert_eq!(
            next_link(&h, api).as_deref(),
            Some("/api/v3/search/issues?q=x&page=2")
        );
        let h = link("<https://evil.example.com/x?page=2>; rel=\"next\"");
        assert_eq!(next_link(&h, api), None);
        let h = link("<https://ghe.example.com/api/v3/x?page=1>; rel=\"prev\"");
        assert_eq!(next_link(&h, api), None);
    }

    #[test]
    fn hosts_are_read_from_api_roots() {
        assert_eq!(host_of("https://api.github.com"), "api.github.com");
        assert_eq!(
            host_of("https://ghe.example.com:8443/api/v3"),
            "ghe.example.com"
        );
    }

    #[test]
    fn a_used_up_rate_limit_names_its_reset_time() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "3600".parse().unwrap());
        let e = status_error(403, &h, "{}", "searching");
        assert!(
            e.message.contains("resets at 01:00:00 UTC"),
            "{}",
            e.message
        );
    }
}
