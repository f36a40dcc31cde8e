//! The typed inventory: every single-line text column gets its case-folded key (computed in
//! Rust, so uniqueness, exact filters and sign-in names fold any script alike on SQLite and
//! PostgreSQL) and the unique and sort indexes move from `lower(...)` to the keys; every
//! inventory table gets a search text behind an index (an FTS5 trigram table kept in step by
//! triggers on SQLite, a `pg_trgm` GIN index on PostgreSQL); new fields of new kinds (site
//! coordinates, rack unit order, device purchase, warranty, price, audit and custom fields,
//! circuit dates); tags with colours and their sets on sites, racks, devices and circuits; and
//! journal entries about any object.

use crate::common::{Tbl, index, raw, text, ts_null};
use crate::text::{fold, search_text};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_typed_inventory"
    }
}

/// Each inventory table as it stands after this migration: its single-line text columns
/// (which get keys) and its search columns, in the order the search text joins them.
const TABLES: &[(&str, &[&str], &[&str])] = &[
    (
        "tenants",
        &["name", "description"],
        &["name", "slug", "description"],
    ),
    (
        "regions",
        &["name", "description"],
        &["name", "slug", "description"],
    ),
    (
        "site_groups",
        &["name", "description"],
        &["name", "slug", "description"],
    ),
    (
        "sites",
        &["name", "facility", "description"],
        &[
            "name",
            "slug",
            "facility",
            "physical_address",
            "description",
        ],
    ),
    (
        "locations",
        &["name", "description"],
        &["name", "slug", "description"],
    ),
    ("racks", &["name", "description"], &["name", "description"]),
    (
        "manufacturers",
        &["name", "description"],
        &["name", "slug", "description"],
    ),
    (
        "devices",
        &[
            "name",
            "role",
            "model",
            "serial",
            "asset_tag",
            "platform",
            "firmware_version",
            "description",
        ],
        &["name", "serial", "asset_tag"],
    ),
    (
        "providers",
        &["name", "description"],
        &["name", "slug", "description"],
    ),
    (
        "circuits",
        &["circuit_id", "description"],
        &["circuit_id", "description"],
    ),
];

/// Tables made here, searched by these columns.
const NEW_TABLES: &[(&str, &[&str])] = &[
    ("tags", &["name", "slug", "description"]),
    ("journal_entries", &["summary"]),
];

/// The indexes on `lower(...)` that the keys replace, and what replaces them.
const INDEXES: &[(&str, &str)] = &[
    (
        "ux_tenants_name",
        "CREATE UNIQUE INDEX ux_tenants_name ON tenants (name_key)",
    ),
    (
        "ux_manufacturers_name",
        "CREATE UNIQUE INDEX ux_manufacturers_name ON manufacturers (name_key)",
    ),
    (
        "ux_providers_name",
        "CREATE UNIQUE INDEX ux_providers_name ON providers (name_key)",
    ),
    (
        "ux_regions_name",
        "CREATE UNIQUE INDEX ux_regions_name ON regions (name_key)",
    ),
    (
        "ux_site_groups_name",
        "CREATE UNIQUE INDEX ux_site_groups_name ON site_groups (name_key)",
    ),
    (
        "ux_sites_name",
        "CREATE UNIQUE INDEX ux_sites_name ON sites (name_key)",
    ),
    (
        "ux_locations_site_name",
        "CREATE UNIQUE INDEX ux_locations_site_name ON locations (site_id, name_key)",
    ),
    (
        "ix_locations_lower_name",
        "CREATE INDEX ix_locations_name ON locations (name_key)",
    ),
    (
        "ix_racks_lower_name",
        "CREATE INDEX ix_racks_name ON racks (name_key)",
    ),
    (
        "ux_devices_site_name",
        "CREATE UNIQUE INDEX ux_devices_site_name ON devices (site_id, name_key)",
    ),
    (
        "ux_devices_asset_tag",
        "CREATE UNIQUE INDEX ux_devices_asset_tag ON devices (asset_tag_key)",
    ),
    (
        "ix_devices_lower_name",
        "CREATE INDEX ix_devices_name ON devices (name_key)",
    ),
    (
        "ix_devices_status_name",
        "CREATE INDEX ix_devices_status_name ON devices (status, name_key)",
    ),
    (
        "ix_devices_serial",
        "CREATE INDEX ix_devices_serial ON devices (serial_key)",
    ),
    (
        "ux_circuits_provider_cid",
        "CREATE UNIQUE INDEX ux_circuits_provider_circuit_id ON circuits (provider_id, circuit_id_key)",
    ),
    (
        "ix_circuits_lower_cid",
        "CREATE INDEX ix_circuits_circuit_id ON circuits (circuit_id_key)",
    ),
    (
        "ux_users_username",
        "CREATE UNIQUE INDEX ux_users_username ON users (username_key)",
    ),
];

