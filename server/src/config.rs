//! Settings, each declared once: the core settings below (with [`core_settings!`]) and each
//! source's in its own module (`app::ssr::sources`, with their daily schedule). Every name users
//! type is derived from a setting's `census.toml` key: `ninja_url` is the variable
//! `CENSUS_NINJA_URL` and the flag `--ninja-url` (secrets are never flags: only the environment
//! or the file).
//!
//! Layers, each overriding the one before: defaults → `census.toml` → `CENSUS_*` environment →
//! command-line flags. The layering is figment's (`Figment::merge`): a well-kept library that
//! merges providers, parses TOML, reads prefixed environment variables and says which layer a
//! bad value came from, rather than our own merging code repeated per setting. Values from the
//! environment and flags are taken verbatim as text (a secret such as `[x]` stays as it is) and
//! read as numbers or booleans only where a setting is one.

use anyhow::{Context, Result};
use app::model::history::Source;
use app::ssr::sources::{Configured, Settings, Values, env_name, flag_name, schedule_key};
use figment::providers::{Env, Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a setting applies, and so which flags carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every command (a global flag).
    Global,
    /// `census serve` only.
    Serve,
    /// Sources and jobs: every command (global flags under their own help heading).
    Jobs,
}

/// One setting as the configuration knows it; its names are derived from `key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The `census.toml` key: `ninja_url`.
    pub key: String,
    /// One line of help.
    pub help: String,
    /// Never a flag; shown only as "set".
    pub secret: bool,
    /// The value when none is given (as text; None: unset, or computed at load).
    pub default: Option<String>,
    /// Which commands take it as a flag.
    pub scope: Scope,
}

impl Declared {
    /// The environment variable: `CENSUS_NINJA_URL`.
    pub fn env(&self) -> String {
        env_name(&self.key)
    }
    /// The flag without `--`: `ninja-url`.
    pub fn flag(&self) -> String {
        flag_name(&self.key)
    }
    /// The help line of the flag: help, variable and default.
    fn help_line(&self) -> String {
        let default = self
            .default
            .as_ref()
            .map(|d| format!(" [default: {d}]"))
            .unwrap_or_default();
        format!("{}{default} [env: {}]", self.help, self.env())
    }
}

