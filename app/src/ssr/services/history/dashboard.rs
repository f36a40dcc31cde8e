//! The dashboard's figures: today (the latest collected day) and any other collected day,
//! month-ends, per-site breakdowns, the snapshot device list and coverage between sources.
//! Everything but the device list reads the rollups, which stay small however many devices
//! there are.

use super::super::Ctx;
use super::{api_date, count_where, marks, month_of, parse_date, query, site_label, site_names};
use crate::error::AppError;
use crate::model::history::*;
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One day's (or month-end's) counts, overall and per site.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub date: Option<NaiveDate>,
    pub total: Totals,
    pub by_site: BTreeMap<Option<i64>, Totals>,
    /// Per site and source: (devices, not seen by the other source).
    pub coverage: BTreeMap<(Option<i64>, Source), (i64, i64)>,
    pub sources: BTreeSet<Source>,
    /// Devices per classification.
    pub by_class: BTreeMap<Classification, i64>,
}

fn add(t: &mut Totals, source: Source, class: &str, total: i64, spare: i64, billable: i64) {
    t.total_devices += total;
    t.spare_devices += spare;
    t.billable_devices += billable;
    match class {
        "server" => t.servers += total,
        "workstation" => t.workstations += total,
        _ => {}
    }
    match source {
        Source::Ninja => t.ninja_devices += total,
        Source::Threatlocker => t.threatlocker_devices += total,
    }
}

async fn figures<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    filter: &str,
    values: Vec<Value>,
) -> Result<Figures, DbErr> {
    let rows = query(
        conn,
        &format!(
            "SELECT site_id, source, classification, CAST(SUM(total) AS BIGINT), CAST(SUM(spare) AS BIGINT), \
             CAST(SUM(billable) AS BIGINT), CAST(SUM(uncovered) AS BIGINT), MAX(count_date) \
             FROM {table} WHERE {filter} GROUP BY site_id, source, classification"
        ),
        values,
    )
    .await?;
    let mut f = Figures::default();
    for r in rows {
        let site: Option<i64> = r.try_get_by_index(0)?;
        let Some(source) = Source::parse(&r.try_get_by_index::<String>(1)?) else {
            continue;
        };
        let class: String = r.try_get_by_index(2)?;
        let total: i64 = r.try_get_by_index(3)?;
        let spare: i64 = r.try_get_by_index(4)?;
        let billable: i64 = r.try_get_by_index(5)?;
        let uncovered: i64 = r.try_get_by_index(6)?;
        let day: NaiveDate = r.try_get_by_index(7)?;
        f.date = Some(f.date.map_or(day, |d: NaiveDate| d.max(day)));
        f.sources.insert(source);
        if let Some(c) = Classification::parse(&class) {
            *f.by_class.entry(c).or_default() += total;
        }
        add(&mut f.total, source, &class, total, spare, billable);
        add(
            f.by_site.entry(site).or_default(),
            source,
            &class,
            total,
            spare,
            billable,
        );
        let c = f.coverage.entry((site, source)).or_default();
        c.0 += total;
        c.1 += uncovered;
    }
    Ok(f)
}

/// Device totals over time per source: the daily rollups since `from`, or the month-ends
/// since `from_month` — (label, ninja, threatlocker) in date order.
pub async fn series<C: ConnectionTrait>(
    conn: &C,
    monthly: bool,
    from: NaiveDate,
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    let (sql, values): (&str, Vec<Value>) = if monthly {
        (
            "SELECT month, source, CAST(SUM(total) AS BIGINT) FROM month_end_counts WHERE month >= ? \
             GROUP BY month, source ORDER BY month",
            vec![month_of(from).into()],
        )
    } else {
        (
            "SELECT count_date, source, CAST(SUM(total) AS BIGINT) FROM daily_counts WHERE count_date >= ? \
             GROUP BY count_date, source ORDER BY count_date",
            vec![from.into()],
        )
    };
    let mut out: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for r in query(conn, sql, values).await? {
        let label = if monthly {
            r.try_get_by_index::<String>(0)?
        } else {
            r.try_get_by_index::<NaiveDate>(0)?.to_string()
        };
        let n: i64 = r.try_get_by_index(2)?;
        let e = out.entry(label).or_default();
        match Source::parse(&r.try_get_by_index::<String>(1)?) {
            Some(Source::Ninja) => e.0 += n,
            Some(Source::Threatlocker) => e.1 += n,
            None => {}
        }
    }
    Ok(out.into_iter().map(|(k, (a, b))| (k, a, b)).collect())
}

