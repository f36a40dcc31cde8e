//! ThreatLocker Portal API mock: verbatim `Authorization` API key, `ManagedOrganizationId`
//! scoping (with the "no header → `200 []`" quirk as an option), POST search endpoints with
//! page-number paging and totals in response headers (JSON `pagination` and/or separate
//! headers), ThreatLocker-shaped error bodies, scripted faults and a deterministic generator.

use super::{
    Class, DAY_MS, Faults, Flavor, Host, MockServer, fault_response, form_get, guid, host,
    iso_micros, iso_seconds, json, json_text, lock, mix, org_name, org_public_ip, org_slug,
    parse_form, path_and_query, pick, record_request, tl_error,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};
use axum::response::Response;
use axum::routing::any;
use serde_json::{Map, Value, json};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// What the mock serves.
#[derive(Clone, Debug, Default)]
pub struct ThreatLockerData {
    /// Child organisations of the home organisation: `organizationId`, `name`, `displayName`,
    /// `dateAdded`, `computerCount`.
    pub organizations: Vec<Value>,
    /// `ComputerGetByAllParameters` rows (`totalRows` is rewritten per response).
    pub computers: Vec<Value>,
}

/// How paging totals are reported in response headers.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum PagingHeaders {
    /// One `pagination` header holding a JSON object.
    #[default]
    Json,
    /// `totalItems`, `totalPages`, `firstItem`, `lastItem` headers.
    Separate,
    /// Both forms.
    Both,
    /// No paging headers.
    None,
}

/// The home organisation of the default API key.
pub const DEFAULT_HOME_ORG_ID: &str = "6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

#[derive(Clone, Debug)]
pub struct ThreatLockerOptions {
    /// Expected verbatim in `Authorization` (default `tl-key-123`).
    pub api_key: String,
    /// The key's own organisation.
    pub home_org_id: String,
    pub paging: PagingHeaders,
    /// Without a `ManagedOrganizationId` header, answer `200 []` (a reported quirk).
    pub require_managed_org_header: bool,
    /// The short-page fault: serve at most this many rows per page whatever `pageSize` asks,
    /// announcing the totals of those pages (5 rows capped at 2 → `totalPages: 3`,
    /// `totalItems: 5`).
    pub max_page_size: Option<usize>,
}

impl Default for ThreatLockerOptions {
    fn default() -> Self {
        ThreatLockerOptions {
            api_key: "tl-key-123".to_string(),
            home_org_id: DEFAULT_HOME_ORG_ID.to_string(),
            paging: PagingHeaders::Json,
            require_managed_org_header: false,
            max_page_size: None,
        }
    }
}

const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

struct Row {
    /// Lower-case `organizationId`.
    org: String,
    value: Value,
}

/// Served data: computers sorted by lower-case `computerName` (then `computerId`).
struct Prepared {
    orgs: Vec<Value>,
    rows: Vec<Row>,
    child_ids: HashSet<String>,
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

impl Prepared {
    fn new(d: ThreatLockerData) -> Prepared {
        let mut rows: Vec<Row> = d
            .computers
            .into_iter()
            .map(|value| Row {
                org: str_field(&value, "organizationId").to_ascii_lowercase(),
                value,
            })
            .collect();
        rows.sort_by_cached_key(|r| {
            (
                str_field(&r.value, "computerName").to_lowercase(),
                str_field(&r.value, "computerId").to_string(),
            )
        });
        let child_ids = d
            .organizations
            .iter()
            .map(|o| str_field(o, "organizationId").to_ascii_lowercase())
            .collect();
        Prepared {
            orgs: d.organizations,
            rows,
            child_ids,
        }
    }
}

struct TlState {
    opts: ThreatLockerOptions,
    paging: Mutex<PagingHeaders>,
    max_page_size: Mutex<Option<usize>>,
    faults: Arc<Faults>,
    data: Mutex<Arc<Prepared>>,
}

/// A running ThreatLocker mock.
pub struct ThreatLockerMock {
    pub server: MockServer,
    pub faults: Arc<Faults>,
    state: Arc<TlState>,
}

impl ThreatLockerMock {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(
        data: ThreatLockerData,
        opts: ThreatLockerOptions,
    ) -> anyhow::Result<ThreatLockerMock> {
        ThreatLockerMock::start_on("127.0.0.1:0", data, opts).await
    }

