//! The dashboard (today against the last month-end), the devices the sources reported, and a
//! Census device's "seen by the sources" panel.

use super::{Freshness, Liveness, choice, fmt_time, live_refresh, source_names};
use crate::api::HydrationJson;
use crate::api::history::{fetch_dashboard, fetch_last_seen, fetch_seen_devices};
use crate::components::*;
use crate::error::AppError;
use crate::model::history::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn percent(p: Option<f64>) -> String {
    p.map(|p| format!("{p:+.1} %"))
        .unwrap_or_else(|| "–".into())
}

fn delta_class(n: i64) -> &'static str {
    match n.signum() {
        1 => "delta up",
        -1 => "delta down",
        _ => "delta",
    }
}

/// The coverage table's headings (numeric columns marked `#`): the site, each source's devices
/// no other source saw, and the first source's devices another one saw too.
fn coverage_columns() -> Vec<String> {
    let mut cols = vec!["Site".to_string()];
    for s in Source::ALL {
        let others: Vec<&str> = Source::ALL
            .iter()
            .filter(|o| **o != s)
            .map(|o| o.label())
            .collect();
        cols.push(format!("#In {}, not in {}", s.label(), others.join(" or ")));
    }
    cols.push(if Source::ALL.len() == 2 {
        "#In both".to_string()
    } else {
        format!("#In {} and another source", Source::ALL[0].label())
    });
    cols
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let key = while_here(at("/dashboard"), move || {
        let q = query.read();
        (
            q.get("date").unwrap_or_default(),
            q.get("against").unwrap_or_default(),
            q.get("dim").unwrap_or_default(),
        )
    });
    let version = RwSignal::new(None::<String>);
    let tick = live_refresh(move || Liveness {
        every_secs: Some(60),
        version: version.get(),
    });
    // The charts' SVG is in the page already: the hydration data leaves it out.
    let data: Resource<Result<DashboardView, AppError>, HydrationJson> = Resource::new_with_options(
        move || (key.get(), tick.get()),
        |((date, against, dim), _)| fetch_dashboard(date, against, dim),
        false,
    );
    view! {
        <Title text="Dashboard · Census" />
        <h1>"Dashboard"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) => {
                        version.set(Some(v.version.clone()));
                        let params = query.get();
                        if v.date.is_none() {
                            view! {
                                <Freshness sources=v.sources />
                                <div class="alert alert-info">
                                    {format!("Nothing has been collected yet. Configure {} and start a collection on the ", source_names("or"))}
                                    <a href="/jobs">"Jobs"</a>
                                    " page (or run "
                                    <code>"census demo"</code>
                                    " on an empty database to try Census out)."
                                </div>
                            }
                                .into_any()
                        } else {
                            dashboard_body(v, params).into_any()
                        }
                    }
                }
            })}
        </Transition>
    }
}

/// A chart: charts-rs's SVG (data made on the server), drawn to the width of its card. Links
/// inside it navigate in place like the page's other links.
#[component]
fn Chart(title: &'static str, svg: String) -> impl IntoView {
    let navigate = use_navigate();
    let click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if ev.default_prevented()
                || ev.button() != 0
                || ev.ctrl_key()
                || ev.meta_key()
                || ev.shift_key()
                || ev.alt_key()
            {
                return;
            }
            let href = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a").ok().flatten())
                .and_then(|a| a.get_attribute("href"));
            if let Some(href) = href
                && href.starts_with('/')
                && !href.starts_with("//")
            {
                ev.prevent_default();
                navigate(&href, Default::default());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &navigate);
    };
    view! {
        <section class="card chart">
            <h2>{title}</h2>
            <div class="chart-svg" on:click=click inner_html=svg></div>
        </section>
    }
}