/// The latest collected day.
pub async fn latest_date<C: ConnectionTrait>(conn: &C) -> Result<Option<NaiveDate>, DbErr> {
    let rows = query(conn, "SELECT MAX(count_date) FROM daily_counts", vec![]).await?;
    Ok(match rows.first() {
        Some(r) => r.try_get_by_index::<Option<NaiveDate>>(0)?,
        None => None,
    })
}

/// The figures of a collected day: its daily rollup, or for an older day the month-end it is.
pub async fn figures_on<C: ConnectionTrait>(conn: &C, date: NaiveDate) -> Result<Figures, DbErr> {
    let f = figures(conn, "daily_counts", "count_date = ?", vec![date.into()]).await?;
    if !f.sources.is_empty() {
        return Ok(f);
    }
    let f = figures(
        conn,
        "month_end_counts",
        "month = ?",
        vec![month_of(date).into()],
    )
    .await?;
    if f.date == Some(date) {
        Ok(f)
    } else {
        Ok(Figures::default())
    }
}

/// The month-end figures of the last month before `date`'s month that has any.
pub async fn last_month_end<C: ConnectionTrait>(
    conn: &C,
    date: NaiveDate,
) -> Result<Figures, DbErr> {
    let rows = query(
        conn,
        "SELECT MAX(month) FROM month_end_counts WHERE month < ?",
        vec![month_of(date).into()],
    )
    .await?;
    let month: Option<String> = match rows.first() {
        Some(r) => r.try_get_by_index(0)?,
        None => None,
    };
    match month {
        Some(m) => figures(conn, "month_end_counts", "month = ?", vec![m.into()]).await,
        None => Ok(Figures::default()),
    }
}

async fn names_of<C: ConnectionTrait>(
    conn: &C,
    figs: &[&Figures],
) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    let ids: BTreeSet<i64> = figs
        .iter()
        .flat_map(|f| f.by_site.keys().flatten().copied())
        .collect();
    site_names(conn, ids).await
}

fn bad_date(name: &str) -> AppError {
    AppError::field(name, "Give a date as YYYY-MM-DD.")
}

fn param_date(name: &str, v: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(s).map(Some).ok_or_else(|| bad_date(name)),
    }
}

/// Sites in name order, "Unmapped" last.
fn sorted_sites(
    by_site: impl IntoIterator<Item = Option<i64>>,
    names: &std::collections::HashMap<i64, String>,
) -> Vec<(Option<i64>, String)> {
    let mut v: Vec<(Option<i64>, String)> = by_site
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|s| (s, site_label(s, names)))
        .collect();
    v.sort_by_key(|a| (a.0.is_none(), a.1.to_lowercase()));
    v
}

pub async fn today(ctx: &Ctx) -> Result<TodayDto, AppError> {
    let conn = &ctx.db.conn;
    let Some(date) = latest_date(conn).await? else {
        return Ok(TodayDto {
            date: None,
            totals: Totals::default(),
            sites: vec![],
            site_count: 0,
        });
    };
    let f = figures_on(conn, date).await?;
    let names = names_of(conn, &[&f]).await?;
    let sites: Vec<SiteTotals> = sorted_sites(f.by_site.keys().copied(), &names)
        .into_iter()
        .map(|(id, name)| SiteTotals {
            site_id: id,
            site_name: name,
            totals: f.by_site[&id].clone(),
        })
        .collect();
    Ok(TodayDto {
        date: Some(api_date(date)),
        totals: f.total,
        site_count: sites.iter().filter(|s| s.site_id.is_some()).count() as i64,
        sites,
    })
}

/// The two sides of a comparison: `date` (default: the latest collected day) against
/// `against` (default: the last month-end before it).
pub async fn sides(
    ctx: &Ctx,
    date: Option<&str>,
    against: Option<&str>,
) -> Result<(Figures, Figures), AppError> {
    let conn = &ctx.db.conn;
    let date = param_date("date", date)?;
    let against = param_date("against", against)?;
    let now = match date {
        Some(d) => {
            let f = figures_on(conn, d).await?;
            if f.sources.is_empty() {
                return Err(AppError::field(
                    "date",
                    format!("Nothing was collected on {d}."),
                ));
            }
            f
        }
        None => match latest_date(conn).await? {
            Some(d) => figures_on(conn, d).await?,
            None => Figures::default(),
        },
    };
    let then = match against {
        Some(d) => {
            let f = figures_on(conn, d).await?;
            if f.sources.is_empty() {
                return Err(AppError::field(
                    "against",
                    format!("Nothing was collected on {d}."),
                ));
            }
            f
        }
        None => match now.date {
            Some(d) => last_month_end(conn, d).await?,
            None => Figures::default(),
        },
    };
    Ok((now, then))
}

