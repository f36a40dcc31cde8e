//! ThreatLocker Portal API (third-party API reference §2): the API key sent verbatim in
//! `Authorization` (no Bearer), the managed organisation in `ManagedOrganizationId` (§2.2);
//! child organisations, and computers from `POST /portalapi/Computer/ComputerGetByAllParameters`
//! with child organisations included (§2.3), paged by `pageNumber`/`pageSize` (§2.4). The totals
//! a response's headers announce (the JSON `pagination` header or separate `totalPages` /
//! `totalItems`) are followed past short pages, and the announced computer count is checked
//! against what was read ([`super::collect`]).

use super::http::{
    HttpPolicy, Page, array, client, json, numbered_pages, send, status_error, strings, text,
};
use super::{BaseUrl, Collected, Collector, Secret, settings};
use crate::model::history::LogLevel;
use crate::ssr::services::history::rules::{classify_threatlocker, threatlocker_os_type};
use crate::ssr::services::history::snapshots::SnapshotIn;
use crate::ssr::services::jobs::{JobError, Reporter};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

const LABEL: &str = "ThreatLocker";
const COMPUTERS: &str = "/portalapi/Computer/ComputerGetByAllParameters";
const ORGS: &str = "/portalapi/Organization/OrganizationGetChildOrganizationsByParameters";
/// The largest page clients ask for (§2.3: "clients clamp to 500").
const MAX_PAGE: usize = 500;

settings! {
    /// ThreatLocker's settings (API reference §2.1–2.2).
    pub struct ThreatLockerSettings {
        /// ThreatLocker portal API base URL, e.g. https://portalapi.g.threatlocker.com
        url: BaseUrl,
        /// ThreatLocker API key (sent verbatim in Authorization)
        api_key: Secret,
        /// ThreatLocker managed organisation id (optional)
        org_id: Option<String>,
    }
}

/// The ThreatLocker source (registry line `Threatlocker = "threatlocker"`).
pub struct ThreatLocker;

#[async_trait::async_trait]
impl Collector for ThreatLocker {
    type Settings = ThreatLockerSettings;
    const SCHEDULE: &'static str = "03:00";
    const ROWS: &'static str = "computers";

