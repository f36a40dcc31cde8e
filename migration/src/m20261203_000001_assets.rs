//! The asset lifecycle (seed 000, NetBox's inventory-monitor plugin): asset types, assets,
//! contractors, contracts (nested), invoices, asset services, RMAs, external inventory records
//! (with their assets) and probes. Every single-line text column has its case-folded key and
//! every table its search text behind an index, as the inventory's other tables.

use crate::common::{Tbl, index, long, raw, text, ts};
use crate::m20261201_000001_typed_inventory::{fk_dyn, key, search_index, stamped_search};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_assets"
    }
}

/// A single-line text column and its key.
fn keyed(t: Tbl, name: &'static str, required: bool) -> Tbl {
    let c = if required {
        ColumnDef::new(name).string().not_null().to_owned()
    } else {
        text(name)
    };
    t.col(c).col(key(name, required))
}

fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().null().to_owned()
}

fn choice(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).string().not_null().to_owned()
}

fn money(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}

const TABLES: [&str; 9] = [
    "asset_types",
    "contractors",
    "contracts",
    "assets",
    "invoices",
    "asset_services",
    "rmas",
    "external_inventory",
    "probes",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Asset types.
        let t = keyed(Tbl::new("asset_types"), "name", true)
            .col(ColumnDef::new("slug").string().not_null().to_owned())
            .col(ColumnDef::new("colour").string().not_null().to_owned());
        stamped_search(m, keyed(t, "description", false)).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_asset_types_name ON asset_types (name_key)",
        )
        .await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_asset_types_slug ON asset_types (slug)",
        )
        .await?;

        // Contractors and contracts (a contract may be part of another).
        let t = keyed(Tbl::new("contractors"), "name", true);
        let t =
            keyed(t, "company", false)
                .col(long("address"))
                .r#ref("tenant_id", "tenants", false);
        stamped_search(m, t).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_contractors_name ON contractors (name_key)",
        )
        .await?;

        let t = keyed(Tbl::new("contracts"), "name", true);
        let t = keyed(t, "name_internal", false)
            .r#ref("contractor_id", "contractors", true)
            .col(choice("type"))
            .col(money("price"))
            .col(text("currency"))
            .col(date("signed"))
            .col(date("accepted"))
            .col(date("invoicing_start"))
            .col(date("invoicing_end"))
            .r#ref("parent_id", "contracts", false)
            .col(long("comments"));
        stamped_search(m, t).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_contracts_name ON contracts (name_key)",
        )
        .await?;
        index(m, "contracts", &["invoicing_end"]).await?;

        // Assets.
        let t = keyed(Tbl::new("assets"), "serial", false);
        let t = keyed(t, "part_number", false)
            .r#ref("type_id", "asset_types", false)
            .col(choice("assignment_status"))
            .col(choice("lifecycle_status"))
            .col(text("assigned_object_type"))
            .col(
                ColumnDef::new("assigned_object_id")
                    .big_integer()
                    .null()
                    .to_owned(),
            )
            .r#ref("order_contract_id", "contracts", false);
        let t = keyed(t, "project", false);
        let t = keyed(t, "vendor", false)
            .col(
                ColumnDef::new("quantity")
                    .big_integer()
                    .not_null()
                    .default(1)
                    .to_owned(),
            )
            .col(money("price"))
            .col(text("currency"))
            .col(date("warranty_start"))
            .col(date("warranty_end"));
        let t = keyed(t, "description", false).col(long("comments"));
        stamped_search(m, t).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_assets_serial ON assets (serial_key)",
        )
        .await?;
        index(m, "assets", &["assigned_object_type", "assigned_object_id"]).await?;
        index(m, "assets", &["lifecycle_status", "serial_key"]).await?;
        index(m, "assets", &["assignment_status"]).await?;
        index(m, "assets", &["warranty_end"]).await?;

        // Invoices and services.
        let t = keyed(Tbl::new("invoices"), "name", true);
        let t = keyed(t, "name_internal", false);
        let t = keyed(t, "project", false)
            .r#ref("contract_id", "contracts", true)
            .col(money("price"))
            .col(text("currency"))
            .col(date("invoicing_start"))
            .col(date("invoicing_end"))
            .col(long("comments"));
        stamped_search(m, t).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_invoices_contract_name ON invoices (contract_id, name_key)",
        )
        .await?;

        let t = Tbl::new("asset_services")
            .r#ref("asset_id", "assets", true)
            .r#ref("contract_id", "contracts", false)
            .col(date("service_start"))
            .col(date("service_end"))
            .col(money("service_price"))
            .col(text("currency"));
        let t = keyed(t, "service_category", false);
        let t = keyed(t, "service_category_vendor", false).col(long("comments"));
        stamped_search(m, t).await?;
        index(m, "asset_services", &["service_end"]).await?;

        // RMAs: both serials are looked up when matching probes to assets.
        let t = keyed(Tbl::new("rmas"), "rma_number", false).r#ref("asset_id", "assets", true);
        let t = keyed(t, "original_serial", false);
        let t = keyed(t, "replacement_serial", false)
            .col(choice("status"))
            .col(date("date_issued"))
            .col(date("date_replaced"))
            .col(long("issue_description"))
            .col(long("vendor_response"));
        stamped_search(m, t).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_rmas_rma_number ON rmas (rma_number_key)",
        )
        .await?;
        index(m, "rmas", &["original_serial_key"]).await?;
        index(m, "rmas", &["replacement_serial_key"]).await?;
        index(m, "rmas", &["status"]).await?;

        // External inventory records and their assets.
        let t = keyed(Tbl::new("external_inventory"), "inventory_number", true);
        let t = keyed(t, "name", false);
        let t = keyed(t, "status", false);
        let t = keyed(t, "project_code", false);
        let t = keyed(t, "user_name", false).col(long("user_note"));
        stamped_search(m, t).await?;
        raw(
            m,
            "CREATE UNIQUE INDEX ux_external_inventory_number ON external_inventory (inventory_number_key)",
        )
        .await?;
        m.create_table(
            Table::create()
                .table("external_inventory_assets")
                .col(
                    ColumnDef::new("external_inventory_id")
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new("asset_id").big_integer().not_null())
                .primary_key(Index::create().col("external_inventory_id").col("asset_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_external_inventory_assets_external_inventory_id")
                        .from("external_inventory_assets", "external_inventory_id")
                        .to("external_inventory", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut fk_dyn(
                    "external_inventory_assets",
                    "asset_id",
                    "assets",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "external_inventory_assets", &["asset_id"]).await?;

        // Probes, written by discovery scripts: an asset's newest probe is found by serial.
        let t = Tbl::new("probes").col(ts("time"));
        let t = keyed(t, "device_descriptor", false);
        let t = keyed(t, "site_descriptor", false);
        let t = keyed(t, "location_descriptor", false);
        let t = keyed(t, "serial", false);
        let t = keyed(t, "part_number", false);
        let t = keyed(t, "name", false);
        let t = keyed(t, "description", false);
        let t = keyed(t, "category", false)
            .r#ref("device_id", "devices", false)
            .r#ref("site_id", "sites", false)
            .r#ref("location_id", "locations", false)
            .col(
                ColumnDef::new("discovered_data")
                    .json_binary()
                    .null()
                    .to_owned(),
            );
        stamped_search(m, t).await?;
        index(m, "probes", &["serial_key", "time"]).await?;
        index(m, "probes", &["time"]).await?;
        index(
            m,
            "probes",
            &["site_descriptor_key", "location_descriptor_key"],
        )
        .await?;

        for table in TABLES {
            search_index(m, table).await?;
        }
        Ok(())
    }
}
