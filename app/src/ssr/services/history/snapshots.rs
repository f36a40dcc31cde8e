//! Writing a day's snapshots of one source: one row per device, replacing what an earlier run
//! of the same day wrote, mapped to Census sites and devices, then rolled up — all in one
//! transaction, so a failed run leaves the earlier data exactly as they were.

use super::super::Ctx;
use super::super::text::fold;
use super::mapping::{self, Resolver};
use super::rules::{SpareRules, normalize_hostname, normalize_serial};
use super::{rollup, rows, settings};
use crate::error::AppError;
use crate::model::history::{Classification, Source};
use crate::ssr::entities::{snapshot, snapshot_raw};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set,
};
use serde::Serialize;
use std::collections::HashMap;

/// One device as a collector read it, before Census's rules and mappings are applied.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotIn {
    pub external_id: String,
    pub hostname: Option<String>,
    pub display_name: Option<String>,
    pub org_name: String,
    pub location_name: String,
    pub node_class: Option<String>,
    pub classification: Classification,
    pub os_name: Option<String>,
    pub serial: Option<String>,
    /// Lower-case colon form.
    pub mac_addresses: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub last_contact: Option<DateTime<Utc>>,
    /// The record exactly as the source sent it.
    pub raw: serde_json::Value,
}

impl SnapshotIn {
    /// Remove the control characters Census refuses in text
    /// ([`crate::ssr::services::text::strip_controls`]) from every text the source sent: one odd
    /// name must neither fail the collection on PostgreSQL nor be stored differently on SQLite.
    pub fn strip_controls(&mut self) {
        use crate::ssr::services::text::strip_controls as strip;
        let own = |s: &mut String| {
            if let std::borrow::Cow::Owned(clean) = strip(s) {
                *s = clean;
            }
        };
        own(&mut self.external_id);
        own(&mut self.org_name);
        own(&mut self.location_name);
        for s in [
            &mut self.hostname,
            &mut self.display_name,
            &mut self.node_class,
            &mut self.os_name,
            &mut self.serial,
        ]
        .into_iter()
        .flatten()
        {
            own(s);
        }
        self.mac_addresses.iter_mut().for_each(own);
        self.ip_addresses.iter_mut().for_each(own);
    }
}

/// What is worked out for one device before the write transaction.
struct Prepared {
    spare: bool,
    device: Option<i64>,
    host: Option<String>,
    serial: Option<String>,
    sort_name: String,
    search_text: String,
}

/// What a write did, for the job's result and log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WriteSummary {
    pub date: String,
    pub source: String,
    pub devices: usize,
    pub spare: usize,
    pub organizations: usize,
    pub unmapped_devices: usize,
    pub matched_census_devices: usize,
}

/// What the device list sorts by: the host name as shown, lower-cased.
fn sort_name(it: &SnapshotIn) -> String {
    fold(
        it.hostname
            .as_deref()
            .or(it.display_name.as_deref())
            .unwrap_or(&it.external_id),
    )
}

/// What the device list's search looks in, lower-cased, fields apart.
fn search_text(it: &SnapshotIn) -> String {
    let text = [
        it.hostname.as_deref().unwrap_or(""),
        it.display_name.as_deref().unwrap_or(""),
        it.serial.as_deref().unwrap_or(""),
        &it.org_name,
        &it.location_name,
        &it.ip_addresses.join(","),
        &it.mac_addresses.join(","),
    ]
    .join(" | ");
    fold(&text)
}

/// Census devices by normalised serial and host name, for linking snapshots to them.
struct DeviceMatcher {
    by_serial: HashMap<String, i64>,
    by_host: HashMap<String, i64>,
}

impl DeviceMatcher {
    async fn load<C: ConnectionTrait>(conn: &C) -> Result<DeviceMatcher, DbErr> {
        let mut m = DeviceMatcher {
            by_serial: HashMap::new(),
            by_host: HashMap::new(),
        };
        #[derive(FromQueryResult)]
        struct Device {
            id: i64,
            serial: Option<String>,
            name: String,
        }
        let devices: Vec<Device> = rows(
            conn,
            "SELECT id, serial, name FROM devices ORDER BY id",
            vec![],
        )
        .await?;
        for d in devices {
            if let Some(s) = d.serial.as_deref().and_then(normalize_serial) {
                m.by_serial.entry(s).or_insert(d.id);
            }
            if let Some(h) = normalize_hostname(&d.name) {
                m.by_host.entry(h).or_insert(d.id);
            }
        }
        Ok(m)
    }

    fn find(&self, serial: Option<&str>, host: Option<&str>) -> Option<i64> {
        serial
            .and_then(|s| self.by_serial.get(s))
            .or_else(|| host.and_then(|h| self.by_host.get(h)))
            .copied()
    }
}

pub fn compress(raw: &serde_json::Value) -> Vec<u8> {
    let text = serde_json::to_vec(raw).expect("JSON serialises");
    zstd::bulk::compress(&text, 3).expect("zstd compresses in memory")
}

