//! Rows in and out of the database through each type's entity: the columns a field is stored
//! in (its value, the case-folded key of single-line text, the search text), reading rows with
//! their sets, inserting, updating and deleting them. Column and table names are resolved
//! through the entity, so a name it does not have is an error.

use super::cells::{Cell, Row};
use crate::schema::{FieldType, Resource};
use crate::ssr::entities::generated;
use crate::ssr::entities::inventory::{Join, Table, table};
use crate::ssr::services::text;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{DynIden, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbBackend, DbErr, Value};
use std::collections::{BTreeMap, HashMap};

/// Rows per statement: enough to amortise the round trip, below SQLite's 32,766 parameters.
const CHUNK: usize = 900;

/// The join table of a set field.
pub fn join_of(table_name: &str) -> Result<Join, DbErr> {
    generated::join(table_name)
        .ok_or_else(|| DbErr::Custom(format!("no entity for the join table {table_name}")))
}

/// The columns a row's cells are stored in, with their values: each stored field's column
/// (both columns of an any-type reference), `<name>_key` beside single-line text, and the
/// search text. Sets and computed fields are stored elsewhere or not at all.
pub fn stored_values(res: &Resource, cells: &[Cell]) -> Vec<(&'static str, Value)> {
    let mut out = Vec::with_capacity(cells.len() + 12);
    for (f, c) in res.fields.iter().zip(cells) {
        if !f.stored() {
            continue;
        }
        match f.ty {
            FieldType::AnyRef { columns, .. } => {
                let (k, id) = match c {
                    Cell::Obj(k, id) => (Some(k.as_str().to_string()), Some(*id)),
                    _ => (None, None),
                };
                out.push((columns[0], Value::String(k)));
                out.push((columns[1], Value::BigInt(id)));
            }
            _ => {
                out.push((f.name, c.to_sql(f)));
                if f.has_key() {
                    out.push((key_column(f.name), Value::String(c.text().map(text::fold))));
                }
            }
        }
    }
    out.push(("search_text", Value::String(Some(search_text(res, cells)))));
    out
}

/// The key column of a single-line text field: `name` → `name_key`. The names are made once,
/// for every such field of the schema, and only read afterwards.
///
/// Panics when `field` is no single-line text field of any type (callers check `has_key`).
pub fn key_column(field: &str) -> &'static str {
    use std::sync::LazyLock;
    static KEYS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
        crate::schema::RESOURCES
            .iter()
            .flat_map(|r| r.fields.iter())
            .filter(|f| f.has_key())
            .map(|f| {
                let key: &'static str = Box::leak(format!("{}_key", f.name).into_boxed_str());
                (f.name, key)
            })
            .collect()
    });
    KEYS.get(field)
        .copied()
        .unwrap_or_else(|| panic!("'{field}' is no single-line text field"))
}

/// What `q` searches in: the type's search fields, folded.
pub fn search_text(res: &Resource, cells: &[Cell]) -> String {
    text::search_text(res.search.iter().filter_map(|name| {
        let i = super::cells::position(res, name);
        cells[i].text()
    }))
}

fn resolve(t: &dyn Table, names: &[&str]) -> Result<Vec<DynIden>, DbErr> {
    names.iter().map(|n| t.column(n)).collect()
}

/// Rows by id (in no particular order), with their sets.
pub async fn load(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    ids: &[i64],
) -> Result<Vec<Row>, DbErr> {
    let mut rows = table(res.kind).load(db, ids).await?;
    load_sets(db, res, &mut rows).await?;
    Ok(rows)
}

/// Fill in the set fields of `rows` from their join tables, one query per set and chunk.
pub async fn load_sets(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    rows: &mut [Row],
) -> Result<(), DbErr> {
    for (i, f) in res.fields.iter().enumerate() {
        let FieldType::RefSet { table: jt, .. } = f.ty else {
            continue;
        };
        let join = join_of(jt)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let mut q = Query::select();
            q.expr_as(Expr::col(join.owner.clone()), "owner")
                .expr_as(Expr::col(join.target.clone()), "target")
                .from(join.table.clone())
                .and_where(Expr::col(join.owner.clone()).is_in(chunk.to_vec()));
            for r in db.query_all(&q).await? {
                let owner: i64 = r.try_get("", "owner")?;
                let target: i64 = r.try_get("", "target")?;
                members.entry(owner).or_default().push(target);
            }
        }
        for row in rows.iter_mut() {
            let mut v = members.remove(&row.id).unwrap_or_default();
            v.sort_unstable();
            row.cells[i] = Cell::Set(v);
        }
    }
    Ok(())
}

