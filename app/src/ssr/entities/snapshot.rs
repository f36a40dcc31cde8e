//! One device as one source reported it on one day, with Census's rules and mappings applied.

use crate::model::history::{Classification, Source};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub snapshot_date: Date,
    pub source: Source,
    /// The source's own id of the device (lower case).
    pub external_id: String,
    pub hostname: Option<String>,
    pub display_name: Option<String>,
    /// The Census site the source's organisation or location maps to (no foreign key: history
    /// outlives a site).
    pub site_id: Option<i64>,
    pub org_name: String,
    pub location_name: String,
    pub node_class: Option<String>,
    pub classification: Classification,
    pub is_spare: bool,
    pub is_billable: bool,
    pub os_name: Option<String>,
    pub serial: Option<String>,
    /// Comma-separated, lower-case colon form.
    #[sea_orm(column_type = "Text")]
    pub mac_addresses: Option<String>,
    /// Comma-separated.
    #[sea_orm(column_type = "Text")]
    pub ip_addresses: Option<String>,
    pub last_contact: Option<DateTimeUtc>,
    /// Normalised host name and serial, for matching sources and Census devices.
    pub match_host: Option<String>,
    pub match_serial: Option<String>,
    /// The Census device it matched.
    pub device_id: Option<i64>,
    /// Another source saw the same device that day.
    pub covered: bool,
    /// The list's order: the host name as shown, case-folded.
    #[sea_orm(column_type = "Text")]
    pub sort_name: Option<String>,
    /// What the list's search looks in, case-folded.
    #[sea_orm(column_type = "Text")]
    pub search_text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
