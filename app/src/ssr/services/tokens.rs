//! API tokens: created by an admin or by a user for themself, shown once, stored as a SHA-256
//! hash with a short prefix for recognition; a request with the token acts as its owner.

use super::changelog::{self, Action};
use super::{Actor, Ctx, fmt_time, now, users};
use crate::error::AppError;
use crate::model::{NewToken, TokenDto};
use crate::ssr::db::Db;
use crate::ssr::entities::{api_token, user};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const PREFIX: &str = "census_";

pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn generate() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{PREFIX}{body}")
}

fn dto(m: &api_token::Model, username: &str) -> TokenDto {
    TokenDto {
        id: m.id,
        user_id: m.user_id,
        username: username.to_string(),
        description: m.description.clone(),
        prefix: m.token_prefix.clone(),
        created_at: fmt_time(m.created_at),
        last_used_at: m.last_used_at.map(fmt_time),
    }
}

/// Create a token for `user_id`: an admin for anyone, a user for themself.
pub async fn create(ctx: &Ctx, user_id: i64, description: &str) -> Result<NewToken, AppError> {
    if ctx.actor.user_id != Some(user_id) {
        ctx.require_admin("create tokens for other users")?;
    }
    let description = description.trim();
    if description.chars().count() > 200 {
        return Err(AppError::field("description", "at most 200 characters"));
    }
    if description.contains('\n') {
        return Err(AppError::field("description", "must be one line"));
    }
    if let Err(e) = super::text::check_controls(description) {
        return Err(AppError::field("description", e));
    }
    let owner = user::Entity::find_by_id(user_id)
        .one(&ctx.db.conn)
        .await?
        .ok_or_else(|| AppError::field("user_id", format!("there is no user with id {user_id}")))?;
    let secret = generate();
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let m = api_token::ActiveModel {
        user_id: Set(user_id),
        description: Set(description.to_string()),
        token_hash: Set(hash(&secret)),
        token_prefix: Set(secret[..PREFIX.len() + 6].to_string()),
        created_at: Set(now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    changelog::record_one(&txn, ctx, "token", m.id, format!("{}… ({})", m.token_prefix, owner.username), Action::Create, (None, Some(json!({"id": m.id, "user_id": user_id, "description": m.description, "prefix": m.token_prefix}))))
    .await?;
    txn.commit().await?;
    Ok(NewToken {
        token: dto(&m, &owner.username),
        secret,
    })
}

/// The tokens the caller may see: everyone's for an admin, their own for anyone else (the
/// token pages and `GET /api/v1/tokens/`).
pub async fn visible(ctx: &Ctx) -> Result<Vec<TokenDto>, AppError> {
    list(ctx, ctx.actor.role.is_admin()).await
}

/// The caller's own tokens, or everyone's for an admin who asks for all.
pub async fn list(ctx: &Ctx, all: bool) -> Result<Vec<TokenDto>, AppError> {
    if all {
        ctx.require_admin("see other users' tokens")?;
    }
    let mut q = api_token::Entity::find().order_by_desc(api_token::Column::Id);
    if !all {
        let me = ctx.actor.user_id.ok_or(AppError::Unauthorized)?;
        q = q.filter(api_token::Column::UserId.eq(me));
    }
    let tokens = q.all(&ctx.db.conn).await?;
    let names: HashMap<i64, String> = user::Entity::find()
        .all(&ctx.db.conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(tokens
        .iter()
        .map(|t| dto(t, names.get(&t.user_id).map(String::as_str).unwrap_or("?")))
        .collect())
}

pub async fn get(ctx: &Ctx, id: i64) -> Result<TokenDto, AppError> {
    let t = api_token::Entity::find_by_id(id)
        .one(&ctx.db.conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no token with id {id}.")))?;
    if ctx.actor.user_id != Some(t.user_id) {
        ctx.require_admin("see other users' tokens")?;
    }
    let owner = user::Entity::find_by_id(t.user_id)
        .one(&ctx.db.conn)
        .await?;
    Ok(dto(
        &t,
        owner.as_ref().map(|u| u.username.as_str()).unwrap_or("?"),
    ))
}

pub async fn revoke(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let t = api_token::Entity::find_by_id(id)
        .one(&ctx.db.conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no token with id {id}.")))?;
    if ctx.actor.user_id != Some(t.user_id) {
        ctx.require_admin("revoke other users' tokens")?;
    }
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    api_token::Entity::delete_by_id(id).exec(&txn).await?;
    changelog::record_one(&txn, ctx, "token", id, format!("{}…", t.token_prefix), Action::Delete, (Some(json!({"id": id, "user_id": t.user_id, "description": t.description, "prefix": t.token_prefix})), None))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The owner of a token secret, if the token exists and the owner is active.
pub async fn resolve(db: &Db, secret: &str) -> Result<Option<Actor>, AppError> {
    if !secret.starts_with(PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    // The token and its active owner in one query.
    let Some((t, Some(u))) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(secret)))
        .find_also_related(user::Entity)
        .filter(user::Column::IsActive.eq(true))
        .one(&db.conn)
        .await?
    else {
        return Ok(None);
    };
    // Record use, at most once a minute per token to spare the database, after the request
    // and only if the write gate is free: a read never waits for a writer over bookkeeping.
    let stale = t
        .last_used_at
        .is_none_or(|at| now() - at > chrono::Duration::minutes(1));
    if stale {
        let db = db.clone();
        tokio::spawn(async move {
            let Some(w) = db.try_writer() else {
                return;
            };
            let _ = api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now()))
                .filter(api_token::Column::Id.eq(t.id))
                .exec(w.conn)
                .await;
        });
    }
    Ok(Some(users::actor_of(&u)))
}
