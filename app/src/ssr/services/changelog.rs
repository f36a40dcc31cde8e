//! The change log: every create, update and delete records who, when, what, the action, the
//! values before and after, and the request it belonged to.

use super::{Ctx, fmt_time, now};
use crate::error::AppError;
use crate::model::{ChangeDto, ChangePage, RefName};
use crate::schema::Kind;
pub use crate::ssr::entities::change_log::Action;
use crate::ssr::entities::{Stored, change_log};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Debug)]
pub struct Change {
    pub object_type: String,
    pub object_id: i64,
    pub repr: String,
    pub action: Action,
    /// The object before and after, as JSON text.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Write change entries (inside the caller's transaction). Bulk loads log thousands at once:
/// the rows go straight into multi-row inserts on the entity's columns.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    changes: Vec<Change>,
) -> Result<(), DbErr> {
    use change_log::Column as C;
    use sea_orm::sea_query::Query;
    let t = now();
    for chunk in changes.chunks(500) {
        let mut ins = Query::insert();
        ins.into_table(change_log::Entity).columns([
            C::Time,
            C::RequestId,
            C::UserId,
            C::Username,
            C::ObjectType,
            C::ObjectId,
            C::ObjectRepr,
            C::Action,
            C::BeforeData,
            C::AfterData,
        ]);
        for c in chunk {
            ins.values_panic([
                t.into(),
                ctx.request_id.as_str().into(),
                ctx.actor.user_id.into(),
                ctx.actor.username.as_str().into(),
                c.object_type.as_str().into(),
                c.object_id.into(),
                c.repr.as_str().into(),
                c.action.as_str().into(),
                c.before.as_deref().into(),
                c.after.as_deref().into(),
            ]);
        }
        conn.execute(&ins).await?;
    }
    Ok(())
}

/// Log one change of an object kept outside the generic inventory (users, tokens).
pub async fn record_one<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    object_type: &str,
    object_id: i64,
    repr: String,
    action: Action,
    (before, after): (Option<Value>, Option<Value>),
) -> Result<(), DbErr> {
    let change = Change {
        object_type: object_type.into(),
        object_id,
        repr,
        action,
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
    };
    record(conn, ctx, vec![change]).await
}

/// Filters of the change-log page and API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeFilter {
    pub user: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub action: Option<Action>,
    pub request_id: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// The keys [`ChangeFilter::from_pairs`] reads.
pub const FILTER_KEYS: [&str; 7] = [
    "user",
    "object_type",
    "object_id",
    "action",
    "request_id",
    "since",
    "until",
];

impl ChangeFilter {
    /// From query pairs (`user`, `object_type`, `object_id`, `action`, `request_id`, `since`,
    /// `until` as YYYY-MM-DD); unknown keys are the caller's business.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<ChangeFilter, AppError> {
        super::paging::single_valued(pairs, &FILTER_KEYS)?;
        let mut f = ChangeFilter::default();
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let date = |v: &str| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| AppError::field(k, "expected a date as YYYY-MM-DD"))
            };
            match k.as_str() {
                "user" => f.user = Some(v.to_string()),
                "object_type" => f.object_type = Some(v.to_string()),
                "object_id" => {
                    f.object_id = Some(
                        v.parse()
                            .map_err(|_| AppError::field(k, "expected a number"))?,
                    )
                }
                "action" => {
                    f.action = Some(
                        Action::parse(v)
                            .ok_or_else(|| AppError::field(k, "one of: create, update, delete"))?,
                    )
                }
                "request_id" => f.request_id = Some(v.to_string()),
                "since" => f.since = Some(date(v)?),
                "until" => f.until = Some(date(v)?),
                _ => {}
            }
        }
        if let (Some(since), Some(until)) = (f.since, f.until)
            && since > until
        {
            return Err(AppError::field(
                "until",
                format!("is before since ({since}); give until on or after since"),
            ));
        }
        Ok(f)
    }

    fn apply(&self, mut q: Select<change_log::Entity>) -> Select<change_log::Entity> {
        use change_log::Column as C;
        if let Some(u) = &self.user {
            q = q.filter(C::Username.eq(u.clone()));
        }
        if let Some(t) = &self.object_type {
            q = q.filter(C::ObjectType.eq(t.clone()));
        }
        if let Some(id) = self.object_id {
            q = q.filter(C::ObjectId.eq(id));
        }
        if let Some(a) = self.action {
            q = q.filter(C::Action.eq(a));
        }
        if let Some(r) = &self.request_id {
            q = q.filter(C::RequestId.eq(r.clone()));
        }
        if let Some(d) = self.since {
            let t: DateTime<Utc> = d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            q = q.filter(C::Time.gte(t));
        }
        if let Some(d) = self.until {
            let t: DateTime<Utc> = d
                .succ_opt()
                .unwrap_or(d)
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc();
            q = q.filter(C::Time.lt(t));
        }
        q
    }
}

