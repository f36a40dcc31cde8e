//! The HTTP policy every source shares — timeouts, retries with exponential backoff on 429
//! (honouring `Retry-After`), 408, 5xx and connection errors — with messages that never carry a
//! secret (secrets travel in headers and bodies, messages name the URL path only), JSON helpers,
//! and numbered paging that follows the totals a source announces.

use crate::model::history::LogLevel;
use crate::ssr::services::jobs::{JobError, Reporter};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// Timeouts, retries and paging for one collection.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// The longest a request may take, answer included.
    pub timeout: Duration,
    /// Tries per request (the first included) before the run fails.
    pub attempts: u32,
    /// The wait before the first retry; it doubles per retry up to `max_backoff`.
    pub backoff: Duration,
    /// The longest wait between retries (unless `Retry-After` asks for longer).
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the run.
    pub max_retry_after: Duration,
    /// Rows asked for per page (a source may cap it lower, as ThreatLocker does at 500).
    pub page_size: usize,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            timeout: Duration::from_secs(60),
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
            page_size: 1000,
        }
    }
}

/// An HTTP client with the policy's timeouts (connecting takes at most 15 s) and Census's
/// user agent.
pub fn client(policy: &HttpPolicy) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(Duration::from_secs(15).min(policy.timeout))
        .user_agent(concat!("Census/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("HTTP client builds")
}

/// Seconds from a `Retry-After` header (delta-seconds or an HTTP date).
fn retry_after(r: &Response) -> Option<Duration> {
    let v = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(Duration::from_secs(secs.max(0) as u64))
}

fn retryable(s: StatusCode) -> bool {
    s == StatusCode::TOO_MANY_REQUESTS || s == StatusCode::REQUEST_TIMEOUT || s.is_server_error()
}

/// What went wrong talking to a source, without the request's secrets.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "broke off while sending its answer"
    } else {
        "failed"
    };
    // The URL holds no secret (they travel in headers and bodies); the path helps.
    match e.url() {
        Some(u) => format!("{kind} ({})", u.path()),
        None => kind.to_string(),
    }
}

/// Send a request, retrying what is worth retrying. `label` names the source in messages.
/// Returns the first answer that is neither retryable nor a transport error; the caller judges
/// its status.
pub async fn send(
    policy: &HttpPolicy,
    rep: &Reporter,
    label: &str,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, JobError> {
    let mut delay = policy.backoff;
    let mut last = String::new();
    for attempt in 1..=policy.attempts {
        rep.check()?;
        let wait = match build().send().await {
            Ok(r) if retryable(r.status()) => {
                let status = r.status();
                last = format!("answered {}", status.as_u16());
                match retry_after(&r) {
                    Some(d) if d > policy.max_retry_after => {
                        return Err(JobError::Failed(format!(
                            "{label} asked Census to wait {} s before trying again (rate limit); the run stopped.",
                            d.as_secs()
                        )));
                    }
                    Some(d) => d,
                    None => delay,
                }
            }
            Ok(r) => return Ok(r),
            Err(e) => {
                last = describe(&e);
                delay
            }
        };
        if attempt == policy.attempts {
            break;
        }
        rep.log(
            LogLevel::Warn,
            &format!(
                "{label} {last}; retrying in {:.1} s (attempt {} of {})",
                wait.as_secs_f64(),
                attempt + 1,
                policy.attempts
            ),
        );
        tokio::time::sleep(wait).await;
        delay = (delay * 2).min(policy.max_backoff);
    }
    Err(JobError::Failed(format!(
        "{label} {last} {} times in a row; nothing was saved for this run.",
        policy.attempts
    )))
}

/// Read a JSON body, with a clear message for malformed JSON or a body that broke off.
pub async fn json(label: &str, what: &str, r: Response) -> Result<Value, JobError> {
    let bytes = r.bytes().await.map_err(|e| {
        JobError::Failed(format!(
            "{label}'s answer to {what} broke off: {}",
            describe(&e)
        ))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        JobError::Failed(format!(
            "{label} answered {what} with malformed JSON ({e}); nothing was saved for this run."
        ))
    })
}

/// The array a list endpoint must answer with; anything else fails the run ("the API may have
/// changed").
pub fn array(label: &str, what: &str, v: Value) -> Result<Vec<Value>, JobError> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(JobError::Failed(format!(
            "{label} answered {what} with {} where a list was expected: the API may have changed; nothing was saved.",
            match other {
                Value::Object(_) => "an object",
                Value::Null => "null",
                _ => "a single value",
            }
        ))),
    }
}

/// A clear failure for a status that is not success: 401 and 403 say which credentials to
/// check, 404 the URL; `detail` is the source's own message, when it sent one.
pub fn status_error(
    label: &str,
    what: &str,
    status: StatusCode,
    detail: Option<String>,
) -> JobError {
    let tail = detail.map(|d| format!(": {d}")).unwrap_or_default();
    JobError::Failed(match status.as_u16() {
        401 => format!(
            "{label} refused the credentials (401) for {what}{tail}. Check the configured client id, secret or API key."
        ),
        403 => format!(
            "{label} denied access (403) to {what}{tail}. Check the API user's permissions and the organisation id."
        ),
        404 => format!("{label} has no {what} (404){tail}. Check the configured URL."),
        s => format!("{label} answered {what} with HTTP {s}{tail}."),
    })
}

/// Text of a JSON field that may be a string or a number.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Strings of a field that may be a string or a list of strings.
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => vec![],
    }
}

/// One page of a list paged by number, with the totals the source announced alongside it.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The page's rows.
    pub rows: Vec<Value>,
    /// The number of pages the source says the list has.
    pub total_pages: Option<usize>,
    /// The number of rows the source says the list has.
    pub total_items: Option<usize>,
}

/// Every row of a list paged by number (`fetch(1)`, `fetch(2)`, …), and the total the source
/// announced (its latest announcement), if any.
///
/// A source that announces totals is followed: pages are asked for while the page number is
/// below the announced page count (or, with only an item count, while fewer rows were read),
/// even after a page shorter than `size` (a server may cap its pages below what was asked).
/// Without totals a short page is the last. An empty page always ends the list. Whether the
/// rows read reach the announced total is checked by [`super::collect`] for every source.
/// `what` names the rows in progress reports ("computers"); None reports no progress.
pub async fn numbered_pages<F, Fut>(
    rep: &Reporter,
    size: usize,
    what: Option<&str>,
    mut fetch: F,
) -> Result<(Vec<Value>, Option<usize>), JobError>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Page, JobError>>,
{
    let mut out: Vec<Value> = vec![];
    let mut announced = None;
    let mut number = 1;
    loop {
        rep.check()?;
        let page = fetch(number).await?;
        let n = page.rows.len();
        announced = page.total_items.or(announced);
        out.extend(page.rows);
        if let Some(what) = what {
            rep.progress(
                out.len() as i64,
                announced.map(|t| t as i64),
                &format!("{} {what} read", out.len()),
            );
        }
        let more = match (page.total_pages, announced) {
            (Some(pages), _) => number < pages,
            (None, Some(total)) => out.len() < total,
            (None, None) => n >= size,
        };
        if n == 0 || !more {
            return Ok((out, announced));
        }
        number += 1;
    }
}
