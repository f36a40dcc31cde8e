//! The REST API under `/api/v1/`: every inventory type (list with the UI's filters, get, create
//! one or many, PATCH, delete, CSV and JSON Lines export), users and tokens, the change log and
//! search. Handlers only translate HTTP to the same services the pages use (permissions,
//! paging, exports are the services'). Each route is registered together with its OpenAPI
//! description, so the document and the router cannot drift apart; every route answers with
//! and without a trailing slash, and the document names the form with it.

use crate::AppState;
use crate::middleware::json_error;
use crate::openapi::{self, Spec};
use app::error::AppError;
use app::model::Role;
use app::schema::{RESOURCES, Resource};
use app::ssr::auth::{Auth, RequestMeta};
use app::ssr::services::objects::api::{ApiObject, object_json, url_of};
use app::ssr::services::objects::{self, Values};
use app::ssr::services::paging::Paging;
use app::ssr::services::query::{self, ListQuery};
use app::ssr::services::{Ctx, changelog, export, search, tokens, users};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::OnceLock;

type Res<T> = Result<T, AppError>;

/// The service context of an API request: who is asking (from the auth middleware) and the
/// request id; a request without a user is refused with 401.
pub struct ApiCtx(pub Ctx);

impl axum::extract::FromRequestParts<AppState> for ApiCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &AppState,
    ) -> Result<Self, Response> {
        let actor = parts.extensions.get::<Auth>().and_then(|a| a.actor.clone());
        let request_id = parts
            .extensions
            .get::<RequestMeta>()
            .map(|m| m.request_id.clone())
            .unwrap_or_else(app::ssr::services::new_request_id);
        match actor {
            Some(actor) => Ok(ApiCtx(Ctx::new(s.db.clone(), actor, request_id))),
            None => Err(json_error(&AppError::Unauthorized)),
        }
    }
}

fn reply(r: Res<Response>) -> Response {
    r.unwrap_or_else(|e| json_error(&e))
}

fn parse_body(body: &Bytes) -> Res<Value> {
    if body.is_empty() {
        return Err(AppError::invalid(
            "The request body is empty; send a JSON object.",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::invalid(format!("The request body is not valid JSON: {e}")))
}

fn object(v: Value) -> Res<Values> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(AppError::invalid("Expected a JSON object.")),
    }
}

fn page_links(
    path: &str,
    pairs: &[(String, String)],
    count: u64,
    limit: u64,
    offset: u64,
) -> (Value, Value) {
    let link = |o: u64| {
        let mut p: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "offset" && k != "limit")
            .cloned()
            .collect();
        p.push(("limit".into(), limit.to_string()));
        if o > 0 {
            p.push(("offset".into(), o.to_string()));
        }
        json!(format!("{path}?{}", app::components::encode_query(&p)))
    };
    let next = if offset + limit < count {
        link(offset + limit)
    } else {
        Value::Null
    };
    let prev = if offset > 0 {
        link(offset.saturating_sub(limit))
    } else {
        Value::Null
    };
    (next, prev)
}

pub(crate) fn list_json(
    path: &str,
    pairs: &[(String, String)],
    count: u64,
    limit: u64,
    offset: u64,
    results: Vec<Value>,
) -> Value {
    let (next, previous) = page_links(path, pairs, count, limit, offset);
    json!({"count": count, "next": next, "previous": previous, "results": results})
}

/// The `format` of a list: `json` (a page, the default) or an export of every match.
fn list_format(pairs: &mut Vec<(String, String)>) -> Res<Option<export::Format>> {
    let format = pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.clone());
    pairs.retain(|(k, _)| k != "format");
    match format.as_deref() {
        None | Some("") | Some("json") => Ok(None),
        Some(f) => export::Format::parse(f).map(Some).ok_or_else(|| {
            AppError::field("format", format!("'{f}' is not one of: json, csv, jsonl"))
        }),
    }
}

