//! Server functions of the history hub: the dashboard, the snapshot device list, jobs,
//! sources, site mapping and settings. Each calls one service.

use crate::error::AppError;
use crate::model::RefOptions;
use crate::model::history::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::*;
#[cfg(feature = "ssr")]
use crate::ssr::services::history::{board, dashboard, mapping, settings};
#[cfg(feature = "ssr")]
use crate::ssr::services::{jobs, sources};

#[cfg(feature = "ssr")]
fn control() -> Result<sources::Control, AppError> {
    use_context::<sources::Control>()
        .ok_or_else(|| AppError::Internal("The job runner is not available.".into()))
}

#[server(output = super::Out)]
pub async fn fetch_dashboard(
    date: Option<String>,
    against: Option<String>,
    dim: Option<String>,
) -> Result<DashboardView, AppError> {
    run(async {
        let ctx = ctx()?;
        board::view(
            &ctx,
            control()?.as_ref(),
            date.as_deref().filter(|s| !s.is_empty()),
            against.as_deref().filter(|s| !s.is_empty()),
            dim.as_deref(),
        )
        .await
    })
    .await
}

/// Changes when a collection finishes.
#[server(output = super::Out)]
pub async fn dashboard_version() -> Result<String, AppError> {
    run(async { board::version(&ctx()?).await }).await
}

