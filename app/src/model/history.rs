//! Data shapes of the history hub: sources, classifications, jobs, dashboard figures.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

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

/// The source registry: one line per source generates the shared [`Source`] enum (stored as
/// text in `job_runs.source`, `snapshots.source` and the rollups, so a line's id must never
/// change) with `ALL`, `as_str`, `label` and `parse`, and, on the server, the dispatch to the
/// source's implementation (`Source::imp`, a module of `crate::ssr::sources`). Registry order is
/// the order of the dashboard's figures, charts and tables.
macro_rules! sources {
    ($($(#[$vm:meta])* $v:ident = $id:literal, $label:literal => $($imp:ident)::+;)+) => {
        /// A system that reports devices to Census (one line of the `sources!` registry each).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
        pub enum Source {
            $(
                $(#[$vm])*
                #[serde(rename = $id)]
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $id))]
                $v,
            )+
        }

        impl Source {
            /// Every source, in registry order.
            pub const ALL: [Source; [$($id),+].len()] = [$(Source::$v),+];
            /// The id stored in the database and used in URLs, job kinds and setting names
            /// (`ninja`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Source::$v => $id,)+
                }
            }
            /// The vendor's name as users know it (`NinjaOne`).
            pub fn label(self) -> &'static str {
                match self {
                    $(Source::$v => $label,)+
                }
            }
        }

        #[cfg(feature = "ssr")]
        impl Source {
            /// The implementation that collects from this source, tests its connection and
            /// describes its settings.
            pub fn imp(self) -> &'static dyn crate::ssr::sources::SourceImpl {
                match self {
                    $(Source::$v => &crate::ssr::sources::$($imp)::+,)+
                }
            }
        }
    };
}

sources! {
    Ninja = "ninja", "NinjaOne" => ninja::NinjaOne;
    Threatlocker = "threatlocker", "ThreatLocker" => threatlocker::ThreatLocker;
}

/// Items as a phrase: `a`, `a or b`, `a, b or c` (with `conjunction` "or", "and", "nor").
pub fn phrase<S: AsRef<str>>(items: &[S], conjunction: &str) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} {conjunction} {}", rest.join(", "), last.as_ref())
        }
        Some((last, _)) => last.as_ref().to_string(),
        None => String::new(),
    }
}