/// An export streamed as the response body, chunk by chunk (an error midway ends the body
/// early; the log has the cause).
pub(crate) fn stream(e: impl export::Export + 'static) -> Response {
    let headers = [
        (header::CONTENT_TYPE, e.format().content_type().to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", e.filename()),
        ),
    ];
    let body = futures_util::stream::unfold(Some(e), |state| async move {
        let mut e = state?;
        match e.next().await {
            Ok(Some(bytes)) => Some((Ok::<_, std::io::Error>(Bytes::from(bytes)), Some(e))),
            Ok(None) => None,
            Err(err) => {
                tracing::error!(error = %err, "export broke off");
                Some((Err(std::io::Error::other(err.to_string())), None))
            }
        }
    });
    // Fused: a body wrapper (compression) may poll once more after the end.
    (
        headers,
        Body::from_stream(futures_util::StreamExt::fuse(body)),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Inventory objects

async fn list_objects(res: &'static Resource, ctx: Ctx, raw: Option<String>) -> Res<Response> {
    let mut pairs = query::pairs(raw.as_deref().unwrap_or(""));
    let format = list_format(&mut pairs)?;
    let lq = ListQuery::parse(res, &pairs)?;
    match format {
        None => {
            let page = objects::list(&ctx, res, &lq).await?;
            let path = format!("/api/v1/{}/", res.slug);
            let (next, previous) = page_links(&path, &pairs, page.count, page.limit, page.offset);
            let results: Vec<ApiObject> = page.rows.iter().map(|o| ApiObject(res, o)).collect();
            let body = json!({"count": page.count, "next": next, "previous": previous, "results": results});
            Ok(Json(body).into_response())
        }
        Some(f) => Ok(stream(export::objects(&ctx, res, lq, f))),
    }
}

/// `Prefer: return=minimal` (RFC 7240): answer a create with ids and URLs only.
fn wants_minimal(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("return=minimal"))
        })
}

/// What `Prefer: return=minimal` answers for a new object: its id and address.
fn minimal_json(res: &'static Resource, id: i64) -> Value {
    json!({"id": id, "url": url_of(res, id)})
}

async fn create_objects(
    res: &'static Resource,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Res<Response> {
    let minimal = wants_minimal(&headers);
    match parse_body(&body)? {
        Value::Array(items) => {
            let inputs = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    object(v).map_err(|_| {
                        AppError::invalid(format!("Element {i} is not a JSON object."))
                    })
                })
                .collect::<Res<Vec<_>>>()?;
            let out: Vec<Value> = if minimal {
                objects::create_many_ids(&ctx, res, inputs)
                    .await?
                    .into_iter()
                    .map(|id| minimal_json(res, id))
                    .collect()
            } else {
                objects::create_many(&ctx, res, inputs)
                    .await?
                    .iter()
                    .map(|o| object_json(res, o))
                    .collect()
            };
            Ok((StatusCode::CREATED, Json(Value::Array(out))).into_response())
        }
        v => {
            let made = objects::create(&ctx, res, object(v)?).await?;
            let body = if minimal {
                minimal_json(res, made.id)
            } else {
                object_json(res, &made)
            };
            let mut r = (StatusCode::CREATED, Json(body)).into_response();
            if let Ok(loc) = axum::http::HeaderValue::from_str(&url_of(res, made.id)) {
                r.headers_mut().insert(header::LOCATION, loc);
            }
            Ok(r)
        }
    }
}

async fn get_object(res: &'static Resource, ctx: Ctx, id: i64) -> Res<Response> {
    let o = objects::get(&ctx, res, id).await?;
    Ok(Json(object_json(res, &o)).into_response())
}

async fn patch_object(res: &'static Resource, ctx: Ctx, id: i64, body: Bytes) -> Res<Response> {
    let o = objects::update(&ctx, res, id, object(parse_body(&body)?)?).await?;
    Ok(Json(object_json(res, &o)).into_response())
}

