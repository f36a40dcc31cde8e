//! Everything that runs only on the server: database, entities, services, authentication.
//! Never compiled into the browser bundle.

pub mod auth;
pub mod db;
pub mod entities;
pub mod services;
pub mod testing;

use crate::error::AppError;

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        // The cause goes to the log; the user sees a clean message.
        tracing::error!(error = %e, "database error");
        #[cfg(debug_assertions)]
        eprintln!("database error: {e}");
        AppError::Internal("The database could not complete the request.".into())
    }
}
