//! The generic object service: list, read, create (one or many, all or nothing), update, bulk
//! update, delete with protection, for every inventory type in `schema`, through each type's
//! entity. Validation, permissions and the change log happen here for every door; each type's
//! own rules are hooks in `services::rules`.

pub mod api;
pub mod cells;
pub mod parse;
pub mod query;
pub mod refs;
pub mod store;

use super::changelog::{self, Action, Change};
use super::rules::{self, Batch, Candidate};
use super::{Ctx, fmt_time, now};
use crate::error::{AppError, FieldErrors, ItemError};
use crate::model::{ListPage, ObjectDetail, ObjectDto, RefDto, RefOptions, RelatedList};
use crate::schema::{self, FieldType, Kind, Resource, count_noun};
use crate::ssr::entities::inventory::table;
use cells::{Cell, Row};
use query::ListQuery;
use refs::RefCache;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbErr};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

pub type Values = Map<String, Value>;

/// Which objects a bulk operation applies to.
#[derive(Clone, Debug)]
pub enum Selection {
    Ids(Vec<i64>),
    /// Every object matching a list query (its paging is ignored).
    Matching(ListQuery),
}

/// Keys a client may send back from what it read; they are ignored on write.
fn ignored_key(res: &Resource, key: &str) -> bool {
    matches!(key, "id" | "url" | "display" | "created_at" | "updated_at")
        || res.fields.iter().any(|f| {
            let brief = matches!(
                f.ty,
                FieldType::Ref(_) | FieldType::RefSet { .. } | FieldType::AnyRef { .. }
            );
            (f.computed && f.name == key) || (brief && f.base_name() == key)
        })
}

fn exec<C: ConnectionTrait>(conn: &C) -> DatabaseExecutor<'_>
where
    for<'a> &'a C: Into<DatabaseExecutor<'a>>,
{
    conn.into()
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Rows by id, in no particular order.
pub async fn load_rows<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    ids: &[i64],
) -> Result<Vec<Row>, DbErr>
where
    for<'a> &'a C: Into<DatabaseExecutor<'a>>,
{
    store::load(&exec(conn), res, ids).await
}

pub async fn load_row<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    id: i64,
) -> Result<Row, AppError>
where
    for<'a> &'a C: Into<DatabaseExecutor<'a>>,
{
    load_rows(conn, res, &[id])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("There is no {} with id {id}.", res.singular)))
}

fn dto(res: &'static Resource, row: &Row, refs: &RefCache) -> ObjectDto {
    let mut values = BTreeMap::new();
    let mut out_refs = BTreeMap::new();
    let mut sets = BTreeMap::new();
    for (f, c) in res.fields.iter().zip(&row.cells) {
        match (f.ty, c) {
            (FieldType::AnyRef { columns, .. }, _) => {
                let (t, id) = match c {
                    Cell::Obj(k, id) => {
                        out_refs.insert(
                            f.name.to_string(),
                            RefDto {
                                id: *id,
                                display: refs.display(*k, *id),
                                kind: Some(*k),
                            },
                        );
                        (Value::from(k.as_str()), Value::from(*id))
                    }
                    _ => (Value::Null, Value::Null),
                };
                values.insert(columns[0].to_string(), t);
                values.insert(columns[1].to_string(), id);
            }
            (FieldType::RefSet { kind, .. }, Cell::Set(ids)) => {
                let mut members: Vec<RefDto> = ids
                    .iter()
                    .map(|id| RefDto {
                        id: *id,
                        display: refs.display(kind, *id),
                        kind: None,
                    })
                    .collect();
                members.sort_by_key(|m| crate::ssr::services::text::fold(&m.display));
                sets.insert(f.name.to_string(), members);
                values.insert(f.name.to_string(), c.to_json(f));
            }
            (FieldType::Ref(k), Cell::Int(id)) => {
                out_refs.insert(
                    f.name.to_string(),
                    RefDto {
                        id: *id,
                        display: refs.display(k, *id),
                        kind: None,
                    },
                );
                values.insert(f.name.to_string(), c.to_json(f));
            }
            _ => {
                values.insert(f.name.to_string(), c.to_json(f));
            }
        }
    }
    ObjectDto {
        kind: res.kind,
        id: row.id,
        display: row.title(res),
        values,
        refs: out_refs,
        sets,
        created_at: fmt_time(row.created_at),
        updated_at: fmt_time(row.updated_at),
    }
}

/// DTOs for rows (computed fields filled in), with referenced objects' names loaded in bulk.
pub async fn to_dtos<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &mut [Row],
) -> Result<Vec<ObjectDto>, DbErr>
where
    for<'a> &'a C: Into<DatabaseExecutor<'a>>,
{
    let db = exec(conn);
    rules::rules(res.kind).computed(&db, rows).await?;
    let cells: Vec<&[Cell]> = rows.iter().map(|r| r.cells.as_slice()).collect();
    let refs = RefCache::load(&db, res, &cells).await?;
    Ok(rows.iter().map(|r| dto(res, r, &refs)).collect())
}

/// Rows by id in the order of `ids`.
async fn rows_in_order<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    ids: &[i64],
) -> Result<Vec<Row>, DbErr>
where
    for<'a> &'a C: Into<DatabaseExecutor<'a>>,
{
    let mut rows = load_rows(conn, res, ids).await?;
    let pos: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| pos.get(&r.id).copied());
    Ok(rows)
}

