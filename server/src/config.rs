//! Settings: command-line flags, `CENSUS_*` environment variables, and an optional `census.toml`
//! (flags and variables win over the file; the file wins over defaults).

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Settings shared by every command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Database URL: sqlite://census.db?mode=rwc (default) or postgres://user:pass@host/db
    #[arg(long, global = true, env = "CENSUS_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Configuration file (default: ./census.toml when it exists)
    #[arg(long, global = true, env = "CENSUS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format: human or json
    #[arg(long, global = true, env = "CENSUS_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or census=debug,tower_http=info
    #[arg(long, global = true, env = "CENSUS_LOG")]
    pub log: Option<String>,
    #[command(flatten)]
    pub sources: SourceArgs,
}

/// Collector sources and job schedules (shared by `serve` and the job commands). Secrets are
/// read from the environment or `census.toml` only, never from flags.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Sources and jobs")]
pub struct SourceArgs {
    /// Time zone of job schedules and of "today" [default: UTC]
    #[arg(long, global = true, env = "CENSUS_TIMEZONE")]
    pub timezone: Option<String>,
    /// NinjaOne base URL, e.g. https://eu.ninjarmm.com
    #[arg(long, global = true, env = "CENSUS_NINJA_URL")]
    pub ninja_url: Option<String>,
    /// NinjaOne API client id
    #[arg(long, global = true, env = "CENSUS_NINJA_CLIENT_ID")]
    pub ninja_client_id: Option<String>,
    /// NinjaOne API client secret (environment or census.toml only)
    #[arg(skip)]
    pub ninja_client_secret: Option<String>,
    /// NinjaOne OAuth scope [default: monitoring]
    #[arg(long, global = true, env = "CENSUS_NINJA_SCOPE")]
    pub ninja_scope: Option<String>,
    /// ThreatLocker portal API base URL, e.g. https://portalapi.g.threatlocker.com
    #[arg(long, global = true, env = "CENSUS_THREATLOCKER_URL")]
    pub threatlocker_url: Option<String>,
    /// ThreatLocker API key (environment or census.toml only)
    #[arg(skip)]
    pub threatlocker_api_key: Option<String>,
    /// ThreatLocker managed organisation id (optional)
    #[arg(long, global = true, env = "CENSUS_THREATLOCKER_ORG_ID")]
    pub threatlocker_org_id: Option<String>,
    /// Daily NinjaOne collection time, HH:MM or off [default: 02:00]
    #[arg(long, global = true, env = "CENSUS_SCHEDULE_NINJA")]
    pub schedule_ninja: Option<String>,
    /// Daily ThreatLocker collection time, HH:MM or off [default: 03:00]
    #[arg(long, global = true, env = "CENSUS_SCHEDULE_THREATLOCKER")]
    pub schedule_threatlocker: Option<String>,
    /// Daily retention time, HH:MM or off [default: 04:00]
    #[arg(long, global = true, env = "CENSUS_SCHEDULE_RETENTION")]
    pub schedule_retention: Option<String>,
    /// Jobs one instance runs at the same time [default: 2]
    #[arg(long, global = true, env = "CENSUS_JOB_WORKERS")]
    pub job_workers: Option<usize>,
}

/// Settings of `census serve`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:3000]
    #[arg(long, env = "CENSUS_ADDR")]
    pub addr: Option<String>,
    /// Folder with the web assets (pkg/, favicon) [default: site/ beside the binary, else target/site]
    #[arg(long, env = "CENSUS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Mark the session cookie Secure (set when Census is served over HTTPS)
    #[arg(long, env = "CENSUS_COOKIE_SECURE")]
    pub cookie_secure: Option<bool>,
    /// Trust X-Forwarded-For for the client address (set behind a reverse proxy)
    #[arg(long, env = "CENSUS_TRUST_PROXY")]
    pub trust_proxy: Option<bool>,
    /// Days a session lasts without use [default: 14]
    #[arg(long, env = "CENSUS_SESSION_DAYS")]
    pub session_days: Option<i64>,
}

/// The optional `census.toml`: the same settings, named like the variables without `CENSUS_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    addr: Option<String>,
    site_root: Option<PathBuf>,
    cookie_secure: Option<bool>,
    trust_proxy: Option<bool>,
    session_days: Option<i64>,
    log_format: Option<String>,
    log: Option<String>,
    timezone: Option<String>,
    ninja_url: Option<String>,
    ninja_client_id: Option<String>,
    ninja_client_secret: Option<String>,
    ninja_scope: Option<String>,
    threatlocker_url: Option<String>,
    threatlocker_api_key: Option<String>,
    threatlocker_org_id: Option<String>,
    schedule_ninja: Option<String>,
    schedule_threatlocker: Option<String>,
    schedule_retention: Option<String>,
    job_workers: Option<usize>,
}

