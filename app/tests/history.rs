//! The history hub's services on SQLite and (with `CENSUS_TEST_POSTGRES_URL`) PostgreSQL:
//! snapshots, site mapping and re-attribution, rollups (exact figures, idempotence,
//! month-ends), retention over 14 simulated months (day 65/66, month and leap-year
//! boundaries), coverage, settings and the job queue.
#![cfg(feature = "ssr")]

use app::model::Role;
use app::model::history::*;
use app::schema::Kind;
use app::ssr::services::history::snapshots::{SnapshotIn, write_day};
use app::ssr::services::history::{dashboard, mapping, retention, rollup, settings};
use app::ssr::services::jobs::{self, Trigger};
use app::ssr::services::{Actor, Ctx, objects};
use app::ssr::testing::{self, TestDb};
use chrono::{Duration, NaiveDate, Utc};
use serde_json::json;

fn ctx(t: &TestDb, role: Role) -> Ctx {
    Ctx::new(
        t.db.clone(),
        Actor {
            user_id: None,
            username: format!("{}-user", role.as_str()),
            role,
        },
        "req-history",
    )
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A device as a collector would hand it over.
fn dev(id: &str, host: &str, org: &str, loc: &str, class: Classification) -> SnapshotIn {
    SnapshotIn {
        external_id: id.into(),
        hostname: Some(host.into()),
        display_name: Some(host.into()),
        org_name: org.into(),
        location_name: loc.into(),
        node_class: None,
        classification: class,
        os_name: None,
        serial: Some(format!("SN-{host}")),
        mac_addresses: vec![],
        ip_addresses: vec![],
        last_contact: None,
        raw: json!({"id": id, "host": host}),
    }
}

async fn site(c: &Ctx, name: &str) -> i64 {
    objects::create(
        c,
        Kind::Site.res(),
        json!({"name": name}).as_object().unwrap().clone(),
    )
    .await
    .unwrap()
    .id
}

async fn count(c: &Ctx, sql: &str) -> i64 {
    testing::number(&c.db.conn, sql).await
}

/// A small estate: Fabrikam (maps to site "Fabrikam" automatically), Contoso (unmapped).
fn ninja_day() -> Vec<SnapshotIn> {
    use Classification::*;
    let mut v = vec![
        dev("1", "FS01", "Fabrikam Ltd", "HQ", Server),
        dev("2", "PC-01", "Fabrikam Ltd", "HQ", Workstation),
        dev("3", "PC-02", "Fabrikam Ltd", "Spare Stock", Workstation),
        dev("4", "app-vm", "Fabrikam Ltd", "HQ", VirtualMachine),
        dev("5", "C-PC-1", "Contoso Dental", "Main", Workstation),
    ];
    v[3].node_class = Some("VMWARE_VM_GUEST".into());
    v
}

fn tl_day() -> Vec<SnapshotIn> {
    use Classification::*;
    vec![
        dev("a", "fs01.corp.example", "Fabrikam Ltd", "Servers", Server),
        dev(
            "b",
            "SPARE-LAPTOP",
            "Contoso Dental",
            "Workstations",
            Workstation,
        ),
    ]
}

async fn collection_rollup_and_dashboard_figures_are_exact(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let fab = site(&c, "Fabrikam").await;
    let d = day("2026-03-15");
    let s = write_day(&c, Source::Ninja, d, ninja_day()).await.unwrap();
    assert_eq!(
        (s.devices, s.spare, s.unmapped_devices),
        (5, 2, 1),
        "{}",
        t.backend
    );
    write_day(&c, Source::Threatlocker, d, tl_day())
        .await
        .unwrap();

    let today = dashboard::today(&c).await.unwrap();
    assert_eq!(today.date.as_deref(), Some("2026-03-15T00:00:00+00:00"));
    assert_eq!(
        today.totals,
        Totals {
            total_devices: 7,
            servers: 2,
            workstations: 4,
            spare_devices: 3,
            billable_devices: 4,
            by_source: [(Source::Ninja, 5), (Source::Threatlocker, 2)].into(),
        },
        "{}",
        t.backend
    );
    assert_eq!(today.site_count, 1);
    let fab_row = today.sites.iter().find(|s| s.site_id == Some(fab)).unwrap();
    assert_eq!(fab_row.totals.total_devices, 5);
    let unmapped = today.sites.iter().find(|s| s.site_id.is_none()).unwrap();
    assert_eq!(
        (unmapped.site_name.as_str(), unmapped.totals.total_devices),
        ("Unmapped", 2)
    );

    // Coverage: FS01 is in both (host name matches after normalisation).
    let cov = dashboard::coverage(&c, None).await.unwrap();
    assert!(cov.available);
    let f = cov.sites.iter().find(|s| s.site_id == Some(fab)).unwrap();
    assert_eq!(
        (
            f.only[&Source::Ninja],
            f.only[&Source::Threatlocker],
            f.both
        ),
        (3, 0, 1)
    );

    // The device list filters.
    let pairs = |q: &str| app::ssr::services::query::pairs(q);
    let f = dashboard::DeviceFilter::parse(&pairs("spare=true"), 1000).unwrap();
    let page = dashboard::devices(&c, &f).await.unwrap();
    assert_eq!(page.count, 3);
    let f = dashboard::DeviceFilter::parse(&pairs("site_id=null&source=ninja"), 1000).unwrap();
    assert_eq!(dashboard::devices(&c, &f).await.unwrap().count, 1);
    let f =
        dashboard::DeviceFilter::parse(&pairs("covered=false&source=ninja&limit=2"), 1000).unwrap();
    let p = dashboard::devices(&c, &f).await.unwrap();
    assert_eq!((p.count, p.results.len(), p.next.is_some()), (4, 2, true));
    assert!(dashboard::DeviceFilter::parse(&pairs("colour=red"), 1000).is_err());

    // Running the same day again replaces it.
    let mut again = ninja_day();
    again.pop();
    write_day(&c, Source::Ninja, d, again).await.unwrap();
    let today = dashboard::today(&c).await.unwrap();
    assert_eq!(today.totals.source(Source::Ninja), 4);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM snapshots").await, 6);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM snapshot_raw").await, 6);
    // The list is in host name order (any case), pages follow it, and search finds a
    // location and a serial.
    let f = dashboard::DeviceFilter::parse(&pairs("limit=3"), 1000).unwrap();
    let first = dashboard::devices(&c, &f).await.unwrap();
    let f = dashboard::DeviceFilter::parse(&pairs("limit=3&offset=3"), 1000).unwrap();
    let second = dashboard::devices(&c, &f).await.unwrap();
    let names: Vec<String> = first
        .results
        .iter()
        .chain(&second.results)
        .map(|d| d.hostname.clone().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!((names.len(), &names), (6, &sorted), "{}", t.backend);
    for (q, n) in [
        ("q=SPARE+stock", 1),
        ("q=sn-fs01", 2),
        ("q=nothing-like-it", 0),
    ] {
        let f = dashboard::DeviceFilter::parse(&pairs(q), 1000).unwrap();
        assert_eq!(dashboard::devices(&c, &f).await.unwrap().count, n, "{q}");
    }

    // A viewer cannot write snapshots.
    let v = ctx(t, Role::Viewer);
    assert!(write_day(&v, Source::Ninja, d, ninja_day()).await.is_err());
}

