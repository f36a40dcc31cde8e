//! REST endpoints of the history hub: the dashboard's figures, the snapshot device list, jobs,
//! sources, site mappings and settings — each registered with its OpenAPI description.

use crate::AppState;
use crate::openapi::Spec;
use crate::openapi::{id_param, json_body, list_schema, op, paging, qparam, r, resp};
use crate::rest::ApiCtx;
use app::error::AppError;
use app::model::history::{JobKind, JobStatus, Source};
use app::ssr::services::history::dashboard::{self, DeviceFilter};
use app::ssr::services::history::{mapping, settings};
use app::ssr::services::jobs::{self, JobFilter, Trigger};
use app::ssr::services::query;
use app::ssr::services::{export, sources};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};

type Res<T> = Result<T, AppError>;

fn reply(r: Res<Response>) -> Response {
    r.unwrap_or_else(|e| crate::middleware::json_error(&e))
}

/// The query's pairs, refusing keys not in `allowed`.
fn strict(raw: &Option<String>, allowed: &[&str]) -> Res<Vec<(String, String)>> {
    let pairs = query::pairs(raw.as_deref().unwrap_or(""));
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(AppError::field(
                k,
                format!("Unknown parameter. Use: {}.", allowed.join(", ")),
            ));
        }
    }
    Ok(pairs)
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn body_object(body: &Bytes) -> Res<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(AppError::invalid("Expected a JSON object.")),
        Err(e) => Err(AppError::invalid(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn ok<T: serde::Serialize>(v: &T) -> Res<Response> {
    Ok(Json(serde_json::to_value(v).expect("DTOs serialise")).into_response())
}

fn dashboard_route(which: &'static str) -> MethodRouter<AppState> {
    get(move |ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                match which {
                    "today" => {
                        strict(&q, &[])?;
                        ok(&dashboard::today(&c).await?)
                    }
                    "comparison" | "sites" => {
                        let p = strict(&q, &["date", "against"])?;
                        let (d, a) = (param(&p, "date"), param(&p, "against"));
                        if which == "sites" {
                            ok(&dashboard::sites(&c, d, a).await?)
                        } else {
                            ok(&dashboard::comparison(&c, d, a).await?)
                        }
                    }
                    "coverage" => {
                        let p = strict(&q, &["date"])?;
                        ok(&dashboard::coverage(&c, param(&p, "date")).await?)
                    }
                    _ => {
                        strict(&q, &[])?;
                        ok(&json!({"dates": dashboard::dates(&c).await?}))
                    }
                }
            }
            .await,
        )
    })
}

fn devices_route() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                let mut pairs = query::pairs(q.as_deref().unwrap_or(""));
                let format = match param(&pairs, "format") {
                    None | Some("") | Some("json") => None,
                    Some(f) => Some(export::Format::parse(f).ok_or_else(|| {
                        AppError::field("format", format!("'{f}' is not one of: json, csv, jsonl"))
                    })?),
                };
                pairs.retain(|(k, _)| k != "format");
                let f = DeviceFilter::parse(&pairs, 1000)?;
                if let Some(format) = format {
                    return Ok(crate::rest::stream(export::snapshots(&c, f, format).await?));
                }
                let mut page = dashboard::devices(&c, &f).await?;
                let link = |rest: Option<String>| {
                    rest.map(|r| {
                        let keep: Vec<(String, String)> = pairs
                            .iter()
                            .filter(|(k, _)| k != "offset" && k != "limit")
                            .cloned()
                            .collect();
                        let base = app::components::encode_query(&keep);
                        if base.is_empty() {
                            format!("/api/v1/dashboard/devices?{r}")
                        } else {
                            format!("/api/v1/dashboard/devices?{base}&{r}")
                        }
                    })
                };
                page.next = link(page.next.take());
                page.previous = link(page.previous.take());
                ok(&page)
            }
            .await,
        )
    })
}

