//! The service layer on SQLite and (when `CENSUS_TEST_POSTGRES_URL` is set) PostgreSQL:
//! validation, tree rules, delete protection, filters and the change log.
#![cfg(feature = "ssr")]

use app::error::AppError;
use app::model::Role;
use app::schema::*;
use app::ssr::services::objects::{self, Selection, Values};
use app::ssr::services::query::{ListQuery, pairs};
use app::ssr::services::{Actor, Ctx, changelog, tokens, users};
use app::ssr::testing::TestDb;
use serde_json::{Value, json};

fn ctx(t: &TestDb, role: Role) -> Ctx {
    Ctx::new(
        t.db.clone(),
        Actor {
            user_id: Some(1),
            username: format!("{}-user", role.as_str()),
            role,
        },
        format!("req-{}", uuid()),
    )
}

fn uuid() -> String {
    format!("{:x}", rand_u64())
}
fn rand_u64() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn v(j: Value) -> Values {
    j.as_object().unwrap().clone()
}

async fn mk(c: &Ctx, res: &'static Resource, j: Value) -> i64 {
    objects::create(c, res, v(j))
        .await
        .unwrap_or_else(|e| panic!("create {}: {e:?}", res.singular))
        .id
}

async fn names(c: &Ctx, res: &'static Resource, q: &str) -> Vec<String> {
    let lq = ListQuery::parse(res, &pairs(q)).unwrap();
    objects::list(c, res, &lq)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.display)
        .collect()
}

fn fields(e: &AppError) -> Vec<String> {
    e.field_errors().keys().cloned().collect()
}

async fn inventory_story(t: &TestDb) {
    story(t).await;
}