async fn mapping_a_name_reattributes_history_and_month_ends(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let fab = site(&c, "Fabrikam").await;
    let days = [day("2026-01-31"), day("2026-02-27"), day("2026-03-01")];
    for d in days {
        write_day(&c, Source::Ninja, d, ninja_day()).await.unwrap();
    }
    let cmp = dashboard::comparison(&c, None, None).await.unwrap();
    assert_eq!(
        cmp.last_month_end_date.as_deref(),
        Some("2026-02-27T00:00:00+00:00")
    );
    let sites = dashboard::sites(&c, None, None).await.unwrap();
    let unmapped = sites.sites.iter().find(|s| s.site_id.is_none()).unwrap();
    assert_eq!(
        (
            unmapped.current.total_devices,
            unmapped.previous.total_devices
        ),
        (1, 1)
    );

    // Map Contoso to a new site: today's and the month-end's figures follow.
    let contoso = site(&c, "Contoso Main").await;
    let ids = mapping::ids_by_org(&c.db.conn, Source::Ninja, &["Contoso Dental"])
        .await
        .unwrap();
    let m = mapping::set(&c, ids["Contoso Dental"], Some(contoso))
        .await
        .unwrap();
    assert_eq!(
        (m.method.map(|x| x.as_str()), m.effective_site_id),
        (Some("manual"), Some(contoso))
    );
    let sites = dashboard::sites(&c, None, None).await.unwrap();
    assert!(
        sites.sites.iter().all(|s| s.site_id.is_some()),
        "{:?}",
        sites.sites
    );
    let row = sites
        .sites
        .iter()
        .find(|s| s.site_id == Some(contoso))
        .unwrap();
    assert_eq!(
        (row.current.total_devices, row.previous.total_devices),
        (1, 1)
    );

    // A location mapped on its own wins over its organisation.
    let spare_site = site(&c, "Warehouse").await;
    let all = mapping::list(&c, Some(Source::Ninja)).await.unwrap();
    let loc = all
        .iter()
        .find(|m| m.location_name == "Spare Stock")
        .unwrap();
    assert_eq!(loc.effective_site_id, Some(fab));
    mapping::set(&c, loc.id, Some(spare_site)).await.unwrap();
    let today = dashboard::today(&c).await.unwrap();
    let w = today
        .sites
        .iter()
        .find(|s| s.site_id == Some(spare_site))
        .unwrap();
    assert_eq!(w.totals.total_devices, 1);
    // Undoing it sends the location back to its organisation's site.
    mapping::set(&c, loc.id, None).await.unwrap();
    let today = dashboard::today(&c).await.unwrap();
    assert!(today.sites.iter().all(|s| s.site_id != Some(spare_site)));

    // Mapping to a missing site is a field error; viewers may not map; the change log has it.
    let e = mapping::set(&c, loc.id, Some(999_999)).await.unwrap_err();
    assert!(e.field_errors().contains_key("site_id"));
    assert!(
        mapping::set(&ctx(t, Role::Viewer), loc.id, None)
            .await
            .is_err()
    );
    assert!(count(&c, "SELECT COUNT(*) FROM change_log WHERE object_type = 'site_mapping' AND action = 'update'").await >= 3);
    // The change log names the site a mapping pointed at, under the label "Site".
    let log = app::ssr::services::changelog::list(
        &c,
        &app::ssr::services::changelog::ChangeFilter {
            object_type: Some("site_mapping".into()),
            object_id: Some(loc.id),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    let mapped = log
        .rows
        .iter()
        .find(|r| r.after.as_ref().and_then(|a| a["site_id"].as_i64()) == Some(spare_site))
        .expect("the mapping to the warehouse is in the change log");
    assert_eq!(mapped.field_label("site_id"), "Site");
    assert_eq!(
        mapped.shown("site_id", &spare_site.to_string()),
        vec![(
            "Warehouse".to_string(),
            Some(format!("/sites/{spare_site}"))
        )]
    );
    // A mapped site cannot be deleted while a mapping points at it.
    let e = objects::delete(&c, Kind::Site.res(), contoso)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("source mapping"), "{e}");
}

/// Every row of both rollup tables, for comparing before and after.
async fn rollups(c: &Ctx) -> Vec<String> {
    let mut out = vec![];
    use app::ssr::entities::{daily_count, month_end_count};
    use sea_orm::{EntityTrait, QueryOrder};
    let daily = daily_count::Entity::find()
        .order_by_asc(daily_count::Column::Id)
        .all(&c.db.conn)
        .await
        .unwrap();
    for r in daily {
        out.push(format!(
            "daily_counts {} {:?} {:?} {:?} {} {} {} {}",
            r.count_date,
            r.site_id,
            r.source,
            r.classification,
            r.total,
            r.spare,
            r.billable,
            r.uncovered
        ));
    }
    let months = month_end_count::Entity::find()
        .order_by_asc(month_end_count::Column::Id)
        .all(&c.db.conn)
        .await
        .unwrap();
    for r in months {
        out.push(format!(
            "month_end_counts {} {:?} {:?} {:?} {} {} {} {}",
            r.count_date,
            r.site_id,
            r.source,
            r.classification,
            r.total,
            r.spare,
            r.billable,
            r.uncovered
        ));
    }
    out.sort();
    out
}

async fn fourteen_months_of_history_retention_and_idempotent_rollups(t: &TestDb) {
    let c = ctx(t, Role::Admin);
    site(&c, "Fabrikam").await;
    // Daily collections from 2023-12-20 to 2025-02-28 (through the leap day 2024-02-29).
    let first = day("2023-12-20");
    let last = day("2025-02-28");
    let mut d = first;
    let mut n = 0;
    while d <= last {
        // The estate grows by one device a month.
        let mut items = ninja_day();
        let extra = (d.signed_duration_since(first).num_days() / 30) as usize;
        for i in 0..extra {
            items.push(dev(
                &format!("x{i}"),
                &format!("NEW-{i}"),
                "Fabrikam Ltd",
                "HQ",
                Classification::Workstation,
            ));
        }
        write_day(&c, Source::Ninja, d, items).await.unwrap();
        d += Duration::days(1);
        n += 1;
    }
    assert_eq!(n, 437);
    let before = rollups(&c).await;
    rollup::rollup_range(&c, None, None, |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        rollups(&c).await,
        before,
        "rolling up again changes nothing ({})",
        t.backend
    );

    // Retention as of 2025-02-28: daily data from 2024-12-25 (65 days back) on.
    let s = retention::run(&c, last).await.unwrap();
    assert_eq!(s.daily_cutoff, "2024-12-25");
    assert_eq!(s.month_end_cutoff, "2023-02-28");
    let days: Vec<NaiveDate> = rollup::collected_dates(&c.db.conn, None, None)
        .await
        .unwrap();
    // Day 65 is kept, day 66 is not (unless a month-end).
    assert!(days.contains(&day("2024-12-25")));
    assert!(!days.contains(&day("2024-12-24")));
    // Month-ends before the cutoff are kept, including the leap day; other days are gone.
    for me in [
        "2023-12-31",
        "2024-01-31",
        "2024-02-29",
        "2024-06-30",
        "2024-11-30",
    ] {
        assert!(days.contains(&day(me)), "{me} kept");
    }
    assert!(!days.contains(&day("2024-02-28")));
    assert!(!days.contains(&day("2024-12-01")));
    assert_eq!(days.len(), 12 + 66, "{days:?}");
    assert_eq!(
        count(&c, "SELECT COUNT(DISTINCT count_date) FROM daily_counts").await,
        66
    );
    // The raw payload goes after 14 days; the figures stay.
    assert!(s.raw_payloads_cleared > 0);
    // SQLite gives the freed pages back to the file system.
    if t.backend == "sqlite" {
        assert_eq!(
            count(&c, "SELECT freelist_count FROM pragma_freelist_count()").await,
            0
        );
        assert!(
            count(&c, "SELECT auto_vacuum FROM pragma_auto_vacuum()").await == 2,
            "incremental auto-vacuum"
        );
    }
    // Running retention twice changes nothing more.
    let again = retention::run(&c, last).await.unwrap();
    assert_eq!(
        (again.snapshots_deleted, again.daily_counts_deleted),
        (0, 0)
    );

    // Two years on, the oldest month-ends go too.
    let later = day("2026-01-15");
    retention::run(&c, later).await.unwrap();
    let days = rollup::collected_dates(&c.db.conn, None, None)
        .await
        .unwrap();
    assert!(!days.contains(&day("2023-12-31")));
    assert!(days.contains(&day("2024-01-31")));
    // The month-end figures of kept months are still there and exact.
    let f = dashboard::figures_on(&c.db.conn, day("2024-02-29"))
        .await
        .unwrap();
    assert_eq!(f.total.source(Source::Ninja), 5 + 2);
    // Settings: retention periods are admin-only and validated.
    let e = settings::save(&ctx(t, Role::Editor), settings::HistorySettings::default()).await;
    assert!(e.is_err());
    let bad = settings::HistorySettings {
        daily_retention_days: 0,
        ..Default::default()
    };
    assert!(
        settings::save(&c, bad)
            .await
            .unwrap_err()
            .field_errors()
            .contains_key("daily_retention_days")
    );
    // Every fault of a form at once: one value that is not a number, one out of range.
    let e = settings::patch(
        &c,
        json!({"daily_retention_days": "soon", "month_end_retention_months": "9999", "raw_retention_days": "3"})
            .as_object()
            .unwrap()
            .clone(),
    )
    .await
    .unwrap_err();
    let fields = e.field_errors();
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        ["daily_retention_days", "month_end_retention_months"],
        "{fields:?}"
    );
    assert_eq!(
        fields["month_end_retention_months"],
        ["Enter a number of months from 1 to 240."]
    );
}