impl Source {
    /// The source with this id, if any.
    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// The ids as a phrase for messages: `ninja or threatlocker`.
    pub fn choices() -> String {
        let ids: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
        phrase(&ids, "or")
    }
    /// The job kind that collects from this source.
    pub fn job_kind(self) -> JobKind {
        JobKind::Collect(self)
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

/// Serde for a per-source map flattened into its struct as `<source><suffix>` keys
/// (`ninja_devices`), in registry order; every source is written (a missing one as its default)
/// and read back (a missing key as the default), other keys are left to the struct.
mod per_source {
    use super::Source;
    use serde::de::{IgnoredAny, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    use std::marker::PhantomData;

    pub fn serialize<S: Serializer, T: Serialize + Default>(
        m: &BTreeMap<Source, T>,
        suffix: &str,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Source::ALL.len()))?;
        for src in Source::ALL {
            let key = format!("{}{suffix}", src.as_str());
            match m.get(&src) {
                Some(v) => map.serialize_entry(&key, v)?,
                None => map.serialize_entry(&key, &T::default())?,
            }
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
        suffix: &'static str,
        d: D,
    ) -> Result<BTreeMap<Source, T>, D::Error> {
        struct V<T>(&'static str, PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for V<T> {
            type Value = BTreeMap<Source, T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "figures keyed <source>{}", self.0)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = a.next_key::<String>()? {
                    match key.strip_suffix(self.0).and_then(Source::parse) {
                        Some(src) => {
                            out.insert(src, a.next_value::<T>()?);
                        }
                        None => {
                            a.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                for src in Source::ALL {
                    out.entry(src).or_default();
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(suffix, PhantomData))
    }
}

/// `<source>_devices` keys (see [`per_source`]).
mod devices_keys {
    use super::Source;
    use std::collections::BTreeMap;
    pub fn serialize<S: serde::Serializer, T: serde::Serialize + Default>(
        m: &BTreeMap<Source, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        super::per_source::serialize(m, "_devices", s)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de> + Default>(
        d: D,
    ) -> Result<BTreeMap<Source, T>, D::Error> {
        super::per_source::deserialize("_devices", d)
    }
}

/// `<source>_only` keys (see [`per_source`]).
mod only_keys {
    use super::Source;
    use std::collections::BTreeMap;
    pub fn serialize<S: serde::Serializer>(
        m: &BTreeMap<Source, i64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        super::per_source::serialize(m, "_only", s)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Source, i64>, D::Error> {
        super::per_source::deserialize("_only", d)
    }
}

/// Every source with its default value (0 for counts).
fn every_source<T: Default>() -> BTreeMap<Source, T> {
    Source::ALL.into_iter().map(|s| (s, T::default())).collect()
}

/// Headline figures of one day. JSON keys as in the seed's dashboard API: `total_devices`,
/// `servers`, `workstations`, `spare_devices`, `billable_devices`, then `<source>_devices` for
/// every source in registry order (`ninja_devices`, `threatlocker_devices`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub total_devices: i64,
    pub servers: i64,
    pub workstations: i64,
    pub spare_devices: i64,
    pub billable_devices: i64,
    /// Devices per source; every source is present.
    #[serde(flatten, with = "devices_keys")]
    pub by_source: BTreeMap<Source, i64>,
}

impl Default for Totals {
    fn default() -> Self {
        Totals {
            total_devices: 0,
            servers: 0,
            workstations: 0,
            spare_devices: 0,
            billable_devices: 0,
            by_source: every_source(),
        }
    }
}

/// The figures every day has whatever the sources, with their labels.
const FIXED_FIGURES: [(&str, &str); 5] = [
    ("total_devices", "Total devices"),
    ("servers", "Servers"),
    ("workstations", "Workstations"),
    ("spare_devices", "Spare"),
    ("billable_devices", "Billable"),
];

impl Totals {
    /// Every figure's key in JSON order: the fixed five, then `<source>_devices` per source.
    pub fn keys() -> Vec<String> {
        FIXED_FIGURES
            .iter()
            .map(|(k, _)| k.to_string())
            .chain(Source::ALL.into_iter().map(Totals::source_key))
            .collect()
    }
    /// The key of a source's device count: `ninja_devices`.
    pub fn source_key(s: Source) -> String {
        format!("{}_devices", s.as_str())
    }
    /// The source whose device count `key` names, if it names one.
    pub fn key_source(key: &str) -> Option<Source> {
        key.strip_suffix("_devices").and_then(Source::parse)
    }
    /// Devices one source reported.
    pub fn source(&self, s: Source) -> i64 {
        self.by_source.get(&s).copied().unwrap_or(0)
    }
    /// The figure named `key` (0 for an unknown key).
    pub fn get(&self, key: &str) -> i64 {
        match key {
            "total_devices" => self.total_devices,
            "servers" => self.servers,
            "workstations" => self.workstations,
            "spare_devices" => self.spare_devices,
            "billable_devices" => self.billable_devices,
            _ => Totals::key_source(key).map_or(0, |s| self.source(s)),
        }
    }
    /// The label of the figure named `key` (a source's figure is labelled with its name).
    pub fn label(key: &str) -> &'static str {
        FIXED_FIGURES
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| *l)
            .or_else(|| Totals::key_source(key).map(Source::label))
            .unwrap_or("")
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// Every figure of [`Totals`] then and now, under the same keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub total_devices: Change,
    pub servers: Change,
    pub workstations: Change,
    pub spare_devices: Change,
    pub billable_devices: Change,
    /// Per source (`ninja_devices`, …); every source is present.
    #[serde(flatten, with = "devices_keys")]
    pub by_source: BTreeMap<Source, Change>,
}

impl Changes {
    /// Each figure of `now` against the same figure of `then`.
    pub fn between(now: &Totals, then: &Totals) -> Changes {
        let c = |key: &str| Change::new(now.get(key), then.get(key));
        Changes {
            total_devices: c("total_devices"),
            servers: c("servers"),
            workstations: c("workstations"),
            spare_devices: c("spare_devices"),
            billable_devices: c("billable_devices"),
            by_source: Source::ALL
                .into_iter()
                .map(|s| (s, Change::new(now.source(s), then.source(s))))
                .collect(),
        }
    }
    /// The change of the figure named `key` (see [`Totals::keys`]); None for an unknown key.
    pub fn get(&self, key: &str) -> Option<&Change> {
        match key {
            "total_devices" => Some(&self.total_devices),
            "servers" => Some(&self.servers),
            "workstations" => Some(&self.workstations),
            "spare_devices" => Some(&self.spare_devices),
            "billable_devices" => Some(&self.billable_devices),
            _ => Totals::key_source(key).and_then(|s| self.by_source.get(&s)),
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
    /// Whether another source saw the same device that day.
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

/// Devices seen by one source and no other on a day, per site. JSON keys: `site_id`,
/// `site_name`, `<source>_only` per source in registry order (`ninja_only`,
/// `threatlocker_only`), `both`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageRow {
    pub site_id: Option<i64>,
    pub site_name: String,
    /// Per source: its devices that no other source saw that day; every source is present.
    #[serde(flatten, with = "only_keys")]
    pub only: BTreeMap<Source, i64>,
    /// Devices of the first source in the registry that another source also saw.
    pub both: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageDto {
    pub date: Option<String>,
    /// False when fewer than two sources collected on that day (nothing to compare).
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

/// The Jobs page: one page of runs (newest first) and the sources' freshness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobsView {
    /// Runs in all.
    pub count: u64,
    pub offset: u64,
    pub limit: u64,
    pub jobs: Vec<JobDto>,
    pub sources: Vec<SourceStatus>,
}

/// The devices-seen page: one page of snapshots and the paging it was asked with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeenDevicesView {
    pub page: SnapshotPage,
    pub offset: u64,
    pub limit: u64,
}

/// The site-mapping page: every source name and the sites it can map to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingView {
    pub mappings: Vec<SiteMappingDto>,
    pub sites: crate::model::RefOptions,
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

impl crate::api::Hydrated for DashboardView {
    /// Without the charts: the page's HTML holds them, and a refresh brings new ones.
    fn for_hydration(&self) -> Self {
        DashboardView {
            bars_svg: String::new(),
            daily_svg: String::new(),
            monthly_svg: String::new(),
            ..self.clone()
        }
    }
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

/// The numeric settings: field name, what it counts, and the inclusive range allowed (checked by
/// the settings service, offered by the form as `min`/`max`).
pub const RETENTION_LIMITS: [(&str, &str, i64, i64); 3] = [
    ("daily_retention_days", "days", 1, 3650),
    ("month_end_retention_months", "months", 1, 240),
    ("raw_retention_days", "days", 0, 3650),
];

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The dashboard's JSON keeps the seed API's keys, in the same order, with per-source
    /// figures from the registry.
    #[test]
    fn per_source_figures_keep_the_seed_keys() {
        let totals = Totals {
            total_devices: 7,
            servers: 2,
            workstations: 4,
            spare_devices: 3,
            billable_devices: 4,
            by_source: [(Source::Ninja, 5), (Source::Threatlocker, 2)].into(),
        };
        let json = serde_json::to_string(&totals).unwrap();
        assert_eq!(
            json,
            r#"{"total_devices":7,"servers":2,"workstations":4,"spare_devices":3,"billable_devices":4,"ninja_devices":5,"threatlocker_devices":2}"#
        );
        assert_eq!(serde_json::from_str::<Totals>(&json).unwrap(), totals);
        assert_eq!(
            Totals::keys(),
            [
                "total_devices",
                "servers",
                "workstations",
                "spare_devices",
                "billable_devices",
                "ninja_devices",
                "threatlocker_devices"
            ]
        );
        assert_eq!(Totals::label("threatlocker_devices"), "ThreatLocker");
        assert_eq!(totals.get("ninja_devices"), 5);
        // A source missing from the map is written as 0; read back, it is present.
        let empty = Totals {
            by_source: BTreeMap::new(),
            ..Totals::default()
        };
        let json = serde_json::to_string(&empty).unwrap();
        assert!(
            json.ends_with(r#""ninja_devices":0,"threatlocker_devices":0}"#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<Totals>(&json).unwrap(),
            Totals::default()
        );

        let site = SiteTotals {
            site_id: Some(3),
            site_name: "HQ".into(),
            totals: totals.clone(),
        };
        let json = serde_json::to_string(&site).unwrap();
        assert!(
            json.starts_with(r#"{"site_id":3,"site_name":"HQ","total_devices":7,"#)
                && json.ends_with(r#""ninja_devices":5,"threatlocker_devices":2}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<SiteTotals>(&json).unwrap(), site);

        let changes = Changes::between(&totals, &Totals::default());
        let json = serde_json::to_value(&changes).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 7);
        assert_eq!(json["threatlocker_devices"]["current"], 2);
        let text = serde_json::to_string(&changes).unwrap();
        assert!(
            text.starts_with(r#"{"total_devices":{"current":7,"previous":0,"change":7,"change_percent":null},"servers""#)
                && text.contains(r#""billable_devices":{"current":4,"previous":0,"change":4,"change_percent":null},"ninja_devices":{"current":5,"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Changes>(&text).unwrap(), changes);

        let row = CoverageRow {
            site_id: None,
            site_name: "Unmapped".into(),
            only: [(Source::Ninja, 3), (Source::Threatlocker, 0)].into(),
            both: 1,
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            r#"{"site_id":null,"site_name":"Unmapped","ninja_only":3,"threatlocker_only":0,"both":1}"#
        );
        assert_eq!(serde_json::from_str::<CoverageRow>(&json).unwrap(), row);
    }

    #[test]
    fn the_registry_names_its_sources() {
        assert_eq!(Source::ALL, [Source::Ninja, Source::Threatlocker]);
        assert_eq!(Source::parse("threatlocker"), Some(Source::Threatlocker));
        assert_eq!(Source::parse("ninjaone"), None);
        assert_eq!(Source::Ninja.label(), "NinjaOne");
        assert_eq!(Source::choices(), "ninja or threatlocker");
        assert_eq!(
            serde_json::to_string(&Source::Threatlocker).unwrap(),
            r#""threatlocker""#
        );
        assert_eq!(phrase(&["a", "b", "c"], "and"), "a, b and c");
        assert_eq!(phrase(&["a"], "or"), "a");
    }
}
