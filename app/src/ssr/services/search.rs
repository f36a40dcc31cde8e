//! The global search box: objects of every type by name, serial, asset tag, IP or MAC.

use super::Ctx;
use super::objects;
use super::query::ListQuery;
use crate::error::AppError;
use crate::model::SearchGroup;
use crate::schema::RESOURCES;

/// Up to `per_type` matches of each type that has any, with the number of matches.
pub async fn search(ctx: &Ctx, q: &str, per_type: u64) -> Result<Vec<SearchGroup>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for res in RESOURCES {
        let lq = ListQuery {
            q: Some(q.to_string()),
            limit: per_type,
            ..Default::default()
        };
        let page = objects::list(ctx, res, &lq).await?;
        if page.count > 0 {
            out.push(SearchGroup {
                kind: res.kind,
                count: page.count,
                rows: page.rows,
            });
        }
    }
    Ok(out)
}
