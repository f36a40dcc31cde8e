//! The REST API under `/api/v1/`: every inventory type (list with the UI's filters, get, create
//! one or many, PATCH, delete, CSV export), users and tokens (admins), the change log and
//! search. Handlers only translate HTTP to the same services the pages use. Each route is
//! registered together with its OpenAPI description, so the document and the router cannot
//! drift apart.

use crate::AppState;
use crate::middleware::json_error;
use crate::openapi::{self, Spec};
use app::error::AppError;
use app::model::{ObjectDto, Role};
use app::schema::{RESOURCES, Resource};
use app::ssr::auth::{Auth, RequestMeta};
use app::ssr::services::objects::{self, Values};
use app::ssr::services::query::{self, ListQuery};
use app::ssr::services::{Ctx, changelog, search, tokens, users};
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

pub fn url_of(res: &Resource, id: i64) -> String {
    format!("/api/v1/{}/{id}", res.slug)
}

/// An object as the API shows it: its fields in schema order, and a brief object beside each
/// reference id. Serialized directly (lists and bulk creates write thousands of these).
pub struct ApiObject<'a>(pub &'static Resource, pub &'a ObjectDto);

struct Brief<'a>(&'static Resource, &'a app::model::RefDto);

impl serde::Serialize for Brief<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("id", &self.1.id)?;
        m.serialize_entry("url", &url_of(self.0, self.1.id))?;
        m.serialize_entry("display", &self.1.display)?;
        m.end()
    }
}

impl serde::Serialize for ApiObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (res, o) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &o.id)?;
        m.serialize_entry("url", &url_of(res, o.id))?;
        m.serialize_entry("display", &o.display)?;
        for f in res.fields {
            m.serialize_entry(f.name, o.values.get(f.name).unwrap_or(&Value::Null))?;
            if let Some(k) = f.ref_kind() {
                m.serialize_entry(
                    f.base_name(),
                    &o.refs.get(f.name).map(|r| Brief(k.res(), r)),
                )?;
            }
        }
        m.serialize_entry("created_at", &o.created_at)?;
        m.serialize_entry("updated_at", &o.updated_at)?;
        m.end()
    }
}

pub fn object_json(res: &'static Resource, o: &ObjectDto) -> Value {
    serde_json::to_value(ApiObject(res, o)).unwrap_or_default()
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

// ---------------------------------------------------------------------------------------------
// Inventory objects

async fn list_objects(res: &'static Resource, ctx: Ctx, raw: Option<String>) -> Res<Response> {
    let all = query::pairs(raw.as_deref().unwrap_or(""));
    let format = all
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "json".into());
    let pairs: Vec<(String, String)> = all.into_iter().filter(|(k, _)| k != "format").collect();
    let lq = ListQuery::parse(res, &pairs)?;
    match format.as_str() {
        "json" => {
            let page = objects::list(&ctx, res, &lq).await?;
            let path = format!("/api/v1/{}/", res.slug);
            let (next, previous) = page_links(&path, &pairs, page.count, page.limit, page.offset);
            let results: Vec<ApiObject> = page.rows.iter().map(|o| ApiObject(res, o)).collect();
            let body = json!({"count": page.count, "next": next, "previous": previous, "results": results});
            Ok(Json(body).into_response())
        }
        "csv" => csv_export(&ctx, res, lq).await,
        other => Err(AppError::field(
            "format",
            format!("'{other}' is not one of: json, csv"),
        )),
    }
}

