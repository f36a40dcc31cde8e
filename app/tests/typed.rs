//! The typed core through the services, on SQLite and PostgreSQL: the new kinds of value on the
//! existing types (validation, filters by range, ordering, the change log), Unicode case
//! folding for uniqueness, filters, search and sign-in names, containers moving what is inside
//! them, indexed search, journal entries and tags, and CSV exports with formulas neutralised.

use app::error::AppError;
use app::model::Role;
use app::schema::*;
use app::ssr::services::export::{self, Format};
use app::ssr::services::objects::{self, Selection, Values};
use app::ssr::services::query::{ListQuery, pairs};
use app::ssr::services::{Actor, Ctx, changelog, users};
use app::ssr::testing::TestDb;
use serde_json::{Value, json};

fn ctx(t: &TestDb, role: Role) -> Ctx {
    Ctx::new(
        t.db.clone(),
        Actor {
            user_id: None,
            username: format!("{}-user", role.as_str()),
            role,
        },
        "req-typed",
    )
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
    let lq = ListQuery::parse(res, &pairs(q)).unwrap_or_else(|e| panic!("{q}: {e:?}"));
    objects::list(c, res, &lq)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.display)
        .collect()
}

/// The field errors of a failed call, by field name.
fn field_errors(e: AppError) -> Vec<String> {
    assert_eq!(e.status(), 400, "{e:?}");
    e.field_errors().keys().cloned().collect()
}