    /// Starts on a fixed address such as `127.0.0.1:8602`.
    pub async fn start_on(
        addr: &str,
        data: ThreatLockerData,
        opts: ThreatLockerOptions,
    ) -> anyhow::Result<ThreatLockerMock> {
        let faults = Arc::new(Faults::default());
        let state = Arc::new(TlState {
            paging: Mutex::new(opts.paging),
            max_page_size: Mutex::new(opts.max_page_size),
            opts,
            faults: faults.clone(),
            data: Mutex::new(Arc::new(Prepared::new(data))),
        });
        let server = MockServer::spawn(addr, router(state.clone())).await?;
        Ok(ThreatLockerMock {
            server,
            faults,
            state,
        })
    }

    /// Base URL without a trailing slash.
    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Replaces the served data.
    pub fn set_data(&self, data: ThreatLockerData) {
        *lock(&self.state.data) = Arc::new(Prepared::new(data));
    }

    /// Changes how paging totals are reported from the next response on.
    pub fn set_paging(&self, p: PagingHeaders) {
        *lock(&self.state.paging) = p;
    }

    /// Caps every page at `max` rows from the next request on (None: pages as asked); see
    /// [`ThreatLockerOptions::max_page_size`].
    pub fn set_max_page_size(&self, max: Option<usize>) {
        *lock(&self.state.max_page_size) = max;
    }

    /// The options the mock was started with (`paging` as at start).
    pub fn options(&self) -> &ThreatLockerOptions {
        &self.state.opts
    }

    /// Stops the server.
    pub fn stop(self) {
        self.server.stop();
    }
}

fn router(state: Arc<TlState>) -> Router {
    let faults = state.faults.clone();
    Router::new()
        .route("/portalapi/{*rest}", any(portal))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(faults, record_request))
        .with_state(state)
}

async fn not_found() -> Response {
    tl_error(404, Some("Not found"))
}

#[derive(Clone, Copy, PartialEq)]
enum Endpoint {
    Computers,
    ChildOrgs,
    OrgsForMove,
    ComputerById,
}

async fn portal(
    State(st): State<Arc<TlState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == st.opts.api_key);
    if !key_ok {
        return tl_error(401, Some("Authorization has been denied for this request"));
    }
    if let Some(r) = fault_response(&st.faults, &path_and_query(&uri), Flavor::ThreatLocker).await {
        return r;
    }
    let rest = uri
        .path()
        .strip_prefix("/portalapi/")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let (endpoint, want) = match rest.as_str() {
        "computer/computergetbyallparameters" => (Endpoint::Computers, Method::POST),
        "organization/organizationgetchildorganizationsbyparameters" => {
            (Endpoint::ChildOrgs, Method::POST)
        }
        "organization/organizationgetformovecomputers" => (Endpoint::OrgsForMove, Method::GET),
        "computer/computergetforeditbyid" => (Endpoint::ComputerById, Method::GET),
        _ => return tl_error(404, Some("Not found")),
    };
    if method != want {
        return tl_error(
            405,
            Some("The requested resource does not support this method"),
        );
    }
    let data = lock(&st.data).clone();
    let home = st.opts.home_org_id.to_ascii_lowercase();
    let managed = headers
        .get("ManagedOrganizationId")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let acting = match managed {
        Some(m) if m == home || data.child_ids.contains(&m) => m,
        Some(_) => {
            return tl_error(
                403,
                Some("You do not have access to the requested organization"),
            );
        }
        None if st.opts.require_managed_org_header => return json_text(200, "[]".to_string()),
        None => home.clone(),
    };
    let paging = *lock(&st.paging);
    let cap = *lock(&st.max_page_size);
    let query = parse_form(uri.query().unwrap_or(""));
    match endpoint {
        Endpoint::Computers => computers(&data, &acting, &home, &body, paging, cap),
        Endpoint::ChildOrgs => child_orgs(&data, &acting, &home, &body, paging, cap),
        Endpoint::OrgsForMove => {
            let search = form_get(&query, "searchText").unwrap_or("").to_lowercase();
            let list: Vec<Value> = data
                .orgs
                .iter()
                .filter(|o| str_field(o, "displayName").to_lowercase().contains(&search))
                .map(|o| json!({"label": o["displayName"], "value": o["organizationId"]}))
                .collect();
            json(200, &Value::Array(list))
        }
        Endpoint::ComputerById => {
            let Some(id) = form_get(&query, "computerId").filter(|s| !s.is_empty()) else {
                return tl_error(400, Some("computerId is required"));
            };
            match data
                .rows
                .iter()
                .find(|r| str_field(&r.value, "computerId").eq_ignore_ascii_case(id))
            {
                Some(r) => json(200, &r.value),
                None => tl_error(404, Some("Computer not found")),
            }
        }
    }
}

