//! NinjaOne Public API v2 mock: client-credentials tokens at `POST /ws/oauth/token`, bearer auth,
//! keyset-paged bare-array lists under both `/v2` and `/api/v2`, cursor-paged `/v2/queries/*`
//! reports, scripted faults, and a deterministic data generator.

use super::{
    Class, DAY_MS, Faults, Flavor, GUEST_TO_HOST, Host, MockServer, epoch_seconds, fault_response,
    form_get, guid, host, json, json_text, lock, mix, ninja_error, org_domain, org_name,
    org_public_ip, parse_form, path_and_query, pick, record_request,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use axum::routing::any;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the mock serves. Rows are served sorted by `id` whatever the order given here.
#[derive(Clone, Debug, Default)]
pub struct NinjaData {
    /// `Organization` rows (`id`, `name`, `description`, `nodeApprovalMode`, ...).
    pub organizations: Vec<Value>,
    /// `LocationWithOrganizationRef` rows (with `organizationId`).
    pub locations: Vec<Value>,
    /// Detailed `Device` rows as served by `/v2/devices-detailed`; `/v2/devices` strips them.
    pub devices: Vec<Value>,
}

#[derive(Clone, Debug)]
pub struct NinjaOptions {
    pub client_id: String,
    pub client_secret: String,
    /// Token lifetime in seconds (default 3600).
    pub expires_in: u64,
}

impl Default for NinjaOptions {
    fn default() -> Self {
        NinjaOptions {
            client_id: "census-test".to_string(),
            client_secret: "s3cret-ninja".to_string(),
            expires_in: 3600,
        }
    }
}

/// Default `pageSize` when a list request has none.
pub const DEFAULT_PAGE_SIZE: usize = 1000;

/// Scopes the token endpoint accepts.
const SCOPES: [&str; 4] = ["monitoring", "management", "control", "offline_access"];

/// Keys of `NodeWithDetailedReferences`: what `/v2/devices` keeps of a detailed row.
const BRIEF_KEYS: [&str; 24] = [
    "id",
    "uid",
    "assignedOwnerUid",
    "parentDeviceId",
    "organizationId",
    "locationId",
    "nodeClass",
    "nodeRoleId",
    "rolePolicyId",
    "policyId",
    "approvalStatus",
    "offline",
    "displayName",
    "systemName",
    "dnsName",
    "netbiosName",
    "created",
    "lastContact",
    "lastUpdate",
    "userData",
    "tags",
    "fields",
    "maintenance",
    "references",
];

fn id_of(v: &Value) -> i64 {
    v.get("id").and_then(Value::as_i64).unwrap_or(0)
}

/// The served data, each list sorted by id.
struct Prepared {
    orgs: Vec<Value>,
    locs: Vec<Value>,
    devs: Vec<Value>,
}

impl Prepared {
    fn new(d: NinjaData) -> Prepared {
        let sorted = |mut v: Vec<Value>| {
            v.sort_by_key(id_of);
            v
        };
        Prepared {
            orgs: sorted(d.organizations),
            locs: sorted(d.locations),
            devs: sorted(d.devices),
        }
    }

    fn org(&self, id: i64) -> Option<&Value> {
        let i = self.orgs.partition_point(|v| id_of(v) < id);
        self.orgs.get(i).filter(|v| id_of(v) == id)
    }

    /// Locations of one organisation in the `Location` form (no `organizationId`).
    fn org_locations(&self, id: i64) -> Vec<Value> {
        self.locs
            .iter()
            .filter(|l| l.get("organizationId").and_then(Value::as_i64) == Some(id))
            .map(|l| {
                let mut l = l.clone();
                if let Some(o) = l.as_object_mut() {
                    o.remove("organizationId");
                }
                l
            })
            .collect()
    }

    fn detailed_org(&self, org: &Value) -> Value {
        let mut o = org.clone();
        let locations = self.org_locations(id_of(org));
        if let Some(m) = o.as_object_mut() {
            m.insert("locations".into(), Value::Array(locations));
            m.entry("policies")
                .or_insert_with(|| json!([{"nodeRoleId": 201, "policyId": 91}]));
            m.entry("settings").or_insert_with(|| json!({}));
        }
        o
    }
}

struct NinjaState {
    opts: NinjaOptions,
    faults: Arc<Faults>,
    data: Mutex<Arc<Prepared>>,
    /// Issued tokens and when each stops being valid.
    tokens: Mutex<HashMap<String, Instant>>,
    token_requests: AtomicUsize,
    seq: AtomicU64,
}

impl NinjaState {
    fn data(&self) -> Arc<Prepared> {
        lock(&self.data).clone()
    }

    fn token_valid(&self, token: &str) -> bool {
        lock(&self.tokens)
            .get(token)
            .is_some_and(|until| Instant::now() < *until)
    }

    fn issue_token(&self) -> String {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let token = format!(
            "eyJhbGciOiJtb2NrIn0.{:016x}{:016x}.{seq}",
            mix(nanos ^ seq),
            mix(nanos.rotate_left(17) ^ seq.wrapping_mul(0x9E37_79B9))
        );
        let now = Instant::now();
        let until = now + Duration::from_secs(self.opts.expires_in);
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| *t > now);
        tokens.insert(token.clone(), until);
        token
    }
}

/// A running NinjaOne mock.
pub struct NinjaMock {
    pub server: MockServer,
    pub faults: Arc<Faults>,
    state: Arc<NinjaState>,
}

impl NinjaMock {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(data: NinjaData, opts: NinjaOptions) -> anyhow::Result<NinjaMock> {
        NinjaMock::start_on("127.0.0.1:0", data, opts).await
    }

