//! Collectors: clients of the systems Census reads devices from. They share one HTTP policy —
//! timeouts, retries with exponential backoff on 429 (honouring `Retry-After`), 5xx and
//! connection errors — and one error type whose messages never carry a secret.

pub mod ninja;
pub mod threatlocker;

use super::{JobError, Reporter};
use app::model::history::LogLevel;
use reqwest::{RequestBuilder, Response, StatusCode};
use std::time::Duration;

/// Timeouts, retries and paging for one collection.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    pub timeout: Duration,
    pub attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the run.
    pub max_retry_after: Duration,
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

/// Read a JSON body, with a clear message for malformed JSON.
pub async fn json(label: &str, what: &str, r: Response) -> Result<serde_json::Value, JobError> {
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

/// The array a list endpoint must answer with.
pub fn array(
    label: &str,
    what: &str,
    v: serde_json::Value,
) -> Result<Vec<serde_json::Value>, JobError> {
    match v {
        serde_json::Value::Array(a) => Ok(a),
        other => Err(JobError::Failed(format!(
            "{label} answered {what} with {} where a list was expected: the API may have changed; nothing was saved.",
            match other {
                serde_json::Value::Object(_) => "an object",
                serde_json::Value::Null => "null",
                _ => "a single value",
            }
        ))),
    }
}

/// A clear failure for a status that is not success.
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
pub fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Strings of a field that may be a string or a list of strings.
pub fn strings(v: &serde_json::Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => vec![],
    }
}
