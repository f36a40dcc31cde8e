//! Faster snapshot device lists and a smaller history: each snapshot gets its sort name and a
//! lower-cased search text (one indexed order, one LIKE instead of six), one index serves the
//! list's order and its filters' counts, and the raw source payloads move to their own table,
//! so scanning a day reads no payloads and retention frees whole pages when it drops them.

use crate::common::raw;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_snapshot_lists"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("snapshot_raw")
                .col(ColumnDef::new("snapshot_date").date().not_null())
                .col(ColumnDef::new("source").string().not_null())
                .col(ColumnDef::new("external_id").string().not_null())
                .col(ColumnDef::new("raw").blob().not_null())
                .primary_key(
                    Index::create()
                        .col("snapshot_date")
                        .col("source")
                        .col("external_id"),
                )
                .to_owned(),
        )
        .await?;
        for sql in [
            "INSERT INTO snapshot_raw (snapshot_date, source, external_id, raw) \
             SELECT snapshot_date, source, external_id, raw FROM snapshots WHERE raw IS NOT NULL",
            "ALTER TABLE snapshots DROP COLUMN raw",
            "ALTER TABLE snapshots ADD COLUMN sort_name TEXT",
            "ALTER TABLE snapshots ADD COLUMN search_text TEXT",
            // What the service writes for new rows (it lower-cases all of Unicode; these rows
            // keep the database's lower-casing).
            "UPDATE snapshots SET sort_name = lower(coalesce(hostname, display_name, external_id)), \
             search_text = lower(coalesce(hostname, '') || ' | ' || coalesce(display_name, '') || ' | ' \
             || coalesce(serial, '') || ' | ' || org_name || ' | ' || location_name || ' | ' \
             || coalesce(ip_addresses, '') || ' | ' || coalesce(mac_addresses, ''))",
            // The list's order with its filters' columns: a day's page walks it in order, and
            // a filtered count reads only the index.
            "CREATE INDEX ix_snapshots_list ON snapshots (snapshot_date, sort_name, source, id, \
             classification, site_id, is_spare, is_billable, covered)",
        ] {
            raw(m, sql).await?;
        }
        Ok(())
    }
}
