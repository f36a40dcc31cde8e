//! Home page figures, the global search and the change log.

use crate::error::AppError;
use crate::model::{ChangePage, HomeCounts, SearchGroup};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::server::*;

#[server(output = super::Out)]
pub async fn fetch_home() -> Result<HomeCounts, AppError> {
    run(async {
        let ctx = ctx()?;
        let counts = crate::ssr::services::objects::counts(&ctx.db.conn).await?;
        let recent =
            crate::ssr::services::changelog::list(&ctx, &Default::default(), 10, 0).await?;
        let has_history = crate::ssr::services::history::dashboard::latest_date(&ctx.db.conn)
            .await?
            .is_some();
        Ok(HomeCounts {
            counts,
            recent: recent.rows,
            has_history,
        })
    })
    .await
}

#[server(output = super::Out)]
pub async fn search(q: String) -> Result<Vec<SearchGroup>, AppError> {
    run(async { crate::ssr::services::search::search(&ctx()?, &q, 10).await }).await
}

/// The change log filtered by `user`, `object_type`, `object_id`, `action`, `request_id`,
/// `since`, `until`; paged by `limit` and `offset`.
#[server(output = super::Out)]
pub async fn changes(query: String) -> Result<ChangePage, AppError> {
    run(async {
        use crate::ssr::services::{changelog, paging};
        let ctx = ctx()?;
        let pairs: Vec<(String, String)> = paging::pairs(&query)
            .into_iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .collect();
        let filter = changelog::ChangeFilter::from_pairs(&pairs)?;
        let p = paging::Paging::parse(&pairs)?;
        changelog::list(&ctx, &filter, p.limit, p.offset).await
    })
    .await
}
