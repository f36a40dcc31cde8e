//! tower-sessions store in the Census database (SQLite or PostgreSQL), so sessions survive a
//! restart and are shared by every instance on one PostgreSQL.

use crate::ssr::db::Db;
use crate::ssr::entities::session;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }
}

fn backend<E: std::fmt::Display>(e: E) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry(r: &Record) -> DateTime<Utc> {
    DateTime::from_timestamp(r.expiry_date.unix_timestamp(), 0).unwrap_or_else(Utc::now)
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let w = self.db.writer().await.map_err(backend)?;
        loop {
            let exists = session::Entity::find_by_id(record.id.to_string())
                .one(w.conn)
                .await
                .map_err(backend)?
                .is_some();
            if !exists {
                break;
            }
            record.id = Id::default();
        }
        let data = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        session::Entity::insert(session::ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(data),
            expiry_date: Set(expiry(record)),
        })
        .exec(w.conn)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let w = self.db.writer().await.map_err(backend)?;
        session::Entity::insert(session::ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(data),
            expiry_date: Set(expiry(record)),
        })
        .on_conflict(
            OnConflict::column(session::Column::Id)
                .update_columns([session::Column::Data, session::Column::ExpiryDate])
                .to_owned(),
        )
        .exec(w.conn)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiryDate.gt(Utc::now()))
            .one(&self.db.conn)
            .await
            .map_err(backend)?;
        match row {
            Some(m) => {
                Ok(Some(serde_json::from_str(&m.data).map_err(|e| {
                    session_store::Error::Decode(e.to_string())
                })?))
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let w = self.db.writer().await.map_err(backend)?;
        session::Entity::delete_by_id(id.to_string())
            .exec(w.conn)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let w = self.db.writer().await.map_err(backend)?;
        session::Entity::delete_many()
            .filter(session::Column::ExpiryDate.lt(Utc::now()))
            .exec(w.conn)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
