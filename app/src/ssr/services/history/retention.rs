//! Retention: daily snapshots are kept for a number of days (65 by default), each source's
//! month-end snapshots for a number of months (24), raw payloads for fewer days (14); older
//! rows, rollups and finished job runs are purged.

use super::super::{Ctx, jobs};
use super::{month_of, settings};
use crate::error::AppError;
use crate::model::history::Source;
use crate::ssr::entities::{Stored, daily_count, month_end_count, snapshot, snapshot_raw};
use chrono::{Months, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RetentionSummary {
    pub today: String,
    /// Daily snapshots older than this were removed unless they are a month-end.
    pub daily_cutoff: String,
    /// Month-end snapshots older than this were removed.
    pub month_end_cutoff: String,
    pub snapshots_deleted: u64,
    pub raw_payloads_cleared: u64,
    pub daily_counts_deleted: u64,
    pub month_end_counts_deleted: u64,
    pub job_runs_deleted: u64,
}

/// The oldest date each kind of data is kept from, as of `today`. A daily snapshot dated
/// `today - days` is still kept; one a day older is not.
pub fn cutoffs(today: NaiveDate, days: i64, months: i64) -> (NaiveDate, NaiveDate) {
    let daily = today - chrono::Duration::days(days);
    let month_end = today
        .checked_sub_months(Months::new(months as u32))
        .unwrap_or(NaiveDate::MIN);
    (daily, month_end)
}

/// Days a finished job run (and its log) is kept.
const JOB_DAYS: i64 = 90;

pub async fn run(ctx: &Ctx, today: NaiveDate) -> Result<RetentionSummary, AppError> {
    ctx.require_admin("purge old history")?;
    let conf = settings::load(&ctx.db.conn).await?;
    let (daily_cutoff, month_cutoff) = cutoffs(
        today,
        conf.daily_retention_days,
        conf.month_end_retention_months,
    );
    let raw_cutoff = today - chrono::Duration::days(conf.raw_retention_days);
    let mut s = RetentionSummary {
        today: today.to_string(),
        daily_cutoff: daily_cutoff.to_string(),
        month_end_cutoff: month_cutoff.to_string(),
        ..Default::default()
    };
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;

    // Each source's month-end days: its last collected day of each month.
    let all: Vec<(Source, NaiveDate)> = snapshot::Entity::find()
        .select_only()
        .columns([snapshot::Column::Source, snapshot::Column::SnapshotDate])
        .distinct()
        .into_tuple()
        .all(&txn)
        .await
        .stored::<snapshot::Entity>()?;
    let mut last_of_month: BTreeMap<(Source, String), NaiveDate> = BTreeMap::new();
    let mut days: BTreeSet<(Source, NaiveDate)> = BTreeSet::new();
    for &(source, d) in &all {
        let e = last_of_month.entry((source, month_of(d))).or_insert(d);
        *e = (*e).max(d);
        if d < daily_cutoff {
            days.insert((source, d));
        }
    }
    for (source, d) in days {
        let month_end = last_of_month.get(&(source, month_of(d))) == Some(&d);
        if month_end && d >= month_cutoff {
            continue;
        }
        s.snapshots_deleted += snapshot::Entity::delete_many()
            .filter(snapshot::Column::Source.eq(source))
            .filter(snapshot::Column::SnapshotDate.eq(d))
            .exec(&txn)
            .await?
            .rows_affected;
        snapshot_raw::Entity::delete_many()
            .filter(snapshot_raw::Column::Source.eq(source))
            .filter(snapshot_raw::Column::SnapshotDate.eq(d))
            .exec(&txn)
            .await?;
    }
    s.raw_payloads_cleared = snapshot_raw::Entity::delete_many()
        .filter(snapshot_raw::Column::SnapshotDate.lt(raw_cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    s.daily_counts_deleted = daily_count::Entity::delete_many()
        .filter(daily_count::Column::CountDate.lt(daily_cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    s.month_end_counts_deleted = month_end_count::Entity::delete_many()
        .filter(month_end_count::Column::CountDate.lt(month_cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    let job_cutoff = chrono::Utc::now() - chrono::Duration::days(JOB_DAYS);
    s.job_runs_deleted = jobs::purge_finished(&txn, job_cutoff).await?;
    txn.commit().await?;
    if ctx.db.backend() == sea_orm::DbBackend::Sqlite {
        // Give the freed pages back (databases created before auto-vacuum keep them for
        // reuse), and fold the write-ahead log into the database file.
        use sea_orm::ConnectionTrait;
        w.conn
            .execute_unprepared("PRAGMA incremental_vacuum")
            .await?;
        w.conn
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(s)
}
