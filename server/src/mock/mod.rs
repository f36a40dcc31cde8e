//! In-process mock servers for the NinjaOne and ThreatLocker APIs (wire formats, paging and
//! quirks as described in the third-party API reference), with scripted faults and request
//! counters, plus the deterministic "fleet" both data generators share.
//!
//! The two generators describe the same imaginary fleet: ThreatLocker computer `k` is the `k`-th
//! Windows/Mac/Linux agent of the NinjaOne device sequence (same name, serial number, local IP and
//! organisation name) when both are generated with the same organisation count, so cross-source
//! matching can be tested.

pub mod ninja;
pub mod threatlocker;

use anyhow::Context;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running mock server; dropping it does not stop it, call `stop()` or let the runtime end.
pub struct MockServer {
    /// Base URL, for example `http://127.0.0.1:41234` (no trailing slash).
    pub url: String,
    addr: SocketAddr,
    handle: JoinHandle<()>,
    shutdown: oneshot::Sender<()>,
}

impl MockServer {
    /// Binds `addr` and serves `app` on a background task.
    pub(crate) async fn spawn(addr: &str, app: Router) -> anyhow::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("mock server: cannot bind {addr}"))?;
        let addr = listener.local_addr()?;
        let mut shown = addr;
        if shown.ip().is_unspecified() {
            shown.set_ip(if addr.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            // A dropped sender must not stop the server: only an explicit `stop()` does.
            let signal = async move {
                if rx.await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::warn!(error = %e, "mock server stopped with an error");
            }
        });
        Ok(MockServer {
            url: format!("http://{shown}"),
            addr,
            handle,
            shutdown: tx,
        })
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections; requests in flight are finished.
    pub fn stop(self) {
        let _ = self.shutdown.send(());
    }

    /// Like `stop()`, then waits (at most five seconds) for the server task to end.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.handle).await;
    }
}

/// A scripted failure for the next matching request(s).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status; `retry_after` seconds sent as a `Retry-After` header when Some.
    /// Body: for ninja `{"error":"..."}`, for ThreatLocker
    /// `{"LoggerId":"...","StatusCode":N,"Message":"A problem occurred with the request (<id>)"}`.
    Status { code: u16, retry_after: Option<u64> },
    /// 200 with a body that is not valid JSON (`[{"id": 1,`).
    Malformed,
    /// 200 with valid JSON of an unexpected shape (`{"items": []}` where an array is expected).
    WrongShape,
    /// Sleep this many milliseconds, then answer normally.
    Delay(u64),
    /// 200 with an empty list (`[]`) and no paging headers, as if the rows had run out.
    Empty,
}

/// Shared fault queue + request counters used by both mocks.
#[derive(Debug, Default)]
pub struct Faults {
    queue: Mutex<Vec<(String, Fault)>>,
    log: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Faults {
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Queues one fault for the next request whose path (with query string) contains
    /// `path_contains`. One fault answers exactly one request.
    pub fn push(&self, path_contains: &str, fault: Fault) {
        lock(&self.queue).push((path_contains.to_string(), fault));
    }

    /// Queues the same fault `times` times.
    pub fn push_n(&self, path_contains: &str, fault: Fault, times: usize) {
        let mut q = lock(&self.queue);
        for _ in 0..times {
            q.push((path_contains.to_string(), fault.clone()));
        }
    }

    /// Removes and returns the first queued fault matching `path`.
    pub fn take(&self, path: &str) -> Option<Fault> {
        let mut q = lock(&self.queue);
        let i = q.iter().position(|(p, _)| path.contains(p.as_str()))?;
        Some(q.remove(i).1)
    }

    /// Faults still queued.
    pub fn pending(&self) -> usize {
        lock(&self.queue).len()
    }

    /// Drops every queued fault.
    pub fn clear(&self) {
        lock(&self.queue).clear();
    }

    /// Appends a request path (with query string) to the log.
    pub fn record(&self, path_and_query: &str) {
        lock(&self.log).push(path_and_query.to_string());
    }

    /// Every request path (with query string) received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.log).clone()
    }