/// A parsed search body with its page.
struct PageRequest {
    obj: Map<String, Value>,
    page: usize,
    size: usize,
}

impl PageRequest {
    /// Parses a search body, its page size capped at `cap`; the error is the message of a 400
    /// answer.
    fn parse(body: &[u8], cap: Option<usize>) -> Result<PageRequest, &'static str> {
        let v: Value =
            serde_json::from_slice(body).map_err(|_| "The request body is not valid JSON")?;
        let Value::Object(obj) = v else {
            return Err("The request body must be a JSON object");
        };
        let num = |k: &str| obj.get(k).and_then(Value::as_i64);
        let page = num("pageNumber")
            .filter(|n| *n >= 1)
            .ok_or("pageNumber is required")?;
        let size = num("pageSize")
            .filter(|n| *n >= 1)
            .ok_or("pageSize is required")?;
        Ok(PageRequest {
            page: usize::try_from(page).unwrap_or(usize::MAX),
            size: usize::try_from(size)
                .unwrap_or(usize::MAX)
                .min(cap.unwrap_or(usize::MAX)),
            obj,
        })
    }

    fn str(&self, key: &str) -> &str {
        self.obj.get(key).and_then(Value::as_str).unwrap_or("")
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.obj.get(key).and_then(Value::as_bool)
    }
}

/// One page of `rows` as a bare array with the paging headers; `total_rows` stamps each row.
fn paged(rows: &[&Value], req: &PageRequest, paging: PagingHeaders, total_rows: bool) -> Response {
    let total = rows.len();
    let start = (req.page - 1).saturating_mul(req.size).min(total);
    let end = start.saturating_add(req.size).min(total);
    let page: Vec<Value> = rows[start..end]
        .iter()
        .map(|v| {
            let mut v = (*v).clone();
            if total_rows && let Some(o) = v.as_object_mut() {
                o.insert("totalRows".into(), json!(total));
            }
            v
        })
        .collect();
    let mut r = json_text(200, Value::Array(page).to_string());
    let total_pages = total.div_ceil(req.size);
    let (first, last) = if start < end {
        (start + 1, end)
    } else {
        (0, 0)
    };
    let h = r.headers_mut();
    if matches!(paging, PagingHeaders::Json | PagingHeaders::Both) {
        let p = json!({
            "currentPage": req.page, "itemsPerPage": req.size, "totalItems": total,
            "totalPages": total_pages, "firstItem": first, "lastItem": last,
        });
        if let Ok(v) = HeaderValue::from_str(&p.to_string()) {
            h.insert(HeaderName::from_static("pagination"), v);
        }
    }
    if matches!(paging, PagingHeaders::Separate | PagingHeaders::Both) {
        for (name, n) in [
            ("totalitems", total),
            ("totalpages", total_pages),
            ("firstitem", first),
            ("lastitem", last),
        ] {
            h.insert(HeaderName::from_static(name), HeaderValue::from(n));
        }
    }
    r
}