async fn extra_spare_patterns_apply_to_the_next_collection(t: &TestDb) {
    let c = ctx(t, Role::Admin);
    let d = day("2026-05-01");
    settings::save(
        &c,
        settings::HistorySettings {
            extra_spare_patterns: vec!["loaner".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let items = vec![dev(
        "9",
        "LOANER-7",
        "Fabrikam Ltd",
        "HQ",
        Classification::Workstation,
    )];
    let s = write_day(&c, Source::Ninja, d, items).await.unwrap();
    assert_eq!(s.spare, 1);
}

async fn job_queue_claims_once_and_recovers_interrupted_runs(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let j = jobs::enqueue(
        &c,
        JobKind::Collect(Source::Ninja),
        json!({}),
        Trigger::User,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(j.status, JobStatus::Queued);
    // A second run of the same kind while one is queued is refused.
    let e = jobs::enqueue(
        &c,
        JobKind::Collect(Source::Ninja),
        json!({}),
        Trigger::User,
        None,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("already"), "{e}");
    // Retention needs an admin; viewers start nothing.
    assert!(
        jobs::enqueue(&c, JobKind::Retention, json!({}), Trigger::User, None)
            .await
            .is_err()
    );
    assert!(
        jobs::enqueue(
            &ctx(t, Role::Viewer),
            JobKind::Rollup,
            json!({}),
            Trigger::User,
            None
        )
        .await
        .is_err()
    );
    // A schedule slot is queued once.
    let slot = Utc::now();
    let sys = Ctx::system(t.db.clone(), "scheduler");
    assert!(
        jobs::enqueue(
            &sys,
            JobKind::Retention,
            json!({}),
            Trigger::Schedule,
            Some(slot)
        )
        .await
        .unwrap()
        .is_some()
    );
    let claimed = jobs::claim(&sys, "w1").await.unwrap().unwrap();
    assert_eq!(claimed.id, j.id);
    assert_eq!(claimed.status, JobStatus::Running);
    let r = jobs::claim(&sys, "w2").await.unwrap().unwrap();
    assert_eq!(r.kind, JobKind::Retention);
    jobs::finish(
        &sys,
        r.id,
        JobStatus::Succeeded,
        Some(json!({"ok": 1})),
        None,
    )
    .await
    .unwrap();
    assert!(
        jobs::enqueue(
            &sys,
            JobKind::Retention,
            json!({}),
            Trigger::Schedule,
            Some(slot)
        )
        .await
        .unwrap()
        .is_none()
    );
    // Nothing else to claim; a new run of the running kind waits for it.
    assert!(jobs::claim(&sys, "w2").await.unwrap().is_none());
    // Cancelling a running job asks it to stop.
    let cancelled = jobs::cancel(&c, j.id).await.unwrap();
    assert!(cancelled.cancel_requested);
    assert!(jobs::cancel_requested(&sys, j.id).await.unwrap());
    // The worker died: its heartbeat goes stale and the run is marked failed.
    let n = jobs::recover_stale(
        &sys,
        Utc::now() + Duration::seconds(120),
        Duration::seconds(30),
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let d = jobs::get(&c, j.id).await.unwrap();
    assert_eq!(d.job.status, JobStatus::Failed);
    assert!(d.job.error.unwrap().contains("Interrupted"));
    assert!(!d.logs.is_empty());
    // A queued run can be cancelled outright.
    let q = jobs::enqueue(&c, JobKind::Rollup, json!({}), Trigger::User, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        jobs::cancel(&c, q.id).await.unwrap().status,
        JobStatus::Cancelled
    );
    assert!(jobs::cancel(&c, q.id).await.is_err());
    let (n, list) = jobs::list(
        &c,
        &jobs::JobFilter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((n, list.len()), (3, 3));
}

async fn snapshots_recorded_before_the_list_migration_keep_their_payloads_and_sort(t: &TestDb) {
    use migration::{Migrator, MigratorTrait};
    // Up to the history hub's first schema, with one snapshot holding a payload.
    Migrator::up(&t.db.conn, Some(2)).await.unwrap();
    let blob = app::ssr::services::history::snapshots::compress(&json!({"id": "7"}));
    app::ssr::services::history::exec(
        &t.db.conn,
        "INSERT INTO snapshots (snapshot_date, source, external_id, hostname, org_name, \
         location_name, classification, serial, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            day("2026-03-15").into(),
            "ninja".into(),
            "7".into(),
            "FS-Old".into(),
            "Fabrikam Ltd".into(),
            "HQ".into(),
            "server".into(),
            "SER-9".into(),
            blob.into(),
        ],
    )
    .await
    .unwrap();
    Migrator::up(&t.db.conn, None).await.unwrap();
    let c = ctx(t, Role::Viewer);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let raw = app::ssr::entities::snapshot_raw::Entity::find()
        .filter(app::ssr::entities::snapshot_raw::Column::ExternalId.eq("7"))
        .one(&c.db.conn)
        .await
        .unwrap()
        .unwrap()
        .raw;
    assert_eq!(
        app::ssr::services::history::snapshots::decompress(&raw),
        Some(json!({"id": "7"})),
        "{}",
        t.backend
    );
    // The old row is found by the list's search and sorted by its name.
    let f = dashboard::DeviceFilter::parse(
        &app::ssr::services::query::pairs("date=2026-03-15&q=ser-9"),
        100,
    )
    .unwrap();
    let page = dashboard::devices(&c, &f).await.unwrap();
    assert_eq!(page.count, 1, "{}", t.backend);
    assert_eq!(page.results[0].hostname.as_deref(), Some("FS-Old"));
}

app::db_tests!(
    collection_rollup_and_dashboard_figures_are_exact,
    mapping_a_name_reattributes_history_and_month_ends,
    fourteen_months_of_history_retention_and_idempotent_rollups,
    extra_spare_patterns_apply_to_the_next_collection,
    job_queue_claims_once_and_recovers_interrupted_runs,
);

app::unmigrated_db_tests!(
    snapshots_recorded_before_the_list_migration_keep_their_payloads_and_sort,
);