/// Insert new rows (all stamped `t`) and their sets; their ids, in order.
pub async fn insert(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    rows: &[Vec<Cell>],
    t: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let tbl = table(res.kind);
    let mut ids = Vec::with_capacity(rows.len());
    let Some(first) = rows.first() else {
        return Ok(ids);
    };
    let mut names: Vec<&str> = stored_values(res, first).into_iter().map(|c| c.0).collect();
    names.push("created_at");
    names.push("updated_at");
    let cols = resolve(tbl, &names)?;
    let per_stmt = (20_000 / names.len()).clamp(1, CHUNK);
    for chunk in rows.chunks(per_stmt) {
        let mut ins = Query::insert();
        ins.into_table(tbl.table()).columns(cols.clone());
        for cells in chunk {
            let mut vals: Vec<SimpleExpr> = stored_values(res, cells)
                .into_iter()
                .map(|(_, v)| v.into())
                .collect();
            vals.push(t.into());
            vals.push(t.into());
            ins.values_panic(vals);
        }
        if db.get_database_backend() == DbBackend::Sqlite {
            // One writer at a time (the gate): one statement's rows get consecutive rowids.
            let last = db.execute(&ins).await?.last_insert_id() as i64;
            let n = chunk.len() as i64;
            ids.extend(last - n + 1..=last);
        } else {
            ins.returning_col(tbl.column("id")?);
            let mut got: Vec<i64> = db
                .query_all(&ins)
                .await?
                .iter()
                .map(|r| r.try_get::<i64>("", "id"))
                .collect::<Result<_, _>>()?;
            // Ids come from one sequence in row order; sort in case RETURNING does not keep it.
            got.sort_unstable();
            ids.extend(got);
        }
    }
    let pairs: Vec<(i64, &[Cell])> = ids
        .iter()
        .copied()
        .zip(rows.iter().map(|r| r.as_slice()))
        .collect();
    write_sets(db, res, &pairs, false).await?;
    Ok(ids)
}

/// Store the sets of `rows` (id, cells); `replace` drops what they held before.
async fn write_sets(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    rows: &[(i64, &[Cell])],
    replace: bool,
) -> Result<(), DbErr> {
    for (i, f) in res.fields.iter().enumerate() {
        let FieldType::RefSet { table: jt, .. } = f.ty else {
            continue;
        };
        let join = join_of(jt)?;
        if replace {
            let owners: Vec<i64> = rows.iter().map(|r| r.0).collect();
            delete_members(db, &join, &owners).await?;
        }
        let pairs: Vec<(i64, i64)> = rows
            .iter()
            .flat_map(|(id, cells)| cells[i].ids().iter().map(move |t| (*id, *t)))
            .collect();
        for chunk in pairs.chunks(CHUNK) {
            let mut ins = Query::insert();
            ins.into_table(join.table.clone())
                .columns([join.owner.clone(), join.target.clone()]);
            for (o, t) in chunk {
                ins.values_panic([(*o).into(), (*t).into()]);
            }
            db.execute(&ins).await?;
        }
    }
    Ok(())
}

async fn delete_members(
    db: &DatabaseExecutor<'_>,
    join: &Join,
    owners: &[i64],
) -> Result<(), DbErr> {
    for chunk in owners.chunks(CHUNK) {
        let mut del = Query::delete();
        del.from_table(join.table.clone())
            .and_where(Expr::col(join.owner.clone()).is_in(chunk.to_vec()));
        db.execute(&del).await?;
    }
    Ok(())
}

/// New values of some columns, and the rows that take them.
type UpdateGroup = (Vec<(&'static str, Value)>, Vec<i64>);

/// Store changed rows: (old, new cells). Columns that did not change are left alone; rows
/// whose changes are the same are updated together. Returns the ids that changed.
pub async fn update(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    pairs: &[(&Row, &[Cell])],
    t: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let tbl = table(res.kind);
    // The columns each row changes, and their new values (sets apart).
    let mut groups: BTreeMap<String, UpdateGroup> = BTreeMap::new();
    let mut set_rows: Vec<(i64, &[Cell])> = vec![];
    let mut changed = vec![];
    for (old, new) in pairs {
        let before = stored_values(res, &old.cells);
        let after = stored_values(res, new);
        let diff: Vec<(&'static str, Value)> = before
            .into_iter()
            .zip(after)
            .filter(|(b, a)| b.1 != a.1)
            .map(|(_, a)| a)
            .collect();
        let sets_differ = res
            .fields
            .iter()
            .enumerate()
            .any(|(i, f)| matches!(f.ty, FieldType::RefSet { .. }) && old.cells[i] != new[i]);
        if diff.is_empty() && !sets_differ {
            continue;
        }
        changed.push(old.id);
        if sets_differ {
            set_rows.push((old.id, new));
        }
        let key = format!("{diff:?}");
        groups
            .entry(key)
            .or_insert_with(|| (diff, vec![]))
            .1
            .push(old.id);
    }
    for (_, (cols, ids)) in groups {
        for chunk in ids.chunks(CHUNK) {
            let mut upd = Query::update();
            upd.table(tbl.table());
            for (name, v) in &cols {
                upd.value(tbl.column(name)?, v.clone());
            }
            upd.value(tbl.column("updated_at")?, t);
            upd.and_where(Expr::col(tbl.column("id")?).is_in(chunk.to_vec()));
            db.execute(&upd).await?;
        }
    }
    write_sets(db, res, &set_rows, true).await?;
    Ok(changed)
}

/// Delete rows (their set memberships first).
pub async fn delete(
    db: &DatabaseExecutor<'_>,
    res: &'static Resource,
    ids: &[i64],
) -> Result<(), DbErr> {
    for f in res.fields {
        if let FieldType::RefSet { table: jt, .. } = f.ty {
            delete_members(db, &join_of(jt)?, ids).await?;
        }
    }
    let tbl = table(res.kind);
    for chunk in ids.chunks(CHUNK) {
        let mut del = Query::delete();
        del.from_table(tbl.table())
            .and_where(Expr::col(tbl.column("id")?).is_in(chunk.to_vec()));
        db.execute(&del).await?;
    }
    Ok(())
}