    async fn collect(
        &self,
        settings: &ThreatLockerSettings,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<Collected, JobError> {
        ThreatLockerClient::new(settings.clone(), policy.clone())
            .collect(rep)
            .await
    }

    async fn test(
        &self,
        settings: &ThreatLockerSettings,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<String, JobError> {
        ThreatLockerClient::new(settings.clone(), policy.clone())
            .test(rep)
            .await
    }
}

/// A ThreatLocker Portal API client for one configuration.
pub struct ThreatLockerClient {
    cfg: ThreatLockerSettings,
    http: reqwest::Client,
    policy: HttpPolicy,
}

/// A paging total the response's headers announce (`totalPages`, `totalItems`), from the JSON
/// `pagination` header or the separate header of that name.
fn paging_total(h: &reqwest::header::HeaderMap, key: &str) -> Option<usize> {
    if let Some(p) = h.get("pagination").and_then(|v| v.to_str().ok())
        && let Ok(v) = serde_json::from_str::<Value>(p)
        && let Some(n) = v.get(key).and_then(Value::as_u64)
    {
        return usize::try_from(n).ok();
    }
    h.get(key)?.to_str().ok()?.trim().parse().ok()
}

impl ThreatLockerClient {
    /// A client with `cfg`'s key and organisation under `policy`.
    pub fn new(cfg: ThreatLockerSettings, policy: HttpPolicy) -> ThreatLockerClient {
        ThreatLockerClient {
            http: client(&policy),
            cfg,
            policy,
        }
    }

    fn request(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .post(format!("{}{path}", self.cfg.url.as_str()))
            .header("Authorization", self.cfg.api_key.expose())
            .json(body);
        if let Some(org) = &self.cfg.org_id {
            r = r
                .header("ManagedOrganizationId", org)
                .header("OverrideManagedOrganizationId", org);
        }
        r
    }

    /// POST a search; a status other than success fails with ThreatLocker's own message.
    async fn post(
        &self,
        rep: &Reporter,
        path: &str,
        what: &str,
        body: &Value,
    ) -> Result<reqwest::Response, JobError> {
        let r = send(&self.policy, rep, LABEL, || self.request(path, body)).await?;
        let status = r.status();
        if status.is_success() {
            return Ok(r);
        }
        let detail = r
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| text(&v, "Message"));
        Err(status_error(LABEL, what, status, detail))
    }

    /// Every row of a paged search and the row count announced; `body(page, size)` builds the
    /// request; `what` names the rows in messages (progress is reported for computers).
    async fn all(
        &self,
        rep: &Reporter,
        path: &str,
        what: &str,
        body: impl Fn(usize, usize) -> Value,
    ) -> Result<(Vec<Value>, Option<usize>), JobError> {
        let size = self.policy.page_size.min(MAX_PAGE);
        let progress = (what == "computers").then_some(what);
        numbered_pages(rep, size, progress, |page| {
            let b = body(page, size);
            async move {
                let r = self.post(rep, path, what, &b).await?;
                let total_pages = paging_total(r.headers(), "totalPages");
                let total_items = paging_total(r.headers(), "totalItems");
                let rows = array(LABEL, what, json(LABEL, what, r).await?)?;
                if rows.iter().any(|r| !r.is_object()) {
                    return Err(JobError::Failed(format!(
                        "ThreatLocker's {what} are not objects: the API may have changed; nothing was saved."
                    )));
                }
                Ok(Page {
                    rows,
                    total_pages,
                    total_items,
                })
            }
        })
        .await
    }

    /// Every child organisation of the key's (or the managed) organisation.
    pub async fn child_organizations(&self, rep: &Reporter) -> Result<Vec<Value>, JobError> {
        let (orgs, _) = self
            .all(rep, ORGS, "child organisations", |page, size| {
                json!({"pageNumber": page, "pageSize": size, "searchText": "", "orderBy": "name",
                   "isAscending": true, "includeAllChildren": true, "childOrganizations": true})
            })
            .await?;
        Ok(orgs)
    }

    /// Every computer row, child organisations included, and the count ThreatLocker announced.
    pub async fn computers(&self, rep: &Reporter) -> Result<(Vec<Value>, Option<usize>), JobError> {
        self.all(rep, COMPUTERS, "computers", |page, size| {
            json!({"pageNumber": page, "pageSize": size, "searchText": "", "searchBy": 1,
                   "orderBy": "computername", "isAscending": true, "childOrganizations": true,
                   "computerGroup": "", "action": "", "kindOfAction": "", "showLastCheckIn": true,
                   "showDeleted": false, "isExport": false})
        })
        .await
    }

    /// Check the connection: read one page of computers.
    pub async fn test(&self, rep: &Reporter) -> Result<String, JobError> {
        let b = json!({"pageNumber": 1, "pageSize": 1, "searchText": "", "searchBy": 1,
                       "orderBy": "computername", "isAscending": true, "childOrganizations": true});
        let r = self.post(rep, COMPUTERS, "computers", &b).await?;
        array(LABEL, "computers", json(LABEL, "computers", r).await?)?;
        Ok("Connected to ThreatLocker and read the computers.".into())
    }

    /// Read every computer (deleted ones left out) with its organisation's name.
    pub async fn collect(&self, rep: &Reporter) -> Result<Collected, JobError> {
        let orgs = self.child_organizations(rep).await?;
        let names: HashMap<String, String> = orgs
            .iter()
            .filter_map(|o| {
                Some((
                    text(o, "organizationId")?.to_lowercase(),
                    text(o, "displayName").or_else(|| text(o, "name"))?,
                ))
            })
            .collect();
        rep.log(
            LogLevel::Info,
            &format!("ThreatLocker: {} child organisations", orgs.len()),
        );
        let (rows, announced) = self.computers(rep).await?;
        let listed = rows.len();
        let deleted = rows
            .iter()
            .filter(|r| r.get("isDeleted").and_then(Value::as_bool) == Some(true))
            .count();
        rep.log(
            LogLevel::Info,
            &format!(
                "ThreatLocker: {} computers ({} deleted ones left out)",
                rows.len() - deleted,
                deleted
            ),
        );
        let items = rows
            .into_iter()
            .filter(|r| r.get("isDeleted").and_then(Value::as_bool) != Some(true))
            .map(|r| computer(r, &names))
            .collect();
        Ok(Collected {
            items,
            listed,
            announced,
        })
    }
}

/// One computer row (§2.3) as a snapshot; `org_names` names organisation ids (lower case). ThreatLocker has no locations: the computer group stands in
/// for one (so a "Spare" group marks spares, as a NinjaOne location does).
pub fn computer(c: Value, org_names: &HashMap<String, String>) -> SnapshotIn {
    let os_type = c.get("osType").and_then(Value::as_i64);
    let os_name = text(&c, "operatingSystem");
    let org = text(&c, "organization")
        .or_else(|| {
            text(&c, "organizationId").and_then(|id| org_names.get(&id.to_lowercase()).cloned())
        })
        .unwrap_or_else(|| "(no organisation)".into());
    let last_contact = text(&c, "lastCheckin")
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc));
    SnapshotIn {
        external_id: text(&c, "computerId").unwrap_or_default().to_lowercase(),
        hostname: text(&c, "hostname").or_else(|| text(&c, "computerName")),
        display_name: text(&c, "computerName"),
        org_name: org,
        location_name: text(&c, "group").unwrap_or_default(),
        node_class: threatlocker_os_type(os_type),
        classification: classify_threatlocker(os_name.as_deref().unwrap_or(""), os_type),
        os_name,
        serial: text(&c, "serialNumber"),
        mac_addresses: vec![],
        ip_addresses: strings(&c, "lastCheckinLocalIPAddresses"),
        last_contact,
        raw: c,
    }
}