pub fn decompress(blob: &[u8]) -> Option<serde_json::Value> {
    let text = zstd::stream::decode_all(blob).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Replace `source`'s snapshots of `date` with `items` and roll the day up.
pub async fn write_day(
    ctx: &Ctx,
    source: Source,
    date: NaiveDate,
    items: Vec<SnapshotIn>,
) -> Result<WriteSummary, AppError> {
    write(ctx, source, date, items, None).await
}

/// [`write_day`] for job run `run`, which is marked succeeded (with the summary as its result)
/// in the same transaction: a run's status never disagrees with the day it saved.
pub async fn write_day_for_run(
    ctx: &Ctx,
    source: Source,
    date: NaiveDate,
    items: Vec<SnapshotIn>,
    run: i64,
) -> Result<WriteSummary, AppError> {
    write(ctx, source, date, items, Some(run)).await
}

async fn write(
    ctx: &Ctx,
    source: Source,
    date: NaiveDate,
    items: Vec<SnapshotIn>,
    run: Option<i64>,
) -> Result<WriteSummary, AppError> {
    ctx.require_write("record snapshots")?;
    let conf = settings::load(&ctx.db.conn).await?;
    let spare_rules = SpareRules::new(&conf.extra_spare_patterns);
    // Duplicate ids in one answer (a source paging over a changing list) keep the last copy.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unique: Vec<SnapshotIn> = Vec::with_capacity(items.len());
    for mut it in items {
        it.strip_controls();
        match seen.get(&it.external_id) {
            Some(&i) => unique[i] = it,
            None => {
                seen.insert(it.external_id.clone(), unique.len());
                unique.push(it);
            }
        }
    }
    let items = unique;
    // Everything that needs no lock is done before the write gate: compressing payloads, the
    // spare rules, normalised names, matching to Census devices (read from a snapshot of the
    // inventory) and the search keys. The transaction below only writes.
    let blobs: Vec<Vec<u8>> = items.iter().map(|i| compress(&i.raw)).collect();
    let matcher = DeviceMatcher::load(&ctx.db.conn).await?;
    let prepared: Vec<Prepared> = items
        .iter()
        .map(|it| {
            let host = it
                .hostname
                .as_deref()
                .or(it.display_name.as_deref())
                .and_then(normalize_hostname);
            let serial = it.serial.as_deref().and_then(normalize_serial);
            Prepared {
                spare: spare_rules.is_spare(
                    it.display_name.as_deref(),
                    Some(it.location_name.as_str()),
                    it.node_class.as_deref(),
                ),
                device: matcher.find(serial.as_deref(), host.as_deref()),
                host,
                serial,
                sort_name: sort_name(it),
                search_text: search_text(it),
            }
        })
        .collect();
    let names: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.org_name.clone(), i.location_name.clone()))
        .collect();

    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let resolver: Resolver = mapping::register(&txn, ctx, source, date, &names).await?;

    snapshot::Entity::delete_many()
        .filter(snapshot::Column::SnapshotDate.eq(date))
        .filter(snapshot::Column::Source.eq(source))
        .exec(&txn)
        .await?;
    snapshot_raw::Entity::delete_many()
        .filter(snapshot_raw::Column::SnapshotDate.eq(date))
        .filter(snapshot_raw::Column::Source.eq(source))
        .exec(&txn)
        .await?;
    let mut summary = WriteSummary {
        date: date.to_string(),
        source: source.as_str().into(),
        devices: items.len(),
        organizations: resolver.organizations(),
        ..Default::default()
    };
    for ((chunk, blobs), prepared) in items
        .chunks(400)
        .zip(blobs.chunks(400))
        .zip(prepared.chunks(400))
    {
        let mut snaps = Vec::with_capacity(chunk.len());
        let mut raws = Vec::with_capacity(chunk.len());
        for ((it, blob), p) in chunk.iter().zip(blobs).zip(prepared) {
            let site = resolver.site(&it.org_name, &it.location_name);
            let spare = p.spare;
            let device = p.device;
            summary.spare += spare as usize;
            summary.unmapped_devices += site.is_none() as usize;
            summary.matched_census_devices += device.is_some() as usize;
            snaps.push(snapshot::ActiveModel {
                snapshot_date: Set(date),
                source: Set(source),
                external_id: Set(it.external_id.clone()),
                hostname: Set(it.hostname.clone()),
                display_name: Set(it.display_name.clone()),
                site_id: Set(site),
                org_name: Set(it.org_name.clone()),
                location_name: Set(it.location_name.clone()),
                node_class: Set(it.node_class.clone()),
                classification: Set(it.classification),
                is_spare: Set(spare),
                is_billable: Set(!spare),
                os_name: Set(it.os_name.clone()),
                serial: Set(it.serial.clone()),
                mac_addresses: Set(Some(it.mac_addresses.join(","))),
                ip_addresses: Set(Some(it.ip_addresses.join(","))),
                last_contact: Set(it.last_contact),
                match_host: Set(p.host.clone()),
                match_serial: Set(p.serial.clone()),
                device_id: Set(device),
                covered: Set(false),
                sort_name: Set(Some(p.sort_name.clone())),
                search_text: Set(Some(p.search_text.clone())),
                ..Default::default()
            });
            raws.push(snapshot_raw::ActiveModel {
                snapshot_date: Set(date),
                source: Set(source),
                external_id: Set(it.external_id.clone()),
                raw: Set(blob.clone()),
            });
        }
        snapshot::Entity::insert_many(snaps)
            .exec_without_returning(&txn)
            .await?;
        snapshot_raw::Entity::insert_many(raws)
            .exec_without_returning(&txn)
            .await?;
    }
    rollup::rollup_date(&txn, date).await?;
    if let Some(id) = run {
        let result = serde_json::to_value(&summary).expect("the summary serialises");
        super::super::jobs::succeed_in(&txn, id, &result).await?;
    }
    txn.commit().await?;
    Ok(summary)
}
