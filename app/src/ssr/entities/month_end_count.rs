//! Month-end rollup: each source's last collected day of a month, per site × classification.

use crate::model::history::{Classification, Source};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "month_end_counts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub count_date: Date,
    /// None: devices whose source name is not mapped to a site.
    pub site_id: Option<i64>,
    pub source: Source,
    pub classification: Classification,
    pub total: i64,
    pub spare: i64,
    pub billable: i64,
    /// Devices no other source saw that day.
    pub uncovered: i64,
    /// `YYYY-MM`.
    pub month: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