/// Orders two rows by one field: numbers numerically, strings case-insensitively, missing first.
fn cmp_field(a: &Value, b: &Value, field: &str) -> Ordering {
    match (a.get(field), b.get(field)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Some(Value::String(x)), Some(Value::String(y))) => x.to_lowercase().cmp(&y.to_lowercase()),
        (x, y) => {
            let present = |v: Option<&Value>| v.is_some_and(|v| !v.is_null());
            present(x).cmp(&present(y))
        }
    }
}

fn computers(
    data: &Prepared,
    acting: &str,
    home: &str,
    body: &[u8],
    paging: PagingHeaders,
    cap: Option<usize>,
) -> Response {
    let req = match PageRequest::parse(body, cap) {
        Ok(r) => r,
        Err(e) => return tl_error(400, Some(e)),
    };
    let children = req.bool("childOrganizations").unwrap_or(false);
    let show_deleted = req.bool("showDeleted").unwrap_or(false);
    let search = req.str("searchText").to_lowercase();
    let search_field = match req.obj.get("searchBy").and_then(Value::as_i64) {
        Some(2) => "username",
        Some(3) => "group",
        Some(4) => "lastCheckinIPAddress",
        Some(5) => "organization",
        _ => "computerName",
    };
    let group = req.str("computerGroup");
    let group = (!group.is_empty() && group != ZERO_GUID).then_some(group);
    let action = req.str("action");
    let action =
        (!action.is_empty() && req.str("kindOfAction") != "Update Channel").then_some(action);
    let computer_id = Some(req.str("computerId")).filter(|s| !s.is_empty() && *s != ZERO_GUID);
    let in_scope = |org: &str| {
        if acting == home {
            org == home || (children && data.child_ids.contains(org))
        } else {
            org == acting
        }
    };
    let mut rows: Vec<&Value> = data
        .rows
        .iter()
        .filter(|r| in_scope(&r.org))
        .map(|r| &r.value)
        .filter(|v| {
            (show_deleted || !v.get("isDeleted").and_then(Value::as_bool).unwrap_or(false))
                && (search.is_empty()
                    || str_field(v, search_field).to_lowercase().contains(&search)
                    || (search_field == "computerName"
                        && str_field(v, "hostname").to_lowercase().contains(&search)))
                && group.is_none_or(|g| str_field(v, "computerGroupId").eq_ignore_ascii_case(g))
                && action.is_none_or(|a| str_field(v, "action").eq_ignore_ascii_case(a))
                && computer_id.is_none_or(|id| str_field(v, "computerId").eq_ignore_ascii_case(id))
        })
        .collect();
    let field = match req.str("orderBy").to_ascii_lowercase().as_str() {
        "group" => "group",
        "action" => "action",
        "lastcheckin" => "lastCheckin",
        "computerinstalldate" => "installDate",
        "deniedcountthreedays" => "denyCountThreeDays",
        "updatechannel" => "updateChannel",
        "threatlockerversion" => "threatLockerVersion",
        _ => "computerName",
    };
    if field != "computerName" {
        rows.sort_by(|a, b| cmp_field(a, b, field));
    }
    if req.bool("isAscending") == Some(false) {
        rows.reverse();
    }
    paged(&rows, &req, paging, true)
}

