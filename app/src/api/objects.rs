//! Server functions behind the generic inventory pages: lists, detail, forms, deletes and bulk
//! operations for every object type in `schema`.

use crate::error::AppError;
use crate::model::{ListPage, ObjectDetail, ObjectDto, RefOptions};
use crate::schema::Kind;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[cfg(feature = "ssr")]
use super::server::*;
#[cfg(feature = "ssr")]
use crate::ssr::services::{objects as svc, query};

/// Reference select boxes offer at most this many objects; beyond, an id is typed.
pub const OPTION_LIMIT: u64 = 1000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListView {
    pub page: ListPage,
    /// Options of the filter bar's reference filters.
    pub options: Vec<RefOptions>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormView {
    pub object: Option<ObjectDto>,
    pub options: Vec<RefOptions>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub count: u64,
    pub names: Vec<String>,
    pub options: Vec<RefOptions>,
}

#[cfg(feature = "ssr")]
async fn options_for(
    ctx: &crate::ssr::services::Ctx,
    kinds: impl IntoIterator<Item = Kind>,
) -> Result<Vec<RefOptions>, AppError> {
    let mut kinds: Vec<Kind> = kinds.into_iter().collect();
    kinds.sort();
    kinds.dedup();
    let mut out = vec![];
    for k in kinds {
        out.push(svc::options(ctx, k, OPTION_LIMIT).await?);
    }
    Ok(out)
}

/// The types a resource's form offers choices of (references and sets).
pub fn ref_kinds(kind: Kind) -> Vec<Kind> {
    kind.res()
        .writable_fields()
        .filter_map(crate::schema::Field::option_kind)
        .collect()
}

/// The types of a list's filter bar's choices.
pub fn filter_kinds(kind: Kind) -> Vec<Kind> {
    let res = kind.res();
    res.fields
        .iter()
        .filter(|f| f.filter)
        .chain(res.via_site_filters())
        .filter_map(crate::schema::Field::option_kind)
        .collect()
}

/// Query pairs of a page's URL without the ones Leptos adds to carry a form error back.
#[cfg(feature = "ssr")]
fn page_pairs(q: &str) -> Vec<(String, String)> {
    query::pairs(q)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("__"))
        .collect()
}

#[cfg(feature = "ssr")]
fn selection(kind: Kind, sel: &str) -> Result<svc::Selection, AppError> {
    let pairs = page_pairs(sel);
    if pairs.iter().any(|(k, v)| k == "all" && v == "1") {
        let rest: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "all" | "op" | "id" | "limit" | "offset" | "ordering"
                )
            })
            .collect();
        Ok(svc::Selection::Matching(query::ListQuery::parse(
            kind.res(),
            &rest,
        )?))
    } else {
        let ids = pairs
            .iter()
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| {
                v.parse::<i64>()
                    .map_err(|_| AppError::invalid("The selection is not valid."))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(svc::Selection::Ids(ids))
    }
}

#[server(output = super::Out)]
pub async fn fetch_list(kind: Kind, query: String) -> Result<ListView, AppError> {
    run(async {
        let ctx = ctx()?;
        let res = kind.res();
        let lq = query::ListQuery::parse(res, &page_pairs(&query))?;
        let page = svc::list(&ctx, res, &lq).await?;
        Ok(ListView {
            page,
            options: options_for(&ctx, filter_kinds(kind)).await?,
        })
    })
    .await
}

#[server(output = super::Out)]
pub async fn fetch_object(kind: Kind, id: i64) -> Result<ObjectDetail, AppError> {
    run(async { svc::detail(&ctx()?, kind.res(), id).await }).await
}

#[server(output = super::Out)]
pub async fn fetch_form(kind: Kind, id: Option<i64>) -> Result<FormView, AppError> {
    run(async {
        let ctx = ctx()?;
        ctx.require_write(&format!("change {}", kind.res().plural))?;
        let object = match id {
            Some(id) => Some(svc::get(&ctx, kind.res(), id).await?),
            None => None,
        };
        Ok(FormView {
            object,
            options: options_for(&ctx, ref_kinds(kind)).await?,
        })
    })
    .await
}