pub async fn comparison(
    ctx: &Ctx,
    date: Option<&str>,
    against: Option<&str>,
) -> Result<ComparisonDto, AppError> {
    let (now, then) = sides(ctx, date, against).await?;
    Ok(ComparisonDto {
        today_date: now.date.map(api_date),
        last_month_end_date: then.date.map(api_date),
        changes: Changes::between(&now.total, &then.total),
        today_totals: now.total,
        last_month_totals: then.total,
    })
}

pub async fn sites(
    ctx: &Ctx,
    date: Option<&str>,
    against: Option<&str>,
) -> Result<SitesDto, AppError> {
    let (now, then) = sides(ctx, date, against).await?;
    let names = names_of(&ctx.db.conn, &[&now, &then]).await?;
    let all = now.by_site.keys().chain(then.by_site.keys()).copied();
    let sites = sorted_sites(all, &names)
        .into_iter()
        .map(|(id, name)| {
            let current = now.by_site.get(&id).cloned().unwrap_or_default();
            let previous = then.by_site.get(&id).cloned().unwrap_or_default();
            let c = Change::new(current.total_devices, previous.total_devices);
            SiteComparison {
                site_id: id,
                site_name: name,
                current,
                previous,
                change: c.change,
                change_percent: c.change_percent,
            }
        })
        .collect();
    Ok(SitesDto {
        date: now.date.map(api_date),
        against: then.date.map(api_date),
        sites,
    })
}

pub async fn coverage(ctx: &Ctx, date: Option<&str>) -> Result<CoverageDto, AppError> {
    let conn = &ctx.db.conn;
    let date = match param_date("date", date)? {
        Some(d) => Some(d),
        None => latest_date(conn).await?,
    };
    let Some(date) = date else {
        return Ok(CoverageDto {
            date: None,
            available: false,
            reason: Some("Nothing has been collected yet.".into()),
            sites: vec![],
        });
    };
    let f = figures_on(conn, date).await?;
    let missing: Vec<&str> = Source::ALL
        .iter()
        .filter(|s| !f.sources.contains(s))
        .map(|s| s.label())
        .collect();
    if !missing.is_empty() {
        return Ok(CoverageDto {
            date: Some(api_date(date)),
            available: false,
            reason: Some(format!(
                "{} collected nothing on {date}: there is nothing to compare.",
                missing.join(" and ")
            )),
            sites: vec![],
        });
    }
    let names = names_of(conn, &[&f]).await?;
    let sites = sorted_sites(f.by_site.keys().copied(), &names)
        .into_iter()
        .map(|(id, name)| {
            let n = f
                .coverage
                .get(&(id, Source::Ninja))
                .copied()
                .unwrap_or_default();
            let t = f
                .coverage
                .get(&(id, Source::Threatlocker))
                .copied()
                .unwrap_or_default();
            CoverageRow {
                site_id: id,
                site_name: name,
                ninja_only: n.1,
                threatlocker_only: t.1,
                both: n.0 - n.1,
            }
        })
        .collect();
    Ok(CoverageDto {
        date: Some(api_date(date)),
        available: true,
        reason: None,
        sites,
    })
}

/// The days that can be compared: every day with a daily rollup and every month-end.
pub async fn dates(ctx: &Ctx) -> Result<Vec<String>, AppError> {
    let rows = query(
        &ctx.db.conn,
        "SELECT count_date FROM daily_counts UNION SELECT count_date FROM month_end_counts ORDER BY 1 DESC",
        vec![],
    )
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get_by_index::<NaiveDate>(0)?.to_string()))
        .collect()
}

/// Filters of the snapshot device list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceFilter {
    pub date: Option<NaiveDate>,
    pub source: Option<Source>,
    pub classification: Option<Classification>,
    /// Some(None): the unmapped devices.
    pub site_id: Option<Option<i64>>,
    pub spare: Option<bool>,
    pub billable: Option<bool>,
    pub covered: Option<bool>,
    pub q: Option<String>,
    pub limit: u64,
    pub offset: u64,
}

pub const DEVICE_FILTERS: [&str; 11] = [
    "date",
    "source",
    "classification",
    "site_id",
    "spare",
    "billable",
    "covered",
    "q",
    "limit",
    "offset",
    "format",
];