fn dashboard_body(v: DashboardView, params: ParamsMap) -> impl IntoView {
    let date = v.date.clone().unwrap_or_default();
    let against = v.against.clone().unwrap_or_default();
    let ch = &v.comparison.changes;
    let devices_for = |key: &str| -> String {
        let extra = match key {
            "servers" => "&classification=server".to_string(),
            "workstations" => "&classification=workstation".to_string(),
            "spare_devices" => "&spare=true".to_string(),
            "billable_devices" => "&billable=true".to_string(),
            _ => Totals::key_source(key)
                .map(|s| format!("&source={}", s.as_str()))
                .unwrap_or_default(),
        };
        format!("/dashboard/devices?date={date}{extra}")
    };
    let figure_cards = Totals::keys()
        .into_iter()
        .map(|k| {
            let c = ch.get(&k).cloned().unwrap_or_default();
            view! {
                <a class="figure card" href=devices_for(&k) data-figure=k.clone()>
                    <span class="figure-label">{Totals::label(&k)}</span>
                    <span class="figure-n" data-value=c.current.to_string()>{c.current.to_string()}</span>
                    <span class=delta_class(c.change)>
                        {format!("{} ({}) vs {}", signed(c.change), percent(c.change_percent), c.previous)}
                    </span>
                </a>
            }
        })
        .collect_view();

    // The site breakdown, sorted by the chosen column.
    let sort = params.get("sort").unwrap_or_else(|| "name".into());
    let mut sites = v.sites.sites.clone();
    let (key, desc) = match sort.strip_prefix('-') {
        Some(k) => (k.to_string(), true),
        None => (sort.clone(), false),
    };
    match key.as_str() {
        "current" => sites.sort_by_key(|s| s.current.total_devices),
        "previous" => sites.sort_by_key(|s| s.previous.total_devices),
        "change" => sites.sort_by_key(|s| s.change),
        _ => {}
    }
    if desc {
        sites.reverse();
    }
    let head = |k: &str, label: &str| {
        let next = if sort == k {
            format!("-{k}")
        } else {
            k.to_string()
        };
        let (mark, aria) = if sort == k {
            (" ▲", "ascending")
        } else if sort == format!("-{k}") {
            (" ▼", "descending")
        } else {
            ("", "none")
        };
        let link = href("/dashboard", &with_params(&params, &[("sort", Some(next))]));
        let class = if k == "name" { "" } else { "num" };
        view! { <th class=class aria-sort=aria><a href=link>{format!("{label}{mark}")}</a></th> }
    };
    let site_rows = sites
        .into_iter()
        .map(|s| {
            let id = s.site_id.map(|i| i.to_string()).unwrap_or_else(|| "null".into());
            let link = format!("/dashboard/devices?date={date}&site_id={id}");
            view! {
                <tr data-site=s.site_name.clone()>
                    <td data-label="Site"><a href=link>{s.site_name.clone()}</a></td>
                    <td data-label="Now" class="num" data-col="current">{s.current.total_devices}</td>
                    <td data-label="Before" class="num">{s.previous.total_devices}</td>
                    <td data-label="Change" class=format!("num {}", delta_class(s.change))>
                        {format!("{} ({})", signed(s.change), percent(s.change_percent))}
                    </td>
                    <td data-label="Servers" class="num">{s.current.servers}</td>
                    <td data-label="Workstations" class="num">{s.current.workstations}</td>
                    <td data-label="Spare" class="num">{s.current.spare_devices}</td>
                    <td data-label="Billable" class="num">{s.current.billable_devices}</td>
                </tr>
            }
        })
        .collect_view();

    let coverage = if v.coverage.available {
        let rows = v
            .coverage
            .sites
            .iter()
            .map(|s| {
                let id = s.site_id.map(|i| i.to_string()).unwrap_or_else(|| "null".into());
                let gaps = Source::ALL
                    .into_iter()
                    .map(|src| {
                        let link = format!(
                            "/dashboard/devices?date={date}&site_id={id}&source={}&covered=false",
                            src.as_str()
                        );
                        let n = s.only.get(&src).copied().unwrap_or(0);
                        view! {
                            <td data-label=format!("{} only", src.label()) class="num"><a href=link>{n}</a></td>
                        }
                    })
                    .collect_view();
                view! {
                    <tr>
                        <td data-label="Site">{s.site_name.clone()}</td>
                        {gaps}
                        <td data-label="Both" class="num">{s.both}</td>
                    </tr>
                }
            })
            .collect_view();
        let head = coverage_columns()
            .into_iter()
            .map(|c| match c.strip_prefix('#') {
                Some(t) => view! { <th class="num">{t.to_string()}</th> }.into_any(),
                None => view! { <th>{c}</th> }.into_any(),
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="table" id="coverage">
                    <thead><tr>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    } else {
        view! { <p class="muted">{v.coverage.reason.clone().unwrap_or_default()}</p> }.into_any()
    };

    let day_options: Vec<(String, String)> =
        v.dates.iter().map(|d| (d.clone(), d.clone())).collect();
    let mut against_options = day_options.clone();
    if against.is_empty() {
        against_options.insert(0, (String::new(), "(no earlier month-end)".into()));
    }
    let dims = DIMENSIONS
        .iter()
        .map(|(k, l)| (k.to_string(), l.to_string()))
        .collect();
    let caption = format!(
        "{date} compared with {}",
        if against.is_empty() {
            "nothing (no earlier month-end yet)"
        } else {
            &against
        }
    );
    let previous_label = if against.is_empty() {
        "Before".to_string()
    } else {
        against.clone()
    };
    let sort_kept = params.get("sort");
    let current_label = date.clone();
    view! {
        <Freshness sources=v.sources.clone() />
        <Form method="get" action="/dashboard" attr:class="filter-bar" attr:id="dashboard-controls" attr:data-autosubmit="">
            <div class="field">
                <label for="d-date">"Day"</label>
                {choice("d-date", "date", &date, day_options)}
            </div>
            <div class="field">
                <label for="d-against">"Compared with"</label>
                {choice("d-against", "against", &against, against_options)}
            </div>
            <div class="field">
                <label for="d-dim">"Bars by"</label>
                {choice("d-dim", "dim", &v.dimension, dims)}
            </div>
            {sort_kept.map(|s| view! { <input type="hidden" name="sort" value=s /> })}
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Show"</button>
                <a href="/dashboard" class="btn btn-ghost">"Today vs last month-end"</a>
            </div>
        </Form>
        <p class="muted">{caption}</p>
        <div class="figures">{figure_cards}</div>
        <Chart title="Today against the comparison day" svg=v.bars_svg.clone() />
        <section class="card">
            <h2>"Sites"</h2>
            <div class="table-wrap">
                <table class="table" id="site-breakdown">
                    <thead>
                        <tr>
                            {head("name", "Site")}
                            {head("current", &current_label)}
                            {head("previous", &previous_label)}
                            {head("change", "Change")}
                            <th class="num">"Servers"</th>
                            <th class="num">"Workstations"</th>
                            <th class="num">"Spare"</th>
                            <th class="num">"Billable"</th>
                        </tr>
                    </thead>
                    <tbody>{site_rows}</tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>"Coverage"</h2>
            {coverage}
        </section>
        <Chart title="Daily totals" svg=v.daily_svg.clone() />
        <Chart title="Month-end totals" svg=v.monthly_svg.clone() />
    }
}

const BOOL_FILTERS: [(&str, &str); 3] = [
    ("spare", "Spare"),
    ("billable", "Billable"),
    ("covered", "Seen by the other source"),
];

/// The query of the current address as a string, without server-function error markers.
fn query_string(params: &ParamsMap) -> String {
    let pairs: Vec<(String, String)> = params
        .clone()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("__"))
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    encode_query(&pairs)
}

#[component]
pub fn SeenDevicesPage() -> impl IntoView {
    let query = use_query_map();
    let key = while_here(at("/dashboard/devices"), move || {
        query_string(&query.read())
    });
    let data = Resource::new(move || key.get(), fetch_seen_devices);
    view! {
        <Title text="Devices seen · Census" />
        <h1>"Devices seen"</h1>
        {move || seen_filters(query.get())}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) => seen_table(v, query.get()).into_any(),
                }
            })}
        </Transition>
    }
}

