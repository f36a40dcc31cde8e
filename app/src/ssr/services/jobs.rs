//! The job queue: rows in `job_runs` that the scheduler, a user or the CLI enqueue and a worker
//! claims (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances never run the same job;
//! a unique index on running kinds keeps one run per kind at a time), with progress, a log,
//! cancellation, and recovery of runs a crash left behind.

use super::changelog::{self, Action, Change};
use super::history::{count_where, exec, query};
use super::{Ctx, fmt_time, now};
use crate::error::AppError;
use crate::model::history::{JobDetail, JobDto, JobKind, JobLogDto, JobStatus};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult};
use serde_json::Value;

const COLS: &str = "id, kind, params, trigger, requested_by, status, progress_done, progress_total, \
     progress_message, result, error, cancel_requested, queued_at, started_at, finished_at";

fn read(r: &QueryResult) -> Result<JobDto, DbErr> {
    let kind: String = r.try_get_by_index(1)?;
    let status: String = r.try_get_by_index(5)?;
    let params: Option<String> = r.try_get_by_index(2)?;
    let result: Option<String> = r.try_get_by_index(9)?;
    let queued: DateTime<Utc> = r.try_get_by_index(12)?;
    let started: Option<DateTime<Utc>> = r.try_get_by_index(13)?;
    let finished: Option<DateTime<Utc>> = r.try_get_by_index(14)?;
    let status = JobStatus::parse(&status).unwrap_or(JobStatus::Failed);
    let duration = started.map(|s| {
        let end = finished.unwrap_or_else(now);
        (end - s).num_milliseconds().max(0) as f64 / 1000.0
    });
    Ok(JobDto {
        id: r.try_get_by_index(0)?,
        kind: JobKind::parse(&kind).unwrap_or(JobKind::Rollup),
        params: params
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(Value::Object(Default::default())),
        trigger: r.try_get_by_index(3)?,
        requested_by: r.try_get_by_index(4)?,
        status,
        progress_done: r.try_get_by_index(6)?,
        progress_total: r.try_get_by_index(7)?,
        progress_message: r.try_get_by_index(8)?,
        result: result.and_then(|p| serde_json::from_str(&p).ok()),
        error: r.try_get_by_index(10)?,
        cancel_requested: r.try_get_by_index(11)?,
        queued_at: fmt_time(queued),
        started_at: started.map(fmt_time),
        finished_at: finished.map(fmt_time),
        duration_secs: duration,
    })
}

async fn one<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<JobDto>, DbErr> {
    let rows = query(
        conn,
        &format!("SELECT {COLS} FROM job_runs WHERE id = ?"),
        vec![id.into()],
    )
    .await?;
    rows.first().map(read).transpose()
}

/// The active (queued or running) run of a kind, if any.
pub async fn active<C: ConnectionTrait>(conn: &C, kind: JobKind) -> Result<Option<JobDto>, DbErr> {
    let rows = query(
        conn,
        &format!("SELECT {COLS} FROM job_runs WHERE kind = ? AND status IN ('queued', 'running') ORDER BY id LIMIT 1"),
        vec![kind.as_str().into()],
    )
    .await?;
    rows.first().map(read).transpose()
}

/// Where a run came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    User,
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::User => "user",
            Trigger::Cli => "cli",
        }
    }
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