fn child_orgs(
    data: &Prepared,
    acting: &str,
    home: &str,
    body: &[u8],
    paging: PagingHeaders,
    cap: Option<usize>,
) -> Response {
    let req = match PageRequest::parse(body, cap) {
        Ok(r) => r,
        Err(e) => return tl_error(400, Some(e)),
    };
    // Reported quirk: `childOrganizations: false` returns nothing. The list is flat, so a child
    // organisation has no children of its own.
    if req.bool("childOrganizations") == Some(false) || acting != home {
        return paged(&[], &req, paging, false);
    }
    let search = req.str("searchText").to_lowercase();
    let mut rows: Vec<&Value> = data
        .orgs
        .iter()
        .filter(|o| {
            search.is_empty()
                || str_field(o, "name").to_lowercase().contains(&search)
                || str_field(o, "displayName").to_lowercase().contains(&search)
        })
        .collect();
    let field = match req.str("orderBy").to_ascii_lowercase().as_str() {
        "dateadded" => "dateAdded",
        _ => "name",
    };
    rows.sort_by(|a, b| cmp_field(a, b, field));
    if req.bool("isAscending") == Some(false) {
        rows.reverse();
    }
    paged(&rows, &req, paging, false)
}

// ---------------------------------------------------------------------------------------------
// Deterministic data.

/// GUID of generated organisation `o`.
pub fn org_guid(o: usize) -> String {
    guid(0x7100_0000 + o as u64)
}

/// FNV-1a, for ids derived from strings.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

const VERSIONS: [&str; 3] = ["10.12.18.4926", "10.11.7.4650", "9.8.3.3601"];

/// Deterministic realistic data: `orgs` child organisations ("Fabrikam Ltd", "Contoso Dental",
/// then generated) and `computers` computers. Computer `k` is the `k`-th Windows/Mac/Linux agent
/// of `ninja::generate(orgs, _)`'s fleet (same name, serial, local IP, organisation name). With
/// computers but no organisations, one organisation is made.
pub fn generate(orgs: usize, computers: usize) -> ThreatLockerData {
    let orgs = if computers > 0 { orgs.max(1) } else { orgs };
    let ids: Vec<String> = (0..orgs).map(org_guid).collect();
    let mut counts = vec![0usize; orgs];
    let mut rows = Vec::with_capacity(computers);
    let mut i = 0;
    while rows.len() < computers {
        let h = host(i, orgs);
        i += 1;
        if h.class.is_agent() {
            counts[h.org] += 1;
            rows.push(computer_json(&h, &ids[h.org]));
        }
    }
    let total = rows.len();
    for r in &mut rows {
        r["totalRows"] = json!(total);
    }
    let organizations = (0..orgs)
        .map(|o| {
            let added = super::BASE_MS - DAY_MS * (400 + (mix(o as u64 ^ 0x0a9) % 1500) as i64);
            json!({
                "organizationId": ids[o],
                "name": org_slug(o),
                "displayName": org_name(o),
                "dateAdded": iso_seconds(added),
                "computerCount": counts[o],
            })
        })
        .collect();
    ThreatLockerData {
        organizations,
        computers: rows,
    }
}

