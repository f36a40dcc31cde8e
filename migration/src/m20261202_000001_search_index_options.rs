//! PostgreSQL's trigram search indexes keep a short pending list (`gin_pending_list_limit` of
//! 256 kB instead of the server's 4 MB default).
//!
//! GIN's fast update puts rows added since the last flush in an unsorted pending list that
//! every search reads whole: after a bulk load of 100,000 devices a `q=` search read 540 index
//! pages in 16 ms instead of 29 pages in 0.4 ms until autovacuum happened to flush it. At 256 kB
//! an insert that fills the list merges it into the index, so a search reads at most 32 pending
//! pages, while bulk loads keep most of fast update's batching (100,000 rows inserted in 1,000-row
//! statements, measured with `psql`: 10.7 s with the default list, 31.9 s at 256 kB, 74.1 s with
//! `fastupdate = off`; a search 6.8 / 2.3 / 1.4 ms). What an existing index holds pending is
//! merged now (`gin_clean_pending_list`). SQLite's FTS5 tables have no such list; nothing
//! changes there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_search_index_options"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let conn = m.get_connection();
        let rows = conn
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                // Every GIN index of this schema (Census's are the trigram ones), read from the
                // catalogues alone: `pg_indexes` would describe other schemas' indexes too, and
                // fails when another session drops one meanwhile.
                "SELECT c.relname AS indexname FROM pg_class c \
                 JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind = 'i' AND a.amname = 'gin' AND n.nspname = current_schema() \
                 ORDER BY c.relname",
            ))
            .await?;
        for row in rows {
            let index: String = row.try_get("", "indexname")?;
            conn.execute_unprepared(&format!(
                "ALTER INDEX \"{index}\" SET (gin_pending_list_limit = 256)"
            ))
            .await?;
            conn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT gin_clean_pending_list(to_regclass($1))",
                [format!("\"{index}\"").into()],
            ))
            .await?;
        }
        Ok(())
    }
}
