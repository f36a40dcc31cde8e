//! The dashboard's figures: today (the latest collected day) and any other collected day,
//! month-ends, per-site breakdowns, the snapshot device list and coverage between sources.
//! Everything but the device list reads the rollups, which stay small however many devices
//! there are.

use super::super::Ctx;
use super::{api_date, month_of, parse_date, rows, site_label, site_names};
use crate::error::AppError;
use crate::model::history::*;
use crate::ssr::entities::{Stored, daily_count, month_end_count, snapshot};
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Value,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One day's (or month-end's) counts, overall and per site.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub date: Option<NaiveDate>,
    pub total: Totals,
    pub by_site: BTreeMap<Option<i64>, Totals>,
    /// Per site and source: (devices, not seen by any other source).
    pub coverage: BTreeMap<(Option<i64>, Source), (i64, i64)>,
    pub sources: BTreeSet<Source>,
    /// Devices per classification.
    pub by_class: BTreeMap<Classification, i64>,
}

fn add(
    t: &mut Totals,
    source: Source,
    class: Classification,
    total: i64,
    spare: i64,
    billable: i64,
) {
    t.total_devices += total;
    t.spare_devices += spare;
    t.billable_devices += billable;
    match class {
        Classification::Server => t.servers += total,
        Classification::Workstation => t.workstations += total,
        _ => {}
    }
    *t.by_source.entry(source).or_default() += total;
}

async fn figures<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    filter: &str,
    values: Vec<Value>,
) -> Result<Figures, DbErr> {
    /// A rollup table's counts summed per site × source × classification.
    #[derive(FromQueryResult)]
    struct Sum {
        site_id: Option<i64>,
        source: Source,
        classification: Classification,
        total: i64,
        spare: i64,
        billable: i64,
        uncovered: i64,
        day: NaiveDate,
    }
    let sums: Vec<Sum> = rows(
        conn,
        &format!(
            "SELECT site_id, source, classification, CAST(SUM(total) AS BIGINT) AS total, \
             CAST(SUM(spare) AS BIGINT) AS spare, CAST(SUM(billable) AS BIGINT) AS billable, \
             CAST(SUM(uncovered) AS BIGINT) AS uncovered, MAX(count_date) AS day \
             FROM {table} WHERE {filter} GROUP BY site_id, source, classification"
        ),
        values,
    )
    .await
    .map_err(|e| crate::ssr::entities::stored(table, e))?;
    let mut f = Figures::default();
    for r in sums {
        let (site, source, class) = (r.site_id, r.source, r.classification);
        f.date = Some(f.date.map_or(r.day, |d: NaiveDate| Ord::max(d, r.day)));
        f.sources.insert(source);
        *f.by_class.entry(class).or_default() += r.total;
        add(&mut f.total, source, class, r.total, r.spare, r.billable);
        add(
            f.by_site.entry(site).or_default(),
            source,
            class,
            r.total,
            r.spare,
            r.billable,
        );
        let c = f.coverage.entry((site, source)).or_default();
        c.0 += r.total;
        c.1 += r.uncovered;
    }
    Ok(f)
}

/// Device totals over time per source: the daily rollups since `from`, or the month-ends
/// since `from`'s month — (label, devices per source with every source present) in date order.
pub async fn series<C: ConnectionTrait>(
    conn: &C,
    monthly: bool,
    from: NaiveDate,
) -> Result<Vec<(String, BTreeMap<Source, i64>)>, DbErr> {
    /// Devices per source on one day (or month-end, labelled `YYYY-MM`).
    #[derive(FromQueryResult)]
    struct Point {
        label: String,
        source: Source,
        total: i64,
    }
    let (sql, values): (&str, Vec<Value>) = if monthly {
        (
            "SELECT month AS label, source, CAST(SUM(total) AS BIGINT) AS total FROM month_end_counts \
             WHERE month >= ? GROUP BY month, source ORDER BY month",
            vec![month_of(from).into()],
        )
    } else {
        (
            "SELECT CAST(count_date AS TEXT) AS label, source, CAST(SUM(total) AS BIGINT) AS total \
             FROM daily_counts WHERE count_date >= ? GROUP BY count_date, source ORDER BY count_date",
            vec![from.into()],
        )
    };
    let points: Vec<Point> = rows(conn, sql, values)
        .await
        .stored::<daily_count::Entity>()?;
    let mut out: BTreeMap<String, BTreeMap<Source, i64>> = BTreeMap::new();
    for p in points {
        // PostgreSQL writes a date as text the same way (YYYY-MM-DD).
        let e = out
            .entry(p.label)
            .or_insert_with(|| Source::ALL.into_iter().map(|s| (s, 0)).collect());
        *e.entry(p.source).or_default() += p.total;
    }
    Ok(out.into_iter().collect())
}