async fn new_kinds_on_existing_types(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    let hq = mk(
        &c,
        &SITE,
        json!({"name": "HQ", "latitude": "50.087451", "longitude": 14.420671}),
    )
    .await;
    let site = objects::get(&c, &SITE, hq).await.unwrap();
    assert_eq!(site.values["latitude"], json!("50.087451"), "{be}");
    assert_eq!(site.values["longitude"], json!("14.420671"));
    let core = mk(&c, &TAG, json!({"name": "Core", "colour": "#2F6FED"})).await;
    let edge = mk(&c, &TAG, json!({"name": "Edge"})).await;
    assert_eq!(
        objects::get(&c, &TAG, edge).await.unwrap().values["colour"],
        json!("9e9e9e")
    );
    let sw1 = mk(
        &c,
        &DEVICE,
        json!({"name": "sw1", "site_id": hq, "purchase_date": "2024-03-01", "warranty_end": "2027-02-28",
               "purchase_price": "1234.5", "currency": "eur", "last_audit_at": "2026-11-30T15:05:00+01:00",
               "custom_fields": {"cost_centre": "IT-42"}, "tag_ids": [edge, core, core]}),
    )
    .await;
    let sw2 = mk(
        &c,
        &DEVICE,
        json!({"name": "sw2", "site_id": hq, "purchase_date": "2025-06-01", "warranty_end": "2026-06-01",
               "purchase_price": 99, "currency": "JPY", "tag_ids": [edge]}),
    )
    .await;
    let d = objects::get(&c, &DEVICE, sw1).await.unwrap();
    assert_eq!(d.values["purchase_price"], json!("1234.50"), "{be}");
    assert_eq!(d.values["currency"], json!("EUR"));
    assert_eq!(d.values["purchase_date"], json!("2024-03-01"));
    assert_eq!(d.values["last_audit_at"], json!("2026-11-30T14:05:00Z"));
    assert_eq!(d.values["custom_fields"], json!({"cost_centre": "IT-42"}));
    assert_eq!(d.values["tag_ids"], json!([core, edge]));
    let tags: Vec<&str> = d.sets["tag_ids"]
        .iter()
        .map(|r| r.display.as_str())
        .collect();
    assert_eq!(tags, ["Core", "Edge"]);
    assert_eq!(
        objects::get(&c, &DEVICE, sw2).await.unwrap().values["purchase_price"],
        json!("99.00")
    );

    // Ranges, sets and ordering.
    assert_eq!(
        names(&c, &DEVICE, "warranty_end__lt=2027-01-01").await,
        ["sw2"]
    );
    assert_eq!(names(&c, &DEVICE, "purchase_price__gte=100").await, ["sw1"]);
    assert_eq!(
        names(
            &c,
            &DEVICE,
            "purchase_date__gte=2024-03-01&purchase_date__lte=2024-03-01"
        )
        .await,
        ["sw1"]
    );
    assert_eq!(
        names(&c, &DEVICE, "ordering=-purchase_price").await,
        ["sw1", "sw2"]
    );
    assert_eq!(
        names(&c, &DEVICE, &format!("tag_ids={core}")).await,
        ["sw1"]
    );
    assert_eq!(
        names(&c, &DEVICE, &format!("tag_ids={core}&tag_ids={edge}")).await,
        ["sw1", "sw2"]
    );
    assert_eq!(names(&c, &SITE, "latitude__gt=50").await, ["HQ"]);
    assert!(names(&c, &DEVICE, "created_at__gte=2000-01-01").await.len() == 2);

    // Bad input is refused, per field, with nothing written.
    let bad = [
        (
            json!({"purchase_price": "10", "currency": null}),
            "currency",
        ),
        (
            json!({"purchase_price": "10.5", "currency": "JPY"}),
            "purchase_price",
        ),
        (
            json!({"purchase_price": "10.123", "currency": "EUR"}),
            "purchase_price",
        ),
        (json!({"currency": "EURO"}), "currency"),
        (
            json!({"purchase_date": "2026-01-02", "warranty_end": "2026-01-01"}),
            "warranty_end",
        ),
        (json!({"custom_fields": [1, 2]}), "custom_fields"),
        (json!({"custom_fields": "not json"}), "custom_fields"),
        (json!({"last_audit_at": "yesterday"}), "last_audit_at"),
        (json!({"tag_ids": [999]}), "tag_ids"),
        (json!({"tag_ids": "x"}), "tag_ids"),
        (
            json!({"last_seen": "2026-01-01", "purchase_date": "31.12.2026"}),
            "purchase_date",
        ),
    ];
    for (patch, field) in bad {
        let e = objects::update(&c, &DEVICE, sw1, v(patch.clone()))
            .await
            .unwrap_err();
        assert!(field_errors(e).contains(&field.to_string()), "{be} {patch}");
    }
    let e = objects::create(&c, &TAG, v(json!({"name": "X", "colour": "blue"})))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["colour"]);
    let e = objects::update(&c, &SITE, hq, v(json!({"latitude": "91"})))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["latitude"]);

    // The change log records the typed values.
    objects::update(
        &c,
        &DEVICE,
        sw1,
        v(json!({"tag_ids": [core], "purchase_price": "1000"})),
    )
    .await
    .unwrap();
    let log = changelog::list(
        &c,
        &changelog::ChangeFilter {
            object_type: Some("device".into()),
            object_id: Some(sw1),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    let diff = log.rows[0].diff();
    assert!(
        diff.contains(&("purchase_price".into(), "1234.50".into(), "1000.00".into())),
        "{be}: {diff:?}"
    );
    assert!(diff.iter().any(|(f, ..)| f == "tag_ids"), "{diff:?}");
    assert_eq!(
        log.rows[1].after.as_ref().unwrap()["custom_fields"],
        json!({"cost_centre": "IT-42"})
    );

    // A tag in use cannot be deleted; a bool field works like the others.
    let e = objects::delete(&c, &TAG, core).await.unwrap_err();
    assert_eq!(e.status(), 409);
    assert!(e.to_string().contains("1 device"), "{e}");
    let r = mk(&c, &RACK, json!({"name": "R1", "site_id": hq})).await;
    let rack = objects::get(&c, &RACK, r).await.unwrap();
    assert_eq!(rack.values["desc_units"], json!(false));
    assert_eq!(rack.values["units"], json!(42));
    objects::update(&c, &RACK, r, v(json!({"desc_units": "yes"})))
        .await
        .unwrap();
    assert_eq!(names(&c, &RACK, "desc_units=true").await, ["R1"]);
}

async fn case_folds_alike_for_any_script(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    mk(&c, &SITE, json!({"name": "ÚSTÍ", "slug": "usti-1"})).await;
    let e = objects::create(&c, &SITE, v(json!({"name": "ústí", "slug": "usti-2"})))
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["name"], "{be}");
    mk(&c, &SITE, json!({"name": "Ústí-2"})).await;
    // The second has the same name (and so the same derived slug): a field error, not a
    // conflict the database alone caught.
    let e = objects::create(&c, &SITE, v(json!({"name": "Ústí-2"})))
        .await
        .unwrap_err();
    assert!(field_errors(e).contains(&"name".to_string()), "{be}");
    let e = objects::create_many(
        &c,
        &SITE,
        vec![
            v(json!({"name": "Σίσυφος", "slug": "s1"})),
            v(json!({"name": "ΣΊΣΥΦΟΣ", "slug": "s2"})),
        ],
    )
    .await
    .unwrap_err();
    assert_eq!(e.status(), 400, "{be}");
    // Exact filters and search fold the same way.
    assert_eq!(names(&c, &SITE, "name=ústí").await, ["ÚSTÍ"], "{be}");
    assert_eq!(
        names(&c, &SITE, "q=úst&ordering=name").await,
        ["ÚSTÍ", "Ústí-2"]
    );
    assert_eq!(names(&c, &SITE, "q=STÍ-").await, ["Ústí-2"]);
    // Sign-in names too.
    let admin = ctx(t, Role::Admin);
    users::create(&admin, "Žofie", "long enough password", Role::Viewer)
        .await
        .unwrap();
    let e = users::create(&admin, "ŽOFIE", "long enough password", Role::Viewer)
        .await
        .unwrap_err();
    assert_eq!(field_errors(e), ["username"]);
    let who = users::authenticate(&t.db, "žofie", "long enough password", "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(who.username, "Žofie", "{be}");
}

async fn moving_a_container_moves_what_is_inside(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    let a = mk(&c, &SITE, json!({"name": "A"})).await;
    let b = mk(&c, &SITE, json!({"name": "B"})).await;
    let l = mk(&c, &LOCATION, json!({"name": "L", "site_id": a})).await;
    let l2 = mk(
        &c,
        &LOCATION,
        json!({"name": "L2", "site_id": a, "parent_id": l}),
    )
    .await;
    let r = mk(
        &c,
        &RACK,
        json!({"name": "R", "site_id": a, "location_id": l2}),
    )
    .await;
    let d = mk(
        &c,
        &DEVICE,
        json!({"name": "d1", "site_id": a, "rack_id": r}),
    )
    .await;
    let loose = mk(
        &c,
        &DEVICE,
        json!({"name": "d2", "site_id": a, "location_id": l}),
    )
    .await;
    assert_eq!(
        objects::get(&c, &DEVICE, d).await.unwrap().values["location_id"],
        json!(l2),
        "a device in a rack is where the rack is"
    );
    objects::update(&c, &LOCATION, l, v(json!({"site_id": b})))
        .await
        .unwrap();
    for (res, id) in [(&LOCATION, l2), (&RACK, r), (&DEVICE, d), (&DEVICE, loose)] {
        assert_eq!(
            objects::get(&c, res, id).await.unwrap().values["site_id"],
            json!(b),
            "{be}: {} {id}",
            res.singular
        );
    }
    // Everything moved is in the change log, and can be edited afterwards.
    let moved = changelog::list(
        &c,
        &changelog::ChangeFilter {
            object_type: Some("device".into()),
            object_id: Some(d),
            ..Default::default()
        },
        5,
        0,
    )
    .await
    .unwrap();
    assert_eq!(
        moved.rows[0].diff(),
        [("site_id".into(), a.to_string(), b.to_string())]
    );
    objects::update(&c, &LOCATION, l2, v(json!({"description": "moved"})))
        .await
        .unwrap();
    objects::update(&c, &DEVICE, d, v(json!({"description": "moved"})))
        .await
        .unwrap();

    // A rack moved to another location takes its devices along; to another site, too.
    let l3 = mk(&c, &LOCATION, json!({"name": "L3", "site_id": b})).await;
    objects::update(&c, &RACK, r, v(json!({"location_id": l3})))
        .await
        .unwrap();
    assert_eq!(
        objects::get(&c, &DEVICE, d).await.unwrap().values["location_id"],
        json!(l3)
    );
    objects::update(&c, &RACK, r, v(json!({"site_id": a, "location_id": null})))
        .await
        .unwrap();
    let dev = objects::get(&c, &DEVICE, d).await.unwrap();
    assert_eq!(
        (
            dev.values["site_id"].clone(),
            dev.values["location_id"].clone()
        ),
        (json!(a), Value::Null)
    );

    // A move that would put two devices of one name in a site is refused, naming them.
    mk(&c, &DEVICE, json!({"name": "d1", "site_id": b})).await;
    let e = objects::update(&c, &RACK, r, v(json!({"site_id": b})))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("device d1"), "{be}: {e}");
    assert_eq!(field_errors(e), ["site_id"]);
    // Bulk edit moves in the same way.
    let r2 = mk(&c, &RACK, json!({"name": "R2", "site_id": a})).await;
    let d3 = mk(
        &c,
        &DEVICE,
        json!({"name": "d3", "site_id": a, "rack_id": r2}),
    )
    .await;
    objects::bulk_update(
        &c,
        &RACK,
        &Selection::Ids(vec![r2]),
        v(json!({"site_id": b})),
    )
    .await
    .unwrap();
    assert_eq!(
        objects::get(&c, &DEVICE, d3).await.unwrap().values["site_id"],
        json!(b)
    );
}

