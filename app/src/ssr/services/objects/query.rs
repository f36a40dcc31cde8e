//! List queries shared by the UI and the REST API: free-text search (indexed: an FTS5 trigram
//! table on SQLite, a `pg_trgm` GIN index on PostgreSQL), filters named like the fields (a
//! region, site group or location filter includes everything beneath it; a set filter matches
//! objects holding any of the ids; ranges with `__gte`, `__lte`, `__gt`, `__lt`), ordering and
//! bounded paging. Names resolve to the type's entity columns.

use super::cells::Cell;
use super::parse;
use crate::error::{AppError, FieldErrors};
use crate::schema::{Field, FieldType, Kind, Resource, SITE};
use crate::ssr::entities::inventory::{Table, table};
use crate::ssr::services::paging::Paging;
use crate::ssr::services::text;
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, JoinType, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};

pub use crate::ssr::services::paging::{DEFAULT_LIMIT, MAX_LIMIT, pairs};

/// Keys that are not filters.
pub const CONTROL_KEYS: &[&str] = &["q", "ordering", "limit", "offset"];

/// A comparison of a range filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    Gte,
    Lte,
    Gt,
    Lt,
}

impl Range {
    /// `__gte` and `__gt` bound from below.
    fn is_lower(self) -> bool {
        matches!(self, Range::Gte | Range::Gt)
    }

    fn suffix(self) -> &'static str {
        Range::ALL
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("", |(s, _)| s)
    }
    const ALL: [(&'static str, Range); 4] = [
        ("__gte", Range::Gte),
        ("__lte", Range::Lte),
        ("__gt", Range::Gt),
        ("__lt", Range::Lt),
    ];
}

/// The time stamps every object has, filterable by range.
static CREATED_AT: Field = stamp("created_at", "Created");
static UPDATED_AT: Field = stamp("updated_at", "Last updated");

const fn stamp(name: &'static str, label: &'static str) -> Field {
    Field {
        name,
        label,
        ty: FieldType::DateTime,
        required: true,
        max_len: 0,
        filter: false,
        column: false,
        help: "",
        default: None,
        computed: false,
    }
}