    /// Number of requests whose path (with query string) contains `path_contains`.
    pub fn count(&self, path_contains: &str) -> usize {
        lock(&self.log)
            .iter()
            .filter(|p| p.contains(path_contains))
            .count()
    }

    /// Forgets the request log.
    pub fn reset_requests(&self) {
        lock(&self.log).clear();
    }
}

/// Starts both mocks with default options (used by the hidden CLI command).
pub async fn serve_both(
    ninja_addr: &str,
    tl_addr: &str,
    ninja: ninja::NinjaData,
    tl: threatlocker::ThreatLockerData,
) -> anyhow::Result<(ninja::NinjaMock, threatlocker::ThreatLockerMock)> {
    let n = ninja::NinjaMock::start_on(ninja_addr, ninja, ninja::NinjaOptions::default()).await?;
    let t = threatlocker::ThreatLockerMock::start_on(
        tl_addr,
        tl,
        threatlocker::ThreatLockerOptions::default(),
    )
    .await?;
    Ok((n, t))
}

// ---------------------------------------------------------------------------------------------
// Shared HTTP plumbing.

/// Middleware: logs every request's path and query string.
pub(crate) async fn record_request(
    State(faults): State<Arc<Faults>>,
    req: Request,
    next: Next,
) -> Response {
    faults.record(&path_and_query(req.uri()));
    next.run(req).await
}

pub(crate) fn path_and_query(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string())
}

/// Whose error-body shape a response uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Flavor {
    Ninja,
    ThreatLocker,
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON response from an already-serialised body.
pub(crate) fn json_text(code: u16, body: String) -> Response {
    (
        status(code),
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

pub(crate) fn json(code: u16, v: &serde_json::Value) -> Response {
    json_text(code, v.to_string())
}

/// NinjaOne-style error: `{"error":"<reason>"}`.
pub(crate) fn ninja_error(code: u16, reason: &str) -> Response {
    json(code, &serde_json::json!({ "error": reason }))
}

static LOGGER_SEQ: AtomicU64 = AtomicU64::new(1);

/// ThreatLocker-style error object. `detail` replaces the generic message text.
pub(crate) fn tl_error(code: u16, detail: Option<&str>) -> Response {
    let id = guid(0x4c06_0000_0000 + LOGGER_SEQ.fetch_add(1, Ordering::Relaxed));
    let text = detail.unwrap_or("A problem occurred with the request");
    json(
        code,
        &serde_json::json!({
            "LoggerId": id,
            "StatusCode": code,
            "Message": format!("{text} ({id})"),
        }),
    )
}

fn reason_for(code: u16) -> String {
    status(code)
        .canonical_reason()
        .unwrap_or("error")
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Consumes the first fault queued for `path` and turns it into a response. `Delay` sleeps and
/// returns `None` (answer normally), as does the absence of a matching fault.
pub(crate) async fn fault_response(
    faults: &Faults,
    path: &str,
    flavor: Flavor,
) -> Option<Response> {
    match faults.take(path)? {
        Fault::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            None
        }
        Fault::Status { code, retry_after } => {
            let mut r = match flavor {
                Flavor::Ninja => ninja_error(code, &reason_for(code)),
                Flavor::ThreatLocker => tl_error(code, None),
            };
            if let Some(s) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(s));
            }
            Some(r)
        }
        Fault::Malformed => Some(json_text(200, "[{\"id\": 1,".to_string())),
        Fault::WrongShape => Some(json_text(200, "{\"items\": []}".to_string())),
        Fault::Empty => Some(json_text(200, "[]".to_string())),
    }
}

/// Decodes `application/x-www-form-urlencoded` text (also used for query strings).
pub(crate) fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub(crate) fn form_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The deterministic fleet both generators share.

