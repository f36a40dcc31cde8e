//! One line of a job run's log.

use crate::model::history::LogLevel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job_id: i64,
    pub time: DateTimeUtc,
    pub level: LogLevel,
    #[sea_orm(column_type = "Text")]
    pub message: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::job_run::Entity",
        from = "Column::JobId",
        to = "super::job_run::Column::Id"
    )]
    Run,
}

impl Related<super::job_run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Run.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
