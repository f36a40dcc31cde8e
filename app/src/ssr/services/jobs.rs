//! The job queue: rows in `job_runs` that the scheduler, a user or the CLI enqueue and a worker
//! claims (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances never run the same job;
//! a unique index on running kinds keeps one run per kind at a time), with typed parameters
//! checked here for every door, progress, a log, cancellation, and recovery of runs a crash
//! left behind.

use super::changelog::{self, Action, Change};
use super::history::parse_date;
use super::{Ctx, fmt_time, now};
use crate::error::{AppError, FieldErrors};
pub use crate::model::history::Trigger;
use crate::model::history::{JobDetail, JobDto, JobKind, JobLogDto, JobStatus, LogLevel};
use crate::ssr::entities::{Stored, job_log, job_run};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The parameters of a run, by kind. Every door (REST, server functions, CLI, scheduler) hands
/// the raw JSON object to [`enqueue`], which checks it with [`JobParams::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobParams {
    /// Collections and retention: the day to record or to keep from (default: today in the
    /// configured time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// Rollups: the first and last collected day to recompute (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
}

impl JobParams {
    /// The keys a kind accepts.
    pub fn keys(kind: JobKind) -> &'static [&'static str] {
        match kind {
            JobKind::Collect(_) | JobKind::Retention => &["as_of"],
            JobKind::Rollup => &["from", "to"],
        }
    }

    /// Check a JSON object of parameters for `kind`: known keys only, dates as YYYY-MM-DD,
    /// `from` not after `to`. Errors name the parameter.
    pub fn parse(kind: JobKind, v: &Value) -> Result<JobParams, AppError> {
        let obj = match v {
            Value::Null => return Ok(JobParams::default()),
            Value::Object(o) => o,
            _ => {
                return Err(AppError::field(
                    "params",
                    "Give the parameters as an object.",
                ));
            }
        };
        let allowed = JobParams::keys(kind);
        let mut errors = FieldErrors::new();
        let mut p = JobParams::default();
        for (k, v) in obj {
            if !allowed.contains(&k.as_str()) {
                errors.entry("params".into()).or_default().push(format!(
                    "{} takes only: {}.",
                    kind.label(),
                    allowed.join(", ")
                ));
                continue;
            }
            let date = match v {
                Value::Null => None,
                Value::String(s) if s.trim().is_empty() => None,
                Value::String(s) => match parse_date(s) {
                    Some(d) => Some(d),
                    None => {
                        errors
                            .entry(k.clone())
                            .or_default()
                            .push("Give a date as YYYY-MM-DD.".into());
                        continue;
                    }
                },
                _ => {
                    errors
                        .entry(k.clone())
                        .or_default()
                        .push("Give a date as YYYY-MM-DD.".into());
                    continue;
                }
            };
            match k.as_str() {
                "as_of" => p.as_of = date,
                "from" => p.from = date,
                _ => p.to = date,
            }
        }
        if let (Some(f), Some(t)) = (p.from, p.to)
            && f > t
        {
            errors
                .entry("to".into())
                .or_default()
                .push(format!("The range ends ({t}) before it starts ({f})."));
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(AppError::fields(errors))
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("parameters serialise")
    }
}

fn dto(m: job_run::Model) -> Result<JobDto, DbErr> {
    let kind = JobKind::from_parts(m.kind, m.source).ok_or_else(|| {
        DbErr::Type(format!(
            "job_runs.source is empty for collection #{}, which this version of Census does not know",
            m.id
        ))
    })?;
    let duration = m.started_at.map(|s| {
        let end = m.finished_at.unwrap_or_else(now);
        (end - s).num_milliseconds().max(0) as f64 / 1000.0
    });
    let json = |t: Option<String>, col: &str| -> Result<Option<Value>, DbErr> {
        t.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| DbErr::Json(format!("job_runs.{col} of #{} is not JSON: {e}", m.id)))
        })
        .transpose()
    };
    Ok(JobDto {
        id: m.id,
        kind,
        params: json(m.params.clone(), "params")?.unwrap_or(Value::Object(Default::default())),
        trigger: m.trigger,
        requested_by: m.requested_by,
        status: m.status,
        progress_done: m.progress_done,
        progress_total: m.progress_total,
        progress_message: m.progress_message,
        result: json(m.result, "result")?,
        error: m.error,
        cancel_requested: m.cancel_requested,
        queued_at: fmt_time(m.queued_at),
        started_at: m.started_at.map(fmt_time),
        finished_at: m.finished_at.map(fmt_time),
        duration_secs: duration,
    })
}