    /// Starts on a fixed address such as `127.0.0.1:8601`.
    pub async fn start_on(
        addr: &str,
        data: NinjaData,
        opts: NinjaOptions,
    ) -> anyhow::Result<NinjaMock> {
        let faults = Arc::new(Faults::default());
        let state = Arc::new(NinjaState {
            opts,
            faults: faults.clone(),
            data: Mutex::new(Arc::new(Prepared::new(data))),
            tokens: Mutex::default(),
            token_requests: AtomicUsize::new(0),
            seq: AtomicU64::new(1),
        });
        let server = MockServer::spawn(addr, router(state.clone())).await?;
        Ok(NinjaMock {
            server,
            faults,
            state,
        })
    }

    /// Base URL without a trailing slash.
    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Number of successful `POST /ws/oauth/token` requests.
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// Every token issued so far becomes invalid (its next use gets 401).
    pub fn expire_tokens(&self) {
        lock(&self.state.tokens).clear();
    }

    /// Replaces the served data.
    pub fn set_data(&self, data: NinjaData) {
        *lock(&self.state.data) = Arc::new(Prepared::new(data));
    }

    /// The options the mock was started with.
    pub fn options(&self) -> &NinjaOptions {
        &self.state.opts
    }

    /// Stops the server.
    pub fn stop(self) {
        self.server.stop();
    }
}

fn router(state: Arc<NinjaState>) -> Router {
    let faults = state.faults.clone();
    Router::new()
        .route("/ws/oauth/token", any(token))
        .route("/oauth/token", any(wrong_token_path))
        .route("/v2/{*rest}", any(v2))
        .route("/api/v2/{*rest}", any(v2))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(faults, record_request))
        .with_state(state)
}

async fn not_found() -> Response {
    ninja_error(404, "not_found")
}

/// Some regional instances answer 405 on the token path without `/ws`.
async fn wrong_token_path() -> Response {
    ninja_error(405, "method_not_allowed")
}

async fn token(
    State(st): State<Arc<NinjaState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = fault_response(&st.faults, &path_and_query(&uri), Flavor::Ninja).await {
        return r;
    }
    if method != Method::POST {
        return ninja_error(405, "method_not_allowed");
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return ninja_error(400, "invalid_request");
    }
    let form = parse_form(&String::from_utf8_lossy(&body));
    match form_get(&form, "grant_type") {
        Some("client_credentials") => {}
        Some(_) => return ninja_error(400, "unsupported_grant_type"),
        None => return ninja_error(400, "invalid_request"),
    }
    let id_ok = form_get(&form, "client_id") == Some(st.opts.client_id.as_str());
    let secret_ok = form_get(&form, "client_secret") == Some(st.opts.client_secret.as_str());
    if !id_ok || !secret_ok {
        return ninja_error(401, "invalid_client");
    }
    let scope = form_get(&form, "scope")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("monitoring")
        .to_string();
    if scope.split_whitespace().any(|s| !SCOPES.contains(&s)) {
        return ninja_error(400, "invalid_scope");
    }
    let access_token = st.issue_token();
    st.token_requests.fetch_add(1, Ordering::Relaxed);
    json(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": st.opts.expires_in,
            "scope": scope,
        }),
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A request error: status and `{"error": ...}` reason.
struct Fail(u16, &'static str);

/// Parsed query parameters of a list request.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn get(&self, key: &str) -> Option<&str> {
        form_get(&self.pairs, key)
    }

    fn page_size(&self) -> Result<usize, Fail> {
        match self.get("pageSize") {
            None | Some("") => Ok(DEFAULT_PAGE_SIZE),
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(Fail(400, "invalid_page_size")),
            },
        }
    }

    fn after(&self) -> Result<Option<i64>, Fail> {
        match self.get("after") {
            None | Some("") => Ok(None),
            Some(s) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Fail(400, "invalid_after")),
        }
    }

    fn device_filter(&self) -> DeviceFilter {
        DeviceFilter::parse(self.get("df").unwrap_or(""))
    }
}

async fn v2(
    State(st): State<Arc<NinjaState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if !bearer(&headers).is_some_and(|t| st.token_valid(t)) {
        return ninja_error(401, "unauthorized");
    }
    if let Some(r) = fault_response(&st.faults, &path_and_query(&uri), Flavor::Ninja).await {
        return r;
    }
    if method != Method::GET {
        return ninja_error(405, "method_not_allowed");
    }
    let path = uri.path();
    let rest = path
        .strip_prefix("/api/v2/")
        .or_else(|| path.strip_prefix("/v2/"))
        .unwrap_or("");
    let seg: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let q = Query {
        pairs: parse_form(uri.query().unwrap_or("")),
    };
    let data = st.data();
    let result = match seg.as_slice() {
        ["organizations"] => keyset(&data.orgs, &q, |_| true, Value::clone),
        ["organizations-detailed"] => keyset(&data.orgs, &q, |_| true, |o| data.detailed_org(o)),
        ["locations"] => keyset(&data.locs, &q, |_| true, Value::clone),
        ["devices"] => {
            let df = q.device_filter();
            keyset(&data.devs, &q, |d| df.matches(d), brief)
        }
        ["devices-detailed"] => {
            let df = q.device_filter();
            keyset(&data.devs, &q, |d| df.matches(d), Value::clone)
        }
        ["organization", id] => with_org(&data, id, |o| Ok(json(200, &data.detailed_org(o)))),
        ["organization", id, "locations"] => with_org(&data, id, |o| {
            Ok(json(200, &Value::Array(data.org_locations(id_of(o)))))
        }),
        ["organization", id, "devices"] => with_org(&data, id, |o| {
            let org = id_of(o);
            keyset(
                &data.devs,
                &q,
                |d| d.get("organizationId").and_then(Value::as_i64) == Some(org),
                brief,
            )
        }),
        ["device", id] => match id.parse::<i64>() {
            Ok(id) => {
                let i = data.devs.partition_point(|v| id_of(v) < id);
                match data.devs.get(i).filter(|v| id_of(v) == id) {
                    Some(d) => Ok(json(200, d)),
                    None => Err(Fail(404, "device_not_found")),
                }
            }
            Err(_) => Err(Fail(400, "invalid_id")),
        },
        ["queries", "computer-systems"] => report(&data, &q, "computer-systems", "system"),
        ["queries", "operating-systems"] => report(&data, &q, "operating-systems", "os"),
        _ => Err(Fail(404, "not_found")),
    };
    result.unwrap_or_else(|Fail(code, reason)| ninja_error(code, reason))
}