fn jobs_collection() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                let p = query::pairs(q.as_deref().unwrap_or(""));
                let (limit, offset) = crate::rest::paging(&p, &["kind", "status"])?;
                let mut f = JobFilter {
                    limit,
                    offset,
                    ..Default::default()
                };
                if let Some(k) = param(&p, "kind").filter(|s| !s.is_empty()) {
                    f.kind = Some(
                        JobKind::parse(k).ok_or_else(|| AppError::field("kind", kind_choices()))?,
                    );
                }
                if let Some(s) = param(&p, "status").filter(|s| !s.is_empty()) {
                    f.status = Some(JobStatus::parse(s).ok_or_else(|| {
                        AppError::field("status", "queued, running, succeeded, failed or cancelled")
                    })?);
                }
                let (count, rows) = jobs::list(&c, &f).await?;
                let rows = rows
                    .into_iter()
                    .map(|j| serde_json::to_value(j).expect("DTOs serialise"))
                    .collect();
                Ok(Json(crate::rest::list_json(
                    "/api/v1/jobs/",
                    &p,
                    count,
                    limit,
                    offset,
                    rows,
                ))
                .into_response())
            }
            .await,
        )
    })
    .post(
        |ApiCtx(c): ApiCtx, State(s): State<AppState>, body: Bytes| async move {
            reply(
                async {
                    let m = body_object(&body)?;
                    for k in m.keys() {
                        if k != "kind" && k != "params" {
                            return Err(AppError::field(k, "Unknown field. Send kind and params."));
                        }
                    }
                    let kind = m
                        .get("kind")
                        .and_then(Value::as_str)
                        .and_then(JobKind::parse)
                        .ok_or_else(|| {
                            AppError::field("kind", format!("Required: {}.", kind_choices()))
                        })?;
                    let params = m.get("params").cloned().unwrap_or_else(|| json!({}));
                    let job = s
                        .runner
                        .enqueue(&c, kind, params, Trigger::User, None)
                        .await?
                        .ok_or_else(|| AppError::Conflict("The job was not queued.".into()))?;
                    Ok((
                        StatusCode::ACCEPTED,
                        Json(serde_json::to_value(job).expect("serialises")),
                    )
                        .into_response())
                }
                .await,
            )
        },
    )
}

fn path_id(p: Result<Path<i64>, axum::extract::rejection::PathRejection>) -> Res<i64> {
    p.map(|Path(i)| i)
        .map_err(|_| AppError::NotFound("No object has that id.".into()))
}

fn job_member() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(async { ok(&jobs::get(&c, path_id(p)?).await?) }.await)
    })
}

fn job_cancel() -> MethodRouter<AppState> {
    post(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(async { ok(&jobs::cancel(&c, path_id(p)?).await?) }.await)
    })
}

fn sources_collection() -> MethodRouter<AppState> {
    get(
        |ApiCtx(c): ApiCtx, State(s): State<AppState>, RawQuery(q): RawQuery| async move {
            reply(
                async {
                    strict(&q, &[])?;
                    ok(&json!({"results": sources::status(&c, &s.runner).await?}))
                }
                .await,
            )
        },
    )
}

fn source_test() -> MethodRouter<AppState> {
    post(
        |ApiCtx(c): ApiCtx, State(s): State<AppState>, Path(source): Path<String>| async move {
            reply(
                async {
                    let src = Source::parse(&source).ok_or_else(|| {
                        AppError::NotFound(format!(
                            "There is no source {source:?}; use {}.",
                            Source::choices()
                        ))
                    })?;
                    ok(&sources::test(&c, &s.runner, src).await?)
                }
                .await,
            )
        },
    )
}

fn mappings_collection() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, RawQuery(q): RawQuery| async move {
        reply(
            async {
                let p = strict(&q, &["source"])?;
                let source = match param(&p, "source").filter(|s| !s.is_empty()) {
                    Some(s) => Some(
                        Source::parse(s)
                            .ok_or_else(|| AppError::field("source", Source::choices()))?,
                    ),
                    None => None,
                };
                let rows = mapping::list(&c, source).await?;
                ok(&json!({"count": rows.len(), "results": rows}))
            }
            .await,
        )
    })
}

fn mapping_member() -> MethodRouter<AppState> {
    axum::routing::patch(
        |ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>, body: Bytes| async move {
            reply(
                async {
                    let id = path_id(p)?;
                    let m = body_object(&body)?;
                    for k in m.keys() {
                        if k != "site_id" {
                            return Err(AppError::field(k, "Unknown field. Send site_id."));
                        }
                    }
                    let site = match m.get("site_id") {
                        None => {
                            return Err(AppError::field(
                                "site_id",
                                "Required: a site id, or null to undo.",
                            ));
                        }
                        Some(Value::Null) => None,
                        Some(v) => Some(v.as_i64().ok_or_else(|| {
                            AppError::field("site_id", "Give a site id (a number), or null.")
                        })?),
                    };
                    ok(&mapping::set(&c, id, site).await?)
                }
                .await,
            )
        },
    )
}