/// The condition on `job_runs` that matches a kind.
fn of_kind_condition(kind: JobKind) -> sea_orm::Condition {
    let (t, source) = kind.parts();
    let c = sea_orm::Condition::all().add(job_run::Column::Kind.eq(t));
    match source {
        Some(s) => c.add(job_run::Column::Source.eq(s)),
        None => c,
    }
}

/// Rows of `job_runs` matching a kind.
fn of_kind(kind: JobKind) -> sea_orm::Select<job_run::Entity> {
    job_run::Entity::find().filter(of_kind_condition(kind))
}

async fn all<C: ConnectionTrait>(
    conn: &C,
    q: sea_orm::Select<job_run::Entity>,
) -> Result<Vec<JobDto>, DbErr> {
    q.all(conn)
        .await
        .stored::<job_run::Entity>()?
        .into_iter()
        .map(dto)
        .collect()
}

async fn first<C: ConnectionTrait>(
    conn: &C,
    q: sea_orm::Select<job_run::Entity>,
) -> Result<Option<JobDto>, DbErr> {
    q.one(conn)
        .await
        .stored::<job_run::Entity>()?
        .map(dto)
        .transpose()
}

async fn one<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<JobDto>, DbErr> {
    first(conn, job_run::Entity::find_by_id(id)).await
}

/// The active (queued or running) run of a kind, if any.
pub async fn active<C: ConnectionTrait>(conn: &C, kind: JobKind) -> Result<Option<JobDto>, DbErr> {
    first(
        conn,
        of_kind(kind)
            .filter(job_run::Column::Status.is_in([JobStatus::Queued, JobStatus::Running]))
            .order_by_asc(job_run::Column::Id),
    )
    .await
}

/// A run's entry in the change log.
async fn record<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: i64,
    kind: JobKind,
    action: Action,
    before: Option<Value>,
    after: Value,
) -> Result<(), DbErr> {
    changelog::record(
        conn,
        ctx,
        vec![Change {
            object_type: "job_run".into(),
            object_id: id,
            repr: format!("{} #{id}", kind.label()),
            action,
            before: before.map(|b| b.to_string()),
            after: Some(after.to_string()),
        }],
    )
    .await
}

/// Queue a run (editors and admins; retention needs an admin), its parameters checked here.
/// Refused while a run of the same kind is queued or running (a running one whose worker
/// stopped reporting for [`STALE_AFTER`] is first marked failed, so a killed run blocks its
/// kind for at most that long, with or without a server). `slot` is a schedule's time slot:
/// one run per slot, however many schedulers try (a second attempt returns Ok(None)).
pub async fn enqueue(
    ctx: &Ctx,
    kind: JobKind,
    params: Value,
    trigger: Trigger,
    slot: Option<DateTime<Utc>>,
) -> Result<Option<JobDto>, AppError> {
    enqueue_as(ctx, kind, params, trigger, slot, None).await
}

/// Queue a run and claim it for `worker` in the same transaction (the CLI runs the run it
/// starts): there is no moment when it is queued but nobody's, so a CLI killed at any point
/// leaves either no run or a running one that [`STALE_AFTER`] recovers.
pub async fn enqueue_claimed(
    ctx: &Ctx,
    kind: JobKind,
    params: Value,
    trigger: Trigger,
    worker: &str,
) -> Result<JobDto, AppError> {
    enqueue_as(ctx, kind, params, trigger, None, Some(worker))
        .await?
        .ok_or_else(|| AppError::Conflict("The job was not queued.".into()))
}

