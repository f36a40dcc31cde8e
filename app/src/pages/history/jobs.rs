//! Jobs: the runs (newest first), starting one, and one run with its live log.

use super::{Freshness, Liveness, fmt_time, live_refresh};
use crate::api::history::{CancelJob, StartJob, fetch_job, fetch_jobs};
use crate::components::*;
use crate::model::history::*;
use crate::pages::auth::action_errors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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

/// A status as a coloured badge.
fn status_badge(s: JobStatus) -> impl IntoView {
    view! { <span class=format!("status status-{}", s.as_str())>{s.as_str()}</span> }
}

/// While a run is queued or running its page refreshes every 2 seconds.
fn refresh_while(active: bool) -> Liveness {
    Liveness {
        every_secs: active.then_some(2),
        version: None,
    }
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let offset = while_here(at("/jobs"), move || {
        query.read().get("offset").unwrap_or_default()
    });
    let start = ServerAction::<StartJob>::new();
    let started = action_errors(start);
    let active = RwSignal::new(false);
    let tick = live_refresh(move || refresh_while(active.get()));
    let data = Resource::new(
        move || (offset.get(), tick.get(), start.version().get()),
        |(offset, _, _)| fetch_jobs(offset),
    );
    let me = me_resource();
    view! {
        <Title text="Jobs · Census" />
        <h1>"Jobs"</h1>
        {move || started().0.map(|e| view! { <ErrorBox err=e /> })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can_write = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(v) => {
                        active.set(v.jobs.iter().any(|j| j.status.is_active()));
                        jobs_body(v, can_write, start, query.get()).into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn jobs_body(
    v: JobsView,
    can_write: bool,
    start: ServerAction<StartJob>,
    params: leptos_router::params::ParamsMap,
) -> impl IntoView {
    let buttons = can_write.then(|| {
        let forms = JobKind::all()
            .into_iter()
            .map(|k| {
                view! {
                    <ActionForm action=start>
                        <input type="hidden" name="kind" value=k.as_str() />
                        <button type="submit" class="btn" data-kind=k.as_str()>
                            {format!("Start {}", k.label().to_lowercase())}
                        </button>
                    </ActionForm>
                }
            })
            .collect_view();
        view! { <div class="list-actions job-start">{forms}</div> }
    });
    let rows = v
        .jobs
        .iter()
        .map(|j| {
            let link = format!("/jobs/{}", j.id);
            view! {
                <tr data-job=j.id data-status=j.status.as_str()>
                    <td data-label="#"><a href=link.clone()>{j.id}</a></td>
                    <td data-label="Job"><a href=link>{j.kind.label()}</a></td>
                    <td data-label="Status">{status_badge(j.status)}</td>
                    <td data-label="Progress">{progress_bar(j)}</td>
                    <td data-label="Started">{j.started_at.as_deref().map(fmt_time).unwrap_or_default()}</td>
                    <td data-label="Duration">{duration(j)}</td>
                    <td data-label="By">{by(j)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {buttons}
        <Freshness sources=v.sources />
        <div class="table-wrap">
            <table class="table" id="jobs">
                <TableHead cols=&["#", "Job", "Status", "Progress", "Started", "Duration", "By"] />
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager count=v.count offset=v.offset limit=v.limit path="/jobs".to_string() params />
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let id = id_param();
    let cancel = ServerAction::<CancelJob>::new();
    let cancelled = action_errors(cancel);
    let active = RwSignal::new(false);
    let tick = live_refresh(move || refresh_while(active.get()));
    let data = Resource::new(
        // No run has id 0: an id that is not a number answers 404.
        move || (id.get().unwrap_or(0), tick.get(), cancel.version().get()),
        |(id, _, _)| fetch_job(id),
    );
    let me = me_resource();
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can_write = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                match data.await {
                    Err(e) => failed_view(e),
                    Ok(d) => {
                        let j = d.job;
                        active.set(j.status.is_active());
                        let log: String = d
                            .logs
                            .iter()
                            .map(|l| format!("{}  {:>5}  {}\n", fmt_time(&l.time), l.level.as_str(), l.message))
                            .collect();
                        let cancel_form = (j.status.is_active() && can_write).then(|| {
                            view! {
                                <ActionForm action=cancel>
                                    <input type="hidden" name="id" value=j.id />
                                    <button type="submit" class="btn btn-danger">"Cancel"</button>
                                </ActionForm>
                            }
                        });
                        let title = format!("{} #{}", j.kind.label(), j.id);
                        view! {
                            <Title text=format!("{title} · Census") />
                            <h1>{title}</h1>
                            {move || cancelled().0.map(|e| view! { <ErrorBox err=e /> })}
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
                            {cancel_form}
                            <section class="card">
                                <h2>"Log"</h2>
                                <pre class="job-log" id="job-log">{log}</pre>
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