fn with_org(
    data: &Prepared,
    id: &str,
    f: impl FnOnce(&Value) -> Result<Response, Fail>,
) -> Result<Response, Fail> {
    let id: i64 = id.parse().map_err(|_| Fail(400, "invalid_id"))?;
    match data.org(id) {
        Some(o) => f(o),
        None => Err(Fail(404, "organization_not_found")),
    }
}

/// Keyset paging: rows with `id > after` in ascending id order, at most `pageSize`.
fn keyset(
    rows: &[Value],
    q: &Query,
    filter: impl Fn(&Value) -> bool,
    shape: impl Fn(&Value) -> Value,
) -> Result<Response, Fail> {
    let size = q.page_size()?;
    let start = match q.after()? {
        Some(a) => rows.partition_point(|v| id_of(v) <= a),
        None => 0,
    };
    let page: Vec<Value> = rows[start..]
        .iter()
        .filter(|v| filter(v))
        .take(size)
        .map(shape)
        .collect();
    Ok(json_text(200, Value::Array(page).to_string()))
}

/// The `/v2/devices` form of a detailed device row.
fn brief(d: &Value) -> Value {
    match d.as_object() {
        Some(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| BRIEF_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => d.clone(),
    }
}

/// `/v2/queries/*`: `{cursor, results}` with a server cursor; the last page's cursor has no name.
fn report(data: &Prepared, q: &Query, kind: &str, field: &str) -> Result<Response, Fail> {
    let size = q.page_size()?;
    let prefix = format!("census-mock:{kind}:");
    let offset = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .strip_prefix(&prefix)
            .and_then(|o| o.parse::<usize>().ok())
            .ok_or(Fail(400, "invalid_cursor"))?,
    };
    let df = q.device_filter();
    let rows: Vec<&Value> = data
        .devs
        .iter()
        .filter(|d| df.matches(d) && d.get(field).is_some_and(Value::is_object))
        .collect();
    let end = offset.saturating_add(size).min(rows.len());
    let page = &rows[offset.min(end)..end];
    let results: Vec<Value> = page
        .iter()
        .map(|d| {
            let mut r = Map::new();
            r.insert("deviceId".into(), json!(id_of(d)));
            let ts = d
                .get("lastUpdate")
                .or_else(|| d.get("lastContact"))
                .cloned()
                .unwrap_or(Value::Null);
            r.insert("timestamp".into(), ts);
            if let Some(m) = d.get(field).and_then(Value::as_object) {
                for (k, v) in m {
                    r.insert(k.clone(), v.clone());
                }
            }
            Value::Object(r)
        })
        .collect();
    let expires = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
        + 3600.0;
    let mut cursor = json!({"offset": offset, "count": results.len(), "expires": expires.floor()});
    if end < rows.len() {
        cursor["name"] = json!(format!("{prefix}{end}"));
    }
    Ok(json(200, &json!({"cursor": cursor, "results": results})))
}

/// A small subset of the device filter (`df`) syntax: `org = 1`, `id = 500`, `loc = 3`,
/// `status eq APPROVED`, `class in (A,B)`, `class not in (...)`, `online`, `offline`, joined by
/// `AND`. Unknown terms are ignored.
struct DeviceFilter {
    terms: Vec<Term>,
}

enum Term {
    Field {
        key: &'static str,
        values: Vec<String>,
        negate: bool,
    },
    Offline(bool),
}

impl DeviceFilter {
    fn parse(df: &str) -> DeviceFilter {
        let tokens: Vec<&str> = df.split_whitespace().collect();
        let mut terms = Vec::new();
        for group in tokens.split(|t| t.eq_ignore_ascii_case("and")) {
            match group {
                [] => {}
                [flag] if flag.eq_ignore_ascii_case("online") => terms.push(Term::Offline(false)),
                [flag] if flag.eq_ignore_ascii_case("offline") => terms.push(Term::Offline(true)),
                [field, op, rest @ ..] if !rest.is_empty() => {
                    let key = match field.to_ascii_lowercase().as_str() {
                        "org" | "organization" => "organizationId",
                        "loc" | "location" => "locationId",
                        "id" => "id",
                        "class" => "nodeClass",
                        "status" => "approvalStatus",
                        "role" => "nodeRoleId",
                        "policy" => "policyId",
                        _ => continue,
                    };
                    let op = op.to_ascii_lowercase();
                    let (negate, rest) = match op.as_str() {
                        "=" | "eq" | "in" => (false, rest),
                        "!=" | "neq" | "notin" => (true, rest),
                        "not" if rest.len() > 1 && rest[0].eq_ignore_ascii_case("in") => {
                            (true, &rest[1..])
                        }
                        _ => continue,
                    };
                    let values = rest
                        .concat()
                        .trim_matches(|c| c == '(' || c == ')')
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    terms.push(Term::Field {
                        key,
                        values,
                        negate,
                    });
                }
                _ => {}
            }
        }
        DeviceFilter { terms }
    }

