//! Devices: a device's rack is in its site, and the device is where its rack is (its location
//! is filled in from the rack); its location is in its site; a warranty cannot end before the
//! purchase. On read, `last_seen` is the last day a history source reported the device.

use super::location::{check_in_site, load_locations};
use super::{Batch, Rules};
use crate::schema::{DEVICE, Kind};
use crate::ssr::services::history;
use crate::ssr::services::objects::cells::{self, Cell, Row};
use chrono::NaiveDate;
use sea_orm::{DatabaseExecutor, DbErr, FromQueryResult};
use std::collections::HashMap;

pub struct DeviceRules;

#[async_trait::async_trait]
impl Rules for DeviceRules {
    async fn clean(&self, db: &DatabaseExecutor<'_>, b: &mut Batch<'_>) -> Result<(), DbErr> {
        for n in b.clean_rows() {
            let c = &b.rows[n];
            let site = c.get(&DEVICE, "site_id").int();
            let location = c.get(&DEVICE, "location_id").int();
            if let Some(r) = c.get(&DEVICE, "rack_id").int() {
                let rack = b.refs.get(Kind::Rack, r).cloned().unwrap_or_default();
                if rack.site_id != site {
                    let msg = format!(
                        "rack {} is in site {}, not {}",
                        rack.display,
                        b.refs.site_name(rack.site_id),
                        b.refs.site_name(site)
                    );
                    b.error(n, "rack_id", msg);
                } else if let Some(rl) = rack.location_id {
                    match location {
                        // A device placed in a rack is where the rack is.
                        None => {
                            cells::set(&mut b.rows[n].cells, &DEVICE, "location_id", Cell::Int(rl))
                        }
                        Some(l) if l != rl => {
                            let msg = format!(
                                "rack {} is in location {}, not the one chosen",
                                rack.display,
                                b.refs.display(Kind::Location, rl)
                            );
                            b.error(n, "rack_id", msg);
                        }
                        _ => {}
                    }
                }
            }
            let c = &b.rows[n];
            if let (Some(bought), Some(end)) = (
                c.get(&DEVICE, "purchase_date").date(),
                c.get(&DEVICE, "warranty_end").date(),
            ) && end < bought
            {
                b.error(
                    n,
                    "warranty_end",
                    format!("{end} is before the purchase date {bought}"),
                );
            }
        }
        load_locations(db, b).await?;
        for n in b.clean_rows() {
            let c = &b.rows[n];
            let site = c.get(&DEVICE, "site_id").int();
            let location = c.get(&DEVICE, "location_id").int();
            check_in_site(b, n, "location_id", location, site);
        }
        Ok(())
    }

    async fn computed(&self, db: &DatabaseExecutor<'_>, rows: &mut [Row]) -> Result<(), DbErr> {
        #[derive(FromQueryResult)]
        struct Seen {
            device_id: i64,
            day: NaiveDate,
        }
        let i = cells::position(&DEVICE, "last_seen");
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut last: HashMap<i64, NaiveDate> = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let seen: Vec<Seen> = history::rows(
                db,
                &format!(
                    "SELECT device_id, MAX(snapshot_date) AS day FROM snapshots \
                     WHERE device_id IN ({marks}) GROUP BY device_id"
                ),
                chunk.iter().map(|&i| i.into()).collect(),
            )
            .await?;
            last.extend(seen.into_iter().map(|s| (s.device_id, s.day)));
        }
        for r in rows.iter_mut() {
            r.cells[i] = last.get(&r.id).copied().map_or(Cell::Null, Cell::Date);
        }
        Ok(())
    }
}