fn parse_bool(name: &str, v: &str) -> Result<bool, AppError> {
    match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(AppError::field(name, "Give true or false.")),
    }
}

impl DeviceFilter {
    /// Parse query pairs; unknown keys and bad values are errors. `max_limit` bounds `limit`.
    pub fn parse(pairs: &[(String, String)], max_limit: u64) -> Result<DeviceFilter, AppError> {
        let mut f = DeviceFilter {
            limit: 50,
            ..Default::default()
        };
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k.as_str() {
                "date" => f.date = Some(parse_date(v).ok_or_else(|| bad_date("date"))?),
                "source" => {
                    f.source = Some(Source::parse(v).ok_or_else(|| {
                        AppError::field("source", "Choose ninja or threatlocker.")
                    })?)
                }
                "classification" => {
                    f.classification = Some(Classification::parse(v).ok_or_else(|| {
                        AppError::field(
                            "classification",
                            "Choose server, workstation, virtual_machine, hypervisor, network, mobile or other.",
                        )
                    })?)
                }
                "site_id" => {
                    f.site_id = Some(if v == "null" || v == "unmapped" {
                        None
                    } else {
                        Some(v.parse().map_err(|_| {
                            AppError::field("site_id", "Give a site id, or null for unmapped devices.")
                        })?)
                    })
                }
                "spare" => f.spare = Some(parse_bool("spare", v)?),
                "billable" => f.billable = Some(parse_bool("billable", v)?),
                "covered" => f.covered = Some(parse_bool("covered", v)?),
                "q" => f.q = Some(v.to_string()),
                "limit" => {
                    f.limit = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=max_limit).contains(n))
                        .ok_or_else(|| {
                            AppError::field("limit", format!("Give a number from 1 to {max_limit}."))
                        })?
                }
                "offset" => {
                    f.offset = v
                        .parse()
                        .map_err(|_| AppError::field("offset", "Give a number of rows to skip."))?
                }
                "format" => {}
                _ => {
                    return Err(AppError::field(
                        k,
                        format!("Unknown filter. Use one of: {}.", DEVICE_FILTERS.join(", ")),
                    ));
                }
            }
        }
        Ok(f)
    }

    fn condition(&self, date: NaiveDate) -> (String, Vec<Value>) {
        let mut sql = "snapshot_date = ?".to_string();
        let mut values: Vec<Value> = vec![date.into()];
        if let Some(s) = self.source {
            sql.push_str(" AND source = ?");
            values.push(s.as_str().into());
        }
        if let Some(c) = self.classification {
            sql.push_str(" AND classification = ?");
            values.push(c.as_str().into());
        }
        match self.site_id {
            Some(Some(s)) => {
                sql.push_str(" AND site_id = ?");
                values.push(s.into());
            }
            Some(None) => sql.push_str(" AND site_id IS NULL"),
            None => {}
        }
        for (col, v) in [
            ("is_spare", self.spare),
            ("is_billable", self.billable),
            ("covered", self.covered),
        ] {
            if let Some(b) = v {
                sql.push_str(&format!(" AND {col} = ?"));
                values.push(b.into());
            }
        }
        if let Some(q) = &self.q {
            let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
            sql.push_str(" AND search_text LIKE ?");
            values.push(like.into());
        }
        (sql, values)
    }
}

const DEVICE_COLS: &str = "id, snapshot_date, source, external_id, hostname, display_name, site_id, org_name, \
     location_name, node_class, classification, is_spare, is_billable, os_name, serial, mac_addresses, \
     ip_addresses, last_contact, device_id, covered";