fn add(table: &str, col: ColumnDef) -> TableAlterStatement {
    Table::alter()
        .table(table.to_string())
        .add_column(col)
        .to_owned()
}

pub(crate) fn key(name: &str, required: bool) -> ColumnDef {
    let mut c = ColumnDef::new(format!("{name}_key"));
    c.text();
    if required {
        c.not_null().default("");
    } else {
        c.null();
    }
    c.to_owned()
}

pub(crate) async fn stamped_search(m: &SchemaManager<'_>, t: Tbl) -> Result<(), DbErr> {
    t.col(
        ColumnDef::new("search_text")
            .text()
            .not_null()
            .default("")
            .to_owned(),
    )
    .stamped()
    .create(m)
    .await
}

/// The schema `pg_trgm` lives in (installed by the application before migrating, or here).
async fn trgm_schema(m: &SchemaManager<'_>) -> Result<String, DbErr> {
    let conn = m.get_connection();
    let find = || {
        Statement::from_string(
            DbBackend::Postgres,
            "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname = 'pg_trgm'",
        )
    };
    if let Some(r) = conn.query_one_raw(find()).await? {
        return r.try_get("", "schema");
    }
    conn.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        .await
        .map_err(|e| {
            DbErr::Migration(format!(
                "Census needs the PostgreSQL extension pg_trgm for its search indexes and could not \
                 install it ({e}); ask an administrator to run CREATE EXTENSION pg_trgm in this database."
            ))
        })?;
    match conn.query_one_raw(find()).await? {
        Some(r) => r.try_get("", "schema"),
        None => Err(DbErr::Migration("pg_trgm is not installed".into())),
    }
}

/// The free-text search index of `table`.
pub(crate) async fn search_index(m: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    match m.get_database_backend() {
        DbBackend::Postgres => {
            let schema = trgm_schema(m).await?;
            raw(
                m,
                &format!(
                    "CREATE INDEX ix_{table}_search ON {table} USING gin (search_text \"{schema}\".gin_trgm_ops) \
                     WITH (gin_pending_list_limit = 256)"
                ),
            )
            .await
        }
        _ => {
            // An FTS5 table over the search text (trigrams: any substring of three characters
            // or more), kept in step with the table by triggers whoever writes.
            let fts = format!("{table}_fts");
            for sql in [
                format!(
                    "CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', \
                     content_rowid='id', tokenize='trigram case_sensitive 1')"
                ),
                format!(
                    "CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN \
                     INSERT INTO {fts} (rowid, search_text) VALUES (new.id, new.search_text); END"
                ),
                format!(
                    "CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN \
                     INSERT INTO {fts} ({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
                ),
                format!(
                    "CREATE TRIGGER {fts}_update AFTER UPDATE OF search_text ON {table} BEGIN \
                     INSERT INTO {fts} ({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); \
                     INSERT INTO {fts} (rowid, search_text) VALUES (new.id, new.search_text); END"
                ),
                format!("INSERT INTO {fts} ({fts}) VALUES ('rebuild')"),
            ] {
                raw(m, &sql).await?;
            }
            Ok(())
        }
    }
}

