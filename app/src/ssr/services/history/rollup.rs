//! Rollups: per day, the device counts per site × source × classification (total, spare,
//! billable, not seen by the other source); per month, the same counts from each source's last
//! collected day of the month. Every function recomputes from the snapshots, so running it
//! twice changes nothing.

use super::super::Ctx;
use super::{exec, marks, month_bounds, month_of, query};
use crate::error::AppError;
use crate::model::history::Source;
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::{BTreeSet, HashMap, HashSet};

const AGGREGATE: &str = "SELECT snapshot_date, site_id, source, classification, COUNT(*), \
     SUM(CASE WHEN is_spare THEN 1 ELSE 0 END), SUM(CASE WHEN is_billable THEN 1 ELSE 0 END), \
     SUM(CASE WHEN covered THEN 0 ELSE 1 END)";
const GROUP: &str = "GROUP BY snapshot_date, site_id, source, classification";
const TARGET: &str =
    "count_date, site_id, source, classification, total, spare, billable, uncovered";

/// Mark each snapshot of the day that the other source also saw (same serial or host name).
/// When one source has no snapshots that day nothing is covered, and the dashboard says so.
async fn coverage<C: ConnectionTrait>(conn: &C, date: NaiveDate) -> Result<(), DbErr> {
    let rows = query(
        conn,
        "SELECT id, source, match_serial, match_host FROM snapshots WHERE snapshot_date = ?",
        vec![date.into()],
    )
    .await?;
    let mut keys: HashMap<&'static str, (HashSet<String>, HashSet<String>)> = HashMap::new();
    let mut all = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get_by_index(0)?;
        let source = match Source::parse(&r.try_get_by_index::<String>(1)?) {
            Some(s) => s,
            None => continue,
        };
        let serial: Option<String> = r.try_get_by_index(2)?;
        let host: Option<String> = r.try_get_by_index(3)?;
        let k = keys.entry(source.as_str()).or_default();
        if let Some(s) = &serial {
            k.0.insert(s.clone());
        }
        if let Some(h) = &host {
            k.1.insert(h.clone());
        }
        all.push((id, source, serial, host));
    }
    exec(
        conn,
        "UPDATE snapshots SET covered = ? WHERE snapshot_date = ? AND covered = ?",
        vec![false.into(), date.into(), true.into()],
    )
    .await?;
    if keys.len() < 2 {
        return Ok(());
    }
    let covered: Vec<i64> = all
        .iter()
        .filter(|(_, source, serial, host)| {
            let other = &keys[source.other().as_str()];
            serial.as_ref().is_some_and(|s| other.0.contains(s))
                || host.as_ref().is_some_and(|h| other.1.contains(h))
        })
        .map(|(id, ..)| *id)
        .collect();
    for chunk in covered.chunks(900) {
        let mut values = vec![true.into()];
        values.extend(chunk.iter().map(|&i| i.into()));
        exec(
            conn,
            &format!(
                "UPDATE snapshots SET covered = ? WHERE id IN ({})",
                marks(chunk.len())
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

/// Recompute the day's rollup rows.
async fn count_day<C: ConnectionTrait>(conn: &C, date: NaiveDate) -> Result<(), DbErr> {
    exec(
        conn,
        "DELETE FROM daily_counts WHERE count_date = ?",
        vec![date.into()],
    )
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
    exec(
        conn,
        "DELETE FROM month_end_counts WHERE month = ?",
        vec![month.clone().into()],
    )
    .await?;
    let ends = query(
        conn,
        "SELECT source, MAX(snapshot_date) FROM snapshots WHERE snapshot_date >= ? AND snapshot_date <= ? GROUP BY source",
        vec![first.into(), last.into()],
    )
    .await?;
    for r in ends {
        let source: String = r.try_get_by_index(0)?;
        let day: NaiveDate = r.try_get_by_index(1)?;
        exec(
            conn,
            &format!(
                "INSERT INTO month_end_counts ({TARGET}, month) {AGGREGATE}, ? FROM snapshots \
                 WHERE snapshot_date = ? AND source = ? {GROUP}"
            ),
            vec![month.clone().into(), day.into(), source.into()],
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
    let kept: HashSet<NaiveDate> =
        query(conn, "SELECT DISTINCT count_date FROM daily_counts", vec![])
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<NaiveDate>(0))
            .collect::<Result<_, _>>()?;
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
    let mut sql = "SELECT DISTINCT snapshot_date FROM snapshots WHERE 1 = 1".to_string();
    let mut values = vec![];
    if let Some(f) = from {
        sql.push_str(" AND snapshot_date >= ?");
        values.push(f.into());
    }
    if let Some(t) = to {
        sql.push_str(" AND snapshot_date <= ?");
        values.push(t.into());
    }
    sql.push_str(" ORDER BY snapshot_date");
    query(conn, &sql, values)
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<NaiveDate>(0))
        .collect()
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
        let w = ctx.db.writer().await;
        let txn = w.begin().await?;
        rollup_date(&txn, *d).await?;
        txn.commit().await?;
        progress(i + 1, dates.len());
    }
    Ok(dates.len())
}
