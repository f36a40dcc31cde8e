//! `census demo`: a clearly labelled demo estate in an empty database — a region, sites, some
//! Census devices, and 14 months of NinjaOne and ThreatLocker history (every day of the last
//! 65, month-ends before), written through the same services a real collection uses.

use crate::mock;
use app::error::AppError;
use app::model::history::Source;
use app::schema::Kind;
use app::ssr::entities::snapshot;
use app::ssr::services::history::{month_bounds, snapshots};
use app::ssr::services::{Ctx, objects};
use app::ssr::sources::{ninja, threatlocker};
use chrono::{Datelike, Duration, Months, NaiveDate};
use serde_json::{Value, json};
use std::collections::HashMap;

const ORGS: usize = 6;
const DEVICES: usize = 240;

/// Objects of the inventory and snapshots already recorded.
async fn count(ctx: &Ctx, what: &str) -> Result<i64, AppError> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(match what {
        "snapshots" => snapshot::Entity::find().count(&ctx.db.conn).await? as i64,
        kind => objects::counts(&ctx.db.conn)
            .await?
            .into_iter()
            .find(|(k, _)| k.res().table == kind)
            .map_or(0, |(_, n)| n as i64),
    })
}

fn values(v: Value) -> objects::Values {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("literal objects"),
    }
}

/// The collected days: month-ends of the 13 months before the last 65 days, then every day.
pub fn demo_days(today: NaiveDate) -> Vec<NaiveDate> {
    let daily_from = today - Duration::days(64);
    let mut days = vec![];
    let mut m = today
        .with_day(1)
        .expect("day 1")
        .checked_sub_months(Months::new(13))
        .expect("in range");
    while m < daily_from {
        let end = month_bounds(m).1;
        if end < daily_from {
            days.push(end);
        }
        m = m.checked_add_months(Months::new(1)).expect("in range");
    }
    let mut d = daily_from;
    while d <= today {
        days.push(d);
        d += Duration::days(1);
    }
    days
}

pub async fn fill(ctx: &Ctx, today: NaiveDate) -> Result<String, AppError> {
    let (sites, devices, snaps) = (
        count(ctx, "sites").await?,
        count(ctx, "devices").await?,
        count(ctx, "snapshots").await?,
    );
    if sites + devices + snaps > 0 {
        return Err(AppError::Conflict(format!(
            "This database already holds data ({sites} sites, {devices} devices, {snaps} snapshots); \
             census demo only fills an empty database."
        )));
    }
    let region = objects::create(
        ctx,
        Kind::Region.res(),
        values(json!({"name": "Demo estate", "slug": "demo-estate",
                      "description": "Made up by `census demo`: delete it before real use."})),
    )
    .await?;
    let ninja_data = mock::ninja::generate(ORGS, DEVICES);
    let tl_data = mock::threatlocker::generate(ORGS, DEVICES);
    // Sites for most organisations (their names match after normalisation, so they map
    // automatically); the last two stay unmapped for the Site mapping page.
    let mut site_ids = vec![];
    for o in ninja_data.organizations.iter().take(ORGS - 2) {
        let name = o["name"].as_str().unwrap_or("Demo").to_string();
        let short = app::ssr::services::history::rules::normalize_site_name(&name);
        let site = objects::create(
            ctx,
            Kind::Site.res(),
            values(
                json!({"name": title(&short), "status": "active", "region_id": region.id,
                          "description": "Demo site (census demo)"}),
            ),
        )
        .await?;
        site_ids.push(site.id);
    }
    // A few Census devices that the sources also report (matched by serial).
    let org_site: HashMap<i64, i64> = ninja_data
        .organizations
        .iter()
        .filter_map(|o| o["id"].as_i64())
        .zip(site_ids.iter().copied())
        .collect();
    let mut made = 0;
    for d in ninja_data.devices.iter().step_by(12) {
        let Some(site) = d["organizationId"].as_i64().and_then(|o| org_site.get(&o)) else {
            continue;
        };
        let serial = d["system"]["serialNumber"].as_str().unwrap_or("");
        let name = d["systemName"].as_str().unwrap_or("");
        if name.is_empty() || serial.is_empty() {
            continue;
        }
        objects::create(
            ctx,
            Kind::Device.res(),
            values(
                json!({"name": name, "status": "active", "site_id": site, "serial": serial,
                          "description": "Demo device (census demo)"}),
            ),
        )
        .await?;
        made += 1;
    }
    // History: the estate grows from about 75 % to all of its devices over 14 months.
    let days = demo_days(today);
    let orgs: HashMap<i64, String> = ninja_data
        .organizations
        .iter()
        .filter_map(|o| Some((o["id"].as_i64()?, o["name"].as_str()?.to_string())))
        .collect();
    let locs: HashMap<i64, String> = ninja_data
        .locations
        .iter()
        .filter_map(|o| Some((o["id"].as_i64()?, o["name"].as_str()?.to_string())))
        .collect();
    let first = days[0];
    let span = (today - first).num_days().max(1) as f64;
    for &day in &days {
        let share = 0.75 + 0.25 * ((day - first).num_days() as f64 / span);
        let keep = |i: usize, n: usize| {
            // A few devices miss a day now and then.
            (i as f64) < share * n as f64 && !(i * 31 + day.ordinal() as usize).is_multiple_of(97)
        };
        let n_items: Vec<_> = ninja_data
            .devices
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i, ninja_data.devices.len()))
            .map(|(_, d)| ninja::device(d.clone(), &orgs, &locs))
            .collect();
        snapshots::write_day(ctx, Source::Ninja, day, n_items).await?;
        let t_items: Vec<_> = tl_data
            .computers
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i, tl_data.computers.len()))
            .map(|(_, c)| threatlocker::computer(c.clone(), &HashMap::new()))
            .collect();
        snapshots::write_day(ctx, Source::Threatlocker, day, t_items).await?;
    }
    Ok(format!(
        "Demo estate ready: region \"Demo estate\", {} sites, {made} Census devices, {} collected days \
         ({} to {today}) from NinjaOne and ThreatLocker. Two organisations are left unmapped: map them \
         on the Site mapping page.",
        site_ids.len(),
        days.len(),
        days[0],
    ))
}

fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
