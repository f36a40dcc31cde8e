//! A name a source uses for where devices are (an organisation, or a location in one) and the
//! Census site it maps to.

use crate::model::history::{MappingMethod, Source};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "site_mappings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source: Source,
    pub org_name: String,
    /// Empty for the organisation as a whole.
    pub location_name: String,
    pub site_id: Option<i64>,
    /// None: unmapped, or a location following its organisation.
    pub method: Option<MappingMethod>,
    /// Devices under the name on the last day it was seen.
    pub device_count: i64,
    pub first_seen: Date,
    pub last_seen: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