async fn delete_object(res: &'static Resource, ctx: Ctx, id: i64) -> Res<Response> {
    objects::delete(&ctx, res, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn path_id(p: Result<Path<i64>, axum::extract::rejection::PathRejection>) -> Res<i64> {
    p.map(|Path(id)| id)
        .map_err(|_| AppError::NotFound("The id in the URL is not a number.".into()))
}

fn collection(res: &'static Resource) -> MethodRouter<AppState> {
    get(move |ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(list_objects(res, c, q).await)
    })
    .post(
        move |ApiCtx(c): ApiCtx, headers: axum::http::HeaderMap, body: Bytes| async move {
            reply(create_objects(res, c, headers, body).await)
        },
    )
}

fn member(res: &'static Resource) -> MethodRouter<AppState> {
    get(
        move |ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
            reply(async { get_object(res, c, path_id(p)?).await }.await)
        },
    )
    .patch(
        move |ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>, body: Bytes| async move {
            reply(async { patch_object(res, c, path_id(p)?, body).await }.await)
        },
    )
    .delete(
        move |ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
            reply(async { delete_object(res, c, path_id(p)?).await }.await)
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Users and tokens: the services' policy (admins manage users and everyone's tokens; anyone
// reads their own user and manages their own tokens), the same as the pages and the CLI.

fn user_json(u: &app::model::UserDto) -> Value {
    json!({"id": u.id, "url": format!("/api/v1/users/{}/", u.id), "username": u.username, "role": u.role,
           "is_active": u.is_active, "created_at": u.created_at, "last_login_at": u.last_login_at})
}

fn token_json(t: &app::model::TokenDto) -> Value {
    json!({"id": t.id, "url": format!("/api/v1/tokens/{}/", t.id), "user_id": t.user_id,
           "user": {"id": t.user_id, "url": format!("/api/v1/users/{}/", t.user_id), "display": t.username},
           "description": t.description, "prefix": t.prefix, "created_at": t.created_at, "last_used_at": t.last_used_at})
}

/// `limit` and `offset` of a list with the given filters; other keys are errors.
pub(crate) fn paging(pairs: &[(String, String)], filters: &[&str]) -> Res<(u64, u64)> {
    let p = Paging::strict(pairs, filters)?;
    Ok((p.limit, p.offset))
}

/// Paging over a short in-memory list (users, tokens).
fn paged(path: &str, raw: Option<String>, items: Vec<Value>) -> Res<Response> {
    let pairs = query::pairs(raw.as_deref().unwrap_or(""));
    let p = Paging::strict(&pairs, &[])?;
    let count = items.len() as u64;
    let results = p.slice(items);
    Ok(Json(list_json(path, &pairs, count, p.limit, p.offset, results)).into_response())
}

fn str_field<'a>(m: &'a Values, key: &str) -> Res<Option<&'a str>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AppError::field(key, "expected text")),
    }
}

fn role_field(m: &Values) -> Res<Option<Role>> {
    match str_field(m, "role")? {
        None => Ok(None),
        Some(r) => Role::parse(r)
            .map(Some)
            .ok_or_else(|| AppError::field("role", "one of: viewer, editor, admin")),
    }
}

fn only_keys(m: &Values, allowed: &[&str]) -> Res<()> {
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(AppError::field(k, format!("unknown field '{k}'")));
        }
    }
    Ok(())
}