/// The latest collected day.
pub async fn latest_date<C: ConnectionTrait>(conn: &C) -> Result<Option<NaiveDate>, DbErr> {
    Ok(daily_count::Entity::find()
        .select_only()
        .column_as(daily_count::Column::CountDate.max(), "day")
        .into_tuple::<Option<NaiveDate>>()
        .one(conn)
        .await?
        .flatten())
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
    let month: Option<String> = month_end_count::Entity::find()
        .select_only()
        .column_as(month_end_count::Column::Month.max(), "month")
        .filter(month_end_count::Column::Month.lt(month_of(date)))
        .into_tuple::<Option<String>>()
        .one(conn)
        .await?
        .flatten();
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
    // Coverage compares sources: it needs at least two that collected that day.
    let missing: Vec<&str> = Source::ALL
        .iter()
        .filter(|s| !f.sources.contains(s))
        .map(|s| s.label())
        .collect();
    if f.sources.len() < 2 {
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
            let of = |s: Source| f.coverage.get(&(id, s)).copied().unwrap_or_default();
            let first = of(Source::ALL[0]);
            CoverageRow {
                site_id: id,
                site_name: name,
                only: Source::ALL.into_iter().map(|s| (s, of(s).1)).collect(),
                both: first.0 - first.1,
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
    let mut days: BTreeSet<NaiveDate> = BTreeSet::new();
    days.extend(
        daily_count::Entity::find()
            .select_only()
            .column(daily_count::Column::CountDate)
            .distinct()
            .into_tuple::<NaiveDate>()
            .all(&ctx.db.conn)
            .await?,
    );
    days.extend(
        month_end_count::Entity::find()
            .select_only()
            .column(month_end_count::Column::CountDate)
            .distinct()
            .into_tuple::<NaiveDate>()
            .all(&ctx.db.conn)
            .await?,
    );
    Ok(days.into_iter().rev().map(|d| d.to_string()).collect())
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
    /// Parse query pairs; unknown keys and bad values are errors. `max_limit` bounds `limit`
    /// (paging as every list pages: `services::paging`).
    pub fn parse(pairs: &[(String, String)], max_limit: u64) -> Result<DeviceFilter, AppError> {
        let paging = crate::ssr::services::paging::Paging::parse_with(pairs, max_limit)?;
        crate::ssr::services::paging::single_valued(pairs, &DEVICE_FILTERS)?;
        let mut f = DeviceFilter {
            limit: paging.limit,
            offset: paging.offset,
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
                        AppError::field("source", format!("Choose {}.", Source::choices()))
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
                "limit" | "offset" => {}
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

    /// The day's snapshots that pass the filters.
    fn select(&self, date: NaiveDate) -> Select<snapshot::Entity> {
        use snapshot::Column as S;
        let mut q = snapshot::Entity::find().filter(S::SnapshotDate.eq(date));
        if let Some(s) = self.source {
            q = q.filter(S::Source.eq(s));
        }
        if let Some(c) = self.classification {
            q = q.filter(S::Classification.eq(c));
        }
        match self.site_id {
            Some(Some(s)) => q = q.filter(S::SiteId.eq(s)),
            Some(None) => q = q.filter(S::SiteId.is_null()),
            None => {}
        }
        for (col, v) in [
            (S::IsSpare, self.spare),
            (S::IsBillable, self.billable),
            (S::Covered, self.covered),
        ] {
            if let Some(b) = v {
                q = q.filter(col.eq(b));
            }
        }
        // Folded as the search text was (Unicode case folding), a substring with its `%` and
        // `_` taken literally.
        if let Some(folded) = self
            .q
            .as_deref()
            .and_then(crate::ssr::services::text::query)
        {
            let like = sea_orm::sea_query::LikeExpr::new(
                crate::ssr::services::text::contains_pattern(&folded),
            )
            .escape('\\');
            q = q.filter(Expr::col(S::SearchText).like(like));
        }
        q.order_by_asc(S::SortName)
            .order_by_asc(S::Source)
            .order_by_asc(S::Id)
    }
}

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
    let select = f.select(date);
    let ids_only = || select.clone().select_only().column(snapshot::Column::Id);
    let (count, ids) = if f.q.is_some() {
        // A search reads every row of the day once: all matching ids in order, counted here.
        let all: Vec<i64> = ids_only().into_tuple().all(conn).await?;
        let page = all
            .iter()
            .skip(f.offset as usize)
            .take(f.limit as usize)
            .copied()
            .collect();
        (all.len() as u64, page)
    } else {
        // The list index counts and orders without reading rows: the page's ids first (no
        // rows read for the skipped ones), then their rows.
        let count = select.clone().count(conn).await?;
        let page: Vec<i64> = ids_only()
            .limit(f.limit)
            .offset(f.offset)
            .into_tuple()
            .all(conn)
            .await?;
        (count, page)
    };
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        found.extend(
            snapshot::Entity::find()
                .filter(snapshot::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await
                .stored::<snapshot::Entity>()?,
        );
    }
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(n, i)| (*i, n)).collect();
    found.sort_by_key(|m| position.get(&m.id).copied());
    let mut out: Vec<SnapshotDto> = found
        .into_iter()
        .map(|m| SnapshotDto {
            id: m.id,
            date: m.snapshot_date.to_string(),
            source: m.source,
            external_id: m.external_id,
            hostname: m.hostname,
            display_name: m.display_name,
            site_id: m.site_id,
            site_name: String::new(),
            org_name: m.org_name,
            location_name: m.location_name,
            node_class: m.node_class,
            classification: m.classification,
            is_spare: m.is_spare,
            is_billable: m.is_billable,
            os_name: m.os_name,
            serial: m.serial,
            mac_addresses: split_list(m.mac_addresses),
            ip_addresses: split_list(m.ip_addresses),
            last_contact: m.last_contact.map(super::super::fmt_time),
            device_id: m.device_id,
            covered: m.covered,
        })
        .collect();
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
        let seen = snapshot::Entity::find()
            .filter(snapshot::Column::DeviceId.eq(device_id))
            .filter(snapshot::Column::Source.eq(s))
            .order_by_desc(snapshot::Column::SnapshotDate)
            .one(&ctx.db.conn)
            .await
            .stored::<snapshot::Entity>()?;
        if let Some(m) = seen {
            out.push(LastSeen {
                source: s,
                date: m.snapshot_date.to_string(),
                hostname: m.hostname,
                last_contact: m.last_contact.map(super::super::fmt_time),
            });
        }
    }
    Ok(out)
}
