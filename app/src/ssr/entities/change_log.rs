//! One entry of the change log: who changed what, when, and the object before and after.

use sea_orm::entity::prelude::*;

/// What happened to the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Create, Action::Update, Action::Delete];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub time: DateTimeUtc,
    /// Shared by every change one request made.
    pub request_id: String,
    pub user_id: Option<i64>,
    pub username: String,
    /// The snake_case type name (`site_group`, `user`, `job_run`, …).
    pub object_type: String,
    pub object_id: i64,
    /// The object's name when the change was made.
    pub object_repr: String,
    pub action: Action,
    /// The object before and after, as JSON text.
    #[sea_orm(column_type = "Text")]
    pub before_data: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub after_data: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
