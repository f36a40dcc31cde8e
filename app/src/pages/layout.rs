//! The page frame: top bar with the global search and the user menu, and the navigation, which
//! collapses behind a menu button on a phone (a checkbox toggle, so it works without JavaScript).
//! On a phone the search is an icon that opens a full-width field (a checkbox toggle too). The
//! navigation scrolls on its own when taller than the window, and its groups collapse; which
//! ones the user closed is remembered in the `census_nav` cookie, so the server renders them
//! closed on the next page.

use crate::api::auth::{Logout, current_user};
use crate::components::{ErrorBox, MeResource};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::{Form, Outlet};
use leptos_router::hooks::{use_location, use_query_map};

/// The frame is rendered once per page load; only the parts that need the signed-in user wait
/// for it. (Components created inside a re-rendered closure would fetch their data again.)
#[component]
pub fn Layout() -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| current_user());
    provide_context(MeResource(me));
    let logout = ServerAction::<Logout>::new();
    let location = use_location();
    let query = use_query_map();
    let q = move || {
        if location.pathname.get() == "/search" {
            query.read().get("q").unwrap_or_default()
        } else {
            String::new()
        }
    };
    // On a phone, the menu closes once another page is chosen (not when the first page
    // finishes hydrating, which may come after the user opened the menu).
    Effect::new(move |shown: Option<String>| {
        let path = location.pathname.get();
        #[cfg(feature = "hydrate")]
        if shown.is_some_and(|p| p != path)
            && let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("nav-toggle"))
        {
            use wasm_bindgen::JsCast;
            el.unchecked_into::<web_sys::HtmlInputElement>()
                .set_checked(false);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = shown;
        path
    });
    view! {
        <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label="Show navigation" />
        <input type="checkbox" id="search-toggle" class="search-toggle" aria-label="Show the search box" on:change=focus_search />
        <header class="topbar">
            <label for="nav-toggle" class="nav-button" title="Menu">
                "☰"
            </label>
            <a href="/" class="brand">
                "Census"
            </a>
            <label for="search-toggle" class="search-button" title="Search">
                <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
                    <circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" stroke-width="2" />
                    <path d="M13 13l4.5 4.5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
            </label>
            <Form method="get" action="/search" attr:class="search" attr:role="search">
                <input
                    id="global-search"
                    type="search"
                    name="q"
                    prop:value=q
                    value=q
                    placeholder="Search name, serial, IP, MAC…"
                    aria-label="Search everything"
                />
                <label for="search-toggle" class="search-close" title="Close the search">
                    "✕"
                </label>
            </Form>
            <div class="user">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await
                            .ok()
                            .flatten()
                            .map(|m| {
                                view! {
                                    <a href="/account" class="user-name" title="Your account">
                                        {m.username.clone()}
                                        <span class="role">{m.role.as_str()}</span>
                                    </a>
                                }
                            })
                    })}
                </Suspense>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="btn btn-small btn-ghost">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </header>
        <div class="shell">
            <nav class="sidebar" aria-label="Main">
                <a href="/overview" class="nav-home">
                    "Overview"
                </a>
                <NavGroup name="History">
                    <li><a href="/dashboard">"Dashboard"</a></li>
                    <li><a href="/dashboard/devices">"Devices seen"</a></li>
                    <li><a href="/site-mapping">"Site mapping"</a></li>
                    <li><a href="/jobs">"Jobs"</a></li>
                    <li><a href="/sources">"Sources"</a></li>
                    <li><a href="/settings">"Settings"</a></li>
                </NavGroup>
                {crate::schema::NAV_GROUPS
                    .iter()
                    .map(|g| {
                        view! {
                            <NavGroup name=g>
                                {crate::schema::RESOURCES
                                    .iter()
                                    .filter(|r| r.nav == *g)
                                    .map(|r| {
                                        view! {
                                            <li>
                                                <a href=format!("/{}", r.slug)>{crate::schema::capitalize(r.plural)}</a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </NavGroup>
                        }
                    })
                    .collect_view()}
                <NavGroup name="Administration">
                    <li>
                        <a href="/changes">"Change log"</a>
                    </li>
                    <li>
                        <a href="/tokens">"API tokens"</a>
                    </li>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let admin = me.await.ok().flatten().is_some_and(|m| m.role.is_admin());
                            admin.then(|| view! { <li><a href="/users">"Users"</a></li> })
                        })}
                    </Suspense>
                    <li>
                        <a href="/api/v1/openapi.json" rel="external">"API (OpenAPI)"</a>
                    </li>
                </NavGroup>
            </nav>
            <main class="content" id="main">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(_)) => None,
                            Ok(None) => Some(view! { <ErrorBox err=AppError::Unauthorized /> }),
                            Err(e) => Some(view! { <ErrorBox err=e /> }),
                        }
                    })}
                </Suspense>
                <Outlet />
            </main>
        </div>
    }
}

/// The cookie naming the navigation groups the user closed (`.`-separated names).
const NAV_COOKIE: &str = "census_nav";

/// The groups the user closed, from the request's cookie on the server and from
/// `document.cookie` in the browser (so both render the same).
fn closed_groups() -> Vec<String> {
    #[cfg(feature = "ssr")]
    let cookies: String = use_context::<axum::http::request::Parts>()
        .map(|p| {
            p.headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let cookies: String = {
        use wasm_bindgen::JsCast;
        document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .unwrap_or_default()
    };
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let cookies = String::new();
    cookies
        .split(';')
        .filter_map(|c| c.trim().strip_prefix(NAV_COOKIE)?.strip_prefix('='))
        .flat_map(|v| v.split('.'))
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

/// A navigation group: a `<details>` that collapses with or without JavaScript.
#[component]
fn NavGroup(name: &'static str, children: Children) -> impl IntoView {
    let key: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    let open = !closed_groups().contains(&key);
    view! {
        <details class="nav-group" open=open data-group=key on:toggle=remember_groups>
            <summary>{name}</summary>
            <ul>{children()}</ul>
        </details>
    }
}

/// Remember which groups are closed, for a year.
fn remember_groups(_: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let doc = document();
        let Ok(groups) = doc.query_selector_all("details.nav-group") else {
            return;
        };
        let closed: Vec<String> = (0..groups.length())
            .filter_map(|i| groups.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlDetailsElement>().ok())
            .filter(|d| !d.open())
            .filter_map(|d| d.get_attribute("data-group"))
            .collect();
        if let Ok(d) = doc.dyn_into::<web_sys::HtmlDocument>() {
            let _ = d.set_cookie(&format!(
                "{NAV_COOKIE}={}; path=/; max-age=31536000; samesite=lax",
                closed.join(".")
            ));
        }
    }
}

/// Opening the phone's search field puts the cursor in it.
fn focus_search(_: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let doc = document();
        let open = doc
            .get_element_by_id("search-toggle")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|e| e.checked());
        if open
            && let Some(input) = doc
                .get_element_by_id("global-search")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = input.focus();
        }
    }
}