async fn search_is_indexed_and_finds_substrings(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    for (name, serial) in [
        ("core-sw-01", "FOC2231X0AB"),
        ("edge_50%", "XYZ-\"quoted\""),
        ("Ústí router", "AA"),
    ] {
        mk(
            &c,
            &DEVICE,
            json!({"name": name, "site_id": hq, "serial": serial}),
        )
        .await;
    }
    assert_eq!(names(&c, &DEVICE, "q=2231x0").await, ["core-sw-01"], "{be}");
    assert_eq!(names(&c, &DEVICE, "q=50%").await, ["edge_50%"]);
    assert_eq!(names(&c, &DEVICE, "q=_5").await, ["edge_50%"]);
    assert_eq!(names(&c, &DEVICE, "q=\"quoted\"").await, ["edge_50%"]);
    assert_eq!(names(&c, &DEVICE, "q=ÚSTÍ R").await, ["Ústí router"]);
    assert_eq!(names(&c, &DEVICE, "q=aa").await, ["Ústí router"]);
    assert!(names(&c, &DEVICE, "q=zzz").await.is_empty());
    // A query longer than what the index is asked for is still matched whole.
    let long = "Rack-row-B-cabinet-12-top-of-rack-switch-uplink-primary";
    mk(&c, &DEVICE, json!({"name": long, "site_id": hq})).await;
    let q = long.to_uppercase();
    assert_eq!(names(&c, &DEVICE, &format!("q={q}")).await, [long]);
    let wrong_tail = format!("{}-secondary", &q[..40]);
    assert!(
        names(&c, &DEVICE, &format!("q={wrong_tail}"))
            .await
            .is_empty()
    );
    assert!(
        names(&c, &DEVICE, &format!("q={}", "0".repeat(5000)))
            .await
            .is_empty()
    );
    // A query of control characters only is no query, like a blank one.
    assert_eq!(names(&c, &DEVICE, "q=%00%1F").await.len(), 4, "{be}");
    assert_eq!(names(&c, &DEVICE, "q=%20").await.len(), 4);
    // The search text follows edits and deletes.
    let id = objects::list(
        &c,
        &DEVICE,
        &ListQuery::parse(&DEVICE, &pairs("q=core")).unwrap(),
    )
    .await
    .unwrap()
    .rows[0]
        .id;
    objects::update(&c, &DEVICE, id, v(json!({"serial": "NEW-SERIAL-9"})))
        .await
        .unwrap();
    assert!(names(&c, &DEVICE, "q=2231x0").await.is_empty());
    assert_eq!(names(&c, &DEVICE, "q=serial-9").await, ["core-sw-01"]);
    objects::delete(&c, &DEVICE, id).await.unwrap();
    assert!(names(&c, &DEVICE, "q=serial-9").await.is_empty());
}