/// Queue a run (editors and admins; retention needs an admin). Refused while a run of the same
/// kind is queued or running. `slot` is a schedule's time slot: one run per slot, however many
/// schedulers try (a second attempt returns Ok(None)).
pub async fn enqueue(
    ctx: &Ctx,
    kind: JobKind,
    params: Value,
    trigger: Trigger,
    slot: Option<DateTime<Utc>>,
) -> Result<Option<JobDto>, AppError> {
    match kind {
        JobKind::Retention => ctx.require_admin("start a retention run")?,
        _ => ctx.require_write("start jobs")?,
    }
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
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
        let taken = query(
            &txn,
            "SELECT id FROM job_runs WHERE kind = ? AND scheduled_for = ?",
            vec![kind.as_str().into(), s.into()],
        )
        .await?;
        if !taken.is_empty() {
            return Ok(None);
        }
    }
    let inserted = query(
        &txn,
        "INSERT INTO job_runs (kind, params, trigger, requested_by, status, progress_done, cancel_requested, \
         scheduled_for, queued_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?) RETURNING id",
        vec![
            kind.as_str().into(),
            params.to_string().into(),
            trigger.as_str().into(),
            ctx.actor.username.clone().into(),
            false.into(),
            slot.into(),
            now().into(),
        ],
    )
    .await;
    let rows = match inserted {
        Ok(r) => r,
        // Another instance's scheduler took the slot at the same moment.
        Err(e) if slot.is_some() && e.sql_err().is_some() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let id: i64 = rows
        .first()
        .ok_or(DbErr::RecordNotInserted)?
        .try_get_by_index(0)?;
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

pub async fn list(ctx: &Ctx, f: &JobFilter) -> Result<(u64, Vec<JobDto>), AppError> {
    let mut cond = "1 = 1".to_string();
    let mut values: Vec<sea_orm::Value> = vec![];
    if let Some(k) = f.kind {
        cond.push_str(" AND kind = ?");
        values.push(k.as_str().into());
    }
    if let Some(s) = f.status {
        cond.push_str(" AND status = ?");
        values.push(s.as_str().into());
    }
    let count = count_where(&ctx.db.conn, "job_runs", &cond, values.clone()).await?;
    values.push((f.limit.max(1) as i64).into());
    values.push((f.offset as i64).into());
    let rows = query(
        &ctx.db.conn,
        &format!("SELECT {COLS} FROM job_runs WHERE {cond} ORDER BY id DESC LIMIT ? OFFSET ?"),
        values,
    )
    .await?;
    Ok((
        count as u64,
        rows.iter().map(read).collect::<Result<_, _>>()?,
    ))
}

pub async fn get(ctx: &Ctx, id: i64) -> Result<JobDetail, AppError> {
    let job = one(&ctx.db.conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no job #{id}.")))?;
    let rows = query(
        &ctx.db.conn,
        "SELECT time, level, message FROM job_logs WHERE job_id = ? ORDER BY id",
        vec![id.into()],
    )
    .await?;
    let mut logs = vec![];
    for r in rows {
        logs.push(JobLogDto {
            time: fmt_time(r.try_get_by_index(0)?),
            level: r.try_get_by_index(1)?,
            message: r.try_get_by_index::<Option<String>>(2)?.unwrap_or_default(),
        });
    }
    Ok(JobDetail { job, logs })
}

/// The latest run of each kind and the latest successful one.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    kind: JobKind,
) -> Result<(Option<JobDto>, Option<JobDto>), DbErr> {
    let last = query(
        conn,
        &format!("SELECT {COLS} FROM job_runs WHERE kind = ? ORDER BY id DESC LIMIT 1"),
        vec![kind.as_str().into()],
    )
    .await?;
    let ok = query(
        conn,
        &format!("SELECT {COLS} FROM job_runs WHERE kind = ? AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1"),
        vec![kind.as_str().into()],
    )
    .await?;
    Ok((
        last.first().map(read).transpose()?,
        ok.first().map(read).transpose()?,
    ))
}

/// Cancel a run: a queued one at once, a running one at its next progress point.
pub async fn cancel(ctx: &Ctx, id: i64) -> Result<JobDto, AppError> {
    ctx.require_write("cancel jobs")?;
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let job = one(&txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no job #{id}.")))?;
    match job.status {
        JobStatus::Queued => {
            exec(
                &txn,
                "UPDATE job_runs SET status = 'cancelled', cancel_requested = ?, finished_at = ?, \
                 error = 'Cancelled before it started.' WHERE id = ? AND status = 'queued'",
                vec![true.into(), now().into(), id.into()],
            )
            .await?;
        }
        JobStatus::Running => {
            exec(
                &txn,
                "UPDATE job_runs SET cancel_requested = ? WHERE id = ?",
                vec![true.into(), id.into()],
            )
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
    let pg = ctx.db.backend() == DbBackend::Postgres;
    let lock = if pg { " FOR UPDATE SKIP LOCKED" } else { "" };
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let candidates = query(
        &txn,
        &format!(
            "SELECT id FROM job_runs WHERE status = 'queued' AND kind NOT IN \
             (SELECT kind FROM job_runs WHERE status = 'running') ORDER BY id LIMIT 1{lock}"
        ),
        vec![],
    )
    .await?;
    let Some(id) = candidates
        .first()
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
    else {
        return Ok(None);
    };
    if !mark_running(&txn, id, worker).await? {
        return Ok(None);
    }
    let job = one(&txn, id).await?;
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
    let updated = exec(
        conn,
        "UPDATE job_runs SET status = 'running', worker = ?, started_at = ?, heartbeat_at = ? \
         WHERE id = ? AND status = 'queued'",
        vec![worker.into(), t.into(), t.into(), id.into()],
    )
    .await;
    match updated {
        Ok(n) => Ok(n == 1),
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
    let w = ctx.db.writer().await;
    exec(
        w.conn,
        "UPDATE job_runs SET progress_done = ?, progress_total = ?, progress_message = ?, heartbeat_at = ? WHERE id = ?",
        vec![done.into(), total.into(), message.into(), now().into(), id.into()],
    )
    .await?;
    drop(w);
    cancel_requested(ctx, id).await
}

pub async fn cancel_requested(ctx: &Ctx, id: i64) -> Result<bool, AppError> {
    let rows = query(
        &ctx.db.conn,
        "SELECT cancel_requested FROM job_runs WHERE id = ?",
        vec![id.into()],
    )
    .await?;
    Ok(rows
        .first()
        .map(|r| r.try_get_by_index::<bool>(0))
        .transpose()?
        .unwrap_or(false))
}

pub async fn heartbeat(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let w = ctx.db.writer().await;
    exec(
        w.conn,
        "UPDATE job_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'",
        vec![now().into(), id.into()],
    )
    .await?;
    Ok(())
}

pub async fn log(ctx: &Ctx, id: i64, level: &str, message: &str) -> Result<(), AppError> {
    let w = ctx.db.writer().await;
    exec(
        w.conn,
        "INSERT INTO job_logs (job_id, time, level, message) VALUES (?, ?, ?, ?)",
        vec![id.into(), now().into(), level.into(), message.into()],
    )
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
    let w = ctx.db.writer().await;
    exec(
        w.conn,
        "UPDATE job_runs SET status = ?, result = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?",
        vec![
            status.as_str().into(),
            result.map(|r| r.to_string()).into(),
            error.map(str::to_string).into(),
            now().into(),
            now().into(),
            id.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Mark runs whose worker stopped proving itself alive as failed: Census stopped (crash,
/// restart) while they ran. Returns how many.
pub async fn recover_stale(
    ctx: &Ctx,
    now_at: DateTime<Utc>,
    stale_after: chrono::Duration,
) -> Result<u64, AppError> {
    let cutoff = now_at - stale_after;
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let stale = query(
        &txn,
        "SELECT id FROM job_runs WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?)",
        vec![cutoff.into()],
    )
    .await?;
    for r in &stale {
        let id: i64 = r.try_get_by_index(0)?;
        exec(
            &txn,
            "UPDATE job_runs SET status = 'failed', finished_at = ?, \
             error = 'Interrupted: Census stopped while this job was running. Nothing it had not finished was saved.' \
             WHERE id = ? AND status = 'running'",
            vec![now_at.into(), id.into()],
        )
        .await?;
        exec(
            &txn,
            "INSERT INTO job_logs (job_id, time, level, message) VALUES (?, ?, 'error', ?)",
            vec![
                id.into(),
                now_at.into(),
                "Marked failed: the worker running it stopped.".into(),
            ],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(stale.len() as u64)
}

/// Claim one particular queued run (the CLI runs the run it queued). None when another worker
/// took it first.
pub async fn claim_id(ctx: &Ctx, id: i64, worker: &str) -> Result<Option<JobDto>, AppError> {
    let w = ctx.db.writer().await;
    if !mark_running(w.conn, id, worker).await? {
        return Ok(None);
    }
    drop(w);
    Ok(one(&ctx.db.conn, id).await?)
}

/// A run as it is now.
pub async fn status(ctx: &Ctx, id: i64) -> Result<JobDto, AppError> {
    one(&ctx.db.conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no job #{id}.")))
}