fn dto(m: change_log::Model) -> ChangeDto {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Value>(&s).ok());
    ChangeDto {
        id: m.id,
        time: fmt_time(m.time),
        request_id: m.request_id,
        user_id: m.user_id,
        username: m.username,
        object_type: m.object_type,
        object_id: m.object_id,
        object_repr: m.object_repr,
        action: m.action.as_str().to_string(),
        before: json(m.before_data),
        after: json(m.after_data),
        refs: Default::default(),
    }
}

/// The ids of objects field `name` of a change-log `object_type` refers to in value `v`: a
/// reference's id, or a set's ids ([`crate::model::reference_of`]).
fn referenced(object_type: &str, name: &str, v: &Value) -> Option<(Kind, Vec<i64>)> {
    match (crate::model::reference_of(object_type, name)?, v) {
        ((k, false), Value::Number(n)) => Some((k, n.as_i64().into_iter().collect())),
        ((k, true), Value::Array(a)) => Some((k, a.iter().filter_map(Value::as_i64).collect())),
        _ => None,
    }
}

/// Name the objects `rows`' values refer to as they were when each change was made: the
/// representation in that object's newest change entry up to the row's, else its name now;
/// marked deleted when it no longer exists. Two queries per referenced type, whatever the
/// number of rows.
async fn name_references<C: ConnectionTrait>(
    conn: &C,
    rows: &mut [ChangeDto],
) -> Result<(), DbErr> {
    use change_log::Column as C;
    let mut wanted: BTreeMap<Kind, BTreeSet<i64>> = BTreeMap::new();
    let mut per_row: Vec<Vec<(Kind, i64)>> = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        let mut refs = vec![];
        for values in [&row.before, &row.after].into_iter().flatten() {
            for (name, v) in values.as_object().into_iter().flatten() {
                if let Some((kind, ids)) = referenced(&row.object_type, name, v) {
                    wanted.entry(kind).or_default().extend(&ids);
                    refs.extend(ids.into_iter().map(|id| (kind, id)));
                }
            }
        }
        per_row.push(refs);
    }
    // (kind, id) → its change entries (entry id, representation), oldest first; names now.
    let mut history: HashMap<(Kind, i64), Vec<(i64, String)>> = HashMap::new();
    let mut now: HashMap<(Kind, i64), String> = HashMap::new();
    // Entries after the newest row cannot name anything in it.
    let newest = rows.iter().map(|r| r.id).max().unwrap_or(0);
    for (kind, ids) in wanted {
        let ids: Vec<i64> = ids.into_iter().collect();
        for chunk in ids.chunks(900) {
            let entries: Vec<(i64, i64, String)> = change_log::Entity::find()
                .select_only()
                .columns([C::Id, C::ObjectId, C::ObjectRepr])
                .filter(C::ObjectType.eq(kind.as_str()))
                .filter(C::ObjectId.is_in(chunk.to_vec()))
                .filter(C::Id.lte(newest))
                .order_by_asc(C::Id)
                .into_tuple()
                .all(conn)
                .await?;
            for (id, object_id, repr) in entries {
                history
                    .entry((kind, object_id))
                    .or_default()
                    .push((id, repr));
            }
        }
        for (id, name) in super::objects::refs::names_of(conn, kind, &ids).await? {
            now.insert((kind, id), name);
        }
    }
    for (row, refs) in rows.iter_mut().zip(per_row) {
        for (kind, id) in refs {
            let then = history.get(&(kind, id)).and_then(|entries| {
                let upto = entries.partition_point(|(entry, _)| *entry <= row.id);
                upto.checked_sub(1).map(|i| entries[i].1.clone())
            });
            let current = now.get(&(kind, id));
            row.refs.insert(
                format!("{}:{id}", kind.as_str()),
                RefName {
                    name: then.or_else(|| current.cloned()),
                    deleted: current.is_none(),
                },
            );
        }
    }
    Ok(())
}

/// Newest first. Every signed-in user may read the change log.
pub async fn list(
    ctx: &Ctx,
    filter: &ChangeFilter,
    limit: u64,
    offset: u64,
) -> Result<ChangePage, AppError> {
    let conn = &ctx.db.conn;
    let total = filter.apply(change_log::Entity::find()).count(conn).await?;
    let rows = filter
        .apply(change_log::Entity::find())
        .order_by_desc(change_log::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await
        .stored::<change_log::Entity>()?;
    let mut rows: Vec<ChangeDto> = rows.into_iter().map(dto).collect();
    name_references(conn, &mut rows).await?;
    Ok(ChangePage {
        count: total,
        offset,
        limit,
        rows,
    })
}
