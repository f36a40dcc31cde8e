//! The generic object service: list, read, create (one or many, all or nothing), update, bulk
//! update, delete with protection, for every inventory type in `schema`. Validation,
//! permissions and the change log happen here for every door.

use super::cells::{self, Cell, Row};
use super::changelog::{self, Action, Change};
use super::query::{self, ListQuery};
use super::{Ctx, fmt_time, now, validate};
use crate::error::{AppError, FieldErrors, ItemError};
use crate::model::{ListPage, ObjectDetail, ObjectDto, RefDto, RefOptions, RelatedList};
use crate::schema::{self, FieldType, Kind, Resource, count_noun};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, DbErr};
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
        || res.ref_fields().any(|f| f.base_name() == key)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Rows by id, in no particular order.
pub async fn load_rows<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    ids: &[i64],
) -> Result<Vec<Row>, DbErr> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(900) {
        let mut q = Query::select();
        q.columns(cells::columns(res))
            .from(res.table)
            .and_where(Expr::col("id").is_in(chunk.to_vec()));
        for r in conn.query_all(&q).await? {
            out.push(cells::read_row(res, &r)?);
        }
    }
    Ok(out)
}

pub async fn load_row<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    id: i64,
) -> Result<Row, AppError> {
    load_rows(conn, res, &[id])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("There is no {} with id {id}.", res.singular)))
}

/// What the rules and the DTOs need to know about referenced objects.
#[derive(Clone, Debug, Default)]
struct RefInfo {
    display: String,
    site_id: Option<i64>,
    location_id: Option<i64>,
}

#[derive(Default)]
struct RefCache(HashMap<Kind, HashMap<i64, RefInfo>>);

impl RefCache {
    /// Load every object the rows refer to, one query per referenced type.
    async fn load<C: ConnectionTrait>(
        conn: &C,
        res: &'static Resource,
        rows: &[&[Cell]],
    ) -> Result<RefCache, DbErr> {
        let mut wanted: BTreeMap<Kind, HashSet<i64>> = BTreeMap::new();
        for (i, f) in res.fields.iter().enumerate() {
            if let Some(k) = f.ref_kind() {
                for r in rows {
                    if let Some(id) = r[i].int() {
                        wanted.entry(k).or_default().insert(id);
                    }
                }
            }
        }
        let mut cache = RefCache::default();
        for (kind, ids) in wanted {
            cache.fetch(conn, kind, ids.into_iter().collect()).await?;
        }
        // Messages name the sites and locations of referenced locations and racks too.
        let mut more: BTreeMap<Kind, Vec<i64>> = BTreeMap::new();
        for infos in cache.0.values() {
            for info in infos.values() {
                if let Some(s) = info.site_id.filter(|s| cache.get(Kind::Site, *s).is_none()) {
                    more.entry(Kind::Site).or_default().push(s);
                }
                if let Some(l) = info
                    .location_id
                    .filter(|l| cache.get(Kind::Location, *l).is_none())
                {
                    more.entry(Kind::Location).or_default().push(l);
                }
            }
        }
        for (kind, mut ids) in more {
            ids.sort_unstable();
            ids.dedup();
            cache.fetch(conn, kind, ids).await?;
        }
        Ok(cache)
    }

    async fn fetch<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        kind: Kind,
        ids: Vec<i64>,
    ) -> Result<(), DbErr> {
        let target = kind.res();
        let extra: Vec<&str> = ["site_id", "location_id"]
            .into_iter()
            .filter(|c| target.field(c).is_some())
            .collect();
        let map = self.0.entry(kind).or_default();
        for chunk in ids.chunks(900) {
            let mut q = Query::select();
            q.column("id")
                .column(target.title)
                .columns(extra.clone())
                .from(target.table)
                .and_where(Expr::col("id").is_in(chunk.to_vec()));
            for r in conn.query_all(&q).await? {
                let id: i64 = r.try_get("", "id")?;
                let info = RefInfo {
                    display: r
                        .try_get::<Option<String>>("", target.title)?
                        .unwrap_or_default(),
                    site_id: if extra.contains(&"site_id") {
                        r.try_get("", "site_id")?
                    } else {
                        None
                    },
                    location_id: if extra.contains(&"location_id") {
                        r.try_get("", "location_id")?
                    } else {
                        None
                    },
                };
                map.insert(id, info);
            }
        }
        Ok(())
    }

    fn get(&self, kind: Kind, id: i64) -> Option<&RefInfo> {
        self.0.get(&kind).and_then(|m| m.get(&id))
    }
}