/// SplitMix64: a tiny deterministic mixing function (no randomness crate).
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A GUID-shaped (version 4 layout) string derived from `seed`.
pub(crate) fn guid(seed: u64) -> String {
    let a = mix(seed);
    let b = mix(a ^ 0x5851_F42D_4C95_7F2D);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + ((b >> 62) & 3),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// Picks an element of `items` from `seed`.
pub(crate) fn pick<T: Copy>(items: &[T], seed: u64) -> T {
    items[(mix(seed) % items.len() as u64) as usize]
}

/// "Now" for generated data (epoch milliseconds, 2026-08-28T06:24:21.504Z), so output never depends on the clock.
pub(crate) const BASE_MS: i64 = 1_787_898_261_504;
pub(crate) const DAY_MS: i64 = 86_400_000;

const ORG_NAMES: [&str; 8] = [
    "Fabrikam Ltd",
    "Contoso Dental",
    "Northwind Traders",
    "Adventure Works Cycles",
    "Tailspin Toys",
    "Wide World Importers",
    "Litware Inc",
    "Proseware Legal",
];

/// Organisation `i`'s display name: a few well-known names, then "Client 009 Inc" ...
pub(crate) fn org_name(i: usize) -> String {
    ORG_NAMES
        .get(i)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("Client {:03} Inc", i + 1))
}

/// A short lower-case label for organisation `i`: "fabrikam", "contoso", "client009".
pub(crate) fn org_label(i: usize) -> String {
    if i < ORG_NAMES.len() {
        ORG_NAMES[i]
            .split(' ')
            .next()
            .unwrap_or("org")
            .to_lowercase()
    } else {
        format!("client{:03}", i + 1)
    }
}

/// Organisation `i`'s slug: "fabrikam-ltd", "client-009-inc".
pub(crate) fn org_slug(i: usize) -> String {
    org_name(i)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// DNS domain of organisation `i`: "fabrikam.example".
pub(crate) fn org_domain(i: usize) -> String {
    format!("{}.example", org_label(i))
}

/// Public address the organisation's devices check in from.
pub(crate) fn org_public_ip(i: usize) -> String {
    format!("203.0.113.{}", (i % 250) + 2)
}

/// Device classes of the generated fleet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    WinWorkstation,
    WinServer,
    Mac,
    LinuxServer,
    LinuxWorkstation,
    VmGuest,
    VmHost,
    Switch,
    Ios,
    Printer,
}

impl Class {
    pub(crate) fn node_class(self) -> &'static str {
        match self {
            Class::WinWorkstation => "WINDOWS_WORKSTATION",
            Class::WinServer => "WINDOWS_SERVER",
            Class::Mac => "MAC",
            Class::LinuxServer => "LINUX_SERVER",
            Class::LinuxWorkstation => "LINUX_WORKSTATION",
            Class::VmGuest => "VMWARE_VM_GUEST",
            Class::VmHost => "VMWARE_VM_HOST",
            Class::Switch => "NMS_SWITCH",
            Class::Ios => "APPLE_IOS",
            Class::Printer => "NMS_PRINTER",
        }
    }

    /// Runs a Windows/Mac/Linux agent (NinjaOne `AgentDevice`, ThreatLocker computer).
    pub(crate) fn is_agent(self) -> bool {
        matches!(
            self,
            Class::WinWorkstation
                | Class::WinServer
                | Class::Mac
                | Class::LinuxServer
                | Class::LinuxWorkstation
        )
    }

    pub(crate) fn is_windows(self) -> bool {
        matches!(self, Class::WinWorkstation | Class::WinServer)
    }

    pub(crate) fn is_server(self) -> bool {
        matches!(self, Class::WinServer | Class::LinuxServer)
    }
}