/// A value that must never be printed: `Debug` shows asterisks.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NinjaConfig {
    /// Without a trailing slash.
    pub url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThreatLockerConfig {
    pub url: String,
    pub api_key: Secret,
    pub org_id: Option<String>,
}

/// A job's daily time, or off.
pub type Schedule = Option<chrono::NaiveTime>;

#[derive(Debug, Clone)]
pub struct JobsConfig {
    pub timezone: chrono_tz::Tz,
    pub ninja: Option<NinjaConfig>,
    pub threatlocker: Option<ThreatLockerConfig>,
    pub schedule_ninja: Schedule,
    pub schedule_threatlocker: Schedule,
    pub schedule_retention: Schedule,
    pub workers: usize,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            timezone: chrono_tz::UTC,
            ninja: None,
            threatlocker: None,
            schedule_ninja: chrono::NaiveTime::from_hms_opt(2, 0, 0),
            schedule_threatlocker: chrono::NaiveTime::from_hms_opt(3, 0, 0),
            schedule_retention: chrono::NaiveTime::from_hms_opt(4, 0, 0),
            workers: 2,
        }
    }
}

fn parse_schedule(name: &str, v: Option<String>, default: &str) -> Result<Schedule> {
    let v = v.unwrap_or_else(|| default.to_string());
    let v = v.trim();
    if v.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    chrono::NaiveTime::parse_from_str(v, "%H:%M")
        .map(Some)
        .map_err(|_| anyhow::anyhow!("{name} must be a time as HH:MM (24-hour) or off, not {v:?}"))
}

fn base_url(name: &str, v: String) -> Result<String> {
    let v = v.trim().trim_end_matches('/').to_string();
    if !(v.starts_with("http://") || v.starts_with("https://")) {
        anyhow::bail!("{name} must start with http:// or https://");
    }
    Ok(v)
}

fn env_secret(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty())
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub addr: String,
    pub site_root: PathBuf,
    pub cookie_secure: bool,
    pub trust_proxy: bool,
    pub session_days: i64,
    pub log_json: bool,
    pub log: String,
    pub jobs: JobsConfig,
}