fn dto(res: &'static Resource, row: &Row, refs: &RefCache) -> ObjectDto {
    let mut values = BTreeMap::new();
    let mut out_refs = BTreeMap::new();
    for (f, c) in res.fields.iter().zip(&row.cells) {
        values.insert(f.name.to_string(), c.to_json());
        if let (Some(k), Some(id)) = (f.ref_kind(), c.int()) {
            let display = refs
                .get(k, id)
                .map(|i| i.display.clone())
                .unwrap_or_else(|| format!("#{id}"));
            out_refs.insert(f.name.to_string(), RefDto { id, display });
        }
    }
    ObjectDto {
        kind: res.kind,
        id: row.id,
        display: row.title(res),
        values,
        refs: out_refs,
        created_at: fmt_time(row.created_at),
        updated_at: fmt_time(row.updated_at),
    }
}

/// DTOs for rows, with referenced objects' names loaded in bulk.
pub async fn to_dtos<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &[Row],
) -> Result<Vec<ObjectDto>, DbErr> {
    let cells: Vec<&[Cell]> = rows.iter().map(|r| r.cells.as_slice()).collect();
    let refs = RefCache::load(conn, res, &cells).await?;
    Ok(rows.iter().map(|r| dto(res, r, &refs)).collect())
}

/// One page of a list.
pub async fn list(ctx: &Ctx, res: &'static Resource, lq: &ListQuery) -> Result<ListPage, AppError> {
    let conn = &ctx.db.conn;
    let cond = query::condition(conn, res, lq).await?;
    let count: i64 = conn
        .query_one(&query::count_query(res, cond.clone()))
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    let ids: Vec<i64> = if lq.offset >= count as u64 {
        vec![]
    } else {
        conn.query_all(&query::page_ids_query(res, cond, lq))
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<i64>(0))
            .collect::<Result<_, _>>()?
    };
    let mut rows = load_rows(conn, res, &ids).await?;
    let pos: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| pos[&r.id]);
    Ok(ListPage {
        count: count as u64,
        offset: lq.offset,
        limit: lq.limit,
        rows: to_dtos(conn, res, &rows).await?,
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
    let mut q = query::page_ids_query(res, cond, &all);
    q.reset_limit().reset_offset();
    Ok(conn
        .query_all(&q)
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?)
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
    Ok(to_dtos(&ctx.db.conn, res, &[row]).await?.remove(0))
}

/// An object with the objects that point at it and its recent history.
pub async fn detail(ctx: &Ctx, res: &'static Resource, id: i64) -> Result<ObjectDetail, AppError> {
    let object = get(ctx, res, id).await?;
    let mut related = vec![];
    for rev in schema::reverse_refs(res.kind) {
        let mut lq = ListQuery {
            limit: 10,
            ..Default::default()
        };
        lq.filters.push((
            rev.field.name.into(),
            vec![query::FilterValue::Cell(Cell::Int(id))],
        ));
        // Direct children only for a tree's own parent relation; descendants elsewhere.
        let page = list(ctx, rev.from, &lq).await?;
        related.push(RelatedList {
            kind: rev.from.kind,
            field: rev.field.name.into(),
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
    let mut q = Query::select();
    q.column("id").column(res.title).from(res.table);
    let site_col = res.field("site_id").is_some();
    if site_col {
        q.column("site_id");
    }
    q.order_by(res.title, Order::Asc)
        .order_by("id", Order::Asc)
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
                    display: r
                        .try_get::<Option<String>>("", res.title)?
                        .unwrap_or_default(),
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
        let names = names_of(conn, Kind::Site, &site_ids).await?;
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

async fn names_of<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
) -> Result<HashMap<i64, String>, DbErr> {
    let res = kind.res();
    let mut out = HashMap::new();
    for chunk in ids.chunks(900) {
        let mut q = Query::select();
        q.column("id")
            .column(res.title)
            .from(res.table)
            .and_where(Expr::col("id").is_in(chunk.to_vec()));
        for r in conn.query_all(&q).await? {
            out.insert(
                r.try_get("", "id")?,
                r.try_get::<Option<String>>("", res.title)?
                    .unwrap_or_default(),
            );
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Validation

/// Apply submitted values over `base` (a new object's empty cells or an existing object's),
/// parsing each field. Errors are per field.
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
    for (key, v) in input {
        match res.fields.iter().position(|f| f.name == key) {
            Some(i) => match validate::parse(&res.fields[i], v) {
                Ok(c) => cells[i] = c,
                Err(e) => errors.entry(key.clone()).or_default().push(e),
            },
            None if ignored_key(res, key) => {}
            None => errors
                .entry(key.clone())
                .or_default()
                .push(format!("unknown field '{key}'")),
        }
    }
    for (i, f) in res.fields.iter().enumerate() {
        if !cells[i].is_null() || errors.contains_key(f.name) {
            continue;
        }
        match f.ty {
            FieldType::Choice(_)
                if f.name == "status" && creating && !input.contains_key(f.name) =>
            {
                cells[i] = Cell::Text("active".into());
            }
            FieldType::Int { .. } if f.name == "units" && creating => cells[i] = Cell::Int(42),
            FieldType::Slug => {
                let name = cells::get(&cells, res, "name").display();
                let slug = validate::slugify(&name, f.max_len);
                if !slug.is_empty() {
                    cells[i] = Cell::Text(slug);
                } else if !name.is_empty() {
                    errors
                        .entry(f.name.into())
                        .or_default()
                        .push("cannot be derived from the name; enter one".into());
                }
            }
            _ => {}
        }
        if f.required && cells[i].is_null() && !errors.contains_key(f.name) {
            errors
                .entry(f.name.into())
                .or_default()
                .push("this field is required".into());
        }
    }
    if errors.is_empty() {
        Ok(cells)
    } else {
        Err(errors)
    }
}

fn add(errors: &mut FieldErrors, field: &str, msg: String) {
    errors.entry(field.to_string()).or_default().push(msg);
}

/// Reference existence and the placement rules between sites, locations and racks.
fn check_refs(
    res: &'static Resource,
    cells: &mut [Cell],
    refs: &RefCache,
    errors: &mut FieldErrors,
) {
    for (i, f) in res.fields.iter().enumerate() {
        if let (Some(k), Some(id)) = (f.ref_kind(), cells[i].int())
            && refs.get(k, id).is_none()
        {
            add(
                errors,
                f.name,
                format!("there is no {} with id {id}", k.res().singular),
            );
        }
    }
    if !errors.is_empty() {
        return;
    }
    let site = cells::get(cells, res, "site_id").int();
    let site_name = |id: Option<i64>| {
        id.and_then(|id| refs.get(Kind::Site, id))
            .map(|i| i.display.clone())
            .unwrap_or_default()
    };
    match res.kind {
        Kind::Location => {
            if let Some(p) = cells::get(cells, res, "parent_id").int() {
                let parent = refs.get(Kind::Location, p).expect("checked");
                if parent.site_id != site {
                    add(
                        errors,
                        "parent_id",
                        format!(
                            "the parent location {} is in site {}, not {}",
                            parent.display,
                            site_name(parent.site_id),
                            site_name(site)
                        ),
                    );
                }
            }
        }
        Kind::Rack | Kind::Device => {
            let mut location = cells::get(cells, res, "location_id").int();
            if let Some(r) = cells::get(cells, res, "rack_id").int() {
                let rack = refs.get(Kind::Rack, r).expect("checked").clone();
                if rack.site_id != site {
                    add(
                        errors,
                        "rack_id",
                        format!(
                            "rack {} is in site {}, not {}",
                            rack.display,
                            site_name(rack.site_id),
                            site_name(site)
                        ),
                    );
                } else if let Some(rl) = rack.location_id {
                    match location {
                        // A device placed in a rack is where the rack is.
                        None => {
                            cells::set(cells, res, "location_id", Cell::Int(rl));
                            location = Some(rl);
                        }
                        Some(l) if l != rl => add(
                            errors,
                            "rack_id",
                            format!(
                                "rack {} is in location {}, not the one chosen",
                                rack.display,
                                refs.get(Kind::Location, rl)
                                    .map(|i| i.display.as_str())
                                    .unwrap_or("?")
                            ),
                        ),
                        _ => {}
                    }
                }
            }
            if let Some(l) = location {
                match refs.get(Kind::Location, l) {
                    Some(loc) if loc.site_id != site => add(
                        errors,
                        "location_id",
                        format!(
                            "location {} is in site {}, not {}",
                            loc.display,
                            site_name(loc.site_id),
                            site_name(site)
                        ),
                    ),
                    Some(_) => {}
                    None => {}
                }
            }
        }
        _ => {}
    }
}

/// A rack's location may have been filled in from its rack: make sure it is in the cache.
async fn refresh_refs<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &[Vec<Cell>],
    refs: &mut RefCache,
) -> Result<(), DbErr> {
    let missing: Vec<i64> = rows
        .iter()
        .filter_map(|c| cells::get(c, res, "location_id").int())
        .filter(|id| refs.get(Kind::Location, *id).is_none())
        .collect();
    if missing.is_empty() || res.field("location_id").is_none() {
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = missing
        .iter()
        .map(|id| {
            let mut c = vec![Cell::Null; res.fields.len()];
            cells::set(&mut c, res, "location_id", Cell::Int(*id));
            c
        })
        .collect();
    let slices: Vec<&[Cell]> = rows.iter().map(|r| r.as_slice()).collect();
    let extra = RefCache::load(conn, res, &slices).await?;
    for (k, m) in extra.0 {
        refs.0.entry(k).or_default().extend(m);
    }
    Ok(())
}

/// A tree object cannot sit beneath itself.
async fn check_cycle<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    id: i64,
    parent: Option<i64>,
) -> Result<Option<String>, DbErr> {
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
        q.column("parent_id")
            .from(res.table)
            .and_where(Expr::col("id").eq(p));
        cur = conn
            .query_one(&q)
            .await?
            .and_then(|r| r.try_get::<Option<i64>>("", "parent_id").ok().flatten());
    }
    Ok(None)
}

/// Uniqueness, case-insensitive for text, within the batch and against stored rows.
async fn check_unique<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &[(Option<i64>, Vec<Cell>)],
    errors: &mut [FieldErrors],
) -> Result<(), DbErr> {
    for u in res.uniques {
        let idx: Vec<usize> = u
            .fields
            .iter()
            .map(|n| {
                res.fields
                    .iter()
                    .position(|f| f.name == *n)
                    .expect("unique field")
            })
            .collect();
        let last = *idx.last().expect("unique has fields");
        let key = |cells: &[Cell]| -> Vec<Cell> { idx.iter().map(|&i| cells[i].fold()).collect() };
        let message = u.message.replace("{singular}", res.singular);
        // Within the batch.
        let mut seen: HashMap<Vec<Cell>, usize> = HashMap::new();
        for (n, (_, cells)) in rows.iter().enumerate() {
            if cells[last].is_null() {
                continue;
            }
            if let Some(first) = seen.insert(key(cells), n) {
                add(
                    &mut errors[n],
                    u.field,
                    format!("{message} (element {first} of this request)"),
                );
            }
        }
        // Against the database: look up by the last field (indexed as lower(field)).
        let mut wanted: Vec<String> = rows
            .iter()
            .filter_map(|(_, c)| c[last].fold().text().map(str::to_string))
            .collect();
        wanted.sort();
        wanted.dedup();
        let last_name = res.fields[last].name;
        let mut existing: HashMap<Vec<Cell>, i64> = HashMap::new();
        for chunk in wanted.chunks(500) {
            let mut q = Query::select();
            q.column("id")
                .columns(u.fields.iter().copied())
                .from(res.table)
                .and_where(
                    Expr::expr(Func::lower(Expr::col(last_name))).is_in(chunk.iter().cloned()),
                );
            for r in conn.query_all(&q).await? {
                let id: i64 = r.try_get("", "id")?;
                let mut k = vec![];
                for &i in &idx {
                    let f = &res.fields[i];
                    k.push(if f.is_int() {
                        r.try_get::<Option<i64>>("", f.name)?
                            .map_or(Cell::Null, Cell::Int)
                    } else {
                        r.try_get::<Option<String>>("", f.name)?
                            .map_or(Cell::Null, |s| Cell::Text(s.to_lowercase()))
                    });
                }
                existing.insert(k, id);
            }
        }
        for (n, (self_id, cells)) in rows.iter().enumerate() {
            if cells[last].is_null() {
                continue;
            }
            if let Some(other) = existing.get(&key(cells))
                && Some(*other) != *self_id
                && !errors[n].contains_key(u.field)
            {
                add(&mut errors[n], u.field, message.clone());
            }
        }
    }
    Ok(())
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
    ctx.require_write(&format!("create {}", res.plural))?;
    if inputs.is_empty() {
        return Ok(vec![]);
    }
    let mut errors: Vec<FieldErrors> = vec![FieldErrors::new(); inputs.len()];
    let mut rows: Vec<(Option<i64>, Vec<Cell>)> = Vec::with_capacity(inputs.len());
    for (n, input) in inputs.iter().enumerate() {
        match prepare(res, None, input) {
            Ok(c) => rows.push((None, c)),
            Err(e) => {
                errors[n] = e;
                rows.push((None, vec![Cell::Null; res.fields.len()]));
            }
        }
    }
    // Validation reads outside the write gate, so requests validate while another writes; the
    // database's unique and foreign keys catch whatever changes in between.
    let refs = validate_batch(&ctx.db.conn, res, &mut rows, &mut errors).await?;
    fail_on_errors(res, &errors, inputs.len())?;
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let t = now();
    let mut ids = Vec::with_capacity(rows.len());
    let per_stmt = (20_000 / (res.fields.len() + 2)).max(1);
    for chunk in rows.chunks(per_stmt) {
        let mut ins = Query::insert();
        let mut cols: Vec<&str> = res.fields.iter().map(|f| f.name).collect();
        cols.push("created_at");
        cols.push("updated_at");
        ins.into_table(res.table).columns(cols);
        for (_, cells) in chunk {
            let mut vals: Vec<sea_orm::sea_query::SimpleExpr> = res
                .fields
                .iter()
                .zip(cells)
                .map(|(f, c)| c.to_sql(f).into())
                .collect();
            vals.push(t.into());
            vals.push(t.into());
            ins.values_panic(vals);
        }
        if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
            // One writer at a time (the gate): one statement's rows get consecutive rowids.
            let last = txn.execute(&ins).await?.last_insert_id() as i64;
            let n = chunk.len() as i64;
            ids.extend(last - n + 1..=last);
        } else {
            ins.returning_col("id");
            let mut got: Vec<i64> = txn
                .query_all(&ins)
                .await?
                .iter()
                .map(|r| r.try_get_by_index::<i64>(0))
                .collect::<Result<_, _>>()?;
            // Ids come from one sequence in row order; sort in case RETURNING does not keep it.
            got.sort_unstable();
            ids.extend(got);
        }
    }
    let stored: Vec<Row> = rows
        .into_iter()
        .zip(&ids)
        .map(|((_, cells), id)| Row {
            id: *id,
            cells,
            created_at: t,
            updated_at: t,
        })
        .collect();
    let changes = stored
        .iter()
        .map(|r| Change {
            object_type: res.kind.as_str().into(),
            object_id: r.id,
            repr: r.title(res),
            action: Action::Create,
            before: None,
            after: Some(r.to_json_text(res)),
        })
        .collect();
    changelog::record(&txn, ctx, changes).await?;
    txn.commit().await?;
    drop(w);
    Ok(stored.iter().map(|r| dto(res, r, &refs)).collect())
}

async fn validate_batch<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &mut [(Option<i64>, Vec<Cell>)],
    errors: &mut [FieldErrors],
) -> Result<RefCache, DbErr> {
    let cells: Vec<&[Cell]> = rows.iter().map(|(_, c)| c.as_slice()).collect();
    let mut refs = RefCache::load(conn, res, &cells).await?;
    for (n, (_, cells)) in rows.iter_mut().enumerate() {
        if errors[n].is_empty() {
            check_refs(res, cells, &refs, &mut errors[n]);
        }
    }
    let all: Vec<Vec<Cell>> = rows.iter().map(|(_, c)| c.clone()).collect();
    refresh_refs(conn, res, &all, &mut refs).await?;
    if res.tree {
        for (n, (id, cells)) in rows.iter().enumerate() {
            if let (Some(id), true) = (id, errors[n].is_empty())
                && let Some(e) =
                    check_cycle(conn, res, *id, cells::get(cells, res, "parent_id").int()).await?
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

/// Change fields of one object (`PATCH` semantics: absent keys keep their values).
pub async fn update(
    ctx: &Ctx,
    res: &'static Resource,
    id: i64,
    patch: Values,
) -> Result<ObjectDto, AppError> {
    ctx.require_write(&format!("change {}", res.plural))?;
    let w = ctx.db.writer().await;
    let conn = w.conn;
    let row = load_row(conn, res, id).await?;
    let cells = prepare(res, Some(&row), &patch).map_err(AppError::fields)?;
    let mut rows = vec![(Some(id), cells)];
    let mut errors = vec![FieldErrors::new()];
    validate_batch(conn, res, &mut rows, &mut errors).await?;
    if !errors[0].is_empty() {
        return Err(AppError::fields(errors.remove(0)));
    }
    let txn = w.begin().await?;
    let updated = write_updates(&txn, ctx, res, vec![(row, rows.remove(0).1)]).await?;
    txn.commit().await?;
    Ok(to_dtos(conn, res, &updated).await?.remove(0))
}

/// The new values of some columns, and the rows that take them.
type UpdateGroup = (Vec<(usize, Cell)>, Vec<i64>);

/// Store changed cells and log them; rows whose values did not change are left alone.
async fn write_updates<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    res: &'static Resource,
    pairs: Vec<(Row, Vec<Cell>)>,
) -> Result<Vec<Row>, DbErr> {
    let t = now();
    let mut changes = vec![];
    let mut out = vec![];
    // Group rows with the same new values in the same columns into one UPDATE.
    let mut groups: BTreeMap<Vec<(usize, String)>, UpdateGroup> = BTreeMap::new();
    for (old, new) in pairs {
        let changed: Vec<(usize, Cell)> = old
            .cells
            .iter()
            .zip(&new)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (_, b))| (i, b.clone()))
            .collect();
        if changed.is_empty() {
            out.push(old);
            continue;
        }
        let key = changed
            .iter()
            .map(|(i, c)| (*i, format!("{c:?}")))
            .collect();
        let entry = groups
            .entry(key)
            .or_insert_with(|| (changed.clone(), vec![]));
        entry.1.push(old.id);
        let after = Row {
            id: old.id,
            cells: new,
            created_at: old.created_at,
            updated_at: t,
        };
        changes.push(Change {
            object_type: res.kind.as_str().into(),
            object_id: old.id,
            repr: after.title(res),
            action: Action::Update,
            before: Some(old.to_json_text(res)),
            after: Some(after.to_json_text(res)),
        });
        out.push(after);
    }
    for (_, (changed, ids)) in groups {
        for chunk in ids.chunks(900) {
            let mut upd = Query::update();
            upd.table(res.table);
            for (i, c) in &changed {
                upd.value(res.fields[*i].name, c.to_sql(&res.fields[*i]));
            }
            upd.value("updated_at", t);
            upd.and_where(Expr::col("id").is_in(chunk.to_vec()));
            conn.execute(&upd).await?;
        }
    }
    changelog::record(conn, ctx, changes).await?;
    Ok(out)
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
        if res.field(key).is_none() {
            return Err(AppError::field(key, format!("unknown field '{key}'")));
        }
        if matches!(key.as_str(), "name" | "slug" | "circuit_id" | "asset_tag")
            && patch[key] != Value::Null
        {
            return Err(AppError::field(
                key,
                "must be unique, so it cannot be set on many objects at once",
            ));
        }
    }
    if patch.is_empty() {
        return Err(AppError::invalid("Choose at least one field to change."));
    }
    let ids = selection_ids(ctx, res, sel).await?;
    if ids.is_empty() {
        return Err(AppError::invalid(format!("No {} selected.", res.plural)));
    }
    let w = ctx.db.writer().await;
    let conn = w.conn;
    let mut old = load_rows(conn, res, &ids).await?;
    old.sort_by_key(|r| r.id);
    if old.len() != ids.len() {
        return Err(AppError::Conflict(format!(
            "{} of the selected {} no longer exist; reload and try again.",
            ids.len() - old.len(),
            res.plural
        )));
    }
    let mut rows = vec![];
    let mut errors = vec![];
    for r in &old {
        match prepare(res, Some(r), &patch) {
            Ok(c) => {
                rows.push((Some(r.id), c));
                errors.push(FieldErrors::new());
            }
            Err(e) => {
                rows.push((Some(r.id), r.cells.clone()));
                errors.push(e);
            }
        }
    }
    validate_batch(conn, res, &mut rows, &mut errors).await?;
    if let Some((n, e)) = errors.iter().enumerate().find(|(_, e)| !e.is_empty()) {
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
    let n = old.len();
    write_updates(
        &txn,
        ctx,
        res,
        old.into_iter().zip(rows.into_iter().map(|r| r.1)).collect(),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// For each object, what points at it: "site HQ has 12 devices and 2 locations".
async fn blockers<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    rows: &[Row],
) -> Result<Vec<String>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let deleting: HashSet<i64> = ids.iter().copied().collect();
    // object id → (resource index, count)
    let mut counts: BTreeMap<i64, Vec<(&'static Resource, bool, u64)>> = BTreeMap::new();
    for rev in schema::reverse_refs(res.kind) {
        let self_ref = rev.from.kind == res.kind;
        for chunk in ids.chunks(900) {
            let mut q = Query::select();
            q.column(rev.field.name)
                .expr(Expr::col("id").count())
                .from(rev.from.table)
                .and_where(Expr::col(rev.field.name).is_in(chunk.to_vec()));
            if self_ref {
                // Children deleted together with their parent do not block it.
                q.and_where(Expr::col("id").is_not_in(ids.clone()));
            }
            q.group_by_col(rev.field.name);
            for r in conn.query_all(&q).await? {
                let target: i64 = r.try_get_by_index(0)?;
                let n: i64 = r.try_get_by_index(1)?;
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
    for (kind, table, column, singular, plural) in schema::OTHER_REFS {
        if kind != res.kind {
            continue;
        }
        for chunk in ids.chunks(900) {
            let mut q = Query::select();
            q.column(column)
                .expr(Expr::col("id").count())
                .from(table)
                .and_where(Expr::col(column).is_in(chunk.to_vec()))
                .group_by_col(column);
            for r in conn.query_all(&q).await? {
                let target: i64 = r.try_get_by_index(0)?;
                let n: i64 = r.try_get_by_index(1)?;
                other.entry(target).or_default().push(if n == 1 {
                    format!("1 {singular}")
                } else {
                    format!("{n} {plural}")
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
                join_and(&parts)
            ));
        }
    }
    Ok(out)
}

fn join_and(parts: &[String]) -> String {
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

pub async fn delete(ctx: &Ctx, res: &'static Resource, id: i64) -> Result<(), AppError> {
    ctx.require_write(&format!("delete {}", res.plural))?;
    load_row(&ctx.db.conn, res, id).await?;
    bulk_delete(ctx, res, &Selection::Ids(vec![id]))
        .await
        .map(|_| ())
}

/// Delete objects unless something points at them; the message names what does.
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
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let rows = load_rows(&txn, res, &ids).await?;
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
    for chunk in ids.chunks(900) {
        let mut del = Query::delete();
        del.from_table(res.table)
            .and_where(Expr::col("id").is_in(chunk.to_vec()));
        txn.execute(&del).await?;
    }
    let changes = rows
        .iter()
        .map(|r| Change {
            object_type: res.kind.as_str().into(),
            object_id: r.id,
            repr: r.title(res),
            action: Action::Delete,
            before: Some(r.to_json_text(res)),
            after: None,
        })
        .collect();
    changelog::record(&txn, ctx, changes).await?;
    txn.commit().await?;
    Ok(rows.len())
}

/// Object counts per type (home page, metrics).
pub async fn counts<C: ConnectionTrait>(conn: &C) -> Result<Vec<(Kind, u64)>, DbErr> {
    let mut out = vec![];
    for r in schema::RESOURCES {
        let mut q = Query::select();
        q.expr(Expr::col("id").count()).from(r.table);
        let n: i64 = conn
            .query_one(&q)
            .await?
            .map(|r| r.try_get_by_index(0))
            .transpose()?
            .unwrap_or(0);
        out.push((r.kind, n as u64));
    }
    Ok(out)
}

/// Turn form strings into values: every field of the form is sent, empty ones as empty.
pub fn form_values(res: &Resource, form: &HashMap<String, String>) -> Values {
    let mut m = Values::new();
    for (k, v) in form {
        if res.field(k).is_some() {
            m.insert(k.clone(), Value::String(v.clone()));
        }
    }
    m
}
