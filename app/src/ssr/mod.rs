//! Everything that runs only on the server: database, entities, services, authentication.
//! Never compiled into the browser bundle.

pub mod auth;
pub mod db;
pub mod entities;
pub mod services;
pub mod sources;
#[cfg(feature = "testing")]
pub mod testing;

use crate::error::AppError;

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        // The database's own constraints are the safety net behind validation: a write that
        // raced another one (same unique name, a reference deleted meanwhile) ends here.
        if let Some(sql) = e.sql_err() {
            tracing::info!(error = %sql, "constraint violation");
            return AppError::Conflict(
                "Another change saved at the same moment conflicts with this one; nothing was saved. Reload and try again."
                    .into(),
            );
        }
        if db::is_busy(&e) {
            tracing::warn!(error = %e, "database busy");
            return AppError::busy();
        }
        // The cause goes to the log; the user sees a clean message.
        tracing::error!(error = %e, "database error");
        #[cfg(debug_assertions)]
        eprintln!("database error: {e}");
        AppError::Internal("The database could not complete the request.".into())
    }
}
