//! The domain services: the one place where validation, permission checks and the change log
//! happen, whichever door (page, server function, REST, CLI, job) a request came in by.

pub mod changelog;
pub mod export;
pub mod history;
pub mod jobs;
pub mod objects;
pub mod paging;
pub mod rules;
pub mod search;
pub mod sources;
pub mod text;
pub mod tokens;
pub mod users;

pub use objects::{parse as validate, query};

use crate::error::AppError;
use crate::model::Role;
use crate::ssr::db::Db;

/// Who is acting: a user (through a session or an API token) or the system (CLI, jobs).
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
}

impl Actor {
    /// The command line or a background job, acting with full rights.
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: None,
            username: name.to_string(),
            role: Role::Admin,
        }
    }
}

/// The context of one request: database, actor and the request id shared by all its changes.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub db: Db,
    pub actor: Actor,
    pub request_id: String,
}

impl Ctx {
    pub fn new(db: Db, actor: Actor, request_id: impl Into<String>) -> Ctx {
        Ctx {
            db,
            actor,
            request_id: request_id.into(),
        }
    }

    /// A context for the CLI or a job, with a fresh request id.
    pub fn system(db: Db, name: &str) -> Ctx {
        Ctx::new(db, Actor::system(name), new_request_id())
    }

    pub fn require_write(&self, what: &str) -> Result<(), AppError> {
        if self.actor.role.can_write() {
            Ok(())
        } else {
            Err(AppError::forbidden(what))
        }
    }

    pub fn require_admin(&self, what: &str) -> Result<(), AppError> {
        if self.actor.role.is_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden(what))
        }
    }
}

pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

pub fn fmt_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A raw statement written with `?` placeholders, numbered `$1, $2, …` for PostgreSQL. The SQL
/// must hold no `?` other than placeholders.
pub fn statement(
    backend: sea_orm::DbBackend,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = if backend == sea_orm::DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for (i, part) in sql.split('?').enumerate() {
            if i > 0 {
                n += 1;
                out.push_str(&format!("${n}"));
            }
            out.push_str(part);
        }
        out
    } else {
        sql.to_string()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}
