//! The pages, one module per area, and the small ones here: home, search, change log, 404.

pub mod admin;
pub mod auth;
pub mod history;
pub mod layout;
pub mod objects;

/// `lazy_page!(Route => Page)`: a route whose page code is loaded when first visited. Built
/// with `cargo leptos build --split`, `Page`'s code (and what only it uses) is its own wasm
/// chunk, fetched by the router before the page shows (and before hydration when it is the
/// first page); on the server, and in a build without splitting, it renders as any page.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),+ $(,)?) => {$(
        #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> leptos::prelude::AnyView {
                use leptos::prelude::IntoAny;
                leptos::prelude::view! { <$page /> }.into_any()
            }
        }
    )+};
}
pub(crate) use lazy_page;

lazy_page!(
    HomeRoute => HomePage,
    SearchRoute => SearchPage,
    ChangesRoute => ChangesPage,
);

use crate::api::misc::{changes, fetch_home, search};
use crate::components::*;
use crate::schema::{RESOURCES, capitalize};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found · Census" />
        <h1>"Not found"</h1>
        <p>"There is no page at this address. " <a href="/">"Go to the overview"</a></p>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| fetch_home());
    let at_root = use_location().pathname.get_untracked() == "/";
    view! {
        <Title text="Overview · Census" />
        <h1>"Overview"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                    Ok(h) if h.has_history && at_root => {
                        view! { <leptos_router::components::Redirect path="/dashboard" /> }.into_any()
                    }
                    Ok(h) => {
                        let empty = h.counts.iter().all(|(_, n)| *n == 0);
                        view! {
                            {empty
                                .then(|| {
                                    view! {
                                        <div class="alert alert-info">
                                            "The inventory is empty. Start with a "
                                            <a href="/regions/new">"region"</a>
                                            " and a "
                                            <a href="/sites/new">"site"</a>
                                            ", then add racks and devices."
                                        </div>
                                    }
                                })}
                            <div class="counts">
                                {h
                                    .counts
                                    .into_iter()
                                    .map(|(k, n)| {
                                        let r = k.res();
                                        view! {
                                            <a class="count-card" href=format!("/{}", r.slug)>
                                                <span class="count-n" data-kind=r.slug>{n.to_string()}</span>
                                                <span class="count-label">{capitalize(r.plural)}</span>
                                            </a>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                            <section class="card">
                                <h2>"Recent changes"</h2>
                                <ChangeTable rows=h.recent show_object=true />
                                <a href="/changes">"Full change log"</a>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = while_here(at("/search"), move || {
        query.read().get("q").unwrap_or_default()
    });
    let data = Resource::new(move || q.get(), search);
    view! {
        <Title text="Search · Census" />
        <h1>"Search"</h1>
        <Form method="get" action="/search" attr:class="filter-bar" attr:role="search">
            <div class="field grow">
                <label for="search-q">"Name, serial, asset tag, IP or MAC"</label>
                <input id="search-q" type="search" name="q" value=move || q.get() prop:value=move || q.get() />
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">
                    "Search"
                </button>
            </div>
        </Form>
        <Suspense fallback=|| view! { <p class="muted">"Searching…"</p> }>
            {move || Suspend::new(async move {
                let term = q.get();
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                    Ok(_) if term.trim().is_empty() => view! { <p class="muted">"Type something to search for."</p> }.into_any(),
                    Ok(groups) if groups.is_empty() => view! { <p>{format!("Nothing matches “{term}”.")}</p> }.into_any(),
                    Ok(groups) => {
                        groups
                            .into_iter()
                            .map(|g| {
                                let r = g.kind.res();
                                let all = href(&format!("/{}", r.slug), &encode_query(&[("q".into(), term.clone())]));
                                view! {
                                    <section class="card search-group">
                                        <h2>{capitalize(r.plural)} " " <span class="count">{g.count}</span></h2>
                                        <ul class="plain">
                                            {g
                                                .rows
                                                .into_iter()
                                                .map(|o| {
                                                    let extra: Vec<String> = r
                                                        .search
                                                        .iter()
                                                        .chain(r.search_exact)
                                                        .filter(|f| **f != r.title)
                                                        .map(|f| o.text(f))
                                                        .filter(|t| !t.is_empty())
                                                        .take(3)
                                                        .collect();
                                                    view! {
                                                        <li>
                                                            <a href=format!("/{}/{}", r.slug, o.id)>{o.display.clone()}</a>
                                                            " "
                                                            <span class="muted">{extra.join(" · ")}</span>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                        {(g.count > 10).then(|| view! { <a href=all>{format!("All {} results", g.count)}</a> })}
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

const ACTIONS: &[&str] = &["create", "update", "delete"];

#[component]
pub fn ChangesPage() -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let key = while_here(at("/changes"), move || location.search.get());
    let data = Resource::new(move || key.get(), changes);
    let types: Vec<(String, String)> = RESOURCES
        .iter()
        .map(|r| (r.kind.as_str().to_string(), capitalize(r.singular)))
        .chain([
            ("user".to_string(), "User".to_string()),
            ("token".to_string(), "API token".to_string()),
        ])
        .collect();
    view! {
        <Title text="Change log · Census" />
        <h1>"Change log"</h1>
        {move || {
            let types = types.clone();
            let p = query.get();
            let get = |k: &str| p.get(k).unwrap_or_default();
            let ot = get("object_type");
            let act = get("action");
            let (user, since, until) = (get("user"), get("since"), get("until"));
            let (object_id, request_id) = (p.get("object_id"), p.get("request_id"));
            view! {
                <Form method="get" action="/changes" attr:class="filter-bar">
                    <div class="field">
                        <label for="f-user">"User"</label>
                        <input id="f-user" name="user" value=user.clone() prop:value=user />
                    </div>
                    <div class="field">
                        <label for="f-type">"Object type"</label>
                        <select id="f-type" name="object_type" prop:value=ot.clone()>
                            <option value="">"Any"</option>
                            {types
                                .iter()
                                .map(|(v, l)| view! { <option value=v.clone() selected=*v == ot>{l.clone()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="f-action">"Action"</label>
                        <select id="f-action" name="action" prop:value=act.clone()>
                            <option value="">"Any"</option>
                            {ACTIONS.iter().map(|a| view! { <option value=*a selected=*a == act>{*a}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="f-since">"From"</label>
                        <input id="f-since" name="since" type="date" value=since.clone() prop:value=since />
                    </div>
                    <div class="field">
                        <label for="f-until">"To"</label>
                        <input id="f-until" name="until" type="date" value=until.clone() prop:value=until />
                    </div>
                    {object_id.map(|v| view! { <input type="hidden" name="object_id" value=v /> })}
                    {request_id.map(|v| view! { <input type="hidden" name="request_id" value=v /> })}
                    <div class="filter-actions">
                        <button type="submit" class="btn btn-primary">"Apply"</button>
                        <a href="/changes" class="btn btn-ghost">"Reset"</a>
                    </div>
                </Form>
            }
        }}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let params = query.get();
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                    Ok(page) => {
                        view! {
                            <ChangeTable rows=page.rows show_object=true />
                            <Pager count=page.count offset=page.offset limit=page.limit path="/changes".to_string() params />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
