//! The sources' side of the job runner as the pages and the API see it: configuration views,
//! connection tests and the status of each source. The server implements `JobControl` (it owns
//! the configuration and the workers; the sources themselves are `crate::ssr::sources`) and
//! hands it to every door.

use super::Ctx;
use super::jobs;
use crate::error::AppError;
use crate::model::history::{ConnectionTest, Source, SourceStatus};
use chrono::Utc;
use std::sync::Arc;

/// A source's configuration, safe to show.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceView {
    pub source: Source,
    pub configured: bool,
    /// (environment variable, value) per declared setting; secrets only as "set"/"not set".
    pub settings: Vec<(String, String)>,
    /// The daily collection time, `HH:MM`, or None when off.
    pub schedule: Option<String>,
}

#[async_trait::async_trait]
pub trait JobControl: Send + Sync {
    fn sources(&self) -> Vec<SourceView>;
    fn timezone(&self) -> String;
    /// Wake the workers after a run was queued.
    fn wake(&self);
    /// Sign in to a source and read a little; a message either way.
    async fn test(&self, source: Source) -> Result<String, String>;
}

pub type Control = Arc<dyn JobControl>;

/// Freshness of data last collected `age_hours` ago: amber after 26 h, red after 50 h.
pub fn freshness(age_hours: Option<f64>) -> &'static str {
    match age_hours {
        None => "never",
        Some(h) if h > 50.0 => "red",
        Some(h) if h > 26.0 => "amber",
        Some(_) => "fresh",
    }
}

pub async fn status(ctx: &Ctx, control: &dyn JobControl) -> Result<Vec<SourceStatus>, AppError> {
    let mut out = vec![];
    for v in control.sources() {
        let (last, ok) = jobs::latest(&ctx.db.conn, v.source.job_kind()).await?;
        let age = ok
            .as_ref()
            .and_then(|j| j.finished_at.as_deref())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| (Utc::now() - t.with_timezone(&Utc)).num_seconds() as f64 / 3600.0);
        let devices = ok
            .as_ref()
            .and_then(|j| j.result.as_ref())
            .and_then(|r| r.get("devices"))
            .and_then(|d| d.as_i64());
        out.push(SourceStatus {
            source: v.source,
            label: v.source.label().into(),
            configured: v.configured,
            settings: v.settings,
            schedule: v.schedule,
            timezone: control.timezone(),
            last_run: last,
            last_success: ok,
            devices_collected: devices,
            freshness: freshness(age).into(),
            age_hours: age.map(|h| (h * 10.0).round() / 10.0),
        });
    }
    Ok(out)
}

/// Test a source's connection (editors and admins: it uses the stored credentials).
pub async fn test(
    ctx: &Ctx,
    control: &dyn JobControl,
    source: Source,
) -> Result<ConnectionTest, AppError> {
    ctx.require_write("test source connections")?;
    let (ok, message) = match control.test(source).await {
        Ok(m) => (true, m),
        Err(m) => (false, m),
    };
    Ok(ConnectionTest {
        source,
        ok,
        message,
    })
}