fn computer_json(h: &Host, org_id: &str) -> Value {
    let seed = h.index as u64;
    let m = mix(seed ^ 0x7100_c000);
    let group = if h.spare {
        "Spare Computers"
    } else if h.class.is_server() {
        "Servers"
    } else {
        "Workstations"
    };
    let os_type = match h.class {
        Class::Mac => 2,
        Class::LinuxServer | Class::LinuxWorkstation => 3,
        _ => 1,
    };
    let (action, mode) = match m % 10 {
        7 => ("Learning", "Application Control Learning Mode"),
        8 => ("Installation", "Installation Mode"),
        9 => ("MonitorOnly", "Monitor Only"),
        _ => ("Secure", "Secure"),
    };
    let version = pick(&VERSIONS, seed ^ 0x7e);
    let added_ms = h.created_ms + DAY_MS * ((m >> 8) % 5) as i64 + ((m >> 16) % 3_600_000) as i64;
    let one = (m >> 24) % 3;
    let three = one + (m >> 28) % 5;
    let seven = three + (m >> 32) % 9;
    let isolated = h.index % 97 == 13;
    json!({
        "computerId": guid(seed ^ 0x0c0f_fee0_0000),
        "computerName": h.name,
        "hostname": h.name,
        "group": group,
        "computerGroupId": guid(fnv(org_id) ^ fnv(group)),
        "organization": org_name(h.org),
        "organizationId": org_id,
        "operatingSystem": h.os_name(),
        "osType": os_type,
        "action": action,
        "mode": mode,
        "lastCheckin": iso_micros(h.last_contact_ms, (m % 1000) as u32),
        "lastCheckinIPAddress": org_public_ip(h.org),
        "lastCheckinLocalIPAddresses": [h.local_ip],
        "threatLockerVersion": version,
        "serviceVersion": version,
        "threatLockerVersionId": guid(fnv(version)),
        "serialNumber": h.serial,
        "username": h.login(),
        "dateAdded": iso_seconds(added_ms),
        "installDate": iso_micros(added_ms, ((m >> 40) % 1000) as u32),
        "dateCreated": if h.index.is_multiple_of(5) { Value::Null } else { json!(iso_seconds(added_ms)) },
        "denyCountOneDay": one,
        "denyCountThreeDays": three,
        "denyCountSevenDays": seven,
        "isIsolated": isolated,
        "isLockedOut": false,
        "isLockDownMode": false,
        "isIsolationMode": isolated,
        "isTamperProtectionDisabled": h.index % 53 == 7,
        "isDeleted": false,
        "maintenanceTypeId": if action == "Learning" { 3 } else { 0 },
        "maintenanceEndDate": Value::Null,
        "driverStatusString": "Active",
        "totalRows": 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::Fault;
    use reqwest::StatusCode;

    const COMPUTERS: &str = "/portalapi/Computer/ComputerGetByAllParameters";
    const ORGS: &str = "/portalapi/Organization/OrganizationGetChildOrganizationsByParameters";

    fn client() -> reqwest::Client {
        reqwest::Client::builder().no_proxy().build().unwrap()
    }

    fn search(page: i64, size: i64, children: bool) -> Value {
        json!({
            "pageNumber": page, "pageSize": size, "searchText": "", "searchBy": 1,
            "orderBy": "computername", "isAscending": true, "childOrganizations": children,
            "computerGroup": "", "action": "", "kindOfAction": "", "showLastCheckIn": true,
        })
    }

    async fn post(
        c: &reqwest::Client,
        m: &ThreatLockerMock,
        path: &str,
        auth: Option<&str>,
        managed: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut r = c.post(format!("{}{path}", m.url())).json(body);
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        if let Some(o) = managed {
            r = r.header("ManagedOrganizationId", o);
        }
        r.send().await.unwrap()
    }

    fn header(r: &reqwest::Response, name: &str) -> Option<String> {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    fn assert_error(v: &Value, code: u16) {
        assert_eq!(v["StatusCode"], code);
        let id = v["LoggerId"].as_str().unwrap();
        assert!(v["Message"].as_str().unwrap().ends_with(&format!("({id})")));
    }

    #[tokio::test]
    async fn api_key_is_verbatim() {
        let m = ThreatLockerMock::start(generate(3, 8), ThreatLockerOptions::default())
            .await
            .unwrap();
        let c = client();
        let home = Some(DEFAULT_HOME_ORG_ID);
        let body = search(1, 50, true);
        for auth in [Some("Bearer tl-key-123"), None, Some("tl-key-12")] {
            let r = post(&c, &m, COMPUTERS, auth, home, &body).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            assert_error(&r.json().await.unwrap(), 401);
        }
        let r = post(&c, &m, COMPUTERS, Some("tl-key-123"), home, &body).await;
        assert_eq!(r.status(), StatusCode::OK);
        let rows: Vec<Value> = r.json().await.unwrap();
        assert_eq!(rows.len(), 8);
        // Unknown organisation → 403; a child organisation → only its computers.
        let r = post(&c, &m, COMPUTERS, Some("tl-key-123"), Some(&guid(1)), &body).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_error(&r.json().await.unwrap(), 403);
        let child = rows[0]["organizationId"].as_str().unwrap().to_string();
        let r = post(&c, &m, COMPUTERS, Some("tl-key-123"), Some(&child), &body).await;
        let mine: Vec<Value> = r.json().await.unwrap();
        assert!(!mine.is_empty());
        assert!(mine.iter().all(|v| v["organizationId"] == child.as_str()));
        assert!(mine.iter().all(|v| v["totalRows"] == mine.len()));
        // The home organisation has no computers of its own.
        let r = post(
            &c,
            &m,
            COMPUTERS,
            Some("tl-key-123"),
            None,
            &search(1, 50, false),
        )
        .await;
        assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 0);
        assert_eq!(m.faults.count("ComputerGetByAllParameters"), 7);
    }

    #[tokio::test]
    async fn paging_headers_and_end() {
        let m = ThreatLockerMock::start(generate(4, 23), ThreatLockerOptions::default())
            .await
            .unwrap();
        let c = client();
        let key = Some("tl-key-123");
        let home = Some(DEFAULT_HOME_ORG_ID);
        let mut names = Vec::new();
        for page in 1..=3 {
            let r = post(&c, &m, COMPUTERS, key, home, &search(page, 10, true)).await;
            assert_eq!(r.status(), StatusCode::OK);
            let p: Value = serde_json::from_str(&header(&r, "pagination").unwrap()).unwrap();
            assert!(header(&r, "totalItems").is_none());
            assert_eq!(p["currentPage"], page);
            assert_eq!(p["itemsPerPage"], 10);
            assert_eq!(p["totalItems"], 23);
            assert_eq!(p["totalPages"], 3);
            assert_eq!(p["firstItem"], (page - 1) * 10 + 1);
            assert_eq!(p["lastItem"], (page * 10).min(23));
            let rows: Vec<Value> = r.json().await.unwrap();
            assert_eq!(rows.len(), if page < 3 { 10 } else { 3 });
            assert!(rows.iter().all(|v| v["totalRows"] == 23));
            names.extend(
                rows.iter()
                    .map(|v| v["computerName"].as_str().unwrap().to_lowercase()),
            );
        }
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        // Beyond the end.
        let r = post(&c, &m, COMPUTERS, key, home, &search(4, 10, true)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), "[]");

        m.set_paging(PagingHeaders::Separate);
        let r = post(&c, &m, COMPUTERS, key, home, &search(2, 10, true)).await;
        assert!(header(&r, "pagination").is_none());
        assert_eq!(header(&r, "totalItems").as_deref(), Some("23"));
        assert_eq!(header(&r, "totalPages").as_deref(), Some("3"));
        assert_eq!(header(&r, "firstItem").as_deref(), Some("11"));
        assert_eq!(header(&r, "lastItem").as_deref(), Some("20"));

        m.set_paging(PagingHeaders::Both);
        let r = post(&c, &m, COMPUTERS, key, home, &search(3, 10, true)).await;
        assert!(header(&r, "pagination").is_some());
        assert_eq!(header(&r, "lastItem").as_deref(), Some("23"));

        m.set_paging(PagingHeaders::None);
        let r = post(&c, &m, COMPUTERS, key, home, &search(1, 10, true)).await;
        assert!(header(&r, "pagination").is_none());
        assert!(header(&r, "totalItems").is_none());
        assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 10);

        // Bad bodies.
        let r = c
            .post(format!("{}{COMPUTERS}", m.url()))
            .header("Authorization", "tl-key-123")
            .header("Content-Type", "application/json")
            .body("pageNumber=1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_error(&r.json().await.unwrap(), 400);
        let r = post(&c, &m, COMPUTERS, key, home, &json!({"pageNumber": 1})).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);

        // Organisations.
        let body = json!({"pageNumber": 1, "pageSize": 3, "searchText": "", "orderBy": "name",
            "isAscending": true, "includeAllChildren": true, "childOrganizations": true});
        let r = post(&c, &m, ORGS, key, home, &body).await;
        let orgs: Vec<Value> = r.json().await.unwrap();
        assert_eq!(orgs.len(), 3);
        assert!(orgs.iter().all(|o| o["organizationId"].is_string()));
        let mut body2 = body.clone();
        body2["pageNumber"] = json!(2);
        let rest: Vec<Value> = post(&c, &m, ORGS, key, home, &body2)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(rest.len(), 1);
        body2["childOrganizations"] = json!(false);
        let none: Vec<Value> = post(&c, &m, ORGS, key, home, &body2)
            .await
            .json()
            .await
            .unwrap();
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn managed_org_header_quirk() {
        let opts = ThreatLockerOptions {
            require_managed_org_header: true,
            ..ThreatLockerOptions::default()
        };
        let m = ThreatLockerMock::start(generate(2, 5), opts).await.unwrap();
        let c = client();
        let body = search(1, 100, true);
        let r = post(&c, &m, COMPUTERS, Some("tl-key-123"), None, &body).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), "[]");
        let r = post(
            &c,
            &m,
            COMPUTERS,
            Some("tl-key-123"),
            Some(DEFAULT_HOME_ORG_ID),
            &body,
        )
        .await;
        assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 5);
    }

    #[tokio::test]
    async fn faults() {
        let m = ThreatLockerMock::start(generate(2, 5), ThreatLockerOptions::default())
            .await
            .unwrap();
        let c = client();
        let key = Some("tl-key-123");
        let home = Some(DEFAULT_HOME_ORG_ID);
        let body = search(1, 100, true);
        m.faults.push(
            "ComputerGetByAllParameters",
            Fault::Status {
                code: 503,
                retry_after: Some(7),
            },
        );
        m.faults
            .push("ComputerGetByAllParameters", Fault::Malformed);
        m.faults
            .push("ComputerGetByAllParameters", Fault::WrongShape);
        // Unauthenticated requests do not consume faults.
        let r = post(&c, &m, COMPUTERS, Some("Bearer tl-key-123"), home, &body).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = post(&c, &m, COMPUTERS, key, home, &body).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(header(&r, "Retry-After").as_deref(), Some("7"));
        let v: Value = r.json().await.unwrap();
        assert_error(&v, 503);
        assert!(
            v["Message"]
                .as_str()
                .unwrap()
                .starts_with("A problem occurred with the request (")
        );
        let r = post(&c, &m, COMPUTERS, key, home, &body).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
        let v: Value = post(&c, &m, COMPUTERS, key, home, &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v, json!({"items": []}));
        let v: Vec<Value> = post(&c, &m, COMPUTERS, key, home, &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v.len(), 5);
        assert_eq!(m.faults.pending(), 0);
        assert_eq!(m.faults.requests().len(), 5);
    }

    #[test]
    fn generator_matches_ninja_fleet() {
        let a = generate(6, 120);
        let b = generate(6, 120);
        assert_eq!(
            serde_json::to_string(&a.computers).unwrap(),
            serde_json::to_string(&b.computers).unwrap()
        );
        assert_eq!(a.organizations[0]["displayName"], "Fabrikam Ltd");
        assert_eq!(a.organizations[1]["displayName"], "Contoso Dental");
        let total: u64 = a
            .organizations
            .iter()
            .map(|o| o["computerCount"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 120);
        for group in ["Workstations", "Servers", "Spare Computers"] {
            assert!(a.computers.iter().any(|c| c["group"] == group), "{group}");
        }
        for os in [1, 2, 3] {
            assert!(a.computers.iter().any(|c| c["osType"] == os));
        }
        let ninja = crate::mock::ninja::generate(6, 200);
        let names: HashSet<&str> = ninja
            .devices
            .iter()
            .map(|d| d["systemName"].as_str().unwrap())
            .collect();
        for c in &a.computers {
            assert!(names.contains(c["computerName"].as_str().unwrap()));
            let at = c["lastCheckin"].as_str().unwrap();
            assert!(at.ends_with('Z') && at.len() == 27, "{at}");
            assert!(c["maintenanceEndDate"].is_null());
        }
    }
}
