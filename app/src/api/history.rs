//! Server functions of the history hub: each page's data, the version the live dashboard
//! watches, and the forms' actions (start and cancel a run, test a source, map a
//! site, save settings). Each calls one service.

use crate::error::AppError;
use crate::model::history::*;
use leptos::prelude::*;

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

#[cfg(feature = "ssr")]
fn given(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The dashboard: `date` (YYYY-MM-DD, default the newest collected day) compared with
/// `against` (default the last month-end before it), bars by `dim` (`site`, `classification`
/// or `source`). Empty means the default.
#[server(output = super::Out)]
pub async fn fetch_dashboard(
    #[server(default)] date: String,
    #[server(default)] against: String,
    #[server(default)] dim: String,
) -> Result<DashboardView, AppError> {
    run(async {
        let ctx = ctx()?;
        board::view(
            &ctx,
            control()?.as_ref(),
            given(&date),
            given(&against),
            given(&dim),
        )
        .await
    })
    .await
}

/// The devices the sources reported: `query` is the page's query string, filtered and paged as
/// `GET /api/v1/dashboard/devices` is (at most 500 a page).
#[server(output = super::Out)]
pub async fn fetch_seen_devices(
    #[server(default)] query: String,
) -> Result<SeenDevicesView, AppError> {
    run(async {
        let ctx = ctx()?;
        let pairs: Vec<(String, String)> = crate::ssr::services::query::pairs(&query)
            .into_iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .collect();
        let f = dashboard::DeviceFilter::parse(&pairs, 500)?;
        let page = dashboard::devices(&ctx, &f).await?;
        Ok(SeenDevicesView {
            page,
            offset: f.offset,
            limit: f.limit,
        })
    })
    .await
}

/// Runs on the Jobs page: 25 a page from `offset`, with the sources' freshness.
#[server(output = super::Out)]
pub async fn fetch_jobs(#[server(default)] offset: String) -> Result<JobsView, AppError> {
    run(async {
        let ctx = ctx()?;
        let paging = crate::ssr::services::paging::Paging::parse(&[("offset".into(), offset)])?;
        let f = jobs::JobFilter {
            limit: JOBS_PAGE,
            offset: paging.offset,
            ..Default::default()
        };
        let (count, list) = jobs::list(&ctx, &f).await?;
        let sources = sources::status(&ctx, control()?.as_ref()).await?;
        Ok(JobsView {
            count,
            offset: f.offset,
            limit: f.limit,
            jobs: list,
            sources,
        })
    })
    .await
}

/// Runs shown on one page of the Jobs page.
#[cfg(feature = "ssr")]
const JOBS_PAGE: u64 = 25;

/// One run with its log.
#[server(output = super::Out)]
pub async fn fetch_job(id: i64) -> Result<JobDetail, AppError> {
    run(async { jobs::get(&ctx()?, id).await }).await
}

/// The sources, their settings (secrets only as set / not set), last runs and freshness.
#[server(output = super::Out)]
pub async fn fetch_sources() -> Result<Vec<SourceStatus>, AppError> {
    run(async { sources::status(&ctx()?, control()?.as_ref()).await }).await
}

/// Every name the sources use for where devices are, and the sites they can map to (at most
/// 2,000; more and the form falls back to a new site's name).
#[server(output = super::Out)]
pub async fn fetch_mappings() -> Result<MappingView, AppError> {
    run(async {
        let ctx = ctx()?;
        let mappings = mapping::list(&ctx, None).await?;
        let sites =
            crate::ssr::services::objects::options(&ctx, crate::schema::Kind::Site, 2000).await?;
        Ok(MappingView { mappings, sites })
    })
    .await
}

/// The history hub's settings.
#[server(output = super::Out)]
pub async fn fetch_settings() -> Result<HistorySettings, AppError> {
    run(async {
        let ctx = ctx()?;
        Ok(settings::load(&ctx.db.conn).await?)
    })
    .await
}

/// When each source last saw Census device `device_id` (matched by serial or host name).
#[server(output = super::Out)]
pub async fn fetch_last_seen(device_id: i64) -> Result<Vec<LastSeen>, AppError> {
    run(async { dashboard::last_seen(&ctx()?, device_id).await }).await
}

/// Changes when a collection finishes (the dashboard then refreshes itself).
#[server(output = super::Out)]
pub async fn hub_version() -> Result<String, AppError> {
    run(async { board::version(&ctx()?).await }).await
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
        let m = if !new_site.trim().is_empty() {
            mapping::set_new_site(&ctx, id, &new_site).await?
        } else if site_id.trim().is_empty() {
            mapping::set(&ctx, id, None).await?
        } else {
            let site = site_id
                .trim()
                .parse()
                .map_err(|_| AppError::field("site_id", "Choose a site."))?;
            mapping::set(&ctx, id, Some(site)).await?
        };
        redirect("/site-mapping");
        Ok(m)
    })
    .await
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
        let submitted = std::collections::BTreeMap::from([
            ("extra_spare_patterns".to_string(), extra_spare_patterns),
            ("daily_retention_days".to_string(), daily_retention_days),
            (
                "month_end_retention_months".to_string(),
                month_end_retention_months,
            ),
            ("raw_retention_days".to_string(), raw_retention_days),
        ]);
        let changes = submitted
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        settings::patch(&ctx, changes)
            .await
            .map_err(|e| e.with_values(submitted))?;
        redirect("/settings?saved=1");
        Ok(())
    })
    .await
}
