//! ThreatLocker Portal API: the API key sent verbatim in `Authorization` (no Bearer), the
//! managed organisation in `ManagedOrganizationId`; child organisations, and computers from
//! `POST /portalapi/Computer/ComputerGetByAllParameters` with child organisations included,
//! paged by `pageNumber`/`pageSize` until a short page or the last page a header announces
//! (either the JSON `pagination` header or separate `totalPages`).

use super::{HttpPolicy, array, client, json, send, status_error, strings, text};
use crate::config::ThreatLockerConfig;
use crate::jobs::{JobError, Reporter};
use app::model::history::LogLevel;
use app::ssr::services::history::rules::{classify_threatlocker, threatlocker_os_type};
use app::ssr::services::history::snapshots::SnapshotIn;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

const LABEL: &str = "ThreatLocker";
const COMPUTERS: &str = "/portalapi/Computer/ComputerGetByAllParameters";
const ORGS: &str = "/portalapi/Organization/OrganizationGetChildOrganizationsByParameters";

pub struct ThreatLockerClient {
    cfg: ThreatLockerConfig,
    http: reqwest::Client,
    policy: HttpPolicy,
}

/// A paging total the response's headers announce (`totalPages`, `totalItems`), from the JSON
/// `pagination` header or the separate header of that name.
fn paging_total(h: &reqwest::header::HeaderMap, key: &str) -> Option<i64> {
    if let Some(p) = h.get("pagination").and_then(|v| v.to_str().ok())
        && let Ok(v) = serde_json::from_str::<Value>(p)
        && let Some(n) = v.get(key).and_then(Value::as_i64)
    {
        return Some(n);
    }
    h.get(key)?.to_str().ok()?.trim().parse().ok()
}

impl ThreatLockerClient {
    pub fn new(cfg: ThreatLockerConfig, policy: HttpPolicy) -> ThreatLockerClient {
        ThreatLockerClient {
            http: client(&policy),
            cfg,
            policy,
        }
    }

    fn request(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .post(format!("{}{path}", self.cfg.url))
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

    /// Every row of a paged search; `body(page, size)` builds the request.
    async fn all(
        &self,
        rep: &Reporter,
        path: &str,
        what: &str,
        body: impl Fn(i64, i64) -> Value,
    ) -> Result<Vec<Value>, JobError> {
        let size = self.policy.page_size.min(500) as i64;
        let mut out = vec![];
        let mut page = 1;
        loop {
            rep.check()?;
            let b = body(page, size);
            let r = self.post(rep, path, what, &b).await?;
            let pages = paging_total(r.headers(), "totalPages");
            let total = paging_total(r.headers(), "totalItems");
            let rows = array(LABEL, what, json(LABEL, what, r).await?)?;
            if rows.iter().any(|r| !r.is_object()) {
                return Err(JobError::Failed(format!(
                    "ThreatLocker's {what} are not objects: the API may have changed; nothing was saved."
                )));
            }
            let n = rows.len() as i64;
            out.extend(rows);
            if what == "computers" {
                rep.progress(
                    out.len() as i64,
                    total,
                    &format!("{} computers read", out.len()),
                );
            }
            if n < size || pages.is_some_and(|p| page >= p) {
                break;
            }
            page += 1;
        }
        Ok(out)
    }

    pub async fn child_organizations(&self, rep: &Reporter) -> Result<Vec<Value>, JobError> {
        self.all(rep, ORGS, "child organisations", |page, size| {
            json!({"pageNumber": page, "pageSize": size, "searchText": "", "orderBy": "name",
                   "isAscending": true, "includeAllChildren": true, "childOrganizations": true})
        })
        .await
    }

    pub async fn computers(&self, rep: &Reporter) -> Result<Vec<Value>, JobError> {
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

    pub async fn collect(&self, rep: &Reporter) -> Result<Vec<SnapshotIn>, JobError> {
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
        let rows = self.computers(rep).await?;
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
        Ok(rows
            .into_iter()
            .filter(|r| r.get("isDeleted").and_then(Value::as_bool) != Some(true))
            .map(|r| computer(r, &names))
            .collect())
    }
}

/// One computer row as a snapshot. ThreatLocker has no locations: the computer group stands in
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