async fn journal_entries_belong_to_their_object(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    let sw = mk(&c, &DEVICE, json!({"name": "sw1", "site_id": hq})).await;
    let j = mk(
        &c,
        &JOURNAL_ENTRY,
        json!({"assigned_object_type": "device", "assigned_object_id": sw, "summary": "Replaced PSU"}),
    )
    .await;
    let e = objects::get(&c, &JOURNAL_ENTRY, j).await.unwrap();
    assert_eq!(e.values["kind"], json!("info"), "{be}");
    let about = &e.refs["assigned_object"];
    assert_eq!((about.id, about.display.as_str()), (sw, "sw1"));
    for (bad, field) in [
        (
            json!({"assigned_object_type": "device", "assigned_object_id": 999}),
            "assigned_object_id",
        ),
        (
            json!({"assigned_object_type": "journal_entry", "assigned_object_id": 1}),
            "assigned_object_type",
        ),
        (json!({"assigned_object_id": sw}), "assigned_object_type"),
    ] {
        let mut input = bad.clone();
        input["summary"] = json!("x");
        let err = objects::create(&c, &JOURNAL_ENTRY, v(input))
            .await
            .unwrap_err();
        assert!(field_errors(err).contains(&field.to_string()), "{be} {bad}");
    }
    assert_eq!(
        names(
            &c,
            &JOURNAL_ENTRY,
            &format!("assigned_object_type=device&assigned_object_id={sw}")
        )
        .await,
        ["Replaced PSU"]
    );
    let detail = objects::detail(&c, &DEVICE, sw).await.unwrap();
    let journal = detail
        .related
        .iter()
        .find(|r| r.kind == Kind::JournalEntry)
        .unwrap();
    assert_eq!(journal.count, 1);
    assert_eq!(
        journal.filter,
        format!("assigned_object_type=device&assigned_object_id={sw}")
    );
    // Deleting the device takes its journal with it, both logged.
    objects::delete(&c, &DEVICE, sw).await.unwrap();
    assert!(objects::get(&c, &JOURNAL_ENTRY, j).await.is_err());
    let gone = changelog::list(
        &c,
        &changelog::ChangeFilter {
            object_type: Some("journal_entry".into()),
            action: Some(changelog::Action::Delete),
            ..Default::default()
        },
        5,
        0,
    )
    .await
    .unwrap();
    assert_eq!(gone.count, 1, "{be}");
}