/// The class sequence repeats every 20 devices, so even small fleets hold every class
/// (45 % Windows workstations).
const CYCLE: [Class; 20] = [
    Class::WinWorkstation,
    Class::WinWorkstation,
    Class::WinServer,
    Class::WinWorkstation,
    Class::Mac,
    Class::WinWorkstation,
    Class::LinuxServer,
    Class::VmGuest,
    Class::WinWorkstation,
    Class::WinWorkstation,
    Class::VmHost,
    Class::WinWorkstation,
    Class::Switch,
    Class::WinWorkstation,
    Class::Ios,
    Class::WinServer,
    Class::WinWorkstation,
    Class::Mac,
    Class::LinuxWorkstation,
    Class::Printer,
];

/// Position in `CYCLE` of a guest's host (a guest at 7 runs on the host at 10).
const GUEST_TO_HOST: usize = 3;

pub(crate) fn class_of(i: usize) -> Class {
    CYCLE[i % CYCLE.len()]
}

/// Organisation index of raw device index `i` (organisation 0 is the biggest customer).
fn raw_org(i: usize, orgs: usize) -> usize {
    if orgs <= 1 {
        return 0;
    }
    let m = mix(i as u64 ^ 0x0123_4567);
    if m % 100 < 25 {
        0
    } else {
        ((m >> 8) % orgs as u64) as usize
    }
}

const USERS: [&str; 12] = [
    "jdoe",
    "asmith",
    "mgarcia",
    "kchen",
    "tnguyen",
    "rpatel",
    "lkowalski",
    "omurphy",
    "bjohnson",
    "ewilliams",
    "snakamura",
    "fmueller",
];
const DESK_ROLES: [&str; 8] = [
    "FRONTDESK",
    "RECEPTION",
    "ACCOUNTS",
    "SALES",
    "LAB",
    "OFFICE",
    "DESIGN",
    "WAREHOUSE",
];
const SERVER_ROLES: [(&str, &str); 6] = [
    ("FS", "File server"),
    ("DC", "Domain controller"),
    ("SQL", "Database server"),
    ("APP", "Line of business"),
    ("RDS", "Remote desktop"),
    ("PRINT", "Print server"),
];
const LINUX_ROLES: [&str; 5] = ["web", "db", "mon", "backup", "git"];

/// Hardware: (manufacturer, model, serial style, chassis, virtual).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hardware {
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub serial: SerialStyle,
    pub chassis: &'static str,
    pub virtual_machine: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SerialStyle {
    Dell,
    Hp,
    Lenovo,
    Apple,
    VMware,
    Generic,
}

const fn hw(
    manufacturer: &'static str,
    model: &'static str,
    serial: SerialStyle,
    chassis: &'static str,
    virtual_machine: bool,
) -> Hardware {
    Hardware {
        manufacturer,
        model,
        serial,
        chassis,
        virtual_machine,
    }
}