/// Declare the core settings once: a field of [`Core`] each, with its help (doc comment), type,
/// scope and default (`= "text"`, read like any given value).
macro_rules! core_settings {
    ($( $(#[doc = $help:literal])+ $field:ident : $ty:ty [$scope:ident] $(= $default:expr)? ;)+) => {
        /// The core settings after layering, extracted from the merged layers in one piece.
        #[derive(Clone, Debug, Deserialize)]
        pub struct Core {
            $( $(#[doc = $help])+ pub $field: $ty, )+
        }

        /// The declarations of the core settings, in order.
        fn core_declared() -> Vec<Declared> {
            vec![$(
                Declared {
                    key: stringify!($field).to_string(),
                    help: concat!($($help),+).trim().to_string(),
                    secret: false,
                    default: core_settings!(@default $($default)?),
                    scope: Scope::$scope,
                },
            )+]
        }
    };
    (@default) => { None };
    (@default $d:expr) => { Some(($d).to_string()) };
}

core_settings! {
    /// Database URL: sqlite://census.db?mode=rwc or postgres://user:pass@host/db
    database_url: String [Global] = app::ssr::db::DEFAULT_URL;
    /// Log format: human or json
    log_format: String [Global] = "human";
    /// Log filter, e.g. info or census=debug,tower_http=info
    log: String [Global] = "info";
    /// Address to listen on
    addr: String [Serve] = "127.0.0.1:3000";
    /// Folder with the web assets (pkg/, favicon) [default: site/ beside the binary, else target/site]
    site_root: Option<PathBuf> [Serve];
    /// Mark the session cookie Secure (set when Census is served over HTTPS)
    cookie_secure: bool [Serve] = false;
    /// Trust X-Forwarded-For for the client address (set behind a reverse proxy)
    trust_proxy: bool [Serve] = false;
    /// Days a session lasts without use
    session_days: i64 [Serve] = 14;
    /// Seconds a request may take before it is stopped with 503 (1-3600)
    request_timeout: u64 [Serve] = 30;
    /// Origins besides Census's own address allowed to send signed-in writes, comma-separated (e.g. https://census.example.com behind a proxy that rewrites Host)
    trusted_origins: Option<String> [Serve];
    /// Time zone of job schedules and of "today"
    timezone: String [Jobs] = "UTC";
    /// Jobs one instance runs at the same time
    job_workers: usize [Jobs] = 2;
    /// Daily retention time, HH:MM or off
    schedule_retention: String [Jobs] = "04:00";
}

/// Every setting: the core ones, then per source (registry order) its settings and its daily
/// schedule.
pub fn declared() -> Vec<Declared> {
    let mut out = core_declared();
    for source in Source::ALL {
        let imp = source.imp();
        for s in imp.settings() {
            out.push(Declared {
                key: s.file_key(source),
                help: s.help.trim().to_string(),
                secret: s.secret,
                default: s.default.map(str::to_string),
                scope: Scope::Jobs,
            });
        }
        out.push(Declared {
            key: schedule_key(source),
            help: format!("Daily {} collection time, HH:MM or off", source.label()),
            secret: false,
            default: Some(imp.default_schedule().to_string()),
            scope: Scope::Jobs,
        });
    }
    out
}

/// The non-secret settings as flags: `SERVE` false gives the global ones (every command), true
/// those of `census serve`. The derive-free `clap::Args` builds the flags from [`declared`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flags<const SERVE: bool> {
    /// Given flags by `census.toml` key, verbatim.
    pub values: BTreeMap<String, String>,
}

impl<const SERVE: bool> Flags<SERVE> {
    fn declared() -> Vec<Declared> {
        declared()
            .into_iter()
            .filter(|d| !d.secret && (d.scope == Scope::Serve) == SERVE)
            .collect()
    }
    /// Flags with these values (for tests and tools): (`census.toml` key, value).
    pub fn with(values: &[(&str, &str)]) -> Self {
        Flags {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

impl<const SERVE: bool> clap::FromArgMatches for Flags<SERVE> {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut f = Flags::default();
        f.update_from_arg_matches(m)?;
        Ok(f)
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        for d in Self::declared() {
            if let Ok(Some(v)) = m.try_get_one::<String>(&d.key) {
                self.values.insert(d.key.clone(), v.clone());
            }
        }
        Ok(())
    }
}

impl<const SERVE: bool> clap::Args for Flags<SERVE> {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        if SERVE {
            let secrets: Vec<String> = declared()
                .iter()
                .filter(|d| d.secret)
                .map(Declared::env)
                .collect();
            cmd = cmd.after_help(format!(
                "Secrets are read from the environment or census.toml only, never from flags: {}.",
                app::model::history::phrase(&secrets, "and")
            ));
        }
        for d in Self::declared() {
            let mut a = clap::Arg::new(d.key.clone())
                .long(d.flag())
                .value_name(d.key.to_uppercase())
                .help(d.help_line())
                .action(clap::ArgAction::Set);
            if !SERVE {
                a = a.global(true);
            }
            if d.scope == Scope::Jobs {
                a = a.help_heading("Sources and jobs");
            }
            cmd = cmd.arg(a);
        }
        cmd
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// Settings shared by every command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Configuration file (default: ./census.toml when it exists)
    #[arg(long, global = true, env = "CENSUS_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Flags<false>,
}

/// Settings of `census serve`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub settings: Flags<true>,
}

/// A job's daily time, or off.
pub type Schedule = Option<chrono::NaiveTime>;

/// One source as the job runner sees it.
#[derive(Clone, Debug)]
pub struct SourceJobs {
    /// Its settings, when configured.
    pub config: Option<Configured>,
    /// Its daily collection time.
    pub schedule: Schedule,
}

/// What the job runner needs: the time zone, the workers, and every source of the registry.
#[derive(Clone, Debug)]
pub struct JobsConfig {
    /// The zone of the schedules and of "today".
    pub timezone: chrono_tz::Tz,
    /// The daily retention run's time.
    pub schedule_retention: Schedule,
    /// Runs one instance executes at the same time (1–16).
    pub workers: usize,
    /// Every source in the registry, configured or not.
    pub sources: BTreeMap<Source, SourceJobs>,
}

impl Default for JobsConfig {
    /// No source configured, each on its default schedule; UTC, retention at 04:00, 2 workers.
    fn default() -> Self {
        JobsConfig {
            timezone: chrono_tz::UTC,
            schedule_retention: chrono::NaiveTime::from_hms_opt(4, 0, 0),
            workers: 2,
            sources: Source::ALL
                .into_iter()
                .map(|s| {
                    let schedule = parse_schedule("", s.imp().default_schedule())
                        .expect("a source's default schedule is HH:MM or off");
                    (
                        s,
                        SourceJobs {
                            config: None,
                            schedule,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl JobsConfig {
    /// This configuration with `source` configured by `settings` (its module's settings type).
    pub fn with<S: Settings>(mut self, source: Source, settings: S) -> JobsConfig {
        self.entry(source).config = Some(Configured::new(settings));
        self
    }
    /// This configuration with `source` collected daily at `schedule`.
    pub fn with_schedule(mut self, source: Source, schedule: Schedule) -> JobsConfig {
        self.entry(source).schedule = schedule;
        self
    }
    fn entry(&mut self, source: Source) -> &mut SourceJobs {
        self.sources.entry(source).or_insert(SourceJobs {
            config: None,
            schedule: None,
        })
    }
    /// A source's settings, when configured.
    pub fn configured(&self, source: Source) -> Option<&Configured> {
        self.sources.get(&source).and_then(|s| s.config.as_ref())
    }
    /// A source's daily collection time.
    pub fn schedule(&self, source: Source) -> Schedule {
        self.sources.get(&source).and_then(|s| s.schedule)
    }
}

/// `HH:MM` (24-hour) or `off`; the error names the variable.
fn parse_schedule(env: &str, v: &str) -> Result<Schedule> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    chrono::NaiveTime::parse_from_str(v, "%H:%M")
        .map(Some)
        .map_err(|_| anyhow::anyhow!("{env} must be a time as HH:MM (24-hour) or off, not {v:?}"))
}

/// The settings of a running Census, checked (see [`Core`] for each one's meaning).
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Address to listen on (`host:port`).
    pub addr: String,
    /// The web assets: given, else `site/` beside the binary, else `target/site`.
    pub site_root: PathBuf,
    pub cookie_secure: bool,
    pub trust_proxy: bool,
    /// 1–365.
    pub session_days: i64,
    /// The time limit of a request (1 s – 1 h); past it the request is stopped with 503.
    pub request_timeout: std::time::Duration,
    /// Origins (`scheme://host[:port]`, lower case) allowed besides the request's own `Host`
    /// to send cookie-authenticated writes.
    pub trusted_origins: Vec<String>,
    /// Logs as JSON lines (`log_format = json`) rather than for people.
    pub log_json: bool,
    /// The log filter.
    pub log: String,
    /// The job runner's settings, sources included.
    pub jobs: JobsConfig,
}

/// A layer of given values (the environment, the flags) under a name for error messages.
struct Given {
    name: &'static str,
    values: Dict,
}

impl Provider for Given {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }
    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// Given text values as a layer: empty values count as not given; only declared keys are kept.
fn given(
    name: &'static str,
    pairs: impl IntoIterator<Item = (String, String)>,
    keys: &BTreeSet<String>,
) -> Given {
    Given {
        name,
        values: pairs
            .into_iter()
            .filter(|(k, v)| keys.contains(k) && !v.trim().is_empty())
            .map(|(k, v)| (k, Value::from(v)))
            .collect(),
    }
}

/// The environment's `CENSUS_*` variables that name a declared setting, keyed like the file.
fn environment(keys: &BTreeSet<String>) -> Vec<(String, String)> {
    let only: Vec<&str> = keys.iter().map(String::as_str).collect();
    Env::prefixed("CENSUS_")
        .only(&only)
        .iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// A figment error as a message naming the setting's variable and the layer it came from.
fn explain(e: figment::Error) -> anyhow::Error {
    let key = e.path.join(".");
    let from = e
        .metadata
        .as_ref()
        .map(|m| format!(" (given in {})", m.name))
        .unwrap_or_default();
    if key.is_empty() {
        anyhow::anyhow!("{}{from}", e.kind)
    } else {
        anyhow::anyhow!("{}: {}{from}", env_name(&key), e.kind)
    }
}

/// `CENSUS_TRUSTED_ORIGINS`: comma-separated `scheme://host[:port]` origins, each parsed by the
/// URL library and kept in its serialised form (lower case, default port dropped) so it compares
/// equal to what browsers send in `Origin`.
fn parse_origins(text: &str) -> Result<Vec<String>> {
    let mut out = vec![];
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let url = reqwest::Url::parse(item).map_err(|e| {
            anyhow::anyhow!("CENSUS_TRUSTED_ORIGINS: {item:?} is not an origin ({e})")
        })?;
        let origin = url.origin();
        if !origin.is_tuple()
            || !matches!(url.scheme(), "http" | "https")
            || !matches!(url.path(), "" | "/")
            || url.query().is_some()
            || !url.username().is_empty()
        {
            anyhow::bail!(
                "CENSUS_TRUSTED_ORIGINS: {item:?} is not an origin; write scheme://host[:port], e.g. https://census.example.com"
            );
        }
        out.push(origin.ascii_serialization());
    }
    Ok(out)
}

/// The web assets: given, else `site/` beside the binary, else `target/site`.
fn default_site_root() -> PathBuf {
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        let beside = dir.join("site");
        if beside.join("pkg").exists() {
            return beside;
        }
        // target/release/census → target/site
        if let Some(target) = dir.parent() {
            let site = target.join("site");
            if site.join("pkg").exists() {
                return site;
            }
        }
    }
    PathBuf::from("target/site")
}

impl Config {
    /// A configuration from defaults alone (no file, no environment), for tests and tools.
    pub fn defaults(database_url: &str, jobs: JobsConfig) -> Config {
        Config {
            database_url: database_url.to_string(),
            addr: "127.0.0.1:0".into(),
            site_root: std::env::temp_dir().join("census-no-site"),
            cookie_secure: false,
            trust_proxy: false,
            session_days: 14,
            request_timeout: std::time::Duration::from_secs(30),
            trusted_origins: vec![],
            log_json: false,
            log: "warn".into(),
            jobs,
        }
    }

    /// The configuration from the flags, the environment and `census.toml` (or the file
    /// `--config`/`CENSUS_CONFIG` names, which must then exist).
    pub fn load(g: &GlobalArgs, s: &ServeArgs) -> Result<Config> {
        let keys: BTreeSet<String> = declared().into_iter().map(|d| d.key).collect();
        let mut flags = g.settings.values.clone();
        flags.extend(s.settings.values.clone());
        Config::layered(g.config.as_deref(), environment(&keys), flags)
    }

    /// The configuration from defaults, the file (`file`, else `./census.toml` when it exists),
    /// the given environment (`census.toml` keys, e.g. `ninja_url`) and flags, each layer
    /// overriding the one before. Unknown keys in the file are an error; unknown environment
    /// and flag keys are ignored.
    pub fn layered(
        file: Option<&Path>,
        env: Vec<(String, String)>,
        flags: BTreeMap<String, String>,
    ) -> Result<Config> {
        let decls = declared();
        let keys: BTreeSet<String> = decls.iter().map(|d| d.key.clone()).collect();
        let defaults = given(
            "the defaults",
            decls
                .iter()
                .filter_map(|d| Some((d.key.clone(), d.default.clone()?))),
            &keys,
        );
        let mut fig = Figment::new().merge(defaults);
        let (path, required) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("census.toml"), false),
        };
        if path.exists() {
            let toml = Toml::file_exact(&path);
            let data = toml
                .data()
                .map_err(explain)
                .with_context(|| format!("in {}", path.display()))?;
            for key in data.values().flat_map(|d| d.keys()) {
                if !keys.contains(key) {
                    anyhow::bail!(
                        "in {}: unknown setting `{key}`; the settings are: {}",
                        path.display(),
                        decls
                            .iter()
                            .map(|d| d.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            fig = fig.merge(toml);
        } else if required {
            anyhow::bail!("configuration file {} does not exist", path.display());
        }
        let fig = fig.merge(given("the environment", env, &keys)).merge(given(
            "the command line",
            flags,
            &keys,
        ));
        Config::from_figment(&fig)
    }

    /// Read the merged layers into typed, checked settings.
    fn from_figment(fig: &Figment) -> Result<Config> {
        let core: Core = fig.extract_lossy().map_err(explain)?;
        let log_format = core.log_format.trim();
        if !matches!(log_format, "human" | "json") {
            anyhow::bail!("CENSUS_LOG_FORMAT must be human or json, not {log_format}");
        }
        if !(1..=365).contains(&core.session_days) {
            anyhow::bail!("CENSUS_SESSION_DAYS must be from 1 to 365");
        }
        if !(1..=3600).contains(&core.request_timeout) {
            anyhow::bail!("CENSUS_REQUEST_TIMEOUT must be from 1 to 3600 (seconds)");
        }
        let trusted_origins = parse_origins(core.trusted_origins.as_deref().unwrap_or(""))?;
        if !(1..=16).contains(&core.job_workers) {
            anyhow::bail!("CENSUS_JOB_WORKERS must be from 1 to 16");
        }
        let tz_name = core.timezone.trim();
        let timezone: chrono_tz::Tz = tz_name.parse().map_err(|_| {
            anyhow::anyhow!(
                "CENSUS_TIMEZONE {tz_name:?} is not a known time zone (e.g. Europe/London)"
            )
        })?;
        let text = |key: &str| -> Result<Option<String>> {
            if !fig.contains(key) {
                return Ok(None);
            }
            fig.extract_inner::<String>(key).map(Some).map_err(explain)
        };
        let mut sources = BTreeMap::new();
        for source in Source::ALL {
            let imp = source.imp();
            let mut values = Values::new();
            for s in imp.settings() {
                if let Some(v) = text(&s.file_key(source))? {
                    values.insert(s.key.to_string(), v);
                }
            }
            let config = imp.configure(source, &values).map_err(anyhow::Error::msg)?;
            let key = schedule_key(source);
            let schedule = parse_schedule(
                &env_name(&key),
                &text(&key)?.unwrap_or_else(|| imp.default_schedule().to_string()),
            )?;
            sources.insert(source, SourceJobs { config, schedule });
        }
        Ok(Config {
            database_url: core.database_url,
            addr: core.addr,
            site_root: core.site_root.unwrap_or_else(default_site_root),
            cookie_secure: core.cookie_secure,
            trust_proxy: core.trust_proxy,
            session_days: core.session_days,
            request_timeout: std::time::Duration::from_secs(core.request_timeout),
            trusted_origins,
            log_json: log_format == "json",
            log: core.log,
            jobs: JobsConfig {
                timezone,
                schedule_retention: parse_schedule(
                    "CENSUS_SCHEDULE_RETENTION",
                    &core.schedule_retention,
                )?,
                workers: core.job_workers,
                sources,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ssr::sources::ninja::NinjaSettings;
    use app::ssr::sources::threatlocker::ThreatLockerSettings;
    use app::ssr::sources::{BaseUrl, Secret, SettingType};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn flags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        Flags::<false>::with(pairs).values
    }

    fn temp_file(name: &str, text: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("census-cfg-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("census.toml");
        std::fs::write(&file, text).unwrap();
        (dir, file)
    }

    fn ninja(c: &Config) -> Option<NinjaSettings> {
        c.jobs
            .configured(Source::Ninja)
            .map(|c| c.get::<NinjaSettings>().unwrap().clone())
    }

    #[test]
    fn file_fills_in_what_flags_leave_open() {
        let (dir, file) = temp_file(
            "fill",
            "addr = \"0.0.0.0:8080\"\ncookie_secure = true\nlog_format = \"json\"\n",
        );
        let g = GlobalArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        let c = Config::load(&g, &ServeArgs::default()).unwrap();
        assert_eq!(c.addr, "0.0.0.0:8080");
        assert!(c.cookie_secure && c.log_json);
        assert_eq!(c.database_url, app::ssr::db::DEFAULT_URL);
        let s = ServeArgs {
            settings: Flags::with(&[("addr", "127.0.0.1:9")]),
        };
        assert_eq!(Config::load(&g, &s).unwrap().addr, "127.0.0.1:9");
        std::fs::write(&file, "colour = 1\n").unwrap();
        let e = Config::load(&g, &ServeArgs::default()).unwrap_err();
        assert!(e.to_string().contains("unknown setting `colour`"), "{e}");
        // A nested table is not a setting either.
        std::fs::write(&file, "[ninja]\nurl = \"https://x\"\n").unwrap();
        assert!(Config::load(&g, &ServeArgs::default()).is_err());
        std::fs::remove_dir_all(dir).ok();
        let missing = GlobalArgs {
            config: Some("/nonexistent/census.toml".into()),
            ..Default::default()
        };
        let e = Config::load(&missing, &ServeArgs::default()).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }

    #[test]
    fn layers_override_in_order_defaults_file_environment_flags() {
        let (dir, file) = temp_file(
            "order",
            "session_days = 20\nlog = \"debug\"\nninja_scope = \"from-file\"\njob_workers = 3\n",
        );
        let c = Config::layered(Some(&file), vec![], BTreeMap::new()).unwrap();
        assert_eq!(
            (c.session_days, c.log.as_str(), c.jobs.workers),
            (20, "debug", 3)
        );
        assert_eq!(c.addr, "127.0.0.1:3000");
        let e = env(&[
            ("session_days", "30"),
            ("log", "warn"),
            ("trust_proxy", "true"),
            ("unknown_thing", "x"),
        ]);
        let c = Config::layered(Some(&file), e.clone(), BTreeMap::new()).unwrap();
        assert_eq!(
            (c.session_days, c.log.as_str(), c.trust_proxy),
            (30, "warn", true)
        );
        let f = flags(&[("log", "error"), ("session_days", "40")]);
        let c = Config::layered(Some(&file), e, f).unwrap();
        assert_eq!((c.session_days, c.log.as_str()), (40, "error"));
        // Empty values count as not given.
        let c = Config::layered(Some(&file), env(&[("log", " ")]), BTreeMap::new()).unwrap();
        assert_eq!(c.log, "debug");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn sources_from_declared_names_with_secrets_from_environment_or_file() {
        assert!(ninja(&Config::layered(None, vec![], BTreeMap::new()).unwrap()).is_none());
        let e = env(&[
            ("ninja_url", "https://eu.ninjarmm.com/"),
            ("ninja_client_id", "id-1"),
            ("ninja_client_secret", "[verbatim] \"secret\""),
        ]);
        let c = Config::layered(None, e.clone(), BTreeMap::new()).unwrap();
        assert_eq!(
            ninja(&c).unwrap(),
            NinjaSettings {
                url: BaseUrl::parse("", "https://eu.ninjarmm.com").unwrap(),
                client_id: "id-1".into(),
                client_secret: Secret::new("[verbatim] \"secret\""),
                scope: "monitoring".into(),
            }
        );
        assert!(c.jobs.configured(Source::Threatlocker).is_none());
        assert_eq!(
            c.jobs.schedule(Source::Ninja),
            chrono::NaiveTime::from_hms_opt(2, 0, 0)
        );
        assert_eq!(
            c.jobs.schedule(Source::Threatlocker),
            chrono::NaiveTime::from_hms_opt(3, 0, 0)
        );
        // A flag overrides the variable; the schedule is per source.
        let f = flags(&[("ninja_client_id", "id-2"), ("schedule_ninja", "off")]);
        let c = Config::layered(None, e, f).unwrap();
        assert_eq!(ninja(&c).unwrap().client_id, "id-2");
        assert_eq!(c.jobs.schedule(Source::Ninja), None);
        // Missing and invalid settings name the variables.
        let err = |pairs: &[(&str, &str)]| {
            Config::layered(None, env(pairs), BTreeMap::new())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[("ninja_url", "https://x"), ("ninja_client_id", "a")]),
            "CENSUS_NINJA_URL is set: set CENSUS_NINJA_CLIENT_SECRET too"
        );
        assert_eq!(
            err(&[
                ("threatlocker_url", "portal"),
                ("threatlocker_api_key", "k")
            ]),
            "CENSUS_THREATLOCKER_URL must start with http:// or https://"
        );
        assert!(
            err(&[("schedule_threatlocker", "25:00")]).contains("CENSUS_SCHEDULE_THREATLOCKER")
        );
        assert!(err(&[("session_days", "abc")]).starts_with("CENSUS_SESSION_DAYS: "));
        assert_eq!(
            err(&[("session_days", "0")]),
            "CENSUS_SESSION_DAYS must be from 1 to 365"
        );
        assert!(err(&[("timezone", "Mars/Olympus")]).contains("not a known time zone"));
        // Secrets come from the file too, and are never flags.
        let (dir, file) = temp_file(
            "secret",
            "threatlocker_url = \"https://portalapi.g.threatlocker.com\"\nthreatlocker_api_key = \"tl-key\"\n",
        );
        let c = Config::layered(Some(&file), vec![], BTreeMap::new()).unwrap();
        let tl = c.jobs.configured(Source::Threatlocker).unwrap();
        let tl = tl.get::<ThreatLockerSettings>().unwrap();
        assert_eq!(
            (tl.api_key.expose(), tl.org_id.as_deref()),
            ("tl-key", None)
        );
        assert!(!format!("{c:?}").contains("tl-key"));
        std::fs::remove_dir_all(dir).ok();
        let flags = Flags::<false>::declared();
        assert!(flags.iter().all(|d| !d.secret));
        assert!(flags.iter().any(|d| d.key == "ninja_url"));
        assert!(!flags.iter().any(|d| d.key == "ninja_client_secret"));
    }

    #[test]
    fn names_are_derived_and_every_readme_name_is_declared() {
        let names: BTreeSet<String> = declared().iter().map(Declared::env).collect();
        for n in [
            "CENSUS_DATABASE_URL",
            "CENSUS_ADDR",
            "CENSUS_SITE_ROOT",
            "CENSUS_COOKIE_SECURE",
            "CENSUS_TRUST_PROXY",
            "CENSUS_SESSION_DAYS",
            "CENSUS_REQUEST_TIMEOUT",
            "CENSUS_TRUSTED_ORIGINS",
            "CENSUS_LOG_FORMAT",
            "CENSUS_LOG",
            "CENSUS_NINJA_URL",
            "CENSUS_NINJA_CLIENT_ID",
            "CENSUS_NINJA_CLIENT_SECRET",
            "CENSUS_NINJA_SCOPE",
            "CENSUS_THREATLOCKER_URL",
            "CENSUS_THREATLOCKER_API_KEY",
            "CENSUS_THREATLOCKER_ORG_ID",
            "CENSUS_TIMEZONE",
            "CENSUS_SCHEDULE_NINJA",
            "CENSUS_SCHEDULE_THREATLOCKER",
            "CENSUS_SCHEDULE_RETENTION",
            "CENSUS_JOB_WORKERS",
        ] {
            assert!(names.contains(n), "{n}");
        }
        assert_eq!(names.len(), 22);
        let serve = Flags::<true>::declared();
        assert_eq!(
            serve.iter().map(Declared::flag).collect::<Vec<_>>(),
            [
                "addr",
                "site-root",
                "cookie-secure",
                "trust-proxy",
                "session-days",
                "request-timeout",
                "trusted-origins"
            ]
        );
    }
}