#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// The search text as typed.
    pub q: Option<String>,
    /// Filter key → accepted values (any of them matches); "null" matches an empty reference.
    pub filters: Vec<(String, Vec<FilterValue>)>,
    /// Range filters: (field, comparison, bound).
    pub ranges: Vec<(&'static Field, Range, Cell)>,
    /// (field, descending)
    pub ordering: Vec<(&'static Field, bool)>,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    Null,
    Cell(Cell),
}

fn push(errors: &mut FieldErrors, k: &str, m: String) {
    errors.entry(k.to_string()).or_default().push(m);
}

impl ListQuery {
    /// Parse query pairs. Unknown keys and bad values are errors, not silently ignored.
    pub fn parse(
        res: &'static Resource,
        pairs: &[(String, String)],
    ) -> Result<ListQuery, AppError> {
        let mut errors = FieldErrors::new();
        let paging = match Paging::parse(pairs) {
            Ok(p) => p,
            Err(e) => {
                errors.extend(e.field_errors());
                Paging::default()
            }
        };
        let mut lq = ListQuery {
            limit: paging.limit,
            offset: paging.offset,
            ..Default::default()
        };
        let keys = res.filter_keys();
        crate::ssr::services::paging::single_valued(pairs, &["q"])?;
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "limit" | "offset" => {}
                "q" => {
                    // A query that is blank once control characters are left out is not given
                    // (like a blank one), rather than a search that matches nothing.
                    if text::query(v).is_some() {
                        lq.q = Some(v.to_string());
                    }
                }
                "ordering" => {
                    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let (desc, name) = match part.strip_prefix('-') {
                            Some(n) => (true, n),
                            None => (false, part),
                        };
                        match order_field(res, name) {
                            Some(f) => lq.ordering.push((f, desc)),
                            None => {
                                push(&mut errors, "ordering", format!("cannot order by '{name}'"))
                            }
                        }
                    }
                }
                key => {
                    if v.is_empty() {
                        continue;
                    }
                    if let Some((field, range)) = range_filter(res, key) {
                        match parse::parse(field, &serde_json::Value::String(v.into())) {
                            Ok(c) if !c.is_null() => lq.ranges.push((field, range, c)),
                            Ok(_) => {}
                            Err(e) => push(&mut errors, key, e),
                        }
                        continue;
                    }
                    let Some(&key) = keys.iter().find(|x| **x == key) else {
                        push(&mut errors, key, format!("unknown filter '{key}'"));
                        continue;
                    };
                    match filter_value(res, key, v) {
                        Ok(val) => match lq.filters.iter_mut().find(|(k, _)| k == key) {
                            Some((_, vals)) => vals.push(val),
                            None => lq.filters.push((key.to_string(), vec![val])),
                        },
                        Err(e) => push(&mut errors, key, e),
                    }
                }
            }
        }
        // A lower bound above an upper bound of the same field matches nothing: a mistake.
        for (f, lo_range, lo) in lq.ranges.iter().filter(|r| r.1.is_lower()) {
            for (_, hi_range, hi) in lq
                .ranges
                .iter()
                .filter(|r| r.0.name == f.name && !r.1.is_lower())
            {
                if lo.partial_cmp_same(hi) == Some(std::cmp::Ordering::Greater) {
                    push(
                        &mut errors,
                        &format!("{}{}", f.name, hi_range.suffix()),
                        format!(
                            "is below {}{}; the range is empty",
                            f.name,
                            lo_range.suffix()
                        ),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(lq)
        } else {
            Err(AppError::fields(errors))
        }
    }
}

/// A field to order by: a stored field (a reference by its own name or without `_id`), or a
/// time stamp.
fn order_field(res: &'static Resource, name: &str) -> Option<&'static Field> {
    let f = res
        .field(name)
        .or_else(|| res.field(&format!("{name}_id")).filter(|f| f.is_ref()))
        .filter(|f| f.stored() && !matches!(f.ty, FieldType::Json | FieldType::AnyRef { .. }));
    f.or(match name {
        "created_at" => Some(&CREATED_AT),
        "updated_at" => Some(&UPDATED_AT),
        _ => None,
    })
}

/// `<field>__gte` and the like: the ranged field and the comparison.
fn range_filter(res: &'static Resource, key: &str) -> Option<(&'static Field, Range)> {
    Range::ALL.iter().find_map(|(suffix, r)| {
        let name = key.strip_suffix(suffix)?;
        let f = res
            .field(name)
            .filter(|f| f.ty.ranged() && f.stored())
            .or(match name {
                "created_at" => Some(&CREATED_AT),
                "updated_at" => Some(&UPDATED_AT),
                _ => None,
            })?;
        Some((f, *r))
    })
}

/// One value of filter `key`.
fn filter_value(res: &'static Resource, key: &str, v: &str) -> Result<FilterValue, String> {
    if key == "id" || key == "ancestor_id" {
        return v
            .parse::<i64>()
            .map(|n| FilterValue::Cell(Cell::Int(n)))
            .map_err(|_| "expected a number".to_string());
    }
    if let Some((f, is_type)) = any_ref_column(res, key) {
        let FieldType::AnyRef { kinds, .. } = f.ty else {
            unreachable!("an any-type reference")
        };
        if v == "null" && !f.required {
            return Ok(FilterValue::Null);
        }
        let j = serde_json::Value::String(v.into());
        return if is_type {
            parse::parse_kind(kinds, &j).map(|k| {
                FilterValue::Cell(Cell::Text(k.map(|k| k.as_str()).unwrap_or_default().into()))
            })
        } else {
            parse::parse_any_id(&j).map(|id| FilterValue::Cell(id.map_or(Cell::Null, Cell::Int)))
        };
    }
    let field = filter_field(res, key).expect("a filter key is a field");
    if v == "null" && !field.required {
        return Ok(FilterValue::Null);
    }
    let value = match field.ty {
        // A set filter names one member per value.
        FieldType::RefSet { kind, .. } => parse::parse(
            &Field {
                ty: FieldType::Ref(kind),
                ..*field
            },
            &serde_json::Value::String(v.into()),
        ),
        _ => parse::parse(field, &serde_json::Value::String(v.into())),
    }?;
    Ok(FilterValue::Cell(value))
}

/// The any-type reference one of whose columns is `key`: (field, whether it is the type column).
fn any_ref_column(res: &'static Resource, key: &str) -> Option<(&'static Field, bool)> {
    res.fields.iter().find_map(|f| match f.ty {
        FieldType::AnyRef { columns, .. } if columns[0] == key => Some((f, true)),
        FieldType::AnyRef { columns, .. } if columns[1] == key => Some((f, false)),
        _ => None,
    })
}

/// The field a filter key parses its values as.
fn filter_field(res: &'static Resource, key: &str) -> Option<&'static Field> {
    res.field(key)
        .or_else(|| res.via_site_filters().into_iter().find(|f| f.name == key))
}

/// Ids of the given objects and everything beneath them in a tree table.
pub async fn descendants<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let t = table(kind);
    // The recursive query is written out; its table and columns still come from the entity.
    let name = t.table().to_string();
    let (id, parent) = (
        t.column("id")?.to_string(),
        t.column("parent_id")?.to_string(),
    );
    let placeholders = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "WITH RECURSIVE d(id) AS (SELECT {id} FROM {name} WHERE {id} IN ({placeholders}) \
         UNION SELECT t.{id} FROM {name} t JOIN d ON t.{parent} = d.id) SELECT id FROM d"
    );
    #[derive(sea_orm::FromQueryResult)]
    struct Id {
        id: i64,
    }
    Ok(crate::ssr::services::history::rows::<Id, _>(
        conn,
        &sql,
        ids.iter().map(|&i| i.into()).collect(),
    )
    .await?
    .into_iter()
    .map(|r| r.id)
    .collect())
}

fn ints(vals: &[FilterValue]) -> Vec<i64> {
    vals.iter()
        .filter_map(|v| match v {
            FilterValue::Cell(c) => c.int(),
            _ => None,
        })
        .collect()
}

fn col(t: &dyn Table, name: &str) -> Result<Expr, DbErr> {
    Ok(Expr::col((t.table(), t.column(name)?)))
}

fn in_or_null(col: Expr, null: bool, vals: Vec<sea_orm::Value>) -> Condition {
    let mut c = Condition::any();
    if !vals.is_empty() {
        c = c.add(col.clone().is_in(vals));
    }
    if null {
        c = c.add(col.is_null());
    }
    c
}

/// The WHERE condition of a list query on `res`'s table.
pub async fn condition<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    lq: &ListQuery,
) -> Result<Condition, DbErr> {
    let t = table(res.kind);
    let mut cond = Condition::all();
    for (key, vals) in &lq.filters {
        let key = key.as_str();
        let null = vals.contains(&FilterValue::Null);
        if key == "id" {
            cond = cond.add(col(t, "id")?.is_in(ints(vals)));
            continue;
        }
        if key == "ancestor_id" {
            let top = ints(vals);
            let ids: Vec<i64> = descendants(conn, res.kind, &top)
                .await?
                .into_iter()
                .filter(|i| !top.contains(i))
                .collect();
            cond = cond.add(col(t, "id")?.is_in(ids));
            continue;
        }
        if let Some((_, is_type)) = any_ref_column(res, key) {
            let vals: Vec<sea_orm::Value> = vals
                .iter()
                .filter_map(|v| match v {
                    FilterValue::Cell(Cell::Text(s)) if is_type => Some(s.clone().into()),
                    FilterValue::Cell(Cell::Int(n)) if !is_type => Some((*n).into()),
                    _ => None,
                })
                .collect();
            cond = cond.add(in_or_null(col(t, key)?, null, vals));
            continue;
        }
        if let Some(field) = res.field(key) {
            match field.ty {
                FieldType::RefSet { table: jt, .. } => {
                    // Objects holding any of the ids (or, for `null`, none at all).
                    let join = super::store::join_of(jt)?;
                    let members = |ids: Option<Vec<i64>>| {
                        let mut sub = Query::select();
                        sub.column(join.owner.clone()).from(join.table.clone());
                        if let Some(ids) = ids {
                            sub.and_where(Expr::col(join.target.clone()).is_in(ids));
                        }
                        sub
                    };
                    let mut any = Condition::any();
                    let ids = ints(vals);
                    if !ids.is_empty() {
                        any = any.add(col(t, "id")?.in_subquery(members(Some(ids))));
                    }
                    if null {
                        any = any.add(col(t, "id")?.not_in_subquery(members(None)));
                    }
                    cond = cond.add(any);
                }
                FieldType::Ref(k) if k.res().tree && !(res.tree && key == "parent_id") => {
                    // A filter on a tree reference takes in everything beneath (a tree's own
                    // parent filter means direct children).
                    let ids: Vec<sea_orm::Value> = descendants(conn, k, &ints(vals))
                        .await?
                        .into_iter()
                        .map(Into::into)
                        .collect();
                    cond = cond.add(in_or_null(col(t, key)?, null, ids));
                }
                FieldType::Text => {
                    // Text filters match whole values, ignoring case: the folded keys.
                    let keys: Vec<sea_orm::Value> = vals
                        .iter()
                        .filter_map(|v| match v {
                            FilterValue::Cell(Cell::Text(s)) => Some(text::fold(s).into()),
                            _ => None,
                        })
                        .collect();
                    cond = cond.add(in_or_null(col(t, &format!("{key}_key"))?, null, keys));
                }
                _ => {
                    let sqlvals: Vec<sea_orm::Value> = vals
                        .iter()
                        .filter_map(|v| match v {
                            FilterValue::Cell(c) => Some(c.to_sql(field)),
                            FilterValue::Null => None,
                        })
                        .collect();
                    cond = cond.add(in_or_null(col(t, key)?, null, sqlvals));
                }
            }
            continue;
        }
        // Filters that go through the object's site(s): region, site group, or either end.
        let mut any = Condition::any();
        let site_ids: Option<Vec<i64>> = match key {
            "site_id" => None,
            _ => {
                let site_field = SITE.field(key).expect("via-site filter is a site field");
                let kind = site_field.ref_kind().expect("reference");
                let ids = descendants(conn, kind, &ints(vals)).await?;
                let sites = table(crate::schema::Kind::Site);
                let found: Vec<i64> = {
                    let mut sub = Query::select();
                    sub.expr_as(Expr::col(sites.column("id")?), "id")
                        .from(sites.table())
                        .and_where(Expr::col(sites.column(site_field.name)?).is_in(ids));
                    conn.query_all(&sub)
                        .await?
                        .iter()
                        .map(|r| r.try_get::<i64>("", "id"))
                        .collect::<Result<_, _>>()?
                };
                Some(found)
            }
        };
        for sref in res.site_refs() {
            let c = col(t, sref.name)?;
            match &site_ids {
                Some(ids) => any = any.add(c.is_in(ids.clone())),
                None => any = any.add(c.is_in(ints(vals))),
            }
        }
        cond = cond.add(any);
    }
    for (field, range, bound) in &lq.ranges {
        let c = col(t, field.name)?;
        let v = bound.to_sql(field);
        cond = cond.add(match range {
            Range::Gte => c.gte(v),
            Range::Lte => c.lte(v),
            Range::Gt => c.gt(v),
            Range::Lt => c.lt(v),
        });
    }
    if let Some(q) = &lq.q {
        cond = cond.add(search(conn.get_database_backend(), res, q)?);
    }
    Ok(cond)
}

