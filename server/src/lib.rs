//! The `census` server: configuration, the HTTP router (pages, server functions, REST API,
//! health, metrics, static files) and its middleware. `main.rs` adds the command line.
#![recursion_limit = "512"]

pub mod assets;
pub mod config;
pub mod demo;
pub mod history_api;
pub mod jobs;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod mock;
pub mod openapi;
pub mod protect;
pub mod rest;

use app::ssr::auth::store::DbSessionStore;
use app::ssr::db::Db;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use config::Config;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower_http::services::{ServeDir, ServeFile};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub leptos: LeptosOptions,
    pub config: Arc<Config>,
    pub metrics: Arc<metrics::Metrics>,
    /// Set once a user exists (it never goes back: the last admin cannot be deleted).
    pub has_users: Arc<AtomicBool>,
    /// The job runner (its workers run only when `serve` spawns them).
    pub runner: jobs::Runner,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos.clone()
    }
}

impl AppState {
    pub fn new(db: Db, config: Config) -> AppState {
        // With a hash file the bundle's names carry content hashes: the shell's script, wasm
        // and stylesheet links read them from it (leptos's HydrationScripts and HashedStylesheet
        // join the path to the executable's folder, so it is absolute).
        let hashes = assets::hash_file(&config.site_root);
        let leptos = LeptosOptions::builder()
            .output_name("census")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .hash_files(hashes.is_some())
            .hash_file(
                hashes
                    .as_ref()
                    .map(|p| p.to_string_lossy().to_string())
                    .unwrap_or_else(|| assets::HASH_FILE.to_string())
                    .into(),
            )
            .build();
        assets::set_stylesheet(assets::stylesheet_href(hashes.as_deref(), "census", "pkg"));
        let runner = jobs::Runner::new(db.clone(), config.jobs.clone());
        AppState {
            db,
            leptos,
            runner,
            config: Arc::new(config),
            metrics: Arc::default(),
            has_users: Arc::new(AtomicBool::new(false)),
        }
    }

    pub async fn users_exist(&self) -> bool {
        if self.has_users.load(Ordering::Relaxed) {
            return true;
        }
        let yes = app::ssr::services::users::count(&self.db)
            .await
            .unwrap_or(0)
            > 0;
        if yes {
            self.has_users.store(true, Ordering::Relaxed);
        }
        yes
    }
}

impl AppState {
    pub fn control(&self) -> app::ssr::services::sources::Control {
        Arc::new(self.runner.clone())
    }
}

async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    let db = state.db.clone();
    let control = state.control();
    handle_server_fns_with_context(
        move || {
            provide_context(db.clone());
            provide_context(control.clone());
        },
        req,
    )
    .await
}

async fn health(State(state): State<AppState>) -> Response {
    let up = state.db.ping().await;
    let body = serde_json::json!({
        "status": if up { "ok" } else { "unavailable" },
        "version": env!("CARGO_PKG_VERSION"),
        "database": up,
        "backend": format!("{:?}", state.db.backend()).to_lowercase(),
    });
    let code = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body)).into_response()
}

async fn metrics_handler(State(state): State<AppState>) -> Response {
    let up = state.db.ping().await;
    let objects: Vec<(String, u64)> = app::ssr::services::objects::counts(&state.db.conn)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(k, n)| (k.as_str().to_string(), n))
        .collect();
    let users = app::ssr::services::users::count(&state.db)
        .await
        .unwrap_or(0);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&objects, users, up),
    )
        .into_response()
}

/// The page routes (`AxumRouteListing`s of [`app::App`]), generated once per process.
///
/// Generating them renders the app with Leptos's resource loading switched off, and that switch
/// is one flag for the whole process (`IS_SUPPRESSING_RESOURCE_LOAD` in leptos_server 0.8), so a
/// page rendering on another thread meanwhile would wait forever for its data (a 503 when its
/// time limit ends). Building a second router (a second instance in one process, or tests
/// running side by side) reuses the list instead of generating it again.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The complete application router.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The application router with `extra` routes behind the same middleware (tests use it to
/// check what the stack does with a handler that panics or overruns its time limit).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let routes = page_routes();
    let db = state.db.clone();
    let control = state.control();
    let leptos = state.leptos.clone();
    let site = state.config.site_root.clone();

    let store = DbSessionStore::new(state.db.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name("census_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.cookie_secure)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(state.config.session_days),
        ));

    let mut r = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics_handler))
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .merge(rest::routes())
        .merge(extra)
        .nest_service(
            "/pkg",
            ServeDir::new(site.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    // Top-level static files (favicon, robots.txt) beside the page routes.
    if let Ok(entries) = std::fs::read_dir(&site) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if e.file_type().is_ok_and(|t| t.is_file()) && name != assets::HASH_FILE {
                r = r.route_service(&format!("/{name}"), ServeFile::new(e.path()));
            }
        }
    }
    r.leptos_routes_with_context(
        &state,
        routes,
        move || {
            provide_context(db.clone());
            provide_context(control.clone());
        },
        move || app::shell(leptos.clone()),
    )
    .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
        app::shell,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::gate,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::authenticate,
    ))
    .layer(sessions)
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        protect::same_origin,
    ))
    .layer(axum::middleware::from_fn(protect::json_bodies))
    .layer(axum::middleware::from_fn(protect::text_input))
    .layer(axum::middleware::from_fn(protect::limits))
    .layer(axum::middleware::from_fn(protect::shape_errors))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::observe,
    ))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        protect::security_headers,
    ))
    .layer(axum::middleware::from_fn(assets::cache_policy))
    .layer(tower_http::compression::CompressionLayer::new())
    .with_state(state)
}
