//! The record a source sent for a snapshot, zstd-compressed; kept fewer days than snapshots.

use crate::model::history::Source;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "snapshot_raw")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub snapshot_date: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: Source,
    #[sea_orm(primary_key, auto_increment = false)]
    pub external_id: String,
    /// zstd-compressed JSON.
    #[sea_orm(column_type = "Blob")]
    pub raw: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
