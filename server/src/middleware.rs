//! Request middleware: request ids and metrics, who is asking (API token or session), and the
//! gate that keeps everything but the sign-in pages, `/health` and static files behind sign-in.

use crate::{AppState, protect};
use app::api::auth::{CurrentUser, Login, Logout, Setup, SetupNeeded};
use app::error::AppError;
use app::ssr::auth::{self, Auth, RequestMeta, SESSION_USER};
use app::ssr::services::{new_request_id, users};
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::FutureExt;
use server_fn::ServerFn;
use std::time::Instant;
use tower_sessions::Session;

/// A JSON error response in the REST API's shape.
pub fn json_error(e: &AppError) -> Response {
    let code = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (code, axum::Json(e.to_json())).into_response();
    if code == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    if code == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"census\""),
        );
    }
    res
}

fn client_addr(req: &Request<Body>, trust_proxy: bool) -> String {
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if trust_proxy && let Some(first) = forwarded {
        return first.to_string();
    }
    req.extensions()
        .get::<ConnectInfo<crate::listener::ClientAddr>>()
        .map(|c| c.0.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Outermost: a request id for logs and the change log, the client address, the time taken by
/// route and status (metrics, `Server-Timing`), and an access log line.
pub async fn observe(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let start = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| {
            let p = req.uri().path();
            if p.starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "unmatched".into()
            }
        });
    let path = req.uri().path().to_string();
    let addr = client_addr(&req, state.config.trust_proxy);
    req.extensions_mut().insert(RequestMeta {
        request_id: request_id.clone(),
        client_addr: addr.clone(),
    });
    // The handler runs under the time limit (dropping it cancels its work: an open transaction
    // rolls back) and a panic in it becomes a 500 with the request id instead of a reset.
    let limit = state.config.request_timeout;
    let run = std::panic::AssertUnwindSafe(next.run(req)).catch_unwind();
    let mut res = match tokio::time::timeout(limit, run).await {
        Ok(Ok(res)) => res,
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(target: "census::http", %method, %path, request_id, panic = %what, "request handler panicked");
            protect::error_response(
                &path,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Census hit an internal error serving this request; it has been logged.",
                Some(&request_id),
            )
        }
        Err(_) => {
            tracing::warn!(target: "census::http", %method, %path, request_id, limit_s = limit.as_secs(), "request stopped at its time limit");
            protect::error_response(
                &path,
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "The request took longer than {} s and was stopped; changes it had not committed were undone. Try again, or ask for less at once.",
                    limit.as_secs()
                ),
                Some(&request_id),
            )
        }
    };
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    state
        .metrics
        .observe(&method, &route, status, elapsed.as_secs_f64());
    let ms = elapsed.as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        res.headers_mut().insert("server-timing", v);
    }
    if !path.starts_with("/pkg/") {
        tracing::info!(target: "census::http", %method, %path, status, ms = format!("{ms:.1}"), request_id, client = %addr, "request");
    }
    res
}

/// Who is asking: an `Authorization: Bearer` token (a bad one is refused outright) or the
/// session's user.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    // Health checks and static files answer whoever asks, whatever credentials they carry.
    let path = req.uri().path();
    if path == "/health" || is_static(path) {
        return next.run(req).await;
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("invalid").to_string());
    let auth = match auth::from_bearer(&state.db, bearer.as_deref()).await {
        Ok(Some(actor)) => Auth {
            actor: Some(actor),
            via_token: true,
        },
        Ok(None) => {
            let user_id: Option<i64> = session.get(SESSION_USER).await.ok().flatten();
            let actor = match user_id {
                Some(id) => users::find_active(&state.db, id)
                    .await
                    .ok()
                    .flatten()
                    .map(|u| users::actor_of(&u)),
                None => None,
            };
            Auth {
                actor,
                via_token: false,
            }
        }
        Err(AppError::Unauthorized) => {
            return json_error(&AppError::Unauthorized).map(|_| {
                Body::from(r#"{"error":"The API token is not valid or has been revoked."}"#)
            });
        }
        Err(e) => return json_error(&e),
    };
    req.extensions_mut().insert(auth);
    next.run(req).await
}

fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/favicon.ico"
        || path == "/robots.txt"
}

/// Server functions anyone may call: signing in and out, setup, and "who am I".
fn public_server_fn(path: &str) -> bool {
    [
        Login::PATH,
        Logout::PATH,
        Setup::PATH,
        SetupNeeded::PATH,
        CurrentUser::PATH,
    ]
    .contains(&path)
}

fn accepts_html(req: &Request<Body>) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Everything except the sign-in and setup pages, `/health` and static files needs a user.
pub async fn gate(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let signed_in = req
        .extensions()
        .get::<Auth>()
        .is_some_and(|a| a.actor.is_some());
    if path == "/health" || is_static(&path) {
        return next.run(req).await;
    }
    if path.starts_with("/api/v1/") || path == "/api/v1" || path == "/metrics" {
        if !signed_in {
            return json_error(&AppError::Unauthorized);
        }
        return next.run(req).await;
    }
    if path.starts_with("/api/") {
        if signed_in || public_server_fn(&path) {
            return next.run(req).await;
        }
        if accepts_html(&req) {
            return Redirect::to("/login").into_response();
        }
        return json_error(&AppError::Unauthorized);
    }
    // Pages.
    let users_exist = state.users_exist().await;
    match path.as_str() {
        "/setup" if users_exist => {
            return Redirect::to(if signed_in { "/" } else { "/login" }).into_response();
        }
        "/setup" => return next.run(req).await,
        "/login" if !users_exist => return Redirect::to("/setup").into_response(),
        "/login" if signed_in => return Redirect::to("/").into_response(),
        "/login" => return next.run(req).await,
        _ => {}
    }
    if signed_in {
        return next.run(req).await;
    }
    if !users_exist {
        return Redirect::to("/setup").into_response();
    }
    let target = match req.uri().path_and_query() {
        Some(pq) => pq.as_str().to_string(),
        None => path.clone(),
    };
    let next_q = app::components::encode_query(&[("next".to_string(), target)]);
    Redirect::to(&format!("/login?{next_q}")).into_response()
}
