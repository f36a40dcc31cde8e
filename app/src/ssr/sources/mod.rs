//! Sources: the external systems Census reads devices from. Each is one module here that
//! declares its settings once (with [`settings!`]) and implements [`Collector`] — collect a
//! day's devices, test the connection — and one line of the registry (`sources!` in
//! `crate::model::history`), which names both the id stored in the database and the
//! implementation. Everything else reads the registry: the job runner (`Source::ALL`,
//! `Source::imp`), the configuration (setting names are derived: `CENSUS_<SOURCE>_<KEY>`,
//! `<source>_<key>` in `census.toml`, `--<source>-<key>` for non-secret settings, and
//! `CENSUS_SCHEDULE_<SOURCE>`), the Sources page and the dashboard.
//!
//! Shared here: the HTTP policy and paging ([`http`]), and the check that a run read as many
//! rows as its source announced ([`collect`]).

pub mod http;
pub mod ninja;
pub mod threatlocker;

pub use http::HttpPolicy;

use crate::model::history::Source;
use crate::ssr::services::history::snapshots::SnapshotIn;
use crate::ssr::services::jobs::{JobError, Reporter};
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

// --- settings --------------------------------------------------------------------------------

/// A value that must never be printed: `Debug` shows asterisks, and the Sources page and the
/// API show only "set" or "not set". Read it with [`Secret::expose`] where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value itself, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

/// A source's base URL: `http://` or `https://`, without a trailing slash. It may hold
/// credentials (`https://user:pass@host`): `Display` and `Debug` mask them
/// ([`crate::ssr::db::redact_url`]); requests are built from [`BaseUrl::as_str`].
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// The URL as text, without a trailing slash, credentials included: only for requests.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::ssr::db::redact_url(&self.0))
    }
}

impl std::fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BaseUrl({:?})", crate::ssr::db::redact_url(&self.0))
    }
}

/// One setting of a source, as its module declares it (see [`settings!`]); every name users
/// type is derived from `key` and the source's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The key without the source: `client_secret`.
    pub key: &'static str,
    /// One line of help for `census serve --help` and the README.
    pub help: &'static str,
    /// Read only from the environment or `census.toml`, never a flag; shown only as "set".
    pub secret: bool,
    /// The value when none is given.
    pub default: Option<&'static str>,
    /// Must be given once the source's first setting is (the source is then configured).
    pub required: bool,
}

impl Setting {
    /// The `census.toml` key of this setting of `source`: `ninja_client_secret`.
    pub fn file_key(&self, source: Source) -> String {
        format!("{}_{}", source.as_str(), self.key)
    }
    /// The environment variable: `CENSUS_NINJA_CLIENT_SECRET`.
    pub fn env(&self, source: Source) -> String {
        env_name(&self.file_key(source))
    }
}

/// The environment variable of a `census.toml` key: `ninja_url` → `CENSUS_NINJA_URL`.
pub fn env_name(file_key: &str) -> String {
    format!("CENSUS_{}", file_key.to_ascii_uppercase())
}

/// The command-line flag (without `--`) of a `census.toml` key: `ninja_url` → `ninja-url`.
pub fn flag_name(file_key: &str) -> String {
    file_key.replace('_', "-")
}

/// The `census.toml` key of a source's daily collection time: `schedule_ninja`
/// (`CENSUS_SCHEDULE_NINJA`).
pub fn schedule_key(source: Source) -> String {
    format!("schedule_{}", source.as_str())
}

/// The values given for one source's settings, by key without the source (`url`); a key is
/// absent when the setting was given nowhere (empty values count as not given).
pub type Values = BTreeMap<String, String>;

/// A Rust type a setting can have: how text becomes it, and how it is shown.
pub trait SettingType: Sized {
    /// Secret settings are never flags and are shown only as "set".
    const SECRET: bool = false;
    /// Optional settings may stay unset on a configured source.
    const OPTIONAL: bool = false;
    /// The value when the setting is absent, for optional settings.
    fn absent() -> Option<Self> {
        None
    }
    /// Parse a given value; `env` names the setting in the error.
    fn parse(env: &str, raw: &str) -> Result<Self, String>;
    /// The value as the Sources page shows it.
    fn show(&self) -> String;
}

impl SettingType for String {
    fn parse(_: &str, raw: &str) -> Result<Self, String> {
        Ok(raw.trim().to_string())
    }
    fn show(&self) -> String {
        self.clone()
    }
}