    fn matches(&self, d: &Value) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Offline(want) => d.get("offline").and_then(Value::as_bool) == Some(*want),
            Term::Field {
                key,
                values,
                negate,
            } => {
                let actual = match d.get(*key) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                };
                values.iter().any(|v| v.eq_ignore_ascii_case(&actual)) != *negate
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic data.

/// Id of organisation `o` (ascending, with gaps).
pub fn org_id(o: usize) -> i64 {
    2 + 9 * o as i64
}

/// Id of device `i` (ascending, with gaps).
pub fn device_id(i: usize) -> i64 {
    100 + 7 * i as i64
}

const LOCATION_NAMES: [&str; 3] = ["HQ", "Branch Office", "Warehouse"];
const STREETS: [&str; 5] = [
    "Main St",
    "Station Rd",
    "High St",
    "Harbour View",
    "Industrial Way",
];
const CITIES: [&str; 4] = ["Springfield", "Riverton", "Lakeside", "Fairview"];

/// Deterministic realistic data: `orgs` organisations ("Fabrikam Ltd", "Contoso Dental", ...,
/// then "Client 009 Inc" ...), 1-3 locations each (every fourth organisation from the second has
/// a "Spare Stock" location), and `devices` devices with ids `100 + 7*i` in the
/// `/v2/devices-detailed` shapes (AgentDevice, VMGuest, VMHost, NMS and MDM rows). With devices
/// but no organisations, one organisation is made.
pub fn generate(orgs: usize, devices: usize) -> NinjaData {
    let orgs = if devices > 0 { orgs.max(1) } else { orgs };
    let mut data = NinjaData::default();
    // Per organisation: ordinary location ids, spare-stock location id.
    let mut org_locs: Vec<(Vec<i64>, Option<i64>)> = Vec::with_capacity(orgs);
    let mut k: i64 = 0;
    for o in 0..orgs {
        let id = org_id(o);
        let seed = o as u64;
        let description = match o % 3 {
            1 => format!("Managed since {}", 2015 + (mix(seed ^ 0x0d) % 10)),
            _ => String::new(),
        };
        data.organizations.push(json!({
            "id": id,
            "name": org_name(o),
            "description": description,
            "nodeApprovalMode": if o % 5 == 1 { "MANUAL" } else { "AUTOMATIC" },
            "userData": {},
            "tags": [],
            "fields": {},
        }));
        let spare_org = o % 4 == 1;
        let mut n = 1 + (mix(seed * 31 + 7) % 3) as usize;
        if spare_org {
            n = n.max(2);
        }
        let mut normal = Vec::new();
        let mut spare = None;
        for (l, base_name) in LOCATION_NAMES.iter().enumerate().take(n) {
            let lid = 15 + 3 * k + (k % 2);
            k += 1;
            let is_spare = spare_org && l == n - 1;
            let name = if is_spare { "Spare Stock" } else { base_name };
            let address = if mix(lid as u64).is_multiple_of(4) {
                String::new()
            } else {
                format!(
                    "{} {}, {}",
                    1 + mix(lid as u64 ^ 1) % 200,
                    pick(&STREETS, lid as u64 ^ 2),
                    pick(&CITIES, lid as u64 ^ 3)
                )
            };
            data.locations.push(json!({
                "id": lid,
                "name": name,
                "address": address,
                "description": "",
                "organizationId": id,
                "userData": {},
                "tags": [],
                "fields": {},
            }));
            if is_spare {
                spare = Some(lid);
            } else {
                normal.push(lid);
            }
        }
        org_locs.push((normal, spare));
    }
    for i in 0..devices {
        let h = host(i, orgs);
        let (normal, spare) = &org_locs[h.org];
        let loc = match (h.spare, spare) {
            (true, Some(s)) => *s,
            _ => normal[(mix(i as u64 ^ 0x10c) % normal.len() as u64) as usize],
        };
        data.devices.push(device_json(&h, loc, devices));
    }
    data
}

const GIB: u64 = 1 << 30;

fn node_role_id(c: Class) -> i64 {
    match c {
        Class::WinWorkstation => 201,
        Class::WinServer => 203,
        Class::Mac => 205,
        Class::LinuxWorkstation => 206,
        Class::LinuxServer => 207,
        Class::VmGuest => 210,
        Class::VmHost => 211,
        Class::Switch => 220,
        Class::Printer => 221,
        Class::Ios => 230,
    }
}

/// (manufacturer, buildNumber, releaseId, architecture) for an OS name.
fn os_build(name: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match name {
        "Windows 11 Pro" | "Windows 11 Enterprise" => {
            ("Microsoft Corporation", "22631", "23H2", "64-bit")
        }
        "Windows 10 Pro" => ("Microsoft Corporation", "19045", "22H2", "64-bit"),
        "Windows Server 2022 Standard" => ("Microsoft Corporation", "20348", "21H2", "64-bit"),
        "Windows Server 2019 Standard" => ("Microsoft Corporation", "17763", "1809", "64-bit"),
        "Windows Server 2016 Datacenter" => ("Microsoft Corporation", "14393", "1607", "64-bit"),
        "macOS 14.5" => ("Apple Inc.", "23F79", "", "arm64"),
        "macOS 13.6.7" => ("Apple Inc.", "22G720", "", "arm64"),
        "macOS 15.1" => ("Apple Inc.", "24B83", "", "arm64"),
        "Ubuntu 22.04.4 LTS" => ("Canonical", "5.15.0-105-generic", "", "x86_64"),
        "Ubuntu 24.04 LTS" => ("Canonical", "6.8.0-41-generic", "", "x86_64"),
        "Debian GNU/Linux 12 (bookworm)" => ("Debian", "6.1.0-21-amd64", "", "x86_64"),
        "Red Hat Enterprise Linux 9.4 (Plow)" => (
            "Red Hat, Inc.",
            "5.14.0-427.13.1.el9_4.x86_64",
            "",
            "x86_64",
        ),
        _ => ("", "", "", "64-bit"),
    }
}

/// One detailed device row (the `/v2/devices-detailed` shape for its class).
fn device_json(h: &Host, location_id: i64, total: usize) -> Value {
    let i = h.index;
    let seed = i as u64;
    let m = mix(seed ^ 0xde71_ce00);
    let mut d = Map::new();
    let mut put = |k: &str, v: Value| {
        d.insert(k.to_string(), v);
    };
    put("id", json!(device_id(i)));
    put("uid", json!(guid(seed ^ 0x0011_d000)));
    if h.class == Class::VmGuest && i + GUEST_TO_HOST < total {
        put("parentDeviceId", json!(device_id(i + GUEST_TO_HOST)));
    }
    put("organizationId", json!(org_id(h.org)));
    put("locationId", json!(location_id));
    put("nodeClass", json!(h.class.node_class()));
    put("nodeRoleId", json!(node_role_id(h.class)));
    put("rolePolicyId", json!(40 + (m % 80) as i64));
    if i.is_multiple_of(3) {
        put("policyId", json!(90 + ((m >> 8) % 20) as i64));
    }
    let pending = i % 37 == 36;
    put(
        "approvalStatus",
        json!(if pending { "PENDING" } else { "APPROVED" }),
    );
    put("offline", json!(h.offline));
    let display = if h.spare {
        Some(format!("{} - Spare", h.name))
    } else if let (Some(role), 0) = (h.role, i % 2) {
        Some(format!("{} - {role}", h.name))
    } else if (m >> 16) % 4 == 1 {
        None
    } else {
        Some(h.name.clone())
    };
    if let Some(name) = display {
        put("displayName", json!(name));
    }
    put("systemName", json!(h.name));
    if h.class != Class::Ios {
        put(
            "dnsName",
            json!(format!("{}.{}", h.name.to_lowercase(), h.domain())),
        );
    }
    if h.class.is_windows() {
        let nb: String = h.name.to_uppercase().chars().take(15).collect();
        put("netbiosName", json!(nb));
    }
    put("created", json!(epoch_seconds(h.created_ms)));
    put("lastContact", json!(epoch_seconds(h.last_contact_ms)));
    let update_ms = h.last_contact_ms - ((m >> 24) % 40_000) as i64;
    put("lastUpdate", json!(epoch_seconds(update_ms)));
    put("tags", json!([]));
    put("fields", json!({}));

    // Device (detailed) fields.
    if h.class != Class::Ios {
        let mut ips = vec![json!(h.local_ip)];
        if h.class == Class::WinWorkstation && m.is_multiple_of(2) {
            ips.push(json!(format!(
                "fe80::{:x}:{:x}:{:x}:{:x}",
                (m >> 8) & 0xffff,
                (m >> 24) & 0xffff,
                (m >> 40) & 0xffff,
                (m >> 48) & 0xfff
            )));
        }
        put("ipAddresses", Value::Array(ips));
    }
    put("macAddresses", json!(h.macs));
    if h.class.is_agent() || h.class == Class::Ios {
        put("publicIP", json!(org_public_ip(h.org)));
    }
    let boot_ms = h.last_contact_ms - DAY_MS * (1 + (m >> 32) as i64 % 20);
    let hw = h.hardware;
    match h.class {
        c if c.is_agent() => {
            let os_name = h.os_name();
            let (os_maker, build, release, arch) = os_build(os_name);
            put(
                "os",
                json!({
                    "manufacturer": os_maker, "name": os_name, "architecture": arch,
                    "lastBootTime": epoch_seconds(boot_ms), "buildNumber": build,
                    "releaseId": release, "servicePackMajorVersion": 0,
                    "servicePackMinorVersion": 0, "locale": "en-US", "language": "English",
                    "needsReboot": m.is_multiple_of(5),
                }),
            );
            let memory = match c {
                Class::WinWorkstation => pick(&[8, 16, 32], seed ^ 20),
                Class::WinServer => pick(&[32, 64, 128], seed ^ 21),
                Class::Mac | Class::LinuxWorkstation => pick(&[16, 32], seed ^ 22),
                _ => pick(&[4, 8, 16, 32], seed ^ 23),
            } * GIB;
            let (cpu, cores, threads, clock) = match (c, hw.manufacturer) {
                (Class::Mac, _) => ("Apple M1 Pro", 10, 10, 3_228_000_000u64),
                (_, "VMware, Inc.") => (
                    "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
                    4,
                    4,
                    2_000_000_000,
                ),
                (Class::WinServer | Class::LinuxServer, _) => (
                    "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz",
                    16,
                    32,
                    2_400_000_000,
                ),
                (_, "Framework") => (
                    "AMD Ryzen 7 7840U w/ Radeon 780M Graphics",
                    8,
                    16,
                    3_300_000_000,
                ),
                _ => ("Intel(R) Core(TM) i7-11700 @ 2.50GHz", 8, 16, 2_500_000_000),
            };
            let server = c.is_server();
            let domain_role = match c {
                Class::WinWorkstation => "MEMBER_WORKSTATION",
                Class::WinServer if h.name.starts_with("DC") => "BACKUP_DOMAIN_CONTROLLER",
                Class::WinServer => "MEMBER_SERVER",
                Class::LinuxServer => "STANDALONE_SERVER",
                _ => "STANDALONE_WORKSTATION",
            };
            let mut system = Map::new();
            system.insert("name".into(), json!(h.name));
            system.insert("manufacturer".into(), json!(hw.manufacturer));
            system.insert("model".into(), json!(hw.model));
            system.insert("biosSerialNumber".into(), json!(h.serial));
            if !h.bios_serial_only {
                system.insert("serialNumber".into(), json!(h.serial));
            }
            let domain = if c.is_windows() {
                h.domain()
            } else {
                "WORKGROUP".to_string()
            };
            system.insert("domain".into(), json!(domain));
            system.insert("domainRole".into(), json!(domain_role));
            system.insert(
                "numberOfProcessors".into(),
                json!(if server && !hw.virtual_machine { 2 } else { 1 }),
            );
            system.insert("totalPhysicalMemory".into(), json!(memory));
            system.insert("virtualMachine".into(), json!(hw.virtual_machine));
            system.insert("chassisType".into(), json!(hw.chassis));
            put("system", Value::Object(system));
            put("memory", json!({ "capacity": memory }));
            put(
                "processors",
                json!([{
                    "architecture": if c == Class::Mac { "ARM64" } else { "x64" },
                    "maxClockSpeed": clock, "clockSpeed": clock, "name": cpu,
                    "numCores": cores, "numLogicalCores": threads,
                }]),
            );
            let capacity = pick(&[256u64, 512, 1024], seed ^ 24) * 1_000_000_000;
            let free = capacity / 100 * (10 + (m >> 40) % 80);
            let vol_serial = format!("{:08X}", (m >> 12) & 0xffff_ffff);
            let volumes = if c.is_windows() {
                let mut v = vec![json!({
                    "name": "C:", "driveLetter": "C:", "label": "OS", "deviceType": "Local Disk",
                    "fileSystem": "NTFS", "autoMount": true, "compressed": false,
                    "capacity": capacity, "freeSpace": free, "serialNumber": vol_serial,
                })];
                if server {
                    v.push(json!({
                        "name": "D:", "driveLetter": "D:", "label": "Data",
                        "deviceType": "Local Disk", "fileSystem": "NTFS", "autoMount": true,
                        "compressed": false, "capacity": capacity * 4, "freeSpace": free * 3,
                        "serialNumber": format!("{:08X}", (m >> 20) & 0xffff_ffff),
                    }));
                }
                v
            } else if c == Class::Mac {
                vec![json!({
                    "name": "Macintosh HD", "label": "Macintosh HD", "deviceType": "Local Disk",
                    "fileSystem": "apfs", "capacity": capacity, "freeSpace": free,
                })]
            } else {
                vec![json!({
                    "name": "/", "label": "", "deviceType": "Local Disk", "fileSystem": "ext4",
                    "capacity": capacity, "freeSpace": free,
                })]
            };
            put("volumes", Value::Array(volumes));
            put("lastLoggedInUser", json!(h.login()));
        }
        Class::VmGuest => {
            let os_name = h.os_name();
            let linux = os_name.contains("Linux");
            put("fullName", json!(h.name));
            put("lastBootTime", json!(epoch_seconds(boot_ms)));
            put("memorySize", json!(pick(&[4u64, 8, 16], seed ^ 25) * GIB));
            put("cpuCores", json!(pick(&[2, 4, 8], seed ^ 26)));
            put(
                "powerState",
                json!(if h.offline { "poweredOff" } else { "poweredOn" }),
            );
            put(
                "toolStatus",
                json!(if m.is_multiple_of(6) {
                    "toolsOld"
                } else {
                    "toolsOk"
                }),
            );
            put("toolsVersion", json!("12352"));
            put("guestOSFullName", json!(os_name));
            put(
                "guestOSFamily",
                json!(if linux { "linuxGuest" } else { "windowsGuest" }),
            );
            put(
                "guestOSId",
                json!(if linux {
                    "ubuntu64Guest"
                } else {
                    "windows2019srvNext_64Guest"
                }),
            );
            put("snapshotCount", json!(m % 3));
        }
        Class::VmHost => {
            let os_name = h.os_name();
            let (version, build) = if os_name.ends_with("8.0.2") {
                ("8.0.2", "22380479")
            } else {
                ("7.0.3", "21930508")
            };
            put(
                "cpuModel",
                json!("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"),
            );
            put("cpuCores", json!(pick(&[32, 64], seed ^ 27)));
            put("memorySize", json!(pick(&[256u64, 512], seed ^ 28) * GIB));
            put("model", json!(hw.model));
            put("name", json!(format!("{}.{}", h.name, org_domain(h.org))));
            put("serviceTag", json!(h.serial));
            put("vendor", json!(hw.manufacturer));
            put("releaseName", json!(os_name));
            put("version", json!(version));
            put("buildNumber", json!(build));
        }
        _ => {}
    }
    Value::Object(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::Fault;
    use reqwest::StatusCode;

    fn client() -> reqwest::Client {
        reqwest::Client::builder().no_proxy().build().unwrap()
    }

    /// Percent-encodes the few characters a form value here can hold.
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn form(pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    async fn post_token(c: &reqwest::Client, url: &str, body: String) -> reqwest::Response {
        c.post(format!("{url}/ws/oauth/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn get_token(c: &reqwest::Client, m: &NinjaMock) -> String {
        let o = NinjaOptions::default();
        let r = post_token(
            c,
            m.url(),
            form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &o.client_id),
                ("client_secret", &o.client_secret),
                ("scope", "monitoring"),
            ]),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    async fn get(c: &reqwest::Client, url: String, token: &str) -> reqwest::Response {
        c.get(url).bearer_auth(token).send().await.unwrap()
    }

    #[tokio::test]
    async fn token_flow() {
        let m = NinjaMock::start(generate(3, 10), NinjaOptions::default())
            .await
            .unwrap();
        let c = client();
        let o = NinjaOptions::default();
        let good = [
            ("grant_type", "client_credentials"),
            ("client_id", o.client_id.as_str()),
            ("client_secret", o.client_secret.as_str()),
            ("scope", "monitoring management"),
        ];

        // JSON instead of a form.
        let r = c
            .post(format!("{}/ws/oauth/token", m.url()))
            .json(&json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);

        let mut bad_grant = good;
        bad_grant[0].1 = "password";
        let r = post_token(&c, m.url(), form(&bad_grant)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v, json!({"error": "unsupported_grant_type"}));

        let mut bad_secret = good;
        bad_secret[2].1 = "nope";
        let r = post_token(&c, m.url(), form(&bad_secret)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v, json!({"error": "invalid_client"}));

        let r = c
            .post(format!("{}/oauth/token", m.url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&good))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(m.token_requests(), 0);

        let r = post_token(&c, m.url(), form(&good)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], 3600);
        assert_eq!(v["scope"], "monitoring management");
        let t1 = v["access_token"].as_str().unwrap().to_string();
        let t2 = get_token(&c, &m).await;
        assert_ne!(t1, t2);
        assert_eq!(m.token_requests(), 2);

        // Both prefixes accept the token.
        for prefix in ["/v2", "/api/v2"] {
            let r = get(&c, format!("{}{prefix}/organizations", m.url()), &t1).await;
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            assert_eq!(v.as_array().unwrap().len(), 3);
            assert_eq!(v[0]["name"], "Fabrikam Ltd");
        }
        // A fault on the token route answers before the credentials are checked.
        m.faults.push(
            "/ws/oauth/token",
            Fault::Status {
                code: 503,
                retry_after: Some(2),
            },
        );
        let r = post_token(&c, m.url(), form(&good)).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(m.token_requests(), 2);
        assert_eq!(m.faults.count("/ws/oauth/token"), 6);
        m.stop();
    }

    #[tokio::test]
    async fn unauthorized_without_valid_token() {
        let m = NinjaMock::start(generate(2, 5), NinjaOptions::default())
            .await
            .unwrap();
        let c = client();
        for path in ["/v2/devices", "/api/v2/devices-detailed", "/v2/locations"] {
            let r = c.get(format!("{}{path}", m.url())).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let v: Value = r.json().await.unwrap();
            assert_eq!(v, json!({"error": "unauthorized"}));
        }
        let r = get(&c, format!("{}/v2/devices", m.url()), "not-a-token").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        // A fault is not consumed by an unauthenticated request.
        m.faults.push("/v2/devices", Fault::Malformed);
        let r = c
            .get(format!("{}/v2/devices", m.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(m.faults.pending(), 1);
        let t = get_token(&c, &m).await;
        let r = get(&c, format!("{}/v2/devices", m.url()), &t).await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err());
        let r = get(&c, format!("{}/v2/devices", m.url()), &t).await;
        assert!(r.json::<Value>().await.unwrap().is_array());
    }

    #[tokio::test]
    async fn keyset_paging_and_shapes() {
        let data = generate(5, 53);
        let mut all: Vec<i64> = data.devices.iter().map(id_of).collect();
        all.sort();
        let m = NinjaMock::start(data, NinjaOptions::default())
            .await
            .unwrap();
        let c = client();
        let t = get_token(&c, &m).await;
        for (path, brief_form) in [("/v2/devices", true), ("/api/v2/devices-detailed", false)] {
            let mut seen = Vec::new();
            let mut after: Option<i64> = None;
            let mut pages = 0;
            loop {
                let mut url = format!("{}{path}?pageSize=10", m.url());
                if let Some(a) = after {
                    url.push_str(&format!("&after={a}"));
                }
                let page: Vec<Value> = get(&c, url, &t).await.json().await.unwrap();
                pages += 1;
                for d in &page {
                    if brief_form {
                        for k in [
                            "os",
                            "system",
                            "ipAddresses",
                            "macAddresses",
                            "publicIP",
                            "volumes",
                        ] {
                            assert!(d.get(k).is_none(), "{k} in brief row");
                        }
                    }
                }
                seen.extend(page.iter().map(id_of));
                if page.len() < 10 {
                    break;
                }
                after = page.last().map(id_of);
            }
            assert_eq!(pages, 6);
            assert_eq!(seen, all);
        }
        // Detailed rows carry the class-specific shapes.
        let page: Vec<Value> = get(&c, format!("{}/v2/devices-detailed", m.url()), &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page.len(), 53);
        let agent = page
            .iter()
            .find(|d| d["nodeClass"] == "WINDOWS_WORKSTATION")
            .unwrap();
        assert!(agent["os"]["name"].as_str().unwrap().starts_with("Windows"));
        assert!(agent["system"]["biosSerialNumber"].is_string());
        assert!(agent["lastContact"].is_f64());
        let guest = page
            .iter()
            .find(|d| d["nodeClass"] == "VMWARE_VM_GUEST")
            .unwrap();
        assert!(guest["guestOSFullName"].is_string());
        assert!(guest["parentDeviceId"].is_i64());
        let host = page
            .iter()
            .find(|d| d["nodeClass"] == "VMWARE_VM_HOST")
            .unwrap();
        assert!(host["cpuModel"].is_string());
        // pageSize larger than the rest, after beyond the end.
        let r: Vec<Value> = get(&c, format!("{}/v2/devices?after=100000", m.url()), &t)
            .await
            .json()
            .await
            .unwrap();
        assert!(r.is_empty());
        let r = get(&c, format!("{}/v2/devices?pageSize=abc", m.url()), &t).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        // Filters and per-organisation routes.
        let r: Vec<Value> = get(
            &c,
            format!(
                "{}/v2/devices?df=class%20in%20(MAC,%20LINUX_SERVER)",
                m.url()
            ),
            &t,
        )
        .await
        .json()
        .await
        .unwrap();
        assert!(!r.is_empty());
        assert!(
            r.iter()
                .all(|d| d["nodeClass"] == "MAC" || d["nodeClass"] == "LINUX_SERVER")
        );
        let locs: Vec<Value> = get(&c, format!("{}/v2/organization/11/locations", m.url()), &t)
            .await
            .json()
            .await
            .unwrap();
        assert!(!locs.is_empty());
        assert!(locs.iter().all(|l| l.get("organizationId").is_none()));
        assert!(locs.iter().any(|l| l["name"] == "Spare Stock"));
        let r = get(&c, format!("{}/v2/organization/12/locations", m.url()), &t).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let all_locs: Vec<Value> = get(&c, format!("{}/v2/locations?pageSize=2", m.url()), &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(all_locs.len(), 2);
        assert!(all_locs[0]["organizationId"].is_i64());
        // Cursor report.
        let mut cursor: Option<String> = None;
        let mut n = 0;
        loop {
            let mut url = format!("{}/v2/queries/computer-systems?pageSize=7", m.url());
            if let Some(cur) = &cursor {
                url.push_str(&format!("&cursor={}", enc(cur)));
            }
            let v: Value = get(&c, url, &t).await.json().await.unwrap();
            n += v["results"].as_array().unwrap().len();
            match v["cursor"]["name"].as_str() {
                Some(name) => cursor = Some(name.to_string()),
                None => break,
            }
        }
        let agents = page.iter().filter(|d| d.get("system").is_some()).count();
        assert_eq!(n, agents);
        // Data can be replaced.
        m.set_data(generate(1, 2));
        let r: Vec<Value> = get(&c, format!("{}/v2/devices", m.url()), &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(r.len(), 2);
    }

    #[tokio::test]
    async fn expired_tokens_are_rejected() {
        let m = NinjaMock::start(
            generate(1, 3),
            NinjaOptions {
                expires_in: 1,
                ..NinjaOptions::default()
            },
        )
        .await
        .unwrap();
        let c = client();
        let t = get_token(&c, &m).await;
        let url = format!("{}/v2/organizations", m.url());
        assert_eq!(get(&c, url.clone(), &t).await.status(), StatusCode::OK);
        m.expire_tokens();
        assert_eq!(
            get(&c, url.clone(), &t).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let t2 = get_token(&c, &m).await;
        assert_eq!(get(&c, url.clone(), &t2).await.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            get(&c, url.clone(), &t2).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(m.token_requests(), 2);
    }

    #[tokio::test]
    async fn faults_in_order() {
        let m = NinjaMock::start(generate(2, 4), NinjaOptions::default())
            .await
            .unwrap();
        let c = client();
        let t = get_token(&c, &m).await;
        m.faults.push(
            "/v2/devices-detailed",
            Fault::Status {
                code: 429,
                retry_after: Some(3),
            },
        );
        m.faults.push("/v2/devices-detailed", Fault::WrongShape);
        m.faults.push("/v2/devices-detailed", Fault::Delay(50));
        let url = format!("{}/v2/devices-detailed?pageSize=100", m.url());
        let r = get(&c, url.clone(), &t).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "3");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].is_string());
        let v: Value = get(&c, url.clone(), &t).await.json().await.unwrap();
        assert_eq!(v, json!({"items": []}));
        let started = Instant::now();
        let v: Value = get(&c, url.clone(), &t).await.json().await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(v.as_array().unwrap().len(), 4);
        assert_eq!(m.faults.count("devices-detailed?pageSize=100"), 3);
        assert!(
            m.faults
                .requests()
                .iter()
                .any(|p| p == "/v2/devices-detailed?pageSize=100")
        );
    }

    #[test]
    fn generator_is_deterministic_and_varied() {
        let a = generate(12, 400);
        let b = generate(12, 400);
        assert_eq!(
            serde_json::to_string(&a.devices).unwrap(),
            serde_json::to_string(&b.devices).unwrap()
        );
        assert_eq!(a.organizations.len(), 12);
        assert_eq!(a.organizations[1]["name"], "Contoso Dental");
        assert_eq!(a.organizations[11]["name"], "Client 012 Inc");
        let ids: Vec<i64> = a.devices.iter().map(id_of).collect();
        assert!(ids.windows(2).all(|w| w[1] - w[0] > 1));
        for o in &a.organizations {
            let n = a
                .locations
                .iter()
                .filter(|l| l["organizationId"] == o["id"])
                .count();
            assert!((1..=3).contains(&n));
        }
        assert!(a.locations.iter().any(|l| l["name"] == "Spare Stock"));
        assert!(a.devices.iter().any(|d| d.get("displayName").is_none()));
        assert!(a.devices.iter().any(|d| {
            d["displayName"]
                .as_str()
                .is_some_and(|n| n.contains("Spare"))
        }));
        assert!(
            a.devices
                .iter()
                .any(|d| { d["system"].is_object() && d["system"].get("serialNumber").is_none() })
        );
        let mut classes: Vec<&str> = a
            .devices
            .iter()
            .map(|d| d["nodeClass"].as_str().unwrap())
            .collect();
        let ww = classes
            .iter()
            .filter(|c| **c == "WINDOWS_WORKSTATION")
            .count();
        assert!(ww * 3 > a.devices.len());
        classes.sort();
        classes.dedup();
        assert!(classes.len() >= 8);
        for d in &a.devices {
            for mac in d["macAddresses"].as_array().unwrap() {
                let mac = mac.as_str().unwrap();
                assert_eq!(mac.len(), 17);
                assert_eq!(mac, mac.to_uppercase());
            }
            let org = d["organizationId"].as_i64().unwrap();
            let loc = d["locationId"].as_i64().unwrap();
            assert!(
                a.locations
                    .iter()
                    .any(|l| l["id"] == loc && l["organizationId"] == org)
            );
        }
    }
}
