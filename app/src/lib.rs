//! Census: the Leptos application (routes, pages, components, server functions) and, behind the
//! `ssr` feature, the domain services and persistence.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
pub mod schema;

#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};
use pages::admin::{TokensRoute, UserEditRoute, UsersRoute};
use pages::auth::{AccountRoute, LoginRoute, SetupRoute};
use pages::history::{
    DashboardRoute, JobRoute, JobsRoute, SeenDevicesRoute, SettingsRoute, SiteMappingRoute,
    SourcesRoute,
};
use pages::layout::Layout;
use pages::objects::*;
use pages::*;

/// The HTML document around the application, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::auth::provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HashedStylesheet options=options.clone() id="census-css" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Lets tests (and curious people) tell when the page has become interactive.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Meta name="color-scheme" content="light dark" />
        <Title text="Census" />
        <Router>
            <Routes fallback=|| view! { <main class="narrow"><NotFound /></main> }>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/overview") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/devices") view={Lazy::<SeenDevicesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view={Lazy::<JobsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view={Lazy::<JobRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sources") view={Lazy::<SourcesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/site-mapping") view={Lazy::<SiteMappingRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/search") view={Lazy::<SearchRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/changes") view={Lazy::<ChangesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/tokens") view={Lazy::<TokensRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/users/:id") view={Lazy::<UserEditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/:kind") view=ObjectListPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/new") view={Lazy::<ObjectFormRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/:kind/bulk") view={Lazy::<BulkRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/:kind/:id") view=ObjectDetailPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/:id/edit") view={Lazy::<ObjectFormRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/:kind/:id/delete") view={Lazy::<ObjectDeleteRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
