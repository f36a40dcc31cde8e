//! The page frame: top bar with the global search and the user menu, and the navigation, which
//! collapses behind a menu button on a phone (a checkbox toggle, so it works without JavaScript).

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
    // On a phone, the menu closes once a page is chosen.
    Effect::new(move |_| {
        location.pathname.track();
        #[cfg(feature = "hydrate")]
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("nav-toggle"))
        {
            use wasm_bindgen::JsCast;
            el.unchecked_into::<web_sys::HtmlInputElement>()
                .set_checked(false);
        }
    });
    view! {
        <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label="Show navigation" />
        <header class="topbar">
            <label for="nav-toggle" class="nav-button" title="Menu">
                "☰"
            </label>
            <a href="/" class="brand">
                "Census"
            </a>
            <Form method="get" action="/search" attr:class="search" attr:role="search">
                <input
                    type="search"
                    name="q"
                    prop:value=q
                    value=q
                    placeholder="Search name, serial, IP, MAC…"
                    aria-label="Search everything"
                />
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
                <div class="nav-group">
                    <h2>"History"</h2>
                    <ul>
                        <li><a href="/dashboard">"Dashboard"</a></li>
                        <li><a href="/dashboard/devices">"Devices seen"</a></li>
                        <li><a href="/site-mapping">"Site mapping"</a></li>
                        <li><a href="/jobs">"Jobs"</a></li>
                        <li><a href="/sources">"Sources"</a></li>
                        <li><a href="/settings">"Settings"</a></li>
                    </ul>
                </div>
                {crate::schema::NAV_GROUPS
                    .iter()
                    .map(|g| {
                        view! {
                            <div class="nav-group">
                                <h2>{*g}</h2>
                                <ul>
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
                                </ul>
                            </div>
                        }
                    })
                    .collect_view()}
                <div class="nav-group">
                    <h2>"Administration"</h2>
                    <ul>
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
                    </ul>
                </div>
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
