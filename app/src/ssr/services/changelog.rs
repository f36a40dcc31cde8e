//! The change log: every create, update and delete records who, when, what, the action, the
//! values before and after, and the request it belonged to.

use super::{Ctx, fmt_time, now};
use crate::error::AppError;
use crate::model::{ChangeDto, ChangePage};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

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

const COLS: [&str; 10] = [
    "time",
    "request_id",
    "user_id",
    "username",
    "object_type",
    "object_id",
    "object_repr",
    "action",
    "before_data",
    "after_data",
];

/// Write change entries (inside the caller's transaction).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    changes: Vec<Change>,
) -> Result<(), DbErr> {
    let t = now();
    for chunk in changes.chunks(500) {
        let mut ins = Query::insert();
        ins.into_table("change_log").columns(COLS);
        for c in chunk {
            ins.values_panic([
                t.into(),
                ctx.request_id.clone().into(),
                ctx.actor.user_id.into(),
                ctx.actor.username.clone().into(),
                c.object_type.clone().into(),
                c.object_id.into(),
                c.repr.clone().into(),
                c.action.as_str().into(),
                c.before.clone().into(),
                c.after.clone().into(),
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
    pub action: Option<String>,
    pub request_id: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl ChangeFilter {
    /// From query pairs (`user`, `object_type`, `object_id`, `action`, `request_id`, `since`,
    /// `until` as YYYY-MM-DD); unknown keys are the caller's business.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<ChangeFilter, AppError> {
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
                "action" => f.action = Some(v.to_string()),
                "request_id" => f.request_id = Some(v.to_string()),
                "since" => f.since = Some(date(v)?),
                "until" => f.until = Some(date(v)?),
                _ => {}
            }
        }
        Ok(f)
    }

    fn apply(&self, q: &mut SelectStatement) {
        if let Some(u) = &self.user {
            q.and_where(Expr::col("username").eq(u.clone()));
        }
        if let Some(t) = &self.object_type {
            q.and_where(Expr::col("object_type").eq(t.clone()));
        }
        if let Some(id) = self.object_id {
            q.and_where(Expr::col("object_id").eq(id));
        }
        if let Some(a) = &self.action {
            q.and_where(Expr::col("action").eq(a.clone()));
        }
        if let Some(r) = &self.request_id {
            q.and_where(Expr::col("request_id").eq(r.clone()));
        }
        if let Some(d) = self.since {
            let t: DateTime<Utc> = d.and_hms_opt(0, 0, 0).unwrap().and_utc();
            q.and_where(Expr::col("time").gte(t));
        }
        if let Some(d) = self.until {
            let t: DateTime<Utc> = d
                .succ_opt()
                .unwrap_or(d)
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            q.and_where(Expr::col("time").lt(t));
        }
    }
}

fn read(r: &QueryResult) -> Result<ChangeDto, DbErr> {
    let json = |col: &str| -> Result<Option<Value>, DbErr> {
        Ok(r.try_get::<Option<String>>("", col)?
            .and_then(|s| serde_json::from_str(&s).ok()))
    };
    Ok(ChangeDto {
        id: r.try_get("", "id")?,
        time: fmt_time(r.try_get("", "time")?),
        request_id: r.try_get("", "request_id")?,
        user_id: r.try_get("", "user_id")?,
        username: r.try_get("", "username")?,
        object_type: r.try_get("", "object_type")?,
        object_id: r.try_get("", "object_id")?,
        object_repr: r.try_get("", "object_repr")?,
        action: r.try_get("", "action")?,
        before: json("before_data")?,
        after: json("after_data")?,
    })
}

/// Newest first. Every signed-in user may read the change log.
pub async fn list(
    ctx: &Ctx,
    filter: &ChangeFilter,
    limit: u64,
    offset: u64,
) -> Result<ChangePage, AppError> {
    let conn = &ctx.db.conn;
    let mut count = Query::select();
    count.expr(Expr::col("id").count()).from("change_log");
    filter.apply(&mut count);
    let total: i64 = conn
        .query_one(&count)
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    let mut q = Query::select();
    q.column("id").columns(COLS).from("change_log");
    filter.apply(&mut q);
    q.order_by("id", Order::Desc).limit(limit).offset(offset);
    let rows = conn.query_all(&q).await?;
    Ok(ChangePage {
        count: total as u64,
        offset,
        limit,
        rows: rows.iter().map(read).collect::<Result<_, _>>()?,
    })
}