async fn story(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let be = t.backend;
    // Places: Europe > Czechia; a site group; a tenant.
    let europe = mk(&c, &REGION, json!({"name": "Europe"})).await;
    let cz = mk(&c, &REGION, json!({"name": "Czechia", "parent_id": europe})).await;
    let asia = mk(&c, &REGION, json!({"name": "Asia"})).await;
    let campus = mk(&c, &SITE_GROUP, json!({"name": "Campus"})).await;
    let acme = mk(&c, &TENANT_RES, json!({"name": "Acme Inc"})).await;
    let hq = mk(
        &c,
        &SITE,
        json!({"name": "Praha HQ", "region_id": cz, "site_group_id": campus, "tenant_id": acme, "time_zone": "Europe/Prague"}),
    )
    .await;
    let tokyo = mk(
        &c,
        &SITE,
        json!({"name": "Tokyo", "region_id": asia, "status": "planned"}),
    )
    .await;
    let got = objects::get(&c, &SITE, hq).await.unwrap();
    assert_eq!(got.values["slug"], "praha-hq", "{be}: slug derived");
    assert_eq!(
        got.values["status"], "active",
        "{be}: status defaults to active"
    );
    assert_eq!(got.refs["region_id"].display, "Czechia");

    // Locations nest within a site; racks sit in a site and location.
    let building = mk(&c, &LOCATION, json!({"name": "Building A", "site_id": hq})).await;
    let room = mk(
        &c,
        &LOCATION,
        json!({"name": "Room 1", "site_id": hq, "parent_id": building}),
    )
    .await;
    let rack = mk(
        &c,
        &RACK,
        json!({"name": "R1", "site_id": hq, "location_id": room}),
    )
    .await;
    assert_eq!(
        objects::get(&c, &RACK, rack).await.unwrap().values["units"],
        42
    );
    let cisco = mk(&c, &MANUFACTURER, json!({"name": "Cisco"})).await;
    let dev = mk(
        &c,
        &DEVICE,
        json!({"name": "sw-core-01", "site_id": hq, "rack_id": rack, "manufacturer_id": cisco, "serial": "FOC1234X",
               "mac_address": "0011.2233.44AA", "primary_ipv4": "10.0.0.1", "role": "Core Switch", "tenant_id": acme}),
    )
    .await;
    let d = objects::get(&c, &DEVICE, dev).await.unwrap();
    assert_eq!(d.values["mac_address"], "00:11:22:33:44:aa", "{be}");
    assert_eq!(
        d.values["location_id"], room,
        "{be}: a racked device takes the rack's location"
    );
    mk(
        &c,
        &DEVICE,
        json!({"name": "ap-01", "site_id": tokyo, "status": "planned", "serial": "X9"}),
    )
    .await;
    let zayo = mk(&c, &PROVIDER, json!({"name": "Zayo"})).await;
    mk(&c, &CIRCUIT, json!({"circuit_id": "ZAYO-1", "provider_id": zayo, "a_side_site_id": tokyo, "z_side_site_id": hq})).await;

    // Filters: a region includes everything beneath it; circuits match either end.
    assert_eq!(
        names(&c, &DEVICE, &format!("region_id={europe}")).await,
        vec!["sw-core-01"],
        "{be}"
    );
    assert_eq!(
        names(&c, &DEVICE, &format!("site_group_id={campus}")).await,
        vec!["sw-core-01"]
    );
    assert_eq!(
        names(&c, &DEVICE, &format!("location_id={building}")).await,
        vec!["sw-core-01"],
        "{be}: location includes sub-locations"
    );
    assert_eq!(
        names(&c, &SITE, &format!("region_id={europe}")).await,
        vec!["Praha HQ"]
    );
    assert_eq!(
        names(&c, &CIRCUIT, &format!("site_id={hq}")).await,
        vec!["ZAYO-1"]
    );
    assert_eq!(
        names(&c, &CIRCUIT, &format!("region_id={europe}")).await,
        vec!["ZAYO-1"]
    );
    assert_eq!(names(&c, &DEVICE, "status=planned").await, vec!["ap-01"]);
    assert_eq!(
        names(&c, &DEVICE, "q=foc1234").await,
        vec!["sw-core-01"],
        "{be}: search by serial, any case"
    );
    assert_eq!(
        names(&c, &DEVICE, "q=00-11-22-33-44-AA").await,
        vec!["sw-core-01"],
        "{be}: search by MAC in any form"
    );
    assert_eq!(names(&c, &DEVICE, "q=10.0.0.1").await, vec!["sw-core-01"]);
    assert!(
        names(&c, &DEVICE, "q=%25").await.is_empty(),
        "{be}: % is matched literally"
    );
    assert!(
        names(&c, &DEVICE, "q=_").await.is_empty(),
        "{be}: _ is matched literally"
    );
    assert_eq!(
        names(&c, &DEVICE, "role=core switch").await,
        vec!["sw-core-01"],
        "{be}: text filters ignore case"
    );
    assert_eq!(
        names(&c, &DEVICE, "serial=FOC1234X").await,
        vec!["sw-core-01"]
    );
    assert_eq!(names(&c, &DEVICE, "tenant_id=null").await, vec!["ap-01"]);
    assert_eq!(
        names(&c, &DEVICE, "ordering=-name").await,
        vec!["sw-core-01", "ap-01"]
    );
    assert_eq!(
        names(&c, &DEVICE, "ordering=site").await,
        vec!["sw-core-01", "ap-01"],
        "{be}: order by site name"
    );
    assert_eq!(
        names(&c, &DEVICE, "ordering=-site").await,
        vec!["ap-01", "sw-core-01"]
    );
    assert_eq!(
        names(&c, &REGION, &format!("ancestor_id={europe}")).await,
        vec!["Czechia"]
    );
    assert_eq!(
        names(&c, &REGION, "parent_id=null").await,
        vec!["Asia", "Europe"]
    );
    let page = objects::list(
        &c,
        &DEVICE,
        &ListQuery::parse(&DEVICE, &pairs("limit=1&offset=1")).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!((page.count, page.rows.len()), (2, 1));
    assert_eq!(page.rows[0].display, "sw-core-01");

    // Delete protection names what points at an object.
    let e = objects::delete(&c, &SITE, hq).await.unwrap_err();
    match &e {
        AppError::Conflict(m) => {
            assert!(m.contains("site Praha HQ has"), "{be}: {m}");
            assert!(
                m.contains("2 locations")
                    && m.contains("1 rack")
                    && m.contains("1 device")
                    && m.contains("1 circuit"),
                "{m}"
            );
        }
        other => panic!("{other:?}"),
    }
    let e = objects::delete(&c, &REGION, europe).await.unwrap_err();
    assert!(
        e.to_string().contains("region Europe has 1 child region"),
        "{e}"
    );

    // Update and its change log entry.
    let updated = objects::update(
        &c,
        &DEVICE,
        dev,
        v(json!({"status": "offline", "description": "moved"})),
    )
    .await
    .unwrap();
    assert_eq!(updated.values["status"], "offline");
    let log = changelog::list(
        &c,
        &changelog::ChangeFilter {
            object_type: Some("device".into()),
            object_id: Some(dev),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(log.count, 2, "{be}: create + update");
    let last = &log.rows[0];
    assert_eq!(last.action, "update");
    assert_eq!(last.username, "editor-user");
    assert_eq!(last.request_id, c.request_id);
    assert_eq!(last.before.as_ref().unwrap()["status"], "active");
    assert_eq!(last.after.as_ref().unwrap()["status"], "offline");
    let diff = last.diff();
    assert_eq!(diff.len(), 2, "{diff:?}");
    // An update that changes nothing logs nothing.
    objects::update(&c, &DEVICE, dev, v(json!({"status": "offline"})))
        .await
        .unwrap();
    let again = changelog::list(
        &c,
        &changelog::ChangeFilter {
            object_id: Some(dev),
            object_type: Some("device".into()),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(again.count, 2);

    // Detail: related objects and history.
    let detail = objects::detail(&c, &SITE, hq).await.unwrap();
    let rel = |k: Kind| {
        detail
            .related
            .iter()
            .filter(|r| r.kind == k)
            .map(|r| r.count)
            .sum::<u64>()
    };
    assert_eq!(
        (
            rel(Kind::Location),
            rel(Kind::Rack),
            rel(Kind::Device),
            rel(Kind::Circuit)
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(detail.history.len(), 1);

    // Bulk update of everything matching a filter, one request id for all.
    let c2 = ctx(t, Role::Editor);
    let n = objects::bulk_update(
        &c2,
        &DEVICE,
        &Selection::Matching(ListQuery::parse(&DEVICE, &pairs("q=-")).unwrap()),
        v(json!({"tenant_id": acme})),
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    let by_req = changelog::list(
        &c2,
        &changelog::ChangeFilter {
            request_id: Some(c2.request_id.clone()),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(
        by_req.count, 1,
        "{be}: only the device whose tenant changed is logged"
    );
    assert_eq!(
        names(&c, &DEVICE, &format!("tenant_id={acme}")).await.len(),
        2
    );

    // Bulk delete children with their parent in one go is allowed; a blocked one stops all.
    let e = objects::bulk_delete(&c, &LOCATION, &Selection::Ids(vec![building, room]))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("location Room 1 has 1 rack and 1 device"),
        "{be}: {e}"
    );
    assert_eq!(names(&c, &LOCATION, "").await.len(), 2, "nothing deleted");
    objects::bulk_delete(&c, &DEVICE, &Selection::Ids(vec![dev]))
        .await
        .unwrap();
    objects::delete(&c, &RACK, rack).await.unwrap();
    assert_eq!(
        objects::bulk_delete(&c, &LOCATION, &Selection::Ids(vec![building, room]))
            .await
            .unwrap(),
        2
    );
    let deleted = changelog::list(
        &c,
        &changelog::ChangeFilter {
            action: Some(changelog::Action::Delete),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(deleted.count, 4);
    assert!(
        deleted
            .rows
            .iter()
            .all(|r| r.after.is_none() && r.before.is_some())
    );
}

async fn validation_and_tree_rules(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    let e = objects::create(
        &c,
        &SITE,
        v(json!({"slug": "Bad Slug", "status": "sideways", "colour": "red"})),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status(), 400);
    assert_eq!(fields(&e), vec!["colour", "name", "slug", "status"], "{be}");
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    let e = objects::create(&c, &SITE, v(json!({"name": "hq"})))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec!["name", "slug"],
        "{be}: names unique ignoring case"
    );
    let branch = mk(&c, &SITE, json!({"name": "Branch"})).await;
    let a = mk(&c, &LOCATION, json!({"name": "A", "site_id": hq})).await;
    let e = objects::create(
        &c,
        &LOCATION,
        v(json!({"name": "B", "site_id": branch, "parent_id": a})),
    )
    .await
    .unwrap_err();
    assert!(
        e.field_errors()["parent_id"][0].contains("is in site HQ"),
        "{be}: {e:?}"
    );
    mk(&c, &LOCATION, json!({"name": "A", "site_id": branch})).await; // same name, other site
    let e = objects::create(&c, &LOCATION, v(json!({"name": "a", "site_id": hq})))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec!["name", "slug"]);
    let b = mk(
        &c,
        &LOCATION,
        json!({"name": "B", "site_id": hq, "parent_id": a}),
    )
    .await;
    let e = objects::update(&c, &LOCATION, a, v(json!({"parent_id": b})))
        .await
        .unwrap_err();
    assert!(
        e.field_errors()["parent_id"][0].contains("beneath itself"),
        "{be}: {e:?}"
    );
    let e = objects::update(&c, &LOCATION, a, v(json!({"parent_id": a})))
        .await
        .unwrap_err();
    assert!(e.field_errors().contains_key("parent_id"));
    let e = objects::create(
        &c,
        &RACK,
        v(json!({"name": "R", "site_id": branch, "location_id": a})),
    )
    .await
    .unwrap_err();
    assert!(
        e.field_errors()["location_id"][0].contains("location A is in site HQ"),
        "{be}: {e:?}"
    );
    let rack = mk(
        &c,
        &RACK,
        json!({"name": "R", "site_id": hq, "location_id": b}),
    )
    .await;
    mk(&c, &RACK, json!({"name": "R", "site_id": hq})).await; // no location: a different place
    let e = objects::create(
        &c,
        &RACK,
        v(json!({"name": "r", "site_id": hq, "location_id": b})),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), vec!["name"], "{be}");
    let e = objects::create(
        &c,
        &DEVICE,
        v(json!({"name": "d", "site_id": branch, "rack_id": rack})),
    )
    .await
    .unwrap_err();
    assert!(
        e.field_errors()["rack_id"][0].contains("rack R is in site HQ"),
        "{be}: {e:?}"
    );
    let e = objects::create(
        &c,
        &DEVICE,
        v(json!({"name": "d", "site_id": hq, "rack_id": rack, "location_id": a})),
    )
    .await
    .unwrap_err();
    assert!(e.field_errors().contains_key("rack_id"));
    let e = objects::create(&c, &DEVICE, v(json!({"name": "d", "site_id": 999, "mac_address": "00:11", "primary_ipv4": "300.1.1.1", "primary_ipv6": "x"}))).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec!["mac_address", "primary_ipv4", "primary_ipv6"]
    );
    let e = objects::create(&c, &DEVICE, v(json!({"name": "d", "site_id": 999})))
        .await
        .unwrap_err();
    assert_eq!(
        e.field_errors()["site_id"][0],
        "there is no site with id 999"
    );
    mk(
        &c,
        &DEVICE,
        json!({"name": "d", "site_id": hq, "asset_tag": "AT-1"}),
    )
    .await;
    let e = objects::create(
        &c,
        &DEVICE,
        v(json!({"name": "D", "site_id": hq, "asset_tag": "at-1"})),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), vec!["asset_tag", "name"], "{be}");
    mk(&c, &DEVICE, json!({"name": "d", "site_id": branch})).await;
    // Nothing half-written: the failed creates left no rows and no change log entries.
    assert_eq!(names(&c, &DEVICE, "").await, vec!["d", "d"]);
    let log = changelog::list(&c, &Default::default(), 100, 0)
        .await
        .unwrap();
    assert_eq!(log.count, 9, "{be}: one entry per successful create");
}

async fn bulk_create_is_all_or_nothing(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    let items: Vec<Values> = (0..50)
        .map(|i| v(json!({"name": format!("dev-{i}"), "site_id": hq})))
        .chain([
            v(json!({"name": "dev-3", "site_id": hq})),
            v(json!({"site_id": hq, "mac_address": "nope"})),
        ])
        .collect();
    let e = objects::create_many(&c, &DEVICE, items).await.unwrap_err();
    match &e {
        AppError::Invalid { items, message, .. } => {
            assert_eq!(
                items.iter().map(|i| i.index).collect::<Vec<_>>(),
                vec![50, 51],
                "{message}"
            );
            assert!(items[0].fields["name"][0].contains("element 3"));
            assert!(
                items[1].fields.contains_key("mac_address") && items[1].fields.contains_key("name")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        names(&c, &DEVICE, "").await.is_empty(),
        "{}: nothing saved",
        t.backend
    );
    let ok: Vec<Values> = (0..1500)
        .map(|i| {
            v(json!({"name": format!("dev-{i:04}"), "site_id": hq, "serial": format!("S{i}")}))
        })
        .collect();
    let created = objects::create_many(&c, &DEVICE, ok).await.unwrap();
    assert_eq!(created.len(), 1500);
    assert!(
        created
            .iter()
            .enumerate()
            .all(|(i, d)| d.display == format!("dev-{i:04}")),
        "ids map to their rows"
    );
    assert_eq!(created[1499].refs["site_id"].display, "HQ");
    let page = objects::list(
        &c,
        &DEVICE,
        &ListQuery::parse(&DEVICE, &pairs("serial=S1499")).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(page.rows[0].id, created[1499].id);
    let e = objects::create_many(
        &c,
        &DEVICE,
        vec![v(json!({"name": "DEV-0001", "site_id": hq}))],
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AppError::Invalid { .. }));
}

async fn database_constraints_back_up_validation(t: &TestDb) {
    // A write that slipped past validation (a race) is refused by the database and reported
    // as a conflict, not as a server error.
    let c = ctx(t, Role::Editor);
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    mk(&c, &DEVICE, json!({"name": "sw1", "site_id": hq})).await;
    let now = chrono::Utc::now();
    let mut ins = sea_orm::sea_query::Query::insert();
    ins.into_table("devices")
        .columns([
            "name",
            "name_key",
            "status",
            "site_id",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            "SW1".into(),
            "sw1".into(),
            "active".into(),
            hq.into(),
            now.into(),
            now.into(),
        ]);
    use sea_orm::ConnectionTrait;
    let err = t.db.conn.execute(&ins).await.unwrap_err();
    assert_eq!(AppError::from(err).status(), 409, "{}", t.backend);
}

async fn permissions_are_enforced_in_services(t: &TestDb) {
    let viewer = ctx(t, Role::Viewer);
    let e = objects::create(&viewer, &SITE, v(json!({"name": "X"})))
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    let editor = ctx(t, Role::Editor);
    let id = mk(&editor, &SITE, json!({"name": "X"})).await;
    assert_eq!(
        objects::update(&viewer, &SITE, id, v(json!({"name": "Y"})))
            .await
            .unwrap_err()
            .status(),
        403
    );
    assert_eq!(
        objects::delete(&viewer, &SITE, id)
            .await
            .unwrap_err()
            .status(),
        403
    );
    assert_eq!(users::list(&editor).await.unwrap_err().status(), 403);
    assert_eq!(
        users::create(&editor, "bob", "password123", Role::Admin)
            .await
            .unwrap_err()
            .status(),
        403
    );
    assert!(objects::get(&viewer, &SITE, id).await.is_ok());
}

async fn users_tokens_and_sign_in(t: &TestDb) {
    let be = t.backend;
    let db = &t.db;
    let admin = users::setup_first_admin(db, "alice", "correct horse", "r1")
        .await
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(
        users::setup_first_admin(db, "mallory", "password123", "r2")
            .await
            .unwrap_err()
            .status(),
        409
    );
    let actx = Ctx::new(db.clone(), admin.clone(), "r3");
    let e = users::create(&actx, "ALICE", "password123", Role::Viewer)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec!["username"],
        "{be}: usernames unique ignoring case"
    );
    let e = users::create(&actx, "bob smith", "short", Role::Viewer)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec!["password", "username"]);
    let bob = users::create(&actx, "bob", "password123", Role::Viewer)
        .await
        .unwrap();

    // Sign-in and throttling per username.
    let who = users::authenticate(db, "Bob", "password123", "127.0.0.9")
        .await
        .unwrap();
    assert_eq!(who.username, "bob");
    for _ in 0..5 {
        let e = users::authenticate(db, "bob", "wrong-pass", "127.0.0.9")
            .await
            .unwrap_err();
        assert_eq!(e.status(), 400);
    }
    let e = users::authenticate(db, "bob", "password123", "127.0.0.10")
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        429,
        "{be}: throttled even with the right password"
    );
    assert!(e.to_string().contains("Try again in 5 minutes"), "{e}");
    // …and per address.
    let e = users::authenticate(db, "alice", "correct horse", "127.0.0.9")
        .await
        .unwrap_err();
    assert_eq!(e.status(), 429);
    assert!(
        users::authenticate(db, "alice", "correct horse", "127.0.0.11")
            .await
            .is_ok()
    );

    // The last admin stays.
    let me = admin.user_id.unwrap();
    let e = users::update(
        &actx,
        me,
        users::UserPatch {
            role: Some(Role::Editor),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.status(), 409);
    assert_eq!(users::delete(&actx, me).await.unwrap_err().status(), 409);

    // Tokens: shown once, stored hashed, act as their owner, revocable.
    let bctx = Ctx::new(
        db.clone(),
        users::actor_of(&users::find_by_username(db, "bob").await.unwrap().unwrap()),
        "r4",
    );
    let nt = tokens::create(&bctx, bob.id, "script").await.unwrap();
    assert!(nt.secret.starts_with("census_") && nt.secret.len() == 47);
    assert!(nt.secret.starts_with(&nt.token.prefix));
    assert_eq!(
        tokens::create(&bctx, me, "not mine")
            .await
            .unwrap_err()
            .status(),
        403
    );
    let acting = tokens::resolve(db, &nt.secret).await.unwrap().unwrap();
    assert_eq!(
        (acting.username.as_str(), acting.role),
        ("bob", Role::Viewer)
    );
    assert!(tokens::resolve(db, "census_nope").await.unwrap().is_none());
    assert_eq!(tokens::list(&bctx, false).await.unwrap().len(), 1);
    assert_eq!(tokens::list(&bctx, true).await.unwrap_err().status(), 403);
    let stored = format!("{:?}", tokens::list(&actx, true).await.unwrap());
    assert!(!stored.contains(&nt.secret));
    // A disabled user's tokens stop working.
    users::update(
        &actx,
        bob.id,
        users::UserPatch {
            is_active: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        tokens::resolve(db, &nt.secret).await.unwrap().is_none(),
        "{be}"
    );
    users::update(
        &actx,
        bob.id,
        users::UserPatch {
            is_active: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tokens::revoke(&bctx, nt.token.id).await.unwrap();
    assert!(tokens::resolve(db, &nt.secret).await.unwrap().is_none());
    // Users' changes are logged without password hashes.
    let log = changelog::list(
        &actx,
        &changelog::ChangeFilter {
            object_type: Some("user".into()),
            ..Default::default()
        },
        50,
        0,
    )
    .await
    .unwrap();
    assert!(log.count >= 3);
    assert!(!serde_json::to_string(&log.rows).unwrap().contains("argon2"));
}

/// A change row names the objects it refers to as they were then: a device moved from one site
/// to another shows both sites' names (the first renamed since: its old name), and a site deleted
/// since shows as deleted, not as a bare id.
async fn change_rows_name_their_references(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    let branch = mk(&c, &SITE, json!({"name": "Branch"})).await;
    let dev = mk(&c, &DEVICE, json!({"name": "sw1", "site_id": hq})).await;
    objects::update(&c, &DEVICE, dev, v(json!({"site_id": branch})))
        .await
        .unwrap();
    objects::update(&c, &SITE, hq, v(json!({"name": "Head office"})))
        .await
        .unwrap();
    objects::update(&c, &DEVICE, dev, v(json!({"site_id": hq})))
        .await
        .unwrap();
    objects::delete(&c, &DEVICE, dev).await.unwrap();
    objects::delete(&c, &SITE, branch).await.unwrap();
    let log = changelog::list(
        &c,
        &changelog::ChangeFilter {
            object_type: Some("device".into()),
            object_id: Some(dev),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    let moves: Vec<_> = log.rows.iter().filter(|r| r.action == "update").collect();
    assert_eq!(moves.len(), 2, "{}", t.backend);
    // Newest first: back to HQ (renamed by then), then from HQ (its old name) to Branch.
    let back = &moves[0];
    assert_eq!(
        back.shown("site_id", &branch.to_string()),
        vec![("deleted site Branch".to_string(), None)]
    );
    assert_eq!(
        back.shown("site_id", &hq.to_string()),
        vec![("Head office".to_string(), Some(format!("/sites/{hq}")))]
    );
    let first = &moves[1];
    assert_eq!(
        first.shown("site_id", &hq.to_string()),
        vec![("HQ".to_string(), Some(format!("/sites/{hq}")))]
    );
    assert_eq!(first.field_label("site_id"), "Site");
    // Values that are not references show as they are; an id Census never knew, as an id.
    assert_eq!(first.shown("name", "sw1"), vec![("sw1".to_string(), None)]);
    assert_eq!(
        first.shown("site_id", "999999"),
        vec![("#999999".to_string(), Some("/sites/999999".to_string()))]
    );
    // An empty set of references reads "(none)", and a change between nothing and an empty
    // set or text is no change.
    assert_eq!(
        first.shown("tag_ids", "[]"),
        vec![("(none)".to_string(), None)]
    );
    let created = log.rows.iter().find(|r| r.action == "create").unwrap();
    assert!(
        created
            .diff()
            .iter()
            .all(|(k, _, _)| k != "tag_ids" && k != "description"),
        "{:?}",
        created.diff()
    );
}

/// The asset lifecycle's types (seed 000) through the service layer: the seed's workflow
/// (asset type, contractor, contract and sub-contract, an asset assigned to a device, a
/// service, an RMA taken to completed), the contract hierarchy, the RMA's transitions, the
/// asset serial's uniqueness, bad input as field errors and delete protection naming what
/// points at an object.
async fn asset_lifecycle_types(t: &TestDb) {
    let c = ctx(t, Role::Editor);
    let site = mk(&c, &SITE, json!({"name": "Lab"})).await;
    let dev = mk(&c, &DEVICE, json!({"name": "sw-lab", "site_id": site})).await;
    let switch = mk(
        &c,
        &ASSET_TYPE,
        json!({"name": "Switch", "colour": "#2F6FED"}),
    )
    .await;
    let acme = mk(
        &c,
        &CONTRACTOR,
        json!({"name": "Acme", "company": "Acme s.r.o."}),
    )
    .await;
    let frame = mk(
        &c,
        &CONTRACT,
        json!({"name": "Frame 2026", "contractor_id": acme, "type": "supply",
               "price": "1000.00", "currency": "EUR"}),
    )
    .await;
    let order = mk(
        &c,
        &CONTRACT,
        json!({"name": "Order 1", "contractor_id": acme, "type": "order", "parent_id": frame}),
    )
    .await;
    let asset = mk(
        &c,
        &ASSET,
        json!({"serial": "SN-100", "part_number": "WS-C2960", "type_id": switch,
               "assigned_object_type": "device", "assigned_object_id": dev,
               "order_contract_id": order, "price": "250.50", "currency": "EUR",
               "warranty_start": "2026-01-01", "warranty_end": "2029-01-01"}),
    )
    .await;
    let got = objects::get(&c, &ASSET, asset).await.unwrap();
    assert_eq!(got.values["assignment_status"], "stocked");
    assert_eq!(got.values["lifecycle_status"], "new");
    assert_eq!(got.values["quantity"], 1);
    assert_eq!(got.values["price"], "250.50");
    mk(
        &c,
        &ASSET_SERVICE,
        json!({"asset_id": asset, "contract_id": frame, "service_start": "2026-01-01",
               "service_end": "2027-01-01", "service_category": "NBD support"}),
    )
    .await;
    mk(
        &c,
        &INVOICE,
        json!({"name": "INV-1", "contract_id": order, "price": "250.50", "currency": "EUR"}),
    )
    .await;
    // Assets filter by type and by what they are assigned to.
    assert_eq!(
        names(&c, &ASSET, &format!("type_id={switch}")).await,
        ["SN-100"]
    );
    assert_eq!(
        names(
            &c,
            &ASSET,
            &format!("assigned_object_type=device&assigned_object_id={dev}")
        )
        .await,
        ["SN-100"]
    );

    // A contract cannot be beneath itself.
    let e = objects::update(&c, &CONTRACT, frame, v(json!({"parent_id": order})))
        .await
        .unwrap_err();
    assert!(
        e.field_errors()["parent_id"][0].contains("beneath itself"),
        "{e:?}"
    );

    // An RMA goes forward or is cancelled; nothing leaves completed.
    let rma = mk(
        &c,
        &RMA,
        json!({"rma_number": "RMA-1", "asset_id": asset, "original_serial": "SN-100",
               "replacement_serial": "SN-200", "date_issued": "2026-03-01"}),
    )
    .await;
    for status in ["authorized", "shipped", "completed"] {
        objects::update(&c, &RMA, rma, v(json!({"status": status})))
            .await
            .unwrap_or_else(|e| panic!("{status}: {e:?}"));
    }
    let e = objects::update(&c, &RMA, rma, v(json!({"status": "investigating"})))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["status"], "{e:?}");

    // Serials: unique among assets when given (ignoring case); many assets may have none.
    let e = objects::create(&c, &ASSET, v(json!({"serial": "sn-100"})))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["serial"], "{e:?}");
    mk(&c, &ASSET, json!({"part_number": "spare-1"})).await;
    mk(&c, &ASSET, json!({"part_number": "spare-2"})).await;

    // Bad input: a missing assignment target, a negative price, an end before its start, an
    // unknown status, a currency that is not a code; nothing is written.
    let before = names(&c, &ASSET, "").await.len();
    let e = objects::create(
        &c,
        &ASSET,
        v(
            json!({"serial": "SN-BAD", "price": "-1", "currency": "EURO",
                 "lifecycle_status": "lost"}),
        ),
    )
    .await
    .unwrap_err();
    let mut got = fields(&e);
    got.sort();
    assert_eq!(got, ["currency", "lifecycle_status", "price"], "{e:?}");
    let e = objects::create(
        &c,
        &ASSET,
        v(json!({"serial": "SN-BAD", "assigned_object_type": "rack",
                 "assigned_object_id": 999999})),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["assigned_object_id"], "{e:?}");
    let e = objects::create(
        &c,
        &ASSET,
        v(json!({"serial": "SN-BAD", "warranty_start": "2026-02-01",
                 "warranty_end": "2026-01-01"})),
    )
    .await
    .unwrap_err();
    assert!(
        e.field_errors()["warranty_end"][0].contains("before the warranty start"),
        "{e:?}"
    );
    let e = objects::create(
        &c,
        &ASSET_SERVICE,
        v(json!({"asset_id": asset, "service_start": "2026-02-01", "service_end": "2026-01-01"})),
    )
    .await
    .unwrap_err();
    assert!(
        e.field_errors()["service_end"][0].contains("before the service start"),
        "{e:?}"
    );
    assert_eq!(names(&c, &ASSET, "").await.len(), before);

    // Delete protection names what points at an object.
    for (res, id, what) in [
        (&CONTRACTOR, acme, "2 contracts"),
        (&ASSET_TYPE, switch, "1 asset"),
        (&CONTRACT, frame, "1 asset service"),
        (&ASSET, asset, "1 RMA"),
        (&DEVICE, dev, "1 asset"),
    ] {
        let e = objects::delete(&c, res, id).await.unwrap_err();
        assert!(e.to_string().contains(what), "{}: {e}", res.singular);
    }
}

app::db_tests!(
    inventory_story,
    validation_and_tree_rules,
    bulk_create_is_all_or_nothing,
    permissions_are_enforced_in_services,
    users_tokens_and_sign_in,
    change_rows_name_their_references,
    asset_lifecycle_types,
);

app::db_tests!(database_constraints_back_up_validation,);
