//! Database schema migrations for Census, one file per migration; every one runs on SQLite and
//! PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261121_000001_core;
mod m20261121_000002_history;
mod m20261122_000001_snapshot_lists;
mod m20261130_000001_job_sources;
mod m20261201_000001_typed_inventory;
mod m20261202_000001_search_index_options;
mod m20261203_000001_assets;
pub mod text;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_core::Migration),
            Box::new(m20261121_000002_history::Migration),
            Box::new(m20261122_000001_snapshot_lists::Migration),
            Box::new(m20261130_000001_job_sources::Migration),
            Box::new(m20261201_000001_typed_inventory::Migration),
            Box::new(m20261202_000001_search_index_options::Migration),
            Box::new(m20261203_000001_assets::Migration),
        ]
    }
}