/// Compute the keys and search text of every stored row of `table`, in Rust.
async fn backfill(
    m: &SchemaManager<'_>,
    table: &str,
    keyed: &[&str],
    searched: Option<&[&str]>,
) -> Result<(), DbErr> {
    let searched = searched.unwrap_or(&[]);
    let with_search = !searched.is_empty();
    let conn = m.get_connection();
    let backend = m.get_database_backend();
    let mut cols: Vec<&str> = keyed.to_vec();
    for s in searched {
        if !cols.contains(s) {
            cols.push(s);
        }
    }
    let select = format!("SELECT id, {} FROM {table} ORDER BY id", cols.join(", "));
    let rows = conn
        .query_all_raw(Statement::from_string(backend, select))
        .await?;
    let mut sets: Vec<String> = keyed.iter().map(|k| format!("{k}_key = ?")).collect();
    if with_search {
        sets.push("search_text = ?".into());
    }
    let mut sql = format!("UPDATE {table} SET {} WHERE id = ?", sets.join(", "));
    if backend == DbBackend::Postgres {
        let mut n = 0;
        sql = sql
            .split('?')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    n += 1;
                    format!("${n}{part}")
                }
            })
            .collect();
    }
    for r in rows {
        let id: i64 = r.try_get("", "id")?;
        let mut values: Vec<Value> = vec![];
        let mut texts = std::collections::HashMap::new();
        for c in &cols {
            let v: Option<String> = r.try_get("", c)?;
            texts.insert(*c, v);
        }
        for k in keyed {
            values.push(texts[k].as_deref().map(fold).into());
        }
        if with_search {
            let search = search_text(searched.iter().filter_map(|s| texts[s].as_deref()));
            values.push(search.into());
        }
        values.push(id.into());
        conn.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // --- keys and search text of the existing tables --------------------------------
        for (table, keyed, _) in TABLES {
            for k in *keyed {
                let required = matches!(*k, "name" | "circuit_id");
                m.alter_table(add(table, key(k, required))).await?;
            }
            m.alter_table(add(
                table,
                ColumnDef::new("search_text")
                    .text()
                    .not_null()
                    .default("")
                    .to_owned(),
            ))
            .await?;
        }
        m.alter_table(add("users", key("username", true))).await?;

        // --- new fields -------------------------------------------------------------------
        for c in ["latitude", "longitude"] {
            m.alter_table(add(
                "sites",
                ColumnDef::new(c).big_integer().null().to_owned(),
            ))
            .await?;
        }
        m.alter_table(add(
            "racks",
            ColumnDef::new("desc_units")
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ))
        .await?;
        for c in [
            ColumnDef::new("purchase_date").date().null().to_owned(),
            ColumnDef::new("warranty_end").date().null().to_owned(),
            ColumnDef::new("purchase_price")
                .big_integer()
                .null()
                .to_owned(),
            text("currency"),
            ts_null("last_audit_at"),
            ColumnDef::new("custom_fields")
                .json_binary()
                .null()
                .to_owned(),
        ] {
            m.alter_table(add("devices", c)).await?;
        }
        for c in ["install_date", "termination_date"] {
            m.alter_table(add("circuits", ColumnDef::new(c).date().null().to_owned()))
                .await?;
        }

        // --- tags and journal entries ---------------------------------------------------------
        stamped_search(
            m,
            Tbl::new("tags")
                .col(ColumnDef::new("name").string().not_null().to_owned())
                .col(key("name", true))
                .col(ColumnDef::new("slug").string().not_null().to_owned())
                .col(ColumnDef::new("colour").string().not_null().to_owned())
                .col(text("description"))
                .col(key("description", false)),
        )
        .await?;
        raw(m, "CREATE UNIQUE INDEX ux_tags_name ON tags (name_key)").await?;
        raw(m, "CREATE UNIQUE INDEX ux_tags_slug ON tags (slug)").await?;
        for (owner, table) in [
            ("site", "sites"),
            ("rack", "racks"),
            ("device", "devices"),
            ("circuit", "circuits"),
        ] {
            let join = format!("{owner}_tags");
            let owner_col = format!("{owner}_id");
            m.create_table(
                Table::create()
                    .table(join.clone())
                    .col(ColumnDef::new(owner_col.clone()).big_integer().not_null())
                    .col(ColumnDef::new("tag_id").big_integer().not_null())
                    .primary_key(Index::create().col(owner_col.clone()).col("tag_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name(format!("fk_{join}_{owner_col}"))
                            .from(join.clone(), owner_col.clone())
                            .to(table, "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk_dyn(&join, "tag_id", "tags"))
                    .to_owned(),
            )
            .await?;
            index(m, &join, &["tag_id"]).await?;
        }
        stamped_search(
            m,
            Tbl::new("journal_entries")
                .col(
                    ColumnDef::new("assigned_object_type")
                        .string()
                        .not_null()
                        .to_owned(),
                )
                .col(
                    ColumnDef::new("assigned_object_id")
                        .big_integer()
                        .not_null()
                        .to_owned(),
                )
                .col(ColumnDef::new("summary").string().not_null().to_owned())
                .col(key("summary", true))
                .col(ColumnDef::new("kind").string().not_null().to_owned())
                .col(ColumnDef::new("comments").text().null().to_owned()),
        )
        .await?;
        raw(
            m,
            "CREATE INDEX ix_journal_entries_object ON journal_entries (assigned_object_type, assigned_object_id)",
        )
        .await?;
        raw(
            m,
            "CREATE INDEX ix_journal_entries_summary ON journal_entries (summary_key)",
        )
        .await?;
        raw(
            m,
            "CREATE INDEX ix_journal_entries_kind ON journal_entries (kind)",
        )
        .await?;

        // --- the stored rows' keys, then the indexes on them ---------------------------------
        for (table, keyed, searched) in TABLES {
            backfill(m, table, keyed, Some(searched)).await?;
        }
        backfill(m, "users", &["username"], None).await?;
        for (old, create) in INDEXES {
            raw(m, &format!("DROP INDEX {old}")).await?;
            raw(m, create).await?;
        }
        for (table, _, _) in TABLES {
            search_index(m, table).await?;
        }
        for (table, _) in NEW_TABLES {
            search_index(m, table).await?;
        }
        Ok(())
    }
}

/// A foreign key between tables named at run time.
pub(crate) fn fk_dyn(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table.to_string(), column.to_string())
        .to(to.to_string(), "id")
        .on_delete(ForeignKeyAction::NoAction)
        .to_owned()
}
