//! The history hub's pages: the dashboard (figures, charts, breakdowns, coverage, freshness),
//! the devices the sources reported, jobs, sources, site mapping and settings, and the "seen by
//! the sources" panel of a Census device's page.
//!
//! Each page is a component whose resources carry the page's data (DTOs) and are keyed on its
//! address, so the router's links and `<Form>`s change what is shown without a reload, and every
//! control still works without JavaScript (GET forms, and writes as `ActionForm`s that post to
//! their server function and come back). With JavaScript, live pages refetch on a signal
//! ([`live_refresh`]): the dashboard every minute and as soon as a collection finishes, a
//! running job every two seconds.

pub mod dashboard;
pub mod jobs;
pub mod sources;

pub use dashboard::{DashboardPage, LastSeenBySources, SeenDevicesPage};
pub use jobs::{JobPage, JobsPage};
pub use sources::{SettingsPage, SiteMappingPage, SourcesPage};

crate::pages::lazy_page!(
    DashboardRoute => DashboardPage,
    SeenDevicesRoute => SeenDevicesPage,
    JobsRoute => JobsPage,
    JobRoute => JobPage,
    SourcesRoute => SourcesPage,
    SiteMappingRoute => SiteMappingPage,
    SettingsRoute => SettingsPage,
);

use crate::model::history::*;
use leptos::prelude::*;

/// `2026-03-15T02:00:00Z` as `2026-03-15 02:00:00 UTC`.
pub(crate) fn fmt_time(t: &str) -> String {
    t.replace('T', " ").replace('Z', " UTC")
}

/// The sources' names as a phrase: `NinjaOne or ThreatLocker`, `NinjaOne, X and Y`.
pub(crate) fn source_names(conjunction: &str) -> String {
    let labels: Vec<&str> = Source::ALL.iter().map(|s| s.label()).collect();
    phrase(&labels, conjunction)
}

/// How fresh each source's data are: a line of badges above the hub's pages.
#[component]
pub fn Freshness(sources: Vec<SourceStatus>) -> impl IntoView {
    let items = sources
        .into_iter()
        .map(|s| {
            let when = s
                .last_success
                .as_ref()
                .and_then(|j| j.finished_at.clone())
                .map(|t| fmt_time(&t))
                .unwrap_or_else(|| "never".into());
            let note = if s.configured {
                ""
            } else {
                " (not configured)"
            };
            view! {
                <span class=format!("fresh fresh-{}", s.freshness) data-source=s.source.as_str()>
                    <strong>{s.label}</strong>
                    {format!(" last collected {when}{note}")}
                </span>
            }
        })
        .collect_view();
    view! { <div class="freshness">{items}</div> }
}

/// A `<select>` named `name` of `options` (value, label) with `current` chosen. In a form
/// marked `data-autosubmit` a choice applies at once (with JavaScript).
pub(crate) fn choice(
    id: &str,
    name: &'static str,
    current: &str,
    options: Vec<(String, String)>,
) -> impl IntoView + use<> {
    let opts = options
        .into_iter()
        .map(|(v, l)| {
            let selected = v == current;
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect_view();
    view! {
        <select id=id.to_string() name=name on:change=auto_submit>
            {opts}
        </select>
    }
}

/// A select inside a `data-autosubmit` form submits it when changed (the router's `<Form>`
/// then navigates in place); elsewhere nothing happens.
fn auto_submit(ev: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("form[data-autosubmit]").ok().flatten())
            .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(f) = form {
            let _ = f.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// What keeps a page live: how often to refetch (seconds, `None`: never on a timer) and the hub
/// version the shown data were computed at (`None`: not watched).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Liveness {
    pub every_secs: Option<u32>,
    pub version: Option<String>,
}

/// Returns a tick to put in a page's resource keys. With JavaScript it moves on every
/// `every_secs` of the current [`Liveness`], and (checked every five seconds) as soon as the
/// hub's version differs from the shown one — but never while the focus is in one of the page's
/// fields, where a refresh would undo what the user is typing. On the server it stays 0.
pub fn live_refresh(liveness: impl Fn() -> Liveness + Send + Sync + 'static) -> ReadSignal<u32> {
    let tick = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    live::run(tick, liveness);
    #[cfg(not(feature = "hydrate"))]
    let _ = liveness;
    tick.read_only()
}

#[cfg(feature = "hydrate")]
mod live {
    use super::Liveness;
    use crate::api::history::hub_version;
    use leptos::prelude::*;
    use std::time::Duration;

    /// A field of the page has the focus.
    fn typing() -> bool {
        document().active_element().is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                && e.closest("main").ok().flatten().is_some()
        })
    }

    pub fn run(tick: RwSignal<u32>, liveness: impl Fn() -> Liveness + Send + Sync + 'static) {
        let seconds = StoredValue::new(0u32);
        let liveness = StoredValue::new(liveness);
        let reload = move || {
            seconds.set_value(0);
            tick.update(|t| *t += 1);
        };
        Effect::new(move |_| {
            let step = move || {
                let n = seconds.get_value() + 1;
                seconds.set_value(n);
                if typing() {
                    return;
                }
                let live = untrack(|| liveness.with_value(|f| f()));
                if live.every_secs.is_some_and(|s| n >= s) {
                    reload();
                } else if let Some(shown) = live.version
                    && n.is_multiple_of(5)
                {
                    leptos::task::spawn_local(async move {
                        if hub_version().await.is_ok_and(|now| now != shown) {
                            reload();
                        }
                    });
                }
            };
            if let Ok(h) = set_interval_with_handle(step, Duration::from_secs(1)) {
                on_cleanup(move || h.clear());
            }
        });
    }
}
