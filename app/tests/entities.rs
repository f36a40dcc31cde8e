//! The typed core on SQLite and PostgreSQL: every entity matches the table the migrations
//! build (names, nullability, kind of value) and every table has an entity; an unknown value
//! stored in an enum column is an error naming table, column and value; job parameters are
//! checked in the service whichever door a run is started by.

use app::error::AppError;
use app::model::Role;
use app::model::history::{JobKind, Source};
use app::ssr::entities::{self, ValueKind};
use app::ssr::services::history::{exec, rows};
use app::ssr::services::{Actor, Ctx, jobs};
use app::ssr::testing::TestDb;
use sea_orm::FromQueryResult;
use serde_json::json;
use std::collections::BTreeMap;

fn ctx(t: &TestDb, role: Role) -> Ctx {
    Ctx::new(
        t.db.clone(),
        Actor {
            user_id: None,
            username: format!("{}-user", role.as_str()),
            role,
        },
        "req-entities",
    )
}

#[derive(FromQueryResult)]
struct DbColumn {
    name: String,
    declared: String,
    not_null: i64,
}

#[derive(FromQueryResult)]
struct DbTable {
    name: String,
}

/// The columns of a table as the database describes them.
async fn db_columns(t: &TestDb, table: &str) -> BTreeMap<String, (Option<ValueKind>, bool)> {
    let sql = if t.backend == "sqlite" {
        "SELECT name, type AS declared, \"notnull\" AS not_null FROM pragma_table_info(?)"
    } else {
        "SELECT column_name AS name, data_type AS declared, \
         CAST(CASE WHEN is_nullable = 'YES' THEN 0 ELSE 1 END AS BIGINT) AS not_null \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
    };
    rows::<DbColumn, _>(&t.db.conn, sql, vec![table.into()])
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, (ValueKind::of_sql(&c.declared), c.not_null == 0)))
        .collect()
}