fn settings_route() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx| async move {
        reply(async { ok(&settings::load(&c.db.conn).await?) }.await)
    })
    .patch(|ApiCtx(c): ApiCtx, body: Bytes| async move {
        reply(
            async {
                ok(&settings::patch(&c, body_object(&body)?).await?)
            }
            .await,
        )
    })
}

fn last_seen_route() -> MethodRouter<AppState> {
    get(|ApiCtx(c): ApiCtx, p: Result<Path<i64>, _>| async move {
        reply(
            async {
                let id = path_id(p)?;
                app::ssr::services::objects::get(&c, app::schema::Kind::Device.res(), id).await?;
                ok(&json!({"results": dashboard::last_seen(&c, id).await?}))
            }
            .await,
        )
    })
}

// --- OpenAPI ------------------------------------------------------------------------------------

fn date_param(name: &str, desc: &str) -> Value {
    qparam(name, json!({"type": "string", "format": "date"}), desc)
}

/// `schema` or null (OpenAPI 3.0).
fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn get_op(
    tag: &str,
    id: &str,
    summary: &str,
    params: Vec<Value>,
    schema: &str,
) -> Vec<(&'static str, Value)> {
    vec![(
        "get",
        op(
            tag,
            id,
            summary,
            params,
            None,
            ("200", resp(summary, Some(r(schema)))),
            &["400", "401"],
        ),
    )]
}