impl SettingType for Option<String> {
    const OPTIONAL: bool = true;
    fn absent() -> Option<Self> {
        Some(None)
    }
    fn parse(_: &str, raw: &str) -> Result<Self, String> {
        Ok(Some(raw.trim().to_string()))
    }
    fn show(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

impl SettingType for Secret {
    const SECRET: bool = true;
    fn parse(_: &str, raw: &str) -> Result<Self, String> {
        Ok(Secret::new(raw))
    }
    fn show(&self) -> String {
        "set".into()
    }
}

impl SettingType for BaseUrl {
    fn parse(env: &str, raw: &str) -> Result<Self, String> {
        let v = raw.trim().trim_end_matches('/');
        if !(v.starts_with("http://") || v.starts_with("https://")) {
            return Err(format!("{env} must start with http:// or https://"));
        }
        Ok(BaseUrl(v.to_string()))
    }
    fn show(&self) -> String {
        crate::ssr::db::redact_url(&self.0)
    }
}

/// A source's settings as one typed struct, generated by [`settings!`].
pub trait Settings: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The declarations, in order; the first one switches the source on.
    const SETTINGS: &'static [Setting];
    /// The settings of `source` from the given values: None when its first setting is not
    /// given (the source is off), an error naming the variables when a required one is
    /// missing or a value is invalid.
    fn from_values(source: Source, values: &Values) -> Result<Option<Self>, String>;
    /// Each setting's value as shown (secrets as "set"), in declaration order.
    fn shown(&self) -> Vec<String>;
}

/// Reads declared settings from given values (used by [`settings!`]).
pub struct Reader<'a> {
    source: Source,
    decls: &'static [Setting],
    values: &'a Values,
}

impl<'a> Reader<'a> {
    /// A reader of `source`'s `decls` over `values`.
    pub fn new(source: Source, decls: &'static [Setting], values: &'a Values) -> Reader<'a> {
        Reader {
            source,
            decls,
            values,
        }
    }
    /// Whether the first declared setting is given (the source is configured).
    pub fn enabled(&self) -> bool {
        self.decls
            .first()
            .is_some_and(|d| self.values.contains_key(d.key))
    }
    /// The setting `key`: its value, else its default, else (optional settings) absent;
    /// otherwise an error naming the first setting and this one.
    pub fn get<T: SettingType>(&self, key: &str) -> Result<T, String> {
        let decl = self
            .decls
            .iter()
            .find(|d| d.key == key)
            .expect("settings! reads only declared keys");
        let env = decl.env(self.source);
        match self.values.get(key).map(String::as_str).or(decl.default) {
            Some(raw) => T::parse(&env, raw),
            None => T::absent()
                .ok_or_else(|| format!("{} is set: set {env} too", self.decls[0].env(self.source))),
        }
    }
}

/// Declare a source's settings once: a typed struct whose fields are the settings, with their
/// help (the doc comment), type (`BaseUrl`, `String`, `Option<String>` for optional, `Secret`)
/// and default (`= "text"`). The first field switches the source on. Names users type are
/// derived from the field name and the source id (see [`Setting`]).
macro_rules! settings {
    (
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[doc = $help:literal])+ $field:ident : $ty:ty $(= $default:literal)? ),+ $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $( $(#[doc = $help])+ pub $field: $ty, )+
        }

        impl $crate::ssr::sources::Settings for $name {
            const SETTINGS: &'static [$crate::ssr::sources::Setting] = &[$(
                $crate::ssr::sources::Setting {
                    key: stringify!($field),
                    help: concat!($($help),+),
                    secret: <$ty as $crate::ssr::sources::SettingType>::SECRET,
                    default: $crate::ssr::sources::settings!(@default $($default)?),
                    required: !<$ty as $crate::ssr::sources::SettingType>::OPTIONAL
                        && $crate::ssr::sources::settings!(@default $($default)?).is_none(),
                },
            )+];

            fn from_values(
                source: $crate::model::history::Source,
                values: &$crate::ssr::sources::Values,
            ) -> Result<Option<Self>, String> {
                let read = $crate::ssr::sources::Reader::new(source, Self::SETTINGS, values);
                if !read.enabled() {
                    return Ok(None);
                }
                Ok(Some($name { $( $field: read.get(stringify!($field))?, )+ }))
            }

            fn shown(&self) -> Vec<String> {
                vec![$( $crate::ssr::sources::SettingType::show(&self.$field) ),+]
            }
        }
    };
    (@default) => { None::<&'static str> };
    (@default $d:literal) => { Some::<&'static str>($d) };
}
pub(crate) use settings;

/// A source's settings once configured, whatever their type (the registry hands them back to
/// the source that made them).
#[derive(Clone)]
pub struct Configured(Arc<dyn Any + Send + Sync>);

impl Configured {
    /// Typed settings, configured.
    pub fn new<S: Settings>(settings: S) -> Configured {
        Configured(Arc::new(settings))
    }
    /// The settings as the type a source declared; an error when they belong to another.
    pub fn get<S: Settings>(&self) -> Result<&S, JobError> {
        self.0.downcast_ref::<S>().ok_or_else(|| {
            JobError::Failed(
                "Internal error: a source was handed another source's settings.".into(),
            )
        })
    }
}

impl std::fmt::Debug for Configured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Configured(…)")
    }
}