const WORKSTATION_HW: [Hardware; 4] = [
    hw(
        "Dell Inc.",
        "OptiPlex 7090",
        SerialStyle::Dell,
        "DESKTOP",
        false,
    ),
    hw(
        "Dell Inc.",
        "Latitude 5440",
        SerialStyle::Dell,
        "LAPTOP",
        false,
    ),
    hw(
        "HP",
        "HP EliteDesk 800 G6 Desktop Mini PC",
        SerialStyle::Hp,
        "DESKTOP",
        false,
    ),
    hw("LENOVO", "20W0S0A600", SerialStyle::Lenovo, "LAPTOP", false),
];
const SERVER_HW: [Hardware; 3] = [
    hw(
        "Dell Inc.",
        "PowerEdge R650",
        SerialStyle::Dell,
        "RACK_MOUNT_CHASSIS",
        false,
    ),
    hw(
        "HPE",
        "ProLiant DL380 Gen10",
        SerialStyle::Hp,
        "RACK_MOUNT_CHASSIS",
        false,
    ),
    hw(
        "VMware, Inc.",
        "VMware7,1",
        SerialStyle::VMware,
        "OTHER",
        true,
    ),
];
const MAC_HW: [Hardware; 2] = [
    hw(
        "Apple Inc.",
        "MacBookPro18,1",
        SerialStyle::Apple,
        "LAPTOP",
        false,
    ),
    hw("Apple Inc.", "Mac14,2", SerialStyle::Apple, "LAPTOP", false),
];
const LINUX_WS_HW: [Hardware; 2] = [
    hw(
        "LENOVO",
        "ThinkPad X1 Carbon Gen 11",
        SerialStyle::Lenovo,
        "LAPTOP",
        false,
    ),
    hw(
        "Framework",
        "Laptop 13 (AMD Ryzen 7040Series)",
        SerialStyle::Generic,
        "LAPTOP",
        false,
    ),
];
const HOST_HW: [Hardware; 2] = [
    hw(
        "Dell Inc.",
        "PowerEdge R750",
        SerialStyle::Dell,
        "RACK_MOUNT_CHASSIS",
        false,
    ),
    hw(
        "HPE",
        "ProLiant DL360 Gen10 Plus",
        SerialStyle::Hp,
        "RACK_MOUNT_CHASSIS",
        false,
    ),
];
const SWITCH_HW: [Hardware; 2] = [
    hw(
        "Cisco",
        "C9200L-24P-4G",
        SerialStyle::Generic,
        "OTHER",
        false,
    ),
    hw(
        "Aruba",
        "JL658A 6300M",
        SerialStyle::Generic,
        "OTHER",
        false,
    ),
];
const PRINTER_HW: [Hardware; 2] = [
    hw("HP", "LaserJet Pro M404dn", SerialStyle::Hp, "OTHER", false),
    hw(
        "Brother",
        "MFC-L8900CDW",
        SerialStyle::Generic,
        "OTHER",
        false,
    ),
];
const IOS_HW: [Hardware; 1] = [hw(
    "Apple Inc.",
    "iPhone15,2",
    SerialStyle::Apple,
    "OTHER",
    false,
)];

/// OS names per class; the same string is used by both sources.
pub(crate) fn os_names(class: Class) -> &'static [&'static str] {
    match class {
        Class::WinWorkstation => &["Windows 11 Pro", "Windows 10 Pro", "Windows 11 Enterprise"],
        Class::WinServer => &[
            "Windows Server 2022 Standard",
            "Windows Server 2019 Standard",
            "Windows Server 2016 Datacenter",
        ],
        Class::Mac => &["macOS 14.5", "macOS 13.6.7", "macOS 15.1"],
        Class::LinuxServer => &[
            "Ubuntu 22.04.4 LTS",
            "Debian GNU/Linux 12 (bookworm)",
            "Red Hat Enterprise Linux 9.4 (Plow)",
        ],
        Class::LinuxWorkstation => &["Ubuntu 24.04 LTS", "Fedora Linux 40 (Workstation Edition)"],
        Class::VmGuest => &[
            "Ubuntu Linux (64-bit)",
            "Microsoft Windows Server 2022 (64-bit)",
        ],
        Class::VmHost => &["VMware ESXi 8.0.2", "VMware ESXi 7.0.3"],
        Class::Ios => &["iOS 17.5.1"],
        Class::Switch | Class::Printer => &[""],
    }
}

/// One member of the generated fleet, independent of any source's wire format.
#[derive(Clone, Debug)]
pub(crate) struct Host {
    /// Raw fleet index (NinjaOne device index).
    pub index: usize,
    pub class: Class,
    /// Organisation index.
    pub org: usize,
    pub name: String,
    /// Role description for display names ("File server"), when there is one.
    pub role: Option<&'static str>,
    pub hardware: Hardware,
    pub serial: String,
    /// NinjaOne reports only `system.biosSerialNumber` (no `serialNumber`).
    pub bios_serial_only: bool,
    pub os_variant: usize,
    pub user: &'static str,
    pub local_ip: String,
    pub macs: Vec<String>,
    /// Kept as spare stock ("Spare" in names / groups / locations).
    pub spare: bool,
    pub offline: bool,
    pub created_ms: i64,
    pub last_contact_ms: i64,
}