/// How many characters of a search SQLite's FTS5 index is asked for (the rest is checked by
/// LIKE on the rows it returns).
const SEARCH_PHRASE_CHARS: usize = 32;

/// The search condition: a case-insensitive substring of any search field (through the
/// search text and its index), or an exact address in an address field.
fn search(backend: DbBackend, res: &'static Resource, q: &str) -> Result<Condition, DbErr> {
    let t = table(res.kind);
    let mut any = Condition::any();
    if let Some(folded) = text::query(q) {
        if backend == DbBackend::Sqlite && folded.chars().count() >= 3 {
            // The FTS5 trigram index answers a substring of three characters or more; the
            // query is one quoted phrase. The cost of a phrase grows faster than its length (a
            // 60,000-character query of one repeated trigram took 28 s), so the index is asked
            // for the query's first SEARCH_PHRASE_CHARS characters and a longer query is
            // checked whole by LIKE on the few rows it returns: the same rows, bounded work.
            let fts = format!("{}_fts", t.table());
            let head: String = folded.chars().take(SEARCH_PHRASE_CHARS).collect();
            let phrase = format!("\"{}\"", head.replace('"', "\"\""));
            let mut sub = Query::select();
            sub.column(Alias::new("rowid"))
                .from(Alias::new(fts.clone()))
                .and_where(Expr::cust_with_values(format!("{fts} MATCH ?"), [phrase]));
            let mut hit = Condition::all().add(col(t, "id")?.in_subquery(sub));
            if head.len() < folded.len() {
                let pattern = text::contains_pattern(&folded);
                hit = hit.add(col(t, "search_text")?.like(LikeExpr::new(pattern).escape('\\')));
            }
            any = any.add(hit);
        } else {
            // PostgreSQL's trigram index serves LIKE on any length; SQLite scans for one or two
            // characters. Backslash is PostgreSQL's default escape character.
            let pattern = text::contains_pattern(&folded);
            let like = if backend == DbBackend::Postgres {
                LikeExpr::new(pattern)
            } else {
                LikeExpr::new(pattern).escape('\\')
            };
            any = any.add(col(t, "search_text")?.like(like));
        }
    }
    for name in res.search_exact {
        let field = res.field(name).expect("search field");
        if let Ok(Cell::Text(v)) = parse::parse(field, &serde_json::Value::String(q.trim().into()))
        {
            any = any.add(col(t, name)?.eq(v));
        }
    }
    Ok(any)
}

