//! The dashboard page's data in one piece: figures, breakdowns, coverage, freshness, and the
//! charts (drawn with charts-rs as SVG; bars link to the devices they count and show their
//! value on hover).

use super::super::Ctx;
use super::super::sources::{self, JobControl};
use super::dashboard::{self, Figures};
use super::{site_label, site_names};
use crate::error::AppError;
use crate::model::history::*;
use chrono::{Duration, Months, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Make each bar a link with a tooltip: charts-rs marks bars with `data-series`,
/// `data-category` and `data-value`; `link(category)` gives the address.
pub fn interactive(svg: &str, link: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(svg.len() + 1024);
    for line in svg.lines() {
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            let start = line.find(&key)? + key.len();
            let end = line[start..].find('"')? + start;
            Some(line[start..end].to_string())
        };
        if line.starts_with("<rect")
            && let (Some(series), Some(cat), Some(value)) = (
                attr("data-series"),
                attr("data-category"),
                attr("data-value"),
            )
        {
            let body = line.trim_end_matches("/>");
            let title = format!("<title>{series} · {cat}: {value}</title>");
            match link(&cat) {
                Some(href) => out.push_str(&format!(
                    "<a href=\"{}\" class=\"bar-link\">{body} class=\"bar\">{title}</rect></a>\n",
                    escape(&href)
                )),
                None => out.push_str(&format!("{body} class=\"bar\">{title}</rect>\n")),
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Let a chart scale to the width of its card: charts-rs writes a fixed `width` and `height`
/// beside the `viewBox`; without them the browser sizes the drawing from the viewBox and CSS.
pub fn fit_width(svg: String) -> String {
    let Some(rest) = svg.strip_prefix("<svg ") else {
        return svg;
    };
    let mut rest = rest;
    for attr in ["width=\"", "height=\""] {
        if let Some(after) = rest.strip_prefix(attr)
            && let Some(end) = after.find('"')
        {
            rest = after[end + 1..].trim_start();
        }
    }
    format!("<svg {rest}")
}

fn bar_chart(categories: Vec<String>, now: (&str, Vec<f32>), then: (&str, Vec<f32>)) -> String {
    let mut c = charts_rs::BarChart::new(
        vec![(now.0, now.1).into(), (then.0, then.1).into()],
        categories,
    );
    c.width = 760.0;
    c.height = 320.0;
    fit_width(c.svg().unwrap_or_default())
}

/// Total devices and each source's, over time: `points` are (label, devices per source).
fn line_chart(title: &str, points: &[(String, BTreeMap<Source, i64>)]) -> String {
    if points.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = points.iter().map(|p| p.0.clone()).collect();
    let total: Vec<f32> = points
        .iter()
        .map(|p| p.1.values().sum::<i64>() as f32)
        .collect();
    let mut series: Vec<charts_rs::Series> = vec![("Total", total).into()];
    for s in Source::ALL {
        let v: Vec<f32> = points
            .iter()
            .map(|p| p.1.get(&s).copied().unwrap_or(0) as f32)
            .collect();
        series.push((s.label(), v).into());
    }
    let mut c = charts_rs::LineChart::new(series, labels);
    c.width = 760.0;
    c.height = 300.0;
    c.title.text = title.to_string();
    fit_width(c.svg().unwrap_or_default())
}

fn devices_link(date: Option<NaiveDate>, key: &str, value: &str) -> String {
    let mut q = vec![];
    if let Some(d) = date {
        q.push(format!("date={d}"));
    }
    q.push(format!("{key}={value}"));
    format!("/dashboard/devices?{}", q.join("&"))
}

async fn bars(ctx: &Ctx, dim: &str, now: &Figures, then: &Figures) -> Result<String, AppError> {
    let label_now = now
        .date
        .map(|d| d.to_string())
        .unwrap_or_else(|| "Today".into());
    let label_then = then
        .date
        .map(|d| d.to_string())
        .unwrap_or_else(|| "Last month-end".into());
    let date = now.date;
    match dim {
        "classification" => {
            let classes: Vec<Classification> = Classification::ALL
                .into_iter()
                .filter(|c| now.by_class.contains_key(c) || then.by_class.contains_key(c))
                .collect();
            let get = |f: &Figures| -> Vec<f32> {
                classes
                    .iter()
                    .map(|c| f.by_class.get(c).copied().unwrap_or(0) as f32)
                    .collect()
            };
            let svg = bar_chart(
                classes.iter().map(|c| c.label().to_string()).collect(),
                (&label_now, get(now)),
                (&label_then, get(then)),
            );
            Ok(interactive(&svg, |cat| {
                Classification::ALL
                    .into_iter()
                    .find(|c| c.label() == cat)
                    .map(|c| devices_link(date, "classification", c.as_str()))
            }))
        }
        "source" => {
            let per = |f: &Figures| -> Vec<f32> {
                Source::ALL
                    .into_iter()
                    .map(|s| f.total.source(s) as f32)
                    .collect()
            };
            let svg = bar_chart(
                Source::ALL.iter().map(|s| s.label().to_string()).collect(),
                (&label_now, per(now)),
                (&label_then, per(then)),
            );
            Ok(interactive(&svg, |cat| {
                Source::ALL
                    .into_iter()
                    .find(|s| s.label() == cat)
                    .map(|s| devices_link(date, "source", s.as_str()))
            }))
        }
        _ => {
            // The largest sites (by today's count), at most 12 bars.
            let ids: BTreeSet<Option<i64>> = now
                .by_site
                .keys()
                .chain(then.by_site.keys())
                .copied()
                .collect();
            let names = site_names(&ctx.db.conn, ids.iter().flatten().copied()).await?;
            let mut rows: Vec<(Option<i64>, String, i64, i64)> = ids
                .into_iter()
                .map(|id| {
                    (
                        id,
                        site_label(id, &names),
                        now.by_site.get(&id).map_or(0, |t| t.total_devices),
                        then.by_site.get(&id).map_or(0, |t| t.total_devices),
                    )
                })
                .collect();
            rows.sort_by_key(|r| (-r.2, -r.3, r.1.to_lowercase()));
            rows.truncate(12);
            let svg = bar_chart(
                rows.iter().map(|r| r.1.clone()).collect(),
                (&label_now, rows.iter().map(|r| r.2 as f32).collect()),
                (&label_then, rows.iter().map(|r| r.3 as f32).collect()),
            );
            Ok(interactive(&svg, |cat| {
                rows.iter().find(|r| r.1 == cat).map(|r| {
                    let v = r.0.map(|i| i.to_string()).unwrap_or_else(|| "null".into());
                    devices_link(date, "site_id", &v)
                })
            }))
        }
    }
}

/// The dashboard for `date` (default: the latest collected day) against `against` (default:
/// the last month-end before it), with bars by `dim`.
pub async fn view(
    ctx: &Ctx,
    control: &dyn JobControl,
    date: Option<&str>,
    against: Option<&str>,
    dim: Option<&str>,
) -> Result<DashboardView, AppError> {
    let dim = match dim.unwrap_or("site") {
        "" => "site",
        d if DIMENSIONS.iter().any(|(k, _)| *k == d) => d,
        _ => {
            return Err(AppError::field(
                "dim",
                "Choose site, classification or source.",
            ));
        }
    };
    let (now, then) = dashboard::sides(ctx, date, against).await?;
    let date_s = now.date.map(|d| d.to_string());
    let against_s = then.date.map(|d| d.to_string());
    let comparison = dashboard::comparison(ctx, date_s.as_deref(), against_s.as_deref()).await?;
    let sites = dashboard::sites(ctx, date_s.as_deref(), against_s.as_deref()).await?;
    let coverage = dashboard::coverage(ctx, date_s.as_deref()).await?;
    let sources = sources::status(ctx, control).await?;
    let bars_svg = if now.sources.is_empty() {
        String::new()
    } else {
        bars(ctx, dim, &now, &then).await?
    };
    let last = now.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let daily = dashboard::series(&ctx.db.conn, false, last - Duration::days(64)).await?;
    let monthly_from = last.checked_sub_months(Months::new(23)).unwrap_or(last);
    let monthly = dashboard::series(&ctx.db.conn, true, monthly_from).await?;
    let version = version(ctx).await?;
    Ok(DashboardView {
        date: date_s,
        against: against_s,
        dates: dashboard::dates(ctx).await?,
        dimension: dim.to_string(),
        comparison,
        sites,
        coverage,
        sources,
        bars_svg,
        daily_svg: line_chart("Daily totals, last 65 days", &daily),
        monthly_svg: line_chart("Month-end totals, 24 months", &monthly),
        version,
    })
}

/// A cheap token that changes when a collection finishes: the ids of each source's latest
/// successful run.
pub async fn version(ctx: &Ctx) -> Result<String, AppError> {
    let mut parts = vec![];
    for s in Source::ALL {
        let (_, ok) = super::super::jobs::latest(&ctx.db.conn, s.job_kind()).await?;
        parts.push(ok.map_or(0, |j| j.id).to_string());
    }
    Ok(parts.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_scale_to_their_card() {
        let svg = bar_chart(vec!["A".into()], ("Now", vec![1.0]), ("Then", vec![2.0]));
        let head = &svg[..svg.find('>').unwrap()];
        assert!(head.starts_with("<svg viewBox=\"0 0 760 320\""), "{head}");
        assert!(
            !head.contains("width=") && !head.contains("height="),
            "{head}"
        );
        assert_eq!(fit_width("<g/>".into()), "<g/>");
    }

    #[test]
    fn bars_become_links_with_values() {
        let svg = bar_chart(
            vec!["HQ".into(), "Unmapped".into()],
            ("2026-03-15", vec![5.0, 2.0]),
            ("2026-02-28", vec![4.0, 0.0]),
        );
        let out = interactive(&svg, |c| {
            (c == "HQ").then(|| "/dashboard/devices?site_id=1&x=\"".into())
        });
        assert!(
            out.contains("<a href=\"/dashboard/devices?site_id=1&amp;x=&quot;\""),
            "{out}"
        );
        assert!(out.contains("<title>2026-03-15 · HQ: 5</title>"), "{out}");
        assert!(
            out.contains("<title>2026-02-28 · Unmapped: 0</title>"),
            "{out}"
        );
        assert_eq!(out.matches("<a ").count(), 2);
    }
}
