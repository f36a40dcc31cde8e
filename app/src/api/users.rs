//! User administration (admins) and changing one's own password.

use crate::error::AppError;
use crate::model::{Role, UserDto};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::server::*;
#[cfg(feature = "ssr")]
use crate::ssr::services::users as svc;

#[server(output = super::Out)]
pub async fn list_users() -> Result<Vec<UserDto>, AppError> {
    run(async { svc::list(&ctx()?).await }).await
}

#[server(output = super::Out)]
pub async fn get_user(id: i64) -> Result<UserDto, AppError> {
    run(async { svc::get(&ctx()?, id).await }).await
}

#[server(output = super::Out)]
pub async fn create_user(username: String, password: String, role: Role) -> Result<(), AppError> {
    run(async {
        let u = svc::create(&ctx()?, &username, &password, role)
            .await
            .map_err(|e| e.with_values([("username".to_string(), username.clone())].into()))?;
        redirect(&format!("/users/{}", u.id));
        Ok(())
    })
    .await
}

/// Change a user's role, whether they may sign in, and (when given) their password.
#[server(output = super::Out)]
pub async fn update_user(
    id: i64,
    role: Role,
    #[server(default)] active: Option<String>,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    run(async {
        let patch = svc::UserPatch {
            role: Some(role),
            is_active: Some(active.is_some()),
            password: (!password.is_empty()).then_some(password),
        };
        svc::update(&ctx()?, id, patch).await?;
        redirect("/users");
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn delete_user(id: i64) -> Result<(), AppError> {
    run(async {
        svc::delete(&ctx()?, id).await?;
        redirect("/users");
        Ok(())
    })
    .await
}

#[server(output = super::Out)]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    run(async {
        if password != confirm {
            return Err(AppError::field("confirm", "the passwords do not match"));
        }
        svc::change_own_password(&ctx()?, &current, &password).await?;
        redirect("/account?changed=1");
        Ok(())
    })
    .await
}