fn load_file(path: Option<&Path>) -> Result<FileConfig> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("census.toml"), false),
    };
    if !path.exists() {
        if required {
            anyhow::bail!("configuration file {} does not exist", path.display());
        }
        return Ok(FileConfig::default());
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in {}", path.display()))
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

fn jobs_config(a: &SourceArgs, f: &FileConfig) -> Result<JobsConfig> {
    let pick = |flag: &Option<String>, file: &Option<String>| {
        flag.clone()
            .or_else(|| file.clone())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let tz_name = pick(&a.timezone, &f.timezone).unwrap_or_else(|| "UTC".into());
    let timezone: chrono_tz::Tz = tz_name.parse().map_err(|_| {
        anyhow::anyhow!("CENSUS_TIMEZONE {tz_name:?} is not a known time zone (e.g. Europe/London)")
    })?;
    let ninja = match pick(&a.ninja_url, &f.ninja_url) {
        None => None,
        Some(url) => {
            let client_id = pick(&a.ninja_client_id, &f.ninja_client_id)
                .context("CENSUS_NINJA_URL is set: set CENSUS_NINJA_CLIENT_ID too")?;
            let secret = a
                .ninja_client_secret
                .clone()
                .or_else(|| env_secret("CENSUS_NINJA_CLIENT_SECRET"))
                .or_else(|| f.ninja_client_secret.clone())
                .context("CENSUS_NINJA_URL is set: set CENSUS_NINJA_CLIENT_SECRET too")?;
            Some(NinjaConfig {
                url: base_url("CENSUS_NINJA_URL", url)?,
                client_id,
                client_secret: Secret::new(secret),
                scope: pick(&a.ninja_scope, &f.ninja_scope).unwrap_or_else(|| "monitoring".into()),
            })
        }
    };
    let threatlocker = match pick(&a.threatlocker_url, &f.threatlocker_url) {
        None => None,
        Some(url) => {
            let key = a
                .threatlocker_api_key
                .clone()
                .or_else(|| env_secret("CENSUS_THREATLOCKER_API_KEY"))
                .or_else(|| f.threatlocker_api_key.clone())
                .context("CENSUS_THREATLOCKER_URL is set: set CENSUS_THREATLOCKER_API_KEY too")?;
            Some(ThreatLockerConfig {
                url: base_url("CENSUS_THREATLOCKER_URL", url)?,
                api_key: Secret::new(key),
                org_id: pick(&a.threatlocker_org_id, &f.threatlocker_org_id),
            })
        }
    };
    let workers = a.job_workers.or(f.job_workers).unwrap_or(2);
    if !(1..=16).contains(&workers) {
        anyhow::bail!("CENSUS_JOB_WORKERS must be from 1 to 16");
    }
    Ok(JobsConfig {
        timezone,
        ninja,
        threatlocker,
        schedule_ninja: parse_schedule(
            "CENSUS_SCHEDULE_NINJA",
            pick(&a.schedule_ninja, &f.schedule_ninja),
            "02:00",
        )?,
        schedule_threatlocker: parse_schedule(
            "CENSUS_SCHEDULE_THREATLOCKER",
            pick(&a.schedule_threatlocker, &f.schedule_threatlocker),
            "03:00",
        )?,
        schedule_retention: parse_schedule(
            "CENSUS_SCHEDULE_RETENTION",
            pick(&a.schedule_retention, &f.schedule_retention),
            "04:00",
        )?,
        workers,
    })
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
            log_json: false,
            log: "warn".into(),
            jobs,
        }
    }

    pub fn load(g: &GlobalArgs, s: &ServeArgs) -> Result<Config> {
        let mut f = load_file(g.config.as_deref())?;
        let f_jobs = FileConfig {
            timezone: f.timezone.take(),
            ninja_url: f.ninja_url.take(),
            ninja_client_id: f.ninja_client_id.take(),
            ninja_client_secret: f.ninja_client_secret.take(),
            ninja_scope: f.ninja_scope.take(),
            threatlocker_url: f.threatlocker_url.take(),
            threatlocker_api_key: f.threatlocker_api_key.take(),
            threatlocker_org_id: f.threatlocker_org_id.take(),
            schedule_ninja: f.schedule_ninja.take(),
            schedule_threatlocker: f.schedule_threatlocker.take(),
            schedule_retention: f.schedule_retention.take(),
            job_workers: f.job_workers.take(),
            ..FileConfig::default()
        };
        let log_format = g
            .log_format
            .clone()
            .or(f.log_format)
            .unwrap_or_else(|| "human".into());
        if !matches!(log_format.as_str(), "human" | "json") {
            anyhow::bail!("CENSUS_LOG_FORMAT must be human or json, not {log_format}");
        }
        let session_days = s.session_days.or(f.session_days).unwrap_or(14);
        if !(1..=365).contains(&session_days) {
            anyhow::bail!("CENSUS_SESSION_DAYS must be from 1 to 365");
        }
        Ok(Config {
            database_url: g
                .database_url
                .clone()
                .or(f.database_url)
                .unwrap_or_else(|| app::ssr::db::DEFAULT_URL.into()),
            addr: s
                .addr
                .clone()
                .or(f.addr)
                .unwrap_or_else(|| "127.0.0.1:3000".into()),
            site_root: s
                .site_root
                .clone()
                .or(f.site_root)
                .unwrap_or_else(default_site_root),
            cookie_secure: s.cookie_secure.or(f.cookie_secure).unwrap_or(false),
            trust_proxy: s.trust_proxy.or(f.trust_proxy).unwrap_or(false),
            session_days,
            log_json: log_format == "json",
            log: g.log.clone().or(f.log).unwrap_or_else(|| "info".into()),
            jobs: jobs_config(&g.sources, &f_jobs)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_fills_in_what_flags_leave_open() {
        let dir = std::env::temp_dir().join(format!("census-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("census.toml");
        std::fs::write(
            &file,
            "addr = \"0.0.0.0:8080\"\ncookie_secure = true\nlog_format = \"json\"\n",
        )
        .unwrap();
        let g = GlobalArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        let c = Config::load(&g, &ServeArgs::default()).unwrap();
        assert_eq!(c.addr, "0.0.0.0:8080");
        assert!(c.cookie_secure && c.log_json);
        assert_eq!(c.database_url, app::ssr::db::DEFAULT_URL);
        let s = ServeArgs {
            addr: Some("127.0.0.1:9".into()),
            ..Default::default()
        };
        assert_eq!(Config::load(&g, &s).unwrap().addr, "127.0.0.1:9");
        std::fs::write(&file, "colour = 1\n").unwrap();
        assert!(Config::load(&g, &ServeArgs::default()).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