/// The snapshot device list, filtered by the page's query string.
#[server(output = super::Out)]
pub async fn fetch_snapshots(query: String) -> Result<SnapshotPage, AppError> {
    run(async {
        let ctx = ctx()?;
        let pairs: Vec<(String, String)> = crate::ssr::services::query::pairs(&query)
            .into_iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .collect();
        let f = dashboard::DeviceFilter::parse(&pairs, 500)?;
        dashboard::devices(&ctx, &f).await
    })
    .await
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobsView {
    pub count: u64,
    pub jobs: Vec<JobDto>,
    pub sources: Vec<SourceStatus>,
}

#[server(output = super::Out)]
pub async fn fetch_jobs(offset: u64) -> Result<JobsView, AppError> {
    run(async {
        let ctx = ctx()?;
        let f = jobs::JobFilter {
            limit: 25,
            offset,
            ..Default::default()
        };
        let (count, list) = jobs::list(&ctx, &f).await?;
        Ok(JobsView {
            count,
            jobs: list,
            sources: sources::status(&ctx, control()?.as_ref()).await?,
        })
    })
    .await
}

#[server(output = super::Out)]
pub async fn fetch_job(id: i64) -> Result<JobDetail, AppError> {
    run(async { jobs::get(&ctx()?, id).await }).await
}

/// Start a run now.
#[server(output = super::Out)]
pub async fn start_job(kind: String) -> Result<JobDto, AppError> {
    run(async {
        let ctx = ctx()?;
        let kind = JobKind::parse(&kind).ok_or_else(|| AppError::field("kind", "Unknown job."))?;
        let job = jobs::enqueue(&ctx, kind, serde_json::json!({}), jobs::Trigger::User, None)
            .await?
            .ok_or_else(|| AppError::Conflict("The job was not queued.".into()))?;
        control()?.wake();
        redirect("/jobs");
        Ok(job)
    })
    .await
}

#[server(output = super::Out)]
pub async fn cancel_job(id: i64) -> Result<JobDto, AppError> {
    run(async {
        let j = jobs::cancel(&ctx()?, id).await?;
        redirect(&format!("/jobs/{id}"));
        Ok(j)
    })
    .await
}

#[server(output = super::Out)]
pub async fn fetch_sources() -> Result<Vec<SourceStatus>, AppError> {
    run(async { sources::status(&ctx()?, control()?.as_ref()).await }).await
}

#[server(output = super::Out)]
pub async fn test_source(source: String) -> Result<ConnectionTest, AppError> {
    run(async {
        let src =
            Source::parse(&source).ok_or_else(|| AppError::field("source", "Unknown source."))?;
        let t = sources::test(&ctx()?, control()?.as_ref(), src).await?;
        // The outcome travels in the address, so it shows with and without JavaScript.
        let q = crate::components::encode_query(&[
            ("test".into(), src.as_str().into()),
            ("ok".into(), t.ok.to_string()),
            ("message".into(), t.message.clone()),
        ]);
        redirect(&format!("/sources?{q}"));
        Ok(t)
    })
    .await
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingView {
    pub rows: Vec<SiteMappingDto>,
    pub sites: RefOptions,
}

#[server(output = super::Out)]
pub async fn fetch_mappings() -> Result<MappingView, AppError> {
    run(async {
        let ctx = ctx()?;
        Ok(MappingView {
            rows: mapping::list(&ctx, None).await?,
            sites: crate::ssr::services::objects::options(&ctx, crate::schema::Kind::Site, 2000)
                .await?,
        })
    })
    .await
}

/// Map a source name to a site: an existing one (`site_id`), a new one (`new_site`), or back
/// to automatic (`site_id` empty).
#[server(output = super::Out)]
pub async fn set_mapping(
    id: i64,
    #[server(default)] site_id: String,
    #[server(default)] new_site: String,
) -> Result<SiteMappingDto, AppError> {
    run(async {
        let ctx = ctx()?;
        let site = if !new_site.trim().is_empty() {
            let mut v = crate::ssr::services::objects::Values::new();
            v.insert(
                "name".into(),
                serde_json::Value::String(new_site.trim().to_string()),
            );
            let s = crate::ssr::services::objects::create(&ctx, crate::schema::Kind::Site.res(), v)
                .await
                .map_err(|e| match e {
                    AppError::Invalid { fields, .. } if fields.contains_key("name") => {
                        AppError::field("new_site", fields["name"].join(" "))
                    }
                    e => e,
                })?;
            Some(s.id)
        } else if site_id.trim().is_empty() {
            None
        } else {
            Some(
                site_id
                    .trim()
                    .parse()
                    .map_err(|_| AppError::field("site_id", "Choose a site."))?,
            )
        };
        let m = mapping::set(&ctx, id, site).await?;
        redirect("/site-mapping");
        Ok(m)
    })
    .await
}

#[server(output = super::Out)]
pub async fn fetch_settings() -> Result<HistorySettings, AppError> {
    run(async { Ok(settings::load(&ctx()?.db.conn).await?) }).await
}

#[server(output = super::Out)]
pub async fn save_settings(
    #[server(default)] extra_spare_patterns: String,
    daily_retention_days: String,
    month_end_retention_months: String,
    raw_retention_days: String,
) -> Result<(), AppError> {
    run(async {
        let ctx = ctx()?;
        let mut fields = crate::error::FieldErrors::new();
        let mut num = |name: &str, v: &str| -> i64 {
            v.trim().parse().unwrap_or_else(|_| {
                fields.insert(name.into(), vec!["Enter a whole number.".into()]);
                0
            })
        };
        let new = HistorySettings {
            extra_spare_patterns: extra_spare_patterns
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
            daily_retention_days: num("daily_retention_days", &daily_retention_days),
            month_end_retention_months: num(
                "month_end_retention_months",
                &month_end_retention_months,
            ),
            raw_retention_days: num("raw_retention_days", &raw_retention_days),
        };
        let submitted = std::collections::BTreeMap::from([
            (
                "extra_spare_patterns".to_string(),
                extra_spare_patterns.clone(),
            ),
            (
                "daily_retention_days".to_string(),
                daily_retention_days.clone(),
            ),
            (
                "month_end_retention_months".to_string(),
                month_end_retention_months.clone(),
            ),
            ("raw_retention_days".to_string(), raw_retention_days.clone()),
        ]);
        if !fields.is_empty() {
            return Err(AppError::fields(fields).with_values(submitted));
        }
        settings::save(&ctx, new)
            .await
            .map_err(|e| e.with_values(submitted))?;
        redirect("/settings?saved=1");
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn fetch_last_seen(device_id: i64) -> Result<Vec<LastSeen>, AppError> {
    run(async { dashboard::last_seen(&ctx()?, device_id).await }).await
}