fn users_routes() -> (MethodRouter<AppState>, MethodRouter<AppState>) {
    let coll = get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                let list = users::list(&c).await?;
                paged("/api/v1/users/", q, list.iter().map(user_json).collect())
            }
            .await,
        )
    })
    .post(|ApiCtx(c): ApiCtx, body: Bytes| async move {
        reply(
            async {
                let b = object(parse_body(&body)?)?;
                only_keys(&b, &["username", "password", "role"])?;
                let username = str_field(&b, "username")?.unwrap_or("");
                let password = str_field(&b, "password")?.unwrap_or("");
                let role = role_field(&b)?.unwrap_or(Role::Viewer);
                let u = users::create(&c, username, password, role).await?;
                Ok((StatusCode::CREATED, Json(user_json(&u))).into_response())
            }
            .await,
        )
    });
    let one = get(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(
            async { Ok(Json(user_json(&users::get(&c, path_id(p)?).await?)).into_response()) }
                .await,
        )
    })
    .patch(
        |ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>, body: Bytes| async move {
            reply(
                async {
                    let b = object(parse_body(&body)?)?;
                    only_keys(&b, &["role", "is_active", "password"])?;
                    let is_active = match b.get("is_active") {
                        None | Some(Value::Null) => None,
                        Some(Value::Bool(x)) => Some(*x),
                        Some(_) => {
                            return Err(AppError::field("is_active", "expected true or false"));
                        }
                    };
                    let patch = users::UserPatch {
                        role: role_field(&b)?,
                        is_active,
                        password: str_field(&b, "password")?.map(str::to_string),
                    };
                    Ok(
                        Json(user_json(&users::update(&c, path_id(p)?, patch).await?))
                            .into_response(),
                    )
                }
                .await,
            )
        },
    )
    .delete(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(
            async {
                users::delete(&c, path_id(p)?).await?;
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            .await,
        )
    });
    (coll, one)
}

fn tokens_routes() -> (MethodRouter<AppState>, MethodRouter<AppState>) {
    let coll = get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                let list = tokens::visible(&c).await?;
                paged("/api/v1/tokens/", q, list.iter().map(token_json).collect())
            }
            .await,
        )
    })
    .post(|ApiCtx(c): ApiCtx, body: Bytes| async move {
        reply(
            async {
                let b = object(if body.is_empty() {
                    json!({})
                } else {
                    parse_body(&body)?
                })?;
                only_keys(&b, &["user_id", "description"])?;
                let user_id = match b.get("user_id") {
                    None | Some(Value::Null) => c
                        .actor
                        .user_id
                        .ok_or_else(|| AppError::field("user_id", "this field is required"))?,
                    Some(v) => v
                        .as_i64()
                        .ok_or_else(|| AppError::field("user_id", "expected the id of a user"))?,
                };
                let created =
                    tokens::create(&c, user_id, str_field(&b, "description")?.unwrap_or(""))
                        .await?;
                let mut out = token_json(&created.token);
                out["token"] = json!(created.secret);
                Ok((StatusCode::CREATED, Json(out)).into_response())
            }
            .await,
        )
    });
    let one = get(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(
            async { Ok(Json(token_json(&tokens::get(&c, path_id(p)?).await?)).into_response()) }
                .await,
        )
    })
    .delete(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(
            async {
                tokens::revoke(&c, path_id(p)?).await?;
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            .await,
        )
    });
    (coll, one)
}

// ---------------------------------------------------------------------------------------------
// Change log and search

fn changes_route() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                let mut pairs = query::pairs(q.as_deref().unwrap_or(""));
                let format = list_format(&mut pairs)?;
                let (limit, offset) = paging(&pairs, &changelog::FILTER_KEYS)?;
                let filter = changelog::ChangeFilter::from_pairs(&pairs)?;
                if let Some(f) = format {
                    return Ok(stream(export::changes(&c, filter, f)));
                }
                let page = changelog::list(&c, &filter, limit, offset).await?;
                let results = page
                    .rows
                    .iter()
                    .map(|r| serde_json::to_value(r).unwrap_or_default())
                    .collect();
                Ok(Json(list_json(
                    "/api/v1/changes/",
                    &pairs,
                    page.count,
                    limit,
                    offset,
                    results,
                ))
                .into_response())
            }
            .await,
        )
    })
}