async fn csv_exports_neutralise_formulas(t: &TestDb) {
    let be = t.backend;
    let c = ctx(t, Role::Editor);
    let hq = mk(&c, &SITE, json!({"name": "HQ"})).await;
    mk(
        &c,
        &DEVICE,
        json!({"name": "evil", "site_id": hq, "description": "=HYPERLINK(\"http://evil.invalid/\",\"x\")",
               "serial": "+1-555", "asset_tag": "@SUM(1+1)"}),
    )
    .await;
    let lq = ListQuery::parse(&DEVICE, &pairs("")).unwrap();
    let mut e = export::objects(&c, &DEVICE, lq, Format::Csv);
    let text = String::from_utf8(export::collect(&mut e).await.unwrap()).unwrap();
    assert!(text.contains("'+1-555"), "{be}: {text}");
    assert!(text.contains("'@SUM(1+1)"));
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.invalid/\"\",\"\"x\"\")\""));
    assert!(!text.contains(",=") && !text.contains(",+1") && !text.contains(",@"));
    // The change log exports the same way (the object's name is in it).
    let mut e = export::changes(&c, Default::default(), Format::Csv);
    let log = String::from_utf8(export::collect(&mut e).await.unwrap()).unwrap();
    assert!(log.lines().count() >= 3, "{log}");
    // JSON Lines: one object per line, the API's shape.
    let lq = ListQuery::parse(&DEVICE, &pairs("")).unwrap();
    let mut e = export::objects(&c, &DEVICE, lq, Format::JsonLines);
    let lines = String::from_utf8(export::collect(&mut e).await.unwrap()).unwrap();
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["serial"], json!("+1-555"));
    assert_eq!(first["site"]["display"], json!("HQ"));
}

app::db_tests!(
    new_kinds_on_existing_types,
    case_folds_alike_for_any_script,
    moving_a_container_moves_what_is_inside,
    search_is_indexed_and_finds_substrings,
    journal_entries_belong_to_their_object,
    csv_exports_neutralise_formulas,
);
