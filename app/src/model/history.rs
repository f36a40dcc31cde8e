//! Data shapes of the history hub: sources, classifications, jobs, dashboard figures.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Derives for an enum stored as text: the browser sees plain serde; the server also gets a
/// SeaORM `DeriveActiveEnum` (snake_case values), so an unknown stored value is an error.
macro_rules! stored_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
        pub enum $name { $($(#[$vm])* $v),+ }
    };
}
pub(crate) use stored_enum;

stored_enum! {
    /// A system that reports devices to Census.
    pub enum Source {
        Ninja,
        Threatlocker,
    }
}

impl Source {
    pub const ALL: [Source; 2] = [Source::Ninja, Source::Threatlocker];
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ninja => "ninja",
            Source::Threatlocker => "threatlocker",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Source::Ninja => "NinjaOne",
            Source::Threatlocker => "ThreatLocker",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// The job kind that collects from this source.
    pub fn job_kind(self) -> JobKind {
        JobKind::Collect(self)
    }
    pub fn other(self) -> Source {
        match self {
            Source::Ninja => Source::Threatlocker,
            Source::Threatlocker => Source::Ninja,
        }
    }
}

stored_enum! {
    /// What kind of device a snapshot is.
    pub enum Classification {
        Server,
        Workstation,
        VirtualMachine,
        Hypervisor,
        Network,
        Mobile,
        Other,
    }
}

impl Classification {
    pub const ALL: [Classification; 7] = [
        Classification::Server,
        Classification::Workstation,
        Classification::VirtualMachine,
        Classification::Hypervisor,
        Classification::Network,
        Classification::Mobile,
        Classification::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Server => "server",
            Classification::Workstation => "workstation",
            Classification::VirtualMachine => "virtual_machine",
            Classification::Hypervisor => "hypervisor",
            Classification::Network => "network",
            Classification::Mobile => "mobile",
            Classification::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Classification::Server => "Servers",
            Classification::Workstation => "Workstations",
            Classification::VirtualMachine => "Virtual machines",
            Classification::Hypervisor => "Hypervisors",
            Classification::Network => "Network",
            Classification::Mobile => "Mobile",
            Classification::Other => "Other",
        }
    }
    pub fn parse(s: &str) -> Option<Classification> {
        Classification::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

stored_enum! {
    /// What a job does, as stored (`job_runs.kind`); a collection's source is stored beside it.
    pub enum JobType {
        Collect,
        Rollup,
        Retention,
    }
}

/// The kinds of background job as users name them: `collect_<source>`, `rollup`, `retention`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    /// Read every device of a source and save the day's snapshots.
    Collect(Source),
    Rollup,
    Retention,
}

impl JobKind {
    /// Every kind, collections in source order first.
    pub fn all() -> Vec<JobKind> {
        let mut v: Vec<JobKind> = Source::ALL.into_iter().map(JobKind::Collect).collect();
        v.push(JobKind::Rollup);
        v.push(JobKind::Retention);
        v
    }
    /// `collect_ninja`, `rollup`, `retention`.
    pub fn as_str(self) -> String {
        match self {
            JobKind::Collect(s) => format!("collect_{}", s.as_str()),
            JobKind::Rollup => "rollup".into(),
            JobKind::Retention => "retention".into(),
        }
    }
    pub fn label(self) -> String {
        match self {
            JobKind::Collect(s) => format!("{} collection", s.label()),
            JobKind::Rollup => "Rollup".into(),
            JobKind::Retention => "Retention".into(),
        }
    }
    pub fn parse(s: &str) -> Option<JobKind> {
        match s {
            "rollup" => Some(JobKind::Rollup),
            "retention" => Some(JobKind::Retention),
            _ => s
                .strip_prefix("collect_")
                .and_then(Source::parse)
                .map(JobKind::Collect),
        }
    }
    pub fn source(self) -> Option<Source> {
        match self {
            JobKind::Collect(s) => Some(s),
            _ => None,
        }
    }
    /// How the kind is stored: `job_runs.kind` and `job_runs.source`.
    pub fn parts(self) -> (JobType, Option<Source>) {
        match self {
            JobKind::Collect(s) => (JobType::Collect, Some(s)),
            JobKind::Rollup => (JobType::Rollup, None),
            JobKind::Retention => (JobType::Retention, None),
        }
    }
    /// The kind of a stored run; None when a collection has no source.
    pub fn from_parts(kind: JobType, source: Option<Source>) -> Option<JobKind> {
        match (kind, source) {
            (JobType::Collect, Some(s)) => Some(JobKind::Collect(s)),
            (JobType::Collect, None) => None,
            (JobType::Rollup, _) => Some(JobKind::Rollup),
            (JobType::Retention, _) => Some(JobKind::Retention),
        }
    }
}

impl Serialize for JobKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        JobKind::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown job kind {s:?}")))
    }
}

