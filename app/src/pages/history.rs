//! The history hub's pages: the dashboard (figures, charts, breakdowns, coverage, freshness;
//! live with JavaScript), the devices the sources reported, jobs, sources, site mapping and
//! settings. Every control is a link or a form, so all of it works without JavaScript.

use crate::api::history::*;
use crate::components::*;
use crate::model::history::*;
use crate::pages::auth::action_errors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

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

/// Run `f` every `secs` seconds while the page is open in a browser.
fn every(secs: u64, f: impl Fn() + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(h) = set_interval_with_handle(f.clone(), std::time::Duration::from_secs(secs)) {
            on_cleanup(move || h.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (f, secs);
}

#[component]
fn Freshness(sources: Vec<SourceStatus>) -> impl IntoView {
    view! {
        <div class="freshness">
            {sources
                .into_iter()
                .map(|s| {
                    let when = s
                        .last_success
                        .as_ref()
                        .and_then(|j| j.finished_at.clone())
                        .map(|t| fmt_time(&t))
                        .unwrap_or_else(|| "never".into());
                    let note = if !s.configured { " (not configured)" } else { "" };
                    view! {
                        <span class=format!("fresh fresh-{}", s.freshness) data-source=s.source.as_str()>
                            <strong>{s.label.clone()}</strong>
                            {format!(" last collected {when}{note}")}
                        </span>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || {
            let q = query.get();
            (q.get("date"), q.get("against"), q.get("dim"), tick.get())
        },
        |(date, against, dim, _)| fetch_dashboard(date, against, dim),
    );
    // Live: every 60 s, and at once when a collection finishes (checked every 5 s).
    every(60, move || tick.update(|t| *t += 1));
    every(5, move || {
        leptos::task::spawn_local(async move {
            let shown = data.get_untracked().and_then(|r| r.ok()).map(|v| v.version);
            if let (Ok(now), Some(shown)) = (dashboard_version().await, shown)
                && now != shown
            {
                tick.update(|t| *t += 1);
            }
        });
    });
    view! {
        <Title text="Dashboard · Census" />
        <h1>"Dashboard"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) if v.date.is_none() => {
                        view! {
                            <Freshness sources=v.sources.clone() />
                            <div class="alert alert-info">
                                "Nothing has been collected yet. Configure NinjaOne or ThreatLocker and start a collection on the "
                                <a href="/jobs">"Jobs"</a>
                                " page (or run "
                                <code>"census demo"</code>
                                " on an empty database to try Census out)."
                            </div>
                        }
                            .into_any()
                    }
                    Ok(v) => dashboard_body(v, query.get()).into_any(),
                }
            })}
        </Transition>
    }
}

fn dashboard_body(v: DashboardView, params: leptos_router::params::ParamsMap) -> impl IntoView {
    let date = v.date.clone().unwrap_or_default();
    let against = v.against.clone().unwrap_or_default();
    let c = v.comparison.clone();
    let figures: Vec<(&'static str, Change)> = vec![
        ("total_devices", c.changes.total_devices.clone()),
        ("servers", c.changes.servers.clone()),
        ("workstations", c.changes.workstations.clone()),
        ("spare_devices", c.changes.spare_devices.clone()),
        ("billable_devices", c.changes.billable_devices.clone()),
        ("ninja_devices", c.changes.ninja_devices.clone()),
        (
            "threatlocker_devices",
            c.changes.threatlocker_devices.clone(),
        ),
    ];
    let devices_for = |key: &str| -> String {
        let extra = match key {
            "servers" => "&classification=server",
            "workstations" => "&classification=workstation",
            "spare_devices" => "&spare=true",
            "billable_devices" => "&billable=true",
            "ninja_devices" => "&source=ninja",
            "threatlocker_devices" => "&source=threatlocker",
            _ => "",
        };
        format!(
            "/dashboard/devices?date={}{extra}",
            v.date.clone().unwrap_or_default()
        )
    };
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
    let sort_link = |k: &str| {
        let next = if sort == k {
            format!("-{k}")
        } else {
            k.to_string()
        };
        href("/dashboard", &with_params(&params, &[("sort", Some(next))]))
    };
    let arrow = |k: &str| {
        if sort == k {
            " ▲"
        } else if sort == format!("-{k}") {
            " ▼"
        } else {
            ""
        }
    };
    let dim = v.dimension.clone();
    let dates = v.dates.clone();
    let caption = format!(
        "{date} compared with {}",
        if against.is_empty() {
            "nothing (no earlier month-end yet)".to_string()
        } else {
            against.clone()
        }
    );
    let previous_head = format!(
        "{}{}",
        if against.is_empty() {
            "Before"
        } else {
            against.as_str()
        },
        arrow("previous")
    );
    let current_head = format!("{date}{}", arrow("current"));
    let (site_day, gap_day) = (date.clone(), date.clone());
    view! {
        <Freshness sources=v.sources.clone() />
        <Form method="get" action="/dashboard" attr:class="filter-bar" attr:id="dashboard-controls">
            <div class="field">
                <label for="d-date">"Day"</label>
                <select id="d-date" name="date" prop:value=date.clone()>
                    {dates.iter().map(|d| view! { <option value=d.clone() selected=*d == date>{d.clone()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="d-against">"Compared with"</label>
                <select id="d-against" name="against" prop:value=against.clone()>
                    {(against.is_empty()).then(|| view! { <option value="">"(no earlier month-end)"</option> })}
                    {dates.iter().map(|d| view! { <option value=d.clone() selected=*d == against>{d.clone()}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="d-dim">"Bars by"</label>
                <select id="d-dim" name="dim" prop:value=dim.clone()>
                    {crate::model::history::DIMENSIONS
                        .iter()
                        .map(|(k, l)| view! { <option value=*k selected=*k == dim>{*l}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Show"</button>
                <a href="/dashboard" class="btn btn-ghost">"Today vs last month-end"</a>
            </div>
        </Form>
        <p class="muted">{caption}</p>
        <div class="figures">
            {figures
                .into_iter()
                .map(|(k, ch)| {
                    view! {
                        <a class="figure card" href=devices_for(k) data-figure=k>
                            <span class="figure-label">{Totals::label(k)}</span>
                            <span class="figure-n" data-value=ch.current.to_string()>{ch.current.to_string()}</span>
                            <span class=delta_class(ch.change)>
                                {format!("{} ({}) vs {}", signed(ch.change), percent(ch.change_percent), ch.previous)}
                            </span>
                        </a>
                    }
                })
                .collect_view()}
        </div>
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
                            <th><a href=sort_link("name")>{format!("Site{}", arrow("name"))}</a></th>
                            <th class="num"><a href=sort_link("current")>{current_head}</a></th>
                            <th class="num"><a href=sort_link("previous")>{previous_head}</a></th>
                            <th class="num"><a href=sort_link("change")>{format!("Change{}", arrow("change"))}</a></th>
                            <th class="num">"Servers"</th>
                            <th class="num">"Workstations"</th>
                            <th class="num">"Spare"</th>
                            <th class="num">"Billable"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {sites
                            .into_iter()
                            .map(|s| {
                                let id = s.site_id.map(|i| i.to_string()).unwrap_or_else(|| "null".into());
                                let link = format!("/dashboard/devices?date={site_day}&site_id={id}");
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
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>"Coverage"</h2>
            {if v.coverage.available {
                view! {
                    <div class="table-wrap">
                        <table class="table" id="coverage">
                            <TableHead cols=&["Site", "#In NinjaOne, no ThreatLocker agent", "#In ThreatLocker, not in NinjaOne", "#In both"] />
                            <tbody>
                                {v.coverage
                                    .sites
                                    .iter()
                                    .map(|s| {
                                        let id = s.site_id.map(|i| i.to_string()).unwrap_or_else(|| "null".into());
                                        let gap = |src: &str| format!("/dashboard/devices?date={gap_day}&site_id={id}&source={src}&covered=false");
                                        view! {
                                            <tr>
                                                <td data-label="Site">{s.site_name.clone()}</td>
                                                <td data-label="NinjaOne only" class="num"><a href=gap("ninja")>{s.ninja_only}</a></td>
                                                <td data-label="ThreatLocker only" class="num"><a href=gap("threatlocker")>{s.threatlocker_only}</a></td>
                                                <td data-label="Both" class="num">{s.both}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            } else {
                view! { <p class="muted">{v.coverage.reason.clone().unwrap_or_default()}</p> }.into_any()
            }}
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

#[component]
pub fn SnapshotsPage() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let data = Resource::new(move || location.search.get(), fetch_snapshots);
    view! {
        <Title text="Devices seen · Census" />
        <h1>"Devices the sources reported"</h1>
        {move || {
            let p = query.get();
            let get = |k: &str| p.get(k).unwrap_or_default();
            let (date, source, class, site, q) = (get("date"), get("source"), get("classification"), get("site_id"), get("q"));
            let bools: Vec<(&str, &str, String)> = BOOL_FILTERS.iter().map(|(k, l)| (*k, *l, get(k))).collect();
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
                        <select id="s-source" name="source" prop:value=source.clone()>
                            <option value="">"Any"</option>
                            {Source::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == source>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="s-class">"Classification"</label>
                        <select id="s-class" name="classification" prop:value=class.clone()>
                            <option value="">"Any"</option>
                            {Classification::ALL.iter().map(|c| view! { <option value=c.as_str() selected=c.as_str() == class>{c.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    {bools
                        .into_iter()
                        .map(|(k, l, cur)| {
                            view! {
                                <div class="field">
                                    <label for=format!("s-{k}")>{l}</label>
                                    <select id=format!("s-{k}") name=k prop:value=cur.clone()>
                                        <option value="">"Any"</option>
                                        <option value="true" selected=cur == "true">"Yes"</option>
                                        <option value="false" selected=cur == "false">"No"</option>
                                    </select>
                                </div>
                            }
                        })
                        .collect_view()}
                    {(!site.is_empty()).then(|| view! { <input type="hidden" name="site_id" value=site.clone() /> })}
                    <div class="filter-actions">
                        <button type="submit" class="btn btn-primary">"Apply"</button>
                        <a href="/dashboard/devices" class="btn btn-ghost">"Reset"</a>
                    </div>
                </Form>
            }
        }}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(page) => {
                        let p = query.get();
                        let export = {
                            let pairs: Vec<(String, String)> = p
                                .clone()
                                .into_iter()
                                .filter(|(k, _)| k != "offset" && k != "limit" && !k.starts_with("__"))
                                .map(|(k, v)| (k.to_string(), v))
                                .chain([("format".to_string(), "csv".to_string())])
                                .collect();
                            href("/api/v1/dashboard/devices", &encode_query(&pairs))
                        };
                        let limit = p.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
                        let offset = p.get("offset").and_then(|l| l.parse().ok()).unwrap_or(0);
                        view! {
                            <div class="list-actions">
                                <span class="muted">{page.date.as_deref().map(|d| format!("Day: {}", &d[..10])).unwrap_or_default()}</span>
                                <a class="btn" href=export rel="external" download>"Export CSV"</a>
                            </div>
                            <div class="table-wrap">
                                <table class="table" id="snapshots">
                                    <TableHead cols=&["Host", "Source", "Site", "Organisation / location", "Class", "OS", "Serial", "Flags"] />
                                    <tbody>
                                        {page
                                            .results
                                            .into_iter()
                                            .map(|d| {
                                                let host = d.display_name.clone().or(d.hostname.clone()).unwrap_or_else(|| d.external_id.clone());
                                                let mut flags = vec![];
                                                if d.is_spare { flags.push("spare"); } else { flags.push("billable"); }
                                                if !d.covered { flags.push("one source only"); }
                                                view! {
                                                    <tr>
                                                        <td data-label="Host">
                                                            {match d.device_id {
                                                                Some(id) => view! { <a href=format!("/devices/{id}")>{host.clone()}</a> }.into_any(),
                                                                None => view! { <span>{host.clone()}</span> }.into_any(),
                                                            }}
                                                        </td>
                                                        <td data-label="Source">{d.source.label()}</td>
                                                        <td data-label="Site">{d.site_name.clone()}</td>
                                                        <td data-label="Organisation">
                                                            {if d.location_name.is_empty() { d.org_name.clone() } else { format!("{} / {}", d.org_name, d.location_name) }}
                                                        </td>
                                                        <td data-label="Class">{d.classification.label()}</td>
                                                        <td data-label="OS">{d.os_name.clone().unwrap_or_default()}</td>
                                                        <td data-label="Serial">{d.serial.clone().unwrap_or_default()}</td>
                                                        <td data-label="Flags">{flags.join(", ")}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager count=page.count offset=offset limit=limit path="/dashboard/devices".to_string() params=p />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn progress_bar(j: &JobDto) -> impl IntoView {
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

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || {
            (
                query
                    .get()
                    .get("offset")
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0u64),
                tick.get(),
            )
        },
        |(offset, _)| fetch_jobs(offset),
    );
    let start = ServerAction::<StartJob>::new();
    let state = action_errors(start);
    // Live progress: refresh every 2 s while something is queued or running.
    let active = Memo::new(move |_| {
        data.get()
            .and_then(|r| r.ok())
            .is_some_and(|v| v.jobs.iter().any(|j| j.status.is_active()))
    });
    every(2, move || {
        if active.get_untracked() {
            tick.update(|t| *t += 1);
        }
    });
    Effect::new(move |_| {
        if start.version().get() > 0 {
            tick.update(|t| *t += 1);
        }
    });
    let me = me_resource();
    view! {
        <Title text="Jobs · Census" />
        <h1>"Jobs"</h1>
        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let can = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                can.then(|| {
                    view! {
                        <div class="list-actions job-start">
                            {JobKind::ALL
                                .into_iter()
                                .map(|k| {
                                    view! {
                                        <ActionForm action=start>
                                            <input type="hidden" name="kind" value=k.as_str() />
                                            <button type="submit" class="btn" data-kind=k.as_str()>{format!("Start {}", k.label().to_lowercase())}</button>
                                        </ActionForm>
                                    }
                                })
                                .collect_view()}
                        </div>
                    }
                })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) => {
                        let offset = query.get().get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
                        view! {
                            <Freshness sources=v.sources.clone() />
                            <div class="table-wrap">
                                <table class="table" id="jobs">
                                    <TableHead cols=&["#", "Job", "Status", "Progress", "Started", "Duration", "By"] />
                                    <tbody>
                                        {v.jobs
                                            .iter()
                                            .map(|j| {
                                                view! {
                                                    <tr data-job=j.id data-status=j.status.as_str()>
                                                        <td data-label="#"><a href=format!("/jobs/{}", j.id)>{j.id}</a></td>
                                                        <td data-label="Job"><a href=format!("/jobs/{}", j.id)>{j.kind.label()}</a></td>
                                                        <td data-label="Status"><span class=format!("status status-{}", j.status.as_str())>{j.status.as_str()}</span></td>
                                                        <td data-label="Progress">{progress_bar(j)}</td>
                                                        <td data-label="Started">{j.started_at.as_deref().map(fmt_time).unwrap_or_default()}</td>
                                                        <td data-label="Duration">{duration(j)}</td>
                                                        <td data-label="By">{format!("{} ({})", j.requested_by, j.trigger)}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager count=v.count offset=offset limit=25 path="/jobs".to_string() params=query.get() />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let tick = RwSignal::new(0u32);
    let data = Resource::new(move || (id.get(), tick.get()), |(id, _)| fetch_job(id));
    let active = Memo::new(move |_| {
        data.get()
            .and_then(|r| r.ok())
            .is_some_and(|d| d.job.status.is_active())
    });
    every(2, move || {
        if active.get_untracked() {
            tick.update(|t| *t += 1);
        }
    });
    let cancel = ServerAction::<CancelJob>::new();
    let state = action_errors(cancel);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(d) => {
                        let j = d.job.clone();
                        view! {
                            <Title text=format!("Job #{} · Census", j.id) />
                            <h1>{format!("{} #{}", j.kind.label(), j.id)}</h1>
                            {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
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
                                <dd>{format!("{} ({})", j.requested_by, j.trigger)}</dd>
                                {j.error.clone().map(|e| view! { <dt>"Error"</dt><dd class="error-text">{e}</dd> })}
                                {j.result.clone().map(|r| view! { <dt>"Result"</dt><dd><code>{r.to_string()}</code></dd> })}
                            </dl>
                            {j.status.is_active().then(|| view! {
                                <ActionForm action=cancel>
                                    <input type="hidden" name="id" value=j.id />
                                    <button type="submit" class="btn btn-danger">"Cancel"</button>
                                </ActionForm>
                            })}
                            <section class="card">
                                <h2>"Log"</h2>
                                <pre class="job-log" id="job-log">
                                    {d.logs
                                        .iter()
                                        .map(|l| format!("{}  {:>5}  {}\n", fmt_time(&l.time), l.level, l.message))
                                        .collect::<String>()}
                                </pre>
                            </section>
                            <a href="/jobs">"All jobs"</a>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn SourcesPage() -> impl IntoView {
    let query = use_query_map();
    let test = ServerAction::<TestSource>::new();
    let state = action_errors(test);
    let start = ServerAction::<StartJob>::new();
    let data = Resource::new(move || start.version().get(), |_| fetch_sources());
    let sstate = action_errors(start);
    view! {
        <Title text="Sources · Census" />
        <h1>"Sources"</h1>
        <p class="muted">
            "Sources are configured with environment variables or census.toml (see the README); secrets are never shown."
        </p>
        {move || sstate().0.map(|e| view! { <ErrorBox err=e /> })}
        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
        {move || {
            let q = query.get();
            q.get("test").map(|src| {
                let ok = q.get("ok").as_deref() == Some("true");
                let label = Source::parse(&src).map(|s| s.label()).unwrap_or("Source");
                view! {
                    <div class=if ok { "alert alert-success" } else { "alert alert-error" } role="status" id="test-result">
                        {format!("{label}: {}", q.get("message").unwrap_or_default())}
                    </div>
                }
            })
        }}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(list) => {
                        list.into_iter()
                            .map(|s| {
                                let src = s.source.as_str();
                                view! {
                                    <section class="card source" data-source=src>
                                        <h2>{s.label.clone()} " " <span class=format!("fresh fresh-{}", s.freshness)>{s.freshness.clone()}</span></h2>
                                        <dl class="details">
                                            {s.settings
                                                .iter()
                                                .map(|(k, v)| view! { <dt><code>{k.clone()}</code></dt><dd>{if v.is_empty() { "—".to_string() } else { v.clone() }}</dd> })
                                                .collect_view()}
                                            <dt>"Schedule"</dt>
                                            <dd>{s.schedule.clone().map(|t| format!("daily at {t} ({})", s.timezone)).unwrap_or_else(|| "off".into())}</dd>
                                            <dt>"Last run"</dt>
                                            <dd>
                                                {s.last_run.clone().map(|j| view! {
                                                    <a href=format!("/jobs/{}", j.id)>{format!("#{} {}", j.id, j.status.as_str())}</a>
                                                    {j.finished_at.map(|t| format!(" at {}", fmt_time(&t)))}
                                                }.into_any()).unwrap_or_else(|| "never".into_any())}
                                            </dd>
                                            <dt>"Last success"</dt>
                                            <dd>{s.last_success.as_ref().and_then(|j| j.finished_at.clone()).map(|t| fmt_time(&t)).unwrap_or_else(|| "never".into())}</dd>
                                            <dt>"Devices collected"</dt>
                                            <dd>{s.devices_collected.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</dd>
                                        </dl>
                                        <div class="list-actions">
                                            <ActionForm action=test>
                                                <input type="hidden" name="source" value=src />
                                                <button type="submit" class="btn" disabled=!s.configured>"Test connection"</button>
                                            </ActionForm>
                                            <ActionForm action=start>
                                                <input type="hidden" name="kind" value=s.source.job_kind().as_str() />
                                                <button type="submit" class="btn btn-primary" disabled=!s.configured>"Collect now"</button>
                                            </ActionForm>
                                        </div>
                                    </section>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SiteMappingPage() -> impl IntoView {
    let query = use_query_map();
    let set = ServerAction::<SetMapping>::new();
    let data = Resource::new(move || set.version().get(), |_| fetch_mappings());
    let state = action_errors(set);
    view! {
        <Title text="Site mapping · Census" />
        <h1>"Site mapping"</h1>
        <p class="muted">
            "The names NinjaOne and ThreatLocker use for where devices are, and the Census site each counts under. "
            "Names that match a site map automatically; a location follows its organisation unless mapped on its own. "
            "Mapping re-attributes the history already collected."
        </p>
        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
        {move || {
            let only = query.get().get("unmapped").is_some();
            view! {
                <p>
                    {if only {
                        view! { <a href="/site-mapping">"Show all names"</a> }.into_any()
                    } else {
                        view! { <a href="/site-mapping?unmapped=1">"Show unmapped names only"</a> }.into_any()
                    }}
                </p>
            }
        }}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) => {
                        let only = query.get().get("unmapped").is_some();
                        let sites = v.sites.options.clone();
                        view! {
                            <div class="table-wrap">
                                <table class="table" id="mappings">
                                    <TableHead cols=&["Source", "Organisation / location", "#Devices", "Counts under", "Map to"] />
                                    <tbody>
                                        {v.rows
                                            .into_iter()
                                            .filter(|m| !only || m.effective_site_id.is_none())
                                            .map(|m| {
                                                let name = if m.location_name.is_empty() { m.org_name.clone() } else { format!("{} / {}", m.org_name, m.location_name) };
                                                let how = match m.method.as_deref() {
                                                    Some("manual") => "mapped by hand",
                                                    Some("auto") => "names match",
                                                    _ if !m.location_name.is_empty() && m.effective_site_id.is_some() => "follows its organisation",
                                                    _ => "not mapped",
                                                };
                                                let cur = m.site_id.map(|i| i.to_string()).unwrap_or_default();
                                                let sites = sites.clone();
                                                let row_class = if m.location_name.is_empty() { "" } else { "sub" };
                                                let (key, select_label, new_label) = (name.clone(), format!("Site for {name}"), format!("New site for {name}"));
                                                let none_label = if m.location_name.is_empty() { "(automatic)" } else { "(follow organisation)" };
                                                view! {
                                                    <tr data-mapping=key class=row_class>
                                                        <td data-label="Source">{m.source.label()}</td>
                                                        <td data-label="Name">{name.clone()}</td>
                                                        <td data-label="Devices" class="num">{m.device_count}</td>
                                                        <td data-label="Counts under">
                                                            <strong>{m.effective_site_name.clone()}</strong>
                                                            <span class="muted">{format!(" ({how})")}</span>
                                                        </td>
                                                        <td data-label="Map to">
                                                            <ActionForm action=set attr:class="inline-form">
                                                                <input type="hidden" name="id" value=m.id />
                                                                <select name="site_id" aria-label=select_label prop:value=cur.clone()>
                                                                    <option value="">{none_label}</option>
                                                                    {sites.iter().map(|o| view! { <option value=o.id.to_string() selected=o.id.to_string() == cur>{o.display.clone()}</option> }).collect_view()}
                                                                </select>
                                                                <input name="new_site" placeholder="or a new site's name" aria-label=new_label />
                                                                <button type="submit" class="btn btn-small">"Map"</button>
                                                            </ActionForm>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveSettings>::new();
    let data = Resource::new(move || save.version().get(), |_| fetch_settings());
    let state = action_errors(save);
    let me = me_resource();
    view! {
        <Title text="Settings · Census" />
        <h1>"Settings"</h1>
        {move || query.get().get("saved").map(|_| view! { <div class="alert alert-success" role="status">"Saved."</div> })}
        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let admin = me.await.ok().flatten().is_some_and(|m| m.role.is_admin());
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                    Ok(s) => {
                        let sent = move |k: &str, dflt: String| state().2.get(k).cloned().unwrap_or(dflt);
                        let patterns = s.extra_spare_patterns.join("\n");
                        let nums = [
                            ("daily_retention_days", "Keep daily snapshots (days)", s.daily_retention_days),
                            ("month_end_retention_months", "Keep month-end snapshots (months)", s.month_end_retention_months),
                            ("raw_retention_days", "Keep raw source payloads (days)", s.raw_retention_days),
                        ];
                        view! {
                            <section class="card narrow-card">
                                <h2>"Spare devices and retention"</h2>
                                <p class="muted">
                                    "A device is spare when its display name or location contains “spare” or one of these patterns (one per line, any case), or NinjaOne reports it as a VMware guest. New patterns apply from the next collection."
                                </p>
                                <ActionForm action=save>
                                    <div class="field">
                                        <label for="extra_spare_patterns">"Extra spare patterns"</label>
                                        <textarea id="extra_spare_patterns" name="extra_spare_patterns" rows="4" disabled=!admin>
                                            {sent("extra_spare_patterns", patterns)}
                                        </textarea>
                                        <FieldErrorList errors=state().1 name="extra_spare_patterns" />
                                    </div>
                                    {nums
                                        .into_iter()
                                        .map(|(k, l, n)| {
                                            let val = sent(k, n.to_string());
                                            view! {
                                                <div class="field">
                                                    <label for=k>{l}</label>
                                                    <input id=k name=k type="number" value=val.clone() prop:value=val disabled=!admin />
                                                    <FieldErrorList errors=state().1 name=k />
                                                </div>
                                            }
                                        })
                                        .collect_view()}
                                    {if admin {
                                        view! { <button type="submit" class="btn btn-primary">"Save"</button> }.into_any()
                                    } else {
                                        view! { <p class="muted">"Only administrators change settings."</p> }.into_any()
                                    }}
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// "Last seen by NinjaOne / ThreatLocker" on a device's page.
#[component]
pub fn LastSeenBySources(device_id: i64) -> impl IntoView {
    let data = Resource::new(move || device_id, fetch_last_seen);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let seen = data.await.unwrap_or_default();
                view! {
                    <section class="card" id="last-seen">
                        <h2>"Seen by the sources"</h2>
                        {if seen.is_empty() {
                            view! { <p class="muted">"Neither NinjaOne nor ThreatLocker has reported this device (matched by serial or host name)."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain">
                                    {seen
                                        .into_iter()
                                        .map(|s| {
                                            view! {
                                                <li>
                                                    {format!(
                                                        "Last seen by {} on {}{}",
                                                        s.source.label(),
                                                        s.date,
                                                        s.last_contact.map(|t| format!(" (last contact {})", fmt_time(&t))).unwrap_or_default()
                                                    )}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                    </section>
                }
            })}
        </Suspense>
    }
}
