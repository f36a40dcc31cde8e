//! The history hub's pages, rendered on the server to HTML (server-only code: the browser gets
//! the markup, not the code that builds it). Every control is a link or a plain form — GET
//! forms change the page's address, POST forms go to a server function that redirects back —
//! so all of it works without JavaScript; with JavaScript the page shell navigates GET forms
//! in place and refreshes live pages (see `super`).

use crate::api::history::{CancelJob, SaveSettings, SetMapping, StartJob, TestSource};
use crate::components::*;
use crate::error::AppError;
use crate::model::history::*;
use crate::ssr::services::history::{board, dashboard, mapping, settings};
use crate::ssr::services::sources::{self, JobControl};
use crate::ssr::services::{Ctx, jobs};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;
use leptos_router::params::ParamsMap;
use server_fn::ServerFn;
use server_fn::error::ServerFnUrlError;

/// Render one of the hub's pages: `path` is the page's address, `query` its query string.
pub async fn render(
    ctx: &Ctx,
    control: &dyn JobControl,
    path: &str,
    query: &str,
) -> Result<PageHtml, AppError> {
    let params: ParamsMap = crate::ssr::services::query::pairs(query)
        .into_iter()
        .collect();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["dashboard"] => dashboard_page(ctx, control, params).await,
        ["dashboard", "devices"] => snapshots_page(ctx, params).await,
        ["jobs"] => jobs_page(ctx, control, params).await,
        ["jobs", id] => job_page(ctx, parse_id(id)?, params).await,
        ["sources"] => sources_page(ctx, control, params).await,
        ["site-mapping"] => mapping_page(ctx, params).await,
        ["settings"] => settings_page(ctx, params).await,
        ["devices", id, "last-seen"] => last_seen(ctx, parse_id(id)?).await,
        _ => Err(AppError::NotFound("No such page.".into())),
    }
}

fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse()
        .map_err(|_| AppError::NotFound("No such page.".into()))
}

/// A page titled `title` (its heading too; a fragment has none).
fn page(title: impl Into<String>, body: impl IntoView + 'static) -> PageHtml {
    let title: String = title.into();
    let heading = (!title.is_empty()).then(|| view! { <h1>{title.clone()}</h1> });
    PageHtml {
        title,
        html: view! { {heading} {body} }.to_html(),
        refresh_secs: None,
        version: None,
    }
}

/// The error a plain form post to server function `S` brought back in the address.
fn form_error<S: ServerFn<Error = AppError>>(params: &ParamsMap) -> Option<AppError> {
    (params.get("__path").as_deref() == Some(S::PATH))
        .then(|| params.get("__err"))
        .flatten()
        .map(|e| ServerFnUrlError::<AppError>::decode_err(&e))
}

fn error_box(e: Option<AppError>) -> impl IntoView {
    e.map(|err| view! { <ErrorBox err /> })
}

/// A form posting to server function `S`.
fn post_form<S: ServerFn>(class: &'static str, body: impl IntoView) -> impl IntoView {
    view! {
        <form method="post" action=S::PATH class=class>
            {body}
        </form>
    }
}

fn fmt_time(t: &str) -> String {
    t.replace('T', " ").replace('Z', " UTC")
}

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

fn freshness(sources: &[SourceStatus]) -> impl IntoView + use<> {
    let items: Vec<_> = sources
        .iter()
        .map(|s| {
            let when = s
                .last_success
                .as_ref()
                .and_then(|j| j.finished_at.clone())
                .map(|t| fmt_time(&t))
                .unwrap_or_else(|| "never".into());
            let note = if !s.configured {
                " (not configured)"
            } else {
                ""
            };
            view! {
                <span class=format!("fresh fresh-{}", s.freshness) data-source=s.source.as_str()>
                    <strong>{s.label.clone()}</strong>
                    {format!(" last collected {when}{note}")}
                </span>
            }
        })
        .collect();
    view! { <div class="freshness">{items}</div> }
}

