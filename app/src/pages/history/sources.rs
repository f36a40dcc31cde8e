//! Sources (configuration, connection test, collect now), site mapping and the hub's settings.

use super::{fmt_time, source_names};
use crate::api::history::{
    SaveSettings, SetMapping, StartJob, TestSource, fetch_mappings, fetch_settings, fetch_sources,
};
use crate::components::*;
use crate::model::history::*;
use crate::pages::auth::action_errors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SourcesPage() -> impl IntoView {
    let query = use_query_map();
    let test = ServerAction::<TestSource>::new();
    let start = ServerAction::<StartJob>::new();
    let (tested, started) = (action_errors(test), action_errors(start));
    let data = Resource::new(
        move || (test.version().get(), start.version().get()),
        |_| fetch_sources(),
    );
    let me = me_resource();
    // The outcome of a connection test travels in the address, so it shows without JavaScript.
    let result = move || {
        let q = query.read();
        q.get("test").map(|src| {
            let ok = q.get("ok").as_deref() == Some("true");
            let label = Source::parse(&src).map(|s| s.label()).unwrap_or("Source");
            view! {
                <div class=if ok { "alert alert-success" } else { "alert alert-error" } role="status" id="test-result">
                    {format!("{label}: {}", q.get("message").unwrap_or_default())}
                </div>
            }
        })
    };
    view! {
        <Title text="Sources · Census" />
        <h1>"Sources"</h1>
        <p class="muted">
            "Sources are configured with environment variables or census.toml (see the README); secrets are never shown."
        </p>
        {move || tested().0.map(|e| view! { <ErrorBox err=e /> })}
        {move || started().0.map(|e| view! { <ErrorBox err=e /> })}
        {result}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(list) => list.into_iter().map(|s| source_card(s, can, test, start)).collect_view().into_any(),
                }
            })}
        </Transition>
    }
}

fn source_card(
    s: SourceStatus,
    can: bool,
    test: ServerAction<TestSource>,
    start: ServerAction<StartJob>,
) -> impl IntoView {
    let src = s.source.as_str();
    let settings = s
        .settings
        .iter()
        .map(|(k, v)| {
            let shown = if v.is_empty() {
                "—".to_string()
            } else {
                v.clone()
            };
            view! { <dt><code>{k.clone()}</code></dt><dd>{shown}</dd> }
        })
        .collect_view();
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
                <ActionForm action=test>
                    <input type="hidden" name="source" value=src />
                    <button type="submit" class="btn" disabled=disabled>"Test connection"</button>
                </ActionForm>
                <ActionForm action=start>
                    <input type="hidden" name="kind" value=s.source.job_kind().as_str() />
                    <button type="submit" class="btn btn-primary" disabled=disabled>"Collect now"</button>
                </ActionForm>
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
}

#[component]
pub fn SiteMappingPage() -> impl IntoView {
    let query = use_query_map();
    let set = ServerAction::<SetMapping>::new();
    let state = action_errors(set);
    let data = Resource::new(move || set.version().get(), |_| fetch_mappings());
    let me = me_resource();
    view! {
        <Title text="Site mapping · Census" />
        <h1>"Site mapping"</h1>
        <p class="muted">
            {format!("The names {} use for where devices are, and the Census site each counts under. ", source_names("and"))}
            "Names that match a site map automatically; a location follows its organisation unless mapped on its own. "
            "Mapping re-attributes the history already collected."
        </p>
        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
        {move || {
            if query.read().get("unmapped").is_some() {
                view! { <p><a href="/site-mapping">"Show all names"</a></p> }
            } else {
                view! { <p><a href="/site-mapping?unmapped=1">"Show unmapped names only"</a></p> }
            }
        }}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                let only = query.read().get("unmapped").is_some();
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) => mapping_table(v, only, can, set).into_any(),
                }
            })}
        </Transition>
    }
}

