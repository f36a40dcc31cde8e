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
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};
use pages::admin::{TokensPage, UserEditPage, UsersPage};
use pages::auth::{AccountPage, LoginPage, SetupPage};
use pages::history::HubPage;
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
        <Stylesheet id="census-css" href="/pkg/census.css" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Meta name="color-scheme" content="light dark" />
        <Title text="Census" />
        <Router>
            <Routes fallback=|| view! { <main class="narrow"><NotFound /></main> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/overview") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/devices") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/sources") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/site-mapping") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=HubPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/changes") view=ChangesPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/tokens") view=TokensPage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/users/:id") view=UserEditPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind") view=ObjectListPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/new") view=ObjectFormPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/bulk") view=BulkPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/:id") view=ObjectDetailPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/:id/edit") view=ObjectFormPage ssr=SsrMode::Async />
                    <Route path=path!("/:kind/:id/delete") view=ObjectDeletePage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