fn seen_filters(params: ParamsMap) -> impl IntoView {
    let get = move |k: &str| params.get(k).unwrap_or_default();
    let any = || (String::new(), "Any".to_string());
    let sources = std::iter::once(any())
        .chain(
            Source::ALL
                .iter()
                .map(|s| (s.as_str().into(), s.label().into())),
        )
        .collect();
    let classes = std::iter::once(any())
        .chain(
            Classification::ALL
                .iter()
                .map(|c| (c.as_str().into(), c.label().into())),
        )
        .collect();
    let bools = BOOL_FILTERS
        .iter()
        .map(|(k, l)| {
            let yes_no = vec![
                any(),
                ("true".into(), "Yes".into()),
                ("false".into(), "No".into()),
            ];
            let id = format!("s-{k}");
            view! {
                <div class="field">
                    <label for=id.clone()>{*l}</label>
                    {choice(&id, k, &get(k), yes_no)}
                </div>
            }
        })
        .collect_view();
    let site = get("site_id");
    let (q, date) = (get("q"), get("date"));
    view! {
        <Form method="get" action="/dashboard/devices" attr:class="filter-bar">
            <div class="field grow">
                <label for="s-q">"Search"</label>
                <input id="s-q" type="search" name="q" value=q.clone() prop:value=q placeholder="host, serial, IP, MAC, organisation" />
            </div>
            <div class="field">
                <label for="s-date">"Day"</label>
                <input id="s-date" type="date" name="date" value=date.clone() prop:value=date />
            </div>
            <div class="field">
                <label for="s-source">"Source"</label>
                {choice("s-source", "source", &get("source"), sources)}
            </div>
            <div class="field">
                <label for="s-class">"Classification"</label>
                {choice("s-class", "classification", &get("classification"), classes)}
            </div>
            {bools}
            {(!site.is_empty()).then(|| view! { <input type="hidden" name="site_id" value=site.clone() /> })}
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Apply"</button>
                <a href="/dashboard/devices" class="btn btn-ghost">"Reset"</a>
            </div>
        </Form>
    }
}