/// Every matching object (paging ignored) as CSV: the fields, plus the name of each reference.
async fn csv_export(ctx: &Ctx, res: &'static Resource, lq: ListQuery) -> Res<Response> {
    let ids = objects::matching_ids(ctx, res, &lq).await?;
    let mut w = csv::Writer::from_writer(vec![]);
    let mut header = vec!["id".to_string()];
    for f in res.fields {
        header.push(f.name.to_string());
        if f.is_ref() {
            header.push(f.base_name().to_string());
        }
    }
    header.push("created_at".into());
    header.push("updated_at".into());
    let csv_err = |e: csv::Error| AppError::Internal(format!("CSV: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    for chunk in ids.chunks(1000) {
        let mut rows = objects::load_rows(&ctx.db.conn, res, chunk).await?;
        let pos: std::collections::HashMap<i64, usize> =
            chunk.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| pos[&r.id]);
        for o in objects::to_dtos(&ctx.db.conn, res, &rows).await? {
            let mut rec = vec![o.id.to_string()];
            for f in res.fields {
                rec.push(o.text(f.name));
                if f.is_ref() {
                    rec.push(
                        o.refs
                            .get(f.name)
                            .map(|r| r.display.clone())
                            .unwrap_or_default(),
                    );
                }
            }
            rec.push(o.created_at.clone());
            rec.push(o.updated_at.clone());
            w.write_record(&rec).map_err(csv_err)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csv\"", res.slug),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
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

fn created(res: &'static Resource, o: &ObjectDto, minimal: bool) -> Value {
    if minimal {
        json!({"id": o.id, "url": url_of(res, o.id)})
    } else {
        object_json(res, o)
    }
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
            let made = objects::create_many(&ctx, res, inputs).await?;
            let out: Vec<Value> = made.iter().map(|o| created(res, o, minimal)).collect();
            Ok((StatusCode::CREATED, Json(Value::Array(out))).into_response())
        }
        v => {
            let made = objects::create(&ctx, res, object(v)?).await?;
            let mut r = (StatusCode::CREATED, Json(created(res, &made, minimal))).into_response();
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
// Users and tokens (admins only)

fn user_json(u: &app::model::UserDto) -> Value {
    json!({"id": u.id, "url": format!("/api/v1/users/{}", u.id), "username": u.username, "role": u.role,
           "is_active": u.is_active, "created_at": u.created_at, "last_login_at": u.last_login_at})
}

fn token_json(t: &app::model::TokenDto) -> Value {
    json!({"id": t.id, "url": format!("/api/v1/tokens/{}", t.id), "user_id": t.user_id,
           "user": {"id": t.user_id, "url": format!("/api/v1/users/{}", t.user_id), "display": t.username},
           "description": t.description, "prefix": t.prefix, "created_at": t.created_at, "last_used_at": t.last_used_at})
}

/// `limit` and `offset` of a list with the given filters; other keys are errors.
pub(crate) fn paging(pairs: &[(String, String)], filters: &[&str]) -> Res<(u64, u64)> {
    let mut limit = query::DEFAULT_LIMIT;
    let mut offset = 0;
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=query::MAX_LIMIT).contains(n))
                    .ok_or_else(|| AppError::field("limit", "must be a number from 1 to 1000"))?
            }
            "offset" => {
                offset = v
                    .parse()
                    .map_err(|_| AppError::field("offset", "must be a number of 0 or more"))?
            }
            k if filters.contains(&k) => {}
            _ => return Err(AppError::field(k, format!("unknown filter '{k}'"))),
        }
    }
    Ok((limit, offset))
}

/// Paging over a short in-memory list (users, tokens).
fn paged(path: &str, raw: Option<String>, items: Vec<Value>) -> Res<Response> {
    let pairs = query::pairs(raw.as_deref().unwrap_or(""));
    let (limit, offset) = paging(&pairs, &[])?;
    let count = items.len() as u64;
    let results = items
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok(Json(list_json(path, &pairs, count, limit, offset, results)).into_response())
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
                c.require_admin("manage users")?;
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
            async {
                c.require_admin("manage users")?;
                Ok(Json(user_json(&users::get(&c, path_id(p)?).await?)).into_response())
            }
            .await,
        )
    })
    .patch(
        |ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>, body: Bytes| async move {
            reply(
                async {
                    c.require_admin("manage users")?;
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
                let list = tokens::list(&c, true).await?;
                paged("/api/v1/tokens/", q, list.iter().map(token_json).collect())
            }
            .await,
        )
    })
    .post(|ApiCtx(c): ApiCtx, body: Bytes| async move {
        reply(
            async {
                c.require_admin("manage API tokens")?;
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
            async {
                c.require_admin("manage API tokens")?;
                Ok(Json(token_json(&tokens::get(&c, path_id(p)?).await?)).into_response())
            }
            .await,
        )
    })
    .delete(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(
            async {
                c.require_admin("manage API tokens")?;
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
                let pairs = query::pairs(q.as_deref().unwrap_or(""));
                let filters = [
                    "user",
                    "object_type",
                    "object_id",
                    "action",
                    "request_id",
                    "since",
                    "until",
                ];
                let (limit, offset) = paging(&pairs, &filters)?;
                let filter = changelog::ChangeFilter::from_pairs(&pairs)?;
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
    let add = |r: Router<AppState>,
               path: &str,
               handler: MethodRouter<AppState>,
               ops: Vec<(&str, Value)>,
               spec: &mut Spec| {
        for (method, op) in ops {
            spec.add(path, method, op);
        }
        // Collections answer with and without the trailing slash.
        let r = r.route(path, handler.clone());
        match path.strip_suffix('/') {
            Some(bare) if !bare.is_empty() => r.route(bare, handler),
            _ => r,
        }
    };
    for res in RESOURCES {
        let res: &'static Resource = res;
        let coll = format!("/api/v1/{}/", res.slug);
        let one = format!("/api/v1/{}/{{id}}", res.slug);
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
        "/api/v1/users/{id}",
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
        "/api/v1/tokens/{id}",
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
