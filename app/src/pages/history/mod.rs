//! The history hub's pages: the dashboard (figures, charts, breakdowns, coverage, freshness),
//! the devices the sources reported, jobs, sources, site mapping and settings.
//!
//! The server renders each page's content to HTML (`html`); the browser bundle carries only
//! this shell, which shows that HTML and, with JavaScript, keeps it live: GET forms inside it
//! navigate without a reload (a select in a `data-autosubmit` form applies at once), the
//! dashboard reloads its content every minute and as soon as a collection finishes, and a
//! running job's page every two seconds — without a page reload. Links are the router's.

#[cfg(feature = "ssr")]
pub mod html;

use crate::api::history::render_page;
use crate::components::failed_view;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// Every history page: its content is the server's rendering of the current address.
#[component]
pub fn HubPage() -> impl IntoView {
    let location = use_location();
    server_page(move || (location.pathname.get(), location.search.get()))
}

/// "Seen by the sources" on a Census device's page.
#[component]
pub fn LastSeenBySources(device_id: i64) -> impl IntoView {
    server_page(move || (format!("/devices/{device_id}/last-seen"), String::new()))
}

fn server_page(address: impl Fn() -> (String, String) + Send + Sync + 'static) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || (address(), tick.get()),
        |((path, query), _)| render_page(path, query),
    );
    #[cfg(feature = "hydrate")]
    live::keep_fresh(data, tick);
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                #[cfg(feature = "hydrate")]
                let navigate = navigate.clone();
                Suspend::new(async move {
                    let p = match data.await {
                        Err(e) => return failed_view(e),
                        Ok(p) => p,
                    };
                    let title = (!p.title.is_empty())
                        .then(|| view! { <Title text=format!("{} · Census", p.title) /> });
                    #[cfg(feature = "hydrate")]
                    let content = view! {
                        <div
                            class="server-page"
                            inner_html=p.html
                            on:submit={
                                let navigate = navigate.clone();
                                move |ev| live::submit(ev, &navigate)
                            }
                            on:click=move |ev| live::click(ev, &navigate)
                            on:change=live::change
                        ></div>
                    };
                    #[cfg(not(feature = "hydrate"))]
                    let content = view! { <div class="server-page" inner_html=p.html></div> };
                    view! { {title} {content} }.into_any()
                })
            }}
        </Transition>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use crate::api::history::hub_version;
    use crate::error::AppError;
    use crate::model::history::PageHtml;
    use leptos::prelude::*;
    use leptos_router::NavigateOptions;
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlFormElement};

    /// A form control inside the page has the focus: a refresh now would undo the user's input.
    fn busy() -> bool {
        document().active_element().is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                && e.closest(".server-page").ok().flatten().is_some()
        })
    }

    /// Once a second: reload after the page's refresh interval, and (every fifth second) when
    /// the hub's version has moved on from the one the page was rendered at.
    pub fn keep_fresh(data: Resource<Result<PageHtml, AppError>>, tick: RwSignal<u32>) {
        let seconds = StoredValue::new(0u32);
        let reload = move || {
            seconds.set_value(0);
            tick.update(|t| *t += 1);
        };
        Effect::new(move |_| {
            let step = move || {
                let Some(Ok(p)) = data.get_untracked() else {
                    return;
                };
                let n = seconds.get_value() + 1;
                seconds.set_value(n);
                if busy() {
                    return;
                }
                if p.refresh_secs.is_some_and(|s| n >= s) {
                    reload();
                } else if let Some(shown) = p.version
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

    /// A GET form inside the page navigates in place, as a link would.
    pub fn submit(ev: web_sys::SubmitEvent, navigate: &impl Fn(&str, NavigateOptions)) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if !form.method().eq_ignore_ascii_case("get") {
            return;
        }
        let (Ok(data), Ok(action)) = (
            web_sys::FormData::new_with_form(&form),
            web_sys::Url::new(&form.action()),
        ) else {
            return;
        };
        let Ok(query) = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data) else {
            return;
        };
        ev.prevent_default();
        let to = format!("{}?{}", action.pathname(), String::from(query.to_string()));
        navigate(&to, Default::default());
    }

    /// A link in a chart (an SVG `a`, which the router leaves to the browser) navigates in
    /// place too; HTML links are the router's already.
    pub fn click(ev: web_sys::MouseEvent, navigate: &impl Fn(&str, NavigateOptions)) {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.ctrl_key()
            || ev.meta_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let link = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|e| e.closest("a").ok().flatten())
            .filter(|a| a.namespace_uri().as_deref() == Some("http://www.w3.org/2000/svg"));
        if let Some(href) = link.and_then(|a| a.get_attribute("href"))
            && href.starts_with('/')
            && !href.starts_with("//")
        {
            ev.prevent_default();
            navigate(&href, Default::default());
        }
    }

    /// A select in a `data-autosubmit` form applies its choice at once.
    pub fn change(ev: web_sys::Event) {
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .filter(|e| e.tag_name() == "SELECT")
            .and_then(|e| e.closest("form[data-autosubmit]").ok().flatten())
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok());
        if let Some(f) = form {
            let _ = f.request_submit();
        }
    }
}
