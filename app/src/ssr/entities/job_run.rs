//! One run of a background job: what it does, who asked, its progress and outcome.

use crate::model::history::{JobStatus, JobType, Source, Trigger};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: JobType,
    /// The source a collection reads (None for other kinds).
    pub source: Option<Source>,
    /// The run's parameters as a JSON object (text).
    #[sea_orm(column_type = "Text")]
    pub params: Option<String>,
    pub trigger: Trigger,
    pub requested_by: String,
    pub status: JobStatus,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub progress_message: Option<String>,
    /// The run's summary as JSON text.
    #[sea_orm(column_type = "Text")]
    pub result: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub error: Option<String>,
    pub cancel_requested: bool,
    /// The process that claimed it (`host:pid`).
    pub worker: Option<String>,
    pub heartbeat_at: Option<DateTimeUtc>,
    /// The schedule slot it was queued for (one run per slot).
    pub scheduled_for: Option<DateTimeUtc>,
    pub queued_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::job_log::Entity")]
    Logs,
}

impl Related<super::job_log::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Logs.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
