//! Users: the first admin, sign-in, and user administration (admins only). Changes are logged
//! without password hashes; the last active admin cannot be removed or demoted.

use super::changelog::{self, Action};
use super::{Actor, Ctx, fmt_time, now};
use crate::error::{AppError, FieldErrors};
use crate::model::{Role, UserDto};
use crate::ssr::auth::{self, throttle};
use crate::ssr::db::Db;
use crate::ssr::entities::{api_token, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

pub const MIN_PASSWORD: usize = 8;

fn dto(m: &user::Model) -> UserDto {
    UserDto {
        id: m.id,
        username: m.username.clone(),
        role: m.role,
        is_active: m.is_active,
        created_at: fmt_time(m.created_at),
        last_login_at: m.last_login_at.map(fmt_time),
    }
}

fn logged(m: &user::Model) -> serde_json::Value {
    json!({"id": m.id, "username": m.username, "role": m.role.as_str(), "is_active": m.is_active})
}

pub fn actor_of(m: &user::Model) -> Actor {
    Actor {
        user_id: Some(m.id),
        username: m.username.clone(),
        role: m.role,
    }
}

/// A username: 1 to 64 letters (of any script), digits, `.`, `_`, `-` or `@`; unique and
/// signed in with ignoring case (Unicode case folding).
fn check_username(u: &str, errors: &mut FieldErrors) {
    let ok = !u.is_empty()
        && u.chars().count() <= 64
        && u.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        errors
            .entry("username".into())
            .or_default()
            .push("1 to 64 letters, digits, '.', '_', '-' or '@'".into());
    }
}

fn check_password(p: &str, errors: &mut FieldErrors) {
    if p.chars().count() < MIN_PASSWORD {
        errors
            .entry("password".into())
            .or_default()
            .push(format!("at least {MIN_PASSWORD} characters"));
    } else if p.len() > 1024 {
        errors
            .entry("password".into())
            .or_default()
            .push("at most 1024 characters".into());
    }
}

pub async fn count(db: &Db) -> Result<u64, AppError> {
    Ok(user::Entity::find().count(&db.conn).await?)
}

pub async fn find_active(db: &Db, id: i64) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find_by_id(id)
        .filter(user::Column::IsActive.eq(true))
        .one(&db.conn)
        .await?)
}

async fn by_name<C: sea_orm::ConnectionTrait>(
    conn: &C,
    username: &str,
) -> Result<Option<user::Model>, AppError> {
    // Usernames are unique ignoring case (any script): their folded keys.
    let all = user::Entity::find()
        .filter(user::Column::UsernameKey.eq(super::text::fold(username)))
        .one(conn)
        .await?;
    Ok(all)
}

/// Insert a user after validation (shared by the first-admin setup and user administration).
async fn insert<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ctx: Option<&Ctx>,
    username: &str,
    password: &str,
    role: Role,
) -> Result<user::Model, AppError> {
    let username = username.trim();
    let mut errors = FieldErrors::new();
    check_username(username, &mut errors);
    check_password(password, &mut errors);
    if errors.is_empty() && by_name(conn, username).await?.is_some() {
        errors
            .entry("username".into())
            .or_default()
            .push("this username is taken".into());
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let hash = auth::hash_password(password.to_string()).await?;
    let t = now();
    let m = user::ActiveModel {
        username: Set(username.to_string()),
        username_key: Set(super::text::fold(username)),
        password_hash: Set(hash),
        role: Set(role),
        is_active: Set(true),
        last_login_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if let Some(ctx) = ctx {
        changelog::record_one(
            conn,
            ctx,
            "user",
            m.id,
            m.username.clone(),
            Action::Create,
            (None, Some(logged(&m))),
        )
        .await?;
    }
    Ok(m)
}

/// The one-time "create the first admin": refused once any user exists.
pub async fn setup_first_admin(
    db: &Db,
    username: &str,
    password: &str,
    request_id: &str,
) -> Result<Actor, AppError> {
    let w = db.writer().await?;
    let txn = w.begin().await?;
    if user::Entity::find().count(&txn).await? > 0 {
        return Err(AppError::Conflict(
            "Census already has users; sign in instead.".into(),
        ));
    }
    let ctx = Ctx::new(db.clone(), Actor::system(username.trim()), request_id);
    let m = insert(&txn, Some(&ctx), username, password, Role::Admin).await?;
    txn.commit().await?;
    Ok(actor_of(&m))
}

/// Check a username and password, with throttling per username and client address.
pub async fn authenticate(
    db: &Db,
    username: &str,
    password: &str,
    client_addr: &str,
) -> Result<Actor, AppError> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        let mut f = FieldErrors::new();
        if username.is_empty() {
            f.insert("username".into(), vec!["enter your username".into()]);
        }
        if password.is_empty() {
            f.insert("password".into(), vec!["enter your password".into()]);
        }
        return Err(AppError::fields(f));
    }
    throttle::check(db, username, client_addr).await?;
    let found = by_name(&db.conn, username).await?;
    let ok = match &found {
        Some(u) => {
            u.is_active
                && auth::verify_password(password.to_string(), u.password_hash.clone()).await
        }
        None => {
            auth::verify_nothing(password.to_string()).await;
            false
        }
    };
    if !ok {
        throttle::record_failure(db, username, client_addr).await?;
        tracing::info!(username, client_addr, "failed sign-in");
        return Err(AppError::invalid(
            "The username or password is not correct.",
        ));
    }
    let u = found.expect("checked");
    throttle::clear(db, username).await?;
    {
        let w = db.writer().await?;
        let mut am: user::ActiveModel = u.clone().into();
        am.last_login_at = Set(Some(now()));
        am.update(w.conn).await?;
    }
    Ok(actor_of(&u))
}