impl Host {
    pub fn os_name(&self) -> &'static str {
        let names = os_names(self.class);
        names[self.os_variant % names.len()]
    }

    pub fn domain(&self) -> String {
        org_domain(self.org)
    }

    /// "FABRIKAM\\jdoe" on Windows, the bare user elsewhere.
    pub fn login(&self) -> String {
        if self.class.is_windows() {
            let user = if self.class == Class::WinServer {
                "svc_backup"
            } else {
                self.user
            };
            format!("{}\\{user}", org_label(self.org).to_uppercase())
        } else if self.class == Class::LinuxServer {
            "root".to_string()
        } else {
            self.user.to_string()
        }
    }
}

fn serial(style: SerialStyle, seed: u64) -> String {
    const ALNUM: &[u8] = b"0123456789BCDFGHJKLMNPQRSTVWXYZ";
    let chars = |n: usize, salt: u64| -> String {
        (0..n)
            .map(|k| ALNUM[(mix(seed ^ (salt + k as u64)) % ALNUM.len() as u64) as usize] as char)
            .collect()
    };
    let m = mix(seed ^ 0xfeed);
    match style {
        SerialStyle::Dell => chars(7, 0x100),
        SerialStyle::Hp => format!("CZC{}", chars(7, 0x200)),
        SerialStyle::Lenovo => format!("PF{}", chars(6, 0x300)),
        SerialStyle::Apple => format!("C02{}", chars(9, 0x400)),
        SerialStyle::Generic => format!("FOC{}", chars(8, 0x500)),
        SerialStyle::VMware => {
            let b: Vec<String> = (0..16)
                .map(|k| format!("{:02x}", (m >> (k * 4)) & 0xff))
                .collect();
            format!("VMware-42 {}-{}", b[1..8].join(" "), b[8..16].join(" "))
        }
    }
}

fn mac(oui: &str, seed: u64) -> String {
    let m = mix(seed);
    format!(
        "{oui}:{:02X}:{:02X}:{:02X}",
        (m >> 16) & 0xff,
        (m >> 8) & 0xff,
        m & 0xff
    )
}

fn oui(h: &Hardware) -> &'static str {
    match h.manufacturer {
        "Dell Inc." => "3C:52:82",
        "HP" | "HPE" => "94:57:A5",
        "LENOVO" => "8C:16:45",
        "Apple Inc." => "A4:83:E7",
        "VMware, Inc." => "00:50:56",
        "Cisco" => "00:1B:54",
        "Aruba" => "20:4C:03",
        "Brother" => "00:80:77",
        _ => "D8:BB:C1",
    }
}