fn search_route() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(async {
            let pairs = query::pairs(q.as_deref().unwrap_or(""));
            app::ssr::services::paging::single_valued(&pairs, &["q"])?;
            let term = pairs.iter().find(|(k, _)| k == "q").map(|(_, v)| v.clone()).unwrap_or_default();
            if term.trim().is_empty() {
                return Err(AppError::field("q", "this field is required"));
            }
            let groups = search::search(&c, &term, 10).await?;
            let out: Vec<Value> = groups
                .iter()
                .map(|g| {
                    let res = g.kind.res();
                    json!({"type": res.slug, "count": g.count, "results": g.rows.iter().map(|o| object_json(res, o)).collect::<Vec<_>>()})
                })
                .collect();
            Ok(Json(json!({"q": term, "results": out})).into_response())
        }.await)
    })
}

fn openapi_route() -> MethodRouter<AppState> {
    get(|| async { Json(document().clone()).into_response() })
}

async fn not_found() -> Response {
    json_error(&AppError::NotFound(
        "There is no API endpoint at this address.".into(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Routes and their description

/// The router and the OpenAPI document, built by one walk over the endpoints.
fn build() -> (Router<AppState>, Value) {
    let mut spec = Spec::new();
    let mut r = Router::new();
    // Every route answers with and without a trailing slash; the document names the form with
    // it (as NetBox-style clients write it), except for file-like paths (`openapi.json`).
    let add = |r: Router<AppState>,
               path: &str,
               handler: MethodRouter<AppState>,
               ops: Vec<(&str, Value)>,
               spec: &mut Spec| {
        let bare = path.trim_end_matches('/');
        let file_like = bare
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        let canonical = if file_like {
            bare.to_string()
        } else {
            format!("{bare}/")
        };
        for (method, op) in ops {
            spec.add(&canonical, method, op);
        }
        r.route(bare, handler.clone())
            .route(&format!("{bare}/"), handler)
    };
    for res in RESOURCES {
        let res: &'static Resource = res;
        let coll = format!("/api/v1/{}/", res.slug);
        let one = format!("/api/v1/{}/{{id}}/", res.slug);
        r = add(
            r,
            &coll,
            collection(res),
            openapi::collection_ops(res),
            &mut spec,
        );
        r = add(r, &one, member(res), openapi::member_ops(res), &mut spec);
        openapi::resource_schemas(res, &mut spec);
    }
    let (uc, uo) = users_routes();
    r = add(
        r,
        "/api/v1/users/",
        uc,
        openapi::users_collection_ops(),
        &mut spec,
    );
    r = add(
        r,
        "/api/v1/users/{id}/",
        uo,
        openapi::users_member_ops(),
        &mut spec,
    );
    let (tc, to) = tokens_routes();
    r = add(
        r,
        "/api/v1/tokens/",
        tc,
        openapi::tokens_collection_ops(),
        &mut spec,
    );
    r = add(
        r,
        "/api/v1/tokens/{id}/",
        to,
        openapi::tokens_member_ops(),
        &mut spec,
    );
    for (path, handler, ops) in crate::history_api::endpoints() {
        r = add(r, path, handler, ops, &mut spec);
    }
    crate::history_api::schemas(&mut spec);
    r = add(
        r,
        "/api/v1/changes/",
        changes_route(),
        openapi::changes_ops(),
        &mut spec,
    );
    r = add(
        r,
        "/api/v1/search/",
        search_route(),
        openapi::search_ops(),
        &mut spec,
    );
    r = add(
        r,
        "/api/v1/openapi.json",
        openapi_route(),
        openapi::openapi_ops(),
        &mut spec,
    );
    spec.add("/health", "get", openapi::health_op());
    spec.add("/metrics", "get", openapi::metrics_op());
    openapi::common_schemas(&mut spec);
    let r = r
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .route("/api/v1", axum::routing::any(not_found));
    (r, spec.finish())
}

/// REST routes (mounted by `crate::router`).
pub fn routes() -> Router<AppState> {
    build().0
}

/// The OpenAPI 3 document of everything `routes()` serves (plus `/health` and `/metrics`).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| build().1)
}