// --- the trait -------------------------------------------------------------------------------

/// What a collection read: the day's devices, and what the source said it would send.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// The devices to save as the day's snapshots.
    pub items: Vec<SnapshotIn>,
    /// Rows the source sent, including rows deliberately left out of `items` (ThreatLocker's
    /// deleted computers).
    pub listed: usize,
    /// The number of rows the source announced (a paging total), when it announces one.
    pub announced: Option<usize>,
}

/// A source, typed: its settings, default schedule, and how it collects and tests. Every
/// `Collector` is a [`SourceImpl`], the face the registry hands out.
#[async_trait::async_trait]
pub trait Collector: Send + Sync + 'static {
    /// The settings, declared with [`settings!`].
    type Settings: Settings;
    /// The default daily collection time, `HH:MM` or `off`.
    const SCHEDULE: &'static str;
    /// What the source calls the rows it lists, for messages: `devices`, `computers`.
    const ROWS: &'static str;
    /// Read every device (the whole day, nothing written). Paging, retries and timeouts follow
    /// `policy`; `rep` takes log lines and progress and says when to stop.
    async fn collect(
        &self,
        settings: &Self::Settings,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<Collected, JobError>;
    /// Sign in and read a little; a message for the user on success.
    async fn test(
        &self,
        settings: &Self::Settings,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<String, JobError>;
}

/// A source as the registry hands it out (`Source::imp`): its declared settings, default
/// schedule, configuration, and collection and connection test over configured settings.
#[async_trait::async_trait]
pub trait SourceImpl: Send + Sync {
    /// The declared settings, in order.
    fn settings(&self) -> &'static [Setting];
    /// The default daily collection time, `HH:MM` or `off`.
    fn default_schedule(&self) -> &'static str;
    /// What the source calls the rows it lists: `devices`, `computers`.
    fn rows(&self) -> &'static str;
    /// The source's settings from given values (see [`Settings::from_values`]).
    fn configure(&self, source: Source, values: &Values) -> Result<Option<Configured>, String>;
    /// (environment variable, value) per setting for the Sources page; secrets as "set" or
    /// "not set", unset values empty.
    fn describe(&self, source: Source, cfg: Option<&Configured>) -> Vec<(String, String)>;
    /// See [`Collector::collect`].
    async fn collect(
        &self,
        cfg: &Configured,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<Collected, JobError>;
    /// See [`Collector::test`].
    async fn test(
        &self,
        cfg: &Configured,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<String, JobError>;
}

#[async_trait::async_trait]
impl<C: Collector> SourceImpl for C {
    fn settings(&self) -> &'static [Setting] {
        C::Settings::SETTINGS
    }
    fn default_schedule(&self) -> &'static str {
        C::SCHEDULE
    }
    fn rows(&self) -> &'static str {
        C::ROWS
    }
    fn configure(&self, source: Source, values: &Values) -> Result<Option<Configured>, String> {
        Ok(C::Settings::from_values(source, values)?.map(Configured::new))
    }
    fn describe(&self, source: Source, cfg: Option<&Configured>) -> Vec<(String, String)> {
        let shown = cfg
            .and_then(|c| c.get::<C::Settings>().ok())
            .map(|s| s.shown());
        C::Settings::SETTINGS
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let value = match &shown {
                    Some(v) => v[i].clone(),
                    None if d.secret => "not set".into(),
                    None => String::new(),
                };
                (d.env(source), value)
            })
            .collect()
    }
    async fn collect(
        &self,
        cfg: &Configured,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<Collected, JobError> {
        Collector::collect(self, cfg.get::<C::Settings>()?, policy, rep).await
    }
    async fn test(
        &self,
        cfg: &Configured,
        policy: &HttpPolicy,
        rep: &Reporter,
    ) -> Result<String, JobError> {
        Collector::test(self, cfg.get::<C::Settings>()?, policy, rep).await
    }
}

// --- the registry's shared code --------------------------------------------------------------

/// The failure of a run of a source that is not configured, naming the variables to set.
pub fn not_configured(source: Source) -> JobError {
    let names: Vec<String> = source
        .imp()
        .settings()
        .iter()
        .filter(|s| s.required)
        .map(|s| s.env(source))
        .collect();
    JobError::Failed(format!(
        "{} is not configured: set {}.",
        source.label(),
        crate::model::history::phrase(&names, "and")
    ))
}

