//! The foundation: users, API tokens, sessions, sign-in throttling, the change log and the
//! inventory core (tenants, regions, site groups, sites, locations, racks, manufacturers,
//! devices, providers, circuits).

use crate::common::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261121_000001_core"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // --- people and access -----------------------------------------------------------
        Tbl::new("users")
            .col(text_req("username"))
            .col(text_req("password_hash"))
            .col(text_req("role"))
            .col(
                ColumnDef::new("is_active")
                    .boolean()
                    .not_null()
                    .default(true)
                    .to_owned(),
            )
            .col(ts_null("last_login_at"))
            .stamped()
            .create(m)
            .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_users_username ON users (lower(username))",
        )
        .await?;

        Tbl::new("api_tokens")
            .r#ref("user_id", "users", true)
            .col(text_req("description"))
            .col(text_req("token_hash"))
            .col(text_req("token_prefix"))
            .col(ts("created_at"))
            .col(ts_null("last_used_at"))
            .create(m)
            .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_api_tokens_hash ON api_tokens (token_hash)",
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(ColumnDef::new("id").string().not_null().primary_key())
                .col(ColumnDef::new("data").text().not_null())
                .col(ts("expiry_date"))
                .to_owned(),
        )
        .await?;
        index(m, "sessions", &["expiry_date"]).await?;

        Tbl::new("login_attempts")
            .col(text_req("username"))
            .col(text_req("client_addr"))
            .col(ts("attempted_at"))
            .create(m)
            .await?;
        index(m, "login_attempts", &["username", "attempted_at"]).await?;
        index(m, "login_attempts", &["client_addr", "attempted_at"]).await?;

        Tbl::new("change_log")
            .col(ts("time"))
            .col(text_req("request_id"))
            .col(int("user_id"))
            .col(text_req("username"))
            .col(text_req("object_type"))
            .col(int_req("object_id"))
            .col(text_req("object_repr"))
            .col(text_req("action"))
            .col(long("before_data"))
            .col(long("after_data"))
            .create(m)
            .await?;
        index(m, "change_log", &["object_type", "object_id"]).await?;
        index(m, "change_log", &["time"]).await?;
        index(m, "change_log", &["username"]).await?;
        index(m, "change_log", &["request_id"]).await?;

        // --- organisation and places -----------------------------------------------------
        for t in ["tenants", "manufacturers", "providers"] {
            Tbl::new(t)
                .col(text_req("name"))
                .col(text_req("slug"))
                .col(text("description"))
                .stamped()
                .create(m)
                .await?;
        }
        for t in ["regions", "site_groups"] {
            Tbl::new(t)
                .col(text_req("name"))
                .col(text_req("slug"))
                .r#ref("parent_id", t, false)
                .col(text("description"))
                .stamped()
                .create(m)
                .await?;
        }
        Tbl::new("sites")
            .col(text_req("name"))
            .col(text_req("slug"))
            .col(text_req("status"))
            .r#ref("region_id", "regions", false)
            .r#ref("site_group_id", "site_groups", false)
            .r#ref("tenant_id", "tenants", false)
            .col(text("facility"))
            .col(text("time_zone"))
            .col(long("physical_address"))
            .col(text("description"))
            .stamped()
            .create(m)
            .await?;
        index(m, "sites", &["status"]).await?;
        for t in [
            "tenants",
            "manufacturers",
            "providers",
            "regions",
            "site_groups",
            "sites",
        ] {
            raw(
                m,
                &format!("CREATE UNIQUE INDEX ux_{t}_name ON {t} (lower(name))"),
            )
            .await?;
            raw(m, &format!("CREATE UNIQUE INDEX ux_{t}_slug ON {t} (slug)")).await?;
        }

        Tbl::new("locations")
            .col(text_req("name"))
            .col(text_req("slug"))
            .r#ref("site_id", "sites", true)
            .r#ref("parent_id", "locations", false)
            .col(text_req("status"))
            .r#ref("tenant_id", "tenants", false)
            .col(text("description"))
            .stamped()
            .create(m)
            .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_locations_site_name ON locations (site_id, lower(name))",
        )
        .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_locations_site_slug ON locations (site_id, slug)",
        )
        .await?;
        raw(
            m,
            "CREATE INDEX ix_locations_lower_name ON locations (lower(name))",
        )
        .await?;

        Tbl::new("racks")
            .col(text_req("name"))
            .r#ref("site_id", "sites", true)
            .r#ref("location_id", "locations", false)
            .col(text_req("status"))
            .r#ref("tenant_id", "tenants", false)
            .col(int("units"))
            .col(text("description"))
            .stamped()
            .create(m)
            .await?;
        // Uniqueness within (site, location or none) is a service rule: NULLs are distinct in
        // unique indexes. This index serves it and name lookups.
        raw(m, "CREATE INDEX ix_racks_lower_name ON racks (lower(name))").await?;

        // --- devices ----------------------------------------------------------------------
        Tbl::new("devices")
            .col(text_req("name"))
            .col(text_req("status"))
            .col(text("role"))
            .r#ref("manufacturer_id", "manufacturers", false)
            .col(text("model"))
            .col(text("serial"))
            .col(text("asset_tag"))
            .col(text("platform"))
            .col(text("firmware_version"))
            .col(text("primary_ipv4"))
            .col(text("primary_ipv6"))
            .col(text("mac_address"))
            // Site lookups use ux_devices_site_name (site_id leads).
            .unindexed_ref("site_id", "sites", true)
            .r#ref("location_id", "locations", false)
            .r#ref("rack_id", "racks", false)
            .r#ref("tenant_id", "tenants", false)
            .col(text("description"))
            .col(long("comments"))
            .stamped()
            .create(m)
            .await?;
        // Indexes follow the filters, sorts and uniqueness checks; each one slows every insert,
        // so rarely used filters (role, platform, model) scan instead. Text sorts and
        // case-insensitive text filters use lower(...).
        for sql in [
            "CREATE UNIQUE INDEX ux_devices_site_name ON devices (site_id, lower(name))",
            "CREATE UNIQUE INDEX ux_devices_asset_tag ON devices (lower(asset_tag))",
            "CREATE INDEX ix_devices_lower_name ON devices (lower(name))",
            "CREATE INDEX ix_devices_status_name ON devices (status, lower(name))",
            "CREATE INDEX ix_devices_serial ON devices (lower(serial))",
            "CREATE INDEX ix_devices_primary_ipv4 ON devices (primary_ipv4)",
            "CREATE INDEX ix_devices_mac_address ON devices (mac_address)",
        ] {
            raw(m, sql).await?;
        }

        // --- circuits ---------------------------------------------------------------------
        Tbl::new("circuits")
            .col(text_req("circuit_id"))
            .r#ref("provider_id", "providers", true)
            .col(text("type"))
            .col(text_req("status"))
            .col(int("commit_rate"))
            .r#ref("a_side_site_id", "sites", false)
            .r#ref("z_side_site_id", "sites", false)
            .col(text("description"))
            .stamped()
            .create(m)
            .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_circuits_provider_cid ON circuits (provider_id, lower(circuit_id))",
        )
        .await?;
        raw(
            m,
            "CREATE INDEX ix_circuits_lower_cid ON circuits (lower(circuit_id))",
        )
        .await?;
        index(m, "circuits", &["status"]).await?;
        for t in ["locations", "racks"] {
            index(m, t, &["status"]).await?;
        }
        Ok(())
    }
}
