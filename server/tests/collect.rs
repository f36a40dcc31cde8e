//! Collectors and the job runner against mock NinjaOne and ThreatLocker servers that speak the
//! reference wire formats: the snapshots a run produces, token reuse and renewal, paging in
//! both ThreatLocker header forms, retries on 429/500/timeouts, clear failures that leave
//! earlier data intact, cancellation, schedules, and the dashboard REST API on top. SQLite
//! always, PostgreSQL when `CENSUS_TEST_POSTGRES_URL` is set.

use app::model::history::*;
use app::ssr::services::Ctx;
use app::ssr::services::history::dashboard;
use app::ssr::services::jobs::{self, Trigger};
use app::ssr::sources::ninja::NinjaSettings;
use app::ssr::sources::threatlocker::ThreatLockerSettings;
use app::ssr::sources::{BaseUrl, HttpPolicy, Secret, SettingType};
use app::ssr::testing::{self, TestDb};
use chrono::NaiveDate;
use serde_json::{Value, json};
use server::config::JobsConfig;
use server::jobs::Runner;
use server::mock::ninja::{NinjaMock, NinjaOptions};
use server::mock::threatlocker::{PagingHeaders, ThreatLockerMock, ThreatLockerOptions};
use server::mock::{Fault, ninja, threatlocker};
use std::time::Duration;

fn policy() -> HttpPolicy {
    HttpPolicy {
        timeout: Duration::from_millis(800),
        attempts: 4,
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
        page_size: 10,
    }
}

fn url(u: &str) -> BaseUrl {
    BaseUrl::parse("url", u).unwrap()
}

fn ninja_cfg(m: &NinjaMock, secret: &str) -> NinjaSettings {
    NinjaSettings {
        url: url(m.url()),
        client_id: "census-test".into(),
        client_secret: Secret::new(secret),
        scope: "monitoring".into(),
    }
}

fn tl_cfg(m: &ThreatLockerMock, key: &str, org: Option<String>) -> ThreatLockerSettings {
    ThreatLockerSettings {
        url: url(m.url()),
        api_key: Secret::new(key),
        org_id: org,
    }
}

/// The jobs configuration with these sources configured.
fn jobs_config(ninja: Option<NinjaSettings>, tl: Option<ThreatLockerSettings>) -> JobsConfig {
    let mut c = JobsConfig::default();
    if let Some(n) = ninja {
        c = c.with(Source::Ninja, n);
    }
    if let Some(t) = tl {
        c = c.with(Source::Threatlocker, t);
    }
    c
}

fn runner(t: &TestDb, ninja: Option<NinjaSettings>, tl: Option<ThreatLockerSettings>) -> Runner {
    let mut r = Runner::new(t.db.clone(), jobs_config(ninja, tl));
    r.policy = policy();
    r
}

const DAY: &str = "2026-08-28";

/// Queue a collection for DAY and run it to the end.
async fn collect(r: &Runner, kind: JobKind) -> JobDetail {
    let ctx = Ctx::system(r.db.clone(), "test");
    let job = r
        .enqueue(&ctx, kind, json!({"as_of": DAY}), Trigger::User, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.drain().await, 1);
    jobs::get(&ctx, job.id).await.unwrap()
}

async fn snapshot_rows(
    t: &TestDb,
    source: &str,
) -> Vec<(
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    bool,
)> {
    use app::ssr::entities::snapshot;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    snapshot::Entity::find()
        .filter(snapshot::Column::Source.eq(Source::parse(source).unwrap()))
        .order_by_asc(snapshot::Column::ExternalId)
        .all(&t.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.external_id,
                r.hostname,
                r.serial,
                r.org_name,
                r.location_name,
                r.classification.as_str().to_string(),
                r.is_spare,
            )
        })
        .collect()
}

/// Every stored list of MAC addresses that is not empty.
async fn snapshot_rows_macs(t: &TestDb) -> Vec<String> {
    use app::ssr::entities::snapshot;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    snapshot::Entity::find()
        .filter(snapshot::Column::MacAddresses.ne(""))
        .all(&t.db.conn)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.mac_addresses)
        .collect()
}

