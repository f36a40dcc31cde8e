//! Sign-in throttling: after 5 failed attempts in 5 minutes for a username or from a client
//! address, further attempts are refused until the oldest of them is 5 minutes old. Kept in the
//! database so every instance sees the same count.

use crate::error::AppError;
use crate::ssr::db::Db;
use crate::ssr::entities::login_attempt;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

pub const MAX_FAILURES: u64 = 5;
pub const WINDOW_MINUTES: i64 = 5;

/// Refuse when the username or the address has too many recent failures.
pub async fn check(db: &Db, username: &str, client_addr: &str) -> Result<(), AppError> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let username = crate::ssr::services::text::fold(username);
    for (col, value) in [
        (login_attempt::Column::Username, username.as_str()),
        (login_attempt::Column::ClientAddr, client_addr),
    ] {
        let recent: Vec<login_attempt::Model> = login_attempt::Entity::find()
            .filter(col.eq(value))
            .filter(login_attempt::Column::AttemptedAt.gt(since))
            .order_by_desc(login_attempt::Column::AttemptedAt)
            .limit(MAX_FAILURES)
            .all(&db.conn)
            .await?;
        if recent.len() as u64 >= MAX_FAILURES {
            let oldest = recent.last().expect("non-empty").attempted_at;
            let wait = (oldest + Duration::minutes(WINDOW_MINUTES) - Utc::now())
                .num_seconds()
                .max(1);
            let minutes = (wait + 59) / 60;
            return Err(AppError::TooManyRequests(format!(
                "Too many failed sign-in attempts. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )));
        }
    }
    Ok(())
}

pub async fn record_failure(db: &Db, username: &str, client_addr: &str) -> Result<(), AppError> {
    let w = db.writer().await?;
    login_attempt::Entity::insert(login_attempt::ActiveModel {
        username: Set(crate::ssr::services::text::fold(username)),
        client_addr: Set(client_addr.to_string()),
        attempted_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(w.conn)
    .await?;
    // Old attempts are of no further use.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::AttemptedAt.lt(Utc::now() - Duration::days(1)))
        .exec(w.conn)
        .await?;
    Ok(())
}

/// A successful sign-in clears the username's failures.
pub async fn clear(db: &Db, username: &str) -> Result<(), AppError> {
    let w = db.writer().await?;
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Username.eq(crate::ssr::services::text::fold(username)))
        .exec(w.conn)
        .await?;
    Ok(())
}
