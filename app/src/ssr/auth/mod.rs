//! Authentication: argon2 password hashes, the database-backed session store, sign-in
//! throttling, and resolving who is asking (session cookie or API token) for each request.

pub mod store;
pub mod throttle;

use crate::error::AppError;
use crate::ssr::db::Db;
use crate::ssr::services::{Actor, tokens};
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// The session key holding the signed-in user's id.
pub const SESSION_USER: &str = "user_id";
/// The session key holding a just-created API token until the page shows it once.
pub const SESSION_NEW_TOKEN: &str = "new_token";

/// Who made a request, put in the request's extensions by the server's auth middleware.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    pub actor: Option<Actor>,
    /// Authenticated by an API token rather than a session.
    pub via_token: bool,
}

/// Per-request facts the services need: the request id shared by all its changes and the
/// client's address (for sign-in throttling).
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub request_id: String,
    pub client_addr: String,
}

/// The nonce of this response's Content-Security-Policy (set by the server's security-header
/// middleware for pages): inline scripts Leptos writes carry it.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Give this render the request's CSP nonce, so the hydration script and streamed resources
/// carry it (call inside a Leptos render with the request's `Parts` in context).
pub fn provide_csp_nonce() {
    if let Some(n) = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<CspNonce>().cloned())
    {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(n.0));
    }
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("could not hash the password: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spend the time of a verification when the user does not exist, so timing does not tell.
pub async fn verify_nothing(password: String) {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let hash = HASH
        .get_or_init(|| async {
            hash_password("no such user".into())
                .await
                .unwrap_or_default()
        })
        .await
        .clone();
    let _ = verify_password(password, hash).await;
}

/// The actor behind an `Authorization: Bearer` header. `Ok(None)`: no such header.
pub async fn from_bearer(db: &Db, header: Option<&str>) -> Result<Option<Actor>, AppError> {
    let Some(h) = header else { return Ok(None) };
    let secret = h
        .strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))
        .or_else(|| h.strip_prefix("Token "))
        .map(str::trim)
        .ok_or(AppError::Unauthorized)?;
    match tokens::resolve(db, secret).await? {
        Some(actor) => Ok(Some(actor)),
        None => Err(AppError::Unauthorized),
    }
}