fn split_list(s: Option<String>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// A page of the devices the sources reported on a day (default: the latest), filtered.
pub async fn devices(ctx: &Ctx, f: &DeviceFilter) -> Result<SnapshotPage, AppError> {
    let conn = &ctx.db.conn;
    let date = match f.date {
        Some(d) => Some(d),
        None => latest_date(conn).await?,
    };
    let Some(date) = date else {
        return Ok(SnapshotPage {
            count: 0,
            next: None,
            previous: None,
            date: None,
            results: vec![],
        });
    };
    let (cond, values) = f.condition(date);
    let ids_of = |rows: Vec<sea_orm::QueryResult>| -> Result<Vec<i64>, DbErr> {
        rows.iter().map(|r| r.try_get_by_index(0)).collect()
    };
    let order = "ORDER BY sort_name, source, id";
    let (count, ids) = if f.q.is_some() {
        // A search reads every row of the day once: all matching ids in order, counted here.
        let all = ids_of(
            query(
                conn,
                &format!("SELECT id FROM snapshots WHERE {cond} {order}"),
                values,
            )
            .await?,
        )?;
        let page = all
            .iter()
            .skip(f.offset as usize)
            .take(f.limit as usize)
            .copied()
            .collect();
        (all.len() as i64, page)
    } else {
        // The list index counts and orders without reading rows: the page's ids first (no
        // rows read for the skipped ones), then their rows.
        let count = count_where(conn, "snapshots", &cond, values.clone()).await?;
        let mut page_values = values;
        page_values.push((f.limit as i64).into());
        page_values.push((f.offset as i64).into());
        let sql = format!("SELECT id FROM snapshots WHERE {cond} {order} LIMIT ? OFFSET ?");
        (count, ids_of(query(conn, &sql, page_values).await?)?)
    };
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        rows.extend(
            query(
                conn,
                &format!(
                    "SELECT {DEVICE_COLS} FROM snapshots WHERE id IN ({})",
                    marks(chunk.len())
                ),
                chunk.iter().map(|i| (*i).into()).collect(),
            )
            .await?,
        );
    }
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(n, i)| (*i, n)).collect();
    rows.sort_by_key(|r| {
        r.try_get_by_index::<i64>(0)
            .ok()
            .and_then(|i| position.get(&i).copied())
    });
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let last: Option<chrono::DateTime<chrono::Utc>> = r.try_get_by_index(17)?;
        out.push(SnapshotDto {
            id: r.try_get_by_index(0)?,
            date: r.try_get_by_index::<NaiveDate>(1)?.to_string(),
            source: Source::parse(&r.try_get_by_index::<String>(2)?).unwrap_or(Source::Ninja),
            external_id: r.try_get_by_index(3)?,
            hostname: r.try_get_by_index(4)?,
            display_name: r.try_get_by_index(5)?,
            site_id: r.try_get_by_index(6)?,
            site_name: String::new(),
            org_name: r.try_get_by_index(7)?,
            location_name: r.try_get_by_index(8)?,
            node_class: r.try_get_by_index(9)?,
            classification: Classification::parse(&r.try_get_by_index::<String>(10)?)
                .unwrap_or(Classification::Other),
            is_spare: r.try_get_by_index(11)?,
            is_billable: r.try_get_by_index(12)?,
            os_name: r.try_get_by_index(13)?,
            serial: r.try_get_by_index(14)?,
            mac_addresses: split_list(r.try_get_by_index(15)?),
            ip_addresses: split_list(r.try_get_by_index(16)?),
            last_contact: last.map(super::super::fmt_time),
            device_id: r.try_get_by_index(18)?,
            covered: r.try_get_by_index(19)?,
        });
    }
    let names = site_names(
        conn,
        out.iter()
            .filter_map(|d| d.site_id)
            .collect::<BTreeSet<_>>(),
    )
    .await?;
    for d in &mut out {
        d.site_name = site_label(d.site_id, &names);
    }
    let count = count as u64;
    let next = (f.offset + f.limit < count)
        .then(|| format!("offset={}&limit={}", f.offset + f.limit, f.limit));
    let previous = (f.offset > 0).then(|| {
        format!(
            "offset={}&limit={}",
            f.offset.saturating_sub(f.limit),
            f.limit
        )
    });
    Ok(SnapshotPage {
        count,
        next,
        previous,
        date: Some(api_date(date)),
        results: out,
    })
}

/// When each source last reported a Census device.
pub async fn last_seen(ctx: &Ctx, device_id: i64) -> Result<Vec<LastSeen>, AppError> {
    let mut out = vec![];
    for s in Source::ALL {
        let rows = query(
            &ctx.db.conn,
            "SELECT snapshot_date, hostname, last_contact FROM snapshots WHERE device_id = ? AND source = ? \
             ORDER BY snapshot_date DESC LIMIT 1",
            vec![device_id.into(), s.as_str().into()],
        )
        .await?;
        if let Some(r) = rows.first() {
            let last: Option<chrono::DateTime<chrono::Utc>> = r.try_get_by_index(2)?;
            out.push(LastSeen {
                source: s,
                date: r.try_get_by_index::<NaiveDate>(0)?.to_string(),
                hostname: r.try_get_by_index(1)?,
                last_contact: last.map(super::super::fmt_time),
            });
        }
    }
    Ok(out)
}
