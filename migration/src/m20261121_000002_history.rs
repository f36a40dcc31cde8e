//! The history hub: the job runner's queue, daily device snapshots from NinjaOne and
//! ThreatLocker, the source-name to site mapping, daily and month-end rollups, and settings.

use crate::common::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261121_000002_history"
    }
}

fn flag(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}
fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().not_null().to_owned()
}
fn count(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

/// The columns of a rollup: one row per date × site × source × classification.
fn counts(t: Tbl) -> Tbl {
    t.col(date("count_date"))
        .col(int("site_id"))
        .col(text_req("source"))
        .col(text_req("classification"))
        .col(count("total"))
        .col(count("spare"))
        .col(count("billable"))
        // Devices the other source did not see that day (coverage gaps).
        .col(count("uncovered"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // --- jobs --------------------------------------------------------------------------
        Tbl::new("job_runs")
            .col(text_req("kind"))
            .col(long("params"))
            .col(text_req("trigger"))
            .col(text_req("requested_by"))
            .col(text_req("status"))
            .col(count("progress_done"))
            .col(int("progress_total"))
            .col(text("progress_message"))
            .col(long("result"))
            .col(long("error"))
            .col(flag("cancel_requested"))
            .col(text("worker"))
            .col(ts_null("heartbeat_at"))
            .col(ts_null("scheduled_for"))
            .col(ts("queued_at"))
            .col(ts_null("started_at"))
            .col(ts_null("finished_at"))
            .create(m)
            .await?;
        for sql in [
            "CREATE INDEX ix_job_runs_status ON job_runs (status, id)",
            "CREATE INDEX ix_job_runs_kind ON job_runs (kind, id)",
            // At most one run of a kind at a time, whichever instance claims it.
            "CREATE UNIQUE INDEX ux_job_runs_running ON job_runs (kind) WHERE status = 'running'",
            // A scheduled slot is enqueued once, however many instances' schedulers try.
            "CREATE UNIQUE INDEX ux_job_runs_slot ON job_runs (kind, scheduled_for)",
        ] {
            raw(m, sql).await?;
        }
        Tbl::new("job_logs")
            .r#ref("job_id", "job_runs", true)
            .col(ts("time"))
            .col(text_req("level"))
            .col(long("message"))
            .create(m)
            .await?;

        // --- snapshots ---------------------------------------------------------------------
        Tbl::new("snapshots")
            .col(date("snapshot_date"))
            .col(text_req("source"))
            .col(text_req("external_id"))
            .col(text("hostname"))
            .col(text("display_name"))
            // The canonical site (no foreign key: history outlives a site's deletion, which
            // `site_mappings` guards).
            .col(int("site_id"))
            .col(text_req("org_name"))
            .col(text_req("location_name"))
            .col(text("node_class"))
            .col(text_req("classification"))
            .col(flag("is_spare"))
            .col(flag("is_billable"))
            .col(text("os_name"))
            .col(text("serial"))
            .col(long("mac_addresses"))
            .col(long("ip_addresses"))
            .col(ts_null("last_contact"))
            .col(text("match_host"))
            .col(text("match_serial"))
            .col(int("device_id"))
            .col(flag("covered"))
            .col(ColumnDef::new("raw").blob().null().to_owned())
            .create(m)
            .await?;
        for sql in [
            "CREATE UNIQUE INDEX ux_snapshots_day ON snapshots (snapshot_date, source, external_id)",
            "CREATE INDEX ix_snapshots_site ON snapshots (snapshot_date, site_id)",
            "CREATE INDEX ix_snapshots_device ON snapshots (device_id)",
            "CREATE INDEX ix_snapshots_org ON snapshots (source, org_name, location_name)",
        ] {
            raw(m, sql).await?;
        }

        Tbl::new("site_mappings")
            .col(text_req("source"))
            .col(text_req("org_name"))
            .col(text_req("location_name"))
            .r#ref("site_id", "sites", false)
            .col(text("method"))
            .col(count("device_count"))
            .col(date("first_seen"))
            .col(date("last_seen"))
            .stamped()
            .create(m)
            .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_site_mappings_name ON site_mappings (source, org_name, location_name)",
        )
        .await?;

        // --- rollups -----------------------------------------------------------------------
        counts(Tbl::new("daily_counts")).create(m).await?;
        index(m, "daily_counts", &["count_date"]).await?;
        counts(Tbl::new("month_end_counts"))
            .col(text_req("month"))
            .create(m)
            .await?;
        index(m, "month_end_counts", &["month"]).await?;
        index(m, "month_end_counts", &["count_date"]).await?;

        // --- settings ----------------------------------------------------------------------
        m.create_table(
            Table::create()
                .table("settings")
                .col(ColumnDef::new("key").string().not_null().primary_key())
                .col(long("value"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