stored_enum! {
    pub enum JobStatus {
        Queued,
        Running,
        Succeeded,
        Failed,
        Cancelled,
    }
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

stored_enum! {
    /// Where a run came from.
    pub enum Trigger {
        Schedule,
        User,
        Cli,
    }
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::User => "user",
            Trigger::Cli => "cli",
        }
    }
}

stored_enum! {
    /// The level of a job log line.
    pub enum LogLevel {
        Info,
        Warn,
        Error,
    }
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

stored_enum! {
    /// How a source name got its site: its name matches one (`auto`) or an editor chose.
    pub enum MappingMethod {
        Auto,
        Manual,
    }
}

impl MappingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingMethod::Auto => "auto",
            MappingMethod::Manual => "manual",
        }
    }
}

/// One run of a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobDto {
    pub id: i64,
    pub kind: JobKind,
    pub params: Value,
    pub trigger: Trigger,
    pub requested_by: String,
    pub status: JobStatus,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub progress_message: Option<String>,
    pub result: Option<Value>,
    pub error: Option<String>,
    pub cancel_requested: bool,
    pub queued_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Seconds from start to finish (or to now while running).
    pub duration_secs: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobLogDto {
    pub time: String,
    pub level: LogLevel,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobDetail {
    pub job: JobDto,
    pub logs: Vec<JobLogDto>,
}

/// Headline figures of one day (keys as in the seed's dashboard API).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub total_devices: i64,
    pub servers: i64,
    pub workstations: i64,
    pub spare_devices: i64,
    pub billable_devices: i64,
    pub ninja_devices: i64,
    pub threatlocker_devices: i64,
}

impl Totals {
    pub const KEYS: [&'static str; 7] = [
        "total_devices",
        "servers",
        "workstations",
        "spare_devices",
        "billable_devices",
        "ninja_devices",
        "threatlocker_devices",
    ];
    pub fn get(&self, key: &str) -> i64 {
        match key {
            "total_devices" => self.total_devices,
            "servers" => self.servers,
            "workstations" => self.workstations,
            "spare_devices" => self.spare_devices,
            "billable_devices" => self.billable_devices,
            "ninja_devices" => self.ninja_devices,
            "threatlocker_devices" => self.threatlocker_devices,
            _ => 0,
        }
    }
    pub fn label(key: &str) -> &'static str {
        match key {
            "total_devices" => "Total devices",
            "servers" => "Servers",
            "workstations" => "Workstations",
            "spare_devices" => "Spare",
            "billable_devices" => "Billable",
            "ninja_devices" => "NinjaOne",
            "threatlocker_devices" => "ThreatLocker",
            _ => "",
        }
    }
}

/// The figures of one site on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteTotals {
    /// None for devices whose source name is not mapped to a site yet ("Unmapped").
    pub site_id: Option<i64>,
    pub site_name: String,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TodayDto {
    /// The latest collected date (`YYYY-MM-DDT00:00:00+00:00`, as the seed API writes it);
    /// None before the first collection.
    pub date: Option<String>,
    pub totals: Totals,
    pub sites: Vec<SiteTotals>,
    pub site_count: i64,
}

/// One figure then and now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub current: i64,
    pub previous: i64,
    pub change: i64,
    /// Rounded to one decimal; None when the previous figure is 0.
    pub change_percent: Option<f64>,
}