async fn enqueue_as(
    ctx: &Ctx,
    kind: JobKind,
    params: Value,
    trigger: Trigger,
    slot: Option<DateTime<Utc>>,
    worker: Option<&str>,
) -> Result<Option<JobDto>, AppError> {
    match kind {
        JobKind::Retention => ctx.require_admin("start a retention run")?,
        _ => ctx.require_write("start jobs")?,
    }
    let params = JobParams::parse(kind, &params)?.to_json();
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    fail_stale(&txn, now(), STALE_AFTER).await?;
    if let Some(j) = active(&txn, kind).await? {
        if slot.is_some() {
            return Ok(None);
        }
        return Err(AppError::Conflict(format!(
            "A {} is already {} (job #{}).",
            kind.label().to_lowercase(),
            j.status.as_str(),
            j.id
        )));
    }
    if let Some(s) = slot {
        let taken = of_kind(kind)
            .filter(job_run::Column::ScheduledFor.eq(s))
            .count(&txn)
            .await?;
        if taken > 0 {
            return Ok(None);
        }
    }
    let (t, source) = kind.parts();
    let row = job_run::ActiveModel {
        kind: Set(t),
        source: Set(source),
        params: Set(Some(params.to_string())),
        trigger: Set(trigger),
        requested_by: Set(ctx.actor.username.clone()),
        status: Set(if worker.is_some() {
            JobStatus::Running
        } else {
            JobStatus::Queued
        }),
        worker: Set(worker.map(str::to_string)),
        started_at: Set(worker.map(|_| now())),
        heartbeat_at: Set(worker.map(|_| now())),
        progress_done: Set(0),
        cancel_requested: Set(false),
        scheduled_for: Set(slot),
        queued_at: Set(now()),
        ..Default::default()
    };
    let inserted = job_run::Entity::insert(row).exec(&txn).await;
    let id = match inserted {
        Ok(r) => r.last_insert_id,
        // Another instance's scheduler took the slot at the same moment.
        Err(e) if slot.is_some() && e.sql_err().is_some() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let job = one(&txn, id).await?.ok_or(DbErr::RecordNotInserted)?;
    let after =
        serde_json::json!({"kind": kind.as_str(), "params": params, "trigger": trigger.as_str()});
    record(&txn, ctx, id, kind, Action::Create, None, after).await?;
    txn.commit().await?;
    Ok(Some(job))
}

/// Filters of the job list.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub kind: Option<JobKind>,
    pub status: Option<JobStatus>,
    pub limit: u64,
    pub offset: u64,
}

/// Newest first; (matching runs, the page).
pub async fn list(ctx: &Ctx, f: &JobFilter) -> Result<(u64, Vec<JobDto>), AppError> {
    let mut q = match f.kind {
        Some(k) => of_kind(k),
        None => job_run::Entity::find(),
    };
    if let Some(s) = f.status {
        q = q.filter(job_run::Column::Status.eq(s));
    }
    let count = q.clone().count(&ctx.db.conn).await?;
    let rows = all(
        &ctx.db.conn,
        q.order_by_desc(job_run::Column::Id)
            .limit(f.limit.max(1))
            .offset(f.offset),
    )
    .await?;
    Ok((count, rows))
}

pub async fn get(ctx: &Ctx, id: i64) -> Result<JobDetail, AppError> {
    let job = one(&ctx.db.conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no job #{id}.")))?;
    let logs = job_log::Entity::find()
        .filter(job_log::Column::JobId.eq(id))
        .order_by_asc(job_log::Column::Id)
        .all(&ctx.db.conn)
        .await
        .stored::<job_log::Entity>()?
        .into_iter()
        .map(|l| JobLogDto {
            time: fmt_time(l.time),
            level: l.level,
            message: l.message.unwrap_or_default(),
        })
        .collect();
    Ok(JobDetail { job, logs })
}

/// The latest run of a kind and the latest successful one.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    kind: JobKind,
) -> Result<(Option<JobDto>, Option<JobDto>), DbErr> {
    let last = first(conn, of_kind(kind).order_by_desc(job_run::Column::Id)).await?;
    let ok = first(
        conn,
        of_kind(kind)
            .filter(job_run::Column::Status.eq(JobStatus::Succeeded))
            .order_by_desc(job_run::Column::FinishedAt),
    )
    .await?;
    Ok((last, ok))
}