/// Every endpoint: (path, handler, operations).
/// A path, its handler and its documented operations.
pub type Endpoint = (
    &'static str,
    MethodRouter<AppState>,
    Vec<(&'static str, Value)>,
);

pub fn endpoints() -> Vec<Endpoint> {
    let dash = "Dashboard";
    let cmp = || {
        vec![
            date_param(
                "date",
                "the day to show (default: the latest collected day)",
            ),
            date_param(
                "against",
                "the day to compare with (default: the last month-end before `date`)",
            ),
        ]
    };
    let mut device_params = vec![
        date_param("date", "the collected day (default: the latest)"),
        qparam(
            "source",
            json!({"type": "string", "enum": source_ids()}),
            "source",
        ),
        qparam(
            "classification",
            json!({"type": "string", "enum": ["server", "workstation", "virtual_machine", "hypervisor", "network", "mobile", "other"]}),
            "classification",
        ),
        qparam(
            "site_id",
            json!({"type": "string"}),
            "a site id, or `null` for unmapped devices",
        ),
        qparam(
            "spare",
            json!({"type": "boolean"}),
            "spare devices only (or not)",
        ),
        qparam(
            "billable",
            json!({"type": "boolean"}),
            "billable devices only (or not)",
        ),
        qparam(
            "covered",
            json!({"type": "boolean"}),
            "false: devices the other source did not see that day",
        ),
        qparam(
            "q",
            json!({"type": "string"}),
            "host name, display name, serial, organisation, IP or MAC contains",
        ),
        qparam(
            "format",
            json!({"type": "string", "enum": ["json", "csv", "jsonl"], "default": "json"}),
            "csv or jsonl (JSON Lines): every matching row, paging ignored",
        ),
    ];
    device_params.extend(paging());
    let mut job_params = vec![
        qparam(
            "kind",
            json!({"type": "string", "enum": kind_ids()}),
            "kind",
        ),
        qparam(
            "status",
            json!({"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]}),
            "status",
        ),
    ];
    job_params.extend(paging());
    let source_path = json!({"name": "source", "in": "path", "required": true, "schema": {"type": "string", "enum": source_ids()}});
    vec![
        (
            "/api/v1/dashboard/today",
            dashboard_route("today"),
            get_op(
                dash,
                "dashboard_today",
                "Today's figures (the latest collected day), overall and per site",
                vec![],
                "Today",
            ),
        ),
        (
            "/api/v1/dashboard/comparison",
            dashboard_route("comparison"),
            get_op(
                dash,
                "dashboard_comparison",
                "A day's figures against another (default: today against last month-end)",
                cmp(),
                "Comparison",
            ),
        ),
        (
            "/api/v1/dashboard/sites",
            dashboard_route("sites"),
            get_op(
                dash,
                "dashboard_sites",
                "Per-site figures on two days with their change",
                cmp(),
                "SiteBreakdown",
            ),
        ),
        (
            "/api/v1/dashboard/coverage",
            dashboard_route("coverage"),
            get_op(
                dash,
                "dashboard_coverage",
                "Devices seen by one source and not the other, per site",
                vec![date_param(
                    "date",
                    "the collected day (default: the latest)",
                )],
                "Coverage",
            ),
        ),
        (
            "/api/v1/dashboard/dates",
            dashboard_route("dates"),
            get_op(
                dash,
                "dashboard_dates",
                "The collected days that can be shown and compared",
                vec![],
                "Dates",
            ),
        ),
        (
            "/api/v1/dashboard/devices",
            devices_route(),
            vec![(
                "get",
                op(
                    dash,
                    "dashboard_devices",
                    "The devices the sources reported on a day",
                    device_params,
                    None,
                    (
                        "200",
                        json!({"description": "a page of devices, or every matching one as CSV or JSON Lines", "content": {
                            "application/json": {"schema": r("SnapshotList")},
                            "text/csv": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}}
                        }}),
                    ),
                    &["400", "401"],
                ),
            )],
        ),
        (
            "/api/v1/jobs/",
            jobs_collection(),
            vec![
                (
                    "get",
                    op(
                        "Jobs",
                        "list_jobs",
                        "Job runs, newest first",
                        job_params,
                        None,
                        ("200", resp("runs", Some(r("JobList")))),
                        &["400", "401"],
                    ),
                ),
                (
                    "post",
                    op(
                        "Jobs",
                        "start_job",
                        "Start a run now (editors; retention: admins)",
                        vec![],
                        Some(json_body(r("JobStart"))),
                        ("202", resp("queued", Some(r("Job")))),
                        &["400", "401", "403", "409"],
                    ),
                ),
            ],
        ),
        (
            "/api/v1/jobs/{id}",
            job_member(),
            vec![(
                "get",
                op(
                    "Jobs",
                    "get_job",
                    "A run with its log",
                    vec![id_param("job run")],
                    None,
                    ("200", resp("the run", Some(r("JobDetail")))),
                    &["401", "404"],
                ),
            )],
        ),
        (
            "/api/v1/jobs/{id}/cancel",
            job_cancel(),
            vec![(
                "post",
                op(
                    "Jobs",
                    "cancel_job",
                    "Cancel a queued or running run",
                    vec![id_param("job run")],
                    None,
                    ("200", resp("the run", Some(r("Job")))),
                    &["401", "403", "404", "409"],
                ),
            )],
        ),
        (
            "/api/v1/sources/",
            sources_collection(),
            vec![(
                "get",
                op(
                    "Sources",
                    "list_sources",
                    "Each source's configuration (secrets masked), last run and freshness",
                    vec![],
                    None,
                    (
                        "200",
                        resp(
                            "sources",
                            Some(
                                json!({"type": "object", "properties": {"results": {"type": "array", "items": r("SourceStatus")}}}),
                            ),
                        ),
                    ),
                    &["401"],
                ),
            )],
        ),
        (
            "/api/v1/sources/{source}/test",
            source_test(),
            vec![(
                "post",
                op(
                    "Sources",
                    "test_source",
                    "Test a source's connection and credentials",
                    vec![source_path],
                    None,
                    ("200", resp("the outcome", Some(r("ConnectionTest")))),
                    &["401", "403", "404"],
                ),
            )],
        ),
        (
            "/api/v1/site-mappings/",
            mappings_collection(),
            vec![(
                "get",
                op(
                    "Site mapping",
                    "list_site_mappings",
                    "Source organisation and location names and the sites they map to",
                    vec![qparam(
                        "source",
                        json!({"type": "string", "enum": source_ids()}),
                        "source",
                    )],
                    None,
                    (
                        "200",
                        resp(
                            "names",
                            Some(
                                json!({"type": "object", "properties": {"count": {"type": "integer"}, "results": {"type": "array", "items": r("SiteMapping")}}}),
                            ),
                        ),
                    ),
                    &["400", "401"],
                ),
            )],
        ),
        (
            "/api/v1/site-mappings/{id}",
            mapping_member(),
            vec![(
                "patch",
                op(
                    "Site mapping",
                    "set_site_mapping",
                    "Map a source name to a site (null: back to automatic); recorded history follows",
                    vec![id_param("site mapping")],
                    Some(json_body(
                        json!({"type": "object", "required": ["site_id"], "properties": {"site_id": {"type": "integer", "nullable": true}}}),
                    )),
                    ("200", resp("the mapping", Some(r("SiteMapping")))),
                    &["400", "401", "403", "404"],
                ),
            )],
        ),
        (
            "/api/v1/settings/history",
            settings_route(),
            vec![
                (
                    "get",
                    op(
                        "Settings",
                        "get_history_settings",
                        "Spare patterns and retention periods",
                        vec![],
                        None,
                        ("200", resp("settings", Some(r("HistorySettings")))),
                        &["401"],
                    ),
                ),
                (
                    "patch",
                    op(
                        "Settings",
                        "set_history_settings",
                        "Change spare patterns and retention periods (admins)",
                        vec![],
                        Some(json_body(r("HistorySettings"))),
                        ("200", resp("settings", Some(r("HistorySettings")))),
                        &["400", "401", "403"],
                    ),
                ),
            ],
        ),
        (
            "/api/v1/devices/{id}/last-seen",
            last_seen_route(),
            vec![(
                "get",
                op(
                    "Devices",
                    "device_last_seen",
                    "When NinjaOne and ThreatLocker last reported a device",
                    vec![id_param("device")],
                    None,
                    (
                        "200",
                        resp(
                            "last sightings",
                            Some(
                                json!({"type": "object", "properties": {"results": {"type": "array", "items": r("LastSeen")}}}),
                            ),
                        ),
                    ),
                    &["401", "404"],
                ),
            )],
        ),
    ]
}

/// Every source id, for the OpenAPI document.
fn source_ids() -> Vec<&'static str> {
    Source::ALL.iter().map(|s| s.as_str()).collect()
}