/// Fleet member `i` when the fleet has `orgs` organisations (at least one is assumed).
pub(crate) fn host(i: usize, orgs: usize) -> Host {
    let class = class_of(i);
    let seed = i as u64;
    // A guest lives in its host's organisation.
    let org = if class == Class::VmGuest {
        raw_org(i + GUEST_TO_HOST, orgs)
    } else {
        raw_org(i, orgs)
    };
    let m = mix(seed ^ 0xabcd_0000);
    let hardware = match class {
        Class::WinWorkstation => pick(&WORKSTATION_HW, seed ^ 1),
        Class::WinServer | Class::LinuxServer => pick(&SERVER_HW, seed ^ 2),
        Class::Mac => pick(&MAC_HW, seed ^ 3),
        Class::LinuxWorkstation => pick(&LINUX_WS_HW, seed ^ 4),
        Class::VmGuest => SERVER_HW[2],
        Class::VmHost => pick(&HOST_HW, seed ^ 5),
        Class::Switch => pick(&SWITCH_HW, seed ^ 6),
        Class::Ios => IOS_HW[0],
        Class::Printer => pick(&PRINTER_HW, seed ^ 7),
    };
    let user = pick(&USERS, seed ^ 8);
    let mut role = None;
    let name = match class {
        Class::WinWorkstation => format!("{}-{i:04}", pick(&DESK_ROLES, seed ^ 9)),
        Class::WinServer => {
            let (prefix, desc) = pick(&SERVER_ROLES, seed ^ 10);
            role = Some(desc);
            format!("{prefix}{i:02}")
        }
        Class::Mac => format!("{user}-MacBook-Pro-{i}"),
        Class::LinuxServer => format!("{}-{i:02}", pick(&LINUX_ROLES, seed ^ 11)),
        Class::LinuxWorkstation => format!("dev-ws-{i:04}"),
        Class::VmGuest => format!("app-vm-{i:02}"),
        Class::VmHost => format!("esx-{i:03}"),
        Class::Switch => format!("core-sw-{i:03}"),
        Class::Ios => format!("iPhone-{user}-{i}"),
        Class::Printer => format!("PRN-{i:04}"),
    };
    let spare = class.is_agent() && !class.is_server() && m % 11 == 3;
    let offline = spare || m % 7 == 2;
    let created_ms = BASE_MS - DAY_MS * (30 + (mix(seed ^ 12) % 900) as i64) + (m % 1000) as i64;
    let last_contact_ms = if offline {
        BASE_MS - DAY_MS * (2 + (mix(seed ^ 13) % 60) as i64) - (m % 86_400_000) as i64
    } else {
        BASE_MS - (mix(seed ^ 14) % 900_000) as i64
    };
    let serial = serial(hardware.serial, seed ^ 0x5e1a1);
    let o = oui(&hardware);
    let mut macs = vec![mac(o, seed ^ 15)];
    if hardware.chassis == "LAPTOP" {
        macs.push(mac(o, seed ^ 16));
    }
    Host {
        index: i,
        class,
        org,
        name,
        role,
        hardware,
        serial,
        bios_serial_only: class.is_agent() && m % 9 == 4,
        os_variant: (mix(seed ^ 17) % 6) as usize,
        user,
        local_ip: format!("10.{}.{}.{}", 20 + org % 200, (i / 200) % 256, 20 + i % 200),
        macs,
        spare,
        offline,
        created_ms,
        last_contact_ms,
    }
}

/// Epoch milliseconds as NinjaOne's fractional epoch seconds.
pub(crate) fn epoch_seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Epoch milliseconds (plus extra microseconds) as ISO-8601 UTC with microseconds and `Z`.
pub(crate) fn iso_micros(ms: i64, extra_micros: u32) -> String {
    let nanos = (ms.rem_euclid(1000) as u32) * 1_000_000 + (extra_micros % 1000) * 1000;
    chrono::DateTime::from_timestamp(ms.div_euclid(1000), nanos)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_default()
}

/// Epoch milliseconds as ISO-8601 UTC, whole seconds, with `Z`.
pub(crate) fn iso_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp(ms.div_euclid(1000), 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let p = parse_form("a=1&scope=monitoring%20management+control&x=%zz&e=&k%3D=v%26");
        assert_eq!(form_get(&p, "a"), Some("1"));
        assert_eq!(form_get(&p, "scope"), Some("monitoring management control"));
        assert_eq!(form_get(&p, "x"), Some("%zz"));
        assert_eq!(form_get(&p, "e"), Some(""));
        assert_eq!(form_get(&p, "k="), Some("v&"));
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%41"), "A");
    }

    #[test]
    fn guid_and_times() {
        let g = guid(7);
        assert_eq!(g.len(), 36);
        assert_eq!(g, guid(7));
        assert_ne!(g, guid(8));
        assert_eq!(&g[14..15], "4");
        assert_eq!(iso_micros(BASE_MS, 815), "2026-08-28T06:24:21.504815Z");
        assert_eq!(iso_seconds(BASE_MS), "2026-08-28T06:24:21Z");
    }
}
