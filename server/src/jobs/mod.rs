//! The job runner: a scheduler that enqueues daily runs, workers that claim queued runs and
//! execute them, and the code of each kind of job (collections, rollups, retention). The CLI
//! runs the same code in the foreground with a progress bar. Collections go through the source
//! registry (`Source::ALL`, `app::ssr::sources`); nothing here knows a source by name.

pub mod schedule;

use crate::config::JobsConfig;
use app::model::history::{JobDto, JobKind, JobStatus, LogLevel, Source};
use app::ssr::db::Db;
use app::ssr::services::history::{retention, rollup, snapshots};
use app::ssr::services::jobs::{self, JobParams, Trigger};
pub use app::ssr::services::jobs::{Event, JobError, Reporter};
use app::ssr::services::{Actor, Ctx, new_request_id};
use app::ssr::sources::{self, HttpPolicy};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// Sees every event of a run (the CLI's progress bar).
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// Everything a job needs: the database, the sources, the HTTP policy and a clock.
#[derive(Clone)]
pub struct Runner {
    pub db: Db,
    pub config: Arc<JobsConfig>,
    pub policy: HttpPolicy,
    /// Wakes idle workers when a run is queued in this process.
    pub wake: Arc<Notify>,
    /// This process, as recorded on the runs it claims.
    pub worker_id: String,
}