/// `SELECT id` of the page, ordered, with joins for ordering by a referenced object's name.
pub fn page_ids_query(
    res: &'static Resource,
    cond: Condition,
    lq: &ListQuery,
) -> Result<SelectStatement, DbErr> {
    let t = table(res.kind);
    let mut q = Query::select();
    q.expr_as(col(t, "id")?, "id")
        .from(t.table())
        .cond_where(cond);
    let ordering: Vec<(&'static Field, bool)> = if lq.ordering.is_empty() {
        let (name, desc) = match res.default_order.strip_prefix('-') {
            Some(name) => (name, true),
            None => (res.default_order, false),
        };
        vec![(res.field(name).expect("default order"), desc)]
    } else {
        lq.ordering.clone()
    };
    // Text sorts ignore case ("alpha" before "Beta"): they use the folded keys, indexed.
    for (field, desc) in ordering {
        let order = if desc { Order::Desc } else { Order::Asc };
        match field.ty {
            FieldType::Ref(k) => {
                let target = k.res();
                let tt = table(k);
                let alias = Alias::new(format!("o_{}", field.name));
                q.join_as(
                    JoinType::LeftJoin,
                    tt.table(),
                    alias.clone(),
                    Expr::col((alias.clone(), tt.column("id")?))
                        .equals((t.table(), t.column(field.name)?)),
                );
                let title = target.title_field();
                let key = if title.has_key() {
                    format!("{}_key", title.name)
                } else {
                    title.name.to_string()
                };
                q.order_by_expr(Expr::col((alias, tt.column(&key)?)), order);
            }
            FieldType::Text => {
                q.order_by_expr(col(t, &format!("{}_key", field.name))?, order);
            }
            _ => {
                q.order_by_expr(col(t, field.name)?, order);
            }
        }
    }
    q.order_by_expr(col(t, "id")?, Order::Asc);
    q.limit(lq.limit).offset(lq.offset);
    Ok(q)
}

