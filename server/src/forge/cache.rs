//! The ETag cache behind GitHub's conditional requests: octocrab sends `If-None-Match` for every
//! URI this storage knows and serves the stored body when GitHub answers 304 (which does not count
//! against the rate limit). Entries live in one JSON file per API root under the user's cache
//! directory so that a second `lanes sync` — another process — is nearly free. Only response
//! bodies, ETags and the headers needed to page are stored; never a request header, so never a
//! token.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use http::{header, HeaderMap, HeaderValue, Uri};
use octocrab::service::middleware::cache::{CacheKey, CacheStorage, CacheWriter, CachedResponse};
use serde::{Deserialize, Serialize};

use crate::git::read::{read_regular, MANAGED_CAP};

/// Entries unused for this long are dropped when the file is saved.
const MAX_AGE_SECS: u64 = 14 * 24 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    etag: String,
    #[serde(default)]
    link: Option<String>,
    body: String,
    used: u64,
}

/// A persistent ETag cache; counts how many answers it served (the 304s).
pub struct EtagCache {
    file: Option<PathBuf>,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    served: AtomicU64,
}

impl EtagCache {
    /// The cache of `api_root`, read from the user's cache directory (empty when unreadable:
    /// a cache miss costs one full request, never an error).
    pub fn open(api_root: &str) -> EtagCache {
        let file = cache_dir().map(|dir| dir.join(format!("{}.json", file_name(api_root))));
        let entries = file
            .as_deref()
            .and_then(|f| read_regular(f, MANAGED_CAP).ok().flatten())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        EtagCache {
            file,
            entries: Arc::new(Mutex::new(entries)),
            served: AtomicU64::new(0),
        }
    }

    /// An empty cache that is never saved.
    pub fn in_memory() -> EtagCache {
        EtagCache {
            file: None,
            entries: Arc::default(),
            served: AtomicU64::new(0),
        }
    }

    /// How many responses were answered from the cache (GitHub said 304).
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Writes the cache file (atomically); failures are logged, not raised: the cache is an
    /// optimisation.
    pub fn save(&self) {
        let Some(file) = &self.file else { return };
        let now = now();
        let mut merged: HashMap<String, Entry> = read_regular(file, MANAGED_CAP)
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        if let Ok(entries) = self.entries.lock() {
            for (uri, entry) in entries.iter() {
                let newer = merged.get(uri).is_none_or(|old| old.used <= entry.used);
                if newer {
                    merged.insert(uri.clone(), entry.clone());
                }
            }
        }
        merged.retain(|_, e| now.saturating_sub(e.used) < MAX_AGE_SECS);
        if let Err(e) = write_atomically(file, &merged) {
            tracing::debug!("not saving the GitHub cache {}: {e}", file.display());
        }
    }
}

fn write_atomically(file: &Path, entries: &HashMap<String, Entry>) -> std::io::Result<()> {
    crate::atomic::write(file, &serde_json::to_vec(entries)?)
}

/// `$XDG_CACHE_HOME/lanes/github`, else `~/.cache/lanes/github`.
fn cache_dir() -> Option<PathBuf> {
    Some(crate::config::user_dir(crate::config::UserDir::Cache)?.join("github"))
}

/// A file name for an API root: its host and path with everything else replaced.
fn file_name(api_root: &str) -> String {
    let bare = api_root
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    bare.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl CacheStorage for EtagCache {
    fn try_hit(&self, uri: &Uri) -> Option<CacheKey> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(&uri.to_string())?;
        // octocrab turns the key into a header value without checking it: only offer valid ones.
        HeaderValue::from_str(&entry.etag).ok()?;
        Some(CacheKey::ETag(entry.etag.clone()))
    }

    fn load(&self, uri: &Uri) -> Option<CachedResponse> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // octocrab panics on a 304 it cannot serve; a 304 nobody asked for (a broken proxy)
        // gets `null`, which the client reports as an unexpected answer.
        let unexpected = CachedResponse {
            body: b"null".to_vec(),
            headers: headers.clone(),
        };
        let Ok(mut entries) = self.entries.lock() else {
            return Some(unexpected);
        };
        let Some(entry) = entries.get_mut(&uri.to_string()) else {
            return Some(unexpected);
        };
        entry.used = now();
        self.served.fetch_add(1, Ordering::Relaxed);
        if let Some(link) = entry
            .link
            .as_deref()
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            headers.insert(header::LINK, link);
        }
        Some(CachedResponse {
            body: entry.body.clone().into_bytes(),
            headers,
        })
    }

    fn writer(&self, uri: &Uri, key: CacheKey, headers: HeaderMap) -> Box<dyn CacheWriter> {
        let etag = match key {
            CacheKey::ETag(etag) => Some(etag),
            _ => None,
        };
        Box::new(EntryWriter {
            entries: self.entries.clone(),
            uri: uri.to_string(),
            etag,
            link: headers
                .get(header::LINK)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string),
            body: Vec::new(),
        })
    }
}

/// Collects a response body; stores it when the body is complete JSON (a cut-off answer is
/// never replayed).
struct EntryWriter {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    uri: String,
    etag: Option<String>,
    link: Option<String>,
    body: Vec<u8>,
}

impl CacheWriter for EntryWriter {
    fn write_body(&mut self, data: &[u8]) {
        self.body.extend_from_slice(data);
    }
}

impl Drop for EntryWriter {
    fn drop(&mut self) {
        let Some(etag) = self.etag.take() else { return };
        let body = std::mem::take(&mut self.body);
        if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
            return;
        }
        let Ok(body) = String::from_utf8(body) else {
            return;
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(
                std::mem::take(&mut self.uri),
                Entry {
                    etag,
                    link: self.link.take(),
                    body,
                    used: now(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_the_host_and_path() {
        assert_eq!(file_name("https://api.github.com"), "api.github.com");
        assert_eq!(
            file_name("http://127.0.0.1:8080/api/v3/"),
            "127.0.0.1_8080_api_v3"
        );
    }

    #[test]
    fn a_stored_answer_is_offered_and_served_once_complete() {
        let cache = EtagCache::in_memory();
        let uri: Uri = "/search/issues?q=x".parse().unwrap();
        assert!(cache.try_hit(&uri).is_none());
        let mut writer = cache.writer(&uri, CacheKey::ETag("\"abc\"".into()), HeaderMap::new());
        writer.write_body(b"{\"items\":");
        writer.write_body(b"[]}");
        drop(writer);
        assert!(matches!(cache.try_hit(&uri), Some(CacheKey::ETag(e)) if e == "\"abc\""));
        assert_eq!(cache.load(&uri).unwrap().body, b"{\"items\":[]}");
        assert_eq!(cache.served(), 1);
    }

    #[test]
    fn a_cut_off_body_is_not_stored() {
        let cache = EtagCache::in_memory();
        let uri: Uri = "/x".parse().unwrap();
        let mut writer = cache.writer(&uri, CacheKey::ETag("\"e\"".into()), HeaderMap::new());
        writer.write_body(b"{\"items\": [");
        drop(writer);
        assert!(cache.try_hit(&uri).is_none());
    }
}
