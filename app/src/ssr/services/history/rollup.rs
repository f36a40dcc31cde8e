//! Rollups: per day, the device counts per site × source × classification (total, spare,
//! billable, not seen by the other source); per month, the same counts from each source's last
//! collected day of the month. Every function recomputes from the snapshots, so running it
//! twice changes nothing.

use super::super::Ctx;
use super::{exec, month_bounds, month_of, rows};
use crate::error::AppError;
use crate::model::history::Source;
use crate::ssr::entities::{Stored, daily_count, month_end_count, snapshot};
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeSet, HashMap, HashSet};

const AGGREGATE: &str = "SELECT snapshot_date, site_id, source, classification, COUNT(*), \
     SUM(CASE WHEN is_spare THEN 1 ELSE 0 END), SUM(CASE WHEN is_billable THEN 1 ELSE 0 END), \
     SUM(CASE WHEN covered THEN 0 ELSE 1 END)";
const GROUP: &str = "GROUP BY snapshot_date, site_id, source, classification";
const TARGET: &str =
    "count_date, site_id, source, classification, total, spare, billable, uncovered";

/// Mark each snapshot of the day that another source also saw (same serial or host name).
/// When only one source has snapshots that day nothing is covered, and the dashboard says so.
async fn coverage<C: ConnectionTrait>(conn: &C, date: NaiveDate) -> Result<(), DbErr> {
    let day: Vec<(i64, Source, Option<String>, Option<String>)> = snapshot::Entity::find()
        .select_only()
        .columns([
            snapshot::Column::Id,
            snapshot::Column::Source,
            snapshot::Column::MatchSerial,
            snapshot::Column::MatchHost,
        ])
        .filter(snapshot::Column::SnapshotDate.eq(date))
        .into_tuple()
        .all(conn)
        .await
        .stored::<snapshot::Entity>()?;
    // Each source's serials and host names that day.
    let mut keys: HashMap<Source, (HashSet<&str>, HashSet<&str>)> = HashMap::new();
    for (_, source, serial, host) in &day {
        let k = keys.entry(*source).or_default();
        if let Some(s) = serial {
            k.0.insert(s);
        }
        if let Some(h) = host {
            k.1.insert(h);
        }
    }
    snapshot::Entity::update_many()
        .col_expr(snapshot::Column::Covered, Expr::value(false))
        .filter(snapshot::Column::SnapshotDate.eq(date))
        .filter(snapshot::Column::Covered.eq(true))
        .exec(conn)
        .await?;
    if keys.len() < 2 {
        return Ok(());
    }
    let covered: Vec<i64> = day
        .iter()
        .filter(|(_, source, serial, host)| {
            keys.iter().any(|(other, (serials, hosts))| {
                other != source
                    && (serial.as_deref().is_some_and(|s| serials.contains(s))
                        || host.as_deref().is_some_and(|h| hosts.contains(h)))
            })
        })
        .map(|(id, ..)| *id)
        .collect();
    for chunk in covered.chunks(900) {
        snapshot::Entity::update_many()
            .col_expr(snapshot::Column::Covered, Expr::value(true))
            .filter(snapshot::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Recompute the day's rollup rows.
async fn count_day<C: ConnectionTrait>(conn: &C, date: NaiveDate) -> Result<(), DbErr> {
    daily_count::Entity::delete_many()
        .filter(daily_count::Column::CountDate.eq(date))
        .exec(conn)
        .await?;
    exec(
        conn,
        &format!(
            "INSERT INTO daily_counts ({TARGET}) {AGGREGATE} FROM snapshots WHERE snapshot_date = ? {GROUP}"
        ),
        vec![date.into()],
    )
    .await?;
    Ok(())
}

/// Recompute a month's month-end rows from each source's last collected day of that month.
async fn count_month<C: ConnectionTrait>(conn: &C, any_day: NaiveDate) -> Result<(), DbErr> {
    let (first, last) = month_bounds(any_day);
    let month = month_of(any_day);
    month_end_count::Entity::delete_many()
        .filter(month_end_count::Column::Month.eq(month.clone()))
        .exec(conn)
        .await?;
    // Each source's last collected day of the month.
    #[derive(FromQueryResult)]
    struct End {
        source: Source,
        day: NaiveDate,
    }
    let ends: Vec<End> = rows(
        conn,
        "SELECT source, MAX(snapshot_date) AS day FROM snapshots \
         WHERE snapshot_date >= ? AND snapshot_date <= ? GROUP BY source",
        vec![first.into(), last.into()],
    )
    .await
    .stored::<snapshot::Entity>()?;
    for End { source, day } in ends {
        exec(
            conn,
            &format!(
                "INSERT INTO month_end_counts ({TARGET}, month) {AGGREGATE}, ? FROM snapshots \
                 WHERE snapshot_date = ? AND source = ? {GROUP}"
            ),
            vec![month.clone().into(), day.into(), source.as_str().into()],
        )
        .await?;
    }
    Ok(())
}

/// Roll up one day (coverage, daily counts, and its month's month-end counts).
pub async fn rollup_date<C: ConnectionTrait>(conn: &C, date: NaiveDate) -> Result<(), DbErr> {
    coverage(conn, date).await?;
    count_day(conn, date).await?;
    count_month(conn, date).await
}

/// Recount days whose snapshots moved to another site: their daily rows (where still kept)
/// and their months.
pub async fn recount<C: ConnectionTrait>(conn: &C, dates: &[NaiveDate]) -> Result<(), DbErr> {
    let kept: HashSet<NaiveDate> = daily_count::Entity::find()
        .select_only()
        .column(daily_count::Column::CountDate)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut months = BTreeSet::new();
    for &d in dates {
        if kept.contains(&d) {
            count_day(conn, d).await?;
        }
        months.insert(month_bounds(d).0);
    }
    for m in months {
        count_month(conn, m).await?;
    }
    Ok(())
}

/// The collected days between two dates (inclusive; open ends take everything).
pub async fn collected_dates<C: ConnectionTrait>(
    conn: &C,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<NaiveDate>, DbErr> {
    let mut q = snapshot::Entity::find()
        .select_only()
        .column(snapshot::Column::SnapshotDate)
        .distinct()
        .order_by_asc(snapshot::Column::SnapshotDate);
    if let Some(f) = from {
        q = q.filter(snapshot::Column::SnapshotDate.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(snapshot::Column::SnapshotDate.lte(t));
    }
    q.into_tuple().all(conn).await
}

/// Roll up every collected day in a range, one transaction per day; `progress(done, total)`
/// is called after each day. Returns the number of days.
pub async fn rollup_range(
    ctx: &Ctx,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    mut progress: impl FnMut(usize, usize),
) -> Result<usize, AppError> {
    ctx.require_write("roll up snapshots")?;
    let dates = collected_dates(&ctx.db.conn, from, to).await?;
    for (i, d) in dates.iter().enumerate() {
        let w = ctx.db.writer().await?;
        let txn = w.begin().await?;
        rollup_date(&txn, *d).await?;
        txn.commit().await?;
        progress(i + 1, dates.len());
    }
    Ok(dates.len())
}