/// A select of `options` (value, label) with `current` chosen.
fn select(
    id: &str,
    name: &'static str,
    current: &str,
    options: Vec<(String, String)>,
) -> impl IntoView + use<> {
    let opts: Vec<_> = options
        .into_iter()
        .map(|(v, l)| {
            let selected = v == current;
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect();
    view! { <select id=id.to_string() name=name>{opts}</select> }
}

async fn dashboard_page(
    ctx: &Ctx,
    control: &dyn JobControl,
    params: ParamsMap,
) -> Result<PageHtml, AppError> {
    let v = board::view(
        ctx,
        control,
        params.get("date").as_deref().filter(|s| !s.is_empty()),
        params.get("against").as_deref().filter(|s| !s.is_empty()),
        params.get("dim").as_deref(),
    )
    .await?;
    let version = v.version.clone();
    let body = if v.date.is_none() {
        view! {
            {freshness(&v.sources)}
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
    };
    Ok(PageHtml {
        refresh_secs: Some(60),
        version: Some(version),
        ..page("Dashboard", body)
    })
}

/// The sources' names as a phrase: `NinjaOne or ThreatLocker`, `NinjaOne, X and Y`.
fn source_names(conjunction: &str) -> String {
    let labels: Vec<&str> = Source::ALL.iter().map(|s| s.label()).collect();
    phrase(&labels, conjunction)
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

fn dashboard_body(v: DashboardView, params: ParamsMap) -> impl IntoView {
    let date = v.date.clone().unwrap_or_default();
    let against = v.against.clone().unwrap_or_default();
    let ch = &v.comparison.changes;
    let figures: Vec<(String, Change)> = Totals::keys()
        .into_iter()
        .map(|k| {
            let c = ch.get(&k).cloned().unwrap_or_default();
            (k, c)
        })
        .collect();
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
    let figure_cards: Vec<_> = figures
        .into_iter()
        .map(|(k, c)| {
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
        .collect();

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
    let site_rows: Vec<_> = sites
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
        .collect();

    let coverage = if v.coverage.available {
        let rows: Vec<_> = v
            .coverage
            .sites
            .iter()
            .map(|s| {
                let id = s.site_id.map(|i| i.to_string()).unwrap_or_else(|| "null".into());
                let gaps: Vec<_> = Source::ALL
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
                    .collect();
                view! {
                    <tr>
                        <td data-label="Site">{s.site_name.clone()}</td>
                        {gaps}
                        <td data-label="Both" class="num">{s.both}</td>
                    </tr>
                }
            })
            .collect();
        let head: Vec<_> = coverage_columns()
            .into_iter()
            .map(|c| match c.strip_prefix('#') {
                Some(t) => view! { <th class="num">{t.to_string()}</th> }.into_any(),
                None => view! { <th>{c}</th> }.into_any(),
            })
            .collect();
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
    let (current_label, previous_label) = (
        date.clone(),
        if against.is_empty() {
            "Before".to_string()
        } else {
            against.clone()
        },
    );
    view! {
        {freshness(&v.sources)}
        <form method="get" action="/dashboard" class="filter-bar" id="dashboard-controls" data-autosubmit="">
            <div class="field">
                <label for="d-date">"Day"</label>
                {select("d-date", "date", &date, day_options)}
            </div>
            <div class="field">
                <label for="d-against">"Compared with"</label>
                {select("d-against", "against", &against, against_options)}
            </div>
            <div class="field">
                <label for="d-dim">"Bars by"</label>
                {select("d-dim", "dim", &v.dimension, dims)}
            </div>
            {params.get("sort").map(|s| view! { <input type="hidden" name="sort" value=s /> })}
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Show"</button>
                <a href="/dashboard" class="btn btn-ghost">"Today vs last month-end"</a>
            </div>
        </form>
        <p class="muted">{caption}</p>
        <div class="figures">{figure_cards}</div>
        <section class="card chart">
            <h2>"Today against the comparison day"</h2>
            <div class="chart-svg" inner_html=v.bars_svg.clone()></div>
        </section>
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
        <section class="card chart">
            <h2>"Daily totals"</h2>
            <div class="chart-svg" inner_html=v.daily_svg.clone()></div>
        </section>
        <section class="card chart">
            <h2>"Month-end totals"</h2>
            <div class="chart-svg" inner_html=v.monthly_svg.clone()></div>
        </section>
    }
}

const BOOL_FILTERS: [(&str, &str); 3] = [
    ("spare", "Spare"),
    ("billable", "Billable"),
    ("covered", "Seen by the other source"),
];

async fn snapshots_page(ctx: &Ctx, params: ParamsMap) -> Result<PageHtml, AppError> {
    let pairs: Vec<(String, String)> = params
        .clone()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("__"))
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let f = dashboard::DeviceFilter::parse(&pairs, 500)?;
    let page_data = dashboard::devices(ctx, &f).await?;
    let get = |k: &str| params.get(k).unwrap_or_default();
    let (date, q) = (get("date"), get("q"));
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
    let bools: Vec<_> = BOOL_FILTERS
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
                    {select(&id, k, &get(k), yes_no)}
                </div>
            }
        })
        .collect();
    let site = get("site_id");
    let export = {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "offset" && k != "limit")
            .cloned()
            .chain([("format".to_string(), "csv".to_string())])
            .collect();
        href("/api/v1/dashboard/devices", &encode_query(&pairs))
    };
    let (limit, offset) = (f.limit, f.offset);
    let rows: Vec<_> = page_data
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
        .collect();
    let day = page_data
        .date
        .as_deref()
        .map(|d| format!("Day: {}", &d[..10.min(d.len())]))
        .unwrap_or_default();
    let body = view! {
        <form method="get" action="/dashboard/devices" class="filter-bar">
            <div class="field grow">
                <label for="s-q">"Search"</label>
                <input id="s-q" type="search" name="q" value=q placeholder="host, serial, IP, MAC, organisation" />
            </div>
            <div class="field">
                <label for="s-date">"Day"</label>
                <input id="s-date" type="date" name="date" value=date />
            </div>
            <div class="field">
                <label for="s-source">"Source"</label>
                {select("s-source", "source", &get("source"), sources)}
            </div>
            <div class="field">
                <label for="s-class">"Classification"</label>
                {select("s-class", "classification", &get("classification"), classes)}
            </div>
            {bools}
            {(!site.is_empty()).then(|| view! { <input type="hidden" name="site_id" value=site.clone() /> })}
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Apply"</button>
                <a href="/dashboard/devices" class="btn btn-ghost">"Reset"</a>
            </div>
        </form>
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
        <Pager count=page_data.count offset=offset limit=limit path="/dashboard/devices".to_string() params plain=true />
    };
    Ok(page("Devices seen", body))
}

fn progress_bar(j: &JobDto) -> impl IntoView + use<> {
    let pct = match (j.status, j.progress_total) {
        (JobStatus::Succeeded, _) => Some(100.0),
        (_, Some(t)) if t > 0 => Some((j.progress_done as f64 * 100.0 / t as f64).min(100.0)),
        _ => None,
    };
    let label = j.progress_message.clone().unwrap_or_default();
    let title = label.clone();
    view! {
        <div class="progress" title=title>
            <progress max="100" value=pct.map(|p| format!("{p:.0}"))></progress>
            <span class="muted">{label}</span>
        </div>
    }
}

fn duration(j: &JobDto) -> String {
    j.duration_secs
        .map(|s| format!("{s:.1} s"))
        .unwrap_or_default()
}

fn by(j: &JobDto) -> String {
    format!("{} ({})", j.requested_by, j.trigger.as_str())
}

/// While a run is queued or running its page refreshes every 2 seconds.
fn live_while(active: bool, mut p: PageHtml) -> PageHtml {
    p.refresh_secs = active.then_some(2);
    p
}

async fn jobs_page(
    ctx: &Ctx,
    control: &dyn JobControl,
    params: ParamsMap,
) -> Result<PageHtml, AppError> {
    let pairs: Vec<(String, String)> = params
        .clone()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let offset = crate::ssr::services::paging::Paging::parse(&pairs)?.offset;
    let f = jobs::JobFilter {
        limit: 25,
        offset,
        ..Default::default()
    };
    let (count, list) = jobs::list(ctx, &f).await?;
    let sources = sources::status(ctx, control).await?;
    let active = list.iter().any(|j| j.status.is_active());
    let start = ctx.actor.role.can_write().then(|| {
        let buttons: Vec<_> = JobKind::all()
            .into_iter()
            .map(|k| {
                post_form::<StartJob>(
                    "",
                    view! {
                        <input type="hidden" name="kind" value=k.as_str() />
                        <button type="submit" class="btn" data-kind=k.as_str()>{format!("Start {}", k.label().to_lowercase())}</button>
                    },
                )
            })
            .collect();
        view! { <div class="list-actions job-start">{buttons}</div> }
    });
    let rows: Vec<_> = list
        .iter()
        .map(|j| {
            let link = format!("/jobs/{}", j.id);
            view! {
                <tr data-job=j.id data-status=j.status.as_str()>
                    <td data-label="#"><a href=link.clone()>{j.id}</a></td>
                    <td data-label="Job"><a href=link>{j.kind.label()}</a></td>
                    <td data-label="Status"><span class=format!("status status-{}", j.status.as_str())>{j.status.as_str()}</span></td>
                    <td data-label="Progress">{progress_bar(j)}</td>
                    <td data-label="Started">{j.started_at.as_deref().map(fmt_time).unwrap_or_default()}</td>
                    <td data-label="Duration">{duration(j)}</td>
                    <td data-label="By">{by(j)}</td>
                </tr>
            }
        })
        .collect();
    let body = view! {
        {error_box(form_error::<StartJob>(&params))}
        {start}
        {freshness(&sources)}
        <div class="table-wrap">
            <table class="table" id="jobs">
                <TableHead cols=&["#", "Job", "Status", "Progress", "Started", "Duration", "By"] />
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager count offset limit=25 path="/jobs".to_string() params plain=true />
    };
    Ok(live_while(active, page("Jobs", body)))
}

async fn job_page(ctx: &Ctx, id: i64, params: ParamsMap) -> Result<PageHtml, AppError> {
    let d = jobs::get(ctx, id).await?;
    let j = d.job;
    let active = j.status.is_active();
    let log: String = d
        .logs
        .iter()
        .map(|l| {
            format!(
                "{}  {:>5}  {}\n",
                fmt_time(&l.time),
                l.level.as_str(),
                l.message
            )
        })
        .collect();
    let cancel = (active && ctx.actor.role.can_write()).then(|| {
        post_form::<CancelJob>(
            "",
            view! {
                <input type="hidden" name="id" value=j.id />
                <button type="submit" class="btn btn-danger">"Cancel"</button>
            },
        )
    });
    let title = format!("{} #{}", j.kind.label(), j.id);
    let body = view! {
        {error_box(form_error::<CancelJob>(&params))}
        <dl class="details">
            <dt>"Status"</dt>
            <dd><span class=format!("status status-{}", j.status.as_str()) id="job-status">{j.status.as_str()}</span></dd>
            <dt>"Progress"</dt>
            <dd>{progress_bar(&j)}</dd>
            <dt>"Queued"</dt>
            <dd>{fmt_time(&j.queued_at)}</dd>
            <dt>"Started"</dt>
            <dd>{j.started_at.as_deref().map(fmt_time).unwrap_or_default()}</dd>
            <dt>"Finished"</dt>
            <dd>{j.finished_at.as_deref().map(fmt_time).unwrap_or_default()}</dd>
            <dt>"Duration"</dt>
            <dd>{duration(&j)}</dd>
            <dt>"Started by"</dt>
            <dd>{by(&j)}</dd>
            {j.error.clone().map(|e| view! { <dt>"Error"</dt><dd class="error-text">{e}</dd> })}
            {j.result.clone().map(|r| view! { <dt>"Result"</dt><dd><code>{r.to_string()}</code></dd> })}
        </dl>
        {cancel}
        <section class="card">
            <h2>"Log"</h2>
            <pre class="job-log" id="job-log">{log}</pre>
        </section>
        <a href="/jobs">"All jobs"</a>
    };
    Ok(live_while(active, page(title, body)))
}

async fn sources_page(
    ctx: &Ctx,
    control: &dyn JobControl,
    params: ParamsMap,
) -> Result<PageHtml, AppError> {
    let list = sources::status(ctx, control).await?;
    let can = ctx.actor.role.can_write();
    let result = params.get("test").map(|src| {
        let ok = params.get("ok").as_deref() == Some("true");
        let label = Source::parse(&src).map(|s| s.label()).unwrap_or("Source");
        view! {
            <div class=if ok { "alert alert-success" } else { "alert alert-error" } role="status" id="test-result">
                {format!("{label}: {}", params.get("message").unwrap_or_default())}
            </div>
        }
    });
    let cards: Vec<_> = list
        .into_iter()
        .map(|s| {
            let src = s.source.as_str();
            let settings: Vec<_> = s
                .settings
                .iter()
                .map(|(k, v)| {
                    let shown = if v.is_empty() { "—".to_string() } else { v.clone() };
                    view! { <dt><code>{k.clone()}</code></dt><dd>{shown}</dd> }
                })
                .collect();
            let schedule = s
                .schedule
                .clone()
                .map(|t| format!("daily at {t} ({})", s.timezone))
                .unwrap_or_else(|| "off".into());
            let last_run = s
                .last_run
                .clone()
                .map(|j| {
                    view! {
                        <a href=format!("/jobs/{}", j.id)>{format!("#{} {}", j.id, j.status.as_str())}</a>
                        {j.finished_at.map(|t| format!(" at {}", fmt_time(&t)))}
                    }
                    .into_any()
                })
                .unwrap_or_else(|| "never".into_any());
            let last_success = s
                .last_success
                .as_ref()
                .and_then(|j| j.finished_at.clone())
                .map(|t| fmt_time(&t))
                .unwrap_or_else(|| "never".into());
            let collected = s
                .devices_collected
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into());
            let disabled = !s.configured;
            let actions = can.then(|| {
                view! {
                    <div class="list-actions">
                        {post_form::<TestSource>("", view! {
                            <input type="hidden" name="source" value=src />
                            <button type="submit" class="btn" disabled=disabled>"Test connection"</button>
                        })}
                        {post_form::<StartJob>("", view! {
                            <input type="hidden" name="kind" value=s.source.job_kind().as_str() />
                            <button type="submit" class="btn btn-primary" disabled=disabled>"Collect now"</button>
                        })}
                    </div>
                }
            });
            view! {
                <section class="card source" data-source=src>
                    <h2>{s.label.clone()} " " <span class=format!("fresh fresh-{}", s.freshness)>{s.freshness.clone()}</span></h2>
                    <dl class="details">
                        {settings}
                        <dt>"Schedule"</dt>
                        <dd>{schedule}</dd>
                        <dt>"Last run"</dt>
                        <dd>{last_run}</dd>
                        <dt>"Last success"</dt>
                        <dd>{last_success}</dd>
                        <dt>"Devices collected"</dt>
                        <dd>{collected}</dd>
                    </dl>
                    {actions}
                </section>
            }
        })
        .collect();
    let body = view! {
        <p class="muted">
            "Sources are configured with environment variables or census.toml (see the README); secrets are never shown."
        </p>
        {error_box(form_error::<TestSource>(&params))}
        {error_box(form_error::<StartJob>(&params))}
        {result}
        {cards}
    };
    Ok(page("Sources", body))
}

async fn mapping_page(ctx: &Ctx, params: ParamsMap) -> Result<PageHtml, AppError> {
    let rows = mapping::list(ctx, None).await?;
    let sites =
        crate::ssr::services::objects::options(ctx, crate::schema::Kind::Site, 2000).await?;
    let can = ctx.actor.role.can_write();
    let only = params.get("unmapped").is_some();
    let err = form_error::<SetMapping>(&params);
    let row_views: Vec<_> = rows
        .into_iter()
        .filter(|m| !only || m.effective_site_id.is_none())
        .map(|m| {
            let name = if m.location_name.is_empty() {
                m.org_name.clone()
            } else {
                format!("{} / {}", m.org_name, m.location_name)
            };
            let how = match m.method.map(|x| x.as_str()) {
                Some("manual") => "mapped by hand",
                Some("auto") => "names match",
                _ if !m.location_name.is_empty() && m.effective_site_id.is_some() => {
                    "follows its organisation"
                }
                _ => "not mapped",
            };
            let cur = m.site_id.map(|i| i.to_string()).unwrap_or_default();
            let row_class = if m.location_name.is_empty() { "" } else { "sub" };
            let none_label = if m.location_name.is_empty() {
                "(automatic)"
            } else {
                "(follow organisation)"
            };
            let choices: Vec<_> = sites
                .options
                .iter()
                .map(|o| {
                    let v = o.id.to_string();
                    let selected = v == cur;
                    view! { <option value=v selected=selected>{o.display.clone()}</option> }
                })
                .collect();
            let form = can.then(|| {
                post_form::<SetMapping>(
                    "inline-form",
                    view! {
                        <input type="hidden" name="id" value=m.id />
                        <select name="site_id" aria-label=format!("Site for {name}")>
                            <option value="">{none_label}</option>
                            {choices}
                        </select>
                        <input name="new_site" placeholder="or a new site's name" aria-label=format!("New site for {name}") />
                        <button type="submit" class="btn btn-small">"Map"</button>
                    },
                )
            });
            view! {
                <tr data-mapping=name.clone() class=row_class>
                    <td data-label="Source">{m.source.label()}</td>
                    <td data-label="Name">{name.clone()}</td>
                    <td data-label="Devices" class="num">{m.device_count}</td>
                    <td data-label="Counts under">
                        <strong>{m.effective_site_name.clone()}</strong>
                        <span class="muted">{format!(" ({how})")}</span>
                    </td>
                    <td data-label="Map to">{form}</td>
                </tr>
            }
        })
        .collect();
    let toggle = if only {
        view! { <a href="/site-mapping">"Show all names"</a> }
    } else {
        view! { <a href="/site-mapping?unmapped=1">"Show unmapped names only"</a> }
    };
    let body = view! {
        <p class="muted">
            {format!("The names {} use for where devices are, and the Census site each counts under. ", source_names("and"))}
            "Names that match a site map automatically; a location follows its organisation unless mapped on its own. "
            "Mapping re-attributes the history already collected."
        </p>
        {error_box(err)}
        <p>{toggle}</p>
        <div class="table-wrap">
            <table class="table" id="mappings">
                <TableHead cols=&["Source", "Organisation / location", "#Devices", "Counts under", "Map to"] />
                <tbody>{row_views}</tbody>
            </table>
        </div>
    };
    Ok(page("Site mapping", body))
}

async fn settings_page(ctx: &Ctx, params: ParamsMap) -> Result<PageHtml, AppError> {
    let s = settings::load(&ctx.db.conn).await?;
    let admin = ctx.actor.role.is_admin();
    let err = form_error::<SaveSettings>(&params);
    let (fields, sent) = err
        .as_ref()
        .map(|e| {
            (
                e.field_errors(),
                e.submitted_values().cloned().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let value = |k: &str, dflt: String| sent.get(k).cloned().unwrap_or(dflt);
    let nums: Vec<_> = [
        (
            "daily_retention_days",
            "Keep daily snapshots (days)",
            s.daily_retention_days,
        ),
        (
            "month_end_retention_months",
            "Keep month-end snapshots (months)",
            s.month_end_retention_months,
        ),
        (
            "raw_retention_days",
            "Keep raw source payloads (days)",
            s.raw_retention_days,
        ),
    ]
    .into_iter()
    .map(|(k, l, n)| {
        view! {
            <div class="field">
                <label for=k>{l}</label>
                <input id=k name=k type="number" value=value(k, n.to_string()) disabled=!admin />
                <FieldErrorList errors=fields.clone() name=k />
            </div>
        }
    })
    .collect();
    let saved = params.get("saved").map(|_| {
        view! { <div class="alert alert-success" role="status">"Saved."</div> }
    });
    let submit = if admin {
        view! { <button type="submit" class="btn btn-primary">"Save"</button> }.into_any()
    } else {
        view! { <p class="muted">"Only administrators change settings."</p> }.into_any()
    };
    let body = view! {
        {saved}
        {error_box(err.clone())}
        <section class="card narrow-card">
            <h2>"Spare devices and retention"</h2>
            <p class="muted">
                "A device is spare when its display name or location contains “spare” or one of these patterns (one per line, any case), or NinjaOne reports it as a VMware guest. New patterns apply from the next collection."
            </p>
            {post_form::<SaveSettings>("", view! {
                <div class="field">
                    <label for="extra_spare_patterns">"Extra spare patterns"</label>
                    <textarea id="extra_spare_patterns" name="extra_spare_patterns" rows="4" disabled=!admin>
                        {value("extra_spare_patterns", s.extra_spare_patterns.join("\n"))}
                    </textarea>
                    <FieldErrorList errors=fields.clone() name="extra_spare_patterns" />
                </div>
                {nums}
                {submit}
            })}
        </section>
    };
    Ok(page("Settings", body))
}

/// "Seen by the sources" on a Census device's page.
async fn last_seen(ctx: &Ctx, device_id: i64) -> Result<PageHtml, AppError> {
    let seen = dashboard::last_seen(ctx, device_id).await?;
    let body = if seen.is_empty() {
        view! { <p class="muted">{if Source::ALL.len() == 2 {
            format!("Neither {} has reported this device (matched by serial or host name).", source_names("nor"))
        } else {
            format!("None of {} has reported this device (matched by serial or host name).", source_names("or"))
        }}</p> }.into_any()
    } else {
        let items: Vec<_> = seen
            .into_iter()
            .map(|s| {
                let contact = s
                    .last_contact
                    .map(|t| format!(" (last contact {})", fmt_time(&t)))
                    .unwrap_or_default();
                view! { <li>{format!("Last seen by {} on {}{contact}", s.source.label(), s.date)}</li> }
            })
            .collect();
        view! { <ul class="plain">{items}</ul> }.into_any()
    };
    let body = view! {
        <section class="card" id="last-seen">
            <h2>"Seen by the sources"</h2>
            {body}
        </section>
    };
    Ok(page("", body))
}
