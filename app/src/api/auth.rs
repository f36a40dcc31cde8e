//! Signing in and out, the first-admin setup, and who the current user is.

use crate::error::AppError;
use crate::model::Me;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::server::*;

/// The signed-in user, if any.
#[server(output = super::Out)]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    Ok(auth().actor.and_then(|a| {
        a.user_id.map(|id| Me {
            id,
            username: a.username,
            role: a.role,
        })
    }))
}

/// Whether Census still needs its first admin.
#[server(output = super::Out)]
pub async fn setup_needed() -> Result<bool, AppError> {
    run(async { Ok(crate::ssr::services::users::count(&db()?).await? == 0) }).await
}

#[cfg(feature = "ssr")]
async fn start_session(actor: &crate::ssr::services::Actor) -> Result<(), AppError> {
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|e| AppError::Internal(format!("no session: {e}")))?;
    // A new session id at sign-in: an id planted before cannot be ridden.
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    session
        .insert(crate::ssr::auth::SESSION_USER, actor.user_id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(())
}

#[server(output = super::Out)]
pub async fn login(
    username: String,
    password: String,
    #[server(default)] next: String,
) -> Result<(), AppError> {
    run(async {
        let db = db()?;
        let actor = crate::ssr::services::users::authenticate(
            &db,
            &username,
            &password,
            &meta().client_addr,
        )
        .await
        .map_err(|e| e.with_values([("username".to_string(), username.clone())].into()))?;
        start_session(&actor).await?;
        tracing::info!(username = %actor.username, "signed in");
        redirect(&safe_next(&next));
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn logout() -> Result<(), AppError> {
    run(async {
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|e| AppError::Internal(format!("no session: {e}")))?;
        session
            .flush()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        redirect("/login");
        Ok(())
    })
    .await
}

/// Create the first admin; refused once any user exists.
#[server(output = super::Out)]
pub async fn setup(username: String, password: String, confirm: String) -> Result<(), AppError> {
    run(async {
        if password != confirm {
            return Err(AppError::field("confirm", "the passwords do not match")
                .with_values([("username".to_string(), username.clone())].into()));
        }
        let db = db()?;
        let actor = crate::ssr::services::users::setup_first_admin(
            &db,
            &username,
            &password,
            &meta().request_id,
        )
        .await
        .map_err(|e| e.with_values([("username".to_string(), username.clone())].into()))?;
        start_session(&actor).await?;
        redirect("/");
        Ok(())
    })
    .await
}