pub async fn list(ctx: &Ctx) -> Result<Vec<UserDto>, AppError> {
    ctx.require_admin("manage users")?;
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(&ctx.db.conn)
        .await?
        .iter()
        .map(dto)
        .collect())
}

pub async fn get(ctx: &Ctx, id: i64) -> Result<UserDto, AppError> {
    if ctx.actor.user_id != Some(id) {
        ctx.require_admin("manage users")?;
    }
    user::Entity::find_by_id(id)
        .one(&ctx.db.conn)
        .await?
        .map(|m| dto(&m))
        .ok_or_else(|| AppError::NotFound(format!("There is no user with id {id}.")))
}

pub async fn create(
    ctx: &Ctx,
    username: &str,
    password: &str,
    role: Role,
) -> Result<UserDto, AppError> {
    ctx.require_admin("manage users")?;
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let m = insert(&txn, Some(ctx), username, password, role).await?;
    txn.commit().await?;
    Ok(dto(&m))
}

/// Changes to a user; `None` leaves a property as it is.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub password: Option<String>,
}

async fn other_active_admins<C: sea_orm::ConnectionTrait>(
    conn: &C,
    except: i64,
) -> Result<u64, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::Id.ne(except))
        .count(conn)
        .await?)
}

pub async fn update(ctx: &Ctx, id: i64, patch: UserPatch) -> Result<UserDto, AppError> {
    ctx.require_admin("manage users")?;
    let mut errors = FieldErrors::new();
    if let Some(p) = &patch.password {
        check_password(p, &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let hash = match &patch.password {
        Some(p) => Some(auth::hash_password(p.clone()).await?),
        None => None,
    };
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let old = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user with id {id}.")))?;
    let loses_admin = old.role == Role::Admin
        && old.is_active
        && (patch.role.is_some_and(|r| r != Role::Admin) || patch.is_active == Some(false));
    if loses_admin && other_active_admins(&txn, id).await? == 0 {
        return Err(AppError::Conflict(
            "This is the only active admin; make another user admin first.".into(),
        ));
    }
    let mut am: user::ActiveModel = old.clone().into();
    if let Some(r) = patch.role {
        am.role = Set(r);
    }
    if let Some(a) = patch.is_active {
        am.is_active = Set(a);
    }
    if let Some(h) = hash {
        am.password_hash = Set(h);
    }
    am.updated_at = Set(now());
    let new = am.update(&txn).await?;
    let mut after = logged(&new);
    if patch.password.is_some() {
        after["password"] = json!("changed");
    }
    changelog::record_one(
        &txn,
        ctx,
        "user",
        id,
        new.username.clone(),
        Action::Update,
        (Some(logged(&old)), Some(after)),
    )
    .await?;
    txn.commit().await?;
    Ok(dto(&new))
}

/// A user changes their own password, proving the current one.
pub async fn change_own_password(ctx: &Ctx, current: &str, new: &str) -> Result<(), AppError> {
    let id = ctx.actor.user_id.ok_or(AppError::Unauthorized)?;
    let u = user::Entity::find_by_id(id)
        .one(&ctx.db.conn)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !auth::verify_password(current.to_string(), u.password_hash.clone()).await {
        return Err(AppError::field(
            "current_password",
            "this is not your current password",
        ));
    }
    let mut errors = FieldErrors::new();
    check_password(new, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let hash = auth::hash_password(new.to_string()).await?;
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let mut am: user::ActiveModel = u.clone().into();
    am.password_hash = Set(hash);
    am.updated_at = Set(now());
    am.update(&txn).await?;
    changelog::record_one(
        &txn,
        ctx,
        "user",
        id,
        u.username.clone(),
        Action::Update,
        (
            Some(logged(&u)),
            Some({
                let mut v = logged(&u);
                v["password"] = json!("changed");
                v
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    ctx.require_admin("manage users")?;
    if ctx.actor.user_id == Some(id) {
        return Err(AppError::Conflict(
            "You cannot delete your own account.".into(),
        ));
    }
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let old = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user with id {id}.")))?;
    if old.role == Role::Admin && old.is_active && other_active_admins(&txn, id).await? == 0 {
        return Err(AppError::Conflict(
            "This is the only active admin; it cannot be deleted.".into(),
        ));
    }
    // The user's tokens go with them.
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    user::Entity::delete_by_id(id).exec(&txn).await?;
    changelog::record_one(
        &txn,
        ctx,
        "user",
        id,
        old.username.clone(),
        Action::Delete,
        (Some(logged(&old)), None),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Look a user up by name (CLI).
pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<user::Model>, AppError> {
    by_name(&db.conn, username).await
}
