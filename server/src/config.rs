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

impl Config {
    pub fn load(g: &GlobalArgs, s: &ServeArgs) -> Result<Config> {
        let f = load_file(g.config.as_deref())?;
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
