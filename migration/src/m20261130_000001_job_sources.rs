//! A collection's source in a column of its own: `job_runs.kind` becomes `collect`, `rollup`
//! or `retention`, and `job_runs.source` names the source a collection reads. A new source
//! then needs no new job kind, and both columns hold fixed sets of values.

use crate::common::raw;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_job_sources"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for sql in [
            "ALTER TABLE job_runs ADD COLUMN source TEXT",
            "UPDATE job_runs SET source = substr(kind, 9), kind = 'collect' WHERE kind LIKE 'collect\\_%' ESCAPE '\\'",
            "DROP INDEX ux_job_runs_running",
            "DROP INDEX ux_job_runs_slot",
            "DROP INDEX ix_job_runs_kind",
            // At most one run of a kind (and source) at a time, whichever instance claims it.
            "CREATE UNIQUE INDEX ux_job_runs_running ON job_runs (kind, coalesce(source, '')) WHERE status = 'running'",
            // A scheduled slot is enqueued once, however many instances' schedulers try.
            "CREATE UNIQUE INDEX ux_job_runs_slot ON job_runs (kind, coalesce(source, ''), scheduled_for)",
            "CREATE INDEX ix_job_runs_kind ON job_runs (kind, source, id)",
        ] {
            raw(m, sql).await?;
        }
        Ok(())
    }
}