async fn db_tables(t: &TestDb) -> Vec<String> {
    let sql = if t.backend == "sqlite" {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    } else {
        "SELECT table_name AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    };
    rows::<DbTable, _>(&t.db.conn, sql, vec![])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .filter(|n| n != "seaql_migrations")
        .collect()
}

async fn entities_match_the_migrated_tables(t: &TestDb) {
    let be = t.backend;
    let described = entities::all();
    let mut problems = vec![];
    for table in db_tables(t).await {
        // SQLite's full-text tables belong to the table they index.
        let fts = table.contains("_fts");
        if !fts && !described.iter().any(|d| d.table == table) {
            problems.push(format!("table {table} has no entity"));
        }
    }
    for d in &described {
        let cols = db_columns(t, &d.table).await;
        if cols.is_empty() {
            problems.push(format!("entity {} has no table", d.table));
            continue;
        }
        for c in &d.columns {
            match cols.get(&c.name) {
                None => problems.push(format!("{}.{}: no such column", d.table, c.name)),
                Some((kind, nullable)) => {
                    if c.kind.is_none() || *kind != c.kind {
                        problems.push(format!(
                            "{}.{}: the entity holds {:?}, the table {:?}",
                            d.table, c.name, c.kind, kind
                        ));
                    }
                    if *nullable != c.nullable {
                        problems.push(format!(
                            "{}.{}: nullable in the entity {}, in the table {}",
                            d.table, c.name, c.nullable, nullable
                        ));
                    }
                }
            }
        }
        for name in cols.keys() {
            if !d.columns.iter().any(|c| &c.name == name) {
                problems.push(format!("{}.{name}: not in the entity", d.table));
            }
        }
    }
    assert!(problems.is_empty(), "{be}:\n{}", problems.join("\n"));
}

async fn an_unknown_stored_value_names_its_place(t: &TestDb) {
    let c = ctx(t, Role::Admin);
    let job = jobs::enqueue(&c, JobKind::Rollup, json!({}), jobs::Trigger::User, None)
        .await
        .unwrap()
        .unwrap();
    exec(
        &t.db.conn,
        "UPDATE job_runs SET kind = 'defragment' WHERE id = ?",
        vec![job.id.into()],
    )
    .await
    .unwrap();
    for e in [
        jobs::get(&c, job.id).await.unwrap_err(),
        jobs::list(
            &c,
            &jobs::JobFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap_err(),
    ] {
        assert_eq!(e.status(), 500, "{e:?}");
    }
    // The message the log gets names table, column and value.
    use sea_orm::EntityTrait;
    let err = entities::job_run::Entity::find()
        .all(&t.db.conn)
        .await
        .map_err(|e| entities::stored("job_runs", e))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("job_runs.kind holds 'defragment'"),
        "{}: {err}",
        t.backend
    );
}

async fn job_parameters_are_checked_for_every_door(t: &TestDb) {
    let c = ctx(t, Role::Admin);
    let bad = [
        (
            JobKind::Collect(Source::Ninja),
            json!({"as_of": "yesterday"}),
            "as_of",
        ),
        (
            JobKind::Collect(Source::Ninja),
            json!({"from": "2026-01-01"}),
            "params",
        ),
        (
            JobKind::Rollup,
            json!({"from": "2026-02-01", "to": "2026-01-01"}),
            "to",
        ),
        (JobKind::Retention, json!([1]), "params"),
    ];
    for (kind, params, field) in bad {
        let e = jobs::enqueue(&c, kind, params.clone(), jobs::Trigger::User, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Invalid { fields, .. } if fields.contains_key(field)),
            "{kind:?} {params}: {e:?}"
        );
    }
    let j = jobs::enqueue(
        &c,
        JobKind::Rollup,
        json!({"from": "2026-01-01", "to": null}),
        jobs::Trigger::Cli,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(j.params, json!({"from": "2026-01-01"}));
}

async fn collections_recorded_before_sources_had_a_column_keep_their_source(t: &TestDb) {
    use migration::{Migrator, MigratorTrait};
    Migrator::up(&t.db.conn, Some(3)).await.unwrap();
    for kind in ["collect_threatlocker", "rollup"] {
        exec(
            &t.db.conn,
            "INSERT INTO job_runs (kind, params, trigger, requested_by, status, progress_done, \
             cancel_requested, queued_at) VALUES (?, '{}', 'user', 'alice', 'succeeded', 0, ?, ?)",
            vec![kind.into(), false.into(), chrono::Utc::now().into()],
        )
        .await
        .unwrap();
    }
    Migrator::up(&t.db.conn, None).await.unwrap();
    let c = ctx(t, Role::Viewer);
    let (_, list) = jobs::list(
        &c,
        &jobs::JobFilter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let kinds: Vec<JobKind> = list.iter().map(|j| j.kind).collect();
    assert_eq!(
        kinds,
        vec![JobKind::Rollup, JobKind::Collect(Source::Threatlocker)],
        "{}",
        t.backend
    );
}

app::db_tests!(
    entities_match_the_migrated_tables,
    an_unknown_stored_value_names_its_place,
    job_parameters_are_checked_for_every_door,
);

app::unmigrated_db_tests!(
    collections_recorded_before_sources_had_a_column_keep_their_source,
    every_search_is_indexed_with_a_short_pending_list,
);

#[derive(FromQueryResult)]
struct SearchIndex {
    name: String,
    options: Option<String>,
}

/// Every table with a search text has its index: an FTS5 table on SQLite, a trigram GIN index
/// with a short pending list on PostgreSQL (an install from before the option is switched over
/// by its migration, and what the index held pending is merged).
async fn every_search_is_indexed_with_a_short_pending_list(t: &TestDb) {
    use migration::{Migrator, MigratorTrait};
    Migrator::up(&t.db.conn, Some(5)).await.unwrap();
    if t.backend == "postgres" {
        // As a database migrated before the index options were set.
        exec(
            &t.db.conn,
            "ALTER INDEX ix_devices_search RESET (gin_pending_list_limit)",
            vec![],
        )
        .await
        .unwrap();
    }
    Migrator::up(&t.db.conn, None).await.unwrap();
    let tables = db_tables(t).await;
    let mut searched = vec![];
    for table in &tables {
        if !table.contains("_fts") && db_columns(t, table).await.contains_key("search_text") {
            searched.push(table.clone());
        }
    }
    assert!(searched.contains(&"devices".to_string()), "{searched:?}");
    // Snapshots search their own text within one day's list (an index on the day); the
    // inventory's tables search everything.
    for table in searched.iter().filter(|t| *t != "snapshots") {
        if t.backend == "sqlite" {
            assert!(
                tables.contains(&format!("{table}_fts")),
                "{table} has no FTS5 table"
            );
            continue;
        }
        let found = rows::<SearchIndex, _>(
            &t.db.conn,
            "SELECT c.relname AS name, array_to_string(c.reloptions, ',') AS options \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_class r ON r.oid = i.indrelid JOIN pg_am a ON a.oid = c.relam \
             WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace \
             AND a.amname = 'gin'",
            vec![table.as_str().into()],
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 1, "{table}: {}", found.len());
        assert_eq!(
            found[0].options.as_deref(),
            Some("gin_pending_list_limit=256"),
            "{}",
            found[0].name
        );
    }
}
