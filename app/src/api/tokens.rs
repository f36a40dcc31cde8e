//! API tokens in the UI: one's own (everyone's for an admin), create, revoke. A new token's
//! secret is kept in the session until the tokens page has shown it once.

use crate::error::AppError;
use crate::model::{NewToken, TokenDto, UserDto};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::*;
#[cfg(feature = "ssr")]
use crate::ssr::services::{tokens as svc, users};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokensView {
    pub tokens: Vec<TokenDto>,
    /// A token created just now; shown this once.
    pub new_token: Option<NewToken>,
    /// For an admin: the users a token can be made for.
    pub users: Vec<UserDto>,
}

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract()
        .await
        .map_err(|e| AppError::Internal(format!("no session: {e}")))
}

#[server(output = super::Out)]
pub async fn fetch_tokens() -> Result<TokensView, AppError> {
    run(async {
        let ctx = ctx()?;
        let admin = ctx.actor.role.is_admin();
        let new_token = match session().await {
            Ok(s) => s
                .remove::<NewToken>(crate::ssr::auth::SESSION_NEW_TOKEN)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?,
            Err(_) => None,
        };
        Ok(TokensView {
            tokens: svc::visible(&ctx).await?,
            new_token,
            users: if admin {
                users::list(&ctx).await?
            } else {
                vec![]
            },
        })
    })
    .await
}

/// Create a token for oneself (or, as admin, for `user_id`).
#[server(output = super::Out)]
pub async fn create_token(
    #[server(default)] description: String,
    #[server(default)] user_id: Option<i64>,
) -> Result<(), AppError> {
    run(async {
        let ctx = ctx()?;
        let owner = match user_id {
            Some(id) => id,
            None => ctx.actor.user_id.ok_or(AppError::Unauthorized)?,
        };
        let created = svc::create(&ctx, owner, &description).await?;
        session()
            .await?
            .insert(crate::ssr::auth::SESSION_NEW_TOKEN, created)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        redirect("/tokens");
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    run(async {
        svc::revoke(&ctx()?, id).await?;
        redirect("/tokens");
        Ok(())
    })
    .await
}