fn log_text(d: &JobDetail) -> String {
    d.logs
        .iter()
        .map(|l| format!("{} {}\n", l.level.as_str(), l.message))
        .collect()
}

async fn ninja_collection_snapshots_token_reuse_and_renewal(t: &TestDb) {
    let data = ninja::generate(3, 25);
    let mock = NinjaMock::start(data.clone(), NinjaOptions::default())
        .await
        .unwrap();
    let r = runner(t, Some(ninja_cfg(&mock, "s3cret-ninja")), None);
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert_eq!(
        d.job.status,
        JobStatus::Succeeded,
        "{}: {:?} {}",
        t.backend,
        d.job.error,
        log_text(&d)
    );
    assert_eq!(d.job.result.as_ref().unwrap()["devices"], 25);
    // Keyset paging: 25 devices in pages of 10 → after=… twice, then a short page.
    assert_eq!(mock.faults.count("/v2/devices-detailed"), 3);
    assert!(mock.faults.requests().iter().any(|p| p.contains("after=")));
    assert_eq!(mock.token_requests(), 1);

    // Every device became exactly one snapshot with the expected fields.
    let rows = snapshot_rows(t, "ninja").await;
    assert_eq!(rows.len(), 25);
    let orgs: std::collections::HashMap<i64, String> = data
        .organizations
        .iter()
        .map(|o| {
            (
                o["id"].as_i64().unwrap(),
                o["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let locs: std::collections::HashMap<i64, String> = data
        .locations
        .iter()
        .map(|o| {
            (
                o["id"].as_i64().unwrap(),
                o["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for dev in &data.devices {
        let id = dev["id"].to_string();
        let row = rows.iter().find(|r| r.0 == id).unwrap();
        assert_eq!(row.3, orgs[&dev["organizationId"].as_i64().unwrap()]);
        assert_eq!(
            row.4,
            locs.get(&dev["locationId"].as_i64().unwrap())
                .cloned()
                .unwrap_or_default()
        );
        let class = dev["nodeClass"].as_str().unwrap();
        assert_eq!(
            row.5,
            app::ssr::services::history::rules::classify_ninja(class).as_str()
        );
        let name = dev["displayName"].as_str().unwrap_or("").to_lowercase();
        let spare = class == "VMWARE_VM_GUEST"
            || name.contains("spare")
            || row.4.to_lowercase().contains("spare");
        assert_eq!(row.6, spare, "spare rule for {id}");
        let serial = dev["system"]["serialNumber"]
            .as_str()
            .or(dev["system"]["biosSerialNumber"].as_str());
        if let Some(s) = serial {
            assert_eq!(row.2.as_deref(), Some(s));
        }
    }
    // MAC addresses are stored normalised (lower-case colon form).
    let macs: Vec<String> = snapshot_rows_macs(t).await;
    assert!(!macs.is_empty());
    for m in macs {
        assert_eq!(m, m.to_lowercase());
    }

    // The token is reused by the next run...
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert_eq!(d.job.status, JobStatus::Succeeded);
    assert_eq!(mock.token_requests(), 1);
    // ...and renewed once when NinjaOne stops accepting it.
    mock.expire_tokens();
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert_eq!(d.job.status, JobStatus::Succeeded, "{}", log_text(&d));
    assert_eq!(mock.token_requests(), 2);
    assert!(log_text(&d).contains("signing in again"));
    // Re-running the day replaced its rows.
    assert_eq!(snapshot_rows(t, "ninja").await.len(), 25);
    mock.server.stop();
}

async fn ninja_retries_and_failures_leave_earlier_data_intact(t: &TestDb) {
    let mock = NinjaMock::start(ninja::generate(2, 15), NinjaOptions::default())
        .await
        .unwrap();
    let r = runner(t, Some(ninja_cfg(&mock, "s3cret-ninja")), None);
    // 429 with Retry-After, a 500, and a response slower than the timeout are retried.
    mock.faults.push(
        "/v2/devices-detailed",
        Fault::Status {
            code: 429,
            retry_after: Some(1),
        },
    );
    mock.faults.push(
        "/v2/devices-detailed",
        Fault::Status {
            code: 500,
            retry_after: None,
        },
    );
    mock.faults.push("/v2/locations", Fault::Delay(2000));
    let started = std::time::Instant::now();
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert_eq!(d.job.status, JobStatus::Succeeded, "{}", log_text(&d));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let log = log_text(&d);
    assert!(
        log.contains("answered 429") && log.contains("answered 500") && log.contains("timed out"),
        "{log}"
    );
    let before = snapshot_rows(t, "ninja").await;
    assert_eq!(before.len(), 15);

    // Malformed JSON, a changed shape, endless 503s and bad credentials fail the run
    // clearly, and the day's earlier snapshots stay exactly as they were.
    let unavailable = Fault::Status {
        code: 503,
        retry_after: None,
    };
    let cases = [
        (
            "/v2/devices-detailed",
            Fault::Malformed,
            1,
            "malformed JSON",
        ),
        (
            "/v2/organizations",
            Fault::WrongShape,
            1,
            "API may have changed",
        ),
        ("/v2/devices-detailed", unavailable, 4, "4 times in a row"),
    ];
    for (path, fault, times, expect) in cases {
        mock.faults.push_n(path, fault, times);
        let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
        assert_eq!(d.job.status, JobStatus::Failed);
        let err = d.job.error.clone().unwrap();
        assert!(err.contains(expect), "{err}");
        assert_eq!(snapshot_rows(t, "ninja").await, before);
    }
    let bad = runner(t, Some(ninja_cfg(&mock, "wrong-secret")), None);
    let d = collect(&bad, JobKind::Collect(Source::Ninja)).await;
    let err = d.job.error.clone().unwrap();
    assert!(err.contains("refused the credentials (401)"), "{err}");
    // Secrets appear nowhere: not in errors, logs or snapshots.
    for text in [err, log_text(&d)] {
        assert!(!text.contains("wrong-secret") && !text.contains("s3cret-ninja"));
    }
    assert_eq!(
        testing::number(
            &t.db.conn,
            "SELECT COUNT(*) FROM job_logs WHERE message LIKE '%s3cret%'"
        )
        .await,
        0
    );
    // Rate limits asking for more than the policy allows stop the run at once.
    mock.faults.push(
        "/v2/organizations",
        Fault::Status {
            code: 429,
            retry_after: Some(3600),
        },
    );
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert!(d.job.error.unwrap().contains("3600 s"));
    // An empty estate is a valid answer.
    mock.set_data(ninja::NinjaData::default());
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert_eq!(d.job.status, JobStatus::Succeeded);
    assert_eq!(d.job.result.unwrap()["devices"], 0);
    mock.server.stop();
}

/// A ThreatLocker collection with paging totals reported as `paging` says, counting requests
/// from zero; it must succeed.
async fn collect_paged(r: &Runner, mock: &ThreatLockerMock, paging: PagingHeaders) -> JobDetail {
    mock.set_paging(paging);
    mock.faults.reset_requests();
    let d = collect(r, JobKind::Collect(Source::Threatlocker)).await;
    assert_eq!(
        d.job.status,
        JobStatus::Succeeded,
        "{paging:?}: {}",
        log_text(&d)
    );
    d
}

async fn threatlocker_paging_in_both_header_forms_and_auth(t: &TestDb) {
    let data = threatlocker::generate(3, 20);
    let mock = ThreatLockerMock::start(data.clone(), ThreatLockerOptions::default())
        .await
        .unwrap();
    let r = runner(t, None, Some(tl_cfg(&mock, "tl-key-123", None)));
    // With a total in the headers, paging stops at the last page; without, at a short one.
    for (paging, pages) in [
        (PagingHeaders::Json, 2),
        (PagingHeaders::Separate, 2),
        (PagingHeaders::Both, 2),
        (PagingHeaders::None, 3),
    ] {
        collect_paged(&r, &mock, paging).await;
        assert_eq!(
            mock.faults.count("ComputerGetByAllParameters"),
            pages,
            "{paging:?}"
        );
        assert_eq!(snapshot_rows(t, "threatlocker").await.len(), 20);
    }
    let rows = snapshot_rows(t, "threatlocker").await;
    for c in &data.computers {
        let id = c["computerId"].as_str().unwrap().to_lowercase();
        let row = rows.iter().find(|r| r.0 == id).unwrap();
        assert_eq!(row.3, c["organization"].as_str().unwrap());
        let os = c["operatingSystem"].as_str().unwrap();
        let expect =
            app::ssr::services::history::rules::classify_threatlocker(os, c["osType"].as_i64());
        assert_eq!(row.5, expect.as_str());
        assert_eq!(row.2.as_deref(), c["serialNumber"].as_str());
    }
    // A managed organisation limits the run to it.
    let child = threatlocker::org_guid(1);
    let r2 = runner(
        t,
        None,
        Some(tl_cfg(&mock, "tl-key-123", Some(child.clone()))),
    );
    let d = collect(&r2, JobKind::Collect(Source::Threatlocker)).await;
    let expected = data
        .computers
        .iter()
        .filter(|c| c["organizationId"] == json!(child))
        .count();
    assert_eq!(d.job.result.unwrap()["devices"], expected as i64);
    // A wrong key: a clear 401; a 500 with ThreatLocker's error body is retried.
    let bad = runner(t, None, Some(tl_cfg(&mock, "nope", None)));
    let d = collect(&bad, JobKind::Collect(Source::Threatlocker)).await;
    assert!(d.job.error.unwrap().contains("(401)"));
    mock.faults.push(
        "ComputerGetByAllParameters",
        Fault::Status {
            code: 500,
            retry_after: None,
        },
    );
    let d = collect(&r, JobKind::Collect(Source::Threatlocker)).await;
    assert_eq!(d.job.status, JobStatus::Succeeded);
    mock.server.stop();
}

/// The short-page fault: a ThreatLocker that serves 2 computers per page whatever `pageSize`
/// asks, while its headers announce `totalPages: 3, totalItems: 5`. Paging follows the
/// announcement past the short pages; a run that reads fewer rows than announced fails and
/// saves nothing.
async fn threatlocker_short_pages_follow_announced_totals(t: &TestDb) {
    let data = threatlocker::generate(1, 5);
    let live = data
        .computers
        .iter()
        .filter(|c| c["isDeleted"] != json!(true))
        .count();
    assert_eq!(live, 5, "the generator made deleted computers");
    let mock = ThreatLockerMock::start(data, ThreatLockerOptions::default())
        .await
        .unwrap();
    mock.set_max_page_size(Some(2));
    let r = runner(t, None, Some(tl_cfg(&mock, "tl-key-123", None)));
    for paging in [
        PagingHeaders::Json,
        PagingHeaders::Separate,
        PagingHeaders::Both,
    ] {
        let d = collect_paged(&r, &mock, paging).await;
        assert_eq!(d.job.result.as_ref().unwrap()["devices"], 5, "{paging:?}");
        assert_eq!(
            mock.faults.count("ComputerGetByAllParameters"),
            3,
            "{paging:?}"
        );
        assert_eq!(snapshot_rows(t, "threatlocker").await.len(), 5);
    }
    // The list runs dry after the first page (an empty second page): 2 of the 5 announced
    // computers arrived, so the run fails and the day keeps its earlier snapshots.
    let before = snapshot_rows(t, "threatlocker").await;
    mock.faults
        .push("ComputerGetByAllParameters", Fault::Delay(0));
    mock.faults.push("ComputerGetByAllParameters", Fault::Empty);
    let d = collect(&r, JobKind::Collect(Source::Threatlocker)).await;
    assert_eq!(d.job.status, JobStatus::Failed, "{}", log_text(&d));
    assert_eq!(
        d.job.error.as_deref(),
        Some("ThreatLocker announced 5 computers but sent 2; nothing was saved.")
    );
    assert_eq!(snapshot_rows(t, "threatlocker").await, before);
    // Without the cap the same server pages normally again.
    mock.set_max_page_size(None);
    mock.faults.reset_requests();
    let d = collect(&r, JobKind::Collect(Source::Threatlocker)).await;
    assert_eq!(d.job.status, JobStatus::Succeeded, "{}", log_text(&d));
    assert_eq!(mock.faults.count("ComputerGetByAllParameters"), 1);
    mock.server.stop();
}

/// A source that is not configured fails its runs with the variables to set (derived from the
/// declarations), and its connection test says the same.
async fn unconfigured_sources_name_their_variables(t: &TestDb) {
    let r = runner(t, None, None);
    let d = collect(&r, JobKind::Collect(Source::Ninja)).await;
    assert_eq!(
        d.job.error.as_deref(),
        Some(
            "NinjaOne is not configured: set CENSUS_NINJA_URL, CENSUS_NINJA_CLIENT_ID and CENSUS_NINJA_CLIENT_SECRET."
        )
    );
    assert_eq!(
        r.test(Source::Threatlocker).await,
        Err(server::jobs::JobError::Failed(
            "ThreatLocker is not configured: set CENSUS_THREATLOCKER_URL and CENSUS_THREATLOCKER_API_KEY."
                .into()
        ))
    );
}

#[tokio::test]
async fn cancelling_a_running_collection_saves_nothing() {
    let t = testing::sqlite().await;
    let mock = NinjaMock::start(ninja::generate(2, 30), NinjaOptions::default())
        .await
        .unwrap();
    let mut r = runner(&t, Some(ninja_cfg(&mock, "s3cret-ninja")), None);
    r.policy.timeout = Duration::from_secs(10);
    mock.faults.push("after=", Fault::Delay(2500));
    let ctx = Ctx::system(t.db.clone(), "test");
    let job = r
        .enqueue(
            &ctx,
            JobKind::Collect(Source::Ninja),
            json!({}),
            Trigger::User,
            None,
        )
        .await
        .unwrap()
        .unwrap();
    let worker = {
        let r = r.clone();
        tokio::spawn(async move { r.drain().await })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    jobs::cancel(&ctx, job.id).await.unwrap();
    worker.await.unwrap();
    let d = jobs::get(&ctx, job.id).await.unwrap();
    assert_eq!(d.job.status, JobStatus::Cancelled, "{}", log_text(&d));
    assert!(snapshot_rows(&t, "ninja").await.is_empty());
    mock.server.stop();
    t.cleanup().await;
}

#[tokio::test]
async fn the_scheduler_runs_configured_collections() {
    let t = testing::sqlite().await;
    let mock = NinjaMock::start(ninja::generate(2, 12), NinjaOptions::default())
        .await
        .unwrap();
    let mut r = runner(&t, Some(ninja_cfg(&mock, "s3cret-ninja")), None);
    // The latest 00:00 slot is always due; retention off.
    let cfg = JobsConfig {
        schedule_retention: None,
        workers: 1,
        ..jobs_config(Some(ninja_cfg(&mock, "s3cret-ninja")), None)
    }
    .with_schedule(Source::Ninja, chrono::NaiveTime::from_hms_opt(0, 0, 0));
    r.config = std::sync::Arc::new(cfg);
    r.clone().spawn();
    let ctx = Ctx::system(t.db.clone(), "test");
    let mut done = None;
    for _ in 0..100 {
        let (_, ok) = jobs::latest(&t.db.conn, JobKind::Collect(Source::Ninja))
            .await
            .unwrap();
        if let Some(j) = ok {
            done = Some(j);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let j = done.expect("the scheduled run finished");
    assert_eq!(j.trigger, Trigger::Schedule);
    let (n, _) = jobs::list(
        &ctx,
        &jobs::JobFilter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(n, 1, "one run per slot");
    let today = dashboard::today(&ctx).await.unwrap();
    assert_eq!(today.totals.source(Source::Ninja), 12);
    mock.server.stop();
    t.cleanup().await;
}

// --- the REST API over collected data ----------------------------------------------------------

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut b = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    let req = match body {
        Some(v) => {
            b = b.header("content-type", "application/json");
            b.body(Body::from(v.to_string())).unwrap()
        }
        None => b.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())),
    )
}

async fn dashboard_and_jobs_through_rest(t: &TestDb) {
    let nm = NinjaMock::start(ninja::generate(3, 30), NinjaOptions::default())
        .await
        .unwrap();
    let tm = ThreatLockerMock::start(
        threatlocker::generate(3, 20),
        ThreatLockerOptions::default(),
    )
    .await
    .unwrap();
    let tok = testing::users_with_tokens(&t.db).await;
    let (_admin, editor, viewer) = (&tok[0], &tok[1], &tok[2]);
    let config = server::config::Config::defaults(
        "",
        jobs_config(
            Some(ninja_cfg(&nm, "s3cret-ninja")),
            Some(tl_cfg(&tm, "tl-key-123", None)),
        ),
    );
    let mut state = server::AppState::new(t.db.clone(), config);
    state.runner.policy = policy();
    let runner = state.runner.clone();
    let app = server::router(state);

    // Viewers cannot start runs; editors can; a second one while queued conflicts.
    let (s, _) = call(
        &app,
        "POST",
        "/api/v1/jobs/",
        viewer,
        Some(json!({"kind": "collect_ninja"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, body) = call(
        &app,
        "POST",
        "/api/v1/jobs/",
        editor,
        Some(json!({"kind": "collect_ninja", "params": {"as_of": DAY}})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let (s, _) = call(
        &app,
        "POST",
        "/api/v1/jobs/",
        editor,
        Some(json!({"kind": "collect_ninja"})),
    )
    .await;
    assert_eq!(s, 409);
    let (s, body) = call(
        &app,
        "POST",
        "/api/v1/jobs/",
        editor,
        Some(json!({"kind": "collect_ninja", "params": {"as_of": "yesterday"}})),
    )
    .await;
    assert_eq!(
        (s, body["fields"]["as_of"].is_array()),
        (400, true),
        "{body}"
    );
    let (s, _) = call(
        &app,
        "POST",
        "/api/v1/jobs/",
        editor,
        Some(json!({"kind": "collect_threatlocker", "params": {"as_of": DAY}})),
    )
    .await;
    assert_eq!(s, 202);
    assert_eq!(runner.drain().await, 2);
    let (s, list) = call(&app, "GET", "/api/v1/jobs/?status=succeeded", viewer, None).await;
    assert_eq!((s, list["count"].as_i64()), (200, Some(2)), "{list}");

    // The dashboard's figures equal the snapshots'.
    let (s, today) = call(&app, "GET", "/api/v1/dashboard/today", viewer, None).await;
    assert_eq!(s, 200);
    assert_eq!(today["date"], format!("{DAY}T00:00:00+00:00"));
    let totals = &today["totals"];
    let sql = |w: &str| format!("SELECT COUNT(*) FROM snapshots WHERE snapshot_date = '{DAY}' {w}");
    for (key, cond) in [
        ("total_devices", ""),
        ("servers", "AND classification = 'server'"),
        ("workstations", "AND classification = 'workstation'"),
        ("spare_devices", "AND is_spare = true"),
        ("billable_devices", "AND is_billable = true"),
        ("ninja_devices", "AND source = 'ninja'"),
        ("threatlocker_devices", "AND source = 'threatlocker'"),
    ] {
        let n = testing::number(&t.db.conn, &sql(cond)).await;
        assert_eq!(totals[key].as_i64(), Some(n), "{key} on {}", t.backend);
    }
    assert_eq!(totals["ninja_devices"], 30);
    assert_eq!(totals["threatlocker_devices"], 20);
    let keys: Vec<&String> = totals.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 7);
    let (_, cmp) = call(&app, "GET", "/api/v1/dashboard/comparison", viewer, None).await;
    assert_eq!(cmp["changes"]["total_devices"]["current"], 50);
    assert_eq!(cmp["last_month_end_date"], Value::Null);
    let (s, cmp) = call(
        &app,
        "GET",
        &format!("/api/v1/dashboard/comparison?date={DAY}&against={DAY}"),
        viewer,
        None,
    )
    .await;
    assert_eq!(
        (s, cmp["changes"]["total_devices"]["change"].as_i64()),
        (200, Some(0))
    );
    let (s, e) = call(
        &app,
        "GET",
        "/api/v1/dashboard/comparison?against=2020-01-01",
        viewer,
        None,
    )
    .await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = call(
        &app,
        "GET",
        "/api/v1/dashboard/sites?colour=red",
        viewer,
        None,
    )
    .await;
    assert_eq!(s, 400);
    // The dashboard's public contract, the same on both databases (reviewed in the diff when
    // it changes).
    for (name, path) in [
        ("dashboard_today", "/api/v1/dashboard/today"),
        ("dashboard_comparison", "/api/v1/dashboard/comparison"),
        ("dashboard_sites", "/api/v1/dashboard/sites"),
        ("dashboard_coverage", "/api/v1/dashboard/coverage"),
        ("dashboard_dates", "/api/v1/dashboard/dates"),
        ("dashboard_devices", "/api/v1/dashboard/devices?limit=3"),
    ] {
        let (s, body) = call(&app, "GET", path, viewer, None).await;
        assert_eq!(s, 200, "{path}: {body}");
        insta::assert_json_snapshot!(name, body, {
            ".results[].last_contact" => "[time]",
        });
    }
    // The mock's fleets overlap: ThreatLocker's computers are NinjaOne agents.
    let (_, cov) = call(&app, "GET", "/api/v1/dashboard/coverage", viewer, None).await;
    assert_eq!(cov["available"], true);
    let tl_only: i64 = cov["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["threatlocker_only"].as_i64().unwrap())
        .sum();
    assert_eq!(tl_only, 0, "{cov}");
    let (_, page) = call(
        &app,
        "GET",
        "/api/v1/dashboard/devices?source=threatlocker&limit=5",
        viewer,
        None,
    )
    .await;
    assert_eq!(
        (
            page["count"].as_i64(),
            page["results"].as_array().unwrap().len()
        ),
        (Some(20), 5)
    );
    assert!(
        page["next"]
            .as_str()
            .unwrap()
            .contains("source=threatlocker")
    );

    // Sources: configuration without secrets.
    let (_, src) = call(&app, "GET", "/api/v1/sources/", viewer, None).await;
    let text = src.to_string();
    assert!(
        !text.contains("s3cret-ninja") && !text.contains("tl-key-123"),
        "{text}"
    );
    assert_eq!(src["results"][0]["devices_collected"], 30);
    assert_eq!(src["results"][0]["freshness"], "fresh");
    let (s, test) = call(
        &app,
        "POST",
        "/api/v1/sources/threatlocker/test",
        editor,
        None,
    )
    .await;
    assert_eq!((s, test["ok"].as_bool()), (200, Some(true)), "{test}");
    let (s, _) = call(
        &app,
        "POST",
        "/api/v1/sources/threatlocker/test",
        viewer,
        None,
    )
    .await;
    assert_eq!(s, 403);

    // Mapping an organisation through the API moves its devices out of "Unmapped".
    let (_, maps) = call(
        &app,
        "GET",
        "/api/v1/site-mappings/?source=ninja",
        viewer,
        None,
    )
    .await;
    let first = maps["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["location_name"] == "")
        .unwrap()
        .clone();
    let (s, site) = call(
        &app,
        "POST",
        "/api/v1/sites/",
        editor,
        Some(json!({"name": "Mapped site"})),
    )
    .await;
    assert_eq!(s, 201, "{site}");
    let (s, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/site-mappings/{}", first["id"]),
        viewer,
        Some(json!({"site_id": site["id"]})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, m) = call(
        &app,
        "PATCH",
        &format!("/api/v1/site-mappings/{}", first["id"]),
        editor,
        Some(json!({"site_id": site["id"]})),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    let (_, sites) = call(&app, "GET", "/api/v1/dashboard/sites", viewer, None).await;
    let row = sites["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["site_id"] == site["id"])
        .unwrap();
    assert_eq!(row["current"]["ninja_devices"], first["device_count"]);
    nm.server.stop();
    tm.server.stop();
}

#[test]
fn dates_parse() {
    assert!(NaiveDate::parse_from_str(DAY, "%Y-%m-%d").is_ok());
}

app::db_tests!(
    ninja_collection_snapshots_token_reuse_and_renewal,
    ninja_retries_and_failures_leave_earlier_data_intact,
    threatlocker_paging_in_both_header_forms_and_auth,
    threatlocker_short_pages_follow_announced_totals,
    unconfigured_sources_name_their_variables,
    dashboard_and_jobs_through_rest,
);