pub fn count_query(res: &'static Resource, cond: Condition) -> Result<SelectStatement, DbErr> {
    let t = table(res.kind);
    let mut q = Query::select();
    q.expr_as(col(t, "id")?.count(), "n")
        .from(t.table())
        .cond_where(cond);
    Ok(q)
}

/// Kind of a via-site filter for labels and option lists.
pub fn filter_kind(res: &'static Resource, key: &str) -> Option<Kind> {
    filter_field(res, key).and_then(Field::ref_kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CIRCUIT, DEVICE, JOURNAL_ENTRY};

    fn p(s: &str) -> Vec<(String, String)> {
        pairs(s)
    }

    #[test]
    fn parses_filters_and_controls() {
        let lq = ListQuery::parse(&DEVICE, &p("q=sw&status=active&status=planned&site_id=3&ordering=-name,site&limit=20&offset=40&region_id=")).unwrap();
        assert_eq!(lq.q.as_deref(), Some("sw"));
        assert_eq!(lq.limit, 20);
        assert_eq!(lq.offset, 40);
        assert_eq!(lq.filters.len(), 2);
        assert_eq!(lq.filters[0].1.len(), 2);
        assert_eq!(lq.ordering.len(), 2);
        assert!(lq.ordering[0].1);
        assert_eq!(lq.ordering[1].0.name, "site_id");
    }

    #[test]
    fn rejects_unknown_and_bad_values() {
        let e = ListQuery::parse(
            &DEVICE,
            &p("colour=red&status=nope&limit=5000&ordering=bogus&warranty_end__lt=soon&name__gte=a"),
        )
        .unwrap_err();
        let f = e.field_errors();
        for k in [
            "colour",
            "status",
            "limit",
            "ordering",
            "warranty_end__lt",
            "name__gte",
        ] {
            assert!(f.contains_key(k), "{k}: {f:?}");
        }
        assert!(ListQuery::parse(&CIRCUIT, &p("site_id=4&region_id=1")).is_ok());
        assert!(ListQuery::parse(&DEVICE, &p("tenant_id=null")).is_ok());
        assert!(ListQuery::parse(&DEVICE, &p("mac_address=0011.2233.4455")).is_ok());
    }

    #[test]
    fn ranges_sets_and_any_type_references() {
        let lq = ListQuery::parse(
            &DEVICE,
            &p("warranty_end__lt=2027-01-01&purchase_price__gte=100.5&created_at__gte=2026-11-01T00:00Z&tag_ids=3&tag_ids=null&ordering=-purchase_date"),
        )
        .unwrap();
        assert_eq!(lq.ranges.len(), 3);
        assert_eq!(lq.ranges[1].2, Cell::Int(1_005_000));
        assert_eq!(
            lq.filters[0].1,
            vec![FilterValue::Cell(Cell::Int(3)), FilterValue::Null]
        );
        assert_eq!(lq.ordering[0].0.name, "purchase_date");
        let lq = ListQuery::parse(
            &JOURNAL_ENTRY,
            &p("assigned_object_type=device&assigned_object_id=5"),
        )
        .unwrap();
        assert_eq!(lq.filters.len(), 2);
        let e =
            ListQuery::parse(&JOURNAL_ENTRY, &p("assigned_object_type=journal_entry")).unwrap_err();
        assert!(e.field_errors().contains_key("assigned_object_type"));
    }
}