/// Collect a day from `source` with its configured settings (None: not configured), and check
/// that the source sent as many rows as it announced: a run that falls short fails, and nothing
/// is written.
pub async fn collect(
    source: Source,
    cfg: Option<&Configured>,
    policy: &HttpPolicy,
    rep: &Reporter,
) -> Result<Vec<SnapshotIn>, JobError> {
    let cfg = cfg.ok_or_else(|| not_configured(source))?;
    let imp = source.imp();
    let got = imp.collect(cfg, policy, rep).await?;
    if let Some(announced) = got.announced
        && got.listed < announced
    {
        return Err(JobError::Failed(format!(
            "{} announced {announced} {} but sent {}; nothing was saved.",
            source.label(),
            imp.rows(),
            got.listed
        )));
    }
    Ok(got.items)
}

/// Test `source`'s connection with its configured settings, quickly: at most two tries and a
/// 20-second timeout whatever the collection policy.
pub async fn test(
    source: Source,
    cfg: Option<&Configured>,
    policy: &HttpPolicy,
) -> Result<String, JobError> {
    let cfg = cfg.ok_or_else(|| not_configured(source))?;
    let (rep, _rx) = Reporter::detached();
    let mut policy = policy.clone();
    policy.attempts = policy.attempts.min(2);
    policy.timeout = policy.timeout.min(Duration::from_secs(20));
    source.imp().test(cfg, &policy, &rep).await
}

#[cfg(test)]
mod tests {
    use super::ninja::NinjaSettings;
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn declarations_derive_names_and_mask_secrets() {
        let ninja = Source::Ninja.imp();
        let keys: Vec<(&str, bool, bool, Option<&str>)> = ninja
            .settings()
            .iter()
            .map(|s| (s.key, s.secret, s.required, s.default))
            .collect();
        assert_eq!(
            keys,
            [
                ("url", false, true, None),
                ("client_id", false, true, None),
                ("client_secret", true, true, None),
                ("scope", false, false, Some("monitoring")),
            ]
        );
        assert_eq!(
            ninja.settings()[2].env(Source::Ninja),
            "CENSUS_NINJA_CLIENT_SECRET"
        );
        assert_eq!(flag_name("threatlocker_org_id"), "threatlocker-org-id");
        assert_eq!(schedule_key(Source::Threatlocker), "schedule_threatlocker");
        assert_eq!(Source::Threatlocker.imp().default_schedule(), "03:00");

        // Off until the first setting is given; then every required one must be.
        assert!(
            ninja
                .configure(Source::Ninja, &values(&[]))
                .unwrap()
                .is_none()
        );
        assert_eq!(
            ninja
                .configure(Source::Ninja, &values(&[("url", "https://x")]))
                .unwrap_err(),
            "CENSUS_NINJA_URL is set: set CENSUS_NINJA_CLIENT_ID too"
        );
        let cfg = ninja
            .configure(
                Source::Ninja,
                &values(&[
                    ("url", "https://eu.ninjarmm.com/"),
                    ("client_id", " id "),
                    ("client_secret", "s3cret"),
                ]),
            )
            .unwrap()
            .unwrap();
        let s = cfg.get::<NinjaSettings>().unwrap();
        assert_eq!(
            (s.url.as_str(), s.client_id.as_str(), s.scope.as_str()),
            ("https://eu.ninjarmm.com", "id", "monitoring")
        );
        assert!(!format!("{s:?}").contains("s3cret"));
        assert!(
            cfg.get::<threatlocker::ThreatLockerSettings>().is_err(),
            "another source's settings type"
        );
        // The Sources page: variables and values, secrets only as set / not set.
        let shown = ninja.describe(Source::Ninja, Some(&cfg));
        assert_eq!(
            shown,
            [
                ("CENSUS_NINJA_URL".into(), "https://eu.ninjarmm.com".into()),
                ("CENSUS_NINJA_CLIENT_ID".into(), "id".into()),
                ("CENSUS_NINJA_CLIENT_SECRET".into(), "set".into()),
                ("CENSUS_NINJA_SCOPE".into(), "monitoring".into()),
            ]
        );
        let off = Source::Threatlocker
            .imp()
            .describe(Source::Threatlocker, None);
        assert_eq!(
            off,
            [
                ("CENSUS_THREATLOCKER_URL".to_string(), String::new()),
                ("CENSUS_THREATLOCKER_API_KEY".into(), "not set".into()),
                ("CENSUS_THREATLOCKER_ORG_ID".into(), String::new()),
            ]
        );
        assert_eq!(
            not_configured(Source::Threatlocker),
            JobError::Failed(
                "ThreatLocker is not configured: set CENSUS_THREATLOCKER_URL and CENSUS_THREATLOCKER_API_KEY."
                    .into()
            )
        );
    }
}
