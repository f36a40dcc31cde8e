//! NinjaOne (NinjaRMM) API v2 (third-party API reference §1): OAuth2 client credentials at
//! `/ws/oauth/token` (§1.2), the token reused until it expires and renewed once on a 401;
//! organisations, locations and `/v2/devices-detailed` (§1.3), keyset-paged with `pageSize` +
//! `after` until a short or empty page (§1.4). NinjaOne announces no totals (its list bodies are
//! bare arrays with no count, §1.4), so a run has nothing to check its count against.

use super::http::{HttpPolicy, array, client, json, send, status_error, strings, text};
use super::{BaseUrl, Collected, Collector, Secret, settings};
use crate::model::history::Classification;
use crate::model::history::LogLevel;
use crate::ssr::services::history::rules::classify_ninja;
use crate::ssr::services::history::snapshots::SnapshotIn;
use crate::ssr::services::jobs::{JobError, Reporter};
use crate::ssr::services::validate::normalize_mac;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

const LABEL: &str = "NinjaOne";

settings! {
    /// NinjaOne's settings (API reference §1.1–1.2).
    pub struct NinjaSettings {
        /// NinjaOne base URL, e.g. https://eu.ninjarmm.com
        url: BaseUrl,
        /// NinjaOne API client id ("API Services (machine-to-machine)", client credentials)
        client_id: String,
        /// NinjaOne API client secret
        client_secret: Secret,
        /// NinjaOne OAuth scope
        scope: String = "monitoring",
    }
}

/// The NinjaOne source (registry line `Ninja = "ninja"`).
pub struct NinjaOne;

#[async_trait::async_trait]
impl Collector for NinjaOne {
    type Settings = NinjaSettings;
    const SCHEDULE: &'static str = "02:00";
    const ROWS: &'static str = "devices";

    async fn collect(
        &self,
        settings: &NinjaSettings,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<Collected, JobError> {
        let items = NinjaClient::new(settings.clone(), policy.clone())
            .collect(rep)
            .await?;
        Ok(Collected {
            listed: items.len(),
            items,
            announced: None,
        })
    }

    async fn test(
        &self,
        settings: &NinjaSettings,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<String, JobError> {
        NinjaClient::new(settings.clone(), policy.clone())
            .test(rep)
            .await
    }
}

/// Tokens by (URL, client id, secret), shared by every run in this process until they expire.
type TokenKey = (String, String, String);
static TOKENS: LazyLock<Mutex<HashMap<TokenKey, (String, Instant)>>> =
    LazyLock::new(Default::default);

/// A NinjaOne API client for one configuration.
pub struct NinjaClient {
    cfg: NinjaSettings,
    http: reqwest::Client,
    policy: HttpPolicy,
}

impl NinjaClient {
    /// A client with `cfg`'s credentials under `policy`.
    pub fn new(cfg: NinjaSettings, policy: HttpPolicy) -> NinjaClient {
        NinjaClient {
            http: client(&policy),
            cfg,
            policy,
        }
    }

    fn key(&self) -> TokenKey {
        (
            self.cfg.url.as_str().to_string(),
            self.cfg.client_id.clone(),
            self.cfg.client_secret.expose().to_string(),
        )
    }

    /// Forget the cached token (tests; after a 401).
    pub fn forget_token(&self) {
        TOKENS.lock().expect("token cache").remove(&self.key());
    }

    async fn token(&self, rep: &Reporter) -> Result<String, JobError> {
        if let Some((t, until)) = TOKENS.lock().expect("token cache").get(&self.key())
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let url = format!("{}/ws/oauth/token", self.cfg.url.as_str());
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.cfg.client_id.as_str()),
            ("client_secret", self.cfg.client_secret.expose()),
            ("scope", self.cfg.scope.as_str()),
        ];
        let r = send(&self.policy, rep, LABEL, || {
            self.http.post(&url).form(&form)
        })
        .await?;
        let status = r.status();
        if !status.is_success() {
            let detail = r.json::<Value>().await.ok().and_then(|v| text(&v, "error"));
            return Err(status_error(LABEL, "the token request", status, detail));
        }
        let v = json(LABEL, "the token request", r).await?;
        let token = text(&v, "access_token").ok_or_else(|| {
            JobError::Failed(
                "NinjaOne's token answer has no access_token: the API may have changed.".into(),
            )
        })?;
        let lifetime = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        // Renew a minute early so a token never expires between check and use.
        let until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60).max(1));
        TOKENS
            .lock()
            .expect("token cache")
            .insert(self.key(), (token.clone(), until));
        rep.log(
            LogLevel::Info,
            "NinjaOne: signed in (OAuth client credentials)",
        );
        Ok(token)
    }

    /// GET a `/v2` path; a 401 renews the token once.
    async fn get(
        &self,
        rep: &Reporter,
        path_and_query: &str,
        what: &str,
    ) -> Result<Value, JobError> {
        let url = format!("{}{path_and_query}", self.cfg.url.as_str());
        for renewed in [false, true] {
            let token = self.token(rep).await?;
            let r = send(&self.policy, rep, LABEL, || {
                self.http.get(&url).bearer_auth(&token)
            })
            .await?;
            let status = r.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !renewed {
                rep.log(
                    LogLevel::Info,
                    "NinjaOne: token refused (401); signing in again",
                );
                self.forget_token();
                continue;
            }
            if !status.is_success() {
                let detail = r.json::<Value>().await.ok().and_then(|v| text(&v, "error"));
                return Err(status_error(LABEL, what, status, detail));
            }
            return json(LABEL, what, r).await;
        }
        unreachable!("the loop returns")
    }

    /// Every row of a keyset-paged list.
    async fn all(&self, rep: &Reporter, path: &str, what: &str) -> Result<Vec<Value>, JobError> {
        let size = self.policy.page_size;
        let mut out: Vec<Value> = vec![];
        let mut after: Option<i64> = None;
        loop {
            rep.check()?;
            let q = match after {
                Some(a) => format!("{path}?pageSize={size}&after={a}"),
                None => format!("{path}?pageSize={size}"),
            };
            let page = array(LABEL, what, self.get(rep, &q, what).await?)?;
            let n = page.len();
            let last = match page.last() {
                Some(row) => Some(row.get("id").and_then(Value::as_i64).ok_or_else(|| {
                    JobError::Failed(format!(
                        "NinjaOne's {what} have no numeric id: the API may have changed; nothing was saved."
                    ))
                })?),
                None => None,
            };
            out.extend(page);
            if n < size {
                break;
            }
            match (after, last) {
                (Some(a), Some(l)) if l <= a => {
                    return Err(JobError::Failed(format!(
                        "NinjaOne's {what} did not advance past id {a}: paging stopped; nothing was saved."
                    )));
                }
                _ => after = last,
            }
            if what == "devices" {
                rep.progress(
                    out.len() as i64,
                    None,
                    &format!("{} devices read", out.len()),
                );
            }
        }
        Ok(out)
    }

    /// Check the connection: sign in and read one organisation.
    pub async fn test(&self, rep: &Reporter) -> Result<String, JobError> {
        self.forget_token();
        let v = self
            .get(rep, "/v2/organizations?pageSize=1", "organizations")
            .await?;
        array(LABEL, "organizations", v)?;
        Ok("Signed in to NinjaOne and read the organisations.".into())
    }

    /// Read every device with its organisation and location names.
    pub async fn collect(&self, rep: &Reporter) -> Result<Vec<SnapshotIn>, JobError> {
        let orgs = self.all(rep, "/v2/organizations", "organizations").await?;
        let locations = self.all(rep, "/v2/locations", "locations").await?;
        rep.log(
            LogLevel::Info,
            &format!(
                "NinjaOne: {} organisations, {} locations",
                orgs.len(),
                locations.len()
            ),
        );
        let org_names: HashMap<i64, String> = orgs
            .iter()
            .filter_map(|o| Some((o.get("id")?.as_i64()?, text(o, "name")?)))
            .collect();
        let loc_names: HashMap<i64, String> = locations
            .iter()
            .filter_map(|l| Some((l.get("id")?.as_i64()?, text(l, "name")?)))
            .collect();
        let devices = self.all(rep, "/v2/devices-detailed", "devices").await?;
        rep.log(
            LogLevel::Info,
            &format!("NinjaOne: {} devices", devices.len()),
        );
        Ok(devices
            .into_iter()
            .map(|d| device(d, &org_names, &loc_names))
            .collect())
    }
}