fn seen_table(v: SeenDevicesView, params: ParamsMap) -> impl IntoView {
    let export = {
        let pairs: Vec<(String, String)> = params
            .clone()
            .into_iter()
            .filter(|(k, _)| k != "offset" && k != "limit" && !k.starts_with("__"))
            .map(|(k, v)| (k.to_string(), v))
            .chain([("format".to_string(), "csv".to_string())])
            .collect();
        href("/api/v1/dashboard/devices", &encode_query(&pairs))
    };
    let rows = v
        .page
        .results
        .into_iter()
        .map(|d| {
            let host = d
                .display_name
                .clone()
                .or(d.hostname.clone())
                .unwrap_or_else(|| d.external_id.clone());
            let mut flags = vec![if d.is_spare { "spare" } else { "billable" }];
            if !d.covered {
                flags.push("one source only");
            }
            let host_cell = match d.device_id {
                Some(id) => view! { <a href=format!("/devices/{id}")>{host}</a> }.into_any(),
                None => view! { <span>{host}</span> }.into_any(),
            };
            let org = if d.location_name.is_empty() {
                d.org_name.clone()
            } else {
                format!("{} / {}", d.org_name, d.location_name)
            };
            view! {
                <tr>
                    <td data-label="Host">{host_cell}</td>
                    <td data-label="Source">{d.source.label()}</td>
                    <td data-label="Site">{d.site_name}</td>
                    <td data-label="Organisation">{org}</td>
                    <td data-label="Class">{d.classification.label()}</td>
                    <td data-label="OS">{d.os_name.unwrap_or_default()}</td>
                    <td data-label="Serial">{d.serial.unwrap_or_default()}</td>
                    <td data-label="Flags">{flags.join(", ")}</td>
                </tr>
            }
        })
        .collect_view();
    let day = v
        .page
        .date
        .as_deref()
        .map(|d| format!("Day: {}", &d[..10.min(d.len())]))
        .unwrap_or_default();
    view! {
        <div class="list-actions">
            <span class="muted">{day}</span>
            <a class="btn" href=export rel="external" download>"Export CSV"</a>
        </div>
        <div class="table-wrap">
            <table class="table" id="snapshots">
                <TableHead cols=&["Host", "Source", "Site", "Organisation / location", "Class", "OS", "Serial", "Flags"] />
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager count=v.page.count offset=v.offset limit=v.limit path="/dashboard/devices".to_string() params />
    }
}

/// "Seen by the sources" on a Census device's page.
#[component]
pub fn LastSeenBySources(device_id: i64) -> impl IntoView {
    let data = Resource::new(move || device_id, fetch_last_seen);
    view! {
        <section class="card" id="last-seen">
            <h2>"Seen by the sources"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                        Ok(seen) if seen.is_empty() => {
                            let text = if Source::ALL.len() == 2 {
                                format!("Neither {} has reported this device (matched by serial or host name).", source_names("nor"))
                            } else {
                                format!("None of {} has reported this device (matched by serial or host name).", source_names("or"))
                            };
                            view! { <p class="muted">{text}</p> }.into_any()
                        }
                        Ok(seen) => {
                            let items = seen
                                .into_iter()
                                .map(|s| {
                                    let contact = s
                                        .last_contact
                                        .map(|t| format!(" (last contact {})", fmt_time(&t)))
                                        .unwrap_or_default();
                                    view! { <li>{format!("Last seen by {} on {}{contact}", s.source.label(), s.date)}</li> }
                                })
                                .collect_view();
                            view! { <ul class="plain">{items}</ul> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
