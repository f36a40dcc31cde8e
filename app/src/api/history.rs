//! Server functions of the history hub: its pages rendered on the server, the version the
//! live dashboard watches, and the forms' actions (start and cancel a run, test a source, map a
//! site, save settings). Each calls one service.

use crate::error::AppError;
use crate::model::history::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::server::*;
#[cfg(feature = "ssr")]
use crate::ssr::services::history::{board, mapping, settings};
#[cfg(feature = "ssr")]
use crate::ssr::services::{jobs, sources};

#[cfg(feature = "ssr")]
fn control() -> Result<sources::Control, AppError> {
    use_context::<sources::Control>()
        .ok_or_else(|| AppError::Internal("The job runner is not available.".into()))
}

/// One of the hub's pages (or a fragment such as a device's "seen by the sources"), rendered
/// on the server: `path` is its address, `query` its query string.
#[server(output = super::Out)]
pub async fn render_page(path: String, query: String) -> Result<PageHtml, AppError> {
    run(async {
        crate::pages::history::html::render(&ctx()?, control()?.as_ref(), &path, &query).await
    })
    .await
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