/// One page of a list.
pub async fn list(ctx: &Ctx, res: &'static Resource, lq: &ListQuery) -> Result<ListPage, AppError> {
    let conn = &ctx.db.conn;
    let cond = query::condition(conn, res, lq).await?;
    let count: i64 = match conn
        .query_one(&query::count_query(res, cond.clone())?)
        .await?
    {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    let ids: Vec<i64> = if lq.offset >= count as u64 {
        vec![]
    } else {
        conn.query_all(&query::page_ids_query(res, cond, lq)?)
            .await?
            .iter()
            .map(|r| r.try_get::<i64>("", "id"))
            .collect::<Result<_, _>>()?
    };
    let mut rows = rows_in_order(conn, res, &ids).await?;
    Ok(ListPage {
        count: count as u64,
        offset: lq.offset,
        limit: lq.limit,
        rows: to_dtos(conn, res, &mut rows).await?,
    })
}

/// Every id matching a query (for bulk operations and exports), in list order.
pub async fn matching_ids(
    ctx: &Ctx,
    res: &'static Resource,
    lq: &ListQuery,
) -> Result<Vec<i64>, AppError> {
    let conn = &ctx.db.conn;
    let cond = query::condition(conn, res, lq).await?;
    let mut all = lq.clone();
    all.offset = 0;
    let mut q = query::page_ids_query(res, cond, &all)?;
    q.reset_limit().reset_offset();
    Ok(conn
        .query_all(&q)
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?)
}

/// DTOs of objects by id, in that order (exports read in chunks).
pub async fn dtos_by_id(
    ctx: &Ctx,
    res: &'static Resource,
    ids: &[i64],
) -> Result<Vec<ObjectDto>, AppError> {
    let mut rows = rows_in_order(&ctx.db.conn, res, ids).await?;
    Ok(to_dtos(&ctx.db.conn, res, &mut rows).await?)
}

async fn selection_ids(
    ctx: &Ctx,
    res: &'static Resource,
    sel: &Selection,
) -> Result<Vec<i64>, AppError> {
    match sel {
        Selection::Ids(ids) => {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            Ok(ids)
        }
        Selection::Matching(lq) => matching_ids(ctx, res, lq).await,
    }
}

pub async fn get(ctx: &Ctx, res: &'static Resource, id: i64) -> Result<ObjectDto, AppError> {
    let row = load_row(&ctx.db.conn, res, id).await?;
    Ok(to_dtos(&ctx.db.conn, res, &mut [row]).await?.remove(0))
}

/// An object with the objects that point at it and its recent history.
pub async fn detail(ctx: &Ctx, res: &'static Resource, id: i64) -> Result<ObjectDetail, AppError> {
    let object = get(ctx, res, id).await?;
    let mut related = vec![];
    for rev in schema::reverse_refs(res.kind) {
        let pairs: Vec<(String, String)> = rev
            .filter(res.kind, id)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .chain([("limit".to_string(), "10".to_string())])
            .collect();
        let lq = ListQuery::parse(rev.from, &pairs)?;
        // Direct children only for a tree's own parent relation; descendants elsewhere.
        let page = list(ctx, rev.from, &lq).await?;
        related.push(RelatedList {
            kind: rev.from.kind,
            field: rev.field.name.into(),
            filter: rev
                .filter(res.kind, id)
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
            label: if rev.from.kind == res.kind {
                format!("Child {}", rev.from.plural)
            } else if rev.from.site_refs().count() > 1 {
                format!(
                    "{} ({})",
                    schema::capitalize(rev.from.plural),
                    rev.field.label
                )
            } else {
                schema::capitalize(rev.from.plural)
            },
            count: page.count,
            rows: page.rows,
        });
    }
    let filter = changelog::ChangeFilter {
        object_type: Some(res.kind.as_str().into()),
        object_id: Some(id),
        ..Default::default()
    };
    let history = changelog::list(ctx, &filter, 20, 0).await?;
    Ok(ObjectDetail {
        object,
        related,
        history: history.rows,
        history_count: history.count,
    })
}

/// Choices for a reference field's select box, sorted by name.
pub async fn options(ctx: &Ctx, kind: Kind, limit: u64) -> Result<RefOptions, AppError> {
    let res = kind.res();
    let conn = &ctx.db.conn;
    let t = table(kind);
    let title = res.title_field();
    let sort = if title.has_key() {
        format!("{}_key", title.name)
    } else {
        title.name.to_string()
    };
    let mut q = Query::select();
    q.expr_as(Expr::col(t.column("id")?), "id")
        .expr_as(Expr::col(t.column(res.title)?), "title")
        .from(t.table());
    let site_col = res.field("site_id").is_some();
    if site_col {
        q.expr_as(Expr::col(t.column("site_id")?), "site_id");
    }
    q.order_by(t.column(&sort)?, Order::Asc)
        .order_by(t.column("id")?, Order::Asc)
        .limit(limit + 1);
    let rows = conn.query_all(&q).await?;
    let truncated = rows.len() as u64 > limit;
    let mut options: Vec<(RefDto, Option<i64>)> = rows
        .iter()
        .take(limit as usize)
        .map(|r| {
            Ok((
                RefDto {
                    id: r.try_get("", "id")?,
                    display: r.try_get::<String>("", "title")?,
                    kind: None,
                },
                if site_col {
                    r.try_get("", "site_id")?
                } else {
                    None
                },
            ))
        })
        .collect::<Result<_, DbErr>>()?;
    if site_col {
        // "Rack 1 (HQ)": objects inside sites are named with their site.
        let site_ids: Vec<i64> = options
            .iter()
            .filter_map(|o| o.1)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let names = refs::names_of(conn, Kind::Site, &site_ids).await?;
        for (o, site) in &mut options {
            if let Some(n) = site.and_then(|s| names.get(&s)) {
                o.display = format!("{} ({n})", o.display);
            }
        }
    }
    Ok(RefOptions {
        kind,
        options: options.into_iter().map(|o| o.0).collect(),
        truncated,
    })
}

// ---------------------------------------------------------------------------------------------
// Validation

fn add(errors: &mut FieldErrors, field: &str, msg: String) {
    errors.entry(field.to_string()).or_default().push(msg);
}

/// Apply submitted values over `base` (a new object's empty cells or an existing object's),
/// parsing each field; a new object gets the schema's defaults for what it leaves out. Errors
/// are per field.
fn prepare(
    res: &'static Resource,
    base: Option<&Row>,
    input: &Values,
) -> Result<Vec<Cell>, FieldErrors> {
    let creating = base.is_none();
    let mut cells = match base {
        Some(r) => r.cells.clone(),
        None => vec![Cell::Null; res.fields.len()],
    };
    let mut errors = FieldErrors::new();
    // The two columns of an any-type reference arrive as two keys.
    let mut any: HashMap<usize, (Option<&Value>, Option<&Value>)> = HashMap::new();
    let has_any = res
        .fields
        .iter()
        .any(|f| matches!(f.ty, FieldType::AnyRef { .. }));
    for (key, v) in input {
        if let Some((i, is_type)) = has_any
            .then(|| {
                res.fields.iter().enumerate().find_map(|(i, f)| match f.ty {
                    FieldType::AnyRef { columns, .. } if columns[0] == key => Some((i, true)),
                    FieldType::AnyRef { columns, .. } if columns[1] == key => Some((i, false)),
                    _ => None,
                })
            })
            .flatten()
        {
            let e = any.entry(i).or_default();
            if is_type {
                e.0 = Some(v);
            } else {
                e.1 = Some(v);
            }
            continue;
        }
        match res.fields.iter().position(|f| f.name == key && !f.computed) {
            Some(i) => match parse::parse(&res.fields[i], v) {
                Ok(c) => cells[i] = c,
                Err(e) => add(&mut errors, key, e),
            },
            None if ignored_key(res, key) => {}
            None => add(&mut errors, key, format!("unknown field '{key}'")),
        }
    }
    for (i, (t, id)) in any {
        let f = &res.fields[i];
        let FieldType::AnyRef { kinds, columns, .. } = f.ty else {
            unreachable!("an any-type reference")
        };
        let (old_k, old_id) = match &cells[i] {
            Cell::Obj(k, id) => (Some(*k), Some(*id)),
            _ => (None, None),
        };
        let k = match t {
            Some(v) => match parse::parse_kind(kinds, v) {
                Ok(k) => k,
                Err(e) => {
                    add(&mut errors, columns[0], e);
                    continue;
                }
            },
            None => old_k,
        };
        let id = match id {
            Some(v) => match parse::parse_any_id(v) {
                Ok(id) => id,
                Err(e) => {
                    add(&mut errors, columns[1], e);
                    continue;
                }
            },
            None => old_id,
        };
        cells[i] = match (k, id) {
            (Some(k), Some(id)) => Cell::Obj(k, id),
            (None, None) => Cell::Null,
            (None, Some(_)) => {
                add(
                    &mut errors,
                    columns[0],
                    "give the type of the object too".into(),
                );
                continue;
            }
            (Some(_), None) => {
                add(
                    &mut errors,
                    columns[1],
                    "give the id of the object too".into(),
                );
                continue;
            }
        };
    }
    for (i, f) in res.fields.iter().enumerate() {
        if f.computed || !cells[i].is_null() || errors.contains_key(f.name) {
            continue;
        }
        if creating
            && !input.contains_key(f.name)
            && let Some(d) = f.default
        {
            cells[i] = parse::parse(f, &Value::String(d.into()))
                .unwrap_or_else(|e| panic!("{}.{} default {d:?}: {e}", res.table, f.name));
        }
        if let FieldType::Slug = f.ty {
            let name = cells::get(&cells, res, "name").to_text(res.title_field());
            let slug = parse::slugify(&name, f.max_len);
            if !slug.is_empty() {
                cells[i] = Cell::Text(slug);
            } else if !name.is_empty() {
                add(
                    &mut errors,
                    f.name,
                    "cannot be derived from the name; enter one".into(),
                );
            }
        }
        if matches!(f.ty, FieldType::RefSet { .. }) && cells[i].is_null() {
            cells[i] = Cell::Set(vec![]);
        }
        if f.required && cells[i].is_null() && !errors.contains_key(f.name) {
            let key = match f.ty {
                FieldType::AnyRef { columns, .. } => columns[1],
                _ => f.name,
            };
            add(&mut errors, key, "this field is required".into());
        }
    }
    // Money comes with its currency, in the currency's minor units.
    for (i, f) in res.fields.iter().enumerate() {
        if let (FieldType::Money { currency }, Cell::Int(units)) = (f.ty, &cells[i])
            && !errors.contains_key(f.name)
            && !errors.contains_key(currency)
        {
            let code = cells::get(&cells, res, currency).text().map(str::to_string);
            if let Err(e) = parse::check_money(*units, code.as_deref()) {
                let field = if code.is_none() { currency } else { f.name };
                add(&mut errors, field, e);
            }
        }
    }
    if errors.is_empty() {
        Ok(cells)
    } else {
        Err(errors)
    }
}

/// Every reference names an object that exists.
fn check_refs(res: &'static Resource, cells: &[Cell], refs: &RefCache, errors: &mut FieldErrors) {
    for (i, f) in res.fields.iter().enumerate() {
        match (f.ty, &cells[i]) {
            (FieldType::Ref(k), Cell::Int(id)) if refs.get(k, *id).is_none() => add(
                errors,
                f.name,
                format!("there is no {} with id {id}", k.res().singular),
            ),
            (FieldType::AnyRef { columns, .. }, Cell::Obj(k, id))
                if refs.get(*k, *id).is_none() =>
            {
                add(
                    errors,
                    columns[1],
                    format!("there is no {} with id {id}", k.res().singular),
                )
            }
            (FieldType::RefSet { kind, .. }, Cell::Set(ids)) => {
                let missing: Vec<String> = ids
                    .iter()
                    .filter(|id| refs.get(kind, **id).is_none())
                    .map(i64::to_string)
                    .collect();
                if !missing.is_empty() {
                    add(
                        errors,
                        f.name,
                        format!(
                            "there is no {} with id {}",
                            kind.res().singular,
                            missing.join(", ")
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// A tree object cannot sit beneath itself.
async fn check_cycle<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    id: i64,
    parent: Option<i64>,
) -> Result<Option<String>, DbErr> {
    let t = table(res.kind);
    let mut cur = parent;
    let mut depth = 0;
    while let Some(p) = cur {
        if p == id {
            return Ok(Some(format!(
                "a {} cannot be placed beneath itself",
                res.singular
            )));
        }
        depth += 1;
        if depth > 1000 {
            break;
        }
        let mut q = Query::select();
        q.expr_as(Expr::col(t.column("parent_id")?), "parent_id")
            .from(t.table())
            .and_where(Expr::col(t.column("id")?).eq(p));
        cur = match conn.query_one(&q).await? {
            Some(r) => r.try_get::<Option<i64>>("", "parent_id")?,
            None => None,
        };
    }
    Ok(None)
}

/// Uniqueness, case-insensitive for text (the folded keys), within the batch and against
/// stored rows.
async fn check_unique<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &[Candidate],
    errors: &mut [FieldErrors],
) -> Result<(), DbErr> {
    let t = table(res.kind);
    for u in res.uniques {
        let idx: Vec<usize> = u.fields.iter().map(|n| cells::position(res, n)).collect();
        let last = *idx.last().expect("unique has fields");
        let key = |cells: &[Cell]| -> Vec<Cell> { idx.iter().map(|&i| cells[i].fold()).collect() };
        let message = u.message.replace("{singular}", res.singular);
        // Within the batch.
        let mut seen: HashMap<Vec<Cell>, usize> = HashMap::new();
        for (n, c) in rows.iter().enumerate() {
            if c.cells[last].is_null() {
                continue;
            }
            if let Some(first) = seen.insert(key(&c.cells), n) {
                add(
                    &mut errors[n],
                    u.field,
                    format!("{message} (element {first} of this request)"),
                );
            }
        }
        // Against the database: look up by the last field (its folded key is indexed).
        let last_field = &res.fields[last];
        let last_col = if last_field.has_key() {
            format!("{}_key", last_field.name)
        } else {
            last_field.name.to_string()
        };
        let wanted: Vec<sea_orm::Value> = rows
            .iter()
            .map(|c| c.cells[last].fold())
            .filter(|c| !c.is_null())
            .collect::<HashSet<Cell>>()
            .into_iter()
            .map(|c| c.to_sql(last_field))
            .collect();
        let mut existing: HashMap<Vec<Cell>, i64> = HashMap::new();
        for chunk in wanted.chunks(500) {
            let mut q = Query::select();
            q.expr_as(Expr::col(t.column("id")?), "id")
                .from(t.table())
                .and_where(Expr::col(t.column(&last_col)?).is_in(chunk.to_vec()));
            for (j, &i) in idx.iter().enumerate() {
                let f = &res.fields[i];
                let c = if f.has_key() {
                    format!("{}_key", f.name)
                } else {
                    f.name.to_string()
                };
                q.expr_as(Expr::col(t.column(&c)?), format!("u{j}"));
            }
            for r in conn.query_all(&q).await? {
                let id: i64 = r.try_get("", "id")?;
                let mut k = vec![];
                for (j, &i) in idx.iter().enumerate() {
                    let f = &res.fields[i];
                    let col = format!("u{j}");
                    k.push(if f.is_int() {
                        r.try_get::<Option<i64>>("", &col)?
                            .map_or(Cell::Null, Cell::Int)
                    } else {
                        r.try_get::<Option<String>>("", &col)?
                            .map_or(Cell::Null, Cell::Text)
                    });
                }
                existing.insert(k, id);
            }
        }
        for (n, c) in rows.iter().enumerate() {
            if c.cells[last].is_null() {
                continue;
            }
            if let Some(other) = existing.get(&key(&c.cells))
                && Some(*other) != c.id
                && !errors[n].contains_key(u.field)
            {
                add(&mut errors[n], u.field, message.clone());
            }
        }
    }
    Ok(())
}

/// The checks of a write: references exist, status transitions, the type's rules, trees
/// without cycles, uniqueness. Rows that failed to parse carry their errors in already.
async fn validate_batch<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &mut [Candidate],
    errors: &mut [FieldErrors],
) -> Result<RefCache, DbErr>
where
    for<'a> &'a C: Into<DatabaseExecutor<'a>>,
{
    let db = exec(conn);
    let cells: Vec<&[Cell]> = rows.iter().map(|c| c.cells.as_slice()).collect();
    let mut refs = RefCache::load(&db, res, &cells).await?;
    for (n, c) in rows.iter().enumerate() {
        if errors[n].is_empty() {
            check_refs(res, &c.cells, &refs, &mut errors[n]);
        }
    }
    let type_rules = rules::rules(res.kind);
    if let (Some(t), Some(_)) = (type_rules.transitions(), res.field("status")) {
        for (n, c) in rows.iter().enumerate() {
            if let (Some(Cell::Text(from)), Cell::Text(to)) =
                (c.was(res, "status"), c.get(res, "status"))
                && let Err(e) = rules::check_transition(t, from, to)
            {
                add(&mut errors[n], "status", e);
            }
        }
    }
    type_rules
        .clean(
            &db,
            &mut Batch {
                res,
                rows,
                errors,
                refs: &mut refs,
            },
        )
        .await?;
    if res.tree {
        for (n, c) in rows.iter().enumerate() {
            if let (Some(id), true) = (c.id, errors[n].is_empty())
                && let Some(e) = check_cycle(conn, res, id, c.get(res, "parent_id").int()).await?
            {
                add(&mut errors[n], "parent_id", e);
            }
        }
    }
    check_unique(conn, res, rows, errors).await?;
    Ok(refs)
}

fn fail_on_errors(res: &Resource, errors: &[FieldErrors], total: usize) -> Result<(), AppError> {
    let items: Vec<ItemError> = errors
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.is_empty())
        .map(|(index, fields)| ItemError {
            index,
            error: crate::error::summarize(fields),
            fields: fields.clone(),
        })
        .collect();
    if items.is_empty() {
        return Ok(());
    }
    let message = if total == 1 {
        items[0].error.clone()
    } else {
        format!(
            "{} of {} {} are not valid; nothing was saved (first: element {}: {}).",
            items.len(),
            total,
            res.plural,
            items[0].index,
            items[0].error
        )
    };
    Err(AppError::Invalid {
        message,
        fields: if total == 1 {
            items[0].fields.clone()
        } else {
            FieldErrors::new()
        },
        items,
        values: BTreeMap::new(),
    })
}

/// A duplicate only the database caught (a write that raced another): the unique rule it
/// broke, as a field error, instead of a bare conflict.
fn unique_violation(res: &'static Resource, e: DbErr) -> AppError {
    let Some(sql) = e.sql_err() else {
        return e.into();
    };
    if let sea_orm::SqlErr::UniqueConstraintViolation(msg) = &sql {
        let msg = msg.to_lowercase();
        // The index names (PostgreSQL) or the columns (SQLite) in the message tell the rule.
        let hit = res.uniques.iter().rev().find(|u| {
            let last = u.fields.last().expect("unique has fields");
            msg.contains(&format!("{last}_key"))
                || msg.contains(&format!("_{last}"))
                || msg.contains(last)
        });
        if let Some(u) = hit {
            return AppError::field(u.field, u.message.replace("{singular}", res.singular));
        }
    }
    e.into()
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Create one object.
pub async fn create(
    ctx: &Ctx,
    res: &'static Resource,
    input: Values,
) -> Result<ObjectDto, AppError> {
    create_many(ctx, res, vec![input])
        .await
        .map(|mut v| v.remove(0))
        .map_err(|e| match e {
            // A single object's errors are its own, not "element 0"'s.
            AppError::Invalid { items, .. } if items.len() == 1 => {
                AppError::fields(items[0].fields.clone())
            }
            e => e,
        })
}

/// Create several objects in one transaction: all of them or none. Errors name the index of
/// each failing element.
pub async fn create_many(
    ctx: &Ctx,
    res: &'static Resource,
    inputs: Vec<Values>,
) -> Result<Vec<ObjectDto>, AppError> {
    let (mut stored, refs) = insert_checked(ctx, res, inputs).await?;
    rules::rules(res.kind)
        .computed(&exec(&ctx.db.conn), &mut stored)
        .await?;
    Ok(stored.iter().map(|r| dto(res, r, &refs)).collect())
}

/// Like [`create_many`], answering only the new objects' ids (a bulk load that does not want
/// them back: `Prefer: return=minimal`).
pub async fn create_many_ids(
    ctx: &Ctx,
    res: &'static Resource,
    inputs: Vec<Values>,
) -> Result<Vec<i64>, AppError> {
    let (stored, _) = insert_checked(ctx, res, inputs).await?;
    Ok(stored.iter().map(|r| r.id).collect())
}

/// Check and insert new objects with their change-log entries; the stored rows and the
/// objects they refer to.
async fn insert_checked(
    ctx: &Ctx,
    res: &'static Resource,
    inputs: Vec<Values>,
) -> Result<(Vec<Row>, RefCache), AppError> {
    ctx.require_write(&format!("create {}", res.plural))?;
    if inputs.is_empty() {
        return Ok((vec![], RefCache::default()));
    }
    let mut errors: Vec<FieldErrors> = vec![FieldErrors::new(); inputs.len()];
    let mut rows: Vec<Candidate> = Vec::with_capacity(inputs.len());
    for (n, input) in inputs.iter().enumerate() {
        let cells = match prepare(res, None, input) {
            Ok(c) => c,
            Err(e) => {
                errors[n] = e;
                vec![Cell::Null; res.fields.len()]
            }
        };
        rows.push(Candidate {
            id: None,
            before: None,
            cells,
        });
    }
    // Validation reads outside the write gate, so requests validate while another writes; the
    // database's unique and foreign keys catch whatever changes in between.
    let refs = validate_batch(&ctx.db.conn, res, &mut rows, &mut errors).await?;
    fail_on_errors(res, &errors, inputs.len())?;
    let t = now();
    let cells: Vec<Vec<Cell>> = rows.into_iter().map(|c| c.cells).collect();
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let db = exec(&txn);
    let ids = store::insert(&db, res, &cells, t)
        .await
        .map_err(|e| unique_violation(res, e))?;
    let stored: Vec<Row> = cells
        .into_iter()
        .zip(&ids)
        .map(|(cells, id)| Row {
            id: *id,
            cells,
            created_at: t,
            updated_at: t,
        })
        .collect();
    let changes = stored
        .iter()
        .map(|r| logged(res, Action::Create, None, Some(r)))
        .collect();
    changelog::record(&txn, ctx, changes).await?;
    txn.commit().await?;
    drop(w);
    Ok((stored, refs))
}

/// Change fields of one object (`PATCH` semantics: absent keys keep their values).
pub async fn update(
    ctx: &Ctx,
    res: &'static Resource,
    id: i64,
    patch: Values,
) -> Result<ObjectDto, AppError> {
    ctx.require_write(&format!("change {}", res.plural))?;
    // A client may send back the id it read, but not another one: the address names the
    // object, and an id never changes.
    if let Some(given) = patch.get("id")
        && given.as_i64() != Some(id)
    {
        return Err(AppError::field(
            "id",
            format!(
                "is {given}, but the address names {} {id}; an id cannot be changed",
                res.singular
            ),
        ));
    }
    apply(ctx, res, &Selection::Ids(vec![id]), &patch, true).await?;
    get(ctx, res, id).await
}

/// Apply the same change to many objects: all of them or none.
pub async fn bulk_update(
    ctx: &Ctx,
    res: &'static Resource,
    sel: &Selection,
    patch: Values,
) -> Result<usize, AppError> {
    ctx.require_write(&format!("change {}", res.plural))?;
    for key in patch.keys() {
        let known = res.writable_fields().any(|f| match f.ty {
            FieldType::AnyRef { columns, .. } => columns.contains(&key.as_str()),
            _ => f.name == key,
        });
        if !known {
            return Err(AppError::field(key, format!("unknown field '{key}'")));
        }
        if res.is_unique_alone(key) && patch[key] != Value::Null {
            return Err(AppError::field(
                key,
                "must be unique, so it cannot be set on many objects at once",
            ));
        }
    }
    if patch.is_empty() {
        return Err(AppError::invalid("Choose at least one field to change."));
    }
    apply(ctx, res, sel, &patch, false).await
}

/// Change the selected objects: check every one, then write them, what moves along with them
/// (the type's side effects) and the change log in one transaction.
async fn apply(
    ctx: &Ctx,
    res: &'static Resource,
    sel: &Selection,
    patch: &Values,
    single: bool,
) -> Result<usize, AppError> {
    let ids = selection_ids(ctx, res, sel).await?;
    if ids.is_empty() {
        return Err(AppError::invalid(format!("No {} selected.", res.plural)));
    }
    let w = ctx.db.writer().await?;
    let conn = w.conn;
    let mut old = load_rows(conn, res, &ids).await?;
    old.sort_by_key(|r| r.id);
    if old.len() != ids.len() {
        if single {
            return Err(AppError::NotFound(format!(
                "There is no {} with id {}.",
                res.singular, ids[0]
            )));
        }
        return Err(AppError::Conflict(format!(
            "{} of the selected {} no longer exist; reload and try again.",
            ids.len() - old.len(),
            res.plural
        )));
    }
    let mut rows = vec![];
    let mut errors = vec![];
    for r in &old {
        let (cells, e) = match prepare(res, Some(r), patch) {
            Ok(c) => (c, FieldErrors::new()),
            Err(e) => (r.cells.clone(), e),
        };
        rows.push(Candidate {
            id: Some(r.id),
            before: Some(r.clone()),
            cells,
        });
        errors.push(e);
    }
    validate_batch(conn, res, &mut rows, &mut errors).await?;
    if let Some((n, e)) = errors.iter().enumerate().find(|(_, e)| !e.is_empty()) {
        if single {
            return Err(AppError::fields(e.clone()));
        }
        let bad = errors.iter().filter(|e| !e.is_empty()).count();
        let mut fields = e.clone();
        for msgs in fields.values_mut() {
            for m in msgs.iter_mut() {
                *m = format!("{} {}: {m}", res.singular, old[n].title(res));
            }
        }
        return Err(AppError::Invalid {
            message: format!(
                "{bad} of {} {} cannot take this change; nothing was saved (first: {} {}: {}).",
                old.len(),
                res.plural,
                res.singular,
                old[n].title(res),
                crate::error::summarize(e)
            ),
            fields,
            items: vec![],
            values: BTreeMap::new(),
        });
    }
    let txn = w.begin().await?;
    let db = exec(&txn);
    let t = now();
    let pairs: Vec<(&Row, &[Cell])> = old
        .iter()
        .zip(rows.iter().map(|c| c.cells.as_slice()))
        .collect();
    let changed = store::update(&db, res, &pairs, t)
        .await
        .map_err(|e| unique_violation(res, e))?;
    let mut saved = vec![];
    let mut changes = vec![];
    for (o, c) in old.iter().zip(rows) {
        if !changed.contains(&o.id) {
            continue;
        }
        let after = Row {
            id: o.id,
            cells: c.cells,
            created_at: o.created_at,
            updated_at: t,
        };
        changes.push(logged(res, Action::Update, Some(o), Some(&after)));
        saved.push((o.clone(), after));
    }
    changes.extend(rules::rules(res.kind).after_save(&db, ctx, &saved).await?);
    changelog::record(&txn, ctx, changes).await?;
    txn.commit().await?;
    Ok(old.len())
}

/// For each object, what points at it that protects it: "site HQ has 12 devices and 2
/// locations".
async fn blockers<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &[Row],
) -> Result<Vec<String>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let deleting: HashSet<i64> = ids.iter().copied().collect();
    // object id → (resource, self reference, count)
    let mut counts: BTreeMap<i64, Vec<(&'static Resource, bool, u64)>> = BTreeMap::new();
    for rev in schema::reverse_refs(res.kind) {
        let self_ref = rev.from.kind == res.kind;
        // (table, column holding the target id, extra condition)
        let (tbl, target_col, extra): (
            sea_orm::sea_query::DynIden,
            sea_orm::sea_query::DynIden,
            Option<sea_orm::sea_query::Condition>,
        ) = match rev.field.ty {
            FieldType::Ref(_) => {
                let t = table(rev.from.kind);
                (t.table(), t.column(rev.field.name)?, None)
            }
            FieldType::RefSet { table: jt, .. } => {
                let j = store::join_of(jt)?;
                (j.table, j.target, None)
            }
            FieldType::AnyRef { cascade: true, .. } => continue,
            FieldType::AnyRef { columns, .. } => {
                let t = table(rev.from.kind);
                let c = sea_orm::sea_query::Condition::all()
                    .add(Expr::col(t.column(columns[0])?).eq(res.kind.as_str()));
                (t.table(), t.column(columns[1])?, Some(c))
            }
            _ => continue,
        };
        for chunk in ids.chunks(900) {
            let mut q = Query::select();
            q.expr_as(Expr::col(target_col.clone()), "target")
                .expr_as(Expr::col(target_col.clone()).count(), "n")
                .from(tbl.clone())
                .and_where(Expr::col(target_col.clone()).is_in(chunk.to_vec()));
            if let Some(c) = &extra {
                q.cond_where(c.clone());
            }
            if self_ref {
                // Children deleted together with their parent do not block it.
                let t = table(res.kind);
                q.and_where(Expr::col(t.column("id")?).is_not_in(ids.clone()));
            }
            q.group_by_col(target_col.clone());
            for r in conn.query_all(&q).await? {
                let target: i64 = r.try_get("", "target")?;
                let n: i64 = r.try_get("", "n")?;
                if n > 0 && deleting.contains(&target) {
                    let list = counts.entry(target).or_default();
                    match list
                        .iter_mut()
                        .find(|(r, s, _)| r.kind == rev.from.kind && *s == self_ref)
                    {
                        Some(e) => e.2 += n as u64,
                        None => list.push((rev.from, self_ref, n as u64)),
                    }
                }
            }
        }
    }
    let mut other: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (kind, tbl, column, singular, plural) in schema::OTHER_REFS {
        if kind != res.kind {
            continue;
        }
        #[derive(sea_orm::FromQueryResult)]
        struct Count {
            target: i64,
            n: i64,
        }
        for chunk in ids.chunks(900) {
            let found: Vec<Count> = super::history::rows(
                conn,
                &format!(
                    "SELECT {column} AS target, COUNT(*) AS n FROM {tbl} WHERE {column} IN ({}) GROUP BY {column}",
                    super::history::marks(chunk.len())
                ),
                chunk.iter().map(|&i| i.into()).collect(),
            )
            .await?;
            for c in found {
                other.entry(c.target).or_default().push(if c.n == 1 {
                    format!("1 {singular}")
                } else {
                    format!("{} {plural}", c.n)
                });
            }
        }
    }
    let mut out = vec![];
    for r in rows {
        let extra = other.remove(&r.id).unwrap_or_default();
        let list = counts.get(&r.id).cloned().unwrap_or_default();
        if !list.is_empty() || !extra.is_empty() {
            let mut parts: Vec<String> = list
                .iter()
                .map(|(from, self_ref, n)| {
                    if *self_ref {
                        format!(
                            "{} child {}",
                            n,
                            if *n == 1 { from.singular } else { from.plural }
                        )
                    } else {
                        count_noun(*n, from)
                    }
                })
                .collect();
            parts.extend(extra);
            out.push(format!(
                "{} {} has {}",
                res.singular,
                r.title(res),
                rules::join_and(&parts)
            ));
        }
    }
    Ok(out)
}

pub async fn delete(ctx: &Ctx, res: &'static Resource, id: i64) -> Result<(), AppError> {
    ctx.require_write(&format!("delete {}", res.plural))?;
    load_row(&ctx.db.conn, res, id).await?;
    bulk_delete(ctx, res, &Selection::Ids(vec![id]))
        .await
        .map(|_| ())
}

/// Delete objects unless something points at them (the message names what does); objects
/// that belong to them (journal entries) go with them.
pub async fn bulk_delete(
    ctx: &Ctx,
    res: &'static Resource,
    sel: &Selection,
) -> Result<usize, AppError> {
    ctx.require_write(&format!("delete {}", res.plural))?;
    let ids = selection_ids(ctx, res, sel).await?;
    if ids.is_empty() {
        return Err(AppError::invalid(format!("No {} selected.", res.plural)));
    }
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let db = exec(&txn);
    let rows = store::load(&db, res, &ids).await?;
    let blocked = blockers(&txn, res, &rows).await?;
    if !blocked.is_empty() {
        let n = blocked.len();
        let mut shown: Vec<String> = blocked.into_iter().take(5).collect();
        if n > 5 {
            shown.push(format!("and {} more", n - 5));
        }
        let msg = if rows.len() == 1 {
            format!("Cannot delete: {}.", shown.join("; "))
        } else {
            format!(
                "Cannot delete {n} of the {} selected {}: {}. Nothing was deleted.",
                rows.len(),
                res.plural,
                shown.join("; ")
            )
        };
        return Err(AppError::Conflict(msg));
    }
    let mut changes = vec![];
    // What belongs to the objects goes first.
    for rev in schema::reverse_refs(res.kind) {
        if let FieldType::AnyRef {
            cascade: true,
            columns,
            ..
        } = rev.field.ty
        {
            let t = table(rev.from.kind);
            let mut dependents = vec![];
            for chunk in ids.chunks(900) {
                let mut q = Query::select();
                q.expr_as(Expr::col(t.column("id")?), "id")
                    .from(t.table())
                    .and_where(Expr::col(t.column(columns[0])?).eq(res.kind.as_str()))
                    .and_where(Expr::col(t.column(columns[1])?).is_in(chunk.to_vec()));
                for r in txn.query_all(&q).await? {
                    dependents.push(r.try_get::<i64>("", "id")?);
                }
            }
            let gone = store::load(&db, rev.from, &dependents).await?;
            store::delete(&db, rev.from, &dependents).await?;
            changes.extend(gone.iter().map(|r| deleted(rev.from, r)));
        }
    }
    store::delete(&db, res, &ids).await?;
    changes.extend(rows.iter().map(|r| deleted(res, r)));
    changelog::record(&txn, ctx, changes).await?;
    txn.commit().await?;
    Ok(rows.len())
}

fn deleted(res: &'static Resource, r: &Row) -> Change {
    logged(res, Action::Delete, Some(r), None)
}

/// The change-log entry of an object created (no `before`), changed, or deleted (no `after`).
pub fn logged(res: &Resource, action: Action, before: Option<&Row>, after: Option<&Row>) -> Change {
    let this = after
        .or(before)
        .expect("a created, changed or deleted object");
    Change {
        object_type: res.kind.as_str().into(),
        object_id: this.id,
        repr: this.title(res),
        action,
        before: before.map(|r| r.to_json_text(res)),
        after: after.map(|r| r.to_json_text(res)),
    }
}

/// Object counts per type (home page, metrics).
pub async fn counts<C: ConnectionTrait>(conn: &C) -> Result<Vec<(Kind, u64)>, DbErr> {
    let mut out = vec![];
    for r in schema::RESOURCES {
        let t = table(r.kind);
        let mut q = Query::select();
        q.expr_as(Expr::col(t.column("id")?).count(), "n")
            .from(t.table());
        let n: i64 = match conn.query_one(&q).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        out.push((r.kind, n as u64));
    }
    Ok(out)
}

/// Turn form strings into values: every field of the form is sent, empty ones as empty. A set
/// arrives as `<name>` (empty, marking it sent) and `<name>.<id>` for each ticked member, or as
/// ids joined by commas in `<name>` (typed, when there are too many to list).
pub fn form_values(res: &Resource, form: &HashMap<String, String>) -> Values {
    let mut m = Values::new();
    for f in res.writable_fields() {
        match f.ty {
            FieldType::AnyRef { columns, .. } => {
                for c in columns {
                    if let Some(v) = form.get(c) {
                        m.insert(c.to_string(), Value::String(v.clone()));
                    }
                }
            }
            FieldType::RefSet { .. } => {
                let prefix = format!("{}.", f.name);
                let mut ids: Vec<String> = form
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix))
                    .map(str::to_string)
                    .collect();
                let typed = form.get(f.name).filter(|v| !v.trim().is_empty());
                if let Some(t) = typed {
                    ids.push(t.clone());
                }
                if form.contains_key(f.name) || !ids.is_empty() {
                    ids.sort();
                    m.insert(f.name.to_string(), Value::String(ids.join(",")));
                }
            }
            _ => {
                if let Some(v) = form.get(f.name) {
                    m.insert(f.name.to_string(), Value::String(v.clone()));
                }
            }
        }
    }
    m
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::ssr::testing::TestDb;

    /// A duplicate only the database catches (two writes racing past validation) is a 400 on
    /// the field the unique rule names, not a bare conflict.
    async fn a_duplicate_the_database_catches_names_its_field(t: &TestDb) {
        let insert = |name: &str, slug: &str| {
            let now = chrono::Utc::now();
            let mut q = Query::insert();
            q.into_table(sea_orm::sea_query::Alias::new("sites"))
                .columns(
                    [
                        "name",
                        "name_key",
                        "slug",
                        "status",
                        "created_at",
                        "updated_at",
                    ]
                    .map(sea_orm::sea_query::Alias::new),
                )
                .values_panic([
                    name.into(),
                    crate::ssr::services::text::fold(name).into(),
                    slug.into(),
                    "active".into(),
                    now.into(),
                    now.into(),
                ]);
            q
        };
        t.db.conn.execute(&insert("Ústí", "a")).await.unwrap();
        let e = t.db.conn.execute(&insert("ÚSTÍ", "b")).await.unwrap_err();
        let e = unique_violation(&schema::SITE, e);
        assert_eq!(e.status(), 400, "{}: {e:?}", t.backend);
        assert!(e.field_errors().contains_key("name"), "{e:?}");
        let e = t.db.conn.execute(&insert("Other", "a")).await.unwrap_err();
        assert!(
            unique_violation(&schema::SITE, e)
                .field_errors()
                .contains_key("slug")
        );
    }

    crate::db_tests!(a_duplicate_the_database_catches_names_its_field);
}