/// Every job kind, for the OpenAPI document.
fn kind_ids() -> Vec<String> {
    JobKind::all().into_iter().map(JobKind::as_str).collect()
}

/// The job kinds as a sentence for messages: `collect_ninja, …, rollup or retention`.
fn kind_choices() -> String {
    app::model::history::phrase(&kind_ids(), "or")
}

/// The schemas of these endpoints.
pub fn schemas(spec: &mut Spec) {
    let int = json!({"type": "integer"});
    let totals: serde_json::Map<String, Value> = app::model::history::Totals::keys()
        .into_iter()
        .map(|k| (k, int.clone()))
        .collect();
    let date =
        json!({"type": "string", "nullable": true, "description": "YYYY-MM-DDT00:00:00+00:00"});
    spec.schema("Totals", json!({"type": "object", "properties": totals}));
    let mut site = totals.clone();
    site.insert(
        "site_id".into(),
        json!({"type": "integer", "nullable": true}),
    );
    site.insert("site_name".into(), json!({"type": "string"}));
    spec.schema("SiteTotals", json!({"type": "object", "properties": site}));
    spec.schema("Today", json!({"type": "object", "properties": {
        "date": date, "totals": r("Totals"), "sites": {"type": "array", "items": r("SiteTotals")}, "site_count": int}}));
    spec.schema("Change", json!({"type": "object", "properties": {
        "current": int, "previous": int, "change": int, "change_percent": {"type": "number", "nullable": true}}}));
    let changes: serde_json::Map<String, Value> = app::model::history::Totals::keys()
        .into_iter()
        .map(|k| (k, r("Change")))
        .collect();
    spec.schema("Comparison", json!({"type": "object", "properties": {
        "today_date": date, "last_month_end_date": date, "today_totals": r("Totals"), "last_month_totals": r("Totals"),
        "changes": {"type": "object", "properties": changes}}}));
    spec.schema("SiteBreakdown", json!({"type": "object", "properties": {
        "date": date, "against": date, "sites": {"type": "array", "items": {"type": "object", "properties": {
            "site_id": {"type": "integer", "nullable": true}, "site_name": {"type": "string"},
            "current": r("Totals"), "previous": r("Totals"), "change": int,
            "change_percent": {"type": "number", "nullable": true}}}}}}));
    let mut coverage_row = serde_json::Map::new();
    coverage_row.insert(
        "site_id".into(),
        json!({"type": "integer", "nullable": true}),
    );
    coverage_row.insert("site_name".into(), json!({"type": "string"}));
    for s in Source::ALL {
        coverage_row.insert(format!("{}_only", s.as_str()), int.clone());
    }
    coverage_row.insert("both".into(), int.clone());
    spec.schema("Coverage", json!({"type": "object", "properties": {
        "date": date, "available": {"type": "boolean"}, "reason": {"type": "string", "nullable": true},
        "sites": {"type": "array", "items": {"type": "object", "properties": coverage_row}}}}));
    spec.schema("Dates", json!({"type": "object", "properties": {"dates": {"type": "array", "items": {"type": "string", "format": "date"}}}}));
    let s = json!({"type": "string", "nullable": true});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    spec.schema("Snapshot", json!({"type": "object", "properties": {
        "id": int, "date": {"type": "string", "format": "date"}, "source": {"type": "string", "enum": source_ids()},
        "external_id": {"type": "string"}, "hostname": s, "display_name": s, "site_id": {"type": "integer", "nullable": true},
        "site_name": {"type": "string"}, "org_name": {"type": "string"}, "location_name": {"type": "string"}, "node_class": s,
        "classification": {"type": "string"}, "is_spare": {"type": "boolean"}, "is_billable": {"type": "boolean"},
        "os_name": s, "serial": s, "mac_addresses": strings, "ip_addresses": strings, "last_contact": s,
        "device_id": {"type": "integer", "nullable": true}, "covered": {"type": "boolean"}}}));
    let mut list = list_schema("Snapshot");
    list["properties"]["date"] = date.clone();
    spec.schema("SnapshotList", list);
    spec.schema("Job", json!({"type": "object", "properties": {
        "id": int, "kind": {"type": "string"}, "params": {"type": "object"}, "trigger": {"type": "string", "enum": ["schedule", "user", "cli"]},
        "requested_by": {"type": "string"}, "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
        "progress_done": int, "progress_total": {"type": "integer", "nullable": true}, "progress_message": s,
        "result": {"type": "object", "nullable": true}, "error": s, "cancel_requested": {"type": "boolean"},
        "queued_at": {"type": "string"}, "started_at": s, "finished_at": s, "duration_secs": {"type": "number", "nullable": true}}}));
    spec.schema("JobList", list_schema("Job"));
    spec.schema("JobDetail", json!({"type": "object", "properties": {"job": r("Job"), "logs": {"type": "array", "items": {"type": "object", "properties": {
        "time": {"type": "string"}, "level": {"type": "string"}, "message": {"type": "string"}}}}}}));
    spec.schema("JobStart", json!({"type": "object", "required": ["kind"], "additionalProperties": false, "properties": {
        "kind": {"type": "string", "enum": kind_ids()},
        "params": {"type": "object", "description": "collections and retention: as_of (YYYY-MM-DD); rollup: from, to"}}}));
    spec.schema("SourceStatus", json!({"type": "object", "properties": {
        "source": {"type": "string"}, "label": {"type": "string"}, "configured": {"type": "boolean"},
        "settings": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
        "schedule": s, "timezone": {"type": "string"}, "last_run": nullable(r("Job")), "last_success": nullable(r("Job")),
        "devices_collected": {"type": "integer", "nullable": true},
        "freshness": {"type": "string", "enum": ["fresh", "amber", "red", "never"]}, "age_hours": {"type": "number", "nullable": true}}}));
    spec.schema(
        "ConnectionTest",
        json!({"type": "object", "properties": {
        "source": {"type": "string"}, "ok": {"type": "boolean"}, "message": {"type": "string"}}}),
    );
    spec.schema("SiteMapping", json!({"type": "object", "properties": {
        "id": int, "source": {"type": "string"}, "org_name": {"type": "string"}, "location_name": {"type": "string"},
        "site_id": {"type": "integer", "nullable": true}, "site_name": s, "method": {"type": "string", "nullable": true, "enum": ["auto", "manual", null]},
        "effective_site_id": {"type": "integer", "nullable": true}, "effective_site_name": {"type": "string"},
        "device_count": int, "first_seen": {"type": "string", "format": "date"}, "last_seen": {"type": "string", "format": "date"}}}));
    spec.schema("HistorySettings", json!({"type": "object", "properties": {
        "extra_spare_patterns": strings, "daily_retention_days": int, "month_end_retention_months": int, "raw_retention_days": int}}));
    spec.schema("LastSeen", json!({"type": "object", "properties": {
        "source": {"type": "string"}, "date": {"type": "string", "format": "date"}, "hostname": s, "last_contact": s}}));
}