/// Cancel a run: a queued one at once, a running one at its next progress point.
pub async fn cancel(ctx: &Ctx, id: i64) -> Result<JobDto, AppError> {
    ctx.require_write("cancel jobs")?;
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let job = one(&txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no job #{id}.")))?;
    match job.status {
        JobStatus::Queued => {
            job_run::Entity::update_many()
                .col_expr(job_run::Column::Status, Expr::value(JobStatus::Cancelled))
                .col_expr(job_run::Column::CancelRequested, Expr::value(true))
                .col_expr(job_run::Column::FinishedAt, Expr::value(now()))
                .col_expr(
                    job_run::Column::Error,
                    Expr::value("Cancelled before it started."),
                )
                .filter(job_run::Column::Id.eq(id))
                .filter(job_run::Column::Status.eq(JobStatus::Queued))
                .exec(&txn)
                .await?;
        }
        JobStatus::Running => {
            job_run::Entity::update_many()
                .col_expr(job_run::Column::CancelRequested, Expr::value(true))
                .filter(job_run::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        s => {
            return Err(AppError::Conflict(format!(
                "Job #{id} has already {}.",
                match s {
                    JobStatus::Succeeded => "succeeded",
                    JobStatus::Failed => "failed",
                    _ => "been cancelled",
                }
            )));
        }
    }
    let before = serde_json::json!({"status": job.status.as_str()});
    let after = serde_json::json!({"cancel_requested": true});
    record(&txn, ctx, id, job.kind, Action::Update, Some(before), after).await?;
    txn.commit().await?;
    drop(w);
    Ok(one(&ctx.db.conn, id).await?.expect("job exists"))
}

// --- the worker's side ------------------------------------------------------------------------

/// Claim the oldest queued run whose kind is not running anywhere. None when there is nothing
/// to do (or another worker won the race).
pub async fn claim(ctx: &Ctx, worker: &str) -> Result<Option<JobDto>, AppError> {
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let busy: Vec<JobKind> = all(
        &txn,
        job_run::Entity::find().filter(job_run::Column::Status.eq(JobStatus::Running)),
    )
    .await?
    .into_iter()
    .map(|j| j.kind)
    .collect();
    let mut q = job_run::Entity::find()
        .filter(job_run::Column::Status.eq(JobStatus::Queued))
        .order_by_asc(job_run::Column::Id);
    for k in busy {
        q = q.filter(sea_orm::Condition::not(of_kind_condition(k)));
    }
    if ctx.db.backend() == DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(job) = first(&txn, q).await? else {
        return Ok(None);
    };
    if !mark_running(&txn, job.id, worker).await? {
        return Ok(None);
    }
    let job = one(&txn, job.id).await?;
    txn.commit().await?;
    Ok(job)
}

/// Move a queued run to running; false when it is no longer queued or its kind started
/// elsewhere a moment ago (the unique index on running kinds).
async fn mark_running<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    worker: &str,
) -> Result<bool, AppError> {
    let t = now();
    let updated = job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, Expr::value(JobStatus::Running))
        .col_expr(job_run::Column::Worker, Expr::value(worker))
        .col_expr(job_run::Column::StartedAt, Expr::value(t))
        .col_expr(job_run::Column::HeartbeatAt, Expr::value(t))
        .filter(job_run::Column::Id.eq(id))
        .filter(job_run::Column::Status.eq(JobStatus::Queued))
        .exec(conn)
        .await;
    match updated {
        Ok(r) => Ok(r.rows_affected == 1),
        Err(e) if e.sql_err().is_some() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Record progress (and prove the worker alive). Returns whether cancellation was asked for.
pub async fn progress(
    ctx: &Ctx,
    id: i64,
    done: i64,
    total: Option<i64>,
    message: &str,
) -> Result<bool, AppError> {
    let w = ctx.db.writer().await?;
    job_run::Entity::update_many()
        .col_expr(job_run::Column::ProgressDone, Expr::value(done))
        .col_expr(job_run::Column::ProgressTotal, Expr::value(total))
        .col_expr(job_run::Column::ProgressMessage, Expr::value(message))
        .col_expr(job_run::Column::HeartbeatAt, Expr::value(now()))
        .filter(job_run::Column::Id.eq(id))
        .exec(w.conn)
        .await?;
    drop(w);
    cancel_requested(ctx, id).await
}

pub async fn cancel_requested(ctx: &Ctx, id: i64) -> Result<bool, AppError> {
    let asked: Option<bool> = job_run::Entity::find_by_id(id)
        .select_only()
        .column(job_run::Column::CancelRequested)
        .into_tuple()
        .one(&ctx.db.conn)
        .await?;
    Ok(asked.unwrap_or(false))
}

pub async fn heartbeat(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let w = ctx.db.writer().await?;
    job_run::Entity::update_many()
        .col_expr(job_run::Column::HeartbeatAt, Expr::value(now()))
        .filter(job_run::Column::Id.eq(id))
        .filter(job_run::Column::Status.eq(JobStatus::Running))
        .exec(w.conn)
        .await?;
    Ok(())
}

pub async fn log(ctx: &Ctx, id: i64, level: LogLevel, message: &str) -> Result<(), AppError> {
    let w = ctx.db.writer().await?;
    insert_log(w.conn, id, now(), level, message).await?;
    Ok(())
}

async fn insert_log<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    time: DateTime<Utc>,
    level: LogLevel,
    message: &str,
) -> Result<(), DbErr> {
    job_log::ActiveModel {
        job_id: Set(id),
        time: Set(time),
        level: Set(level),
        message: Set(Some(message.to_string())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Finish a run.
pub async fn finish(
    ctx: &Ctx,
    id: i64,
    status: JobStatus,
    result: Option<Value>,
    error: Option<&str>,
) -> Result<(), AppError> {
    let w = ctx.db.writer().await?;
    job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, Expr::value(status))
        .col_expr(
            job_run::Column::Result,
            Expr::value(result.map(|r| r.to_string())),
        )
        .col_expr(
            job_run::Column::Error,
            Expr::value(error.map(str::to_string)),
        )
        .col_expr(job_run::Column::FinishedAt, Expr::value(now()))
        .col_expr(job_run::Column::HeartbeatAt, Expr::value(now()))
        .filter(job_run::Column::Id.eq(id))
        .exec(w.conn)
        .await?;
    Ok(())
}

/// A run whose worker has not reported for this long is considered interrupted: 20 s, four
/// missed heartbeats (a worker reports at least every 5 s, progress every 0.5 s).
pub const STALE_AFTER: chrono::Duration = chrono::Duration::seconds(20);

/// Mark runs whose worker stopped proving itself alive as failed: Census stopped (crash,
/// restart, `kill -9` of the CLI) while they ran. Returns how many. The server calls it every
/// 5 s and every enqueue calls it first, so a run is recovered within 25 s of its last sign of
/// life whether a server is up or not.
pub async fn recover_stale(
    ctx: &Ctx,
    now_at: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> Result<u64, AppError> {
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let n = fail_stale(&txn, now_at, stale_after).await?;
    txn.commit().await?;
    Ok(n)
}

async fn fail_stale<C: ConnectionTrait>(
    conn: &C,
    now_at: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> Result<u64, DbErr> {
    let cutoff = now_at - stale_after;
    let stale: Vec<i64> = job_run::Entity::find()
        .select_only()
        .column(job_run::Column::Id)
        .filter(job_run::Column::Status.eq(JobStatus::Running))
        .filter(
            sea_orm::Condition::any()
                .add(job_run::Column::HeartbeatAt.is_null())
                .add(job_run::Column::HeartbeatAt.lt(cutoff)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    for &id in &stale {
        job_run::Entity::update_many()
            .col_expr(job_run::Column::Status, Expr::value(JobStatus::Failed))
            .col_expr(job_run::Column::FinishedAt, Expr::value(now_at))
            .col_expr(
                job_run::Column::Error,
                Expr::value(
                    "Interrupted: the process running this job stopped. What it had not committed was not saved (a collection saves its day whole or not at all).",
                ),
            )
            .filter(job_run::Column::Id.eq(id))
            .filter(job_run::Column::Status.eq(JobStatus::Running))
            .exec(conn)
            .await?;
        insert_log(
            conn,
            id,
            now_at,
            LogLevel::Error,
            "Marked failed: the worker running it stopped reporting.",
        )
        .await?;
    }
    Ok(stale.len() as u64)
}

/// Mark a running run succeeded with its result, inside the transaction that commits its data,
/// so that its status can never disagree with what it saved.
pub async fn succeed_in<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    result: &Value,
) -> Result<(), DbErr> {
    let t = now();
    job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, Expr::value(JobStatus::Succeeded))
        .col_expr(job_run::Column::Result, Expr::value(result.to_string()))
        .col_expr(job_run::Column::Error, Expr::value(Option::<String>::None))
        .col_expr(job_run::Column::FinishedAt, Expr::value(t))
        .col_expr(job_run::Column::HeartbeatAt, Expr::value(t))
        .filter(job_run::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A run as it is now.
pub async fn status(ctx: &Ctx, id: i64) -> Result<JobDto, AppError> {
    one(&ctx.db.conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no job #{id}.")))
}

/// Delete finished runs (and their logs) that ended before `before`; returns how many runs.
pub async fn purge_finished<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let finished = [
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];
    let ids: Vec<i64> = job_run::Entity::find()
        .select_only()
        .column(job_run::Column::Id)
        .filter(job_run::Column::FinishedAt.lt(before))
        .filter(job_run::Column::Status.is_in(finished))
        .into_tuple()
        .all(conn)
        .await?;
    let mut n = 0;
    for chunk in ids.chunks(500) {
        job_log::Entity::delete_many()
            .filter(job_log::Column::JobId.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
        n += job_run::Entity::delete_many()
            .filter(job_run::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?
            .rows_affected;
    }
    Ok(n)
}

// --- what a running job reports --------------------------------------------------------------

/// How a run ended early: cancelled on request, or failed with a message for the job's log
/// and error column (never carrying a secret).
#[derive(Clone, Debug, PartialEq)]
pub enum JobError {
    /// Cancellation was asked for; nothing from the run is saved.
    Cancelled,
    /// The run failed; the message says why and what to check.
    Failed(String),
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        JobError::Failed(e.to_string())
    }
}

/// One thing a running job reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// A line for the job's log.
    Log { level: LogLevel, message: String },
    /// How far the run is: `done` of `total` (when known) items, with a short message.
    Progress {
        done: i64,
        total: Option<i64>,
        message: String,
    },
}

/// A running job's voice: log lines, progress, and whether it has been asked to stop. Cloning
/// shares the channel and the cancel flag.
#[derive(Clone)]
pub struct Reporter {
    tx: tokio::sync::mpsc::UnboundedSender<Event>,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Reporter {
    /// A reporter sending to `tx` that stops once `cancel` is set.
    pub fn new(
        tx: tokio::sync::mpsc::UnboundedSender<Event>,
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> Reporter {
        Reporter { tx, cancel }
    }
    /// Add a line to the job's log (a receiver that has gone away is ignored).
    pub fn log(&self, level: LogLevel, message: &str) {
        let _ = self.tx.send(Event::Log {
            level,
            message: message.into(),
        });
    }
    /// Report progress: `done` of `total` items.
    pub fn progress(&self, done: i64, total: Option<i64>, message: &str) {
        let _ = self.tx.send(Event::Progress {
            done,
            total,
            message: message.into(),
        });
    }
    /// `Err(Cancelled)` once cancellation was asked for.
    pub fn check(&self) -> Result<(), JobError> {
        if self.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }
    /// A reporter nobody need listen to, for one-off calls (connection tests); the receiver
    /// gets its events.
    pub fn detached() -> (Reporter, tokio::sync::mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Reporter::new(tx, Default::default()), rx)
    }
}