impl Runner {
    pub fn new(db: Db, config: JobsConfig) -> Runner {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "census".into());
        Runner {
            db,
            config: Arc::new(config),
            policy: HttpPolicy::default(),
            wake: Arc::default(),
            worker_id: format!("{host}:{}", std::process::id()),
        }
    }

    /// Today in the configured time zone.
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.config.timezone).date_naive()
    }

    fn ctx(&self, job: &JobDto) -> Ctx {
        let a = Actor::system(&format!("{} (job #{})", job.requested_by, job.id));
        Ctx::new(self.db.clone(), a, new_request_id())
    }

    /// Queue a run and wake a worker.
    pub async fn enqueue(
        &self,
        ctx: &Ctx,
        kind: JobKind,
        params: Value,
        trigger: Trigger,
        slot: Option<DateTime<Utc>>,
    ) -> Result<Option<JobDto>, app::error::AppError> {
        let job = jobs::enqueue(ctx, kind, params, trigger, slot).await?;
        if job.is_some() {
            self.wake.notify_waiters();
        }
        Ok(job)
    }

    /// Execute a claimed run to the end, recording its progress, log and outcome.
    /// `observe` sees every event (the CLI draws its progress bar from them).
    pub async fn execute(&self, job: JobDto, observe: Option<Observer>) -> JobStatus {
        let ctx = self.ctx(&job);
        let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
        let cancel = Arc::new(AtomicBool::new(false));
        let rep = Reporter::new(tx, cancel.clone());
        rep.log(
            LogLevel::Info,
            &format!("{} started by {}", job.kind.label(), job.requested_by),
        );
        let id = job.id;
        // Record events; prove the run alive; notice cancellation.
        let recorder = {
            let ctx = ctx.clone();
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(500));
                let mut pending: Option<(i64, Option<i64>, String)> = None;
                let mut last_beat = std::time::Instant::now();
                loop {
                    tokio::select! {
                        ev = rx.recv() => match ev {
                            Some(ev) => {
                                if let Some(f) = &observe { f(&ev); }
                                match ev {
                                    Event::Log { level, message } => {
                                        let _ = jobs::log(&ctx, id, level, &message).await;
                                    }
                                    Event::Progress { done, total, message } => pending = Some((done, total, message)),
                                }
                            }
                            None => break,
                        },
                        _ = tick.tick() => {
                            let asked = if let Some((d, t, m)) = pending.take() {
                                last_beat = std::time::Instant::now();
                                jobs::progress(&ctx, id, d, t, &m).await
                            } else if last_beat.elapsed() > Duration::from_secs(5) {
                                last_beat = std::time::Instant::now();
                                let _ = jobs::heartbeat(&ctx, id).await;
                                jobs::cancel_requested(&ctx, id).await
                            } else {
                                jobs::cancel_requested(&ctx, id).await
                            };
                            if let Ok(true) = asked {
                                cancel.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                }
                if let Some((d, t, m)) = pending {
                    let _ = jobs::progress(&ctx, id, d, t, &m).await;
                }
            })
        };
        let work = {
            let runner = self.clone();
            let rep = rep.clone();
            let job = job.clone();
            tokio::spawn(async move { runner.work(&job, &rep).await })
        };
        let outcome = match work.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(job = id, error = %e, "job panicked");
                Err(JobError::Failed(
                    "The job stopped on an internal error; see the server log.".into(),
                ))
            }
        };
        let (status, result, error) = match outcome {
            Ok(v) => {
                rep.log(LogLevel::Info, "Finished");
                (JobStatus::Succeeded, Some(v), None)
            }
            Err(JobError::Cancelled) => {
                rep.log(
                    LogLevel::Warn,
                    "Cancelled; nothing from this run was saved.",
                );
                (JobStatus::Cancelled, None, Some("Cancelled.".to_string()))
            }
            Err(JobError::Failed(m)) => {
                rep.log(LogLevel::Error, &m);
                (JobStatus::Failed, None, Some(m))
            }
        };
        drop(rep);
        let _ = recorder.await;
        if let Err(e) = jobs::finish(&ctx, id, status, result, error.as_deref()).await {
            tracing::error!(job = id, error = %e, "could not record the end of a job");
        }
        tracing::info!(
            job = id,
            kind = job.kind.as_str(),
            status = status.as_str(),
            "job finished"
        );
        status
    }

    async fn work(&self, job: &JobDto, rep: &Reporter) -> Result<Value, JobError> {
        let ctx = self.ctx(job);
        let params = JobParams::parse(job.kind, &job.params)?;
        match job.kind {
            JobKind::Collect(source) => {
                let date = params.as_of.unwrap_or_else(|| self.today());
                let items = self.collect(source, rep).await?;
                // The last chance to stop before anything is written.
                if jobs::cancel_requested(&ctx, job.id).await? {
                    return Err(JobError::Cancelled);
                }
                rep.progress(
                    items.len() as i64,
                    Some(items.len() as i64),
                    "saving snapshots",
                );
                // The run is marked succeeded in the transaction that saves the day.
                let summary =
                    snapshots::write_day_for_run(&ctx, source, date, items, job.id).await?;
                rep.log(LogLevel::Info,
                    &format!(
                        "Saved {} {} snapshots for {} ({} spare, {} unmapped, {} matched to Census devices); rolled up",
                        summary.devices,
                        source.label(),
                        summary.date,
                        summary.spare,
                        summary.unmapped_devices,
                        summary.matched_census_devices
                    ),
                );
                Ok(serde_json::to_value(summary).expect("summary serialises"))
            }
            JobKind::Rollup => {
                let (from, to) = (params.from, params.to);
                let rep2 = rep.clone();
                let days = rollup::rollup_range(&ctx, from, to, move |d, t| {
                    rep2.progress(d as i64, Some(t as i64), &format!("{d} of {t} days"));
                })
                .await?;
                rep.log(LogLevel::Info, &format!("Rolled up {days} collected days"));
                Ok(json!({"days": days}))
            }
            JobKind::Retention => {
                let today = params.as_of.unwrap_or_else(|| self.today());
                let s = retention::run(&ctx, today).await?;
                rep.log(LogLevel::Info,
                    &format!(
                        "Removed {} snapshots, {} daily and {} month-end rollup rows, {} old job runs; cleared {} raw payloads",
                        s.snapshots_deleted,
                        s.daily_counts_deleted,
                        s.month_end_counts_deleted,
                        s.job_runs_deleted,
                        s.raw_payloads_cleared
                    ),
                );
                Ok(serde_json::to_value(s).expect("summary serialises"))
            }
        }
    }

    /// Read every device of a source (checked against the total it announced).
    pub async fn collect(
        &self,
        source: Source,
        rep: &Reporter,
    ) -> Result<Vec<snapshots::SnapshotIn>, JobError> {
        sources::collect(source, self.config.configured(source), &self.policy, rep).await
    }

    /// Check a source's connection and credentials.
    pub async fn test(&self, source: Source) -> Result<String, JobError> {
        sources::test(source, self.config.configured(source), &self.policy).await
    }

    /// Claim and execute queued runs until there are none.
    pub async fn drain(&self) -> usize {
        let mut n = 0;
        let ctx = Ctx::system(self.db.clone(), "worker");
        while let Ok(Some(job)) = jobs::claim(&ctx, &self.worker_id).await {
            self.execute(job, None).await;
            n += 1;
        }
        n
    }

    /// Start the scheduler and the workers in the background.
    pub fn spawn(self) {
        for i in 0..self.config.workers {
            let r = self.clone();
            tokio::spawn(async move { r.worker_loop(i == 0).await });
        }
        let r = self.clone();
        tokio::spawn(async move { r.scheduler_loop().await });
    }

    async fn worker_loop(self, recovers: bool) {
        let ctx = Ctx::system(self.db.clone(), "worker");
        let mut last_recovery: Option<std::time::Instant> = None;
        loop {
            if recovers && last_recovery.is_none_or(|t| t.elapsed() > Duration::from_secs(5)) {
                match jobs::recover_stale(&ctx, Utc::now(), STALE_AFTER).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(runs = n, "marked interrupted job runs as failed"),
                    Err(e) => tracing::warn!(error = %e, "could not check for interrupted jobs"),
                }
                last_recovery = Some(std::time::Instant::now());
            }
            match jobs::claim(&ctx, &self.worker_id).await {
                Ok(Some(job)) => {
                    let kind = job.kind;
                    let status = self.execute(job, None).await;
                    if kind.source().is_some() && status == JobStatus::Succeeded {
                        tracing::info!(kind = kind.as_str(), "collection finished");
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "could not claim a job"),
            }
            tokio::select! {
                _ = self.wake.notified() => {},
                _ = tokio::time::sleep(Duration::from_secs(2)) => {},
            }
        }
    }

    async fn scheduler_loop(self) {
        let ctx = Ctx::system(self.db.clone(), "scheduler");
        loop {
            for (kind, slot) in schedule::due(&self.config, Utc::now()) {
                match self
                    .enqueue(&ctx, kind, json!({}), Trigger::Schedule, Some(slot))
                    .await
                {
                    Ok(Some(j)) => {
                        tracing::info!(job = j.id, kind = kind.as_str(), %slot, "scheduled run queued")
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(kind = kind.as_str(), error = %e, "could not queue a scheduled run")
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
    }
}

pub use jobs::STALE_AFTER;

fn hhmm(s: crate::config::Schedule) -> Option<String> {
    s.map(|t| t.format("%H:%M").to_string())
}

#[async_trait::async_trait]
impl app::ssr::services::sources::JobControl for Runner {
    fn sources(&self) -> Vec<app::ssr::services::sources::SourceView> {
        Source::ALL
            .into_iter()
            .map(|source| {
                let cfg = self.config.configured(source);
                app::ssr::services::sources::SourceView {
                    source,
                    configured: cfg.is_some(),
                    settings: source.imp().describe(source, cfg),
                    schedule: hhmm(self.config.schedule(source)),
                }
            })
            .collect()
    }

    fn timezone(&self) -> String {
        self.config.timezone.name().to_string()
    }

    fn wake(&self) {
        self.wake.notify_waiters();
    }

    async fn test(&self, source: Source) -> Result<String, String> {
        Runner::test(self, source).await.map_err(|e| match e {
            JobError::Cancelled => "Cancelled.".to_string(),
            JobError::Failed(m) => m,
        })
    }
}