/// NinjaOne timestamps are epoch seconds with a fraction (milliseconds in some clients' data).
fn epoch(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let mut secs = v?.as_f64()?;
    if secs > 1e12 {
        secs /= 1000.0;
    }
    DateTime::from_timestamp_millis((secs * 1000.0).round() as i64)
}

fn first_label(s: String) -> String {
    s.split('.').next().unwrap_or(&s).to_string()
}

/// One `devices-detailed` row (§1.7) as a snapshot; `orgs` and `locations` name the ids.
pub fn device(
    d: Value,
    orgs: &HashMap<i64, String>,
    locations: &HashMap<i64, String>,
) -> SnapshotIn {
    let node_class = text(&d, "nodeClass");
    let org_id = d.get("organizationId").and_then(Value::as_i64);
    let loc_id = d.get("locationId").and_then(Value::as_i64);
    let system = d.get("system").cloned().unwrap_or(Value::Null);
    let os = d.get("os").cloned().unwrap_or(Value::Null);
    let hostname = text(&d, "systemName")
        .or_else(|| text(&d, "dnsName").map(first_label))
        .or_else(|| text(&d, "netbiosName"));
    let display_name = text(&d, "displayName").or_else(|| hostname.clone());
    let serial = text(&system, "serialNumber")
        .or_else(|| text(&system, "biosSerialNumber"))
        .or_else(|| text(&d, "serviceTag"));
    let os_name = text(&os, "name")
        .or_else(|| text(&d, "guestOSFullName"))
        .or_else(|| text(&d, "releaseName"));
    let mut macs: Vec<String> = strings(&d, "macAddresses")
        .iter()
        .filter_map(|m| normalize_mac(m))
        .collect();
    macs.dedup();
    SnapshotIn {
        external_id: d.get("id").map(|v| v.to_string()).unwrap_or_default(),
        hostname,
        display_name,
        org_name: org_id
            .map(|i| {
                orgs.get(&i)
                    .cloned()
                    .unwrap_or_else(|| format!("Organisation #{i}"))
            })
            .unwrap_or_else(|| "(no organisation)".into()),
        location_name: loc_id
            .and_then(|i| locations.get(&i).cloned())
            .unwrap_or_default(),
        classification: node_class
            .as_deref()
            .map(classify_ninja)
            .unwrap_or(Classification::Other),
        node_class,
        os_name,
        serial,
        mac_addresses: macs,
        ip_addresses: strings(&d, "ipAddresses"),
        last_contact: epoch(d.get("lastContact")),
        raw: d,
    }
}