fn mapping_table(
    v: MappingView,
    only: bool,
    can: bool,
    set: ServerAction<SetMapping>,
) -> impl IntoView {
    let sites = v.sites;
    let rows = v
        .mappings
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
            let form = can.then(|| {
                let name = name.clone();
                let choices = sites
                    .options
                    .iter()
                    .map(|o| {
                        let v = o.id.to_string();
                        let selected = v == cur;
                        view! { <option value=v selected=selected>{o.display.clone()}</option> }
                    })
                    .collect_view();
                view! {
                    <ActionForm action=set attr:class="inline-form">
                        <input type="hidden" name="id" value=m.id />
                        <select name="site_id" aria-label=format!("Site for {name}")>
                            <option value="">{none_label}</option>
                            {choices}
                        </select>
                        <input name="new_site" placeholder="or a new site's name" aria-label=format!("New site for {name}") />
                        <button type="submit" class="btn btn-small">"Map"</button>
                    </ActionForm>
                }
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
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" id="mappings">
                <TableHead cols=&["Source", "Organisation / location", "#Devices", "Counts under", "Map to"] />
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveSettings>::new();
    let state = action_errors(save);
    let data = Resource::new(move || save.version().get(), |_| fetch_settings());
    let me = me_resource();
    view! {
        <Title text="Settings · Census" />
        <h1>"Settings"</h1>
        {move || {
            (query.read().get("saved").is_some() && state().0.is_none())
                .then(|| view! { <div class="alert alert-success" role="status">"Saved."</div> })
        }}
        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let admin = me.await.ok().flatten().is_some_and(|m| m.role.is_admin());
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(s) => settings_form(s, admin, save).into_any(),
                }
            })}
        </Transition>
    }
}

fn settings_form(
    s: HistorySettings,
    admin: bool,
    save: ServerAction<SaveSettings>,
) -> impl IntoView {
    let state = action_errors(save);
    let errors = Signal::derive(move || state().1);
    // What was sent comes back after a refusal, so nothing typed is lost.
    let value = move |k: &'static str, stored: String| {
        Signal::derive(move || state().2.get(k).cloned().unwrap_or_else(|| stored.clone()))
    };
    let labels = [
        "Keep daily snapshots (days)",
        "Keep month-end snapshots (months)",
        "Keep raw source payloads (days)",
    ];
    let stored = [
        s.daily_retention_days,
        s.month_end_retention_months,
        s.raw_retention_days,
    ];
    let nums = RETENTION_LIMITS
        .into_iter()
        .zip(labels)
        .zip(stored)
        .map(|(((k, _, min, max), l), n)| {
            let v = value(k, n.to_string());
            let invalid = move || errors.with(|e| e.contains_key(k)).to_string();
            view! {
                <div class="field">
                    <label for=k>{l}</label>
                    <input id=k name=k type="number" min=min max=max step="1" value=v prop:value=v
                        disabled=!admin aria-invalid=invalid aria-describedby=format!("err-{k}") />
                    {move || view! { <FieldErrorList errors=errors.get() name=k /> }}
                </div>
            }
        })
        .collect_view();
    let patterns = value("extra_spare_patterns", s.extra_spare_patterns.join("\n"));
    let submit = if admin {
        view! { <button type="submit" class="btn btn-primary">"Save"</button> }.into_any()
    } else {
        view! { <p class="muted">"Only administrators change settings."</p> }.into_any()
    };
    view! {
        <section class="card narrow-card">
            <h2>"Spare devices and retention"</h2>
            <p class="muted">
                "A device is spare when its display name or location contains “spare” or one of these patterns (one per line, any case), or NinjaOne reports it as a VMware guest. New patterns apply from the next collection."
            </p>
            <ActionForm action=save>
                <div class="field">
                    <label for="extra_spare_patterns">"Extra spare patterns"</label>
                    <textarea id="extra_spare_patterns" name="extra_spare_patterns" rows="4" disabled=!admin prop:value=patterns
                        aria-invalid=move || errors.with(|e| e.contains_key("extra_spare_patterns")).to_string()
                        aria-describedby="err-extra_spare_patterns">
                        {move || patterns.get()}
                    </textarea>
                    {move || view! { <FieldErrorList errors=errors.get() name="extra_spare_patterns" /> }}
                </div>
                {nums}
                {submit}
            </ActionForm>
        </section>
    }
}