impl Change {
    pub fn new(current: i64, previous: i64) -> Change {
        let change = current - previous;
        let change_percent = if previous == 0 {
            None
        } else {
            Some((change as f64 * 1000.0 / previous as f64).round() / 10.0)
        };
        Change {
            current,
            previous,
            change,
            change_percent,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub total_devices: Change,
    pub servers: Change,
    pub workstations: Change,
    pub spare_devices: Change,
    pub billable_devices: Change,
    pub ninja_devices: Change,
    pub threatlocker_devices: Change,
}

impl Changes {
    pub fn between(now: &Totals, then: &Totals) -> Changes {
        Changes {
            total_devices: Change::new(now.total_devices, then.total_devices),
            servers: Change::new(now.servers, then.servers),
            workstations: Change::new(now.workstations, then.workstations),
            spare_devices: Change::new(now.spare_devices, then.spare_devices),
            billable_devices: Change::new(now.billable_devices, then.billable_devices),
            ninja_devices: Change::new(now.ninja_devices, then.ninja_devices),
            threatlocker_devices: Change::new(now.threatlocker_devices, then.threatlocker_devices),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonDto {
    pub today_date: Option<String>,
    pub last_month_end_date: Option<String>,
    pub today_totals: Totals,
    pub last_month_totals: Totals,
    pub changes: Changes,
}

/// One site's figures on two dates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteComparison {
    pub site_id: Option<i64>,
    pub site_name: String,
    pub current: Totals,
    pub previous: Totals,
    pub change: i64,
    pub change_percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SitesDto {
    pub date: Option<String>,
    pub against: Option<String>,
    pub sites: Vec<SiteComparison>,
}

/// A device as a source reported it on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDto {
    pub id: i64,
    pub date: String,
    pub source: Source,
    pub external_id: String,
    pub hostname: Option<String>,
    pub display_name: Option<String>,
    pub site_id: Option<i64>,
    pub site_name: String,
    pub org_name: String,
    pub location_name: String,
    pub node_class: Option<String>,
    pub classification: Classification,
    pub is_spare: bool,
    pub is_billable: bool,
    pub os_name: Option<String>,
    pub serial: Option<String>,
    pub mac_addresses: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub last_contact: Option<String>,
    /// The Census device it matched by serial or hostname.
    pub device_id: Option<i64>,
    /// Whether the other source saw the same device that day.
    pub covered: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPage {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub date: Option<String>,
    pub results: Vec<SnapshotDto>,
}

/// Devices seen by one source and not the other on a day, per site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageRow {
    pub site_id: Option<i64>,
    pub site_name: String,
    /// In NinjaOne, no ThreatLocker agent.
    pub ninja_only: i64,
    /// In ThreatLocker, not managed by NinjaOne.
    pub threatlocker_only: i64,
    pub both: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageDto {
    pub date: Option<String>,
    /// False when one of the sources has no collection on that day (nothing to compare).
    pub available: bool,
    pub reason: Option<String>,
    pub sites: Vec<CoverageRow>,
}

/// The last time each source saw a Census device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastSeen {
    pub source: Source,
    pub date: String,
    pub hostname: Option<String>,
    pub last_contact: Option<String>,
}

/// A name a source uses for where devices are (an organisation, or a location inside one) and
/// the Census site it maps to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteMappingDto {
    pub id: i64,
    pub source: Source,
    pub org_name: String,
    /// Empty for the organisation as a whole.
    pub location_name: String,
    pub site_id: Option<i64>,
    pub site_name: Option<String>,
    /// `auto` (the names match), `manual` (an editor chose), or None (unmapped, or a location
    /// following its organisation).
    pub method: Option<MappingMethod>,
    /// The site the devices under this name count under after inheritance (None: Unmapped).
    pub effective_site_id: Option<i64>,
    pub effective_site_name: String,
    pub device_count: i64,
    pub first_seen: String,
    pub last_seen: String,
}

/// A source as the Sources page shows it: its configuration (secrets only as "set"), its last
/// run and last success, and how fresh its data are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub source: Source,
    pub label: String,
    pub configured: bool,
    /// (setting, value) pairs; secrets appear as "set" or "not set", never their value.
    pub settings: Vec<(String, String)>,
    /// The daily time (`HH:MM` in `timezone`), or None when off.
    pub schedule: Option<String>,
    pub timezone: String,
    pub last_run: Option<JobDto>,
    pub last_success: Option<JobDto>,
    pub devices_collected: Option<i64>,
    /// `fresh`, `amber` (no success for 26 h), `red` (50 h) or `never`.
    pub freshness: String,
    /// Hours since the last successful collection.
    pub age_hours: Option<f64>,
}

/// The outcome of a source's connection test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub source: Source,
    pub ok: bool,
    pub message: String,
}

/// A history hub page rendered on the server: the browser shows `html` as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageHtml {
    /// The page's title (empty for a fragment of another page).
    pub title: String,
    pub html: String,
    /// With JavaScript, reload the page's content after this many seconds.
    pub refresh_secs: Option<u32>,
    /// With JavaScript, reload the content as soon as `hub_version` differs from this.
    pub version: Option<String>,
}

/// Everything the dashboard page shows, computed on the server (charts as SVG).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The shown day and the day it is compared with (YYYY-MM-DD).
    pub date: Option<String>,
    pub against: Option<String>,
    /// Collected days, newest first.
    pub dates: Vec<String>,
    /// `site`, `classification` or `source`.
    pub dimension: String,
    pub comparison: ComparisonDto,
    pub sites: SitesDto,
    pub coverage: CoverageDto,
    pub sources: Vec<SourceStatus>,
    pub bars_svg: String,
    pub daily_svg: String,
    pub monthly_svg: String,
    /// Changes whenever a collection finishes (the page refreshes when it does).
    pub version: String,
}

/// The history hub's settings (a setting missing from what was stored takes its default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistorySettings {
    /// Substrings (case-insensitive) that mark a device spare, besides "spare".
    pub extra_spare_patterns: Vec<String>,
    /// Days daily snapshots are kept.
    pub daily_retention_days: i64,
    /// Months month-end snapshots are kept.
    pub month_end_retention_months: i64,
    /// Days the raw source payload is kept on a snapshot (the normalised fields stay).
    pub raw_retention_days: i64,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            extra_spare_patterns: vec![],
            daily_retention_days: 65,
            month_end_retention_months: 24,
            raw_retention_days: 14,
        }
    }
}

/// What the dashboard's bars can be broken down by: (key, label).
pub const DIMENSIONS: [(&str, &str); 3] = [
    ("site", "Site"),
    ("classification", "Classification"),
    ("source", "Source"),
];
