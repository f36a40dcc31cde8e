//! List queries shared by the UI and the REST API: free-text search, filters named like the
//! fields (a region, site group or location filter includes everything beneath it), ordering
//! and bounded pagination.

use super::cells::Cell;
use super::validate;
use crate::error::AppError;
use crate::schema::{Field, FieldType, Kind, Resource, SITE};
use sea_orm::sea_query::{
    Condition, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DbErr};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 1000;

/// Keys that are not filters.
pub const CONTROL_KEYS: &[&str] = &["q", "ordering", "limit", "offset"];

#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    /// Filter key → accepted values (any of them matches); "null" matches an empty reference.
    pub filters: Vec<(String, Vec<FilterValue>)>,
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

impl ListQuery {
    /// Parse query pairs. Unknown keys and bad values are errors, not silently ignored.
    pub fn parse(
        res: &'static Resource,
        pairs: &[(String, String)],
    ) -> Result<ListQuery, AppError> {
        let mut lq = ListQuery {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        let keys = res.filter_keys();
        let mut errors = crate::error::FieldErrors::new();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "q" => {
                    if !v.is_empty() {
                        lq.q = Some(v.to_string());
                    }
                }
                "ordering" => {
                    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let (desc, name) = match part.strip_prefix('-') {
                            Some(n) => (true, n),
                            None => (false, part),
                        };
                        let field = res
                            .field(name)
                            .or_else(|| res.field(&format!("{name}_id")).filter(|f| f.is_ref()));
                        match field {
                            Some(f) => lq.ordering.push((f, desc)),
                            None => {
                                push(&mut errors, "ordering", format!("cannot order by '{name}'"))
                            }
                        }
                    }
                }
                "limit" => {
                    if !v.is_empty() {
                        match v.parse::<u64>() {
                            Ok(n) if (1..=MAX_LIMIT).contains(&n) => lq.limit = n,
                            _ => push(
                                &mut errors,
                                "limit",
                                format!("must be a number from 1 to {MAX_LIMIT}"),
                            ),
                        }
                    }
                }
                "offset" => {
                    if !v.is_empty() {
                        match v.parse::<u64>() {
                            Ok(n) => lq.offset = n,
                            _ => push(
                                &mut errors,
                                "offset",
                                "must be a number of 0 or more".into(),
                            ),
                        }
                    }
                }
                key => {
                    if v.is_empty() {
                        continue;
                    }
                    let Some(&key) = keys.iter().find(|x| **x == key) else {
                        push(&mut errors, key, format!("unknown filter '{key}'"));
                        continue;
                    };
                    let field = filter_field(res, key);
                    let value = if v == "null" && field.is_some_and(|f| !f.required) {
                        Ok(FilterValue::Null)
                    } else {
                        match field {
                            Some(f) => validate::parse(f, &serde_json::Value::String(v.into()))
                                .map(FilterValue::Cell),
                            None => v
                                .parse::<i64>()
                                .map(|n| FilterValue::Cell(Cell::Int(n)))
                                .map_err(|_| "expected a number".to_string()),
                        }
                    };
                    match value {
                        Ok(val) => match lq.filters.iter_mut().find(|(k, _)| k == key) {
                            Some((_, vals)) => vals.push(val),
                            None => lq.filters.push((key.to_string(), vec![val])),
                        },
                        Err(e) => push(&mut errors, key, e),
                    }
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

fn push(errors: &mut crate::error::FieldErrors, k: &str, m: String) {
    errors.entry(k.to_string()).or_default().push(m);
}

/// The field a filter key parses its values as.
fn filter_field(res: &'static Resource, key: &str) -> Option<&'static Field> {
    res.field(key)
        .or_else(|| res.via_site_filters().into_iter().find(|f| f.name == key))
        .or_else(|| match key {
            "ancestor_id" => res.field("parent_id"),
            _ => None,
        })
}

/// Ids of the given objects and everything beneath them in a tree table.
pub async fn descendants<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let placeholders = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "WITH RECURSIVE d(id) AS (SELECT id FROM {table} WHERE id IN ({placeholders}) \
         UNION SELECT t.id FROM {table} t JOIN d ON t.parent_id = d.id) SELECT id FROM d"
    );
    let stmt = super::statement(
        conn.get_database_backend(),
        &sql,
        ids.iter().map(|&i| i.into()).collect(),
    );
    let rows = conn.query_all_raw(stmt).await?;
    rows.iter().map(|r| r.try_get_by_index::<i64>(0)).collect()
}

fn cells_to_sql(field: &Field, vals: &[FilterValue]) -> (bool, Vec<sea_orm::Value>) {
    let mut null = false;
    let mut out = vec![];
    for v in vals {
        match v {
            FilterValue::Null => null = true,
            FilterValue::Cell(c) => out.push(c.to_sql(field)),
        }
    }
    (null, out)
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

fn ints(vals: &[FilterValue]) -> Vec<i64> {
    vals.iter()
        .filter_map(|v| match v {
            FilterValue::Cell(c) => c.int(),
            _ => None,
        })
        .collect()
}

/// Escape `%`, `_` and `\` for a LIKE pattern (with `ESCAPE '\'`).
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The WHERE condition of a list query on `res`'s table.
pub async fn condition<C: ConnectionTrait>(
    conn: &C,
    res: &'static Resource,
    lq: &ListQuery,
) -> Result<Condition, DbErr> {
    let t = res.table;
    let mut cond = Condition::all();
    for (key, vals) in &lq.filters {
        let key = key.as_str();
        if key == "id" {
            cond = cond.add(Expr::col((t, "id")).is_in(ints(vals)));
            continue;
        }
        if key == "ancestor_id" {
            let ids = descendants(conn, t, &ints(vals)).await?;
            let ids: Vec<i64> = ids
                .into_iter()
                .filter(|i| !ints(vals).contains(i))
                .collect();
            cond = cond.add(Expr::col((t, "id")).is_in(ids));
            continue;
        }
        if let Some(field) = res.field(key) {
            let (null, mut sqlvals) = cells_to_sql(field, vals);
            // A filter on a tree reference takes in everything beneath (except a tree's own
            // parent filter, which means direct children).
            if let FieldType::Ref(k) = field.ty
                && k.res().tree
                && !(res.tree && key == "parent_id")
            {
                sqlvals = descendants(conn, k.res().table, &ints(vals))
                    .await?
                    .into_iter()
                    .map(Into::into)
                    .collect();
            }
            let col = if field.is_int() || matches!(field.ty, FieldType::Choice(_)) {
                Expr::col((t, field.name))
            } else if matches!(field.ty, FieldType::Text) {
                // Text filters match whole values, ignoring case.
                sqlvals = sqlvals
                    .into_iter()
                    .map(|v| match v {
                        sea_orm::Value::String(Some(s)) => s.to_lowercase().into(),
                        v => v,
                    })
                    .collect();
                Expr::expr(Func::lower(Expr::col((t, field.name))))
            } else {
                Expr::col((t, field.name))
            };
            cond = cond.add(in_or_null(col, null, sqlvals));
            continue;
        }
        // Filters that go through the object's site(s): region, site group, or either end.
        let mut any = Condition::any();
        let site_ids: Option<Vec<i64>> = match key {
            "site_id" => None,
            _ => {
                let site_field = SITE.field(key).expect("via-site filter is a site field");
                let kind = site_field.ref_kind().expect("reference");
                let ids = descendants(conn, kind.res().table, &ints(vals)).await?;
                let mut sub = Query::select();
                sub.column("id")
                    .from(SITE.table)
                    .and_where(Expr::col(site_field.name).is_in(ids));
                let rows = conn.query_all(&sub).await?;
                Some(
                    rows.iter()
                        .map(|r| r.try_get_by_index::<i64>(0))
                        .collect::<Result<_, _>>()?,
                )
            }
        };
        for sref in res.site_refs() {
            let col = Expr::col((t, sref.name));
            match &site_ids {
                Some(ids) => any = any.add(col.is_in(ids.clone())),
                None => any = any.add(col.is_in(ints(vals))),
            }
        }
        cond = cond.add(any);
    }
    if let Some(q) = &lq.q {
        // Case-insensitive substring: SQLite's LIKE ignores (ASCII) case, PostgreSQL has ILIKE.
        use sea_orm::sea_query::extension::postgres::PgExpr;
        let pattern = format!("%{}%", like_escape(q));
        let pg = conn.get_database_backend() == sea_orm::DbBackend::Postgres;
        let mut any = Condition::any();
        for name in res.search {
            let col = Expr::col((t, *name));
            // Backslash escapes `%` and `_`; it is PostgreSQL's default escape character.
            any = any.add(if pg {
                col.ilike(LikeExpr::new(pattern.clone()))
            } else {
                col.like(LikeExpr::new(pattern.clone()).escape('\\'))
            });
        }
        for name in res.search_exact {
            let field = res.field(name).expect("search field");
            if let Ok(Cell::Text(v)) = validate::parse(field, &serde_json::Value::String(q.clone()))
            {
                any = any.add(Expr::col((t, *name)).eq(v));
            }
        }
        cond = cond.add(any);
    }
    Ok(cond)
}

/// `SELECT id` of the page, ordered, with joins for ordering by a referenced object's name.
pub fn page_ids_query(res: &'static Resource, cond: Condition, lq: &ListQuery) -> SelectStatement {
    let t = res.table;
    let mut q = Query::select();
    q.column((t, "id")).from(t).cond_where(cond);
    let ordering: Vec<(&'static Field, bool)> = if lq.ordering.is_empty() {
        vec![(res.field(res.default_order).expect("default order"), false)]
    } else {
        lq.ordering.clone()
    };
    // Text sorts ignore case ("alpha" before "Beta"), served by `lower(...)` indexes.
    for (field, desc) in ordering {
        let order = if desc { Order::Desc } else { Order::Asc };
        match field.ty {
            FieldType::Ref(k) => {
                let target = k.res();
                let alias = format!("o_{}", field.name);
                q.join_as(
                    JoinType::LeftJoin,
                    target.table,
                    alias.clone(),
                    Expr::col((alias.clone(), "id")).equals((t, field.name)),
                );
                q.order_by_expr(Func::lower(Expr::col((alias, target.title))).into(), order);
            }
            FieldType::Text | FieldType::LongText | FieldType::Slug => {
                q.order_by_expr(Func::lower(Expr::col((t, field.name))).into(), order);
            }
            _ => {
                q.order_by((t, field.name), order);
            }
        }
    }
    q.order_by((t, "id"), Order::Asc);
    q.limit(lq.limit).offset(lq.offset);
    q
}

pub fn count_query(res: &'static Resource, cond: Condition) -> SelectStatement {
    let mut q = Query::select();
    q.expr(Expr::col((res.table, "id")).count())
        .from(res.table)
        .cond_where(cond);
    q
}

/// Parse a raw query string into pairs (`a=1&b=2&b=3`).
pub fn pairs(query: &str) -> Vec<(String, String)> {
    url_pairs(query.trim_start_matches('?'))
}

fn url_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && s.is_char_boundary(i + 3) => {
                match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Kind of a via-site filter for labels and option lists.
pub fn filter_kind(res: &'static Resource, key: &str) -> Option<Kind> {
    filter_field(res, key).and_then(Field::ref_kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CIRCUIT, DEVICE};

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
            &p("colour=red&status=nope&limit=5000&ordering=bogus"),
        )
        .unwrap_err();
        let f = e.field_errors();
        assert!(f.contains_key("colour"));
        assert!(f.contains_key("status"));
        assert!(f.contains_key("limit"));
        assert!(f.contains_key("ordering"));
        assert!(ListQuery::parse(&CIRCUIT, &p("site_id=4&region_id=1")).is_ok());
        assert!(ListQuery::parse(&DEVICE, &p("tenant_id=null")).is_ok());
        assert!(ListQuery::parse(&DEVICE, &p("mac_address=0011.2233.4455")).is_ok());
    }

    #[test]
    fn decodes_query_strings() {
        assert_eq!(
            pairs("?q=a+b%20c&x=%E2%9C%93&bad=%zz&e"),
            vec![
                ("q".into(), "a b c".into()),
                ("x".into(), "✓".into()),
                ("bad".into(), "%zz".into()),
                ("e".into(), "".into())
            ]
        );
        assert_eq!(like_escape("50%_x\\"), "50\\%\\_x\\\\");
    }
}