/// The object a delete confirmation page is about (editors only).
#[server(output = super::Out)]
pub async fn fetch_deletable(kind: Kind, id: i64) -> Result<ObjectDto, AppError> {
    run(async {
        let ctx = ctx()?;
        ctx.require_write(&format!("delete {}", kind.res().plural))?;
        svc::get(&ctx, kind.res(), id).await
    })
    .await
}

/// Create (no id) or update an object from a form; on success go to its page.
#[server(output = super::Out)]
pub async fn save_object(
    kind: Kind,
    id: Option<i64>,
    #[server(default)] values: HashMap<String, String>,
) -> Result<(), AppError> {
    run(async {
        let ctx = ctx()?;
        let res = kind.res();
        let input = svc::form_values(res, &values);
        let submitted: std::collections::BTreeMap<String, String> = values.into_iter().collect();
        let saved = match id {
            Some(id) => svc::update(&ctx, res, id, input).await,
            None => svc::create(&ctx, res, input).await,
        }
        .map_err(|e| e.with_values(submitted))?;
        redirect(&format!("/{}/{}", res.slug, saved.id));
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn delete_object(kind: Kind, id: i64) -> Result<(), AppError> {
    run(async {
        let ctx = ctx()?;
        svc::delete(&ctx, kind.res(), id).await?;
        redirect(&format!("/{}", kind.res().slug));
        Ok(())
    })
    .await
}

/// What a bulk operation would touch (ids or everything matching a filter).
#[server(output = super::Out)]
pub async fn fetch_bulk(kind: Kind, selection: String) -> Result<BulkPreview, AppError> {
    run(async {
        let ctx = ctx()?;
        let res = kind.res();
        ctx.require_write(&format!("change {}", res.plural))?;
        let ids = match self::selection(kind, &selection)? {
            svc::Selection::Ids(ids) => ids,
            svc::Selection::Matching(lq) => svc::matching_ids(&ctx, res, &lq).await?,
        };
        let rows = svc::load_rows(&ctx.db.conn, res, &ids[..ids.len().min(20)]).await?;
        let mut names: Vec<String> = rows.iter().map(|r| r.title(res)).collect();
        names.sort();
        Ok(BulkPreview {
            count: ids.len() as u64,
            names,
            options: options_for(&ctx, ref_kinds(kind)).await?,
        })
    })
    .await
}

/// Set fields on the selection: non-empty values are applied, `clear[field]` empties a field.
#[server(output = super::Out)]
pub async fn bulk_edit(
    kind: Kind,
    selection: String,
    #[server(default)] values: HashMap<String, String>,
    #[server(default)] clear: HashMap<String, String>,
) -> Result<(), AppError> {
    run(async {
        let ctx = ctx()?;
        let res = kind.res();
        // Fields left empty keep their values; `clear[field]` empties one.
        let mut patch: svc::Values = svc::form_values(res, &values)
            .into_iter()
            .filter(|(_, v)| v.as_str().is_some_and(|s| !s.trim().is_empty()))
            .collect();
        for k in clear.keys() {
            if res.field(k).is_some() {
                patch.insert(k.clone(), serde_json::Value::Null);
            }
        }
        let sel = self::selection(kind, &selection)?;
        let submitted = values.into_iter().collect();
        svc::bulk_update(&ctx, res, &sel, patch)
            .await
            .map_err(|e| e.with_values(submitted))?;
        redirect(&format!("/{}", res.slug));
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn bulk_delete(kind: Kind, selection: String) -> Result<(), AppError> {
    run(async {
        let ctx = ctx()?;
        let res = kind.res();
        svc::bulk_delete(&ctx, res, &self::selection(kind, &selection)?).await?;
        redirect(&format!("/{}", res.slug));
        Ok(())
    })
    .await
}
