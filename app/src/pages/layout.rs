//! The page frame: top bar with the global search and the user menu, and the navigation, which
//! collapses behind a menu button on a phone (a checkbox toggle, so it works without JavaScript).

use crate::api::auth::{Logout, current_user};
use crate::components::ErrorBox;
use crate::error::AppError;
use crate::schema::Kind;
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_query_map};

struct NavGroup {
    title: &'static str,
    kinds: &'static [Kind],
}

const NAV: &[NavGroup] = &[
    NavGroup {
        title: "Organisation",
        kinds: &[
            Kind::Region,
            Kind::SiteGroup,
            Kind::Site,
            Kind::Location,
            Kind::Tenant,
        ],
    },
    NavGroup {
        title: "Devices",
        kinds: &[Kind::Rack, Kind::Device, Kind::Manufacturer],
    },
    NavGroup {
        title: "Circuits",
        kinds: &[Kind::Provider, Kind::Circuit],
    },
];

#[component]
pub fn Layout() -> impl IntoView {
    let me = Resource::new_blocking(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        provide_context(me.clone());
                        view! { <Frame me /> }.into_any()
                    }
                    Ok(None) => view! { <main class="narrow"><ErrorBox err=AppError::Unauthorized /></main> }.into_any(),
                    Err(e) => view! { <main class="narrow"><ErrorBox err=e /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Frame(me: crate::model::Me) -> impl IntoView {
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
    let admin = me.role.is_admin();
    view! {
        <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label="Show navigation" />
        <header class="topbar">
            <label for="nav-toggle" class="nav-button" title="Menu">
                "☰"
            </label>
            <a href="/" class="brand">
                "Census"
            </a>
            <form method="get" action="/search" class="search" role="search">
                <input
                    type="search"
                    name="q"
                    prop:value=q
                    value=q
                    placeholder="Search name, serial, IP, MAC…"
                    aria-label="Search everything"
                />
            </form>
            <div class="user">
                <a href="/account" class="user-name" title="Your account">
                    {me.username.clone()}
                    <span class="role">{me.role.as_str()}</span>
                </a>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="btn btn-small btn-ghost">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </header>
        <div class="shell">
            <nav class="sidebar" aria-label="Main">
                <a href="/" class="nav-home">
                    "Overview"
                </a>
                {NAV
                    .iter()
                    .map(|g| {
                        view! {
                            <div class="nav-group">
                                <h2>{g.title}</h2>
                                <ul>
                                    {g
                                        .kinds
                                        .iter()
                                        .map(|k| {
                                            let r = k.res();
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
                        {admin.then(|| view! { <li><a href="/users">"Users"</a></li> })}
                        <li>
                            <a href="/api/v1/openapi.json" rel="external">"API (OpenAPI)"</a>
                        </li>
                    </ul>
                </div>
            </nav>
            <main class="content" id="main">
                <Outlet />
            </main>
        </div>
    }
}
